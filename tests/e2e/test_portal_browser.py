"""The portal in a real Chromium against a real server."""

from __future__ import annotations

import re
from typing import Any

import pytest

from market.web.pages import PAGES
from tests.e2e.conftest import DEMO_PASSWORD
from tests.factories import invalid_cnpj, unique_email, valid_cuit

pytestmark = pytest.mark.e2e

DEMO_USER = {
    "sme": "sme@demo.market",
    "agency": "agency@demo.market",
    "operator": "operator@demo.market",
    "buyer": "buyer@demo.market",
}


def sign_in(page: Any, base: str, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(base + "/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/organisation$"))


def fill_profile(page: Any, *, name: str, country: str, tax_id: str, email: str) -> None:
    page.get_by_label("Legal name").fill(name)
    page.get_by_label("Country").select_option(country)
    page.get_by_label("Tax id (CUIT, CNPJ, RUC or RUT)").fill(tax_id)
    page.get_by_label("Size").select_option("small")
    page.get_by_label("Sector").select_option("leather_footwear")
    page.get_by_label("Assembly", exact=True).check()
    page.get_by_label("Monthly capacity").fill("4000")
    page.get_by_label("Unit", exact=True).fill("pairs")
    page.get_by_label("Your name").fill("Lucía Zapatera")
    page.get_by_label("Your e-mail").fill(email)
    page.get_by_label("Password").fill("zapatos de cuero para todo el mercosur")


def test_sme_signs_up_bad_cnpj_keeps_fields_then_portuguese(browser: Any, live_server: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    # An invalid CNPJ is refused with a message on the field; everything else stays typed.
    page.goto(live_server + "/signup")
    email = unique_email("lucia")
    fill_profile(page, name="Calçados Teste Ltda.", country="BR", tax_id=invalid_cnpj(), email=email)
    page.get_by_role("button", name="Register").click()
    error = page.locator("#e-tax_id")
    assert "not a valid CNPJ" in error.inner_text()
    assert page.get_by_label("Tax id (CUIT, CNPJ, RUC or RUT)").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Legal name").input_value() == "Calçados Teste Ltda."
    assert page.get_by_label("Country").input_value() == "BR"
    assert page.get_by_label("Sector").input_value() == "leather_footwear"
    assert page.get_by_label("Assembly", exact=True).is_checked()
    assert page.get_by_label("Monthly capacity").input_value() == "4000"
    assert page.get_by_label("Your e-mail").input_value() == email
    # Correct it to a valid Argentine CUIT and register.
    page.get_by_label("Country").select_option("AR")
    page.get_by_label("Tax id (CUIT, CNPJ, RUC or RUT)").fill(valid_cuit())
    page.get_by_label("Password").fill("zapatos de cuero para todo el mercosur")
    page.get_by_role("button", name="Register").click()
    page.wait_for_url(re.compile(r".*/organisation$"))
    assert "Welcome!" in page.content()
    # Sign out, sign in again, switch to Portuguese.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, email, "zapatos de cuero para todo el mercosur")
    page.get_by_role("button", name="Português").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "pt"
    assert page.get_by_role("heading", level=1).inner_text() == "Calçados Teste Ltda."
    assert page.get_by_text("Minha organização").count() >= 1
    facts = page.locator(".facts").inner_text()
    assert "Capacidade mensal" in facts and "4.000 pairs" in facts  # pt-BR: 4.000, not 4,000
    assert re.search(r"\d{1,2} de [a-zç]+\.? de 20\d\d", facts)  # a Portuguese date
    context.close()


@pytest.mark.parametrize("portal_page", PAGES, ids=[p.path for p in PAGES])
def test_pages_are_accessible_usable_at_360px_and_without_javascript(
    browser: Any, live_server: str, axe_source: str, portal_page: Any
) -> None:
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True, bypass_csp=True
    )
    page = context.new_page()
    own = ""
    if portal_page.who:
        sign_in(page, live_server, DEMO_USER[portal_page.who])
        own = page.locator("nav a", has_text="People").get_attribute("href").split("/")[2]
    page.goto(live_server + portal_page.path.format(own=own))
    assert page.locator("h1").count() == 1
    page.add_script_tag(content=axe_source)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"page is {overflow}px wider than a 360px screen"
    cookies = context.cookies()
    context.close()

    # Without JavaScript: the same page renders and its forms are plain HTML forms.
    no_js = browser.new_context(java_script_enabled=False)
    no_js.add_cookies(cookies)
    plain = no_js.new_page()
    response = plain.goto(live_server + portal_page.path.format(own=own))
    assert response.status == 200
    assert plain.locator("h1").count() == 1
    for form in plain.locator("form").all():
        assert form.get_attribute("action")
    no_js.close()


def test_sign_in_works_without_javascript(browser: Any, live_server: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, DEMO_USER["sme"])
    assert page.get_by_role("heading", level=1).inner_text()
    context.close()


def test_home_page_first_load_is_small(browser: Any, live_server: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    requests: list[Any] = []
    page.on("requestfinished", lambda request: requests.append(request))
    page.goto(live_server + "/", wait_until="load")
    transferred = 0
    for request in requests:
        sizes = request.sizes()
        transferred += sizes["responseBodySize"] + sizes["responseHeadersSize"]
    assert len(requests) >= 2  # the page and its stylesheet
    assert transferred <= 60 * 1024, f"home page first load transferred {transferred} bytes"
    context.close()
