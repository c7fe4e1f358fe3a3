"""The JSON API takes numbers in one canonical form: JSON numbers or plain decimal strings
(``-?\\d+(\\.\\d+)?``); "1,5" and "1.000,5" are refused in the one error shape, whatever the
Accept-Language, and the OpenAPI document says so."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from market.api.openapi import published_document
from market.app import create_app
from market.db.tables import RfqItem
from market.domain.numbers import CANONICAL_PATTERN, MAX_LENGTH
from market.domain.organisations import OrganisationKind as K
from market.settings import Settings
from tests.conftest import api_token_for, bearer
from tests.factories import organisation_with_admin


def body(deadline: dt.datetime, *quantities: object) -> dict:
    return {
        "title": "Brake discs for the 2027 platform",
        "currency": "USD",
        "deadline": deadline.isoformat(),
        "items": [
            {"description": f"Disc {n}", "quantity": q, "unit": "pieces"} for n, q in enumerate(quantities)
        ],
    }


@pytest.mark.parametrize("language", ["en", "es"])
async def test_quantities_in_a_locales_form_are_refused_in_the_one_shape(
    client, ctx, clock, language
) -> None:
    _, buyer = await organisation_with_admin(ctx, K.LEAD_FIRM)
    headers = {**bearer(await api_token_for(ctx, buyer)), "Accept-Language": language}
    deadline = clock() + dt.timedelta(days=7)
    refused = await client.post("/api/v1/rfqs", json=body(deadline, "1,5", "1.000,5", "1e3"), headers=headers)
    assert refused.status_code == 422
    error = refused.json()
    assert set(error) == {"code", "message", "fields"} and error["code"] == "validation_failed"
    fields = {f["field"]: f for f in error["fields"]}
    assert {name: fields[f"items.{name}.quantity"]["code"] for name in (0, 1, 2)} == dict.fromkeys(
        (0, 1, 2), "number.invalid"
    )
    assert "12345.5" in fields["items.0.quantity"]["message"]  # the canonical example, in either language
    assert await RfqItem.count() == 0

    made = await client.post(
        "/api/v1/rfqs", json=body(deadline, "1.000", 2500.5, 12, "0.004"), headers=headers
    )
    assert made.status_code == 201, made.text
    stored = [Decimal(r["quantity"]) for r in await RfqItem.select().order_by(RfqItem.position)]
    assert stored == [Decimal(1), Decimal("2500.5"), Decimal(12), Decimal("0.004")]


async def test_bid_prices_json_numbers_and_plain_strings(client, ctx, clock) -> None:
    _, buyer = await organisation_with_admin(ctx, K.LEAD_FIRM)
    _, sme = await organisation_with_admin(ctx)
    deadline = clock() + dt.timedelta(days=7)
    made = await client.post(
        "/api/v1/rfqs", json=body(deadline, "10", "20"), headers=bearer(await api_token_for(ctx, buyer))
    )
    rfq = made.json()
    buyer_token = await api_token_for(ctx, buyer)
    assert (
        await client.post(f"/api/v1/rfqs/{rfq['id']}/publish", headers=bearer(buyer_token))
    ).status_code == 200
    first, second = (item["id"] for item in rfq["items"])
    headers = {**bearer(await api_token_for(ctx, sme)), "Idempotency-Key": "numbers-bid-0001"}
    bid = {"lead_time_days": 10, "validity_days": 30}
    refused = await client.post(
        f"/api/v1/rfqs/{rfq['id']}/bid",
        json={**bid, "prices": {first: "1,5", second: "1.000,5"}},
        headers=headers,
    )
    assert refused.status_code == 422
    assert {(f["field"], f["code"]) for f in refused.json()["fields"]} == {
        (f"prices.{first}", "number.invalid"),
        (f"prices.{second}", "number.invalid"),
    }
    sent = await client.post(
        f"/api/v1/rfqs/{rfq['id']}/bid",
        json={**bid, "prices": {first: 7.25, second: "1000.5"}},
        headers=headers,
    )
    assert sent.status_code == 201, sent.text
    mine = await client.get(f"/api/v1/rfqs/{rfq['id']}/bid", headers=headers)
    assert mine.json()["content"]["prices"] == {first: "7.25", second: "1000.50"}


def test_the_openapi_document_states_the_one_form() -> None:
    document = published_document(create_app(Settings(database_url="sqlite:///:memory:")))
    components = {schema.get("title", ""): schema for schema in document["components"]["schemas"].values()}
    quantity = components["ItemIn"]["properties"]["quantity"]
    text = {"type": "string", "pattern": CANONICAL_PATTERN, "maxLength": MAX_LENGTH}
    assert quantity["oneOf"] == [text, {"type": "number"}]
    assert "no thousands separator" in quantity["description"] and '"1,5"' in quantity["description"]
    for model, name in (("BidIn", "prices"), ("JointBidIn", "prices")):
        prices = components[model]["properties"][name]["additionalProperties"]
        assert prices["oneOf"][1] == {"type": "number"} and prices["oneOf"][0]["pattern"] == CANONICAL_PATTERN
    for model, name in (("PartIn", "share"), ("DeliveryIn", "rejected_percent")):
        assert components[model]["properties"][name]["oneOf"][0]["pattern"] == CANONICAL_PATTERN


async def test_a_long_json_number_is_judged_by_the_rule_not_refused_as_malformed(client, ctx, clock) -> None:
    """The schema lets a JSON number have any digits (only text has a length): one too large, or
    with too many digits to be a quantity, is refused by the quantity's own rule (found by
    schemathesis: 4.8e16 as a share was refused as malformed, "at most 12 characters")."""
    _, buyer = await organisation_with_admin(ctx, K.LEAD_FIRM)
    headers = bearer(await api_token_for(ctx, buyer))
    deadline = clock() + dt.timedelta(days=7)
    refused = await client.post(
        "/api/v1/rfqs", json=body(deadline, 4.812553109056432e16, 1e-300), headers=headers
    )
    assert refused.status_code == 422
    codes = {f["field"]: f["code"] for f in refused.json()["fields"]}
    assert set(codes) == {"items.0.quantity", "items.1.quantity"}
    assert "request.field_invalid" not in codes.values()
    too_long = await client.post("/api/v1/rfqs", json=body(deadline, "1" * (MAX_LENGTH + 1)), headers=headers)
    assert too_long.status_code == 422 and too_long.json()["code"] == "request.invalid"
