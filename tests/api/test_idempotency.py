"""Idempotency-Key (issue 14, defect 4): a key belongs to the firm and the RFQ. The same key on
another RFQ is another key; a key repeated with another body is refused (422); the same request
gets the same receipt while its bid stands, and a clear refusal (409) once it was replaced or
withdrawn. On every path that takes one: the bid, the joint bid and the portal's forms."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

from market.db.tables import AuditLog, Bid
from market.domain.organisations import OrganisationKind as K
from tests.conftest import api_token_for, bearer
from tests.factories import organisation_with_admin
from tests.helpers import published_rfq

KEY = {"Idempotency-Key": "one-key-for-all-0001"}


async def setup(client, ctx, clock, n: int = 2) -> tuple[list[dict], str, str, dict]:
    """``n`` open RFQs (consortia allowed), the buyer's token, a supplier's token and its firm."""
    _, buyer = await organisation_with_admin(ctx, K.LEAD_FIRM)
    buyer_token = await api_token_for(ctx, buyer)
    firm, admin = await organisation_with_admin(ctx)
    deadline = clock() + dt.timedelta(days=3)
    rfqs = [
        await published_rfq(client, buyer_token, deadline, f"Valves, batch {i}", allow_consortia=True)
        for i in range(n)
    ]
    return rfqs, buyer_token, await api_token_for(ctx, admin), firm


def offer(rfq: dict, price: str = "5.00") -> dict:
    return {"prices": {rfq["items"][0]["id"]: price}, "lead_time_days": 10, "validity_days": 30}


async def test_a_key_belongs_to_the_firm_and_the_rfq(client, ctx, clock) -> None:
    (first, second, closing), buyer, sme, _ = await setup(client, ctx, clock, 3)
    sent = await client.post(
        f"/api/v1/rfqs/{first['id']}/bid", json=offer(first), headers={**bearer(sme), **KEY}
    )
    assert sent.status_code == 201, sent.text

    elsewhere = await client.post(
        f"/api/v1/rfqs/{second['id']}/bid", json=offer(second), headers={**bearer(sme), **KEY}
    )
    assert elsewhere.status_code == 201 and elsewhere.json()["bid_id"] != sent.json()["bid_id"]
    mine = (await client.get(f"/api/v1/rfqs/{second['id']}/bid", headers=bearer(sme))).json()
    assert mine["id"] == elsewhere.json()["bid_id"]  # a bid on the second RFQ, with its own receipt

    nowhere = await client.post(
        f"/api/v1/rfqs/{uuid.uuid4()}/bid", json=offer(first), headers={**bearer(sme), **KEY}
    )
    assert nowhere.status_code == 404 and nowhere.json()["code"] == "rfq.not_found"

    # a third RFQ whose deadline was not moved while the others were: closed now
    await client.post(
        f"/api/v1/rfqs/{first['id']}/amend",
        json={"deadline": (clock() + dt.timedelta(days=5)).isoformat()},
        headers=bearer(buyer),
    )
    clock.current = clock() + dt.timedelta(days=4)
    closed = await client.post(
        f"/api/v1/rfqs/{closing['id']}/bid", json=offer(closing), headers={**bearer(sme), **KEY}
    )
    assert closed.status_code == 409 and closed.json()["code"] == "bid.after_deadline"
    assert await Bid.count() == 2
    # the first RFQ is still open: a retry of its request still gets its receipt
    again = await client.post(
        f"/api/v1/rfqs/{first['id']}/bid", json=offer(first), headers={**bearer(sme), **KEY}
    )
    assert again.status_code == 201 and again.json() == sent.json()


async def test_the_same_key_with_another_body_is_refused(client, ctx, clock) -> None:
    (rfq,), _, sme, _ = await setup(client, ctx, clock, 1)
    sent = await client.post(f"/api/v1/rfqs/{rfq['id']}/bid", json=offer(rfq), headers={**bearer(sme), **KEY})
    assert sent.status_code == 201
    before = (await Bid.count(), await AuditLog.count())
    other = await client.post(
        f"/api/v1/rfqs/{rfq['id']}/bid", json=offer(rfq, "4.00"), headers={**bearer(sme), **KEY}
    )
    assert other.status_code == 422
    body = other.json()
    assert set(body) == {"code", "message", "fields"} and body["code"] == "bid.idempotency_key_reused"
    assert "Idempotency-Key" in body["message"]
    assert (await Bid.count(), await AuditLog.count()) == before
    same = await client.post(f"/api/v1/rfqs/{rfq['id']}/bid", json=offer(rfq), headers={**bearer(sme), **KEY})
    assert same.status_code == 201 and same.json() == sent.json()
    mine = (await client.get(f"/api/v1/rfqs/{rfq['id']}/bid", headers=bearer(sme))).json()
    assert mine["content"]["prices"] == {rfq["items"][0]["id"]: "5.00"}


async def test_a_retry_never_shows_a_receipt_of_a_bid_that_no_longer_stands(client, ctx, clock) -> None:
    (rfq,), _, sme, _ = await setup(client, ctx, clock, 1)
    url = f"/api/v1/rfqs/{rfq['id']}/bid"
    first = await client.post(url, json=offer(rfq), headers={**bearer(sme), **KEY})
    assert first.status_code == 201
    later = await client.post(
        url, json=offer(rfq, "4.50"), headers={**bearer(sme), "Idempotency-Key": "later-key-0001"}
    )
    assert later.status_code == 201
    replaced = await client.post(url, json=offer(rfq), headers={**bearer(sme), **KEY})
    assert replaced.status_code == 409 and replaced.json()["code"] == "bid.idempotency_key_replaced"
    assert first.json()["bid_id"] not in replaced.text

    assert (await client.delete(url, headers=bearer(sme))).status_code == 204
    withdrawn = await client.post(
        url, json=offer(rfq, "4.50"), headers={**bearer(sme), "Idempotency-Key": "later-key-0001"}
    )
    assert withdrawn.status_code == 409 and withdrawn.json()["code"] == "bid.idempotency_key_withdrawn"
    assert "withdrawn" in withdrawn.json()["message"]
    assert await Bid.count().where(Bid.status == "active") == 0  # the retry did not bid again
    fresh = await client.post(
        url, json=offer(rfq, "4.50"), headers={**bearer(sme), "Idempotency-Key": "fresh-key-0001"}
    )
    assert fresh.status_code == 201


async def test_the_joint_bid_key_is_the_leads_on_that_rfq(client, ctx, clock) -> None:
    (rfq,), _, lead, _ = await setup(client, ctx, clock, 1)
    made = await client.post(
        f"/api/v1/rfqs/{rfq['id']}/consortia",
        json={"kind": "horizontal", "share": "100", "liability_accepted": True},
        headers=bearer(lead),
    )
    base = f"/api/v1/consortia/{made.json()['id']}"
    joint = await client.post(f"{base}/bid", json=offer(rfq), headers={**bearer(lead), **KEY})
    assert joint.status_code == 201, joint.text
    same = await client.post(f"{base}/bid", json=offer(rfq), headers={**bearer(lead), **KEY})
    assert same.status_code == 201 and same.json()["bid_id"] == joint.json()["bid_id"]
    changed = await client.post(f"{base}/bid", json=offer(rfq, "4.00"), headers={**bearer(lead), **KEY})
    assert changed.status_code == 422 and changed.json()["code"] == "bid.idempotency_key_reused"
    # the same key and body sent for the firm alone is another request: refused, not the joint receipt
    alone = await client.post(
        f"/api/v1/rfqs/{rfq['id']}/bid", json=offer(rfq), headers={**bearer(lead), **KEY}
    )
    assert alone.status_code == 422 and alone.json()["code"] == "bid.idempotency_key_reused"
    assert (await client.delete(f"{base}/bid", headers=bearer(lead))).status_code == 204
    after = await client.post(f"{base}/bid", json=offer(rfq), headers={**bearer(lead), **KEY})
    assert after.status_code == 409 and after.json()["code"] == "bid.idempotency_key_withdrawn"


async def test_racing_repeats_of_one_key_make_one_bid(client, ctx, clock) -> None:
    """Promise 7: receipts issued = bids stored. The same request sent eight times at once gets one
    receipt; eight different bodies under one key: one bid, the others refused."""
    (rfq, other), _, sme, _ = await setup(client, ctx, clock, 2)
    url = f"/api/v1/rfqs/{rfq['id']}/bid"
    same = await asyncio.gather(
        *(client.post(url, json=offer(rfq), headers={**bearer(sme), **KEY}) for _ in range(8))
    )
    assert {r.status_code for r in same} == {201} and len({r.json()["bid_id"] for r in same}) == 1
    url = f"/api/v1/rfqs/{other['id']}/bid"
    bodies = [offer(other, f"{5 + n}.00") for n in range(8)]
    mixed = await asyncio.gather(*(client.post(url, json=b, headers={**bearer(sme), **KEY}) for b in bodies))
    codes = sorted(r.status_code for r in mixed)
    assert codes == [201] + [422] * 7, [r.text for r in mixed]
    assert {r.json()["code"] for r in mixed if r.status_code == 422} == {"bid.idempotency_key_reused"}
    assert await Bid.count() == 2
