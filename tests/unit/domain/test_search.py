from __future__ import annotations

import datetime as dt

import pytest

from market.domain.errors import ValidationFailed
from market.domain.organisations import Country
from market.domain.search import BoardSort, fold, parse_board_query, search_terms, search_text


def test_folding_drops_case_accents_and_punctuation() -> None:
    assert fold("  Válvulas DE acero—inoxidable, ÇÃO!  ") == "valvulas de acero inoxidable cao"
    assert search_text("Peças", "Aço 1045", [{"description": "Kit de fixação", "cpv": "34300000"}]) == (
        "pecas aco 1045 kit de fixacao 34300000 cpv34300000"
    )


def test_search_terms_are_unique_words_of_two_letters_or_more_at_most_eight() -> None:
    assert search_terms("a Tornillo tornillo M8 x") == ["tornillo", "m8"]
    assert len(search_terms(" ".join(f"w{n}" for n in range(20)))) == 8


def test_a_full_query_parses() -> None:
    query = parse_board_query(
        {
            "q": "Válvula",
            "cpv": "34300000-9",
            "country": "BR",
            "currency": "brl",
            "closes_by": "2026-12-01",
            "eligible": "on",
            "sort": "newest",
        }
    )
    assert query.terms == ["valvula"] and query.cpv == "34300000" and query.country is Country.BR
    assert query.currency == "BRL" and query.closes_by == dt.date(2026, 12, 1)
    assert query.eligible_only and query.sort is BoardSort.NEWEST
    assert parse_board_query({}).sort is BoardSort.CLOSING_SOON


def test_every_bad_filter_is_named() -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_board_query({"cpv": "3x", "country": "FR", "currency": "EUR", "closes_by": "1/12", "sort": "x"})
    assert [f.field for f in refused.value.fields] == ["cpv", "country", "currency", "closes_by", "sort"]
