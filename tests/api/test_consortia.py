"""Forming a consortium through the API: the combined check, invitations and answers, the page
for members only, and one competing bid per firm, also when two bids race for the same firm."""

from __future__ import annotations

import asyncio
import datetime as dt

from market.db.tables import BidSeat, Notification
from market.domain.organisations import OrganisationKind as K
from tests.conftest import api_token_for, bearer
from tests.factories import organisation_with_admin
from tests.helpers import published_rfq


async def firms(ctx, n: int) -> list[tuple[dict, str]]:
    made = []
    for _ in range(n):
        org, admin = await organisation_with_admin(ctx)
        made.append((org, await api_token_for(ctx, admin)))
    return made


async def joint_rfq(client, ctx, clock, **extra) -> dict:
    _, buyer = await organisation_with_admin(ctx, K.LEAD_FIRM)
    token = await api_token_for(ctx, buyer)
    items = [{"description": "Shoe sole", "quantity": "1500", "unit": "pieces"}]
    body = {"allow_consortia": True, "items": items, **extra}
    return await published_rfq(client, token, clock() + dt.timedelta(days=3), "Soles for 1,500 pairs", **body)


async def invited(client, ctx, clock, title: str) -> tuple:
    """An open RFQ for joint bids and a consortium whose lead invited a partner (a third firm
    stands by): the RFQ, its deadline, the buyer's token, the consortium's address, the firms."""
    _, buyer = await organisation_with_admin(ctx, K.LEAD_FIRM)
    buyer_token = await api_token_for(ctx, buyer)
    deadline = clock() + dt.timedelta(days=3)
    items = [{"description": "Shoe sole", "quantity": "1500", "unit": "pieces"}]
    rfq = await published_rfq(client, buyer_token, deadline, title, allow_consortia=True, items=items)
    (lead_org, lead), (partner_org, partner), third = await firms(ctx, 3)
    made = await client.post(f"/api/v1/rfqs/{rfq['id']}/consortia", json=lead_body(), headers=bearer(lead))
    base = f"/api/v1/consortia/{made.json()['id']}"
    invitation = {"organisation": str(partner_org["id"]), "share": "40"}
    assert (
        await client.post(f"{base}/invitations", json=invitation, headers=bearer(lead))
    ).status_code == 201
    return rfq, deadline, buyer_token, base, (lead_org, lead), (partner_org, partner), third


async def confirmed_joint_bid(
    client, rfq: dict, base: str, lead: str, partner: str, price: str, key: str
) -> dict:
    """The invited partner joins, the lead sends the joint bid at ``price`` a unit, the partner
    confirms it: the receipt."""
    accept = {"accept": True, "liability_accepted": True}
    assert (await client.post(f"{base}/answer", json=accept, headers=bearer(partner))).status_code == 200
    offer = {"prices": {rfq["items"][0]["id"]: price}, "lead_time_days": 10, "validity_days": 30}
    joint = await client.post(f"{base}/bid", json=offer, headers={**bearer(lead), "Idempotency-Key": key})
    assert joint.status_code == 201, joint.text
    confirmed = await client.post(
        f"{base}/bid/confirm", json={"sha256": joint.json()["sha256"]}, headers=bearer(partner)
    )
    assert confirmed.status_code == 200
    return joint.json()


def lead_body(share: str = "60") -> dict:
    return {"kind": "horizontal", "share": share, "liability_accepted": True}


async def test_forming_a_consortium_and_its_combined_check(client, ctx, clock) -> None:
    rfq = await joint_rfq(client, ctx, clock)
    (lead_org, lead), (partner_org, partner), (_, outsider) = await firms(ctx, 3)
    url = f"/api/v1/rfqs/{rfq['id']}/consortia"
    refused = await client.post(url, json={**lead_body(), "liability_accepted": False}, headers=bearer(lead))
    assert refused.status_code == 422 and refused.json()["fields"][0]["field"] == "liability_accepted"
    made = await client.post(url, json=lead_body(), headers=bearer(lead))
    assert made.status_code == 201, made.text
    team = made.json()
    base = f"/api/v1/consortia/{team['id']}"
    alone = (await client.get(f"{base}/check", headers=bearer(lead))).json()
    assert not alone["eligible"]
    assert [g["code"] for g in alone["uncovered"]] == ["consortium.shares", "consortium.capacity"]

    invited = await client.post(
        f"{base}/invitations",
        json={"organisation": str(partner_org["id"]), "share": "40"},
        headers=bearer(lead),
    )
    assert invited.status_code == 201
    assert await Notification.exists().where(Notification.organisation == partner_org["id"])
    not_lead = await client.post(
        f"{base}/invitations",
        json={"organisation": str(lead_org["id"]), "share": "10"},
        headers=bearer(partner),
    )
    assert not_lead.status_code == 403
    assert (await client.get(base, headers=bearer(partner))).json()["my_status"] == "invited"
    assert (await client.get(base, headers=bearer(outsider))).status_code == 404  # members only
    pending = (await client.get(f"{base}/check", headers=bearer(lead))).json()
    assert {m["organisation"]: [g["code"] for g in m["gaps"]] for m in pending["members"]} == {
        str(lead_org["id"]): [],
        str(partner_org["id"]): ["consortium.not_accepted"],
    }
    no_liability = await client.post(f"{base}/answer", json={"accept": True}, headers=bearer(partner))
    assert no_liability.status_code == 422
    accepted = await client.post(
        f"{base}/answer", json={"accept": True, "liability_accepted": True}, headers=bearer(partner)
    )
    assert accepted.status_code == 200
    whole = (await client.get(f"{base}/check", headers=bearer(partner))).json()
    assert whole["eligible"], whole  # 60 + 40 %, 1,000 + 1,000 pieces a month for 1,500

    # in the consortium, the partner cannot also bid alone; once it left, it can
    solo = {"prices": {rfq["items"][0]["id"]: "3.10"}, "lead_time_days": 20, "validity_days": 30}
    key = {"Idempotency-Key": "solo-key-0001"}
    taken = await client.post(f"/api/v1/rfqs/{rfq['id']}/bid", json=solo, headers={**bearer(partner), **key})
    assert taken.status_code == 409 and taken.json()["code"] == "consortium.firm_taken"
    assert (await client.post(f"{base}/leave", json={}, headers=bearer(partner))).status_code == 204
    alone_again = await client.post(
        f"/api/v1/rfqs/{rfq['id']}/bid", json=solo, headers={**bearer(partner), **key}
    )
    assert alone_again.status_code == 201
    assert (await client.get(base, headers=bearer(partner))).status_code == 404  # a member that left
    after = (await client.get(f"{base}/check", headers=bearer(lead))).json()
    assert [g["code"] for g in after["uncovered"]] == ["consortium.shares", "consortium.capacity"]
    lead_leaves = await client.post(f"{base}/leave", json={}, headers=bearer(lead))
    assert lead_leaves.status_code == 409


async def test_an_rfq_must_allow_joint_bids(client, ctx, clock) -> None:
    rfq = await joint_rfq(client, ctx, clock, allow_consortia=False)
    [(_, lead)] = await firms(ctx, 1)
    refused = await client.post(f"/api/v1/rfqs/{rfq['id']}/consortia", json=lead_body(), headers=bearer(lead))
    assert refused.status_code == 409 and refused.json()["code"] == "consortium.not_allowed"


async def test_two_bids_racing_for_the_same_firm_only_one_gets_it(client, ctx, clock) -> None:
    """Two consortia invite the same firm and it accepts both at once, while it also sends a bid of
    its own: exactly one of the three takes its seat."""
    rfq = await joint_rfq(client, ctx, clock)
    (_, first_lead), (_, second_lead), (firm_org, firm) = await firms(ctx, 3)
    teams = []
    for lead in (first_lead, second_lead):
        made = await client.post(
            f"/api/v1/rfqs/{rfq['id']}/consortia", json=lead_body(), headers=bearer(lead)
        )
        team = made.json()
        invited = await client.post(
            f"/api/v1/consortia/{team['id']}/invitations",
            json={"organisation": str(firm_org["id"]), "share": "40"},
            headers=bearer(lead),
        )
        assert invited.status_code == 201
        teams.append(team)
    accept = {"accept": True, "liability_accepted": True}
    solo = {"prices": {rfq["items"][0]["id"]: "3.00"}, "lead_time_days": 20, "validity_days": 30}
    answers = await asyncio.gather(
        *(
            client.post(f"/api/v1/consortia/{t['id']}/answer", json=accept, headers=bearer(firm))
            for t in teams
        ),
        client.post(
            f"/api/v1/rfqs/{rfq['id']}/bid",
            json=solo,
            headers={**bearer(firm), "Idempotency-Key": "race-key-001"},
        ),
    )
    codes = sorted(a.status_code for a in answers)
    assert codes in ([200, 409, 409], [201, 409, 409]), [a.text for a in answers]
    assert all(a.json()["code"] == "consortium.firm_taken" for a in answers if a.status_code == 409)
    assert await BidSeat.count().where(BidSeat.organisation == firm_org["id"]) == 1


async def test_the_joint_bid_counts_only_when_every_member_confirmed_that_version(client, ctx, clock) -> None:
    rfq, deadline, buyer_token, base, (lead_org, lead), (partner_org, partner), (_, outsider) = await invited(
        client, ctx, clock, "Soles, joint"
    )
    prices = {"prices": {rfq["items"][0]["id"]: "3.20"}, "lead_time_days": 15, "validity_days": 30}

    def key(n: int) -> dict:
        return {"Idempotency-Key": f"joint-key-{n:04d}"}

    early = await client.post(f"{base}/bid", json=prices, headers={**bearer(lead), **key(1)})
    assert early.status_code == 403 and early.json()["code"] == "consortium.not_eligible"
    assert "consortium.not_accepted" in {f["code"] for f in early.json()["fields"]}
    accept = {"accept": True, "liability_accepted": True}
    assert (await client.post(f"{base}/answer", json=accept, headers=bearer(partner))).status_code == 200
    not_lead = await client.post(f"{base}/bid", json=prices, headers={**bearer(partner), **key(2)})
    assert not_lead.status_code == 403
    first = await client.post(f"{base}/bid", json=prices, headers={**bearer(lead), **key(3)})
    assert first.status_code == 201, first.text
    receipt = first.json()
    assert set(receipt["members"]) == {str(lead_org["id"]), str(partner_org["id"])}  # the receipt names them

    seen = (await client.get(f"{base}/bid", headers=bearer(partner))).json()
    assert seen["content"]["prices"] == {rfq["items"][0]["id"]: "3.20"} and not seen["counts"]
    assert seen["confirmed"] == [str(lead_org["id"])]  # the lead's submission is its confirmation
    assert (await client.get(f"{base}/bid", headers=bearer(outsider))).status_code == 404
    assert (await client.get(f"{base}/bid", headers=bearer(buyer_token))).status_code == 404  # sealed
    assert (await client.post(f"{base}/leave", json={}, headers=bearer(partner))).status_code == 409

    # the lead changes the bid: the partner's review of the first version no longer counts
    second = await client.post(
        f"{base}/bid", json={**prices, "lead_time_days": 12}, headers={**bearer(lead), **key(4)}
    )
    assert second.status_code == 201 and second.json()["sha256"] != receipt["sha256"]
    stale = await client.post(
        f"{base}/bid/confirm", json={"sha256": receipt["sha256"]}, headers=bearer(partner)
    )
    assert stale.status_code == 409 and stale.json()["code"] == "consortium.bid_changed"
    done = await client.post(
        f"{base}/bid/confirm", json={"sha256": second.json()["sha256"]}, headers=bearer(partner)
    )
    assert done.status_code == 200 and done.json()["counts"]

    clock.current = deadline + dt.timedelta(milliseconds=1)
    late = await client.post(
        f"{base}/bid/confirm", json={"sha256": second.json()["sha256"]}, headers=bearer(partner)
    )
    assert late.status_code == 409 and late.json()["code"] == "bid.after_deadline"
    opened = await client.post(f"/api/v1/rfqs/{rfq['id']}/open", headers=bearer(buyer_token))
    assert [(b["bidder"], b["content"]["consortium"]["id"]) for b in opened.json()] == [
        (str(lead_org["id"]), base.rsplit("/", 1)[1])
    ]
    ranking = (await client.post(f"/api/v1/rfqs/{rfq['id']}/evaluate", headers=bearer(buyer_token))).json()
    assert [r["bid"] for r in ranking] == [second.json()["bid_id"]]
    awarded = await client.post(
        f"/api/v1/rfqs/{rfq['id']}/award", json={"bid_id": ranking[0]["bid"]}, headers=bearer(buyer_token)
    )
    assert awarded.status_code == 200
    for token in (lead, partner):  # every member gets the debrief, which names every member and share
        debrief = (await client.get(f"/api/v1/rfqs/{rfq['id']}/debrief", headers=bearer(token))).json()
        assert debrief["won"] and [
            (m["organisation"], m["share"]) for m in debrief["lots"][0]["members"]
        ] == [
            (str(lead_org["id"]), "60"),
            (str(partner_org["id"]), "40"),
        ]
    assert (
        await client.get(f"/api/v1/rfqs/{rfq['id']}/debrief", headers=bearer(outsider))
    ).status_code == 404
    assert await Notification.exists().where(
        Notification.organisation == partner_org["id"], Notification.code == "rfq.awarded"
    )


async def test_a_joint_bid_not_every_member_confirmed_is_not_evaluated(client, ctx, clock) -> None:
    rfq, deadline, buyer_token, base, (_, lead), (_, partner), (_, solo) = await invited(
        client, ctx, clock, "Soles, unconfirmed"
    )
    await client.post(
        f"{base}/answer", json={"accept": True, "liability_accepted": True}, headers=bearer(partner)
    )
    prices = {"prices": {rfq["items"][0]["id"]: "2.90"}, "lead_time_days": 15, "validity_days": 30}
    joint = await client.post(
        f"{base}/bid", json=prices, headers={**bearer(lead), "Idempotency-Key": "joint-unconf-1"}
    )
    assert joint.status_code == 201
    alone = await client.post(
        f"/api/v1/rfqs/{rfq['id']}/bid",
        json={**prices, "prices": {rfq["items"][0]["id"]: "3.50"}},
        headers={**bearer(solo), "Idempotency-Key": "solo-unconf-1"},
    )
    assert alone.status_code == 201
    clock.current = deadline + dt.timedelta(minutes=1)
    opened = (await client.post(f"/api/v1/rfqs/{rfq['id']}/open", headers=bearer(buyer_token))).json()
    assert len(opened) == 2  # both are opened and shown; only one counts
    ranking = (await client.post(f"/api/v1/rfqs/{rfq['id']}/evaluate", headers=bearer(buyer_token))).json()
    assert [r["bid"] for r in ranking] == [alone.json()["bid_id"]]  # cheaper, but not confirmed by all


async def test_firms_mark_interest_so_that_others_can_find_them(client, ctx, clock, app) -> None:
    rfq = await joint_rfq(client, ctx, clock)
    (firm_org, firm), (_, other) = await firms(ctx, 2)
    url = f"/api/v1/rfqs/{rfq['id']}"
    for note in ("We make soles", "We make soles and insoles"):  # again: one entry, the new note
        marked = await client.post(f"{url}/interest", json={"note": note}, headers=bearer(firm))
        assert marked.status_code == 204
    found = (await client.get(f"{url}/interested", headers=bearer(other))).json()
    assert [(f["organisation"], f["tax_id"], f["note"], f["mine"]) for f in found] == [
        (str(firm_org["id"]), firm_org["tax_id"], "We make soles and insoles", False)
    ]
    buyer_token = await api_token_for(ctx, (await organisation_with_admin(ctx, K.LEAD_FIRM))[1])
    assert (await client.get(f"{url}/interested", headers=bearer(buyer_token))).status_code == 403
    assert (await client.delete(f"{url}/interest", headers=bearer(firm))).status_code == 204
    assert (await client.get(f"{url}/interested", headers=bearer(other))).json() == []
    closed = await joint_rfq(client, ctx, clock, allow_consortia=False)
    refused = await client.post(f"/api/v1/rfqs/{closed['id']}/interest", json={}, headers=bearer(firm))
    assert refused.status_code == 409 and refused.json()["code"] == "consortium.not_allowed"
    clock.current = clock() + dt.timedelta(days=4)
    late = await client.post(f"{url}/interest", json={}, headers=bearer(firm))
    assert late.status_code == 409 and late.json()["code"] == "bid.after_deadline"
