"""Numbers typed in the portal are read the reader's way (issue 14, defect 1): "1.000" typed in
Spanish is a thousand, not one; a number that could be read two ways is refused at its field
with the form expected, in the reader's language; saved numbers are shown back the reader's way."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from market.db.tables import ConsortiumMember, Organisation, Rfq, RfqItem
from market.domain.organisations import OrganisationKind as K
from tests.conftest import api_token_for, client_for
from tests.factories import PASSWORD, organisation_with_admin, profile
from tests.helpers import csrf_from, portal_login, post_form, published_rfq

AMBIGUOUS_ES = "puede leerse como dos números distintos"


def rfq_form(clock, **items: str) -> dict[str, str]:
    deadline = (clock() + dt.timedelta(days=3)).astimezone(dt.timezone(dt.timedelta(hours=-3)))
    form = {
        "title": "Suelas de cuero, temporada 2027",
        "currency": "ARS",
        "language": "es",
        "deadline": deadline.strftime("%Y-%m-%dT%H:%M"),
        "weight_price": "100",
        "weight_lead_time": "0",
        "weight_quality": "0",
        "min_level": "L0",
    }
    for n, quantity in enumerate(items.values()):
        form |= {
            f"item{n}_description": f"Suela {n}",
            f"item{n}_quantity": quantity,
            f"item{n}_unit": "pares",
        }
    return form


async def test_a_spanish_buyer_types_quantities_the_spanish_way(app, ctx, clock) -> None:
    _, buyer = await organisation_with_admin(ctx, K.LEAD_FIRM)
    async with client_for(app, "198.51.100.141") as browser:
        browser.headers["Accept-Language"] = "es-AR,es;q=0.9"
        await portal_login(browser, buyer["email"], PASSWORD)

        ambiguous = await post_form(
            browser, "/rfqs/new", "/rfqs/new", rfq_form(clock, a="1,000", b="2.500,5")
        )
        assert ambiguous.status_code == 422
        # refused at its field, the form expected in Spanish; what was typed stays
        error = re.search(r'<p class="field-error" id="e-item0_quantity">([^<]*)</p>', ambiguous.text)
        assert error is not None and AMBIGUOUS_ES in error.group(1) and "12.345,5" in error.group(1)
        assert 'value="1,000"' in ambiguous.text and 'value="2.500,5"' in ambiguous.text
        assert 'id="e-item1_quantity"' not in ambiguous.text
        assert await Rfq.count() == 0

        garbage = await post_form(browser, "/rfqs/new", "/rfqs/new", rfq_form(clock, a="1.5", b="1e3"))
        assert garbage.status_code == 422
        for field in ("item0_quantity", "item1_quantity"):
            assert re.search(rf'id="e-{field}">Escriba un número como 12\.345,5\.<', garbage.text)

        made = await post_form(browser, "/rfqs/new", "/rfqs/new", rfq_form(clock, a="1.000", b="2.500,5"))
        assert made.status_code == 303, made.text
        stored = [Decimal(r["quantity"]) for r in await RfqItem.select().order_by(RfqItem.position)]
        assert stored == [Decimal(1000), Decimal("2500.5")]
        page = await browser.get(made.headers["location"])
        assert "<td>1.000</td>" in page.text and "<td>2.500,5</td>" in page.text


async def test_an_english_buyer_is_asked_what_1_000_means(app, ctx, clock) -> None:
    _, buyer = await organisation_with_admin(ctx, K.LEAD_FIRM)
    async with client_for(app, "198.51.100.142") as browser:
        browser.headers["Accept-Language"] = "en"
        await portal_login(browser, buyer["email"], PASSWORD)
        form = rfq_form(clock, a="1.000", b="1,000")
        refused = await post_form(browser, "/rfqs/new", "/rfqs/new", form)
        assert refused.status_code == 422
        assert re.search(
            r'id="e-item0_quantity">“1\.000” could be read as two different numbers', refused.text
        )
        assert "12,345.5" in refused.text and 'id="e-item1_quantity"' not in refused.text
        made = await post_form(browser, "/rfqs/new", "/rfqs/new", {**form, "item0_quantity": "0.004"})
        assert made.status_code == 303
        stored = [Decimal(r["quantity"]) for r in await RfqItem.select().order_by(RfqItem.position)]
        assert stored == [Decimal("0.004"), Decimal(1000)]


async def test_a_portuguese_supplier_bids_prices_and_days_the_portuguese_way(app, ctx, clock, client) -> None:
    _, buyer = await organisation_with_admin(ctx, K.LEAD_FIRM)
    _, sme = await organisation_with_admin(ctx, country="BR")
    rfq = await published_rfq(
        client, await api_token_for(ctx, buyer), clock() + dt.timedelta(days=3), "Solas"
    )
    url = f"/rfqs/{rfq['id']}"
    async with client_for(app, "198.51.100.143") as browser:
        browser.headers["Accept-Language"] = "pt-BR"
        await portal_login(browser, sme["email"], PASSWORD)
        page = await browser.get(url)
        item = re.search(r'name="(price_[0-9a-f-]+)"', page.text).group(1)
        key = re.search(r'name="idempotency_key" value="([^"]+)"', page.text).group(1)

        async def bid(price: str, lead: str) -> object:
            return await browser.post(
                f"{url}/bid",
                data={
                    item: price,
                    "lead_time_days": lead,
                    "validity_days": "60",
                    "idempotency_key": key,
                    "_csrf_token": csrf_from(page.text),
                },
            )

        ambiguous = await bid("7,250", "12")
        assert ambiguous.status_code == 422
        assert re.search(rf'id="e-{item}">“7,250” pode ser lido como dois números diferentes', ambiguous.text)
        too_long = await bid("1.234,5", "1.000")  # a thousand days, not one
        assert too_long.status_code == 422
        assert re.search(
            r'id="e-lead_time_days">Informe um número inteiro de dias de 1 a 730\.<', too_long.text
        )
        sent = await bid("1.234,5", "12")
        assert sent.status_code == 201, sent.text
        mine = await client.get(
            f"/api/v1/rfqs/{rfq['id']}/bid",
            headers={"Authorization": f"Bearer {await api_token_for(ctx, sme)}"},
        )
        assert mine.json()["content"]["prices"] == {item.removeprefix("price_"): "1234.50"}


async def test_capacity_and_consortium_shares_are_read_and_shown_the_readers_way(
    app, ctx, clock, client
) -> None:
    org, admin = await organisation_with_admin(ctx)
    async with client_for(app, "198.51.100.144") as browser:
        browser.headers["Accept-Language"] = "es"
        await portal_login(browser, admin["email"], PASSWORD)
        edit = f"/organisations/{org['id']}/edit"
        fields = {k: v for k, v in profile("AR", tax_id=org["tax_id"]).items() if not isinstance(v, list)}
        fields |= {"monthly_capacity": "12.500", "capacity_unit": "pares"}
        saved = await post_form(browser, edit, edit, fields)
        assert saved.status_code == 303, saved.text
        assert (await Organisation.select(Organisation.monthly_capacity).first())["monthly_capacity"] == 12500
        assert 'value="12.500"' in (await browser.get(edit)).text  # shown back the Spanish way
        refused = await post_form(browser, edit, edit, {**fields, "monthly_capacity": "1,5"})
        assert refused.status_code == 422
        assert re.search(r'id="e-monthly_capacity">Escriba un número entero como 12\.345\.<', refused.text)

    _, buyer = await organisation_with_admin(ctx, K.LEAD_FIRM)
    rfq = await published_rfq(
        client,
        await api_token_for(ctx, buyer),
        clock() + dt.timedelta(days=3),
        "Suelas",
        allow_consortia=True,
    )
    _, lead = await organisation_with_admin(ctx)
    url = f"/rfqs/{rfq['id']}"
    async with client_for(app, "198.51.100.145") as browser:
        browser.headers["Accept-Language"] = "es"
        await portal_login(browser, lead["email"], PASSWORD)
        new = f"{url}/consortia/new"
        form = {"kind": "horizontal", "liability_accepted": "yes"}
        ambiguous = await post_form(browser, new, f"{url}/consortia", {**form, "share": "62,500"})
        assert ambiguous.status_code == 422
        assert re.search(rf'id="e-share">“62,500” {AMBIGUOUS_ES}', ambiguous.text)
        made = await post_form(browser, new, f"{url}/consortia", {**form, "share": "62,5"})
        assert made.status_code == 303, made.text
        assert (await ConsortiumMember.select(ConsortiumMember.share).first())["share"] == "62.5"
        team = await browser.get(made.headers["location"])
        assert "62,5 %" in team.text and re.search(r'name="share_[0-9a-f-]+"[^>]* value="62,5"', team.text)
