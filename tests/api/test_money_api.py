"""Money at the door (issue 14, defect 2; trust.md promise 7b): a unit price below the currency's
smallest amount is refused with the one error shape, PYG has no decimals, and evaluation after
valid bids, or over bids stored with 0.00 before prices were checked, never fails."""

from __future__ import annotations

import datetime as dt
import json

from market.db import raw
from market.db.tables import Bid
from market.domain.rfq import bid_hash
from tests.api.test_rfqs_api import bid_body, key, setup
from tests.conftest import api_token_for, bearer
from tests.factories import organisation_with_admin


async def bid(client, rfq: dict, token: str, price: str, n: int, lead: int = 20):
    return await client.post(
        f"/api/v1/rfqs/{rfq['id']}/bid", json=bid_body(rfq, price, lead), headers={**bearer(token), **key(n)}
    )


async def test_a_price_below_a_cent_is_refused_and_evaluation_never_fails(client, ctx, clock) -> None:
    rfq, deadline, buyer_token, sme_token = await setup(client, ctx, clock)
    refused = await bid(client, rfq, sme_token, "0.004", 1)
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert set(body) == {"code", "message", "fields"}
    assert {(f["field"], f["code"]) for f in body["fields"]} == {
        (f"prices.{item['id']}", "bid.price_invalid") for item in rfq["items"]
    }
    assert all("at least 0.01 USD" in f["message"] for f in body["fields"]), body
    assert await Bid.count() == 0
    # the smallest amount is taken, and so is the largest price; neither breaks the evaluation
    cheapest = await bid(client, rfq, sme_token, "0.005", 2, lead=730)  # 0.01 once rounded
    assert cheapest.status_code == 201, cheapest.text
    _, second = await organisation_with_admin(ctx)
    dearest = await bid(client, rfq, await api_token_for(ctx, second), "1000000000000", 3, lead=1)
    assert dearest.status_code == 201, dearest.text
    _, third = await organisation_with_admin(ctx)
    clock.current += dt.timedelta(seconds=1)
    same = await bid(client, rfq, await api_token_for(ctx, third), "0.01", 4, lead=730)
    assert same.status_code == 201
    mine = (await client.get(f"/api/v1/rfqs/{rfq['id']}/bid", headers=bearer(sme_token))).json()
    assert set(mine["content"]["prices"].values()) == {"0.01"} and mine["total_price"] == "24.00"
    clock.current = deadline + dt.timedelta(minutes=1)
    assert (
        await client.post(f"/api/v1/rfqs/{rfq['id']}/open", headers=bearer(buyer_token))
    ).status_code == 200
    evaluated = await client.post(f"/api/v1/rfqs/{rfq['id']}/evaluate", headers=bearer(buyer_token))
    assert evaluated.status_code == 200, evaluated.text
    ranking = evaluated.json()
    assert [r["rank"] for r in ranking] == [1, 2, 3]
    # equal prices and lead times: the earlier receipt first
    assert [r["bid"] for r in ranking][:2] == [cheapest.json()["bid_id"], same.json()["bid_id"]]
    assert ranking[2]["lot_total"] == "2400000000000000.00"
    assert all(0 <= float(r[k]) <= 100 for r in ranking for k in ("total", "price", "lead_time", "quality"))


async def test_bids_stored_with_zero_prices_before_the_fix_do_not_break_evaluation(
    client, ctx, clock
) -> None:
    rfq, deadline, buyer_token, sme_token = await setup(client, ctx, clock)
    old = await bid(client, rfq, sme_token, "1.00", 1)
    _, second = await organisation_with_admin(ctx)
    valid = await bid(client, rfq, await api_token_for(ctx, second), "41.50", 2)
    assert old.status_code == valid.status_code == 201
    # what the door used to let through: 0.004 stored as 0.00 (sealed as such, so the hash matches)
    [row] = await raw.rows(Bid, "SELECT id, content FROM bid WHERE id = {}", old.json()["bid_id"])
    content = row["content"] if isinstance(row["content"], dict) else json.loads(row["content"])
    content["prices"] = {item: "0.00" for item in content["prices"]}
    content["total_price"] = "0.00"
    await raw.rows(
        Bid,
        "UPDATE bid SET content = {}, total_price = {}, sha256 = {} WHERE id = {}",
        json.dumps(content),
        "0.00",
        bid_hash(content),
        row["id"],
    )
    clock.current = deadline + dt.timedelta(minutes=1)
    assert (
        await client.post(f"/api/v1/rfqs/{rfq['id']}/open", headers=bearer(buyer_token))
    ).status_code == 200
    evaluated = await client.post(f"/api/v1/rfqs/{rfq['id']}/evaluate", headers=bearer(buyer_token))
    assert evaluated.status_code == 200, evaluated.text
    assert [(r["bid"], r["rank"]) for r in evaluated.json()] == [(valid.json()["bid_id"], 1)]
    awarded = await client.post(
        f"/api/v1/rfqs/{rfq['id']}/award", json={"bid_id": old.json()["bid_id"]}, headers=bearer(buyer_token)
    )
    assert awarded.status_code == 422  # a bid of 0.00 is not ranked, so it cannot be awarded


async def test_a_pyg_rfq_has_no_decimals(client, ctx, clock) -> None:
    rfq, deadline, buyer_token, sme_token = await setup(client, ctx, clock, currency="PYG")
    refused = await bid(client, rfq, sme_token, "0.4", 1)
    assert refused.status_code == 422
    assert all("at least 1 PYG" in f["message"] for f in refused.json()["fields"])
    taken = await bid(client, rfq, sme_token, "1500.4", 2)
    assert taken.status_code == 201, taken.text
    mine = (await client.get(f"/api/v1/rfqs/{rfq['id']}/bid", headers=bearer(sme_token))).json()
    assert set(mine["content"]["prices"].values()) == {"1500"} and mine["total_price"] == "3600000"
    clock.current = deadline + dt.timedelta(minutes=1)
    await client.post(f"/api/v1/rfqs/{rfq['id']}/open", headers=bearer(buyer_token))
    ranking = (await client.post(f"/api/v1/rfqs/{rfq['id']}/evaluate", headers=bearer(buyer_token))).json()
    assert [(r["lot_total"], r["rank"], r["total"]) for r in ranking] == [("3600000", 1, "100.00")]
    awarded = await client.post(
        f"/api/v1/rfqs/{rfq['id']}/award", json={"bid_id": ranking[0]["bid"]}, headers=bearer(buyer_token)
    )
    assert awarded.status_code == 200, awarded.text
