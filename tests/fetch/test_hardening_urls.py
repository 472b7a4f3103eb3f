"""One URL parser everywhere a URL enters; the peer address of the real connection is checked;
IPv6 forms embedding a private IPv4 address are private. Real servers on 127.0.0.1 only."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import tomli_w
from httpfixtures import LocalServer, route_page

from audit.fetch.http import FetchError, check_public, fetch_url, is_public_address

# URLs that two parsers read differently (host after @ vs host before the backslash, and so on)
AMBIGUOUS = [
    "{base}\\@8.8.8.8/ok",
    "{base}\\\\@8.8.8.8/ok",
    "http://8.8.8.8@{hostport}/ok",
    "http://user:pw@{hostport}/ok",
    "http:\\\\{hostport}/ok",
    "http://{hostport}\t/ok",
    "http://{hostport}/o k",
]


@pytest.fixture(scope="module")
def server():
    def redirect_to_ambiguous(h):
        h.send(302, b"", {"Location": h.server.ambiguous})

    with LocalServer({"/ok": route_page, "/page": route_page, "/redir": redirect_to_ambiguous,
                      "/robots.txt": lambda h: h.send(404, b"")}) as s:
        yield s


@pytest.fixture(autouse=True)
def _no_env_proxies(no_env_proxies):
    """Clear proxy and offline settings from the environment (conftest.no_env_proxies)."""


def _urls(server):
    hostport = server.base.split("://", 1)[1]
    return [u.format(base=server.base, hostport=hostport) for u in AMBIGUOUS]


def _requests(server) -> int:
    return len([p for p, _ in server.handler.log if p != "/redir"])


@pytest.mark.parametrize("i", range(len(AMBIGUOUS)))
@pytest.mark.parametrize("allow", [False, True])
def test_check_refuses_ambiguous_urls_and_sends_nothing(server, run_cli, i, allow):
    url = _urls(server)[i]
    before = _requests(server)
    args = ["check", url] + (["--allow-private-network"] if allow else [])
    r = run_cli(*args)
    assert r.code in (2, 3), r
    assert _requests(server) == before


@pytest.mark.parametrize("i", range(len(AMBIGUOUS)))
def test_declarations_refuse_ambiguous_urls(tmp_path, server, run_cli, i):
    url = _urls(server)[i]
    ws = tmp_path / "ws"
    (ws / "companies").mkdir(parents=True)
    doc = {"name": "Acme", "website": "https://example.com", "documents": [{"type": "privacy-policy", "url": url}]}
    (ws / "companies" / "acme.toml").write_text(tomli_w.dumps(doc), encoding="utf-8")
    r = run_cli("validate", "--workspace", ws)
    assert r.code == 2 and "documents[0].url" in r.err, r
    before = _requests(server)
    run_cli("fetch", "--workspace", ws, "--allow-private-network")
    assert _requests(server) == before


@pytest.mark.parametrize("i", range(len(AMBIGUOUS)))
def test_redirects_to_ambiguous_urls_are_refused(server, i):
    server.httpd.ambiguous = _urls(server)[i]
    before = _requests(server)
    with pytest.raises(FetchError):
        fetch_url(server.url("/redir"), trusted_hosts=("127.0.0.1",))
    assert _requests(server) == before


@pytest.mark.parametrize("i", range(len(AMBIGUOUS)))
def test_discover_refuses_ambiguous_urls(server, run_cli, tmp_path, i):
    before = _requests(server)
    r = run_cli("discover", _urls(server)[i], "--workspace", tmp_path, "--delay", "0")
    assert r.code == 2, r
    assert _requests(server) == before


def test_dns_rebinding_between_check_and_connect_is_refused(server, monkeypatch):
    """The guard's lookup sees a public address, the client's own lookup gets 127.0.0.1."""
    real = socket.getaddrinfo
    port = server.httpd.server_address[1]
    calls = []

    def rebinding(host, *args, **kwargs):
        if host == "rebind.example":
            calls.append(host)
            addr = "93.184.216.34" if len(calls) == 1 else "127.0.0.1"
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (addr, port))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    before = _requests(server)
    with pytest.raises(FetchError, match="non-public address"):
        fetch_url(f"http://rebind.example:{port}/page")
    assert len(calls) >= 2
    assert _requests(server) == before
    # allowed on purpose: the same connection goes ahead
    assert fetch_url(f"http://rebind.example:{port}/page", allow_private=True).status == 200


EMBEDDING_PRIVATE = ["64:ff9b::7f00:1", "64:ff9b::a00:1", "64:ff9b::c0a8:101", "64:ff9b::a9fe:a9fe",
                     "2002:7f00:1::", "2002:a00:1::1", "2002:c0a8:101::", "::ffff:127.0.0.1",
                     "64:ff9b:1::7f00:1", "2001:0:4136:e378:8000:63bf:80ff:fffe"]


@pytest.mark.parametrize("addr", EMBEDDING_PRIVATE)
def test_ipv6_forms_embedding_private_ipv4_are_private(addr, monkeypatch):
    assert not is_public_address(addr)
    with pytest.raises(FetchError, match="non-public"):
        check_public(f"http://[{addr}]/")
    monkeypatch.setattr(socket, "getaddrinfo",
                        lambda *a, **k: [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (addr, 80, 0, 0))])
    with pytest.raises(FetchError, match="non-public"):
        check_public("http://nat64.example/")


@pytest.mark.parametrize("addr", ["64:ff9b::808:808", "2002:808:808::1", "2606:4700::1111", "8.8.8.8"])
def test_public_addresses_stay_public(addr):
    assert is_public_address(addr)
