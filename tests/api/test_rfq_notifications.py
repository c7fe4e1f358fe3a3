"""Who hears about an RFQ: suppliers of the same CPV group when it is published (within the
countries it admits), bidders when the deadline moves and when their bids are opened, and every
bidder at the award."""

from __future__ import annotations

import datetime as dt

from market.db.tables import Notification, Organisation, Outbox
from market.domain.organisations import OrganisationKind as K
from tests.conftest import api_token_for, bearer
from tests.factories import PASSWORD, organisation_with_admin
from tests.helpers import portal_login, post_form


async def codes_of(org_id) -> list[str]:
    rows = await Notification.select(Notification.code).where(Notification.organisation == org_id)
    return sorted(row["code"] for row in rows)


async def test_matching_suppliers_then_bidders_hear_of_each_step(client, ctx, clock) -> None:
    _, buyer = await organisation_with_admin(ctx, K.LEAD_FIRM)
    brakes, brakes_user = await organisation_with_admin(ctx, country="AR")
    chairs, _ = await organisation_with_admin(ctx, country="AR")
    abroad, _ = await organisation_with_admin(ctx, country="UY")
    for org, codes in ((brakes, ["34320000"]), (chairs, ["39111000"]), (abroad, ["34300000"])):
        await Organisation.update({Organisation.classification_codes: codes}).where(
            Organisation.id == org["id"]
        )
    buyer_token, brakes_token = await api_token_for(ctx, buyer), await api_token_for(ctx, brakes_user)
    deadline = clock() + dt.timedelta(days=5)
    body = {
        "title": "Brake discs for the notification test",
        "currency": "USD",
        "deadline": deadline.isoformat(),
        "requirements": {"countries": ["AR", "BR"]},
        "items": [{"description": "Disc", "quantity": "10", "unit": "pieces", "cpv": "34300000"}],
    }
    rfq = (await client.post("/api/v1/rfqs", json=body, headers=bearer(buyer_token))).json()
    assert (
        await client.post(f"/api/v1/rfqs/{rfq['id']}/publish", headers=bearer(buyer_token))
    ).status_code == 200
    assert await codes_of(brakes["id"]) == ["rfq.matching"]
    assert await codes_of(chairs["id"]) == []  # another CPV group
    assert await codes_of(abroad["id"]) == []  # a country the RFQ does not admit
    mails = await Outbox.select(Outbox.recipient).where(Outbox.recipient == brakes_user["email"])
    assert len(mails) == 1  # the e-mail goes through the outbox too

    clock.current += dt.timedelta(hours=1)  # later steps, later messages
    bid = {"prices": {rfq["items"][0]["id"]: "12.00"}, "lead_time_days": 9, "validity_days": 30}
    headers = {**bearer(brakes_token), "Idempotency-Key": "notify-0001"}
    assert (await client.post(f"/api/v1/rfqs/{rfq['id']}/bid", json=bid, headers=headers)).status_code == 201
    later = (deadline + dt.timedelta(days=2)).isoformat()
    amended = await client.post(
        f"/api/v1/rfqs/{rfq['id']}/amend", json={"deadline": later}, headers=bearer(buyer_token)
    )
    assert amended.status_code == 200, amended.text
    assert await codes_of(brakes["id"]) == ["rfq.amended", "rfq.matching"]
    assert await codes_of(chairs["id"]) == []  # not a bidder

    clock.current = deadline + dt.timedelta(days=2, minutes=1)
    assert (
        await client.post(f"/api/v1/rfqs/{rfq['id']}/open", headers=bearer(buyer_token))
    ).status_code == 200
    assert await codes_of(brakes["id"]) == ["rfq.amended", "rfq.matching", "rfq.opened"]
    listed = (await client.get("/api/v1/notifications", headers=bearer(brakes_token))).json()
    assert [n["code"] for n in listed["items"]] == ["rfq.opened", "rfq.amended", "rfq.matching"]
    assert listed["items"][0]["message"].startswith("The bids on “Brake discs for the notification test”")
    assert listed["items"][0]["link"] == f"/rfqs/{rfq['id']}" and not listed["items"][0]["read"]
    spanish = await client.get(
        "/api/v1/notifications", headers={**bearer(brakes_token), "Accept-Language": "es"}
    )
    assert spanish.json()["items"][0]["message"].startswith("Se abrieron las ofertas de «Brake discs")

    # in the portal: the same messages, and "mark all as read"
    await portal_login(client, brakes_user["email"], PASSWORD)
    page = await client.get("/notifications")
    assert (
        page.status_code == 200 and page.text.count('class="card"') == 3 and "Mark all as read" in page.text
    )
    read = await post_form(client, "/notifications", "/notifications/read", {})
    assert read.status_code == 303
    assert "Mark all as read" not in (await client.get("/notifications")).text
    others = (await client.get("/api/v1/notifications", headers=bearer(buyer_token))).json()
    assert all(n["code"] != "rfq.opened" for n in others["items"])  # each firm reads only its own
