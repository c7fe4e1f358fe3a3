"""Money: a ``Decimal`` amount with its ISO 4217 code, always at the currency's minor units.

An amount is rounded once, where it enters (a typed unit price, a total computed from prices and
quantities, a share of a value), half up to the currency's minor units, and every check runs on
the rounded amount: 0.004 USD is 0.00 USD and is refused as below the smallest amount, 0.01 USD;
1500.4 PYG is 1500 PYG. Nothing downstream rounds money again. Pure: no I/O; the table of minor
units is fixed here and a test holds it equal to Babel's ``get_currency_precision`` (CLDR).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation, localcontext

#: The RFQ currencies (MERCOSUR and the US dollar), in the order the forms offer them.
CURRENCIES = ("ARS", "BRL", "PYG", "UYU", "USD")
#: Digits after the decimal point, by currency (CLDR's, as Babel gives them). BOB (Bolivia, an
#: associate) is known so that amounts in it round right once RFQs offer it.
MINOR_UNITS: dict[str, int] = {"ARS": 2, "BOB": 2, "BRL": 2, "PYG": 0, "USD": 2, "UYU": 2}
#: The largest unit price a bid may carry.
MAX_UNIT_PRICE = Decimal("1e12")
#: Room for the largest figures money reaches here (200 items of 1e12 units at 1e12 each, with
#: their decimals), so no computation on money is ever rounded by the context or refused by it.
_CONTEXT = Context(prec=60, rounding=ROUND_HALF_UP, Emax=999, Emin=-999)


def minor_unit(currency: str) -> Decimal:
    """The smallest amount of the currency: ``0.01`` for USD, ``1`` for PYG."""
    if currency not in MINOR_UNITS:
        raise ValueError(f"unknown currency: {currency!r}")
    return Decimal(1).scaleb(-MINOR_UNITS[currency])


def round_money(amount: Decimal, currency: str) -> Decimal:
    """``amount`` half up to the currency's minor units: the one rounding money gets."""
    if not amount.is_finite():
        raise InvalidOperation(f"not an amount: {amount}")
    with localcontext(_CONTEXT):
        return amount.quantize(minor_unit(currency))


@dataclass(frozen=True)
class Money:
    """An amount at its currency's minor units. Build it with :meth:`of`, which rounds."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if self.currency not in MINOR_UNITS:
            raise ValueError(f"unknown currency: {self.currency!r}")
        if not self.amount.is_finite() or self.amount.as_tuple().exponent != -MINOR_UNITS[self.currency]:
            raise ValueError(f"{self.amount} is not at the minor units of {self.currency}: use Money.of")

    @classmethod
    def of(cls, amount: Decimal | int | str, currency: str) -> Money:
        """The amount rounded once to the currency's minor units."""
        return cls(round_money(Decimal(amount), currency), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls.of(0, currency)

    @property
    def text(self) -> str:
        """The amount as stored and sealed: plain digits, the currency's decimals (``12.50``, ``1500``)."""
        return format(self.amount, "f")

    def __str__(self) -> str:
        return f"{self.text} {self.currency}"

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        with localcontext(_CONTEXT):
            return Money(self.amount + other.amount, self.currency)

    def share(self, percent: Decimal) -> Money:
        """``percent`` % of this amount, rounded once (a consortium member's part of a value)."""
        with localcontext(_CONTEXT):
            return Money.of(self.amount * percent / 100, self.currency)

    def is_positive(self) -> bool:
        """At least the currency's smallest amount (an amount is always at its minor units)."""
        return self.amount > 0


class BelowSmallest(ValueError):
    """Not a number, or zero or less once rounded to the currency's minor units."""


class AboveMaximum(ValueError):
    """More than ``MAX_UNIT_PRICE``."""


def unit_price(price: Decimal, currency: str) -> Money:
    """A bid's unit price: rounded once, then checked against the smallest amount of the currency
    and ``MAX_UNIT_PRICE``."""
    if price.is_finite() and price.adjusted() > MAX_UNIT_PRICE.adjusted():
        raise AboveMaximum(price)  # too large to round in any context; above the maximum anyway
    if not price.is_finite():
        raise BelowSmallest(price)
    money = Money.of(price, currency)
    if not money.is_positive():
        raise BelowSmallest(price)
    if money.amount > MAX_UNIT_PRICE:
        raise AboveMaximum(price)
    return money


def smallest(currency: str) -> Money:
    """The smallest positive amount of the currency (0.01 USD, 1 PYG)."""
    return Money(minor_unit(currency), currency)


def total(lines: Iterable[tuple[Decimal, Decimal]], currency: str) -> Money:
    """Unit price times quantity summed over ``lines`` exactly, then rounded once."""
    with localcontext(_CONTEXT):
        exact = sum((price * quantity for price, quantity in lines), Decimal(0))
        return Money.of(exact, currency)


def stored(text: object, currency: str) -> Money:
    """An amount read back from storage, where older rows may carry more decimals than the
    currency has, or nothing at all (read as zero); rounded to the minor units, never raising."""
    try:
        amount = Decimal(str(text or "0").strip() or "0")
    except InvalidOperation:
        amount = Decimal(0)
    return Money.of(amount if amount.is_finite() else Decimal(0), currency)
