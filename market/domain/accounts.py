"""People, roles, passwords, and the rules of who may act on which organisation."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from market.domain.errors import N_, DomainError, FieldCollector, Forbidden, NotFound
from market.domain.organisations import OrganisationKind, check_email


class Role(StrEnum):
    ADMIN = "admin"
    MEMBER = "member"


ROLE_LABELS = {Role.ADMIN: N_("Administrator"), Role.MEMBER: N_("Member")}

PASSWORD_MIN = 10
PASSWORD_MAX = 1024


@cache
def _common_passwords() -> frozenset[str]:
    # zxcvbn ships a ranked list of the 30,000 most common leaked passwords.
    from zxcvbn.matching import RANKED_DICTIONARIES

    return frozenset(RANKED_DICTIONARIES["passwords"])


def check_password(password: str, *, email: str = "", name: str = "") -> None:
    """Refuse short, over-long, common or personal passwords (long passphrases are welcome)."""
    if len(password) < PASSWORD_MIN:
        raise DomainError(
            "password.too_short",
            N_("Use at least %(min)s characters; a few words make a good passphrase."),
            min=PASSWORD_MIN,
        )
    if len(password) > PASSWORD_MAX:
        raise DomainError("password.too_long", N_("Use at most %(max)s characters."), max=PASSWORD_MAX)
    folded = password.casefold()
    if folded in _common_passwords() or len(set(folded)) < 4:
        raise DomainError(
            "password.common", N_("This password is too common and easy to guess; choose another.")
        )
    local_part = email.split("@")[0].casefold()
    if (len(local_part) >= 4 and local_part in folded) or (name and folded == name.casefold()):
        raise DomainError("password.personal", N_("Do not use your e-mail or name as the password."))


@dataclass(frozen=True)
class NewPerson:
    email: str
    full_name: str


def validate_person(email: str, full_name: str, password: str | None) -> NewPerson:
    """Check a person's e-mail, name and (when given) password, reporting every field."""
    errors = FieldCollector()
    checked_email = check_email(email)
    if checked_email is None:
        errors.add("email", "person.email_invalid", N_("Enter an e-mail address like name@example.com."))
    name = full_name.strip()
    if not 1 <= len(name) <= 120:
        errors.add("full_name", "person.name_length", N_("Enter your name (up to 120 characters)."))
    if password is not None:
        try:
            check_password(password, email=checked_email or "", name=name)
        except DomainError as error:
            errors.add("password", error.code, error.message, **error.params)
    errors.raise_if_any()
    assert checked_email is not None
    return NewPerson(email=checked_email, full_name=name)


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in user of an organisation."""

    user_id: str
    organisation_id: str
    organisation_kind: OrganisationKind
    role: Role
    accredited: bool

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_operator(self) -> bool:
        return self.organisation_kind is OrganisationKind.PLATFORM_OPERATOR


@dataclass(frozen=True)
class OrganisationRef:
    """What the access rules need to know about an organisation."""

    id: str
    kind: OrganisationKind
    onboarded_by: str | None
    #: Agencies the SME consented to (beside the one that onboarded it).
    consenting_to: frozenset[str] = frozenset()
    #: The SME withdrew the consent its onboarding gave (and has not granted it again).
    onboarding_consent_withdrawn: bool = False
    #: The SME has an administrator of its own (an active account with the admin role).
    has_own_admin: bool = False


def consented_agencies(org: OrganisationRef) -> frozenset[str]:
    """The agencies the SME consents to now: the one that onboarded it (onboarding is consent,
    until the SME withdraws it) and those it granted access. The only source of agency rights."""
    agencies = set(org.consenting_to)
    if org.onboarded_by and not org.onboarding_consent_withdrawn:
        agencies.add(org.onboarded_by)
    return frozenset(agencies)


def supports(actor: Actor, org: OrganisationRef) -> bool:
    """The actor's agency has this SME's current consent (by onboarding it, or a grant)."""
    return (
        actor.organisation_kind is OrganisationKind.SUPPORT_AGENCY
        and actor.organisation_id != org.id
        and actor.organisation_id in consented_agencies(org)
    )


def can_view_organisation(actor: Actor, org: OrganisationRef) -> bool:
    """Members see their own organisation; agencies the SMEs they support; the operator all."""
    return actor.organisation_id == org.id or actor.is_operator or supports(actor, org)


def _onboarding_agency_admin(actor: Actor, org: OrganisationRef) -> bool:
    """An admin of the agency that onboarded the SME, while the SME still consents."""
    return actor.is_admin and org.onboarded_by == actor.organisation_id and supports(actor, org)


def can_edit_organisation(actor: Actor, org: OrganisationRef) -> bool:
    """Admins edit their own profile; an agency admin an SME it onboarded, while it consents."""
    if not actor.is_admin:
        return False
    return actor.organisation_id == org.id or _onboarding_agency_admin(actor, org)


def can_manage_people(actor: Actor, org: OrganisationRef) -> bool:
    """Change roles, disable or enable accounts: the organisation's own admins only."""
    return actor.is_admin and actor.organisation_id == org.id


def can_invite(actor: Actor, org: OrganisationRef) -> bool:
    """Invite people: the organisation's admins, or its onboarding agency's while it consents."""
    return can_manage_people(actor, org) or _onboarding_agency_admin(actor, org)


def invitable_roles(actor: Actor, org: OrganisationRef) -> tuple[Role, ...]:
    """The roles the actor may invite someone to: an agency hands over the SME's first
    administrator; once the SME has its own, it decides who else becomes one."""
    if not can_invite(actor, org):
        return ()
    if actor.organisation_id != org.id and org.has_own_admin:
        return (Role.MEMBER,)
    return tuple(Role)


def require_view(actor: Actor, org: OrganisationRef) -> None:
    if not can_view_organisation(actor, org):
        # Same answer as for a missing organisation: do not confirm that it exists.
        raise NotFound("organisation")


def require_edit(actor: Actor, org: OrganisationRef) -> None:
    require_view(actor, org)
    if not can_edit_organisation(actor, org):
        raise Forbidden(
            "organisation.edit_forbidden", N_("Only an administrator of this organisation may change it.")
        )


def require_people_admin(actor: Actor, org: OrganisationRef) -> None:
    """Change roles, disable accounts: the organisation's own admins, never an agency."""
    require_view(actor, org)
    if not can_manage_people(actor, org):
        raise Forbidden("people.admin_only", N_("Only an administrator may manage people."))


def require_invite(actor: Actor, org: OrganisationRef, role: Role | None = None) -> None:
    """See and send invitations: the organisation's admins, or its onboarding agency's while the
    SME consents; ``role`` (when given) must be one the actor may hand out."""
    require_view(actor, org)
    if not can_invite(actor, org):
        raise Forbidden("people.admin_only", N_("Only an administrator may manage people."))
    if role is not None and role not in invitable_roles(actor, org):
        raise Forbidden(
            "people.agency_admin_taken",
            N_("The firm has its own administrator; only it may make someone an administrator."),
        )


def require_agency(actor: Actor) -> None:
    if actor.organisation_kind is not OrganisationKind.SUPPORT_AGENCY:
        raise Forbidden("agency.only", N_("Only support agencies may do this."))
    if not actor.accredited:
        raise Forbidden(
            "agency.not_accredited",
            N_("Your agency is not accredited yet; the platform operator accredits agencies."),
        )


def require_operator(actor: Actor) -> None:
    if not actor.is_operator:
        raise Forbidden("operator.only", N_("Only the platform operator may do this."))


def throttle_delay(failures: int, free_attempts: int, max_delay: float) -> float:
    """Seconds a client must wait before its next login try for one account.

    The first ``free_attempts`` failures cost nothing; then the wait doubles with each failure,
    capped at ``max_delay``. There is no lockout: after the wait, the right password works.
    """
    over = failures - free_attempts
    if over < 0:
        return 0.0
    return float(min(max_delay, math.pow(2, min(over, 30))))
