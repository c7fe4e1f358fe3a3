"""The portal through plain HTTP, as a browser without JavaScript sees it."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from market.db.tables import AppUser, Organisation, Outbox
from market.domain.organisations import OrganisationKind as K
from market.settings import PROJECT_ROOT
from market.web.pages import PAGES
from tests.conftest import client_for
from tests.factories import PASSWORD, invalid_cnpj, organisation_with_admin, profile, unique_email
from tests.helpers import csrf_from, portal_login, post_form


def signup_form(**overrides: str) -> dict[str, object]:
    data: dict[str, object] = {k: v for k, v in profile("AR").items() if not isinstance(v, list)}
    data.update(
        {
            "value_chain_links": ["components", "finishing"],
            "languages": ["es", "pt"],
            "classification_codes_text": "34300000, 39100000",
            "full_name": "Sofía Suárez",
            "email": unique_email("sofia"),
            "password": PASSWORD,
        }
    )
    data.update(overrides)
    return data


async def test_signup_with_a_bad_cnpj_keeps_everything_typed(client) -> None:
    form = signup_form(
        country="BR",
        tax_id=invalid_cnpj(),
        legal_name="Calçados Irmãos & Filhos Ltda.",
        contact_phone="+55 51 3333-4444",
        monthly_capacity="7500",
        capacity_unit="pairs",
    )
    response = await post_form(client, "/signup", "/signup", form)
    assert response.status_code == 422
    page = response.text
    assert 'id="e-tax_id"' in page and "CNPJ" in page
    assert re.search(r'id="f-tax_id"[^>]*aria-describedby="h-tax_id e-tax_id"[^>]*aria-invalid="true"', page)
    for name in (
        "legal_name",
        "tax_id",
        "contact_phone",
        "monthly_capacity",
        "capacity_unit",
        "email",
        "full_name",
    ):
        assert f'value="{html.escape(str(form[name]))}"' in page, name
    assert '<option value="BR" selected>' in page
    assert 'value="finishing" checked' in page and 'value="pt" checked' in page
    assert "34300000, 39100000" in page
    assert PASSWORD not in page  # the password is the one thing not sent back
    assert await Organisation.count() == 0


async def test_signup_signs_the_new_sme_in(client) -> None:
    form = signup_form()
    response = await post_form(client, "/signup", "/signup", form)
    assert response.status_code == 303 and response.headers["location"] == "/organisation"
    page = await client.get("/organisation")
    assert page.status_code == 200
    assert html.escape(str(form["legal_name"])) in page.text and "Welcome!" in page.text
    org = await Organisation.select().first()
    assert org["kind"] == "sme_supplier" and org["value_chain_links"] == ["components", "finishing"]
    assert org["classification_codes"] == ["34300000", "39100000"]


async def test_language_follows_accept_language_then_the_users_choice(client, ctx) -> None:
    assert "Registre su pyme" in (await client.get("/", headers={"Accept-Language": "es-AR,es;q=0.9"})).text
    _, admin = await organisation_with_admin(ctx)
    await portal_login(client, admin["email"], PASSWORD)
    await ctx.engine.run_ddl("UPDATE organisation SET monthly_capacity = 12500")
    assert "12,500 pieces" in (await client.get("/organisation", headers={"Accept-Language": "en"})).text
    page = await client.get("/")
    switched = await client.post(
        "/language", data={"lang": "pt", "next": "/", "_csrf_token": csrf_from(page.text)}
    )
    assert switched.status_code == 303
    home = await client.get("/", headers={"Accept-Language": "es"})
    assert '<html lang="pt">' in home.text and "Vender" not in home.text
    assert "Venda para empresas líderes" in home.text
    # The capacity of 12,500 pieces in the pt-BR number format (and not whichever language
    # rendered the template first).
    await ctx.engine.run_ddl("UPDATE organisation SET monthly_capacity = 12500")
    profile_page = await client.get("/organisation")
    assert "12.500 pieces" in profile_page.text and "Capacidade mensal" in profile_page.text
    assert (await AppUser.select(AppUser.locale).where(AppUser.id == admin["id"]).first())["locale"] == "pt"
    client.cookies.delete("lang")
    assert "Venda para empresas líderes" in (await client.get("/")).text  # remembered on the account


async def test_editing_with_an_error_keeps_the_input_and_saves_nothing(client, ctx) -> None:
    org, admin = await organisation_with_admin(ctx)
    await portal_login(client, admin["email"], PASSWORD)
    edit_page = await client.get(f"/organisations/{org['id']}/edit")
    form = {
        k: v
        for k, v in profile("AR", legal_name="Renamed Firm S.A.", tax_id=org["tax_id"]).items()
        if not isinstance(v, list)
    }
    form.update({"website": "not a url", "_csrf_token": csrf_from(edit_page.text)})
    response = await client.post(f"/organisations/{org['id']}/edit", data=form)
    assert response.status_code == 422
    assert 'value="Renamed Firm S.A."' in response.text and 'value="not a url"' in response.text
    assert (await Organisation.select().where(Organisation.id == org["id"]).first())["legal_name"] == org[
        "legal_name"
    ]
    form["website"] = "https://renamed.example.com"
    ok = await client.post(f"/organisations/{org['id']}/edit", data=form)
    assert ok.status_code == 303
    assert (await Organisation.select().where(Organisation.id == org["id"]).first())[
        "legal_name"
    ] == "Renamed Firm S.A."


async def test_invite_and_accept_through_the_portal(client, ctx, app) -> None:
    org, admin = await organisation_with_admin(ctx)
    await portal_login(client, admin["email"], PASSWORD)
    email = unique_email("colleague")
    invited = await post_form(
        client,
        f"/organisations/{org['id']}/people",
        f"/organisations/{org['id']}/invitations",
        {"email": email, "role": "member"},
    )
    assert invited.status_code == 201
    code = re.search(r'<strong class="code">([A-Z0-9-]+)</strong>', invited.text).group(1)
    mail = await Outbox.select().where(Outbox.recipient == email).first()
    assert code in mail["body"] and "/invitations/accept" in mail["body"]
    async with client_for(app, "198.51.100.50") as newcomer:
        accepted = await post_form(
            newcomer,
            "/invitations/accept",
            "/invitations/accept",
            {"code": code, "full_name": "Carla Colega", "password": PASSWORD},
        )
        assert accepted.status_code == 303
        assert (await portal_login(newcomer, email, PASSWORD)).status_code == 303
        again = await post_form(
            newcomer,
            "/invitations/accept",
            "/invitations/accept",
            {"code": code, "full_name": "Someone Else", "password": PASSWORD},
        )
        assert again.status_code == 422 and "already used" in again.text


async def test_agency_registers_an_sme_and_operator_accredits(client, ctx, app) -> None:
    _, op_admin = await organisation_with_admin(ctx, K.PLATFORM_OPERATOR)
    _, agency_admin = await organisation_with_admin(ctx, K.SUPPORT_AGENCY)
    lead, _ = await organisation_with_admin(ctx, K.LEAD_FIRM, accredited=False)
    await portal_login(client, agency_admin["email"], PASSWORD)
    form = {k: v for k, v in profile("UY").items() if not isinstance(v, list)}
    created = await post_form(client, "/agency/smes/new", "/agency/smes/new", form)
    assert created.status_code == 303
    listing = await client.get("/agency/smes")
    assert html.escape(form["legal_name"]) in listing.text

    async with client_for(app, "198.51.100.60") as operator:
        await portal_login(operator, op_admin["email"], PASSWORD)
        page = await operator.get("/operator/organisations?kind=lead_firm")
        assert html.escape(lead["legal_name"]) in page.text
        done = await operator.post(
            f"/operator/organisations/{lead['id']}/accreditation",
            data={"accredited": "yes", "_csrf_token": csrf_from(page.text)},
        )
        assert done.status_code == 303
    assert (await Organisation.select().where(Organisation.id == lead["id"]).first())["accredited"] is True
    # The agency is not the operator: it cannot open the accreditation page.
    assert (await client.get("/operator/organisations")).status_code == 403


@pytest.mark.parametrize("page", PAGES, ids=[p.path for p in PAGES])
async def test_every_page_renders_for_its_user(app, ctx, page) -> None:
    kind = {
        "sme": K.SME_SUPPLIER,
        "agency": K.SUPPORT_AGENCY,
        "operator": K.PLATFORM_OPERATOR,
        "buyer": K.LEAD_FIRM,
        None: K.SME_SUPPLIER,
    }[page.who]
    org, admin = await organisation_with_admin(ctx, kind)
    async with client_for(app) as browser:
        if page.who:
            await portal_login(browser, admin["email"], PASSWORD)
        response = await browser.get(page.path.format(own=org["id"]))
        assert response.status_code == 200, response.text[:500]
        assert 'name="viewport"' in response.text and "<h1>" in response.text


@pytest.mark.parametrize("language", ["es", "pt"])
def test_catalogues_are_complete(language: str, tmp_path: Path) -> None:
    """Every translatable string of the code and templates has a translation."""
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "market/locale/babel.cfg",
            "-k",
            "N_",
            "-o",
            str(pot),
            "--no-location",
            "market",
            "templates",
        ],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
    )
    wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(pot.open("rb")) if m.id}
    path = PROJECT_ROOT / "market" / "locale" / language / "LC_MESSAGES" / "messages.po"
    catalog = read_po(path.open("rb"), locale=language)
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id and (all(m.string) if isinstance(m.string, tuple) else m.string) and "fuzzy" not in m.flags
    }
    assert len(wanted) > 200
    assert sorted(wanted - translated) == []
