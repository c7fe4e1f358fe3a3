"""Valid test data: tax ids with correct check digits, organisations and people."""

from __future__ import annotations

import itertools
import json
import random
import re
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
from market.settings import PROJECT_ROOT

PASSWORD = "correct horse battery staple 42"
_rnd = random.Random()
_counter = itertools.count(1)


def _fixture_tax_ids() -> frozenset[str]:
    """Every tax id written in the fixtures (the demo firms), compacted to its digits."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "tax_id" and isinstance(value, str):
                    found.add(re.sub(r"\D", "", value))
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in (PROJECT_ROOT / "fixtures").rglob("*.json"):
        walk(json.loads(path.read_text(encoding="utf-8")))
    return frozenset(found)


_TAKEN = _fixture_tax_ids()


def _sequence(first: int, make: Callable[[int], str | None]) -> Callable[[], str]:
    """Tax ids unique by construction: ``make`` turns the next number of a counter into an id (or
    None when that number has no valid check digit); ids the fixtures use are skipped. Each test
    process has its own databases, so a counter per process never repeats an id in one."""
    numbers = itertools.count(first)

    def maker() -> str:
        while True:
            value = make(next(numbers))
            if value is not None and re.sub(r"\D", "", value) not in _TAKEN:
                return value

    maker.__name__ = make.__name__
    return maker


def _cuit(n: int) -> str | None:
    base = f"30{n:08d}"
    number = base + cuit.calc_check_digit(base)
    return cuit.format(number) if cuit.is_valid(number) else None


def _cnpj(n: int) -> str | None:
    base = f"{n:08d}0001"
    return cnpj.format(base + cnpj.calc_check_digits(base))


def _ruc(n: int) -> str | None:
    base = f"80{n:06d}"
    number = base + ruc.calc_check_digit(base)
    return ruc.format(number) if ruc.is_valid(number) else None


def _rut(n: int) -> str | None:
    base = f"21{n:06d}001"
    number = base + rut.calc_check_digit(base)
    return rut.format(number) if rut.is_valid(number) else None


# The counters start above the few ids typed by hand in tests ("21-100342-001-8", …).
valid_cuit = _sequence(20_000_000, _cuit)
valid_cnpj = _sequence(20_000_000, _cnpj)
valid_ruc = _sequence(200_000, _ruc)
valid_rut = _sequence(200_000, _rut)


def invalid_cnpj() -> str:
    valid = cnpj.compact(valid_cnpj())
    wrong_last = str((int(valid[-1]) + 1) % 10)
    return cnpj.format(valid[:-1] + wrong_last)


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
