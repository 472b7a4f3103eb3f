"""Honest figures for the reader: grouped cross-validation, the sealed split, the ceiling.

Metrics follow SPEC.md (exact agreement, detection, false credit over all pairs), plus what the
issue asks of a reader that generalizes: the rank correlation (Spearman) and the mean absolute
gap between each document's automatic score and its hand score (the rubric's points and weights
applied to the text criteria only), and a reliability table of the confidences.
"""

from __future__ import annotations

from dataclasses import dataclass

from audit.models import Level
from audit.rubric.model import Rubric

NOTHING_TO_HAND_OVER = ("provider-cannot-decrypt", "warrant-for-content")


@dataclass(frozen=True)
class Pair:
    file: str
    company: str
    criterion: str
    label: str
    got: str
    confidence: float


def nothing_to_hand_over(levels: dict[str, str]) -> dict[str, str]:
    """METHODOLOGY: provider-cannot-decrypt met, and nothing says content is handed over (warrant
    not not-met), makes warrant-for-content met."""
    pcd, wfc = NOTHING_TO_HAND_OVER
    if levels.get(pcd) == "met" and levels.get(wfc, "no-disclosure") != "not-met":
        return {**levels, wfc: "met"}
    return levels


def over_credit(got: str, label: str) -> bool:
    if got == "met":
        return label in ("partial", "not-met", "no-disclosure")
    if got == "partial":
        return label in ("not-met", "no-disclosure")
    return False


def agreement(pairs: list[Pair]) -> dict:
    labelled = [p for p in pairs if p.label != "no-disclosure"]
    exact = sum(p.got == p.label for p in labelled)
    detected = sum(p.got != "no-disclosure" for p in labelled)
    fc = sum(over_credit(p.got, p.label) for p in pairs)
    return {
        "pairs": len(pairs), "labelled": len(labelled),
        "exact_agreement": _r(exact, len(labelled)), "detection": _r(detected, len(labelled)),
        "false_credit": _r(fc, len(pairs)), "exact": exact, "detected": detected, "false_credit_pairs": fc,
    }


def _r(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def document_score(rubric: Rubric, levels: dict[str, str]) -> float | None:
    """The rubric's points and weights over the text criteria given (probe and review criteria left out)."""
    total = total_w = 0.0
    for d in rubric.demands:
        crits = [c for c in rubric.criteria if c.group == d.id and c.id in levels and levels[c.id] != "not-applicable"]
        if not crits:
            continue
        w = sum(c.weight for c in crits)
        s = sum(rubric.points.get(Level(levels[c.id]), 0) * c.weight for c in crits) / w
        total += s * d.weight
        total_w += d.weight
    return total / total_w if total_w else None


def spearman(a: list[float], b: list[float]) -> float | None:
    if len(a) < 3:
        return None
    from scipy.stats import spearmanr

    r = spearmanr(a, b).statistic
    return None if r != r else round(float(r), 4)


def report(rubric: Rubric, pairs: list[Pair], review_below: float) -> dict:
    by_doc: dict[str, dict[str, tuple[str, str]]] = {}
    for p in pairs:
        by_doc.setdefault(p.file, {})[p.criterion] = (p.label, p.got)
    hand, auto = [], []
    for file in sorted(by_doc):
        levels = by_doc[file]
        h = document_score(rubric, {c: v[0] for c, v in levels.items()})
        a = document_score(rubric, {c: v[1] for c, v in levels.items()})
        if h is not None and a is not None:
            hand.append(h)
            auto.append(a)
    criteria = sorted({p.criterion for p in pairs})
    confident = [p for p in pairs if p.confidence >= review_below]
    bins = []
    edges = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.01)
    for lo, hi in zip(edges, edges[1:]):
        inside = [p for p in pairs if lo <= p.confidence < hi]
        if inside:
            bins.append({"confidence": f"{lo:.2f}-{min(hi, 1.0):.2f}", "pairs": len(inside),
                         "mean_confidence": round(sum(p.confidence for p in inside) / len(inside), 3),
                         "correct": round(sum(p.got == p.label for p in inside) / len(inside), 3)})
    return {
        "overall": agreement(pairs),
        "documents": len(by_doc),
        "companies": len({p.company for p in pairs}),
        "spearman": spearman(hand, auto),
        "mean_score_gap": round(sum(abs(x - y) for x, y in zip(hand, auto)) / len(hand), 2) if hand else None,
        "mean_signed_gap": round(sum(y - x for x, y in zip(hand, auto)) / len(hand), 2) if hand else None,
        "per_criterion": {c: agreement([p for p in pairs if p.criterion == c]) for c in criteria},
        "reliability": bins,
        "review_below": review_below,
        "confident": agreement(confident),
        "flagged_share": _r(len(pairs) - len(confident), len(pairs)),
    }


SPREAD = ("exact_agreement", "detection", "false_credit", "spearman", "mean_score_gap", "flagged_share")


def draw_spread(reports: list[dict]) -> dict[str, dict[str, float]]:
    """Mean, min and max over several cross-validation draws (`report`s) of the headline figures."""
    out: dict[str, dict[str, float]] = {}
    for name in SPREAD:
        found = (r["overall"][name] if name in r["overall"] else r.get(name) for r in reports)
        values = [float(v) for v in found if v is not None]
        if values:
            out[name] = {"mean": round(sum(values) / len(values), 4), "min": min(values), "max": max(values)}
    return out
