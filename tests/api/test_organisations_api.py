from __future__ import annotations

import asyncio
from typing import Any

import pytest

from market.db.tables import ApiToken, AppUser, Organisation, UserSession
from market.domain.organisations import OrganisationKind as K
from market.services.accounts import TOKEN_USES_DELAY, resolve_api_token
from tests.conftest import api_token_for, bearer
from tests.factories import PASSWORD, invalid_cnpj, member_of, organisation_with_admin, profile, unique_email


def signup_body(country: str = "AR", **org: Any) -> dict[str, Any]:
    return {
        "organisation": profile(country, **org),
        "admin": {"email": unique_email("owner"), "full_name": "Olivia Owner", "password": PASSWORD},
    }


async def test_sme_signs_up_through_the_api(client) -> None:
    body = signup_body()
    response = await client.post("/api/v1/signup", json=body)
    assert response.status_code == 201, response.text
    data = response.json()
    assert data["organisation"]["kind"] == "sme_supplier"
    assert data["organisation"]["accredited"] is False
    assert data["user"]["role"] == "admin"
    assert "password" not in response.text and "argon2" not in response.text


async def test_invalid_cnpj_is_refused_with_a_field_message(client) -> None:
    body = signup_body(country="BR", tax_id=invalid_cnpj())
    response = await client.post("/api/v1/signup", json=body, headers={"Accept-Language": "es"})
    assert response.status_code == 422
    error = response.json()
    assert error["code"] == "validation_failed"
    [field] = error["fields"]
    assert field["field"] == "tax_id" and field["code"] == "organisation.tax_id_invalid"
    assert "CNPJ" in field["message"] and "válido" in field["message"]
    assert await Organisation.count() == 0


async def test_the_same_firm_cannot_register_twice(client) -> None:
    body = signup_body()
    assert (await client.post("/api/v1/signup", json=body)).status_code == 201
    again = signup_body(tax_id=body["organisation"]["tax_id"].replace("-", ""))
    response = await client.post("/api/v1/signup", json=again)
    assert response.status_code == 422
    assert [f["code"] for f in response.json()["fields"]] == ["organisation.tax_id_taken"]


@pytest.mark.parametrize(
    "extra",
    [
        {"accredited": True},
        {"kind": "lead_firm"},
        {"created_at": "2020-01-01T00:00:00Z"},
        {"verified": True},
        {"onboarded_by": "00000000-0000-0000-0000-000000000000"},
    ],
)
async def test_clients_cannot_set_protected_fields(client, ctx, extra: dict[str, Any]) -> None:
    org, admin = await organisation_with_admin(ctx, K.LEAD_FIRM, accredited=False)
    token = await api_token_for(ctx, admin)
    response = await client.patch(
        f"/api/v1/organisations/{org['id']}",
        json={"legal_name": "New Name S.A.", **extra},
        headers=bearer(token),
    )
    assert response.status_code == 422
    assert response.json()["code"] == "request.invalid"
    row = await Organisation.select().where(Organisation.id == org["id"]).first()
    assert row["legal_name"] == org["legal_name"]
    assert row["accredited"] is False and row["kind"] == "lead_firm" and row["onboarded_by"] is None
    assert row["created_at"] == org["created_at"]
    signup = signup_body()
    signup["organisation"].update(extra)
    assert (await client.post("/api/v1/signup", json=signup)).status_code == 422


async def test_admin_edits_own_profile_member_cannot(client, ctx) -> None:
    org, admin = await organisation_with_admin(ctx)
    member = await member_of(ctx, org)
    admin_token, member_token = await api_token_for(ctx, admin), await api_token_for(ctx, member)
    url = f"/api/v1/organisations/{org['id']}"
    ok = await client.patch(
        url, json={"monthly_capacity": 4200, "website": "https://example.com"}, headers=bearer(admin_token)
    )
    assert ok.status_code == 200 and ok.json()["monthly_capacity"] == 4200
    refused = await client.patch(url, json={"monthly_capacity": 1}, headers=bearer(member_token))
    assert refused.status_code == 403 and refused.json()["code"] == "organisation.edit_forbidden"
    bad = await client.patch(url, json={"tax_id": "20-00000000-0"}, headers=bearer(admin_token))
    assert bad.status_code == 422 and bad.json()["fields"][0]["field"] == "tax_id"
    assert (await client.get(url, headers=bearer(member_token))).json()["monthly_capacity"] == 4200


async def test_errors_have_one_shape(client, ctx) -> None:
    _, admin = await organisation_with_admin(ctx)
    token = await api_token_for(ctx, admin)
    cases = [
        (await client.get("/api/v1/me"), 401),
        (
            await client.get(
                "/api/v1/organisations/00000000-0000-0000-0000-000000000000", headers=bearer(token)
            ),
            404,
        ),
        (await client.get("/api/v1/no-such-thing", headers=bearer(token)), 404),
        (
            await client.post(
                "/api/v1/signup", content=b"{not json", headers={"content-type": "application/json"}
            ),
            400,
        ),
        (await client.get("/api/v1/organisations?per_page=1000", headers=bearer(token)), 422),
    ]
    for response, status in cases:
        assert response.status_code == status, response.text
        body = response.json()
        assert set(body) == {"code", "message", "fields"}
        assert body["code"] and body["message"]


async def test_lists_are_paginated(client, ctx) -> None:
    _, op_admin = await organisation_with_admin(ctx, K.PLATFORM_OPERATOR)
    for _ in range(4):
        await organisation_with_admin(ctx)
    token = await api_token_for(ctx, op_admin)
    first = (await client.get("/api/v1/organisations?per_page=2&page=1", headers=bearer(token))).json()
    third = (await client.get("/api/v1/organisations?per_page=2&page=3", headers=bearer(token))).json()
    assert first["total"] == 5 and len(first["items"]) == 2 and first["page"] == 1
    assert len(third["items"]) == 1
    seen = {o["id"] for o in first["items"]} | {o["id"] for o in third["items"]}
    assert len(seen) == 3
    smes = (await client.get("/api/v1/organisations?kind=sme_supplier", headers=bearer(token))).json()
    assert smes["total"] == 4


async def test_operator_accredits_lead_firms_only(client, ctx) -> None:
    _, op_admin = await organisation_with_admin(ctx, K.PLATFORM_OPERATOR)
    lead, lead_admin = await organisation_with_admin(ctx, K.LEAD_FIRM, accredited=False)
    sme, _ = await organisation_with_admin(ctx)
    op, lead_token = await api_token_for(ctx, op_admin), await api_token_for(ctx, lead_admin)
    url = f"/api/v1/organisations/{lead['id']}/accreditation"
    assert (await client.put(url, json={"accredited": True}, headers=bearer(lead_token))).status_code == 403
    done = await client.put(url, json={"accredited": True}, headers=bearer(op))
    assert done.status_code == 200 and done.json()["accredited"] is True
    not_for_smes = await client.put(
        f"/api/v1/organisations/{sme['id']}/accreditation", json={"accredited": True}, headers=bearer(op)
    )
    assert not_for_smes.status_code == 422 and not_for_smes.json()["code"] == "organisation.not_accreditable"


async def test_agency_registers_and_manages_an_sme(client, ctx) -> None:
    agency, agency_admin = await organisation_with_admin(ctx, K.SUPPORT_AGENCY)
    _, unaccredited_admin = await organisation_with_admin(ctx, K.SUPPORT_AGENCY, accredited=False)
    token = await api_token_for(ctx, agency_admin)
    created = await client.post("/api/v1/organisations", json=profile("PY"), headers=bearer(token))
    assert created.status_code == 201, created.text
    sme = created.json()
    assert sme["onboarded_by"] == str(agency["id"]) and sme["kind"] == "sme_supplier"
    listed = (await client.get("/api/v1/organisations?kind=sme_supplier", headers=bearer(token))).json()
    assert [o["id"] for o in listed["items"]] == [sme["id"]]
    invited = await client.post(
        f"/api/v1/organisations/{sme['id']}/invitations",
        json={"email": unique_email("owner"), "role": "admin"},
        headers=bearer(token),
    )
    assert invited.status_code == 201
    refused = await client.post(
        "/api/v1/organisations",
        json=profile("PY"),
        headers=bearer(await api_token_for(ctx, unaccredited_admin)),
    )
    assert refused.status_code == 403 and refused.json()["code"] == "agency.not_accredited"


async def test_invitation_is_single_use_and_expires(client, ctx, clock) -> None:
    org, admin = await organisation_with_admin(ctx)
    token = await api_token_for(ctx, admin)
    email = unique_email("invitee")
    invited = await client.post(
        f"/api/v1/organisations/{org['id']}/invitations", json={"email": email}, headers=bearer(token)
    )
    code = invited.json()["code"]
    stored = await ctx.engine.run_ddl("SELECT token_hash FROM invitation")
    assert code.replace("-", "") not in str(stored)
    accept = {"code": code.lower(), "full_name": "Ivo Invited", "password": PASSWORD}
    first = await client.post("/api/v1/invitations/accept", json=accept)
    assert first.status_code == 201 and first.json()["email"] == email
    second = await client.post("/api/v1/invitations/accept", json=accept)
    assert second.status_code == 422 and second.json()["fields"][0]["code"] == "invitation.invalid"

    late_email = unique_email("late")
    late = (
        await client.post(
            f"/api/v1/organisations/{org['id']}/invitations",
            json={"email": late_email},
            headers=bearer(token),
        )
    ).json()
    clock.advance(days=ctx.settings.invitation_days, seconds=1)
    expired = await client.post("/api/v1/invitations/accept", json={**accept, "code": late["code"]})
    assert expired.status_code == 422
    assert not await AppUser.exists().where(AppUser.email == late_email)


async def test_disabling_a_person_ends_sessions_and_tokens(client, ctx) -> None:
    org, admin = await organisation_with_admin(ctx)
    member = await member_of(ctx, org)
    member_token = await api_token_for(ctx, member)
    assert (await client.get("/api/v1/me", headers=bearer(member_token))).status_code == 200
    admin_token = await api_token_for(ctx, admin)
    done = await client.patch(
        f"/api/v1/people/{member['id']}", json={"disabled": True}, headers=bearer(admin_token)
    )
    assert done.status_code == 200 and done.json()["disabled"] is True
    assert await UserSession.count().where(UserSession.user == member["id"]) == 0
    assert await ApiToken.count().where(ApiToken.user == member["id"], ApiToken.revoked_at.is_null()) == 0
    assert await resolve_api_token(ctx, member_token) is None
    assert (await client.get("/api/v1/me", headers=bearer(member_token))).status_code == 401
    myself = await client.patch(
        f"/api/v1/people/{admin['id']}", json={"disabled": True}, headers=bearer(admin_token)
    )
    assert myself.status_code == 422 and myself.json()["code"] == "people.not_yourself"


async def test_tokens_are_shown_once_and_stored_hashed(client, ctx) -> None:
    _, admin = await organisation_with_admin(ctx)
    token = await api_token_for(ctx, admin)
    made = await client.post("/api/v1/tokens", json={"name": "ERP connector"}, headers=bearer(token))
    assert made.status_code == 201
    secret = made.json()["secret"]
    listed = await client.get("/api/v1/tokens", headers=bearer(token))
    assert secret not in listed.text and listed.json()["total"] == 2
    assert not await ApiToken.exists().where(ApiToken.token_hash == secret)
    assert (await client.get("/api/v1/me", headers=bearer(secret))).status_code == 200
    revoked = await client.delete(f"/api/v1/tokens/{made.json()['token']['id']}", headers=bearer(token))
    assert revoked.status_code == 204
    assert (await client.get("/api/v1/me", headers=bearer(secret))).status_code == 401


async def test_openapi_schema_is_served(client) -> None:
    response = await client.get("/api/schema/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/organisations/{org_id}" in paths and "/api/v1/signup" in paths


async def test_a_tokens_last_use_is_stamped_a_moment_later_once_per_burst(client, ctx, clock) -> None:
    _, admin = await organisation_with_admin(ctx)
    token = await api_token_for(ctx, admin)
    for _ in range(5):
        assert (await client.get("/api/v1/me", headers=bearer(token))).status_code == 200
    stamped = await ApiToken.select(ApiToken.last_used_at).where(ApiToken.user == admin["id"]).first()
    assert stamped["last_used_at"] is None  # off the request's path: not written yet
    await asyncio.sleep(TOKEN_USES_DELAY + 0.5)
    stamped = await ApiToken.select(ApiToken.last_used_at).where(ApiToken.user == admin["id"]).first()
    assert stamped["last_used_at"] == clock()
