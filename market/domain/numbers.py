"""Numbers as people type them: read in the reader's locale, strictly, or refused with the form expected.

Every number a person types (quantities, prices, days, shares, capacities, answers, reference
values) is read here and nowhere else. A *reader* is a language of the portal (``"en"``, ``"es"``,
``"pt"``: the number is read the way that language writes it, with Babel, strictly) or ``None``
for the JSON API's one canonical form: a JSON number or a plain decimal string (``-?\\d+(\\.\\d+)?``,
no grouping, ``.`` before the decimals).

A number that could mean two things is refused rather than guessed: a lone decimal symbol
followed by exactly three digits after a non-zero integer part of one to three digits (``1.000``
in English, ``1,000`` in Spanish or Portuguese) reads as a decimal in that locale but as a
thousand in the neighbour's. ``0,004`` is not ambiguous (nobody groups a zero).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from babel import Locale
from babel.numbers import NumberFormatError, get_decimal_symbol, get_group_symbol, parse_decimal

from market.domain.errors import N_, DomainError, FieldCollector

#: The regional locale each portal language reads and writes numbers in.
READER_LOCALES = {"en": "en_US", "es": "es_AR", "pt": "pt_BR"}
#: The API's one form for a decimal given as text.
CANONICAL_PATTERN = r"^-?\d+(\.\d+)?$"
CANONICAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")
#: Longer text is no number anyone types (and is not worth parsing).
MAX_LENGTH = 40
#: Shown in messages, formatted the reader's way by the door (12,345.5 / 12.345,5).
EXAMPLE = Decimal("12345.5")
WHOLE_EXAMPLE = Decimal(12345)


class NumberError(DomainError):
    """The text is not a number in the reader's form, or could be two numbers."""


def _symbols(reader: str) -> tuple[str, str, str]:
    locale = Locale.parse(READER_LOCALES[reader])
    return READER_LOCALES[reader], get_decimal_symbol(locale), get_group_symbol(locale)


def _unreadable(reader: str | None, whole: bool) -> NumberError:
    if reader is None:
        return NumberError(
            "number.invalid",
            N_(
                "Write a JSON number or a plain decimal string like %(example)s: no thousands "
                "separator, a point before the decimals."
            ),
            example="12345.5",
        )
    if whole:
        return NumberError(
            "number.invalid", N_("Write a whole number like %(example)s."), example=WHOLE_EXAMPLE
        )
    return NumberError("number.invalid", N_("Write a number like %(example)s."), example=EXAMPLE)


def read_number(raw: Any, reader: str | None, *, whole: bool = False) -> Decimal:
    """The number ``raw`` says to ``reader`` (a portal language, or ``None`` for the API's form).

    Raises:
        NumberError: ``number.invalid`` (not a number written that way; empty text too),
            ``number.ambiguous`` (could be two numbers) or ``number.not_whole``; the message
            shows the form expected in the reader's language.
    """
    if reader is not None and reader not in READER_LOCALES:
        reader = "en"
    if isinstance(raw, bool) or raw is None:
        raise _unreadable(reader, whole)
    if isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            raise _unreadable(reader, whole)
        value = Decimal(repr(raw))
    elif isinstance(raw, Decimal):
        if not raw.is_finite():
            raise _unreadable(reader, whole)
        value = raw
    else:
        value = _read_text(str(raw).strip(), reader, whole)
    if whole and value != value.to_integral_value():
        raise NumberError(
            "number.not_whole",
            N_("Write a whole number like %(example)s."),
            example=WHOLE_EXAMPLE if reader is not None else "12345",
        )
    return value


def _read_text(text: str, reader: str | None, whole: bool) -> Decimal:
    if not text or len(text) > MAX_LENGTH:
        raise _unreadable(reader, whole)
    if reader is None:
        if not CANONICAL.fullmatch(text):
            raise _unreadable(reader, whole)
        return Decimal(text)
    locale, decimal, group = _symbols(reader)
    # Only ASCII digits, the locale's two symbols and a leading minus: no exponents, NaN,
    # Infinity, other scripts' digits or signs Babel or Decimal would otherwise accept.
    body = text[1:] if text.startswith("-") else text
    if not body or any(not ("0" <= c <= "9" or c in (decimal, group)) for c in body):
        raise _unreadable(reader, whole)
    if is_ambiguous(text, reader):
        raise NumberError(
            "number.ambiguous",
            N_(
                "“%(text)s” could be read as two different numbers. Write it like %(example)s: "
                "“%(decimal)s” before the decimals, “%(group)s” or nothing between thousands."
            ),
            text=text,
            example=WHOLE_EXAMPLE if whole else EXAMPLE,
            decimal=decimal,
            group=group,
        )
    try:
        value = parse_decimal(text, locale=locale, strict=True)
    except (NumberFormatError, InvalidOperation, ValueError):
        raise _unreadable(reader, whole) from None
    if not value.is_finite():
        raise _unreadable(reader, whole)
    return value


def is_ambiguous(text: str, reader: str) -> bool:
    """Whether ``reader`` would refuse ``text`` as possibly two numbers."""
    _, decimal, _ = _symbols(reader if reader in READER_LOCALES else "en")
    body = text.strip().removeprefix("-")
    return re.fullmatch(rf"[1-9][0-9]{{0,2}}{re.escape(decimal)}[0-9]{{3}}", body) is not None


def number_field(
    errors: FieldCollector,
    field: str,
    raw: Any,
    reader: str | None,
    *,
    whole: bool = False,
) -> Decimal | None:
    """``read_number`` for a form: the number, or ``None`` with the problem added under ``field``."""
    try:
        return read_number(raw, reader, whole=whole)
    except NumberError as error:
        errors.add(field, error.code, error.message, **error.params)
        return None


def is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def number_in_range(
    errors: FieldCollector,
    field: str,
    raw: Any,
    reader: str | None,
    *,
    low: Decimal | int,
    high: Decimal | int,
    code: str,
    message: str,
    whole: bool = False,
    above_low: bool = False,
    params: dict[str, Any] | None = None,
) -> Decimal | None:
    """A number from ``low`` to ``high`` (above ``low`` with ``above_low``), or ``None`` with the
    problem added under ``field``: the field's own ``code`` and ``message`` when it is empty or out
    of range, the form expected when it is not a number written the reader's way."""
    params = params or {}
    if is_blank(raw):
        errors.add(field, code, message, **params)
        return None
    value = number_field(errors, field, raw, reader, whole=whole)
    if value is None:
        return None
    if value < low or value > high or (above_low and value == low):
        errors.add(field, code, message, **params)
        return None
    return value
