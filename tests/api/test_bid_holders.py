"""Bids belong to their holder, the firm alone or its consortium (issue 14, defect 3): a lead firm's
solo bid on one lot and its consortium's joint bid on another live side by side through replacing,
withdrawing, counting, opening and the members' views; the seat rule refuses a solo bid and a
joint bid with the same firm on the same lot, with the reason."""

from __future__ import annotations

import datetime as dt
from typing import Any

from market.db.tables import Bid, Notification
from market.domain.organisations import OrganisationKind as K
from tests.conftest import api_token_for, bearer
from tests.factories import organisation_with_admin
from tests.helpers import published_rfq

LOTS = [{"title": "Soles"}, {"title": "Laces"}]
ITEMS = [
    {"description": "Shoe sole", "quantity": "1000", "unit": "pieces", "lot": 1},
    {"description": "Lace pair", "quantity": "1000", "unit": "pieces", "lot": 2},
]
ACCEPT = {"accept": True, "liability_accepted": True}


class Market:
    """An open RFQ with two lots that allows joint bids, its buyer, a lead firm and its partner
    (the consortium is formed by ``team``), and an outsider."""

    def __init__(self, client: Any, rfq: dict, deadline: dt.datetime, tokens: dict, orgs: dict) -> None:
        self.client, self.rfq, self.deadline, self.tokens, self.orgs = client, rfq, deadline, tokens, orgs
        self.sole, self.lace = (item["id"] for item in rfq["items"])
        self.n = 0

    def key(self) -> dict[str, str]:
        self.n += 1
        return {"Idempotency-Key": f"holder-key-{self.n:04d}"}

    def offer(self, lot: str, price: str = "2.00") -> dict:
        return {
            "prices": {self.sole if lot == "1" else self.lace: price},
            "lead_time_days": 10,
            "validity_days": 30,
        }

    async def solo(self, who: str, lot: str, price: str = "2.00") -> Any:
        return await self.client.post(
            f"/api/v1/rfqs/{self.rfq['id']}/bid",
            json=self.offer(lot, price),
            headers={**bearer(self.tokens[who]), **self.key()},
        )

    async def team(self, lot: str) -> str:
        """The lead forms a consortium for ``lot`` and the partner joins it: its address."""
        made = await self.client.post(
            f"/api/v1/rfqs/{self.rfq['id']}/consortia",
            json={"kind": "horizontal", "share": "60", "liability_accepted": True, "lots": [lot]},
            headers=bearer(self.tokens["lead"]),
        )
        assert made.status_code == 201, made.text
        base = f"/api/v1/consortia/{made.json()['id']}"
        invitation = {"organisation": str(self.orgs["partner"]["id"]), "share": "40"}
        invited = await self.client.post(
            f"{base}/invitations", json=invitation, headers=bearer(self.tokens["lead"])
        )
        assert invited.status_code == 201, invited.text
        joined = await self.client.post(f"{base}/answer", json=ACCEPT, headers=bearer(self.tokens["partner"]))
        assert joined.status_code == 200, joined.text
        return base

    async def joint(self, base: str, lot: str, price: str = "1.90") -> dict:
        """The lead sends the joint bid and the partner confirms it: the receipt."""
        sent = await self.client.post(
            f"{base}/bid", json=self.offer(lot, price), headers={**bearer(self.tokens["lead"]), **self.key()}
        )
        assert sent.status_code == 201, sent.text
        confirmed = await self.client.post(
            f"{base}/bid/confirm",
            json={"sha256": sent.json()["sha256"]},
            headers=bearer(self.tokens["partner"]),
        )
        assert confirmed.status_code == 200 and confirmed.json()["counts"], confirmed.text
        return dict(sent.json())

    async def joint_seen_by(self, base: str, who: str) -> Any:
        return await self.client.get(f"{base}/bid", headers=bearer(self.tokens[who]))

    async def own_bid(self, who: str) -> Any:
        return await self.client.get(f"/api/v1/rfqs/{self.rfq['id']}/bid", headers=bearer(self.tokens[who]))

    async def count(self) -> int:
        seen = await self.client.get(f"/api/v1/rfqs/{self.rfq['id']}", headers=bearer(self.tokens["buyer"]))
        return int(seen.json()["bid_count"])

    async def open(self) -> list[dict]:
        self.client_clock.current = self.deadline + dt.timedelta(minutes=1)
        opened = await self.client.post(
            f"/api/v1/rfqs/{self.rfq['id']}/open", headers=bearer(self.tokens["buyer"])
        )
        assert opened.status_code == 200, opened.text
        return list(opened.json())


async def market(client, ctx, clock) -> Market:
    tokens, orgs = {}, {}
    for role in ("buyer", "lead", "partner", "outsider"):
        org, admin = await organisation_with_admin(ctx, K.LEAD_FIRM if role == "buyer" else K.SME_SUPPLIER)
        tokens[role], orgs[role] = await api_token_for(ctx, admin), org
    deadline = clock() + dt.timedelta(days=3)
    rfq = await published_rfq(
        client, tokens["buyer"], deadline, "Soles and laces", allow_consortia=True, lots=LOTS, items=ITEMS
    )
    made = Market(client, rfq, deadline, tokens, orgs)
    made.client_clock = clock  # type: ignore[attr-defined]
    return made


async def test_solo_on_lot_1_then_joint_on_lot_2_both_stand_count_and_open(client, ctx, clock) -> None:
    m = await market(client, ctx, clock)
    base = await m.team("2")
    joint = await m.joint(base, "2")
    solo = await m.solo("lead", "1")
    assert solo.status_code == 201, solo.text
    assert await m.count() == 2  # the buyer's count: the solo bid did not replace the joint one
    for who in ("lead", "partner"):  # the members still see their joint bid, confirmed and counting
        seen = await m.joint_seen_by(base, who)
        assert seen.status_code == 200 and seen.json()["id"] == joint["bid_id"] and seen.json()["counts"]
    mine = (await m.own_bid("lead")).json()  # the lead's own bid is its solo bid, never the joint one
    assert mine["id"] == solo.json()["bid_id"] and "consortium" not in mine["content"]
    assert (await m.own_bid("partner")).status_code == 404  # the partner has no bid of its own
    opened = await m.open()
    assert {(b["id"], b["hash_matches"]) for b in opened} == {
        (joint["bid_id"], True),
        (solo.json()["bid_id"], True),
    }
    ranking = (
        await client.post(f"/api/v1/rfqs/{m.rfq['id']}/evaluate", headers=bearer(m.tokens["buyer"]))
    ).json()
    assert [(r["lot"], r["bid"]) for r in ranking] == [("1", solo.json()["bid_id"]), ("2", joint["bid_id"])]


async def test_joint_on_lot_1_then_solo_on_lot_2_both_stand(client, ctx, clock) -> None:
    """The other order, and the partner alone as well: a solo bid never touches a joint bid."""
    m = await market(client, ctx, clock)
    early = await m.solo("lead", "2")  # the lead bids alone first, then forms the consortium
    assert early.status_code == 201, early.text
    base = await m.team("1")
    joint = await m.joint(base, "1")
    assert (await m.own_bid("lead")).json()["id"] == early.json()["bid_id"]  # the joint bid left it alone
    partner_alone = await m.solo("partner", "2")
    assert partner_alone.status_code == 201, partner_alone.text
    assert await m.count() == 3
    seen = (await m.joint_seen_by(base, "partner")).json()
    assert seen["id"] == joint["bid_id"] and seen["counts"]
    assert (await m.own_bid("partner")).json()["id"] == partner_alone.json()["bid_id"]
    opened = await m.open()
    assert {b["id"] for b in opened} == {
        early.json()["bid_id"],
        joint["bid_id"],
        partner_alone.json()["bid_id"],
    }


async def test_a_solo_and_a_joint_bid_on_the_same_lot_are_refused_with_the_reason(client, ctx, clock) -> None:
    m = await market(client, ctx, clock)
    base = await m.team("2")
    joint = await m.joint(base, "2")
    for who, lot in (("lead", "2"), ("partner", "2")):
        refused = await m.solo(who, lot)
        assert refused.status_code == 409 and refused.json()["code"] == "consortium.firm_taken", refused.text
        assert "already in another bid" in refused.json()["message"]
    both_lots = await client.post(
        f"/api/v1/rfqs/{m.rfq['id']}/bid",
        json={**m.offer("1"), "prices": {m.sole: "2.00", m.lace: "1.00"}},
        headers={**bearer(m.tokens["lead"]), **m.key()},
    )
    assert both_lots.status_code == 409 and both_lots.json()["code"] == "consortium.firm_taken"
    assert await m.count() == 1 and await Bid.count() == 1  # nothing written, the joint bid stands
    assert (await m.joint_seen_by(base, "partner")).json()["id"] == joint["bid_id"]

    # the other way round: a firm bidding alone on lot 1 cannot join a consortium for lot 1
    solo = await m.solo("outsider", "1")
    assert solo.status_code == 201
    made = await client.post(
        f"/api/v1/rfqs/{m.rfq['id']}/consortia",
        json={"kind": "horizontal", "share": "100", "liability_accepted": True, "lots": ["1"]},
        headers=bearer(m.tokens["outsider"]),
    )
    assert made.status_code == 409 and made.json()["code"] == "consortium.firm_taken"
    invitation = {"organisation": str(m.orgs["outsider"]["id"]), "share": "10"}
    second = await client.post(
        f"/api/v1/rfqs/{m.rfq['id']}/consortia",
        json={"kind": "horizontal", "share": "90", "liability_accepted": True, "lots": ["1"]},
        headers=bearer(m.tokens["lead"]),
    )
    assert second.status_code == 201
    other = f"/api/v1/consortia/{second.json()['id']}"
    assert (
        await client.post(f"{other}/invitations", json=invitation, headers=bearer(m.tokens["lead"]))
    ).status_code == 201
    joining = await client.post(f"{other}/answer", json=ACCEPT, headers=bearer(m.tokens["outsider"]))
    assert joining.status_code == 409 and joining.json()["code"] == "consortium.firm_taken"
    assert (await m.own_bid("outsider")).json()["id"] == solo.json()["bid_id"]


async def test_replacing_and_withdrawing_one_leaves_the_other_intact(client, ctx, clock) -> None:
    m = await market(client, ctx, clock)
    base = await m.team("2")
    joint = await m.joint(base, "2")
    first = await m.solo("lead", "1", "2.00")
    replaced = await m.solo("lead", "1", "1.80")  # the lead replaces its solo bid
    assert replaced.status_code == 201 and await m.count() == 2
    seen = (await m.joint_seen_by(base, "partner")).json()
    assert (seen["id"], seen["sha256"], seen["counts"]) == (joint["bid_id"], joint["sha256"], True)
    assert (await m.own_bid("lead")).json()["id"] == replaced.json()["bid_id"] != first.json()["bid_id"]

    newer = await m.joint(base, "2", "1.70")  # the lead replaces the joint bid: the solo bid stays
    assert await m.count() == 2
    assert (await m.own_bid("lead")).json()["id"] == replaced.json()["bid_id"]

    withdrawn = await client.delete(f"/api/v1/rfqs/{m.rfq['id']}/bid", headers=bearer(m.tokens["lead"]))
    assert withdrawn.status_code == 204  # the solo bid goes; the joint bid stays
    assert await m.count() == 1 and (await m.own_bid("lead")).status_code == 404
    seen = (await m.joint_seen_by(base, "partner")).json()
    assert (seen["id"], seen["counts"]) == (newer["bid_id"], True)

    again = await m.solo("lead", "1", "1.85")
    assert again.status_code == 201 and await m.count() == 2
    not_lead = await client.delete(f"{base}/bid", headers=bearer(m.tokens["partner"]))
    assert not_lead.status_code == 403 and not_lead.json()["code"] == "consortium.lead_only"
    outsider = await client.delete(f"{base}/bid", headers=bearer(m.tokens["outsider"]))
    assert outsider.status_code == 404
    ended = await client.delete(f"{base}/bid", headers=bearer(m.tokens["lead"]))
    assert ended.status_code == 204  # the joint bid goes; the solo bid stays
    assert await m.count() == 1 and (await m.own_bid("lead")).json()["id"] == again.json()["bid_id"]
    assert (await m.joint_seen_by(base, "partner")).status_code == 404
    assert await Notification.exists().where(
        Notification.organisation == m.orgs["partner"]["id"], Notification.code == "consortium.bid_withdrawn"
    )
    assert (await client.delete(f"{base}/bid", headers=bearer(m.tokens["lead"]))).status_code == 404
    opened = await m.open()
    assert [b["id"] for b in opened] == [again.json()["bid_id"]]
    late = await client.delete(f"{base}/bid", headers=bearer(m.tokens["lead"]))
    assert late.status_code == 409 and late.json()["code"] == "bid.after_deadline"
