"""Charts drawn on the server as SVG: no JavaScript, readable on a phone, with a table beside."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from market.i18n import format_date


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: float
    level: int
    level_label: str
    date: str
    #: Where the date label hangs from its point, so the first and last stay inside the chart.
    anchor: str = "middle"


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    left: int
    bottom: int
    points: list[Point]
    ticks: list[tuple[float, int]]

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def history_chart(history: list[dict[str, Any]], level_labels: dict[int, str]) -> LineChart | None:
    """The overall score of each submitted assessment over time (0-100 on the vertical axis)."""
    if not history:
        return None
    width, height, left, top, bottom = 640, 240, 40, 16, 200
    span = max(1, len(history) - 1)
    points = []
    for index, row in enumerate(history):
        x = left + (width - left - 24) * (index / span if len(history) > 1 else 0.5)
        y = bottom - (bottom - top) * float(row["overall"]) / 100
        anchor = (
            "middle" if len(history) == 1 else "start" if index == 0 else "end" if index == span else "middle"
        )
        level = int(row["level"])
        points.append(
            Point(
                x,
                y,
                float(row["overall"]),
                level,
                level_labels[level],
                format_date(row["submitted_at"]),
                anchor,
            )
        )
    ticks = [(bottom - (bottom - top) * v / 100, v) for v in (0, 25, 50, 75, 100)]
    return LineChart(width, height, left, bottom, points, ticks)


@dataclass(frozen=True)
class BoxPlot:
    label: str
    y: float
    minimum: float
    q1: float
    median: float
    q3: float
    maximum: float
    reference: float | None


@dataclass(frozen=True)
class BoxPlots:
    width: int
    height: int
    left: int
    right: int
    plots: list[BoxPlot]
    ticks: list[tuple[float, int]]


def box_plots(metrics: list[Any], labels: dict[str, str]) -> BoxPlots | None:
    """Horizontal box plots of 0-100 scores, one row per metric, with the agency's reference."""
    rows = [m for m in metrics if m.distribution is not None]
    if not rows:
        return None
    left, right, row_height = 12, 616, 44
    width, height = 640, 30 + row_height * len(rows)

    def x(value: float) -> float:
        return left + (right - left) * max(0.0, min(100.0, value)) / 100

    plots = []
    for index, metric in enumerate(rows):
        d = metric.distribution
        plots.append(
            BoxPlot(
                labels[metric.metric],
                30 + index * row_height,
                x(d.minimum),
                x(d.q1),
                x(d.median),
                x(d.q3),
                x(d.maximum),
                None if metric.reference is None else x(metric.reference),
            )
        )
    return BoxPlots(width, height, left, right, plots, [(x(v), v) for v in (0, 25, 50, 75, 100)])
