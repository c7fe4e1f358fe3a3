"""Readiness passport: drafts, submission, history, the passport the gate reads."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from functools import cache
from typing import Any

from market.db import raw
from market.db.tables import Assessment, Certificate
from market.domain.accounts import Actor, require_view
from market.domain.certificates import CertificateType, CertificateView, Verification
from market.domain.eligibility import (
    Eligibility,
    Passport,
    RequirementSet,
    SubmittedAssessment,
    check_eligibility,
)
from market.domain.errors import N_, DomainError, FieldError, Forbidden
from market.domain.organisations import Country, OrganisationKind
from market.domain.readiness import (
    DIMENSIONS,
    LevelResult,
    Questionnaire,
    Scores,
    assess_level,
    check_answers,
    parse_questionnaire,
    score,
    validate_answers,
)
from market.services.context import ServiceContext
from market.services.organisations import load_organisation, org_ref
from market.settings import PROJECT_ROOT

QUESTIONNAIRE_DIR = PROJECT_ROOT / "fixtures" / "questionnaires"
DRAFT = "draft"
SUBMITTED = "submitted"


@cache
def questionnaires() -> dict[str, Questionnaire]:
    """Every questionnaire version in ``fixtures/questionnaires`` (a new file is a new version)."""
    found = {}
    for path in sorted(QUESTIONNAIRE_DIR.glob("*.json")):
        questionnaire = parse_questionnaire(json.loads(path.read_text(encoding="utf-8")))
        found[questionnaire.version] = questionnaire
    return found


def current_questionnaire() -> Questionnaire:
    versions = questionnaires()
    return versions[max(versions, key=lambda v: [int(p) if p.isdigit() else p for p in v.split(".")])]


def questionnaire_of(version: str) -> Questionnaire:
    return questionnaires()[version]


async def _sme(actor: Actor, org_id: str, *, fill: bool) -> dict[str, Any]:
    """The SME, when the actor may see its passport (and, with ``fill``, fill it in)."""
    org = await load_organisation(org_id)
    require_view(actor, await org_ref(org))
    if org["kind"] != OrganisationKind.SME_SUPPLIER.value:
        raise Forbidden("readiness.sme_only", N_("Only SME suppliers keep a readiness passport."))
    if fill and actor.organisation_id != str(org["id"]):
        raise Forbidden("readiness.own_only", N_("Only the SME's own people fill in its self-assessment."))
    return org


# -- drafts and submission ----------------------------------------------------------------------


async def _draft_row(org_id: uuid.UUID) -> dict[str, Any] | None:
    return await (
        Assessment.select()
        .where(Assessment.organisation == org_id, Assessment.status == DRAFT)
        .first()
        .output(load_json=True)
    )


async def get_draft(ctx: ServiceContext, actor: Actor, org_id: str) -> dict[str, Any]:
    """The open draft, or an empty one on the current questionnaire (stored on first save)."""
    org = await _sme(actor, org_id, fill=True)
    draft = await _draft_row(org["id"])
    if draft is not None:
        return draft
    return {
        "id": None,
        "organisation": org["id"],
        "questionnaire_version": current_questionnaire().version,
        "status": DRAFT,
        "answers": {},
        "step": 0,
        "updated_at": None,
    }


async def _open_draft(ctx: ServiceContext, actor: Actor, org_id: str) -> dict[str, Any]:
    """The open draft, created if there is none (one per SME at a time)."""
    draft = await get_draft(ctx, actor, org_id)
    if draft["id"] is not None:
        return draft
    async with ctx.transaction():
        if await _draft_row(draft["organisation"]) is None:
            await Assessment.insert(
                Assessment(
                    id=uuid.uuid4(),
                    organisation=draft["organisation"],
                    status=DRAFT,
                    answers={},
                    questionnaire_version=draft["questionnaire_version"],
                    created_at=ctx.now(),
                    updated_at=ctx.now(),
                )
            )
    created = await _draft_row(draft["organisation"])
    assert created is not None
    return created


@dataclass(frozen=True)
class DraftSaved:
    draft: dict[str, Any]
    problems: list[FieldError]


async def save_draft(
    ctx: ServiceContext,
    actor: Actor,
    org_id: str,
    raw: dict[str, Any],
    step: int | None = None,
    *,
    reader: str | None = None,
) -> DraftSaved:
    """Keep every good answer (a cleared field removes its answer); report the bad ones. Numbers
    are read the ``reader``'s way (``None``: the API's form)."""
    draft = await _open_draft(ctx, actor, org_id)
    questionnaire = questionnaire_of(draft["questionnaire_version"])
    good, problems = check_answers(questionnaire, raw, ctx.now().date(), complete=False, reader=reader)
    answers = dict(draft["answers"])
    for question_id, value in raw.items():
        if questionnaire.question(question_id) is not None and (value is None or str(value).strip() == ""):
            answers.pop(question_id, None)
    answers.update(good)
    values: dict[Any, Any] = {Assessment.answers: answers, Assessment.updated_at: ctx.now()}
    if step is not None:
        values[Assessment.step] = max(0, min(step, len(DIMENSIONS)))
    await Assessment.update(values).where(Assessment.id == draft["id"], Assessment.status == DRAFT)
    saved = await _draft_row(draft["organisation"])
    assert saved is not None
    return DraftSaved(saved, problems)


async def submit(ctx: ServiceContext, actor: Actor, org_id: str) -> dict[str, Any]:
    """Score the draft and freeze it as the firm's current assessment, valid for a fixed period."""
    draft = await _open_draft(ctx, actor, org_id)
    questionnaire = questionnaire_of(draft["questionnaire_version"])
    now = ctx.now()
    answers = validate_answers(questionnaire, draft["answers"], now.date(), complete=True)
    scores = score(questionnaire, answers, now.date())
    level = assess_level(scores, await certificate_views(draft["organisation"]), now).level
    async with ctx.transaction():
        updated = await (
            Assessment.update(
                {
                    Assessment.status: SUBMITTED,
                    Assessment.answers: answers,
                    Assessment.dimension_scores: scores.dimensions,
                    Assessment.kpis: scores.kpis,
                    Assessment.overall: scores.overall,
                    Assessment.level: int(level),
                    Assessment.submitted_by: uuid.UUID(actor.user_id),
                    Assessment.submitted_at: now,
                    Assessment.valid_until: now + dt.timedelta(days=ctx.settings.assessment_valid_days),
                    Assessment.updated_at: now,
                }
            )
            .where(Assessment.id == draft["id"], Assessment.status == DRAFT)
            .returning(Assessment.id)
        )
        if not updated:
            raise DomainError(
                "readiness.already_submitted", N_("This self-assessment was already submitted.")
            )
    row = await Assessment.select().where(Assessment.id == draft["id"]).first().output(load_json=True)
    assert row is not None
    return row


# -- reading ------------------------------------------------------------------------------------


def scores_of(row: dict[str, Any]) -> Scores:
    return Scores(dict(row["dimension_scores"]), float(row["overall"]), dict(row["kpis"]))


async def history(actor: Actor, org_id: str) -> list[dict[str, Any]]:
    """Submitted assessments, oldest first: the firm's upgrading path."""
    org = await _sme(actor, org_id, fill=False)
    return await (
        Assessment.select()
        .where(Assessment.organisation == org["id"], Assessment.status == SUBMITTED)
        .order_by(Assessment.submitted_at)
        .output(load_json=True)
    )


def certificate_view(row: dict[str, Any]) -> CertificateView:
    """A stored certificate row (type, issued_on, expires_on, verification) as the gate sees it."""
    return CertificateView(
        CertificateType(row["type"]), row["issued_on"], row["expires_on"], Verification(row["verification"])
    )


def _submitted(row: dict[str, Any]) -> SubmittedAssessment:
    for key in ("dimension_scores", "kpis"):
        if isinstance(row[key], str):
            row[key] = json.loads(row[key])
    return SubmittedAssessment(row["submitted_at"], row["valid_until"], scores_of(row))


async def certificate_views(org_id: uuid.UUID) -> list[CertificateView]:
    found = await raw.rows(
        Certificate,
        "SELECT type, issued_on, expires_on, verification FROM certificate WHERE organisation = {}",
        org_id,
    )
    return [certificate_view(r) for r in found]


async def passport(org: dict[str, Any]) -> Passport:
    """What the gate looks at: country, the latest submitted assessment, the certificates."""
    return (await passports([org]))[str(org["id"])]


async def passports(orgs: list[dict[str, Any]]) -> dict[str, Passport]:
    """The passports of many firms (``id`` and ``country`` each) in two queries, by firm id."""
    if not orgs:
        return {}
    ids = [org["id"] for org in orgs]
    latest: dict[str, dict[str, Any]] = {}
    for row in await raw.rows(
        Assessment,
        "SELECT organisation, submitted_at, valid_until, dimension_scores, overall, kpis FROM assessment "  # noqa: S608
        f"WHERE organisation IN ({raw.marks(ids)}) AND status = {{}} ORDER BY submitted_at",
        *ids,
        SUBMITTED,
    ):
        latest[str(row["organisation"])] = row  # later rows are newer
    certificates: dict[str, list[CertificateView]] = {}
    for row in await raw.rows(
        Certificate,
        "SELECT organisation, type, issued_on, expires_on, verification FROM certificate "  # noqa: S608
        f"WHERE organisation IN ({raw.marks(ids)})",
        *ids,
    ):
        certificates.setdefault(str(row["organisation"]), []).append(certificate_view(row))
    return {
        str(org["id"]): Passport(
            Country(org["country"]),
            _submitted(latest[str(org["id"])]) if str(org["id"]) in latest else None,
            certificates.get(str(org["id"]), []),
        )
        for org in orgs
    }


@dataclass(frozen=True)
class Overview:
    organisation: dict[str, Any]
    latest: dict[str, Any] | None
    current: LevelResult | None
    expired: bool
    history: list[dict[str, Any]]
    draft: dict[str, Any] | None


async def overview(ctx: ServiceContext, actor: Actor, org_id: str) -> Overview:
    """Where the firm stands now: its level (certificates as of today), what the next level needs."""
    org = await _sme(actor, org_id, fill=False)
    past = await history(actor, org_id)
    latest = past[-1] if past else None
    now = ctx.now()
    current = None
    expired = bool(latest and now >= latest["valid_until"])
    if latest and not expired:
        current = assess_level(scores_of(latest), await certificate_views(org["id"]), now)
    draft = await _draft_row(org["id"]) if actor.organisation_id == str(org["id"]) else None
    return Overview(org, latest, current, expired, past, draft)


async def check(ctx: ServiceContext, actor: Actor, org_id: str, requirements: RequirementSet) -> Eligibility:
    """Ask the gate about a firm, now."""
    org = await load_organisation(org_id)
    require_view(actor, await org_ref(org))
    return check_eligibility(requirements, await passport(org), ctx.now())
