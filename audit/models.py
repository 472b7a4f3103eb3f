"""Typed values shared by every stage, in the order of the data flow: selectors (what to read of
a page), levels, where a text came from; then, from the extracted text to the scorecard:

    extracted text -> `Observation` (a reader's: criterion, reader id:version, level, polarity, span,
    confidence; per
    document `DocumentFindings`) -> `Verdict` (per criterion, over every document) -> `CriterionResult`
    (with probe outcomes, reviews, declared not-applicable and `Unread` documents) -> `Scorecard`.

`Finding` is the earlier name of `Observation` (kept for the readers and the findings cache).

Stages import these from here, never from one another: a stage that needs another's type would
otherwise depend on that stage (and import cycles follow). Frozen dataclasses so that a result,
once made, is a fact that later stages cannot bend.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


#: The keys of a range table, in the order they are written (TOML: snake_case; OTA: camelCase).
RANGE_KEYS = ("start_before", "start_after", "end_before", "end_after")
_OTA_KEYS = {"start_before": "startBefore", "start_after": "startAfter",
             "end_before": "endBefore", "end_after": "endAfter"}


@dataclass(frozen=True)
class RangeSelector:
    """A part of a page between two CSS-selected elements (Open Terms Archive's range selector).

    Exactly one of start_before/start_after, at most one of end_before/end_after; without an end
    the range runs to the end of the page. `before` keeps the start element (or drops the end
    element), `after` drops the start element (or keeps the end element), subtrees included.
    Built valid by the declaration loader (audit.declarations.load), which reports bad tables.
    """

    start_before: str | None = None
    start_after: str | None = None
    end_before: str | None = None
    end_after: str | None = None

    def __post_init__(self):
        if (self.start_before is None) == (self.start_after is None):
            raise ValueError("a range needs exactly one of start_before, start_after")
        if self.end_before is not None and self.end_after is not None:
            raise ValueError("a range takes at most one of end_before, end_after")

    @property
    def start(self) -> str:
        return self.start_before if self.start_before is not None else self.start_after  # type: ignore[return-value]

    @property
    def end(self) -> str | None:
        return self.end_before if self.end_before is not None else self.end_after

    def as_table(self) -> dict[str, str]:
        """The TOML table (snake_case keys, in RANGE_KEYS order, only the ones set)."""
        return {k: getattr(self, k) for k in RANGE_KEYS if getattr(self, k) is not None}

    def as_ota(self) -> dict[str, str]:
        """Open Terms Archive's form: {"startBefore": css, "endBefore": css}."""
        return {_OTA_KEYS[k]: v for k, v in self.as_table().items()}

    def __str__(self) -> str:
        return "{" + ", ".join(f"{k} = {v!r}" for k, v in self.as_table().items()) + "}"


#: One `select`/`remove` entry: a CSS selector or a range.
Selector = str | RangeSelector


class Level(str, Enum):
    """The level a criterion gets (METHODOLOGY.md, "Levels, points and aggregation")."""

    MET = "met"
    PARTIAL = "partial"
    NOT_MET = "not-met"
    NO_DISCLOSURE = "no-disclosure"
    NOT_APPLICABLE = "not-applicable"
    NOT_EVALUATED = "not-evaluated"
    UNREVIEWED = "unreviewed"

    @property
    def scored(self) -> bool:
        """Whether the level counts in the score (not-applicable etc. are excluded)."""
        return self in (Level.MET, Level.PARTIAL, Level.NOT_MET, Level.NO_DISCLOSURE)

    @property
    def rank(self) -> int:
        """Order of credit: met > partial > not-met > no-disclosure (for "best level wins")."""
        return _RANK.get(self, -1)

    def __str__(self) -> str:  # pragma: no cover - convenience
        return self.value


_RANK = {Level.MET: 3, Level.PARTIAL: 2, Level.NOT_MET: 1, Level.NO_DISCLOSURE: 0}

#: Levels a text signal can assign.
TEXT_LEVELS = (Level.MET, Level.PARTIAL, Level.NOT_MET)


class Polarity(str, Enum):
    """Whether a piece of evidence supports the practice ("for") or states its opposite."""

    FOR = "for"
    AGAINST = "against"


@dataclass(frozen=True)
class DocumentRef:
    """Where a text came from: enough for a skeptic to fetch the same bytes again."""

    type: str
    url: str
    sha256: str | None  # None (JSON null) when no bytes were ever obtained
    fetched_at: str | None  # None (JSON null) when never fetched
    status: str = "ok"  # ok | stale | failed
    error: str | None = None
    title: str | None = None
    public: bool = True
    type_guessed: bool = False  # `type` was guessed from the content (`audit check` without --type)
    #: the language the text is in (BCP 47 primary tag, e.g. "en"); None when nothing was read
    language: str | None = None
    #: the reader that read the text, as `id:version` (`learned:<model hash>:<revision>`, `rules`);
    #: None when it was not read. A new reader on the same snapshot is "our change", not theirs.
    reader: str | None = None

    def to_json(self) -> dict:
        out = {
            "type": self.type,
            "url": self.url,
            "sha256": self.sha256 or None,
            "fetched_at": self.fetched_at or None,
            "status": self.status,
            "error": self.error,
            "language": self.language,
        }
        if self.type_guessed:
            out["type_guessed"] = True
        if self.reader is not None:
            out["reader"] = self.reader
        return out


@dataclass(frozen=True)
class Observation:
    """One sentence that a reader (the hand rules or the learned reader) found to speak to a
    criterion: the level it supports, for or against, where it is in the extracted text (`start`,
    `end`: the span) and the reader's confidence. `signal` names what fired: a rule's id, or
    `learned:<strength>` for the learned reader; `reader` is the reader that made the observation, as
    `id:version` (the same tag keys the findings cache, so no observation outlives its reader)."""

    criterion: str
    signal: str
    level: Level
    polarity: Polarity
    start: int
    end: int
    quote: str
    negated: bool = False
    hedged: bool = False
    confidence: float | None = None  # the reader's calibrated confidence in the level (None: rules alone)
    strength: float | None = None  # how strongly this sentence carries the level (the reader's; deciding = highest)
    original: str | None = None  # the page's own characters, where normalisation changed them (see ExtractedText.original)
    reader: str | None = None  # the reader that made it, `id:version` (reader.base.reader_tag); None: made by hand


#: the earlier name of `Observation`, still used by the readers and the findings cache (deprecated)
Finding = Observation


@dataclass(frozen=True)
class DocumentFindings:
    """One usable document and what the reader found in it (the input of scoring)."""

    ref: DocumentRef
    findings: dict[str, list[Observation]]
    #: criterion -> the reader's confidence that this document is silent on it
    silence: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    """What the observations of every document say of one criterion (`score.engine.decide_level`):
    the best supported level, whether evidence against capped it (`conflicting`), and the
    observations that decide it, the deciding one first (they become the result's evidence)."""

    level: Level
    conflicting: bool
    support: tuple[tuple[DocumentRef, Observation], ...] = field(default=())


@dataclass(frozen=True)
class Evidence:
    """A quote that made a signal fire, with its offsets into the extracted text."""

    document: str  # document type
    url: str
    sha256: str
    fetched_at: str
    quote: str
    start: int
    end: int
    polarity: Polarity
    signal: str
    level: Level  # the level this quote supports on its own
    observation: dict | None = None  # raw probe observations, for probe criteria
    confidence: float | None = field(default=None, compare=False)  # the reader's, for its deciding quote
    original: str | None = None  # the page's own characters where normalisation changed them (invisible ones as <U+XXXX>)

    def to_json(self) -> dict:
        out = {
            "document": self.document,
            "url": self.url,
            "sha256": self.sha256,
            "fetched_at": self.fetched_at,
            "quote": self.quote,
            "start": self.start,
            "end": self.end,
            "polarity": self.polarity.value,
            "signal": self.signal,
        }
        if self.original is not None:
            out["original"] = self.original
        if self.observation is not None:
            out["observation"] = self.observation
        return out


#: The vocabulary of probe measurements, as stored in `archive/probes/*.jsonl`: whether a
#: measurement ran (`audit/probe/` measures, the probe criteria's judges in `audit/criteria/` read it)
PROBE_COMPLETED = "completed"
PROBE_ERROR = "error"
PROBE_NOT_RUN = "not-run"
#: what a server did with one TLS version
TLS_ACCEPTED = "accepted"
TLS_REFUSED = "refused"
TLS_UNTESTABLE = "untestable"  # the local OpenSSL cannot offer this version


@dataclass(frozen=True)
class ProbeOutcome:
    """What a probe measured for one criterion; level None means it could not run."""

    level: Level | None
    evidence: tuple[Evidence, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class Review:
    """A person's verdict on one criterion; it overrides the automatic level."""

    criterion: str
    level: Level
    rationale: str
    reviewer: str
    date: str
    evidence_url: str | None = None


@dataclass(frozen=True)
class Unread:
    """Which declared documents could not be read: an input of judging, so that "could not tell"
    (`not-evaluated`) is decided in one place (`audit/score/incomplete.py`, called by
    `score.engine.score_company`), never by rewriting a scorecard afterwards."""

    #: (document type, reason) of each document that could not be read, as the scorecard lists them
    documents: tuple[tuple[str, str], ...] = ()
    #: why no document at all could be read (None: some were); the company then has no score or grade
    nothing_read: str | None = None


@dataclass(frozen=True)
class CriterionResult:
    id: str
    demand: str
    method: str
    level: Level
    points: int | None
    weight: float
    reviewed: bool = False
    conflicting: bool = False
    evidence: tuple[Evidence, ...] = ()
    automatic_level: Level | None = None
    review: Review | None = None
    note: str | None = None
    #: the reader's calibrated confidence in an automatic text level (None: not read by the model,
    #: or not a text level); below the model's threshold, or conflicting, the level needs a review
    confidence: float | None = None
    needs_review: bool = False

    @property
    def documentation(self) -> str:
        """Where the criterion is explained: its entry on the published methodology page (relative to
        the published site, where scorecards.json lives)."""
        return f"methodology.html#criterion-{self.id}"

    @property
    def reason(self) -> str:
        """One line on why the criterion has its level (OSSF Scorecard's `reason`)."""
        level = self.level.value
        if self.review is not None:
            return _one_line(f"{level}: reviewed by {self.review.reviewer or 'anonymous'}: {self.review.rationale}")
        first = self.evidence[0] if self.evidence else None
        if self.note and (first is None or self.level in (Level.NOT_APPLICABLE, Level.NOT_EVALUATED, Level.UNREVIEWED)
                          or self.note.startswith("met:")):
            return _one_line(f"{level}: {self.note}" if not self.note.startswith(level) else self.note)
        if first is None:
            return f"{level}: nothing in the documents read speaks to it"
        sure = f", confidence {self.confidence:.2f}" if self.confidence is not None else ""
        how = "evidence for and against" if self.conflicting else (
            "the text states the opposite" if self.level is Level.NOT_MET else "the text says")
        return _one_line(f'{level}: {how}: "{first.quote}" ({first.document}{sure})')

    def to_json(self) -> dict:
        out = {
            "id": self.id,
            "demand": self.demand,
            "method": self.method,
            "level": self.level.value,
            "points": self.points,
            "weight": self.weight,
            "reviewed": self.reviewed,
            "conflicting": self.conflicting,
            "confidence": self.confidence,
            "needs_review": self.needs_review,
            "reason": self.reason,
            "documentation": self.documentation,
            "evidence": [e.to_json() for e in self.evidence],
        }
        if self.review is not None:
            out["review"] = {
                "rationale": self.review.rationale,
                "reviewer": self.review.reviewer,
                "date": self.review.date,
                "evidence_url": self.review.evidence_url,
                "automatic_level": self.automatic_level.value if self.automatic_level else None,
            }
        if self.note:
            out["note"] = self.note
        return out


def _one_line(s: str, limit: int = 200) -> str:
    s = " ".join(s.split())
    return s if len(s) <= limit else s[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class Coverage:
    criteria: int
    evidenced: int
    no_disclosure: int
    not_applicable: int
    not_evaluated: int
    reviewed: int
    unreviewed: int = 0

    def to_json(self) -> dict:
        return {
            "criteria": self.criteria,
            "evidenced": self.evidenced,
            "no_disclosure": self.no_disclosure,
            "not_applicable": self.not_applicable,
            "not_evaluated": self.not_evaluated,
            "reviewed": self.reviewed,
            "unreviewed": self.unreviewed,
        }


@dataclass(frozen=True)
class DemandScore:
    id: str
    score: float | None

    def to_json(self) -> dict:
        return {"id": self.id, "score": self.score}


@dataclass(frozen=True)
class Scorecard:
    """One company's result: a pure function of evidence + rubric + reviews."""

    slug: str
    name: str
    score: float | None
    grade: str | None
    coverage: Coverage
    demands: tuple[DemandScore, ...]
    criteria: tuple[CriterionResult, ...]
    documents: tuple[DocumentRef, ...]
    grade_cap: str | None = None
    guessed_types: tuple[tuple[str, str], ...] = field(default=())  # (url, type); see DocumentRef.type_guessed
    #: Why the company could not be evaluated (no usable document); score and grade are then None.
    #: Generic on purpose (no file names): the failed documents carry the details.
    not_evaluated_reason: str | None = None
    #: declared documents that could not be read: (document type, reason); see audit/score/incomplete.py
    incomplete: tuple[tuple[str, str], ...] = field(default=())

    @property
    def complete(self) -> bool:
        """Every declared document was read (failed ones with an earlier good snapshot count as read)."""
        return not self.incomplete

    def criterion(self, cid: str) -> CriterionResult:
        for c in self.criteria:
            if c.id == cid:
                return c
        raise KeyError(cid)

    def to_json(self) -> dict:
        out = {
            "slug": self.slug,
            "name": self.name,
            "score": self.score,
            "grade": self.grade,
            "complete": self.complete,
            "incomplete": [{"document": d, "reason": r} for d, r in self.incomplete],
            "coverage": self.coverage.to_json(),
            "demands": [d.to_json() for d in self.demands],
            "criteria": [c.to_json() for c in self.criteria],
            "documents": [d.to_json() for d in self.documents],
        }
        if self.grade_cap:
            out["grade_cap"] = self.grade_cap
        if self.not_evaluated_reason:
            out["not_evaluated_reason"] = self.not_evaluated_reason
        return out
