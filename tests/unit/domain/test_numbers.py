"""The one reader of typed numbers: the reader's locale, strictly; ambiguity refused, never guessed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import format_decimal
from hypothesis import given
from hypothesis import strategies as st

from market.domain.numbers import READER_LOCALES, NumberError, is_ambiguous, read_number

READERS = ("en", "es", "pt")

decimals = st.decimals(
    min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=4, allow_nan=False, allow_infinity=False
)


@given(st.sampled_from(READERS), decimals, st.booleans())
def test_a_number_written_the_readers_way_reads_back(reader: str, value: Decimal, grouped: bool) -> None:
    text = format_decimal(
        value, locale=READER_LOCALES[reader], group_separator=grouped, decimal_quantization=False
    )
    if is_ambiguous(text, reader):
        with pytest.raises(NumberError) as caught:
            read_number(text, reader)
        assert caught.value.code == "number.ambiguous"
    else:
        assert read_number(text, reader) == value


@given(
    st.sampled_from(READERS), st.integers(min_value=1, max_value=999), st.integers(min_value=0, max_value=999)
)
def test_a_lone_decimal_symbol_before_three_digits_is_refused(
    reader: str, whole: int, thousandth: int
) -> None:
    decimal = "." if reader == "en" else ","
    text = f"{whole}{decimal}{thousandth:03d}"
    with pytest.raises(NumberError) as caught:
        read_number(text, reader)
    assert caught.value.code == "number.ambiguous" and caught.value.params["text"] == text


@pytest.mark.parametrize(
    ("reader", "text", "value"),
    [
        ("es", "1.000", Decimal(1000)),
        ("es", "2.500,5", Decimal("2500.5")),
        ("pt", "1.000", Decimal(1000)),
        ("pt", "12.345.678,9", Decimal("12345678.9")),
        ("es", "0,004", Decimal("0.004")),
        ("en", "1,000", Decimal(1000)),
        ("en", "0.004", Decimal("0.004")),
        ("en", "2,500.5", Decimal("2500.5")),
        ("en", "-3.5", Decimal("-3.5")),
        ("es", " 12,5 ", Decimal("12.5")),
        ("es", "1,0004", Decimal("1.0004")),
        (None, "1.000", Decimal(1)),
        (None, "12.5", Decimal("12.5")),
        (None, 12, Decimal(12)),
        (None, 12.5, Decimal("12.5")),
        ("es", 12.5, Decimal("12.5")),
    ],
)
def test_examples(reader: str | None, text: object, value: Decimal) -> None:
    assert read_number(text, reader) == value


@pytest.mark.parametrize(
    ("reader", "text", "code"),
    [
        ("en", "1.000", "number.ambiguous"),
        ("es", "1,000", "number.ambiguous"),
        ("pt", "-12,500", "number.ambiguous"),
        ("es", "1.5", "number.invalid"),
        ("es", "1.00", "number.invalid"),
        ("en", "1,5", "number.invalid"),
        ("en", "2.500,5", "number.invalid"),
        (None, "1,5", "number.invalid"),
        (None, "1.000,5", "number.invalid"),
        (None, "1,000", "number.invalid"),
        (None, True, "number.invalid"),
        ("es", "1e3", "number.invalid"),
        ("en", "NaN", "number.invalid"),
        ("en", "Infinity", "number.invalid"),
        ("en", "١٢", "number.invalid"),
        ("en", "", "number.invalid"),
        ("en", "9" * 41, "number.invalid"),
        ("en", float("nan"), "number.invalid"),
    ],
)
def test_refusals(reader: str | None, text: object, code: str) -> None:
    with pytest.raises(NumberError) as caught:
        read_number(text, reader)
    assert caught.value.code == code


def test_whole_numbers() -> None:
    assert read_number("1.000", "es", whole=True) == 1000  # a thousand days: out of range, not 1
    with pytest.raises(NumberError) as caught:
        read_number("1,5", "es", whole=True)
    assert caught.value.code == "number.not_whole"


@given(
    st.sampled_from((*READERS, None)), st.one_of(st.text(max_size=50), st.floats(), st.integers(), st.none())
)
def test_garbage_is_refused_never_a_crash(reader: str | None, raw: object) -> None:
    try:
        value = read_number(raw, reader)
    except NumberError as error:
        assert error.code in {"number.invalid", "number.ambiguous"}
    else:
        assert value.is_finite()
