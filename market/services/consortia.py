"""Forming consortia: the lead creates one for an open RFQ that allows them, invites firms, they
accept (with joint-and-several liability) or decline, members leave or are replaced before the
joint bid is submitted. Every firm's place in a competing bid is a seat that the database keeps
unique per RFQ and lot, so a firm is never in two competing bids, even when they race."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from market.db import raw
from market.db.tables import Bid, Consortium, ConsortiumMember, Organisation, PartnerInterest, Rfq, RfqItem
from market.domain.accounts import Actor
from market.domain.consortium import (
    TAKING_PART,
    ConsortiumCheck,
    ConsortiumKind,
    Member,
    MemberStatus,
    check_answer,
    check_confirmation,
    check_consortium,
    check_invite,
    check_leave,
    check_parts_change,
)
from market.domain.consortium import Consortium as ConsortiumRules
from market.domain.eligibility import Passport, parse_requirements
from market.domain.errors import N_, DomainError, ErrorKind, FieldCollector, FieldError, Forbidden, NotFound
from market.domain.numbers import number_in_range
from market.domain.organisations import OrganisationKind, ValueChainLink
from market.domain.rfq import PricedItem, Receipt, check_bid_change
from market.services import audit, rfqs
from market.services.context import ServiceContext, parse_id
from market.services.notifications import notify
from market.services.readiness import passports
from market.services.rfqs import JointBid, facts
from market.services.seats import claim_seats, holder_of, release_seats, seat_lots


def require_supplier(actor: Actor) -> None:
    if actor.organisation_kind is not OrganisationKind.SME_SUPPLIER:
        raise Forbidden("consortium.suppliers_only", N_("Only SME suppliers form consortia."))


# -- reading a consortium -----------------------------------------------------------------------


async def published_rfq(rfq_id: uuid.UUID) -> dict[str, Any]:
    row = await Rfq.select().where(Rfq.id == rfq_id).first().output(load_json=True)
    if row is None or row["published_at"] is None:
        raise NotFound("rfq")
    return row


async def rfq_items(rfq_id: uuid.UUID) -> list[dict[str, Any]]:
    return await raw.rows(
        RfqItem,
        "SELECT id, lot, quantity, unit, description, cpv FROM rfq_item WHERE rfq = {} ORDER BY position",
        rfq_id,
    )


async def load(consortium_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    row = (
        await Consortium.select()
        .where(Consortium.id == parse_id(consortium_id, "consortium"))
        .first()
        .output(load_json=True)
    )
    if row is None:
        raise NotFound("consortium")
    members = (
        await ConsortiumMember.select(
            *ConsortiumMember.all_columns(),
            ConsortiumMember.organisation.legal_name.as_alias("legal_name"),
            ConsortiumMember.organisation.monthly_capacity.as_alias("monthly_capacity"),
            ConsortiumMember.organisation.capacity_unit.as_alias("capacity_unit"),
            ConsortiumMember.organisation.country.as_alias("country"),
        )
        .where(ConsortiumMember.consortium == row["id"])
        .output(load_json=True)
    )
    # the lead first, then in the order invited (ties by id, so every page lists them alike)
    members.sort(key=lambda m: (m["organisation"] != row["lead"], m["invited_at"], str(m["organisation"])))
    return row, members


def rules_of(row: dict[str, Any], members: list[dict[str, Any]]) -> ConsortiumRules:
    return ConsortiumRules(
        ConsortiumKind(row["kind"]),
        str(row["lead"]),
        tuple(
            Member(
                str(m["organisation"]),
                MemberStatus(m["status"]),
                Decimal(m["share"]),
                frozenset(m["items"]),
                ValueChainLink(m["link"]) if m["link"] else None,
                m["liability_accepted_at"] is not None,
                m["monthly_capacity"],
                m["capacity_unit"] or "",
            )
            for m in members
        ),
        frozenset(row["lots"]),
    )


def _visible(actor: Actor, row: dict[str, Any], members: list[dict[str, Any]]) -> dict[str, Any]:
    """The consortium as its members (and invited firms) see it; to anyone else it does not exist."""
    mine = next((m for m in members if str(m["organisation"]) == actor.organisation_id), None)
    if mine is None or mine["status"] not in TAKING_PART:
        raise NotFound("consortium")
    return {**row, "members": [m for m in members if m["status"] in TAKING_PART], "my_status": mine["status"]}


async def get_consortium(actor: Actor, consortium_id: str) -> dict[str, Any]:
    """A consortium's page: for the firms taking part (invited or accepted) and nobody else."""
    row, members = await load(consortium_id)
    return _visible(actor, row, members)


async def member_passports(members: list[dict[str, Any]]) -> dict[str, Passport]:
    """The passports of the members taking part, by firm id."""
    return await passports(
        [{"id": m["organisation"], "country": m["country"]} for m in members if m["status"] in TAKING_PART]
    )


async def check_whole(ctx: ServiceContext, actor: Actor, consortium_id: str) -> ConsortiumCheck:
    """The combined gap report of the consortium (for its members)."""
    row, members = await load(consortium_id)
    _visible(actor, row, members)
    rfq = await published_rfq(row["rfq"])
    items = await rfq_items(row["rfq"])
    return check_consortium(
        rules_of(row, members),
        parse_requirements(rfq["requirements"] or {}),
        await member_passports(members),
        [PricedItem(str(i["id"]), i["lot"], Decimal(i["quantity"])) for i in items],
        {str(i["id"]): (i["description"], i["unit"]) for i in items},
        ctx.now(),
    )


# -- forming and changing -------------------------------------------------------------------------


def _part(
    data: Mapping[str, Any],
    items: list[dict[str, Any]],
    errors: FieldCollector,
    prefix: str = "",
    reader: str | None = None,
) -> dict[str, Any]:
    """A member's share (percent), items and value-chain link, as the lead gives them (errors
    under ``prefix`` + the field's name; the share read the ``reader``'s way)."""
    share = number_in_range(
        errors,
        prefix + "share",
        data.get("share"),
        reader,
        low=0,
        above_low=True,
        high=100,
        code="consortium.share",
        message=N_("Give a share above 0 and at most 100 (percent)."),
    )
    if share is None:
        share = Decimal(0)
    known = {str(i["id"]) for i in items}
    chosen = [str(i) for i in data.get("items") or []]
    if any(i not in known for i in chosen):
        errors.add(prefix + "items", "consortium.items", N_("Choose items of this request."))
    link = str(data.get("link") or "")
    if link and link not in {v.value for v in ValueChainLink}:
        errors.add(prefix + "link", "consortium.link", N_("Choose a value-chain link from the list."))
    return {"share": format(share.normalize(), "f"), "items": sorted(set(chosen) & known), "link": link}


async def create_consortium(
    ctx: ServiceContext, actor: Actor, rfq_id: str, data: dict[str, Any], *, reader: str | None = None
) -> dict[str, Any]:
    """The actor's firm leads a new consortium for an open RFQ that allows consortia."""
    require_supplier(actor)
    rfq = await published_rfq(parse_id(rfq_id, "rfq"))
    check_bid_change(facts(rfq), ctx.now())
    if not rfq["allow_consortia"]:
        raise DomainError(
            "consortium.not_allowed", N_("This request does not accept joint bids."), kind=ErrorKind.CONFLICT
        )
    errors = FieldCollector()
    kind = str(data.get("kind") or "")
    if kind not in {k.value for k in ConsortiumKind}:
        errors.add(
            "kind",
            "consortium.kind",
            N_("Choose horizontal (pooled capacity) or vertical (complementary parts)."),
        )
    lot_ids = [lot["id"] for lot in rfq["lots"]]
    lots = [str(lot) for lot in data.get("lots") or []]
    if any(lot not in lot_ids for lot in lots):
        errors.add("lots", "consortium.lots", N_("Choose lots of this request."))
    part = _part(data, await rfq_items(rfq["id"]), errors, reader=reader)
    if not data.get("liability_accepted"):
        errors.add(
            "liability_accepted",
            "consortium.liability",
            N_("Accept joint and several liability for the whole bid to join."),
        )
    errors.raise_if_any()
    consortium_id, lead = uuid.uuid4(), uuid.UUID(actor.organisation_id)
    now = ctx.now()
    async with ctx.transaction():
        await Consortium.insert(
            Consortium(
                id=consortium_id, rfq=rfq["id"], lead=lead, kind=kind, lots=sorted(set(lots)), created_at=now
            )
        )
        await ConsortiumMember.insert(
            ConsortiumMember(
                id=uuid.uuid4(),
                consortium=consortium_id,
                organisation=lead,
                status=MemberStatus.ACCEPTED.value,
                liability_accepted_at=now,
                invited_at=now,
                answered_at=now,
                **part,
            )
        )
        await claim_seats(rfq["id"], seat_lots(rfq["lots"], lots), lead, holder_of(consortium_id))
        await audit.append(
            ctx, actor.user_id, "consortium.formed", str(rfq["id"]), {"consortium": str(consortium_id)}
        )
    return await get_consortium(actor, str(consortium_id))


async def invite(
    ctx: ServiceContext, actor: Actor, consortium_id: str, data: dict[str, Any], *, reader: str | None = None
) -> dict[str, Any]:
    """The lead invites a supplier with its part; the invitee is told."""
    row, members = await load(consortium_id)
    rfq = await published_rfq(row["rfq"])
    check_bid_change(facts(rfq), ctx.now())
    invitee = parse_id(str(data.get("organisation") or ""), "organisation")
    firm = await raw.first(Organisation, "SELECT id, kind FROM organisation WHERE id = {}", invitee)
    if firm is None or firm["kind"] != OrganisationKind.SME_SUPPLIER.value:
        raise NotFound("organisation")
    check_invite(
        rules_of(row, members),
        actor.organisation_id,
        str(invitee),
        bid_submitted=await _current_joint_bid(row["id"]) is not None,
    )
    errors = FieldCollector()
    part = _part(data, await rfq_items(row["rfq"]), errors, reader=reader)
    errors.raise_if_any()
    now = ctx.now()
    async with ctx.transaction():
        earlier = next((m for m in members if m["organisation"] == invitee), None)
        values: dict[str, Any] = {
            "status": MemberStatus.INVITED.value,
            "invited_at": now,
            "answered_at": None,
            **part,
        }
        if earlier is not None:  # invited again after declining or leaving
            changes: dict[Any, Any] = {**values, "liability_accepted_at": None}
            await ConsortiumMember.update(changes).where(ConsortiumMember.id == earlier["id"])
        else:
            await ConsortiumMember.insert(
                ConsortiumMember(id=uuid.uuid4(), consortium=row["id"], organisation=invitee, **values)
            )
        await audit.append(
            ctx,
            actor.user_id,
            "consortium.invited",
            str(row["rfq"]),
            {"consortium": str(row["id"]), "firm": str(invitee)},
        )
        await notify(
            ctx,
            invitee,
            "consortium.invited",
            N_("You are invited to bid together on “%(title)s”."),
            {"title": rfq["title"]},
            f"/consortia/{row['id']}",
        )
    return await get_consortium(actor, consortium_id)


async def answer(
    ctx: ServiceContext, actor: Actor, consortium_id: str, *, accept: bool, liability_accepted: bool
) -> dict[str, Any]:
    """The invited firm accepts (taking its seat, so it can be in no competing bid) or declines."""
    row, members = await load(consortium_id)
    rfq = await published_rfq(row["rfq"])
    check_bid_change(facts(rfq), ctx.now())
    me = uuid.UUID(actor.organisation_id)
    check_answer(rules_of(row, members), str(me), accept=accept, liability_accepted=liability_accepted)
    now = ctx.now()
    async with ctx.transaction():
        if accept:
            try:
                await claim_seats(rfq["id"], seat_lots(rfq["lots"], row["lots"]), me, holder_of(row["id"]))
            except DomainError as error:
                if error.code != "consortium.firm_taken":
                    raise
                # said to the answering firm alone: the lead learns nothing (who has bid is sealed)
                raise DomainError(
                    "consortium.firm_taken",
                    N_(
                        "Your firm is already in another bid on this request (or lot), so it cannot "
                        "join this one: decline the invitation, or withdraw that bid first."
                    ),
                    kind=ErrorKind.CONFLICT,
                ) from None
        await ConsortiumMember.update(
            {
                ConsortiumMember.status: (MemberStatus.ACCEPTED if accept else MemberStatus.DECLINED).value,
                ConsortiumMember.answered_at: now,
                ConsortiumMember.liability_accepted_at: now if accept else None,
            }
        ).where(ConsortiumMember.consortium == row["id"], ConsortiumMember.organisation == me)
        await audit.append(
            ctx,
            actor.user_id,
            "consortium.accepted" if accept else "consortium.declined",
            str(row["rfq"]),
            {"consortium": str(row["id"])},
        )
        await notify(
            ctx,
            row["lead"],
            "consortium.answered",
            N_("A firm accepted your invitation for “%(title)s”.")
            if accept
            else N_("A firm declined your invitation for “%(title)s”."),
            {"title": rfq["title"]},
            f"/consortia/{row['id']}",
        )
    return await get_consortium(actor, consortium_id)


async def leave(
    ctx: ServiceContext, actor: Actor, consortium_id: str, organisation: str | None = None
) -> None:
    """A member leaves, or the lead removes one (to replace it), before the joint bid is submitted."""
    row, members = await load(consortium_id)
    rfq = await published_rfq(row["rfq"])
    check_bid_change(facts(rfq), ctx.now())
    rules = rules_of(row, members)
    leaving = organisation or actor.organisation_id
    if leaving != actor.organisation_id and actor.organisation_id != rules.lead:
        raise Forbidden("consortium.lead_only", N_("Only the lead firm does this."))
    check_leave(rules, leaving, bid_submitted=await _current_joint_bid(row["id"]) is not None)
    status = MemberStatus.LEFT if leaving == actor.organisation_id else MemberStatus.REMOVED
    firm = uuid.UUID(leaving)
    async with ctx.transaction():
        await ConsortiumMember.update(
            {ConsortiumMember.status: status.value, ConsortiumMember.answered_at: ctx.now()}
        ).where(ConsortiumMember.consortium == row["id"], ConsortiumMember.organisation == firm)
        await release_seats(rfq["id"], firm, holder_of(row["id"]))
        await audit.append(
            ctx,
            actor.user_id,
            f"consortium.{status.value}",
            str(row["rfq"]),
            {"consortium": str(row["id"]), "firm": leaving},
        )
    # after the commit: the firm's people stop hearing the joint bid, in every process
    ctx.announce(membership_channel(row["id"], firm), MEMBERSHIP_ENDED)


async def set_parts(
    ctx: ServiceContext,
    actor: Actor,
    consortium_id: str,
    parts: Mapping[str, Mapping[str, Any]],
    *,
    reader: str | None = None,
) -> dict[str, Any]:
    """The lead changes members' shares, items and links (``parts`` by firm id) until the joint
    bid is submitted; members and fields not named keep theirs."""
    row, members = await load(consortium_id)
    _visible(actor, row, members)
    rfq = await published_rfq(row["rfq"])
    check_bid_change(facts(rfq), ctx.now())
    check_parts_change(
        rules_of(row, members),
        actor.organisation_id,
        bid_submitted=await _current_joint_bid(row["id"]) is not None,
    )
    taking_part = {str(m["organisation"]): m for m in members if m["status"] in TAKING_PART}
    items = await rfq_items(row["rfq"])
    errors = FieldCollector()
    changes: dict[str, dict[Any, Any]] = {}
    for firm, data in parts.items():
        if firm not in taking_part:
            errors.add(f"members.{firm}", "consortium.not_member", N_("This firm is not in the consortium."))
            continue
        current = taking_part[firm]
        given = {"share": current["share"], "items": current["items"], "link": current["link"], **data}
        # a share kept as it is was saved in the canonical form; one given is read the reader's way
        changes[firm] = _part(given, items, errors, f"members.{firm}.", reader if "share" in data else None)
    errors.raise_if_any()
    async with ctx.transaction():
        for firm, part in changes.items():
            await ConsortiumMember.update(part).where(ConsortiumMember.id == taking_part[firm]["id"])
        await audit.append(
            ctx, actor.user_id, "consortium.parts_changed", str(row["rfq"]), {"consortium": str(row["id"])}
        )
    return await get_consortium(actor, consortium_id)


async def consortia_of(organisation: str | uuid.UUID, rfq_id: str | uuid.UUID) -> list[dict[str, Any]]:
    """The consortia of this RFQ that the firm takes part in (invited or accepted; at most one
    accepted), each with the firm's status."""
    return await raw.rows(
        Consortium,
        "SELECT c.id, c.kind, m.status FROM consortium c JOIN consortium_member m ON m.consortium = c.id "
        "WHERE c.rfq = {} AND m.organisation = {} AND m.status IN ('invited', 'accepted')",
        parse_id(rfq_id, "rfq"),
        uuid.UUID(str(organisation)),
    )


# -- the joint bid --------------------------------------------------------------------------------


async def _current_joint_bid(consortium_id: uuid.UUID) -> dict[str, Any] | None:
    return await raw.first(
        Bid,
        "SELECT id, bidder, content, total_price, sha256, received_at FROM bid "
        "WHERE consortium = {} AND status = {}",
        consortium_id,
        rfqs.ACTIVE,
    )


async def submit_joint_bid(
    ctx: ServiceContext,
    actor: Actor,
    consortium_id: str,
    raw_bid: dict[str, Any],
    idempotency_key: str,
    *,
    reader: str | None = None,
) -> Receipt:
    """The lead submits (or replaces) the consortium's sealed bid, with the split across members
    sealed into it. The whole must pass the consortium's check at the moment of writing; the lead's
    own submission is its confirmation, every other member confirms this exact version."""
    row, members = await load(consortium_id)
    if str(row["lead"]) != actor.organisation_id:
        raise Forbidden("consortium.lead_only", N_("Only the lead firm does this."))
    split = [
        {
            "organisation": str(m["organisation"]),
            "legal_name": m["legal_name"],
            "share": m["share"],
            "items": m["items"],
            "link": m["link"],
        }
        for m in members
        if m["status"] in TAKING_PART
    ]

    async def check(now: dt.datetime) -> None:
        result = await check_whole(dataclasses.replace(ctx, clock=lambda: now), actor, consortium_id)
        if not result.eligible:
            gaps = [(m.organisation, g) for m in result.members for g in m.gaps]
            gaps += [("", g) for g in result.uncovered]
            raise DomainError(
                "consortium.not_eligible",
                N_("The consortium cannot bid yet: see what each member still lacks."),
                kind=ErrorKind.FORBIDDEN,
                fields=[
                    FieldError(
                        f"members.{org}" if org else "consortium", g.code, g.message, dict(g.params), g.action
                    )
                    for org, g in gaps
                ],
            )

    async def sealed(digest: str, now: dt.datetime) -> None:
        await ConsortiumMember.update(
            {ConsortiumMember.confirmed_hash: digest, ConsortiumMember.confirmed_at: now}
        ).where(ConsortiumMember.consortium == row["id"], ConsortiumMember.organisation == row["lead"])
        # the bid's sealed split names every member; changing it asks each one again (new hash)

    joint = JointBid(row["id"], frozenset(row["lots"]), split, check, sealed)
    receipt = await rfqs.submit_bid(
        ctx, actor, str(row["rfq"]), raw_bid, idempotency_key, joint=joint, reader=reader
    )
    ctx.announce(consortium_channel(row["id"]), await confirmation_state(row["id"]))
    return receipt


async def confirmation_state(consortium_id: uuid.UUID) -> dict[str, Any]:
    """Who confirmed which version: what the members' live pages show (never the prices)."""
    bid = await _current_joint_bid(consortium_id)
    sha = bid["sha256"] if bid else None
    confirmed, counts = await rfqs.joint_confirmations(consortium_id, sha)
    return {"type": "confirmations", "sha256": sha, "confirmed": confirmed, "counts": counts}


async def withdraw_joint_bid(ctx: ServiceContext, actor: Actor, consortium_id: str) -> None:
    """The lead withdraws the consortium's joint bid while the RFQ is open; a bid of any member
    alone is untouched. The firms keep their seats (the consortium may bid again) and every other
    member is told."""
    row, members = await load(consortium_id)
    _visible(actor, row, members)
    if str(row["lead"]) != actor.organisation_id:
        raise Forbidden("consortium.lead_only", N_("Only the lead firm does this."))
    async with ctx.transaction():
        rfq = await published_rfq(row["rfq"])  # read inside the writer: the deadline as it is now
        now = ctx.now()
        check_bid_change(facts(rfq), now)
        ended = (
            await Bid.update({Bid.status: rfqs.WITHDRAWN, Bid.ended_at: now})
            .where(Bid.consortium == row["id"], Bid.status == rfqs.ACTIVE)
            .returning(Bid.id)
        )
        if not ended:
            raise NotFound("bid")
        await audit.append(
            ctx,
            actor.user_id,
            "bid.withdrawn",
            str(row["rfq"]),
            {"bid": str(ended[0]["id"]), "consortium": str(row["id"])},
        )
        for member in members:
            if member["status"] in TAKING_PART and member["organisation"] != row["lead"]:
                await notify(
                    ctx,
                    member["organisation"],
                    "consortium.bid_withdrawn",
                    N_("The lead firm withdrew your consortium's bid on “%(title)s”."),
                    {"title": rfq["title"]},
                    f"/consortia/{row['id']}",
                )
    rfqs._announce_bids(ctx, row["rfq"])
    ctx.announce(consortium_channel(row["id"]), await confirmation_state(row["id"]))


def consortium_channel(consortium_id: uuid.UUID | str) -> str:
    return f"consortium:{consortium_id}"


def membership_channel(consortium_id: uuid.UUID | str, organisation: uuid.UUID | str) -> str:
    """Where the end of one firm's membership is announced: its people's sockets close."""
    return f"consortium-member-end.{consortium_id}.{organisation}"


MEMBERSHIP_ENDED = {"type": "membership_ended"}


async def joint_bid(actor: Actor, consortium_id: str) -> dict[str, Any] | None:
    """The current joint bid with who confirmed it: for the members, sealed for everyone else."""
    row, members = await load(consortium_id)
    if _visible(actor, row, members)["my_status"] != MemberStatus.ACCEPTED.value:
        raise NotFound("bid")  # an invited firm sees who is in, not the prices, until it joins
    bid = await _current_joint_bid(row["id"])
    if bid is None:
        return None
    if isinstance(bid["content"], str):
        bid["content"] = json.loads(bid["content"])
    bid["confirmed"], bid["counts"] = await rfqs.joint_confirmations(row["id"], bid["sha256"])
    return bid


async def confirm_joint_bid(
    ctx: ServiceContext, actor: Actor, consortium_id: str, seen_hash: str
) -> dict[str, Any]:
    """A member confirms the exact version it was shown (its hash), while the RFQ is open."""
    row, members = await load(consortium_id)
    rules = rules_of(row, members)
    me = uuid.UUID(actor.organisation_id)
    async with ctx.transaction():
        rfq = await published_rfq(
            row["rfq"]
        )  # read inside the writer: the deadline and the bid as they are now
        current = await _current_joint_bid(row["id"])
        check_confirmation(
            rules, str(me), seen_hash.strip(), current["sha256"] if current else None, facts(rfq), ctx.now()
        )
        await ConsortiumMember.update(
            {ConsortiumMember.confirmed_hash: seen_hash.strip(), ConsortiumMember.confirmed_at: ctx.now()}
        ).where(ConsortiumMember.consortium == row["id"], ConsortiumMember.organisation == me)
        await audit.append(
            ctx,
            actor.user_id,
            "consortium.confirmed",
            str(row["rfq"]),
            {"consortium": str(row["id"]), "sha256": seen_hash.strip()},
        )
    ctx.announce(consortium_channel(row["id"]), await confirmation_state(row["id"]))
    bid = await joint_bid(actor, consortium_id)
    assert bid is not None
    return bid


# -- interest in bidding together ---------------------------------------------------------------


async def open_for_joint_bids(rfq_id: str, now: dt.datetime) -> dict[str, Any]:
    rfq = await published_rfq(parse_id(rfq_id, "rfq"))
    check_bid_change(facts(rfq), now)
    if not rfq["allow_consortia"]:
        raise DomainError(
            "consortium.not_allowed", N_("This request does not accept joint bids."), kind=ErrorKind.CONFLICT
        )
    return rfq


async def mark_interest(ctx: ServiceContext, actor: Actor, rfq_id: str, note: str) -> None:
    """The actor's firm tells other suppliers it would bid together on this RFQ (again: the note
    is updated)."""
    require_supplier(actor)
    rfq = await open_for_joint_bids(rfq_id, ctx.now())
    text = note.strip()
    if len(text) > 300:
        raise DomainError("consortium.note_length", N_("At most 300 characters."))
    firm = uuid.UUID(actor.organisation_id)
    async with ctx.transaction():
        await PartnerInterest.delete().where(
            PartnerInterest.rfq == rfq["id"], PartnerInterest.organisation == firm
        )
        await PartnerInterest.insert(
            PartnerInterest(
                id=uuid.uuid4(), rfq=rfq["id"], organisation=firm, note=text, created_at=ctx.now()
            )
        )


async def withdraw_interest(ctx: ServiceContext, actor: Actor, rfq_id: str) -> None:
    require_supplier(actor)
    await PartnerInterest.delete().where(
        PartnerInterest.rfq == parse_id(rfq_id, "rfq"),
        PartnerInterest.organisation == uuid.UUID(actor.organisation_id),
    )


async def interested_firms(actor: Actor, rfq_id: str) -> list[dict[str, Any]]:
    """Suppliers that would bid together on this RFQ, for other suppliers to find (with what an
    invitation needs: country and tax id). Buyers do not see who may bid."""
    require_supplier(actor)
    rfq = await published_rfq(parse_id(rfq_id, "rfq"))
    rows = (
        await PartnerInterest.select(
            PartnerInterest.organisation,
            PartnerInterest.note,
            PartnerInterest.created_at,
            PartnerInterest.organisation.legal_name.as_alias("legal_name"),
            PartnerInterest.organisation.country.as_alias("country"),
            PartnerInterest.organisation.tax_id.as_alias("tax_id"),
            PartnerInterest.organisation.value_chain_links.as_alias("value_chain_links"),
            PartnerInterest.organisation.monthly_capacity.as_alias("monthly_capacity"),
            PartnerInterest.organisation.capacity_unit.as_alias("capacity_unit"),
        )
        .where(PartnerInterest.rfq == rfq["id"])
        .order_by(PartnerInterest.created_at)
    )
    for row in rows:
        row["mine"] = str(row["organisation"]) == actor.organisation_id
    return rows
