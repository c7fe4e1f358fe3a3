"""RFQs and sealed bids: drafting, publishing, amending, bidding with receipts, opening."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from market.db import raw
from market.db.engine import is_unique_violation
from market.db.tables import (
    Bid,
    BidFile,
    ConsortiumMember,
    Organisation,
    Rfq,
    RfqItem,
    RfqQuestion,
    SupplierAward,
)
from market.domain.accounts import Actor
from market.domain.consortium import Member, MemberStatus, bid_items, confirmed_members, joint_bid_counts
from market.domain.dates import check_deadline
from market.domain.eligibility import Passport, check_eligibility, parse_requirements
from market.domain.errors import N_, DomainError, ErrorKind, FieldCollector, FieldError, Forbidden, NotFound
from market.domain.money import Money
from market.domain.numbers import NumberError, number_in_range, read_number
from market.domain.organisations import CPV_CODE, OrganisationKind
from market.domain.performance import awarded_parts
from market.domain.readiness import assess_level
from market.domain.rfq import (
    ACTIVE,
    CURRENCIES,
    DEFAULT_STANDSTILL,
    RFQ_LANGUAGES,
    SUPERSEDED,
    WHOLE,
    WITHDRAWN,
    AwardCriteria,
    BidForEvaluation,
    KeyUse,
    PricedItem,
    Receipt,
    RfqFacts,
    RfqStatus,
    awaits_reconfirmation,
    bid_hash,
    check_amend,
    check_award,
    check_bid_change,
    check_cancel,
    check_open,
    check_publish,
    check_same_version,
    evaluate,
    in_language,
    item_lots,
    lot_totals,
    may_see_bid_contents,
    may_see_bid_count,
    parse_lots,
    parse_translations,
    replay,
    request_fingerprint,
    status,
    validate_bid,
)
from market.domain.search import BoardQuery, BoardSort, cpv_word, parse_board_query, search_text
from market.services import audit
from market.services.certificates import Upload, safe_filename, sniff
from market.services.context import ServiceContext, load_by_id, parse_id
from market.services.notifications import notify, notify_many
from market.services.readiness import passports
from market.services.seats import claim_seats, holder_of, release_seats, solo_holder

MAX_PER_PAGE = 100


def facts(row: dict[str, Any]) -> RfqFacts:
    return RfqFacts(
        deadline=row["deadline"],
        published_at=row["published_at"],
        opened_at=row["opened_at"],
        evaluated_at=row["evaluated_at"],
        awarded_at=row["awarded_at"],
        completed_at=row["completed_at"],
        cancelled_at=row["cancelled_at"],
        unsuccessful_at=row["unsuccessful_at"],
    )


def require_buyer(actor: Actor) -> None:
    if actor.organisation_kind is not OrganisationKind.LEAD_FIRM:
        raise Forbidden("rfq.buyers_only", N_("Only lead firms post requests for quotation."))


def _deadline(raw: Any, errors: FieldCollector, now: dt.datetime) -> dt.datetime | None:
    """The deadline sent, in UTC, if a person may set it now (``market.domain.dates``)."""
    text = str(raw or "").strip()
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            errors.add(
                "deadline", "rfq.deadline_zone", N_("Give the deadline's time zone (for example -03:00).")
            )
            return None
        return check_deadline(errors, "deadline", moment.astimezone(dt.UTC), now)
    except OverflowError:  # in UTC it falls before year 1 or after 9999: out of range all the same
        return check_deadline(errors, "deadline", dt.datetime.max.replace(tzinfo=dt.UTC), now)
    except ValueError:
        errors.add(
            "deadline", "rfq.deadline_invalid", N_("Enter the deadline as a date and time with its zone.")
        )
        return None


def _validate_rfq(
    data: dict[str, Any], reader: str | None, now: dt.datetime
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The RFQ's fields and items; numbers are read the ``reader``'s way (``market.domain.numbers``)."""
    errors = FieldCollector()
    title = str(data.get("title") or "").strip()
    if not 5 <= len(title) <= 200:
        errors.add("title", "rfq.title_length", N_("Give a title of 5 to 200 characters."))
    description = str(data.get("description") or "").strip()
    if len(description) > 10_000:
        errors.add("description", "rfq.description_length", N_("At most 10,000 characters."))
    currency = str(data.get("currency") or "").upper()
    if currency not in CURRENCIES:
        errors.add(
            "currency", "rfq.currency_unknown", N_("Choose a currency: %(list)s."), list=", ".join(CURRENCIES)
        )
    weights = data.get("criteria") or {"price": 100, "lead_time": 0, "quality": 0}
    try:
        criteria = AwardCriteria(
            *(
                int(read_number(weights.get(k, 0), reader, whole=True))
                for k in ("price", "lead_time", "quality")
            ),
        )
    except NumberError as error:
        errors.add("criteria", error.code, error.message, **error.params)
        criteria = AwardCriteria()
    except (DomainError, TypeError, ValueError, AttributeError):
        errors.add("criteria", "rfq.weights_invalid", N_("The weights must be 0 or more and add up to 100."))
        criteria = AwardCriteria()
    requirements = data.get("requirements") or {}
    try:
        parse_requirements(requirements)
    except DomainError as error:
        for problem in error.fields:
            errors.add(f"requirements.{problem.field}", problem.code, problem.message, **problem.params)
    items = []
    raw_items = (data.get("items") or [])[:201]
    if not 1 <= len(raw_items) <= 200:
        errors.add("items", "rfq.items_count", N_("List from 1 to 200 items."))
    lots = parse_lots(data.get("lots") or [], errors)
    for index, (item, lot) in enumerate(
        zip(raw_items[:200], item_lots(lots, raw_items[:200], errors), strict=True)
    ):
        where = f"items.{index}"
        text = str(item.get("description") or "").strip()
        if not 2 <= len(text) <= 300:
            errors.add(
                f"{where}.description", "rfq.item_description", N_("Describe the item (2 to 300 characters).")
            )
        quantity = number_in_range(
            errors,
            f"{where}.quantity",
            item.get("quantity"),
            reader,
            low=0,
            above_low=True,
            high=Decimal("1e12"),
            code="rfq.item_quantity",
            message=N_("Enter a quantity above zero."),
        )
        if quantity is None:
            quantity = Decimal(1)
        unit = str(item.get("unit") or "").strip()
        if not 1 <= len(unit) <= 20:
            errors.add(f"{where}.unit", "rfq.item_unit", N_("Give the unit (pieces, kg, m²…)."))
        cpv = str(item.get("cpv") or "").strip()
        if cpv and not CPV_CODE.match(cpv):
            errors.add(f"{where}.cpv", "rfq.item_cpv", N_("A CPV code has 8 digits, like 34300000."))
        items.append(
            {
                "description": text,
                "quantity": format(quantity.normalize(), "f"),
                "unit": unit,
                "cpv": cpv.split("-")[0],
                "delivery_place": str(item.get("delivery_place") or "").strip()[:200],
                "lot": lot,
            }
        )
    deadline = _deadline(data.get("deadline"), errors, now)
    language = str(data.get("language") or "en")
    if language not in RFQ_LANGUAGES:
        errors.add("language", "rfq.language", N_("Choose English, Spanish or Portuguese."))
    translations = parse_translations(data.get("translations"), language, errors)
    errors.raise_if_any()
    fields = {
        "title": title,
        "description": description,
        "language": language,
        "translations": translations,
        "currency": currency,
        "criteria": {"price": criteria.price, "lead_time": criteria.lead_time, "quality": criteria.quality},
        "requirements": requirements,
        "allow_consortia": bool(data.get("allow_consortia")),
        "deadline": deadline,
        "lots": lots,
    }
    return fields, items


async def create_rfq(
    ctx: ServiceContext, actor: Actor, data: dict[str, Any], *, reader: str | None = None
) -> dict[str, Any]:
    """A draft RFQ of the actor's lead firm; nothing is visible to suppliers until it is published.
    Numbers typed in the portal are read the ``reader``'s way; ``None`` is the API's one form."""
    require_buyer(actor)
    fields, items = _validate_rfq(data, reader, ctx.now())
    rfq_id = uuid.uuid4()
    async with ctx.transaction():
        await Rfq.insert(
            Rfq(
                id=rfq_id,
                buyer=uuid.UUID(actor.organisation_id),
                created_by=uuid.UUID(actor.user_id),
                created_at=ctx.now(),
                updated_at=ctx.now(),
                search_text=search_text(
                    " ".join([fields["title"], *(t["title"] for t in fields["translations"].values())]),
                    " ".join(
                        [fields["description"], *(t["description"] for t in fields["translations"].values())]
                    ),
                    items,
                ),
                **fields,
            )
        )
        for position, item in enumerate(items, start=1):
            await RfqItem.insert(RfqItem(id=uuid.uuid4(), rfq=rfq_id, position=position, **item))
    return await load_by_id(Rfq, rfq_id, "rfq")


async def own_rfq(actor: Actor, rfq_id: str) -> dict[str, Any]:
    require_buyer(actor)
    row = await Rfq.select().where(Rfq.id == parse_id(rfq_id, "rfq")).first().output(load_json=True)
    if row is None or str(row["buyer"]) != actor.organisation_id:
        raise NotFound("rfq")
    return row


async def publish(ctx: ServiceContext, actor: Actor, rfq_id: str) -> dict[str, Any]:
    async with ctx.transaction():
        row = await own_rfq(actor, rfq_id)
        now = ctx.now()
        check_publish(facts(row), now, accredited=actor.accredited)
        await Rfq.update({Rfq.published_at: now, Rfq.updated_at: now}).where(Rfq.id == row["id"])
        await audit.append(
            ctx, actor.user_id, "rfq.published", str(row["id"]), {"deadline": row["deadline"].isoformat()}
        )
    await announce_state(ctx, row["id"])
    ctx.announce(BOARD_CHANNEL, {"type": "published", "rfq": str(row["id"]), "at": ctx.now().isoformat()})
    await _tell_matching_suppliers(ctx, row)
    return await get_rfq(actor, rfq_id)


async def _tell_matching_suppliers(ctx: ServiceContext, rfq: dict[str, Any]) -> None:
    """Tell every SME whose declared classification codes share a CPV group (first three digits)
    with an item of the RFQ, and whose country the RFQ admits, that it was published."""
    items = await raw.rows(RfqItem, "SELECT cpv FROM rfq_item WHERE rfq = {}", rfq["id"])
    groups = {item["cpv"][:3] for item in items if item["cpv"]}
    if not groups:
        return
    countries = {country.value for country in parse_requirements(rfq["requirements"] or {}).countries}
    firms = await raw.rows(
        Organisation,
        "SELECT id, country, classification_codes FROM organisation WHERE kind = {}",
        "sme_supplier",
    )
    for firm in firms:
        codes = {code[:3] for code in firm["classification_codes"] or []}
        if (countries and firm["country"] not in countries) or not groups & codes:
            continue
        await notify(
            ctx,
            firm["id"],
            "rfq.matching",
            N_("A new request for quotation matches what your firm supplies: “%(title)s”."),
            {"title": rfq["title"]},
            f"/rfqs/{rfq['id']}",
        )


async def _tell_bidders(
    ctx: ServiceContext, rfq: dict[str, Any], code: str, message: str, **params: Any
) -> None:
    """Tell every firm with a current bid on ``rfq``."""
    bidders = await raw.rows(
        Bid, "SELECT DISTINCT bidder FROM bid WHERE rfq = {} AND status = {}", rfq["id"], ACTIVE
    )
    await notify_many(
        ctx,
        [bidder["bidder"] for bidder in bidders],
        code,
        message,
        {"title": rfq["title"], **params},
        f"/rfqs/{rfq['id']}",
    )


async def amend(ctx: ServiceContext, actor: Actor, rfq_id: str, new_deadline: str) -> dict[str, Any]:
    """Extend the deadline of an open RFQ; the one deadline value moves for every check at once."""
    errors = FieldCollector()
    moment = _deadline(new_deadline, errors, ctx.now())
    errors.raise_if_any()
    if moment is None:
        raise DomainError("rfq.deadline_invalid", N_("Enter the deadline as a date and time with its zone."))
    async with ctx.transaction():
        row = await own_rfq(actor, rfq_id)
        check_amend(facts(row), ctx.now(), moment)
        await Rfq.update(
            {Rfq.deadline: moment, Rfq.amendments: row["amendments"] + 1, Rfq.updated_at: ctx.now()}
        ).where(Rfq.id == row["id"])
        await audit.append(
            ctx,
            actor.user_id,
            "rfq.amended",
            str(row["id"]),
            {"old_deadline": row["deadline"].isoformat(), "deadline": moment.isoformat()},
        )
        await _tell_bidders(
            ctx,
            row,
            "rfq.amended",
            N_(
                "The deadline of “%(title)s” moved to %(deadline)s (UTC). Your bid stands as sent: please "
                "confirm it for the new deadline on the RFQ's page, or replace it."
            ),
            deadline=moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M"),
        )
    await announce_state(ctx, row["id"])
    return await get_rfq(actor, rfq_id)


async def cancel(ctx: ServiceContext, actor: Actor, rfq_id: str, reason: str) -> dict[str, Any]:
    async with ctx.transaction():
        row = await own_rfq(actor, rfq_id)
        check_cancel(facts(row), ctx.now(), reason)
        await Rfq.update({Rfq.cancelled_at: ctx.now(), Rfq.end_reason: reason.strip()}).where(
            Rfq.id == row["id"]
        )
        await audit.append(ctx, actor.user_id, "rfq.cancelled", str(row["id"]), {"reason": reason.strip()})
    await announce_state(ctx, row["id"])
    return await get_rfq(actor, rfq_id)


async def get_rfq(actor: Actor, rfq_id: str) -> dict[str, Any]:
    """An RFQ with its items: drafts only for their buyer, published ones for every signed-in user."""
    row = await Rfq.select().where(Rfq.id == parse_id(rfq_id, "rfq")).first().output(load_json=True)
    if row is None or (row["published_at"] is None and str(row["buyer"]) != actor.organisation_id):
        raise NotFound("rfq")
    row["items"] = await RfqItem.select().where(RfqItem.rfq == row["id"]).order_by(RfqItem.position)
    titles = {lot["id"]: lot["title"] for lot in row["lots"]}
    for item in row["items"]:
        item["lot_title"] = titles.get(item["lot"], "")
    # None: sealed for this viewer (trust 7a), not even counted, so nothing about it changes
    row["bid_count"] = (
        await Bid.count().where(Bid.rfq == row["id"], Bid.status == ACTIVE)
        if may_see_bid_count(facts(row), is_buyer=str(row["buyer"]) == actor.organisation_id)
        else None
    )
    return row


_OPEN_RFQS = "WHERE r.published_at IS NOT NULL AND r.cancelled_at IS NULL AND r.deadline > {}"

# The distinct requirement sets of open RFQs, one index seek each (a loose index scan over
# rfq_board_requirements) instead of reading every open RFQ: few sets exist, many RFQs share them.
_OPEN_REQUIREMENT_SETS = (
    "WITH RECURSIVE requirement_set(req) AS ("
    "SELECT MIN(CAST(requirements AS TEXT)) FROM rfq WHERE published_at IS NOT NULL AND cancelled_at IS NULL "
    "UNION ALL SELECT (SELECT MIN(CAST(r.requirements AS TEXT)) FROM rfq r WHERE r.published_at IS NOT NULL "
    "AND r.cancelled_at IS NULL AND CAST(r.requirements AS TEXT) > s.req) "
    "FROM requirement_set s WHERE s.req IS NOT NULL) "
    "SELECT s.req FROM requirement_set s WHERE s.req IS NOT NULL AND EXISTS (SELECT 1 FROM rfq r "
    "WHERE r.published_at IS NOT NULL AND r.cancelled_at IS NULL AND CAST(r.requirements AS TEXT) = s.req "
    "AND r.deadline > {})"
)


async def board(
    now: dt.datetime,
    query: BoardQuery | None = None,
    page: int = 1,
    per_page: int = 20,
    bidder: Passport | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """Published RFQs still open for bids that match ``query``; with ``eligible_only``, only those
    whose requirements ``bidder`` meets. Few distinct requirement sets exist, so each is checked
    once and the matching ones become one more condition of the query."""
    query = query or BoardQuery()
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    where = page_where = _OPEN_RFQS
    args: list[Any] = [now]
    # every word, as the start of a word ("valv" finds "válvulas"); a CPV prefix is the start of a CPV word
    words = query.terms + ([cpv_word(query.cpv)] if query.cpv else [])
    if words:
        if Rfq._meta.db.engine_type == "sqlite":
            # The count looks up each match by its key; the page walks the board index in order and
            # checks each entry's key against the matches ("+" keeps SQLite from doing it the other
            # way round), so it stops after a page whether few or most RFQs match.
            match = "r.search_key IN (SELECT rowid FROM rfq_search WHERE rfq_search MATCH {})"
            where += f" AND {match}"
            page_where += f" AND +{match}"
            args.append(" ".join(f'"{word}"*' for word in words))
        else:
            match = "r.search_vector @@ to_tsquery('simple', {})"
            where += f" AND {match}"
            page_where += f" AND {match}"
            args.append(" & ".join(f"{word}:*" for word in words))
    filters = ""
    if query.currency:
        filters += " AND r.currency = {}"
        args.append(query.currency)
    if query.country is not None:
        filters += " AND r.buyer IN (SELECT bo.id FROM organisation bo WHERE bo.country = {})"
        args.append(query.country.value)
    if query.closes_by is not None:
        filters += " AND r.deadline < {}"
        args.append(dt.datetime.combine(query.closes_by + dt.timedelta(days=1), dt.time(), dt.UTC))
    if query.eligible_only and bidder is not None:
        requirement_sets = await raw.rows(Rfq, _OPEN_REQUIREMENT_SETS, now)
        met = [
            row["req"]
            for row in requirement_sets
            if check_eligibility(parse_requirements(json.loads(row["req"] or "{}")), bidder, now).eligible
        ]
        if not met:
            return [], 0
        filters += f" AND CAST(r.requirements AS TEXT) IN ({', '.join('{}' for _ in met)})"
        args += met
    where += filters
    page_where += filters
    # Every piece of SQL spliced in below is fixed text of this function; values travel as {} args.
    count = f"SELECT COUNT(*) AS n FROM rfq r {where}"  # noqa: S608
    order = "r.published_at DESC, r.id DESC" if query.sort is BoardSort.NEWEST else "r.deadline, r.id"
    # The page and the count in one statement (one trip to the database): the count is computed once.
    rows = await raw.rows(
        Rfq,
        "SELECT r.id, r.title, r.language, r.translations, r.currency, r.deadline, r.published_at, "  # noqa: S608
        f"o.legal_name AS buyer_name, ({count}) AS total "
        f"FROM rfq r JOIN organisation o ON o.id = r.buyer {page_where} ORDER BY {order} "
        f"LIMIT {per_page} OFFSET {(max(1, page) - 1) * per_page}",
        *args,
        *args,
    )
    if rows:
        total = int(rows[0]["total"])
    elif page > 1:  # past the last page: the count has no row to ride on
        counted = await raw.first(Rfq, count, *args)
        total = int(counted["n"]) if counted else 0
    else:
        total = 0
    for row in rows:
        del row["total"]
        if isinstance(row["translations"], str):
            row["translations"] = json.loads(row["translations"])
    return rows, total


PASSPORT_BATCH = 500


async def _passports_of_firms(firm_ids: list[uuid.UUID]) -> dict[str, Passport]:
    """The passports of these firms by id (as the gate reads them), a few hundred firms per query;
    a firm that does not exist has none."""
    ids = list(dict.fromkeys(firm_ids))
    found: dict[str, Passport] = {}
    for batch in raw.batches(ids, PASSPORT_BATCH):
        firms = await raw.rows(
            Organisation,
            f"SELECT id, country FROM organisation WHERE id IN ({raw.marks(batch)})",  # noqa: S608
            *batch,
        )
        found |= await passports(firms)
    return found


async def _passport_of(actor: Actor) -> Passport:
    """The passport of the actor's own firm, as the gate reads it."""
    found = await _passports_of_firms([uuid.UUID(actor.organisation_id)])
    if actor.organisation_id not in found:
        raise NotFound("organisation")
    return found[actor.organisation_id]


async def search_board(
    ctx: ServiceContext,
    actor: Actor,
    raw_query: dict[str, str],
    language: str,
    page: int = 1,
    per_page: int = 20,
) -> tuple[list[dict[str, Any]], int]:
    """The board as a signed-in person searches it, titles in ``language`` where the buyer
    translated them; "eligible only" uses their firm's passport."""
    query = parse_board_query(raw_query)
    bidder = None
    if query.eligible_only and actor.organisation_kind is OrganisationKind.SME_SUPPLIER:
        bidder = await _passport_of(actor)
    rows, total = await board(ctx.now(), query, page, per_page, bidder)
    for row in rows:
        row["title"] = in_language(row["title"], "", row["language"], row["translations"], language)[0]
    return rows, total


# -- bids -----------------------------------------------------------------------------------------


async def _key_use(bidder: uuid.UUID, rfq_id: uuid.UUID, key: str) -> KeyUse | None:
    """What this firm's earlier request with this idempotency key on this RFQ left, if any (a key
    belongs to the firm and the RFQ: the same key on another RFQ is another key)."""
    row = await raw.first(
        Bid,
        "SELECT id, received_at, sha256, request_sha256, status FROM bid "
        "WHERE rfq = {} AND bidder = {} AND idempotency_key = {}",
        rfq_id,
        bidder,
        key,
    )
    if row is None:
        return None
    return KeyUse(
        Receipt(str(row["id"]), row["received_at"], row["sha256"]), row["request_sha256"], row["status"]
    )


@dataclass(frozen=True)
class JointBid:
    """What makes a bid a consortium's (services/consortia.py): the lots it covers, the split sealed
    into it, the consortium's gate asked at the moment of writing, and what follows the sealing."""

    consortium: uuid.UUID
    lots: frozenset[str]
    split: list[dict[str, Any]]
    check: Callable[[dt.datetime], Awaitable[None]]
    sealed: Callable[[str, dt.datetime], Awaitable[None]]


async def submit_bid(
    ctx: ServiceContext,
    actor: Actor,
    rfq_id: str,
    raw_bid: dict[str, Any],
    idempotency_key: str,
    files: Sequence[Upload] = (),
    joint: JointBid | None = None,
    *,
    reader: str | None = None,
) -> Receipt:
    """Submit (or replace) the actor's sealed bid, or its consortium's (``joint``). Each holder
    (the firm alone, or the consortium) has its own bid: a new version supersedes only the
    holder's own. The gate is asked every time; the server clock at the moment of writing decides
    lateness; a repeated idempotency key is answered by ``replay`` (domain/rfq.py)."""
    if actor.organisation_kind is not OrganisationKind.SME_SUPPLIER:
        raise Forbidden("bid.suppliers_only", N_("Only SME suppliers bid."))
    key = idempotency_key.strip()
    if not 8 <= len(key) <= 80:
        raise DomainError(
            "bid.idempotency_key", N_("Send an Idempotency-Key of 8 to 80 characters with each new bid.")
        )
    bidder = uuid.UUID(actor.organisation_id)
    holder = solo_holder(bidder) if joint is None else holder_of(joint.consortium)
    fingerprint = request_fingerprint(holder, raw_bid, [(f.filename, f.data) for f in files])
    target = parse_id(rfq_id, "rfq")
    earlier = await _key_use(bidder, target, key)
    if earlier is not None:
        return replay(earlier, fingerprint)
    rfq = await _bid_target(actor, target)
    items = await _priced_items(rfq["id"])
    if joint is not None:
        items = bid_items(joint.lots, items)
    content = validate_bid(items, raw_bid, rfq["currency"], reader)
    if joint is not None:
        content["consortium"] = {"id": str(joint.consortium), "members": joint.split}
    documents = _check_bid_files(ctx, files)
    content["attachments"] = [{k: d[k] for k in ("name", "sha256", "size")} for d in documents]
    total = sum(lot_totals(items, content["prices"], rfq["currency"]).values(), Money.zero(rfq["currency"]))
    bidder_passport = await _passport_of(actor) if joint is None else None
    bid_id = uuid.uuid4()
    sealed = {"rfq": str(rfq["id"]), "bidder": str(bidder), **content, "total_price": total.text}
    digest = bid_hash(sealed)
    try:
        async with ctx.transaction():
            now = ctx.now()  # the moment of receipt, taken while this writer holds the database
            current = await _bid_target(actor, rfq["id"])
            check_bid_change(facts(current), now)
            if joint is not None:
                await joint.check(now)
            else:
                assert bidder_passport is not None
                _check_gate(current, bidder_passport, now)
            await raw.rows(
                Bid,
                "UPDATE bid SET status = {}, ended_at = {} WHERE rfq = {} AND holder = {} AND status = {}",
                SUPERSEDED,
                now,
                rfq["id"],
                holder,
                ACTIVE,
            )
            await raw.rows(
                Bid,
                "INSERT INTO bid (id, rfq, bidder, status, content, total_price, sha256, idempotency_key, "
                "received_at, submitted_by, ended_at, confirmed_deadline, consortium, holder, "
                "request_sha256) "
                "VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, NULL, {}, {}, {}, {})",
                bid_id,
                rfq["id"],
                bidder,
                ACTIVE,
                json.dumps(sealed),
                total.text,
                digest,
                key,
                now,
                uuid.UUID(actor.user_id),
                current["deadline"],
                joint.consortium if joint is not None else None,
                holder,
                fingerprint,
            )
            for document in documents:
                await BidFile.insert(BidFile(id=uuid.uuid4(), bid=bid_id, **document))
            if joint is not None:
                await joint.sealed(digest, now)
            elif current["allow_consortia"]:  # then a firm may be in a joint bid too: one seat per lot
                await release_seats(rfq["id"], bidder, holder)
                await claim_seats(rfq["id"], content["lots"] or [WHOLE], bidder, holder)
            details = {"bid": str(bid_id), "sha256": digest}
            if joint is not None:
                details["consortium"] = str(joint.consortium)
            await audit.append(ctx, actor.user_id, "bid.submitted", str(rfq["id"]), details)
    except Exception as error:
        if is_unique_violation(error):  # the same key raced in twice: answer as to a repeat of the winner
            winner = await _key_use(bidder, rfq["id"], key)
            if winner is not None:
                return replay(winner, fingerprint)
        raise
    _announce_bids(ctx, rfq["id"])
    return Receipt(str(bid_id), now, digest)


async def _priced_items(rfq_id: uuid.UUID) -> list[PricedItem]:
    rows = await raw.rows(
        RfqItem, "SELECT id, lot, quantity FROM rfq_item WHERE rfq = {} ORDER BY position", rfq_id
    )
    return [PricedItem(str(row["id"]), row["lot"], Decimal(row["quantity"])) for row in rows]


MAX_BID_FILES = 3


def _check_bid_files(ctx: ServiceContext, files: Sequence[Upload]) -> list[dict[str, Any]]:
    """Up to three PDF, PNG or JPEG documents within the upload limit, each with its SHA-256."""
    errors = FieldCollector()
    present = [upload for upload in files if upload.data]
    if len(present) > MAX_BID_FILES:
        errors.add(
            "attachments", "bid.too_many_files", N_("Attach at most %(max)s files."), max=MAX_BID_FILES
        )
    documents = []
    for upload in present[:MAX_BID_FILES]:
        kind = sniff(upload.data)
        if len(upload.data) > ctx.settings.max_upload_bytes:
            errors.add(
                "attachments",
                "bid.file_too_large",
                N_("%(name)s is larger than %(mb)s MB."),
                name=upload.filename,
                mb=ctx.settings.max_upload_bytes // (1024 * 1024),
            )
        elif kind is None:
            errors.add(
                "attachments",
                "bid.file_type",
                N_("%(name)s is not a PDF, PNG or JPEG file."),
                name=upload.filename,
            )
        else:
            documents.append(
                {
                    "name": safe_filename(upload.filename) or f"attachment.{kind[1]}",
                    "content_type": kind[0],
                    "size": len(upload.data),
                    "sha256": hashlib.sha256(upload.data).hexdigest(),
                    "content": upload.data,
                }
            )
    errors.raise_if_any()
    return documents


async def bid_file(ctx: ServiceContext, actor: Actor, rfq_id: str, file_id: str) -> dict[str, Any]:
    """An attached document, for its bidder, and for the buyer once the bids are opened (the
    buyer's reading is audited like any read of bid content); anyone else: not found."""
    document = (
        await BidFile.select(
            *BidFile.all_columns(), BidFile.bid.rfq.as_alias("rfq"), BidFile.bid.bidder.as_alias("bidder")
        )
        .where(BidFile.id == parse_id(file_id, "file"))
        .first()
    )
    if document is None or str(document["rfq"]) != str(parse_id(rfq_id, "rfq")):
        raise NotFound("file")
    rfq = await raw.first(Rfq, _BID_TARGET_SQL, document["rfq"])
    assert rfq is not None
    is_bidder = str(document["bidder"]) == actor.organisation_id
    is_buyer = str(rfq["buyer"]) == actor.organisation_id
    if not may_see_bid_contents(facts(rfq), ctx.now(), is_bidder=is_bidder, is_buyer=is_buyer):
        raise NotFound("file")
    if not is_bidder:
        async with ctx.transaction():
            await audit.append(
                ctx,
                actor.user_id,
                "bid.file_read",
                str(rfq["id"]),
                {"bid": str(document["bid"]), "file": file_id},
            )
    return document


_BID_TARGET_SQL = (
    "SELECT id, buyer, requirements, allow_consortia, currency, deadline, published_at, opened_at, "
    "evaluated_at, awarded_at, completed_at, cancelled_at, unsuccessful_at FROM rfq WHERE id = {}"
)


async def _bid_target(actor: Actor, rfq_id: uuid.UUID) -> dict[str, Any]:
    """What a bid needs of its RFQ: the stamps that decide its status and the requirements."""
    row = await raw.first(Rfq, _BID_TARGET_SQL, rfq_id)
    if row is None or (row["published_at"] is None and str(row["buyer"]) != actor.organisation_id):
        raise NotFound("rfq")
    if isinstance(row["requirements"], str):
        row["requirements"] = json.loads(row["requirements"])
    return row


def _check_gate(rfq: dict[str, Any], bidder: Passport, now: dt.datetime) -> None:
    """The readiness gate, asked on every submission path; a refusal lists every gap."""
    result = check_eligibility(parse_requirements(rfq["requirements"] or {}), bidder, now)
    if not result.eligible:
        raise DomainError(
            "bid.not_eligible",
            N_("Your firm does not meet this RFQ's requirements yet."),
            kind=ErrorKind.FORBIDDEN,
            fields=[
                FieldError("eligibility", g.code, g.message, dict(g.params), g.action) for g in result.gaps
            ],
        )


async def _change_own_bid(
    ctx: ServiceContext,
    actor: Actor,
    rfq_id: str,
    action: str,
    change: Callable[[dict[str, Any], dt.datetime], tuple[dict[Any, Any], dict[str, Any]]],
    *,
    seen_sha256: str | None = None,
) -> dict[str, Any]:
    """Change the actor's active bid while the RFQ is open: ``change(rfq, now)`` gives the new
    values and what the audit entry records beside the bid id. No active bid: not found. With
    ``seen_sha256``, only the version of the bid the actor was shown is changed."""
    async with ctx.transaction():
        rfq = await _bid_target(actor, parse_id(rfq_id, "rfq"))
        now = ctx.now()
        check_bid_change(facts(rfq), now)
        own: tuple[Any, ...] = (
            Bid.rfq == rfq["id"],
            Bid.holder == solo_holder(uuid.UUID(actor.organisation_id)),
            Bid.status == ACTIVE,
        )
        if seen_sha256 is not None:
            current = await Bid.select(Bid.sha256).where(*own).first()
            if current is None:
                raise NotFound("bid")
            check_same_version(
                seen_sha256,
                current["sha256"],
                code="bid.changed",
                message=N_(
                    "This is not the current version of your bid; review the bid as it stands now and "
                    "confirm that."
                ),
            )
            own = (*own, Bid.sha256 == seen_sha256)
        values, details = change(rfq, now)
        changed = await Bid.update(values).where(*own).returning(Bid.id)
        if not changed:
            raise NotFound("bid")
        await audit.append(
            ctx, actor.user_id, action, str(rfq["id"]), {"bid": str(changed[0]["id"]), **details}
        )
    return rfq


async def confirm_bid(ctx: ServiceContext, actor: Actor, rfq_id: str, sha256: str) -> None:
    """The bidder confirms that its current bid, the version whose SHA-256 it sends (the one it was
    shown), stands for the RFQ's current (moved) deadline; another version is a conflict."""
    await _change_own_bid(
        ctx,
        actor,
        rfq_id,
        "bid.reconfirmed",
        lambda rfq, _now: (
            {Bid.confirmed_deadline: rfq["deadline"]},
            {"deadline": rfq["deadline"].isoformat(), "sha256": sha256},
        ),
        seen_sha256=sha256,
    )


async def withdraw_bid(ctx: ServiceContext, actor: Actor, rfq_id: str) -> None:
    bidder = uuid.UUID(actor.organisation_id)
    async with ctx.transaction():
        rfq = await _change_own_bid(
            ctx,
            actor,
            rfq_id,
            "bid.withdrawn",
            lambda _rfq, now: ({Bid.status: WITHDRAWN, Bid.ended_at: now}, {}),
        )
        await release_seats(rfq["id"], bidder, solo_holder(bidder))
    _announce_bids(ctx, rfq["id"])


async def my_bid(actor: Actor, rfq_id: str) -> dict[str, Any] | None:
    """The bidder's own current bid (contents visible to it alone before opening)."""
    rfq = await get_rfq(actor, rfq_id)
    bid = (
        await Bid.select()
        .where(
            Bid.rfq == rfq["id"],
            Bid.holder == solo_holder(uuid.UUID(actor.organisation_id)),
            Bid.status == ACTIVE,
        )
        .first()
        .output(load_json=True)
    )
    if bid is not None:
        bid["files"] = (await _files_of([bid["id"]])).get(bid["id"], [])
        bid["awaits_confirmation"] = awaits_reconfirmation(bid["confirmed_deadline"], rfq["deadline"])
    return bid


async def _files_of(bid_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """The attached documents of these bids (without their content), by bid."""
    found: dict[uuid.UUID, list[dict[str, Any]]] = {}
    if bid_ids:
        rows = await BidFile.select(BidFile.id, BidFile.bid, BidFile.name, BidFile.size).where(
            BidFile.bid.is_in(bid_ids)
        )
        for row in rows:
            found.setdefault(row["bid"], []).append(row)
    return found


async def _active_bids(rfq_id: uuid.UUID) -> list[dict[str, Any]]:
    """The counting bids of an RFQ with their bidder's name, each checked against its receipt:
    the receipt's hash covers the content, and the content lists each document's hash."""
    bids = (
        await Bid.select(*Bid.all_columns(), Bid.bidder.legal_name.as_alias("bidder_name"))
        .where(Bid.rfq == rfq_id, Bid.status == ACTIVE)
        .order_by(Bid.received_at)
        .output(load_json=True)
    )
    for bid in bids:
        documents = await BidFile.select(BidFile.content).where(BidFile.bid == bid["id"])
        listed = sorted(a["sha256"] for a in bid["content"].get("attachments", []))
        stored = sorted(hashlib.sha256(d["content"]).hexdigest() for d in documents)
        bid["hash_matches"] = bid_hash(bid["content"]) == bid["sha256"] and listed == stored
        bid["counts"] = (
            bid["consortium"] is None or (await joint_confirmations(bid["consortium"], bid["sha256"]))[1]
        )
    return bids


async def joint_confirmations(consortium_id: uuid.UUID, sha256: str | None) -> tuple[list[str], bool]:
    """Which members confirmed this version of their consortium's bid, and whether it therefore
    counts (every member taking part accepted and confirmed it)."""
    rows = await raw.rows(
        ConsortiumMember,
        "SELECT organisation, status, share, confirmed_hash FROM consortium_member WHERE consortium = {}",
        consortium_id,
    )
    members = [Member(str(r["organisation"]), MemberStatus(r["status"]), Decimal(r["share"])) for r in rows]
    confirmations = {str(r["organisation"]): r["confirmed_hash"] for r in rows}
    confirmed = sorted(confirmed_members(members, confirmations, sha256))
    return confirmed, joint_bid_counts(members, confirmations, sha256)


async def open_bids(ctx: ServiceContext, actor: Actor, rfq_id: str) -> list[dict[str, Any]]:
    """The buyer opens the bids once, after the deadline; each hash must recompute to its receipt."""
    async with ctx.transaction():
        rfq = await own_rfq(actor, rfq_id)
        now = ctx.now()
        check_open(facts(rfq), now)
        bids = await _active_bids(rfq["id"])
        await Rfq.update({Rfq.opened_at: now}).where(Rfq.id == rfq["id"])
        subject = str(rfq["id"])
        records = [
            (
                "bid.read",
                subject,
                {"bid": str(b["id"]), "hash_matches": b["hash_matches"], "counts": b["counts"]},
            )
            for b in bids
        ]
        await audit.append_many(ctx, actor.user_id, [*records, ("rfq.opened", subject, {"bids": len(bids)})])
        await _tell_bidders(
            ctx, rfq, "rfq.opened", N_("The bids on “%(title)s” were opened; the buyer is evaluating them.")
        )
    await announce_state(ctx, rfq["id"])
    return bids


# -- live events (after commit; never bid contents: counts, stamps and public answers only) ------

BOARD_CHANNEL = "board"


def rfq_channel(rfq_id: uuid.UUID | str) -> str:
    """What every page of the RFQ may hear: status, deadline, public answers."""
    return f"rfq.{rfq_id}"


def buyer_channel(rfq_id: uuid.UUID | str) -> str:
    """What only the buyer's pages hear before the opening: the number of bids."""
    return f"rfq.{rfq_id}.buyer"


async def _bid_count(rfq_id: uuid.UUID) -> int:
    row = await raw.first(Bid, "SELECT COUNT(*) AS n FROM bid WHERE rfq = {} AND status = {}", rfq_id, ACTIVE)
    return int(row["n"]) if row else 0


async def _answer_count(rfq_id: uuid.UUID) -> int:
    row = await raw.first(
        RfqQuestion,
        "SELECT COUNT(*) AS n FROM rfq_question WHERE rfq = {} AND answered_at IS NOT NULL",
        rfq_id,
    )
    return int(row["n"]) if row else 0


def _answer_event(question: dict[str, Any], number: int) -> dict[str, Any]:
    """An answered question as everyone may read it: no asker, numbered in answer order."""
    return {
        "type": "answer",
        "number": number,
        "question": question["question"],
        "answer": question["answer"],
    }


async def live_state(ctx: ServiceContext, rfq_id: uuid.UUID, *, buyer: bool = False) -> dict[str, Any]:
    """What a live RFQ page shows: status, deadline, number of answers, and the number of bids
    for whom it is not sealed (the buyer; everyone once opened)."""
    row = await raw.first(Rfq, _BID_TARGET_SQL, rfq_id)
    if row is None:
        raise NotFound("rfq")
    state = {
        "type": "state",
        "status": rfq_status(row, ctx.now()).value,
        "deadline": row["deadline"].isoformat() if row["deadline"] else None,
        "answers": await _answer_count(rfq_id),
    }
    if may_see_bid_count(facts(row), is_buyer=buyer):
        state["bids"] = await _bid_count(rfq_id)
    return state


async def answers_after(rfq_id: uuid.UUID, seen: int) -> list[dict[str, Any]]:
    """The public answers a page that has shown ``seen`` of them has missed, in answer order."""
    found = await raw.rows(
        RfqQuestion,
        "SELECT question, answer FROM rfq_question WHERE rfq = {} AND answered_at IS NOT NULL "
        "ORDER BY answered_at, id",
        rfq_id,
    )
    return [_answer_event(q, number) for number, q in enumerate(found, start=1) if number > seen]


async def announce_state(ctx: ServiceContext, rfq_id: uuid.UUID) -> None:
    ctx.announce(rfq_channel(rfq_id), await live_state(ctx, rfq_id))


LIVE_COUNT_DELAY = 0.05  # seconds: a burst of bids gives one count per RFQ, not one per bid


def _announce_bids(ctx: ServiceContext, rfq_id: uuid.UUID) -> None:
    """Tell the buyer's live pages the number of bids (never anything about them; nobody else
    hears that a firm bid), counted once for a burst of bids so a deadline rush costs one query
    and one message per page per moment."""

    async def count_and_tell() -> None:
        ctx.announce(buyer_channel(rfq_id), {"type": "bids", "count": await _bid_count(rfq_id)})

    ctx.coalesce(f"bid-count:{rfq_id}", LIVE_COUNT_DELAY, count_and_tell)


async def published_since(moment: dt.datetime) -> int:
    """How many RFQs were published after ``moment`` (a board page catching up)."""
    row = await raw.first(Rfq, "SELECT COUNT(*) AS n FROM rfq WHERE published_at > {}", moment)
    return int(row["n"]) if row else 0


def rfq_status(row: dict[str, Any], now: dt.datetime) -> RfqStatus:
    return status(facts(row), now)


# -- evaluation, award, debrief -------------------------------------------------------------------


def joint_members(content: dict[str, Any]) -> list[dict[str, Any]]:
    """The members of a joint bid as its sealed content names them, with their shares (none for a
    firm alone)."""
    return [
        {"organisation": m["organisation"], "legal_name": m["legal_name"], "share": m["share"]}
        for m in content.get("consortium", {}).get("members", [])
    ]


def takers(entry: dict[str, Any]) -> list[str]:
    """The firms behind a ranked bid: the bidder, and every member of a consortium."""
    return [entry["bidder"], *(m["organisation"] for m in entry.get("members", []))]


async def evaluate_bids(ctx: ServiceContext, actor: Actor, rfq_id: str) -> list[dict[str, Any]]:
    """Score the opened bids by the weights published with the RFQ, lot by lot (each bid on the
    lots it covers, by its total for that lot); quality is each bidder's readiness level now.
    Ranks are stored so every bidder's debrief shows the same figures."""
    async with ctx.transaction():
        rfq = await own_rfq(actor, rfq_id)
        now = ctx.now()
        if status(facts(rfq), now) is not RfqStatus.OPENED:
            raise DomainError(
                "rfq.not_opened", N_("Open the bids before evaluating them."), kind=ErrorKind.CONFLICT
            )
        bids = [bid for bid in await _active_bids(rfq["id"]) if bid["counts"]]
        items = await _priced_items(rfq["id"])
        found_passports = await _passports_of_firms([bid["bidder"] for bid in bids])
        candidates = []
        for bid in bids:
            found = found_passports[str(bid["bidder"])]
            level = 0
            if found.assessment is not None and now < found.assessment.valid_until:
                level = int(assess_level(found.assessment.scores, found.certificates, now).level)
            for lot, total in lot_totals(items, bid["content"]["prices"], rfq["currency"]).items():
                candidates.append(
                    BidForEvaluation(
                        str(bid["id"]),
                        total.amount,
                        int(bid["content"]["lead_time_days"]),
                        level,
                        bid["received_at"],
                        lot,
                    )
                )
        criteria = AwardCriteria(**rfq["criteria"])
        bidders = {str(b["id"]): str(b["bidder"]) for b in bids}
        members = {str(b["id"]): joint_members(b["content"]) for b in bids}
        order = {lot["id"]: index for index, lot in enumerate(rfq["lots"])}
        ranked = sorted(evaluate(criteria, candidates), key=lambda r: (order.get(r.lot, 0), r.rank))
        ranking = [
            {
                "lot": r.lot,
                "bid": r.bid_id,
                "bidder": bidders[r.bid_id],
                "members": members[r.bid_id],
                "rank": r.rank,
                "lot_total": format(r.lot_price, "f"),
                "total": str(r.total),
                "price": str(r.price_score),
                "lead_time": str(r.lead_time_score),
                "quality": str(r.quality_score),
            }
            for r in ranked
        ]
        await Rfq.update({Rfq.evaluation: ranking, Rfq.evaluated_at: now}).where(Rfq.id == rfq["id"])
        await audit.append(
            ctx,
            actor.user_id,
            "rfq.evaluated",
            str(rfq["id"]),
            {"ranking": [[r["lot"], r["bid"]] for r in ranking]},
        )
    return ranking


async def award(
    ctx: ServiceContext, actor: Actor, rfq_id: str, choice: Mapping[str, str | None]
) -> dict[str, Any]:
    """Award an evaluated RFQ: each lot to one of its ranked bids, or no award on that lot (the
    whole RFQ is the lot ``""`` when it has none). A standstill period starts before it is final."""
    async with ctx.transaction():
        rfq = await own_rfq(actor, rfq_id)
        now = ctx.now()
        if status(facts(rfq), now) is not RfqStatus.EVALUATED:
            raise DomainError(
                "rfq.not_evaluated", N_("Evaluate the bids before awarding."), kind=ErrorKind.CONFLICT
            )
        awards = check_award(rfq["evaluation"], choice)
        await Rfq.update(
            {Rfq.awarded_at: now, Rfq.awards: awards, Rfq.standstill_ends_at: now + DEFAULT_STANDSTILL}
        ).where(Rfq.id == rfq["id"])
        for part in awarded_parts(awards, rfq["evaluation"], rfq["currency"]):  # the supplier records
            await SupplierAward.insert(
                SupplierAward(
                    id=uuid.uuid4(),
                    rfq=rfq["id"],
                    lot=part.lot,
                    bid=uuid.UUID(part.bid),
                    buyer=rfq["buyer"],
                    supplier=uuid.UUID(part.supplier),
                    share="" if part.share is None else format(part.share.normalize(), "f"),
                    value=part.value.text,
                    currency=rfq["currency"],
                    awarded_at=now,
                )
            )
        await audit.append(ctx, actor.user_id, "rfq.awarded", str(rfq["id"]), {"awards": awards})
        told = [firm for entry in rfq["evaluation"] for firm in takers(entry)]
        await notify_many(
            ctx,
            [uuid.UUID(bidder) for bidder in dict.fromkeys(told)],
            "rfq.awarded",
            N_("“%(title)s” was awarded; your debrief is ready."),
            {"title": rfq["title"]},
            f"/rfqs/{rfq['id']}",
        )
    await announce_state(ctx, parse_id(rfq_id, "rfq"))
    return await get_rfq(actor, rfq_id)


async def declare_unsuccessful(ctx: ServiceContext, actor: Actor, rfq_id: str, reason: str) -> dict[str, Any]:
    async with ctx.transaction():
        rfq = await own_rfq(actor, rfq_id)
        if status(facts(rfq), ctx.now()) not in (RfqStatus.CLOSED, RfqStatus.OPENED, RfqStatus.EVALUATED):
            raise DomainError(
                "rfq.cannot_end",
                N_("Only a closed RFQ can be declared unsuccessful."),
                kind=ErrorKind.CONFLICT,
            )
        if not 3 <= len(reason.strip()) <= 500:
            raise DomainError("rfq.reason_required", N_("Give the reason (3 to 500 characters)."))
        await Rfq.update({Rfq.unsuccessful_at: ctx.now(), Rfq.end_reason: reason.strip()}).where(
            Rfq.id == rfq["id"]
        )
        await audit.append(ctx, actor.user_id, "rfq.unsuccessful", str(rfq["id"]), {"reason": reason.strip()})
    await announce_state(ctx, parse_id(rfq_id, "rfq"))
    return await get_rfq(actor, rfq_id)


async def debrief(actor: Actor, rfq_id: str) -> dict[str, Any]:
    """After the award, a bidder sees, for each lot it bid on, its own rank and per-criterion
    scores and whether it won, and nobody else's."""
    rfq = await get_rfq(actor, rfq_id)
    if rfq["awarded_at"] is None:
        raise DomainError(
            "rfq.no_debrief_yet", N_("Debriefs are ready once the RFQ is awarded."), kind=ErrorKind.CONFLICT
        )
    titles = {lot["id"]: lot["title"] for lot in rfq["lots"]}
    lots = [
        {
            **entry,
            "lot_title": titles.get(entry["lot"], ""),
            "bidders": sum(1 for e in rfq["evaluation"] if e["lot"] == entry["lot"]),
            "won": rfq["awards"].get(entry["lot"]) == entry["bid"],
        }
        for entry in rfq["evaluation"]
        if actor.organisation_id in takers(entry)
    ]
    if not lots:
        raise NotFound("bid")
    return {"lots": lots, "won": any(e["won"] for e in lots), "standstill_ends_at": rfq["standstill_ends_at"]}


async def opened_bids(ctx: ServiceContext, actor: Actor, rfq_id: str) -> list[dict[str, Any]]:
    """The buyer's comparison after opening; every such read of bid content is audited."""
    rfq = await own_rfq(actor, rfq_id)
    if rfq["opened_at"] is None:
        return []
    bids = await _active_bids(rfq["id"])
    items = await _priced_items(rfq["id"])
    files = await _files_of([bid["id"] for bid in bids])
    for bid in bids:
        bid["rankings"] = {e["lot"]: e for e in rfq["evaluation"] if e["bid"] == str(bid["id"])}
        bid["lot_totals"] = {
            lot: total.text
            for lot, total in lot_totals(items, bid["content"]["prices"], rfq["currency"]).items()
        }
        bid["files"] = files.get(bid["id"], [])
        bid["awaits_confirmation"] = awaits_reconfirmation(bid["confirmed_deadline"], rfq["deadline"])
    await audit.append(ctx, actor.user_id, "bid.read", str(rfq["id"]), {"bids": [str(b["id"]) for b in bids]})
    return bids


async def buyer_rfqs(actor: Actor) -> list[dict[str, Any]]:
    """Every RFQ of the actor's lead firm, drafts and finished ones included, newest first."""
    require_buyer(actor)
    return (
        await Rfq.select()
        .where(Rfq.buyer == uuid.UUID(actor.organisation_id))
        .order_by(Rfq.created_at, ascending=False)
        .output(load_json=True)
    )


# -- questions and answers ------------------------------------------------------------------------


async def ask(ctx: ServiceContext, actor: Actor, rfq_id: str, question: str) -> dict[str, Any]:
    """A supplier asks while the RFQ is open; the buyer is told, the asker stays undisclosed."""
    if actor.organisation_kind is not OrganisationKind.SME_SUPPLIER:
        raise Forbidden("question.suppliers_only", N_("Only suppliers ask questions on an RFQ."))
    text = question.strip()
    if not 5 <= len(text) <= 2000:
        raise DomainError("question.length", N_("Write the question in 5 to 2,000 characters."))
    rfq = await get_rfq(actor, rfq_id)
    question_id = uuid.uuid4()
    async with ctx.transaction():
        check_bid_change(facts(rfq), ctx.now())  # questions close with the bidding
        await RfqQuestion.insert(
            RfqQuestion(
                id=question_id,
                rfq=rfq["id"],
                asker=uuid.UUID(actor.organisation_id),
                question=text,
                asked_at=ctx.now(),
            )
        )
        await notify(
            ctx,
            rfq["buyer"],
            "rfq.question",
            N_("A supplier asked a question on “%(title)s”."),
            {"title": rfq["title"]},
            f"/rfqs/{rfq['id']}",
        )
    return await load_by_id(RfqQuestion, question_id, "question")


async def answer(
    ctx: ServiceContext, actor: Actor, rfq_id: str, question_id: str, text: str
) -> dict[str, Any]:
    """The buyer answers for everyone to read."""
    rfq = await own_rfq(actor, rfq_id)
    reply = text.strip()
    if not 2 <= len(reply) <= 4000:
        raise DomainError("question.answer_length", N_("Write the answer in 2 to 4,000 characters."))
    question = await load_by_id(RfqQuestion, question_id, "question")
    if question["rfq"] != rfq["id"]:
        raise NotFound("question")
    async with ctx.transaction():
        await RfqQuestion.update(
            {
                RfqQuestion.answer: reply,
                RfqQuestion.answered_at: ctx.now(),
                RfqQuestion.answered_by: uuid.UUID(actor.user_id),
            }
        ).where(RfqQuestion.id == question["id"])
        await notify(
            ctx,
            question["asker"],
            "rfq.answer",
            N_("Your question on “%(title)s” was answered."),
            {"title": rfq["title"]},
            f"/rfqs/{rfq['id']}",
        )
    answered = await load_by_id(RfqQuestion, question_id, "question")
    ctx.announce(rfq_channel(rfq["id"]), _answer_event(answered, await _answer_count(rfq["id"])))
    return answered


async def questions(actor: Actor, rfq_id: str) -> list[dict[str, Any]]:
    """Answered questions for everyone; the buyer also sees the open ones; the asker its own.
    Who asked is never part of the answer."""
    rfq = await get_rfq(actor, rfq_id)
    rows = await RfqQuestion.select().where(RfqQuestion.rfq == rfq["id"]).order_by(RfqQuestion.asked_at)
    own_rfq = str(rfq["buyer"]) == actor.organisation_id
    visible = []
    for row in rows:
        mine = str(row["asker"]) == actor.organisation_id
        if row["answered_at"] is not None or own_rfq or mine:
            visible.append(
                {
                    "id": row["id"],
                    "question": row["question"],
                    "answer": row["answer"],
                    "asked_at": row["asked_at"],
                    "answered_at": row["answered_at"],
                    "mine": mine,
                }
            )
    return visible
