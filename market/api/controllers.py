"""JSON controllers: parse, call a service, shape the answer. No business rule lives here."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, TypeVar

from litestar import Controller, Request, delete, get, patch, post, put
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from market.api.schemas import (
    AcceptInvitationIn,
    AccreditationIn,
    InvitationCreated,
    InvitationIn,
    InvitationOut,
    MeOut,
    NotificationOut,
    OrganisationOut,
    Page,
    PersonPatch,
    ProfileIn,
    ProfilePatch,
    SignupIn,
    SignupOut,
    TokenCreated,
    TokenIn,
    TokenOut,
    UserOut,
)
from market.domain.organisations import OrganisationKind
from market.i18n import gettext
from market.services import accounts, notifications, organisations
from market.services.accounts import SignedIn
from market.services.context import ServiceContext

T = TypeVar("T")
PageNumber = Annotated[int, QueryParameter(ge=1, le=100_000)]
PerPage = Annotated[int, QueryParameter(ge=1, le=100)]


async def signed_in_guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    # async: Litestar runs a plain function guard in a worker thread, a hop on every request
    if connection.scope.get("user") is None:
        raise NotAuthorizedException()


def who(request: Request[Any, Any, Any]) -> SignedIn:
    user = request.scope.get("user")
    if user is None:
        raise NotAuthorizedException()
    assert isinstance(user, SignedIn)
    return user


def paginate(items: list[T], page: int, per_page: int) -> Page[T]:
    start = (page - 1) * per_page
    return Page[T](items=items[start : start + per_page], page=page, per_page=per_page, total=len(items))


def accept_url(request: Request[Any, Any, Any]) -> str:
    return str(request.base_url).rstrip("/") + "/invitations/accept"


class PublicController(Controller):
    path = "/api/v1"
    tags = ["accounts"]

    @post("/signup", status_code=HTTP_201_CREATED, operation_id="signUpSme")
    async def sign_up(self, ctx: NamedDependency[ServiceContext], data: JSONBody[SignupIn]) -> SignupOut:
        """Register a new SME supplier with its first administrator."""
        org, user = await organisations.register_sme(
            ctx, data.organisation.model_dump(mode="json"), data.admin.model_dump()
        )
        return SignupOut(organisation=OrganisationOut.of(org), user=UserOut.of(user))

    @post("/invitations/accept", status_code=HTTP_201_CREATED, operation_id="acceptInvitation")
    async def accept_invitation(
        self, ctx: NamedDependency[ServiceContext], data: JSONBody[AcceptInvitationIn]
    ) -> UserOut:
        """Create the invited person's account with the single-use code from the invitation."""
        user = await accounts.accept_invitation(ctx, data.code, data.full_name, data.password)
        return UserOut.of(user)


class MeController(Controller):
    path = "/api/v1/me"
    guards = [signed_in_guard]
    tags = ["accounts"]

    @get("/", operation_id="getMe")
    async def me(self, request: Request[Any, Any, Any]) -> MeOut:
        """The signed-in person and their organisation."""
        current = who(request)
        return MeOut(
            user=UserOut.of(current.user),
            organisation=OrganisationOut.of(current.organisation),
            locale=current.user["locale"] or "",
        )


class NotificationController(Controller):
    path = "/api/v1/notifications"
    guards = [signed_in_guard]
    tags = ["accounts"]

    @get("/", operation_id="listNotifications")
    async def list_notifications(
        self, request: Request[Any, Any, Any], page: PageNumber = 1, per_page: PerPage = 20
    ) -> Page[NotificationOut]:
        """Messages to your organisation (the latest 50), newest first, in your language."""
        rows = await notifications.inbox(who(request).actor)
        items = [
            NotificationOut(
                id=r["id"],
                code=r["code"],
                message=gettext(r["message"], **r["params"]),
                link=r["link"],
                created_at=r["created_at"],
                read=r["read_at"] is not None,
            )
            for r in rows
        ]
        return paginate(items, page, per_page)

    @post("/read", status_code=HTTP_204_NO_CONTENT, operation_id="markNotificationsRead")
    async def mark_read(self, request: Request[Any, Any, Any], ctx: NamedDependency[ServiceContext]) -> None:
        """Mark every message to your organisation as read."""
        await notifications.mark_all_read(ctx, who(request).actor)


class OrganisationController(Controller):
    path = "/api/v1/organisations"
    guards = [signed_in_guard]
    tags = ["organisations"]

    @get("/", operation_id="listOrganisations")
    async def list_organisations(
        self,
        request: Request[Any, Any, Any],
        page: PageNumber = 1,
        per_page: PerPage = 20,
        kind: Annotated[OrganisationKind | None, QueryParameter()] = None,
    ) -> Page[OrganisationOut]:
        """Organisations you may see: your own; an agency also its SMEs; the operator all."""
        rows, total = await organisations.list_organisations(
            who(request).actor, page=page, per_page=per_page, kind=kind
        )
        return Page[OrganisationOut](
            items=[OrganisationOut.of(r) for r in rows], page=page, per_page=per_page, total=total
        )

    @post("/", status_code=HTTP_201_CREATED, operation_id="registerSme")
    async def register_sme(
        self, request: Request[Any, Any, Any], ctx: NamedDependency[ServiceContext], data: JSONBody[ProfileIn]
    ) -> OrganisationOut:
        """An accredited support agency registers an SME it supports."""
        row = await organisations.agency_register_sme(ctx, who(request).actor, data.model_dump(mode="json"))
        return OrganisationOut.of(row)

    @get("/{org_id:uuid}", operation_id="getOrganisation")
    async def get_organisation(
        self, request: Request[Any, Any, Any], org_id: FromPath[uuid.UUID]
    ) -> OrganisationOut:
        return OrganisationOut.of(await organisations.get_organisation(who(request).actor, str(org_id)))

    @patch("/{org_id:uuid}", operation_id="updateOrganisation")
    async def update_organisation(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        org_id: FromPath[uuid.UUID],
        data: JSONBody[ProfilePatch],
    ) -> OrganisationOut:
        """Change profile fields; send only what changes."""
        changes = data.model_dump(mode="json", exclude_unset=True)
        row = await organisations.update_profile(ctx, who(request).actor, str(org_id), changes)
        return OrganisationOut.of(row)

    @put("/{org_id:uuid}/accreditation", operation_id="setAccreditation")
    async def set_accreditation(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        org_id: FromPath[uuid.UUID],
        data: JSONBody[AccreditationIn],
    ) -> OrganisationOut:
        """The platform operator accredits a lead firm or a support agency."""
        row = await organisations.set_accreditation(ctx, who(request).actor, str(org_id), data.accredited)
        return OrganisationOut.of(row)

    @get("/{org_id:uuid}/people", operation_id="listPeople")
    async def list_people(
        self,
        request: Request[Any, Any, Any],
        org_id: FromPath[uuid.UUID],
        page: PageNumber = 1,
        per_page: PerPage = 20,
    ) -> Page[UserOut]:
        rows = await accounts.list_people(who(request).actor, str(org_id))
        return paginate([UserOut.of(r) for r in rows], page, per_page)

    @get("/{org_id:uuid}/invitations", operation_id="listInvitations")
    async def list_invitations(
        self,
        request: Request[Any, Any, Any],
        org_id: FromPath[uuid.UUID],
        page: PageNumber = 1,
        per_page: PerPage = 20,
    ) -> Page[InvitationOut]:
        rows = await accounts.list_invitations(who(request).actor, str(org_id))
        return paginate([InvitationOut.of(r) for r in rows], page, per_page)

    @post("/{org_id:uuid}/invitations", status_code=HTTP_201_CREATED, operation_id="invitePerson")
    async def invite(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        org_id: FromPath[uuid.UUID],
        data: JSONBody[InvitationIn],
    ) -> InvitationCreated:
        """Invite a person; the single-use code is e-mailed and returned once."""
        row, code = await accounts.invite(
            ctx, who(request).actor, str(org_id), data.email, data.role, accept_url(request)
        )
        return InvitationCreated(invitation=InvitationOut.of(row), code=code)


class PeopleController(Controller):
    path = "/api/v1/people"
    guards = [signed_in_guard]
    tags = ["organisations"]

    @patch("/{user_id:uuid}", operation_id="updatePerson")
    async def update_person(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        user_id: FromPath[uuid.UUID],
        data: JSONBody[PersonPatch],
    ) -> UserOut:
        """Change a person's role, or disable them (which ends their sessions and tokens)."""
        row = await accounts.update_person(
            ctx, who(request).actor, str(user_id), role=data.role, disabled=data.disabled
        )
        return UserOut.of(row)


class InvitationController(Controller):
    path = "/api/v1/invitations"
    guards = [signed_in_guard]
    tags = ["organisations"]

    @delete("/{invitation_id:uuid}", status_code=HTTP_204_NO_CONTENT, operation_id="revokeInvitation")
    async def revoke(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        invitation_id: FromPath[uuid.UUID],
    ) -> None:
        await accounts.revoke_invitation(ctx, who(request).actor, str(invitation_id))


class TokenController(Controller):
    path = "/api/v1/tokens"
    guards = [signed_in_guard]
    tags = ["accounts"]

    @get("/", operation_id="listTokens")
    async def list_tokens(
        self, request: Request[Any, Any, Any], page: PageNumber = 1, per_page: PerPage = 20
    ) -> Page[TokenOut]:
        rows = await accounts.list_api_tokens(who(request).actor)
        return paginate([TokenOut.of(r) for r in rows], page, per_page)

    @post("/", status_code=HTTP_201_CREATED, operation_id="createToken")
    async def create_token(
        self, request: Request[Any, Any, Any], ctx: NamedDependency[ServiceContext], data: JSONBody[TokenIn]
    ) -> TokenCreated:
        """A new personal API token; its secret is in this response only."""
        row, secret = await accounts.create_api_token(ctx, who(request).actor, data.name)
        return TokenCreated(token=TokenOut.of(row), secret=secret)

    @delete("/{token_id:uuid}", status_code=HTTP_204_NO_CONTENT, operation_id="revokeToken")
    async def revoke_token(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        token_id: FromPath[uuid.UUID],
    ) -> None:
        await accounts.revoke_api_token(ctx, who(request).actor, str(token_id))


API_CONTROLLERS = [
    PublicController,
    MeController,
    NotificationController,
    OrganisationController,
    PeopleController,
    InvitationController,
    TokenController,
]
