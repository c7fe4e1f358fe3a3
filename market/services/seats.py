"""Seats: a firm's place in one competing bid on one lot of an RFQ, alone or in a consortium. The
domain refuses a seat another bid holds; a unique index on (rfq, lot, organisation) refuses the
same when two bids race to include the firm."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from market.db import raw
from market.db.engine import is_unique_violation
from market.db.tables import BidSeat
from market.domain.consortium import check_one_bid_per_firm
from market.domain.rfq import WHOLE, consortium_holder
from market.domain.rfq import solo_holder as solo_holder_of


def seat_lots(rfq_lots: Sequence[dict[str, Any]], chosen: Sequence[str]) -> list[str]:
    """The lots a bid takes seats on: the chosen ones, all of the RFQ's, or the whole RFQ."""
    if not rfq_lots:
        return [WHOLE]
    return list(chosen) or [lot["id"] for lot in rfq_lots]


async def claim_seats(rfq_id: uuid.UUID, lots: Sequence[str], organisation: uuid.UUID, holder: str) -> None:
    """Seat ``organisation`` in the bid ``holder`` on these lots, inside the caller's transaction.
    The domain refuses a seat another bid holds; the unique index refuses the same race."""
    taken = await raw.rows(
        BidSeat, "SELECT lot, holder FROM bid_seat WHERE rfq = {} AND organisation = {}", rfq_id, organisation
    )
    check_one_bid_per_firm(str(organisation), lots, {row["lot"]: row["holder"] for row in taken}, holder)
    held = {row["lot"] for row in taken if row["holder"] == holder}
    try:
        for lot in lots:
            if lot not in held:
                await raw.rows(
                    BidSeat,
                    "INSERT INTO bid_seat (id, rfq, lot, organisation, holder) VALUES ({}, {}, {}, {}, {})",
                    uuid.uuid4(),
                    rfq_id,
                    lot,
                    organisation,
                    holder,
                )
    except Exception as error:
        if is_unique_violation(error):
            check_one_bid_per_firm(str(organisation), lots, {lot: "another bid" for lot in lots}, holder)
        raise


async def release_seats(rfq_id: uuid.UUID, organisation: uuid.UUID, holder: str) -> None:
    await raw.rows(
        BidSeat,
        "DELETE FROM bid_seat WHERE rfq = {} AND organisation = {} AND holder = {}",
        rfq_id,
        organisation,
        holder,
    )


def holder_of(consortium_id: uuid.UUID) -> str:
    """The holder of the consortium's seats and of its joint bid."""
    return consortium_holder(str(consortium_id))


def solo_holder(bidder: uuid.UUID) -> str:
    """The holder of the firm's seats alone and of its bid alone."""
    return solo_holder_of(str(bidder))
