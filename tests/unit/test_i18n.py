from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from market.i18n import (
    format_date,
    format_money,
    format_number,
    gettext,
    negotiate,
    ngettext,
    reset_language,
    set_language,
)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("pt-BR,pt;q=0.9,en;q=0.8", "pt"),
        ("es-AR", "es"),
        ("fr-FR, de;q=0.5", "en"),
        ("de, es;q=0.1", "es"),
        ("en;q=0.2, pt;q=0.9", "pt"),
        ("", "en"),
        (None, "en"),
        ("es;q=abc, pt", "pt"),
    ],
)
def test_accept_language_negotiation(header: str | None, expected: str) -> None:
    assert negotiate(header) == expected


@pytest.mark.parametrize(
    ("language", "number", "money", "date"),
    [
        ("en", "1,234,567.5", "$1,234,567.50", "Mar 1, 2026"),
        ("es", "1.234.567,5", "US$1.234.567,50", "1 mar 2026"),
        ("pt", "1.234.567,5", "US$\xa01.234.567,50", "1 de mar. de 2026"),
    ],
)
def test_numbers_money_and_dates_follow_the_language(
    language: str, number: str, money: str, date: str
) -> None:
    token = set_language(language)
    try:
        assert format_number(Decimal("1234567.5")) == number
        assert format_money(Decimal("1234567.5"), "USD") == money
        assert format_date(dt.date(2026, 3, 1)) == date
    finally:
        reset_language(token)


def test_messages_are_translated_with_parameters() -> None:
    token = set_language("pt")
    try:
        assert gettext("Use at most %(max)s characters.", max=12) == "Use no máximo 12 caracteres."
        assert ngettext("%(num)s SME", "%(num)s SMEs", 3) == "3 PMEs"
        assert ngettext("%(num)s SME", "%(num)s SMEs", 1) == "1 PME"
    finally:
        reset_language(token)
