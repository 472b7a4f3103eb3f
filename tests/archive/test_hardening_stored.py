"""Nothing stored is trusted: a findings-cache entry not written by this machine (its HMAC, made
with a key kept outside the workspace, does not verify) is discarded -- forged quotes, invented
levels with genuine quotes, entries from another machine -- and a snapshot whose bytes do not
match its sha256 is not read."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from audit.archive.store import Archive, LogEntry

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EPOCH = "1764288000"


def _workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    shutil.copytree(EXAMPLES, ws, ignore=shutil.ignore_patterns("archive", "reports"))
    return ws


def _forge_invented(f, text_len):
    f["quote"] = "We always require a warrant and notify every user."
    f["level"] = "met"


def _forge_shifted(f, text_len):
    f["start"] += 3
    f["end"] += 3


def _forge_out_of_range(f, text_len):
    f["start"], f["end"] = 10**9, 10**9 + len(f["quote"])


def _forge_level_only_quote_kept_but_other_text(f, text_len):
    f["quote"] = f["quote"][::-1]


def _forge_negative(f, text_len):
    f["start"], f["end"] = -len(f["quote"]), 0


def _forge_float_offsets(f, text_len):
    f["start"] = float(f["start"])


def _forge_level_with_genuine_quotes(f, text_len):
    f["level"], f["polarity"] = "met", "for"


FORGERIES = [_forge_invented, _forge_shifted, _forge_out_of_range, _forge_level_only_quote_kept_but_other_text,
             _forge_negative, _forge_float_offsets, _forge_level_with_genuine_quotes]


def _rewrite_cache(ws: Path, mutate) -> int:
    """Apply `mutate` to every cache entry of the workspace, as a forger would; returns how many."""
    entries = sorted((ws / "archive" / "cache").rglob("*.json"))
    for path in entries:
        doc = json.loads(path.read_text(encoding="utf-8"))
        mutate(doc)
        path.write_text(json.dumps(doc), encoding="utf-8")
    return len(entries)


@pytest.mark.parametrize("forge", FORGERIES, ids=lambda f: f.__name__[7:])
def test_forged_cache_entries_are_discarded(tmp_path, run_cli, monkeypatch, forge):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    ws = _workspace(tmp_path)
    clean = run_cli("score", "--workspace", ws, "--format", "json")
    assert clean.code == 0, clean
    forged = []

    def mutate(doc):
        for cid, items in doc["findings"].items():
            for f in items:
                forge(f, 0)
                forged.append(f)
        # and a finding filed under a criterion it does not belong to
        if doc["findings"]:
            cid, items = next(iter(doc["findings"].items()))
            if items:
                doc["findings"].setdefault("warrant-for-content", []).append(dict(items[0], criterion=cid))
        doc["title"] = "Forged title"

    assert _rewrite_cache(ws, mutate)
    assert forged
    again = run_cli("score", "--workspace", ws, "--format", "json")
    assert again.code == 0, again
    assert again.out == clean.out
    assert "Forged title" not in again.out


def test_a_filed_under_another_criterion_finding_is_discarded(tmp_path, run_cli, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    ws = _workspace(tmp_path)
    clean = run_cli("score", "--workspace", ws, "--format", "json").out

    def mutate(doc):
        moved = {}
        for items in doc["findings"].values():
            moved.setdefault("warrant-for-content", []).extend(dict(f, level="met", polarity="for") for f in items)
        doc["findings"] = moved

    assert _rewrite_cache(ws, mutate)
    assert run_cli("score", "--workspace", ws, "--format", "json").out == clean


def test_entries_written_on_another_machine_are_recomputed_and_this_machines_are_reused(
        tmp_path, run_cli, monkeypatch):
    import audit.pipeline.score_workspace as sw

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    ws = _workspace(tmp_path)
    monkeypatch.setenv("AUDIT_CACHE_KEY_FILE", str(tmp_path / "other-machine.key"))
    clean = run_cli("score", "--workspace", ws, "--format", "json").out  # the cache as committed elsewhere
    monkeypatch.setenv("AUDIT_CACHE_KEY_FILE", str(tmp_path / "this-machine.key"))
    calls = []
    real = sw.extract
    monkeypatch.setattr(sw, "extract", lambda *a, **k: calls.append(1) or real(*a, **k))
    assert run_cli("score", "--workspace", ws, "--format", "json").out == clean
    assert calls  # foreign entries: recomputed
    calls.clear()
    assert run_cli("score", "--workspace", ws, "--format", "json").out == clean
    assert not calls  # its own entries: an unchanged archive re-scores without extracting


@pytest.mark.parametrize("tamper", ["flip", "truncate", "replace"])
def test_a_snapshot_that_does_not_match_its_sha256_is_not_read(tmp_path, tamper):
    archive = Archive(tmp_path / "archive")
    sha = archive.put(b"<html><body><p>We require a warrant.</p></body></html>")
    archive.record("acme", "doc", LogEntry("2026-01-01T00:00:00Z", "https://example.com/", status=200, sha256=sha,
                                           size=10))
    path = archive.snapshot_path(sha)
    data = path.read_bytes()
    path.write_bytes({"flip": data[:-2] + b"X>", "truncate": data[:10],
                      "replace": b"<p>We never require a warrant.</p>"}[tamper])
    assert archive.get(sha) is None


def test_a_cache_entry_cut_or_altered_anywhere_is_discarded(tmp_path, monkeypatch):
    """The HMAC covers the stored bytes: a cache entry cut short at any byte, or with any one byte
    changed, is a miss (and is recomputed), never a parse of unverified bytes; the entry as written
    is read back as it was stored."""
    from audit.archive.cache import load_cached, store_cached
    from audit.models import Finding, Level, Polarity

    monkeypatch.setenv("AUDIT_CACHE_KEY_FILE", str(tmp_path / "machine.key"))
    archive = tmp_path / "archive"
    key = "ab" * 32
    findings = {"user-notice": [Finding("user-notice", "learned:0.9", Level.MET, Polarity.FOR, 3, 40,
                                        "We notify users \u00e9 before disclosure.", False, False, 0.9, 0.9,
                                        None, "learned:x:1")]}
    store_cached(archive, key, findings, "Title", ["a warning"], {"user-notice": 0.1}, "en")
    expected = (findings, {"user-notice": 0.1}, "Title", ("a warning",), "en")
    assert load_cached(archive, key) == expected
    path = next((archive / "cache").rglob("*.json"))
    stored = path.read_bytes()
    json.loads(stored)  # still one JSON object, readable by people and tools
    for cut in range(0, len(stored), 7):
        path.write_bytes(stored[:cut])
        assert load_cached(archive, key) is None, cut
    for at in range(0, len(stored), 5):
        altered = bytearray(stored)
        altered[at] = (altered[at] + 1) % 256
        path.write_bytes(bytes(altered))
        assert load_cached(archive, key) is None, at
    path.write_bytes(stored)
    assert load_cached(archive, key) == expected
    assert load_cached(archive, "cd" * 32) is None  # another key's entry (absent) is a miss
