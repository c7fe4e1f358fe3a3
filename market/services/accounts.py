"""Accounts: login with throttling, server-side sessions, invitations, people, API tokens."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from market.db import raw
from market.db.engine import is_unique_violation
from market.db.tables import ApiToken, AppUser, Invitation, Organisation, UserSession
from market.domain.accounts import (
    Actor,
    Role,
    check_password,
    invitable_roles,
    require_invite,
    require_people_admin,
    require_view,
    throttle_delay,
    validate_person,
)
from market.domain.errors import (
    N_,
    DomainError,
    ErrorKind,
    FieldError,
    NotFound,
    ValidationFailed,
)
from market.domain.organisations import OrganisationKind, check_email
from market.i18n import gettext
from market.services.context import ServiceContext, load_by_id, parse_id
from market.services.organisations import EMAIL_TAKEN, load_organisation, org_ref
from market.services.passwords import hash_password, needs_rehash, verify_password

API_TOKEN_PREFIX = "mkt_"  # noqa: S105 (a prefix, not a secret)
MAX_TOKENS_PER_USER = 20
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class SignedIn:
    """A resolved session or token: the user row and the actor the domain rules see (and, for a
    session, its id and end, so that a live socket opened under it ends with it)."""

    user: dict[str, Any]
    organisation: dict[str, Any]
    actor: Actor
    session: str | None = None  # the stored session id (the cookie's SHA-256)
    expires_at: dt.datetime | None = None


def _actor(user: dict[str, Any], org: dict[str, Any]) -> Actor:
    return Actor(
        user_id=str(user["id"]),
        organisation_id=str(org["id"]),
        organisation_kind=OrganisationKind(org["kind"]),
        role=Role(user["role"]),
        accredited=bool(org["accredited"]),
    )


# The person behind a session or token and their organisation, in one query (request hot path).
_HOLDER_COLUMNS = raw.column_list(AppUser, "u", "user.") + ", " + raw.column_list(Organisation, "o", "org.")
_HOLDER_JOIN = 'JOIN app_user u ON u.id = h."user" JOIN organisation o ON o.id = u.organisation'
# The f-strings only splice column names taken from the table definitions; values go as {} args.
_SESSION_HOLDER_SQL = f"SELECT h.id AS session_id, h.expires_at AS session_expires_at, {_HOLDER_COLUMNS} FROM user_session h {_HOLDER_JOIN} WHERE h.id = {{}}"  # noqa: S608, E501
_TOKEN_HOLDER_SQL = f"SELECT h.id AS token_id, h.revoked_at AS token_revoked_at, h.last_used_at AS token_last_used_at, {_HOLDER_COLUMNS} FROM api_token h {_HOLDER_JOIN} WHERE h.token_hash = {{}}"  # noqa: S608, E501


def _holder(row: dict[str, Any]) -> SignedIn | None:
    user = raw.split(row, "user.")
    if user["disabled"]:
        return None
    org = raw.split(row, "org.")
    return SignedIn(
        user=user,
        organisation=org,
        actor=_actor(user, org),
        session=row.get("session_id"),
        expires_at=row.get("session_expires_at"),
    )


# -- login and throttling -----------------------------------------------------------------------


def _throttle_key(email: str, client: str) -> str:
    return "login:" + digest(f"{email}|{client}")


async def _throttle_state(ctx: ServiceContext, key: str) -> dict[str, Any]:
    raw = await ctx.store.get(key)
    return json.loads(raw) if raw else {"failures": 0, "last": 0.0}


async def authenticate(ctx: ServiceContext, email: str, password: str, client: str) -> dict[str, Any]:
    """Check e-mail and password; slow repeated failures for one account from one client.

    Throttling counts failures per (account, client address): an attacker hammering an account
    waits longer and longer, while the real user on their own connection is not held back, and
    even from the same address can sign in once the (capped) wait has passed.
    """
    normalised = (check_email(email) or email.strip().lower())[:254]
    key = _throttle_key(normalised, client)
    state = await _throttle_state(ctx, key)
    wait = throttle_delay(
        state["failures"],
        ctx.settings.login_throttle_free_attempts,
        ctx.settings.login_throttle_max_delay_seconds,
    )
    now = ctx.now().timestamp()
    remaining = state["last"] + wait - now
    if remaining > 0:
        raise DomainError(
            "auth.throttled",
            N_("Too many failed attempts. Wait %(seconds)s seconds and try again."),
            kind=ErrorKind.THROTTLED,
            seconds=int(remaining) + 1,
        )
    user = await AppUser.select().where(AppUser.email == normalised).first()
    ok = verify_password(user["password_hash"] if user else None, password)
    if not ok or user is None or user["disabled"]:
        state = {"failures": state["failures"] + 1, "last": now}
        await ctx.store.set(key, json.dumps(state), expires_in=24 * 3600)
        raise DomainError(
            "auth.invalid_credentials",
            N_("The e-mail or the password is not right."),
            kind=ErrorKind.UNAUTHENTICATED,
        )
    await ctx.store.delete(key)
    updates: dict[Any, Any] = {AppUser.last_login_at: ctx.now()}
    if needs_rehash(user["password_hash"]):
        updates[AppUser.password_hash] = hash_password(password)
    await AppUser.update(updates).where(AppUser.id == user["id"])
    return user


# -- sessions -----------------------------------------------------------------------------------


# -- the end of a session, heard by its live sockets in every process --------------------------


def session_channel(session_id: str) -> str:
    """Where the end of one session is announced (named by a hash of its id, not the id)."""
    return "session-end." + digest(session_id)[:32]


def user_channel(user_id: str | uuid.UUID) -> str:
    """Where the end of every session of one person is announced (the account disabled)."""
    return f"user-end.{user_id}"


ENDED = {"type": "ended"}


async def still_signed_in(ctx: ServiceContext, signed_in: SignedIn) -> bool:
    """Whether the session behind a live socket still stands (checked again now and then, in case
    an announcement of its end was lost)."""
    if signed_in.session is None:
        return False
    row = await raw.first(UserSession, _SESSION_HOLDER_SQL, signed_in.session)
    return row is not None and row["session_expires_at"] > ctx.now() and _holder(row) is not None


async def start_session(ctx: ServiceContext, user_id: uuid.UUID, replaces: str | None = None) -> str:
    """A new session id (never the one the browser had before login); returns the cookie value."""
    token = secrets.token_urlsafe(32)
    now = ctx.now()
    async with ctx.transaction():
        if replaces:
            await UserSession.delete().where(UserSession.id == digest(replaces))
        await UserSession.delete().where(UserSession.user == user_id, UserSession.expires_at <= now)
        await UserSession.insert(
            UserSession(
                id=digest(token),
                user=user_id,
                created_at=now,
                expires_at=now + dt.timedelta(hours=ctx.settings.session_hours),
            )
        )
    if replaces:  # the session the browser had is gone: so are its live sockets
        ctx.announce(session_channel(digest(replaces)), ENDED)
    return token


async def end_session(ctx: ServiceContext, token: str) -> None:
    """Log out: the session is gone on the server, and its live sockets close (in every process)."""
    await UserSession.delete().where(UserSession.id == digest(token))
    ctx.announce(session_channel(digest(token)), ENDED)


async def resolve_session(ctx: ServiceContext, token: str) -> SignedIn | None:
    if not token or len(token) > 100:
        return None
    row = await raw.first(UserSession, _SESSION_HOLDER_SQL, digest(token))
    if row is None or row["session_expires_at"] <= ctx.now():
        return None
    return _holder(row)


# -- API tokens ---------------------------------------------------------------------------------


async def create_api_token(ctx: ServiceContext, actor: Actor, name: str) -> tuple[dict[str, Any], str]:
    """A personal API token; the secret is returned once and only its hash is kept."""
    label = name.strip()
    if not 1 <= len(label) <= 80:
        raise ValidationFailed(
            [FieldError("name", "token.name_length", N_("Give the token a name (up to 80 characters)."))]
        )
    active = await ApiToken.count().where(ApiToken.user == actor.user_id, ApiToken.revoked_at.is_null())
    if active >= MAX_TOKENS_PER_USER:
        raise DomainError(
            "token.too_many",
            N_("You have %(max)s active tokens; revoke one first."),
            kind=ErrorKind.CONFLICT,
            max=MAX_TOKENS_PER_USER,
        )
    secret = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_id = uuid.uuid4()
    await ApiToken.insert(
        ApiToken(
            id=token_id,
            user=uuid.UUID(actor.user_id),
            name=label,
            token_hash=digest(secret),
            prefix=secret[:12],
            created_at=ctx.now(),
        )
    )
    row = await ApiToken.select().where(ApiToken.id == token_id).first()
    assert row is not None
    return row, secret


async def list_api_tokens(actor: Actor) -> list[dict[str, Any]]:
    return (
        await ApiToken.select(
            ApiToken.id,
            ApiToken.name,
            ApiToken.prefix,
            ApiToken.created_at,
            ApiToken.last_used_at,
            ApiToken.revoked_at,
        )
        .where(ApiToken.user == actor.user_id)
        .order_by(ApiToken.created_at, ascending=False)
    )


async def revoke_api_token(ctx: ServiceContext, actor: Actor, token_id: str) -> None:
    key = parse_id(token_id, "token")
    row = await ApiToken.select(ApiToken.id).where(ApiToken.id == key, ApiToken.user == actor.user_id).first()
    if row is None:
        raise NotFound("token")
    await ApiToken.update({ApiToken.revoked_at: ctx.now()}).where(
        ApiToken.id == key, ApiToken.revoked_at.is_null()
    )


async def resolve_api_token(ctx: ServiceContext, secret: str) -> SignedIn | None:
    if not secret.startswith(API_TOKEN_PREFIX) or len(secret) > 100:
        return None
    row = await raw.first(ApiToken, _TOKEN_HOLDER_SQL, digest(secret))
    if row is None or row["token_revoked_at"] is not None:
        return None
    now = ctx.now()
    if row["token_last_used_at"] is None or now - row["token_last_used_at"] > LAST_USED_RESOLUTION:
        # Coarse on purpose: stamped at most every few minutes per token, and the stamps of a burst
        # of requests are written together a moment later, off the request's path.
        ctx.token_uses[row["token_id"]] = now
        ctx.coalesce("api-token-uses", TOKEN_USES_DELAY, lambda: _record_token_uses(ctx))
    return _holder(row)


TOKEN_USES_DELAY = 1.0  # seconds


async def _record_token_uses(ctx: ServiceContext) -> None:
    uses, ctx.token_uses = ctx.token_uses, {}
    async with ctx.transaction():
        for token_id, moment in uses.items():
            await raw.rows(ApiToken, "UPDATE api_token SET last_used_at = {} WHERE id = {}", moment, token_id)


# -- people -------------------------------------------------------------------------------------


async def list_people(actor: Actor, org_id: str) -> list[dict[str, Any]]:
    org = await load_organisation(org_id)
    require_view(actor, await org_ref(org))
    return (
        await AppUser.select(
            AppUser.id,
            AppUser.email,
            AppUser.full_name,
            AppUser.role,
            AppUser.disabled,
            AppUser.created_at,
            AppUser.last_login_at,
        )
        .where(AppUser.organisation == org["id"])
        .order_by(AppUser.full_name)
    )


async def load_person(user_id: str | uuid.UUID) -> dict[str, Any]:
    return await load_by_id(AppUser, user_id, "user")


async def update_person(
    ctx: ServiceContext, actor: Actor, user_id: str, *, role: Role | None = None, disabled: bool | None = None
) -> dict[str, Any]:
    """Change a person's role or disable them; disabling ends every session at once."""
    person = await load_person(user_id)
    org = await load_organisation(person["organisation"])
    require_people_admin(actor, await org_ref(org))
    if str(person["id"]) == actor.user_id and (disabled or role is Role.MEMBER):
        raise DomainError(
            "people.not_yourself", N_("You cannot disable yourself or remove your own administrator role.")
        )
    updates: dict[Any, Any] = {}
    if role is not None:
        updates[AppUser.role] = role.value
    if disabled is not None:
        updates[AppUser.disabled] = disabled
    if updates:
        async with ctx.transaction():
            await AppUser.update(updates).where(AppUser.id == person["id"])
            if disabled:
                await UserSession.delete().where(UserSession.user == person["id"])
                await ApiToken.update({ApiToken.revoked_at: ctx.now()}).where(
                    ApiToken.user == person["id"], ApiToken.revoked_at.is_null()
                )
        if disabled:  # after the commit: their live sockets close too, in every process
            ctx.announce(user_channel(person["id"]), ENDED)
    return await load_person(user_id)


async def change_locale(user_id: str, language: str) -> None:
    await AppUser.update({AppUser.locale: language}).where(AppUser.id == uuid.UUID(user_id))


# -- invitations --------------------------------------------------------------------------------


def new_invitation_code() -> str:
    """80 random bits as four groups of base32 letters, easy to read out and type."""
    raw = base64.b32encode(secrets.token_bytes(10)).decode().rstrip("=")
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


async def record_invitation(
    ctx: ServiceContext, org: dict[str, Any], email: str, role: Role, inviter_id: str, accept_url: str
) -> tuple[uuid.UUID, str]:
    """Store an invitation (replacing an open one for the same address) and mail its code.

    Runs inside the caller's transaction; the caller has checked permission and the address.
    """
    code = new_invitation_code()
    now = ctx.now()
    invitation_id = uuid.uuid4()
    await Invitation.update({Invitation.revoked_at: now}).where(
        Invitation.organisation == org["id"],
        Invitation.email == email,
        Invitation.accepted_at.is_null(),
        Invitation.revoked_at.is_null(),
    )
    await Invitation.insert(
        Invitation(
            id=invitation_id,
            organisation=org["id"],
            email=email,
            role=role.value,
            token_hash=digest(normalise_code(code)),
            invited_by=uuid.UUID(inviter_id),
            created_at=now,
            expires_at=now + dt.timedelta(days=ctx.settings.invitation_days),
        )
    )
    await ctx.send_mail(
        email,
        gettext("Invitation to %(org)s on the SME marketplace", org=org["legal_name"]),
        gettext(
            "You are invited to join %(org)s. Open %(url)s and enter the code %(code)s. "
            "The code works once and expires in %(days)s days.",
            org=org["legal_name"],
            url=accept_url,
            code=code,
            days=ctx.settings.invitation_days,
        ),
    )
    return invitation_id, code


async def invite(
    ctx: ServiceContext, actor: Actor, org_id: str, email: str, role: Role, accept_url: str
) -> tuple[dict[str, Any], str]:
    """Invite someone into an organisation; the single-use code is mailed and shown once."""
    org = await load_organisation(org_id)
    require_invite(actor, await org_ref(org), role)
    checked = check_email(email)
    if checked is None:
        raise ValidationFailed(
            [
                FieldError(
                    "email", "person.email_invalid", N_("Enter an e-mail address like name@example.com.")
                )
            ]
        )
    if await AppUser.exists().where(AppUser.email == checked):
        raise ValidationFailed([EMAIL_TAKEN])
    async with ctx.transaction():
        invitation_id, code = await record_invitation(ctx, org, checked, role, actor.user_id, accept_url)
    row = await Invitation.select().where(Invitation.id == invitation_id).first()
    assert row is not None
    return row, code


async def list_invitations(actor: Actor, org_id: str) -> list[dict[str, Any]]:
    org = await load_organisation(org_id)
    require_invite(actor, await org_ref(org))
    return (
        await Invitation.select(
            Invitation.id,
            Invitation.email,
            Invitation.role,
            Invitation.created_at,
            Invitation.expires_at,
            Invitation.accepted_at,
            Invitation.revoked_at,
        )
        .where(Invitation.organisation == org["id"])
        .order_by(Invitation.created_at, ascending=False)
    )


async def revoke_invitation(ctx: ServiceContext, actor: Actor, invitation_id: str) -> None:
    row = await load_by_id(Invitation, invitation_id, "invitation")
    key = row["id"]
    org = await load_organisation(row["organisation"])
    require_invite(actor, await org_ref(org))
    await Invitation.update({Invitation.revoked_at: ctx.now()}).where(
        Invitation.id == key, Invitation.accepted_at.is_null()
    )


INVALID_CODE = FieldError(
    "code",
    "invitation.invalid",
    N_("This code is not valid, was already used, or has expired. Ask for a new invitation."),
)


async def accept_invitation(ctx: ServiceContext, code: str, full_name: str, password: str) -> dict[str, Any]:
    """Create the invited person's account; the code then no longer works."""
    now = ctx.now()
    token_hash = digest(normalise_code(code))
    invitation = await Invitation.select().where(Invitation.token_hash == token_hash).first()
    errors: list[FieldError] = []
    usable = (
        invitation is not None
        and invitation["accepted_at"] is None
        and invitation["revoked_at"] is None
        and invitation["expires_at"] > now
    )
    if not usable:
        errors.append(INVALID_CODE)
    try:
        person = validate_person(
            invitation["email"] if invitation else "someone@example.com", full_name, None
        )
    except ValidationFailed as failed:
        errors.extend(failed.fields)
    try:
        check_password(password, email=invitation["email"] if invitation else "", name=full_name)
    except DomainError as error:
        errors.append(FieldError("password", error.code, error.message, error.params))
    if errors:
        raise ValidationFailed(errors)
    assert invitation is not None
    await _check_outside_invitation(invitation)
    user_id = uuid.uuid4()
    password_hash = hash_password(password)
    try:
        async with ctx.transaction():
            claimed = (
                await Invitation.update({Invitation.accepted_at: now})
                .where(
                    Invitation.id == invitation["id"],
                    Invitation.accepted_at.is_null(),
                    Invitation.revoked_at.is_null(),
                )
                .returning(Invitation.id)
            )
            if not claimed:
                raise ValidationFailed([INVALID_CODE])
            await AppUser.insert(
                AppUser(
                    id=user_id,
                    organisation=invitation["organisation"],
                    email=invitation["email"],
                    full_name=person.full_name,
                    password_hash=password_hash,
                    role=invitation["role"],
                    created_at=now,
                )
            )
    except Exception as error:
        if is_unique_violation(error):
            raise ValidationFailed([EMAIL_TAKEN]) from None
        raise
    return await load_person(str(user_id))


async def _check_outside_invitation(invitation: dict[str, Any]) -> None:
    """An invitation sent from outside the organisation (by its agency) is held to the rules of
    the moment it is used: the agency still has the SME's consent, and may still hand out the
    role (no second administrator once the SME has its own)."""
    inviter = await AppUser.select(AppUser.organisation).where(AppUser.id == invitation["invited_by"]).first()
    if inviter is None or inviter["organisation"] == invitation["organisation"]:
        return
    agency = await Organisation.select().where(Organisation.id == inviter["organisation"]).first()
    org = await load_organisation(invitation["organisation"])
    ref = await org_ref(org)
    sender = Actor(
        user_id=str(invitation["invited_by"]),
        organisation_id=str(inviter["organisation"]),
        organisation_kind=OrganisationKind(agency["kind"]) if agency else OrganisationKind.SME_SUPPLIER,
        role=Role.ADMIN,
        accredited=bool(agency and agency["accredited"]),
    )
    if Role(invitation["role"]) not in invitable_roles(sender, ref):
        raise ValidationFailed([INVALID_CODE])


async def create_user(
    ctx: ServiceContext, org_id: str, email: str, full_name: str, password: str, role: Role
) -> dict[str, Any]:
    """Add a person directly (the operator's command line, the demo data)."""
    org = await load_organisation(org_id)
    person = validate_person(email, full_name, password)
    if await AppUser.exists().where(AppUser.email == person.email):
        raise ValidationFailed([EMAIL_TAKEN])
    user_id = uuid.uuid4()
    await AppUser.insert(
        AppUser(
            id=user_id,
            organisation=org["id"],
            email=person.email,
            full_name=person.full_name,
            password_hash=hash_password(password),
            role=role.value,
            created_at=ctx.now(),
        )
    )
    return await load_person(str(user_id))
