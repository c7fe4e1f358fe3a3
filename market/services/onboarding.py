"""Bulk onboarding of SMEs by an agency: a CSV file, checked row by row, processed in the
background with progress; running the same file again creates nothing twice."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import logging
import uuid
from typing import Any

from market.db.tables import AppUser, OnboardingJob, Organisation
from market.domain.accounts import Actor, Role, require_agency
from market.domain.errors import N_, DomainError, NotFound, ValidationFailed
from market.domain.numbers import READER_LOCALES
from market.domain.organisations import (
    PROFILE_FIELDS,
    OrganisationKind,
    check_email,
    tax_id_key,
    validate_profile,
)
from market.domain.text import check_text, without_control_characters
from market.services.accounts import record_invitation
from market.services.context import ServiceContext, load_by_id, parse_id
from market.services.csvfiles import unescape_cell, write_csv
from market.services.organisations import profile_columns

log = logging.getLogger("market.onboarding")

COLUMNS = (*PROFILE_FIELDS, "invite_email")
REQUIRED_COLUMNS = ("legal_name", "country", "tax_id", "size_class", "sector")
EXAMPLE = (
    "Autopartes del Litoral S.A.",
    "AR",
    "20-26756539-3",
    "small",
    "auto_components",
    "components;subassembly",
    "34300000",
    "20000",
    "pieces",
    "es;en",
    "Sofía Suárez",
    "ventas@example.com",
    "+54 341 555 0101",
    "https://example.com",
    "sofia@example.com",
)
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
BATCH = 200

CREATED, EXISTING, DUPLICATE, INVALID = "created", "existing", "duplicate", "invalid"


def template_csv() -> str:
    return write_csv([COLUMNS, EXAMPLE])


def _read(data: bytes) -> tuple[list[str], list[dict[str, str]]]:
    text = data.decode("utf-8-sig")
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") and "\t" not in sample else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    rows = [
        {(k or "").strip(): unescape_cell((v or "").strip()) for k, v in row.items() if isinstance(v, str)}
        for row in reader
    ]
    return header, rows


def file_reader(language: str | None) -> str:
    """The language a file's numbers are read in: its uploader's (a spreadsheet is typed by a
    person, so never the JSON API's canonical form, where "20.000" is twenty), English if unknown."""
    return language if language in READER_LOCALES else "en"


async def start_job(
    ctx: ServiceContext, actor: Actor, file_name: str, data: bytes, reader: str | None = None
) -> dict[str, Any]:
    """Check the file's shape and queue it; the rows are checked when the job runs, numbers read
    the ``reader``'s way (the uploader's language: ``market.domain.numbers``)."""
    require_agency(actor)
    if not data:
        raise DomainError("onboarding.file_empty", N_("The file is empty."))
    if len(data) > MAX_FILE_BYTES:
        raise DomainError(
            "onboarding.file_too_large", N_("The file is larger than %(mb)s MB."), mb=MAX_FILE_BYTES // 2**20
        )
    try:
        header, rows = _read(data)
    except (UnicodeDecodeError, csv.Error):
        raise DomainError(
            "onboarding.not_csv", N_("This is not a CSV file in UTF-8; save it again as “CSV UTF-8”.")
        ) from None
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise DomainError(
            "onboarding.columns_missing",
            N_("Columns missing: %(columns)s. Start from the template."),
            columns=", ".join(missing),
        )
    if not rows:
        raise DomainError("onboarding.no_rows", N_("The file has no rows below the header."))
    if len(rows) > MAX_ROWS:
        raise DomainError("onboarding.too_many_rows", N_("At most %(max)s rows per file."), max=MAX_ROWS)
    job_id = uuid.uuid4()
    await OnboardingJob.insert(
        OnboardingJob(
            id=job_id,
            agency=uuid.UUID(actor.organisation_id),
            file_name=without_control_characters(file_name[:200]) or "smes.csv",
            file_sha256=hashlib.sha256(data).hexdigest(),
            content=data,
            status="queued",
            total=len(rows),
            report=[],
            created_by=uuid.UUID(actor.user_id),
            created_at=ctx.now(),
            reader=file_reader(reader),
        )
    )
    return await get_job(actor, str(job_id))


async def get_job(actor: Actor, job_id: str) -> dict[str, Any]:
    """A job of this agency, with its report (the file itself is left out)."""
    require_agency(actor)
    job = (
        await OnboardingJob.select(*[c for c in OnboardingJob.all_columns() if c._meta.name != "content"])
        .where(OnboardingJob.id == parse_id(job_id, "onboarding_job"))
        .first()
        .output(load_json=True)
    )
    if job is None or str(job["agency"]) != actor.organisation_id:
        raise NotFound("onboarding_job")
    return job


async def list_jobs(actor: Actor) -> list[dict[str, Any]]:
    require_agency(actor)
    return (
        await OnboardingJob.select(
            OnboardingJob.id,
            OnboardingJob.file_name,
            OnboardingJob.status,
            OnboardingJob.total,
            OnboardingJob.processed,
            OnboardingJob.created_count,
            OnboardingJob.existing_count,
            OnboardingJob.failed_count,
            OnboardingJob.created_at,
        )
        .where(OnboardingJob.agency == uuid.UUID(actor.organisation_id))
        .order_by(OnboardingJob.created_at, ascending=False)
        .limit(20)
    )


def _profile(row: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {c: row.get(c, "") for c in COLUMNS if c != "invite_email"}
    for name in ("value_chain_links", "classification_codes", "languages"):
        data[name] = [part.strip() for part in data[name].replace(";", ",").split(",") if part.strip()]
    return data


def _problems(error: DomainError) -> list[dict[str, Any]]:
    return [
        {"field": f.field, "code": f.code, "message": f.message, "params": f.params} for f in error.fields
    ]


async def run_job(ctx: ServiceContext, job_id: uuid.UUID, accept_url: str) -> None:
    """Process every row; progress is saved after each batch, so a page can show it live.

    A row whose firm is already registered (by tax id) is reported as existing, never created
    again: re-running a file, or resuming a job cut short, creates nothing twice.
    """
    job = await OnboardingJob.select().where(OnboardingJob.id == job_id).first()
    if job is None or job["status"] == "done":
        return
    agency = await load_by_id(Organisation, job["agency"], "organisation")
    # numbers in the file are read the way its uploader reads them (jobs queued before the upload's
    # language was kept: the uploader's saved language, else English)
    reader = job["reader"]
    if reader not in READER_LOCALES:
        uploader = await AppUser.select(AppUser.locale).where(AppUser.id == job["created_by"]).first()
        reader = file_reader(uploader["locale"] if uploader else None)
    await OnboardingJob.update({OnboardingJob.status: "running"}).where(OnboardingJob.id == job_id)
    _, rows = _read(bytes(job["content"]))
    report: list[dict[str, Any]] = []
    counts = {CREATED: 0, EXISTING: 0, DUPLICATE: 0, INVALID: 0}
    seen: dict[str, int] = {}
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        checked: list[tuple[int, dict[str, str], Any, str]] = []
        for offset, raw in enumerate(batch):
            line = start + offset + 2  # the header is line 1
            entry: dict[str, Any] = {
                "line": line,
                "legal_name": without_control_characters(raw.get("legal_name", "")[:200]),
                "tax_id": without_control_characters(raw.get("tax_id", "")[:40]),
            }
            try:
                check_text({column: raw.get(column, "") for column in COLUMNS})  # as the JSON API does
                profile = validate_profile(_profile(raw), reader)
            except ValidationFailed as failed:
                report.append({**entry, "status": INVALID, "problems": _problems(failed)})
                counts[INVALID] += 1
                continue
            invite = raw.get("invite_email", "")
            if invite and check_email(invite) is None:
                report.append(
                    {
                        **entry,
                        "status": INVALID,
                        "problems": [
                            {
                                "field": "invite_email",
                                "code": "person.email_invalid",
                                "message": N_("Enter an e-mail address like name@example.com."),
                                "params": {},
                            }
                        ],
                    }
                )
                counts[INVALID] += 1
                continue
            key = tax_id_key(profile.country, profile.tax_id)
            if key in seen:
                report.append(
                    {
                        **entry,
                        "status": DUPLICATE,
                        "problems": [
                            {
                                "field": "tax_id",
                                "code": "onboarding.duplicate_row",
                                "message": N_("The same tax id is already on line %(line)s of this file."),
                                "params": {"line": seen[key]},
                            }
                        ],
                    }
                )
                counts[DUPLICATE] += 1
                continue
            seen[key] = line
            checked.append((line, raw, profile, key))
        known = set()
        if checked:
            found = await Organisation.select(Organisation.tax_key).where(
                Organisation.tax_key.is_in([key for *_, key in checked])
            )
            known = {row["tax_key"] for row in found}
        invite_emails = [check_email(raw.get("invite_email", "")) for _, raw, _, _ in checked]
        taken = set()
        if any(invite_emails):
            taken = {
                row["email"]
                for row in await AppUser.select(AppUser.email).where(
                    AppUser.email.is_in([e for e in invite_emails if e])
                )
            }
        async with ctx.transaction():
            for line, raw, profile, key in checked:
                entry = {"line": line, "legal_name": profile.legal_name, "tax_id": profile.tax_id}
                if key in known:
                    report.append({**entry, "status": EXISTING, "problems": []})
                    counts[EXISTING] += 1
                    continue
                org_id = uuid.uuid4()
                await Organisation.insert(
                    Organisation(
                        id=org_id,
                        kind=OrganisationKind.SME_SUPPLIER.value,
                        onboarded_by=agency["id"],
                        created_at=ctx.now(),
                        updated_at=ctx.now(),
                        **profile_columns(profile),
                    )
                )
                problems = []
                email = check_email(raw.get("invite_email", ""))
                if email and email not in taken:
                    org = {"id": org_id, "legal_name": profile.legal_name}
                    await record_invitation(ctx, org, email, Role.ADMIN, str(job["created_by"]), accept_url)
                elif email:
                    problems.append(
                        {
                            "field": "invite_email",
                            "code": "person.email_taken",
                            "message": N_("An account with this e-mail already exists."),
                            "params": {},
                        }
                    )
                report.append({**entry, "status": CREATED, "problems": problems})
                counts[CREATED] += 1
            await OnboardingJob.update(
                {
                    OnboardingJob.processed: min(len(rows), start + len(batch)),
                    OnboardingJob.created_count: counts[CREATED],
                    OnboardingJob.existing_count: counts[EXISTING],
                    OnboardingJob.failed_count: counts[INVALID] + counts[DUPLICATE],
                }
            ).where(OnboardingJob.id == job_id)
        await asyncio.sleep(0)  # let the server answer progress requests between batches
    report.sort(key=lambda entry: entry["line"])
    await OnboardingJob.update(
        {
            OnboardingJob.status: "done",
            OnboardingJob.report: report,
            OnboardingJob.finished_at: ctx.now(),
        }
    ).where(OnboardingJob.id == job_id)
    log.info("onboarding job %s: %s", job_id, counts)


async def unfinished_jobs() -> list[uuid.UUID]:
    """Jobs a stopped server left queued or running (safe to run again: rows are idempotent)."""
    rows = await OnboardingJob.select(OnboardingJob.id).where(
        OnboardingJob.status.is_in(["queued", "running"])
    )
    return [row["id"] for row in rows]


def report_csv(job: dict[str, Any], translate: Any) -> str:
    """The rows that need correcting, with the reasons, to fix and upload again."""
    rows: list[list[Any]] = [["line", "legal_name", "tax_id", "status", "problems"]]
    for entry in job["report"]:
        if entry["status"] in (INVALID, DUPLICATE) or entry["problems"]:
            reasons = "; ".join(
                f"{p['field']}: {translate(p['message'], **p['params'])}" for p in entry["problems"]
            )
            rows.append([entry["line"], entry["legal_name"], entry["tax_id"], entry["status"], reasons])
    return write_csv(rows)
