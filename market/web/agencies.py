"""Portal pages for consent, coaching, bulk onboarding and benchmarking."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from market.api.downloads import CSV, attachment
from market.domain.benchmarks import METRICS
from market.domain.errors import DomainError
from market.i18n import current_language, gettext
from market.services import agencies, onboarding
from market.services.context import ServiceContext
from market.web.charts import box_plots
from market.web.pages import field_errors, login_guard, need, redirect, render


class ConsentPages(Controller):
    guards = [login_guard]

    @get("/organisation/agencies", include_in_schema=False)
    async def agencies_page(self, request: Request[Any, Any, Any]) -> Template:
        me = need(request)
        with_access = await agencies.agencies_with_access(me.actor)
        choices = [
            a for a in await agencies.accredited_agencies() if all(a["id"] != w["id"] for w in with_access)
        ]
        return render(
            request, "agencies.html", with_access=with_access, choices=choices, can_change=me.actor.is_admin
        )

    @post("/organisation/agencies", include_in_schema=False)
    async def grant(
        self, request: Request[Any, Any, Any], ctx: NamedDependency[ServiceContext]
    ) -> Response[Any]:
        form = await request.form()
        await agencies.grant_access(ctx, need(request).actor, str(form.get("agency", "")))
        return redirect("/organisation/agencies", "access_granted")

    @post("/organisation/agencies/{agency_id:str}/revoke", include_in_schema=False)
    async def revoke(
        self, request: Request[Any, Any, Any], ctx: NamedDependency[ServiceContext], agency_id: FromPath[str]
    ) -> Response[Any]:
        await agencies.revoke_access(ctx, need(request).actor, agency_id)
        return redirect("/organisation/agencies", "access_revoked")


class CoachingPages(Controller):
    guards = [login_guard]

    @get("/coaching", include_in_schema=False)
    async def tasks(self, request: Request[Any, Any, Any]) -> Template:
        me = need(request)
        return render(
            request,
            "coaching.html",
            tasks=await agencies.list_tasks(me.actor),
            agency=me.actor.organisation_kind.value == "support_agency",
        )

    @post("/coaching", include_in_schema=False)
    async def create(
        self, request: Request[Any, Any, Any], ctx: NamedDependency[ServiceContext]
    ) -> Response[Any]:
        form = await request.form()
        sme = str(form.get("sme", ""))
        try:
            await agencies.create_task(
                ctx,
                need(request).actor,
                sme,
                str(form.get("title", "")),
                str(form.get("due_on", "")),
                str(form.get("details", "")),
                str(form.get("gap_code", "")),
            )
        except DomainError as error:
            if error.kind.value != "invalid":
                raise
            return render(
                request,
                "error.html",
                422,
                status=422,
                message="; ".join(field_errors(error).values()) or gettext(error.message, **error.params),
            )
        return redirect("/coaching", "task_created")

    @post("/coaching/{task_id:str}", include_in_schema=False)
    async def set_status(
        self, request: Request[Any, Any, Any], ctx: NamedDependency[ServiceContext], task_id: FromPath[str]
    ) -> Response[Any]:
        form = await request.form()
        await agencies.set_task_status(ctx, need(request).actor, task_id, str(form.get("status", "")))
        return redirect("/coaching", "task_updated")


class OnboardingPages(Controller):
    guards = [login_guard]
    path = "/agency/onboarding"

    @get("/", include_in_schema=False)
    async def upload_form(self, request: Request[Any, Any, Any]) -> Template:
        return render(
            request,
            "onboarding.html",
            jobs=await onboarding.list_jobs(need(request).actor),
            columns=onboarding.COLUMNS,
            required=onboarding.REQUIRED_COLUMNS,
        )

    @get("/template.csv", include_in_schema=False)
    async def template(self, request: Request[Any, Any, Any]) -> Response[str]:
        need(request)
        return attachment(onboarding.template_csv(), CSV, "sme-onboarding-template.csv")

    @post("/", include_in_schema=False, request_max_body_size=onboarding.MAX_FILE_BYTES + 65536)
    async def upload(
        self, request: Request[Any, Any, Any], ctx: NamedDependency[ServiceContext]
    ) -> Response[Any]:
        me = need(request)
        form = await request.form()
        file = form.get("file")
        data, name = b"", "smes.csv"
        if file is not None and not isinstance(file, str):
            data, name = await file.read(), file.filename or name
        try:
            job = await onboarding.start_job(ctx, me.actor, name, data, reader=current_language())
        except DomainError as error:
            return render(
                request,
                "onboarding.html",
                422,
                jobs=await onboarding.list_jobs(me.actor),
                columns=onboarding.COLUMNS,
                required=onboarding.REQUIRED_COLUMNS,
                errors={"file": gettext(error.message, **error.params)},
                form_error=gettext(error.message, **error.params),
            )
        ctx.spawn(
            onboarding.run_job(ctx, job["id"], ctx.settings.invitation_url), f"onboarding job {job['id']}"
        )
        return redirect(f"/agency/onboarding/{job['id']}")

    @get("/{job_id:str}", include_in_schema=False)
    async def progress(self, request: Request[Any, Any, Any], job_id: FromPath[str]) -> Template:
        job = await onboarding.get_job(need(request).actor, job_id)
        problems = [
            {**entry, "reasons": [f"{gettext(p['message'], **p['params'])}" for p in entry["problems"]]}
            for entry in job["report"]
            if entry["problems"]
        ]
        return render(
            request,
            "onboarding_job.html",
            job=job,
            problems=problems,
            percent=int(100 * job["processed"] / job["total"]) if job["total"] else 100,
        )

    @get("/{job_id:str}/corrections.csv", include_in_schema=False)
    async def corrections(self, request: Request[Any, Any, Any], job_id: FromPath[str]) -> Response[str]:
        job = await onboarding.get_job(need(request).actor, job_id)
        return attachment(
            onboarding.report_csv(job, gettext), "text/csv; charset=utf-8", "rows-to-correct.csv"
        )


class CohortPages(Controller):
    guards = [login_guard]
    path = "/agency/cohort"

    @get("/", include_in_schema=False)
    async def cohort(self, request: Request[Any, Any, Any]) -> Template:
        return await self._page(request, {}, {})

    async def _page(
        self,
        request: Request[Any, Any, Any],
        values: dict[str, str],
        errors: dict[str, str],
        status: int = 200,
    ) -> Template:
        found = await agencies.cohort(need(request).actor)
        labels = {metric: gettext(label) for metric, label in METRICS.items()}
        return render(
            request,
            "cohort.html",
            status,
            cohort=found,
            labels=labels,
            values=values,
            errors=errors,
            plots=box_plots(
                [m for m in found.metrics if m.metric in ("overall", *list(METRICS)[1:6])], labels
            ),
            form_error=gettext("Some fields need your attention.") if errors else "",
        )

    @post("/", include_in_schema=False)
    async def set_references(
        self, request: Request[Any, Any, Any], ctx: NamedDependency[ServiceContext]
    ) -> Response[Any]:
        form = await request.form()
        values = {metric: str(form.get(metric, "")) for metric in METRICS}
        try:
            await agencies.set_references(ctx, need(request).actor, values, reader=current_language())
        except DomainError as error:
            return await self._page(request, values, field_errors(error), 422)
        return redirect("/agency/cohort", "references_saved")


WEB_AGENCY_CONTROLLERS = [ConsentPages, CoachingPages, OnboardingPages, CohortPages]
