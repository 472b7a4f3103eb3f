"""Findings cache: extraction + matching results keyed by what determines them.

Key = sha256 of (snapshot sha256, rubric sha256, content type, select, remove). A snapshot
re-scored with the same rubric and selectors is read back from `archive/cache/` instead of
being extracted and matched again, so re-scoring an unchanged archive does almost no work.
A corrupt or foreign cache file is ignored and rewritten.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from audit.archive.files import atomic_write
from audit.models import Level, Polarity
from audit.score.matcher import Finding

CACHE_VERSION = 1


def cache_key(snapshot_sha: str, rubric_sha: str, content_type: str | None, select=(), remove=()) -> str:
    raw = json.dumps([CACHE_VERSION, snapshot_sha, rubric_sha, (content_type or "").lower(), list(select), list(remove)])
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def cache_path(archive_dir: Path, key: str) -> Path:
    return Path(archive_dir) / "cache" / key[:2] / f"{key}.json"


def load_cached(archive_dir: Path, key: str) -> tuple[dict[str, list[Finding]], str, tuple[str, ...]] | None:
    """(findings, title, warnings) or None when absent or unreadable."""
    path = cache_path(archive_dir, key)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("key") != key:
            return None
        findings = {
            cid: [Finding(f["criterion"], f["signal"], Level(f["level"]), Polarity(f["polarity"]), f["start"],
                          f["end"], f["quote"], f["negated"], f["hedged"]) for f in items]
            for cid, items in raw["findings"].items()
        }
        return findings, raw.get("title", ""), tuple(raw.get("warnings", ()))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store_cached(archive_dir: Path, key: str, findings: dict[str, list[Finding]], title: str, warnings) -> None:
    doc = {
        "key": key,
        "title": title,
        "warnings": list(warnings),
        "findings": {
            cid: [{"criterion": f.criterion, "signal": f.signal, "level": f.level.value, "polarity": f.polarity.value,
                   "start": f.start, "end": f.end, "quote": f.quote, "negated": f.negated, "hedged": f.hedged}
                  for f in items]
            for cid, items in sorted(findings.items())
        },
    }
    atomic_write(cache_path(archive_dir, key), json.dumps(doc, sort_keys=True, ensure_ascii=False))
