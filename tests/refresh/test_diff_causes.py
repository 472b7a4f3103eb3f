"""`audit diff` lists only real level changes, the feed gives the same causes, and no summary
says None."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

from audit.refresh.diff import diff_scorecards
from audit.refresh.render import render_markdown, render_text

ATOM = "{http://www.w3.org/2005/Atom}"


def _doc(level: str, quote: str, score: float | None = 50.0) -> dict:
    return {"rubric": {"id": "r", "version": "1", "sha256": "a" * 64}, "tool": {"version": "1"},
            "companies": [{"slug": "acme", "name": "Acme", "score": score, "grade": "D" if score else None,
                           "documents": [{"type": "privacy-policy", "url": "https://a.example/p", "sha256": "b" * 64,
                                          "status": "ok"}],
                           "criteria": [{"id": "notice", "demand": "d", "method": "text", "level": level,
                                         "points": 50, "weight": 1, "reviewed": False,
                                         "evidence": [{"url": "https://a.example/p", "quote": quote,
                                                       "polarity": "for", "signal": "s"}]}]}]}


def test_same_level_with_other_quotes_is_not_listed():
    diff = diff_scorecards(_doc("partial", "We may notify users."), _doc("partial", "We may tell users."))
    assert all(not c.criteria for c in diff.companies)
    assert "partial -> partial" not in render_text(diff)
    assert "| partial | partial |" not in render_markdown(diff)


def test_no_none_in_summaries():
    old = _doc("partial", "q", score=None)
    old["rubric"] = {}
    old["tool"] = {}
    old["companies"][0]["documents"][0]["sha256"] = None
    new = _doc("met", "q", score=80.0)
    for text in (render_text(diff_scorecards(old, new)), render_markdown(diff_scorecards(old, new))):
        assert "None" not in text, text


def _ws(tmp_path: Path, text: str) -> Path:
    ws = tmp_path / "ws"
    (ws / "companies" / "docs").mkdir(parents=True, exist_ok=True)
    (ws / "companies" / "docs" / "le.txt").write_text(text)
    (ws / "companies" / "acme.toml").write_text(
        'name = "Acme"\n\n[[documents]]\ntype = "law-enforcement-guidelines"\npath = "docs/le.txt"\n'
        '\n[[documents]]\ntype = "transparency-report"\nurl = "https://acme.example/transparency"\n')
    (ws / "companies" / "gone.toml").write_text(
        'name = "Gone"\n\n[[documents]]\ntype = "privacy-policy"\nurl = "https://gone.example/p"\n')
    return ws


def test_feed_and_diff_give_the_same_cause(run_cli, tmp_path):
    # two texts any reader tells apart (a warrant for content; then only a promise about sales)
    ws = _ws(tmp_path, "We require a search warrant before we disclose the content of communications.\n")
    first = run_cli("run", "--offline", "--workspace", ws, "--summary-file", tmp_path / "first.md",
                    env={"SOURCE_DATE_EPOCH": "1764288000"})
    assert first.code == 0, first
    assert "None" not in (tmp_path / "first.md").read_text()
    shutil.copyfile(ws / "reports" / "scorecards.json", tmp_path / "old.json")
    (ws / "companies" / "docs" / "le.txt").write_text(
        "We do not sell your personal information.\n")
    second = run_cli("run", "--offline", "--workspace", ws, "--summary-file", tmp_path / "second.md",
                     env={"SOURCE_DATE_EPOCH": "1764892800"})
    assert second.code == 0, second
    assert "None" not in (tmp_path / "second.md").read_text()
    d = json.loads(run_cli("diff", tmp_path / "old.json", ws / "reports" / "scorecards.json", "--format", "json").out)
    acme = next(c for c in d["companies"] if c["slug"] == "acme")
    assert acme["causes"] == ["text-changed"]
    for cc in acme["criteria"]:
        assert cc["old_level"] != cc["new_level"] or cc["old_points"] != cc["new_points"]
    feed = ET.parse(ws / "reports" / "feed.xml").getroot()
    (entry,) = [e for e in feed.iter(f"{ATOM}entry") if "Acme" in e.find(f"{ATOM}title").text]
    summary = entry.find(f"{ATOM}summary").text
    assert "text-changed" in summary and "fetch-failed" not in summary, summary
    assert "None" not in summary
