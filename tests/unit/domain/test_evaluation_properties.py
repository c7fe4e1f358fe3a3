"""Evaluation never fails on valid bids (trust.md, promise 7b): random RFQs and bid sets go the
way the service takes them (validate_bid at the door, lot_totals, evaluate), and whatever the
door accepted is ranked, lot by lot, with scores from 0 to 100 and the same order every time."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from market.domain.errors import ValidationFailed
from market.domain.money import MAX_UNIT_PRICE, MINOR_UNITS, Money, minor_unit
from market.domain.rfq import (
    WHOLE,
    AwardCriteria,
    BidForEvaluation,
    PricedItem,
    evaluate,
    lot_totals,
    validate_bid,
)

NOW = dt.datetime(2026, 11, 2, 12, 0, tzinfo=dt.UTC)
CURRENCIES = sorted(MINOR_UNITS)

quantities = st.one_of(
    st.sampled_from([Decimal("0.001"), Decimal("0.4"), Decimal(1), Decimal("1e12")]),
    st.decimals(min_value=Decimal("0.001"), max_value=Decimal("1e12"), places=3),
)
# what bidders type: tiny amounts below a cent, sub-unit guaranis, the largest price allowed, junk
price_texts = st.one_of(
    st.sampled_from(["0.004", "0.005", "0.01", "0,01", "1500.4", "0.4", "1", "1000000000000", "0", "-1"]),
    st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("0.02"), places=4).map(str),
    st.decimals(min_value=Decimal(0), max_value=MAX_UNIT_PRICE, places=3).map(str),
)
criteria = st.sampled_from([(100, 0, 0), (50, 30, 20), (0, 100, 0), (0, 0, 100), (34, 33, 33)]).map(
    lambda w: AwardCriteria(*w)
)


@st.composite
def rfqs(draw: st.DrawFn) -> tuple[str, list[PricedItem]]:
    currency = draw(st.sampled_from(CURRENCIES))
    lots = draw(st.integers(min_value=0, max_value=3))
    items = []
    for lot in [str(n) for n in range(1, lots + 1)] or [WHOLE]:
        for index in range(draw(st.integers(min_value=1, max_value=3))):
            items.append(PricedItem(f"{lot or 'w'}-{index}", lot, draw(quantities)))
    return currency, items


@st.composite
def raw_bids(draw: st.DrawFn, items: list[PricedItem]) -> dict[str, Any]:
    lots = list(dict.fromkeys(i.lot for i in items))
    priced = draw(st.lists(st.sampled_from(lots), min_size=1, unique=True))  # lots without bids too
    prices = {i.id: draw(price_texts) for i in items if i.lot in priced}
    return {
        "prices": prices,
        "lead_time_days": draw(st.sampled_from([1, 730]) | st.integers(min_value=1, max_value=730)),
        "validity_days": 30,
    }


def run(currency: str, items: list[PricedItem], raws: list[dict[str, Any]], weights: AwardCriteria) -> Any:
    """What evaluate_bids does with the bids the door accepted; returns (candidates, ranking)."""
    candidates = []
    for number, raw in enumerate(raws):
        try:
            content = validate_bid(items, raw, currency)
        except ValidationFailed:
            continue
        for price in content["prices"].values():  # never below the currency's minor unit
            assert Decimal(price) >= minor_unit(currency)
            assert Decimal(price).as_tuple().exponent == -MINOR_UNITS[currency]
        for lot, total in lot_totals(items, content["prices"], currency).items():
            assert total.is_positive()
            candidates.append(
                BidForEvaluation(
                    f"bid-{number}",
                    total.amount,
                    raw["lead_time_days"],
                    number % 5,
                    NOW + dt.timedelta(seconds=number % 3),  # equal receipt times too
                    lot,
                )
            )
    return candidates, evaluate(weights, candidates)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), rfqs(), criteria)
def test_every_valid_bid_set_is_ranked(data: st.DataObject, rfq: Any, weights: AwardCriteria) -> None:
    currency, items = rfq
    raws = data.draw(st.lists(raw_bids(items), min_size=1, max_size=8))
    candidates, ranked = run(currency, items, raws, weights)
    assert len(ranked) == len(candidates)  # every accepted bid is ranked on every lot it covers
    for lot in {c.lot for c in candidates}:
        on_lot = [r for r in ranked if r.lot == lot]
        assert [r.rank for r in on_lot] == list(range(1, len(on_lot) + 1))
        assert [r.total for r in on_lot] == sorted((r.total for r in on_lot), reverse=True)
        for r in on_lot:
            for score in (r.total, r.price_score, r.lead_time_score, r.quality_score):
                assert Decimal(0) <= score <= Decimal(100)
    again = evaluate(weights, list(reversed(candidates)))  # lots come in the order first seen

    def by_lot(ranking: list[Any]) -> list[Any]:
        return sorted(ranking, key=lambda r: (r.lot, r.rank))

    assert by_lot(again) == by_lot(ranked)  # the same ranking whatever the order, ties included


def test_the_issue_a_price_below_a_cent_is_refused_at_the_door() -> None:
    items = [PricedItem("i", WHOLE, Decimal(1))]
    raws = [
        {"prices": {"i": "0.004"}, "lead_time_days": 10, "validity_days": 30},
        {"prices": {"i": "5"}, "lead_time_days": 10, "validity_days": 30},
    ]
    candidates, ranked = run("USD", items, raws, AwardCriteria())
    assert [c.bid_id for c in candidates] == ["bid-1"] and [r.bid_id for r in ranked] == ["bid-1"]


def test_pyg_prices_have_no_decimals() -> None:
    items = [PricedItem("i", WHOLE, Decimal(3))]
    content = validate_bid(items, {"prices": {"i": "1500.4"}, "lead_time_days": 1, "validity_days": 1}, "PYG")
    assert content["prices"] == {"i": "1500"}
    assert lot_totals(items, content["prices"], "PYG") == {WHOLE: Money.of(4500, "PYG")}


def bid(bid_id: str, total: str, lead: int = 10, level: int = 2, second: int = 0, lot: str = WHOLE) -> Any:
    return BidForEvaluation(bid_id, Decimal(total), lead, level, NOW + dt.timedelta(seconds=second), lot)


def test_one_bid_equal_prices_equal_lead_times_and_extremes() -> None:
    weighted = AwardCriteria(50, 30, 20)
    (alone,) = evaluate(weighted, [bid("a", "0.01", lead=730, level=0)])
    assert (alone.rank, alone.price_score, alone.lead_time_score, alone.quality_score) == (
        1,
        Decimal("100.00"),
        Decimal("100.00"),
        Decimal("0.00"),
    )
    same = evaluate(
        weighted, [bid("b", "10.00", second=2), bid("a", "10.00", second=2), bid("c", "10.00", second=1)]
    )
    assert [r.bid_id for r in same] == ["c", "a", "b"]  # earlier receipt, then the bid id
    assert {r.total for r in same} == {Decimal("90.00")}  # 50 + 30 + 20 * 2 / 4
    huge = Decimal("200000000000000000000000000.00")  # 200 items of 1e12 units at 1e12 each
    extremes = evaluate(weighted, [bid("cheap", "0.01", lead=1), bid("dear", str(huge), lead=730, level=4)])
    assert [r.bid_id for r in extremes] == ["cheap", "dear"]
    assert extremes[1].price_score == Decimal("0.00") and extremes[1].lead_time_score == Decimal("0.14")


def test_bids_stored_with_a_zero_total_do_not_break_the_evaluation() -> None:
    """Bids accepted before prices were checked at the currency's minor units may hold 0.00: they
    are left out of the ranking instead of dividing by zero; the other bids are ranked as usual."""
    items = [PricedItem("i", WHOLE, Decimal(2))]
    old = lot_totals(items, {"i": "0.00"}, "USD")[WHOLE]
    assert old == Money.zero("USD")
    ranked = evaluate(AwardCriteria(), [bid("old", str(old.amount)), bid("new", "7.00", second=1)])
    assert [(r.bid_id, r.rank, r.price_score) for r in ranked] == [("new", 1, Decimal("100.00"))]
    assert evaluate(AwardCriteria(), [bid("old", "0.00"), bid("older", "-1", lot="2")]) == []
