"""A real HTTP server on 127.0.0.1 for fetch tests: each path is a scripted behaviour."""

from __future__ import annotations

import gzip
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PAGE = b"<html><head><title>Policy</title></head><body><main><p>We notify users before we disclose their data.</p></main></body></html>"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    routes: dict = {}
    log: list = []
    counts: dict = {}

    def log_message(self, *args):  # keep test output quiet
        pass

    def send(self, status: int, body: bytes = b"", headers: dict | None = None):
        self.send_response(status)
        hdrs = {"Content-Length": str(len(body))} | (headers or {})
        for k, v in hdrs.items():
            self.send_header(k, v)
        self.end_headers()
        if body:
            self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?")[0]
        self.log.append((path, dict(self.headers)))
        self.counts[path] = self.counts.get(path, 0) + 1
        route = self.routes.get(path)
        if route is None:
            return self.send(404, b"not found", {"Content-Type": "text/plain"})
        route(self)


def route_page(h):
    h.send(200, PAGE, {"Content-Type": "text/html; charset=utf-8"})


def route_etag(h):
    if h.headers.get("If-None-Match") == '"v1"':
        return h.send(304, b"", {"ETag": '"v1"'})
    h.send(200, PAGE, {"Content-Type": "text/html", "ETag": '"v1"'})


def route_500(h):
    h.send(500, b"oops", {"Content-Type": "text/plain"})


def route_429_then_ok(h):
    if h.counts[h.path] == 1:
        return h.send(429, b"slow down", {"Content-Type": "text/plain", "Retry-After": "1"})
    route_page(h)


def route_slow(h):
    time.sleep(1.5)
    route_page(h)


def route_endless(h):
    h.send_response(200)
    h.send_header("Content-Type", "text/plain")
    h.end_headers()
    try:
        chunk = b"a" * 65536
        for _ in range(10_000):  # far more than any cap used in the tests
            h.wfile.write(chunk)
    except (BrokenPipeError, ConnectionResetError):
        pass
    h.close_connection = True


_BOMB: list[bytes] = []


def route_gzip_bomb(h):
    if not _BOMB:
        _BOMB.append(gzip.compress(b"\0" * (50 * 1024 * 1024), compresslevel=1))  # 50 MB of zeros, small on the wire
    h.send(200, _BOMB[0], {"Content-Type": "text/plain", "Content-Encoding": "gzip"})


def route_loop(h):
    h.send(302, b"", {"Location": "/loop2"})


def route_loop2(h):
    h.send(302, b"", {"Location": "/loop"})


def route_to_private(h):
    h.send(302, b"", {"Location": "http://10.255.255.1/secret"})


def route_pdf(h):
    from pdfmaker import make_pdf

    h.send(200, make_pdf(["We notify users before we disclose their data."]), {"Content-Type": "application/pdf"})


def route_latin1(h):
    prose = ("Nous informons les utilisateurs avant de communiquer leurs données à la police. "
             "Les autorités doivent présenter une décision judiciaire. Café, théâtre, élève, où, déjà. ") * 5
    body = f"<html><body><p>{prose}</p></body></html>".encode("cp1252")
    h.send(200, body, {"Content-Type": "text/html; charset=utf-8"})  # wrong declaration


def route_robots(h):
    h.send(200, b"User-agent: *\nDisallow: /private/\n", {"Content-Type": "text/plain"})


def route_image(h):
    h.send(200, b"\x89PNG....", {"Content-Type": "image/png"})


ROUTES = {
    "/page": route_page, "/etag": route_etag, "/500": route_500, "/429": route_429_then_ok, "/slow": route_slow,
    "/endless": route_endless, "/bomb": route_gzip_bomb, "/loop": route_loop, "/loop2": route_loop2,
    "/to-private": route_to_private, "/doc.pdf": route_pdf, "/latin1": route_latin1, "/robots.txt": route_robots,
    "/private/page": route_page, "/image": route_image,
}


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):  # clients hanging up on purpose (caps, timeouts)
        pass


class LocalServer:
    def __init__(self, routes=None):
        if not _BOMB:
            _BOMB.append(gzip.compress(b"\0" * (50 * 1024 * 1024), compresslevel=1))
        handler = type("H", (Handler,), {"routes": dict(routes or ROUTES), "log": [], "counts": {}})
        self.handler = handler
        self.httpd = QuietServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
