"""`audit rubric test`: every example sentence must get exactly the level it states."""

from __future__ import annotations

from dataclasses import dataclass

from audit.extract.markdown import extract_plain
from audit.models import DocumentRef, Level
from audit.rubric.model import Rubric
from audit.score.engine import decide_level
from audit.reader.rules.matcher import find_in_text

_REF = DocumentRef("other", "example", "", "")


@dataclass(frozen=True)
class ExampleResult:
    criterion: str
    text: str
    expected: Level
    got: Level
    signals: tuple[str, ...]
    line: int | None

    @property
    def ok(self) -> bool:
        return self.expected is self.got


def level_of_text(rubric: Rubric, criterion_id: str, text: str) -> tuple[Level, tuple[str, ...]]:
    c = rubric.criterion(criterion_id)
    extracted = extract_plain(text)
    found = find_in_text((c,), rubric.lexicon, extracted)[c.id]
    decision = decide_level([(_REF, f) for f in found])
    return decision.level, tuple(sorted({f.signal for f in found}))


def run_examples(rubric: Rubric, only: str | None = None) -> list[ExampleResult]:
    results = []
    for c in rubric.criteria:
        if only and c.id != only:
            continue
        for ex in c.examples:
            got, sigs = level_of_text(rubric, c.id, ex.text)
            results.append(ExampleResult(c.id, ex.text, ex.level, got, sigs, ex.line))
    return results
