"""Supplier records and performance history. Pure rules.

Every award leaves one record per firm behind it: a firm alone, or each member of a consortium
with its share (joint-and-several: the whole outcome is on every member's record). After delivery
the buyer records the outcome of an awarded lot (delivered on time or late, the share of the
quantity rejected), which goes on the records of every firm that won it; the history sums them up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from market.domain.errors import N_, DomainError, ErrorKind, FieldCollector
from market.domain.money import Money, stored
from market.domain.numbers import number_in_range
from market.domain.rfq import RfqStatus


@dataclass(frozen=True)
class AwardedPart:
    """One firm's part in one awarded lot."""

    lot: str
    bid: str
    supplier: str
    share: Decimal | None  # percent, for a member of a consortium; None for a firm alone
    value: Money  # the awarded bid's total for the lot


def awarded_parts(
    awards: Mapping[str, str], ranking: Sequence[Mapping[str, Any]], currency: str
) -> list[AwardedPart]:
    """The records an award leaves: for each awarded lot, the firm alone or every member. The value
    is the lot total the evaluation stored, in the RFQ's ``currency`` (at its minor units)."""
    parts = []
    for lot, bid in sorted(awards.items()):
        entry = next((e for e in ranking if e["bid"] == bid and e["lot"] == lot), None)
        if entry is None:
            continue
        value = stored(entry.get("lot_total"), currency)
        members = entry.get("members") or []
        if members:
            parts += [AwardedPart(lot, bid, m["organisation"], Decimal(m["share"]), value) for m in members]
        else:
            parts.append(AwardedPart(lot, bid, entry["bidder"], None, value))
    return parts


@dataclass(frozen=True)
class DeliveryOutcome:
    delivered_on: dt.date
    on_time: bool
    rejected: Decimal  # percent of the quantity rejected
    note: str


def check_delivery(
    status: RfqStatus,
    awards: Mapping[str, str],
    lot: str,
    awarded_at: dt.datetime,
    now: dt.datetime,
    raw: Mapping[str, Any],
    reader: str | None = None,
) -> DeliveryOutcome:
    """The buyer records how an awarded lot was delivered: once awarded, for a lot it awarded, on a
    day between the award and today, with a rejected share from 0 to 100 %."""
    if status not in (RfqStatus.AWARDED, RfqStatus.COMPLETED):
        raise DomainError(
            "delivery.not_awarded",
            N_("Record deliveries once the request is awarded."),
            kind=ErrorKind.CONFLICT,
        )
    errors = FieldCollector()
    if lot not in awards:
        errors.add("lot", "delivery.lot", N_("Choose a lot that was awarded."))
    delivered_on = None
    try:
        delivered_on = dt.date.fromisoformat(str(raw.get("delivered_on") or ""))
    except ValueError:
        errors.add("delivered_on", "delivery.date", N_("Enter the delivery date as YYYY-MM-DD."))
    if delivered_on is not None and not awarded_at.date() <= delivered_on <= now.date():
        errors.add(
            "delivered_on",
            "delivery.date_range",
            N_("The delivery date must be between the award (%(awarded)s) and today."),
            awarded=awarded_at.date().isoformat(),
        )
    on_time = raw.get("on_time")
    if on_time not in (True, False):
        errors.add("on_time", "delivery.on_time", N_("Say whether the delivery was on time."))
    rejected = number_in_range(
        errors,
        "rejected_percent",
        raw.get("rejected_percent"),
        reader,
        low=0,
        high=100,
        code="delivery.rejected",
        message=N_("Enter the share rejected, from 0 to 100 (percent)."),
    )
    note = str(raw.get("note") or "").strip()
    if len(note) > 300:
        errors.add("note", "delivery.note", N_("At most 300 characters."))
    errors.raise_if_any()
    assert delivered_on is not None and rejected is not None
    return DeliveryOutcome(delivered_on, bool(on_time), rejected, note)


@dataclass(frozen=True)
class PerformanceSummary:
    awards: int  # lots won
    joint_awards: int  # of which in a consortium
    awarded_value: dict[str, Money]  # by currency (a consortium member: its share of the value)
    deliveries: int  # lots whose delivery the buyer recorded
    on_time_percent: Decimal | None
    rejected_percent: Decimal | None  # mean share rejected


def summarise(records: Sequence[Mapping[str, Any]]) -> PerformanceSummary:
    """Sum up a firm's records (``share``, ``value``, ``currency``, ``on_time``, ``rejected``). A
    consortium member's value is its share of the lot's, rounded once to the currency's minor
    units; the sums add amounts already rounded."""
    value: dict[str, Money] = {}
    for r in records:
        currency = r["currency"]
        whole = stored(r["value"], currency)
        part = whole.share(Decimal(r["share"])) if r["share"] else whole
        value[currency] = value.get(currency, Money.zero(currency)) + part
    delivered = [r for r in records if r["on_time"] is not None]
    return PerformanceSummary(
        awards=len(records),
        joint_awards=sum(1 for r in records if r["share"]),
        awarded_value=value,
        deliveries=len(delivered),
        on_time_percent=(
            (Decimal(100) * sum(1 for r in delivered if r["on_time"]) / len(delivered)).quantize(
                Decimal("0.1")
            )
            if delivered
            else None
        ),
        rejected_percent=(
            (sum((Decimal(r["rejected"]) for r in delivered), Decimal(0)) / len(delivered)).quantize(
                Decimal("0.01")
            )
            if delivered
            else None
        ),
    )
