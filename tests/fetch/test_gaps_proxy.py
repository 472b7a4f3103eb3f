"""Proxies: no local DNS lookup when a proxy resolves names; settings read once per session.

Every server here is a real one bound to 127.0.0.1 and started by the test; the "proxy" is an
origin that also answers absolute-form requests, as an HTTP proxy receives them.
"""

from __future__ import annotations

import pytest
from test_safety import Server, Socks5, _workspace

from audit.fetch.http import FetchError, NetworkEnv, check_public, fetch_url
from audit.fetch.polite import FetchPolicy, PoliteFetcher

PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy",
              "no_proxy", "AUDIT_OFFLINE", "AUDIT_USER_AGENT", "REQUEST_METHOD")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for var in PROXY_VARS:
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def proxy():
    s = Server()
    yield s
    s.close()


def _use_http_proxy(monkeypatch, url: str, no_proxy: str | None = None):
    for var in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.setenv(var, url)
    if no_proxy is not None:
        monkeypatch.setenv("NO_PROXY", no_proxy)
        monkeypatch.setenv("no_proxy", no_proxy)


def _polite(**kw) -> PoliteFetcher:
    base = dict(delay=0, retries=0, connect_timeout=5, read_timeout=5, max_seconds=30, ignore_robots=True)
    return PoliteFetcher(FetchPolicy(**(base | kw)))


# ------------------------------------------------------------------------------ no DNS leak

def test_name_behind_http_proxy_is_not_resolved_locally(proxy, monkeypatch):
    # `.test` never resolves (RFC 6761): a local lookup would fail; only the proxy can answer
    _use_http_proxy(monkeypatch, proxy.url)
    res = fetch_url("http://policies.acme.test/law-enforcement")  # no --allow-private-network
    assert res.status == 200 and b"police" in res.content
    assert [t for t, _ in proxy.seen] == ["http://policies.acme.test/law-enforcement"]


def test_fetch_command_through_proxy_without_allow_private(run_cli, proxy, tmp_path, monkeypatch):
    ws = _workspace(tmp_path, "http://policies.acme.test/law-enforcement")
    _use_http_proxy(monkeypatch, proxy.url)
    r = run_cli("fetch", "--workspace", ws, "--delay", "0")
    assert r.code == 0, r
    assert "http://policies.acme.test/law-enforcement" in [t for t, _ in proxy.seen]
    assert "cannot resolve" not in r.err


def test_check_command_through_proxy_without_allow_private(run_cli, proxy, monkeypatch):
    _use_http_proxy(monkeypatch, proxy.url)
    r = run_cli("check", "http://policies.acme.test/law-enforcement", "--format", "json")
    assert r.code == 0, r
    assert [t for t, _ in proxy.seen] == ["http://policies.acme.test/law-enforcement"]


def test_socks5h_proxy_resolves_the_name(proxy, monkeypatch):
    pytest.importorskip("socks", reason="requests[socks] (PySocks) is not installed")
    socks = Socks5(proxy.httpd.server_address[1])
    try:
        monkeypatch.setenv("ALL_PROXY", f"socks5h://127.0.0.1:{socks.port}")
        monkeypatch.setenv("all_proxy", f"socks5h://127.0.0.1:{socks.port}")
        a = _polite().fetch("http://policies.acme.onion/law-enforcement")
    finally:
        socks.close()
    assert a.error is None, a.error
    assert socks.targets == ["policies.acme.onion:80"]  # the name went to the proxy, not to our resolver


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/x", "http://10.1.2.3/x", "http://169.254.169.254/latest/meta-data/", "http://[::1]/x",
    "http://2130706433/x", "http://127.1/x", "http://0x7f000001/x",  # old IPv4 spellings of loopback
    "http://localhost/x", "http://www.localhost/x", "http://printer.local/x", "http://wiki.corp.internal/x",
    "http://router.home.arpa/x", "http://intranet/x",
])
def test_private_targets_still_refused_through_proxy(proxy, monkeypatch, url):
    _use_http_proxy(monkeypatch, proxy.url)
    with pytest.raises(FetchError, match="non-public address|local name"):
        fetch_url(url)
    assert proxy.seen == []  # refused before anything was sent, even to the proxy
    _polite(allow_private=True).fetch(url)  # --allow-private-network lets it through to the proxy
    assert [t for t, _ in proxy.seen] == [url]


def test_check_public_without_lookup():
    check_public("http://policies.acme.test/", resolve=False)  # a name only the proxy can resolve
    check_public("http://8.8.8.8/", resolve=False)
    with pytest.raises(FetchError, match="local name"):
        check_public("http://localhost./", resolve=False)
    check_public("http://localhost/", allow_private=True, resolve=False)


def test_socks5_without_h_still_checks_locally(proxy, monkeypatch):
    # socks5:// makes this machine resolve the name anyway, so the full check stays in place
    monkeypatch.setenv("ALL_PROXY", "socks5://127.0.0.1:9")
    monkeypatch.setenv("all_proxy", "socks5://127.0.0.1:9")
    env = NetworkEnv.from_env()
    assert env.proxy_for("http://policies.acme.test/") == "socks5://127.0.0.1:9"
    assert not env.proxy_resolves("http://policies.acme.test/")
    with pytest.raises(FetchError, match="resolves to a non-public address"):
        fetch_url("http://localhost:9/x", network=env)  # resolved (via /etc/hosts), then refused


def test_no_proxy_host_goes_direct_and_is_checked_locally(proxy, monkeypatch):
    origin = Server()
    try:
        _use_http_proxy(monkeypatch, proxy.url, no_proxy="127.0.0.1")
        with pytest.raises(FetchError, match="non-public address \\(127.0.0.1\\)"):
            fetch_url(origin.url + "/le")
        a = _polite(allow_private=True).fetch(origin.url + "/le")
        assert a.error is None, a.error
        assert [t for t, _ in origin.seen] == ["/le"]  # origin-form: a direct request
        assert proxy.seen == []
    finally:
        origin.close()


def test_no_proxy_rules_match_requests():
    env = NetworkEnv({"http": "http://proxy.example:3128", "https": "http://proxy.example:3128"},
                     "example.org,.corp.example, 10.0.0.0/8,192.0.2.7")
    assert env.proxy_for("http://example.org/a") is None
    assert env.proxy_for("https://www.example.org/a") is None
    assert env.proxy_for("http://a.corp.example/") is None
    assert env.proxy_for("http://10.2.3.4/") is None
    assert env.proxy_for("http://192.0.2.7/") is None
    assert env.proxy_for("http://192.0.2.8/") == "http://proxy.example:3128"
    assert env.proxy_for("https://example.com/") == "http://proxy.example:3128"
    assert NetworkEnv({"all": "socks5h://tor:9050"}, "*").proxy_for("http://example.com/") is None
    assert NetworkEnv({"all": "socks5h://tor:9050"}, None).proxy_resolves("https://example.com/")


# ------------------------------------------------------------------------------ read once

def test_proxy_settings_are_read_once_per_fetch_session(proxy, monkeypatch):
    origin = Server()
    try:
        _use_http_proxy(monkeypatch, proxy.url)
        through_proxy = _polite(allow_private=True)
        for var in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
            monkeypatch.delenv(var)
        direct = _polite(allow_private=True)
        _use_http_proxy(monkeypatch, "http://127.0.0.1:9")  # later changes do not reach either session
        assert through_proxy.fetch(origin.url + "/one").error is None
        assert direct.fetch(origin.url + "/two").error is None
    finally:
        origin.close()
    assert [t for t, _ in proxy.seen] == [origin.url + "/one"]
    assert [t for t, _ in origin.seen] == ["/two"]
