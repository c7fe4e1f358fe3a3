"""Networked selling in real browsers, across a real deadline on the server's clock.

Three SMEs in three browser contexts: the lead forms a consortium on an RFQ too big for it, invites
one partner that showed its interest and finds the other through "who could complete the bid?";
both accept; the lead sends the joint bid; the members confirm it and watch the confirmations
arrive live; the deadline passes; the buyer opens, evaluates and awards the consortium; all three
see that their joint bid won."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from market.settings import PROJECT_ROOT
from tests.e2e.conftest import TimedServer
from tests.e2e.test_portal_browser import sign_in
from tests.e2e.test_rfq_browser import axe_serious

pytestmark = pytest.mark.e2e

LEAD, PARTNER, FOUND = "sme@demo.market", "sme.br@demo.market", "sme.uy@demo.market"
PARTNER_NAME, FOUND_NAME = "Autopeças Serra Gaúcha Ltda.", "Autopartes Las Piedras S.A."


def tax_id_of(name: str) -> str:
    demo = json.loads((PROJECT_ROOT / "fixtures" / "demo.json").read_text())
    return str(next(o["tax_id"] for o in demo["organisations"] if o["legal_name"] == name))


def test_three_smes_bid_together_and_win(browser: Any, timed_server: TimedServer, axe_source: str) -> None:
    base = timed_server.base
    buyer = browser.new_context().new_page()
    sign_in(buyer, base, "buyer@demo.market")
    buyer.goto(base + "/rfqs/new")
    buyer.locator("#f-title").fill("Seat rails for three suppliers")
    buyer.locator("#f-currency").select_option("USD")
    deadline = dt.datetime.now(dt.UTC) + dt.timedelta(hours=30)
    buyer.locator("#f-deadline").fill(deadline.strftime("%Y-%m-%dT%H:%M"))
    buyer.locator("#f-item0_description").fill("Seat rails")
    buyer.locator("#f-item0_quantity").fill("64000")  # more than any one supplier makes in a month
    buyer.locator("#f-item0_unit").fill("pieces")
    buyer.locator("#f-item0_cpv").fill("34300000")
    for country in ("Argentina", "Brazil", "Uruguay"):
        buyer.get_by_label(country, exact=True).check()
    buyer.get_by_label("Accept joint bids: SMEs may bid together as a consortium").check()
    buyer.get_by_role("button", name="Save the draft").click()
    buyer.get_by_role("button", name="Publish", exact=True).click()
    expect(buyer.locator('[data-live="status"]')).to_have_text("Open for bids")
    rfq_url = buyer.url

    # the Brazilian SME says it would bid together
    partner = browser.new_context().new_page()
    sign_in(partner, base, PARTNER)
    partner.goto(rfq_url)
    partner.get_by_label("What your firm brings (optional)").fill("40,000 rails a month")
    partner.get_by_role("button", name="Show my firm as interested").click()

    # the lead forms the consortium and invites it by the tax id shown beside its interest
    lead = browser.new_context(bypass_csp=True).new_page()  # axe is injected on the partners page
    sign_in(lead, base, LEAD)
    lead.goto(rfq_url)
    expect(lead.get_by_text("40,000 rails a month")).to_be_visible()
    lead.get_by_role("link", name="Form a consortium").click()
    lead.locator("#f-kind").select_option("horizontal")
    lead.locator("#f-share").fill("44")
    lead.get_by_label("We accept joint and several liability for the whole bid.").check()
    lead.get_by_role("button", name="Form the consortium").click()
    expect(lead.get_by_role("heading", level=1)).to_have_text(
        "Consortium for “Seat rails for three suppliers”"
    )
    team_url = lead.url
    lead.locator("#f-country").select_option("BR")
    lead.locator("#f-tax_id").fill(tax_id_of(PARTNER_NAME))
    lead.locator("#f-share").fill("50")
    lead.get_by_role("button", name="Send the invitation").click()
    expect(lead.get_by_text("The invitation is sent.")).to_be_visible()

    # 4,000 rails a month are still missing: matchmaking finds the Uruguayan SME, one click invites it
    lead.get_by_role("link", name="Who could complete the bid? See suggested partners").click()
    expect(
        lead.get_by_text("“Seat rails”: 4,000 pieces a month not covered by declared capacity")
    ).to_be_visible()
    found = lead.locator("section.card", has_text=FOUND_NAME)
    expect(found.get_by_text("Declares 6,000 pieces a month, 4,000 of the 4,000 missing.")).to_be_visible()
    expect(found.get_by_label("Share of the joint bid (%)")).to_have_value("6")
    assert axe_serious(lead, axe_source) == []
    found.get_by_role("button", name=f"Invite {FOUND_NAME}").click()
    expect(lead.get_by_text("The invitation is sent.")).to_be_visible()
    assert lead.url == team_url

    # both accept, with joint-and-several liability
    third = browser.new_context().new_page()
    sign_in(third, base, FOUND)
    for member in (partner, third):
        member.goto(team_url)
        member.get_by_label("We accept joint and several liability for the whole bid.").check()
        member.get_by_role("button", name="Accept and join").click()
        expect(member.get_by_role("button", name="Accept and join")).to_have_count(0)
    lead.goto(team_url)
    expect(lead.get_by_text("Yes: every member is eligible for its part")).to_be_visible()

    # the lead sends the joint bid; its receipt names every member through the sealed content
    lead.locator("input[name^=price_]").fill("9.80")
    lead.locator("#f-lead_time_days").fill("21")
    lead.locator("#f-validity_days").fill("60")
    lead.get_by_role("button", name="Send the joint bid").click()
    expect(lead.get_by_text("The joint bid is received.")).to_be_visible()
    lead.goto(team_url)
    expect(lead.locator("#live")).to_have_attribute("data-connected", "true")

    # the members confirm that version; each page shows the others' confirmations as they arrive
    for member in (partner, third):
        member.goto(team_url)
        expect(member.locator("#live")).to_have_attribute("data-connected", "true")
    partner.get_by_role("button", name="Confirm this version").click()
    for watcher in (lead, third):
        expect(watcher.locator(f'li[data-name="{PARTNER_NAME}"] [data-confirmed]')).to_have_text(
            "✓ confirmed this version"
        )
    expect(third.locator('[data-live="notice"]')).to_have_text(f"{PARTNER_NAME} confirmed the joint bid.")
    third.get_by_role("button", name="Confirm this version").click()
    expect(lead.locator('[data-live="counts"]')).to_be_visible()
    expect(lead.locator('[data-live="counts"]')).to_have_text("Every member confirmed: the joint bid counts.")

    # the deadline passes on the server's clock; the buyer awards the consortium
    timed_server.advance(40 * 3600)
    buyer.goto(rfq_url)
    buyer.get_by_role("button", name="Open the bids").click()
    buyer.get_by_role("button", name="Evaluate by the published criteria").click()
    buyer.get_by_role("button", name="Award").first.click()
    expect(buyer.get_by_text(re.compile(r"Awarded to the consortium of .*Las Piedras"))).to_be_visible()

    # all three see that their joint bid won
    for member in (lead, partner, third):
        member.goto(rfq_url)
        expect(member.locator('[data-live="status"]')).to_have_text("Awarded")
        expect(member.get_by_text("Your bid won.")).to_be_visible()
