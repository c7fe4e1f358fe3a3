"""Partner matchmaking: "who could complete my bid?" Pure rules.

What a bid still lacks is read from the consortium's own check (a firm asking alone is a
consortium of one): items that no member supplies or whose quantity the members' declared monthly
capacity does not cover, and certificates that a member supplying goods does not hold. A candidate
is suggested when it closes at least one of those gaps; every point of its score comes with the
reason shown to the user. Only firms that pass the RFQ's gate for a part that supplies goods are
suggested, and only from the countries the RFQ admits.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from market.domain.certificates import CertificateType
from market.domain.consortium import Consortium, coverage, requirements_for_part, same_unit
from market.domain.eligibility import Eligibility, Passport, RequirementSet, certificate_gap
from market.domain.errors import N_, Msg
from market.domain.organisations import COUNTRY_LABELS, Country
from market.domain.readiness import LEVEL_LABELS
from market.domain.rfq import PricedItem

#: Points per closed gap; the reasons say which gap each point closes.
ITEM_POINTS = 3.0  # supplies an item still missing (its CPV group)
CAPACITY_POINTS = 4.0  # times the share of the missing quantity its capacity covers
CERTIFICATE_POINTS = 3.0  # holds a certificate a member supplying goods lacks
INTEREST_POINTS = 2.0  # said it would bid together on this request


def cpv_group(code: str) -> str:
    """The CPV group (first three digits) by which firms' declared codes meet items' codes."""
    return code.strip()[:3]


@dataclass(frozen=True)
class ItemNeed:
    item: str
    description: str
    unit: str
    cpv_group: str  # "" when the item has no CPV code: no firm can be matched to it
    missing: Decimal  # the quantity the members' declared monthly capacity does not cover


@dataclass(frozen=True)
class CertificateNeed:
    certificate: CertificateType
    lacking: tuple[str, ...]  # the members supplying goods that do not hold it


@dataclass(frozen=True)
class PartnerNeeds:
    """What the bid still lacks that a partner could bring."""

    items: tuple[ItemNeed, ...]
    certificates: tuple[CertificateNeed, ...]
    countries: frozenset[Country]  # the RFQ's admitted countries (empty: any)
    total_quantity: Decimal  # of every item bid on, for proposing a share
    members: int  # firms taking part now

    @property
    def any(self) -> bool:
        return bool(self.items or self.certificates)

    @functools.cached_property
    def groups(self) -> frozenset[str]:
        """The CPV groups of the missing items: a firm declaring none of them supplies none."""
        return frozenset(need.cpv_group for need in self.items if need.cpv_group)


def partner_needs(
    consortium: Consortium,
    requirements: RequirementSet,
    passports: Mapping[str, Passport],
    items: Sequence[PricedItem],
    described: Mapping[str, tuple[str, str]],
    cpv: Mapping[str, str],
    now: dt.datetime,
) -> PartnerNeeds:
    """The gaps a partner could close, from the same coverage rule as the consortium's check."""
    item_needs = []
    total = Decimal(0)
    for item, _suppliers, capacity in coverage(consortium, items, described):
        total += item.quantity
        if capacity < item.quantity:
            description, unit = described[item.id]
            item_needs.append(
                ItemNeed(
                    item.id, description, unit, cpv_group(cpv.get(item.id, "")), item.quantity - capacity
                )
            )
    certificate_needs = []
    for wanted in sorted(requirements.certificates):
        lacking = tuple(
            m.organisation
            for m in consortium.taking_part
            if wanted in requirements_for_part(requirements, m, consortium.kind).certificates
            and certificate_gap(wanted, passports[m.organisation].certificates, now) is not None
        )
        if lacking:
            certificate_needs.append(CertificateNeed(wanted, lacking))
    return PartnerNeeds(
        tuple(item_needs),
        tuple(certificate_needs),
        requirements.countries,
        total,
        len(consortium.taking_part),
    )


@dataclass(frozen=True)
class Candidate:
    """A registered SME as matchmaking sees it, before its passport is read."""

    organisation: str
    legal_name: str
    country: Country
    classification_codes: frozenset[str]
    monthly_capacity: int | None
    capacity_unit: str
    certificates: frozenset[CertificateType]  # valid and verified today
    interest: str | None = None  # its note, when it marked interest in this request


class Reason(NamedTuple):
    """Why a firm is suggested (a tuple: thousands are made per question)."""

    code: str
    message: str
    params: dict[str, Any]


@dataclass(frozen=True)
class Suggestion:
    organisation: str
    legal_name: str
    country: Country
    score: float
    reasons: tuple[Reason, ...]
    items: tuple[str, ...]  # the missing items it could supply
    share: Decimal  # the share an invitation proposes (the lead may change it)
    level: int = 0


def score_candidate(candidate: Candidate, needs: PartnerNeeds) -> Suggestion | None:
    """How much of what is missing this firm closes, with a reason for every point; None when it
    closes nothing (or comes from a country the request does not admit)."""
    if needs.countries and candidate.country not in needs.countries:
        return None
    score = 0.0
    reasons: list[Reason] = []
    supplied: list[str] = []
    covered = Decimal(0)
    groups = {cpv_group(code) for code in candidate.classification_codes} & needs.groups
    for need in needs.items if groups else ():
        if need.cpv_group not in groups:
            continue
        supplied.append(need.item)
        score += ITEM_POINTS
        reasons.append(
            Reason(
                "partner.supplies",
                N_("Supplies goods of the same CPV group (%(group)s) as “%(item)s”."),
                {"group": need.cpv_group, "item": need.description},
            )
        )
        capacity = candidate.monthly_capacity or 0
        if capacity and same_unit(candidate.capacity_unit, need.unit):
            part = min(Decimal(capacity), need.missing)
            covered += part
            score += CAPACITY_POINTS * float(part / need.missing)
            reasons.append(
                Reason(
                    "partner.capacity",
                    N_("Declares %(capacity)s %(unit)s a month, %(covered)s of the %(missing)s missing."),
                    {"capacity": capacity, "unit": need.unit, "covered": part, "missing": need.missing},
                )
            )
    for lacking in needs.certificates:
        if lacking.certificate in candidate.certificates:
            score += CERTIFICATE_POINTS
            reasons.append(
                Reason(
                    "partner.certificate",
                    N_("Holds a verified %(certificate)s certificate, which the bid lacks."),
                    {"certificate": Msg(lacking.certificate.label)},
                )
            )
    if not reasons:
        return None
    if candidate.interest is not None:
        score += INTEREST_POINTS
        reasons.append(
            Reason(
                "partner.interested",
                N_("Wants to bid together on this request: “%(note)s”.")
                if candidate.interest
                else N_("Wants to bid together on this request."),
                {"note": candidate.interest},
            )
        )
    if needs.countries:
        reasons.append(
            Reason(
                "partner.country",
                N_("Based in %(country)s, which this request admits."),
                {"country": Msg(COUNTRY_LABELS[candidate.country])},
            )
        )
    return Suggestion(
        candidate.organisation,
        candidate.legal_name,
        candidate.country,
        score,
        tuple(reasons),
        tuple(supplied),
        proposed_share(needs, covered),
    )


def proposed_share(needs: PartnerNeeds, covered: Decimal) -> Decimal:
    """The share of the quantity it would supply; a firm bringing no quantity (a certificate, say)
    is proposed an equal part."""
    if covered and needs.total_quantity:
        share = Decimal(100) * covered / needs.total_quantity
    else:
        share = Decimal(100) / (needs.members + 1)
    return max(Decimal(1), min(Decimal(99), share.quantize(Decimal(1), ROUND_HALF_UP)))


def admit(suggestion: Suggestion, eligibility: Eligibility) -> Suggestion | None:
    """Keep a suggestion only if the firm passes the request's gate for a part supplying goods."""
    if not eligibility.eligible:
        return None
    reason = Reason(
        "partner.eligible",
        N_("Meets this request's readiness bar (level %(level)s)."),
        {"level": Msg(LEVEL_LABELS[eligibility.level])},
    )
    return dataclasses.replace(
        suggestion, reasons=(*suggestion.reasons, reason), level=int(eligibility.level)
    )


def ranking_key(suggestion: Suggestion) -> tuple[float, int, str, str]:
    """Most gaps closed first; then the higher readiness level; then by name (stable)."""
    return (-suggestion.score, -suggestion.level, suggestion.legal_name.casefold(), suggestion.organisation)
