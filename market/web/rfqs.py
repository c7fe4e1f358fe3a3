"""Portal pages of RFQs and sealed bids (server-rendered; they work without JavaScript)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Template

from market.api.downloads import attachment
from market.api.errors import STATUS_BY_KIND
from market.api.readiness import UPLOAD_ROUTE_LIMIT
from market.domain.certificates import CERTIFICATE_LABELS, CertificateType
from market.domain.eligibility import parse_requirements
from market.domain.errors import N_, DomainError, NotFound
from market.domain.organisations import COUNTRY_LABELS, LANGUAGE_LABELS, Country
from market.domain.readiness import LEVEL_LABELS, Level
from market.domain.rfq import CURRENCIES, KEY_SPENT, RFQ_LANGUAGES, STATUS_LABELS, in_language
from market.domain.search import SORT_LABELS
from market.i18n import current_language, gettext
from market.services import consortia, readiness, rfqs
from market.services.certificates import Upload
from market.services.context import ServiceContext
from market.web.pages import field_errors, login_guard, need, redirect, render
from market.web.templating import COUNTRY_TIMEZONES

ITEM_ROWS = 5
LOT_ROWS = 3
PER_PAGE = 20


def _local_deadline(raw: str, country: str) -> str:
    """A datetime-local value from the form, in the buyer's zone, as ISO 8601 with its offset."""
    try:
        naive = dt.datetime.fromisoformat(raw.strip())
    except ValueError:
        return raw
    return naive.replace(tzinfo=ZoneInfo(COUNTRY_TIMEZONES.get(country, "UTC"))).isoformat()


def _form_to_rfq(form: Any, country: str) -> dict[str, Any]:
    items = []
    for n in range(ITEM_ROWS):
        row = {
            k: str(form.get(f"item{n}_{k}", "")).strip()
            for k in ("description", "quantity", "unit", "cpv", "lot")
        }
        if any(value for key, value in row.items() if key != "lot"):
            items.append(row)
    titles = [str(form.get(f"lot{n}_title", "")).strip() for n in range(LOT_ROWS)]
    while titles and not titles[-1]:
        titles.pop()  # lots up to the last one named; a blank one before it is an error to fix
    return {
        "title": str(form.get("title", "")),
        "description": str(form.get("description", "")),
        "language": str(form.get("language", "")),
        "translations": {
            language: {
                "title": str(form.get(f"title_{language}", "")),
                "description": str(form.get(f"description_{language}", "")),
            }
            for language in RFQ_LANGUAGES
            if language != form.get("language")
            and (form.get(f"title_{language}") or form.get(f"description_{language}"))
        },
        "currency": str(form.get("currency", "")),
        "criteria": {k: str(form.get(f"weight_{k}", "0") or "0") for k in ("price", "lead_time", "quality")},
        "requirements": {
            "min_level": str(form.get("min_level", "L0")),
            "certificates": [v for v in form.getall("certificates", []) if isinstance(v, str)],
            "countries": [v for v in form.getall("countries", []) if isinstance(v, str)],
        },
        "allow_consortia": form.get("allow_consortia") == "yes",
        "deadline": _local_deadline(str(form.get("deadline", "")), country) if form.get("deadline") else "",
        "items": items,
        "lots": [{"title": title} for title in titles],
    }


def _form_names(errors: dict[str, str]) -> dict[str, str]:
    """Errors keyed by the form's input names (``items.0.unit`` is the input ``item0_unit``), so
    each message sits at its input and the summary's links lead there."""
    named: dict[str, str] = {}
    for path, message in errors.items():
        parts = path.split(".")
        if parts[0] in ("items", "lots") and len(parts) == 3:
            name = f"{parts[0][:-1]}{parts[1]}_{parts[2]}"
        elif parts[0] == "translations" and len(parts) >= 2:
            name = f"{parts[2] if len(parts) == 3 else 'title'}_{parts[1]}"
        elif parts[0] == "requirements" and len(parts) == 2:
            name = parts[1]
        else:
            name = path
        named.setdefault(name, message)
    return named


BOARD_FIELDS = ("q", "cpv", "country", "currency", "closes_by", "eligible", "sort")


def _choices() -> dict[str, Any]:
    return {
        "currencies": [(c, c) for c in CURRENCIES],
        "levels": [(f"L{int(level)}", gettext(LEVEL_LABELS[level])) for level in Level],
        "certificate_types": [(t.value, gettext(CERTIFICATE_LABELS[t])) for t in CertificateType],
        "countries": [(c.value, gettext(COUNTRY_LABELS[c])) for c in Country],
        "item_rows": ITEM_ROWS,
        "lot_rows": LOT_ROWS,
        "lot_options": [(str(n), str(n)) for n in range(1, LOT_ROWS + 1)],
        "rfq_languages": [(code, gettext(LANGUAGE_LABELS[code])) for code in RFQ_LANGUAGES],
    }


def _live_texts() -> str:
    """What live.js says when something changes, in the page's language (JSON for a data- attribute)."""
    return json.dumps(
        {
            "bids": gettext(N_("Bids received: %(count)s")),
            "deadline": gettext(N_("The deadline changed to %(deadline)s.")),
            "status": gettext(N_("Status changed: %(status)s. Reload the page for the details.")),
            "new_answer": gettext(N_("A new answer was published.")),
            "question": gettext(N_("Question")),
            "answer": gettext(N_("Answer")),
            "new_rfqs": gettext(N_("New requests published: %(count)s. Reload to see them.")),
        }
    )


def _remaining(deadline: dt.datetime | None, now: dt.datetime) -> str:
    if deadline is not None and deadline.tzinfo is None:
        deadline = deadline.replace(tzinfo=dt.UTC)  # asyncpg reads a year-1 timestamptz back naive
    if deadline is None or deadline <= now:
        return ""
    left = deadline - now
    if left.days >= 1:
        return gettext("%(days)s days and %(hours)s hours left", days=left.days, hours=left.seconds // 3600)
    return gettext(
        "%(hours)s hours and %(minutes)s minutes left",
        hours=left.seconds // 3600,
        minutes=(left.seconds % 3600) // 60,
    )


def _lots_of(rfq: dict[str, Any]) -> list[dict[str, Any]]:
    """The RFQ's lots with their items; one untitled lot ``""`` holds every item when it has none."""
    lots = rfq["lots"] or [{"id": "", "title": ""}]
    return [{**lot, "items": [i for i in rfq["items"] if i["lot"] == lot["id"]]} for lot in lots]


def _comparison(lots: list[dict[str, Any]], opened: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For each lot, the opened bids on it, best ranked first (by receipt before evaluation)."""
    tables = []
    for lot in lots:
        bids = [bid for bid in opened if lot["id"] in bid["lot_totals"]]
        bids.sort(key=lambda b: (b["rankings"][lot["id"]]["rank"] if b["rankings"] else 0, b["received_at"]))
        tables.append({**lot, "bids": bids})
    return tables


class RfqPages(Controller):
    guards = [login_guard]
    path = "/rfqs"

    @get("/", include_in_schema=False)
    async def board(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        page: Annotated[int, QueryParameter(ge=1, le=100_000)] = 1,
    ) -> Template:
        me = need(request)
        raw_query = {name: str(request.query_params.get(name, ""))[:200] for name in BOARD_FIELDS}
        errors: dict[str, str] = {}
        status_code = 200
        try:
            rows, total = await rfqs.search_board(
                ctx, me.actor, raw_query, current_language(), page, PER_PAGE
            )
        except DomainError as error:
            rows, total, errors, status_code = [], 0, field_errors(error), 422
        mine = []
        if me.actor.organisation_kind.value == "lead_firm":
            now = ctx.now()
            mine = [
                {**row, "status_label": gettext(STATUS_LABELS[rfqs.rfq_status(row, now)])}
                for row in await rfqs.buyer_rfqs(me.actor)
            ]
        kept = urlencode({name: value for name, value in raw_query.items() if value})
        return render(
            request,
            "rfq_board.html",
            status_code,
            rows=rows,
            total=total,
            page=page,
            per_page=PER_PAGE,
            mine=mine,
            search=raw_query,
            searching=bool(kept),
            errors=errors,
            pager_base=f"/rfqs?{kept}&" if kept else "/rfqs?",
            sort_options=[(key.value, gettext(label)) for key, label in SORT_LABELS.items()],
            **_choices(),
            live_texts=_live_texts(),
            since=ctx.now().isoformat(),
        )

    @get("/new", include_in_schema=False)
    async def new_form(self, request: Request[Any, Any, Any]) -> Template:
        rfqs.require_buyer(need(request).actor)
        defaults = {"weight_price": "100", "weight_lead_time": "0", "weight_quality": "0", "min_level": "L0"}
        defaults["language"] = current_language()
        return render(request, "rfq_new.html", values=defaults, **_choices())

    @post("/new", include_in_schema=False)
    async def create(
        self, request: Request[Any, Any, Any], ctx: NamedDependency[ServiceContext]
    ) -> Response[Any]:
        me = need(request)
        form = await request.form()
        data = _form_to_rfq(form, me.organisation["country"])
        try:
            row = await rfqs.create_rfq(ctx, me.actor, data, reader=current_language())
        except DomainError as error:
            if error.kind.value != "invalid":  # a refusal answers as one (403), not as a form to fix
                raise
            values = {k: form.get(k, "") for k in form if k != "_csrf_token"}
            values["certificates"] = data["requirements"]["certificates"]
            values["countries"] = data["requirements"]["countries"]
            return render(
                request,
                "rfq_new.html",
                422,
                values=values,
                errors=_form_names(field_errors(error)),
                form_error=gettext(error.message, **error.params),
                **_choices(),
            )
        return redirect(f"/rfqs/{row['id']}", "rfq_created")

    @get("/{rfq_id:str}", include_in_schema=False)
    async def page(
        self, request: Request[Any, Any, Any], ctx: NamedDependency[ServiceContext], rfq_id: FromPath[str]
    ) -> Template:
        return await self._page(request, ctx, rfq_id)

    async def _page(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        rfq_id: str,
        status_code: int = 200,
        **extra: Any,
    ) -> Template:
        me = need(request)
        rfq = await rfqs.get_rfq(me.actor, rfq_id)
        now = ctx.now()
        current = rfqs.rfq_status(rfq, now)
        own = str(rfq["buyer"]) == me.actor.organisation_id
        context: dict[str, Any] = {
            "rfq": rfq,
            "status": current.value,
            "status_label": gettext(STATUS_LABELS[current]),
            "own": own,
            "remaining": _remaining(rfq["deadline"], now),
            "gaps": [],
            "eligible": False,
            "my_bid": None,
            "debrief": None,
            "receipt": None,
            "question_value": "",
            "opened": [],
            "bid_values": {},
            "my_consortia": [],
            "interested": [],
            "idempotency_key": str(uuid.uuid4()),
            "requirements": parse_requirements(rfq["requirements"] or {}),
            "level_labels": {int(k): gettext(v) for k, v in LEVEL_LABELS.items()},
        }
        title, description, translated = in_language(
            rfq["title"], rfq["description"], rfq["language"], rfq["translations"], current_language()
        )
        context.update(shown_title=title, shown_description=description, translated=translated)
        context["original_language"] = gettext(LANGUAGE_LABELS.get(rfq["language"], LANGUAGE_LABELS["en"]))
        context["questions"] = await rfqs.questions(me.actor, rfq_id)
        context["live_texts"] = _live_texts()
        labels = {key.value: gettext(label) for key, label in STATUS_LABELS.items()}
        context["live_labels"] = json.dumps(labels)
        context["answered"] = sum(1 for q in context["questions"] if q["answered_at"])
        context["lots"] = _lots_of(rfq)
        if own:
            context["opened"] = await rfqs.opened_bids(ctx, me.actor, rfq_id)
            context["comparison"] = _comparison(context["lots"], context["opened"])
        if me.actor.organisation_kind.value == "sme_supplier":
            result = await readiness.check(ctx, me.actor, me.actor.organisation_id, context["requirements"])
            context["eligible"] = result.eligible
            context["gaps"] = [(gettext(g.message, **g.params), gettext(g.action)) for g in result.gaps]
            context["my_bid"] = await rfqs.my_bid(me.actor, rfq_id)
            if rfq["allow_consortia"]:
                context["my_consortia"] = await consortia.consortia_of(me.actor.organisation_id, rfq_id)
                context["interested"] = await consortia.interested_firms(me.actor, rfq_id)
            if rfq["awarded_at"] is not None and any(
                me.actor.organisation_id in rfqs.takers(e) for e in rfq["evaluation"]
            ):
                context["debrief"] = await rfqs.debrief(me.actor, rfq_id)
        context.update(extra)
        return render(request, "rfq.html", status_code, **context)

    @post("/{rfq_id:str}/bid", include_in_schema=False, request_max_body_size=3 * UPLOAD_ROUTE_LIMIT)
    async def bid(
        self, request: Request[Any, Any, Any], ctx: NamedDependency[ServiceContext], rfq_id: FromPath[str]
    ) -> Response[Any]:
        me = need(request)
        form = await request.form()
        rfq = await rfqs.get_rfq(me.actor, rfq_id)
        raw = {
            "prices": {str(item["id"]): str(form.get(f"price_{item['id']}", "")) for item in rfq["items"]},
            "lead_time_days": str(form.get("lead_time_days", "")),
            "validity_days": str(form.get("validity_days", "")),
            "notes": str(form.get("notes", "")),
        }
        try:
            files = [
                Upload(upload.filename or "attachment", await upload.read())
                for upload in form.getall("attachments", [])
                if not isinstance(upload, str)
            ]
            receipt = await rfqs.submit_bid(
                ctx,
                me.actor,
                rfq_id,
                raw,
                str(form.get("idempotency_key", "")),
                files,
                reader=current_language(),
            )
        except DomainError as error:
            values = {k: form.get(k, "") for k in form if k != "_csrf_token"}
            if error.code.startswith(KEY_SPENT):  # its key made a bid already: the next send is a new one
                values.pop("idempotency_key", None)
            status_code = STATUS_BY_KIND[error.kind]
            return await self._page(
                request,
                ctx,
                rfq_id,
                status_code,
                bid_values=values,
                errors=field_errors(error),
                form_error=gettext(error.message, **error.params),
            )
        return await self._page(request, ctx, rfq_id, 201, receipt=receipt)

    @get("/{rfq_id:str}/files/{file_id:str}", include_in_schema=False)
    async def attachment(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        rfq_id: FromPath[str],
        file_id: FromPath[str],
    ) -> Response[bytes]:
        """A document attached to a bid: for its bidder, and for the buyer after the opening."""
        document = await rfqs.bid_file(ctx, need(request).actor, rfq_id, file_id)
        return attachment(document["content"], document["content_type"], document["name"])

    @post("/{rfq_id:str}/questions", include_in_schema=False)
    async def ask(
        self, request: Request[Any, Any, Any], ctx: NamedDependency[ServiceContext], rfq_id: FromPath[str]
    ) -> Response[Any]:
        form = await request.form()
        try:
            await rfqs.ask(ctx, need(request).actor, rfq_id, str(form.get("question", "")))
        except DomainError as error:
            if error.kind.value not in ("invalid", "conflict"):
                raise
            return await self._page(
                request,
                ctx,
                rfq_id,
                422,
                question_value=str(form.get("question", "")),
                errors={"question": gettext(error.message, **error.params)},
                form_error=gettext(error.message, **error.params),
            )
        return redirect(f"/rfqs/{rfq_id}", "question_sent")

    @post("/{rfq_id:str}/questions/{question_id:str}", include_in_schema=False)
    async def answer(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        rfq_id: FromPath[str],
        question_id: FromPath[str],
    ) -> Response[Any]:
        form = await request.form()
        try:
            await rfqs.answer(ctx, need(request).actor, rfq_id, question_id, str(form.get("answer", "")))
        except DomainError as error:
            if error.kind.value != "invalid":
                raise
            return await self._page(
                request, ctx, rfq_id, 422, form_error=gettext(error.message, **error.params)
            )
        return redirect(f"/rfqs/{rfq_id}", "answer_published")

    @post("/{rfq_id:str}/confirm", include_in_schema=False)
    async def confirm(
        self, request: Request[Any, Any, Any], ctx: NamedDependency[ServiceContext], rfq_id: FromPath[str]
    ) -> Response[Any]:
        form = await request.form()
        try:
            await rfqs.confirm_bid(ctx, need(request).actor, rfq_id, str(form.get("sha256", "")))
        except DomainError as error:
            if error.code != "bid.changed":
                raise
            return await self._page(
                request, ctx, rfq_id, 409, form_error=gettext(error.message, **error.params)
            )
        return redirect(f"/rfqs/{rfq_id}", "bid_confirmed")

    @post("/{rfq_id:str}/withdraw", include_in_schema=False)
    async def withdraw(
        self, request: Request[Any, Any, Any], ctx: NamedDependency[ServiceContext], rfq_id: FromPath[str]
    ) -> Response[Any]:
        await rfqs.withdraw_bid(ctx, need(request).actor, rfq_id)
        return redirect(f"/rfqs/{rfq_id}", "bid_withdrawn")

    @get("/{rfq_id:str}/receipt", include_in_schema=False)
    async def receipt(self, request: Request[Any, Any, Any], rfq_id: FromPath[str]) -> Response[str]:
        """The bidder's receipt for its current bid, as a file to keep."""
        bid = await rfqs.my_bid(need(request).actor, rfq_id)
        if bid is None:
            raise NotFound("bid")
        body = json.dumps(
            {
                "bid_id": str(bid["id"]),
                "rfq": rfq_id,
                "received_at": bid["received_at"].isoformat(),
                "sha256": bid["sha256"],
                "documents": bid["content"].get("attachments", []),
            },
            indent=2,
        )
        return attachment(body, "application/json", f"receipt-{bid['id']}.json")

    @post("/{rfq_id:str}/action", include_in_schema=False)
    async def buyer_action(
        self, request: Request[Any, Any, Any], ctx: NamedDependency[ServiceContext], rfq_id: FromPath[str]
    ) -> Response[Any]:
        """The buyer's buttons: publish, amend, cancel, open, evaluate, award, declare unsuccessful."""
        me = need(request)
        form = await request.form()
        action = str(form.get("action", ""))
        try:
            if action == "publish":
                await rfqs.publish(ctx, me.actor, rfq_id)
            elif action == "amend":
                await rfqs.amend(
                    ctx,
                    me.actor,
                    rfq_id,
                    _local_deadline(str(form.get("deadline", "")), me.organisation["country"]),
                )
            elif action == "cancel":
                await rfqs.cancel(ctx, me.actor, rfq_id, str(form.get("reason", "")))
            elif action == "open":
                await rfqs.open_bids(ctx, me.actor, rfq_id)
            elif action == "evaluate":
                await rfqs.evaluate_bids(ctx, me.actor, rfq_id)
            elif action == "award":
                choice = {
                    key.removeprefix("award_"): (None if value == "none" else str(value))
                    for key, value in form.items()
                    if key.startswith("award_")
                }
                await rfqs.award(ctx, me.actor, rfq_id, choice)
            elif action == "unsuccessful":
                await rfqs.declare_unsuccessful(ctx, me.actor, rfq_id, str(form.get("reason", "")))
        except DomainError as error:
            if error.kind.value not in ("invalid", "conflict"):
                raise
            return await self._page(
                request,
                ctx,
                rfq_id,
                STATUS_BY_KIND[error.kind],
                errors=field_errors(error),
                form_error=gettext(error.message, **error.params),
            )
        return redirect(f"/rfqs/{rfq_id}", "rfq_updated")
