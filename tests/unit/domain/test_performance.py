"""Supplier-record rules with a fixed clock: what an award leaves on each firm's record, which
delivery records are accepted, and the summary of a history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from market.domain.errors import DomainError, ValidationFailed
from market.domain.money import Money
from market.domain.performance import awarded_parts, check_delivery, summarise
from market.domain.rfq import RfqStatus

AWARDED = dt.datetime(2026, 11, 2, 12, 0, tzinfo=dt.UTC)
NOW = AWARDED + dt.timedelta(days=30)
RANKING = [
    {
        "lot": "1",
        "bid": "b1",
        "bidder": "lead",
        "lot_total": "1000.00",
        "members": [{"organisation": "lead", "share": "70"}, {"organisation": "partner", "share": "30"}],
    },
    {"lot": "1", "bid": "b2", "bidder": "alone", "lot_total": "1100.00", "members": []},
    {"lot": "2", "bid": "b2", "bidder": "alone", "lot_total": "500.00", "members": []},
]


def test_an_award_leaves_a_record_for_every_firm_behind_it() -> None:
    parts = awarded_parts({"1": "b1", "2": "b2"}, RANKING, "USD")
    assert [(p.lot, p.supplier, p.share, p.value) for p in parts] == [
        ("1", "lead", Decimal(70), Money.of(1000, "USD")),
        ("1", "partner", Decimal(30), Money.of(1000, "USD")),
        ("2", "alone", None, Money.of(500, "USD")),
    ]
    assert awarded_parts({"1": "unknown"}, RANKING, "USD") == []


def test_delivery_records() -> None:
    good = {
        "delivered_on": "2026-11-20",
        "on_time": False,
        "rejected_percent": "1,5",
        "note": " late by a day ",
    }
    outcome = check_delivery(RfqStatus.AWARDED, {"1": "b1"}, "1", AWARDED, NOW, good, "pt")
    assert (outcome.on_time, outcome.rejected, outcome.note) == (False, Decimal("1.5"), "late by a day")
    with pytest.raises(ValidationFailed) as caught:  # the API's form has no decimal comma
        check_delivery(RfqStatus.AWARDED, {"1": "b1"}, "1", AWARDED, NOW, good)
    assert [(f.field, f.code) for f in caught.value.fields] == [("rejected_percent", "number.invalid")]
    with pytest.raises(DomainError) as early:
        check_delivery(RfqStatus.EVALUATED, {}, "1", AWARDED, NOW, good)
    assert early.value.code == "delivery.not_awarded"
    with pytest.raises(ValidationFailed) as bad:
        check_delivery(
            RfqStatus.AWARDED,
            {"1": "b1"},
            "2",
            AWARDED,
            NOW,
            {"delivered_on": (NOW + dt.timedelta(days=1)).date().isoformat(), "rejected_percent": "-1"},
        )
    assert [f.field for f in bad.value.fields] == ["lot", "delivered_on", "on_time", "rejected_percent"]
    before_award = {**good, "delivered_on": "2026-11-01"}
    with pytest.raises(ValidationFailed):
        check_delivery(RfqStatus.AWARDED, {"1": "b1"}, "1", AWARDED, NOW, before_award)


def test_a_history_sums_up_awards_shares_and_outcomes() -> None:
    records = [
        {"share": "70", "value": "1000.00", "currency": "USD", "on_time": True, "rejected": "1"},
        {"share": "", "value": "500.00", "currency": "USD", "on_time": False, "rejected": "4"},
        {"share": "", "value": "800.00", "currency": "UYU", "on_time": None, "rejected": ""},
    ]
    summary = summarise(records)
    assert (summary.awards, summary.joint_awards, summary.deliveries) == (3, 1, 2)
    assert summary.awarded_value == {"USD": Money.of(1200, "USD"), "UYU": Money.of(800, "UYU")}
    assert summary.on_time_percent == Decimal("50.0") and summary.rejected_percent == Decimal("2.50")
    empty = summarise([])
    assert empty.on_time_percent is None and empty.rejected_percent is None and empty.awarded_value == {}


def test_a_members_share_of_a_value_is_money_in_its_currency() -> None:
    """Shares of awarded values round once to the currency's minor units: none for PYG."""
    records = [
        {"share": "33.33", "value": "1000", "currency": "PYG", "on_time": None, "rejected": ""},
        {"share": "33.33", "value": "1000", "currency": "PYG", "on_time": None, "rejected": ""},
        {"share": "12.5", "value": "10.05", "currency": "USD", "on_time": None, "rejected": ""},
        {
            "share": "",
            "value": "1500.40",
            "currency": "PYG",
            "on_time": None,
            "rejected": "",
        },  # stored before
    ]
    summary = summarise(records)
    assert summary.awarded_value == {"PYG": Money.of(2166, "PYG"), "USD": Money.of("1.26", "USD")}
    assert [v.text for v in summary.awarded_value.values()] == ["2166", "1.26"]
    [part] = awarded_parts({"": "b"}, [{"lot": "", "bid": "b", "bidder": "f", "lot_total": "99.5"}], "PYG")
    assert part.value == Money.of(100, "PYG")
