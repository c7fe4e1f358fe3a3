"""Open data: an RFQ as an OCDS 1.1 release. Pure mapping; the service streams the package.

What is sealed stays sealed: tenderers and bid statistics appear only once the bids are opened and
evaluated, suppliers only on an award. A consortium is not a legal person here, so every member
is a supplier on the award (OCDS guidance), and the award's description names each member's share.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from market.domain.money import Money
from market.domain.organisations import COUNTRY_LABELS, TAX_ID_SCHEMES, Country, SizeClass
from market.domain.rfq import WHOLE, RfqStatus

OCDS_VERSION = "1.1"
EXTENSIONS = (
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/master/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_partyDetails_scale_extension/master/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/master/extension.json",
)
#: The partyScale codes of the size classes (small and medium firms are both "sme").
PARTY_SCALE = {
    SizeClass.MICRO: "micro",
    SizeClass.SMALL: "sme",
    SizeClass.MEDIUM: "sme",
    SizeClass.LARGE: "large",
}
TENDER_STATUS = {
    RfqStatus.PUBLISHED: "active",
    RfqStatus.CLOSED: "active",
    RfqStatus.OPENED: "active",
    RfqStatus.EVALUATED: "active",
    RfqStatus.AWARDED: "complete",
    RfqStatus.COMPLETED: "complete",
    RfqStatus.CANCELLED: "cancelled",
    RfqStatus.UNSUCCESSFUL: "unsuccessful",
}


@dataclass(frozen=True)
class Party:
    organisation: str
    name: str
    country: Country
    tax_id: str
    size_class: SizeClass | None

    @property
    def scheme(self) -> str:
        """The org-id style scheme of its tax id, e.g. ``AR-CUIT``."""
        return f"{self.country.value}-{TAX_ID_SCHEMES[self.country].name.upper().replace(' ', '')}"

    @property
    def identifier(self) -> str:
        return "".join(ch for ch in self.tax_id if ch.isalnum()).upper()

    @property
    def id(self) -> str:
        return f"{self.scheme}-{self.identifier}"

    def reference(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name}


@dataclass(frozen=True)
class RankedBid:
    """One bid on one lot as evaluated: the bidder and, for a joint bid, every member's share."""

    lot: str
    bid: str
    bidder: str
    lot_total: Money  # in the RFQ's currency, at its minor units
    members: tuple[tuple[str, Decimal], ...] = ()  # (organisation, share %); empty for a firm alone

    @property
    def firms(self) -> tuple[str, ...]:
        return tuple(m for m, _ in self.members) or (self.bidder,)


def number(value: Decimal) -> int | float:
    """A JSON number of an exact decimal (money and quantities have at most a few decimals)."""
    return int(value) if value == value.to_integral_value() else float(value)


def amount(money: Money) -> int | float:
    """A JSON number of an amount at its currency's minor units: an integer when it has no cents
    (exact at any size), else the nearest float, whose shortest form reads back the same digits
    up to 15 significant ones (amounts below ten trillion with cents)."""
    return number(money.amount)


def stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def release(
    prefix: str,
    rfq: Mapping[str, Any],
    status: RfqStatus,
    buyer: Party,
    items: Sequence[Mapping[str, Any]],
    ranking: Sequence[RankedBid],
    parties: Mapping[str, Party],
    bid_count: int,
) -> dict[str, Any]:
    """The release of one published RFQ. ``rfq`` is the stored row (``lots``, ``awards``, dates);
    ``ranking`` the evaluated bids (none before the evaluation); ``parties`` every firm named in
    it; ``bid_count`` the bids standing at the opening."""
    ocid = f"{prefix}-{rfq['id']}"
    moments = [
        rfq[key]
        for key in (
            "published_at",
            "opened_at",
            "evaluated_at",
            "awarded_at",
            "cancelled_at",
            "unsuccessful_at",
        )
        if rfq.get(key) is not None
    ]
    date = stamp(max(moments))
    tag = ["award"] if rfq.get("awarded_at") else ["tender"]
    lots = {lot["id"]: lot["title"] for lot in rfq.get("lots") or []}
    tender: dict[str, Any] = {
        "id": str(rfq["id"]),
        "title": rfq["title"],
        "description": rfq.get("description") or "",
        "status": TENDER_STATUS.get(status, "active"),
        "procuringEntity": buyer.reference(),
        "procurementMethod": "open",
        "awardCriteria": "priceOnly" if rfq["criteria"].get("price") == 100 else "ratedCriteria",
        "submissionMethod": ["electronicSubmission"],
        "tenderPeriod": {"startDate": stamp(rfq["published_at"]), "endDate": stamp(rfq["deadline"])},
        "items": [_item(item, bool(lots)) for item in items],
    }
    if lots:
        tender["lots"] = [{"id": lot, "title": title} for lot, title in lots.items()]
    roles: dict[str, set[str]] = {buyer.id: {"buyer", "procuringEntity"}}
    named: dict[str, Party] = {buyer.id: buyer}
    awards = []
    if ranking:
        tenderers = list(dict.fromkeys(firm for entry in ranking for firm in entry.firms))  # as ranked
        tender["numberOfTenderers"] = len({entry.bid for entry in ranking})
        tender["tenderers"] = [parties[firm].reference() for firm in tenderers]
        for firm in tenderers:
            named[parties[firm].id] = parties[firm]
            roles.setdefault(parties[firm].id, set()).add("tenderer")
        awarded = rfq.get("awards") or {}
        for lot, bid in sorted(awarded.items()):
            entry = next((e for e in ranking if e.bid == bid and e.lot == lot), None)
            if entry is None:
                continue
            for firm in entry.firms:
                roles[parties[firm].id].add("supplier")
            awards.append(_award(rfq, entry, parties, lots))
    release_: dict[str, Any] = {
        "ocid": ocid,
        "id": f"{ocid}-{date}",
        "date": date,
        "tag": tag,
        "initiationType": "tender",
        "parties": [_party(named[key], roles[key]) for key in sorted(named)],
        "buyer": buyer.reference(),
        "tender": tender,
    }
    if ranking:
        release_["bids"] = {"statistics": _statistics(ranking, parties, buyer, bid_count, list(lots))}
    if awards:
        release_["awards"] = awards
    return release_


def _item(item: Mapping[str, Any], with_lots: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": str(item["id"]),
        "description": item["description"],
        "quantity": number(Decimal(item["quantity"])),
        "unit": {"name": item["unit"]},
    }
    if item.get("cpv"):
        out["classification"] = {"scheme": "CPV", "id": item["cpv"]}
    if with_lots and item.get("lot", WHOLE) != WHOLE:
        out["relatedLot"] = item["lot"]
    return out


def _party(party: Party, roles: set[str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": party.id,
        "name": party.name,
        "identifier": {"scheme": party.scheme, "id": party.identifier, "legalName": party.name},
        "address": {"countryName": COUNTRY_LABELS[party.country]},  # the English name
        "roles": sorted(roles),
    }
    if party.size_class is not None and roles != {"buyer", "procuringEntity"}:
        out["details"] = {"scale": PARTY_SCALE[party.size_class]}
    return out


def _award(
    rfq: Mapping[str, Any], entry: RankedBid, parties: Mapping[str, Party], lots: Mapping[str, str]
) -> dict[str, Any]:
    award: dict[str, Any] = {
        "id": f"{rfq['id']}-{entry.lot or 'all'}",
        "status": "active",
        "date": stamp(rfq["awarded_at"]),
        "value": {"amount": amount(entry.lot_total), "currency": entry.lot_total.currency},
        "suppliers": [parties[firm].reference() for firm in entry.firms],
    }
    if entry.members:
        shares = "; ".join(
            f"{parties[firm].name}: {format(share.normalize(), 'f')} %" for firm, share in entry.members
        )
        award["description"] = f"Joint bid by a consortium ({shares})"
    if entry.lot in lots:
        award["title"] = lots[entry.lot]
        award["relatedLots"] = [entry.lot]
    return award


def _statistics(
    ranking: Sequence[RankedBid],
    parties: Mapping[str, Party],
    buyer: Party,
    bid_count: int,
    lots: list[str],
) -> list[dict[str, Any]]:
    """Bid statistics (bids extension): bids received, valid bids, bids by SMEs and from abroad,
    and valid bids per lot."""
    valid = {entry.bid: entry for entry in ranking}

    def count(test: Any) -> int:
        return sum(1 for entry in valid.values() if test(entry))

    def sme(entry: RankedBid) -> bool:
        return all(parties[f].size_class is not SizeClass.LARGE for f in entry.firms)

    def foreign(entry: RankedBid) -> bool:
        return any(parties[f].country != buyer.country for f in entry.firms)

    figures: list[tuple[str, int, str | None]] = [
        ("bids", bid_count, None),
        ("validBids", len(valid), None),
        ("smeBids", count(sme), None),
        ("foreignBids", count(foreign), None),
    ]
    figures += [("validBids", sum(1 for e in ranking if e.lot == lot), lot) for lot in lots]
    statistics = []
    for index, (measure, value, lot) in enumerate(figures, start=1):
        statistic: dict[str, Any] = {"id": str(index), "measure": measure, "value": value}
        if lot is not None:
            statistic["relatedLot"] = lot
        statistics.append(statistic)
    return statistics
