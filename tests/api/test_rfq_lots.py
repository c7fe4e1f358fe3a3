"""Lots: an RFQ split into lots is bid on, ranked and awarded lot by lot; each bidder's debrief
names every lot it bid on."""

from __future__ import annotations

import datetime as dt

from market.domain.organisations import OrganisationKind as K
from market.services import audit
from tests.conftest import api_token_for, bearer
from tests.factories import organisation_with_admin

LOTS = [{"title": "Fresh fruit"}, {"title": "Cold transport"}]
ITEMS = [
    {"description": "Apples, class I", "quantity": "1000", "unit": "kg", "lot": 1},
    {"description": "Pears, class I", "quantity": "500", "unit": "kg", "lot": 1},
    {"description": "Refrigerated truck, per trip", "quantity": "10", "unit": "trips", "lot": 2},
]


async def test_lots_are_bid_ranked_and_awarded_one_by_one(client, ctx, clock) -> None:
    _, buyer = await organisation_with_admin(ctx, K.LEAD_FIRM)
    buyer_token = await api_token_for(ctx, buyer)
    tokens = []
    for _ in range(3):
        _, sme = await organisation_with_admin(ctx)
        tokens.append(await api_token_for(ctx, sme))
    grower, hauler, both = tokens
    deadline = clock() + dt.timedelta(days=3)
    body = {"title": "Fruit for the canning season", "currency": "UYU", "deadline": deadline.isoformat()}
    bad = await client.post(
        "/api/v1/rfqs",
        json={**body, "lots": LOTS, "items": [{**ITEMS[0], "lot": None}, ITEMS[1]]},
        headers=bearer(buyer_token),
    )
    assert bad.status_code == 422
    assert {(f["field"], f["code"]) for f in bad.json()["fields"]} == {
        ("items.0.lot", "rfq.item_lot"),
        ("lots.1.title", "rfq.lot_empty"),
    }
    made = await client.post(
        "/api/v1/rfqs", json={**body, "lots": LOTS, "items": ITEMS}, headers=bearer(buyer_token)
    )
    assert made.status_code == 201, made.text
    rfq = made.json()
    assert rfq["lots"] == [{"id": "1", "title": "Fresh fruit"}, {"id": "2", "title": "Cold transport"}]
    assert [i["lot"] for i in rfq["items"]] == ["1", "1", "2"]
    await client.post(f"/api/v1/rfqs/{rfq['id']}/publish", headers=bearer(buyer_token))
    apples, pears, truck = (item["id"] for item in rfq["items"])

    async def bid(token: str, prices: dict[str, str], lead: int, n: int) -> dict:
        clock.current = clock() + dt.timedelta(minutes=1)
        sent = await client.post(
            f"/api/v1/rfqs/{rfq['id']}/bid",
            json={"prices": prices, "lead_time_days": lead, "validity_days": 30},
            headers={**bearer(token), "Idempotency-Key": f"lots-key-{n:04d}"},
        )
        return {"status": sent.status_code, **sent.json()}

    half = await bid(grower, {apples: "20"}, 5, 1)
    assert half["status"] == 422 and [f["field"] for f in half["fields"]] == [f"prices.{pears}"]
    nothing = await bid(grower, {}, 5, 2)
    assert nothing["status"] == 422 and nothing["fields"][0]["code"] == "bid.no_lot"
    fruit = await bid(grower, {apples: "20", pears: "30"}, 5, 3)  # lot 1: 35,000
    transport = await bid(hauler, {truck: "900"}, 2, 4)  # lot 2: 9,000
    combined = await bid(both, {apples: "21", pears: "28", truck: "1000"}, 4, 5)  # 35,000 and 10,000
    assert {fruit["status"], transport["status"], combined["status"]} == {201}
    mine = (await client.get(f"/api/v1/rfqs/{rfq['id']}/bid", headers=bearer(both))).json()
    assert mine["content"]["lots"] == ["1", "2"] and mine["total_price"] == "45000.00"

    clock.current = deadline + dt.timedelta(minutes=1)
    await client.post(f"/api/v1/rfqs/{rfq['id']}/open", headers=bearer(buyer_token))
    ranking = (await client.post(f"/api/v1/rfqs/{rfq['id']}/evaluate", headers=bearer(buyer_token))).json()
    assert [(r["lot"], r["bid"], r["rank"], r["lot_total"]) for r in ranking] == [
        ("1", fruit["bid_id"], 1, "35000.00"),  # a tie on price goes to the earlier receipt
        ("1", combined["bid_id"], 2, "35000.00"),
        ("2", transport["bid_id"], 1, "9000.00"),
        ("2", combined["bid_id"], 2, "10000.00"),
    ]

    award = f"/api/v1/rfqs/{rfq['id']}/award"
    unnamed = await client.post(award, json={"lots": {"1": fruit["bid_id"]}}, headers=bearer(buyer_token))
    assert unnamed.status_code == 422 and unnamed.json()["fields"][0]["field"] == "lots.2"
    wrong_lot = {"1": transport["bid_id"], "2": None}
    refused = await client.post(award, json={"lots": wrong_lot}, headers=bearer(buyer_token))
    assert refused.status_code == 422 and refused.json()["fields"][0]["code"] == "award.bid_unknown"
    choice = {"1": combined["bid_id"], "2": None}  # the buyer may pass over the best rank, and a lot
    awarded = await client.post(award, json={"lots": choice}, headers=bearer(buyer_token))
    assert awarded.status_code == 200 and awarded.json()["awards"] == {"1": combined["bid_id"]}

    debriefs = {}
    for name, token in (("grower", grower), ("hauler", hauler), ("both", both)):
        found = (await client.get(f"/api/v1/rfqs/{rfq['id']}/debrief", headers=bearer(token))).json()
        debriefs[name] = [
            (e["lot"], e["lot_title"], e["rank"], e["bidders"], e["won"]) for e in found["lots"]
        ]
    assert debriefs == {
        "grower": [("1", "Fresh fruit", 1, 2, False)],
        "hauler": [("2", "Cold transport", 1, 2, False)],
        "both": [("1", "Fresh fruit", 2, 2, True), ("2", "Cold transport", 2, 2, False)],
    }
    assert (await audit.verify()).problem is None
