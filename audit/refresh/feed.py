"""`reports/feed.xml`: an Atom feed (RFC 4287) of score changes, built from the history.

Followers of a scorecard want to hear when a grade moves; a feed reader is the simplest
subscription there is. The feed is a pure function of history.jsonl, so it is reproducible.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from audit.archive.files import atomic_write
from audit.refresh.diff import CAUSE_LABELS
from audit.refresh.history import HistoryEntry, by_company

ATOM = "http://www.w3.org/2005/Atom"
FEED_FILE = "feed.xml"
MAX_ENTRIES = 100


@dataclass(frozen=True)
class ScoreChange:
    slug: str
    name: str
    time: str
    old_score: float | None
    new_score: float | None
    old_grade: str | None
    new_grade: str | None
    causes: tuple[str, ...]


def score_changes(entries: list[HistoryEntry]) -> list[ScoreChange]:
    """Every run where a company's score or grade differs from its previous run, newest first."""
    out = []
    for slug, rows in by_company(entries).items():
        for prev, cur in zip(rows, rows[1:]):
            if (prev.score, prev.grade) != (cur.score, cur.grade):
                out.append(ScoreChange(slug, cur.name, cur.time, prev.score, cur.score, prev.grade,
                                       cur.grade, cur.causes))
    out.sort(key=lambda c: (c.time, c.slug), reverse=True)
    return out[:MAX_ENTRIES]


def _fmt(score, grade) -> str:
    return f"{'–' if score is None else f'{score:g}'} ({grade or 'no grade'})"


def _entry_id(feed_id: str, ch: ScoreChange) -> str:
    digest = hashlib.sha256(f"{feed_id}|{ch.slug}|{ch.time}".encode()).hexdigest()
    return f"urn:sha256:{digest}"


def render_feed(entries: list[HistoryEntry], *, site_url: str = "", title: str = "Encryption audit: score changes",
                updated: str | None = None, company_href=lambda slug: f"companies/{slug}.html") -> str:
    """Atom XML. SITE_URL (may be empty) prefixes links; ids are stable across runs."""
    base = site_url.rstrip("/") + "/" if site_url else ""
    feed_id = base + FEED_FILE if base else "urn:encryption-audit:feed"
    changes = score_changes(entries)
    times = [e.time for e in entries]
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _sub(feed, "id", feed_id)
    _sub(feed, "title", title)
    _sub(feed, "updated", updated or (max(times) if times else "1970-01-01T00:00:00Z"))
    author = _sub(feed, "author")
    _sub(author, "name", "encryption-audit")
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=base + FEED_FILE)
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", href=base + "index.html")
    _sub(feed, "generator", "encryption-audit")
    for ch in changes:
        e = _sub(feed, "entry")
        _sub(e, "id", _entry_id(feed_id, ch))
        arrow = f"{_fmt(ch.old_score, ch.old_grade)} → {_fmt(ch.new_score, ch.new_grade)}"
        _sub(e, "title", f"{ch.name}: {arrow}")
        _sub(e, "updated", ch.time)
        ET.SubElement(e, f"{{{ATOM}}}link", rel="alternate", href=base + company_href(ch.slug))
        why = "; ".join(f"{k} ({CAUSE_LABELS[k]})" if k in CAUSE_LABELS else k for k in ch.causes) or "see the scorecard"
        _sub(e, "summary", f"{ch.name} ({ch.slug}) moved from {arrow}. Why: {why}.")
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"


def _sub(parent, tag, text=None):
    el = ET.SubElement(parent, f"{{{ATOM}}}{tag}")
    if text is not None:
        el.text = text
    return el


def write_feed(path: Path, entries: list[HistoryEntry], **kw) -> None:
    atomic_write(Path(path), render_feed(entries, **kw))
