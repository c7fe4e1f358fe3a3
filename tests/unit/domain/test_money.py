"""Money: one type, the currency's minor units, rounded once (trust.md, promise 7b)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import get_currency_precision
from hypothesis import given
from hypothesis import strategies as st

from market.domain.money import (
    CURRENCIES,
    MAX_UNIT_PRICE,
    MINOR_UNITS,
    AboveMaximum,
    BelowSmallest,
    Money,
    minor_unit,
    round_money,
    smallest,
    stored,
    total,
    unit_price,
)

ALL = sorted(MINOR_UNITS)  # the RFQ currencies and BOB
amounts = st.decimals(min_value=Decimal("-1e13"), max_value=Decimal("1e13"), allow_nan=False, places=6)
prices = st.decimals(min_value=Decimal("-1"), max_value=Decimal("1.1e12"), allow_nan=False, places=4)


def test_minor_units_are_babels() -> None:
    assert set(CURRENCIES) <= set(MINOR_UNITS)
    assert {code: get_currency_precision(code) for code in MINOR_UNITS} == MINOR_UNITS
    assert (MINOR_UNITS["PYG"], minor_unit("PYG"), minor_unit("USD")) == (0, Decimal(1), Decimal("0.01"))


def test_the_examples_of_the_issue() -> None:
    assert Money.of("0.004", "USD").text == "0.00"
    assert Money.of("1500.4", "PYG").text == "1500"
    assert Money.of("0.005", "USD").text == "0.01"  # half up
    with pytest.raises(BelowSmallest):
        unit_price(Decimal("0.004"), "USD")
    assert str(smallest("USD")) == "0.01 USD" and str(smallest("PYG")) == "1 PYG"
    assert unit_price(Decimal("1500.4"), "PYG") == Money(Decimal(1500), "PYG")
    with pytest.raises(BelowSmallest):
        unit_price(Decimal("0.4"), "PYG")


@given(amounts, st.sampled_from(ALL))
def test_rounding_lands_on_the_minor_units_and_is_idempotent(amount: Decimal, currency: str) -> None:
    money = Money.of(amount, currency)
    assert money.amount.as_tuple().exponent == -MINOR_UNITS[currency]
    assert abs(money.amount - amount) <= minor_unit(currency) / 2  # the nearest amount
    assert Money.of(money.amount, currency) == money  # rounding again changes nothing
    assert round_money(money.amount, currency) == money.amount
    assert Money.of(money.text, currency) == money  # what is stored reads back the same


@given(prices, st.sampled_from(ALL))
def test_a_unit_price_is_rounded_once_then_checked(price: Decimal, currency: str) -> None:
    rounded = Money.of(price, currency).amount
    try:
        money = unit_price(price, currency)
    except BelowSmallest:
        assert rounded < minor_unit(currency)
    except AboveMaximum:
        assert rounded > MAX_UNIT_PRICE
    else:
        assert money.amount == rounded
        assert minor_unit(currency) <= money.amount <= MAX_UNIT_PRICE  # never below the minor unit


@given(st.sampled_from(ALL))
def test_numbers_beyond_any_context_are_refused_not_raised(currency: str) -> None:
    for text in ("1e100", "-1e100", "NaN", "Infinity", "1e-100"):
        with pytest.raises((BelowSmallest, AboveMaximum)):
            unit_price(Decimal(text), currency)


@given(
    st.lists(
        st.tuples(
            st.decimals(min_value=Decimal("0.01"), max_value=MAX_UNIT_PRICE, places=2),
            st.decimals(min_value=Decimal("0.001"), max_value=Decimal("1e12"), places=3),
        ),
        min_size=1,
        max_size=200,
    ),
    st.sampled_from(ALL),
)
def test_totals_are_exact_then_rounded_once(lines: list[tuple[Decimal, Decimal]], currency: str) -> None:
    money = total(lines, currency)
    exact = sum((p * q for p, q in lines), Decimal(0))  # hypothesis' decimals fit the default context
    assert money.amount.as_tuple().exponent == -MINOR_UNITS[currency]
    assert abs(money.amount - exact) <= minor_unit(currency) / 2


percents = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(100), places=2)


@given(amounts, percents, st.sampled_from(ALL))
def test_a_share_is_money_too(amount: Decimal, percent: Decimal, currency: str) -> None:
    part = Money.of(amount, currency).share(percent)
    assert part.amount.as_tuple().exponent == -MINOR_UNITS[currency]


def test_money_refuses_what_is_not_money() -> None:
    with pytest.raises(ValueError, match="minor units"):
        Money(Decimal("1.5"), "PYG")
    with pytest.raises(ValueError, match="unknown currency"):
        Money.of(1, "EUR")
    with pytest.raises(ValueError, match="cannot add"):
        _ = Money.of(1, "USD") + Money.of(1, "PYG")


def test_stored_amounts_are_read_defensively() -> None:
    assert stored("1500.40", "PYG") == Money.of(1500, "PYG")
    assert stored("", "USD") == stored(None, "USD") == stored("garbage", "USD") == Money.zero("USD")
    assert stored("NaN", "USD") == Money.zero("USD")


def test_arithmetic_is_exact_at_the_largest_figures() -> None:
    """Beyond the default context's 28 digits: 200 lines of the largest price and quantity."""
    line = (Decimal("999999999999.99"), Decimal("999999999999.999"))
    assert total([line] * 200, "USD").text == "199999999999997800000000000.00"
    assert total([line], "PYG").text == "999999999999989000000000"  # ...988.99000000001 half up
    big = Money.of("99999999999999999999999999.99", "USD")
    assert (big + big).text == "199999999999999999999999999.98"
    assert big.share(Decimal(50)).text == "50000000000000000000000000.00"  # 49999...999.995 half up
    assert (Money.of("0.10", "USD") + Money.of("0.25", "USD")).text == "0.35"
    assert Money.of(1000, "PYG").share(Decimal("33.33")).text == "333"
    assert Money.of("10.05", "USD").share(Decimal("12.5")).text == "1.26"


def test_the_bounds_of_a_unit_price() -> None:
    assert unit_price(MAX_UNIT_PRICE, "USD").text == "1000000000000.00"
    assert unit_price(Decimal("1000000000000.004"), "USD").text == "1000000000000.00"  # rounded first
    with pytest.raises(AboveMaximum):
        unit_price(Decimal("1000000000000.005"), "USD")
    with pytest.raises(AboveMaximum):
        unit_price(Decimal("1e13"), "PYG")
    assert unit_price(Decimal("0.005"), "USD").text == "0.01"
    assert unit_price(Decimal("0.5"), "PYG").text == "1"
