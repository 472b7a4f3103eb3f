"""The published site and data files: content, hostile text, determinism, accessibility basics."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from audit.errors import InputError
from audit.report.site import CSP, MANIFEST, http_url, write_report
from audit.rubric.loader import load_rubric
from audit.reader.model import review_threshold
from audit.score.engine import score_company
from audit.pipeline.documents import findings_for, load_document

DATA = Path(__file__).parents[1] / "data"
RUBRIC = DATA / "mini_rubric.toml"

HOSTILE = (b"We notify users before we disclose their data <script>alert(1)</script> "
           b"<img src=x onerror=alert(2)> see javascript:alert(3).\n\n"
           b"A search warrant is required for content.\n")
PLAIN = b"We may notify users where feasible.\n\nWe publish a newsletter.\n"


def rubric():
    return load_rubric(str(RUBRIC))


def make_cards(rb=None):
    rb = rb or rubric()
    hostile = load_document(HOSTILE, url="javascript:alert(4)", fetched_at="2026-10-01T00:00:00Z",
                            doc_type="law-enforcement-guidelines", filename="evil.txt")
    public = load_document(PLAIN, url="https://example.com/policy", fetched_at="2026-11-02T00:00:00Z",
                           doc_type="law-enforcement-guidelines", filename="policy.txt")
    private = load_document(PLAIN, url="internal/handbook.txt", fetched_at="2026-09-03T00:00:00Z",
                            doc_type="law-enforcement-guidelines", filename="handbook.txt", public=False)
    return [
        score_company(rb, "evil", 'Evil <b onmouseover="x()">Corp</b>', [findings_for(rb, hostile)],
                      review_below=review_threshold()),
        score_company(rb, "good", "Good Co", [findings_for(rb, public)], review_below=review_threshold()),
        score_company(rb, "inside", "Inside Inc", [findings_for(rb, private)], review_below=review_threshold()),
    ]


@pytest.fixture
def site(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764288000")
    rb = rubric()
    history = [{"slug": "good", "time": "2026-10-01T00:00:00Z", "score": 10.0, "grade": "F"},
               {"slug": "good", "time": "2026-11-01T00:00:00Z", "score": 25.0, "grade": "F"}]
    out = tmp_path / "site"
    write_report(out, make_cards(rb), rb, history, {"signing": {"fingerprint": "SHA256:abc", "public_key": "key.pem",
                                                                "signature": "scorecards.json.sig", "algorithm": "Ed25519"}})
    return out


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def test_writes_every_file(site):
    names = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())
    assert names == sorted([
        "index.html", "methodology.html", "style.css", "sort.js", "scorecards.json", "scorecards.csv",
        *(f"companies/{s}.{ext}" for s in ("evil", "good", "inside") for ext in ("html", "md")),
        *(f"badges/{s}.{ext}" for s in ("evil", "good", "inside") for ext in ("svg", "json")),
        "schemas/scorecards-1.json", MANIFEST])
    assert [p.name for p in site.rglob(".*")] == [MANIFEST], "no temporary files left behind"


def test_same_inputs_same_bytes(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764288000")
    rb = rubric()
    write_report(tmp_path / "a", make_cards(rb), rb)
    write_report(tmp_path / "b", list(reversed(make_cards(rb))), rb)
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert files_a
    for rel in files_a:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel
    doc = json.loads((tmp_path / "a" / "scorecards.json").read_text())
    assert doc["generated_at"] == "2025-11-28T00:00:00Z"


def test_league_table(site):
    page = soup(site / "index.html")
    rows = page.select("table.league tbody tr")
    doc = json.loads((site / "scorecards.json").read_text())
    expected = [c["slug"] for c in sorted(doc["companies"], key=lambda c: (-(c["score"] or 0), c["name"].lower()))]
    assert [r.select_one("td:nth-of-type(2) a")["href"] for r in rows] == [f"companies/{s}.html" for s in expected]
    headers = [th.get_text(strip=True) for th in page.select("table.league thead th")]
    assert headers == ["Rank", "Company", "Grade", "Score", "Demands", "Newest evidence"]
    good = next(r for r in rows if "good.html" in str(r))
    assert "2026-11-02" in good.get_text()
    assert good.select("svg title"), "demand bars have a text alternative"


def test_hostile_text_is_text(site):
    html = (site / "companies" / "evil.html").read_text()
    page = BeautifulSoup(html, "html.parser")
    assert not page.find("script"), "no script element on a company page"
    assert not page.find("b"), "company names are text, not markup"
    for tag in page.find_all(True):
        for attr, value in tag.attrs.items():
            assert not attr.lower().startswith("on"), (tag.name, attr)
            if attr in ("href", "src"):
                assert not str(value).lower().startswith("javascript:"), (tag.name, value)
    quotes = " ".join(q.get_text() for q in page.select("blockquote"))
    assert "<script>alert(1)</script>" in quotes and "onerror=alert(2)" in quotes
    assert "&lt;script&gt;" in html
    # the javascript: source URL is shown, never linked
    assert "javascript:alert(4)" in page.get_text()
    index = soup(site / "index.html")
    assert [s.get("src") for s in index.find_all("script")] == ["sort.js"]


def test_links_only_http(site):
    page = soup(site / "companies" / "good.html")
    assert page.find("a", href="https://example.com/policy")
    assert http_url("javascript:alert(1)") is None
    assert http_url("file:///etc/passwd") is None
    assert http_url("https://x.example/a") == "https://x.example/a"
    assert http_url("https:///nohost") is None


def test_private_documents_are_marked(site):
    page = soup(site / "companies" / "inside.html")
    assert "not public" in page.get_text()
    assert not page.find("a", href=re.compile("handbook"))
    public = soup(site / "companies" / "good.html")
    assert "not public" not in public.get_text()


def test_company_page_content(site):
    page = soup(site / "companies" / "good.html")
    text = page.get_text(" ")
    assert "User notice" in text and "partial" in text
    assert "What to demand:" in text and "Tell users before handing over their data." in text
    assert "sha256" in text and "2026-11-02T00:00:00Z" in text
    assert "Coverage" in text
    history = page.select_one("svg.history")
    assert history is not None and "10.0" in history.title.get_text() and "25.0" in history.title.get_text()
    assert "SHA256:abc" in text
    assert soup(site / "companies" / "evil.html").select_one("svg.history") is None


def test_every_page_has_csp_and_ordered_headings(site):
    for path in [site / "index.html", site / "methodology.html", *sorted((site / "companies").glob("*.html"))]:
        page = soup(path)
        meta = page.find("meta", attrs={"http-equiv": "Content-Security-Policy"})
        assert meta and meta["content"] == CSP, path
        assert "default-src 'none'" in CSP
        levels = [int(h.name[1]) for h in page.find_all(re.compile(r"^h[1-6]$"))]
        assert levels[0] == 1 and levels.count(1) == 1, path
        assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), (path, levels)
        for table in page.find_all("table"):
            assert table.find("th", scope="col"), path
        for svg in page.find_all("svg"):
            assert svg.get("role") == "img" and svg.find("title") and svg.find("title").get_text(strip=True), path
        for img in page.find_all("img"):
            assert img.get("alt"), path
        assert not re.search(r"(href|src)=\"(https?:)?//", path.read_text().replace(
            'href="https://example.com/policy"', "")), "no external resources"


def test_methodology_from_rubric(site):
    rb = rubric()
    text = soup(site / "methodology.html").get_text(" ")
    for c in rb.criteria:
        assert c.title in text and c.id in text
    for d in rb.demands:
        assert d.title in text


def test_csv_one_row_per_company_and_criterion(site):
    rows = list(csv.DictReader(io.StringIO((site / "scorecards.csv").read_text())))
    assert len(rows) == 3 * len(rubric().criteria)
    assert {r["company"] for r in rows} == {"evil", "good", "inside"}
    notice = next(r for r in rows if r["company"] == "good" and r["criterion"] == "notice")
    assert notice["level"] == "partial" and notice["url"] == "https://example.com/policy"


def test_csv_neutralises_formulas(tmp_path):
    rb = rubric()
    doc = load_document(b"=HYPERLINK(1) We notify users before we disclose their data.\n", url="https://e.example/",
                        fetched_at="2026-01-01T00:00:00Z", doc_type="law-enforcement-guidelines", filename="f.txt")
    write_report(tmp_path, [score_company(rb, "f", "F", [findings_for(rb, doc)], review_below=review_threshold())], rb)
    rows = list(csv.DictReader(io.StringIO((tmp_path / "scorecards.csv").read_text())))
    quotes = [r["quote"] for r in rows if r["quote"]]
    assert quotes and all(not q.startswith("=") for q in quotes)


def test_markdown_and_badge(site):
    md = (site / "companies" / "evil.md").read_text()
    assert "<script>" not in md and "&lt;script&gt;" in md  # the one Markdown escaping (audit/report/escape.py)
    badge = (site / "badges" / "good.svg").read_text()
    good = json.loads((site / "scorecards.json").read_text())["companies"]
    g = next(c for c in good if c["slug"] == "good")
    assert f"{g['grade']} {g['score']:.1f}" in badge
    evil_badge = (site / "badges" / "evil.svg").read_text()
    assert "<b " not in evil_badge and "&lt;b" in evil_badge


def test_bad_slug_is_input_error(tmp_path):
    rb = rubric()
    card = score_company(rb, "../etc", "X", [])
    with pytest.raises(InputError):
        write_report(tmp_path, [card], rb)
    assert not any(tmp_path.iterdir())


def test_out_is_a_file(tmp_path):
    rb = rubric()
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(InputError):
        write_report(f, make_cards(rb), rb)


# --- colour contrast (WCAG AA, 4.5:1) of every text/background pair in the stylesheet ---------

def _luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    chans = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in chans]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_contrast_function():
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert contrast("#777777", "#888888") < 4.5


def test_stylesheet_colour_pairs_have_contrast():
    css = (Path(__file__).parents[2] / "audit" / "report" / "templates" / "style.css").read_text()
    pairs = []
    backgrounds = set()
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        fg = re.search(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{3,6})", body)
        bg = re.search(r"background(?:-color)?:\s*(#[0-9a-fA-F]{3,6})", body)
        if bg:
            backgrounds.add(bg.group(1))
        if fg and bg:
            pairs.append((selector.strip(), fg.group(1), bg.group(1)))
    assert len(pairs) >= 10
    for selector, fg, bg in pairs:
        assert contrast(fg, bg) >= 4.5, (selector, fg, bg, contrast(fg, bg))
    link = re.search(r"\na \{ color: (#[0-9a-f]{6})", css).group(1)
    for bg in ("#ffffff", "#eef4ff", "#f5f5f5", "#eef1f5"):
        assert contrast(link, bg) >= 4.5, bg


def test_badge_colours_have_contrast():
    from audit.report.badge import GRADE_COLOURS, NEUTRAL

    for colour in [*GRADE_COLOURS.values(), NEUTRAL]:
        assert contrast("#ffffff", colour) >= 4.5, colour


# --- the command -------------------------------------------------------------------------------

def _workspace(tmp_path: Path, text: bytes | None) -> Path:
    ws = tmp_path / "ws"
    (ws / "companies" / "internal").mkdir(parents=True)
    doc = '[[documents]]\ntype = "law-enforcement-guidelines"\npath = "internal/le.txt"\n'
    (ws / "companies" / "acme.toml").write_text(f'name = "Acme"\nwebsite = "https://acme.example"\n\n{doc}')
    if text is not None:
        (ws / "companies" / "internal" / "le.txt").write_bytes(text)
    return ws


def test_report_command(run_cli, tmp_path):
    ws = _workspace(tmp_path, PLAIN)
    res = run_cli("report", "--workspace", ws, "--rubric", RUBRIC, env={"SOURCE_DATE_EPOCH": "0"})
    assert res.code == 0, res
    out = ws / "reports"
    assert res.out.strip() == str(out / "index.html")
    assert "wrote" in res.err
    doc = json.loads((out / "scorecards.json").read_text())
    assert [c["slug"] for c in doc["companies"]] == ["acme"]
    assert "not public" in (out / "companies" / "acme.html").read_text()
    custom = tmp_path / "pub"
    assert run_cli("report", "--workspace", ws, "--rubric", RUBRIC, "--out", custom).code == 0
    assert (custom / "index.html").is_file()


def test_report_command_nothing_to_evaluate(run_cli, tmp_path):
    ws = _workspace(tmp_path, None)
    res = run_cli("report", "--workspace", ws, "--rubric", RUBRIC)
    assert res.code == 3, res
    assert "Traceback" not in res.err
    assert not (ws / "reports" / "index.html").exists()


def test_stale_reviewed_and_conflicting_marks(tmp_path):
    from dataclasses import replace

    from audit.models import Level, Review
    from audit.models import DocumentFindings

    rb = rubric()
    pos = load_document(b"We notify users before we disclose their data.\n", url="https://a.example/p",
                        fetched_at="2026-01-01T00:00:00Z", doc_type="law-enforcement-guidelines", filename="a.txt")
    neg = load_document(b"We do not notify users of requests.\n", url="https://b.example/q",
                        fetched_at="2026-01-02T00:00:00Z", doc_type="privacy-policy", filename="b.txt")
    stale = DocumentFindings(replace(pos.ref, status="stale", error="last fetch failed"), findings_for(rb, pos).findings)
    review = Review("warrant", Level.MET, "Confirmed by counsel <i>x</i>", "Ana", "2026-11-01")
    card = score_company(rb, "mixed", "Mixed", [stale, findings_for(rb, neg)], reviews={"warrant": review},
                         review_below=review_threshold())
    assert card.criterion("notice").conflicting
    write_report(tmp_path, [card], rb)
    page = soup(tmp_path / "companies" / "mixed.html")
    notice = page.find("article", id="notice")
    marks = [m.get_text() for m in notice.select(".mark")]
    assert "conflicting" in marks and "stale" in marks
    warrant = page.find("article", id="warrant")
    assert "reviewed" in [m.get_text() for m in warrant.select(".mark")]
    assert "Confirmed by counsel <i>x</i>" in warrant.get_text() and not warrant.find("i")
