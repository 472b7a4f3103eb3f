"""`scorecards.csv`: one row per company and criterion, for spreadsheets and notebooks.

Cells that come from fetched pages are untrusted: a leading = + - @ is neutralised so that a
spreadsheet never runs a quote as a formula.

The last column, `evaluation`, is "evaluated", or for a company none of whose documents could be
used "could not be evaluated: REASON (each failed document and its error)"; its score and grade
cells are then empty and its text criteria `not-evaluated`.
"""

from __future__ import annotations

import csv
import io

from audit.models import Scorecard
from audit.report.formats import not_evaluated_text
from audit.rubric.model import Rubric

COLUMNS = ("company", "name", "score", "grade", "demand", "criterion", "title", "level", "points", "weight",
           "reviewed", "conflicting", "evidence_count", "quote", "document", "url", "sha256", "fetched_at", "evaluation")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    s = " ".join(str(value).split())
    return "'" + s if s[:1] in ("=", "+", "-", "@") else s


def scorecards_csv(cards: list[Scorecard], rubric: Rubric) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for card in sorted(cards, key=lambda c: c.slug):
        evaluation = not_evaluated_text(card) or (
            "evaluated" if card.complete else
            "evaluated, incomplete: " + "; ".join(f"{d} ({why})" for d, why in card.incomplete))
        for r in card.criteria:
            e = r.evidence[0] if r.evidence else None
            try:
                title = rubric.criterion(r.id).title
            except KeyError:
                title = r.id
            w.writerow([_cell(v) for v in (
                card.slug, card.name, card.score, card.grade, r.demand, r.id, title, r.level.value, r.points,
                float(r.weight), r.reviewed, r.conflicting, len(r.evidence),
                e.quote if e else None, e.document if e else None, e.url if e else None,
                e.sha256 if e else None, e.fetched_at if e else None, evaluation)])
    return buf.getvalue()
