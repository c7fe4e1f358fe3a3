"""Object-level authorization: every endpoint that takes an id refuses other organisations'
objects, for every role (OWASP API1). The platform operator may read any organisation and its
people (it watches the marketplace) but changes nothing of theirs."""

from __future__ import annotations

from typing import Any

import pytest

from market.db.tables import ApiToken, AppUser, Invitation, Organisation
from market.domain.organisations import OrganisationKind as K
from tests.conftest import api_token_for, bearer
from tests.factories import member_of, organisation_with_admin, unique_email

ENDPOINTS: list[tuple[str, str, str, dict[str, Any] | None]] = [
    # (name, method, path template, json body)
    ("view organisation", "GET", "/api/v1/organisations/{org}", None),
    ("edit organisation", "PATCH", "/api/v1/organisations/{org}", {"legal_name": "Hijacked S.A."}),
    ("accredit organisation", "PUT", "/api/v1/organisations/{org}/accreditation", {"accredited": True}),
    ("list people", "GET", "/api/v1/organisations/{org}/people", None),
    ("list invitations", "GET", "/api/v1/organisations/{org}/invitations", None),
    ("invite", "POST", "/api/v1/organisations/{org}/invitations", {"email": "intruder@example.com"}),
    ("disable person", "PATCH", "/api/v1/people/{member}", {"disabled": True}),
    ("promote person", "PATCH", "/api/v1/people/{member}", {"role": "admin"}),
    ("revoke invitation", "DELETE", "/api/v1/invitations/{invitation}", None),
    ("revoke token", "DELETE", "/api/v1/tokens/{token}", None),
]
ROLES = [
    ("other SME admin", K.SME_SUPPLIER, "admin"),
    ("other SME member", K.SME_SUPPLIER, "member"),
    ("lead firm admin", K.LEAD_FIRM, "admin"),
    ("lead firm member", K.LEAD_FIRM, "member"),
    ("unrelated agency admin", K.SUPPORT_AGENCY, "admin"),
    ("unrelated agency member", K.SUPPORT_AGENCY, "member"),
    ("platform operator admin", K.PLATFORM_OPERATOR, "admin"),
    ("platform operator member", K.PLATFORM_OPERATOR, "member"),
]
OPERATOR_MAY_READ = {"view organisation", "list people"}


@pytest.mark.parametrize(("role_name", "kind", "role"), ROLES, ids=[r[0] for r in ROLES])
async def test_other_organisations_objects_are_refused(
    client, ctx, role_name: str, kind: K, role: str
) -> None:
    target, target_admin = await organisation_with_admin(ctx, K.LEAD_FIRM, accredited=False)
    member = await member_of(ctx, target)
    admin_token = await api_token_for(ctx, target_admin)
    invitation = (
        await client.post(
            f"/api/v1/organisations/{target['id']}/invitations",
            json={"email": unique_email("pending")},
            headers=bearer(admin_token),
        )
    ).json()
    token_row = await ApiToken.select(ApiToken.id).where(ApiToken.user == target_admin["id"]).first()
    ids = {
        "org": target["id"],
        "member": member["id"],
        "invitation": invitation["invitation"]["id"],
        "token": token_row["id"],
    }

    other_org, other_admin = await organisation_with_admin(ctx, kind)
    actor_user = other_admin if role == "admin" else await member_of(ctx, other_org)
    token = await api_token_for(ctx, actor_user)

    for name, method, template, body in ENDPOINTS:
        if name == "accredit organisation" and kind is K.PLATFORM_OPERATOR:
            continue  # accrediting is the operator's job; checked below for everybody else
        response = await client.request(method, template.format(**ids), json=body, headers=bearer(token))
        if kind is K.PLATFORM_OPERATOR and name in OPERATOR_MAY_READ:
            assert response.status_code == 200, (role_name, name)
            continue
        assert response.status_code in (403, 404), (role_name, name, response.status_code, response.text)
        assert set(response.json()) == {"code", "message", "fields"}

    row = await Organisation.select().where(Organisation.id == target["id"]).first()
    assert row["legal_name"] == target["legal_name"] and row["accredited"] is False
    person = await AppUser.select().where(AppUser.id == member["id"]).first()
    assert person["disabled"] is False and person["role"] == "member"
    assert await Invitation.count().where(Invitation.organisation == target["id"]) == 1
    assert await Invitation.count().where(Invitation.revoked_at.is_not_null()) == 0
    assert (
        await ApiToken.count().where(ApiToken.user == target_admin["id"], ApiToken.revoked_at.is_not_null())
        == 0
    )


async def test_the_onboarding_agency_may_manage_its_sme_but_not_others(client, ctx) -> None:
    agency, agency_admin = await organisation_with_admin(ctx, K.SUPPORT_AGENCY)
    own_sme, _ = await organisation_with_admin(ctx, onboarded_by=str(agency["id"]))
    foreign_sme, _ = await organisation_with_admin(ctx)
    token = await api_token_for(ctx, agency_admin)
    ok = await client.patch(
        f"/api/v1/organisations/{own_sme['id']}", json={"capacity_unit": "pairs"}, headers=bearer(token)
    )
    assert ok.status_code == 200
    refused = await client.patch(
        f"/api/v1/organisations/{foreign_sme['id']}", json={"capacity_unit": "pairs"}, headers=bearer(token)
    )
    assert refused.status_code == 404
