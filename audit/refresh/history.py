"""`reports/history.jsonl`: one line per company per run, so pages can draw a trend and the
feed can tell when a score moved.

A line: time, slug, name, score, grade, rubric (id, version, sha256), tool version, document
hashes (url -> sha256 and status), and the causes of change since the previous run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from audit.errors import InputError
from audit.archive.files import atomic_write
from audit.untrusted import loads_json
from audit.schemas import schema_url

HISTORY_FILE = "history.jsonl"


@dataclass(frozen=True)
class HistoryEntry:
    time: str
    slug: str
    name: str
    score: float | None
    grade: str | None
    rubric: dict
    tool: str | None
    documents: dict = field(default_factory=dict)  # url -> {"sha256": ..., "status": ...}
    causes: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {"time": self.time, "slug": self.slug, "name": self.name, "score": self.score,
                "grade": self.grade, "rubric": self.rubric, "tool": self.tool,
                "documents": self.documents, "causes": list(self.causes)}

    @classmethod
    def from_json(cls, d: dict) -> "HistoryEntry":
        return cls(str(d["time"]), str(d["slug"]), str(d.get("name", d["slug"])), d.get("score"),
                   d.get("grade"), d.get("rubric") or {}, d.get("tool"), d.get("documents") or {},
                   tuple(d.get("causes") or ()))


def entries_from_scorecards(doc: dict, causes: dict[str, tuple[str, ...]] | None = None) -> list[HistoryEntry]:
    """History lines for every company of a scorecards document (parsed JSON)."""
    causes = causes or {}
    when = str(doc.get("generated_at", ""))
    rubric = {k: (doc.get("rubric") or {}).get(k) for k in ("id", "version", "sha256")}
    tool = (doc.get("tool") or {}).get("version")
    out = []
    for c in sorted(doc.get("companies", []), key=lambda c: c["slug"]):
        docs = {str(d.get("url")): {"sha256": d.get("sha256"), "status": d.get("status")}
                for d in c.get("documents", [])}
        out.append(HistoryEntry(when, c["slug"], c.get("name", c["slug"]), c.get("score"), c.get("grade"),
                                rubric, tool, dict(sorted(docs.items())), tuple(causes.get(c["slug"], ()))))
    return out


def read_history(path: Path) -> list[HistoryEntry]:
    """All lines of a history file; a missing file is an empty history, a damaged line an error."""
    path = Path(path)
    if not path.exists():
        return []
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(HistoryEntry.from_json(loads_json(line)))
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise InputError(f"{path}:{n}: damaged history line ({type(e).__name__})") from None
    return out


def by_company(entries: list[HistoryEntry]) -> dict[str, list[HistoryEntry]]:
    """Entries per slug, oldest first: what a company page needs to draw its trend."""
    out: dict[str, list[HistoryEntry]] = {}
    for e in sorted(entries, key=lambda e: (e.slug, e.time)):
        out.setdefault(e.slug, []).append(e)
    return out


def append_history(path: Path, new: list[HistoryEntry]) -> list[HistoryEntry]:
    """Append NEW, replacing lines of the same (time, slug) so a re-run does not duplicate.

    Written atomically (whole file), kept sorted by time then slug: same inputs, same bytes.
    """
    keep = {(e.time, e.slug): e for e in read_history(path)}
    for e in new:
        keep[(e.time, e.slug)] = e
    entries = [keep[k] for k in sorted(keep)]
    schema = {"$schema": schema_url("history")}
    text = "".join(json.dumps(schema | e.to_json(), ensure_ascii=False, sort_keys=True) + "\n" for e in entries)
    atomic_write(Path(path), text)
    return entries
