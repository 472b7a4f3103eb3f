"""Incomplete evidence is never silent: a declared document that could not be read (and has no
earlier good snapshot) makes the scorecard incomplete everywhere it is shown, and the criteria only
that document could answer are not-evaluated, not no-disclosure."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from httpfixtures import LocalServer

SCHEMA = Path(__file__).parents[2] / "audit" / "schemas" / "scorecards-1.json"
PRIVACY = ("We notify users before we disclose their data to law enforcement.\n\n"
           "We do not sell your personal information.\n")


@pytest.fixture
def server():
    with LocalServer({}) as srv:  # every path is a 404
        yield srv


def _workspace(tmp_path: Path, missing_url: str) -> Path:
    (tmp_path / "companies" / "docs").mkdir(parents=True)
    (tmp_path / "companies" / "docs" / "privacy.txt").write_text(PRIVACY)
    (tmp_path / "companies" / "acme.toml").write_text(
        'name = "Acme"\n\n[[documents]]\ntype = "privacy-policy"\npath = "docs/privacy.txt"\n'
        f'\n[[documents]]\ntype = "law-enforcement-guidelines"\nurl = "{missing_url}"\n')
    return tmp_path


@pytest.fixture
def ws(run_cli, tmp_path, server, monkeypatch):
    # what is tested is which criteria a missing document leaves unread; the hand rules read the
    # short privacy policy predictably (AUDIT_READER=rules), the learned reader may call it silent
    monkeypatch.setenv("AUDIT_READER", "rules")
    ws = _workspace(tmp_path, server.url("/le"))
    run_cli("fetch", "--workspace", ws, "--allow-private-network", "--delay", "0")
    return ws


def test_json_marks_incomplete_and_not_evaluated(run_cli, ws):
    r = run_cli("score", "--workspace", ws, "--format", "json")
    assert r.code == 0, r
    assert "acme: incomplete" in r.err and "law-enforcement-guidelines" in r.err
    doc = json.loads(r.out)
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text())).validate(doc)
    (c,) = doc["companies"]
    assert c["complete"] is False
    (inc,) = c["incomplete"]
    assert inc["document"] == "law-enforcement-guidelines" and "404" in inc["reason"]
    crit = {x["id"]: x for x in c["criteria"]}
    # only the law-enforcement guidelines could answer these: not evaluated, with the reason
    for cid in ("warrant-for-content", "narrow-emergency-disclosure", "gag-order-limits"):
        assert crit[cid]["level"] == "not-evaluated", crit[cid]
        assert "law-enforcement-guidelines could not be read" in crit[cid]["note"]
        assert crit[cid]["points"] is None
    # the privacy policy answers this one: its level stands
    assert crit["user-notice"]["level"] in ("met", "partial")
    # encryption criteria are not the guidelines' to answer: still no-disclosure
    assert crit["e2ee-by-default"]["level"] == "no-disclosure"


def test_complete_company_says_so(run_cli, tmp_path):
    (tmp_path / "companies" / "docs").mkdir(parents=True)
    (tmp_path / "companies" / "docs" / "privacy.txt").write_text(PRIVACY)
    (tmp_path / "companies" / "ok.toml").write_text(
        'name = "OK"\n\n[[documents]]\ntype = "privacy-policy"\npath = "docs/privacy.txt"\n')
    r = run_cli("score", "--workspace", tmp_path, "--format", "json")
    (c,) = json.loads(r.out)["companies"]
    assert c["complete"] is True and c["incomplete"] == []
    assert "incomplete" not in r.err


def test_text_and_markdown_say_incomplete(run_cli, ws):
    r = run_cli("score", "--workspace", ws)
    assert "INCOMPLETE: law-enforcement-guidelines could not be read" in r.out
    r = run_cli("score", "--workspace", ws, "--format", "markdown")
    assert "**Incomplete:**" in r.out


def test_report_banner_marker_and_stderr(run_cli, ws, tmp_path):
    out = tmp_path / "site"
    r = run_cli("report", "--workspace", ws, "--out", out)
    assert r.code == 0, r
    assert "acme: incomplete" in r.err
    index = (out / "index.html").read_text()
    assert "incomplete-mark" in index
    page = (out / "companies" / "acme.html").read_text()
    assert 'class="incomplete banner"' in page and "law-enforcement-guidelines" in page


def test_demands_letter_names_unread_documents(run_cli, ws):
    r = run_cli("demands", "acme", "--workspace", ws)
    assert r.code == 0, r
    assert "Documents that could not be read" in r.out
    assert "law-enforcement-guidelines" in r.out.split("Documents that could not be read")[1]
    r = run_cli("demands", "acme", "--workspace", ws, "--format", "text")
    assert "Documents that could not be read" in r.out


def test_run_says_so_and_fail_on_incomplete_gates(run_cli, ws):
    r = run_cli("--offline", "run", "--workspace", ws)
    assert r.code == 0, r
    assert "acme: incomplete" in r.err
    r = run_cli("--offline", "run", "--workspace", ws, "--fail-on-incomplete")
    assert r.code == 1, r
    assert "--fail-on-incomplete" in r.err


def test_missing_transparency_report_leaves_only_its_criteria():
    from audit.rubric.loader import load_rubric
    from audit.score.incomplete import criteria_spoken_to

    rubric = load_rubric(None)
    assert "transparency-report" in criteria_spoken_to(rubric, "transparency-report")
    assert "warrant-for-content" not in criteria_spoken_to(rubric, "transparency-report")
    assert "warrant-for-content" in criteria_spoken_to(rubric, "law-enforcement-guidelines")


def test_csv_and_flags_say_incomplete(run_cli, ws, tmp_path):
    import csv
    import io

    out = tmp_path / "site"
    assert run_cli("report", "--workspace", ws, "--out", out).code == 0
    rows = list(csv.DictReader(io.StringIO((out / "scorecards.csv").read_text())))
    assert rows and all(r["evaluation"].startswith("evaluated, incomplete: law-enforcement-guidelines") for r in rows)


def test_unread_documents_are_an_input_of_judging():
    """`score_company` decides "could not tell" itself from what could not be read (models.Unread):
    no scorecard is rewritten afterwards."""
    from audit.models import DocumentRef, Level, Review, Unread
    from audit.rubric.loader import load_rubric
    from audit.score.engine import score_company
    from audit.score.incomplete import UNREAD_NOTE, criteria_spoken_to

    rb = load_rubric("builtin")
    unread = Unread((("law-enforcement-guidelines", "HTTP 404"),))
    failed = [DocumentRef("law-enforcement-guidelines", "https://x.example/le", None, None, "failed", "HTTP 404")]
    card = score_company(rb, "x", "X", [], failed, unread=unread)
    assert card.incomplete == unread.documents and card.not_evaluated_reason is None
    spoken = criteria_spoken_to(rb, "law-enforcement-guidelines")
    for r in card.criteria:
        if r.id in spoken:
            assert r.level is Level.NOT_EVALUATED and r.points is None, r.id
            assert r.note == "not evaluated: law-enforcement-guidelines could not be read: HTTP 404"
        elif r.method == "text":
            assert r.level is Level.NO_DISCLOSURE, r.id
    assert card.score is not None and card.grade is not None  # some documents were read

    review = {"user-notice": Review("user-notice", Level.MET, "by hand", "ana", "2026-11-01")}
    none = score_company(rb, "x", "X", [], failed, reviews=review, unread=Unread(unread.documents, "nothing read"))
    assert none.score is None and none.grade is None and none.not_evaluated_reason == "nothing read"
    notice = none.criterion("user-notice")
    assert notice.level is Level.MET and notice.automatic_level is Level.NOT_EVALUATED
    assert all(r.level is Level.NOT_EVALUATED and r.note == UNREAD_NOTE
               for r in none.criteria if r.method == "text" and not r.reviewed)
