from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.ar import cuit
from stdnum.br import cnpj

from market.domain.errors import DomainError, ValidationFailed
from market.domain.organisations import Country, tax_id_key, validate_profile, validate_tax_id
from tests.factories import invalid_cnpj, profile, valid_cnpj, valid_cuit, valid_ruc, valid_rut


@pytest.mark.parametrize(
    ("country", "make"),
    [(Country.AR, valid_cuit), (Country.BR, valid_cnpj), (Country.PY, valid_ruc), (Country.UY, valid_rut)],
)
def test_valid_tax_ids_are_accepted_and_formatted(country: Country, make: object) -> None:
    raw = make()  # type: ignore[operator]
    compact = "".join(ch for ch in raw if ch.isdigit())
    assert validate_tax_id(country, compact) == raw


@pytest.mark.parametrize(
    ("country", "value", "scheme"),
    [
        (Country.AR, "20-26756539-4", "CUIT"),
        (Country.BR, "11.222.333/0001-82", "CNPJ"),
        (Country.PY, "80028061-1", "RUC"),
        (Country.UY, "21-100342-001-8", "RUT"),
        (Country.AR, "not a number", "CUIT"),
        (Country.BR, "", "CNPJ"),
    ],
)
def test_wrong_check_digit_is_refused_with_the_scheme_named(
    country: Country, value: str, scheme: str
) -> None:
    with pytest.raises(DomainError) as caught:
        validate_tax_id(country, value)
    assert caught.value.code == "organisation.tax_id_invalid"
    assert caught.value.params["scheme"] == scheme


def test_other_countries_need_a_non_empty_id() -> None:
    assert validate_tax_id(Country.BO, " 1020304050 ") == "1020304050"
    with pytest.raises(DomainError) as caught:
        validate_tax_id(Country.OTHER, "   ")
    assert caught.value.code == "organisation.tax_id_required"


@given(st.from_regex(r"\A[0-9]{12}\Z"))
def test_any_cnpj_with_computed_digits_passes_and_a_changed_digit_fails(base: str) -> None:
    number = base + cnpj.calc_check_digits(base)
    if len(set(number)) == 1:  # stdnum refuses numbers of one repeated digit
        return
    assert validate_tax_id(Country.BR, number) == cnpj.format(number)
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    with pytest.raises(DomainError):
        validate_tax_id(Country.BR, wrong)


@given(st.from_regex(r"\A(20|23|27|30|33)[0-9]{8}\Z"))
def test_any_cuit_with_computed_digit_passes(base: str) -> None:
    digit = cuit.calc_check_digit(base)
    if digit == "10":
        return
    assert validate_tax_id(Country.AR, base + digit)


def test_profile_reports_every_bad_field_at_once() -> None:
    data = profile(
        "BR",
        tax_id=invalid_cnpj(),
        legal_name="",
        size_class="huge",
        contact_email="not-an-email",
        classification_codes=["12ab"],
        monthly_capacity="-3",
    )
    with pytest.raises(ValidationFailed) as caught:
        validate_profile(data)
    fields = {f.field: f.code for f in caught.value.fields}
    assert fields == {
        "legal_name": "organisation.legal_name_length",
        "tax_id": "organisation.tax_id_invalid",
        "size_class": "organisation.size_class_unknown",
        "contact_email": "organisation.contact_email_invalid",
        "classification_codes": "organisation.classification_code_invalid",
        "monthly_capacity": "organisation.capacity_invalid",
    }


def test_profile_normalises_lists_and_capacity() -> None:
    result = validate_profile(
        profile(
            "AR",
            classification_codes="34300000, 44100000-3\n34300000",
            value_chain_links=["components", "components"],
            monthly_capacity="12.500",
        ),
        "es",
    )
    assert result.classification_codes == ("34300000", "44100000")
    assert [link.value for link in result.value_chain_links] == ["components"]
    assert result.monthly_capacity == 12500
    # In English "12.500" could be twelve and a half or twelve thousand five hundred: refused.
    with pytest.raises(ValidationFailed) as caught:
        validate_profile(profile("AR", monthly_capacity="12.500"), "en")
    assert [(f.field, f.code) for f in caught.value.fields] == [("monthly_capacity", "number.ambiguous")]


def test_capacity_needs_a_unit() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_profile(profile("UY", capacity_unit=""))
    assert [f.code for f in caught.value.fields] == ["organisation.capacity_unit_required"]


def test_two_spellings_of_one_tax_id_are_one_firm() -> None:
    assert tax_id_key(Country.BR, "11.222.333/0001-81") == tax_id_key(Country.BR, "11222333000181")
    assert tax_id_key(Country.BR, "11222333000181") != tax_id_key(Country.AR, "11222333000181")
