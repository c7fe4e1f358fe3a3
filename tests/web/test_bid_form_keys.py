"""The portal's bid form carries an idempotency key (issue 14, defect 4): a form sent again with
other prices under a key that already made a bid is refused with the reason and comes back with a
fresh key, so the next send is a new bid."""

from __future__ import annotations

import datetime as dt
import re

from market.db.tables import Bid
from market.domain.organisations import OrganisationKind as K
from tests.conftest import api_token_for, client_for
from tests.factories import PASSWORD, organisation_with_admin
from tests.helpers import csrf_from, portal_login, published_rfq


async def test_the_portal_form_gets_a_new_key_after_its_key_was_spent(app, ctx, clock) -> None:
    """The bid form carries its key: sent again with other prices (back button, edit, send), it is
    refused with the reason and comes back with a fresh key, so the next send is a new bid."""
    _, buyer = await organisation_with_admin(ctx, K.LEAD_FIRM)
    _, sme = await organisation_with_admin(ctx)
    async with client_for(app) as api:
        deadline = clock() + dt.timedelta(days=3)
        rfq = await published_rfq(api, await api_token_for(ctx, buyer), deadline, "Valves for the portal")
    async with client_for(app) as browser:
        await portal_login(browser, sme["email"], PASSWORD)
        url = f"/rfqs/{rfq['id']}"
        page = (await browser.get(url)).text
        item = f"price_{rfq['items'][0]['id']}"
        key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
        form = {item: "7.25", "lead_time_days": "12", "validity_days": "60", "idempotency_key": key}
        sent = await browser.post(f"{url}/bid", data={**form, "_csrf_token": csrf_from(page)})
        assert sent.status_code == 201
        edited = await browser.post(f"{url}/bid", data={**form, item: "6.50", "_csrf_token": csrf_from(page)})
        assert edited.status_code == 422 and "Idempotency-Key" in edited.text
        fresh = re.search(r'name="idempotency_key" value="([^"]+)"', edited.text).group(1)
        assert fresh != key and 'value="6.50"' in edited.text  # what was typed is kept
        again = await browser.post(
            f"{url}/bid",
            data={**form, item: "6.50", "idempotency_key": fresh, "_csrf_token": csrf_from(edited.text)},
        )
        assert again.status_code == 201
    mine = await Bid.select(Bid.content).where(Bid.status == "active").output(load_json=True)
    assert [b["content"]["prices"][rfq["items"][0]["id"]] for b in mine] == ["6.50"]
