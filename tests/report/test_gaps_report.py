"""The site writer removes its own outputs that are no longer produced, and nothing else."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_report import make_cards, rubric

from audit.report.site import MANIFEST, read_manifest, write_report


def _files(out: Path) -> set[str]:
    return {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}


@pytest.fixture(autouse=True)
def _epoch(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764288000")


def test_pages_of_a_company_that_left_are_removed(tmp_path):
    rb = rubric()
    out = tmp_path / "site"
    cards = make_cards(rb)
    write_report(out, cards, rb)
    assert {"companies/evil.html", "companies/evil.md", "badges/evil.svg"} <= _files(out)
    # files that are not the writer's own: the run history, a signature, a hand-written page
    (out / "history.jsonl").write_text("{}\n", encoding="utf-8")
    (out / "scorecards.json.sig").write_text("sig", encoding="utf-8")
    (out / "companies" / "notes.html").write_text("<p>ours, not the tool's</p>", encoding="utf-8")
    before = _files(out)

    write_report(out, [c for c in cards if c.slug != "evil"], rb)
    after = _files(out)
    assert before - after == {"companies/evil.html", "companies/evil.md", "badges/evil.svg", "badges/evil.json"}
    assert {"history.jsonl", "scorecards.json.sig", "companies/notes.html"} <= after
    assert "evil" not in (out / "index.html").read_text(encoding="utf-8")
    assert set(read_manifest(out)) == after - {"history.jsonl", "scorecards.json.sig", "companies/notes.html",
                                               MANIFEST}


def test_a_folder_left_empty_is_removed(tmp_path):
    rb = rubric()
    out = tmp_path / "site"
    cards = make_cards(rb)
    write_report(out, cards, rb)
    write_report(out, cards[:1], rb)
    write_report(out, [], rb)
    assert not (out / "companies").exists() and not (out / "badges").exists()
    assert (out / "index.html").is_file()


def test_a_stale_file_changed_by_someone_else_is_kept(tmp_path):
    rb = rubric()
    out = tmp_path / "site"
    cards = make_cards(rb)
    write_report(out, cards, rb)
    (out / "companies" / "evil.md").write_text("edited by hand", encoding="utf-8")
    write_report(out, [c for c in cards if c.slug != "evil"], rb)
    assert (out / "companies" / "evil.md").read_text(encoding="utf-8") == "edited by hand"
    assert not (out / "companies" / "evil.html").exists()
    assert "companies/evil.md" not in read_manifest(out)  # no longer the writer's


def test_a_tampered_manifest_cannot_delete_outside_files(tmp_path):
    rb = rubric()
    out = tmp_path / "site"
    write_report(out, make_cards(rb), rb)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    import hashlib

    sha = hashlib.sha256(b"keep me").hexdigest()
    doc = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    doc["files"].update({"../victim.txt": sha, str(victim): sha, "companies/../../victim.txt": sha})
    (out / MANIFEST).write_text(json.dumps(doc), encoding="utf-8")
    write_report(out, make_cards(rb), rb)
    assert victim.read_text(encoding="utf-8") == "keep me"


def test_same_inputs_same_manifest(tmp_path):
    rb = rubric()
    write_report(tmp_path / "a", make_cards(rb), rb)
    write_report(tmp_path / "b", list(reversed(make_cards(rb))), rb)
    assert (tmp_path / "a" / MANIFEST).read_bytes() == (tmp_path / "b" / MANIFEST).read_bytes()


def test_report_command_drops_a_removed_company(run_cli, tmp_path):
    from tests.demands.test_demands import write_rubric
    from tests.fetch.test_safety import _workspace

    ws = _workspace(tmp_path, local=True)
    (ws / "companies" / "other.toml").write_text(
        (ws / "companies" / "acme.toml").read_text(encoding="utf-8").replace("Acme Corp", "Other Inc"),
        encoding="utf-8")
    rub = write_rubric(tmp_path)
    assert run_cli("report", "--workspace", ws, "--rubric", rub).code == 0
    assert (ws / "reports" / "companies" / "other.html").is_file()
    (ws / "companies" / "other.toml").unlink()
    r = run_cli("report", "--workspace", ws, "--rubric", rub)
    assert r.code == 0, r
    assert not (ws / "reports" / "companies" / "other.html").exists()
    assert not (ws / "reports" / "badges" / "other.svg").exists()
    assert (ws / "reports" / "companies" / "acme.html").is_file()
