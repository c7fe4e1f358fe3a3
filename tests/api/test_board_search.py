"""Searching the board: words (accents and case folded), CPV prefix, buyer country, currency,
closing date, "only what my firm may bid on", order, and refusals of bad filters."""

from __future__ import annotations

import datetime as dt

from market.domain.organisations import OrganisationKind as K
from tests.conftest import api_token_for, bearer
from tests.factories import organisation_with_admin


async def post_rfq(client, token, clock, title, *, days, currency="USD", cpv="", description="", **extra):
    body = {
        "title": title,
        "description": description,
        "currency": currency,
        "deadline": (clock() + dt.timedelta(days=days)).isoformat(),
        "items": [{"description": "Lote único", "quantity": "10", "unit": "pieces", "cpv": cpv}],
        **extra,
    }
    made = await client.post("/api/v1/rfqs", json=body, headers=bearer(token))
    assert made.status_code == 201, made.text
    published = await client.post(f"/api/v1/rfqs/{made.json()['id']}/publish", headers=bearer(token))
    assert published.status_code == 200, published.text
    clock.current += dt.timedelta(minutes=1)  # publications in a known order
    return made.json()["id"]


async def titles(client, token, **params) -> list[str]:
    response = await client.get("/api/v1/rfqs", params=params, headers=bearer(token))
    assert response.status_code == 200, response.text
    return [row["title"] for row in response.json()["items"]]


async def test_board_filters_and_order(client, ctx, clock) -> None:
    _, buyer_ar = await organisation_with_admin(ctx, K.LEAD_FIRM, country="AR")
    _, buyer_br = await organisation_with_admin(ctx, K.LEAD_FIRM, country="BR")
    _, sme = await organisation_with_admin(ctx, country="AR")
    ar, br, me = [await api_token_for(ctx, u) for u in (buyer_ar, buyer_br, sme)]
    await post_rfq(client, ar, clock, "Válvulas de acero inoxidable", days=5, cpv="42131000")
    await post_rfq(client, ar, clock, "Brake discs, ventilated", days=9, currency="ARS", cpv="34300000")
    await post_rfq(client, br, clock, "Cadeiras de madeira", days=3, currency="BRL", cpv="39111000")
    await post_rfq(
        client,
        br,
        clock,
        "Peças só para o Brasil",
        days=7,
        requirements={"countries": ["BR"]},
        cpv="34320000",
    )

    assert await titles(client, me) == [
        "Cadeiras de madeira",
        "Válvulas de acero inoxidable",
        "Peças só para o Brasil",
        "Brake discs, ventilated",
    ]
    assert await titles(client, me, q="VALVULAS acero") == ["Válvulas de acero inoxidable"]
    assert await titles(client, me, q="valv") == ["Válvulas de acero inoxidable"]  # the start of a word
    assert await titles(client, me, q="valvulas madeira") == []  # every word must appear
    assert await titles(client, me, q="único") == await titles(client, me)  # item descriptions count
    assert await titles(client, me, q="100%_x") == []  # wildcards in the query are plain text
    assert await titles(client, me, cpv="343") == ["Peças só para o Brasil", "Brake discs, ventilated"]
    assert await titles(client, me, cpv="34300000-9") == ["Brake discs, ventilated"]
    assert await titles(client, me, country="BR") == ["Cadeiras de madeira", "Peças só para o Brasil"]
    assert await titles(client, me, currency="ARS") == ["Brake discs, ventilated"]
    closes_by = (clock() + dt.timedelta(days=5)).date().isoformat()
    assert await titles(client, me, closes_by=closes_by) == [
        "Cadeiras de madeira",
        "Válvulas de acero inoxidable",
    ]
    assert "Peças só para o Brasil" not in await titles(client, me, eligible="true")
    assert len(await titles(client, me, eligible="true")) == 3
    assert (await titles(client, me, sort="newest"))[0] == "Peças só para o Brasil"
    page = (await client.get("/api/v1/rfqs", params={"per_page": 1, "page": 2}, headers=bearer(me))).json()
    assert page["total"] == 4 and [r["title"] for r in page["items"]] == ["Válvulas de acero inoxidable"]
    past = (await client.get("/api/v1/rfqs", params={"per_page": 3, "page": 3}, headers=bearer(me))).json()
    assert past["items"] == [] and past["total"] == 4  # past the last page: still the number found
    none = (await client.get("/api/v1/rfqs", params={"q": "nada"}, headers=bearer(me))).json()
    assert none["items"] == [] and none["total"] == 0


async def test_bad_filters_are_refused_with_the_reason(client, ctx) -> None:
    _, sme = await organisation_with_admin(ctx)
    token = await api_token_for(ctx, sme)
    for params, field in (
        ({"cpv": "34a"}, "cpv"),
        ({"country": "XX"}, "country"),
        ({"currency": "EUR"}, "currency"),
        ({"closes_by": "28/11/2026"}, "closes_by"),
        ({"sort": "cheapest"}, "sort"),
    ):
        response = await client.get("/api/v1/rfqs", params=params, headers=bearer(token))
        assert response.status_code == 422, response.text
        assert [f["field"] for f in response.json()["fields"]] == [field]


async def test_the_portal_board_keeps_the_search_and_says_what_is_wrong(client, ctx, clock) -> None:
    from tests.factories import PASSWORD
    from tests.helpers import portal_login

    _, buyer = await organisation_with_admin(ctx, K.LEAD_FIRM)
    _, sme = await organisation_with_admin(ctx)
    token = await api_token_for(ctx, buyer)
    for n in range(23):
        await post_rfq(client, token, clock, f"Tornillos lote {n:02d}", days=2 + n)
    await post_rfq(client, token, clock, "Arandelas", days=4)
    await portal_login(client, sme["email"], PASSWORD)
    page = await client.get("/rfqs", params={"q": "tornillos"})
    assert page.status_code == 200
    assert "Arandelas" not in page.text and "Tornillos lote 00" in page.text
    assert 'value="tornillos"' in page.text and "/rfqs?q=tornillos&amp;page=2" in page.text
    second = await client.get("/rfqs", params={"q": "tornillos", "page": 2})
    assert "Tornillos lote 22" in second.text and "Tornillos lote 00" not in second.text
    wrong = await client.get("/rfqs", params={"q": "tornillos", "cpv": "abc"})
    assert wrong.status_code == 422
    assert "Enter a CPV code or its first digits" in wrong.text and 'value="tornillos"' in wrong.text
