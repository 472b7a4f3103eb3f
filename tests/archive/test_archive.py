"""The evidence archive: snapshots stored once, append-only logs, atomic writes, stale documents."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from httpfixtures import PAGE, LocalServer

from audit.archive.files import atomic_write
from audit.archive.store import Archive, LogEntry
from audit.declarations.load import load_declaration
from audit.fetch.polite import FetchPolicy, PoliteFetcher
from audit.pipeline.fetch_workspace import fetch_declarations

REPO = Path(__file__).resolve().parents[2]


def test_snapshot_stored_once_by_sha(tmp_path):
    a = Archive(tmp_path)
    sha1 = a.put(b"hello")
    sha2 = a.put(b"hello")
    assert sha1 == sha2 == hashlib.sha256(b"hello").hexdigest()
    assert a.snapshot_path(sha1) == tmp_path / "snapshots" / sha1[:2] / sha1
    assert len(list((tmp_path / "snapshots").rglob("*"))) == 2  # one folder, one file
    assert a.get(sha1) == b"hello"


def test_corrupted_snapshot_is_not_used(tmp_path):
    a = Archive(tmp_path)
    sha = a.put(b"hello")
    a.snapshot_path(sha).write_bytes(b"tampered")
    assert a.get(sha) is None


def test_log_skips_torn_line_and_failure_keeps_good_snapshot(tmp_path):
    a = Archive(tmp_path)
    sha = a.put(b"v1")
    a.record("acme", "doc", LogEntry("2026-11-01T00:00:00Z", "https://x/", "https://x/", 200, sha, 2))
    a.record("acme", "doc", LogEntry("2026-11-02T00:00:00Z", "https://x/", error="https://x/: HTTP 500"))
    with open(a.log_path("acme", "doc"), "a") as f:
        f.write('{"time": "2026-11-03T00:00:00Z", "url": "ht')  # an interrupted append
    state = a.state("acme", "doc")
    assert state.good.sha256 == sha and state.last.error and state.status == "stale"
    assert a.get(sha) == b"v1"


def test_atomic_write_interrupted_leaves_old_file(tmp_path, monkeypatch):
    target = tmp_path / "f.txt"
    target.write_text("old")

    def boom(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, b"new" * 1000)
    monkeypatch.undo()
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]  # no temp file left behind


def test_killed_writer_never_leaves_half_a_file(tmp_path):
    target = tmp_path / "snap"
    target.write_bytes(b"old")
    big = 8 * 1024 * 1024
    code = (
        "import sys; from pathlib import Path; from audit.archive.files import atomic_write\n"
        f"data = b'x' * {big}\n"
        "print('ready', flush=True)\n"
        "while True: atomic_write(Path(sys.argv[1]), data)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(target)], stdout=subprocess.PIPE, cwd=REPO)
    assert proc.stdout.readline().strip() == b"ready"
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    data = target.read_bytes()
    assert data == b"old" or data == b"x" * big


def _decl(tmp_path: Path, url: str):
    (tmp_path / "companies").mkdir(exist_ok=True)
    path = tmp_path / "companies" / "acme.toml"
    path.write_text(f'name = "Acme"\n\n[[documents]]\ntype = "law-enforcement-guidelines"\nurl = "{url}"\n')
    return load_declaration(path)


def test_fetch_then_failure_keeps_snapshot_and_reports_stale(tmp_path):
    pages = {"body": PAGE, "status": 200}

    def route(h):
        if pages["status"] != 200:
            return h.send(pages["status"], b"gone", {"Content-Type": "text/plain"})
        h.send(200, pages["body"], {"Content-Type": "text/html"})

    with LocalServer({"/doc": route}) as srv:
        decl = _decl(tmp_path, srv.url("/doc"))
        fetcher = PoliteFetcher(FetchPolicy(delay=0, allow_private=True, retries=0))
        archive = Archive(tmp_path / "archive")
        [first] = fetch_declarations(fetcher, archive, [decl])
        assert first.outcome == "fetched"
        [again] = fetch_declarations(fetcher, archive, [decl])
        assert again.outcome == "unchanged"
        pages["status"] = 404
        [failed] = fetch_declarations(fetcher, archive, [decl])
        assert failed.outcome == "failed" and failed.stale_since and "stale" in failed.describe()
    doc = decl.documents[0]
    state = archive.state("acme", doc.key)
    assert state.status == "stale" and archive.get(state.good.sha256) == PAGE
    assert len(archive.history("acme", doc.key)) == 3
    assert len(list((tmp_path / "archive" / "snapshots").rglob("*/*"))) == 1


def test_hosts_fetched_one_request_at_a_time_with_delay(tmp_path):
    seen = []

    def route(h):
        seen.append(time.monotonic())
        h.send(200, PAGE, {"Content-Type": "text/html"})

    with LocalServer({f"/d{i}": route for i in range(3)}) as srv:
        (tmp_path / "companies").mkdir()
        path = tmp_path / "companies" / "acme.toml"
        docs = "".join(f'\n[[documents]]\ntype = "other"\nurl = "{srv.url(f"/d{i}")}"\n' for i in range(3))
        path.write_text('name = "Acme"\n' + docs)
        fetcher = PoliteFetcher(FetchPolicy(delay=0.2, allow_private=True, retries=0, workers=4))
        out = fetch_declarations(fetcher, Archive(tmp_path / "archive"), [load_declaration(path)])
    assert [o.outcome for o in out] == ["fetched"] * 3
    gaps = [b - a for a, b in zip(seen, seen[1:])]
    assert all(g >= 0.19 for g in gaps)  # spacing is a lower bound, never a time limit
