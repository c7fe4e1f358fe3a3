"""Portal pages of consortia: forming one from the RFQ page, the consortium's own page (members
only) with its combined check, invitations by tax id, answers, leaving and replacing."""

from __future__ import annotations

import json
import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from market.api.errors import STATUS_BY_KIND
from market.db.tables import Organisation
from market.domain.consortium import MEMBER_STATUS_LABELS, ConsortiumKind, MemberStatus
from market.domain.errors import N_, DomainError
from market.domain.organisations import COUNTRY_LABELS, LINK_LABELS, Country, ValueChainLink, tax_id_key
from market.domain.rfq import KEY_SPENT
from market.i18n import current_language, gettext
from market.services import consortia, matchmaking, rfqs
from market.services.context import ServiceContext, parse_id
from market.web.pages import field_errors, login_guard, need, redirect, render

KIND_LABELS = {
    ConsortiumKind.HORIZONTAL: N_("Horizontal: the same items, capacity pooled"),
    ConsortiumKind.VERTICAL: N_("Vertical: complementary items or links of the value chain"),
}


def _part(form: Any) -> dict[str, Any]:
    return {
        "share": str(form.get("share", "")),
        "items": [v for v in form.getall("items", []) if isinstance(v, str)],
        "link": str(form.get("link", "")),
    }


def choices() -> dict[str, Any]:
    return {
        "kinds": [(k.value, gettext(label)) for k, label in KIND_LABELS.items()],
        "links": [(link.value, gettext(LINK_LABELS[link])) for link in ValueChainLink],
        "countries": [(c.value, gettext(COUNTRY_LABELS[c])) for c in Country],
    }


def _live_texts() -> str:
    """What live.js says as confirmations arrive, in the page's language."""
    return json.dumps(
        {
            "confirmed": "✓ " + gettext(N_("confirmed this version")),
            "pending": gettext(N_("not confirmed yet")),
            "arrived": gettext(N_("%(firm)s confirmed the joint bid.")),
            "changed": gettext(
                N_("The lead changed the joint bid: reload the page to review the new version.")
            ),
        }
    )


def item_options(rfq: dict[str, Any]) -> list[tuple[str, str]]:
    return [(str(item["id"]), item["description"]) for item in rfq["items"]]


async def _firm_by_tax_id(country: str, tax_id: str) -> str:
    """The supplier a lead names by country and tax id (how firms know each other)."""
    try:
        key = tax_id_key(Country(country), tax_id)
    except ValueError:
        return ""
    found = await Organisation.select(Organisation.id).where(Organisation.tax_key == key).first()
    return str(found["id"]) if found else ""


async def _names(firms: set[str]) -> dict[str, str]:
    if not firms:
        return {}
    rows = await Organisation.select(Organisation.id, Organisation.legal_name).where(
        Organisation.id.is_in([uuid.UUID(f) for f in firms])
    )
    return {str(row["id"]): row["legal_name"] for row in rows}


class ConsortiumPages(Controller):
    guards = [login_guard]
    path = "/"

    @get("/rfqs/{rfq_id:str}/consortia/new", include_in_schema=False)
    async def new_form(self, request: Request[Any, Any, Any], rfq_id: FromPath[str]) -> Template:
        return await self._new_form(request, rfq_id)

    async def _new_form(
        self, request: Request[Any, Any, Any], rfq_id: str, status_code: int = 200, **extra: Any
    ) -> Template:
        me = need(request)
        consortia.require_supplier(me.actor)
        rfq = await rfqs.get_rfq(me.actor, rfq_id)
        context: dict[str, Any] = {
            "rfq": rfq,
            "values": {"kind": "", "share": ""},
            "lot_options": [(lot["id"], f"{lot['id']}: {lot['title']}") for lot in rfq["lots"]],
            "item_options": item_options(rfq),
            **choices(),
            **extra,
        }
        return render(request, "consortium_new.html", status_code, **context)

    @post("/rfqs/{rfq_id:str}/consortia", include_in_schema=False)
    async def form(
        self, request: Request[Any, Any, Any], ctx: NamedDependency[ServiceContext], rfq_id: FromPath[str]
    ) -> Response[Any]:
        me = need(request)
        form = await request.form()
        data = {
            "kind": str(form.get("kind", "")),
            "lots": [v for v in form.getall("lots", []) if isinstance(v, str)],
            "liability_accepted": form.get("liability_accepted") == "yes",
            **_part(form),
        }
        try:
            row = await consortia.create_consortium(ctx, me.actor, rfq_id, data, reader=current_language())
        except DomainError as error:
            if error.kind.value not in ("invalid", "conflict"):
                raise
            return await self._new_form(
                request,
                rfq_id,
                STATUS_BY_KIND[error.kind],
                values={**{k: form.get(k, "") for k in form if k != "_csrf_token"}, **data},
                errors=field_errors(error),
                form_error=gettext(error.message, **error.params),
            )
        return redirect(f"/consortia/{row['id']}", "consortium_formed")

    @get("/consortia/{consortium_id:str}", include_in_schema=False)
    async def page(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        consortium_id: FromPath[str],
    ) -> Template:
        return await self._page(request, ctx, consortium_id)

    async def _page(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        consortium_id: str,
        status_code: int = 200,
        **extra: Any,
    ) -> Template:
        me = need(request)
        row = await consortia.get_consortium(me.actor, consortium_id)
        rfq = await rfqs.get_rfq(me.actor, str(row["rfq"]))
        check = await consortia.check_whole(ctx, me.actor, consortium_id)
        names = {str(m["organisation"]): m["legal_name"] for m in row["members"]}
        descriptions = {str(item["id"]): item["description"] for item in rfq["items"]}
        context = {
            "consortium": row,
            "rfq": rfq,
            "lead": str(row["lead"]) == me.actor.organisation_id,
            "me_id": me.actor.organisation_id,
            "kind_label": gettext(KIND_LABELS[ConsortiumKind(row["kind"])]),
            "status_labels": {s.value: gettext(label) for s, label in MEMBER_STATUS_LABELS.items()},
            "link_labels": {link.value: gettext(label) for link, label in LINK_LABELS.items()},
            "descriptions": descriptions,
            "eligible": check.eligible,
            "member_gaps": [
                (
                    names.get(m.organisation, ""),
                    [gettext(g.message, **g.params) for g in m.gaps],
                    [gettext(g.action) for g in m.gaps],
                )
                for m in check.members
                if m.gaps
            ],
            "uncovered": [(gettext(g.message, **g.params), gettext(g.action)) for g in check.uncovered],
            "invite_values": {},
            "share_values": {},
            "joint_bid": await consortia.joint_bid(me.actor, consortium_id)
            if row["my_status"] == MemberStatus.ACCEPTED.value
            else None,
            "open": rfqs.rfq_status(rfq, ctx.now()).value == "published",
            "bid_items": [i for i in rfq["items"] if not row["lots"] or i["lot"] in row["lots"]],
            "bid_values": {},
            "receipt": None,
            "live_texts": _live_texts(),
            "idempotency_key": str(uuid.uuid4()),
            "item_options": item_options(rfq),
            "invited": row["my_status"] == MemberStatus.INVITED.value,
            **choices(),
        }
        context.update(extra)
        return render(request, "consortium.html", status_code, **context)

    @post("/consortia/{consortium_id:str}/invitations", include_in_schema=False)
    async def invite(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        consortium_id: FromPath[str],
    ) -> Response[Any]:
        me = need(request)
        form = await request.form()
        chosen = str(form.get("organisation", ""))  # a suggestion from "find partners"
        firm = (
            str(parse_id(chosen, "organisation"))
            if chosen
            else await _firm_by_tax_id(str(form.get("country", "")), str(form.get("tax_id", "")))
        )
        try:
            if not firm:
                raise DomainError(
                    "consortium.firm_unknown",
                    N_("No supplier with this tax id is registered here."),
                    fields=[],
                )
            await consortia.invite(
                ctx, me.actor, consortium_id, {"organisation": firm, **_part(form)}, reader=current_language()
            )
        except DomainError as error:
            if error.kind.value not in ("invalid", "conflict", "not_found"):
                raise
            errors = field_errors(error) or {"tax_id": gettext(error.message, **error.params)}
            return await self._page(
                request,
                ctx,
                consortium_id,
                STATUS_BY_KIND[error.kind],
                invite_values={k: form.get(k, "") for k in form if k != "_csrf_token"},
                errors=errors,
                form_error=gettext(error.message, **error.params),
            )
        return redirect(f"/consortia/{consortium_id}", "member_invited")

    @post("/consortia/{consortium_id:str}/parts", include_in_schema=False)
    async def parts(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        consortium_id: FromPath[str],
    ) -> Response[Any]:
        """The lead sets the members' shares."""
        me = need(request)
        form = await request.form()
        shares = {
            key.removeprefix("share_"): {"share": str(value)}
            for key, value in form.items()
            if key.startswith("share_")
        }
        try:
            await consortia.set_parts(ctx, me.actor, consortium_id, shares, reader=current_language())
        except DomainError as error:
            if error.kind.value not in ("invalid", "conflict"):
                raise
            return await self._page(
                request,
                ctx,
                consortium_id,
                STATUS_BY_KIND[error.kind],
                share_values={k: form.get(k, "") for k in form if k.startswith("share_")},
                errors={
                    "share_" + k.removeprefix("members.").removesuffix(".share"): v
                    for k, v in field_errors(error).items()
                },
                form_error=gettext(error.message, **error.params),
            )
        return redirect(f"/consortia/{consortium_id}", "parts_saved")

    @get("/rfqs/{rfq_id:str}/partners", include_in_schema=False)
    async def partners(
        self, request: Request[Any, Any, Any], ctx: NamedDependency[ServiceContext], rfq_id: FromPath[str]
    ) -> Template:
        """Who could complete my bid: ranked suggestions with their reasons; the lead of a
        consortium invites one in one click."""
        me = need(request)
        chosen = request.query_params.get("for") or None  # an agency asks for a firm it supports
        found = await matchmaking.suggest_partners(ctx, me.actor, rfq_id, chosen)
        rfq = await rfqs.get_rfq(me.actor, rfq_id)
        names = await _names({firm for need in found.needs.certificates for firm in need.lacking})
        return render(
            request,
            "partners.html",
            rfq=rfq,
            found=found,
            asking=found.asking,
            certificate_needs=[
                (gettext(need.certificate.label), ", ".join(names[firm] for firm in need.lacking))
                for need in found.needs.certificates
            ],
            suggestions=[
                (
                    s,
                    gettext(COUNTRY_LABELS[s.country]),
                    [gettext(r.message, **r.params) for r in s.reasons],
                    matchmaking.invitation_for(s, found.kind),
                )
                for s in found.suggestions
            ],
        )

    @post("/consortia/{consortium_id:str}/answer", include_in_schema=False)
    async def answer(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        consortium_id: FromPath[str],
    ) -> Response[Any]:
        me = need(request)
        form = await request.form()
        accept = form.get("answer") == "accept"
        try:
            await consortia.answer(
                ctx,
                me.actor,
                consortium_id,
                accept=accept,
                liability_accepted=form.get("liability_accepted") == "yes",
            )
        except DomainError as error:
            if error.kind.value not in ("invalid", "conflict"):
                raise
            return await self._page(
                request,
                ctx,
                consortium_id,
                STATUS_BY_KIND[error.kind],
                errors={"liability_accepted": gettext(error.message, **error.params)},
                form_error=gettext(error.message, **error.params),
            )
        if not accept:
            return redirect("/rfqs", "invitation_declined")
        return redirect(f"/consortia/{consortium_id}", "invitation_accepted")

    @post("/consortia/{consortium_id:str}/leave", include_in_schema=False)
    async def leave(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        consortium_id: FromPath[str],
    ) -> Response[Any]:
        me = need(request)
        form = await request.form()
        member = str(form.get("organisation", "")) or None
        if member is not None:
            member = str(parse_id(member, "organisation"))
        try:
            await consortia.leave(ctx, me.actor, consortium_id, member)
        except DomainError as error:
            if error.kind.value != "conflict":
                raise
            return await self._page(
                request, ctx, consortium_id, 409, form_error=gettext(error.message, **error.params)
            )
        if member and member != me.actor.organisation_id:
            return redirect(f"/consortia/{consortium_id}", "member_removed")
        return redirect("/rfqs", "consortium_left")

    @post("/consortia/{consortium_id:str}/bid", include_in_schema=False)
    async def bid(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        consortium_id: FromPath[str],
    ) -> Response[Any]:
        """The lead sends (or replaces) the joint bid."""
        me = need(request)
        form = await request.form()
        raw = {
            "prices": {k.removeprefix("price_"): str(v) for k, v in form.items() if k.startswith("price_")},
            "lead_time_days": str(form.get("lead_time_days", "")),
            "validity_days": str(form.get("validity_days", "")),
            "notes": str(form.get("notes", "")),
        }
        try:
            receipt = await consortia.submit_joint_bid(
                ctx,
                me.actor,
                consortium_id,
                raw,
                str(form.get("idempotency_key", "")),
                reader=current_language(),
            )
        except DomainError as error:
            if error.kind.value not in ("invalid", "conflict", "forbidden"):
                raise
            values = {k: form.get(k, "") for k in form if k != "_csrf_token"}
            if error.code.startswith(KEY_SPENT):  # its key made a bid already: the next send is a new one
                values.pop("idempotency_key", None)
            return await self._page(
                request,
                ctx,
                consortium_id,
                STATUS_BY_KIND[error.kind],
                bid_values=values,
                errors={k.replace("prices.", "price_", 1): v for k, v in field_errors(error).items()},
                form_error=gettext(error.message, **error.params),
            )
        return await self._page(request, ctx, consortium_id, 201, receipt=receipt)

    @post("/consortia/{consortium_id:str}/confirm", include_in_schema=False)
    async def confirm(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        consortium_id: FromPath[str],
    ) -> Response[Any]:
        """A member confirms the version of the joint bid it reviewed."""
        me = need(request)
        form = await request.form()
        try:
            await consortia.confirm_joint_bid(ctx, me.actor, consortium_id, str(form.get("sha256", "")))
        except DomainError as error:
            if error.kind.value != "conflict":
                raise
            return await self._page(
                request, ctx, consortium_id, 409, form_error=gettext(error.message, **error.params)
            )
        return redirect(f"/consortia/{consortium_id}", "joint_bid_confirmed")

    @post("/rfqs/{rfq_id:str}/interest", include_in_schema=False)
    async def interest(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        rfq_id: FromPath[str],
    ) -> Response[Any]:
        """Mark (or withdraw) the firm's interest in bidding together on this RFQ."""
        me = need(request)
        form = await request.form()
        if form.get("action") == "withdraw":
            await consortia.withdraw_interest(ctx, me.actor, rfq_id)
            return redirect(f"/rfqs/{rfq_id}", "interest_withdrawn")
        await consortia.mark_interest(ctx, me.actor, rfq_id, str(form.get("note", "")))
        return redirect(f"/rfqs/{rfq_id}", "interest_marked")
