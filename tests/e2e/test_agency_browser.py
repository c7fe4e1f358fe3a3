"""An agency onboards 2,000 SMEs from a CSV in the browser and watches the progress live."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from market.settings import PROJECT_ROOT
from tests.e2e.test_portal_browser import sign_in
from tests.services.test_onboarding import two_thousand_rows

pytestmark = pytest.mark.e2e


def test_bulk_onboarding_shows_progress_and_the_rows_to_correct(
    browser: Any, live_server: str, tmp_path: Any
) -> None:
    demo = json.loads((PROJECT_ROOT / "fixtures" / "demo.json").read_text())
    existing = next(
        o["tax_id"] for o in demo["organisations"] if o["kind"] == "sme_supplier" and o["country"] == "AR"
    )
    data, expected, bad_lines = two_thousand_rows(existing)
    path = tmp_path / "smes.csv"
    path.write_bytes(data)
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live_server, "agency.br@demo.market")
    page.goto(live_server + "/agency/onboarding")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the template").click()
    assert download.value.suggested_filename == "sme-onboarding-template.csv"
    page.get_by_label("CSV file (UTF-8)").set_input_files(str(path))
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_url(re.compile(r".*/agency/onboarding/[0-9a-f-]+$"))
    assert page.locator("progress").count() == 1
    # The page refreshes itself (no JavaScript needed) until the file is done.
    page.get_by_text("Rows with problems").wait_for(timeout=60_000)
    assert page.locator('meta[http-equiv="refresh"]').count() == 0
    facts = page.locator("dl.facts").inner_text()
    assert f"{expected['created']:,}" in facts
    lines = {int(text) for text in page.locator("table tbody tr td:first-child").all_inner_texts()}
    assert lines == bad_lines
    assert "CUIT" in page.locator("table").inner_text()
    # The same file again creates nothing.
    page.goto(live_server + "/agency/onboarding")
    page.get_by_label("CSV file (UTF-8)").set_input_files(str(path))
    page.get_by_role("button", name="Upload and check").click()
    page.get_by_text("Rows with problems").wait_for(timeout=60_000)
    created = page.locator("dl.facts dd").first.inner_text()
    assert created == "0"
    context.close()
