"""A page that shows a form answers like the form's action: a viewer whom the POST would refuse
(403 or 404) gets the same answer on GET, not a form it may not use (nor a look at the object)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from market.domain.organisations import OrganisationKind as K
from tests.conftest import api_token_for, client_for
from tests.factories import PASSWORD, organisation_with_admin
from tests.helpers import csrf_from, portal_login, published_rfq

# (who looks, the form's page, the form's action); {rfq} and {buyer_org} are filled in
FORM_PAGES = [
    ("other_buyer", "/rfqs/{rfq}/deliveries/new?lot=", "/rfqs/{rfq}/deliveries"),
    ("sme", "/rfqs/{rfq}/deliveries/new?lot=", "/rfqs/{rfq}/deliveries"),
    ("agency", "/rfqs/{rfq}/deliveries/new?lot=", "/rfqs/{rfq}/deliveries"),
    ("sme", "/rfqs/new", "/rfqs/new"),
    ("agency", "/rfqs/new", "/rfqs/new"),
    ("buyer", "/rfqs/{rfq}/consortia/new", "/rfqs/{rfq}/consortia"),
    ("agency", "/rfqs/{rfq}/consortia/new", "/rfqs/{rfq}/consortia"),
    ("other_buyer", "/organisations/{buyer_org}/edit", "/organisations/{buyer_org}/edit"),
    ("sme", "/organisations/{buyer_org}/edit", "/organisations/{buyer_org}/edit"),
    ("sme", "/agency/smes/new", "/agency/smes/new"),
    ("buyer", "/agency/smes/new", "/agency/smes/new"),
    ("buyer", "/readiness/assessment", "/readiness/assessment"),
    ("sme", "/agency/onboarding/", "/agency/onboarding/"),
    ("sme", "/agency/cohort/", "/agency/cohort/"),
]


@pytest.fixture
async def world(client: Any, ctx: Any, clock: Any) -> dict[str, Any]:
    buyer_org, buyer = await organisation_with_admin(ctx, K.LEAD_FIRM)
    rfq = await published_rfq(
        client, await api_token_for(ctx, buyer), clock() + dt.timedelta(days=3), "Forms", allow_consortia=True
    )
    people = {"buyer": buyer}
    for name, kind in (("other_buyer", K.LEAD_FIRM), ("sme", K.SME_SUPPLIER), ("agency", K.SUPPORT_AGENCY)):
        people[name] = (await organisation_with_admin(ctx, kind))[1]
    return {"rfq": rfq["id"], "buyer_org": buyer_org["id"], "people": people}


@pytest.mark.parametrize(
    ("viewer", "page", "action"), FORM_PAGES, ids=[f"{v}:{p.split('?')[0]}" for v, p, _ in FORM_PAGES]
)
async def test_a_form_page_refuses_whom_its_action_refuses(
    app: Any, world: dict[str, Any], viewer: str, page: str, action: str
) -> None:
    page, action = (text.format(rfq=world["rfq"], buyer_org=world["buyer_org"]) for text in (page, action))
    async with client_for(app, "198.51.100.201") as browser:
        await portal_login(browser, world["people"][viewer]["email"], PASSWORD)
        csrf = csrf_from((await browser.get("/organisation")).text)
        posted = await browser.post(action, data={"_csrf_token": csrf, "lot": ""})
        shown = await browser.get(page)
    assert posted.status_code in (403, 404), (action, posted.status_code)
    assert shown.status_code == posted.status_code, (page, shown.status_code, posted.status_code)
