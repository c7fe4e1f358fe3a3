"""The bid services keep one bid per holder (issue 14): a firm alone and its consortium each have
their own bid on an RFQ; submitting, replacing and withdrawing one never touches the other; the
seat rule refuses the same firm twice on one lot; opening opens both."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from market.db.tables import Bid
from market.domain.accounts import Actor, Role
from market.domain.errors import DomainError
from market.domain.organisations import OrganisationKind as K
from market.services import consortia, rfqs
from tests.conftest import api_token_for
from tests.factories import organisation_with_admin
from tests.helpers import published_rfq

LOTS = [{"title": "Soles"}, {"title": "Laces"}]
ITEMS = [
    {"description": "Shoe sole", "quantity": "1000", "unit": "pieces", "lot": 1},
    {"description": "Lace pair", "quantity": "1000", "unit": "pieces", "lot": 2},
]


async def actor(ctx, kind: K = K.SME_SUPPLIER) -> tuple[Actor, dict[str, Any]]:
    org, user = await organisation_with_admin(ctx, kind)
    return Actor(str(user["id"]), str(org["id"]), kind, Role.ADMIN, True), user


def offer(item: str, price: str) -> dict[str, Any]:
    return {"prices": {item: price}, "lead_time_days": 10, "validity_days": 30}


@pytest.mark.parametrize("joint_first", [True, False], ids=["joint-then-solo", "solo-then-joint"])
async def test_a_firms_solo_bid_and_its_consortiums_joint_bid_live_side_by_side(
    client, ctx, clock, joint_first: bool
) -> None:
    buyer, buyer_user = await actor(ctx, K.LEAD_FIRM)
    (lead, _), (partner, _) = await actor(ctx), await actor(ctx)
    deadline = clock() + dt.timedelta(days=3)
    token = await api_token_for(ctx, buyer_user)
    rfq = await published_rfq(
        client, token, deadline, "Soles and laces", allow_consortia=True, lots=LOTS, items=ITEMS
    )
    rfq_id, (sole, lace) = rfq["id"], (i["id"] for i in rfq["items"])
    made = await consortia.create_consortium(
        ctx, lead, rfq_id, {"kind": "horizontal", "share": "60", "liability_accepted": True, "lots": ["2"]}
    )
    team = str(made["id"])
    await consortia.invite(ctx, lead, team, {"organisation": partner.organisation_id, "share": "40"})
    await consortia.answer(ctx, partner, team, accept=True, liability_accepted=True)

    async def joint(price: str, key: str) -> str:
        receipt = await consortia.submit_joint_bid(ctx, lead, team, offer(lace, price), key)
        await consortia.confirm_joint_bid(ctx, partner, team, receipt.sha256)
        return receipt.bid_id

    if joint_first:
        joint_id = await joint("1.90", "svc-joint-0001")
        solo_id = (await rfqs.submit_bid(ctx, lead, rfq_id, offer(sole, "2.00"), "svc-solo-0001")).bid_id
    else:
        solo_id = (await rfqs.submit_bid(ctx, lead, rfq_id, offer(sole, "2.00"), "svc-solo-0001")).bid_id
        joint_id = await joint("1.90", "svc-joint-0001")
    active = {
        str(b["id"]): b["holder"] for b in await Bid.select(Bid.id, Bid.holder).where(Bid.status == "active")
    }
    assert active == {solo_id: f"bid:{lead.organisation_id}", joint_id: f"consortium:{team}"}
    assert (await rfqs.get_rfq(buyer, rfq_id))["bid_count"] == 2

    with pytest.raises(DomainError) as refused:  # the lead alone on the consortium's lot
        await rfqs.submit_bid(ctx, lead, rfq_id, offer(lace, "1.00"), "svc-solo-0002")
    assert refused.value.code == "consortium.firm_taken"
    with pytest.raises(DomainError) as refused:  # the partner alone on the consortium's lot
        await rfqs.submit_bid(ctx, partner, rfq_id, offer(lace, "1.00"), "svc-solo-0003")
    assert refused.value.code == "consortium.firm_taken"

    solo_id = (await rfqs.submit_bid(ctx, lead, rfq_id, offer(sole, "1.95"), "svc-solo-0004")).bid_id
    mine = await consortia.joint_bid(partner, team)
    assert mine is not None and (str(mine["id"]), mine["counts"]) == (joint_id, True)
    joint_id = await joint("1.85", "svc-joint-0002")
    own = await rfqs.my_bid(lead, rfq_id)
    assert own is not None and str(own["id"]) == solo_id
    assert await rfqs.my_bid(partner, rfq_id) is None  # the joint bid is not the partner's own

    await rfqs.withdraw_bid(ctx, lead, rfq_id)
    mine = await consortia.joint_bid(lead, team)
    assert mine is not None and str(mine["id"]) == joint_id
    solo_id = (await rfqs.submit_bid(ctx, lead, rfq_id, offer(sole, "1.99"), "svc-solo-0005")).bid_id
    await consortia.withdraw_joint_bid(ctx, lead, team)
    assert await consortia.joint_bid(partner, team) is None
    own = await rfqs.my_bid(lead, rfq_id)
    assert own is not None and str(own["id"]) == solo_id
    joint_id = await joint("1.80", "svc-joint-0003")

    clock.current = deadline + dt.timedelta(seconds=1)
    opened = await rfqs.open_bids(ctx, buyer, rfq_id)
    assert {(str(b["id"]), b["counts"], b["hash_matches"]) for b in opened} == {
        (solo_id, True, True),
        (joint_id, True, True),
    }
