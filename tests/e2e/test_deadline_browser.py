"""The whole exchange in real browsers, across a real deadline on the server's clock.

A buyer publishes; a supplier below the bar sees what to fix and watches the bid count change
live; an eligible supplier bids and gets a receipt; the server's clock passes the deadline; the
buyer opens, compares and awards; the watcher sees the award arrive without reloading; the
bidder reads its debrief."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import TimedServer
from tests.e2e.test_portal_browser import sign_in

pytestmark = pytest.mark.e2e

PHONE = {"width": 360, "height": 740}


def test_publish_bid_live_count_deadline_award_debrief(browser: Any, timed_server: TimedServer) -> None:
    base = timed_server.base
    buyer_context = browser.new_context()
    buyer = buyer_context.new_page()
    sign_in(buyer, base, "buyer@demo.market")
    buyer.goto(base + "/rfqs/new")
    buyer.locator("#f-title").fill("Brake pads for the live test")
    buyer.locator("#f-currency").select_option("USD")
    # 30 hours of wall-clock time from now: at least 26 h later whatever the buyer's time zone
    deadline = dt.datetime.now(dt.UTC) + dt.timedelta(hours=30)
    buyer.locator("#f-deadline").fill(deadline.strftime("%Y-%m-%dT%H:%M"))
    buyer.locator("#f-item0_description").fill("Brake pads")
    buyer.locator("#f-item0_quantity").fill("500")
    buyer.locator("#f-item0_unit").fill("sets")
    buyer.locator("#f-min_level").select_option("L1")
    buyer.get_by_role("button", name="Save the draft").click()
    buyer.get_by_role("button", name="Publish", exact=True).click()
    expect(buyer.locator('[data-live="status"]')).to_have_text("Open for bids")
    rfq_url = buyer.url
    assert re.search(r"/rfqs/[0-9a-f-]{36}$", rfq_url)

    # a supplier below the bar, on a phone, sees what to fix, and keeps the page open
    watcher_context = browser.new_context(viewport=PHONE, is_mobile=True)
    watcher = watcher_context.new_page()
    sign_in(watcher, base, "sme.br@demo.market")
    watcher.goto(rfq_url)
    expect(watcher.get_by_text("You cannot bid yet: what to fix")).to_be_visible()
    assert watcher.get_by_role("button", name="Send the sealed bid").count() == 0
    expect(watcher.locator("#live")).to_have_attribute("data-connected", "true")
    expect(watcher.locator('[data-live="bids"]')).to_have_count(0)  # who bids is sealed from others
    expect(buyer.locator("#live")).to_have_attribute("data-connected", "true")
    expect(buyer.locator('[data-live="bids"]')).to_have_text("0")

    # an eligible supplier bids and gets its receipt
    bidder_context = browser.new_context()
    bidder = bidder_context.new_page()
    sign_in(bidder, base, "sme@demo.market")
    bidder.goto(rfq_url)
    bidder.locator("input[name^=price_]").fill("12.50")
    bidder.locator("#f-lead_time_days").fill("15")
    bidder.locator("#f-validity_days").fill("30")
    bidder.get_by_role("button", name="Send the sealed bid").click()
    expect(bidder.get_by_text("Your bid is received.")).to_be_visible()
    assert re.search(r"SHA-256 [0-9a-f]{64}", bidder.locator(".notice").inner_text())

    # the buyer's page counts the bid without reloading, and says so; the other supplier's hears nothing
    expect(buyer.locator('[data-live="bids"]')).to_have_text("1")
    expect(buyer.locator('[data-live="notice"]')).to_have_text("Bids received: 1")
    expect(watcher.locator('[data-live="notice"]')).to_have_text("")

    # the deadline passes on the server's clock; the buyer opens, compares and awards
    timed_server.advance(40 * 3600)
    buyer.goto(rfq_url)
    buyer.get_by_role("button", name="Open the bids").click()
    expect(buyer.get_by_text("matches the receipt").first).to_be_visible()
    expect(watcher.locator('[data-live="status"]')).to_have_text("Bids opened")
    buyer.get_by_role("button", name="Evaluate by the published criteria").click()
    buyer.get_by_role("button", name="Award").first.click()
    expect(buyer.get_by_text("standstill").first).to_be_visible()

    # the watcher sees the award arrive live; the bidder reads its debrief
    expect(watcher.locator('[data-live="status"]')).to_have_text("Awarded")
    bidder.goto(rfq_url)
    expect(bidder.get_by_role("heading", name="Your debrief")).to_be_visible()
    expect(bidder.get_by_text("Your bid won.")).to_be_visible()
    for context in (buyer_context, watcher_context, bidder_context):
        context.close()
