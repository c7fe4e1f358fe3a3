"""Partner matchmaking: on an open RFQ that accepts joint bids, an SME (or its agency) asks "who
could complete my bid?" and gets eligible firms ranked by the gaps they close, each with its reasons
(domain/matchmaking.py).

Cheap first, the gate last: one query reads every supplier of the admitted countries with its
declared codes and capacity, one the verified certificates the bid lacks, one the interest marks;
all are scored in memory; the gate then runs on the best-scored firms only, a batch of passports at
a time, until the ranking is settled.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from market.db import raw
from market.db.tables import Certificate, Organisation, PartnerInterest
from market.domain.accounts import Actor, supports
from market.domain.certificates import CertificateType, Verification, is_valid
from market.domain.consortium import Consortium, ConsortiumKind, Member, MemberStatus
from market.domain.eligibility import RequirementSet, check_eligibility, parse_requirements
from market.domain.errors import N_, Forbidden, NotFound
from market.domain.matchmaking import (
    Candidate,
    PartnerNeeds,
    Suggestion,
    admit,
    partner_needs,
    ranking_key,
    score_candidate,
)
from market.domain.organisations import Country, OrganisationKind
from market.domain.rfq import PricedItem
from market.services import consortia
from market.services.context import ServiceContext
from market.services.organisations import load_organisation, org_ref
from market.services.readiness import certificate_view, passports

SUGGESTIONS = 10
GATE_BATCH = 40


@dataclass(frozen=True)
class Matches:
    asking: dict[str, Any]  # the firm that asks (id, legal_name)
    consortium: uuid.UUID | None  # the consortium it leads or is in, if any
    may_invite: bool  # it leads that consortium: a suggestion becomes an invitation in one click
    kind: ConsortiumKind  # how it bids together (horizontal when it would bid alone)
    needs: PartnerNeeds
    suggestions: list[Suggestion]


async def _asking_firm(actor: Actor, for_organisation: str | None) -> dict[str, Any]:
    """The SME asking: the actor's own firm, or a firm its agency supports."""
    if actor.organisation_kind is OrganisationKind.SME_SUPPLIER and not for_organisation:
        return await load_organisation(actor.organisation_id)
    if actor.organisation_kind is OrganisationKind.SUPPORT_AGENCY and for_organisation:
        firm = await load_organisation(for_organisation)
        if not supports(actor, await org_ref(firm)):
            raise NotFound("organisation")
        return firm
    raise Forbidden("partner.suppliers_only", N_("Only SME suppliers, or their agencies, look for partners."))


async def suggest_partners(
    ctx: ServiceContext,
    actor: Actor,
    rfq_id: str,
    for_organisation: str | None = None,
    limit: int = SUGGESTIONS,
) -> Matches:
    """Who could complete the asking firm's bid on this RFQ: in its consortium if it is in one,
    otherwise as if it bid alone."""
    now = ctx.now()
    firm = await _asking_firm(actor, for_organisation)
    rfq = await consortia.open_for_joint_bids(rfq_id, now)
    own = [
        c for c in await consortia.consortia_of(firm["id"], rfq["id"]) if c["status"] == MemberStatus.ACCEPTED
    ]
    consortium_id = own[0]["id"] if own else None
    if consortium_id is not None:
        row, members = await consortia.load(str(consortium_id))
        rules = consortia.rules_of(row, members)
        known = [m["organisation"] for m in members]
    else:
        rules = Consortium(
            ConsortiumKind.HORIZONTAL,
            str(firm["id"]),
            (
                Member(
                    str(firm["id"]),
                    MemberStatus.ACCEPTED,
                    Decimal(100),
                    liability_accepted=True,
                    monthly_capacity=firm["monthly_capacity"],
                    capacity_unit=firm["capacity_unit"] or "",
                ),
            ),
        )
        members = [{"organisation": firm["id"], "country": firm["country"], "status": "accepted"}]
        known = [firm["id"]]
    requirements = parse_requirements(rfq["requirements"] or {})
    items = await consortia.rfq_items(rfq["id"])
    needs = partner_needs(
        rules,
        requirements,
        await consortia.member_passports(members),
        [PricedItem(str(i["id"]), i["lot"], Decimal(i["quantity"])) for i in items],
        {str(i["id"]): (i["description"], i["unit"]) for i in items},
        {str(i["id"]): i["cpv"] or "" for i in items},
        now,
    )
    found: list[Suggestion] = []
    if needs.any:
        scored = await _scored_candidates(rfq["id"], needs, known, now)
        found = await _admitted(scored, requirements, now, limit)
    return Matches(
        {"id": firm["id"], "legal_name": firm["legal_name"]},
        consortium_id,
        consortium_id is not None and rules.lead == actor.organisation_id,
        rules.kind,
        needs,
        found,
    )


async def _scored_candidates(
    rfq_id: uuid.UUID,
    needs: PartnerNeeds,
    known: list[uuid.UUID],
    now: dt.datetime,
) -> list[tuple[Suggestion, dict[str, Any]]]:
    """Every supplier that closes a gap, best first, before the gate, leaving out the firms
    already in this consortium (in any state). Whether a firm is in another bid changes nothing
    here: who has bid is sealed until the opening."""
    args: list[Any] = [OrganisationKind.SME_SUPPLIER.value]
    sql = (
        "SELECT id, legal_name, country, classification_codes, monthly_capacity, capacity_unit "
        "FROM organisation WHERE kind = {}"
    )
    if needs.countries:
        sql += f" AND country IN ({raw.marks(needs.countries)})"
        args += sorted(c.value for c in needs.countries)
    # the database leaves out firms that declare no missing item's group and hold no lacking certificate
    patterns = _code_patterns(needs.groups)
    ways = ["CAST(classification_codes AS TEXT) LIKE {}" for _ in patterns]
    args += patterns
    lacking = [need.certificate.value for need in needs.certificates]
    if lacking:
        ways.append(
            "id IN (SELECT organisation FROM certificate "  # noqa: S608
            f"WHERE verification = {{}} AND type IN ({raw.marks(lacking)}))"
        )
        args += [Verification.VERIFIED.value, *lacking]
    if not ways:  # only items without a CPV code are missing: no firm can be matched to them
        return []
    firms = await raw.rows(Organisation, f"{sql} AND ({' OR '.join(ways)})", *args)
    certified = await _certified(needs, now)
    # Firms seated in another bid stay suggested: leaving them out would tell every other
    # supplier who has bid (trust 7a). One that cannot join says so to itself when it answers.
    excluded = {str(org) for org in known}
    interest = {
        str(row["organisation"]): row["note"]
        for row in await raw.rows(
            PartnerInterest, "SELECT organisation, note FROM partner_interest WHERE rfq = {}", rfq_id
        )
    }
    scored = []
    wanted = needs.groups
    for firm in firms:
        key = str(firm["id"])
        codes = firm["classification_codes"] or ()
        if key in excluded or (key not in certified and not any(code[:3] in wanted for code in codes)):
            continue  # closes no gap: spare building it
        suggestion = score_candidate(
            Candidate(
                key,
                firm["legal_name"],
                Country(firm["country"]),
                frozenset(codes),
                firm["monthly_capacity"],
                firm["capacity_unit"] or "",
                certified.get(key, frozenset()),
                interest.get(key),
            ),
            needs,
        )
        if suggestion is not None:
            scored.append((suggestion, firm))
    scored.sort(key=lambda pair: ranking_key(pair[0]))
    return scored


def _code_patterns(groups: frozenset[str]) -> list[str]:
    """``LIKE`` patterns that find a declared code of these CPV groups in the stored list (a JSON
    array in SQLite, ``{a,b}`` in PostgreSQL)."""
    if Organisation._meta.db.engine_type == "sqlite":
        return [f'%"{group}%' for group in sorted(groups)]
    return [f"%{edge}{group}%" for group in sorted(groups) for edge in "{,"]


async def _certified(needs: PartnerNeeds, now: dt.datetime) -> dict[str, frozenset[CertificateType]]:
    """The firms holding a valid, verified certificate of a type the bid lacks."""
    wanted = [need.certificate.value for need in needs.certificates]
    if not wanted:
        return {}
    held: dict[str, set[CertificateType]] = {}
    for row in await raw.rows(
        Certificate,
        "SELECT organisation, type, issued_on, expires_on, verification FROM certificate "  # noqa: S608
        f"WHERE verification = {{}} AND type IN ({raw.marks(wanted)})",
        Verification.VERIFIED.value,
        *wanted,
    ):
        view = certificate_view(row)
        if is_valid(view, now):
            held.setdefault(str(row["organisation"]), set()).add(view.type)
    return {org: frozenset(types) for org, types in held.items()}


async def _admitted(
    scored: list[tuple[Suggestion, dict[str, Any]]],
    requirements: RequirementSet,
    now: dt.datetime,
    limit: int,
) -> list[Suggestion]:
    """Run the gate on the best-scored firms, a batch at a time, until no later firm could still
    enter the top ``limit`` (a lower score never outranks a higher one)."""
    admitted: list[Suggestion] = []
    for batch in raw.batches(scored, GATE_BATCH):
        if len(admitted) >= limit and batch[0][0].score < admitted[limit - 1].score:
            break
        found = await passports([{"id": firm["id"], "country": firm["country"]} for _, firm in batch])
        for suggestion, firm in batch:
            kept = admit(suggestion, check_eligibility(requirements, found[str(firm["id"])], now))
            if kept is not None:
                admitted.append(kept)
        admitted.sort(key=ranking_key)
    return admitted[:limit]


def invitation_for(suggestion: Suggestion, kind: ConsortiumKind) -> dict[str, Any]:
    """What the one-click invitation sends: the firm, its proposed share, the items it would supply."""
    return {
        "organisation": suggestion.organisation,
        "share": format(suggestion.share, "f"),
        "items": list(suggestion.items) if kind is ConsortiumKind.VERTICAL else [],
        "link": "",
    }
