"""`audit discover`: against a small multi-page site served on 127.0.0.1 by the test."""

from __future__ import annotations

import json
import threading
import tomllib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

PAGES = {
    "/": ("text/html", """<html><head><title>Acme Corp</title></head><body>
        <nav><a href="/products">Products</a> <a href="https://elsewhere.example/privacy">Partner privacy</a></nav>
        <main><h1>Welcome</h1><p>We make chat software.</p></main>
        <footer><a href="/legal/le-guide">Law enforcement guidelines</a> <a href="/privacy">Privacy</a>
        <a href="mailto:x@acme.example">Mail</a> <a href="javascript:void(0)">x</a></footer></body></html>"""),
    "/products": ("text/html", "<html><head><title>Products</title></head><body><p>Chat.</p></body></html>"),
    "/legal/le-guide": ("text/html", """<html><head><title>Guidelines for law enforcement</title></head><body>
        <h1>Law enforcement requests</h1><p>We require a subpoena or search warrant. Emergency requests are reviewed.
        Legal process must be served on our legal department.</p></body></html>"""),
    "/privacy": ("text/html", """<html><head><title>Privacy Policy</title></head><body><h1>Privacy policy</h1>
        <p>This privacy policy explains the personal data we collect and your rights. We use cookies.</p></body></html>"""),
    "/docs/reports/2026": ("text/html", """<html><head><title>Transparency report 2026</title></head><body>
        <h1>Transparency report</h1><p>Government requests for user data received: 12.</p></body></html>"""),
    "/security": ("text/html", """<html><head><title>Security</title></head><body><h1>Vulnerability disclosure</h1>
        <p>Report a vulnerability to our bug bounty.</p></body></html>"""),
    "/robots.txt": ("text/plain", "User-agent: *\nDisallow: /private\nSitemap: /maps/index.xml\n"),
    "/maps/index.xml": ("application/xml", """<?xml version="1.0"?>
        <sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
        <sitemap><loc>{base}/maps/pages.xml</loc></sitemap></sitemapindex>"""),
    "/maps/pages.xml": ("application/xml", """<?xml version="1.0"?>
        <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
        <url><loc>{base}/docs/reports/2026</loc></url><url><loc>{base}/transparency-report</loc></url>
        <url><loc>{base}/private/law-enforcement</loc></url></urlset>"""),
    "/transparency-report": ("redirect", "/docs/reports/2026"),
    "/private/law-enforcement": ("text/html", "<html><title>Secret law enforcement portal</title></html>"),
}


class Site:
    def __init__(self):
        self.requests: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                site.requests.append(self.path)
                page = PAGES.get(self.path)
                if page is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                ctype, body = page
                if ctype == "redirect":
                    self.send_response(301)
                    self.send_header("Location", body)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                data = body.replace("{base}", site.base).encode()
                self.send_response(200)
                self.send_header("Content-Type", ctype + "; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site():
    with Site() as s:
        yield s


def _discover(run_cli, site, tmp_path, *extra):
    return run_cli("discover", site.base, "--allow-private-network", "--delay", "0", "--workspace", tmp_path, *extra)


def test_discover_ranks_pages_with_reasons(run_cli, site, tmp_path):
    r = _discover(run_cli, site, tmp_path, "--format", "json")
    assert r.code == 0, r
    doc = json.loads(r.out)
    by_url = {c["url"]: c for c in doc["candidates"]}
    le = by_url[site.base + "/legal/le-guide"]
    assert le["type"] == "law-enforcement-guidelines"
    assert "linked from the footer" in le["reasons"]
    assert any("link text" in x for x in le["reasons"]) and any("page title" in x for x in le["reasons"])
    assert by_url[site.base + "/privacy"]["type"] == "privacy-policy"
    # found through robots.txt -> sitemap index -> sitemap, and through a redirecting common path
    tr = by_url[site.base + "/docs/reports/2026"]
    assert tr["type"] == "transparency-report" and "sitemap" in tr["found_by"]
    assert by_url[site.base + "/security"]["type"] == "security"  # a common path nobody links to
    assert set(doc["chosen"]) >= {site.base + "/legal/le-guide", site.base + "/privacy", site.base + "/docs/reports/2026"}
    # ranked best first; other sites, mailto: and robots-disallowed pages are never fetched
    scores = [c["score"] for c in doc["candidates"]]
    assert scores == sorted(scores, reverse=True)
    assert "/private/law-enforcement" not in site.requests
    assert not any("elsewhere" in c["url"] for c in doc["candidates"])
    text = _discover(run_cli, site, tmp_path)
    assert text.code == 0 and "law-enforcement-guidelines" in text.out and "* " in text.out


def test_discover_writes_and_extends_a_declaration(run_cli, site, tmp_path):
    (tmp_path / "companies").mkdir()
    decl = tmp_path / "companies" / "acme.toml"
    decl.write_text(f'# kept comment\nname = "Acme"\n\n[[documents]]\ntype = "privacy-policy"\nurl = "{site.base}/privacy"\n')
    r = _discover(run_cli, site, tmp_path, "--write", "acme")
    assert r.code == 0, r
    text = decl.read_text()
    assert text.startswith("# kept comment")
    raw = tomllib.loads(text)
    urls = [d["url"] for d in raw["documents"]]
    assert urls.count(site.base + "/privacy") == 1
    assert {"type": "law-enforcement-guidelines", "url": site.base + "/legal/le-guide"} in raw["documents"]
    again = _discover(run_cli, site, tmp_path, "--write", "acme")
    assert again.code == 0 and decl.read_text() == text and "already declared" in again.err
    # a new declaration gets the home page title as name and the site as website
    r = _discover(run_cli, site, tmp_path, "--write", "newco")
    assert r.code == 0, r
    raw = tomllib.loads((tmp_path / "companies" / "newco.toml").read_text())
    assert raw["name"] == "Acme Corp" and raw["website"].startswith(site.base)
    r = run_cli("validate", "--workspace", tmp_path)
    assert r.code == 0, r


def test_discover_refuses_private_address_without_flag(run_cli, site, tmp_path):
    r = run_cli("discover", site.base, "--delay", "0", "--workspace", tmp_path)
    assert r.code == 2
    assert "non-public address" in r.err and "Traceback" not in r.err
    assert site.requests == []


def test_discover_bad_input(run_cli, site, tmp_path):
    assert run_cli("discover", "ftp://example.com", "--workspace", tmp_path).code == 2
    assert run_cli("discover", "exa mple.com", "--workspace", tmp_path).code == 2
    r = run_cli("discover", site.base, "--allow-private-network", "--workspace", tmp_path, "--write", "Bad Slug")
    assert r.code == 2 and site.requests == []


def test_discover_user_agent_is_sent(run_cli, tmp_path):
    seen = []

    class UA(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            seen.append(self.headers.get("User-Agent"))
            body = b"<html><title>x</title><a href='/privacy'>Privacy</a></html>"
            self.send_response(200 if self.path in ("/", "/privacy") else 404)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), UA)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        run_cli("discover", f"http://127.0.0.1:{server.server_address[1]}/", "--allow-private-network", "--delay", "0",
                "--workspace", tmp_path, "--user-agent", "Mozilla/5.0 (generic)")
    finally:
        server.shutdown()
        server.server_close()
    assert seen and set(seen) == {"Mozilla/5.0 (generic)"}


def test_discover_ignore_robots_is_an_option_and_logged(run_cli, site, tmp_path):
    r = _discover(run_cli, site, tmp_path, "--format", "json")
    assert r.code == 0 and "/private/law-enforcement" not in site.requests
    assert "--ignore-robots" not in r.err.replace("use --ignore-robots", "")
    r = _discover(run_cli, site, tmp_path, "--format", "json", "--ignore-robots")
    assert r.code == 0, r
    assert "robots.txt is ignored for this run (--ignore-robots)" in r.err
    assert "/private/law-enforcement" in site.requests


def test_discover_write_declares_the_hosts_of_the_chosen_pages(run_cli, site, tmp_path):
    r = _discover(run_cli, site, tmp_path, "--write", "newco")
    assert r.code == 0, r
    assert "host(s) added: 127.0.0.1" in r.err
    assert tomllib.loads((tmp_path / "companies" / "newco.toml").read_text())["hosts"] == ["127.0.0.1"]

    # an existing declaration without hosts gets them, its comments and documents kept as written
    decl = tmp_path / "companies" / "acme.toml"
    decl.write_text(f'# kept comment\nname = "Acme"  # the brand\n\n[[documents]]\ntype = "privacy-policy"\n'
                    f'url = "{site.base}/privacy"\n')
    assert _discover(run_cli, site, tmp_path, "--write", "acme").code == 0
    text = decl.read_text()
    assert text.startswith('# kept comment\nname = "Acme"  # the brand\n')
    raw = tomllib.loads(text)
    assert raw["hosts"] == ["127.0.0.1"]
    assert raw["documents"][0] == {"type": "privacy-policy", "url": site.base + "/privacy"}

    # one with other hosts gets the missing one added, once
    decl.write_text('name = "Acme"\nhosts = ["acme.example"]  # the API\n\n[[documents]]\n'
                    f'type = "privacy-policy"\nurl = "{site.base}/privacy"\n')
    assert _discover(run_cli, site, tmp_path, "--write", "acme").code == 0
    assert tomllib.loads(decl.read_text())["hosts"] == ["acme.example", "127.0.0.1"]
    once = decl.read_text()
    again = _discover(run_cli, site, tmp_path, "--write", "acme")
    assert again.code == 0 and decl.read_text() == once and "host(s) added" not in again.err
    assert run_cli("validate", "--workspace", tmp_path).code == 0


def test_page_hosts_are_deduplicated_sorted_and_keep_a_tls_port():
    from audit.discover.crawl import Candidate
    from audit.discover.declare import page_hosts

    def cand(url):
        return Candidate(url, "other", 10, (), "", ())

    urls = ["https://www.Example.com/privacy", "https://example.com/legal", "https://www.example.com/tos",
            "http://blog.example.com:8080/x", "https://api.example.com:8443/terms", "https://example.com:443/y"]
    assert page_hosts([cand(u) for u in urls]) == [
        "api.example.com:8443", "blog.example.com", "example.com", "www.example.com"]


def test_discover_write_keeps_comments_and_layout_of_unusual_declarations(run_cli, site, tmp_path):
    """Inline documents and a commented multi-line hosts array used to make --write rewrite the file."""
    (tmp_path / "companies").mkdir()
    decl = tmp_path / "companies" / "acme.toml"
    original = ('# Acme: reviewed by hand, keep these notes\nname = "Acme"  # the brand\n'
                'hosts = [\n    "acme.example",  # the API\n    # the web site comes next\n]\n'
                f'documents = [\n    {{ type = "privacy-policy", url = "{site.base}/privacy" }},  # checked 2026\n]\n'
                '# trailing note\n')
    decl.write_text(original)
    r = _discover(run_cli, site, tmp_path, "--write", "acme")
    assert r.code == 0, r
    text = decl.read_text()
    for kept in ("# Acme: reviewed by hand, keep these notes", "# the brand", "# the API",
                 "# the web site comes next", "# checked 2026", "# trailing note"):
        assert kept in text, text
    raw = tomllib.loads(text)
    assert raw["hosts"] == ["acme.example", "127.0.0.1"]
    assert raw["documents"][0] == {"type": "privacy-policy", "url": site.base + "/privacy"}
    assert {"type": "law-enforcement-guidelines", "url": site.base + "/legal/le-guide"} in raw["documents"]
    assert text.index("# Acme") < text.index("name =") < text.index("hosts =") < text.index("documents =")
    assert run_cli("validate", "--workspace", tmp_path).code == 0


@pytest.mark.parametrize("text, expected", [
    # a multi-line value: hosts after its closing line (and its comment), before the next key
    ('not_applicable = [\n  "a",\n  "b",\n]  # why\nname = "A"\n\n[x]\nname = "B"\n',
     'not_applicable = [\n  "a",\n  "b",\n]  # why\nhosts = ["h.example"]\nname = "A"\n\n[x]\nname = "B"\n'),
    # a `name` inside a table is no anchor: the line goes first
    ('[t]\nname = "B"\n', 'hosts = ["h.example"]\n[t]\nname = "B"\n'),
    # a multi-line string
    ('name = """A\nB"""\n# docs\n[[documents]]\ntype = "x"\nurl = "u"\n',
     'name = """A\nB"""\nhosts = ["h.example"]\n# docs\n[[documents]]\ntype = "x"\nurl = "u"\n'),
])
def test_edit_declaration_places_hosts_after_the_value_of_the_anchor_key(text, expected):
    from audit.discover.declare import edit_declaration

    out = edit_declaration(text, ["h.example"], [])
    assert out == expected
    assert tomllib.loads(out)["hosts"] == ["h.example"]


def test_edit_declaration_inserts_hosts_before_tables_and_keeps_everything_else():
    from audit.discover.declare import edit_declaration

    text = '# top\nname = "A"\nwebsite = "https://a.example"  # site\n\n# the documents\n[[documents]]\ntype = "x"\nurl = "u"\n'
    out = edit_declaration(text, ["a.example"], [{"type": "privacy-policy", "url": "https://a.example/p"}])
    assert out == ('# top\nname = "A"\nwebsite = "https://a.example"  # site\nhosts = ["a.example"]\n\n'
                   '# the documents\n[[documents]]\ntype = "x"\nurl = "u"\n\n'
                   '[[documents]]\ntype = "privacy-policy"\nurl = "https://a.example/p"\n')
