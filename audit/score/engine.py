"""From observations to a scorecard: per criterion a verdict over every document, its level
(by the kind of the criterion's unit, audit/criteria/), scores, grade, caps.

Scoring is a pure function of (documents' observations, probe outcomes, rubric, reviews,
declared not-applicable criteria, the documents that could not be read, the reader's review
threshold): no I/O, no clock, so any old snapshot can be re-scored. The caller (audit.pipeline)
reads the threshold from the reader's model.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

from audit.criteria import PROBE, PROBE_TEXT, REVIEW, TEXT, Unit, unit_of
from audit.models import (
    Coverage,
    CriterionResult,
    DemandScore,
    DocumentFindings,
    DocumentRef,
    Evidence,
    Level,
    Observation,
    Polarity,
    ProbeOutcome,
    Review,
    Scorecard,
    Unread,
    Verdict,
)
from audit.rubric.model import Criterion, Rubric
from audit.score.incomplete import could_not_tell

MAX_EVIDENCE = 5  # quotes kept per polarity and criterion


#: the earlier name of `models.Verdict` (deprecated)
LevelDecision = Verdict


def decide_level(found: list[tuple[DocumentRef, Observation]]) -> Verdict:
    """The verdict of the observations FOUND (of every document) on one criterion: the best supported
    level wins; evidence against anywhere caps it at partial and marks a conflict."""
    fors = [(d, f) for d, f in found if f.polarity is Polarity.FOR]
    against = [(d, f) for d, f in found if f.polarity is Polarity.AGAINST]
    if not fors and not against:
        return Verdict(Level.NO_DISCLOSURE, False)
    if fors:
        best = max(f.level.rank for _, f in fors)
        level = next(f.level for _, f in fors if f.level.rank == best)
        if against:
            if level.rank > Level.PARTIAL.rank:
                level = Level.PARTIAL
            return Verdict(level, True, _pick(fors, best) + _pick(against, None))
        return Verdict(level, False, _pick(fors, best))
    worst = min(f.level.rank for _, f in against)
    level = next(f.level for _, f in against if f.level.rank == worst)
    return Verdict(level, False, _pick(against, worst))


def _pick(found: list[tuple[DocumentRef, Observation]], rank: int | None) -> tuple[tuple[DocumentRef, Observation], ...]:
    seen: set[str] = set()
    out = []
    # the quotes at the deciding level first (for "against", the strongest against first)
    def key(df):
        f = df[1]
        # the reader's most confident document and its strongest sentence decide, so they come first
        return (f.level.rank if rank is None else f.level.rank != rank, -(f.confidence or 0.0), -(f.strength or 0.0),
                f.hedged, df[0].type, df[0].url, f.start)

    ordered = sorted(found, key=key)
    for d, f in ordered:
        key = " ".join(f.quote.split()).lower()
        if key in seen:
            continue
        seen.add(key)
        out.append((d, f))
        if len(out) >= MAX_EVIDENCE:
            break
    return tuple(out)


def round1(x: float) -> float:
    return float(Decimal(repr(x)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def score_company(
    rubric: Rubric,
    slug: str,
    name: str,
    documents: list[DocumentFindings],
    failed_documents: list[DocumentRef] = (),
    probes: dict[str, ProbeOutcome] | None = None,
    reviews: dict[str, Review] | None = None,
    not_applicable: frozenset[str] | set[str] = frozenset(),
    *,
    review_below: float | None = None,
    unread: Unread = Unread(),
) -> Scorecard:
    """REVIEW_BELOW: confidence under which an automatic text level needs a human review (the
    reader's `reader.model.review_threshold()`); None flags only conflicting levels.

    UNREAD: the declared documents that could not be read (the pipeline's `unread_documents`), and
    why nothing could be read when that is so. The criteria they leave undecided are
    `not-evaluated` (`incomplete.could_not_tell`), the scorecard lists them as incomplete, and
    where nothing was read the company has no score or grade (`not_evaluated_reason`)."""
    probes = probes or {}
    reviews = reviews or {}
    undecided = could_not_tell(rubric, unread)
    results: list[CriterionResult] = []
    for c in rubric.criteria:
        results.append(_criterion(rubric, c, documents, probes, reviews, not_applicable, review_below,
                                  undecided.get(c.id), nothing_read=unread.nothing_read is not None))
    results = nothing_to_hand_over(rubric, results)
    demands, score = demand_scores(rubric, results)
    if unread.nothing_read:
        score = None  # a score from the probes alone would not be comparable with the others
    grade, cap_note = grade_with_caps(rubric, results, score)
    coverage = coverage_of(results)
    docs = tuple(sorted([d.ref for d in documents] + list(failed_documents), key=lambda r: (r.type, r.url)))
    return Scorecard(slug, name, score, grade, coverage, tuple(demands), tuple(results), docs, cap_note,
                     not_evaluated_reason=unread.nothing_read, incomplete=unread.documents)


def grade_with_caps(rubric: Rubric, results, score: float | None) -> tuple[str | None, str | None]:
    """The grade for SCORE, lowered by the rubric's caps; and the note saying which cap applied."""
    grade = rubric.grade_for(score) if score is not None else None
    cap_note = None
    if grade is not None:
        order = [g.grade for g in rubric.grades]
        for cap in rubric.caps:
            r = next(r for r in results if r.id == cap.criterion)
            if r.level is cap.level and order.index(grade) < order.index(cap.max_grade):
                grade = cap.max_grade
                cap_note = f"capped at {cap.max_grade}: {cap.criterion} is {cap.level.value}"
    return grade, cap_note


PROVIDER_CANNOT_DECRYPT = "provider-cannot-decrypt"
WARRANT_FOR_CONTENT = "warrant-for-content"
HANDED_OVER_NOTE = "met: the provider cannot decrypt content"


def nothing_to_hand_over(rubric: Rubric, results: list[CriterionResult]) -> list[CriterionResult]:
    """METHODOLOGY's aggregation rule: where provider-cannot-decrypt is met (not conflicting) and no
    document says content is disclosed (warrant-for-content is not not-met), warrant-for-content
    is met by that technical guarantee, and says so. A human review of warrant-for-content wins."""
    by_id = {r.id: r for r in results}
    pcd, wfc = by_id.get(PROVIDER_CANNOT_DECRYPT), by_id.get(WARRANT_FOR_CONTENT)
    if pcd is None or wfc is None or wfc.reviewed or wfc.level is Level.NOT_APPLICABLE:
        return results
    if pcd.level is not Level.MET or pcd.conflicting or wfc.level in (Level.NOT_MET, Level.MET):
        return results
    met = replace(wfc, level=Level.MET, points=rubric.points.get(Level.MET), conflicting=False,
                  evidence=pcd.evidence + wfc.evidence, note=HANDED_OVER_NOTE, confidence=pcd.confidence,
                  needs_review=pcd.needs_review, automatic_level=wfc.level)
    return [met if r.id == WARRANT_FOR_CONTENT else r for r in results]


def demand_scores(rubric: Rubric, results: list[CriterionResult]) -> tuple[tuple[DemandScore, ...], float | None]:
    """Each demand's weighted mean of its scored criteria, and the overall weighted mean of those
    demands (None where nothing was scored: "could not tell" is not a score)."""
    demands = []
    total = 0.0
    total_w = 0.0
    for d in rubric.demands:
        crits = [r for r in results if r.demand == d.id and r.points is not None]
        if not crits:
            demands.append(DemandScore(d.id, None))
            continue
        w = sum(r.weight for r in crits)
        s = sum(r.points * r.weight for r in crits) / w
        demands.append(DemandScore(d.id, round1(s)))
        total += s * d.weight
        total_w += d.weight
    return tuple(demands), (round1(total / total_w) if total_w else None)


def coverage_of(results: list[CriterionResult]) -> Coverage:
    """How many criteria ended at each kind of level (the scorecard's coverage line)."""
    return Coverage(
        criteria=len(results),
        evidenced=sum(1 for r in results if r.level in (Level.MET, Level.PARTIAL, Level.NOT_MET)),
        no_disclosure=sum(1 for r in results if r.level is Level.NO_DISCLOSURE),
        not_applicable=sum(1 for r in results if r.level is Level.NOT_APPLICABLE),
        not_evaluated=sum(1 for r in results if r.level is Level.NOT_EVALUATED),
        reviewed=sum(1 for r in results if r.reviewed),
        unreviewed=sum(1 for r in results if r.level is Level.UNREVIEWED),
    )


def _criterion(rubric, c: Criterion, documents, probes, reviews, not_applicable,
               review_below: float | None, undecided: str | None = None, *,
               nothing_read: bool = False) -> CriterionResult:
    """UNDECIDED: why the documents that could not be read leave this criterion undecided (None: they
    do not); NOTHING_READ: no document could be read at all."""
    unit = unit_of(c)
    auto, conflicting, evidence, note = _AUTOMATIC[unit.kind](c, documents, probes)
    could_not_tell = undecided is not None and auto is Level.NO_DISCLOSURE
    # on record beside a person's or a declared level: where nothing at all was read, the automatic
    # reading could not tell; where some documents were read, it is what they said
    on_record = Level.NOT_EVALUATED if could_not_tell and nothing_read else auto
    review = reviews.get(c.id)
    if c.id in not_applicable and review is None:
        return CriterionResult(c.id, c.group, c.method, Level.NOT_APPLICABLE, None, c.weight, False, False, evidence,
                               automatic_level=on_record, note="declared not applicable")
    if review is not None:
        # a person's verdict settles it: the automatic level stays on record (automatic_level, evidence),
        # but "conflicting" and "needs a human review" no longer describe the result
        level = review.level
        return CriterionResult(c.id, c.group, c.method, level, rubric.points.get(level) if level.scored else None,
                               c.weight, True, False, evidence, automatic_level=on_record, review=review)
    if could_not_tell:
        # silence of the documents that were read says nothing about the ones that could not be
        return CriterionResult(c.id, c.group, c.method, Level.NOT_EVALUATED, None, c.weight, False, conflicting,
                               evidence, note=undecided)
    points = rubric.points.get(auto) if auto.scored else None
    confidence = _confidence(unit, auto, evidence, documents)
    needs_review = (confidence is not None and review_below is not None and confidence < review_below) or conflicting
    return CriterionResult(c.id, c.group, c.method, auto, points, c.weight, False, conflicting, evidence, note=note,
                           confidence=confidence, needs_review=needs_review)


def _confidence(unit: Unit, level: Level, evidence: tuple[Evidence, ...], documents) -> float | None:
    """The reader's confidence in a text level: the deciding quote's, or for silence the least sure
    document's (None where the model did not read, e.g. rules alone, and for measured levels)."""
    if unit.kind != TEXT:
        return None
    if level is Level.NO_DISCLOSURE:
        values = [d.silence[unit.id] for d in documents if unit.id in d.silence]
        return min(values) if values else None
    return evidence[0].confidence if evidence else None


Automatic = tuple[Level, bool, tuple[Evidence, ...], str | None]


def _text_decision(c: Criterion, documents) -> Verdict:
    return decide_level([(d.ref, f) for d in documents for f in d.findings.get(c.id, [])])


def _by_review(c: Criterion, documents, probes) -> Automatic:
    return Level.UNREVIEWED, False, (), "needs a human review"


def _by_text(c: Criterion, documents, probes) -> Automatic:
    decision = _text_decision(c, documents)
    return decision.level, decision.conflicting, tuple(_evidence(d, f) for d, f in decision.support), None


def _by_probe(c: Criterion, documents, probes) -> Automatic:
    probe = probes.get(c.id)
    if probe is None or probe.level is None:
        return Level.NOT_EVALUATED, False, probe.evidence if probe else (), (probe.note if probe else "probe not run")
    return probe.level, False, probe.evidence, probe.note


def _by_probe_and_text(c: Criterion, documents, probes) -> Automatic:
    """The better of the measured and the read level; silence with no measurement is "could not tell"."""
    level, conflicting, evidence, _ = _by_text(c, documents, probes)
    probe = probes.get(c.id)
    if probe is not None and probe.level is not None and probe.level.rank > level.rank:
        return probe.level, False, probe.evidence + evidence, probe.note
    if level is Level.NO_DISCLOSURE and (probe is None or probe.level is None):
        return Level.NOT_EVALUATED, False, evidence, (
            "no text evidence, and the probe did not run" if probe is None else probe.note)
    return level, conflicting, evidence, None


#: how a criterion's automatic level is decided, by the kind of its unit (audit/criteria/)
_AUTOMATIC = {TEXT: _by_text, PROBE: _by_probe, PROBE_TEXT: _by_probe_and_text, REVIEW: _by_review}


def _evidence(ref: DocumentRef, f: Observation) -> Evidence:
    return Evidence(
        document=ref.type,
        url=ref.url,
        sha256=ref.sha256,
        fetched_at=ref.fetched_at,
        quote=f.quote,
        start=f.start,
        end=f.end,
        polarity=f.polarity,
        signal=f.signal,
        level=f.level,
        confidence=f.confidence,
        original=f.original,
    )
