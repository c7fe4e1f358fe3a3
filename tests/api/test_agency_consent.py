"""An agency's every power over an SME rests on the SME's current consent: onboarding gives it,
withdrawing ends it at once, through every door (trust promises 1 and 11)."""

from __future__ import annotations

from market.db.tables import AppUser
from market.domain.organisations import OrganisationKind as K
from tests.api.test_readiness_api import upload
from tests.conftest import api_token_for, bearer
from tests.factories import organisation_with_admin, unique_email


async def _powers(client, sme, agency_token, certificate_id) -> dict[str, int]:
    """Each agency power over the SME, tried once: the status codes it got."""
    h = bearer(agency_token)
    org = f"/api/v1/organisations/{sme['id']}"
    task = {"title": "Renew the ISO 9001", "due_on": "2099-01-01"}
    return {
        "view": (await client.get(org, headers=h)).status_code,
        "passport": (await client.get(f"{org}/readiness", headers=h)).status_code,
        "people": (await client.get(f"{org}/people", headers=h)).status_code,
        "edit": (await client.patch(org, json={"website": "https://a.example"}, headers=h)).status_code,
        "invitations": (await client.get(f"{org}/invitations", headers=h)).status_code,
        "invite": (
            await client.post(
                f"{org}/invitations", json={"email": unique_email("m"), "role": "member"}, headers=h
            )
        ).status_code,
        "file": (await client.get(f"/api/v1/certificates/{certificate_id}/file", headers=h)).status_code,
        "task": (await client.post(f"{org}/coaching-tasks", json=task, headers=h)).status_code,
    }


async def test_withdrawing_consent_ends_every_power_of_the_onboarding_agency(client, ctx) -> None:
    agency, agency_admin = await organisation_with_admin(ctx, K.SUPPORT_AGENCY)
    sme, sme_admin = await organisation_with_admin(ctx, onboarded_by=str(agency["id"]))
    agency_token, sme_token = await api_token_for(ctx, agency_admin), await api_token_for(ctx, sme_admin)
    certificate = await upload(client, sme["id"], sme_token)
    assert certificate.status_code == 201, certificate.text
    cert_id = certificate.json()["id"]
    # a pending invitation the agency sent while it had consent
    pending = await client.post(
        f"/api/v1/organisations/{sme['id']}/invitations",
        json={"email": unique_email("pending"), "role": "member"},
        headers=bearer(agency_token),
    )
    assert pending.status_code == 201

    before = await _powers(client, sme, agency_token, cert_id)
    assert before == {
        "view": 200,
        "passport": 200,
        "people": 200,
        "edit": 200,
        "invitations": 200,
        "invite": 201,
        "file": 200,
        "task": 201,
    }
    listed = (await client.get("/api/v1/me/agencies", headers=bearer(sme_token))).json()
    assert [(a["id"], a["onboarded"]) for a in listed] == [(str(agency["id"]), True)]
    smes = await client.get("/api/v1/organisations?kind=sme_supplier", headers=bearer(agency_token))
    assert smes.json()["total"] == 1

    withdrawn = await client.delete(f"/api/v1/me/agencies/{agency['id']}", headers=bearer(sme_token))
    assert withdrawn.status_code == 204
    after = await _powers(client, sme, agency_token, cert_id)
    assert set(after.values()) <= {403, 404}, after
    assert (await client.get("/api/v1/me/agencies", headers=bearer(sme_token))).json() == []
    smes = await client.get("/api/v1/organisations?kind=sme_supplier", headers=bearer(agency_token))
    assert smes.json()["total"] == 0
    cohort = (await client.get("/api/v1/cohort", headers=bearer(agency_token))).json()
    assert cohort["size"] == 0
    # the invitation it sent before no longer opens the SME's door
    accepted = await client.post(
        "/api/v1/invitations/accept",
        json={
            "code": pending.json()["code"],
            "full_name": "Agency Plant",
            "password": "a long passphrase 77",
        },
    )
    assert accepted.status_code == 422
    assert await AppUser.count().where(AppUser.organisation == sme["id"]) == 1

    # granting again restores the agency, as consent should
    again = await client.post(
        "/api/v1/me/agencies", json={"agency_id": str(agency["id"])}, headers=bearer(sme_token)
    )
    assert again.status_code == 204
    assert (await _powers(client, sme, agency_token, cert_id))["passport"] == 200


async def test_an_agency_never_manages_the_smes_own_people(client, ctx) -> None:
    agency, agency_admin = await organisation_with_admin(ctx, K.SUPPORT_AGENCY)
    _, sme_admin = await organisation_with_admin(ctx, onboarded_by=str(agency["id"]))
    agency_token = await api_token_for(ctx, agency_admin)
    for change in ({"role": "member"}, {"disabled": True}):
        refused = await client.patch(
            f"/api/v1/people/{sme_admin['id']}", json=change, headers=bearer(agency_token)
        )
        assert refused.status_code == 403, refused.text
    person = await AppUser.select().where(AppUser.id == sme_admin["id"]).first()
    assert person["role"] == "admin" and not person["disabled"]


async def test_an_agency_hands_over_the_first_admin_and_no_second(client, ctx) -> None:
    agency, agency_admin = await organisation_with_admin(ctx, K.SUPPORT_AGENCY)
    sme, sme_admin = await organisation_with_admin(ctx, onboarded_by=str(agency["id"]))
    agency_token = await api_token_for(ctx, agency_admin)
    invitations = f"/api/v1/organisations/{sme['id']}/invitations"
    refused = await client.post(
        invitations, json={"email": unique_email("x"), "role": "admin"}, headers=bearer(agency_token)
    )
    assert refused.status_code == 403 and refused.json()["code"] == "people.agency_admin_taken"
    # the SME's own admin may still make another admin
    own = await client.post(
        invitations,
        json={"email": unique_email("own"), "role": "admin"},
        headers=bearer(await api_token_for(ctx, sme_admin)),
    )
    assert own.status_code == 201

    # an SME onboarded without an admin yet: the agency invites its first admin, and only one
    bare, _ = await organisation_with_admin(ctx, onboarded_by=str(agency["id"]))
    await AppUser.delete().where(AppUser.organisation == bare["id"])
    url = f"/api/v1/organisations/{bare['id']}/invitations"
    codes = []
    for _ in range(2):
        made = await client.post(
            url, json={"email": unique_email("first"), "role": "admin"}, headers=bearer(agency_token)
        )
        assert made.status_code == 201, made.text
        codes.append(made.json()["code"])
    body = {"full_name": "First Admin", "password": "a long passphrase 77"}
    assert (
        await client.post("/api/v1/invitations/accept", json={**body, "code": codes[0]})
    ).status_code == 201
    second = await client.post("/api/v1/invitations/accept", json={**body, "code": codes[1]})
    assert second.status_code == 422
    assert await AppUser.count().where(AppUser.organisation == bare["id"]) == 1
