"""`audit fetch` work: every declared URL into the archive, hosts in parallel, politely.

Each document's attempt is logged; new bytes become a snapshot; a 304 or the same bytes count
as unchanged; a failure never touches the last good snapshot (the document becomes stale).
"""

from __future__ import annotations

import queue
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlsplit

from audit.archive.store import KEPT_HEADERS, Archive, LogEntry, age_text, now_utc
from audit.declarations.model import Declaration, DeclaredDocument
from audit.fetch.polite import PoliteFetcher


@dataclass(frozen=True)
class DocumentOutcome:
    slug: str
    document: DeclaredDocument
    outcome: str  # fetched | unchanged | failed
    error: str | None = None
    stale_since: str | None = None  # time of the last good snapshot when failed but kept
    sha256: str | None = None

    def describe(self) -> str:
        if self.outcome != "failed":
            return f"{self.slug}: {self.document.url}: {self.outcome}"
        kept = f"; kept the snapshot from {age_text(self.stale_since)} ago (stale)" if self.stale_since else ""
        return f"{self.slug}: {self.error}{kept}"


def _kept_headers(headers: dict) -> dict:
    low = {k.lower(): v for k, v in (headers or {}).items()}
    return {k: low[k] for k in KEPT_HEADERS if k in low}


def fetch_document(fetcher: PoliteFetcher, archive: Archive, slug: str, doc: DeclaredDocument) -> DocumentOutcome:
    state = archive.state(slug, doc.key)
    good = state.good
    old = (good.headers or {}) if good else {}
    attempt = fetcher.fetch(doc.url, etag=old.get("etag"), last_modified=old.get("last-modified"))
    res = attempt.result
    if res is not None and res.status == 304 and good is None:
        attempt = fetcher.fetch(doc.url)
        res = attempt.result
    if res is None:
        archive.record(slug, doc.key, LogEntry(now_utc(), doc.url, error=attempt.error))
        return DocumentOutcome(slug, doc, "failed", attempt.error, good.time if good else None)
    headers = _kept_headers(res.headers)
    if res.status == 304:
        merged = {**old, **headers}
        archive.record(slug, doc.key, LogEntry(res.fetched_at, doc.url, res.final_url, 304, good.sha256, good.size,
                                               merged))
        return DocumentOutcome(slug, doc, "unchanged", sha256=good.sha256)
    sha = archive.put(res.content)
    archive.record(slug, doc.key, LogEntry(res.fetched_at, doc.url, res.final_url, res.status, sha, len(res.content),
                                           headers))
    unchanged = good is not None and good.sha256 == sha
    return DocumentOutcome(slug, doc, "unchanged" if unchanged else "fetched", sha256=sha)


def fetch_declarations(fetcher: PoliteFetcher, archive: Archive, decls: list[Declaration],
                       on_done: Callable[[DocumentOutcome], None] | None = None) -> list[DocumentOutcome]:
    """Fetch every url document; one worker per host, `policy.workers` hosts at a time."""
    by_host: dict[str, list[tuple[str, DeclaredDocument]]] = defaultdict(list)
    for d in decls:
        for doc in d.documents:
            if doc.url:
                by_host[(urlsplit(doc.url).netloc or "").lower()].append((d.slug, doc))
    done: queue.Queue = queue.Queue()

    def run_host(jobs):
        for slug, doc in jobs:
            try:
                done.put(fetch_document(fetcher, archive, slug, doc))
            except Exception as e:  # a bug for one document must not lose the others
                done.put(e)

    total = sum(len(v) for v in by_host.values())
    results: list[DocumentOutcome] = []
    errors: list[BaseException] = []
    with ThreadPoolExecutor(max_workers=max(1, fetcher.policy.workers)) as pool:
        for host in sorted(by_host):
            pool.submit(run_host, by_host[host])
        for _ in range(total):
            item = done.get()
            if isinstance(item, BaseException):
                errors.append(item)
                continue
            results.append(item)
            if on_done:
                on_done(item)
    if errors:
        raise errors[0]
    return sorted(results, key=lambda o: (o.slug, o.document.type, o.document.url))
