"""Finding RFQs on the board: what a search may ask, and how text is folded for matching.

Text is folded the same way when an RFQ is saved and when someone searches: lower case, accents
removed ("Válvulas" finds "valvulas"), punctuation as spaces. Every word searched must appear.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

from market.domain.dates import check_day
from market.domain.errors import N_, FieldCollector
from market.domain.organisations import Country
from market.domain.rfq import CURRENCIES

MAX_TERMS = 8
MAX_QUERY_LENGTH = 200
_NOT_WORD = re.compile(r"[^\w]+")


class BoardSort(StrEnum):
    CLOSING_SOON = "closing"
    NEWEST = "newest"


SORT_LABELS = {BoardSort.CLOSING_SOON: N_("Closing soonest"), BoardSort.NEWEST: N_("Newest first")}


def fold(text: str) -> str:
    """Lower case, without accents, words separated by single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NOT_WORD.sub(" ", plain).split())


def cpv_word(code: str) -> str:
    """The word the search text holds for an item's CPV code (or the first digits of one), so a
    CPV filter is a prefix search of the full-text index: ``cpv343`` finds ``cpv34300000``, and a
    title's "343" does not."""
    return f"cpv{code}"


def search_text(title: str, description: str, items: list[dict[str, str]]) -> str:
    """What a board search looks through: title, description, item descriptions and CPV codes
    (as typed, and as a :func:`cpv_word` for the CPV filter)."""
    parts = [title, description]
    for item in items:
        code = item.get("cpv", "")
        parts += [item.get("description", ""), code, cpv_word(code) if code else ""]
    return fold(" ".join(parts))


def search_terms(text: str) -> list[str]:
    """The words a search asks for (each must appear), at most ``MAX_TERMS``."""
    terms = [word for word in fold(text[:MAX_QUERY_LENGTH]).split() if len(word) >= 2]
    return list(dict.fromkeys(terms))[:MAX_TERMS]


@dataclass(frozen=True)
class BoardQuery:
    """A board search. Empty fields do not filter."""

    text: str = ""
    cpv: str = ""  # a CPV code or its leading digits: "34" finds every transport-equipment code
    country: Country | None = None  # the buyer's country
    currency: str = ""
    closes_by: dt.date | None = None  # deadline on or before this day (UTC)
    eligible_only: bool = False
    sort: BoardSort = BoardSort.CLOSING_SOON
    terms: list[str] = field(default_factory=list)


def parse_board_query(raw: dict[str, str]) -> BoardQuery:
    """A board query from form or query-string values; a bad value is refused with its reason."""
    errors = FieldCollector()
    cpv = raw.get("cpv", "").strip().split("-")[0]  # "34300000-0": the check digit does not narrow it
    if cpv and (not (cpv.isascii() and cpv.isdigit()) or len(cpv) > 8):
        errors.add("cpv", "search.cpv", N_("Enter a CPV code or its first digits, e.g. 34 or 34300000."))
    country = None
    if raw.get("country"):
        try:
            country = Country(raw["country"])
        except ValueError:
            errors.add("country", "search.country", N_("Choose a country from the list."))
    currency = raw.get("currency", "").strip().upper()
    if currency and currency not in CURRENCIES:
        errors.add("currency", "search.currency", N_("Choose a currency from the list."))
    closes_by = None
    if raw.get("closes_by"):
        try:
            closes_by = dt.date.fromisoformat(raw["closes_by"])
        except ValueError:
            errors.add("closes_by", "search.date", N_("Enter the date as YYYY-MM-DD."))
        else:
            closes_by = check_day(errors, "closes_by", closes_by, "search.date_range")
    try:
        sort = BoardSort(raw.get("sort") or BoardSort.CLOSING_SOON)
    except ValueError:
        sort = BoardSort.CLOSING_SOON
        errors.add("sort", "search.sort", N_("Choose an order from the list."))
    errors.raise_if_any()
    text = raw.get("q", "").strip()[:MAX_QUERY_LENGTH]
    return BoardQuery(
        text=text,
        cpv=cpv,
        country=country,
        currency=currency,
        closes_by=closes_by,
        eligible_only=raw.get("eligible", "") in ("1", "true", "on", "yes"),
        sort=sort,
        terms=search_terms(text),
    )
