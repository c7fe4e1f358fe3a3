"""The consortium rules with a fixed clock: shares, coverage (horizontal and vertical), each
member's eligibility for its own part, one competing bid per firm, and the confirmations of the
joint bid (reset by a change, refused after the deadline)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from market.domain.certificates import CertificateType as C
from market.domain.certificates import CertificateView, Verification
from market.domain.consortium import (
    Consortium,
    ConsortiumKind,
    Member,
    MemberStatus,
    check_answer,
    check_confirmation,
    check_consortium,
    check_invite,
    check_leave,
    check_one_bid_per_firm,
    confirmed_members,
    joint_bid_counts,
)
from market.domain.eligibility import Passport, RequirementSet, SubmittedAssessment
from market.domain.errors import DomainError, ErrorKind
from market.domain.organisations import Country, ValueChainLink
from market.domain.readiness import Level, Scores
from market.domain.rfq import WHOLE, PricedItem, RfqFacts

NOW = dt.datetime(2026, 11, 2, 12, 0, tzinfo=dt.UTC)
DEADLINE = NOW + dt.timedelta(days=3)
MS = dt.timedelta(milliseconds=1)
SCORES = Scores({d: 60.0 for d in ("digital", "quality", "process", "strategy", "upgrading")}, 60.0, {})
ITEMS = [PricedItem("jam", WHOLE, Decimal(3000)), PricedItem("crates", WHOLE, Decimal(200))]
DESCRIBED = {"jam": ("Peach jam, 1 kg jars", "kg"), "crates": ("Transport crates", "pieces")}
HACCP_L1 = RequirementSet(Level.L1, frozenset({C.HACCP}), frozenset({Country.AR, Country.UY}))


def passport(country: Country = Country.AR, *certificates: C) -> Passport:
    assessed = SubmittedAssessment(NOW - dt.timedelta(days=5), NOW + dt.timedelta(days=360), SCORES)
    views = [
        CertificateView(c, dt.date(2026, 1, 1), dt.date(2028, 1, 1), Verification.VERIFIED)
        for c in certificates
    ]
    return Passport(country, assessed, views)


def member(org: str, share: int, *items: str, **extra: object) -> Member:
    values: dict[str, object] = {
        "status": MemberStatus.ACCEPTED,
        "liability_accepted": True,
        "monthly_capacity": 2000,
        "capacity_unit": "kg",
    }
    values.update(extra)
    return Member(org, share=Decimal(share), items=frozenset(items), **values)  # type: ignore[arg-type]


def horizontal(*members: Member) -> Consortium:
    return Consortium(ConsortiumKind.HORIZONTAL, members[0].organisation, members)


def vertical(*members: Member) -> Consortium:
    return Consortium(ConsortiumKind.VERTICAL, members[0].organisation, members)


JAM_ONLY = [ITEMS[0]]


def test_shares_must_be_positive_and_total_100() -> None:
    passports = {"a": passport(Country.AR, C.HACCP), "b": passport(Country.UY, C.HACCP)}
    ok = check_consortium(
        horizontal(member("a", 60), member("b", 40)), HACCP_L1, passports, JAM_ONLY, DESCRIBED, NOW
    )
    assert ok.eligible
    short = check_consortium(
        horizontal(member("a", 60), member("b", 30)), HACCP_L1, passports, JAM_ONLY, DESCRIBED, NOW
    )
    assert [g.code for g in short.uncovered] == ["consortium.shares"] and short.uncovered[0].params[
        "total"
    ] == "90"
    zero = check_consortium(
        horizontal(member("a", 100), member("b", 0)), HACCP_L1, passports, JAM_ONLY, DESCRIBED, NOW
    )
    assert [g.code for g in zero.uncovered] == ["consortium.shares"]


def test_horizontal_capacity_is_pooled_in_the_items_unit() -> None:
    passports = {"a": passport(Country.AR, C.HACCP), "b": passport(Country.UY, C.HACCP)}
    pooled = horizontal(member("a", 50), member("b", 50))  # 2,000 + 2,000 kg a month for 3,000 kg
    assert check_consortium(pooled, HACCP_L1, passports, JAM_ONLY, DESCRIBED, NOW).eligible
    alone = horizontal(member("a", 100))
    gaps = check_consortium(alone, HACCP_L1, {"a": passports["a"]}, JAM_ONLY, DESCRIBED, NOW).uncovered
    assert [(g.code, g.params["capacity"]) for g in gaps] == [("consortium.capacity", 2000)]
    in_tonnes = horizontal(member("a", 50), member("b", 50, capacity_unit="t"))  # not comparable: not counted
    gaps = check_consortium(in_tonnes, HACCP_L1, passports, JAM_ONLY, DESCRIBED, NOW).uncovered
    assert [g.code for g in gaps] == ["consortium.capacity"]


def test_vertical_every_item_needs_a_supplier_and_only_goods_need_the_certificates() -> None:
    maker = member("maker", 80, "jam", monthly_capacity=5000)
    hauler = member(
        "hauler", 20, "crates", link=ValueChainLink.TRANSPORT, monthly_capacity=500, capacity_unit="pieces"
    )
    passports = {"maker": passport(Country.AR, C.HACCP), "hauler": passport(Country.UY)}  # no HACCP
    result = check_consortium(vertical(maker, hauler), HACCP_L1, passports, ITEMS, DESCRIBED, NOW)
    assert not result.eligible  # the hauler supplies crates, which are goods: HACCP applies
    assert [(m.organisation, [g.code for g in m.gaps]) for m in result.members] == [
        ("maker", []),
        ("hauler", ["certificate.missing"]),
    ]
    transport_only = dataclasses.replace(hauler, items=frozenset())
    maker_with_crates = dataclasses.replace(maker, items=frozenset({"jam", "crates"}), capacity_unit="kg")
    result = check_consortium(
        vertical(maker_with_crates, transport_only), HACCP_L1, passports, ITEMS, DESCRIBED, NOW
    )
    assert [m.gaps for m in result.members] == [(), ()]  # the transport link needs no HACCP
    # … but the crates are counted in pieces and the maker declares kilograms: not covered
    assert [(g.code, g.params["item"]) for g in result.uncovered] == [
        ("consortium.capacity", "Transport crates")
    ]
    nobody = check_consortium(
        vertical(dataclasses.replace(maker, share=Decimal(100))), HACCP_L1, passports, ITEMS, DESCRIBED, NOW
    )
    assert [(g.code, g.params["item"]) for g in nobody.uncovered] == [
        ("consortium.item_uncovered", "Transport crates")
    ]


def test_each_member_is_checked_for_its_part_and_named_in_the_report() -> None:
    foreign = member("py", 30, "jam")
    invited = member("late", 20, "jam", status=MemberStatus.INVITED, liability_accepted=False)
    declined = member("gone", 0, "jam", status=MemberStatus.DECLINED)
    passports = {
        "lead": passport(Country.AR, C.HACCP),
        "py": passport(Country.PY, C.HACCP),
        "late": passport(Country.UY, C.HACCP),
    }
    result = check_consortium(
        vertical(member("lead", 50, "jam"), foreign, invited, declined),
        HACCP_L1,
        passports,
        JAM_ONLY,
        DESCRIBED,
        NOW,
    )
    assert {m.organisation: [g.code for g in m.gaps] for m in result.members} == {
        "lead": [],
        "py": ["eligibility.country"],
        "late": ["consortium.not_accepted"],
    }  # a firm that declined is no longer part of the whole


def test_a_firm_is_in_one_competing_bid_per_lot() -> None:
    check_one_bid_per_firm("f", ["1", "2"], {}, "bid-a")
    check_one_bid_per_firm("f", ["1"], {"1": "bid-a"}, "bid-a")  # its own bid again
    check_one_bid_per_firm("f", ["2"], {"1": "bid-b"}, "bid-a")  # another lot
    with pytest.raises(DomainError) as caught:
        check_one_bid_per_firm("f", ["1", "2"], {"2": "bid-b"}, "bid-a")
    assert caught.value.code == "consortium.firm_taken" and caught.value.kind is ErrorKind.CONFLICT
    with pytest.raises(DomainError):
        check_one_bid_per_firm("f", [WHOLE], {WHOLE: "solo-bid"}, "consortium-bid")


def test_membership_moves() -> None:
    team = vertical(member("lead", 70, "jam"), member("b", 30, "crates", status=MemberStatus.INVITED))
    with pytest.raises(DomainError) as not_lead:
        check_invite(team, "b", "c", bid_submitted=False)
    assert not_lead.value.kind is ErrorKind.FORBIDDEN
    with pytest.raises(DomainError) as twice:
        check_invite(team, "lead", "b", bid_submitted=False)  # already invited
    assert twice.value.code == "consortium.already_member"
    with pytest.raises(DomainError):
        check_invite(team, "lead", "c", bid_submitted=True)
    check_invite(team, "lead", "c", bid_submitted=False)
    with pytest.raises(DomainError) as no_liability:
        check_answer(team, "b", accept=True, liability_accepted=False)
    assert no_liability.value.code == "consortium.liability"
    check_answer(team, "b", accept=True, liability_accepted=True)
    check_answer(team, "b", accept=False, liability_accepted=False)
    with pytest.raises(DomainError):
        check_answer(team, "c", accept=True, liability_accepted=True)  # never invited
    joined = vertical(member("lead", 70, "jam"), member("b", 30, "crates"))
    check_leave(joined, "b", bid_submitted=False)
    for who, submitted in (("lead", False), ("b", True), ("stranger", False)):
        with pytest.raises(DomainError):
            check_leave(joined, who, bid_submitted=submitted)


def test_a_change_by_the_lead_resets_the_confirmations() -> None:
    team = vertical(member("lead", 70, "jam"), member("b", 30, "crates"))
    both = {"lead": "v1", "b": "v1"}
    assert confirmed_members(team.members, both, "v1") == {"lead", "b"} and joint_bid_counts(
        team.members, both, "v1"
    )
    assert confirmed_members(team.members, both, "v2") == frozenset()  # the lead changed the bid
    assert not joint_bid_counts(team.members, {"lead": "v2", "b": "v1"}, "v2")
    assert joint_bid_counts(team.members, {"lead": "v2", "b": "v2"}, "v2")
    pending = vertical(member("lead", 70, "jam"), member("b", 30, "crates", status=MemberStatus.INVITED))
    assert not joint_bid_counts(pending.members, {"lead": "v1", "b": "v1"}, "v1")
    assert not joint_bid_counts(team.members, {}, None)


def test_confirmation_needs_the_current_version_before_the_deadline() -> None:
    team = vertical(member("lead", 70, "jam"), member("b", 30, "crates"))
    facts = RfqFacts(deadline=DEADLINE, published_at=NOW - dt.timedelta(days=1))
    check_confirmation(team, "b", "v2", "v2", facts, DEADLINE - MS)
    with pytest.raises(DomainError) as late:
        check_confirmation(team, "b", "v2", "v2", facts, DEADLINE + MS)
    assert late.value.code == "bid.after_deadline"
    with pytest.raises(DomainError) as stale:
        check_confirmation(team, "b", "v1", "v2", facts, NOW)
    assert stale.value.code == "consortium.bid_changed"
    with pytest.raises(DomainError) as outsider:
        check_confirmation(team, "c", "v2", "v2", facts, NOW)
    assert outsider.value.code == "consortium.not_member"
    with pytest.raises(DomainError) as nothing:
        check_confirmation(team, "b", "v1", None, facts, NOW)
    assert nothing.value.code == "consortium.no_bid"
