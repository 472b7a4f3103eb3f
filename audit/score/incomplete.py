"""Incomplete evidence is never silent.

A declared document that could not be read -- it failed and there is no earlier good snapshot, or
it is in a language the rubric does not read -- makes the company's scorecard incomplete
(`complete: false`, `incomplete: [{document, reason}]`). The criteria that only such a document
could have answered are `not-evaluated` with the reason, not `no-disclosure`: silence of the
documents we did read says nothing about the one we could not.

The rule, by document type: each type speaks to the criteria listed in `SPEAKS_TO` (a demand id
stands for all of that demand's criteria; `*` for every text criterion). A text criterion that
ended at `no-disclosure` (nothing found in any document that was read), is not reviewed, and is
spoken to by an unread document, becomes `not-evaluated`. Where another document did say
something, its level stands.

A company none of whose documents could be read is still a scorecard (`unevaluated_card`): its
text criteria are `not-evaluated` and it has no score or grade.
"""

from __future__ import annotations

from dataclasses import replace

from audit.criteria import TEXT_KINDS
from audit.extract.language import readable
from audit.models import Level, Scorecard
from audit.rubric.model import Rubric
from audit.score.engine import coverage_of, demand_scores, grade_with_caps

#: document type -> the criteria (or demands, or "*") it is expected to answer
SPEAKS_TO: dict[str, tuple[str, ...]] = {
    "law-enforcement-guidelines": ("legal-process", "no-police-portal"),
    "transparency-report": ("transparency-report", "pushes-back"),
    "privacy-policy": ("requires-legal-process", "user-notice", "encrypted-in-transit-and-at-rest",
                       "data-minimization", "no-data-sales", "no-surveillance-by-third-parties"),
    "terms-of-service": ("requires-legal-process", "no-data-sales"),
    "encryption": ("e2ee-by-default", "provider-cannot-decrypt", "encrypted-in-transit-and-at-rest",
                   "opposes-backdoors"),
    "security": ("encrypted-in-transit-and-at-rest", "vulnerability-disclosure", "opposes-backdoors"),
    "developer-terms": ("no-surveillance-by-third-parties", "no-data-sales"),
    "product": ("e2ee-by-default", "provider-cannot-decrypt", "no-police-portal", "no-surveillance-products"),
    "other": ("*",),
}


def criteria_spoken_to(rubric: Rubric, doc_type: str) -> set[str]:
    """Text criteria of RUBRIC that a document of DOC_TYPE is expected to answer."""
    wanted = SPEAKS_TO.get(doc_type, ("*",))
    out = set()
    for c in rubric.criteria:
        if not c.has_text:
            continue
        if "*" in wanted or c.id in wanted or c.group in wanted:
            out.add(c.id)
    return out


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


def mark_incomplete(card: Scorecard, rubric: Rubric, unread: list[tuple[str, str]]) -> Scorecard:
    """CARD with UNREAD documents ((type, reason)) recorded, and the criteria only they could answer
    `not-evaluated` with the reason; scores, grade and coverage recomputed."""
    if not unread:
        return card
    reasons: dict[str, list[str]] = {}
    for doc_type, reason in unread:
        for cid in criteria_spoken_to(rubric, doc_type):
            reasons.setdefault(cid, []).append(reason_text(doc_type, reason))
    criteria = []
    changed = False
    for r in card.criteria:
        if r.id in reasons and r.level is Level.NO_DISCLOSURE and not r.reviewed:
            note = "not evaluated: " + "; ".join(dict.fromkeys(reasons[r.id]))
            r = replace(r, level=Level.NOT_EVALUATED, points=None, note=note, automatic_level=Level.NOT_EVALUATED,
                        confidence=None, needs_review=False)
            changed = True
        criteria.append(r)
    incomplete = tuple(dict.fromkeys(card.incomplete + tuple(unread)))
    if not changed:
        return replace(card, incomplete=incomplete)
    demands, score = demand_scores(rubric, criteria)
    if card.not_evaluated_reason:
        score = None
    grade, cap_note = grade_with_caps(rubric, criteria, score)
    return replace(card, score=score, grade=grade, grade_cap=cap_note, coverage=coverage_of(criteria),
                   demands=demands, criteria=tuple(criteria), incomplete=incomplete)


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


def unevaluated_card(card: Scorecard, rubric: Rubric, reason: str) -> Scorecard:
    """`card` (scored from no usable document) without the credit or blame it did not earn.

    Text criteria become `not-evaluated` (nothing was read, so "no disclosure" would be a guess);
    probe levels, reviews and declared not-applicable criteria stay. Demand scores are recomputed
    from what remains (a transport demand can still be measured), but the company's score and grade
    are None: a score from the probes alone would not be comparable with the others.
    """
    criteria = []
    for r in card.criteria:
        if r.method not in TEXT_KINDS:
            criteria.append(r)
            continue
        auto = Level.NOT_EVALUATED if r.automatic_level is Level.NO_DISCLOSURE else r.automatic_level
        if r.level is Level.NO_DISCLOSURE and not r.reviewed:
            r = replace(r, level=Level.NOT_EVALUATED, points=None, note=UNREAD_NOTE, automatic_level=auto)
        else:
            r = replace(r, automatic_level=auto)
        criteria.append(r)
    demands, _ = demand_scores(rubric, criteria)  # no overall score: most of the company went unread
    return replace(card, score=None, grade=None, grade_cap=None, coverage=coverage_of(criteria), demands=demands,
                   criteria=tuple(criteria), not_evaluated_reason=reason)
