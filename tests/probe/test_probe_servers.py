"""Real local servers for the probe tests: TLS (with a tiny HTTP app), plain HTTP, silent, closed.

Everything binds 127.0.0.1 on a free port and is shut down by the fixture that started it.
Certificates are made in the test with trustme (and `cryptography` for odd ones).
"""

from __future__ import annotations

import socket
import ssl
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import trustme

HOST = "127.0.0.1"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep test output quiet
        pass

    def do_GET(self):
        conf = self.server.conf
        conf.setdefault("user_agents", []).append(self.headers.get("User-Agent"))
        if self.path == "/.well-known/security.txt":
            body = conf.get("security_txt")
            if body is None:
                self._send(404, [("Content-Type", "text/plain")], b"not found")
            else:
                self._send(200, [("Content-Type", "text/plain; charset=utf-8")], body.encode())
            return
        if conf.get("redirect"):
            self._send(301, [("Location", conf["redirect"])], b"")
            return
        self._send(200, [("Content-Type", "text/html")] + [("Strict-Transport-Security", v) for v in conf.get("hsts", [])],
                   b"<html>ok</html>")

    def _send(self, code, headers, body):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, conf, ssl_context=None):
        self.conf = conf
        self.ssl_context = ssl_context
        super().__init__((HOST, 0), _Handler)

    def finish_request(self, request, client_address):
        request.settimeout(5)
        if self.ssl_context is not None:
            try:
                request = self.ssl_context.wrap_socket(request, server_side=True)
            except OSError:
                return  # a refused handshake is what many probes test
        try:
            super().finish_request(request, client_address)
        except OSError:
            pass

    def handle_error(self, request, client_address):
        pass


@contextmanager
def serve(conf: dict | None = None, ssl_context: ssl.SSLContext | None = None):
    """Run a server in a thread; yields its port; shuts it down at the end."""
    server = _Server(conf or {}, ssl_context)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@contextmanager
def silent_port():
    """A port that accepts TCP (kernel backlog) and never says a word."""
    sock = socket.socket()
    sock.bind((HOST, 0))
    sock.listen(16)
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


def closed_port() -> int:
    """A port nothing listens on (bound then released)."""
    sock = socket.socket()
    sock.bind((HOST, 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def server_context(cert: trustme.LeafCert, *, min_version=ssl.TLSVersion.TLSv1_2, max_version=None,
                   ciphers: str | None = None) -> ssl.SSLContext:
    import warnings

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(ctx)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = min_version
        if max_version is not None:
            ctx.maximum_version = max_version
    if ciphers:
        ctx.set_ciphers(ciphers)
    return ctx


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def ca_bundle(ca, tmp_path_factory):
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture(scope="module")
def good_cert(ca):
    return ca.issue_cert(HOST)
