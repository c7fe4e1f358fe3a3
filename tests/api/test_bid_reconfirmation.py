"""After the deadline moves, each bid stands as sent and its bidder is asked to confirm it for the
new deadline: the API and the portal show the request, the confirmation is recorded, and it is
refused once the (new) deadline has passed."""

from __future__ import annotations

import datetime as dt

from market.db.tables import AuditLog
from market.domain.organisations import OrganisationKind as K
from tests.conftest import api_token_for, bearer
from tests.factories import PASSWORD, organisation_with_admin
from tests.helpers import portal_login, post_form, published_rfq


async def test_a_moved_deadline_asks_bidders_to_confirm(client, ctx, clock) -> None:
    _, buyer = await organisation_with_admin(ctx, K.LEAD_FIRM)
    _, bidder = await organisation_with_admin(ctx)
    _, idle = await organisation_with_admin(ctx)
    buyer_token, bidder_token, idle_token = [await api_token_for(ctx, u) for u in (buyer, bidder, idle)]
    deadline = clock() + dt.timedelta(days=3)
    rfq = await published_rfq(client, buyer_token, deadline, "Brackets, deadline to be moved")
    own = f"/api/v1/rfqs/{rfq['id']}/bid"
    body = {"prices": {rfq["items"][0]["id"]: "3.10"}, "lead_time_days": 9, "validity_days": 30}
    sent = await client.post(
        own, json=body, headers={**bearer(bidder_token), "Idempotency-Key": "confirm-0001"}
    )
    assert sent.status_code == 201
    assert (await client.get(own, headers=bearer(bidder_token))).json()["awaits_confirmation"] is False

    later = deadline + dt.timedelta(days=2)
    moved = await client.post(
        f"/api/v1/rfqs/{rfq['id']}/amend", json={"deadline": later.isoformat()}, headers=bearer(buyer_token)
    )
    assert moved.status_code == 200
    assert (await client.get(own, headers=bearer(bidder_token))).json()["awaits_confirmation"] is True
    seen = {"sha256": sent.json()["sha256"]}
    no_bid = await client.post(f"{own}/confirm", json=seen, headers=bearer(idle_token))
    assert no_bid.status_code == 404
    # only the version the bidder reviewed may be confirmed, as for a consortium's members
    for wrong in ("", "x", "0" * 64, sent.json()["sha256"].upper()):
        refused = await client.post(f"{own}/confirm", json={"sha256": wrong}, headers=bearer(bidder_token))
        assert refused.status_code == 409 and refused.json()["code"] == "bid.changed", (wrong, refused.text)
    refused = await client.post(f"{own}/confirm", headers=bearer(bidder_token))
    assert refused.status_code in (400, 422), refused.text  # no version named
    assert (await client.get(own, headers=bearer(bidder_token))).json()["awaits_confirmation"] is True
    assert await AuditLog.count().where(AuditLog.action == "bid.reconfirmed") == 0

    await portal_login(client, bidder["email"], PASSWORD)
    page = await client.get(f"/rfqs/{rfq['id']}")
    assert "Confirm my bid for the new deadline" in page.text
    stale = await post_form(client, f"/rfqs/{rfq['id']}", f"/rfqs/{rfq['id']}/confirm", {"sha256": "0" * 64})
    assert stale.status_code == 409 and "not the current version of your bid" in stale.text
    assert f'name="sha256" value="{seen["sha256"]}"' in page.text  # the form names the version shown
    confirmed = await post_form(client, f"/rfqs/{rfq['id']}", f"/rfqs/{rfq['id']}/confirm", seen)
    assert confirmed.status_code == 303
    page = await client.get(f"/rfqs/{rfq['id']}")
    assert "Your bid is confirmed for the new deadline." in page.text
    assert "Confirm my bid for the new deadline" not in page.text
    assert (await client.get(own, headers=bearer(bidder_token))).json()["awaits_confirmation"] is False
    records = await AuditLog.select(AuditLog.details).where(AuditLog.action == "bid.reconfirmed")
    assert len(records) == 1 and later.isoformat() in str(records[0]["details"])

    # moved again, and this time the new deadline passes before the bidder confirms
    latest = later + dt.timedelta(days=1)
    await client.post(
        f"/api/v1/rfqs/{rfq['id']}/amend", json={"deadline": latest.isoformat()}, headers=bearer(buyer_token)
    )
    clock.current = latest + dt.timedelta(milliseconds=1)
    late = await client.post(f"{own}/confirm", json=seen, headers=bearer(bidder_token))
    assert late.status_code == 409, late.text
    assert await AuditLog.count().where(AuditLog.action == "bid.reconfirmed") == 1  # nothing written
    await client.post(f"/api/v1/rfqs/{rfq['id']}/open", headers=bearer(buyer_token))
    await portal_login(client, buyer["email"], PASSWORD)
    comparison = await client.get(f"/rfqs/{rfq['id']}")
    assert "not confirmed after the deadline moved" in comparison.text  # the bid still counts, flagged
