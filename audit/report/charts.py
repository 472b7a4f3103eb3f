"""Chart geometry for the inline SVG charts: pure numbers, so templates only draw.

Charts are inline SVG (no scripts, no external requests); every chart has a text alternative.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    score: float | None
    width: float  # 0..100, in chart units
    y: float


@dataclass(frozen=True)
class HistoryChart:
    points: str  # SVG polyline points
    dots: tuple[tuple[float, float, str], ...]  # x, y, label
    first: str
    last: str
    description: str


def demand_bars(demands: list[tuple[str, float | None]], row: float = 22.0) -> tuple[Bar, ...]:
    """One horizontal bar per demand; a missing score is drawn as an empty bar."""
    return tuple(Bar(label, score, 0.0 if score is None else max(0.0, min(100.0, score)), i * row)
                 for i, (label, score) in enumerate(demands))


def history_chart(entries: list[tuple[str, float | None, str | None]], width: float = 300.0,
                  height: float = 100.0) -> HistoryChart | None:
    """Score (0-100) over runs, evenly spaced by run; None when there are fewer than two scored runs."""
    scored = [(t, s, g) for t, s, g in entries if s is not None]
    if len(scored) < 2:
        return None
    step = width / (len(scored) - 1)
    dots = tuple((round(i * step, 1), round(height - s / 100 * height, 1), f"{t}: {s:.1f} ({g or '-'})")
                 for i, (t, s, g) in enumerate(scored))
    points = " ".join(f"{x:g},{y:g}" for x, y, _ in dots)
    desc = "; ".join(label for _, _, label in dots)
    return HistoryChart(points, dots, scored[0][0][:10], scored[-1][0][:10], desc)
