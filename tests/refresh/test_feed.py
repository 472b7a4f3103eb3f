"""reports/feed.xml: an Atom feed of score changes, valid per RFC 4287 (checked with a parser)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import feedparser

from audit.refresh.feed import render_feed, write_feed
from audit.refresh.history import HistoryEntry

A = "{http://www.w3.org/2005/Atom}"


def _h(time, slug, score, grade, causes=()):
    return HistoryEntry(time, slug, slug.title(), score, grade, {"version": "1"}, "0.1.0", {}, causes)


HISTORY = [
    _h("2026-11-01T00:00:00Z", "acme", 80, "A"),
    _h("2026-11-01T00:00:00Z", "zeta", 40, "D"),
    _h("2026-11-08T00:00:00Z", "acme", 60, "C", ("text-changed",)),
    _h("2026-11-08T00:00:00Z", "zeta", 40, "D"),
    _h("2026-11-15T00:00:00Z", "zeta", 45, "D", ("rubric-changed",)),
]


def test_rfc4287_required_elements():
    root = ET.fromstring(render_feed(HISTORY, site_url="https://scores.example.org/"))
    assert root.tag == f"{A}feed"
    for tag in ("id", "title", "updated"):
        assert root.find(f"{A}{tag}").text
    assert root.find(f"{A}author/{A}name").text
    entries = root.findall(f"{A}entry")
    assert len(entries) == 2  # only runs where score or grade changed
    ids = [e.find(f"{A}id").text for e in entries]
    assert len(set(ids)) == 2
    for e in entries:
        for tag in ("id", "title", "updated"):
            assert e.find(f"{A}{tag}").text
        link = e.find(f"{A}link[@rel='alternate']")
        assert link is not None and link.get("href").startswith("https://scores.example.org/")
    assert root.find(f"{A}link[@rel='self']").get("href") == "https://scores.example.org/feed.xml"


def test_feedparser_reads_it_without_errors(tmp_path):
    path = tmp_path / "feed.xml"
    write_feed(path, HISTORY, site_url="https://scores.example.org")
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.updated == "2026-11-15T00:00:00Z"
    titles = [e.title for e in parsed.entries]
    assert titles[0].startswith("Zeta: 40 (D) → 45 (D)")
    assert titles[1].startswith("Acme: 80 (A) → 60 (C)")
    assert "company's text changed" in parsed.entries[1].summary


def test_deterministic_and_ids_stable():
    a = render_feed(HISTORY)
    assert a == render_feed(list(HISTORY))
    more = HISTORY + [_h("2026-11-22T00:00:00Z", "acme", 70, "B")]
    ids_a = {e.find(f"{A}id").text for e in ET.fromstring(a).findall(f"{A}entry")}
    ids_b = {e.find(f"{A}id").text for e in ET.fromstring(render_feed(more)).findall(f"{A}entry")}
    assert ids_a < ids_b


def test_empty_history_is_still_a_valid_feed():
    parsed = feedparser.parse(render_feed([]))
    assert not parsed.bozo and parsed.feed.id and parsed.entries == []
