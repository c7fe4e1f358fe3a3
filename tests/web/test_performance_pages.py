"""Supplier records in the portal: the buyer records a delivery from the awarded RFQ's page (a bad
entry is named at its input and keeps what was typed), reads its suppliers; each member of the
winning consortium reads its performance history."""

from __future__ import annotations

import datetime as dt

from tests.api.test_consortia import confirmed_joint_bid, invited
from tests.conftest import bearer, client_for
from tests.factories import PASSWORD
from tests.helpers import portal_login, post_form


async def test_delivery_record_suppliers_and_history_pages(app, client, ctx, clock) -> None:
    rfq, deadline, buyer_token, base, (lead_org, lead), (partner_org, partner), _ = await invited(
        client, ctx, clock, "Soles for the records page"
    )
    await confirmed_joint_bid(client, rfq, base, lead, partner, "2.50", "perf-page-0001")
    clock.current = deadline + dt.timedelta(minutes=1)
    await client.post(f"/api/v1/rfqs/{rfq['id']}/open", headers=bearer(buyer_token))
    ranking = (await client.post(f"/api/v1/rfqs/{rfq['id']}/evaluate", headers=bearer(buyer_token))).json()
    await client.post(
        f"/api/v1/rfqs/{rfq['id']}/award", json={"bid_id": ranking[0]["bid"]}, headers=bearer(buyer_token)
    )
    clock.current = clock() + dt.timedelta(days=5)
    buyer_email = (await client.get("/api/v1/me", headers=bearer(buyer_token))).json()["user"]["email"]
    page = f"/rfqs/{rfq['id']}"
    async with client_for(app, "198.51.100.131") as browser:
        await portal_login(browser, buyer_email, PASSWORD)
        awarded = await browser.get(page)
        assert f'href="{page}/deliveries/new?lot="' in awarded.text
        form = f"{page}/deliveries/new?lot="
        bad = await post_form(
            browser,
            form,
            f"{page}/deliveries",
            {"lot": "", "delivered_on": "2020-01-01", "rejected_percent": "3"},
        )
        assert bad.status_code == 422
        assert 'id="e-delivered_on"' in bad.text and 'id="e-on_time"' in bad.text and 'value="3"' in bad.text
        today = clock().date().isoformat()
        good = {
            "lot": "",
            "delivered_on": today,
            "on_time": "no",
            "rejected_percent": "1.5",
            "note": "A week late",
        }
        saved = await post_form(browser, form, f"{page}/deliveries", good)
        assert saved.status_code == 303 and saved.headers["location"] == page
        suppliers = (await browser.get("/suppliers")).text
        assert lead_org["legal_name"] in suppliers and partner_org["legal_name"] in suppliers
        assert "A week late" in suppliers and "late" in suppliers
    async with client_for(app, "198.51.100.132") as member:
        partner_email = (await client.get("/api/v1/me", headers=bearer(partner))).json()["user"]["email"]
        await portal_login(member, partner_email, PASSWORD)
        history = (await member.get("/performance")).text
        assert "Soles for the records page" in history and f"{lead_org['legal_name']} (60 %)" in history
        assert "1.5 % rejected" in history and "share 40 %" in history
        assert (await member.get(f"/organisations/{lead_org['id']}/performance")).status_code == 404
