"""The portal's doors that take an id refuse other organisations' objects too, and its forms
ignore fields nobody may set."""

from __future__ import annotations

import pytest

from market.db.tables import ApiToken, AppUser, Invitation, Organisation
from market.domain.organisations import OrganisationKind as K
from market.services import accounts
from tests.conftest import client_for
from tests.factories import PASSWORD, member_of, organisation_with_admin, profile, unique_email
from tests.helpers import csrf_from, portal_login

KINDS = [K.SME_SUPPLIER, K.LEAD_FIRM, K.SUPPORT_AGENCY, K.PLATFORM_OPERATOR]


@pytest.mark.parametrize("kind", KINDS, ids=[k.value for k in KINDS])
async def test_portal_refuses_other_organisations_objects(app, ctx, kind: K) -> None:
    target, target_admin = await organisation_with_admin(ctx, K.LEAD_FIRM, accredited=False)
    member = await member_of(ctx, target)
    signed = await accounts.resolve_session(ctx, await accounts.start_session(ctx, target_admin["id"]))
    invitation, _ = await accounts.invite(
        ctx, signed.actor, str(target["id"]), unique_email("x"), accounts.Role.MEMBER, "u"
    )
    token, _ = await accounts.create_api_token(ctx, signed.actor, "erp")
    _, intruder = await organisation_with_admin(ctx, kind)

    async with client_for(app, "198.51.100.77") as browser:
        await portal_login(browser, intruder["email"], PASSWORD)
        csrf = csrf_from((await browser.get("/organisation")).text)
        reads = [f"/organisations/{target['id']}/edit", f"/organisations/{target['id']}/people"]
        if kind is not K.PLATFORM_OPERATOR:
            reads.append(f"/organisations/{target['id']}")
        for path in reads:
            response = await browser.get(path)
            if kind is K.PLATFORM_OPERATOR and path.endswith("/people"):
                assert response.status_code == 200  # the operator may look, not touch
                assert "Send invitation" not in response.text
            else:
                assert response.status_code in (403, 404), path
        writes = [
            (
                f"/organisations/{target['id']}/edit",
                {
                    "legal_name": "Hijacked S.A.",
                    **{
                        k: v
                        for k, v in profile("AR").items()
                        if not isinstance(v, list) and k != "legal_name"
                    },
                },
            ),
            (
                f"/organisations/{target['id']}/invitations",
                {"email": "intruder@example.com", "role": "admin"},
            ),
            (f"/people/{member['id']}", {"action": "disable"}),
            (f"/people/{member['id']}", {"action": "make_admin"}),
            (f"/invitations/{invitation['id']}/revoke", {}),
            (f"/tokens/{token['id']}/revoke", {}),
        ]
        if kind is not K.PLATFORM_OPERATOR:
            writes.append((f"/operator/organisations/{target['id']}/accreditation", {"accredited": "yes"}))
        for path, data in writes:
            response = await browser.post(path, data={**data, "_csrf_token": csrf})
            assert response.status_code in (403, 404), (path, response.status_code)

    row = await Organisation.select().where(Organisation.id == target["id"]).first()
    assert row["legal_name"] == target["legal_name"] and row["accredited"] is False
    person = await AppUser.select().where(AppUser.id == member["id"]).first()
    assert person["disabled"] is False and person["role"] == "member"
    assert await Invitation.count().where(Invitation.revoked_at.is_not_null()) == 0
    assert await Invitation.count() == 1
    assert await ApiToken.count().where(ApiToken.revoked_at.is_not_null()) == 0


async def test_profile_form_ignores_fields_nobody_may_set(client, ctx) -> None:
    org, admin = await organisation_with_admin(ctx, K.LEAD_FIRM, accredited=False)
    await portal_login(client, admin["email"], PASSWORD)
    page = await client.get(f"/organisations/{org['id']}/edit")
    form = {k: v for k, v in profile("AR", tax_id=org["tax_id"]).items() if not isinstance(v, list)}
    form.update(
        {
            "accredited": "true",
            "kind": "platform_operator",
            "created_at": "2000-01-01T00:00:00Z",
            "onboarded_by": str(org["id"]),
            "verified": "true",
            "_csrf_token": csrf_from(page.text),
        }
    )
    assert (await client.post(f"/organisations/{org['id']}/edit", data=form)).status_code == 303
    row = await Organisation.select().where(Organisation.id == org["id"]).first()
    assert row["accredited"] is False and row["kind"] == "lead_firm"
    assert row["created_at"] == org["created_at"] and row["onboarded_by"] is None
    assert row["legal_name"] == form["legal_name"]
