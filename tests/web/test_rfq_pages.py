"""The RFQ journey through the portal's plain HTML forms, with the clock moved by hand."""

from __future__ import annotations

import datetime as dt
import re

from market.db.tables import Bid, Rfq
from market.domain.organisations import OrganisationKind as K
from tests.conftest import client_for
from tests.factories import PASSWORD, organisation_with_admin
from tests.helpers import csrf_from, portal_login, post_form


async def test_buyer_posts_sme_bids_buyer_opens_evaluates_awards_sme_sees_debrief(app, ctx, clock) -> None:
    _, buyer = await organisation_with_admin(ctx, K.LEAD_FIRM)
    _, sme = await organisation_with_admin(ctx)
    async with (
        client_for(app, "198.51.100.81") as buyer_browser,
        client_for(app, "198.51.100.82") as sme_browser,
    ):
        await portal_login(buyer_browser, buyer["email"], PASSWORD)
        local_deadline = (clock() + dt.timedelta(days=3)).astimezone(dt.timezone(dt.timedelta(hours=-3)))
        form = {
            "title": "Leather soles, 2027 season",
            "currency": "BRL",
            "deadline": local_deadline.strftime("%Y-%m-%dT%H:%M"),
            "item0_description": "Sole, size 38-44",
            "item0_quantity": "5000",
            "item0_unit": "pairs",
            "weight_price": "100",
            "weight_lead_time": "0",
            "weight_quality": "0",
            "min_level": "L0",
        }
        bad = await post_form(buyer_browser, "/rfqs/new", "/rfqs/new", {**form, "title": "x", "currency": ""})
        assert bad.status_code == 422 and 'value="Sole, size 38-44"' in bad.text
        made = await post_form(buyer_browser, "/rfqs/new", "/rfqs/new", form)
        assert made.status_code == 303
        url = made.headers["location"]
        rfq = await Rfq.select().first()
        assert rfq["deadline"] == local_deadline.replace(second=0, microsecond=0)
        page = await buyer_browser.get(url)
        await buyer_browser.post(
            f"{url}/action", data={"action": "publish", "_csrf_token": csrf_from(page.text)}
        )

        await portal_login(sme_browser, sme["email"], PASSWORD)
        board = await sme_browser.get("/rfqs")
        assert "Leather soles, 2027 season" in board.text
        rfq_page = await sme_browser.get(url)
        assert "Send the sealed bid" in rfq_page.text and "days and" in rfq_page.text
        item = re.search(r'name="(price_[0-9a-f-]+)"', rfq_page.text).group(1)
        key = re.search(r'name="idempotency_key" value="([^"]+)"', rfq_page.text).group(1)
        wrong = await sme_browser.post(
            f"{url}/bid",
            data={
                item: "abc",
                "lead_time_days": "12",
                "validity_days": "60",
                "idempotency_key": key,
                "_csrf_token": csrf_from(rfq_page.text),
            },
        )
        assert wrong.status_code == 422 and 'value="abc"' in wrong.text and 'value="12"' in wrong.text
        sent = await sme_browser.post(
            f"{url}/bid",
            data={
                item: "7.25",
                "lead_time_days": "12",
                "validity_days": "60",
                "idempotency_key": key,
                "_csrf_token": csrf_from(rfq_page.text),
            },
        )
        assert sent.status_code == 201 and "Keep this receipt" in sent.text
        twice = await sme_browser.post(
            f"{url}/bid",
            data={
                item: "7.25",
                "lead_time_days": "12",
                "validity_days": "60",
                "idempotency_key": key,
                "_csrf_token": csrf_from(rfq_page.text),
            },
        )
        assert twice.status_code == 201 and await Bid.count() == 1  # a double click creates one bid
        receipt = await sme_browser.get(f"{url}/receipt")
        assert receipt.headers["content-disposition"].startswith("attachment;") and receipt.json()["sha256"]

        buyer_view = await buyer_browser.get(url)
        assert "7.25" not in buyer_view.text and "Bids received" in buyer_view.text

        clock.current = rfq["deadline"] + dt.timedelta(seconds=1)
        # three days later the portal sessions have ended: sign in again
        await portal_login(buyer_browser, buyer["email"], PASSWORD)
        await portal_login(sme_browser, sme["email"], PASSWORD)
        rfq_page = await sme_browser.get(url)
        late = await sme_browser.post(
            f"{url}/bid",
            data={
                item: "6.00",
                "lead_time_days": "12",
                "validity_days": "60",
                "idempotency_key": "late-key-123",
                "_csrf_token": csrf_from(rfq_page.text),
            },
        )
        assert late.status_code == 409 and "deadline passed" in late.text
        page = await buyer_browser.get(url)
        for action in ("open", "evaluate"):
            done = await buyer_browser.post(
                f"{url}/action", data={"action": action, "_csrf_token": csrf_from(page.text)}
            )
            assert done.status_code == 303
            page = await buyer_browser.get(url)
        assert "7.25" in page.text and "matches the receipt" in page.text
        bid_id = re.search(r'name="award_">\s*<option value="([^"]+)"', page.text).group(1)
        await buyer_browser.post(
            f"{url}/action", data={"action": "award", "award_": bid_id, "_csrf_token": csrf_from(page.text)}
        )
        debrief = await sme_browser.get(url)
        assert "Your bid won." in debrief.text


async def test_questions_through_the_portal(app, ctx, clock) -> None:
    _, buyer = await organisation_with_admin(ctx, K.LEAD_FIRM)
    sme_org, sme = await organisation_with_admin(ctx)
    _, other = await organisation_with_admin(ctx)
    from market.services import accounts, rfqs

    buyer_actor = (await accounts.resolve_session(ctx, await accounts.start_session(ctx, buyer["id"]))).actor
    row = await rfqs.create_rfq(
        ctx,
        buyer_actor,
        {
            "title": "Cartons for shoe boxes",
            "currency": "UYU",
            "deadline": (clock() + dt.timedelta(days=5)).isoformat(),
            "items": [{"description": "Carton", "quantity": "100", "unit": "pieces"}],
        },
    )
    await rfqs.publish(ctx, buyer_actor, str(row["id"]))
    url = f"/rfqs/{row['id']}"
    async with (
        client_for(app, "198.51.100.91") as sme_browser,
        client_for(app, "198.51.100.92") as buyer_browser,
        client_for(app, "198.51.100.93") as other_browser,
    ):
        await portal_login(sme_browser, sme["email"], PASSWORD)
        short = await post_form(sme_browser, url, f"{url}/questions", {"question": "Hm?"})
        assert short.status_code == 422 and "Hm?" in short.text
        sent = await post_form(
            sme_browser, url, f"{url}/questions", {"question": "Which flute profile do you need?"}
        )
        assert sent.status_code == 303
        await portal_login(buyer_browser, buyer["email"], PASSWORD)
        page = await buyer_browser.get(url)
        assert "Which flute profile do you need?" in page.text and sme_org["legal_name"] not in page.text
        question_id = re.search(r'action="/rfqs/[0-9a-f-]+/questions/([0-9a-f-]+)"', page.text).group(1)
        done = await buyer_browser.post(
            f"{url}/questions/{question_id}", data={"answer": "B flute.", "_csrf_token": csrf_from(page.text)}
        )
        assert done.status_code == 303
        await portal_login(other_browser, other["email"], PASSWORD)
        seen = await other_browser.get(url)
        assert "B flute." in seen.text and sme_org["legal_name"] not in seen.text


async def test_lots_through_the_portal(app, ctx, clock) -> None:
    """The buyer names two lots and puts each item in one; a supplier prices only the second lot;
    the buyer compares lot by lot, awards lot 2 and passes over nothing else (lot 1 has no bid)."""
    _, buyer = await organisation_with_admin(ctx, K.LEAD_FIRM)
    _, sme = await organisation_with_admin(ctx)
    async with (
        client_for(app, "198.51.100.91") as buyer_browser,
        client_for(app, "198.51.100.92") as sme_browser,
    ):
        await portal_login(buyer_browser, buyer["email"], PASSWORD)
        form = {
            "title": "Uniforms and their delivery",
            "currency": "PYG",
            "deadline": (clock() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
            "lot0_title": "Uniforms",
            "lot1_title": "Delivery",
            "item0_description": "Work shirt",
            "item0_quantity": "300",
            "item0_unit": "pieces",
            "item0_lot": "1",
            "item1_description": "Delivery to three sites",
            "item1_quantity": "3",
            "item1_unit": "trips",
            "item1_lot": "",
            "weight_price": "100",
            "weight_lead_time": "0",
            "weight_quality": "0",
            "min_level": "L0",
        }
        unplaced = await post_form(buyer_browser, "/rfqs/new", "/rfqs/new", form)
        assert unplaced.status_code == 422
        assert 'id="e-item1_lot"' in unplaced.text and 'id="e-lot1_title"' in unplaced.text
        assert 'value="Delivery"' in unplaced.text  # nothing typed is lost
        made = await post_form(buyer_browser, "/rfqs/new", "/rfqs/new", {**form, "item1_lot": "2"})
        assert made.status_code == 303
        url = made.headers["location"]
        page = await buyer_browser.get(url)
        assert "2: Delivery" in page.text
        await buyer_browser.post(
            f"{url}/action", data={"action": "publish", "_csrf_token": csrf_from(page.text)}
        )

        await portal_login(sme_browser, sme["email"], PASSWORD)
        rfq_page = await sme_browser.get(url)
        assert "Lot 1: Uniforms" in rfq_page.text and "Leave this lot" in rfq_page.text
        shirt, trips = re.findall(r'name="(price_[0-9a-f-]+)"', rfq_page.text)
        fields = {
            "lead_time_days": "9",
            "validity_days": "30",
            "idempotency_key": re.search(r'name="idempotency_key" value="([^"]+)"', rfq_page.text).group(1),
            "_csrf_token": csrf_from(rfq_page.text),
        }
        none = await sme_browser.post(f"{url}/bid", data={shirt: "", trips: "", **fields})
        assert none.status_code == 422 and "at least one lot" in none.text
        sent = await sme_browser.post(f"{url}/bid", data={shirt: "", trips: "250000", **fields})
        assert sent.status_code == 201 and "Lots bid on: 2" in sent.text

        rfq = await Rfq.select(Rfq.deadline).where(Rfq.title == "Uniforms and their delivery").first()
        clock.current = rfq["deadline"] + dt.timedelta(seconds=1)
        await portal_login(buyer_browser, buyer["email"], PASSWORD)  # the sessions ended meanwhile
        await portal_login(sme_browser, sme["email"], PASSWORD)
        page = await buyer_browser.get(url)
        for action in ("open", "evaluate"):
            await buyer_browser.post(
                f"{url}/action", data={"action": action, "_csrf_token": csrf_from(page.text)}
            )
            page = await buyer_browser.get(url)
        assert "No bid on this lot." in page.text and "Award lot 2 to" in page.text
        assert 'name="award_1"' not in page.text
        bid_id = re.search(r'name="award_2">\s*<option value="([^"]+)"', page.text).group(1)
        done = await buyer_browser.post(
            f"{url}/action", data={"action": "award", "award_2": bid_id, "_csrf_token": csrf_from(page.text)}
        )
        assert done.status_code == 303
        debrief = await sme_browser.get(url)
        assert "Lot 2: Delivery" in debrief.text and "Your bid won." in debrief.text
