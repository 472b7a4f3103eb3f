"""Findings cache: extraction + matching results keyed by what determines them.

Key = sha256 of (cache format, snapshot sha256, rubric sha256, content type, select, remove, and
where given the reader's and the extractor's versions and the document type, which the learned
reader reads as context), so findings of an older reader or extractor never survive an upgrade. A snapshot
re-scored with the same rubric and selectors is read back from `archive/cache/` instead of
being extracted and matched again, so re-scoring an unchanged archive does almost no work.
A corrupt or foreign cache file is ignored and rewritten.

The archive is untrusted input (it may be committed by anyone). Every entry carries an HMAC
made with a key that never leaves this machine (`cache_key_file()`, outside any workspace): an
entry forged or edited by anyone else, or written on another machine, fails it and is discarded
(and recomputed). An entry that passes was written here, by this code, from the snapshot its
key names, so an unchanged archive re-scores without extracting anything. `load_cached(...,
text=...)` can also check every quote against an extraction at hand.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from functools import cache
from pathlib import Path

from audit.archive.files import atomic_write
from audit.models import Finding, Level, Polarity

CACHE_VERSION = 2  # 2: each observation records its reader


def cache_key(snapshot_sha: str, rubric_sha: str, content_type: str | None, select=(), remove=(),
              reader: tuple[str, ...] = ()) -> str:
    """`reader`: (reader version, extractor version, document type) -- what else decides the findings."""
    parts = [CACHE_VERSION, snapshot_sha, rubric_sha, (content_type or "").lower(), list(select), list(remove)]
    if reader:
        parts.append(list(reader))
    raw = json.dumps(parts)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def cache_path(archive_dir: Path, key: str) -> Path:
    return Path(archive_dir).joinpath("cache", key[:2], f"{key}.json")


MAX_CACHE_BYTES = 16 * 1024 * 1024


def cache_key_file() -> Path:
    """Where this machine's cache-signing key lives: $AUDIT_CACHE_KEY_FILE, else the user's cache
    folder ($XDG_CACHE_HOME or ~/.cache)/encryption-audit/cache.key -- never inside a workspace."""
    env = os.environ
    return _key_file(env.get("AUDIT_CACHE_KEY_FILE"), env.get("XDG_CACHE_HOME"), env.get("HOME"))


@cache
def _key_file(explicit: str | None, xdg: str | None, home: str | None) -> Path:
    """`cache_key_file` for these variables, worked out once (it is asked for every entry read)."""
    if explicit:
        return Path(explicit)
    base = xdg or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "encryption-audit" / "cache.key"


@cache
def _mac_key(path: Path) -> bytes:
    """The key, made on first use (0600); where it cannot be kept, one for this process only
    (entries then verify only within the run that wrote them)."""
    try:
        data = path.read_bytes()
        if len(data) >= 32:
            return data[:32]
    except OSError:
        pass
    key = secrets.token_bytes(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(key)
    except FileExistsError:  # another process made it first: use theirs
        try:
            data = path.read_bytes()
            return data[:32] if len(data) >= 32 else key
        except OSError:
            return key
    except OSError:
        pass
    return key


# An entry is `{"mac": "<64 hex>", ` followed by the rest of its JSON body, and the HMAC is over
# the body's bytes as stored (with its `{` back in front): checking it hashes the bytes as read,
# with no parse and no re-serialisation of the entry, and only a verified entry is parsed.
_MAC_HEAD = b'{"mac": "'
_MAC_TAIL = b'", '
_BODY_AT = len(_MAC_HEAD) + 64 + len(_MAC_TAIL)


def _mac(body: bytes) -> str:
    return hmac.new(_mac_key(cache_key_file()), body, hashlib.sha256).hexdigest()


def _verified_body(data: bytes) -> bytes | None:
    """The entry's body (a JSON object) when its HMAC verifies, else None."""
    if not data.startswith(_MAC_HEAD) or data[_BODY_AT - len(_MAC_TAIL):_BODY_AT] != _MAC_TAIL:
        return None
    body = b"{" + data[_BODY_AT:]
    mac = data[len(_MAC_HEAD):_BODY_AT - len(_MAC_TAIL)]
    return body if hmac.compare_digest(mac, _mac(body).encode("ascii")) else None


_LEVELS = {level.value: level for level in Level}  # a dict lookup per finding, not an Enum call
_POLARITIES = {polarity.value: polarity for polarity in Polarity}


def load_cached(archive_dir: Path, key: str,
                ) -> tuple[dict[str, list[Finding]], dict[str, float], str, tuple[str, ...], str | None] | None:
    """(findings, silence, title, warnings, language), or None when absent, unreadable, or not
    written by this machine (its HMAC does not verify: see the module doc)."""
    path = cache_path(archive_dir, key)
    try:
        if path.is_symlink() or path.stat().st_size > MAX_CACHE_BYTES:
            return None
        body = _verified_body(path.read_bytes())
        if body is None:
            return None
        # written by this machine's own code (the HMAC): parsed without the untrusted-input bounds
        raw = json.loads(body)
        if not isinstance(raw, dict) or raw.get("key") != key:
            return None
        findings = {
            cid: [Finding(f["criterion"], f["signal"], _LEVELS[f["level"]], _POLARITIES[f["polarity"]], f["start"],
                          f["end"], f["quote"], f["negated"], f["hedged"], f.get("confidence"), f.get("strength"),
                          f.get("original"), f.get("reader"))
                for f in items]
            for cid, items in raw["findings"].items()
        }
        silence = {str(k): float(v) for k, v in (raw.get("silence") or {}).items()}
        return findings, silence, raw.get("title", ""), tuple(raw.get("warnings", ())), raw.get("language")
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store_cached(archive_dir: Path, key: str, findings: dict[str, list[Finding]], title: str, warnings,
                 silence: dict[str, float] | None = None, language: str | None = None) -> None:
    doc = {
        "key": key,
        "language": language,
        "title": title,
        "warnings": list(warnings),
        "silence": dict(sorted((silence or {}).items())),
        "findings": {
            cid: [{"criterion": f.criterion, "signal": f.signal, "level": f.level.value, "polarity": f.polarity.value,
                   "start": f.start, "end": f.end, "quote": f.quote, "negated": f.negated, "hedged": f.hedged,
                   "confidence": f.confidence, "strength": f.strength, "original": f.original,
                   "reader": f.reader}
                  for f in items]
            for cid, items in sorted(findings.items())
        },
    }
    body = json.dumps(doc, sort_keys=True, ensure_ascii=False).encode("utf-8")
    entry = _MAC_HEAD + _mac(body).encode("ascii") + _MAC_TAIL + body[1:]
    atomic_write(cache_path(archive_dir, key), entry, root=Path(archive_dir))
