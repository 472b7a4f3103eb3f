"""The polite, safe fetcher against a real HTTP server on 127.0.0.1 (no mocks)."""

from __future__ import annotations

import pytest
from httpfixtures import PAGE, LocalServer

from audit.extract import extract
from audit.fetch.http import USER_AGENT, FetchError, fetch_url, parse_retry_after
from audit.fetch.polite import FetchPolicy, PoliteFetcher
from audit import __version__


@pytest.fixture(scope="module")
def server():
    with LocalServer() as s:
        yield s


def fetcher(**kw) -> PoliteFetcher:
    base = dict(delay=0, allow_private=True, retries=0, backoff=0.01, connect_timeout=2, read_timeout=0.5,
                max_seconds=5, max_bytes=1024 * 1024)
    return PoliteFetcher(FetchPolicy(**(base | kw)))


def test_page_with_identifying_user_agent(server):
    a = fetcher().fetch(server.url("/page"))
    assert a.error is None and a.result.content == PAGE and a.result.status == 200
    ua = [h for p, h in server.handler.log if p == "/page"][-1]["User-Agent"]
    assert ua == USER_AGENT and __version__ in ua


def test_loopback_refused_unless_allowed(server):
    a = fetcher(allow_private=False).fetch(server.url("/page"))
    assert a.result is None and "non-public address" in a.error and "--allow-private-network" in a.error


def test_redirect_to_private_address_refused(server):
    # the first hop (loopback) is trusted by name; the redirect target 10.255.255.1 is still checked
    with pytest.raises(FetchError, match="non-public address \\(10.255.255.1\\)"):
        fetch_url(server.url("/to-private"), allow_private=False, trusted_hosts=("127.0.0.1",))


def test_conditional_request_gives_304(server):
    f = fetcher()
    first = f.fetch(server.url("/etag"))
    etag = first.result.headers["ETag"]
    second = f.fetch(server.url("/etag"), etag=etag)
    assert second.result.status == 304 and second.result.content == b""
    assert [h.get("If-None-Match") for p, h in server.handler.log if p == "/etag"][-1] == '"v1"'


def test_404_is_not_retried(server):
    before = server.handler.counts.get("/missing", 0)
    a = fetcher(retries=3).fetch(server.url("/missing"))
    assert "HTTP 404" in a.error and server.handler.counts["/missing"] - before == 1


def test_500_is_retried_then_reported(server):
    before = server.handler.counts.get("/500", 0)
    a = fetcher(retries=2).fetch(server.url("/500"))
    assert "HTTP 500" in a.error and "after 3 attempts" in a.error
    assert server.handler.counts["/500"] - before == 3


def test_429_retry_after_honoured_within_cap(server):
    a = fetcher(retries=1, max_retry_after=0.05).fetch(server.url("/429"))
    assert a.error is None and a.attempts == 2 and a.result.content == PAGE


def test_retry_after_parsing():
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert parse_retry_after("soon") is None


def test_slow_response_times_out(server):
    a = fetcher(read_timeout=0.2).fetch(server.url("/slow"))
    assert a.result is None and "timed out" in a.error or "read" in a.error.lower()


def test_endless_body_is_capped(server):
    a = fetcher(max_bytes=200_000).fetch(server.url("/endless"))
    assert a.result is None and "larger than 200,000 bytes" in a.error


def test_gzip_bomb_is_stopped_not_inflated(server):
    a = fetcher(max_bytes=1_000_000).fetch(server.url("/bomb"))
    assert a.result is None and "after decompression" in a.error


def test_redirect_loop(server):
    a = fetcher().fetch(server.url("/loop"))
    assert "redirect loop" in a.error


def test_pdf_fetched_and_extractable(server):
    a = fetcher().fetch(server.url("/doc.pdf"))
    assert a.result.content.startswith(b"%PDF-")
    assert "notify users" in extract(a.result.content, content_type=a.result.content_type).text


def test_wrong_charset_declaration_still_decodes(server):
    a = fetcher().fetch(server.url("/latin1"))
    text = extract(a.result.content, content_type=a.result.content_type).text
    assert "décision judiciaire" in text and "\ufffd" not in text


def test_unsupported_content_type(server):
    a = fetcher().fetch(server.url("/image"))
    assert "unsupported content type 'image/png'" in a.error


def test_robots_disallow_respected_and_overridable(server):
    a = fetcher().fetch(server.url("/private/page"))
    assert a.result is None and "robots.txt" in a.error
    b = fetcher(ignore_robots=True).fetch(server.url("/private/page"))
    assert b.error is None and b.robots_ignored


# robots.txt per RFC 9309 (protego) ------------------------------------------------------------
def _robots_server(body: bytes | None, status: int = 200):
    def robots(h):
        h.send(status, body or b"", {"Content-Type": "text/plain"})

    def page(h):
        h.send(200, PAGE, {"Content-Type": "text/html"})

    routes = {"/robots.txt": robots}
    for path in ("/legal/law-enforcement", "/legal/terms", "/docs/policy.pdf", "/docs/policy.pdf.html", "/page"):
        routes[path] = page
    return LocalServer(routes)


def test_robots_longest_match_allow_wins():
    body = b"User-agent: *\nDisallow: /legal/\nAllow: /legal/law-enforcement\n"
    with _robots_server(body) as s:
        f = fetcher()
        assert f.fetch(s.url("/legal/law-enforcement")).error is None
        refused = f.fetch(s.url("/legal/terms"))
        assert refused.result is None and "disallowed by robots.txt" in refused.error


def test_robots_star_and_dollar_wildcards():
    body = b"User-agent: *\nDisallow: /*.pdf$\n"
    with _robots_server(body) as s:
        f = fetcher()
        assert "robots.txt" in f.fetch(s.url("/docs/policy.pdf")).error
        assert f.fetch(s.url("/docs/policy.pdf.html")).error is None


def test_robots_5xx_means_disallow_all():
    with _robots_server(b"oops", status=503) as s:
        a = fetcher().fetch(s.url("/page"))
        assert a.result is None and "robots.txt unreachable (HTTP 503)" in a.error
        assert s.handler.counts.get("/page", 0) == 0
        assert fetcher(ignore_robots=True).fetch(s.url("/page")).error is None


def test_robots_404_means_allow_all():
    with _robots_server(b"", status=404) as s:
        assert fetcher().fetch(s.url("/page")).error is None


def test_robots_crawl_delay_is_a_floor_on_the_host_delay():
    import time

    with _robots_server(b"User-agent: encryption-audit\nCrawl-delay: 0.6\nAllow: /\n") as s:
        f = fetcher(delay=0.1)
        start = time.monotonic()
        for _ in range(3):
            assert f.fetch(s.url("/page")).error is None
        # robots.txt + 3 pages, spaced by the crawl delay (0.6 s), not the configured 0.1 s
        assert time.monotonic() - start >= 3 * 0.6 - 0.05
        assert f.gate(s.url("/page")).delay == pytest.approx(0.6)
    with _robots_server(b"User-agent: *\nCrawl-delay: 0.2\n") as s:
        f = fetcher(delay=1.5)
        f.fetch(s.url("/page"))
        assert f.gate(s.url("/page")).delay == 1.5  # a floor: never lowers the configured delay


def test_fetches_ask_for_english(server):
    assert fetcher().fetch(server.url("/page")).error is None
    assert [h for p, h in server.handler.log if p == "/page"][-1]["Accept-Language"] == "en"
