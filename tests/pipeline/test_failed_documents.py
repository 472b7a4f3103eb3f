"""Companies whose documents failed to fetch: listed everywhere, with no credit they did not earn.

A real HTTP server on 127.0.0.1 answers 404 for the failing page; `audit fetch` records the
failure in the archive and `audit score` / `audit report` read it from there.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from httpfixtures import LocalServer

MINI = str(Path(__file__).parents[1] / "data" / "mini_rubric.toml")
SCHEMA = Path(__file__).parents[2] / "audit" / "schemas" / "scorecards-1.json"
GOOD_TEXT = "We notify users before we disclose their data.\n\nMessages are end-to-end encrypted.\n"
TEXT_CRITERIA = ("notice", "warrant", "e2ee")  # method "text" in the mini rubric


def _page(h):
    h.send(200, b"<html><body><p>A search warrant is required for content.</p></body></html>",
           {"Content-Type": "text/html"})


@pytest.fixture
def server():
    with LocalServer({"/ok": _page}) as srv:  # every other path is a 404
        yield srv


def _workspace(tmp_path: Path, decls: dict[str, str]) -> Path:
    (tmp_path / "companies" / "docs").mkdir(parents=True)
    (tmp_path / "companies" / "docs" / "good.txt").write_text(GOOD_TEXT)
    for slug, text in decls.items():
        (tmp_path / "companies" / f"{slug}.toml").write_text(text)
    return tmp_path


def _url_doc(url: str, dtype: str = "law-enforcement-guidelines") -> str:
    return f'\n[[documents]]\ntype = "{dtype}"\nurl = "{url}"\n'


GOOD = 'name = "Good Co"\n\n[[documents]]\ntype = "law-enforcement-guidelines"\npath = "docs/good.txt"\n'


def _fetch(run_cli, ws: Path):
    return run_cli("fetch", "--workspace", ws, "--allow-private-network", "--delay", "0")


def _validate(doc: dict) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8"))).validate(doc)


def _assert_not_evaluated(company: dict, missing_url: str) -> None:
    assert company["score"] is None and company["grade"] is None
    assert "failed to fetch or parse" in company["not_evaluated_reason"]
    (doc,) = company["documents"]
    assert doc["url"] == missing_url and doc["status"] == "failed" and "HTTP 404" in doc["error"]
    assert doc["sha256"] is None and doc["fetched_at"] is None
    levels = {c["id"]: c for c in company["criteria"]}
    for cid in TEXT_CRITERIA:
        assert levels[cid]["level"] == "not-evaluated" and levels[cid]["points"] is None, levels[cid]
    assert company["coverage"]["no_disclosure"] == 0 and company["coverage"]["evidenced"] == 0
    assert all(d["score"] is None for d in company["demands"])


def test_all_documents_failed_company_is_listed_not_scored(run_cli, tmp_path, server):
    missing = server.url("/missing")
    ws = _workspace(tmp_path, {"good": GOOD, "gone": 'name = "Gone Inc"\n' + _url_doc(missing)})
    assert _fetch(run_cli, ws).code == 3  # the only URL failed
    r = run_cli("score", "--workspace", ws, "--rubric", MINI, "--format", "json")
    assert r.code == 0, r  # the other company was scored
    assert "gone: could not be evaluated" in r.err
    doc = json.loads(r.out)
    _validate(doc)
    companies = {c["slug"]: c for c in doc["companies"]}
    assert set(companies) == {"good", "gone"}
    assert companies["good"]["score"] is not None and "not_evaluated_reason" not in companies["good"]
    _assert_not_evaluated(companies["gone"], missing)


def test_text_and_markdown_say_could_not_be_evaluated(run_cli, tmp_path, server):
    ws = _workspace(tmp_path, {"good": GOOD, "gone": 'name = "Gone Inc"\n' + _url_doc(server.url("/missing"))})
    _fetch(run_cli, ws)
    text = run_cli("score", "--workspace", ws, "--rubric", MINI)
    assert text.code == 0, text
    assert "Gone Inc: could not be evaluated (every declared document failed to fetch or parse)" in text.out
    assert "[failed: " in text.out and "HTTP 404]" in text.out and "Gone Inc: grade" not in text.out
    md = run_cli("score", "--workspace", ws, "--rubric", MINI, "--format", "markdown")
    assert md.code == 0, md
    section = md.out[md.out.index("## Gone Inc"):].split("\n## ")[0]
    assert section.startswith("## Gone Inc: could not be evaluated")
    assert "**Could not be evaluated:**" in section and "HTTP 404" in section
    assert "`): no disclosure" not in section and "`): not evaluated" in section


def test_nothing_evaluated_is_exit_3_and_still_lists_the_failure(run_cli, tmp_path, server):
    ws = _workspace(tmp_path, {"gone": 'name = "Gone Inc"\n' + _url_doc(server.url("/missing"))})
    _fetch(run_cli, ws)
    r = run_cli("score", "--workspace", ws, "--rubric", MINI, "--format", "json")
    assert r.code == 3, r
    assert "nothing could be evaluated" in r.err
    (company,) = json.loads(r.out)["companies"]
    _assert_not_evaluated(company, server.url("/missing"))
    rep = run_cli("report", "--workspace", ws, "--rubric", MINI)
    assert rep.code == 3 and not (ws / "reports" / "index.html").exists()  # nothing to publish


def test_report_publishes_the_failed_company(run_cli, tmp_path, server, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764288000")
    missing = server.url("/missing")
    ws = _workspace(tmp_path, {"good": GOOD, "gone": 'name = "Gone Inc"\n' + _url_doc(missing)})
    _fetch(run_cli, ws)
    r = run_cli("report", "--workspace", ws, "--rubric", MINI)
    assert r.code == 0, r
    assert "1 could not be evaluated" in r.err
    out = ws / "reports"
    doc = json.loads((out / "scorecards.json").read_text())
    _validate(doc)
    _assert_not_evaluated(next(c for c in doc["companies"] if c["slug"] == "gone"), missing)
    rows = [row for row in csv.DictReader(io.StringIO((out / "scorecards.csv").read_text())) if row["company"] == "gone"]
    assert rows and all(row["score"] == "" and row["grade"] == "" for row in rows)
    assert all(row["evaluation"].startswith("could not be evaluated: every declared document failed") for row in rows)
    assert all("HTTP 404" in row["evaluation"] for row in rows)
    assert {row["level"] for row in rows if row["criterion"] in TEXT_CRITERIA} == {"not-evaluated"}
    good_rows = [row for row in csv.DictReader(io.StringIO((out / "scorecards.csv").read_text())) if row["company"] == "good"]
    assert {row["evaluation"] for row in good_rows} == {"evaluated"}
    index = BeautifulSoup((out / "index.html").read_text(), "html.parser")
    # listed apart from the league table, without a rank
    assert not any("Gone Inc" in tr.get_text() for tr in index.select("table.league tbody tr"))
    row = next(tr for tr in index.select("table.unranked tbody tr") if "Gone Inc" in tr.get_text())
    assert "could not be evaluated" in row.get_text()
    page = BeautifulSoup((out / "companies" / "gone.html").read_text(), "html.parser")
    box = page.select_one(".not-evaluated")
    assert box is not None and "Could not be evaluated" in box.get_text() and "HTTP 404" in box.get_text()
    status = [td.get_text() for td in page.select("table.documents td")]
    assert "never fetched" in status and any(s.startswith("failed: ") and "HTTP 404" in s for s in status) and "None" not in status
    assert "could not be evaluated" in (out / "companies" / "gone.md").read_text()
    assert "not evaluated" in (out / "badges" / "gone.svg").read_text()


def test_partially_failed_company_lists_the_failed_document(run_cli, tmp_path, server):
    missing = server.url("/missing")
    ws = _workspace(tmp_path, {"half": 'name = "Half"\n' + _url_doc(server.url("/ok")) + _url_doc(missing, "encryption")})
    assert _fetch(run_cli, ws).code == 0  # one of the two was fetched
    r = run_cli("score", "--workspace", ws, "--rubric", MINI, "--format", "json")
    assert r.code == 0, r
    doc = json.loads(r.out)
    _validate(doc)
    (company,) = doc["companies"]
    docs = {d["url"]: d for d in company["documents"]}
    assert docs[missing]["status"] == "failed" and "HTTP 404" in docs[missing]["error"]
    assert docs[missing]["sha256"] is None and docs[missing]["fetched_at"] is None
    ok = docs[server.url("/ok")]
    assert ok["status"] == "ok" and len(ok["sha256"]) == 64 and ok["fetched_at"]
    # scored from the document that was read: a score, and "no disclosure" where it is silent
    assert company["score"] is not None and "not_evaluated_reason" not in company
    levels = {c["id"]: c["level"] for c in company["criteria"]}
    assert levels["warrant"] == "met" and levels["notice"] == "no-disclosure"


def test_document_that_cannot_be_parsed_makes_the_company_unevaluated(run_cli, tmp_path):
    ws = _workspace(tmp_path, {"good": GOOD, "blank": 'name = "Blank"\n\n[[documents]]\ntype = "other"\npath = "docs/blank.txt"\n'})
    (ws / "companies" / "docs" / "blank.txt").write_text("")
    r = run_cli("score", "--workspace", ws, "--rubric", MINI, "--format", "json")
    assert r.code == 0, r
    blank = next(c for c in json.loads(r.out)["companies"] if c["slug"] == "blank")
    (d,) = blank["documents"]
    assert d["status"] == "failed" and "empty document" in d["error"]
    assert len(d["sha256"]) == 64 and d["fetched_at"]  # the bytes were read: their hash is known
    assert blank["score"] is None and blank["not_evaluated_reason"]
    assert {c["level"] for c in blank["criteria"] if c["id"] in TEXT_CRITERIA} == {"not-evaluated"}


def test_probe_only_company_gets_no_score_from_probes_alone(tmp_path):
    from audit.probe.store import append_run
    from audit.rubric.loader import load_rubric
    from audit.pipeline.score_workspace import score_workspace_detailed
    from audit.workspace import Workspace

    ws = Workspace.open(_workspace(tmp_path, {"probed": 'name = "Probed"\n' + _url_doc("https://probed.example/x")}))
    append_run(ws.archive_dir, "probed", {"time": "2026-11-27T00:00:00Z",
                                          "outcomes": {"tls": {"level": "met", "note": None, "evidence": []}}})
    result = score_workspace_detailed(ws, load_rubric(MINI))
    (card,) = result.cards  # evaluated (the probe ran), so not in `unevaluated`
    assert not result.unevaluated
    data = card.to_json()
    assert data["score"] is None and data["grade"] is None and data["not_evaluated_reason"]
    levels = {c["id"]: c for c in data["criteria"]}
    assert levels["tls"]["level"] == "met" and levels["tls"]["points"] == 100
    assert all(levels[c]["level"] == "not-evaluated" for c in TEXT_CRITERIA)
    demands = {d["id"]: d["score"] for d in data["demands"]}
    assert demands == {"legal": None, "crypto": 100.0}  # the transport probe still counts for its demand
