from __future__ import annotations

import pytest

from market.domain.accounts import (
    Actor,
    OrganisationRef,
    Role,
    can_edit_organisation,
    can_view_organisation,
    check_password,
    throttle_delay,
)
from market.domain.errors import DomainError
from market.domain.organisations import OrganisationKind as K


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("short", "password.too_short"),
        ("x" * 1025 + "abcd", "password.too_long"),
        ("password1234", "password.common"),
        ("qwertyuiop", "password.common"),
        ("aaaaaaaaaaaaaaa", "password.common"),
        ("maria.gomez-2026!", "password.personal"),
    ],
)
def test_bad_passwords_are_refused(password: str, code: str) -> None:
    with pytest.raises(DomainError) as caught:
        check_password(password, email="maria.gomez@example.com", name="María Gómez")
    assert caught.value.code == code


def test_long_passphrases_are_welcome() -> None:
    check_password("the tractor sings to the yerba mate at dawn " * 20, email="a@example.com")
    check_password("ñandú corre por el campo", email="a@example.com")


def actor(kind: K, org: str = "o1", role: Role = Role.ADMIN) -> Actor:
    return Actor(user_id="u1", organisation_id=org, organisation_kind=kind, role=role, accredited=True)


def test_organisation_visibility_and_editing() -> None:
    sme = OrganisationRef(id="sme", kind=K.SME_SUPPLIER, onboarded_by="agency")
    own_admin = actor(K.SME_SUPPLIER, "sme")
    own_member = actor(K.SME_SUPPLIER, "sme", Role.MEMBER)
    its_agency = actor(K.SUPPORT_AGENCY, "agency")
    other_agency = actor(K.SUPPORT_AGENCY, "agency2")
    buyer = actor(K.LEAD_FIRM, "lead")
    operator = actor(K.PLATFORM_OPERATOR, "op")
    assert [
        can_view_organisation(a, sme)
        for a in (own_admin, own_member, its_agency, other_agency, buyer, operator)
    ] == [
        True,
        True,
        True,
        False,
        False,
        True,
    ]
    assert [
        can_edit_organisation(a, sme)
        for a in (own_admin, own_member, its_agency, other_agency, buyer, operator)
    ] == [
        True,
        False,
        True,
        False,
        False,
        False,
    ]


def test_throttle_grows_then_caps_and_never_locks() -> None:
    delays = [throttle_delay(n, free_attempts=5, max_delay=60) for n in range(0, 14)]
    assert delays[:5] == [0, 0, 0, 0, 0]
    assert delays[5:9] == [1, 2, 4, 8]
    assert max(delays) == 60
    assert throttle_delay(10_000, free_attempts=5, max_delay=60) == 60
