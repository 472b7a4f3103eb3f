"""HTTP semantics: only a complete 200 is a document; charsets are judged by the bytes; an
encrypted PDF says so. Real servers on 127.0.0.1 and real files."""

from __future__ import annotations

import io
import json

import pytest
from httpfixtures import PAGE, LocalServer
from pdfmaker import make_pdf

from audit.extract import extract
from audit.fetch.http import FetchError, fetch_url

ASCII_PAGE = (b'<html><head><meta charset="utf-16"><title>Policy</title></head><body><main>'
              b"<p>We notify users before we disclose their data.</p></main></body></html>")
TEXT = "We notify users before we disclose their data. Données, café."
UTF16_PAGE = f"<html><body><main><p>{TEXT}</p></main></body></html>"


def _status(code, extra=None):
    def route(h):
        h.send(code, PAGE, {"Content-Type": "text/html"} | (extra or {}))
    return route


def _truncated(h):
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", str(len(PAGE) + 100))
    h.end_headers()
    h.wfile.write(PAGE)
    h.wfile.flush()
    h.close_connection = True


STATUSES = {200: None, 201: None, 202: None, 203: None, 206: {"Content-Range": f"bytes 0-{len(PAGE) - 1}/99999"},
            226: None, 300: {"Location": "/a"}, 300.1: None, 305: None, 306: None}


@pytest.fixture(scope="module")
def server():
    routes = {f"/s{code}": _status(int(code), extra) for code, extra in STATUSES.items()}
    routes |= {"/truncated": _truncated}
    routes |= {f"/u16{bo}": (lambda bo: lambda h: h.send(200, UTF16_PAGE.encode(f"utf-16-{bo}"),
                                                          {"Content-Type": "text/html; charset=utf-16"}))(bo)
               for bo in ("le", "be")}
    routes |= {"/ascii16": lambda h: h.send(200, ASCII_PAGE, {"Content-Type": "text/html"})}
    with LocalServer(routes) as s:
        yield s


@pytest.mark.parametrize("code", [c for c in STATUSES if c != 200])
def test_only_a_complete_200_is_a_document(server, code):
    with pytest.raises(FetchError, match=f"HTTP {int(code)}"):
        fetch_url(server.url(f"/s{code}"), allow_private=True)
    assert fetch_url(server.url("/s200"), allow_private=True).content == PAGE


def test_a_truncated_body_is_not_a_document(server):
    with pytest.raises(FetchError):
        fetch_url(server.url("/truncated"), allow_private=True)


@pytest.mark.parametrize("code", [206, 300])
def test_fetch_does_not_archive_partial_or_choice_responses(server, run_cli, tmp_path, code):
    ws = tmp_path / "ws"
    (ws / "companies").mkdir(parents=True)
    (ws / "companies" / "acme.toml").write_text(
        f'name = "Acme"\n\n[[documents]]\ntype = "privacy-policy"\nurl = "{server.url(f"/s{code}")}"\n', encoding="utf-8")
    run_cli("fetch", "--workspace", ws, "--allow-private-network", "--ignore-robots", "--delay", "0")
    assert not (ws / "archive" / "snapshots").exists() or not any((ws / "archive" / "snapshots").rglob("*"))


def test_meta_utf16_on_an_ascii_page_is_read_as_its_bytes(server, run_cli):
    text = extract(ASCII_PAGE, "text/html").text
    assert "We notify users before we disclose their data." in text
    r = run_cli("check", server.url("/ascii16"), "--allow-private-network", "--format", "json")
    assert r.code == 0, r
    assert json.loads(r.out)["companies"][0]["documents"][0]["status"] == "ok"


@pytest.mark.parametrize("bo", ["le", "be"])
def test_server_declared_utf16_without_bom_decodes(server, run_cli, bo):
    data = UTF16_PAGE.encode(f"utf-16-{bo}")
    assert TEXT in extract(data, "text/html; charset=utf-16").text
    assert TEXT in extract(data, f"text/html; charset=utf-16{bo}").text
    r = run_cli("check", server.url(f"/u16{bo}"), "--allow-private-network", "--format", "json")
    assert r.code == 0, r


def test_nul_bytes_without_a_wide_charset_are_still_binary():
    from audit.errors import InputError

    with pytest.raises(InputError, match="binary"):
        extract(b"<html><body>\x00\x01\x02 data</body></html>" * 10, "text/html")


def test_an_encrypted_pdf_says_encrypted(tmp_path, run_cli):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(make_pdf(["We notify users before we disclose their data."]))).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner")
    buf = io.BytesIO()
    writer.write(buf)
    path = tmp_path / "locked.pdf"
    path.write_bytes(buf.getvalue())
    r = run_cli("check", path)
    assert r.code in (2, 3), r
    assert "encrypted" in r.err and "FileNotDecryptedError" not in r.err
