"""What every published page tells its reader: automatic vs reviewed, needs-review marks, the
methodology link, unranked companies apart, levels in order, the deciding quote first."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from audit.models import Level, Unread
from audit.report.site import write_report
from audit.rubric.loader import load_rubric
from audit.score.engine import score_company
from audit.score.incomplete import EVERY_DOCUMENT_FAILED

from tests.report.test_report import make_cards, rubric


@pytest.fixture
def site(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764288000")
    rb = rubric()
    cards = make_cards(rb)
    good = next(c for c in cards if c.slug == "good")
    uncertain = tuple(replace(r, needs_review=True, confidence=0.41) if r.id == "notice" else r for r in good.criteria)
    cards = [replace(good, criteria=uncertain) if c.slug == "good" else c for c in cards]
    gone = score_company(rb, "gone", "Gone Inc", [], unread=Unread(nothing_read=EVERY_DOCUMENT_FAILED))
    out = tmp_path / "site"
    write_report(out, cards + [gone], rb)
    return out, cards


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def test_every_page_says_levels_are_automatic_and_links_methodology(site):
    out, _ = site
    for page in out.rglob("*.html"):
        note = soup(page).select_one("p.disclaimer")
        assert note is not None, page
        assert "automatic readings" in note.get_text() and "reviewed" in note.get_text()
        assert note.find("a")["href"].endswith("methodology.html")


def test_unevaluated_listed_apart_without_rank(site):
    out, _ = site
    index = soup(out / "index.html")
    league = [tr.get_text() for tr in index.select("table.league tbody tr")]
    assert not any("Gone Inc" in t for t in league)
    ranks = [tr.select_one("td").get_text(strip=True) for tr in index.select("table.league tbody tr")]
    assert ranks == [str(i) for i in range(1, len(ranks) + 1)]
    (row,) = index.select("table.unranked tbody tr")
    assert "Gone Inc" in row.get_text() and "could not be evaluated" in row.get_text()
    assert not any(td.get_text(strip=True).isdigit() for td in row.select("td"))


def test_needs_review_marked(site):
    out, _ = site
    page = soup(out / "companies" / "good.html")
    marked = page.select_one("article#notice .needs-review")
    assert marked is not None and "0.41" in marked["title"]
    assert "1 needs review" in soup(out / "index.html").get_text()


def test_methodology_levels_in_order(site):
    out, _ = site
    page = soup(out / "methodology.html")
    levels = [tr.select_one("td").get_text() for tr in page.select("table[aria-labelledby=levels] tbody tr")][:4]
    assert levels == ["met", "partial", "not met", "no disclosure"]
    for dl in page.select("dl"):
        names = [dt.get_text() for dt in dl.select("dt")]
        order = [n for n in ("met", "partial", "not-met", "no-disclosure") if n in names]
        assert names[:len(order)] == order, names


def test_first_quote_is_the_deciding_one(site):
    out, cards = site
    for card in cards:
        page = soup(out / "companies" / f"{card.slug}.html")
        for r in card.criteria:
            if not r.evidence:
                continue
            figures = page.select(f"article#{r.id} figure.evidence")
            assert figures[0].blockquote.get_text() == r.evidence[0].quote
            assert "deciding" in figures[0]["class"] and "Decided the level" in figures[0].get_text()


def test_scorecards_json_round_trip_keeps_review_marks_and_incomplete():
    """Merged shards and `demands --from-json` read scorecards back: nothing of this contract is lost."""
    from audit.refresh.shard import scorecard_from_json

    rb = rubric()
    good = next(c for c in make_cards(rb) if c.slug == "good")
    crits = tuple(replace(r, needs_review=True, confidence=0.41) if r.id == "notice" else r for r in good.criteria)
    card = replace(good, criteria=crits, incomplete=(("transparency-report", "HTTP 404"),))
    back = scorecard_from_json(card.to_json())
    assert back.to_json() == card.to_json()


def test_each_read_document_names_its_reader(site):
    """A skeptic sees which reader (id:version) read each document."""
    from audit.reader.learned import reader_version

    out, _ = site
    table = soup(out / "companies" / "good.html").find("table", class_="documents")
    headers = [th.get_text() for th in table.find_all("th")]
    (row,) = table.find("tbody").find_all("tr")
    cells = dict(zip(headers, (td.get_text() for td in row.find_all("td"))))
    assert cells["Read by"] == reader_version(rubric())
