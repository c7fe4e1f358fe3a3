"""The confidentiality matrix of trust.md: roles × phases × channels. A bid's prices are seen by
the bidder, and by the buyer once it has opened the bids — by nobody else, through no channel.

Channels: API, portal page, downloads (receipt, sealed documents), the open-data export (OCDS),
error text, log, and websockets (every event the services announce while the scenario runs, plus
what a page gets on connecting; the real wire is checked in ``tests/e2e/test_live_sockets.py``)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import uuid

import pytest

from market.db.tables import BidFile
from market.domain.organisations import OrganisationKind as K
from market.services import rfqs
from tests.conftest import api_token_for, bearer, client_for
from tests.factories import PASSWORD, organisation_with_admin
from tests.helpers import portal_login

SECRET = "31.17"  # the bid's unit price: must appear only where allowed
DOCUMENT = b"%PDF-1.4\n% priced offer: unit price " + SECRET.encode() + b"\n"
ROLES = ["anonymous", "bidder", "other_sme", "buyer", "other_buyer", "agency", "operator"]
PHASES = ["open", "closed", "opened", "awarded"]


def allowed(role: str, phase: str) -> bool:
    return role == "bidder" or (role == "buyer" and phase in ("opened", "awarded"))


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("role", ROLES)
async def test_bid_contents_reach_only_whom_they_may(
    app, client, ctx, clock, caplog, role: str, phase: str
) -> None:
    caplog.set_level(logging.DEBUG)
    announced: list[str] = []
    deliver = ctx.events

    def record(channel: str, event: dict) -> None:
        announced.append(json.dumps(event))
        deliver(channel, event)

    ctx.events = record
    users = {}
    for name, kind in (
        ("bidder", K.SME_SUPPLIER),
        ("other_sme", K.SME_SUPPLIER),
        ("buyer", K.LEAD_FIRM),
        ("other_buyer", K.LEAD_FIRM),
        ("agency", K.SUPPORT_AGENCY),
        ("operator", K.PLATFORM_OPERATOR),
    ):
        org, user = await organisation_with_admin(ctx, kind)
        users[name] = (org, user, await api_token_for(ctx, user))
    buyer_token = users["buyer"][2]
    deadline = clock() + dt.timedelta(days=3)
    rfq = (
        await client.post(
            "/api/v1/rfqs",
            headers=bearer(buyer_token),
            json={
                "title": "Matrix RFQ for sealed bids",
                "currency": "USD",
                "deadline": deadline.isoformat(),
                "items": [{"description": "Part", "quantity": "10", "unit": "pieces"}],
            },
        )
    ).json()
    await client.post(f"/api/v1/rfqs/{rfq['id']}/publish", headers=bearer(buyer_token))
    bid = await client.post(
        f"/api/v1/rfqs/{rfq['id']}/bid",
        headers={**bearer(users["bidder"][2]), "Idempotency-Key": "matrix-0001"},
        json={
            "prices": {rfq["items"][0]["id"]: SECRET},
            "lead_time_days": 9,
            "validity_days": 30,
            "attachments": [{"name": "offer.pdf", "content_base64": base64.b64encode(DOCUMENT).decode()}],
        },
    )
    assert bid.status_code == 201
    document = await BidFile.select(BidFile.id).first()
    if phase != "open":
        clock.current = deadline + dt.timedelta(minutes=1)
    if phase in ("opened", "awarded"):
        await client.post(f"/api/v1/rfqs/{rfq['id']}/open", headers=bearer(buyer_token))
    if phase == "awarded":
        ranking = (
            await client.post(f"/api/v1/rfqs/{rfq['id']}/evaluate", headers=bearer(buyer_token))
        ).json()
        await client.post(
            f"/api/v1/rfqs/{rfq['id']}/award", headers=bearer(buyer_token), json={"bid_id": ranking[0]["bid"]}
        )

    headers = {} if role == "anonymous" else bearer(users[role][2])
    api_paths = [
        "/api/v1/rfqs",
        f"/api/v1/rfqs/{rfq['id']}",
        f"/api/v1/rfqs/{rfq['id']}/bid",
        f"/api/v1/rfqs/{rfq['id']}/debrief",
    ]
    seen: dict[str, bool] = {}
    for path in api_paths:
        response = await client.get(path, headers=headers)
        seen[f"api {path}"] = SECRET in response.text
    # error text: a refused request from this role must not echo anything of the bid
    refused = await client.post(
        f"/api/v1/rfqs/{rfq['id']}/bid",
        headers={**headers, "Idempotency-Key": f"matrix-{role}"},
        json={"prices": {rfq["items"][0]["id"]: "-1"}, "lead_time_days": 9, "validity_days": 30},
    )
    seen["api error"] = SECRET in refused.text
    # the open-data export is public: never a unit price; the bidder is named only from the award on
    for path in ("/api/v1/ocds/releases", f"/api/v1/ocds/releases/{rfq['id']}"):
        exported = await client.get(path, headers=headers)
        assert exported.status_code == 200
        seen[f"export {path}"] = SECRET in exported.text
        named = users["bidder"][0]["legal_name"] in exported.text
        assert named == (phase == "awarded"), f"export names the bidder in phase {phase}: {named}"
    async with client_for(app, "198.51.100.90") as browser:
        if role != "anonymous":
            clock_now = clock.current
            await portal_login(browser, users[role][1]["email"], PASSWORD)
            clock.current = clock_now
        for path in (
            "/rfqs",
            f"/rfqs/{rfq['id']}",
            f"/rfqs/{rfq['id']}/receipt",
            f"/rfqs/{rfq['id']}/files/{document['id']}",  # a document sealed with the bid
        ):
            response = await browser.get(path)
            seen[f"portal {path}"] = SECRET in response.text
    if role != "anonymous":  # anonymous handshakes are refused (tests/e2e/test_live_sockets.py)
        rfq_id = uuid.UUID(rfq["id"])
        on_connect = [await rfqs.live_state(ctx, rfq_id), *await rfqs.answers_after(rfq_id, 0)]
        seen["websocket"] = any(SECRET in text for text in [*announced, json.dumps(on_connect)])
    assert announced, "the scenario announced live events"
    # the log is a channel too: bid contents are never written to it, for anyone
    assert SECRET not in caplog.text
    if allowed(role, phase):
        assert any(seen.values()), f"{role} may see the bid in phase {phase} but nothing showed it"
    else:
        leaks = [channel for channel, shown in seen.items() if shown]
        assert leaks == [], f"{role} saw the sealed bid in phase {phase} through {leaks}"
