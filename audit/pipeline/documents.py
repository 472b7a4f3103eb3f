"""Turn the documents given to `audit check` (paths or URLs) into scored inputs.

I/O: reads files, fetches URLs, reads the clock (`fetched_at`); scoring itself is pure.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from audit.errors import InputError
from audit.extract import MAX_BYTES, extract
from audit.extract.doctype import guess_type
from audit.extract.text import ExtractedText
from audit.models import DocumentFindings, DocumentRef, Scorecard, Selector, Unread
from audit.rubric.model import Rubric
from audit.reader.learned import read_document, reader_version
from audit.reader.model import review_threshold
from audit.score.engine import score_company


@dataclass(frozen=True)
class LoadedDocument:
    ref: DocumentRef
    extracted: ExtractedText
    guessed: bool


#: `scheme://...`: what a user typed as a URL rather than a path.
_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
SUPPORTED_SCHEMES = ("http", "https")


def url_scheme(item: str) -> str | None:
    """The (lower-case) scheme when ITEM looks like a URL (`scheme://...`), else None."""
    m = _URL.match(item)
    return m.group(1).lower() if m else None


def is_url(item: str) -> bool:
    """Whether `audit check` fetches ITEM (an http or https URL) instead of reading a file."""
    return url_scheme(item) in SUPPORTED_SCHEMES


def read_file(path: str) -> bytes:
    p = Path(path)
    if not p.exists():
        scheme = url_scheme(path)
        if scheme is not None:
            raise InputError(f"{path}: unsupported URL scheme {scheme!r} (only http and https URLs can be fetched)")
        raise InputError(f"{path}: no such file")
    if p.is_dir():
        raise InputError(f"{path}: is a folder, not a file")
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise InputError(f"{path}: file too large ({size:,} bytes; the limit is {MAX_BYTES:,})")
        return p.read_bytes()
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror or e}") from None


def mtime_utc(path: str) -> str:
    ts = os.stat(path).st_mtime
    return datetime.fromtimestamp(int(ts), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def source_date_epoch() -> str | None:
    """SOURCE_DATE_EPOCH as a UTC time stamp, or None when unset or not an integer."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch.lstrip("-").isdigit():
        return None
    try:
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return None


def local_file_time(path: str) -> str:
    """`fetched_at` of a file given to `audit check`: SOURCE_DATE_EPOCH when set (reproducible
    output), else the file's modification time."""
    return source_date_epoch() or mtime_utc(path)


def load_document(
    data: bytes,
    *,
    url: str,
    fetched_at: str,
    doc_type: str | None,
    content_type: str | None = None,
    filename: str | None = None,
    select: Sequence[Selector] | None = None,  # CSS selectors and ranges
    remove: Sequence[Selector] | None = None,
    public: bool = True,
    content_language: str | None = None,
) -> LoadedDocument:
    try:
        extracted = extract(data, content_type=content_type, filename=filename or url, select=select, remove=remove,
                            content_language=content_language)
    except InputError as e:
        raise InputError(f"{filename or url}: {e}") from None
    guessed = doc_type is None
    dtype = doc_type or guess_type(extracted)
    ref = DocumentRef(dtype, url, hashlib.sha256(data).hexdigest(), fetched_at, "ok", None, extracted.title or None, public,
                      type_guessed=guessed, language=extracted.language)
    return LoadedDocument(ref, extracted, guessed)


def load_input(item: str, doc_type: str | None, *, allow_private: bool = False, ca_bundle: str | None = None,
               user_agent: str | None = None, network=None, cite_as: str | None = None) -> LoadedDocument:
    """A path or an http(s) URL, as typed by the user (`user_agent` replaces ours for URLs;
    `network` is the fetch session's proxy settings, see audit.fetch.http.NetworkEnv)."""
    if is_url(item):
        from audit.fetch.http import fetch_url

        res = fetch_url(item, allow_private=allow_private, ca_bundle=ca_bundle, user_agent=user_agent, network=network)
        return load_document(res.content, url=res.final_url, fetched_at=res.fetched_at, doc_type=doc_type,
                             content_type=res.content_type, filename=res.final_url,
                             content_language={k.lower(): v for k, v in (res.headers or {}).items()}.get("content-language"))
    data = read_file(item)
    # a local file is cited by its name (never a path of this machine), or by the public URL given for it
    return load_document(data, url=cite_as or Path(item).name, fetched_at=local_file_time(item), doc_type=doc_type,
                         filename=item, public=cite_as is not None)


def findings_for(rubric: Rubric, doc: LoadedDocument) -> DocumentFindings:
    """What the reader found in DOC; the document records which reader read it."""
    reading = read_document(rubric, doc.extracted, doc.ref.type)
    return DocumentFindings(replace(doc.ref, reader=reader_version(rubric)), reading.findings(), reading.silence())


def score_documents(rubric: Rubric, slug: str, name: str, docs: Sequence[LoadedDocument],
                    failed: Sequence[DocumentRef] = (), unread: Unread = Unread()) -> Scorecard:
    """One company's scorecard from loaded documents: read each, then score (with the reader's
    review threshold, which the pure engine does not load itself). UNREAD: what could not be read
    (see `score.engine.score_company`)."""
    return score_company(rubric, slug, name, [findings_for(rubric, d) for d in docs], list(failed),
                         review_below=review_threshold(), unread=unread)
