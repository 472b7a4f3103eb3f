"""The published scorecards: a static site plus reusable data files, from scorecards alone.

`write_report` is a pure writer: scorecards, rubric and (optional) history in, files out.
Pages are Jinja2 templates with autoescaping on, because quotes come from fetched pages and
are untrusted; URLs become links only when they are http(s). Every file is written atomically
and its bytes depend only on the inputs (and SOURCE_DATE_EPOCH for the generation date).

The writer keeps a manifest of what it wrote (`.audit-report-files.json`: path -> sha256) so the
next run can delete its own outputs that are no longer produced (the page of a company that left
the workspace), and nothing else: files it never wrote (history, feed, signatures, a README)
and files changed since it wrote them are left alone.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from audit.archive.files import atomic_write
from audit.errors import InputError
from audit.models import DocumentRef, Evidence, Level, Scorecard
from audit import schemas
from audit.report.badge import badge_endpoint_json, badge_svg
from audit.report.charts import demand_bars, history_chart
from audit.report.csvout import scorecards_csv
from audit.report.formats import MarkdownFormat, document_failure, dumps, generated_at, scorecards_document
from audit.report.stage import check_report_folder
from audit.rubric.model import Rubric
from audit.untrusted import loads_json

TEMPLATES = Path(__file__).parent / "templates"
MANIFEST = ".audit-report-files.json"
MANIFEST_SCHEMA = "encryption-audit/report-files/1"
STYLESHEET = "style.css"
SCRIPT = "sort.js"
SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")

#: Only local files: no network requests at all, scripts and styles from the site itself.
CSP = ("default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
       "base-uri 'none'; form-action 'none'")

LEVEL_LABEL = {
    Level.MET: "met",
    Level.PARTIAL: "partial",
    Level.NOT_MET: "not met",
    Level.NO_DISCLOSURE: "no disclosure",
    Level.NOT_APPLICABLE: "not applicable",
    Level.NOT_EVALUATED: "not evaluated",
    Level.UNREVIEWED: "needs review",
}
#: The order levels are explained in (the methodology and every legend): best to worst, then the rest.
LEVEL_ORDER = (Level.MET, Level.PARTIAL, Level.NOT_MET, Level.NO_DISCLOSURE, Level.NOT_APPLICABLE,
               Level.NOT_EVALUATED, Level.UNREVIEWED)


def ordered_levels(items):
    """(level name or Level, value) pairs in LEVEL_ORDER; unknown names last, in their own order."""
    rank = {lv.value: i for i, lv in enumerate(LEVEL_ORDER)}
    key = lambda kv: rank.get(kv[0].value if isinstance(kv[0], Level) else str(kv[0]), len(rank))  # noqa: E731
    return sorted(items, key=key)


#: Levels where the criterion's demand text tells readers what to ask for.
UNMET = (Level.PARTIAL, Level.NOT_MET, Level.NO_DISCLOSURE)


def http_url(url: str | None) -> str | None:
    """The URL when it is safe to link (http or https with a host), else None."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() in ("http", "https") and parts.netloc and not any(c in url for c in "\r\n\t"):
        return url.strip()
    return None


@dataclass(frozen=True)
class EvidenceView:
    evidence: Evidence
    link: str | None
    public: bool
    stale: bool


def _history_by_slug(history) -> dict[str, list[tuple[str, float | None, str | None]]]:
    """History entries (objects or dicts with slug/time/score/grade), oldest first per company."""
    out: dict[str, list] = {}
    for e in history or ():
        get = e.get if isinstance(e, dict) else (lambda k, _e=e: getattr(_e, k, None))
        slug = get("slug")
        if not slug:
            continue
        out.setdefault(str(slug), []).append((str(get("time") or ""), get("score"), get("grade")))
    return {k: sorted(v, key=lambda t: t[0]) for k, v in out.items()}


def _newest_evidence(card: Scorecard) -> str | None:
    dates = [d.fetched_at for d in card.documents if d.fetched_at and d.status != "failed"]
    return max(dates)[:10] if dates else None


def _evidence_views(card: Scorecard, evidence: tuple[Evidence, ...]) -> list[EvidenceView]:
    docs: dict[tuple[str, str], DocumentRef] = {(d.url, d.sha256): d for d in card.documents}
    views = []
    for e in evidence:
        ref = docs.get((e.url, e.sha256))
        public = ref.public if ref is not None else bool(http_url(e.url))
        views.append(EvidenceView(e, http_url(e.url) if public else None, public,
                                  ref is not None and ref.status == "stale"))
    return views


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["http_url"] = http_url
    env.filters["score"] = lambda s: "–" if s is None else f"{s:.1f}"
    env.filters["failure"] = document_failure
    env.filters["ordered_levels"] = ordered_levels
    env.globals.update(LEVEL_LABEL=LEVEL_LABEL, UNMET=UNMET, CSP=CSP, STYLESHEET=STYLESHEET, SCRIPT=SCRIPT)
    return env


def _write_atomic(path: Path, data: str | bytes, root: Path | None = None) -> None:
    """Temp file in the same folder + os.replace: readers never see half a page; never through a
    symbolic link, never outside ROOT (the report folder)."""
    atomic_write(path, data, 0o644, root=root)


def _check_slugs(cards: list[Scorecard]) -> None:
    seen: set[str] = set()
    for c in cards:
        if not SLUG.match(c.slug):
            raise InputError(f"{c.slug!r}: company slug cannot be used as a file name")
        if c.slug in seen:
            raise InputError(f"{c.slug}: two scorecards with the same slug")
        seen.add(c.slug)


def league_order(cards: list[Scorecard]) -> list[Scorecard]:
    """Best score first; companies that could not be scored last; ties by name then slug."""
    return sorted(cards, key=lambda c: (c.score is None, -(c.score or 0.0), c.name.lower(), c.slug))


def render_site(cards: list[Scorecard], rubric: Rubric, history=None, extra: dict | None = None) -> dict[str, str]:
    """Every file of the report as {relative path: text}; `write_report` writes them."""
    _check_slugs(cards)
    env = _environment()
    when = generated_at()
    extra = dict(extra or {})
    hist = _history_by_slug(history)
    ordered = league_order(cards)
    common = dict(rubric=rubric, generated=when, signing=extra.get("signing"), extra=extra)
    # companies without a score (nothing readable) are listed apart, without a rank
    scored = [c for c in ordered if c.score is not None]
    rows = [dict(card=c, bars=demand_bars([(rubric.demand(d.id).title, d.score) for d in c.demands]),
                 newest=_newest_evidence(c), rank=scored.index(c) + 1 if c.score is not None else None,
                 pending=sum(1 for r in c.criteria if r.needs_review and not r.reviewed))
            for c in ordered]
    files: dict[str, str] = {
        "index.html": env.get_template("index.html").render(
            rows=[r for r in rows if r["rank"] is not None], unranked=[r for r in rows if r["rank"] is None],
            root="", **common),
        "methodology.html": env.get_template("methodology.html").render(root="", **common),
        STYLESHEET: (TEMPLATES / STYLESHEET).read_text(encoding="utf-8"),
        SCRIPT: (TEMPLATES / SCRIPT).read_text(encoding="utf-8"),
        "scorecards.json": dumps(scorecards_document(cards, rubric, when)),
        "scorecards.csv": scorecards_csv(cards, rubric),
    }
    company = env.get_template("company.html")
    for row in rows:
        c = row["card"]
        criteria = {d.id: [dict(result=r, criterion=rubric.criterion(r.id), evidence=_evidence_views(c, r.evidence))
                           for r in c.criteria if r.demand == d.id] for d in c.demands}
        files[f"companies/{c.slug}.html"] = company.render(
            card=c, row=row, criteria=criteria, root="../",
            history=history_chart(hist.get(c.slug, [])), **common)
        files[f"companies/{c.slug}.md"] = MarkdownFormat().render([c], rubric)
        files[f"badges/{c.slug}.svg"] = badge_svg(c)
        files[f"badges/{c.slug}.json"] = badge_endpoint_json(c)
    # the schema of scorecards.json, published beside it (its $id is where the repository serves it)
    files[f"schemas/{schemas.FILES['scorecards']}"] = schemas.text("scorecards")
    if extra.get("security_contact"):
        files[".well-known/security.txt"] = security_txt(extra["security_contact"], when)
    return files


def security_txt(contact: str, generated: str) -> str:
    """RFC 9116 security.txt for the published site: its Contact, and Expires a year after the
    report was generated (a site that is no longer refreshed stops claiming a live contact)."""
    from datetime import datetime, timedelta

    expires = datetime.strptime(generated, "%Y-%m-%dT%H:%M:%SZ") + timedelta(days=365)
    return (f"Contact: {contact}\nExpires: {expires.strftime('%Y-%m-%dT%H:%M:%SZ')}\n"
            "Preferred-Languages: en\n")


def write_report(out_dir, cards: list[Scorecard], rubric: Rubric, history=None, extra: dict | None = None) -> list[Path]:
    """Write the site and data files under OUT_DIR; returns the written paths, sorted.

    Files this writer wrote last time and does not produce now are removed (see the module doc).
    """
    out = Path(out_dir)
    check_report_folder(out)
    files = render_site(list(cards), rubric, history, extra)
    raw = {rel: (text.encode("utf-8") if isinstance(text, str) else text) for rel, text in files.items()}
    digests = {rel: hashlib.sha256(data).hexdigest() for rel, data in raw.items()}
    previous = read_manifest(out)
    stale = {rel: sha for rel, sha in previous.items() if rel not in digests}
    try:
        if stale:
            # an interrupted run must still know every file it may have left behind
            _write_manifest(out, {**previous, **digests})
        written = []
        for rel in sorted(raw):
            path = out / rel
            try:
                _write_atomic(path, raw[rel], out)
            except OSError as e:
                raise InputError(f"{path}: cannot write: {e.strerror or e}") from None
            written.append(path)
        kept = _remove_stale(out, stale)
        _write_manifest(out, {**kept, **digests})
    except OSError as e:
        raise InputError(f"{out / MANIFEST}: cannot write: {e.strerror or e}") from None
    return written


def read_manifest(out: Path) -> dict[str, str]:
    """{relative path: sha256} of the files the last run wrote; {} when absent or unreadable."""
    try:
        doc = loads_json((Path(out) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = doc.get("files") if isinstance(doc, dict) and doc.get("schema") == MANIFEST_SCHEMA else None
    if not isinstance(files, dict):
        return {}
    return {rel: sha for rel, sha in files.items()
            if isinstance(rel, str) and isinstance(sha, str) and _own_path(out, rel) is not None}


def _own_path(out: Path, rel: str) -> Path | None:
    """The file a manifest entry names, if it is a plain relative path inside OUT (else None)."""
    parts = rel.split("/")
    if (not rel or rel.startswith("/") or "\\" in rel or ":" in rel or rel == MANIFEST
            or any(p in ("", ".", "..") for p in parts)):
        return None
    path = Path(out, *parts)
    try:
        if not path.resolve().is_relative_to(Path(out).resolve()):
            return None
    except (OSError, RuntimeError):
        return None
    return path


def _remove_stale(out: Path, stale: dict[str, str]) -> dict[str, str]:
    """Delete the stale files that still hold what we wrote; returns the entries to keep tracking
    (a stale file that could not be removed right now is tried again next time)."""
    keep: dict[str, str] = {}
    for rel, sha in sorted(stale.items()):
        path = _own_path(out, rel)
        if path is None or path.is_symlink() or not path.is_file():
            continue  # gone already, or not a file we could have written
        try:
            if hashlib.sha256(path.read_bytes()).hexdigest() != sha:
                continue  # changed by someone since we wrote it: theirs now, left alone
            path.unlink()
        except OSError:
            keep[rel] = sha
            continue
        parent = path.parent
        while parent != out and parent.is_relative_to(out):
            try:
                parent.rmdir()  # only when empty
            except OSError:
                break
            parent = parent.parent
    return keep


def _write_manifest(out: Path, files: dict[str, str]) -> None:
    doc = {"schema": MANIFEST_SCHEMA, "files": dict(sorted(files.items()))}
    _write_atomic(Path(out) / MANIFEST, json.dumps(doc, indent=1, sort_keys=True) + "\n", Path(out))
