"""The OCDS 1.1 release package of every published RFQ, streamed: RFQs are read a page at a time
(keyset on publication time and id) and each release is written as soon as it is built, so memory
stays flat however many RFQs there are. Mapping rules in domain/ocds.py."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

from market.db import raw
from market.db.tables import Bid, Organisation, Rfq, RfqItem
from market.domain.money import stored
from market.domain.ocds import EXTENSIONS, OCDS_VERSION, Party, RankedBid, release, stamp
from market.domain.organisations import Country, SizeClass
from market.services.context import ServiceContext
from market.services.rfqs import ACTIVE, rfq_status

PAGE = 100
PUBLISHER = "SME e-procurement marketplace"


def _party(row: dict[str, Any]) -> Party:
    size = row["size_class"]
    return Party(
        str(row["id"]),
        row["legal_name"],
        Country(row["country"]),
        row["tax_id"],
        SizeClass(size) if size in {s.value for s in SizeClass} else None,
    )


def _ranking(rfq: dict[str, Any]) -> list[RankedBid]:
    return [
        RankedBid(
            entry.get("lot", ""),
            entry["bid"],
            entry["bidder"],
            stored(entry.get("lot_total"), rfq["currency"]),
            tuple((m["organisation"], Decimal(m["share"])) for m in entry.get("members", [])),
        )
        for entry in rfq["evaluation"] or []
    ]


async def _page(after: tuple[Any, uuid.UUID] | None, only: uuid.UUID | None) -> list[dict[str, Any]]:
    query = Rfq.select().where(Rfq.published_at.is_not_null())
    if only is not None:
        query = query.where(Rfq.id == only)
    if after is not None:
        moment, last = after
        query = query.where((Rfq.published_at > moment) | ((Rfq.published_at == moment) & (Rfq.id > last)))
    return await query.order_by(Rfq.published_at, Rfq.id).limit(PAGE).output(load_json=True)


async def is_published(rfq_id: uuid.UUID) -> bool:
    return bool(await Rfq.exists().where(Rfq.id == rfq_id, Rfq.published_at.is_not_null()))


async def releases(ctx: ServiceContext, only: uuid.UUID | None = None) -> AsyncIterator[dict[str, Any]]:
    """Every published RFQ (or ``only`` that one) as a release, oldest publication first."""
    after = None
    while True:
        rfqs = await _page(after, only)
        if not rfqs:
            return
        after = (rfqs[-1]["published_at"], rfqs[-1]["id"])
        ids = [rfq["id"] for rfq in rfqs]
        items: dict[str, list[dict[str, Any]]] = {}
        for item in await raw.rows(
            RfqItem,
            "SELECT id, rfq, description, quantity, unit, cpv, lot FROM rfq_item "  # noqa: S608
            f"WHERE rfq IN ({raw.marks(ids)}) ORDER BY position",
            *ids,
        ):
            items.setdefault(str(item["rfq"]), []).append(item)
        counts = {
            str(row["rfq"]): row["n"]
            for row in await raw.rows(
                Bid,
                "SELECT rfq, COUNT(*) AS n FROM bid "  # noqa: S608
                f"WHERE rfq IN ({raw.marks(ids)}) AND status = {{}} GROUP BY rfq",
                *ids,
                ACTIVE,
            )
        }
        rankings = {str(rfq["id"]): _ranking(rfq) for rfq in rfqs}
        firms = {str(rfq["buyer"]) for rfq in rfqs}
        firms |= {
            firm
            for ranking in rankings.values()
            for entry in ranking
            for firm in (entry.bidder, *entry.firms)
        }
        parties = {
            str(row["id"]): _party(row)
            for row in await raw.rows(
                Organisation,
                "SELECT id, legal_name, country, tax_id, size_class FROM organisation "  # noqa: S608
                f"WHERE id IN ({raw.marks(firms)})",
                *[uuid.UUID(firm) for firm in firms],
            )
        }
        now = ctx.now()
        for rfq in rfqs:
            key = str(rfq["id"])
            yield release(
                ctx.settings.ocds_prefix,
                rfq,
                rfq_status(rfq, now),
                parties[str(rfq["buyer"])],
                items.get(key, []),
                rankings[key],
                parties,
                counts.get(key, 0),
            )


async def package(ctx: ServiceContext, uri: str, only: uuid.UUID | None = None) -> AsyncIterator[str]:
    """The release package as text chunks: its head, each release, its end."""
    head = {
        "uri": uri,
        "version": OCDS_VERSION,
        "publishedDate": stamp(ctx.now()),
        "publisher": {"name": PUBLISHER},
        "extensions": list(EXTENSIONS),
    }
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "releases": ['
    separator = "\n"
    async for one in releases(ctx, only):
        yield separator + json.dumps(one, ensure_ascii=False)
        separator = ",\n"
    yield "\n]}\n"
