"""Valid test data: tax ids with correct check digits, organisations and people."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from typing import Any

from stdnum.ar import cuit
from stdnum.br import cnpj
from stdnum.py import ruc
from stdnum.uy import rut

from market.domain.accounts import Role
from market.domain.organisations import OrganisationKind
from market.services.accounts import create_user
from market.services.context import ServiceContext
from market.services.organisations import create_organisation

PASSWORD = "correct horse battery staple 42"
_rnd = random.Random()
_counter = itertools.count(1)
_issued: set[str] = set()


def _unique(make: Callable[[], str]) -> Callable[[], str]:
    """Never hand out the same tax id twice in one test run (the RUC space is small)."""

    def maker() -> str:
        while True:
            value = make()
            if value not in _issued:
                _issued.add(value)
                return value

    maker.__name__ = make.__name__
    return maker


@_unique
def valid_cuit() -> str:
    while True:
        base = f"30{_rnd.randrange(10**7, 10**8)}"
        number = base + cuit.calc_check_digit(base)
        if cuit.is_valid(number):
            return cuit.format(number)


@_unique
def valid_cnpj() -> str:
    base = f"{_rnd.randrange(10**7, 10**8)}0001"
    return cnpj.format(base + cnpj.calc_check_digits(base))


def invalid_cnpj() -> str:
    valid = cnpj.compact(valid_cnpj())
    wrong_last = str((int(valid[-1]) + 1) % 10)
    return cnpj.format(valid[:-1] + wrong_last)


@_unique
def valid_ruc() -> str:
    while True:
        base = f"80{_rnd.randrange(10**5, 10**6)}"
        number = base + ruc.calc_check_digit(base)
        if ruc.is_valid(number):
            return ruc.format(number)


@_unique
def valid_rut() -> str:
    while True:
        base = f"21{_rnd.randrange(10**5, 10**6)}001"
        number = base + rut.calc_check_digit(base)
        if rut.is_valid(number):
            return rut.format(number)


def profile(country: str = "AR", **overrides: Any) -> dict[str, Any]:
    tax = {"AR": valid_cuit, "BR": valid_cnpj, "PY": valid_ruc, "UY": valid_rut}[country]()
    data: dict[str, Any] = {
        "legal_name": f"Test Firm {next(_counter)} S.A.",
        "country": country,
        "tax_id": tax,
        "size_class": "small",
        "sector": "auto_components",
        "value_chain_links": ["components"],
        "classification_codes": ["34300000"],
        "monthly_capacity": 1000,
        "capacity_unit": "pieces",
        "languages": ["es"],
        "contact_name": "",
        "contact_email": "",
        "contact_phone": "",
        "website": "",
    }
    data.update(overrides)
    return data


def unique_email(prefix: str = "user") -> str:
    """Unique per run; no "digits.digits" in it, so it never looks like a sealed price in a log."""
    return f"{prefix}.n{next(_counter)}r{_rnd.randrange(10**9)}@example.com"


async def organisation_with_admin(
    ctx: ServiceContext,
    kind: OrganisationKind = OrganisationKind.SME_SUPPLIER,
    *,
    accredited: bool = True,
    onboarded_by: str | None = None,
    country: str = "AR",
    **overrides: Any,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """An organisation and its admin (password ``PASSWORD``); ``overrides`` change its profile."""
    admin = {"email": unique_email(kind.value), "full_name": "Ada Admin", "password": PASSWORD}
    org, user = await create_organisation(
        ctx, kind, profile(country, **overrides), admin, accredited=accredited, onboarded_by=onboarded_by
    )
    assert user is not None
    return org, user


async def member_of(ctx: ServiceContext, org: dict[str, Any], role: Role = Role.MEMBER) -> dict[str, Any]:
    return await create_user(ctx, str(org["id"]), unique_email("member"), "Max Member", PASSWORD, role)
