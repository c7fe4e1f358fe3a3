"""Portal pages of supplier records and performance history, and the buyer's delivery record."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from market.api.errors import STATUS_BY_KIND
from market.domain.errors import DomainError
from market.i18n import current_language, gettext
from market.services import performance, rfqs
from market.services.context import ServiceContext
from market.web.pages import field_errors, login_guard, need, redirect, render


class PerformancePages(Controller):
    guards = [login_guard]
    path = "/"

    @get("/suppliers", include_in_schema=False)
    async def suppliers(self, request: Request[Any, Any, Any]) -> Template:
        firms = await performance.supplier_records(need(request).actor)
        return render(request, "suppliers.html", firms=firms)

    @get("/performance", include_in_schema=False)
    async def own(self, request: Request[Any, Any, Any]) -> Template:
        me = need(request)
        return await self._history(request, me.actor.organisation_id)

    @get("/organisations/{organisation_id:str}/performance", include_in_schema=False)
    async def of_firm(self, request: Request[Any, Any, Any], organisation_id: FromPath[str]) -> Template:
        """A firm's history, for its agencies and the operator (and the firm itself)."""
        return await self._history(request, organisation_id)

    async def _history(self, request: Request[Any, Any, Any], organisation_id: str) -> Template:
        firm, summary, records = await performance.history(need(request).actor, organisation_id)
        return render(request, "performance.html", firm=firm, summary=summary, records=records)

    @get("/rfqs/{rfq_id:str}/deliveries/new", include_in_schema=False)
    async def delivery_form(self, request: Request[Any, Any, Any], rfq_id: FromPath[str]) -> Template:
        lot = request.query_params.get("lot", "")
        return await self._delivery_form(request, rfq_id, {"lot": lot})

    async def _delivery_form(
        self,
        request: Request[Any, Any, Any],
        rfq_id: str,
        values: dict[str, Any],
        status_code: int = 200,
        **extra: Any,
    ) -> Template:
        me = need(request)
        await rfqs.own_rfq(me.actor, rfq_id)  # the form answers as its action: 403/404 to others
        rfq = await rfqs.get_rfq(me.actor, rfq_id)
        titles = {lot["id"]: lot["title"] for lot in rfq["lots"]}
        return render(
            request,
            "delivery_new.html",
            status_code,
            rfq=rfq,
            values=values,
            lot_title=titles.get(values.get("lot", ""), ""),
            **extra,
        )

    @post("/rfqs/{rfq_id:str}/deliveries", include_in_schema=False)
    async def record(
        self, request: Request[Any, Any, Any], ctx: NamedDependency[ServiceContext], rfq_id: FromPath[str]
    ) -> Response[Any]:
        me = need(request)
        form = await request.form()
        values = {
            k: str(form.get(k, "")) for k in ("lot", "delivered_on", "on_time", "rejected_percent", "note")
        }
        answer = {"yes": True, "no": False}.get(values["on_time"])
        try:
            await performance.record_delivery(
                ctx, me.actor, rfq_id, {**values, "on_time": answer}, reader=current_language()
            )
        except DomainError as error:
            if error.kind.value not in ("invalid", "conflict"):
                raise
            return await self._delivery_form(
                request,
                rfq_id,
                values,
                STATUS_BY_KIND[error.kind],
                errors=field_errors(error),
                form_error=gettext(error.message, **error.params),
            )
        return redirect(f"/rfqs/{rfq_id}", "delivery_recorded")
