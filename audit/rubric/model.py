"""The rubric as typed data: demands, criteria, detection signals, examples, grades and caps.

A rubric is data (TOML), in the style of OSSF Scorecard's checks: the documentation, the
tests and the scoring all read the same definitions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from audit.criteria import KINDS, PROBE_KINDS, TEXT_KINDS
from audit.models import Level, Polarity

#: a criterion's `method`: the kinds of criterion unit (audit/criteria/)
METHODS = KINDS


@dataclass(frozen=True)
class Signal:
    """One way a sentence can show a level: regular expressions plus negation/hedge handling.

    * ``all``: every pattern must match in the sentence (within ``near`` characters, if set);
    * ``any``: at least one must match (when given);
    * ``none``: the signal does not fire if any of these match;
    * ``negated``: what a negation cue just before the first ``all`` match does:
      ``"skip"`` (do not fire), ``"ignore"`` (fire anyway) or a level to assign instead;
    * ``hedged``: the level to assign when a hedge cue ("may", "where feasible") is present.
    """

    id: str
    level: Level
    polarity: Polarity
    all: tuple[re.Pattern, ...]
    any: tuple[re.Pattern, ...] = ()
    none: tuple[re.Pattern, ...] = ()
    near: int | None = None
    negated: str = "skip"
    hedged: Level | None = None
    context: tuple[re.Pattern, ...] = ()
    line: int | None = None


@dataclass(frozen=True)
class Example:
    text: str
    level: Level
    doctype: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class Criterion:
    id: str
    group: str  # the demand id this criterion belongs to
    weight: float
    method: str
    title: str
    demand: str  # plain-language ask: what to demand of the company
    levels: dict[str, str]  # level name -> definition
    signals: tuple[Signal, ...] = ()
    examples: tuple[Example, ...] = ()
    line: int | None = None

    @property
    def has_text(self) -> bool:
        return self.method in TEXT_KINDS

    @property
    def has_probe(self) -> bool:
        return self.method in PROBE_KINDS


@dataclass(frozen=True)
class Demand:
    id: str
    weight: float
    title: str
    statement: str


@dataclass(frozen=True)
class Cap:
    criterion: str
    level: Level
    max_grade: str


@dataclass(frozen=True)
class Grade:
    grade: str
    min: float


@dataclass(frozen=True)
class Lexicon:
    negation: re.Pattern
    hedge: re.Pattern
    negation_window: int = 5  # words before the anchor in which a negation cue counts


@dataclass(frozen=True)
class Rubric:
    id: str
    version: str
    title: str
    description: str
    sha256: str
    source: str
    points: dict[Level, int]
    grades: tuple[Grade, ...]
    caps: tuple[Cap, ...]
    demands: tuple[Demand, ...]
    criteria: tuple[Criterion, ...]
    lexicon: Lexicon
    #: languages (primary tags) the rubric's signals read; a document in another is not evaluated
    languages: tuple[str, ...] = ("en",)
    _by_id: dict = field(default_factory=dict, compare=False, repr=False)

    def criterion(self, cid: str) -> Criterion:
        if not self._by_id:
            self._by_id.update({c.id: c for c in self.criteria})
        return self._by_id[cid]

    def demand(self, did: str) -> Demand:
        for d in self.demands:
            if d.id == did:
                return d
        raise KeyError(did)

    def criteria_of(self, did: str) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if c.group == did)

    @property
    def text_criteria(self) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if c.has_text)

    def grade_for(self, score: float) -> str:
        for g in self.grades:
            if score >= g.min:
                return g.grade
        return self.grades[-1].grade

    def ref(self) -> dict:
        return {"id": self.id, "version": self.version, "sha256": self.sha256}
