"""Benchmarking cohorts (the learning networks of box 5.4): distributions, the long tail, trends.

Pure: rows of submitted assessments in, figures out.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from market.domain.eligibility import KPI_LABELS, LOWER_IS_BETTER
from market.domain.errors import N_
from market.domain.readiness import DIMENSION_LABELS, DIMENSIONS

#: Every metric of a cohort, with its label: the overall score, the five dimensions, the KPIs.
METRICS: dict[str, str] = {"overall": N_("Overall score"), **DIMENSION_LABELS, **KPI_LABELS}


@dataclass(frozen=True)
class Distribution:
    n: int
    minimum: float
    q1: float
    median: float
    q3: float
    maximum: float


def distribution(values: Sequence[float]) -> Distribution | None:
    """Five-number summary (quartiles by the inclusive method); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        only = ordered[0]
        return Distribution(1, only, only, only, only, only)
    q1, median, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    return Distribution(len(ordered), ordered[0], round(q1, 2), round(median, 2), round(q3, 2), ordered[-1])


def behind(value: float, reference: float, metric: str) -> bool:
    """Whether a firm's value falls short of the reference (for some KPIs lower is better)."""
    return value > reference if metric in LOWER_IS_BETTER else value < reference


@dataclass(frozen=True)
class MetricFigures:
    metric: str
    label: str
    distribution: Distribution | None
    reference: float | None
    #: Firms short of the reference: the long tail that coaching should reach first.
    behind_reference: int
    lower_is_better: bool


@dataclass(frozen=True)
class Cohort:
    size: int
    assessed: int
    metrics: list[MetricFigures]
    #: Median of each metric per quarter ("2026-Q3"), from every assessment submitted in it.
    trend: dict[str, dict[str, float]]


def _value(row: Mapping[str, Any], metric: str) -> float | None:
    if metric == "overall":
        return None if row.get("overall") is None else float(row["overall"])
    if metric in DIMENSIONS:
        raw = row.get("dimension_scores", {}).get(metric)
    else:
        raw = row.get("kpis", {}).get(metric)
    return None if raw is None else float(raw)


def quarter(moment: dt.datetime) -> str:
    return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"


def build_cohort(rows: Sequence[Mapping[str, Any]], references: Mapping[str, float], size: int) -> Cohort:
    """Figures of a cohort from its submitted assessments (each firm's latest counts as "now")."""
    latest: dict[Any, Mapping[str, Any]] = {}
    for row in sorted(rows, key=lambda r: r["submitted_at"]):
        latest[row["organisation"]] = row
    figures = []
    for metric, label in METRICS.items():
        values = [v for row in latest.values() if (v := _value(row, metric)) is not None]
        reference = references.get(metric)
        figures.append(
            MetricFigures(
                metric=metric,
                label=label,
                distribution=distribution(values),
                reference=reference,
                behind_reference=0
                if reference is None
                else sum(1 for v in values if behind(v, reference, metric)),
                lower_is_better=metric in LOWER_IS_BETTER,
            )
        )
    by_quarter: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        by_quarter.setdefault(quarter(row["submitted_at"]), []).append(row)
    trend = {}
    for key in sorted(by_quarter):
        medians = {}
        for metric in METRICS:
            values = [v for row in by_quarter[key] if (v := _value(row, metric)) is not None]
            if values:
                medians[metric] = round(statistics.median(values), 2)
        trend[key] = medians
    return Cohort(size=size, assessed=len(latest), metrics=figures, trend=trend)
