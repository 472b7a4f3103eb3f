"""Local (`path =`) documents: `fetched_at` does not depend on file modification times, so two
checkouts of the same commit score to the same bytes."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EPOCH = "1764288000"  # 2025-11-28T00:00:00Z


def _clone(tmp_path: Path, name: str, mtime: int) -> Path:
    ws = tmp_path / name
    shutil.copytree(EXAMPLES, ws, ignore=shutil.ignore_patterns("archive", "reports"))
    for p in ws.rglob("*"):
        if p.is_file():
            os.utime(p, (mtime, mtime))
    return ws


def _local_times(out: str) -> dict[tuple[str, str], str]:
    return {(c["slug"], d["url"]): d["fetched_at"] for c in json.loads(out)["companies"] for d in c["documents"]}


def test_two_checkouts_with_different_mtimes_score_to_the_same_bytes(tmp_path, run_cli, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    a = _clone(tmp_path, "clone-a", 1_600_000_000)
    b = _clone(tmp_path, "clone-b", 1_700_000_000)
    ra = run_cli("score", "--workspace", a, "--format", "json")
    rb = run_cli("score", "--workspace", b, "--format", "json")
    assert ra.code == 0 and rb.code == 0, (ra, rb)
    assert ra.out == rb.out
    assert set(_local_times(ra.out).values()) == {"2025-11-28T00:00:00Z"}
    # and again, with a warm archive and touched files: still the same bytes
    os.utime(b / "companies" / "docs" / "orbit-cloud-privacy.md", (1_750_000_000, 1_750_000_000))
    assert run_cli("score", "--workspace", b, "--format", "json").out == ra.out


def test_without_source_date_epoch_the_archive_records_when_the_content_was_first_read(tmp_path, run_cli,
                                                                                      monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    ws = _clone(tmp_path, "clone", 1_600_000_000)  # 2020-09-13: a modification time, not a reading time
    first = _local_times(run_cli("score", "--workspace", ws, "--format", "json").out)
    assert first and not any(t.startswith("2020-09-13") for t in first.values())
    doc = ws / "companies" / "docs" / "orbit-cloud-privacy.md"
    os.utime(doc, (1_700_000_000, 1_700_000_000))  # a checkout or `touch` changes nothing
    assert _local_times(run_cli("score", "--workspace", ws, "--format", "json").out) == first
    logs = list((ws / "archive" / "documents" / "orbit-cloud").glob("privacy-policy-*.jsonl"))
    assert len(logs) == 1
    [entry] = [json.loads(line) for line in logs[0].read_text(encoding="utf-8").splitlines()]
    assert entry["status"] == "local" and entry["source"] == "local"
    assert entry["url"] == "orbit-cloud-privacy.md" and entry["time"] == first[
        ("orbit-cloud", "orbit-cloud-privacy.md")]
    # new content is recorded once more (one more log line); unchanged documents keep their time
    doc.write_text(doc.read_text(encoding="utf-8") + "\nUpdated.\n", encoding="utf-8")
    run_cli("score", "--workspace", ws, "--format", "json")
    assert len(logs[0].read_text(encoding="utf-8").splitlines()) == 2


def test_check_file_honours_source_date_epoch(tmp_path, run_cli, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    f = tmp_path / "policy.md"
    f.write_text("# Law enforcement\n\nWe require a search warrant for content.\n", encoding="utf-8")
    os.utime(f, (1_600_000_000, 1_600_000_000))
    r = run_cli("check", f, "--format", "json")
    assert r.code == 0, r
    assert [d["fetched_at"] for d in json.loads(r.out)["companies"][0]["documents"]] == ["2025-11-28T00:00:00Z"]
