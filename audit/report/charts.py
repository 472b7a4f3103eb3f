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
    #: axes: the plot area (left, top, width, height) in chart units, y ticks (y, label),
    #: x labels (x, label, text-anchor) and the value printed beside each point (x, y, text)
    area: tuple[float, float, float, float] = (0.0, 0.0, 300.0, 100.0)
    y_ticks: tuple[tuple[float, str], ...] = ()
    x_labels: tuple[tuple[float, str, str], ...] = ()
    values: tuple[tuple[float, float, str], ...] = ()
    size: tuple[float, float] = (300.0, 100.0)


def demand_bars(demands: list[tuple[str, float | None]], row: float = 22.0) -> tuple[Bar, ...]:
    """One horizontal bar per demand; a missing score is drawn as an empty bar."""
    return tuple(Bar(label, score, 0.0 if score is None else max(0.0, min(100.0, score)), i * row)
                 for i, (label, score) in enumerate(demands))


def history_chart(entries: list[tuple[str, float | None, str | None]], width: float = 300.0,
                  height: float = 100.0) -> HistoryChart | None:
    """Score (0-100) over runs, evenly spaced by run, with a y axis (0, 50, 100), the first and last
    dates on the x axis and each score printed at its point (the first and last when there are many);
    None when there are fewer than two scored runs."""
    scored = [(t, s, g) for t, s, g in entries if s is not None]
    if len(scored) < 2:
        return None
    left, top, bottom = 36.0, 14.0, 22.0
    step = width / (len(scored) - 1)
    dots = tuple((round(left + i * step, 1), round(top + height - s / 100 * height, 1), f"{t[:10]}: {s:.1f} ({g or '-'})")
                 for i, (t, s, g) in enumerate(scored))
    points = " ".join(f"{x:g},{y:g}" for x, y, _ in dots)
    desc = "; ".join(label for _, _, label in dots)
    ticks = tuple((round(top + height - v / 100 * height, 1), str(v)) for v in (0, 50, 100))
    x_labels = ((left, scored[0][0][:10], "start"), (left + width, scored[-1][0][:10], "end"))
    shown = range(len(scored)) if len(scored) <= 8 else (0, len(scored) - 1)
    values = tuple((dots[i][0], dots[i][1] - 6, f"{scored[i][1]:.1f}") for i in shown)
    return HistoryChart(points, dots, scored[0][0][:10], scored[-1][0][:10], desc, (left, top, width, height),
                        ticks, x_labels, values, (left + width + 14, top + height + bottom))
