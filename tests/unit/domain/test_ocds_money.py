"""OCDS award values are money in the RFQ's currency, at its minor units."""

from __future__ import annotations

from decimal import Decimal

from market.domain.money import Money, stored
from market.domain.ocds import amount


def test_award_amounts_are_at_the_currencys_minor_units() -> None:
    assert amount(Money.of("1500.4", "PYG")) == 1500 and isinstance(amount(Money.of(1500, "PYG")), int)
    assert amount(Money.of("3750", "USD")) == 3750
    assert amount(Money.of("0.105", "USD")) == 0.11
    assert amount(stored("2400000000000000.00", "USD")) == 2400000000000000  # exact when whole
    # a ranking stored before amounts were money, with more decimals than the currency has
    assert amount(stored("4501.20", "PYG")) == 4501 and amount(stored("12.345", "BRL")) == 12.35
    assert Decimal(str(amount(Money.of("9999999999.99", "USD")))) == Decimal("9999999999.99")
