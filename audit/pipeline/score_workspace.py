"""Score every company of a workspace from its newest archived snapshots, probes and reviews.

The I/O around the pure scoring of `audit.score`: declarations, the archive, the findings cache,
local files, extraction and the reader.

Documents with `url =` are read from the archive (newest good snapshot; `stale` when the last
fetch failed, `failed` when there never was a good one); `path =` documents are read from disk
at score time and are not public. Extraction + matching go through the findings cache.

A `path =` document's `fetched_at` is SOURCE_DATE_EPOCH when set (reproducible output), else the
time the archive first recorded its current bytes (see Archive.local_since) -- not the file's
modification time, which differs between two checkouts of the same commit (that is only the
last resort when the archive cannot be written).

Pages that share a `group` are one document (an OTA `combine`): every page is extracted and
matched on its own (so each quote names the page, offset and snapshot it came from) and their
findings are pooled for the document; a page that cannot be used makes the combined document
incomplete, which is reported.

A company none of whose documents could be used is still a scorecard (it must not vanish from the
published data): its documents are listed as `failed` with the error, its text criteria are
`not-evaluated` (nothing was read, so "no disclosure" would be a claim we cannot make), and its
score and grade are None -- see `audit.score.incomplete`. When it has no probe results either it is in
`WorkspaceScores.unevaluated` (and `skipped`), apart from the companies that were evaluated.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from audit.archive.cache import cache_key, load_cached, store_cached
from audit.archive.store import Archive, age_text
from audit.declarations.load import load_declarations
from audit.declarations.model import (
    Declaration,
    DeclarationProblem,
    DeclaredDocument,
    selectors_plain,
)
from audit.declarations.reviews import load_reviews
from audit.errors import InputError
from audit.extract import EXTRACTOR_VERSION, MAX_BYTES, extract
from audit.extract.language import readable
from audit.models import DocumentFindings, DocumentRef, Scorecard, Unread
from audit.probe.store import load_outcomes
from audit.rubric.model import Rubric
from audit.pipeline.documents import mtime_utc, source_date_epoch
from audit.reader.learned import read_document, reader_version
from audit.reader.model import review_threshold
from audit.score.engine import score_company
from audit.score.incomplete import (
    EVERY_DOCUMENT_FAILED,
    NO_DOCUMENT_DECLARED,
    NO_DOCUMENT_IN_LANGUAGE,
    incomplete_warning,
    unread_documents,
    unsupported_language,
)


@dataclass
class WorkspaceScores:
    """Scorecards plus what went wrong on the way (for the command to report)."""

    cards: list[Scorecard] = field(default_factory=list)  # companies with anything evaluated
    unevaluated: list[Scorecard] = field(default_factory=list)  # nothing usable at all (failed documents)
    problems: list[DeclarationProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # slugs with nothing to evaluate
    cache_hits: int = 0
    cache_misses: int = 0

    @property
    def nothing_archived(self) -> bool:
        """No company has anything to read: no snapshot, no readable local file, no probe result.
        `audit run` (whose fetch already listed each failure) prints one hint instead of a card each."""
        return (not self.cards and bool(self.unevaluated) and not self.problems
                and all(d.sha256 is None for c in self.unevaluated for d in c.documents))

    @property
    def never_fetched(self) -> bool:
        """Nothing archived and nothing ever tried (a fresh checkout of the built-in set): `audit
        score` and `audit report` print one hint instead of a card each. After a failed fetch the
        cards are printed, so the failures can be read."""
        return self.nothing_archived and all(d.error == NEVER_FETCHED for c in self.unevaluated
                                             for d in c.documents if d.status == "failed")

    def hint(self) -> str:
        n = len(self.unevaluated)
        return (f"nothing could be evaluated: nothing archived yet for the {n} compan{'y' if n == 1 else 'ies'} "
                "of this workspace: "
                "fetch their documents with `audit fetch` (or `audit run`), or import saved copies such as "
                "Open Terms Archive versions: `audit import 'Signal/Privacy Policy.md' --company signal "
                "--type privacy-policy --url URL`")

    @property
    def all_cards(self) -> list[Scorecard]:
        """Every company's scorecard, evaluated or not, sorted by slug (what the outputs list)."""
        return sorted(self.cards + self.unevaluated, key=lambda c: c.slug)


def score_workspace(ws, rubric: Rubric, slugs=None, warn: Callable[[str], None] | None = None) -> list[Scorecard]:
    """Scorecards of the (named) companies that have anything to evaluate, sorted by slug."""
    result = score_workspace_detailed(ws, rubric, slugs)
    if warn:
        for w in result.warnings:
            warn(w)
    return result.cards


def score_workspace_detailed(ws, rubric: Rubric, slugs=None) -> WorkspaceScores:
    out = WorkspaceScores()
    known = {c.id for c in rubric.criteria}
    decls, problems = load_declarations(ws, slugs, known)
    out.problems.extend(problems)
    archive = Archive(ws.archive_dir)
    for decl in decls:
        try:
            reviews = load_reviews(ws, decl.slug, known)
        except InputError as e:
            problems_ = getattr(e, "problems", None)
            out.problems.extend(problems_ or [DeclarationProblem(str(ws.review_path(decl.slug)), None, str(e))])
            continue
        usable, failed = [], []
        unusable_pages: set[DeclaredDocument] = set()
        for doc in decl.documents:
            ref, reading, warnings = _document(ws, archive, rubric, decl, doc, out)
            out.warnings.extend(archive.take_warnings())
            out.warnings.extend(f"{decl.slug}: {doc.source}: {w}" for w in warnings)
            if reading is None:
                failed.append(ref)
                unusable_pages.add(doc)
            else:
                usable.append(DocumentFindings(ref, *reading))
        for group, pages in decl.combined().items():
            bad = [p for p in pages if p in unusable_pages]
            if bad and len(bad) < len(pages):
                out.warnings.append(
                    f"{decl.slug}: combined document {group!r} ({pages[0].type}) is incomplete: "
                    f"{len(bad)} of {len(pages)} pages unusable ({', '.join(p.source for p in bad)}); "
                    "scored from the other pages")
        probes = load_outcomes(ws.archive_dir, decl.slug)
        unread = unread_documents(failed, rubric)
        reason = (None if usable else NO_DOCUMENT_DECLARED if not decl.documents
                  else NO_DOCUMENT_IN_LANGUAGE if all(d.status != "failed" for d in failed) else EVERY_DOCUMENT_FAILED)
        # each unread document once; where nothing was read, each as declared (combined pages included)
        unread = Unread(tuple(dict.fromkeys(unread)) if usable else tuple(unread), reason)
        card = score_company(rubric, decl.slug, decl.name, usable, failed, probes, reviews, decl.not_applicable,
                             review_below=review_threshold(), unread=unread)
        if usable:
            out.cards.append(card)
            if not card.complete:
                out.warnings.append(incomplete_warning(card))
            continue
        if any(p.level is not None for p in probes.values()):
            out.cards.append(card)  # the probes were evaluated; the policies were not
            out.warnings.append(f"{decl.slug}: policies could not be evaluated ({reason}); "
                                "only the probe results are shown, without a score")
        else:
            out.unevaluated.append(card)
            out.skipped.append(decl.slug)
            out.warnings.append(f"{decl.slug}: could not be evaluated ({reason}; no probe results)")
    return out


NEVER_FETCHED = "never fetched (run `audit fetch`)"


def _document(ws, archive: Archive, rubric: Rubric, decl: Declaration, doc: DeclaredDocument, out: WorkspaceScores):
    """(DocumentRef, findings or None when unusable, warnings)."""
    if doc.path is not None:
        return _local(ws, rubric, decl, doc, out, archive)
    state = archive.state(decl.slug, doc.key)
    if state.good is None:
        err = state.last.error if state.last and state.last.error else NEVER_FETCHED
        return DocumentRef(doc.type, doc.url, None, None, "failed", err), None, ()
    good = state.good
    data = archive.get(good.sha256)
    if data is None:
        return DocumentRef(doc.type, doc.url, good.sha256, good.time, "failed",
                           "snapshot missing or corrupted in the archive"), None, ()
    status, error = state.status, None
    if status == "stale":
        error = f"last fetch failed ({state.last.error}); using the snapshot from {age_text(good.time)} ago"
    ctype = (good.headers or {}).get("content-type")
    url = good.final_url or doc.url
    try:
        findings, silence, title, warnings, language = _findings(
            ws, rubric, data, good.sha256, ctype, url, doc, out, (good.headers or {}).get("content-language"))
    except InputError as e:
        return DocumentRef(doc.type, doc.url, good.sha256, good.time, "failed", str(e)), None, ()
    ref = DocumentRef(doc.type, doc.url, good.sha256, good.time, status, error, title or None, True, language=language)
    warnings = warnings + ((f"stale: {error}",) if status == "stale" else ())
    return _language_checked(rubric, ref, (findings, silence), warnings)


def _language_checked(rubric: Rubric, ref: DocumentRef, reading, warnings):
    """A document in a language the rubric does not read is not read (its criteria: not-evaluated)."""
    if readable(ref.language, rubric.languages):
        return replace(ref, reader=reader_version(rubric)), reading, warnings
    return ref, None, warnings + (
        f"{unsupported_language(ref.language)} by rubric {rubric.id} (it reads {', '.join(rubric.languages)}); "
        "the criteria this document answers are not evaluated",)


def _local(ws, rubric, decl: Declaration, doc: DeclaredDocument, out, archive: Archive | None = None):
    path = decl.local_path(doc)
    shown = doc.url or _shown_path(ws, path)
    public = doc.url is not None  # a saved copy of a public page, cited by the URL the user gave
    try:
        if path.stat().st_size > MAX_BYTES:
            raise InputError(f"file too large (the limit is {MAX_BYTES:,} bytes)")
        data = path.read_bytes()
    except OSError as e:
        return DocumentRef(doc.type, shown, None, None, "failed", f"cannot read: {e.strerror or e}", None, public), None, ()
    except InputError as e:
        return DocumentRef(doc.type, shown, None, None, "failed", str(e), None, public), None, ()
    sha = hashlib.sha256(data).hexdigest()
    when = _local_time(archive, decl, doc, shown, sha, len(data), path)
    try:
        findings, silence, title, warnings, language = _findings(ws, rubric, data, sha, None, path.name, doc, out)
    except InputError as e:
        return DocumentRef(doc.type, shown, sha, when, "failed", str(e), None, public), None, ()
    ref = DocumentRef(doc.type, shown, sha, when, "ok", None, title or None, public, language=language)
    return _language_checked(rubric, ref, (findings, silence), warnings)


def _local_time(archive: Archive | None, decl: Declaration, doc: DeclaredDocument, shown: str, sha: str,
                size: int, path: Path) -> str:
    """When a local document's bytes were obtained, the same in every checkout (module docstring)."""
    recorded = archive.local_since(decl.slug, doc.key, shown, sha, size) if archive is not None else None
    return source_date_epoch() or recorded or mtime_utc(str(path))


def _shown_path(ws, path: Path) -> str:
    """A local document as cited in scorecards: its file name, never a path of this machine
    (folder names can say more than the worker means to; give `url =` to cite a public copy)."""
    return path.name


def _findings(ws, rubric, data: bytes, sha: str, ctype, filename, doc: DeclaredDocument, out: WorkspaceScores,
              content_language: str | None = None):
    # ranges enter the key as their tables; a declaration without ranges keeps its old keys
    key = cache_key(sha, rubric.sha256, ctype or _ext(filename), selectors_plain(doc.select),
                    selectors_plain(doc.remove), (reader_version(rubric), EXTRACTOR_VERSION, doc.type, content_language))
    cached = load_cached(ws.archive_dir, key)  # None unless this machine wrote it (an HMAC, see archive/cache.py)
    if cached is not None:
        out.cache_hits += 1
        return cached
    out.cache_misses += 1
    extracted = extract(data, content_type=ctype, filename=filename, select=list(doc.select) or None,
                        remove=list(doc.remove) or None, content_language=content_language)
    reading = read_document(rubric, extracted, doc.type)
    findings, silence = reading.findings(), reading.silence()
    try:
        store_cached(ws.archive_dir, key, findings, extracted.title, extracted.warnings, silence, extracted.language)
    except OSError:
        pass  # a read-only archive still scores, just without the cache
    return findings, silence, extracted.title, tuple(extracted.warnings), extracted.language


def _ext(filename) -> str:
    name = str(filename or "").lower().split("?")[0]
    return "name:" + (name.rsplit(".", 1)[-1] if "." in name.rsplit("/", 1)[-1] else "")
