"""The hand rules as a `Reader`: every signal that fires is a finding, the best supported level
wins (score.engine.decide_level), and there is no confidence (None: the rules cannot tell)."""

from __future__ import annotations

from dataclasses import dataclass

from audit.extract.text import ExtractedText
from audit.models import DocumentRef, Finding
from audit.reader.base import DocumentReading, Reading
from audit.reader.rules.matcher import find_all
from audit.rubric.model import Rubric
from audit.score.engine import decide_level

READER_ID = "rules"
_REF = DocumentRef("other", "", "", "")


def rule_readings(rubric: Rubric, found: dict[str, list[Finding]]) -> dict[str, Reading]:
    """Per text criterion, the level the rules' FOUND findings decide (no confidence)."""
    readings: dict[str, Reading] = {}
    for c in rubric.text_criteria:
        hits = found.get(c.id, [])
        readings[c.id] = Reading(decide_level([(_REF, f) for f in hits]).level, None, tuple(hits))
    return readings


@dataclass(frozen=True)
class RulesReader:
    rubric: Rubric
    id: str = READER_ID
    #: the rules are the rubric's: its sha256 (in the cache key) versions them
    version: str | None = None

    def read(self, extracted: ExtractedText, doc_type: str) -> DocumentReading:
        return DocumentReading(rule_readings(self.rubric, find_all(self.rubric, extracted)))
