"""The readiness journey in a real browser: an SME fills its self-assessment over two sessions,
submits, sees its level and upgrading path; an expired certificate shows as a gap until its
agency verifies the renewed one."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from tests.e2e.conftest import DEMO_PASSWORD
from tests.e2e.test_portal_browser import sign_in
from tests.factories import profile, unique_email
from tests.unit.domain.test_readiness import BEST, Q

pytestmark = pytest.mark.e2e
PASSWORD = "a readiness passport for the litoral"
PDF = b"%PDF-1.4\n% certificate scan\n"


def answer_step(page: Any, step: int) -> None:
    for question in Q.dimensions[step].questions:
        value = BEST[question.id]
        if question.type.value in ("choice", "yes_no"):
            page.locator(f'input[name="{question.id}"][value="{value}"]').check()
        else:
            page.locator(f"#f-{question.id}").fill(value)


def onboard_sme(browser: Any, base: str) -> tuple[str, str]:
    """The agency registers an SME and invites its owner; returns (e-mail, invitation code)."""
    agency = browser.new_context()
    page = agency.new_page()
    sign_in(page, base, "agency@demo.market")
    page.goto(base + "/agency/smes/new")
    data = profile("AR")
    page.get_by_label("Legal name").fill("Matricería Readiness S.A.")
    page.get_by_label("Country").select_option("AR")
    page.get_by_label("Tax id (CUIT, CNPJ, RUC or RUT)").fill(data["tax_id"])
    page.get_by_label("Size").select_option("small")
    page.get_by_label("Sector").select_option("auto_components")
    page.get_by_role("button", name="Register").click()
    page.wait_for_url(re.compile(r".*/people$"))
    email = unique_email("owner")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Role").select_option("admin")
    page.get_by_role("button", name="Send invitation").click()
    code = page.locator("strong.code").inner_text()
    agency.close()
    return email, code


def test_readiness_journey(browser: Any, live_server: str, tmp_path: Any) -> None:
    email, code = onboard_sme(browser, live_server)
    # Session 1: accept the invitation, answer two steps, stop.
    first = browser.new_context()
    page = first.new_page()
    page.goto(live_server + "/invitations/accept")
    page.get_by_label("Invitation code").fill(code)
    page.get_by_label("Your name").fill("Rosa Readiness")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    sign_in(page, live_server, email, PASSWORD)
    page.goto(live_server + "/readiness")
    page.get_by_role("link", name="Start a new self-assessment").click()
    answer_step(page, 0)
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url(re.compile(r".*step=1$"))
    answer_step(page, 1)
    page.get_by_role("button", name="Save and finish later").click()
    page.wait_for_url(re.compile(r".*/readiness$"))
    assert "Your answers are saved" in page.content()
    first.close()

    # Session 2: the draft is still there; finish and submit.
    second = browser.new_context()
    page = second.new_page()
    sign_in(page, live_server, email, PASSWORD)
    page.goto(live_server + "/readiness")
    page.get_by_role("link", name="Continue the self-assessment").click()
    assert page.locator('[aria-current="step"]').inner_text() == Q.dimensions[2].title["en"]
    page.goto(live_server + "/readiness/assessment?step=0")
    assert page.locator('input[name="connectivity"][value="redundant"]').is_checked()
    assert page.locator("#f-online_orders").input_value() == "90"
    for step in range(2, 5):
        page.goto(live_server + f"/readiness/assessment?step={step}")
        answer_step(page, step)
        page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url(re.compile(r".*step=5$"))
    page.get_by_role("button", name="Submit the self-assessment").click()
    page.wait_for_url(re.compile(r".*/readiness$"))
    assert page.locator(".level-badge").inner_text().startswith("L1")
    assert page.locator("figure.chart svg circle").count() == 1
    assert page.get_by_role("table").filter(has_text="Submitted self-assessments").count() == 1

    # An expired ISO 9001 is in the wallet: the gap check names it.
    today = dt.date.today()
    old = tmp_path / "iso-old.pdf"
    old.write_bytes(PDF)
    page.goto(live_server + "/certificates")
    page.get_by_label("Kind of certificate").select_option("iso_9001")
    page.get_by_label("Issued by").fill("IRAM")
    page.get_by_label("Certificate number").fill("ISO-2021-7")
    page.get_by_label("Issued on").fill((today - dt.timedelta(days=3 * 365)).isoformat())
    expired_on = today - dt.timedelta(days=30)
    page.get_by_label("Expires on").fill(expired_on.isoformat())
    page.locator("#f-file").set_input_files(str(old))
    page.get_by_role("button", name="Add to wallet").click()
    page.wait_for_url(re.compile(r".*/certificates$"))
    page.goto(live_server + "/readiness/check?min_level=L1&certificates=iso_9001")
    gaps = page.locator("ol.gaps").inner_text()
    assert f"ISO 9001 expired on {expired_on.isoformat()}" in gaps and "renewed" in gaps

    # The renewed certificate, verified by the agency, closes the gap.
    new = tmp_path / "iso-new.pdf"
    new.write_bytes(PDF)
    page.goto(live_server + "/certificates")
    page.get_by_label("Kind of certificate").select_option("iso_9001")
    page.get_by_label("Issued by").fill("IRAM")
    page.get_by_label("Certificate number").fill("ISO-2026-8")
    page.get_by_label("Issued on").fill((today - dt.timedelta(days=20)).isoformat())
    page.get_by_label("Expires on").fill((today + dt.timedelta(days=3 * 365)).isoformat())
    page.locator("#f-file").set_input_files(str(new))
    page.get_by_role("button", name="Add to wallet").click()
    page.wait_for_url(re.compile(r".*/certificates$"))

    agency = browser.new_context()
    agency_page = agency.new_page()
    sign_in(agency_page, live_server, "agency@demo.market", DEMO_PASSWORD)
    agency_page.goto(live_server + "/agency/certificates")
    card = agency_page.locator("article.card").filter(has_text="ISO-2026-8")
    card.get_by_role("button", name="Verify").click()
    agency_page.wait_for_url(re.compile(r".*/agency/certificates$"))
    assert "The certificate is verified." in agency_page.content()
    agency.close()

    page.goto(live_server + "/readiness/check?min_level=L1&certificates=iso_9001")
    assert "You meet every requirement." in page.content()
    assert page.locator("ol.gaps").count() == 0
    second.close()
