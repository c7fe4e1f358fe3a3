"""Partner matchmaking through the API: "who could complete my bid?" ranks eligible firms by the
gaps they close, with reasons; a suggestion becomes an invitation; the lead sets the shares."""

from __future__ import annotations

import datetime as dt
import uuid

from market.db.tables import Certificate
from market.domain.organisations import OrganisationKind as K
from tests.conftest import api_token_for, bearer
from tests.factories import organisation_with_admin
from tests.helpers import published_rfq


async def verified_haccp(org: dict, today: dt.date) -> None:
    await Certificate.insert(
        Certificate(
            id=uuid.uuid4(),
            organisation=org["id"],
            type="haccp",
            issuer="IRAM",
            number=f"H-{org['id']}"[:40],
            issued_on=today - dt.timedelta(days=30),
            expires_on=today + dt.timedelta(days=300),
            verification="verified",
            file_name="haccp.pdf",
            content_type="application/pdf",
            size=10,
            sha256="0" * 64,
            reminders_sent=[],
        )
    )


async def firm(
    ctx, country: str = "AR", *, haccp: bool = False, today: dt.date, **profile
) -> tuple[dict, str]:
    org, admin = await organisation_with_admin(ctx, country=country, **profile)
    if haccp:
        await verified_haccp(org, today)
    return org, await api_token_for(ctx, admin)


SOLES = {"classification_codes": ["18800000"], "capacity_unit": "pieces"}


async def test_who_could_complete_my_bid(client, ctx, clock) -> None:
    today = clock().date()
    _, buyer = await organisation_with_admin(ctx, K.LEAD_FIRM)
    buyer_token = await api_token_for(ctx, buyer)
    items = [{"description": "Shoe sole", "quantity": "1500", "unit": "pieces", "cpv": "18810000"}]
    requirements = {"certificates": ["haccp"], "countries": ["AR", "BR"]}
    rfq = await published_rfq(
        client,
        buyer_token,
        clock() + dt.timedelta(days=3),
        "Soles",
        allow_consortia=True,
        items=items,
        requirements=requirements,
    )
    url = f"/api/v1/rfqs/{rfq['id']}/partners"
    agency_org, agency_admin = await organisation_with_admin(ctx, K.SUPPORT_AGENCY)
    agency = await api_token_for(ctx, agency_admin)
    lead_org, admin = await organisation_with_admin(
        ctx, onboarded_by=str(agency_org["id"]), monthly_capacity=1000, **SOLES
    )
    lead = await api_token_for(ctx, admin)
    best, best_token = await firm(ctx, "BR", haccp=True, today=today, monthly_capacity=800, **SOLES)
    await firm(ctx, "AR", today=today, monthly_capacity=200, **SOLES)  # no HACCP: not eligible
    await firm(ctx, "UY", haccp=True, today=today, monthly_capacity=5000, **SOLES)  # country not admitted
    certified, certified_token = await firm(
        ctx, "AR", haccp=True, today=today, monthly_capacity=100, classification_codes=["34300000"]
    )
    seated_org, seated = await firm(ctx, "AR", haccp=True, today=today, monthly_capacity=100, **SOLES)
    own_team = {"kind": "horizontal", "share": "100", "liability_accepted": True}
    assert (
        await client.post(f"/api/v1/rfqs/{rfq['id']}/consortia", json=own_team, headers=bearer(seated))
    ).status_code == 201  # in another bid already: still suggested (who bids is sealed)
    note = {"note": "HACCP-certified plant"}
    assert (
        await client.post(f"/api/v1/rfqs/{rfq['id']}/interest", json=note, headers=bearer(certified_token))
    ).status_code == 204

    alone = await client.get(url, headers=bearer(lead))
    assert alone.status_code == 200, alone.text
    found = alone.json()
    assert found["consortium"] is None and not found["may_invite"]
    assert [(n["description"], n["missing"]) for n in found["missing_items"]] == [("Shoe sole", "500")]
    assert found["missing_certificates"] == [{"certificate": "haccp", "lacking": [str(lead_org["id"])]}]
    ranked = found["suggestions"]
    expected = [str(best["id"]), str(seated_org["id"]), str(certified["id"])]
    assert [s["organisation"] for s in ranked] == expected
    assert [r["code"] for r in ranked[0]["reasons"]] == [
        "partner.supplies",
        "partner.capacity",
        "partner.certificate",
        "partner.country",
        "partner.eligible",
    ]
    assert "500 of the 500 missing" in ranked[0]["reasons"][1]["message"]
    assert ranked[0]["share"] == "33" and ranked[0]["items"] == [rfq["items"][0]["id"]]
    assert [r["code"] for r in ranked[2]["reasons"]] == [
        "partner.certificate",
        "partner.interested",
        "partner.country",
        "partner.eligible",
    ]
    spanish = await client.get(url, headers={**bearer(lead), "Accept-Language": "es"})
    assert "HACCP" in spanish.json()["suggestions"][0]["reasons"][2]["message"]
    assert spanish.json()["suggestions"][0]["reasons"][2]["message"] != ranked[0]["reasons"][2]["message"]

    # the firm's agency asks for it; another agency, a buyer and a firm for another are refused
    for_lead = await client.get(url, params={"organisation": str(lead_org["id"])}, headers=bearer(agency))
    assert for_lead.status_code == 200 and for_lead.json()["suggestions"] == ranked
    _, stranger = await organisation_with_admin(ctx, K.SUPPORT_AGENCY)
    stranger_token = await api_token_for(ctx, stranger)
    refused = await client.get(
        url, params={"organisation": str(lead_org["id"])}, headers=bearer(stranger_token)
    )
    assert refused.status_code == 404
    assert (await client.get(url, headers=bearer(buyer_token))).status_code == 403

    # in a consortium: the lead invites the best suggestion with the proposed share, in one request
    made = await client.post(
        f"/api/v1/rfqs/{rfq['id']}/consortia",
        json={"kind": "horizontal", "share": "100", "liability_accepted": True},
        headers=bearer(lead),
    )
    base = f"/api/v1/consortia/{made.json()['id']}"
    led = (await client.get(url, headers=bearer(lead))).json()
    assert led["consortium"] == made.json()["id"] and led["may_invite"]
    top = led["suggestions"][0]
    invitation = {"organisation": top["organisation"], "share": top["share"], "items": top["items"]}
    assert (
        await client.post(f"{base}/invitations", json=invitation, headers=bearer(lead))
    ).status_code == 201
    after = (await client.get(url, headers=bearer(lead))).json()
    assert str(best["id"]) not in [s["organisation"] for s in after["suggestions"]]  # already invited
    # only the certificate is missing now: the interested firm first, then the one in another bid
    assert [s["organisation"] for s in after["suggestions"]] == [str(certified["id"]), str(seated_org["id"])]

    # the lead sets the shares; a bad one is named at its member and nothing changes
    bad = {"parts": {str(lead_org["id"]): {"share": "0"}, str(best["id"]): {"share": "33"}}}
    refused_parts = await client.put(f"{base}/parts", json=bad, headers=bearer(lead))
    assert refused_parts.status_code == 422
    assert refused_parts.json()["fields"][0]["field"] == f"members.{lead_org['id']}.share"
    shares = {
        m["organisation"]: m["share"]
        for m in (await client.get(base, headers=bearer(lead))).json()["members"]
    }
    assert shares == {str(lead_org["id"]): "100", str(best["id"]): "33"}
    good = {"parts": {str(lead_org["id"]): {"share": "67"}}}
    changed = await client.put(f"{base}/parts", json=good, headers=bearer(lead))
    assert changed.status_code == 200, changed.text
    assert {m["organisation"]: m["share"] for m in changed.json()["members"]}[str(lead_org["id"])] == "67"
    assert (await client.put(f"{base}/parts", json=good, headers=bearer(best_token))).status_code == 403
    outsider = await client.put(f"{base}/parts", json=good, headers=bearer(certified_token))
    assert outsider.status_code == 404  # not a member: the consortium does not exist for it
