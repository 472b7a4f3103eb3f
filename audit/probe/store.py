"""Probe results in the archive: `archive/probes/<slug>.jsonl`, one JSON line per probe run.

Each line: {"time", "tool_version", "openssl", "hosts": [...raw observations...],
"outcomes": {criterion_id: {"level": str|null, "note": str|null, "evidence": [Evidence JSON]}}}.
The newest line is what scoring uses; older lines are history. Appends are atomic per line.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from audit.archive.files import append_line
from audit.models import Evidence, Level, Polarity, ProbeOutcome
from audit.untrusted import loads_json


def probes_path(archive_dir: Path, slug: str) -> Path:
    return Path(archive_dir) / "probes" / f"{slug}.jsonl"


def append_run(archive_dir: Path, slug: str, record: dict) -> Path:
    """Append one probe run (a JSON-serialisable dict) as a single line, fsynced."""
    path = probes_path(archive_dir, slug)
    append_line(path, json.dumps(record, sort_keys=True, ensure_ascii=False), root=Path(archive_dir))
    return path


def latest_run(archive_dir: Path, slug: str) -> dict | None:
    path = probes_path(archive_dir, slug)
    if not path.is_file():
        return None
    last = None
    with path.open(encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                last = loads_json(line)
            except ValueError:
                continue  # a torn last line from an interrupted run: keep the previous good one
    return last


def outcomes_from_record(record: dict) -> dict[str, ProbeOutcome]:
    out: dict[str, ProbeOutcome] = {}
    for cid, o in (record.get("outcomes") or {}).items():
        level = Level(o["level"]) if o.get("level") else None
        evidence = tuple(
            Evidence(
                document=e.get("document", "probe"),
                url=e.get("url", ""),
                sha256=e.get("sha256", ""),
                fetched_at=e.get("fetched_at", record.get("time", "")),
                quote=e.get("quote", ""),
                start=int(e.get("start", 0)),
                end=int(e.get("end", 0)),
                polarity=Polarity(e.get("polarity", "for")),
                signal=e.get("signal", "probe"),
                level=Level(e.get("level", o.get("level") or "no-disclosure")),
                observation=e.get("observation"),
            )
            for e in o.get("evidence", [])
        )
        out[cid] = ProbeOutcome(level, evidence, o.get("note"))
    return out


def load_outcomes(archive_dir: Path, slug: str) -> dict[str, ProbeOutcome]:
    """The newest probe outcomes of a company, or {} if it was never probed."""
    record = latest_run(archive_dir, slug)
    return outcomes_from_record(record) if record else {}
