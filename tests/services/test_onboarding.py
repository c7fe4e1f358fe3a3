from __future__ import annotations

import csv
import io

import pytest

from market.db.tables import Invitation, OnboardingJob, Organisation
from market.domain.errors import DomainError
from market.domain.organisations import OrganisationKind as K
from market.services import onboarding
from tests.factories import organisation_with_admin, valid_cnpj, valid_cuit, valid_ruc, valid_rut
from tests.services.test_readiness import actor_of


def make_csv(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=onboarding.COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def row(n: int, tax_id: str, country: str, **overrides: str) -> dict[str, str]:
    data = {c: "" for c in onboarding.COLUMNS}
    data.update(
        legal_name=f"Bulk Firm {n} S.A.",
        country=country,
        tax_id=tax_id,
        size_class="micro",
        sector="textiles_apparel",
        value_chain_links="assembly;finishing",
        languages="es",
        monthly_capacity="1200",
        capacity_unit="pieces",
    )
    data.update(overrides)
    return data


def two_thousand_rows(existing_tax_id: str) -> tuple[bytes, dict[str, int], set[int]]:
    """2,000 rows: good ones, bad tax ids, in-file duplicates, missing fields, one existing firm."""
    makers = {"AR": valid_cuit, "BR": valid_cnpj, "PY": valid_ruc, "UY": valid_rut}
    rows, bad_lines = [], set()
    for n in range(2000):
        line = n + 2
        country = "ARBRPYUY"[2 * (n % 4) : 2 * (n % 4) + 2]
        if n % 50 == 1:
            rows.append(row(n, "20-12345678-0", "AR"))  # wrong check digit
            bad_lines.add(line)
        elif n % 50 == 2:
            rows.append(row(n, rows[-2]["tax_id"], rows[-2]["country"]))  # duplicate of the line before last
            bad_lines.add(line)
        elif n % 50 == 3:
            rows.append(row(n, makers[country](), country, legal_name="", sector=""))  # missing fields
            bad_lines.add(line)
        elif n % 50 == 4:
            rows.append(row(n, makers[country](), country, invite_email="not-an-address"))
            bad_lines.add(line)
        elif n == 5:
            rows.append(row(n, existing_tax_id, "AR"))
        else:
            invite = f"owner{n}@bulk.example.com" if n % 10 == 0 else ""
            rows.append(row(n, makers[country](), country, invite_email=invite))
    expected = {"invalid": 120, "duplicate": 40, "existing": 1}
    expected["created"] = 2000 - sum(expected.values())
    return make_csv(rows), expected, bad_lines


async def test_two_thousand_rows_are_checked_created_once_and_reported(ctx) -> None:
    agency, agency_admin = await organisation_with_admin(ctx, K.SUPPORT_AGENCY)
    existing, _ = await organisation_with_admin(ctx, country="AR")
    actor = await actor_of(ctx, agency_admin)
    data, expected, bad_lines = two_thousand_rows(existing["tax_id"])

    job = await onboarding.start_job(ctx, actor, "smes.csv", data)
    assert job["status"] == "queued" and job["total"] == 2000
    await onboarding.run_job(ctx, job["id"], ctx.settings.invitation_url)
    done = await onboarding.get_job(actor, str(job["id"]))
    statuses = {}
    for entry in done["report"]:
        statuses[entry["status"]] = statuses.get(entry["status"], 0) + 1
    assert statuses == expected
    assert done["status"] == "done" and done["processed"] == 2000
    assert done["created_count"] == expected["created"] and done["existing_count"] == 1
    assert done["failed_count"] == expected["invalid"] + expected["duplicate"]
    flagged = {e["line"] for e in done["report"] if e["status"] in ("invalid", "duplicate")}
    assert flagged == bad_lines
    for entry in done["report"]:
        if entry["status"] in ("invalid", "duplicate"):
            assert entry["problems"] and all(p["message"] for p in entry["problems"])
    missing = next(e for e in done["report"] if e["line"] == 5)
    assert {p["field"] for p in missing["problems"]} == {"legal_name", "sector"}
    assert await Organisation.count().where(Organisation.onboarded_by == agency["id"]) == expected["created"]
    assert await Invitation.count() == sum(1 for n in range(0, 2000, 10) if n % 50 not in (1, 2, 3, 4))

    again = await onboarding.start_job(ctx, actor, "smes.csv", data)
    await onboarding.run_job(ctx, again["id"], ctx.settings.invitation_url)
    second = await onboarding.get_job(actor, str(again["id"]))
    assert second["created_count"] == 0 and second["existing_count"] == expected["created"] + 1
    assert await Organisation.count().where(Organisation.onboarded_by == agency["id"]) == expected["created"]

    report = onboarding.report_csv(done, lambda message, **params: message % params if params else message)
    assert len(report.strip().splitlines()) == 1 + len(bad_lines)


async def test_files_of_the_wrong_shape_are_refused_at_once(ctx) -> None:
    _, agency_admin = await organisation_with_admin(ctx, K.SUPPORT_AGENCY)
    actor = await actor_of(ctx, agency_admin)
    cases = {
        b"": "onboarding.file_empty",
        b"\xff\xfe\x00bad": "onboarding.not_csv",
        b"name,country\nX,AR\n": "onboarding.columns_missing",
        onboarding.template_csv().splitlines()[0].encode() + b"\n": "onboarding.no_rows",
    }
    for data, code in cases.items():
        with pytest.raises(DomainError) as caught:
            await onboarding.start_job(ctx, actor, "x.csv", data)
        assert caught.value.code == code
    assert await OnboardingJob.count() == 0
    _, sme_admin = await organisation_with_admin(ctx)
    with pytest.raises(DomainError):
        await onboarding.start_job(
            ctx, await actor_of(ctx, sme_admin), "x.csv", onboarding.template_csv().encode()
        )


async def test_the_template_itself_onboards_one_firm(ctx) -> None:
    _, agency_admin = await organisation_with_admin(ctx, K.SUPPORT_AGENCY)
    actor = await actor_of(ctx, agency_admin)
    job = await onboarding.start_job(ctx, actor, "template.csv", onboarding.template_csv().encode())
    await onboarding.run_job(ctx, job["id"], ctx.settings.invitation_url)
    done = await onboarding.get_job(actor, str(job["id"]))
    assert [e["status"] for e in done["report"]] == ["created"]
