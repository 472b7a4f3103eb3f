"""Discover candidate policy pages of one site, politely, and rank them by document type.

Every request goes through the polite fetcher (robots.txt, per-host delay, retries) and so
through `fetch_url` (public addresses only unless allowed, capped bodies, bounded redirects).
Only pages on the company's own site are considered; the number of pages fetched is capped.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urljoin, urldefrag, urlsplit

from audit.fetch.urls import UnsafeURLError, is_safe_url, parse_url_strict

from lxml import etree

from audit.discover.signals import COMMON_PATHS, LEGAL_WORDS, types_in, url_words
from audit.errors import InputError
from audit.extract import decode, extract
from audit.extract.html import tree
from audit.extract.doctype import guess_type
from audit.fetch.http import FetchError
from audit.fetch.polite import PoliteFetcher

MAX_SITEMAP_URLS = 5000
MAX_SITEMAPS = 5
SITEMAP_TYPES = ("application/xml", "text/xml", "application/x-xml", "text/plain", "")

# weights of the evidence for a type
W_URL, W_LINK, W_FOOTER, W_TITLE, W_HEADING, W_CONTENT = 3, 3, 1, 4, 2, 3


@dataclass(frozen=True)
class Candidate:
    """A page that may be one of the company's policy documents, with why we think so."""

    url: str
    type: str
    score: int
    reasons: tuple[str, ...]
    title: str = ""
    found_by: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {"url": self.url, "type": self.type, "score": self.score, "reasons": list(self.reasons),
                "title": self.title, "found_by": list(self.found_by)}


@dataclass(frozen=True)
class Discovery:
    site: str  # the home page as finally fetched
    title: str
    candidates: tuple[Candidate, ...]
    fetched: int
    failed: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {"site": self.site, "title": self.title, "candidates": [c.to_json() for c in self.candidates],
                "pages_fetched": self.fetched, "failed": list(self.failed)}


@dataclass
class _Lead:
    """What we know about a URL before fetching it."""

    url: str
    found_by: set[str] = field(default_factory=set)
    link_texts: set[str] = field(default_factory=set)
    footer: bool = False

    def pre_scores(self) -> dict[str, list[tuple[int, str]]]:
        scores: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for dtype, cue in types_in(url_words(urlsplit(self.url).path)).items():
            scores[dtype].append((W_URL, f"URL has {cue!r}"))
        for text in sorted(self.link_texts):
            for dtype, cue in types_in(text).items():
                scores[dtype].append((W_LINK, f"link text {text[:60]!r}"))
        return scores

    def priority(self) -> tuple:
        pre = self.pre_scores()
        best = max((sum(w for w, _ in v) for v in pre.values()), default=0)
        generic = any(LEGAL_WORDS.search(t) for t in self.link_texts) or LEGAL_WORDS.search(urlsplit(self.url).path)
        return (-(best + (1 if generic else 0) + (W_FOOTER if self.footer else 0)), self.url)


def start_url(domain_or_url: str) -> str:
    """`example.com` -> `https://example.com/`; URLs are kept (http or https only)."""
    s = domain_or_url.strip()
    if not s or any(ch.isspace() for ch in s):
        raise InputError(f"{domain_or_url!r}: not a domain or URL")
    if "://" not in s:
        s = "https://" + s
    if "://" in s and urlsplit(s).scheme not in ("http", "https"):
        raise InputError(f"{domain_or_url}: only http(s) URLs or domain names can be discovered")
    try:
        parts = parse_url_strict(s)
    except UnsafeURLError as e:
        raise InputError(f"{domain_or_url}: {e}") from None
    return s if parts.path else s + "/"


def site_key(host: str) -> str:
    host = (host or "").lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def same_site(url: str, site: str) -> bool:
    """The company's own host, its www twin and its subdomains."""
    host = site_key(urlsplit(url).hostname or "")
    return host == site or host.endswith("." + site)


def _clean(url: str) -> str | None:
    url = urldefrag(url)[0]
    return url if is_safe_url(url) else None


def page_links(html: bytes, base: str) -> list[tuple[str, str, bool]]:
    """(absolute URL, link text, inside a footer) for every <a href> of a page."""
    try:
        root = tree(decode(html))
    except InputError:  # binary or undecodable: no links to follow
        return []
    out = []
    for a in root.iter("a") if root is not None else ():
        href = a.get("href")
        if href is None:
            continue
        url = _clean(urljoin(base, href.strip()))
        if url is None:
            continue
        text = " ".join(" ".join(piece.strip() for piece in a.itertext() if piece.strip()).split())[:200]
        footer = any(p.tag == "footer" or (p.get("role") or "") == "contentinfo" for p in a.iterancestors())
        out.append((url, text, footer))
    return out


def sitemap_locs(data: bytes) -> tuple[list[str], bool]:
    """<loc> URLs of a sitemap and whether it is a sitemap index. No entities, no network."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return [], False
    if root is None:
        return [], False
    index = etree.QName(root).localname == "sitemapindex"
    locs = []
    for el in root.iter():
        if isinstance(el.tag, str) and etree.QName(el).localname == "loc" and el.text:
            locs.append(el.text.strip())
            if len(locs) >= MAX_SITEMAP_URLS:
                break
    return locs, index


def discover(domain_or_url: str, fetcher: PoliteFetcher, *, max_pages: int = 25,
             log: Callable[[str], None] = lambda m: None) -> Discovery:
    """Candidates for each document type on the site of DOMAIN_OR_URL, best first."""
    start = start_url(domain_or_url)
    home = fetcher.fetch(start)
    if home.result is None:
        raise FetchError(f"cannot fetch the home page: {home.error}")
    home_url = home.result.final_url
    site = site_key(urlsplit(home_url).hostname or "")
    origin = f"{urlsplit(home_url).scheme}://{urlsplit(home_url).netloc}"
    leads: dict[str, _Lead] = {}

    def lead(url: str, how: str) -> _Lead | None:
        url = _clean(url) or ""
        if not url or not same_site(url, site) or url.rstrip("/") == home_url.rstrip("/"):
            return None
        item = leads.setdefault(url, _Lead(url))
        item.found_by.add(how)
        return item

    home_title = ""
    if "html" in (home.result.content_type or "html"):
        for url, text, footer in page_links(home.result.content, home_url):
            item = lead(url, "footer link" if footer else "home page link")
            if item is not None:
                if text:
                    item.link_texts.add(text)
                item.footer = item.footer or footer
        try:
            home_title = extract(home.result.content, content_type=home.result.content_type, filename=home_url).title
        except InputError:
            home_title = ""
    log(f"home page: {home_url} ({len(leads)} same-site links)")

    for url in _sitemap_urls(fetcher, origin, log):
        lead(url, "sitemap")
    for path in COMMON_PATHS:
        lead(origin + path, "common path")

    ranked = sorted(leads.values(), key=_Lead.priority)
    worth = [x for x in ranked if x.priority()[0] < 0 or "common path" in x.found_by]
    candidates, failed, fetched = [], [], 1
    for item in worth[:max_pages]:
        attempt = fetcher.fetch(item.url)
        fetched += 1
        if attempt.result is None:
            if item.found_by != {"common path"}:
                failed.append(attempt.error or item.url)
            continue
        cand = _judge(item, attempt.result)
        if cand is not None:
            candidates.append(cand)
    log(f"{fetched} page(s) fetched, {len(candidates)} candidate(s)")
    merged = _dedupe(candidates)
    merged.sort(key=lambda c: (-c.score, c.type, c.url))
    return Discovery(home_url, home_title, tuple(merged), fetched, tuple(failed))


def _sitemap_urls(fetcher: PoliteFetcher, origin: str, log) -> list[str]:
    queue: list[str] = []
    try:
        robots = fetcher.robots(origin + "/")
        if robots is not None:
            queue += [urljoin(origin + "/", sm.strip()) for sm in (robots.site_maps() or [])]
    except FetchError:
        pass
    if origin + "/sitemap.xml" not in queue:
        queue.append(origin + "/sitemap.xml")
    seen, urls = set(), []
    while queue and len(seen) < MAX_SITEMAPS:
        sm = queue.pop(0)
        if sm in seen or not same_site(sm, site_key(urlsplit(origin).hostname or "")):
            continue
        seen.add(sm)
        try:
            if not fetcher.policy.ignore_robots and not fetcher.allowed(sm):
                continue
            res = fetcher._get(sm, accepted=SITEMAP_TYPES)
        except FetchError as e:
            if e.status != 404:
                log(f"sitemap {sm}: {e}")
            continue
        locs, index = sitemap_locs(res.content)
        locs = [urljoin(sm, loc) for loc in locs]
        if index:
            queue += locs
        else:
            urls += locs
        if len(urls) >= MAX_SITEMAP_URLS:
            break
    return urls[:MAX_SITEMAP_URLS]


def _judge(item: _Lead, result) -> Candidate | None:
    """Score a fetched page per type from URL, link text, title, headings and content."""
    try:
        text = extract(result.content, content_type=result.content_type, filename=result.final_url)
    except InputError:
        return None
    scores = item.pre_scores()
    if text.title:
        for dtype, cue in types_in(text.title).items():
            scores[dtype].append((W_TITLE, f"page title {text.title[:60]!r}"))
    headings = [text.text[b.start:b.end] for b in text.blocks if b.kind == "heading"][:5]
    for h in headings:
        for dtype, cue in types_in(h).items():
            scores[dtype].append((W_HEADING, f"heading {h[:60]!r}"))
    content_type = guess_type(text)
    if content_type != "other":
        scores[content_type].append((W_CONTENT, f"text reads like a {content_type}"))
    if not scores:
        return None
    best = max(sorted(scores), key=lambda t: sum(w for w, _ in scores[t]))
    reasons = [r for _, r in scores[best]]
    score = sum(w for w, _ in scores[best])
    if item.footer:
        score += W_FOOTER
        reasons.append("linked from the footer")
    return Candidate(result.final_url, best, score, tuple(dict.fromkeys(reasons)), text.title,
                     tuple(sorted(item.found_by)))


def _dedupe(cands: list[Candidate]) -> list[Candidate]:
    """Several leads that redirect to the same page become one candidate (the best scored)."""
    best: dict[str, Candidate] = {}
    for c in cands:
        old = best.get(c.url)
        if old is None or (c.score, c.reasons) > (old.score, old.reasons):
            best[c.url] = c if old is None else Candidate(c.url, c.type, c.score, c.reasons, c.title,
                                                          tuple(sorted(set(c.found_by) | set(old.found_by))))
        else:
            best[c.url] = Candidate(old.url, old.type, old.score, old.reasons, old.title,
                                    tuple(sorted(set(c.found_by) | set(old.found_by))))
    return list(best.values())
