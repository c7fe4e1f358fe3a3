"""Matchmaking rules with a fixed clock: what a bid lacks (from the consortium's coverage), how a
candidate closes it (every point with its reason), who is left out, and the ranking."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from market.domain.certificates import CertificateType as C
from market.domain.consortium import Consortium, ConsortiumKind
from market.domain.eligibility import Eligibility, Gap, RequirementSet
from market.domain.matchmaking import (
    Candidate,
    admit,
    partner_needs,
    proposed_share,
    ranking_key,
    score_candidate,
)
from market.domain.organisations import Country, ValueChainLink
from market.domain.readiness import Level
from tests.unit.domain.test_consortium import DESCRIBED, HACCP_L1, ITEMS, NOW, member, passport

CPV = {"jam": "15332290", "crates": "44617000"}


def candidate(org: str = "x", country: Country = Country.UY, **extra: object) -> Candidate:
    values: dict[str, object] = {
        "legal_name": org.upper(),
        "country": country,
        "classification_codes": frozenset({"15330000"}),
        "monthly_capacity": 1500,
        "capacity_unit": "KG ",
        "certificates": frozenset(),
    }
    values.update(extra)
    return Candidate(org, **values)  # type: ignore[arg-type]


def needs_of(*members, kind=ConsortiumKind.VERTICAL, requirements=HACCP_L1, passports=None):
    team = Consortium(kind, members[0].organisation, tuple(members))
    found = passports or {m.organisation: passport(Country.AR, C.HACCP) for m in members}
    return partner_needs(team, requirements, found, ITEMS, DESCRIBED, CPV, NOW)


def test_needs_are_the_uncovered_quantity_and_the_missing_certificates() -> None:
    # vertical: the lead makes 2,000 kg of jam (3,000 needed); nobody supplies the crates
    needs = needs_of(member("lead", 100, "jam"), passports={"lead": passport(Country.AR)})
    assert [(n.item, n.missing, n.cpv_group) for n in needs.items] == [
        ("jam", Decimal(1000), "153"),
        ("crates", Decimal(200), "446"),
    ]
    assert [(n.certificate, n.lacking) for n in needs.certificates] == [(C.HACCP, ("lead",))]
    assert needs.total_quantity == 3200 and needs.members == 1 and needs.any
    # a member that supplies only a transport link needs no HACCP, so it lacks nothing
    with_link = needs_of(
        member("lead", 60, "jam", "crates", monthly_capacity=5000),
        member("truck", 40, link=ValueChainLink.TRANSPORT),
        passports={"lead": passport(Country.AR, C.HACCP), "truck": passport(Country.AR)},
    )
    assert [n.item for n in with_link.items] == ["crates"]  # 5,000 kg a month, but crates are pieces
    assert with_link.certificates == ()


def test_a_candidate_scores_for_each_gap_it_closes_with_a_reason() -> None:
    needs = needs_of(member("lead", 100, "jam"), passports={"lead": passport(Country.AR)})
    full = score_candidate(candidate(certificates=frozenset({C.HACCP}), interest="Cold chain"), needs)
    assert full is not None
    assert [r.code for r in full.reasons] == [
        "partner.supplies",
        "partner.capacity",
        "partner.certificate",
        "partner.interested",
        "partner.country",
    ]
    assert full.items == ("jam",)  # the crates are another CPV group
    assert full.score == 3 + 4 * 1 + 3 + 2  # 1,500 kg covers all 1,000 missing
    assert full.reasons[1].params["covered"] == 1000 and full.reasons[3].params["note"] == "Cold chain"
    assert full.share == Decimal(31)  # 1,000 of 3,200
    partial = score_candidate(candidate(monthly_capacity=250), needs)
    assert partial is not None and partial.score == 3 + 4 * 0.25
    other_unit = score_candidate(candidate(capacity_unit="litres"), needs)
    assert other_unit is not None and [r.code for r in other_unit.reasons] == [
        "partner.supplies",
        "partner.country",
    ]


def test_who_is_left_out() -> None:
    needs = needs_of(member("lead", 100, "jam"), passports={"lead": passport(Country.AR)})
    assert score_candidate(candidate(country=Country.BR, certificates=frozenset({C.HACCP})), needs) is None
    unrelated = candidate(classification_codes=frozenset({"34300000"}), interest="")
    assert score_candidate(unrelated, needs) is None  # interest alone closes no gap
    complete = needs_of(member("lead", 100, "jam", "crates", monthly_capacity=5000, capacity_unit="kg"))
    assert [n.item for n in complete.items] == ["crates"]
    everything = RequirementSet(Level.L0)
    horizontal = needs_of(
        member("lead", 100, monthly_capacity=5000, capacity_unit="kg"),
        kind=ConsortiumKind.HORIZONTAL,
        requirements=everything,
    )
    assert [n.item for n in horizontal.items] == ["crates"]


def test_admission_through_the_gate_and_the_ranking() -> None:
    needs = needs_of(member("lead", 100, "jam"), passports={"lead": passport(Country.AR)})
    a = score_candidate(candidate("a"), needs)
    b = score_candidate(candidate("b", certificates=frozenset({C.HACCP})), needs)
    assert a is not None and b is not None
    assert admit(a, Eligibility((Gap("certificate.missing", "", ""),), Level.L1)) is None
    admitted_a = admit(a, Eligibility((), Level.L3))
    admitted_b = admit(b, Eligibility((), Level.L1))
    assert admitted_a is not None and admitted_b is not None
    assert admitted_a.level == 3 and admitted_a.reasons[-1].code == "partner.eligible"
    same_score_lower_level = admit(candidate_scored_as(a, "c"), Eligibility((), Level.L1))
    assert same_score_lower_level is not None
    ranked = sorted([same_score_lower_level, admitted_a, admitted_b], key=ranking_key)
    assert [s.organisation for s in ranked] == ["b", "a", "c"]  # more gaps closed, then higher level


def candidate_scored_as(suggestion, org: str):
    return dataclasses.replace(suggestion, organisation=org, legal_name=org.upper())


def test_proposed_share() -> None:
    needs = needs_of(member("lead", 100, "jam"), passports={"lead": passport(Country.AR)})
    assert proposed_share(needs, Decimal(1600)) == 50
    assert proposed_share(needs, Decimal(0)) == 50  # no quantity: an equal part with the one member
    assert proposed_share(needs, Decimal(3200)) == 99  # never the whole: the lead keeps a part
