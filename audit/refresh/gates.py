"""CI gates of `audit run`: --fail-under GRADE|SCORE and --fail-on-drop."""

from __future__ import annotations

from dataclasses import dataclass

from audit.errors import InputError
from audit.refresh.diff import Diff, grade_rank


@dataclass(frozen=True)
class Threshold:
    score: float | None = None
    grade: str | None = None

    def below(self, score: float | None, grade: str | None) -> bool:
        """Whether a company is under the bar (an unscored company is reported, not gated)."""
        if self.score is not None:
            return score is not None and score < self.score
        return grade is not None and grade_rank(grade) < grade_rank(self.grade)

    def __str__(self) -> str:
        return f"{self.score:g}" if self.score is not None else str(self.grade)


def parse_threshold(value: str) -> Threshold:
    v = (value or "").strip()
    try:
        score = float(v)
    except ValueError:
        if len(v) == 1 and grade_rank(v) >= 0:
            return Threshold(grade=v.upper())
        raise InputError(f"--fail-under {value!r}: expected a grade A-F or a score 0-100") from None
    if not 0 <= score <= 100:
        raise InputError(f"--fail-under {value!r}: score must be between 0 and 100")
    return Threshold(score=score)


def gate_failures(companies: list[dict], diff: Diff | None, threshold: Threshold | None,
                  fail_on_drop: bool, fail_on_incomplete: bool = False) -> list[str]:
    """One line per crossed gate (empty: every gate passed)."""
    out = []
    if threshold is not None:
        for c in companies:
            if threshold.below(c.get("score"), c.get("grade")):
                out.append(f"{c['slug']}: {c.get('score')} ({c.get('grade')}) is below --fail-under {threshold}")
    if fail_on_drop and diff is not None:
        for c in diff.companies:
            if c.grade_dropped:
                out.append(f"{c.slug}: grade dropped {c.old_grade} -> {c.new_grade}")
    if fail_on_incomplete:
        for c in companies:
            if c.get("complete") is False:
                docs = ", ".join(i.get("document", "?") for i in c.get("incomplete", []))
                out.append(f"{c['slug']}: incomplete (could not read {docs}) and --fail-on-incomplete is set")
    return out
