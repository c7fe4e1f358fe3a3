"""Forming a consortium through the portal's plain forms: the lead forms it from the RFQ page and
invites a firm by its tax id; the firm answers on the consortium's page; outsiders see nothing."""

from __future__ import annotations

import datetime as dt
import re

from market.domain.organisations import OrganisationKind as K
from tests.conftest import api_token_for, client_for
from tests.factories import PASSWORD, organisation_with_admin
from tests.helpers import csrf_from, portal_login, post_form, published_rfq


async def test_form_invite_answer_and_leave_through_the_portal(app, client, ctx, clock) -> None:
    _, buyer = await organisation_with_admin(ctx, K.LEAD_FIRM)
    rfq = await published_rfq(
        client,
        await api_token_for(ctx, buyer),
        clock() + dt.timedelta(days=3),
        "Soles for 1,500 pairs",
        allow_consortia=True,
        items=[{"description": "Shoe sole", "quantity": "1500", "unit": "pieces"}],
    )
    _, lead = await organisation_with_admin(ctx)
    partner_org, partner = await organisation_with_admin(ctx, country="UY")
    _, outsider = await organisation_with_admin(ctx)
    url = f"/rfqs/{rfq['id']}"
    async with (
        client_for(app, "198.51.100.101") as lead_browser,
        client_for(app, "198.51.100.102") as partner_browser,
        client_for(app, "198.51.100.103") as outsider_browser,
    ):
        for browser, person in (
            (lead_browser, lead),
            (partner_browser, partner),
            (outsider_browser, outsider),
        ):
            await portal_login(browser, person["email"], PASSWORD)
        page = await partner_browser.get(url)
        assert "No firm has said so yet." in page.text
        shown = await partner_browser.post(
            f"{url}/interest",
            data={"action": "mark", "note": "Leather covers", "_csrf_token": csrf_from(page.text)},
        )
        assert shown.status_code == 303
        page = await lead_browser.get(url)
        assert (
            "Form a consortium" in page.text
            and partner_org["tax_id"] in page.text
            and "Leather covers" in page.text
        )
        form = {"kind": "horizontal", "share": "60"}
        new = f"{url}/consortia/new"
        unsure = await post_form(lead_browser, new, f"{url}/consortia", form)
        assert unsure.status_code == 422 and 'id="e-liability_accepted"' in unsure.text
        assert 'value="60"' in unsure.text  # what was typed stays
        made = await post_form(lead_browser, new, f"{url}/consortia", {**form, "liability_accepted": "yes"})
        assert made.status_code == 303
        team = made.headers["location"]
        page = await lead_browser.get(team)
        assert "The shares add up to 60 %" in page.text

        wrong = await post_form(
            lead_browser,
            team,
            f"{team}/invitations",
            {"country": "UY", "tax_id": "21-999999-001-1", "share": "40"},
        )
        assert wrong.status_code in (404, 422) and "No supplier with this tax id" in wrong.text
        invited = await post_form(
            lead_browser,
            team,
            f"{team}/invitations",
            {"country": "UY", "tax_id": partner_org["tax_id"], "share": "40"},
        )
        assert invited.status_code == 303

        rfq_page = await partner_browser.get(url)
        assert re.search(r"You are invited to a consortium", rfq_page.text)
        assert (await outsider_browser.get(team)).status_code == 404
        answer = await partner_browser.get(team)
        no = await partner_browser.post(
            f"{team}/answer", data={"answer": "accept", "_csrf_token": csrf_from(answer.text)}
        )
        assert no.status_code == 422 and "joint and several liability" in no.text
        yes = await partner_browser.post(
            f"{team}/answer",
            data={"answer": "accept", "liability_accepted": "yes", "_csrf_token": csrf_from(answer.text)},
        )
        assert yes.status_code == 303
        page = await lead_browser.get(team)
        assert "every member is eligible for its part" in page.text and "Remove" in page.text

        mine = await partner_browser.get(team)
        left = await partner_browser.post(f"{team}/leave", data={"_csrf_token": csrf_from(mine.text)})
        assert left.status_code == 303 and (await partner_browser.get(team)).status_code == 404


async def test_the_lead_sends_the_joint_bid_and_the_member_confirms_it(app, client, ctx, clock) -> None:
    _, buyer = await organisation_with_admin(ctx, K.LEAD_FIRM)
    rfq = await published_rfq(
        client,
        await api_token_for(ctx, buyer),
        clock() + dt.timedelta(days=3),
        "Soles, joint bid in the portal",
        allow_consortia=True,
        items=[{"description": "Shoe sole", "quantity": "1500", "unit": "pieces"}],
    )
    _, lead = await organisation_with_admin(ctx)
    partner_org, partner = await organisation_with_admin(ctx, country="UY")
    url = f"/rfqs/{rfq['id']}"
    async with (
        client_for(app, "198.51.100.111") as lead_browser,
        client_for(app, "198.51.100.112") as partner_browser,
    ):
        await portal_login(lead_browser, lead["email"], PASSWORD)
        await portal_login(partner_browser, partner["email"], PASSWORD)
        made = await post_form(
            lead_browser,
            f"{url}/consortia/new",
            f"{url}/consortia",
            {"kind": "horizontal", "share": "60", "liability_accepted": "yes"},
        )
        team = made.headers["location"]
        await post_form(
            lead_browser,
            team,
            f"{team}/invitations",
            {"country": "UY", "tax_id": partner_org["tax_id"], "share": "40"},
        )
        answer = await partner_browser.get(team)
        await partner_browser.post(
            f"{team}/answer",
            data={"answer": "accept", "liability_accepted": "yes", "_csrf_token": csrf_from(answer.text)},
        )
        page = await lead_browser.get(team)
        assert "Prepare the joint bid" in page.text
        price = re.search(r'name="(price_[0-9a-f-]+)"', page.text).group(1)
        key = re.search(r'name="idempotency_key" value="([^"]+)"', page.text).group(1)
        fields = {
            "lead_time_days": "14",
            "validity_days": "30",
            "idempotency_key": key,
            "_csrf_token": csrf_from(page.text),
        }
        wrong = await lead_browser.post(f"{team}/bid", data={**fields, price: "abc"})
        assert wrong.status_code == 422 and 'value="abc"' in wrong.text and f'id="e-{price}"' in wrong.text
        sent = await lead_browser.post(f"{team}/bid", data={**fields, price: "3.15"})
        assert sent.status_code == 201 and "The joint bid is received." in sent.text

        review = await partner_browser.get(team)
        assert (
            "3.15" in review.text
            and "not confirmed yet" in review.text
            and "Confirm this version" in review.text
        )
        sha = re.search(r'name="sha256" value="([0-9a-f]{64})"', review.text).group(1)
        confirmed = await partner_browser.post(
            f"{team}/confirm", data={"sha256": sha, "_csrf_token": csrf_from(review.text)}
        )
        assert confirmed.status_code == 303
        page = await lead_browser.get(team)
        assert (
            "Every member confirmed: the joint bid counts." in page.text and "Invite a firm" not in page.text
        )


async def test_suggested_partners_and_one_click_invitation(app, client, ctx, clock) -> None:
    """The lead asks who could complete its bid, reads why each firm is suggested, invites one with
    one click and then sets the shares (a bad share is named at its input, nothing saved)."""
    _, buyer = await organisation_with_admin(ctx, K.LEAD_FIRM)
    items = [{"description": "Shoe sole", "quantity": "1500", "unit": "pieces", "cpv": "18810000"}]
    rfq = await published_rfq(
        client,
        await api_token_for(ctx, buyer),
        clock() + dt.timedelta(days=3),
        "Soles for partners",
        allow_consortia=True,
        items=items,
        requirements={"countries": ["AR", "BR"]},
    )
    soles = {"classification_codes": ["18800000"], "capacity_unit": "pieces"}
    lead_org, lead = await organisation_with_admin(ctx, monthly_capacity=1000, **soles)
    partner_org, _ = await organisation_with_admin(ctx, country="BR", monthly_capacity=700, **soles)
    url = f"/rfqs/{rfq['id']}"
    async with client_for(app, "198.51.100.111") as browser:
        await portal_login(browser, lead["email"], PASSWORD)
        alone = await browser.get(f"{url}/partners")
        assert alone.status_code == 200
        assert partner_org["legal_name"] in alone.text and "Form a consortium to invite them" in alone.text
        assert "500 of the 500 missing" in alone.text and "Invite " not in alone.text
        made = await post_form(
            browser,
            f"{url}/consortia/new",
            f"{url}/consortia",
            {"kind": "horizontal", "share": "100", "liability_accepted": "yes"},
        )
        team = made.headers["location"]
        page = await browser.get(f"{url}/partners")
        assert f"Invite {partner_org['legal_name']}" in page.text
        share = re.search(
            r'id="f-share-1" name="share" type="text" inputmode="decimal" value="(\d+)"', page.text
        )
        assert share is not None and share.group(1) == "33"
        invited = await post_form(
            browser,
            f"{url}/partners",
            f"{team}/invitations",
            {"organisation": str(partner_org["id"]), "share": share.group(1)},
        )
        assert invited.status_code == 303
        members = await browser.get(team)
        assert partner_org["legal_name"] in members.text and "Invited" in members.text
        after = await browser.get(f"{url}/partners")
        assert f"Invite {partner_org['legal_name']}" not in after.text
        bad = {f"share_{lead_org['id']}": "abc", f"share_{partner_org['id']}": "33"}
        refused = await post_form(browser, team, f"{team}/parts", bad)
        assert refused.status_code == 422 and f'id="e-share_{lead_org["id"]}"' in refused.text
        assert 'value="abc"' in refused.text
        saved = await post_form(browser, team, f"{team}/parts", {**bad, f"share_{lead_org['id']}": "67"})
        assert saved.status_code == 303
        assert "67 %" in (await browser.get(team)).text
