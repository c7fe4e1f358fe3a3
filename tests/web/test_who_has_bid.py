"""Who has bid is sealed too (trust 7a): before the opening, nothing another supplier can read
changes when a firm bids (the RFQ's page and API, the board, partner suggestions, the interested
firms, notifications, the OCDS release, its own consortium's page, the live state), and an
invitation to a firm that bid looks, to the inviter, like one to a firm that did not. Only the
buyer's count of bids changes."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import uuid
from typing import Any

from market.domain.organisations import OrganisationKind as K
from market.services import rfqs
from tests.conftest import api_token_for, bearer, client_for
from tests.factories import PASSWORD, organisation_with_admin
from tests.helpers import portal_login, published_rfq

SOLES = {"classification_codes": ["18800000"], "capacity_unit": "pieces"}
# what differs from one page view to the next whoever bid: form tokens and fresh idempotency keys
VARYING = re.compile(r'(name="_csrf_token" value=|name="idempotency_key" value=|data-since=)"[^"]*"')


def steady(page: str) -> str:
    return VARYING.sub(r'\1""', page)


async def test_nothing_another_supplier_sees_changes_when_a_firm_bids(app, client, ctx, clock) -> None:
    _, buyer = await organisation_with_admin(ctx, K.LEAD_FIRM)
    buyer_token = await api_token_for(ctx, buyer)
    items = [{"description": "Shoe sole", "quantity": "1500", "unit": "pieces", "cpv": "18810000"}]
    rfq = await published_rfq(
        client, buyer_token, clock() + dt.timedelta(days=3), "Sealed soles", allow_consortia=True, items=items
    )
    rfq_id = rfq["id"]
    _, observer = await organisation_with_admin(ctx, monthly_capacity=700, **SOLES)
    observer_token = await api_token_for(ctx, observer)
    bidder_org, bidder = await organisation_with_admin(
        ctx, legal_name="Bidder Soles", monthly_capacity=800, **SOLES
    )
    bidder_token = await api_token_for(ctx, bidder)
    twin_org, twin = await organisation_with_admin(
        ctx, legal_name="Twin Soles", monthly_capacity=800, **SOLES
    )
    twin_token = await api_token_for(ctx, twin)
    team = await client.post(
        f"/api/v1/rfqs/{rfq_id}/consortia",
        json={"kind": "horizontal", "share": "100", "liability_accepted": True},
        headers=bearer(observer_token),
    )
    assert team.status_code == 201, team.text
    consortium = team.json()["id"]
    interest = await client.post(
        f"/api/v1/rfqs/{rfq_id}/interest", json={"note": "soles"}, headers=bearer(twin_token)
    )
    assert interest.status_code == 204

    api_reads = [
        f"/api/v1/rfqs/{rfq_id}",
        "/api/v1/rfqs",
        f"/api/v1/rfqs/{rfq_id}/partners",
        f"/api/v1/rfqs/{rfq_id}/interested",
        f"/api/v1/rfqs/{rfq_id}/questions",
        f"/api/v1/consortia/{consortium}",
        f"/api/v1/consortia/{consortium}/check",
        "/api/v1/notifications",
        f"/api/v1/ocds/releases/{rfq_id}",
    ]
    pages = [
        f"/rfqs/{rfq_id}",
        "/rfqs",
        f"/rfqs/{rfq_id}/partners",
        f"/consortia/{consortium}",
        "/notifications",
    ]

    async def look(browser: Any) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for path in api_reads:
            answer = await client.get(path, headers=bearer(observer_token))
            seen[path] = (answer.status_code, answer.text)
        for path in pages:
            answer = await browser.get(path)
            seen["portal " + path] = (answer.status_code, steady(answer.text))
        seen["live"] = await rfqs.live_state(ctx, uuid.UUID(rfq_id))
        return seen

    async def buyer_count() -> int:
        return int(
            (await client.get(f"/api/v1/rfqs/{rfq_id}", headers=bearer(buyer_token))).json()["bid_count"]
        )

    async with client_for(app, "198.51.100.211") as browser:
        await portal_login(browser, observer["email"], PASSWORD)
        await browser.get("/organisation")  # shows the "signed in" flash, once
        before = await look(browser)
        assert str(bidder_org["id"]) in before[f"/api/v1/rfqs/{rfq_id}/partners"][1]  # suggested
        assert before[f"/api/v1/rfqs/{rfq_id}"][0] == 200 and await buyer_count() == 0

        offer = {"prices": {rfq["items"][0]["id"]: "3.10"}, "lead_time_days": 10, "validity_days": 30}
        sent = await client.post(
            f"/api/v1/rfqs/{rfq_id}/bid",
            json=offer,
            headers={**bearer(bidder_token), "Idempotency-Key": "solo-bid-0001"},
        )
        assert sent.status_code == 201, sent.text

        after = await look(browser)
        assert await buyer_count() == 1  # the one thing that changes, for the buyer alone
        for channel, was in before.items():
            changes = difflib.unified_diff(
                str(was).splitlines(), str(after[channel]).splitlines(), lineterm=""
            )
            assert after[channel] == was, (channel, "\n".join(changes))

    # inviting the firm that bid answers the inviter exactly as inviting one that did not
    base = f"/api/v1/consortia/{consortium}"
    entries = []
    for firm in (bidder_org, twin_org):
        invitation = {"organisation": str(firm["id"]), "share": "40"}
        invited = await client.post(f"{base}/invitations", json=invitation, headers=bearer(observer_token))
        assert invited.status_code == 201, invited.text
        entry = next(m for m in invited.json()["members"] if m["organisation"] == str(firm["id"]))
        entries.append({k: v for k, v in entry.items() if k not in ("id", "organisation", "legal_name")})
    assert entries[0] == entries[1]

    # the firm that bid learns, on answering, that it cannot join; the inviter hears nothing
    notices_before = (await client.get("/api/v1/notifications", headers=bearer(observer_token))).text
    accept = {"accept": True, "liability_accepted": True}
    refused = await client.post(f"{base}/answer", json=accept, headers=bearer(bidder_token))
    assert refused.status_code == 409 and refused.json()["code"] == "consortium.firm_taken"
    assert "Your firm" in refused.json()["message"]
    assert (await client.get("/api/v1/notifications", headers=bearer(observer_token))).text == notices_before
    lead_view = (await client.get(base, headers=bearer(observer_token))).json()
    assert {m["organisation"]: m["status"] for m in lead_view["members"]}[str(bidder_org["id"])] == "invited"
