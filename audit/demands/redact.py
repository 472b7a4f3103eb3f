"""Keep evidence from internal documents (`path =`) out of published output.

A worker may score their employer against an internal wiki page. The scorecard keeps the level
(it is the point of the audit), but the quote, offsets and file name must not reach `reports/`
unless the auditor says so with `--publish-internal`. The writers receive scorecards, so the
hook is a pure function over scorecards: `audit report` calls `redact_internal(cards)` before
writing unless `--publish-internal` was given.
"""

from __future__ import annotations

from dataclasses import replace

from audit.models import CriterionResult, DocumentRef, Evidence, Scorecard

#: What stands in for a withheld quote.
INTERNAL_NOTE = "[quote from a non-public document withheld]"
#: What stands in for the location of a non-public document.
INTERNAL_URL = "internal-document"


def is_internal(ref: DocumentRef) -> bool:
    """A document is internal when it was read from disk (`path =`), not fetched from the web."""
    return not ref.public


def _internal_names(card: Scorecard) -> dict[str, str]:
    """Original location of each internal document -> its neutral stand-in name."""
    names: dict[str, str] = {}
    for d in card.documents:
        if is_internal(d) and d.url not in names:
            names[d.url] = f"{INTERNAL_URL}-{len(names) + 1}"
    return names


def redact_card(card: Scorecard) -> Scorecard:
    """The same scorecard with quotes, file names and titles of internal documents withheld."""
    names = _internal_names(card)
    if not names:
        return card
    criteria: list[CriterionResult] = []
    for c in card.criteria:
        ev = tuple(replace(e, url=names[e.url], quote=INTERNAL_NOTE, start=0, end=0) if e.url in names else e
                   for e in c.evidence)
        criteria.append(replace(c, evidence=ev))
    docs = tuple(replace(d, url=names[d.url], title=None, error=None if d.status == "ok" else "not public")
                 if is_internal(d) else d for d in card.documents)
    return replace(card, criteria=tuple(criteria), documents=docs)


def redact_internal(cards: list[Scorecard]) -> list[Scorecard]:
    """Every scorecard redacted (call before writing `reports/` unless --publish-internal)."""
    return [redact_card(c) for c in cards]


def is_redacted(e: Evidence) -> bool:
    """Whether a piece of evidence was withheld by `redact_card` (the writers can mark it)."""
    return e.url.startswith(INTERNAL_URL) and e.quote == INTERNAL_NOTE
