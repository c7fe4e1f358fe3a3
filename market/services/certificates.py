"""The certificate wallet: upload, list, download, agency review, expiry reminders."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from market.db.tables import Certificate, CertificateFile, Organisation
from market.domain.accounts import (
    Actor,
    can_view_organisation,
    consented_agencies,
    require_agency,
    require_view,
    supports,
)
from market.domain.certificates import CertificateType, Verification, reminder_due
from market.domain.dates import day_in_range, refuse_day
from market.domain.errors import N_, DomainError, FieldCollector, Forbidden, NotFound
from market.domain.organisations import OrganisationKind
from market.services.context import ServiceContext, load_by_id
from market.services.notifications import notify
from market.services.organisations import load_organisation, org_ref, supported_sme_ids

#: Accepted documents, recognised by their first bytes (the browser's content type is not trusted).
SIGNATURES = {
    b"%PDF-": ("application/pdf", ".pdf"),
    b"\x89PNG\r\n\x1a\n": ("image/png", ".png"),
    b"\xff\xd8\xff": ("image/jpeg", ".jpg"),
}


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def safe_filename(name: str) -> str:
    """The last part of an uploaded file's name, letters, digits and ``._-`` and spaces only."""
    return "".join(ch for ch in name.replace("\\", "/").rsplit("/", 1)[-1] if ch.isalnum() or ch in "._- ")[
        :150
    ]


def sniff(data: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a PDF, PNG or JPEG file, recognised by its first bytes."""
    for magic, kind in SIGNATURES.items():
        if data.startswith(magic):
            return kind
    return None


def _date(raw: Any) -> dt.date | None:
    try:
        return raw if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw).strip())
    except ValueError:
        return None


async def add_certificate(
    ctx: ServiceContext, actor: Actor, org_id: str, fields: dict[str, Any], upload: Upload | None
) -> dict[str, Any]:
    """Put a certificate and its document in an SME's wallet; an agency then verifies it."""
    org = await load_organisation(org_id)
    require_view(actor, await org_ref(org))
    if actor.organisation_id != str(org["id"]) or org["kind"] != OrganisationKind.SME_SUPPLIER.value:
        raise Forbidden(
            "certificate.own_only", N_("Only the SME's own people add certificates to its wallet.")
        )
    errors = FieldCollector()
    kind: CertificateType | None = None
    try:
        kind = CertificateType(str(fields.get("type", "")))
    except ValueError:
        errors.add("type", "certificate.type_unknown", N_("Choose the kind of certificate."))
    issuer = str(fields.get("issuer") or "").strip()
    if not 2 <= len(issuer) <= 200:
        errors.add("issuer", "certificate.issuer_required", N_("Enter who issued the certificate."))
    number = str(fields.get("number") or "").strip()
    if not 1 <= len(number) <= 80:
        errors.add("number", "certificate.number_required", N_("Enter the certificate number."))
    scope = str(fields.get("scope") or "").strip()
    if len(scope) > 500:
        errors.add("scope", "certificate.scope_length", N_("At most 500 characters."))
    issued = _date(fields.get("issued_on"))
    expires = _date(fields.get("expires_on"))
    today = ctx.now().date()
    if issued is None:
        errors.add("issued_on", "certificate.date_invalid", N_("Enter a date as YYYY-MM-DD."))
    elif not day_in_range(issued):
        refuse_day(errors, "issued_on", "certificate.date_range")
        issued = None  # nothing more to say of the expiry against it
    elif issued > today:
        errors.add("issued_on", "certificate.issued_in_future", N_("The issue date cannot be in the future."))
    if expires is None:
        errors.add("expires_on", "certificate.date_invalid", N_("Enter a date as YYYY-MM-DD."))
    elif not day_in_range(expires):
        refuse_day(errors, "expires_on", "certificate.date_range")
    elif issued is not None and expires <= issued:
        errors.add(
            "expires_on",
            "certificate.expires_before_issue",
            N_("The expiry date must come after the issue date."),
        )
    kind_of_file = None
    if upload is None or not upload.data:
        errors.add(
            "file", "certificate.file_required", N_("Attach the certificate as a PDF, PNG or JPEG file.")
        )
    elif len(upload.data) > ctx.settings.max_upload_bytes:
        errors.add(
            "file",
            "certificate.file_too_large",
            N_("The file is larger than %(mb)s MB."),
            mb=ctx.settings.max_upload_bytes // (1024 * 1024),
        )
    else:
        kind_of_file = sniff(upload.data)
        if kind_of_file is None:
            errors.add("file", "certificate.file_type", N_("Only PDF, PNG and JPEG files are accepted."))
    errors.raise_if_any()
    assert kind and issued and expires and upload and kind_of_file
    content_type, extension = kind_of_file
    certificate_id = uuid.uuid4()
    safe_name = safe_filename(upload.filename)
    async with ctx.transaction():
        await Certificate.insert(
            Certificate(
                id=certificate_id,
                organisation=org["id"],
                type=kind.value,
                issuer=issuer,
                number=number,
                scope=scope,
                issued_on=issued,
                expires_on=expires,
                verification=Verification.PENDING.value,
                file_name=(safe_name or "certificate")
                if safe_name.lower().endswith(extension)
                else f"{safe_name or 'certificate'}{extension}",
                content_type=content_type,
                size=len(upload.data),
                sha256=hashlib.sha256(upload.data).hexdigest(),
                reminders_sent=[],
                uploaded_by=uuid.UUID(actor.user_id),
                created_at=ctx.now(),
            )
        )
        await CertificateFile.insert(
            CertificateFile(id=uuid.uuid4(), certificate=certificate_id, content=upload.data)
        )
        ref = await org_ref(org)
        for agency in sorted(consented_agencies(ref)):
            await notify(
                ctx,
                uuid.UUID(agency),
                "certificate.to_verify",
                N_("%(org)s added a %(certificate)s certificate to verify."),
                {"org": org["legal_name"], "certificate": kind.label},
                "/agency/certificates",
            )
    return await load_by_id(Certificate, certificate_id, "certificate")


async def list_certificates(actor: Actor, org_id: str) -> list[dict[str, Any]]:
    org = await load_organisation(org_id)
    require_view(actor, await org_ref(org))
    return (
        await Certificate.select()
        .where(Certificate.organisation == org["id"])
        .order_by(Certificate.expires_on, ascending=False)
    )


async def _with_owner(actor: Actor, certificate_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    certificate = await load_by_id(Certificate, certificate_id, "certificate")
    owner = await load_organisation(certificate["organisation"])
    if not can_view_organisation(actor, await org_ref(owner)):
        raise NotFound("certificate")
    return certificate, owner


async def certificate_file(actor: Actor, certificate_id: str) -> tuple[dict[str, Any], bytes]:
    """The document, for the owner and its agency only (never the operator, never other firms)."""
    certificate, owner = await _with_owner(actor, certificate_id)
    if actor.is_operator and actor.organisation_id != str(owner["id"]):
        raise NotFound("certificate")
    row = (
        await CertificateFile.select(CertificateFile.content)
        .where(CertificateFile.certificate == certificate["id"])
        .first()
    )
    if row is None:
        raise NotFound("certificate")
    return certificate, bytes(row["content"])


async def review(
    ctx: ServiceContext, actor: Actor, certificate_id: str, verified: bool, reason: str = ""
) -> dict[str, Any]:
    """The SME's agency verifies the certificate, or rejects it with a reason."""
    require_agency(actor)
    certificate, owner = await _with_owner(actor, certificate_id)
    if not supports(actor, await org_ref(owner)):
        raise NotFound("certificate")
    reason = reason.strip()
    if not verified and not 3 <= len(reason) <= 500:
        raise DomainError(
            "certificate.reason_required", N_("Say why the certificate is rejected (3 to 500 characters).")
        )
    decision = Verification.VERIFIED if verified else Verification.REJECTED
    async with ctx.transaction():
        await Certificate.update(
            {
                Certificate.verification: decision.value,
                Certificate.review_reason: "" if verified else reason,
                Certificate.reviewed_by: uuid.UUID(actor.user_id),
                Certificate.reviewed_at: ctx.now(),
            }
        ).where(Certificate.id == certificate["id"])
        label = CertificateType(certificate["type"]).label
        if verified:
            await notify(
                ctx,
                owner["id"],
                "certificate.verified",
                N_("Your %(certificate)s certificate was verified."),
                {"certificate": label},
                "/certificates",
            )
        else:
            await notify(
                ctx,
                owner["id"],
                "certificate.rejected",
                N_("Your %(certificate)s certificate was rejected: %(reason)s"),
                {"certificate": label, "reason": reason},
                "/certificates",
            )
    return await load_by_id(Certificate, certificate["id"], "certificate")


async def pending_for_agency(actor: Actor) -> list[dict[str, Any]]:
    """Certificates waiting for this agency's verification, oldest first."""
    require_agency(actor)
    smes = await Organisation.select(Organisation.id, Organisation.legal_name).where(
        Organisation.id.is_in(
            [uuid.UUID(actor.organisation_id), *await supported_sme_ids(actor.organisation_id)]
        )
    )
    names = {row["id"]: row["legal_name"] for row in smes}
    if not names:
        return []
    rows = (
        await Certificate.select()
        .where(
            Certificate.organisation.is_in(list(names)),
            Certificate.verification == Verification.PENDING.value,
        )
        .order_by(Certificate.created_at)
    )
    return [{**row, "organisation_name": names[row["organisation"]]} for row in rows]


async def send_due_reminders(ctx: ServiceContext) -> int:
    """Remind owners 60 and 14 days before a certificate expires; return how many were sent."""
    today = ctx.now().date()
    rows = await Certificate.select(
        Certificate.id,
        Certificate.organisation,
        Certificate.type,
        Certificate.expires_on,
        Certificate.reminders_sent,
    ).where(
        Certificate.expires_on > today,
        Certificate.expires_on <= today + dt.timedelta(days=60),
        Certificate.verification != Verification.REJECTED.value,
    )
    sent = 0
    for row in rows:
        due = reminder_due(row["expires_on"], today, frozenset(row["reminders_sent"] or []))
        if due is None:
            continue
        async with ctx.transaction():
            await Certificate.update(
                {Certificate.reminders_sent: [*(row["reminders_sent"] or []), due]}
            ).where(Certificate.id == row["id"])
            await notify(
                ctx,
                row["organisation"],
                "certificate.expires_soon",
                N_("Your %(certificate)s certificate expires on %(date)s: upload the renewed one."),
                {"certificate": CertificateType(row["type"]).label, "date": row["expires_on"].isoformat()},
                "/certificates",
            )
        sent += 1
    return sent
