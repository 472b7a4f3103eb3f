"""reports/history.jsonl: one line per company per run, re-runs do not duplicate, damage is an error."""

from __future__ import annotations

import json

import pytest

from audit.errors import InputError
from audit.refresh.history import append_history, by_company, entries_from_scorecards, read_history


def _doc(when, scores):
    return {"generated_at": when, "tool": {"version": "0.1.0"},
            "rubric": {"id": "builtin", "version": "1.0", "sha256": "r"},
            "companies": [{"slug": s, "name": s.title(), "score": v, "grade": g,
                           "documents": [{"url": f"https://{s}.test/", "sha256": "a" * 64, "status": "ok"}]}
                          for s, (v, g) in scores.items()]}


def test_one_line_per_company_per_run(tmp_path):
    h = tmp_path / "reports" / "history.jsonl"
    append_history(h, entries_from_scorecards(_doc("2026-11-01T00:00:00Z", {"b": (50, "C"), "a": (80, "A")})))
    append_history(h, entries_from_scorecards(_doc("2026-11-08T00:00:00Z", {"a": (70, "B"), "b": (50, "C")}),
                                              causes={"a": ("text-changed",)}))
    lines = [json.loads(x) for x in h.read_text().splitlines()]
    assert [(x["time"][:10], x["slug"]) for x in lines] == [
        ("2026-11-01", "a"), ("2026-11-01", "b"), ("2026-11-08", "a"), ("2026-11-08", "b")]
    first = lines[0]
    assert first["rubric"]["version"] == "1.0" and first["tool"] == "0.1.0"
    assert first["documents"] == {"https://a.test/": {"sha256": "a" * 64, "status": "ok"}}
    assert lines[2]["causes"] == ["text-changed"]
    trend = by_company(read_history(h))
    assert [e.score for e in trend["a"]] == [80, 70]


def test_rerun_same_time_replaces_not_duplicates(tmp_path):
    h = tmp_path / "history.jsonl"
    doc = _doc("2026-11-01T00:00:00Z", {"a": (80, "A")})
    append_history(h, entries_from_scorecards(doc))
    before = h.read_bytes()
    append_history(h, entries_from_scorecards(doc))
    assert h.read_bytes() == before


def test_damaged_line_is_a_one_line_error(tmp_path):
    h = tmp_path / "history.jsonl"
    h.write_text('{"time": "x", "slug": "a"}\n{not json\n')
    with pytest.raises(InputError, match=r"history.jsonl:2"):
        read_history(h)


def test_missing_history_is_empty(tmp_path):
    assert read_history(tmp_path / "none.jsonl") == []
