"""Every CSV file the product writes is neutralised against formula injection (OWASP): a cell a
spreadsheet would run as a formula starts with ``'`` in the file, and is stored unchanged."""

from __future__ import annotations

import csv
import io

from market.domain.organisations import OrganisationKind as K
from market.services import onboarding
from market.services.csvfiles import FORMULA_STARTS, safe_cell, unescape_cell, write_csv
from tests.factories import PASSWORD, organisation_with_admin
from tests.helpers import portal_login
from tests.services.test_onboarding import make_csv, row
from tests.services.test_readiness import actor_of

HOSTILE = ['=HYPERLINK("http://evil.example","x")', "+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "\n=1"]


def cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_every_formula_start_is_neutralised_and_read_back() -> None:
    assert len(HOSTILE) == len(FORMULA_STARTS)
    written = cells(write_csv([HOSTILE, ["plain", "Ação", 3, "'quoted"]]))
    assert written[0] == ["'" + value for value in HOSTILE]
    assert written[1] == ["plain", "Ação", "3", "'quoted"]
    assert [unescape_cell(c) for c in written[0]] == HOSTILE
    assert unescape_cell("'quoted") == "'quoted" and safe_cell(-5) == -5


async def test_the_corrections_file_neutralises_what_the_agency_sent(client, ctx) -> None:
    _, agency_admin = await organisation_with_admin(ctx, K.SUPPORT_AGENCY)
    actor = await actor_of(ctx, agency_admin)
    data = make_csv([row(n, value, "AR") | {"legal_name": value} for n, value in enumerate(HOSTILE[:4])])
    job = await onboarding.start_job(ctx, actor, "smes.csv", data)
    await onboarding.run_job(ctx, job["id"], ctx.settings.invitation_url)
    stored = await onboarding.get_job(actor, str(job["id"]))
    assert [e["legal_name"] for e in stored["report"]] == HOSTILE[:4]  # stored as sent

    await portal_login(client, agency_admin["email"], PASSWORD)
    response = await client.get(f"/agency/onboarding/{job['id']}/corrections.csv")
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith('attachment; filename="rows-to-correct.csv"')
    body = cells(response.text)[1:]
    assert [(r[1], r[2]) for r in body] == [("'" + v, "'" + v) for v in HOSTILE[:4]]
    assert all(not cell.startswith(FORMULA_STARTS) for r in body for cell in r)


async def test_the_template_file_is_neutralised_and_onboards_as_it_is(client, ctx) -> None:
    _, agency_admin = await organisation_with_admin(ctx, K.SUPPORT_AGENCY)
    await portal_login(client, agency_admin["email"], PASSWORD)
    response = await client.get("/agency/onboarding/template.csv")
    assert response.status_code == 200
    example = cells(response.text)[1]
    assert "'+54 341 555 0101" in example  # the phone would run as a formula
    assert all(not cell.startswith(FORMULA_STARTS) for cell in example)
