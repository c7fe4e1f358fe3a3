"""Organisations: registration, profiles, directory, accreditation."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Any

from market.db.engine import is_unique_violation
from market.db.tables import AgencyAccess, AppUser, Organisation
from market.domain.accounts import (
    Actor,
    NewPerson,
    OrganisationRef,
    Role,
    require_agency,
    require_edit,
    require_operator,
    require_view,
    validate_person,
)
from market.domain.errors import N_, DomainError, FieldError, ValidationFailed
from market.domain.organisations import (
    ACCREDITED_KINDS,
    PROFILE_FIELDS,
    OrganisationKind,
    OrganisationProfile,
    tax_id_key,
    validate_profile,
)
from market.services.context import ServiceContext, load_by_id
from market.services.passwords import hash_password

TAX_ID_TAKEN = FieldError(
    "tax_id", "organisation.tax_id_taken", N_("An organisation with this tax id is already registered.")
)
EMAIL_TAKEN = FieldError("email", "person.email_taken", N_("An account with this e-mail already exists."))

MAX_PER_PAGE = 100


async def supported_sme_ids(agency_id: str | uuid.UUID) -> list[uuid.UUID]:
    """The SMEs that consent to an agency now: those it onboarded (unless they withdrew that
    consent) and those that granted it access."""
    agency = uuid.UUID(str(agency_id))
    onboarded = await Organisation.select(Organisation.id).where(Organisation.onboarded_by == agency)
    records = await AgencyAccess.select(AgencyAccess.sme, AgencyAccess.revoked_at).where(
        AgencyAccess.agency == agency
    )
    granted = [row["sme"] for row in records if row["revoked_at"] is None]
    withdrawn = {row["sme"] for row in records if row["revoked_at"] is not None} - set(granted)
    kept = [row["id"] for row in onboarded if row["id"] not in withdrawn]
    return list(dict.fromkeys(kept + granted))


async def org_ref(row: dict[str, Any]) -> OrganisationRef:
    """What the access rules need: kind, onboarding agency, the agencies the SME consents to
    and whether it has an administrator of its own."""
    onboarded_by = row.get("onboarded_by")
    consenting: frozenset[str] = frozenset()
    withdrawn = False
    has_admin = False
    if row["kind"] == OrganisationKind.SME_SUPPLIER.value:
        records = await AgencyAccess.select(AgencyAccess.agency, AgencyAccess.revoked_at).where(
            AgencyAccess.sme == row["id"]
        )
        consenting = frozenset(str(r["agency"]) for r in records if r["revoked_at"] is None)
        withdrawn = bool(onboarded_by) and any(
            str(r["agency"]) == str(onboarded_by) and r["revoked_at"] is not None for r in records
        )
        has_admin = await AppUser.exists().where(
            AppUser.organisation == row["id"],
            AppUser.role == Role.ADMIN.value,
            AppUser.disabled.eq(False),
        )
    return OrganisationRef(
        id=str(row["id"]),
        kind=OrganisationKind(row["kind"]),
        onboarded_by=str(onboarded_by) if onboarded_by else None,
        consenting_to=consenting,
        onboarding_consent_withdrawn=withdrawn,
        has_own_admin=has_admin,
    )


def profile_columns(profile: OrganisationProfile) -> dict[str, Any]:
    values = asdict(profile)
    values["country"] = profile.country.value
    values["size_class"] = profile.size_class.value
    values["sector"] = profile.sector.value
    values["value_chain_links"] = [link.value for link in profile.value_chain_links]
    values["classification_codes"] = list(profile.classification_codes)
    values["languages"] = list(profile.languages)
    values["tax_key"] = tax_id_key(profile.country, profile.tax_id)
    return values


def _validate_together(
    profile_data: dict[str, Any], person: dict[str, Any] | None, reader: str | None
) -> tuple[OrganisationProfile, NewPerson | None]:
    """Validate profile and person so that the form shows every problem at once."""
    errors: list[FieldError] = []
    profile: OrganisationProfile | None = None
    new_person: NewPerson | None = None
    try:
        profile = validate_profile(profile_data, reader)
    except ValidationFailed as failed:
        errors.extend(failed.fields)
    if person is not None:
        try:
            new_person = validate_person(
                person.get("email", ""), person.get("full_name", ""), person.get("password")
            )
        except ValidationFailed as failed:
            errors.extend(failed.fields)
    if errors:
        raise ValidationFailed(errors)
    assert profile is not None
    return profile, new_person


async def _check_unique(
    profile: OrganisationProfile, email: str | None, exclude_org: str | None = None
) -> None:
    errors: list[FieldError] = []
    key = tax_id_key(profile.country, profile.tax_id)
    query = Organisation.exists().where(Organisation.tax_key == key)
    if exclude_org:
        query = query.where(Organisation.id != exclude_org)
    if await query:
        errors.append(TAX_ID_TAKEN)
    if email and await AppUser.exists().where(AppUser.email == email):
        errors.append(EMAIL_TAKEN)
    if errors:
        raise ValidationFailed(errors)


async def create_organisation(
    ctx: ServiceContext,
    kind: OrganisationKind,
    profile_data: dict[str, Any],
    admin: dict[str, Any] | None,
    *,
    onboarded_by: str | None = None,
    accredited: bool = False,
    reader: str | None = None,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Create an organisation and, when ``admin`` is given, its first administrator (numbers read
    the ``reader``'s way: ``market.domain.numbers``)."""
    profile, person = _validate_together(profile_data, admin, reader)
    now = ctx.now()
    org_id = uuid.uuid4()
    password_hash = hash_password(admin["password"]) if admin and person else None
    try:
        async with ctx.transaction():
            await _check_unique(profile, person.email if person else None)
            await Organisation.insert(
                Organisation(
                    id=org_id,
                    kind=kind.value,
                    onboarded_by=uuid.UUID(onboarded_by) if onboarded_by else None,
                    accredited=accredited,
                    accredited_at=now if accredited else None,
                    created_at=now,
                    updated_at=now,
                    **profile_columns(profile),
                )
            )
            if person is not None:
                await AppUser.insert(
                    AppUser(
                        id=uuid.uuid4(),
                        organisation=org_id,
                        email=person.email,
                        full_name=person.full_name,
                        password_hash=password_hash,
                        role=Role.ADMIN.value,
                        created_at=now,
                    )
                )
    except Exception as error:
        if is_unique_violation(error):
            # Lost a race with another registration of the same firm or e-mail.
            await _check_unique(profile, person.email if person else None)
        raise
    org = await Organisation.select().where(Organisation.id == org_id).first()
    assert org is not None
    user = None
    if person is not None:
        user = await AppUser.select().where(AppUser.email == person.email).first()
    return org, user


async def register_sme(
    ctx: ServiceContext, profile_data: dict[str, Any], admin: dict[str, Any], *, reader: str | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """An SME signs itself up, with its first administrator."""
    org, user = await create_organisation(
        ctx, OrganisationKind.SME_SUPPLIER, profile_data, admin, reader=reader
    )
    assert user is not None
    return org, user


async def agency_register_sme(
    ctx: ServiceContext, actor: Actor, profile_data: dict[str, Any], *, reader: str | None = None
) -> dict[str, Any]:
    """An accredited agency registers an SME it supports; people are invited afterwards."""
    require_agency(actor)
    org, _ = await create_organisation(
        ctx,
        OrganisationKind.SME_SUPPLIER,
        profile_data,
        None,
        onboarded_by=actor.organisation_id,
        reader=reader,
    )
    return org


async def load_organisation(org_id: str | uuid.UUID) -> dict[str, Any]:
    return await load_by_id(Organisation, org_id, "organisation")


async def get_organisation(actor: Actor, org_id: str) -> dict[str, Any]:
    row = await load_organisation(org_id)
    require_view(actor, await org_ref(row))
    return row


async def get_organisation_to_edit(actor: Actor, org_id: str) -> dict[str, Any]:
    """The organisation, when this actor may change its profile."""
    row = await load_organisation(org_id)
    require_edit(actor, await org_ref(row))
    return row


async def update_profile(
    ctx: ServiceContext, actor: Actor, org_id: str, data: dict[str, Any], *, reader: str | None = None
) -> dict[str, Any]:
    """Change the profile fields only; kind, accreditation and timestamps are never taken from input."""
    row = await load_organisation(org_id)
    require_edit(actor, await org_ref(row))
    merged = {name: row[name] for name in PROFILE_FIELDS}
    merged.update({k: v for k, v in data.items() if k in merged})
    profile = validate_profile(merged, reader)
    try:
        async with ctx.transaction():
            await _check_unique(profile, None, exclude_org=str(row["id"]))
            values: dict[Any, Any] = {**profile_columns(profile), "updated_at": ctx.now()}
            await Organisation.update(values).where(Organisation.id == row["id"])
    except Exception as error:
        if is_unique_violation(error):
            raise ValidationFailed([TAX_ID_TAKEN]) from None
        raise
    return await load_organisation(org_id)


async def list_organisations(
    actor: Actor, *, page: int = 1, per_page: int = 20, kind: OrganisationKind | None = None
) -> tuple[list[dict[str, Any]], int]:
    """The organisations this actor may see, newest first, one page."""
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, page)
    query = Organisation.select()
    count = Organisation.count()
    if not actor.is_operator:
        own = uuid.UUID(actor.organisation_id)
        condition: Any
        if actor.organisation_kind is OrganisationKind.SUPPORT_AGENCY:
            condition = (Organisation.id == own) | Organisation.id.is_in([own, *await supported_sme_ids(own)])
        else:
            condition = Organisation.id == own
        query = query.where(condition)
        count = count.where(condition)
    if kind is not None:
        query = query.where(Organisation.kind == kind.value)
        count = count.where(Organisation.kind == kind.value)
    rows = (
        await query.order_by(Organisation.created_at, ascending=False)
        .order_by(Organisation.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return rows, await count


async def set_accreditation(
    ctx: ServiceContext, actor: Actor, org_id: str, accredited: bool
) -> dict[str, Any]:
    """The operator accredits (or withdraws accreditation from) a lead firm or agency."""
    require_operator(actor)
    row = await load_organisation(org_id)
    if OrganisationKind(row["kind"]) not in ACCREDITED_KINDS:
        raise DomainError(
            "organisation.not_accreditable", N_("Only lead firms and support agencies are accredited.")
        )
    await Organisation.update(
        {Organisation.accredited: accredited, Organisation.accredited_at: ctx.now() if accredited else None}
    ).where(Organisation.id == row["id"])
    return await load_organisation(org_id)
