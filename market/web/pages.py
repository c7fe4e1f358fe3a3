"""Portal controllers: parse the form, call a service, render a template or redirect.

``PAGES`` lists every page a person can open; the accessibility and small-screen tests walk it,
so a new page joins those checks by being added here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from litestar import Controller, Request, Response, get, post
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException, NotAuthorizedException, NotFoundException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from market.api.errors import STATUS_BY_KIND
from market.domain.accounts import (
    Role,
    can_edit_organisation,
    can_manage_people,
    invitable_roles,
    require_agency,
    require_operator,
)
from market.domain.errors import N_, DomainError, ValidationFailed
from market.domain.organisations import (
    COUNTRY_LABELS,
    LANGUAGE_LABELS,
    LINK_LABELS,
    PROFILE_FIELDS,
    SECTOR_LABELS,
    SIZE_LABELS,
    Country,
    OrganisationKind,
    Sector,
    SizeClass,
    ValueChainLink,
)
from market.i18n import LANGUAGES, current_language, format_for_input, gettext, set_language
from market.services import accounts, notifications, organisations
from market.services.accounts import SignedIn
from market.services.context import ServiceContext
from market.web.middleware import LANGUAGE_COOKIE, SESSION_COOKIE, client_address, resolve_language

log = logging.getLogger("market.web")

LIST_FIELDS = ("value_chain_links", "classification_codes", "languages")
PER_PAGE = 20

FLASH_MESSAGES = {
    "welcome": N_("Welcome! Your organisation is registered."),
    "saved": N_("Your changes are saved."),
    "notifications_read": N_("All messages are marked as read."),
    "bid_confirmed": N_("Your bid is confirmed for the new deadline."),
    "signed_out": N_("You are signed out."),
    "signed_in": N_("You are signed in."),
    "invitation_revoked": N_("The invitation is withdrawn."),
    "person_updated": N_("The person's account is updated."),
    "token_revoked": N_("The token is revoked; it no longer works."),
    "accreditation_saved": N_("Accreditation saved."),
    "account_created": N_("Your account is ready. Sign in with your e-mail and password."),
    "sme_registered": N_("The SME is registered. Invite its people from its page."),
    "draft_saved": N_("Your answers are saved. Come back any time to go on."),
    "assessment_submitted": N_("Your self-assessment is submitted and scored."),
    "certificate_added": N_("The certificate is in your wallet; your agency will verify it."),
    "certificate_verified": N_("The certificate is verified."),
    "certificate_rejected": N_("The certificate is rejected; the SME sees your reason."),
    "reason_required": N_("Say why the certificate is rejected (3 to 500 characters)."),
    "access_granted": N_("The agency can now see your passport and coach you."),
    "access_revoked": N_("The agency no longer sees your data."),
    "task_created": N_("The task is set; the SME sees it."),
    "task_updated": N_("The task is updated."),
    "references_saved": N_("Reference values saved."),
    "rfq_created": N_("The draft is saved. Check it, then publish it."),
    "rfq_updated": N_("Done."),
    "bid_withdrawn": N_("Your bid is withdrawn."),
    "question_sent": N_("Your question is sent; the answer will be public, your name will not."),
    "answer_published": N_("The answer is published for every supplier."),
    "consortium_formed": N_("Your consortium is formed. Invite the firms you bid with."),
    "member_invited": N_("The invitation is sent."),
    "parts_saved": N_("The shares are saved."),
    "delivery_recorded": N_("The delivery is recorded on the suppliers' records."),
    "member_removed": N_("The member is removed; invite another firm in its place."),
    "invitation_accepted": N_("You are in the consortium."),
    "invitation_declined": N_("You declined the invitation."),
    "consortium_left": N_("Your firm left the consortium."),
    "joint_bid_confirmed": N_("Your firm confirmed this version of the joint bid."),
    "interest_marked": N_("Other suppliers now see that your firm would bid together on this request."),
    "interest_withdrawn": N_("Your firm no longer shows as interested."),
}


@dataclass(frozen=True)
class PortalPage:
    """A page of the portal, and who can open it (``None``: anyone)."""

    path: str
    who: str | None


PAGES = [
    PortalPage("/", None),
    PortalPage("/signup", None),
    PortalPage("/login", None),
    PortalPage("/invitations/accept", None),
    PortalPage("/organisation", "sme"),
    PortalPage("/organisations/{own}/edit", "sme"),
    PortalPage("/organisations/{own}/people", "sme"),
    PortalPage("/tokens", "sme"),
    PortalPage("/notifications", "sme"),
    PortalPage("/operator/organisations", "operator"),
    PortalPage("/agency/smes", "agency"),
    PortalPage("/agency/smes/new", "agency"),
    PortalPage("/readiness", "sme"),
    PortalPage("/readiness/assessment", "sme"),
    PortalPage("/readiness/assessment?step=5", "sme"),
    PortalPage("/readiness/check", "sme"),
    PortalPage("/readiness/check?min_level=L3&certificates=iso_9001", "sme"),
    PortalPage("/certificates", "sme"),
    PortalPage("/agency/certificates", "agency"),
    PortalPage("/organisation/agencies", "sme"),
    PortalPage("/coaching", "sme"),
    PortalPage("/agency/onboarding", "agency"),
    PortalPage("/agency/cohort", "agency"),
    PortalPage("/rfqs", "sme"),
    PortalPage("/rfqs/new", "buyer"),
    PortalPage("/suppliers", "buyer"),
    PortalPage("/performance", "sme"),
]


# -- helpers ------------------------------------------------------------------------------------


def current(request: Request[Any, Any, Any]) -> SignedIn | None:
    user = request.scope.get("user")
    return user if isinstance(user, SignedIn) else None


def need(request: Request[Any, Any, Any]) -> SignedIn:
    user = current(request)
    if user is None:
        raise NotAuthorizedException()
    return user


async def login_guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    # async: Litestar runs a plain function guard in a worker thread, a hop on every request
    if connection.scope.get("user") is None:
        raise NotAuthorizedException()


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths are followed after login or a language change."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def field_errors(error: DomainError) -> dict[str, str]:
    messages: dict[str, str] = {}
    for item in error.fields:
        messages.setdefault(item.field, gettext(item.message, **item.params))
    return messages


def render(
    request: Request[Any, Any, Any],
    template: str,
    status_code: int = 200,
    **context: Any,
) -> Template:
    flash_key = request.cookies.get("flash", "")
    flash = gettext(FLASH_MESSAGES[flash_key]) if flash_key in FLASH_MESSAGES else ""
    cookies = [Cookie(key="flash", value="", max_age=0, path="/")] if flash_key else []
    base: dict[str, Any] = {
        "me": current(request),
        "path": request.url.path,
        "full_path": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        "flash": flash,
        "errors": {},
        "form_error": "",
    }
    base.update(context)
    return Template(template_name=template, context=base, status_code=status_code, cookies=cookies)


def redirect(path: str, flash: str | None = None) -> Redirect:
    cookies = (
        [Cookie(key="flash", value=flash, max_age=60, path="/", httponly=True, samesite="lax")]
        if flash
        else []
    )
    return Redirect(path=path, status_code=303, cookies=cookies)


async def read_form(request: Request[Any, Any, Any]) -> dict[str, Any]:
    form = await request.form()
    values: dict[str, Any] = {}
    for key in form:
        if key == "_csrf_token":
            continue
        values[key] = (
            [v for v in form.getall(key) if isinstance(v, str)] if key in LIST_FIELDS else form.get(key)
        )
    return values


def profile_form_values(source: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {
        name: source.get(name) if source.get(name) is not None else "" for name in PROFILE_FIELDS
    }
    for name in LIST_FIELDS:
        raw = source.get(name) or []
        values[name] = [raw] if isinstance(raw, str) else list(raw)
    values["classification_codes_text"] = ", ".join(str(code) for code in values["classification_codes"])
    if isinstance(values["monthly_capacity"], int):  # a saved capacity, shown the reader's way
        values["monthly_capacity"] = format_for_input(values["monthly_capacity"])
    return values


def profile_from_form(form: dict[str, Any]) -> dict[str, Any]:
    data = {name: form.get(name, "") for name in PROFILE_FIELDS}
    for name in LIST_FIELDS:
        raw = form.get(name) or []
        data[name] = raw if isinstance(raw, list) else [raw]
    codes = form.get("classification_codes_text")
    if isinstance(codes, str):
        data["classification_codes"] = codes
    return data


def profile_choices() -> dict[str, Any]:
    """Options of the profile form's lists as (value, label in the user's language)."""
    return {
        "countries": [(c.value, gettext(COUNTRY_LABELS[c])) for c in Country],
        "sizes": [(s.value, gettext(SIZE_LABELS[s])) for s in SizeClass],
        "sectors": [(s.value, gettext(SECTOR_LABELS[s])) for s in Sector],
        "links": [(link.value, gettext(LINK_LABELS[link])) for link in ValueChainLink],
        "languages": [(code, gettext(LANGUAGE_LABELS[code])) for code in LANGUAGES],
    }


def session_cookie(request: Request[Any, Any, Any], value: str, max_age: int) -> Cookie:
    ctx: ServiceContext = request.app.state.ctx
    return Cookie(
        key=SESSION_COOKIE,
        value=value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=ctx.settings.secure_cookies,
    )


def web_exception_response(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    """Errors that reach the portal's top: sign-in redirect, or an error page in the user's language."""
    if isinstance(error, NotAuthorizedException):
        return Redirect(path="/login?next=" + quote(safe_next(request.url.path), safe="/"), status_code=303)
    if "user" not in request.scope:
        # The router refused the request before the middleware ran (unknown path): still answer
        # in the visitor's language.
        ctx: ServiceContext = request.app.state.ctx
        set_language(resolve_language(request.scope, None, ctx.settings.default_locale))
    status = 500
    message = N_("Something went wrong on our side. Try again; if it happens again, tell us.")
    if isinstance(error, DomainError):
        status = STATUS_BY_KIND[error.kind]
        message = error.message
        return render(request, "error.html", status, status=status, message=gettext(message, **error.params))
    if isinstance(error, NotFoundException):
        status, message = 404, N_("This page does not exist.")
    elif isinstance(error, HTTPException) and error.status_code < 500:
        status = error.status_code
        message = {
            403: N_("You may not do this."),
            405: N_("This action is not available here."),
            413: N_("What you sent is too large."),
        }.get(status, N_("The request could not be served."))
        if status == 403 and "CSRF" in str(error.detail):
            message = N_("This form has expired. Go back, reload the page and send it again.")
        page = render(request, "error.html", status, status=status, message=gettext(message))
        page.headers.update(error.headers or {})  # a 405's Allow, as RFC 9110 wants
        return page
    else:
        log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
    return render(request, "error.html", status, status=status, message=gettext(message))


# -- public pages -------------------------------------------------------------------------------


class PublicPages(Controller):
    @get("/", name="home", include_in_schema=False)
    async def home(self, request: Request[Any, Any, Any]) -> Template:
        return render(request, "home.html")

    @get("/signup", include_in_schema=False)
    async def signup_form(self, request: Request[Any, Any, Any]) -> Template:
        return render(request, "signup.html", values=profile_form_values({}), admin={}, **profile_choices())

    @post("/signup", include_in_schema=False)
    async def signup(
        self, request: Request[Any, Any, Any], ctx: NamedDependency[ServiceContext]
    ) -> Response[Any]:
        form = await read_form(request)
        admin = {
            "email": form.get("email", ""),
            "full_name": form.get("full_name", ""),
            "password": form.get("password", ""),
        }
        try:
            _, user = await organisations.register_sme(
                ctx, profile_from_form(form), admin, reader=current_language()
            )
        except DomainError as error:
            return render(
                request,
                "signup.html",
                422,
                values=profile_form_values(profile_from_form(form)),
                admin={k: v for k, v in admin.items() if k != "password"},
                errors=field_errors(error),
                form_error=gettext(error.message, **error.params),
                **profile_choices(),
            )
        token = await accounts.start_session(ctx, user["id"], replaces=request.cookies.get(SESSION_COOKIE))
        response = redirect("/organisation", "welcome")
        response.cookies.append(session_cookie(request, token, ctx.settings.session_hours * 3600))
        return response

    @get("/login", include_in_schema=False)
    async def login_form(
        self,
        request: Request[Any, Any, Any],
        next_path: Annotated[str, QueryParameter(name="next", max_length=500)] = "/organisation",
    ) -> Template:
        return render(request, "login.html", email="", next_path=safe_next(next_path, "/organisation"))

    @post("/login", include_in_schema=False)
    async def login(
        self, request: Request[Any, Any, Any], ctx: NamedDependency[ServiceContext]
    ) -> Response[Any]:
        form = await read_form(request)
        email = str(form.get("email", ""))[:254]
        next_path = safe_next(str(form.get("next", "")), "/organisation")
        try:
            user = await accounts.authenticate(
                ctx, email, str(form.get("password", "")), client_address(request.scope)
            )
        except DomainError as error:
            status = STATUS_BY_KIND[error.kind]
            return render(
                request,
                "login.html",
                status,
                email=email,
                next_path=next_path,
                form_error=gettext(error.message, **error.params),
            )
        token = await accounts.start_session(ctx, user["id"], replaces=request.cookies.get(SESSION_COOKIE))
        response = redirect(next_path, "signed_in")
        response.cookies.append(session_cookie(request, token, ctx.settings.session_hours * 3600))
        return response

    @post("/logout", include_in_schema=False)
    async def logout(
        self, request: Request[Any, Any, Any], ctx: NamedDependency[ServiceContext]
    ) -> Response[Any]:
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            await accounts.end_session(ctx, cookie)
        response = redirect("/", "signed_out")
        response.cookies.append(session_cookie(request, "", 0))
        return response

    @post("/language", include_in_schema=False)
    async def language(self, request: Request[Any, Any, Any]) -> Response[Any]:
        form = await read_form(request)
        language = str(form.get("lang", ""))
        target = safe_next(str(form.get("next", "")), "/")
        response = Redirect(path=target, status_code=303)
        if language in LANGUAGES:
            response.cookies.append(
                Cookie(key=LANGUAGE_COOKIE, value=language, max_age=365 * 24 * 3600, path="/", samesite="lax")
            )
            me = current(request)
            if me is not None:
                await accounts.change_locale(me.actor.user_id, language)
        return response

    @get("/invitations/accept", include_in_schema=False)
    async def accept_form(self, request: Request[Any, Any, Any]) -> Template:
        return render(request, "invitation_accept.html", values={})

    @post("/invitations/accept", include_in_schema=False)
    async def accept(
        self, request: Request[Any, Any, Any], ctx: NamedDependency[ServiceContext]
    ) -> Response[Any]:
        form = await read_form(request)
        values = {"code": str(form.get("code", "")), "full_name": str(form.get("full_name", ""))}
        try:
            await accounts.accept_invitation(
                ctx, values["code"], values["full_name"], str(form.get("password", ""))
            )
        except DomainError as error:
            return render(
                request,
                "invitation_accept.html",
                422,
                values=values,
                errors=field_errors(error),
                form_error=gettext(error.message, **error.params),
            )
        return redirect("/login", "account_created")


# -- signed-in pages ----------------------------------------------------------------------------


class OrganisationPages(Controller):
    guards = [login_guard]

    @get("/organisation", include_in_schema=False)
    async def own(self, request: Request[Any, Any, Any]) -> Template:
        me = need(request)
        return render(request, "organisation.html", org=me.organisation, can_edit=me.actor.is_admin)

    @get("/organisations/{org_id:str}", include_in_schema=False)
    async def view(self, request: Request[Any, Any, Any], org_id: FromPath[str]) -> Template:
        me = need(request)
        org = await organisations.get_organisation(me.actor, org_id)
        editable = can_edit_organisation(me.actor, await organisations.org_ref(org))
        return render(request, "organisation.html", org=org, can_edit=editable)

    @get("/organisations/{org_id:str}/edit", include_in_schema=False)
    async def edit_form(self, request: Request[Any, Any, Any], org_id: FromPath[str]) -> Template:
        me = need(request)
        org = await organisations.get_organisation_to_edit(me.actor, org_id)
        return render(
            request, "organisation_edit.html", org=org, values=profile_form_values(org), **profile_choices()
        )

    @post("/organisations/{org_id:str}/edit", include_in_schema=False)
    async def edit(
        self, request: Request[Any, Any, Any], ctx: NamedDependency[ServiceContext], org_id: FromPath[str]
    ) -> Response[Any]:
        me = need(request)
        org = await organisations.get_organisation_to_edit(me.actor, org_id)
        form = await read_form(request)
        data = profile_from_form(form)
        try:
            await organisations.update_profile(ctx, me.actor, org_id, data, reader=current_language())
        except ValidationFailed as error:
            return render(
                request,
                "organisation_edit.html",
                422,
                org=org,
                values=profile_form_values(data),
                errors=field_errors(error),
                form_error=gettext(error.message),
                **profile_choices(),
            )
        return redirect(f"/organisations/{org['id']}", "saved")

    @get("/organisations/{org_id:str}/people", include_in_schema=False)
    async def people(self, request: Request[Any, Any, Any], org_id: FromPath[str]) -> Template:
        return await self._people_page(request, org_id)

    async def _people_page(
        self, request: Request[Any, Any, Any], org_id: str, status: int = 200, **extra: Any
    ) -> Template:
        me = need(request)
        org = await organisations.get_organisation(me.actor, org_id)
        people = await accounts.list_people(me.actor, org_id)
        ref = await organisations.org_ref(org)
        manage = can_manage_people(me.actor, ref)
        invite_roles = invitable_roles(me.actor, ref)
        invitations = await accounts.list_invitations(me.actor, org_id) if invite_roles else []
        context: dict[str, Any] = {"invite": {"email": "", "role": "member"}, "new_code": ""}
        context.update(extra)
        return render(
            request,
            "people.html",
            status,
            org=org,
            people=people,
            invitations=invitations,
            manage=manage,
            invite_roles=invite_roles,
            roles=list(Role),
            **context,
        )

    @post("/organisations/{org_id:str}/invitations", include_in_schema=False)
    async def invite(
        self, request: Request[Any, Any, Any], ctx: NamedDependency[ServiceContext], org_id: FromPath[str]
    ) -> Response[Any]:
        me = need(request)
        form = await read_form(request)
        invite = {"email": str(form.get("email", "")), "role": str(form.get("role", "member"))}
        try:
            role = Role(invite["role"])
        except ValueError:
            role = Role.MEMBER
        try:
            row, code = await accounts.invite(
                ctx,
                me.actor,
                org_id,
                invite["email"],
                role,
                str(request.base_url).rstrip("/") + "/invitations/accept",
            )
        except ValidationFailed as error:
            return await self._people_page(
                request,
                org_id,
                422,
                invite=invite,
                errors=field_errors(error),
                form_error=gettext(error.message),
            )
        return await self._people_page(request, org_id, 201, new_code=code, new_email=row["email"])

    @post("/invitations/{invitation_id:str}/revoke", include_in_schema=False)
    async def revoke_invitation(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        invitation_id: FromPath[str],
    ) -> Response[Any]:
        me = need(request)
        form = await read_form(request)
        await accounts.revoke_invitation(ctx, me.actor, invitation_id)
        return redirect(safe_next(str(form.get("next", "")), "/organisation"), "invitation_revoked")

    @post("/people/{user_id:str}", include_in_schema=False)
    async def update_person(
        self, request: Request[Any, Any, Any], ctx: NamedDependency[ServiceContext], user_id: FromPath[str]
    ) -> Response[Any]:
        me = need(request)
        form = await read_form(request)
        action = str(form.get("action", ""))
        role = {"make_admin": Role.ADMIN, "make_member": Role.MEMBER}.get(action)
        disabled = {"disable": True, "enable": False}.get(action)
        person = await accounts.update_person(ctx, me.actor, user_id, role=role, disabled=disabled)
        return redirect(f"/organisations/{person['organisation']}/people", "person_updated")


class TokenPages(Controller):
    guards = [login_guard]

    @get("/tokens", include_in_schema=False)
    async def tokens(self, request: Request[Any, Any, Any]) -> Template:
        me = need(request)
        return render(
            request, "tokens.html", tokens=await accounts.list_api_tokens(me.actor), secret="", name=""
        )

    @post("/tokens", include_in_schema=False)
    async def create(self, request: Request[Any, Any, Any], ctx: NamedDependency[ServiceContext]) -> Template:
        me = need(request)
        form = await read_form(request)
        name = str(form.get("name", ""))
        try:
            _, secret = await accounts.create_api_token(ctx, me.actor, name)
        except DomainError as error:
            return render(
                request,
                "tokens.html",
                422,
                tokens=await accounts.list_api_tokens(me.actor),
                secret="",
                name=name,
                errors=field_errors(error),
                form_error=gettext(error.message, **error.params),
            )
        return render(
            request,
            "tokens.html",
            201,
            tokens=await accounts.list_api_tokens(me.actor),
            secret=secret,
            name="",
        )

    @post("/tokens/{token_id:str}/revoke", include_in_schema=False)
    async def revoke(
        self, request: Request[Any, Any, Any], ctx: NamedDependency[ServiceContext], token_id: FromPath[str]
    ) -> Response[Any]:
        await accounts.revoke_api_token(ctx, need(request).actor, token_id)
        return redirect("/tokens", "token_revoked")


class NotificationPages(Controller):
    guards = [login_guard]

    @get("/notifications", include_in_schema=False)
    async def inbox(self, request: Request[Any, Any, Any]) -> Template:
        rows = await notifications.inbox(need(request).actor)
        shown = [{**r, "text": gettext(r["message"], **r["params"])} for r in rows]
        return render(request, "notifications.html", messages=shown)

    @post("/notifications/read", include_in_schema=False)
    async def mark_read(
        self, request: Request[Any, Any, Any], ctx: NamedDependency[ServiceContext]
    ) -> Response[Any]:
        await notifications.mark_all_read(ctx, need(request).actor)
        return redirect("/notifications", "notifications_read")


class OperatorPages(Controller):
    guards = [login_guard]
    path = "/operator"

    @get("/organisations", include_in_schema=False)
    async def organisations_page(
        self,
        request: Request[Any, Any, Any],
        page: Annotated[int, QueryParameter(ge=1, le=100_000)] = 1,
        kind: Annotated[str, QueryParameter(max_length=40)] = "",
    ) -> Template:
        me = need(request)
        require_operator(me.actor)
        chosen = OrganisationKind(kind) if kind in {k.value for k in OrganisationKind} else None
        rows, total = await organisations.list_organisations(
            me.actor, page=page, per_page=PER_PAGE, kind=chosen
        )
        return render(
            request,
            "operator_organisations.html",
            rows=rows,
            total=total,
            page=page,
            per_page=PER_PAGE,
            kind=kind,
            kinds=list(OrganisationKind),
        )

    @post("/organisations/{org_id:str}/accreditation", include_in_schema=False)
    async def accreditation(
        self, request: Request[Any, Any, Any], ctx: NamedDependency[ServiceContext], org_id: FromPath[str]
    ) -> Response[Any]:
        form = await read_form(request)
        await organisations.set_accreditation(
            ctx, need(request).actor, org_id, form.get("accredited") == "yes"
        )
        return redirect(
            safe_next(str(form.get("next", "")), "/operator/organisations"), "accreditation_saved"
        )


class AgencyPages(Controller):
    guards = [login_guard]
    path = "/agency"

    @get("/smes", include_in_schema=False)
    async def smes(
        self, request: Request[Any, Any, Any], page: Annotated[int, QueryParameter(ge=1, le=100_000)] = 1
    ) -> Template:
        me = need(request)
        require_agency(me.actor)
        rows, total = await organisations.list_organisations(
            me.actor, page=page, per_page=PER_PAGE, kind=OrganisationKind.SME_SUPPLIER
        )
        return render(request, "agency_smes.html", rows=rows, total=total, page=page, per_page=PER_PAGE)

    @get("/smes/new", include_in_schema=False)
    async def new_form(self, request: Request[Any, Any, Any]) -> Template:
        require_agency(need(request).actor)
        return render(request, "agency_sme_new.html", values=profile_form_values({}), **profile_choices())

    @post("/smes/new", include_in_schema=False)
    async def create(
        self, request: Request[Any, Any, Any], ctx: NamedDependency[ServiceContext]
    ) -> Response[Any]:
        me = need(request)
        form = await read_form(request)
        data = profile_from_form(form)
        try:
            org = await organisations.agency_register_sme(ctx, me.actor, data, reader=current_language())
        except ValidationFailed as error:
            return render(
                request,
                "agency_sme_new.html",
                422,
                values=profile_form_values(data),
                errors=field_errors(error),
                form_error=gettext(error.message),
                **profile_choices(),
            )
        return redirect(f"/organisations/{org['id']}/people", "sme_registered")


WEB_CONTROLLERS = [PublicPages, OrganisationPages, TokenPages, NotificationPages, OperatorPages, AgencyPages]
