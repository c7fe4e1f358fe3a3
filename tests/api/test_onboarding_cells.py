"""An onboarding CSV's cells meet the rules the JSON API applies: no control characters (NUL),
and numbers read as the uploader writes them (``market.domain.numbers``), an ambiguous one being a
row to correct, never a guess."""

from __future__ import annotations

import asyncio
import csv
import io

import pytest

from market.db.tables import OnboardingJob, Organisation
from market.domain.organisations import OrganisationKind as K
from market.services import onboarding
from tests.conftest import api_token_for, bearer
from tests.factories import PASSWORD, organisation_with_admin, valid_cuit
from tests.helpers import csrf_from, portal_login
from tests.services.test_onboarding import make_csv, row


def semicolon_csv(rows: list[dict[str, str]]) -> bytes:
    """As a Spanish spreadsheet saves it: ";" between cells."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=onboarding.COLUMNS, delimiter=";")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


async def api_job(client, token: str, data: bytes, language: str = "en") -> dict:
    queued = await client.post(
        "/api/v1/onboarding-jobs",
        files={"file": ("smes.csv", data, "text/csv")},
        headers={**bearer(token), "Accept-Language": language},
    )
    assert queued.status_code == 202, queued.text
    for _ in range(200):
        job = (
            await client.get(f"/api/v1/onboarding-jobs/{queued.json()['id']}", headers=bearer(token))
        ).json()
        if job["status"] == "done":
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(job)


async def portal_job(client, data: bytes, language: str) -> dict:
    client.headers["Accept-Language"] = language
    page = await client.get("/agency/onboarding")
    response = await client.post(
        "/agency/onboarding",
        data={"_csrf_token": csrf_from(page.text)},
        files={"file": ("smes.csv", data, "text/csv")},
    )
    assert response.status_code in (200, 303), response.text
    for _ in range(200):
        await asyncio.sleep(0.05)
        firms = await Organisation.count().where(Organisation.kind == K.SME_SUPPLIER.value)
        job = (
            await OnboardingJob.select()
            .order_by(OnboardingJob.created_at, ascending=False)
            .first()
            .output(load_json=True)
        )
        if job and job["status"] == "done":
            return {"created_count": job["created_count"], "report": job["report"], "firms": firms}
    raise AssertionError("the job did not finish")


async def test_a_nul_in_a_cell_is_a_row_to_correct(client, ctx) -> None:
    _, agency_admin = await organisation_with_admin(ctx, K.SUPPORT_AGENCY)
    token = await api_token_for(ctx, agency_admin)
    data = make_csv([row(1, valid_cuit(), "AR", legal_name="A\x00B S.A."), row(2, valid_cuit(), "AR")])
    job = await api_job(client, token, data)
    assert job["created_count"] == 1 and job["failed_count"] == 1
    [bad] = job["rows_to_correct"]
    assert bad["line"] == 2 and [(p["field"], p["code"]) for p in bad["problems"]] == [
        ("legal_name", "text.control_character")
    ]
    assert "\x00" not in bad["legal_name"]
    assert await Organisation.count().where(Organisation.legal_name.like("A%B S.A.")) == 0


async def test_a_nul_in_a_cell_through_the_portal(client, ctx) -> None:
    _, agency_admin = await organisation_with_admin(ctx, K.SUPPORT_AGENCY)
    await portal_login(client, agency_admin["email"], PASSWORD)
    data = semicolon_csv([row(1, valid_cuit(), "AR", legal_name="A\x00B S.A.", sector="textiles\x1b")])
    job = await portal_job(client, data, "es")
    assert job["created_count"] == 0
    [bad] = job["report"]
    assert {p["code"] for p in bad["problems"]} == {"text.control_character"}
    assert await Organisation.count().where(Organisation.kind == K.SME_SUPPLIER.value) == 0


async def test_spanish_thousands_in_the_portal_are_read_as_thousands(client, ctx) -> None:
    _, agency_admin = await organisation_with_admin(ctx, K.SUPPORT_AGENCY)
    await portal_login(client, agency_admin["email"], PASSWORD)
    tax_id = valid_cuit()
    data = semicolon_csv([row(1, tax_id, "AR", monthly_capacity="20.000")])
    job = await portal_job(client, data, "es")
    assert job["created_count"] == 1, job
    firm = (
        await Organisation.select(Organisation.monthly_capacity).where(Organisation.tax_id == tax_id).first()
    )
    assert firm["monthly_capacity"] == 20_000


@pytest.mark.parametrize(
    ("language", "capacity", "expected"), [("en", "20.000", None), ("es", "20.000", 20_000)]
)
async def test_the_api_reads_the_capacity_in_the_callers_language(
    client, ctx, language: str, capacity: str, expected: int | None
) -> None:
    _, agency_admin = await organisation_with_admin(ctx, K.SUPPORT_AGENCY)
    token = await api_token_for(ctx, agency_admin)
    tax_id = valid_cuit()
    data = make_csv([row(1, tax_id, "AR", monthly_capacity=capacity)])
    job = await api_job(client, token, data, language)
    firm = (
        await Organisation.select(Organisation.monthly_capacity).where(Organisation.tax_id == tax_id).first()
    )
    if expected is None:  # "20.000" in English: twenty, or twenty thousand? a row to correct
        assert job["created_count"] == 0 and firm is None
        [bad] = job["rows_to_correct"]
        assert [(p["field"], p["code"]) for p in bad["problems"]] == [
            ("monthly_capacity", "number.ambiguous")
        ]
    else:
        assert job["created_count"] == 1 and firm["monthly_capacity"] == expected
