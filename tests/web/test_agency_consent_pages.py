"""Through the portal too, an agency's powers over an SME end when the SME withdraws consent, and
it never manages the SME's own people."""

from __future__ import annotations

from market.db.tables import AppUser
from market.domain.organisations import OrganisationKind as K
from tests.api.test_readiness_api import upload
from tests.conftest import api_token_for, client_for
from tests.factories import PASSWORD, organisation_with_admin, unique_email
from tests.helpers import csrf_from, portal_login


async def test_portal_agency_powers_end_with_consent(app, client, ctx) -> None:
    agency, agency_admin = await organisation_with_admin(ctx, K.SUPPORT_AGENCY)
    sme, sme_admin = await organisation_with_admin(ctx, onboarded_by=str(agency["id"]))
    made = await upload(client, sme["id"], await api_token_for(ctx, sme_admin))
    cert_id = made.json()["id"]
    async with (
        client_for(app, "198.51.100.61") as agency_browser,
        client_for(app, "198.51.100.62") as sme_browser,
    ):
        await portal_login(agency_browser, agency_admin["email"], PASSWORD)
        people = await agency_browser.get(f"/organisations/{sme['id']}/people")
        assert people.status_code == 200
        # it may invite (a member: the SME has its own admin), but not demote or disable anyone
        assert 'value="make_member"' not in people.text and 'value="disable"' not in people.text
        assert "Send invitation" in people.text and 'value="admin"' not in people.text
        token = csrf_from(people.text)
        demoted = await agency_browser.post(
            f"/people/{sme_admin['id']}", data={"action": "make_member", "_csrf_token": token}
        )
        assert demoted.status_code == 403
        admin = await agency_browser.post(
            f"/organisations/{sme['id']}/invitations",
            data={"email": unique_email("a"), "role": "admin", "_csrf_token": token},
        )
        assert admin.status_code == 403
        before = {
            "profile": (await agency_browser.get(f"/organisations/{sme['id']}")).status_code,
            "edit": (await agency_browser.get(f"/organisations/{sme['id']}/edit")).status_code,
            "passport": (await agency_browser.get(f"/readiness?organisation={sme['id']}")).status_code,
            "file": (await agency_browser.get(f"/certificates/{cert_id}/file")).status_code,
        }
        assert set(before.values()) == {200}, before
        assert sme["legal_name"] in (await agency_browser.get("/agency/smes")).text

        await portal_login(sme_browser, sme_admin["email"], PASSWORD)
        page = await sme_browser.get("/organisation/agencies")
        revoked = await sme_browser.post(
            f"/organisation/agencies/{agency['id']}/revoke", data={"_csrf_token": csrf_from(page.text)}
        )
        assert revoked.status_code == 303

        after = {
            "profile": (await agency_browser.get(f"/organisations/{sme['id']}")).status_code,
            "edit": (await agency_browser.get(f"/organisations/{sme['id']}/edit")).status_code,
            "passport": (await agency_browser.get(f"/readiness?organisation={sme['id']}")).status_code,
            "file": (await agency_browser.get(f"/certificates/{cert_id}/file")).status_code,
            "people": (await agency_browser.get(f"/organisations/{sme['id']}/people")).status_code,
            "invite": (
                await agency_browser.post(
                    f"/organisations/{sme['id']}/invitations",
                    data={"email": unique_email("m"), "role": "member", "_csrf_token": token},
                )
            ).status_code,
        }
        assert set(after.values()) <= {403, 404}, after
        assert sme["legal_name"] not in (await agency_browser.get("/agency/smes")).text
    person = await AppUser.select().where(AppUser.id == sme_admin["id"]).first()
    assert person["role"] == "admin" and not person["disabled"]
