"""Auditor safety: --offline, proxies, --user-agent, internal documents kept out of reports/.

Every server here is a real one bound to 127.0.0.1 and started by the test.
"""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from tests.demands.test_demands import POLICY, write_rubric

from audit.demands import INTERNAL_NOTE, redact_internal
from audit.offline import OfflineError, no_network

SECRET = "informal request from police"


class Server:
    """A tiny origin (or proxy: it answers absolute-form requests too) recording every request."""

    def __init__(self, body: str = POLICY):
        self.seen: list[tuple[str, str | None]] = []  # (request target, User-Agent)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                outer.seen.append((self.path, self.headers.get("User-Agent")))
                if self.path.endswith("/robots.txt"):
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *a):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


@pytest.fixture(autouse=True)
def _no_env_proxies(no_env_proxies):
    """Clear proxy and offline settings from the environment (conftest.no_env_proxies)."""


def _workspace(tmp_path: Path, url: str | None = None, local: bool = False) -> Path:
    ws = tmp_path / "ws"
    (ws / "companies").mkdir(parents=True)
    docs = ""
    if url:
        docs += f'\n[[documents]]\ntype = "law-enforcement-guidelines"\nurl = "{url}"\n'
    if local:
        (ws / "companies" / "wiki-export.html").write_text(POLICY, encoding="utf-8")
        docs += '\n[[documents]]\ntype = "law-enforcement-guidelines"\npath = "wiki-export.html"\n'
    (ws / "companies" / "acme.toml").write_text(f'name = "Acme Corp"\n{docs}', encoding="utf-8")
    return ws


# ------------------------------------------------------------------------------------ --offline

def test_offline_guard_refuses_before_anything_is_sent(server):
    with no_network():
        with pytest.raises(OfflineError, match="refused network access"):
            socket.create_connection(("127.0.0.1", server.httpd.server_address[1]))
        with pytest.raises(OfflineError):
            socket.getaddrinfo("example.com", 443)
        a, b = socket.socketpair()  # local plumbing still works
        a.close(), b.close()
    assert server.seen == []
    socket.create_connection(("127.0.0.1", server.httpd.server_address[1])).close()  # guard lifted


def test_offline_fetch_fails_loudly_and_sends_nothing(run_cli, server, tmp_path):
    ws = _workspace(tmp_path, server.url + "/le")
    r = run_cli("--offline", "fetch", "--workspace", ws, "--allow-private-network", "--delay", "0")
    assert r.code == 2 and "--offline: refused network access" in r.err and "Traceback" not in r.err
    r = run_cli("discover", server.url, "--allow-private-network", "--workspace", ws, env={"AUDIT_OFFLINE": "1"})
    assert r.code == 2 and "--offline" in r.err
    assert server.seen == []


def test_offline_scores_what_is_archived(run_cli, server, tmp_path):
    ws = _workspace(tmp_path, server.url + "/le")
    rubric = write_rubric(tmp_path)
    r = run_cli("fetch", "--workspace", ws, "--allow-private-network", "--delay", "0")
    assert r.code == 0, r
    requests_before = len(server.seen)
    r = run_cli("--offline", "score", "--workspace", ws, "--rubric", rubric, "--format", "json")
    assert r.code == 0, r
    assert '"requires-legal-process"' in r.out and SECRET in r.out
    assert len(server.seen) == requests_before


# ------------------------------------------------------------------------------------ proxies

def test_fetch_goes_through_http_proxy(run_cli, server, tmp_path, monkeypatch):
    # the declared host does not exist: only a proxy can answer for it
    ws = _workspace(tmp_path, "http://policies.acme.test/law-enforcement")
    monkeypatch.setenv("HTTP_PROXY", server.url)
    monkeypatch.setenv("http_proxy", server.url)
    r = run_cli("fetch", "--workspace", ws, "--allow-private-network", "--delay", "0")
    assert r.code == 0, r
    targets = [t for t, _ in server.seen]
    assert "http://policies.acme.test/law-enforcement" in targets  # absolute-form: a proxy request
    assert any(p.name != "log" for p in (ws / "archive").rglob("*") if p.is_file())


def test_discover_goes_through_http_proxy(run_cli, server, tmp_path, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", server.url)
    monkeypatch.setenv("http_proxy", server.url)
    run_cli("discover", "http://www.acme.test/", "--allow-private-network", "--delay", "0", "--max-pages", "2",
            "--workspace", tmp_path)
    assert server.seen and all(t.startswith("http://www.acme.test/") for t, _ in server.seen)


class Socks5:
    """A minimal SOCKS5 server (no auth, CONNECT only) that records the requested host names
    and connects every request to ORIGIN on 127.0.0.1, whatever host was asked for."""

    def __init__(self, origin_port: int):
        self.targets: list[str] = []
        self.origin_port = origin_port
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _handle(self, c: socket.socket):
        def read(n):
            data = b""
            while len(data) < n:
                chunk = c.recv(n - len(data))
                if not chunk:
                    raise OSError("closed")
                data += chunk
            return data

        try:
            _, nmethods = read(2)
            read(nmethods)
            c.sendall(b"\x05\x00")
            _, cmd, _, atyp = read(4)
            if atyp == 3:
                host = read(read(1)[0]).decode()
            elif atyp == 1:
                host = socket.inet_ntoa(read(4))
            else:
                host = socket.inet_ntop(socket.AF_INET6, read(16))
            port = int.from_bytes(read(2), "big")
            self.targets.append(f"{host}:{port}")
            upstream = socket.create_connection(("127.0.0.1", self.origin_port))
            c.sendall(b"\x05\x00\x00\x01" + socket.inet_aton("127.0.0.1") + (0).to_bytes(2, "big"))
            for a, b in ((c, upstream), (upstream, c)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()
        except OSError:
            c.close()

    @staticmethod
    def _pipe(a, b):
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self):
        self.sock.close()


def test_fetch_goes_through_socks5h_proxy(run_cli, server, tmp_path, monkeypatch):
    pytest.importorskip("socks", reason="requests[socks] (PySocks) is not installed")
    proxy = Socks5(server.httpd.server_address[1])
    try:
        ws = _workspace(tmp_path, "http://policies.acme.onion/law-enforcement")
        monkeypatch.setenv("ALL_PROXY", f"socks5h://127.0.0.1:{proxy.port}")
        monkeypatch.setenv("all_proxy", f"socks5h://127.0.0.1:{proxy.port}")
        r = run_cli("fetch", "--workspace", ws, "--allow-private-network", "--delay", "0")
    finally:
        proxy.close()
    assert r.code == 0, r
    assert "policies.acme.onion:80" in proxy.targets  # the proxy, not us, resolved the name
    assert "/law-enforcement" in [t for t, _ in server.seen]


# ------------------------------------------------------------------------------------ --user-agent

def test_fetch_user_agent(run_cli, server, tmp_path):
    ws = _workspace(tmp_path, server.url + "/le")
    ua = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
    r = run_cli("fetch", "--workspace", ws, "--allow-private-network", "--delay", "0", "--user-agent", ua)
    assert r.code == 0, r
    assert server.seen and {u for _, u in server.seen} == {ua}
    r = run_cli("fetch", "--workspace", ws, "--allow-private-network", "--user-agent", "two\nlines")
    assert r.code == 2


# ------------------------------------------------------------------------------------ internal documents

def _all_text(folder: Path) -> str:
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in folder.rglob("*") if p.is_file())


def test_report_withholds_internal_evidence_unless_published(run_cli, tmp_path):
    ws = _workspace(tmp_path, local=True)
    rubric = write_rubric(tmp_path)
    r = run_cli("report", "--workspace", ws, "--rubric", rubric)
    assert r.code == 0, r
    published = _all_text(ws / "reports")
    assert "Acme Corp" in published
    assert SECRET not in published and "wiki-export" not in published
    assert INTERNAL_NOTE in published  # the reports say the evidence exists and is not public
    out = tmp_path / "with-internal"
    r = run_cli("report", "--workspace", ws, "--rubric", rubric, "--publish-internal", "--out", out)
    assert r.code == 0, r
    assert SECRET in _all_text(out)


def test_redaction_keeps_levels_and_public_evidence(tmp_path):
    from tests.demands.test_demands import card_from, load_rubric

    rubric = load_rubric(write_rubric(tmp_path))
    internal = card_from(rubric, POLICY, url="companies/wiki.html", public=False)
    public = card_from(rubric, POLICY)
    red_internal, red_public = redact_internal([internal, public])
    assert red_public == public
    assert [c.level for c in red_internal.criteria] == [c.level for c in internal.criteria]
    assert red_internal.score == internal.score
    quotes = [e.quote for c in red_internal.criteria for e in c.evidence]
    assert quotes and set(quotes) == {INTERNAL_NOTE}
    assert all("wiki" not in d.url for d in red_internal.documents)
    assert all("wiki" not in e.url for c in red_internal.criteria for e in c.evidence)
