from __future__ import annotations

import datetime as dt

from market.db.tables import AuditLog, Bid
from market.domain.organisations import OrganisationKind as K
from market.domain.rfq import bid_hash
from market.services import audit
from tests.conftest import api_token_for, bearer
from tests.factories import organisation_with_admin

MS = dt.timedelta(milliseconds=1)


def rfq_body(deadline: dt.datetime, **extra) -> dict:
    body = {
        "title": "Brake discs for the 2027 platform",
        "description": "Ventilated discs, drawing BD-27.",
        "currency": "USD",
        "criteria": {"price": 70, "lead_time": 30, "quality": 0},
        "deadline": deadline.isoformat(),
        "items": [
            {
                "description": "Brake disc, ventilated",
                "quantity": "1200",
                "unit": "pieces",
                "cpv": "34300000",
            },
            {"description": "Fixing kit", "quantity": "1200", "unit": "sets"},
        ],
    }
    body.update(extra)
    return body


async def setup(client, ctx, clock, **extra):
    _, buyer = await organisation_with_admin(ctx, K.LEAD_FIRM)
    _, sme = await organisation_with_admin(ctx)
    buyer_token, sme_token = await api_token_for(ctx, buyer), await api_token_for(ctx, sme)
    deadline = clock() + dt.timedelta(days=7)
    made = await client.post("/api/v1/rfqs", json=rfq_body(deadline, **extra), headers=bearer(buyer_token))
    assert made.status_code == 201, made.text
    rfq = made.json()
    published = await client.post(f"/api/v1/rfqs/{rfq['id']}/publish", headers=bearer(buyer_token))
    assert published.status_code == 200 and published.json()["status"] == "published"
    assert published.json()["status_label"] == "Open for bids"
    return rfq, deadline, buyer_token, sme_token


def bid_body(rfq: dict, price: str = "41.50", lead: int = 20) -> dict:
    return {
        "prices": {item["id"]: price for item in rfq["items"]},
        "lead_time_days": lead,
        "validity_days": 60,
    }


def key(n: int) -> dict:
    return {"Idempotency-Key": f"bid-key-{n:04d}"}


async def test_draft_is_private_and_publishing_needs_accreditation(client, ctx, clock) -> None:
    _, buyer = await organisation_with_admin(ctx, K.LEAD_FIRM, accredited=False)
    _, sme = await organisation_with_admin(ctx)
    token, sme_token = await api_token_for(ctx, buyer), await api_token_for(ctx, sme)
    rfq = (
        await client.post(
            "/api/v1/rfqs", json=rfq_body(clock() + dt.timedelta(days=3)), headers=bearer(token)
        )
    ).json()
    assert (await client.get(f"/api/v1/rfqs/{rfq['id']}", headers=bearer(sme_token))).status_code == 404
    refused = await client.post(f"/api/v1/rfqs/{rfq['id']}/publish", headers=bearer(token))
    assert refused.status_code == 403 and refused.json()["code"] == "rfq.buyer_not_accredited"
    not_buyer = await client.post(
        "/api/v1/rfqs", json=rfq_body(clock() + dt.timedelta(days=3)), headers=bearer(sme_token)
    )
    assert not_buyer.status_code == 403


async def test_bids_receipts_idempotency_replacement_and_the_deadline(client, ctx, clock) -> None:
    rfq, deadline, buyer_token, sme_token = await setup(client, ctx, clock)
    first = await client.post(
        f"/api/v1/rfqs/{rfq['id']}/bid", json=bid_body(rfq), headers={**bearer(sme_token), **key(1)}
    )
    assert first.status_code == 201, first.text
    receipt = first.json()
    again = await client.post(
        f"/api/v1/rfqs/{rfq['id']}/bid", json=bid_body(rfq), headers={**bearer(sme_token), **key(1)}
    )
    assert again.json() == receipt
    mine = (await client.get(f"/api/v1/rfqs/{rfq['id']}/bid", headers=bearer(sme_token))).json()
    assert bid_hash(mine["content"]) == receipt["sha256"] == mine["sha256"]
    assert mine["total_price"] == "99600.00"
    # Sealed: the buyer sees the count, never the contents, and cannot open before the deadline.
    seen = (await client.get(f"/api/v1/rfqs/{rfq['id']}", headers=bearer(buyer_token))).json()
    assert seen["bid_count"] == 1 and "41.50" not in str(seen)
    assert (await client.get(f"/api/v1/rfqs/{rfq['id']}/bid", headers=bearer(buyer_token))).status_code == 404
    early = await client.post(f"/api/v1/rfqs/{rfq['id']}/open", headers=bearer(buyer_token))
    assert early.status_code == 409 and early.json()["code"] == "rfq.cannot_open"
    # Replace one millisecond before the deadline: accepted, only the latest counts.
    clock.current = deadline - MS
    replaced = await client.post(
        f"/api/v1/rfqs/{rfq['id']}/bid", json=bid_body(rfq, "39.90"), headers={**bearer(sme_token), **key(2)}
    )
    assert replaced.status_code == 201
    assert await Bid.count().where(Bid.status == "active") == 1
    # One millisecond after: refused by the clock alone, and nothing is written.
    clock.current = deadline + MS
    bids_before, audit_before = await Bid.count(), await AuditLog.count()
    late = await client.post(
        f"/api/v1/rfqs/{rfq['id']}/bid", json=bid_body(rfq, "35.00"), headers={**bearer(sme_token), **key(3)}
    )
    assert late.status_code == 409 and late.json()["code"] == "bid.after_deadline"
    assert deadline.strftime("%Y-%m-%d %H:%M:%S") in late.json()["message"]
    assert (await Bid.count(), await AuditLog.count()) == (bids_before, audit_before)
    assert (
        await client.delete(f"/api/v1/rfqs/{rfq['id']}/bid", headers=bearer(sme_token))
    ).status_code == 409
    # Opening: once, after the deadline; every hash recomputes to its receipt.
    opened = await client.post(f"/api/v1/rfqs/{rfq['id']}/open", headers=bearer(buyer_token))
    assert opened.status_code == 200
    [bid] = opened.json()
    assert (
        bid["hash_matches"]
        and bid["sha256"] == replaced.json()["sha256"]
        and bid["total_price"] == "95760.00"
    )
    assert (
        await client.post(f"/api/v1/rfqs/{rfq['id']}/open", headers=bearer(buyer_token))
    ).status_code == 409
    actions = [row["action"] for row in await AuditLog.select(AuditLog.action).order_by(AuditLog.seq)]
    assert actions == ["rfq.published", "bid.submitted", "bid.submitted", "bid.read", "rfq.opened"]
    assert (await audit.verify()).problem is None


async def test_one_deadline_after_an_extension(client, ctx, clock) -> None:
    rfq, deadline, buyer_token, sme_token = await setup(client, ctx, clock)
    later = deadline + dt.timedelta(days=2)
    amended = await client.post(
        f"/api/v1/rfqs/{rfq['id']}/amend", json={"deadline": later.isoformat()}, headers=bearer(buyer_token)
    )
    assert amended.status_code == 200 and amended.json()["amendments"] == 1
    clock.current = deadline + dt.timedelta(hours=1)
    ok = await client.post(
        f"/api/v1/rfqs/{rfq['id']}/bid", json=bid_body(rfq), headers={**bearer(sme_token), **key(7)}
    )
    assert ok.status_code == 201
    assert (
        await client.post(f"/api/v1/rfqs/{rfq['id']}/open", headers=bearer(buyer_token))
    ).status_code == 409
    board = (await client.get("/api/v1/rfqs", headers=bearer(sme_token))).json()
    assert [r["id"] for r in board["items"]] == [rfq["id"]]
    earlier = await client.post(
        f"/api/v1/rfqs/{rfq['id']}/amend",
        json={"deadline": deadline.isoformat()},
        headers=bearer(buyer_token),
    )
    assert earlier.status_code == 422
    # found by the schemathesis run: a moment before year 1 in UTC was a server error
    for moment in ("0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"):
        beyond = await client.post(
            f"/api/v1/rfqs/{rfq['id']}/amend", json={"deadline": moment}, headers=bearer(buyer_token)
        )
        assert beyond.status_code == 422, beyond.text
        assert [f["code"] for f in beyond.json()["fields"]] == ["rfq.deadline_range"]


async def test_an_ineligible_sme_is_refused_by_the_api_with_its_gaps(client, ctx, clock) -> None:
    requirements = {"min_level": "L2", "certificates": ["haccp"], "countries": ["BR"]}
    rfq, _, _, sme_token = await setup(client, ctx, clock, requirements=requirements)
    refused = await client.post(
        f"/api/v1/rfqs/{rfq['id']}/bid", json=bid_body(rfq), headers={**bearer(sme_token), **key(9)}
    )
    assert refused.status_code == 403
    body = refused.json()
    assert body["code"] == "bid.not_eligible"
    assert [f["code"] for f in body["fields"]] == [
        "eligibility.country",
        "readiness.no_assessment",
        "certificate.missing",
    ]
    assert all(f["action"] for f in body["fields"])
    assert await Bid.count() == 0


async def test_bad_rfqs_and_bids_are_refused_with_reasons(client, ctx, clock) -> None:
    rfq, _, buyer_token, sme_token = await setup(client, ctx, clock)
    bad = rfq_body(
        clock() + dt.timedelta(days=3),
        title="x",
        currency="EUR",
        items=[{"description": "", "quantity": "-1", "unit": ""}],
        criteria={"price": 50, "lead_time": 10, "quality": 10},
    )
    response = await client.post("/api/v1/rfqs", json=bad, headers=bearer(buyer_token))
    assert response.status_code == 422
    assert {f["field"] for f in response.json()["fields"]} >= {
        "title",
        "currency",
        "criteria",
        "items.0.description",
        "items.0.quantity",
        "items.0.unit",
    }
    wrong = await client.post(
        f"/api/v1/rfqs/{rfq['id']}/bid", json=bid_body(rfq, "-3"), headers={**bearer(sme_token), **key(11)}
    )
    assert wrong.status_code == 422
    no_key = await client.post(f"/api/v1/rfqs/{rfq['id']}/bid", json=bid_body(rfq), headers=bearer(sme_token))
    assert no_key.status_code in (400, 422)


async def test_evaluate_award_and_debriefs(client, ctx, clock) -> None:
    rfq, deadline, buyer_token, first_token = await setup(client, ctx, clock)
    _, second = await organisation_with_admin(ctx)
    second_token = await api_token_for(ctx, second)
    a = await client.post(
        f"/api/v1/rfqs/{rfq['id']}/bid",
        json=bid_body(rfq, "40.00", lead=30),
        headers={**bearer(first_token), **key(21)},
    )
    b = await client.post(
        f"/api/v1/rfqs/{rfq['id']}/bid",
        json=bid_body(rfq, "44.00", lead=10),
        headers={**bearer(second_token), **key(22)},
    )
    assert a.status_code == b.status_code == 201
    assert (
        await client.post(f"/api/v1/rfqs/{rfq['id']}/evaluate", headers=bearer(buyer_token))
    ).status_code == 409
    clock.current = deadline + dt.timedelta(minutes=5)
    await client.post(f"/api/v1/rfqs/{rfq['id']}/open", headers=bearer(buyer_token))
    ranking = (await client.post(f"/api/v1/rfqs/{rfq['id']}/evaluate", headers=bearer(buyer_token))).json()
    # weights 70 price / 30 lead time: 44.00 in 10 days beats 40.00 in 30 days
    assert [r["bid"] for r in ranking] == [b.json()["bid_id"], a.json()["bid_id"]]
    assert ranking[0]["total"] == "93.64" and ranking[1]["total"] == "80.00"
    early = await client.get(f"/api/v1/rfqs/{rfq['id']}/debrief", headers=bearer(first_token))
    assert early.status_code == 409
    awarded = await client.post(
        f"/api/v1/rfqs/{rfq['id']}/award", json={"bid_id": ranking[0]["bid"]}, headers=bearer(buyer_token)
    )
    assert awarded.status_code == 200 and awarded.json()["status"] == "awarded"
    loser = (await client.get(f"/api/v1/rfqs/{rfq['id']}/debrief", headers=bearer(first_token))).json()
    winner = (await client.get(f"/api/v1/rfqs/{rfq['id']}/debrief", headers=bearer(second_token))).json()
    assert awarded.json()["awards"] == {"": ranking[0]["bid"]}
    assert [(e["lot"], e["rank"], e["won"]) for e in loser["lots"]] == [("", 2, False)]
    assert [(e["lot"], e["rank"], e["won"]) for e in winner["lots"]] == [("", 1, True)]
    assert (loser["won"], winner["won"]) == (False, True)
    assert loser["lots"][0]["bidders"] == 2 and "44.00" not in str(loser)
    assert (await audit.verify()).problem is None


async def test_questions_are_answered_publicly_and_the_asker_stays_hidden(client, ctx, clock) -> None:
    rfq, deadline, buyer_token, asker_token = await setup(client, ctx, clock)
    _, other = await organisation_with_admin(ctx)
    other_token = await api_token_for(ctx, other)
    me = (await client.get("/api/v1/me", headers=bearer(asker_token))).json()
    url = f"/api/v1/rfqs/{rfq['id']}/questions"
    asked = await client.post(
        url, json={"question": "May the discs be delivered in two batches?"}, headers=bearer(asker_token)
    )
    assert asked.status_code == 201
    question_id = asked.json()["id"]
    assert (await client.get(url, headers=bearer(other_token))).json()["total"] == 0  # not answered yet
    assert (await client.get(url, headers=bearer(buyer_token))).json()["total"] == 1
    assert (
        await client.post(url, json={"question": "Me too?"}, headers=bearer(buyer_token))
    ).status_code == 403
    answered = await client.post(
        f"{url}/{question_id}/answer",
        json={"answer": "Yes, two batches are fine."},
        headers=bearer(buyer_token),
    )
    assert answered.status_code == 200
    seen_by_other = await client.get(url, headers=bearer(other_token))
    [entry] = seen_by_other.json()["items"]
    assert entry["answer"] == "Yes, two batches are fine." and entry["mine"] is False
    for token in (other_token, buyer_token):
        text = (await client.get(url, headers=bearer(token))).text
        assert me["organisation"]["legal_name"] not in text and me["organisation"]["id"] not in text
    assert (await client.get(url, headers=bearer(asker_token))).json()["items"][0]["mine"] is True
    clock.current = deadline
    late = await client.post(
        url, json={"question": "One more thing after the deadline?"}, headers=bearer(asker_token)
    )
    assert late.status_code == 409
