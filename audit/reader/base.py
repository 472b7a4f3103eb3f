"""What every reader is and returns: one protocol, so the pipeline need not know which one read.

A reader turns one extracted document into, per text criterion, the level the document supports,
the sentences (findings) that decide it and, where it can tell, a calibrated confidence. Its `id`
and `version` enter the findings cache key (with the extractor's version): a cached reading never
outlives the reader that made it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from audit.extract.text import ExtractedText
from audit.models import Finding, Level


@dataclass(frozen=True)
class Reading:
    """What the reader concluded for one criterion of one document."""

    level: Level
    confidence: float | None
    findings: tuple[Finding, ...]  # the deciding sentence first


@dataclass(frozen=True)
class DocumentReading:
    readings: dict[str, Reading]

    def findings(self) -> dict[str, list[Finding]]:
        return {cid: list(r.findings) for cid, r in self.readings.items() if r.findings}

    def silence(self) -> dict[str, float]:
        """For criteria read as silent: how sure the reader is of that silence."""
        return {cid: r.confidence for cid, r in self.readings.items()
                if r.level is Level.NO_DISCLOSURE and r.confidence is not None}


class Reader(Protocol):
    """`read(extracted, doc_type)` -> a reading per text criterion of the rubric it was made for."""

    @property
    def id(self) -> str: ...

    @property
    def version(self) -> str | None:
        """What changes when the reader would read a text differently (None: nothing beyond the
        rubric's own hash, which the cache key holds anyway)."""

    def read(self, extracted: ExtractedText, doc_type: str) -> DocumentReading: ...


def reader_tag(reader: Reader) -> str:
    """The reader as it enters the findings cache key: `id`, or `id:version`."""
    return reader.id if reader.version is None else f"{reader.id}:{reader.version}"
