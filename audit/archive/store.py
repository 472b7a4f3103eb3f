"""Snapshots by sha256 and an append-only JSONL log per document.

`archive/snapshots/<sha[:2]>/<sha>` holds raw bytes (stored once however often they are seen);
`archive/documents/<slug>/<document key>.jsonl` records every attempt: time, URL, final URL,
status, the headers that matter, sha256, size, error. A failed attempt is only a log line, so
the last good snapshot is never lost; the document is then `stale`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from audit.archive.files import append_line, atomic_write
from audit.untrusted import loads_json

KEPT_HEADERS = ("etag", "last-modified", "content-type", "content-language")


@dataclass(frozen=True)
class LogEntry:
    """One fetch/import attempt of one document."""

    time: str
    url: str
    final_url: str | None = None
    status: int | str | None = None   # HTTP status, "imported", "local" or None on a failure
    sha256: str | None = None
    size: int | None = None
    headers: dict | None = None
    error: str | None = None
    source: str = "fetch"  # fetch | import | local

    @property
    def ok(self) -> bool:
        return self.error is None and self.sha256 is not None

    def to_json(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class DocumentState:
    """What the archive knows about a document now: its newest good snapshot and last attempt."""

    good: LogEntry | None
    last: LogEntry | None

    @property
    def status(self) -> str:
        if self.good is None:
            return "failed"
        return "ok" if self.last is self.good else "stale"


def now_utc() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(s: str) -> datetime | None:
    try:
        return datetime.fromisoformat(s.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None


class Archive:
    def __init__(self, root: Path):
        self.root = Path(root)
        self._notes: dict[Path, str] = {}  # path -> "skipped N damaged line(s)", said once

    def take_warnings(self) -> list[str]:
        """What the readers skipped since the last call (torn or damaged log lines), one line each."""
        out = list(self._notes.values())
        self._notes.clear()
        return out

    # snapshots -------------------------------------------------------------------------------
    def snapshot_path(self, sha: str) -> Path:
        return self.root.joinpath("snapshots", sha[:2], sha)  # one join, not three: asked twice per document

    def put(self, data: bytes) -> str:
        """Store bytes once under their sha256; returns the sha."""
        sha = hashlib.sha256(data).hexdigest()
        path = self.snapshot_path(sha)
        if not path.is_file() or path.stat().st_size != len(data):
            atomic_write(path, data, root=self.root)
        return sha

    def get(self, sha: str) -> bytes | None:
        """The snapshot's bytes, or None when missing or corrupted (hash mismatch)."""
        path = self.snapshot_path(sha)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        return data if hashlib.sha256(data).hexdigest() == sha else None

    # logs ------------------------------------------------------------------------------------
    def log_path(self, slug: str, key: str) -> Path:
        return self.root.joinpath("documents", slug, f"{key}.jsonl")

    def record(self, slug: str, key: str, entry: LogEntry) -> None:
        append_line(self.log_path(slug, key), json.dumps(entry.to_json(), sort_keys=True, ensure_ascii=False),
                    root=self.root)

    def history(self, slug: str, key: str) -> list[LogEntry]:
        path = self.log_path(slug, key)
        if not path.is_file():
            return []
        out = []
        skipped = 0
        fields = set(LogEntry.__dataclass_fields__)
        for line in path.read_text(encoding="utf-8", errors="replace").split("\n"):
            if not line.strip():
                continue
            try:
                raw = loads_json(line)
                out.append(LogEntry(**{k: v for k, v in raw.items() if k in fields}))
            except (ValueError, TypeError, AttributeError):
                skipped += 1  # a torn line from an interrupted run (appends start on a fresh line)
        if skipped:
            self._notes[path] = (f"{path}: skipped {skipped} torn or damaged log line(s) "
                                 "(an interrupted run?); the other entries are used")
        return out

    def local_since(self, slug: str, key: str, source: str, sha: str, size: int) -> str | None:
        """Since when the archive has known these bytes as the content of a local (`path =`) file.

        The first time a content is seen (at `audit score`), a line with status "local" is added
        to the document's log; the time of that line is the document's `fetched_at` from then on,
        whatever the file's modification time (which differs between checkouts). None when the
        archive cannot be written and has no such line yet.
        """
        entries = [e for e in self.history(slug, key) if e.status == "local" and e.sha256]
        if entries and entries[-1].sha256 == sha:
            return entries[-1].time
        entry = LogEntry(now_utc(), source, status="local", sha256=sha, size=size, source="local")
        try:
            self.record(slug, key, entry)
        except OSError:
            return None
        return entry.time

    def state(self, slug: str, key: str) -> DocumentState:
        """Newest good snapshot (whose bytes still exist) and the newest attempt."""
        entries = self.history(slug, key)
        last = entries[-1] if entries else None
        good = next((e for e in reversed(entries) if e.ok and self.snapshot_path(e.sha256).is_file()), None)
        return DocumentState(good, last)


def age_text(since: str, now: datetime | None = None) -> str:
    """'3 days' / '5 hours' since a time stamp, for stale-document messages."""
    t = parse_time(since)
    if t is None:
        return "unknown age"
    secs = max(0, int(((now or datetime.now(timezone.utc)) - t).total_seconds()))
    for unit, n in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if secs >= n:
            k = secs // n
            return f"{k} {unit}{'s' if k != 1 else ''}"
    return f"{secs} seconds"
