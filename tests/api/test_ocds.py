"""Open data: the OCDS 1.1 release package validates against the official schemas (read from
``../shared/ocds/``, never copied here); every member of a consortium is a supplier on the award;
party scale from the size class; bid statistics; nothing sealed before the evaluation; drafts left
out; the package is streamed a page of RFQs at a time."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from market.domain.organisations import OrganisationKind as K
from market.services import ocds
from tests.api.test_consortia import confirmed_joint_bid, invited
from tests.conftest import IN_CI, api_token_for, bearer
from tests.factories import organisation_with_admin
from tests.helpers import published_rfq

#: Where the workplace keeps the official schemas: beside the checkout, or named by the environment.
PLACES = [
    os.environ.get("MARKET_OCDS_SCHEMAS", ""),
    Path(__file__).parents[3] / "shared" / "ocds",
    "/work/shared/ocds",
]
SCHEMAS = next((Path(p) for p in PLACES if p and (Path(p) / "release-schema.json").exists()), Path("missing"))
RELEASE_URL = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"


def validator() -> Draft4Validator:
    """The release package schema, its reference to the release schema resolved to the local
    copy (the network is closed here), date-times checked."""
    if not (SCHEMAS / "release-package-schema.json").exists():
        if IN_CI:
            pytest.fail(f"the OCDS schemas are missing from {SCHEMAS}")
        pytest.skip(f"the OCDS schemas are not at {SCHEMAS}")
    package = json.loads((SCHEMAS / "release-package-schema.json").read_text())
    release = json.loads((SCHEMAS / "release-schema.json").read_text())
    registry = Registry().with_resource(
        RELEASE_URL, Resource.from_contents(release, default_specification=DRAFT4)
    )
    checker = FormatChecker()

    @checker.checks("date-time", raises=ValueError)
    def date_time(value: object) -> bool:
        return (
            not isinstance(value, str)
            or dt.datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None
        )

    return Draft4Validator(package, registry=registry, format_checker=checker)


def check_package(package: dict[str, Any]) -> None:
    errors = sorted(validator().iter_errors(package), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


def test_the_schema_check_can_fail() -> None:
    """The validator rejects what the standard rejects (a release without its ocid, a bad date)."""
    validator()  # fails in CI, skips elsewhere, when the schemas are missing
    sample = json.loads((SCHEMAS / "sample.json").read_text())
    check_package(sample)
    broken = json.loads(json.dumps(sample))
    del broken["releases"][0]["ocid"]
    broken["releases"][0]["date"] = "yesterday"
    assert len(list(validator().iter_errors(broken))) >= 2


async def test_release_package_of_a_consortium_award(client, ctx, clock) -> None:
    (
        rfq,
        deadline,
        buyer_token,
        base,
        (lead_org, lead),
        (partner_org, partner),
        (solo_org, solo),
    ) = await invited(client, ctx, clock, "Soles for open data")
    await confirmed_joint_bid(client, rfq, base, lead, partner, "2.50", "ocds-joint-0001")
    item = rfq["items"][0]["id"]
    offer = {"lead_time_days": 10, "validity_days": 30}
    alone = await client.post(
        f"/api/v1/rfqs/{rfq['id']}/bid",
        json={"prices": {item: "2.90"}, **offer},
        headers={**bearer(solo), "Idempotency-Key": "ocds-solo-0001"},
    )
    assert alone.status_code == 201, alone.text
    draft = await client.post(
        "/api/v1/rfqs",
        json={
            "title": "Unpublished draft",
            "currency": "USD",
            "deadline": deadline.isoformat(),
            "items": [{"description": "Steel bracket", "quantity": "10", "unit": "pieces"}],
        },
        headers=bearer(buyer_token),
    )
    assert draft.status_code == 201

    sealed = (await client.get(f"/api/v1/ocds/releases/{rfq['id']}")).json()  # no sign-in: open data
    check_package(sealed)
    [open_release] = sealed["releases"]
    assert open_release["tag"] == ["tender"] and open_release["tender"]["status"] == "active"
    assert "tenderers" not in open_release["tender"] and "bids" not in open_release
    assert [p["roles"] for p in open_release["parties"]] == [["buyer", "procuringEntity"]]
    assert "2.50" not in json.dumps(sealed) and lead_org["legal_name"] not in json.dumps(sealed)

    clock.current = deadline + dt.timedelta(minutes=1)
    await client.post(f"/api/v1/rfqs/{rfq['id']}/open", headers=bearer(buyer_token))
    ranking = (await client.post(f"/api/v1/rfqs/{rfq['id']}/evaluate", headers=bearer(buyer_token))).json()
    winner = next(r for r in ranking if r["rank"] == 1)
    awarded = await client.post(
        f"/api/v1/rfqs/{rfq['id']}/award", json={"bid_id": winner["bid"]}, headers=bearer(buyer_token)
    )
    assert awarded.status_code == 200, awarded.text

    response = await client.get("/api/v1/ocds/releases")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    package = response.json()
    check_package(package)
    assert "Unpublished draft" not in response.text
    [release] = [r for r in package["releases"] if r["tender"]["id"] == rfq["id"]]
    assert release["tag"] == ["award"] and release["tender"]["status"] == "complete"
    parties = {p["name"]: p for p in release["parties"]}
    [award] = release["awards"]
    assert [s["name"] for s in award["suppliers"]] == [lead_org["legal_name"], partner_org["legal_name"]]
    assert award["value"] == {"amount": 3750, "currency": "USD"}  # 1,500 soles at 2.50
    assert "60 %" in award["description"] and "40 %" in award["description"]
    for member in (lead_org, partner_org):
        assert parties[member["legal_name"]]["roles"] == ["supplier", "tenderer"]
        assert parties[member["legal_name"]]["details"] == {"scale": "sme"}  # size class "small"
        assert parties[member["legal_name"]]["identifier"]["scheme"] == "AR-CUIT"
    assert parties[solo_org["legal_name"]]["roles"] == ["tenderer"]
    assert release["tender"]["numberOfTenderers"] == 2
    statistics = {s["measure"]: s["value"] for s in release["bids"]["statistics"]}
    assert statistics == {"bids": 2, "validBids": 2, "smeBids": 2, "foreignBids": 0}
    assert {uri.split("/")[4] for uri in package["extensions"]} == {
        "ocds_bid_extension",
        "ocds_partyDetails_scale_extension",
        "ocds_lots_extension",
    }
    assert (await client.get(f"/api/v1/ocds/releases/{draft.json()['id']}")).status_code == 404


async def test_the_package_is_read_a_page_at_a_time(client, ctx, clock, monkeypatch) -> None:
    """Five RFQs published at the same instant, read two at a time: each once, in order."""
    _, buyer = await organisation_with_admin(ctx, K.LEAD_FIRM)
    token = await api_token_for(ctx, buyer)
    made = [
        await published_rfq(client, token, clock() + dt.timedelta(days=2), f"Paged {n}") for n in range(5)
    ]
    monkeypatch.setattr(ocds, "PAGE", 2)
    chunks = [chunk async for chunk in ocds.package(ctx, "http://testserver.local/api/v1/ocds/releases")]
    package = json.loads("".join(chunks))
    check_package(package)
    ids = [r["tender"]["id"] for r in package["releases"] if r["tender"]["title"].startswith("Paged")]
    assert sorted(ids) == sorted(r["id"] for r in made) and len(ids) == 5
    assert len(chunks) == len(package["releases"]) + 2  # the head, one chunk per release, the end
