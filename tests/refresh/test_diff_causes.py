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


def test_another_reader_on_the_same_snapshot_is_our_change(run_cli, tmp_path):
    """Each read document records its reader (`id:version`); the same snapshot read by another reader
    is the tool's reading that changed, never the company's text, and the diff names both readers."""
    ws = _ws(tmp_path, "We require a search warrant before we disclose the content of communications.\n"
                       "We do not sell your personal information.\n")
    env = {"SOURCE_DATE_EPOCH": "1764288000"}
    first = run_cli("score", "--workspace", ws, "--format", "json", env=env | {"AUDIT_READER": "rules"})
    second = run_cli("score", "--workspace", ws, "--format", "json", env=env | {"AUDIT_READER": "learned"})
    assert first.code == second.code == 0, (first, second)
    old, new = json.loads(first.out), json.loads(second.out)
    (o_doc,) = [d for d in old["companies"][0]["documents"] if d["status"] == "ok"]
    (n_doc,) = [d for d in new["companies"][0]["documents"] if d["status"] == "ok"]
    assert o_doc["reader"] == "rules" and n_doc["reader"].startswith("learned:"), (o_doc, n_doc)
    assert o_doc["sha256"] == n_doc["sha256"]
    # a document that could not be read names no reader
    assert all("reader" not in d for d in new["companies"][0]["documents"] if d["status"] == "failed")
    changed = [cc for c in diff_scorecards(old, new).companies for cc in c.criteria]
    for cc in changed:
        assert [c.kind for c in cc.causes] == ["extraction-changed"], cc
        assert f"rules -> {n_doc['reader']}" in cc.causes[0].detail, cc
    # same readers, same snapshot: nothing to explain, and an old scorecard without readers says nothing
    assert not diff_scorecards(new, new).companies
    for d in old["companies"][0]["documents"]:
        d.pop("reader", None)
    for cc in (cc for c in diff_scorecards(old, new).companies for cc in c.criteria):
        assert all("reader changed" not in c.detail for c in cc.causes), cc


def test_reader_change_explains_a_level_with_no_quote_left():
    """A level that fell to silence keeps no evidence of its own: the documents' readers still
    tell that our reading changed."""
    old, new = _doc("partial", "We may notify users."), _doc("no-disclosure", "")
    new["companies"][0]["criteria"][0]["evidence"] = []
    old["companies"][0]["documents"][0]["reader"] = "learned:aaaa:4"
    new["companies"][0]["documents"][0]["reader"] = "learned:bbbb:4"
    (cc,) = diff_scorecards(old, new).companies[0].criteria
    assert [c.kind for c in cc.causes] == ["extraction-changed"]
    assert cc.causes[0].detail.endswith("reader changed (learned:aaaa:4 -> learned:bbbb:4)"), cc
    # the same quote now carrying another level: no evidence changed, the readers still explain it
    same = _doc("met", "We may notify users.")
    same["companies"][0]["documents"][0]["reader"] = "learned:bbbb:4"
    (cc,) = diff_scorecards(old, same).companies[0].criteria
    assert [(c.kind, c.detail) for c in cc.causes] == [
        ("extraction-changed", "reader changed (learned:aaaa:4 -> learned:bbbb:4)")]
    same["companies"][0]["documents"][0]["reader"] = "learned:aaaa:4"  # same reader: nothing recorded explains it
    (cc,) = diff_scorecards(old, same).companies[0].criteria
    assert [c.kind for c in cc.causes] == ["unexplained"]
    new["companies"][0]["documents"][0]["sha256"] = "c" * 64  # their text changed too: that explains it
    (cc,) = diff_scorecards(old, new).companies[0].criteria
    assert [c.kind for c in cc.causes] == ["text-changed"]
