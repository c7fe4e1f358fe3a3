"""An RFQ in the buyer's language with the buyer's own translations: each supplier reads it in
theirs, finds it by words of any of them, and sees that it is a translation."""

from __future__ import annotations

import datetime as dt
import re

from market.domain.organisations import OrganisationKind as K
from tests.conftest import api_token_for, bearer
from tests.factories import PASSWORD, organisation_with_admin
from tests.helpers import portal_login, post_form

TRANSLATIONS = {
    "es": {"title": "Discos de freno ventilados", "description": "Plano BD-27, acero gris."},
    "pt": {"title": "Discos de freio ventilados", "description": "Desenho BD-27, ferro fundido."},
}


async def test_readers_get_their_language_and_search_finds_every_language(client, ctx, clock) -> None:
    _, buyer = await organisation_with_admin(ctx, K.LEAD_FIRM)
    _, sme = await organisation_with_admin(ctx)
    buyer_token, sme_token = await api_token_for(ctx, buyer), await api_token_for(ctx, sme)
    body = {
        "title": "Ventilated brake discs",
        "description": "Drawing BD-27, grey iron.",
        "language": "en",
        "translations": TRANSLATIONS,
        "currency": "USD",
        "deadline": (clock() + dt.timedelta(days=4)).isoformat(),
        "items": [{"description": "Disc", "quantity": "10", "unit": "pieces"}],
    }
    made = await client.post("/api/v1/rfqs", json=body, headers=bearer(buyer_token))
    assert made.status_code == 201, made.text
    assert made.json()["translations"] == TRANSLATIONS and made.json()["language"] == "en"
    rfq = made.json()
    await client.post(f"/api/v1/rfqs/{rfq['id']}/publish", headers=bearer(buyer_token))

    async def board_titles(language: str, q: str = "") -> list[str]:
        headers = {**bearer(sme_token), "Accept-Language": language}
        rows = (await client.get("/api/v1/rfqs", params={"q": q}, headers=headers)).json()["items"]
        return [row["title"] for row in rows]

    assert await board_titles("es") == ["Discos de freno ventilados"]
    assert await board_titles("pt-BR") == ["Discos de freio ventilados"]
    assert await board_titles("en") == ["Ventilated brake discs"]
    assert await board_titles("en", "freio") == ["Ventilated brake discs"]  # found by a Portuguese word

    await portal_login(client, sme["email"], PASSWORD)
    page = await client.get(f"/rfqs/{rfq['id']}", headers={"Accept-Language": "pt-BR"})
    assert "<h1>Discos de freio ventilados</h1>" in page.text
    assert "Traduzido pelo comprador. Original (Inglês): Ventilated brake discs" in page.text
    assert "Desenho BD-27, ferro fundido." in page.text and "Drawing BD-27, grey iron." in page.text


async def test_bad_translations_are_refused_and_the_form_keeps_them(client, ctx, clock) -> None:
    _, buyer = await organisation_with_admin(ctx, K.LEAD_FIRM)
    token = await api_token_for(ctx, buyer)
    body = {
        "title": "Ventilated brake discs",
        "language": "en",
        "translations": {"en": {"title": "Same language"}, "es": {"title": "Dis"}},
        "currency": "USD",
        "deadline": (clock() + dt.timedelta(days=4)).isoformat(),
        "items": [{"description": "Disc", "quantity": "10", "unit": "pieces"}],
    }
    refused = await client.post("/api/v1/rfqs", json=body, headers=bearer(token))
    assert refused.status_code == 422
    assert sorted(f["field"] for f in refused.json()["fields"]) == [
        "translations.en",
        "translations.es.title",
    ]

    await portal_login(client, buyer["email"], PASSWORD)
    form = {
        "title": "Ventilated brake discs",
        "language": "en",
        "title_es": "Dis",
        "description_pt": "Descrição sem título",
        "currency": "USD",
        "weight_price": "100",
        "deadline": (clock() + dt.timedelta(days=4)).strftime("%Y-%m-%dT%H:%M"),
        "item0_description": "Disc",
        "item0_quantity": "10",
        "item0_unit": "pieces",
    }
    page = await post_form(client, "/rfqs/new", "/rfqs/new", form)
    assert page.status_code == 422
    # both translated titles are named, in the summary (linked to the input) and at the input
    assert page.text.count("Give a title of 5 to 200 characters.") == 4
    assert 'href="#f-title_es"' in page.text and 'href="#f-title_pt"' in page.text
    assert 'value="Dis"' in page.text and "Descrição sem título" in page.text and " open>" in page.text
    form |= {"title_es": "Discos de freno", "title_pt": "Discos de freio"}
    made = await post_form(client, "/rfqs/new", "/rfqs/new", form)
    assert made.status_code == 303, re.findall(r"<li><a href=\"#f-[^\"]*\">[^<]*", made.text)
    shown = await client.get(made.headers["location"], headers={"Accept-Language": "es"})
    assert "<h1>Discos de freno</h1>" in shown.text
