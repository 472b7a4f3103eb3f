"""Appends start on a fresh line and are flushed; readers skip a torn line and say so."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from audit.archive.files import append_line
from audit.archive.store import Archive, LogEntry
from audit.probe.store import append_run, latest_run, probes_path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TORN = ['{"time": "2026-01-01T00:00:00Z", "url": "https://exa', '{"a":', "\x00\x01garbage", '{"unterminated": "'
        ]


@pytest.mark.parametrize("torn", TORN)
def test_the_record_after_a_torn_line_is_kept(tmp_path, torn):
    archive = Archive(tmp_path / "archive")
    first = LogEntry("2026-01-01T00:00:00Z", "https://example.com/", status=200, sha256="a" * 64, size=1)
    second = LogEntry("2026-01-02T00:00:00Z", "https://example.com/", status=200, sha256="b" * 64, size=2)
    archive.record("acme", "doc", first)
    path = archive.log_path("acme", "doc")
    with path.open("a", encoding="utf-8") as f:
        f.write(torn)  # an interrupted append: no newline
    archive.record("acme", "doc", second)
    assert [e.sha256 for e in archive.history("acme", "doc")] == ["a" * 64, "b" * 64]
    [note] = archive.take_warnings()
    assert "skipped 1 torn" in note and str(path) in note
    assert archive.take_warnings() == []


@pytest.mark.parametrize("torn", TORN)
def test_probe_runs_after_a_torn_line_are_kept(tmp_path, torn):
    append_run(tmp_path, "acme", {"n": 1})
    with probes_path(tmp_path, "acme").open("a", encoding="utf-8") as f:
        f.write(torn)
    append_run(tmp_path, "acme", {"n": 2})
    assert latest_run(tmp_path, "acme") == {"n": 2}


def test_append_line_starts_on_a_fresh_line_and_is_complete(tmp_path):
    path = tmp_path / "log.jsonl"
    path.write_bytes(b'{"a": 1}\n{"b":')
    append_line(path, json.dumps({"c": 3}))
    assert path.read_bytes() == b'{"a": 1}\n{"b":\n{"c": 3}\n'


def test_score_says_it_skipped_a_torn_line(tmp_path, run_cli, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764288000")
    ws = tmp_path / "ws"
    shutil.copytree(EXAMPLES, ws, ignore=shutil.ignore_patterns("archive", "reports"))
    clean = run_cli("score", "--workspace", ws, "--format", "json")
    logs = sorted((ws / "archive" / "documents").rglob("*.jsonl"))
    assert logs
    with logs[0].open("a", encoding="utf-8") as f:
        f.write('{"time": "2026-')
    r = run_cli("score", "--workspace", ws, "--format", "json")
    assert r.code == 0 and r.out == clean.out, r
    assert "torn" in r.err and logs[0].name in r.err
