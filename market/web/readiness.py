"""Portal pages of the readiness passport, the certificate wallet and the gate."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Template

from market.api.downloads import attachment
from market.api.readiness import UPLOAD_ROUTE_LIMIT
from market.domain.certificates import CERTIFICATE_LABELS, VERIFICATION_LABELS, CertificateType
from market.domain.eligibility import KPI_LABELS, parse_requirements
from market.domain.errors import DomainError, ValidationFailed
from market.domain.organisations import COUNTRY_LABELS, Country
from market.domain.readiness import (
    DIMENSION_LABELS,
    DIMENSIONS,
    LEVEL_LABELS,
    Level,
    Questionnaire,
    QuestionType,
)
from market.i18n import current_language, format_for_input, gettext
from market.services import certificates, readiness
from market.services.context import ServiceContext
from market.web.charts import history_chart
from market.web.pages import field_errors, login_guard, need, redirect, render


def _shown(questionnaire: Questionnaire, answers: dict[str, Any]) -> dict[str, Any]:
    """Saved answers as the form shows them: numbers the reader's way (kept in the canonical form)."""
    shown = dict(answers)
    for dimension in questionnaire.dimensions:
        for question in dimension.questions:
            numeric = question.type in (QuestionType.NUMBER, QuestionType.PERCENTAGE)
            if numeric and isinstance(shown.get(question.id), str):
                shown[question.id] = format_for_input(shown[question.id])
    return shown


STEPS = len(DIMENSIONS)


def server_today(request: Request[Any, Any, Any]) -> dt.date:
    """Today by the server's clock (the one the rules use), in UTC."""
    now: dt.datetime = request.app.state.ctx.now()
    return now.date()


def _target(request: Request[Any, Any, Any], organisation: str) -> str:
    """The firm a page is about: the one named (agencies look at their SMEs) or one's own."""
    return organisation or need(request).actor.organisation_id


class ReadinessPages(Controller):
    guards = [login_guard]

    @get("/readiness", include_in_schema=False)
    async def overview(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        organisation: Annotated[str, QueryParameter(max_length=40)] = "",
    ) -> Template:
        me = need(request)
        found = await readiness.overview(ctx, me.actor, _target(request, organisation))
        return render(
            request,
            "readiness.html",
            found=found,
            own=str(found.organisation["id"]) == me.actor.organisation_id,
            dimensions=[(d, gettext(DIMENSION_LABELS[d])) for d in DIMENSIONS],
            level_labels={int(k): gettext(v) for k, v in LEVEL_LABELS.items()},
            chart=history_chart(found.history, {int(k): gettext(v) for k, v in LEVEL_LABELS.items()}),
            needs=[gettext(n.message, **n.params) for n in found.current.next_level_needs]
            if found.current
            else [],
        )

    @get("/readiness/assessment", include_in_schema=False)
    async def step_form(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        step: Annotated[int | None, QueryParameter(ge=0, le=STEPS)] = None,
    ) -> Template:
        me = need(request)
        draft = await readiness.get_draft(ctx, me.actor, me.actor.organisation_id)
        questionnaire = readiness.questionnaire_of(draft["questionnaire_version"])
        shown = _shown(questionnaire, draft["answers"])
        return self._step(request, draft, draft["step"] if step is None else step, shown, {})

    def _step(
        self,
        request: Request[Any, Any, Any],
        draft: dict[str, Any],
        step: int,
        values: dict[str, Any],
        errors: dict[str, str],
        status: int = 200,
        form_error: str = "",
    ) -> Template:
        questionnaire = readiness.questionnaire_of(draft["questionnaire_version"])
        lang = current_language()
        answered = sum(1 for d in questionnaire.dimensions for q in d.questions if q.id in draft["answers"])
        total = sum(len(d.questions) for d in questionnaire.dimensions)
        return render(
            request,
            "assessment_step.html",
            status,
            questionnaire=questionnaire,
            lang=lang,
            step=step,
            steps=STEPS,
            dimension=questionnaire.dimensions[step] if step < STEPS else None,
            values=values,
            errors=errors,
            form_error=form_error,
            answered=answered,
            total=total,
            today=server_today(request).isoformat(),
        )

    @post("/readiness/assessment", include_in_schema=False)
    async def save_step(
        self, request: Request[Any, Any, Any], ctx: NamedDependency[ServiceContext]
    ) -> Response[Any]:
        me = need(request)
        form = await request.form()
        raw_step = str(form.get("step", "0"))
        step = int(raw_step) if raw_step.isascii() and raw_step.isdigit() else 0  # "²".isdigit()
        step = min(max(step, 0), STEPS)
        action = str(form.get("action", "next"))
        draft = await readiness.get_draft(ctx, me.actor, me.actor.organisation_id)
        questionnaire = readiness.questionnaire_of(draft["questionnaire_version"])
        raw: dict[str, Any] = {}
        if step < STEPS:
            for question in questionnaire.dimensions[step].questions:
                raw[question.id] = form.get(question.id, "")
        target = {"next": step + 1, "back": step - 1}.get(action, step)
        saved = await readiness.save_draft(
            ctx,
            me.actor,
            me.actor.organisation_id,
            raw,
            max(0, min(target, STEPS)),
            reader=current_language(),
        )
        if action == "save" and not saved.problems:
            # "Continue" later opens the first step that still has unanswered questions.
            answers = saved.draft["answers"]
            resume = next(
                (
                    i
                    for i, d in enumerate(questionnaire.dimensions)
                    if any(q.id not in answers for q in d.questions)
                ),
                STEPS,
            )
            saved = await readiness.save_draft(ctx, me.actor, me.actor.organisation_id, {}, resume)
        if saved.problems:
            values = {
                **_shown(questionnaire, saved.draft["answers"]),
                **{k: v for k, v in raw.items() if k in {p.field for p in saved.problems}},
            }
            problem = ValidationFailed(saved.problems)
            return self._step(
                request, saved.draft, step, values, field_errors(problem), 422, gettext(problem.message)
            )
        if action == "save":
            return redirect("/readiness", "draft_saved")
        return redirect(f"/readiness/assessment?step={max(0, min(target, STEPS))}")

    @post("/readiness/assessment/submit", include_in_schema=False)
    async def submit(
        self, request: Request[Any, Any, Any], ctx: NamedDependency[ServiceContext]
    ) -> Response[Any]:
        me = need(request)
        try:
            await readiness.submit(ctx, me.actor, me.actor.organisation_id)
        except ValidationFailed as failed:
            draft = await readiness.get_draft(ctx, me.actor, me.actor.organisation_id)
            return self._step(
                request,
                draft,
                STEPS,
                _shown(readiness.questionnaire_of(draft["questionnaire_version"]), draft["answers"]),
                field_errors(failed),
                422,
                gettext("Answer every question before you submit."),
            )
        return redirect("/readiness", "assessment_submitted")

    @get("/readiness/check", include_in_schema=False)
    async def check(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        organisation: Annotated[str, QueryParameter(max_length=40)] = "",
    ) -> Template:
        """ "Am I ready for these requirements?" — a GET form, so a check changes nothing."""
        me = need(request)
        query = request.query_params
        asked = "min_level" in query
        raw = {
            "min_level": query.get("min_level", "L0"),
            "certificates": query.getall("certificates", []),
            "countries": query.getall("countries", []),
            "max_assessment_age_days": query.get("max_assessment_age_days", ""),
            "kpi": [
                f"{name}:{query.get('kpi_' + name)}"
                for name in KPI_LABELS
                if query.get("kpi_" + name, "").strip()
            ],
        }
        result = None
        errors: dict[str, str] = {}
        form_error = ""
        if asked:
            try:
                result = await readiness.check(
                    ctx, me.actor, _target(request, organisation), parse_requirements(raw, current_language())
                )
            except ValidationFailed as failed:
                errors, form_error = field_errors(failed), gettext(failed.message)
        return render(
            request,
            "readiness_check.html",
            422 if errors else 200,
            raw=raw,
            query=query,
            gaps=[(gettext(g.message, **g.params), gettext(g.action), g.code) for g in result.gaps]
            if result
            else [],
            coach=bool(organisation) and me.actor.organisation_kind.value == "support_agency",
            due_default=(server_today(request) + dt.timedelta(days=30)).isoformat(),
            result=result,
            errors=errors,
            form_error=form_error,
            organisation=organisation,
            levels=[(f"L{int(level)}", gettext(LEVEL_LABELS[level])) for level in Level],
            certificate_types=[(t.value, gettext(CERTIFICATE_LABELS[t])) for t in CertificateType],
            countries=[(c.value, gettext(COUNTRY_LABELS[c])) for c in Country],
            kpis=[(name, gettext(label)) for name, label in KPI_LABELS.items()],
        )


class CertificatePages(Controller):
    guards = [login_guard]

    @get("/certificates", include_in_schema=False)
    async def wallet(
        self,
        request: Request[Any, Any, Any],
        organisation: Annotated[str, QueryParameter(max_length=40)] = "",
    ) -> Template:
        return await self._wallet(request, _target(request, organisation), {}, {})

    async def _wallet(
        self,
        request: Request[Any, Any, Any],
        org_id: str,
        values: dict[str, Any],
        errors: dict[str, str],
        status: int = 200,
        form_error: str = "",
    ) -> Template:
        me = need(request)
        rows = await certificates.list_certificates(me.actor, org_id)
        return render(
            request,
            "certificates.html",
            status,
            rows=rows,
            values=values,
            errors=errors,
            form_error=form_error,
            own=org_id == me.actor.organisation_id,
            today=server_today(request),
            max_mb=request.app.state.ctx.settings.max_upload_bytes // (1024 * 1024),
            types=[(t.value, gettext(CERTIFICATE_LABELS[t])) for t in CertificateType],
            verification_labels={k.value: gettext(v) for k, v in VERIFICATION_LABELS.items()},
            type_labels={k.value: gettext(v) for k, v in CERTIFICATE_LABELS.items()},
        )

    @post("/certificates", include_in_schema=False, request_max_body_size=UPLOAD_ROUTE_LIMIT)
    async def add(
        self, request: Request[Any, Any, Any], ctx: NamedDependency[ServiceContext]
    ) -> Response[Any]:
        me = need(request)
        form = await request.form()
        fields = {
            k: str(form.get(k, "")) for k in ("type", "issuer", "number", "scope", "issued_on", "expires_on")
        }
        upload = None
        file = form.get("file")
        if file is not None and not isinstance(file, str):
            upload = certificates.Upload(file.filename or "certificate", await file.read())
        try:
            await certificates.add_certificate(ctx, me.actor, me.actor.organisation_id, fields, upload)
        except DomainError as error:
            return await self._wallet(
                request,
                me.actor.organisation_id,
                fields,
                field_errors(error),
                422,
                gettext(error.message, **error.params),
            )
        return redirect("/certificates", "certificate_added")

    @get("/certificates/{certificate_id:str}/file", include_in_schema=False)
    async def download(
        self, request: Request[Any, Any, Any], certificate_id: FromPath[str]
    ) -> Response[bytes]:
        row, content = await certificates.certificate_file(need(request).actor, certificate_id)
        return attachment(content, row["content_type"], row["file_name"])

    @get("/agency/certificates", include_in_schema=False)
    async def to_verify(self, request: Request[Any, Any, Any]) -> Template:
        rows = await certificates.pending_for_agency(need(request).actor)
        return render(
            request,
            "agency_certificates.html",
            rows=rows,
            type_labels={k.value: gettext(v) for k, v in CERTIFICATE_LABELS.items()},
        )

    @post("/certificates/{certificate_id:str}/review", include_in_schema=False)
    async def review(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        certificate_id: FromPath[str],
    ) -> Response[Any]:
        form = await request.form()
        verified = form.get("decision") == "verify"
        try:
            await certificates.review(
                ctx, need(request).actor, certificate_id, verified, str(form.get("reason", ""))
            )
        except DomainError as error:
            if error.code != "certificate.reason_required":
                raise
            return redirect("/agency/certificates", "reason_required")
        return redirect(
            "/agency/certificates", "certificate_verified" if verified else "certificate_rejected"
        )
