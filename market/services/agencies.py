"""Support agencies and their SMEs: consent, coaching tasks, benchmarking cohorts."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from market.db.tables import (
    AgencyAccess,
    AppUser,
    Assessment,
    BenchmarkReference,
    CoachingTask,
    Invitation,
    Organisation,
)
from market.domain.accounts import Actor, consented_agencies, require_agency, supports
from market.domain.benchmarks import METRICS, Cohort, build_cohort
from market.domain.errors import N_, DomainError, FieldCollector, Forbidden, NotFound
from market.domain.numbers import is_blank, number_in_range
from market.domain.organisations import OrganisationKind
from market.services.context import ServiceContext, load_by_id, parse_id
from market.services.notifications import notify
from market.services.organisations import load_organisation, org_ref, supported_sme_ids

TASK_STATUSES = ("open", "done")


# -- consent ------------------------------------------------------------------------------------


def _require_sme_admin(actor: Actor) -> None:
    if actor.organisation_kind is not OrganisationKind.SME_SUPPLIER or not actor.is_admin:
        raise Forbidden(
            "consent.sme_admin_only", N_("Only an administrator of the SME decides who may see its data.")
        )


async def accredited_agencies() -> list[dict[str, Any]]:
    return (
        await Organisation.select(Organisation.id, Organisation.legal_name, Organisation.country)
        .where(Organisation.kind == OrganisationKind.SUPPORT_AGENCY.value, Organisation.accredited.eq(True))
        .order_by(Organisation.legal_name)
    )


async def agencies_with_access(actor: Actor) -> list[dict[str, Any]]:
    """The agencies that see this SME now: the one that onboarded it (until the SME withdraws
    that consent) and those it granted access."""
    org = await load_organisation(actor.organisation_id)
    ref = await org_ref(org)
    ids = [uuid.UUID(a) for a in sorted(consented_agencies(ref))]
    if not ids:
        return []
    rows = await Organisation.select(Organisation.id, Organisation.legal_name).where(
        Organisation.id.is_in(ids)
    )
    return [
        {
            **row,
            "onboarded": str(row["id"]) == ref.onboarded_by,
            "granted": str(row["id"]) in ref.consenting_to,
        }
        for row in rows
    ]


async def grant_access(ctx: ServiceContext, actor: Actor, agency_id: str) -> None:
    """The SME lets an accredited agency see its passport and coach it."""
    _require_sme_admin(actor)
    agency = await load_by_id(Organisation, agency_id, "agency")
    if agency["kind"] != OrganisationKind.SUPPORT_AGENCY.value or not agency["accredited"]:
        raise NotFound("agency")
    async with ctx.transaction():
        active = await AgencyAccess.exists().where(
            AgencyAccess.sme == uuid.UUID(actor.organisation_id),
            AgencyAccess.agency == agency["id"],
            AgencyAccess.revoked_at.is_null(),
        )
        if not active:
            await AgencyAccess.insert(
                AgencyAccess(
                    id=uuid.uuid4(),
                    sme=uuid.UUID(actor.organisation_id),
                    agency=agency["id"],
                    granted_by=uuid.UUID(actor.user_id),
                    granted_at=ctx.now(),
                )
            )
            org = await load_organisation(actor.organisation_id)
            await notify(
                ctx,
                agency["id"],
                "consent.granted",
                N_("%(org)s gave your agency access to its passport."),
                {"org": org["legal_name"]},
                "/agency/smes",
            )


async def revoke_access(ctx: ServiceContext, actor: Actor, agency_id: str) -> None:
    """Withdraw consent, also the consent onboarding gave: the agency loses every power over the
    SME at once, and the invitations its people sent into the SME stop working."""
    _require_sme_admin(actor)
    agency = parse_id(agency_id, "agency")
    sme = uuid.UUID(actor.organisation_id)
    org = await load_organisation(actor.organisation_id)
    async with ctx.transaction():
        ended = (
            await AgencyAccess.update({AgencyAccess.revoked_at: ctx.now()})
            .where(AgencyAccess.sme == sme, AgencyAccess.agency == agency, AgencyAccess.revoked_at.is_null())
            .returning(AgencyAccess.id)
        )
        if not ended and org["onboarded_by"] is not None and str(org["onboarded_by"]) == str(agency):
            # The onboarding's consent had no record of its own: the withdrawal is one.
            await AgencyAccess.insert(
                AgencyAccess(
                    id=uuid.uuid4(),
                    sme=sme,
                    agency=agency,
                    granted_by=None,
                    granted_at=org["created_at"],
                    revoked_at=ctx.now(),
                )
            )
        agency_people = AppUser.select(AppUser.id).where(AppUser.organisation == agency)
        await Invitation.update({Invitation.revoked_at: ctx.now()}).where(
            Invitation.organisation == sme,
            Invitation.invited_by.is_in([row["id"] for row in await agency_people] or [uuid.uuid4()]),
            Invitation.accepted_at.is_null(),
            Invitation.revoked_at.is_null(),
        )


# -- coaching -----------------------------------------------------------------------------------


async def _supported_sme(actor: Actor, sme_id: str) -> dict[str, Any]:
    require_agency(actor)
    sme = await load_organisation(sme_id)
    if not supports(actor, await org_ref(sme)):
        raise NotFound("organisation")
    return sme


async def create_task(
    ctx: ServiceContext,
    actor: Actor,
    sme_id: str,
    title: str,
    due_on: str,
    details: str = "",
    gap_code: str = "",
) -> dict[str, Any]:
    """Turn a gap into a task for the SME: what, by when."""
    sme = await _supported_sme(actor, sme_id)
    errors = FieldCollector()
    title = title.strip()
    if not 3 <= len(title) <= 200:
        errors.add("title", "coaching.title_length", N_("Say what is to be done (3 to 200 characters)."))
    if len(details) > 2000:
        errors.add("details", "coaching.details_length", N_("At most 2,000 characters."))
    try:
        due = dt.date.fromisoformat(due_on.strip())
        if due < ctx.now().date():
            errors.add("due_on", "coaching.due_in_past", N_("The date must be today or later."))
    except ValueError:
        errors.add("due_on", "coaching.due_invalid", N_("Enter a date as YYYY-MM-DD."))
    errors.raise_if_any()
    task_id = uuid.uuid4()
    async with ctx.transaction():
        await CoachingTask.insert(
            CoachingTask(
                id=task_id,
                sme=sme["id"],
                agency=uuid.UUID(actor.organisation_id),
                gap_code=gap_code[:60],
                title=title,
                details=details.strip(),
                due_on=due,
                status="open",
                created_by=uuid.UUID(actor.user_id),
                created_at=ctx.now(),
                updated_at=ctx.now(),
            )
        )
        await notify(
            ctx,
            sme["id"],
            "coaching.task",
            N_("Your agency set a task: %(title)s (by %(date)s)."),
            {"title": title, "date": due.isoformat()},
            "/coaching",
        )
    return await load_by_id(CoachingTask, task_id, "task")


async def list_tasks(actor: Actor, sme_id: str | None = None) -> list[dict[str, Any]]:
    """An SME sees its tasks; an agency the tasks it set (for one SME, or all)."""
    query = CoachingTask.select(
        *CoachingTask.all_columns(),
        CoachingTask.sme.legal_name.as_alias("sme_name"),
        CoachingTask.agency.legal_name.as_alias("agency_name"),
    )
    if actor.organisation_kind is OrganisationKind.SUPPORT_AGENCY:
        query = query.where(CoachingTask.agency == uuid.UUID(actor.organisation_id))
        if sme_id:
            query = query.where(CoachingTask.sme == parse_id(sme_id, "organisation"))
    else:
        query = query.where(CoachingTask.sme == uuid.UUID(actor.organisation_id))
    # Open tasks first ("open" sorts after "done"), then by due date.
    return await query.order_by(CoachingTask.status, ascending=False).order_by(CoachingTask.due_on)


async def set_task_status(ctx: ServiceContext, actor: Actor, task_id: str, status: str) -> dict[str, Any]:
    """Either side marks a task done (or open again)."""
    task = await load_by_id(CoachingTask, task_id, "task")
    if actor.organisation_id not in (str(task["sme"]), str(task["agency"])):
        raise NotFound("task")
    if status not in TASK_STATUSES:
        raise DomainError("coaching.status_unknown", N_("A task is open or done."))
    await CoachingTask.update({CoachingTask.status: status, CoachingTask.updated_at: ctx.now()}).where(
        CoachingTask.id == task["id"]
    )
    return await load_by_id(CoachingTask, task_id, "task")


# -- benchmarking -------------------------------------------------------------------------------


async def references(actor: Actor) -> dict[str, float]:
    require_agency(actor)
    rows = await BenchmarkReference.select().where(
        BenchmarkReference.agency == uuid.UUID(actor.organisation_id)
    )
    return {row["metric"]: float(row["value"]) for row in rows}


async def set_references(
    ctx: ServiceContext, actor: Actor, values: dict[str, Any], *, reader: str | None = None
) -> dict[str, float]:
    """The agency's reference values (targets) per metric, read the ``reader``'s way (``None``:
    the API's form); an empty value removes one."""
    require_agency(actor)
    errors = FieldCollector()
    parsed: dict[str, float | None] = {}
    for metric, raw in values.items():
        if metric not in METRICS:
            errors.add(metric, "benchmark.metric_unknown", N_("There is no such metric in the cohort."))
            continue
        if is_blank(raw):
            parsed[metric] = None
            continue
        number = number_in_range(
            errors,
            metric,
            raw,
            reader,
            low=0,
            high=100_000,
            code="benchmark.value_invalid",
            message=N_("Enter a number, like 12 or 12.5."),
        )
        if number is not None:
            parsed[metric] = float(number)
    errors.raise_if_any()
    agency = uuid.UUID(actor.organisation_id)
    async with ctx.transaction():
        for metric, reference in parsed.items():
            await BenchmarkReference.delete().where(
                BenchmarkReference.agency == agency, BenchmarkReference.metric == metric
            )
            if reference is not None:
                await BenchmarkReference.insert(
                    BenchmarkReference(
                        id=uuid.uuid4(), agency=agency, metric=metric, value=reference, set_at=ctx.now()
                    )
                )
    return await references(actor)


async def cohort(actor: Actor) -> Cohort:
    """The distribution of scores and KPIs across the agency's SMEs, now and by quarter."""
    require_agency(actor)
    smes = await supported_sme_ids(actor.organisation_id)
    rows = []
    if smes:
        rows = (
            await Assessment.select(
                Assessment.organisation,
                Assessment.submitted_at,
                Assessment.overall,
                Assessment.dimension_scores,
                Assessment.kpis,
            )
            .where(Assessment.organisation.is_in(smes), Assessment.status == "submitted")
            .output(load_json=True)
        )
    return build_cohort(rows, await references(actor), len(smes))
