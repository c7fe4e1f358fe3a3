"""Joint-bid consortia ("networked selling"): SMEs pool capacity (horizontal) or complementary
links of a value chain (vertical) to bid together. Pure rules: who may join and leave, whether the
parts add up, whether each member is eligible for its own part, and when a joint bid counts.

An RFQ names no value-chain links of its own, so "every required link" is every item of the lots
the consortium bids on: each must be supplied by a member. A member that supplies no item (a
transport or design link, say) needs the gate's firm-wide requirements (level, country, KPIs)
but not the certificates, which are about the goods.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from market.domain.eligibility import Gap, Passport, RequirementSet, check_eligibility
from market.domain.errors import N_, DomainError, ErrorKind
from market.domain.organisations import ValueChainLink
from market.domain.rfq import WHOLE, PricedItem, RfqFacts, check_bid_change, check_same_version

MAX_MEMBERS = 10


class ConsortiumKind(StrEnum):
    HORIZONTAL = "horizontal"  # the same items, each member a share of the quantity
    VERTICAL = "vertical"  # complementary parts: each member its items, lots or link


class MemberStatus(StrEnum):
    INVITED = "invited"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    LEFT = "left"
    REMOVED = "removed"


MEMBER_STATUS_LABELS = {
    MemberStatus.INVITED: N_("Invited"),
    MemberStatus.ACCEPTED: N_("Accepted"),
    MemberStatus.DECLINED: N_("Declined"),
    MemberStatus.LEFT: N_("Left"),
    MemberStatus.REMOVED: N_("Replaced by the lead"),
}

#: Members that take part (or may still): the ones whose parts must add up.
TAKING_PART = frozenset({MemberStatus.INVITED, MemberStatus.ACCEPTED})


@dataclass(frozen=True)
class Member:
    """One firm's part in a consortium. The lead is a member like the others."""

    organisation: str
    status: MemberStatus
    share: Decimal  # percent of the joint bid's value
    items: frozenset[str] = frozenset()  # vertical: the items it supplies (horizontal: all of them)
    link: ValueChainLink | None = None  # the value-chain link it supplies
    liability_accepted: bool = False
    monthly_capacity: int | None = None  # as the firm declares it in its profile
    capacity_unit: str = ""


@dataclass(frozen=True)
class Consortium:
    kind: ConsortiumKind
    lead: str
    members: tuple[Member, ...]
    lots: frozenset[str] = frozenset()  # the lots it bids on; empty: all of them

    def member(self, organisation: str) -> Member | None:
        return next((m for m in self.members if m.organisation == organisation), None)

    @property
    def taking_part(self) -> tuple[Member, ...]:
        return tuple(m for m in self.members if m.status in TAKING_PART)


def _conflict(code: str, message: str, **params: Any) -> DomainError:
    return DomainError(code, message, kind=ErrorKind.CONFLICT, **params)


# -- membership -------------------------------------------------------------------------------


def check_parts_change(consortium: Consortium, actor: str, *, bid_submitted: bool) -> None:
    """The lead invites firms and sets the members' shares and parts while the joint bid is not
    yet submitted."""
    if actor != consortium.lead:
        raise DomainError(
            "consortium.lead_only", N_("Only the lead firm does this."), kind=ErrorKind.FORBIDDEN
        )
    if bid_submitted:
        raise _conflict("consortium.bid_submitted", N_("The joint bid is submitted; the members are fixed."))


def check_invite(consortium: Consortium, actor: str, invitee: str, *, bid_submitted: bool) -> None:
    """The lead invites firms while the joint bid is not yet submitted; a firm takes part once."""
    check_parts_change(consortium, actor, bid_submitted=bid_submitted)
    existing = consortium.member(invitee)
    if existing is not None and existing.status in TAKING_PART:
        raise _conflict("consortium.already_member", N_("This firm is already in the consortium."))
    if len(consortium.taking_part) >= MAX_MEMBERS:
        raise _conflict(
            "consortium.too_many", N_("A consortium has at most %(max)s members."), max=MAX_MEMBERS
        )


def check_answer(
    consortium: Consortium, organisation: str, *, accept: bool, liability_accepted: bool
) -> None:
    """An invited firm accepts (taking joint-and-several liability) or declines."""
    member = consortium.member(organisation)
    if member is None or member.status is not MemberStatus.INVITED:
        raise _conflict("consortium.not_invited", N_("There is no open invitation for your firm."))
    if accept and not liability_accepted:
        raise DomainError(
            "consortium.liability",
            N_("Accept joint and several liability for the whole bid to join."),
        )


def check_leave(consortium: Consortium, organisation: str, *, bid_submitted: bool) -> None:
    """A member other than the lead may leave until the joint bid is submitted."""
    member = consortium.member(organisation)
    if member is None or member.status not in TAKING_PART:
        raise _conflict("consortium.not_member", N_("Your firm is not in this consortium."))
    if organisation == consortium.lead:
        raise _conflict("consortium.lead_stays", N_("The lead firm cannot leave its consortium."))
    if bid_submitted:
        raise _conflict("consortium.bid_submitted", N_("The joint bid is submitted; the members are fixed."))


# -- does the whole add up? -------------------------------------------------------------------


@dataclass(frozen=True)
class MemberGaps:
    organisation: str
    gaps: tuple[Gap, ...]


@dataclass(frozen=True)
class ConsortiumCheck:
    """The combined gap report: each member's own gaps, and what the consortium as a whole lacks."""

    members: tuple[MemberGaps, ...]
    uncovered: tuple[Gap, ...]

    @property
    def eligible(self) -> bool:
        return not self.uncovered and not any(m.gaps for m in self.members)


def requirements_for_part(
    requirements: RequirementSet, member: Member, kind: ConsortiumKind
) -> RequirementSet:
    """What the gate asks of one member: all of it when the member supplies goods, the firm-wide
    requirements (no certificates) when it only supplies a service link."""
    supplies_goods = kind is ConsortiumKind.HORIZONTAL or bool(member.items)
    return requirements if supplies_goods else dataclasses.replace(requirements, certificates=frozenset())


def items_of(member: Member, kind: ConsortiumKind, items: Sequence[PricedItem]) -> list[PricedItem]:
    return [i for i in items if kind is ConsortiumKind.HORIZONTAL or i.id in member.items]


def bid_items(lots: frozenset[str], items: Sequence[PricedItem]) -> list[PricedItem]:
    """The items of the lots a consortium bids on (all items when it names none, or without lots)."""
    return [i for i in items if not lots or i.lot == WHOLE or i.lot in lots]


def same_unit(a: str, b: str) -> bool:
    return a.strip().lower() == b.strip().lower()


def coverage(
    consortium: Consortium, items: Sequence[PricedItem], described: Mapping[str, tuple[str, str]]
) -> list[tuple[PricedItem, list[Member], int]]:
    """For each item of the lots bid on: the members taking part that supply it, and their declared
    monthly capacity in the item's unit (``described`` gives each item's description and unit)."""
    members = consortium.taking_part
    result = []
    for item in bid_items(consortium.lots, items):
        suppliers = [m for m in members if item in items_of(m, consortium.kind, items)]
        unit = described[item.id][1]
        capacity = sum(m.monthly_capacity or 0 for m in suppliers if same_unit(m.capacity_unit, unit))
        result.append((item, suppliers, capacity))
    return result


def check_consortium(
    consortium: Consortium,
    requirements: RequirementSet,
    passports: Mapping[str, Passport],
    items: Sequence[PricedItem],
    described: Mapping[str, tuple[str, str]],
    now: dt.datetime,
) -> ConsortiumCheck:
    """Eligibility of the whole: every member passes the gate for its part; shares total 100 %;
    every item of the lots bid on is supplied and the suppliers' declared monthly capacity (in the
    item's unit) covers its quantity. ``described`` gives each item's description and unit."""
    members = consortium.taking_part
    report = []
    for member in members:
        part = requirements_for_part(requirements, member, consortium.kind)
        gaps = list(check_eligibility(part, passports[member.organisation], now).gaps)
        if member.status is MemberStatus.INVITED:
            gaps.append(
                Gap(
                    "consortium.not_accepted",
                    N_("Has not accepted the invitation yet."),
                    N_("Ask the firm to accept, or replace it."),
                )
            )
        if consortium.kind is ConsortiumKind.VERTICAL and not member.items and member.link is None:
            gaps.append(
                Gap(
                    "consortium.no_part",
                    N_("Supplies no item and no value-chain link."),
                    N_("Give the member its items or its link."),
                )
            )
        report.append(MemberGaps(member.organisation, tuple(gaps)))
    uncovered: list[Gap] = []
    total = sum((m.share for m in members), Decimal(0))
    if total != 100 or any(m.share <= 0 for m in members):
        uncovered.append(
            Gap(
                "consortium.shares",
                N_("The shares add up to %(total)s %%; each must be above zero and all add up to 100 %%."),
                N_("Adjust the shares."),
                {"total": format(total.normalize(), "f")},
            )
        )
    for item, suppliers, capacity in coverage(consortium, items, described):
        if not suppliers:
            uncovered.append(
                Gap(
                    "consortium.item_uncovered",
                    N_("No member supplies “%(item)s”."),
                    N_("Give the item to a member, or invite a firm that supplies it."),
                    {"item": described[item.id][0]},
                )
            )
            continue
        if capacity < item.quantity:
            uncovered.append(
                Gap(
                    "consortium.capacity",
                    N_("Suppliers of “%(item)s” declare %(capacity)s %(unit)s a month; %(quantity)s needed."),
                    N_("Invite a firm with more capacity, or have members declare theirs in this unit."),
                    {
                        "item": described[item.id][0],
                        "capacity": capacity,
                        "unit": described[item.id][1],
                        "quantity": format(item.quantity.normalize(), "f"),
                    },
                )
            )
    return ConsortiumCheck(tuple(report), tuple(uncovered))


# -- one competing bid per firm ----------------------------------------------------------------


def check_one_bid_per_firm(
    organisation: str, lots: Sequence[str], taken: Mapping[str, str], this_bid: str
) -> None:
    """A firm is in at most one competing bid per lot (``WHOLE`` without lots), alone or in any
    consortium. ``taken`` maps each lot the firm is already in to the bid (or consortium) holding it."""
    for lot in lots:
        holder = taken.get(lot)
        if holder is not None and holder != this_bid:
            raise _conflict(
                "consortium.firm_taken",
                N_("This firm is already in another bid on this request (or lot)."),
                organisation=organisation,
            )


# -- the joint bid and its confirmations --------------------------------------------------------


def confirmed_members(
    members: Sequence[Member], confirmations: Mapping[str, str], current_hash: str | None
) -> frozenset[str]:
    """The members that confirmed *this exact version* (its hash). A change by the lead makes a
    new hash, so every earlier confirmation stops counting: that is the reset."""
    if current_hash is None:
        return frozenset()
    return frozenset(
        m.organisation
        for m in members
        if m.status is MemberStatus.ACCEPTED and confirmations.get(m.organisation) == current_hash
    )


def joint_bid_counts(
    members: Sequence[Member], confirmations: Mapping[str, str], current_hash: str | None
) -> bool:
    """The bid counts only when every member taking part accepted and confirmed its current version.
    (Confirmations are refused after the deadline, so what counts at the deadline stays counted.)"""
    taking_part = [m for m in members if m.status in TAKING_PART]
    return (
        bool(taking_part)
        and all(m.status is MemberStatus.ACCEPTED for m in taking_part)
        and confirmed_members(taking_part, confirmations, current_hash)
        == {m.organisation for m in taking_part}
    )


def check_confirmation(
    consortium: Consortium,
    organisation: str,
    seen_hash: str,
    current_hash: str | None,
    facts: RfqFacts,
    now: dt.datetime,
) -> None:
    """A member confirms the version it was shown, while the RFQ is open (by the server clock);
    if the lead changed the bid meanwhile, it must look again."""
    check_bid_change(facts, now)
    member = consortium.member(organisation)
    if member is None or member.status is not MemberStatus.ACCEPTED:
        raise _conflict("consortium.not_member", N_("Your firm is not in this consortium."))
    if current_hash is None:
        raise _conflict("consortium.no_bid", N_("The lead has not prepared the joint bid yet."))
    check_same_version(
        seen_hash,
        current_hash,
        code="consortium.bid_changed",
        message=N_("The lead changed the bid after you opened it; review the new version and confirm that."),
    )
