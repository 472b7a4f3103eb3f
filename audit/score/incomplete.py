"""Incomplete evidence is never silent.

A declared document that could not be read -- it failed and there is no earlier good snapshot, or
it is in a language the rubric does not read -- makes the company's scorecard incomplete
(`complete: false`, `incomplete: [{document, reason}]`). The criteria that only such a document
could have answered are `not-evaluated` with the reason, not `no-disclosure`: silence of the
documents we did read says nothing about the one we could not.

The rule, by document type: each type speaks to the criteria whose units name it in the criteria
registry (`audit.criteria`: `Unit.doc_types`, a demand's types in `DEMAND_DOC_TYPES`, `other`
for every text criterion; `criteria.speaks_to`). A text criterion that ended at `no-disclosure`
(nothing found in any document that was read), is not reviewed, and is spoken to by an unread
document, becomes `not-evaluated`. Where another document did say something, its level stands.

A company none of whose documents could be read is still a scorecard: its text criteria are
`not-evaluated` and it has no score or grade.

Both are decided while judging, not by rewriting a scorecard afterwards: the pipeline hands the
unread documents to `score.engine.score_company` (`models.Unread`), which asks `could_not_tell`
which criteria they leave undecided.
"""

from __future__ import annotations

from audit.criteria import speaks_to, unit_of
from audit.extract.language import readable
from audit.models import Level, Scorecard, Unread
from audit.rubric.model import Rubric

def criteria_spoken_to(rubric: Rubric, doc_type: str) -> set[str]:
    """Text criteria of RUBRIC that a document of DOC_TYPE is expected to answer (`criteria.speaks_to`)."""
    return {c.id for c in rubric.criteria if c.has_text and speaks_to(doc_type, c)}


def unsupported_language(language: str) -> str:
    return f"language {language} not supported"


def unread_documents(failed, rubric: Rubric | None = None) -> list[tuple[str, str]]:
    """(type, reason) of the documents (DocumentRefs) that could not be read: failed with no good
    snapshot, or in a language RUBRIC does not read."""
    out = []
    for d in failed:
        if d.status == "failed":
            out.append((d.type, d.error or "could not be read"))
        elif rubric is not None and not readable(d.language, rubric.languages):
            out.append((d.type, unsupported_language(d.language)))
    return out


def reason_text(doc_type: str, reason: str) -> str:
    return f"{doc_type} could not be read: {reason}"


def could_not_tell(rubric: Rubric, unread: Unread) -> dict[str, str]:
    """Text criteria of RUBRIC that the UNREAD documents leave undecided -> the note that says why.

    Where nothing was read, every text criterion; else those a document that could not be read is
    expected to answer (`criteria_spoken_to`). Judging (`score.engine`) makes such a criterion
    `not-evaluated` where what was read is silent on it (no reviewed or declared level)."""
    if unread.nothing_read:
        return {c.id: UNREAD_NOTE for c in rubric.criteria if unit_of(c).has_text}
    reasons: dict[str, list[str]] = {}
    for doc_type, reason in unread.documents:
        for cid in criteria_spoken_to(rubric, doc_type):
            reasons.setdefault(cid, []).append(reason_text(doc_type, reason))
    return {cid: "not evaluated: " + "; ".join(dict.fromkeys(why)) for cid, why in reasons.items()}


def incomplete_warning(card: Scorecard) -> str | None:
    """One stderr line for an incomplete scorecard (None when complete)."""
    if card.complete:
        return None
    n = sum(1 for r in card.criteria if r.level is Level.NOT_EVALUATED and r.note and r.note.startswith("not evaluated: "))
    docs = "; ".join(f"{d} ({why})" for d, why in card.incomplete)
    return (f"{card.slug}: incomplete: could not read {docs}"
            + (f"; {n} criteria not evaluated" if n else ""))


EVERY_DOCUMENT_FAILED = "every declared document failed to fetch or parse"
NO_DOCUMENT_DECLARED = "no document declared"
NO_DOCUMENT_IN_LANGUAGE = "no declared document is in a language the rubric reads"
UNREAD_NOTE = "could not be evaluated: no document could be read"
