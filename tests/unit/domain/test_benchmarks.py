from __future__ import annotations

import datetime as dt

from market.domain.benchmarks import build_cohort, distribution, quarter


def test_distribution_five_numbers() -> None:
    d = distribution([10, 20, 30, 40, 50])
    assert (d.n, d.minimum, d.q1, d.median, d.q3, d.maximum) == (5, 10, 20, 30, 40, 50)
    assert distribution([]) is None
    single = distribution([7.5])
    assert single.q1 == single.median == single.q3 == 7.5


def row(org: str, when: dt.datetime, overall: float, on_time: float, defects: float) -> dict:
    dims = {d: overall for d in ("digital", "quality", "process", "strategy", "upgrading")}
    return {
        "organisation": org,
        "submitted_at": when,
        "overall": overall,
        "dimension_scores": dims,
        "kpis": {"on_time_delivery": on_time, "defect_rate": defects},
    }


def test_cohort_uses_each_firms_latest_counts_the_long_tail_and_trends() -> None:
    q3 = dt.datetime(2026, 8, 1, tzinfo=dt.UTC)
    q4 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    rows = [
        row("a", q3, 40, 80, 6),
        row("a", q4, 60, 92, 2),  # firm a improved
        row("b", q4, 80, 97, 0.5),
        row("c", q3, 20, 70, 9),
    ]
    cohort = build_cohort(rows, {"overall": 50, "defect_rate": 1.0, "on_time_delivery": 95}, size=5)
    assert cohort.size == 5 and cohort.assessed == 3
    by = {m.metric: m for m in cohort.metrics}
    assert by["overall"].distribution.median == 60 and by["overall"].distribution.n == 3
    assert by["overall"].behind_reference == 1  # firm c
    assert by["defect_rate"].behind_reference == 2 and by["defect_rate"].lower_is_better  # a (2) and c (9)
    assert by["on_time_delivery"].behind_reference == 2
    assert by["inventory_turns"].distribution is None
    assert cohort.trend == {
        "2026-Q3": {
            **dict.fromkeys(("overall", "digital", "quality", "process", "strategy", "upgrading"), 30.0),
            "on_time_delivery": 75.0,
            "defect_rate": 7.5,
        },
        "2026-Q4": {
            **dict.fromkeys(("overall", "digital", "quality", "process", "strategy", "upgrading"), 70.0),
            "on_time_delivery": 94.5,
            "defect_rate": 1.25,
        },
    }
    assert quarter(dt.datetime(2026, 12, 31, tzinfo=dt.UTC)) == "2026-Q4"
