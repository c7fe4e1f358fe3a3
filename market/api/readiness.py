"""JSON doors of the readiness passport, the certificate wallet and the eligibility gate."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post, put
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, MultipartBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from pydantic import BaseModel, Field

from market.api.controllers import PageNumber, PerPage, paginate, signed_in_guard, who
from market.api.downloads import attachment
from market.api.schemas import Input, Page, at_most_entries
from market.domain.eligibility import Eligibility, parse_requirements
from market.domain.errors import FieldError
from market.domain.readiness import LEVEL_LABELS, Level, Questionnaire
from market.i18n import current_language, gettext
from market.services import certificates, readiness
from market.services.context import ServiceContext

UPLOAD_ROUTE_LIMIT = 11 * 1024 * 1024  # the configured limit (at most 10 MB) is checked by the service


class Problem(BaseModel):
    field: str
    code: str
    message: str


def problems_out(problems: list[FieldError]) -> list[Problem]:
    return [Problem(field=p.field, code=p.code, message=gettext(p.message, **p.params)) for p in problems]


class QuestionnaireItemOut(BaseModel):
    id: str
    type: str
    text: str
    help: str
    weight: float
    unit: str
    options: list[dict[str, str]]
    minimum: float | None
    maximum: float | None
    kpi: str | None


class DimensionOut(BaseModel):
    id: str
    title: str
    questions: list[QuestionnaireItemOut]


class QuestionnaireOut(BaseModel):
    version: str
    title: str
    language: str
    dimensions: list[DimensionOut]

    @classmethod
    def of(cls, questionnaire: Questionnaire) -> QuestionnaireOut:
        lang = current_language()
        return cls(
            version=questionnaire.version,
            title=questionnaire.title[lang],
            language=lang,
            dimensions=[
                DimensionOut(
                    id=d.id,
                    title=d.title[lang],
                    questions=[
                        QuestionnaireItemOut(
                            id=q.id,
                            type=q.type.value,
                            text=q.text[lang],
                            help=q.help[lang],
                            weight=q.weight,
                            unit=q.unit,
                            options=[{"value": o.value, "label": o.label[lang]} for o in q.options],
                            minimum=q.minimum if q.type.value == "number" else None,
                            maximum=q.maximum if q.type.value == "number" else None,
                            kpi=q.kpi,
                        )
                        for q in d.questions
                    ],
                )
                for d in questionnaire.dimensions
            ],
        )


class DraftOut(BaseModel):
    id: uuid.UUID | None = Field(description="None until the first answers are saved.")
    questionnaire_version: str
    answers: dict[str, str]
    step: int
    updated_at: dt.datetime | None

    @classmethod
    def of(cls, row: dict[str, Any]) -> DraftOut:
        return cls.model_validate({name: row[name] for name in cls.model_fields})


class DraftIn(Input):
    answers: Annotated[dict[str, str | float | int | bool | None], at_most_entries(200)]
    step: int | None = Field(default=None, ge=0, le=10)


class DraftSavedOut(BaseModel):
    draft: DraftOut
    problems: list[Problem] = Field(
        description="Answers not saved, with the reason; every other answer was saved."
    )


class AssessmentOut(BaseModel):
    id: uuid.UUID
    questionnaire_version: str
    level: int
    overall: float
    dimension_scores: dict[str, float]
    kpis: dict[str, float]
    submitted_at: dt.datetime
    valid_until: dt.datetime

    @classmethod
    def of(cls, row: dict[str, Any]) -> AssessmentOut:
        return cls.model_validate({name: row[name] for name in cls.model_fields})


class NeedOut(BaseModel):
    code: str
    message: str


class ReadinessOut(BaseModel):
    level: int | None
    level_label: str
    expired: bool
    latest: AssessmentOut | None
    next_level_needs: list[NeedOut]


class CertificateOut(BaseModel):
    id: uuid.UUID
    type: str
    issuer: str
    number: str
    scope: str
    issued_on: dt.date
    expires_on: dt.date
    verification: str
    review_reason: str
    file_name: str
    content_type: str
    size: int
    sha256: str
    created_at: dt.datetime

    @classmethod
    def of(cls, row: dict[str, Any]) -> CertificateOut:
        return cls.model_validate({name: row[name] for name in cls.model_fields})


@dataclass
class CertificateForm:
    type: str
    issuer: str
    number: str
    issued_on: str
    expires_on: str
    file: UploadFile
    scope: str = ""


class ReviewIn(Input):
    verified: bool
    reason: str = Field(default="", max_length=500)


class GapOut(BaseModel):
    code: str
    message: str
    action: str


class EligibilityOut(BaseModel):
    organisation: uuid.UUID
    eligible: bool
    level: int
    gaps: list[GapOut]

    @classmethod
    def of(cls, org_id: uuid.UUID, result: Eligibility) -> EligibilityOut:
        return cls(
            organisation=org_id,
            eligible=result.eligible,
            level=int(result.level),
            gaps=[
                GapOut(code=g.code, message=gettext(g.message, **g.params), action=gettext(g.action))
                for g in result.gaps
            ],
        )


class ReadinessController(Controller):
    path = "/api/v1"
    guards = [signed_in_guard]
    tags = ["readiness"]

    @get("/questionnaire", operation_id="getQuestionnaire")
    async def questionnaire(self) -> QuestionnaireOut:
        """The current readiness questionnaire, in the language of the request."""
        return QuestionnaireOut.of(readiness.current_questionnaire())

    @get("/organisations/{org_id:uuid}/readiness", operation_id="getReadiness")
    async def overview(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        org_id: FromPath[uuid.UUID],
    ) -> ReadinessOut:
        """The SME's level now (certificates as of today) and what the next level needs."""
        found = await readiness.overview(ctx, who(request).actor, str(org_id))
        level = found.current.level if found.current else (Level.L0 if found.latest else None)
        needs = found.current.next_level_needs if found.current else ()
        return ReadinessOut(
            level=None if level is None else int(level),
            level_label=gettext(LEVEL_LABELS[level]) if level is not None else "",
            expired=found.expired,
            latest=AssessmentOut.of(found.latest) if found.latest else None,
            next_level_needs=[NeedOut(code=n.code, message=gettext(n.message, **n.params)) for n in needs],
        )

    @get("/organisations/{org_id:uuid}/assessment/draft", operation_id="getAssessmentDraft")
    async def draft(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        org_id: FromPath[uuid.UUID],
    ) -> DraftOut:
        """The open draft (started with the current questionnaire on first use)."""
        return DraftOut.of(await readiness.get_draft(ctx, who(request).actor, str(org_id)))

    @put("/organisations/{org_id:uuid}/assessment/draft", operation_id="saveAssessmentDraft")
    async def save_draft(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        org_id: FromPath[uuid.UUID],
        data: JSONBody[DraftIn],
    ) -> DraftSavedOut:
        """Save answers; good ones are kept even when others are refused (listed in ``problems``)."""
        saved = await readiness.save_draft(
            ctx, who(request).actor, str(org_id), dict(data.answers), data.step
        )
        return DraftSavedOut(draft=DraftOut.of(saved.draft), problems=problems_out(saved.problems))

    @post(
        "/organisations/{org_id:uuid}/assessment/submit",
        status_code=HTTP_201_CREATED,
        operation_id="submitAssessment",
    )
    async def submit(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        org_id: FromPath[uuid.UUID],
    ) -> AssessmentOut:
        """Score the draft and freeze it; it stays valid for the configured period."""
        return AssessmentOut.of(await readiness.submit(ctx, who(request).actor, str(org_id)))

    @get("/organisations/{org_id:uuid}/assessments", operation_id="listAssessments")
    async def assessments(
        self,
        request: Request[Any, Any, Any],
        org_id: FromPath[uuid.UUID],
        page: PageNumber = 1,
        per_page: PerPage = 20,
    ) -> Page[AssessmentOut]:
        """Submitted assessments, oldest first (the upgrading path)."""
        rows = await readiness.history(who(request).actor, str(org_id))
        return paginate([AssessmentOut.of(r) for r in rows], page, per_page)

    @get("/organisations/{org_id:uuid}/certificates", operation_id="listCertificates")
    async def certificates_list(
        self,
        request: Request[Any, Any, Any],
        org_id: FromPath[uuid.UUID],
        page: PageNumber = 1,
        per_page: PerPage = 20,
    ) -> Page[CertificateOut]:
        rows = await certificates.list_certificates(who(request).actor, str(org_id))
        return paginate([CertificateOut.of(r) for r in rows], page, per_page)

    @post(
        "/organisations/{org_id:uuid}/certificates",
        status_code=HTTP_201_CREATED,
        operation_id="addCertificate",
        request_max_body_size=UPLOAD_ROUTE_LIMIT,
    )
    async def add_certificate(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        org_id: FromPath[uuid.UUID],
        data: MultipartBody[CertificateForm],
    ) -> CertificateOut:
        """Add a certificate with its document (PDF, PNG or JPEG); the SME's agency verifies it."""
        fields = {
            k: getattr(data, k) for k in ("type", "issuer", "number", "issued_on", "expires_on", "scope")
        }
        upload = certificates.Upload(data.file.filename or "certificate", await data.file.read())
        row = await certificates.add_certificate(ctx, who(request).actor, str(org_id), fields, upload)
        return CertificateOut.of(row)

    @get("/certificates/{certificate_id:uuid}/file", operation_id="downloadCertificate")
    async def download(
        self, request: Request[Any, Any, Any], certificate_id: FromPath[uuid.UUID]
    ) -> Response[bytes]:
        """The document, always as an attachment; only for the owner and its agency."""
        row, content = await certificates.certificate_file(who(request).actor, str(certificate_id))
        return attachment(content, row["content_type"], row["file_name"])

    @post(
        "/certificates/{certificate_id:uuid}/review",
        status_code=HTTP_200_OK,
        operation_id="reviewCertificate",
    )
    async def review(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        certificate_id: FromPath[uuid.UUID],
        data: JSONBody[ReviewIn],
    ) -> CertificateOut:
        """The SME's agency verifies a certificate, or rejects it with a reason."""
        row = await certificates.review(
            ctx, who(request).actor, str(certificate_id), data.verified, data.reason
        )
        return CertificateOut.of(row)

    @get("/eligibility", operation_id="checkEligibility")
    async def eligibility(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        organisation: Annotated[uuid.UUID, QueryParameter(description="The firm to check")],
        min_level: Annotated[str, QueryParameter(max_length=2, description="L0 to L4")] = "L0",
        certificates_: Annotated[str, QueryParameter(name="certificates", max_length=200)] = "",
        countries: Annotated[str, QueryParameter(max_length=100, description="e.g. AR,BR")] = "",
        max_assessment_age_days: Annotated[
            int | None, QueryParameter(ge=0, le=3650, schema_extra={"minimum": 0, "maximum": 3650})
        ] = None,
        kpi: Annotated[
            list[str] | None, QueryParameter(description="name:value, e.g. on_time_delivery:95")
        ] = None,
    ) -> EligibilityOut:
        """Ask the gate: is this firm eligible for these requirements now? If not, the gap report."""
        requirements = parse_requirements(
            {
                "min_level": min_level,
                "certificates": certificates_,
                "countries": countries,
                "max_assessment_age_days": ""
                if max_assessment_age_days is None
                else str(max_assessment_age_days),
                "kpi": kpi or [],
            }
        )
        result = await readiness.check(ctx, who(request).actor, str(organisation), requirements)
        return EligibilityOut.of(organisation, result)
