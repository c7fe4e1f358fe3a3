"""Translations (English, Spanish, Portuguese) and locale-aware formatting with Babel.

Catalogues live as ``market/locale/<lang>/LC_MESSAGES/messages.po``; they are compiled in memory
at start, so there is no build step and no binary file in the repository. The active language is
a context variable set per request by the locale middleware.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import io
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale, numbers
from babel import dates as babel_dates
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from market.domain.errors import Msg
from market.domain.money import Money
from market.domain.numbers import READER_LOCALES, is_ambiguous

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("en", "es", "pt")
#: The regional locale used to format numbers, dates and money for each language (the one numbers
#: typed in that language are read in: ``market.domain.numbers``).
FORMAT_LOCALES = READER_LOCALES
LANGUAGE_NAMES = {"en": "English", "es": "Español", "pt": "Português"}

_current_language: contextvars.ContextVar[str] = contextvars.ContextVar("market_language", default="en")


@cache
def translations(language: str) -> NullTranslations:
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if language == "en" or not path.exists():
        return NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def set_language(language: str) -> contextvars.Token[str]:
    return _current_language.set(language if language in LANGUAGES else "en")


def reset_language(token: contextvars.Token[str]) -> None:
    _current_language.reset(token)


def current_language() -> str:
    return _current_language.get()


def _render(language: str, message: str, params: dict[str, Any]) -> str:
    catalogue = translations(language)
    text = catalogue.gettext(message)
    if not params:
        return text
    # Labels passed as parameters (``Msg``) are translated too, numbers written the reader's way
    # (4,000 / 4.000); other user data is left alone.
    locale = _locale(language)

    def shown(value: Any) -> Any:
        if isinstance(value, Msg):
            return catalogue.gettext(value)
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            return numbers.format_decimal(value, locale=locale)
        return value

    return text % {k: shown(v) for k, v in params.items()}


def gettext(message: str, **params: Any) -> str:
    return _render(current_language(), message, params)


def translate(language: str, message: str, **params: Any) -> str:
    """``message`` in a given language (for e-mails to someone other than the current user)."""
    return _render(language if language in LANGUAGES else "en", message, params)


def ngettext(singular: str, plural: str, n: int, **params: Any) -> str:
    text = translations(current_language()).ngettext(singular, plural, n)
    params.setdefault("num", n)
    return text % params


def negotiate(accept_language: str | None, default: str = "en") -> str:
    """Pick en/es/pt from an Accept-Language header."""
    if not accept_language:
        return default
    preferred: list[tuple[float, str]] = []
    for part in accept_language.split(","):
        piece = part.strip().split(";")
        tag = piece[0].strip().lower()
        quality = 1.0
        for param in piece[1:]:
            if param.strip().startswith("q="):
                try:
                    quality = float(param.strip()[2:])
                except ValueError:
                    quality = 0.0
        preferred.append((quality, tag))
    for _quality, tag in sorted(preferred, key=lambda item: -item[0]):
        base = tag.split("-")[0]
        if base in LANGUAGES:
            return base
    return default


@cache
def _locale(language: str) -> Locale:
    return Locale.parse(FORMAT_LOCALES[language])


def _format_locale() -> Locale:
    return _locale(current_language())


def format_number(value: int | float | Decimal | str, *, exact: bool = False) -> str:
    """``value`` the user's way; ``exact`` keeps every decimal (a saved value shown back in a form)."""
    return numbers.format_decimal(value, locale=_format_locale(), decimal_quantization=not exact)


def format_for_input(value: int | float | Decimal | str) -> str:
    """A saved number as a form shows it to be typed back: the user's way, every decimal kept, and
    never text the reading would refuse as ambiguous (1.250 becomes 1.2500)."""
    text = format_number(value, exact=True)
    return text + "0" if is_ambiguous(text, current_language()) else text


def format_money(amount: Money | Decimal | str, currency: str) -> str:
    """Money in the user's format, with the currency's own decimals (two for USD, none for PYG);
    amounts stored as decimal text are accepted as they are."""
    value = amount.amount if isinstance(amount, Money) else Decimal(amount)
    return numbers.format_currency(value, currency, locale=_format_locale())


def _utc_text(value: dt.date | dt.datetime) -> str:
    """A value formatting could not show (a year at the edge of the calendar, stored before the
    date rules), as plain ISO text: a page shows it rather than fail."""
    day = f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
    if not isinstance(value, dt.datetime):
        return day
    offset = value.utcoffset()
    zone = "UTC" if offset is None or offset == dt.timedelta(0) else value.isoformat()[-6:]
    return f"{day} {value.hour:02d}:{value.minute:02d} {zone}"


def format_datetime(value: dt.datetime | None, timezone: str = "America/Argentina/Buenos_Aires") -> str:
    """``value`` in ``timezone``, the user's way; a value at the edge of the calendar (year 1 or
    9999, which the zone's offset pushes out of range) is shown in UTC instead of failing."""
    if value is None:
        return ""
    try:
        return babel_dates.format_datetime(
            value, format="medium", tzinfo=babel_dates.get_timezone(timezone), locale=_format_locale()
        )
    except (OverflowError, ValueError):
        return _utc_text(value)


def format_date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    try:
        return babel_dates.format_date(value, format="medium", locale=_format_locale())
    except (OverflowError, ValueError):
        return _utc_text(value)
