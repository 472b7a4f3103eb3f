"""One wall-clock deadline per request, enforced while bytes trickle in: a slow host fails with a
clear reason in every command that fetches, and the run goes on. Real servers on 127.0.0.1."""

from __future__ import annotations

import time

import pytest
from httpfixtures import PAGE, LocalServer, route_page

import audit.fetch.http as http
from audit.fetch.http import FetchError, fetch_url

DRIP = 0.3  # seconds between two bytes


def _drip(h, data: bytes):
    try:
        for i in range(len(data)):
            h.wfile.write(data[i:i + 1])
            h.wfile.flush()
            time.sleep(DRIP)
    except (BrokenPipeError, ConnectionResetError, OSError):
        pass
    h.close_connection = True


def route_drip_body(h):
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", str(len(PAGE)))
    h.end_headers()
    _drip(h, PAGE)


def route_drip_headers(h):
    head = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Slow: " + b"a" * 200 + b"\r\n"
            b"Content-Length: " + str(len(PAGE)).encode() + b"\r\n\r\n")
    _drip(h, head + PAGE)


def route_drip_redirect(h):
    h.send(302, b"", {"Location": "/drip-body"})


ROUTES = {"/drip-body": route_drip_body, "/drip-headers": route_drip_headers, "/drip-redirect": route_drip_redirect,
          "/page": route_page, "/robots.txt": lambda h: h.send(404, b"")}


@pytest.fixture(scope="module")
def server():
    with LocalServer(ROUTES) as s:
        yield s


@pytest.fixture(autouse=True)
def _no_env_proxies(no_env_proxies):
    """Clear proxy and offline settings from the environment (conftest.no_env_proxies)."""


@pytest.mark.parametrize("path", ["/drip-body", "/drip-headers", "/drip-redirect"])
def test_a_trickling_server_fails_at_the_deadline(server, path):
    started = time.monotonic()
    with pytest.raises(FetchError, match="no complete response within 1.5 s"):
        fetch_url(server.url(path), allow_private=True, max_seconds=1.5, timeout=(5, 5))
    assert time.monotonic() - started < 3.5


@pytest.mark.parametrize("path", ["/drip-body", "/drip-headers"])
def test_check_url_has_a_deadline_too(server, run_cli, monkeypatch, path):
    monkeypatch.setattr(http, "MAX_SECONDS", 1.5)
    started = time.monotonic()
    r = run_cli("check", server.url(path), "--allow-private-network")
    assert r.code in (2, 3), r
    assert "too slow" in r.err
    assert time.monotonic() - started < 3.5


def test_fetch_command_gives_up_on_the_slow_host_and_goes_on(server, run_cli, tmp_path):
    ws = tmp_path / "ws"
    (ws / "companies").mkdir(parents=True)
    (ws / "audit.toml").write_text("deadline = 1.5\nretries = 0\ndelay = 0\n", encoding="utf-8")
    for slug, path in (("slow", "/drip-headers"), ("fast", "/page")):
        (ws / "companies" / f"{slug}.toml").write_text(
            f'name = "{slug}"\n\n[[documents]]\ntype = "privacy-policy"\nurl = "{server.url(path)}"\n', encoding="utf-8")
    started = time.monotonic()
    r = run_cli("fetch", "--workspace", ws, "--allow-private-network")
    assert time.monotonic() - started < 6
    assert "too slow" in r.err, r
    assert list((ws / "archive" / "documents" / "fast").glob("*.jsonl"))
    logs = (ws / "archive" / "documents" / "fast")
    assert any('"status": 200' in p.read_text() for p in logs.glob("*.jsonl"))
