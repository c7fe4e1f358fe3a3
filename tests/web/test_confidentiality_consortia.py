"""The confidentiality matrix extended with consortium roles: a joint bid's prices are seen by the
consortium's accepted members, and by the buyer once it has opened the bids — not by a firm that
was invited and never joined, not by a member that left, not by other suppliers, through no
channel (API, portal pages, partner suggestions, the open-data export, error text, log, live
events)."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest

from market.domain.organisations import OrganisationKind as K
from tests.conftest import api_token_for, bearer, client_for
from tests.factories import PASSWORD, organisation_with_admin
from tests.helpers import portal_login

SECRET = "27.43"
ROLES = ["lead", "member", "invited", "left", "other_sme", "buyer"]
PHASES = ["open", "opened"]


def allowed(role: str, phase: str) -> bool:
    return role in ("lead", "member") or (role == "buyer" and phase == "opened")


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("role", ROLES)
async def test_joint_bid_contents_reach_only_whom_they_may(
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
    for name in ("lead", "member", "invited", "left", "other_sme", "buyer"):
        org, user = await organisation_with_admin(ctx, K.LEAD_FIRM if name == "buyer" else K.SME_SUPPLIER)
        users[name] = (org, user, await api_token_for(ctx, user))

    def token(name: str) -> dict:
        return bearer(users[name][2])

    deadline = clock() + dt.timedelta(days=3)
    rfq = (
        await client.post(
            "/api/v1/rfqs",
            headers=token("buyer"),
            json={
                "title": "Matrix RFQ for joint bids",
                "currency": "USD",
                "deadline": deadline.isoformat(),
                "allow_consortia": True,
                "items": [{"description": "Part", "quantity": "1500", "unit": "pieces"}],
            },
        )
    ).json()
    await client.post(f"/api/v1/rfqs/{rfq['id']}/publish", headers=token("buyer"))
    team = (
        await client.post(
            f"/api/v1/rfqs/{rfq['id']}/consortia",
            headers=token("lead"),
            json={"kind": "horizontal", "share": "60", "liability_accepted": True},
        )
    ).json()
    base = f"/api/v1/consortia/{team['id']}"
    for name, share in (("member", "40"), ("left", "10"), ("invited", "10")):
        await client.post(
            f"{base}/invitations",
            headers=token("lead"),
            json={"organisation": str(users[name][0]["id"]), "share": share},
        )
    for name in ("member", "left"):
        await client.post(
            f"{base}/answer", headers=token(name), json={"accept": True, "liability_accepted": True}
        )
    assert (await client.post(f"{base}/leave", headers=token("left"), json={})).status_code == 204
    await client.post(
        f"{base}/leave", headers=token("lead"), json={"organisation": str(users["invited"][0]["id"])}
    )
    prices = {"prices": {rfq["items"][0]["id"]: SECRET}, "lead_time_days": 9, "validity_days": 30}
    joint = await client.post(
        f"{base}/bid", headers={**token("lead"), "Idempotency-Key": "matrix-joint-1"}, json=prices
    )
    assert joint.status_code == 201, joint.text
    confirm = await client.post(
        f"{base}/bid/confirm", headers=token("member"), json={"sha256": joint.json()["sha256"]}
    )
    assert confirm.status_code == 200
    if phase == "opened":
        clock.current = deadline + dt.timedelta(minutes=1)
        await client.post(f"/api/v1/rfqs/{rfq['id']}/open", headers=token("buyer"))

    seen: dict[str, bool] = {}
    for path in (
        base,
        f"{base}/bid",
        f"{base}/check",
        f"/api/v1/rfqs/{rfq['id']}/bid",
        f"/api/v1/rfqs/{rfq['id']}",
        f"/api/v1/rfqs/{rfq['id']}/partners",
        "/api/v1/ocds/releases",  # the open-data export
    ):
        response = await client.get(path, headers=token(role))
        seen[f"api {path}"] = SECRET in response.text
    exported = (await client.get(f"/api/v1/ocds/releases/{rfq['id']}")).text
    assert not any(
        users[name][0]["legal_name"] in exported for name in ("lead", "member")
    )  # not before the award
    refused = await client.post(f"{base}/bid/confirm", headers=token(role), json={"sha256": "0" * 64})
    seen["api error"] = SECRET in refused.text
    async with client_for(app, "198.51.100.120") as browser:
        now = clock.current
        await portal_login(browser, users[role][1]["email"], PASSWORD)
        clock.current = now
        for path in (f"/consortia/{team['id']}", f"/rfqs/{rfq['id']}", f"/rfqs/{rfq['id']}/receipt"):
            response = await browser.get(path)
            seen[f"portal {path}"] = SECRET in response.text
    seen["websocket"] = any(SECRET in text for text in announced)
    assert not any(SECRET in text for text in announced)  # live events never carry contents
    assert SECRET not in caplog.text
    if allowed(role, phase):
        assert any(seen.values()), f"{role} may see the joint bid in phase {phase} but nothing showed it"
    else:
        assert not any(seen.values()), f"{role} saw the joint bid in phase {phase}: {seen}"
