"""Supplier records and performance history: the buyer records how each awarded lot was
delivered; its supplier records and every winning firm's history (alone or as a consortium
member, with its share) sum the awards and outcomes up (domain/performance.py)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

from market.db import raw
from market.db.tables import SupplierAward
from market.domain.accounts import Actor, require_view
from market.domain.errors import N_
from market.domain.performance import PerformanceSummary, check_delivery, summarise
from market.services import audit
from market.services.context import ServiceContext
from market.services.notifications import notify
from market.services.organisations import load_organisation, org_ref
from market.services.rfqs import own_rfq, require_buyer, rfq_status

_RECORDS = (
    "SELECT a.rfq, a.lot, a.bid, a.buyer, a.supplier, a.share, a.value, a.currency, a.awarded_at, "
    "a.delivered_on, a.on_time, a.rejected, a.delivery_note, r.title, r.lots, "
    "s.legal_name AS supplier_name, s.country AS supplier_country, b.legal_name AS buyer_name "
    "FROM supplier_award a JOIN rfq r ON r.id = a.rfq JOIN organisation s ON s.id = a.supplier "
    "JOIN organisation b ON b.id = a.buyer "
)


async def record_delivery(
    ctx: ServiceContext, actor: Actor, rfq_id: str, data: Mapping[str, Any], *, reader: str | None = None
) -> None:
    """The buyer records how an awarded lot was delivered (again: the record is corrected); it
    goes on the record of every firm that won the lot. Numbers read the ``reader``'s way."""
    lot = str(data.get("lot") or "")
    async with ctx.transaction():
        rfq = await own_rfq(actor, rfq_id)
        outcome = check_delivery(
            rfq_status(rfq, ctx.now()), rfq["awards"] or {}, lot, rfq["awarded_at"], ctx.now(), data, reader
        )
        await SupplierAward.update(
            {
                SupplierAward.delivered_on: outcome.delivered_on,
                SupplierAward.on_time: outcome.on_time,
                SupplierAward.rejected: format(outcome.rejected.normalize(), "f"),
                SupplierAward.delivery_note: outcome.note,
                SupplierAward.recorded_at: ctx.now(),
                SupplierAward.recorded_by: uuid.UUID(actor.user_id),
            }
        ).where(SupplierAward.rfq == rfq["id"], SupplierAward.lot == lot)
        firms = await raw.rows(
            SupplierAward, "SELECT supplier FROM supplier_award WHERE rfq = {} AND lot = {}", rfq["id"], lot
        )
        await audit.append(
            ctx,
            actor.user_id,
            "delivery.recorded",
            str(rfq["id"]),
            {"lot": lot, "on_time": outcome.on_time, "rejected": str(outcome.rejected)},
        )
        for firm in firms:
            await notify(
                ctx,
                firm["supplier"],
                "delivery.recorded",
                N_("The buyer recorded how “%(title)s” was delivered; see your performance history."),
                {"title": rfq["title"]},
                "/performance",
            )


def _with_partners(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each record with the other members of its consortium (none for a firm alone)."""
    by_award: dict[tuple[Any, str], list[dict[str, Any]]] = {}
    for row in rows:
        by_award.setdefault((row["rfq"], row["lot"]), []).append(row)
    for row in rows:
        row["partners"] = [
            {"name": other["supplier_name"], "share": other["share"]}
            for other in by_award[(row["rfq"], row["lot"])]
            if other["supplier"] != row["supplier"]
        ]
    return rows


async def _records(where: str, *args: Any) -> list[dict[str, Any]]:
    """The records of the awards matching ``where`` (on ``x``), with every other member's."""
    rows = await raw.rows(
        SupplierAward,
        _RECORDS + f"WHERE a.rfq IN (SELECT rfq FROM supplier_award x WHERE {where}) "  # noqa: S608
        "ORDER BY a.awarded_at DESC, a.lot",
        *args,
    )
    for row in rows:
        lots = row.pop("lots")
        titles = {
            lot["id"]: lot["title"] for lot in (json.loads(lots) if isinstance(lots, str) else lots or [])
        }
        row["lot_title"] = titles.get(row["lot"], "")
    return _with_partners(rows)


async def supplier_records(actor: Actor) -> list[dict[str, Any]]:
    """The buyer's suppliers: each firm it awarded to, alone or in a consortium, its summary and
    its records, the firm with the most recent award first."""
    require_buyer(actor)
    rows = await _records("x.buyer = {}", uuid.UUID(actor.organisation_id))  # an RFQ has one buyer
    firms: dict[Any, dict[str, Any]] = {}
    for row in rows:
        firm = firms.setdefault(
            row["supplier"],
            {
                "id": row["supplier"],
                "name": row["supplier_name"],
                "country": row["supplier_country"],
                "records": [],
            },
        )
        firm["records"].append(row)
    for firm in firms.values():
        firm["summary"] = summarise(firm["records"])
    return list(firms.values())


async def history(
    actor: Actor, organisation_id: str
) -> tuple[dict[str, Any], PerformanceSummary, list[dict[str, Any]]]:
    """A firm's performance history: every lot it won, alone or with partners and its share, and
    the delivery outcomes the buyers recorded. For the firm, its agencies and the operator."""
    firm = await load_organisation(organisation_id)
    require_view(actor, await org_ref(firm))
    rows = [r for r in await _records("x.supplier = {}", firm["id"]) if r["supplier"] == firm["id"]]
    return firm, summarise(rows), rows
