"""JSON doors for consent, coaching tasks, bulk onboarding and the benchmarking cohort."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from litestar import Controller, Request, delete, get, patch, post, put
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, MultipartBody
from litestar.status_codes import HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT
from pydantic import BaseModel, Field

from market.api.controllers import PageNumber, PerPage, paginate, signed_in_guard, who
from market.api.schemas import Input, Number, Page, at_most_entries
from market.domain.benchmarks import METRICS
from market.i18n import current_language, gettext
from market.services import agencies, onboarding
from market.services.context import ServiceContext


class AgencyOut(BaseModel):
    id: uuid.UUID
    legal_name: str
    onboarded: bool
    granted: bool


class GrantIn(Input):
    agency_id: uuid.UUID


class TaskIn(Input):
    title: str = Field(max_length=200)
    due_on: dt.date
    details: str = Field(default="", max_length=2000)
    gap_code: str = Field(default="", max_length=60)


class TaskStatusIn(Input):
    status: Literal["open", "done"]


class TaskOut(BaseModel):
    id: uuid.UUID
    sme: uuid.UUID
    agency: uuid.UUID
    gap_code: str
    title: str
    details: str
    due_on: dt.date
    status: str
    created_at: dt.datetime

    @classmethod
    def of(cls, row: dict[str, Any]) -> TaskOut:
        return cls.model_validate({name: row[name] for name in cls.model_fields})


@dataclass
class CsvUpload:
    file: UploadFile


class RowProblem(BaseModel):
    field: str
    code: str
    message: str


class RowOut(BaseModel):
    line: int
    legal_name: str
    tax_id: str
    status: str
    problems: list[RowProblem]


class JobOut(BaseModel):
    id: uuid.UUID
    file_name: str
    status: str
    total: int
    processed: int
    created_count: int
    existing_count: int
    failed_count: int
    created_at: dt.datetime
    finished_at: dt.datetime | None
    rows_to_correct: list[RowOut]

    @classmethod
    def of(cls, job: dict[str, Any]) -> JobOut:
        rows = [
            RowOut(
                line=e["line"],
                legal_name=e["legal_name"],
                tax_id=e["tax_id"],
                status=e["status"],
                problems=[
                    RowProblem(field=p["field"], code=p["code"], message=gettext(p["message"], **p["params"]))
                    for p in e["problems"]
                ],
            )
            for e in job["report"]
            if e["problems"]
        ]
        return cls.model_validate(
            {**{k: job[k] for k in cls.model_fields if k != "rows_to_correct"}, "rows_to_correct": rows}
        )


class MetricOut(BaseModel):
    metric: str
    label: str
    n: int
    minimum: float | None
    q1: float | None
    median: float | None
    q3: float | None
    maximum: float | None
    reference: float | None
    behind_reference: int
    lower_is_better: bool


class CohortOut(BaseModel):
    size: int
    assessed: int
    metrics: list[MetricOut]
    trend: dict[str, dict[str, float]]


class ReferencesIn(Input):
    references: Annotated[dict[str, Number | None], at_most_entries(len(METRICS))] = Field(
        description="By metric: its reference value, or null to remove it",
        json_schema_extra={"propertyNames": {"enum": list(METRICS)}},
    )


class AgencyController(Controller):
    path = "/api/v1"
    guards = [signed_in_guard]
    tags = ["agencies"]

    @get("/me/agencies", operation_id="listMyAgencies")
    async def my_agencies(self, request: Request[Any, Any, Any]) -> list[AgencyOut]:
        """The agencies that see your SME: the one that registered it and those you let in."""
        rows = await agencies.agencies_with_access(who(request).actor)
        return [AgencyOut.model_validate(row) for row in rows]

    @post("/me/agencies", status_code=HTTP_204_NO_CONTENT, operation_id="grantAgencyAccess")
    async def grant(
        self, request: Request[Any, Any, Any], ctx: NamedDependency[ServiceContext], data: JSONBody[GrantIn]
    ) -> None:
        await agencies.grant_access(ctx, who(request).actor, str(data.agency_id))

    @delete(
        "/me/agencies/{agency_id:uuid}", status_code=HTTP_204_NO_CONTENT, operation_id="revokeAgencyAccess"
    )
    async def revoke(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        agency_id: FromPath[uuid.UUID],
    ) -> None:
        await agencies.revoke_access(ctx, who(request).actor, str(agency_id))

    @get("/coaching-tasks", operation_id="listCoachingTasks")
    async def tasks(
        self, request: Request[Any, Any, Any], page: PageNumber = 1, per_page: PerPage = 20
    ) -> Page[TaskOut]:
        """Your SME's tasks, or the tasks your agency set."""
        rows = await agencies.list_tasks(who(request).actor)
        return paginate([TaskOut.of(r) for r in rows], page, per_page)

    @post("/organisations/{org_id:uuid}/coaching-tasks", operation_id="createCoachingTask")
    async def create_task(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        org_id: FromPath[uuid.UUID],
        data: JSONBody[TaskIn],
    ) -> TaskOut:
        """An agency turns a gap into a task for an SME it supports."""
        row = await agencies.create_task(
            ctx,
            who(request).actor,
            str(org_id),
            data.title,
            data.due_on.isoformat(),
            data.details,
            data.gap_code,
        )
        return TaskOut.of(row)

    @patch("/coaching-tasks/{task_id:uuid}", operation_id="updateCoachingTask")
    async def update_task(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        task_id: FromPath[uuid.UUID],
        data: JSONBody[TaskStatusIn],
    ) -> TaskOut:
        return TaskOut.of(await agencies.set_task_status(ctx, who(request).actor, str(task_id), data.status))

    @post(
        "/onboarding-jobs",
        status_code=HTTP_202_ACCEPTED,
        operation_id="uploadOnboardingCsv",
        request_max_body_size=onboarding.MAX_FILE_BYTES + 65536,
    )
    async def upload(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        data: MultipartBody[CsvUpload],
    ) -> JobOut:
        """Queue a CSV of SMEs; poll the job for progress and the per-row report. Numbers in the
        file (``monthly_capacity``) are read as a person writes them in the caller's language (the
        account's, else Accept-Language; English by default); one that could be read two ways
        ("20.000" in English) is a row to correct."""
        job = await onboarding.start_job(
            ctx,
            who(request).actor,
            data.file.filename or "smes.csv",
            await data.file.read(),
            reader=current_language(),
        )
        ctx.spawn(
            onboarding.run_job(ctx, job["id"], ctx.settings.invitation_url), f"onboarding job {job['id']}"
        )
        return JobOut.of(job)

    @get("/onboarding-jobs/{job_id:uuid}", operation_id="getOnboardingJob")
    async def job(self, request: Request[Any, Any, Any], job_id: FromPath[uuid.UUID]) -> JobOut:
        return JobOut.of(await onboarding.get_job(who(request).actor, str(job_id)))

    @get("/cohort", operation_id="getCohort")
    async def cohort(self, request: Request[Any, Any, Any]) -> CohortOut:
        """The distribution of your SMEs' scores and KPIs, against your reference values, and by quarter."""
        found = await agencies.cohort(who(request).actor)
        metrics = []
        for m in found.metrics:
            d = m.distribution
            metrics.append(
                MetricOut(
                    metric=m.metric,
                    label=gettext(m.label),
                    n=d.n if d else 0,
                    minimum=d.minimum if d else None,
                    q1=d.q1 if d else None,
                    median=d.median if d else None,
                    q3=d.q3 if d else None,
                    maximum=d.maximum if d else None,
                    reference=m.reference,
                    behind_reference=m.behind_reference,
                    lower_is_better=m.lower_is_better,
                )
            )
        return CohortOut(size=found.size, assessed=found.assessed, metrics=metrics, trend=found.trend)

    @put("/cohort/references", operation_id="setCohortReferences")
    async def references(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        data: JSONBody[ReferencesIn],
    ) -> dict[str, float]:
        values: dict[str, Any] = {k: "" if v is None else v for k, v in data.references.items()}
        return await agencies.set_references(ctx, who(request).actor, values)
