"""Supplier records and performance history through the API: an award to a consortium puts a
record on every member with its share; the buyer records the delivery once; each member's
history and the buyer's supplier records show it; nobody else sees a firm's history."""

from __future__ import annotations

import datetime as dt

from market.db.tables import Notification
from tests.api.test_consortia import confirmed_joint_bid, invited
from tests.conftest import bearer


async def test_a_consortium_award_and_its_delivery_on_every_members_record(client, ctx, clock) -> None:
    rfq, deadline, buyer, base, (lead_org, lead), (partner_org, partner), (solo_org, solo) = await invited(
        client, ctx, clock, "Soles with a delivery record"
    )
    await confirmed_joint_bid(client, rfq, base, lead, partner, "2.50", "perf-joint-0001")
    item = rfq["items"][0]["id"]
    offer = {"lead_time_days": 10, "validity_days": 30}
    await client.post(
        f"/api/v1/rfqs/{rfq['id']}/bid",
        json={"prices": {item: "2.90"}, **offer},
        headers={**bearer(solo), "Idempotency-Key": "perf-solo-0001"},
    )
    deliveries = f"/api/v1/rfqs/{rfq['id']}/deliveries"
    record = {
        "delivered_on": "2026-11-20",
        "on_time": True,
        "rejected_percent": "2.5",
        "note": "Two boxes damp",
    }
    early = await client.post(deliveries, json=record, headers=bearer(buyer))
    assert early.status_code == 409 and early.json()["code"] == "delivery.not_awarded"

    clock.current = deadline + dt.timedelta(minutes=1)
    await client.post(f"/api/v1/rfqs/{rfq['id']}/open", headers=bearer(buyer))
    ranking = (await client.post(f"/api/v1/rfqs/{rfq['id']}/evaluate", headers=bearer(buyer))).json()
    winner = next(r for r in ranking if r["rank"] == 1)
    await client.post(
        f"/api/v1/rfqs/{rfq['id']}/award", json={"bid_id": winner["bid"]}, headers=bearer(buyer)
    )

    suppliers = (await client.get("/api/v1/suppliers", headers=bearer(buyer))).json()
    assert {s["legal_name"]: s["summary"]["awarded_value"] for s in suppliers} == {
        lead_org["legal_name"]: {"USD": "2250.00"},  # 60 % of 3,750
        partner_org["legal_name"]: {"USD": "1500.00"},
    }
    assert all(s["summary"]["joint_awards"] == 1 and s["summary"]["deliveries"] == 0 for s in suppliers)

    recorded_day = (clock() + dt.timedelta(days=2)).date()
    clock.current = clock() + dt.timedelta(days=3)
    bad = await client.post(
        deliveries,
        json={"delivered_on": "2026-01-01", "on_time": None, "rejected_percent": "140"},
        headers=bearer(buyer),
    )
    assert bad.status_code == 422
    assert {f["field"] for f in bad.json()["fields"]} == {"delivered_on", "on_time", "rejected_percent"}
    wrong_lot = await client.post(
        deliveries,
        json={**record, "lot": "9", "delivered_on": recorded_day.isoformat()},
        headers=bearer(buyer),
    )
    assert wrong_lot.status_code == 422 and wrong_lot.json()["fields"][0]["field"] == "lot"
    record["delivered_on"] = recorded_day.isoformat()
    assert (
        await client.post(deliveries, json=record, headers=bearer(lead))
    ).status_code == 403  # buyers only
    assert (await client.post(deliveries, json=record, headers=bearer(buyer))).status_code == 204
    assert await Notification.exists().where(
        Notification.organisation == partner_org["id"], Notification.code == "delivery.recorded"
    )

    history = (
        await client.get(f"/api/v1/organisations/{partner_org['id']}/performance", headers=bearer(partner))
    ).json()
    assert history["summary"] == {
        "awards": 1,
        "joint_awards": 1,
        "awarded_value": {"USD": "1500.00"},
        "deliveries": 1,
        "on_time_percent": "100.0",
        "rejected_percent": "2.50",
    }
    [entry] = history["records"]
    assert entry["share"] == "40" and entry["partners"] == [{"name": lead_org["legal_name"], "share": "60"}]
    assert (
        entry["on_time"] is True and entry["rejected"] == "2.5" and entry["delivery_note"] == "Two boxes damp"
    )
    late = {**record, "on_time": False}
    assert (await client.post(deliveries, json=late, headers=bearer(buyer))).status_code == 204  # corrected
    lead_history = (
        await client.get(f"/api/v1/organisations/{lead_org['id']}/performance", headers=bearer(lead))
    ).json()
    assert lead_history["summary"]["on_time_percent"] == "0.0"
    loser = (
        await client.get(f"/api/v1/organisations/{solo_org['id']}/performance", headers=bearer(solo))
    ).json()
    assert loser["summary"]["awards"] == 0 and loser["records"] == []
    for outsider in (solo, buyer):  # another firm, and a buyer, do not read a firm's history
        refused = await client.get(
            f"/api/v1/organisations/{partner_org['id']}/performance", headers=bearer(outsider)
        )
        assert refused.status_code == 404
    assert (await client.get("/api/v1/suppliers", headers=bearer(lead))).status_code == 403
