"""JSON doors of supplier records and performance history."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT
from pydantic import BaseModel, Field

from market.api.controllers import signed_in_guard, who
from market.api.schemas import DECIMAL_FORM, DecimalIn, Input
from market.domain.performance import PerformanceSummary
from market.services import performance
from market.services.context import ServiceContext


class DeliveryIn(Input):
    lot: str = Field(default="", max_length=10, description='The awarded lot ("" without lots)')
    delivered_on: str = Field(max_length=10, description="YYYY-MM-DD")
    on_time: bool | None = Field(description="Delivered by the agreed date")
    rejected_percent: DecimalIn = Field(
        description=f"Share of the quantity rejected, 0 to 100. {DECIMAL_FORM}"
    )
    note: str = Field(default="", max_length=300)


class SummaryOut(BaseModel):
    awards: int = Field(description="Lots won")
    joint_awards: int = Field(description="Of which as a member of a consortium")
    awarded_value: dict[str, str] = Field(description="By currency; a member counts its share")
    deliveries: int = Field(description="Lots whose delivery the buyer recorded")
    on_time_percent: str | None
    rejected_percent: str | None = Field(description="Mean share of the quantity rejected")

    @classmethod
    def of(cls, summary: PerformanceSummary) -> SummaryOut:
        return cls(
            awards=summary.awards,
            joint_awards=summary.joint_awards,
            awarded_value={currency: value.text for currency, value in summary.awarded_value.items()},
            deliveries=summary.deliveries,
            on_time_percent=None if summary.on_time_percent is None else format(summary.on_time_percent, "f"),
            rejected_percent=None
            if summary.rejected_percent is None
            else format(summary.rejected_percent, "f"),
        )


class PartnerOut(BaseModel):
    name: str
    share: str


class RecordOut(BaseModel):
    rfq: uuid.UUID
    title: str
    lot: str
    lot_title: str
    buyer_name: str
    share: str = Field(description="Percent, for a consortium member; empty for a firm alone")
    partners: list[PartnerOut] = Field(description="The other members of the consortium")
    value: str = Field(description="The awarded bid's total for the lot")
    currency: str
    awarded_at: dt.datetime
    delivered_on: dt.date | None
    on_time: bool | None
    rejected: str
    delivery_note: str


class SupplierOut(BaseModel):
    organisation: uuid.UUID
    legal_name: str
    country: str
    summary: SummaryOut
    records: list[RecordOut]


class HistoryOut(BaseModel):
    organisation: uuid.UUID
    legal_name: str
    summary: SummaryOut
    records: list[RecordOut]


class PerformanceController(Controller):
    path = "/api/v1"
    guards = [signed_in_guard]
    tags = ["performance"]

    @post("/rfqs/{rfq_id:uuid}/deliveries", status_code=HTTP_204_NO_CONTENT, operation_id="recordDelivery")
    async def record(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        rfq_id: FromPath[uuid.UUID],
        data: JSONBody[DeliveryIn],
    ) -> None:
        """The buyer records how an awarded lot was delivered; it goes on every winning firm's record."""
        await performance.record_delivery(ctx, who(request).actor, str(rfq_id), data.model_dump())

    @get("/suppliers", operation_id="supplierRecords")
    async def suppliers(self, request: Request[Any, Any, Any]) -> list[SupplierOut]:
        """The buyer's supplier records: every firm it awarded to, alone or in a consortium."""
        firms = await performance.supplier_records(who(request).actor)
        return [
            SupplierOut(
                organisation=firm["id"],
                legal_name=firm["name"],
                country=firm["country"],
                summary=SummaryOut.of(firm["summary"]),
                records=[RecordOut.model_validate(r) for r in firm["records"]],
            )
            for firm in firms
        ]

    @get("/organisations/{organisation_id:uuid}/performance", operation_id="performanceHistory")
    async def history(
        self, request: Request[Any, Any, Any], organisation_id: FromPath[uuid.UUID]
    ) -> HistoryOut:
        """A firm's performance history (for the firm, its agencies and the operator)."""
        firm, summary, records = await performance.history(who(request).actor, str(organisation_id))
        return HistoryOut(
            organisation=firm["id"],
            legal_name=firm["legal_name"],
            summary=SummaryOut.of(summary),
            records=[RecordOut.model_validate(r) for r in records],
        )
