"""Requests for quotation: the lifecycle as a pure state machine, sealed-bid rules, receipts and
evaluation. Status comes from stored facts and the clock passed in; no background job decides it."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum
from typing import Any

from market.domain.audit import canonical
from market.domain.dates import DEADLINE_RANGE_MESSAGE, latest_deadline
from market.domain.errors import N_, DomainError, ErrorKind, FieldCollector
from market.domain.money import CURRENCIES as CURRENCIES  # re-exported: RFQs offer these
from market.domain.money import (
    MAX_UNIT_PRICE,
    AboveMaximum,
    Money,
    smallest,
    total,
    unit_price,
)
from market.domain.numbers import NumberError, is_blank, number_in_range, read_number

#: The shortest time between publication and deadline, so suppliers have a real chance to bid.
MIN_BIDDING_PERIOD = dt.timedelta(hours=24)
DEFAULT_STANDSTILL = dt.timedelta(days=10)
#: The lot key of an RFQ without lots: the whole request is evaluated and awarded as one.
WHOLE = ""
MAX_LOTS = 20


class RfqStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"
    OPENED = "opened"
    EVALUATED = "evaluated"
    AWARDED = "awarded"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    UNSUCCESSFUL = "unsuccessful"


STATUS_LABELS = {
    RfqStatus.DRAFT: N_("Draft"),
    RfqStatus.PUBLISHED: N_("Open for bids"),
    RfqStatus.CLOSED: N_("Closed, waiting for opening"),
    RfqStatus.OPENED: N_("Bids opened"),
    RfqStatus.EVALUATED: N_("Evaluated"),
    RfqStatus.AWARDED: N_("Awarded"),
    RfqStatus.COMPLETED: N_("Completed"),
    RfqStatus.CANCELLED: N_("Cancelled"),
    RfqStatus.UNSUCCESSFUL: N_("Unsuccessful"),
}


@dataclass(frozen=True)
class RfqFacts:
    """What is stored about an RFQ's progress; the status is derived from it and the clock."""

    deadline: dt.datetime | None
    published_at: dt.datetime | None = None
    opened_at: dt.datetime | None = None
    evaluated_at: dt.datetime | None = None
    awarded_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None
    cancelled_at: dt.datetime | None = None
    unsuccessful_at: dt.datetime | None = None


def status(facts: RfqFacts, now: dt.datetime) -> RfqStatus:
    """The one place that says where an RFQ stands. The deadline alone closes it."""
    if facts.cancelled_at:
        return RfqStatus.CANCELLED
    if facts.unsuccessful_at:
        return RfqStatus.UNSUCCESSFUL
    if facts.completed_at:
        return RfqStatus.COMPLETED
    if facts.awarded_at:
        return RfqStatus.AWARDED
    if facts.evaluated_at:
        return RfqStatus.EVALUATED
    if facts.opened_at:
        return RfqStatus.OPENED
    if facts.published_at is None or facts.deadline is None:
        return RfqStatus.DRAFT
    return RfqStatus.PUBLISHED if now < facts.deadline else RfqStatus.CLOSED


def _refuse(code: str, message: str, **params: Any) -> DomainError:
    return DomainError(code, message, kind=ErrorKind.CONFLICT, **params)


def check_publish(facts: RfqFacts, now: dt.datetime, *, accredited: bool) -> None:
    if not accredited:
        raise DomainError(
            "rfq.buyer_not_accredited",
            N_("Your firm is not accredited yet, so it cannot publish."),
            kind=ErrorKind.FORBIDDEN,
        )
    if status(facts, now) is not RfqStatus.DRAFT:
        raise _refuse("rfq.not_draft", N_("Only a draft can be published."))
    if facts.deadline is None or facts.deadline - now < MIN_BIDDING_PERIOD:
        raise DomainError(
            "rfq.deadline_too_soon",
            N_("The deadline must be at least %(hours)s hours after publication."),
            hours=int(MIN_BIDDING_PERIOD.total_seconds() // 3600),
        )
    _refuse_far_deadline(facts.deadline, now)


def _refuse_far_deadline(deadline: dt.datetime, now: dt.datetime) -> None:
    """A deadline further ahead than a person may set (one stored before the rule) is refused."""
    if deadline > latest_deadline(now):
        raise DomainError(
            "rfq.deadline_range",
            DEADLINE_RANGE_MESSAGE,
            last=latest_deadline(now).astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M"),
        )


def check_amend(facts: RfqFacts, now: dt.datetime, new_deadline: dt.datetime) -> None:
    """A published RFQ may be amended while open; the deadline may only move later."""
    if status(facts, now) is not RfqStatus.PUBLISHED:
        raise _refuse("rfq.not_open", N_("This RFQ is not open for bids."))
    assert facts.deadline is not None
    if new_deadline < facts.deadline:
        raise DomainError(
            "rfq.deadline_earlier", N_("An amendment may extend the deadline, never bring it forward.")
        )
    _refuse_far_deadline(new_deadline, now)


def check_same_version(seen_sha256: str, current_sha256: str, *, code: str, message: str) -> None:
    """A confirmation holds for the version its sender was shown: the SHA-256 it sends must be the
    current bid's (a solo bid after an amendment, a consortium's joint bid), else 409 ``code``."""
    if seen_sha256 != current_sha256:
        raise DomainError(code, message, kind=ErrorKind.CONFLICT)


def check_cancel(facts: RfqFacts, now: dt.datetime, reason: str) -> None:
    if status(facts, now) in (
        RfqStatus.AWARDED,
        RfqStatus.COMPLETED,
        RfqStatus.CANCELLED,
        RfqStatus.UNSUCCESSFUL,
    ):
        raise _refuse("rfq.cannot_cancel", N_("This RFQ can no longer be cancelled."))
    if not 3 <= len(reason.strip()) <= 500:
        raise DomainError("rfq.reason_required", N_("Give the reason (3 to 500 characters)."))


def check_bid_change(facts: RfqFacts, now: dt.datetime) -> None:
    """Submitting, replacing or withdrawing a bid: only while open, by the server clock alone."""
    current = status(facts, now)
    if current is RfqStatus.PUBLISHED:
        return
    if current in (RfqStatus.DRAFT, RfqStatus.CANCELLED):
        raise _refuse("rfq.not_open", N_("This RFQ is not open for bids."))
    assert facts.deadline is not None
    raise _refuse(
        "bid.after_deadline",
        N_("The deadline passed at %(deadline)s UTC; bids can no longer change."),
        deadline=facts.deadline.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
    )


def check_open(facts: RfqFacts, now: dt.datetime) -> None:
    if status(facts, now) is not RfqStatus.CLOSED:
        raise _refuse("rfq.cannot_open", N_("Bids are opened once, after the deadline."))


def may_see_bid_contents(facts: RfqFacts, now: dt.datetime, *, is_bidder: bool, is_buyer: bool) -> bool:
    """Sealed bids: before the opening only the bidder sees its own bid; after it, the buyer too."""
    if is_bidder:
        return True
    return is_buyer and facts.opened_at is not None and status(facts, now) is not RfqStatus.CANCELLED


def may_see_bid_count(facts: RfqFacts, *, is_buyer: bool) -> bool:
    """Who has bid is sealed too: before the opening only the buyer learns how many bids are in
    (never whose), so nothing another firm sees changes when a firm bids; everyone sees the
    count once the bids are opened (no clock needed: only the opening makes it public)."""
    return is_buyer or facts.opened_at is not None


# -- bids and receipts --------------------------------------------------------------------------


def awaits_reconfirmation(confirmed_deadline: dt.datetime | None, deadline: dt.datetime | None) -> bool:
    """After an amendment a bid still stands as sent, and its bidder is asked to confirm it for the
    new deadline (or replace it). Bids from before this was recorded count as confirmed."""
    return confirmed_deadline is not None and deadline is not None and confirmed_deadline != deadline


def bid_hash(content: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical bid content (sorted keys, decimal prices as text)."""
    return hashlib.sha256(canonical(content)).hexdigest()


@dataclass(frozen=True)
class Receipt:
    bid_id: str
    received_at: dt.datetime
    sha256: str


# -- bid holders and idempotency keys --------------------------------------------------------------

# A bid's life: the holder's one counting version is active; a new version supersedes it; the
# holder may withdraw it. Only active bids are ever opened.
ACTIVE, SUPERSEDED, WITHDRAWN = "active", "superseded", "withdrawn"


def solo_holder(firm: str) -> str:
    """The holder of a firm's bid alone: each holder has at most one active bid per RFQ."""
    return f"bid:{firm}"


def consortium_holder(consortium: str) -> str:
    """The holder of a consortium's joint bid (the lead submits it, the consortium holds it)."""
    return f"consortium:{consortium}"


def request_fingerprint(holder: str, raw_bid: Mapping[str, Any], files: Sequence[tuple[str, bytes]]) -> str:
    """SHA-256 of what a bid request asked for: who it bids for, the body as sent and each
    document's name and hash. Two requests under one idempotency key must agree on it."""
    documents = [[name, hashlib.sha256(data).hexdigest()] for name, data in files]
    return hashlib.sha256(canonical({"holder": holder, "bid": raw_bid, "files": documents})).hexdigest()


@dataclass(frozen=True)
class KeyUse:
    """What a firm's earlier request with one idempotency key on one RFQ left: its receipt, its
    fingerprint ("" for bids stored before fingerprints were kept) and its bid's status now."""

    receipt: Receipt
    fingerprint: str
    status: str


# The codes of ``replay``'s refusals: the key already made a bid; a form sends its next one with a new key.
KEY_SPENT = "bid.idempotency_key_"


def replay(earlier: KeyUse, fingerprint: str) -> Receipt:
    """A request repeating an idempotency key the firm already used on this RFQ (a key belongs to
    the firm and the RFQ). The same request gets the same receipt while its bid stands; another
    request under the key is refused; a repeat whose bid was since replaced or withdrawn is
    refused with what happened, so no receipt is ever shown for a bid that no longer stands."""
    if earlier.fingerprint and earlier.fingerprint != fingerprint:
        raise DomainError(
            "bid.idempotency_key_reused",
            N_(
                "This Idempotency-Key was already used for another request on this RFQ: "
                "send a new key with each new bid."
            ),
        )
    if earlier.status == WITHDRAWN:
        raise _refuse(
            "bid.idempotency_key_withdrawn",
            N_(
                "The bid sent with this Idempotency-Key was withdrawn and no longer stands: "
                "send a new key to bid again."
            ),
        )
    if earlier.status == SUPERSEDED:
        raise _refuse(
            "bid.idempotency_key_replaced",
            N_(
                "The bid sent with this Idempotency-Key was replaced by a later bid and no longer "
                "stands: send a new key to bid again."
            ),
        )
    return earlier.receipt


@dataclass(frozen=True)
class PricedItem:
    """An item as a bid prices it: its id, its lot (``WHOLE`` without lots) and quantity."""

    id: str
    lot: str
    quantity: Decimal


def _price_given(raw_prices: Mapping[str, Any], item_id: str) -> bool:
    return str(raw_prices.get(item_id, "")).strip() != ""


def validate_bid(
    items: Sequence[PricedItem], raw: Mapping[str, Any], currency: str, reader: str | None = None
) -> dict[str, Any]:
    """A priced line for every item of each lot bid on (every item when there are no lots; a lot
    counts as bid on when any of its items has a price), unit prices in the RFQ's ``currency``, lead
    time and validity in days, numbers read the ``reader``'s way (``market.domain.numbers``;
    ``None``: the API's form). ``lots`` in the result lists the lots bid on (empty without lots).

    A price is rounded once, to the currency's minor units, before it is checked: it must then be
    at least the currency's smallest amount (0.004 USD is 0.00 and refused) and at most
    ``MAX_UNIT_PRICE``; each lot's total, rounded once too, is never zero."""
    errors = FieldCollector()
    raw_prices = raw.get("prices") or {}
    if not isinstance(raw_prices, Mapping):
        raw_prices = {}
    lot_ids = list(dict.fromkeys(item.lot for item in items))
    if lot_ids == [WHOLE]:
        bid_lots = [WHOLE]
    else:
        bid_lots = [
            lot for lot in lot_ids if any(_price_given(raw_prices, i.id) for i in items if i.lot == lot)
        ]
        if not bid_lots:
            errors.add("prices", "bid.no_lot", N_("Price every item of at least one lot."))
    prices: dict[str, str] = {}
    for item in items:
        if item.lot not in bid_lots:
            continue
        value = raw_prices.get(item.id, "")
        try:
            price = read_number(value, reader)
            prices[item.id] = unit_price(price, currency).text  # rounded once, then checked
        except NumberError as error:
            if is_blank(value):
                errors.add(
                    f"prices.{item.id}",
                    "bid.price_invalid",
                    N_("Enter a unit price of at least %(minimum)s."),
                    minimum=str(smallest(currency)),
                )
            else:
                errors.add(f"prices.{item.id}", error.code, error.message, **error.params)
        except AboveMaximum:
            errors.add(
                f"prices.{item.id}",
                "bid.price_invalid",
                N_("Enter a unit price of at most %(maximum)s."),
                maximum=f"{MAX_UNIT_PRICE:f} {currency}",
            )
        except (ArithmeticError, ValueError):
            errors.add(
                f"prices.{item.id}",
                "bid.price_invalid",
                N_("Enter a unit price of at least %(minimum)s."),
                minimum=str(smallest(currency)),
            )
    for lot, lot_total in lot_totals(items, prices, currency).items():
        if not lot_total.is_positive():  # only with quantities below one unit
            errors.add(
                f"lots.{lot}" if lot != WHOLE else "prices",
                "bid.total_too_small",
                N_("The total must come to at least %(minimum)s; check the prices."),
                minimum=str(smallest(currency)),
            )
    days: dict[str, int] = {}
    for name, low, high in (("lead_time_days", 1, 730), ("validity_days", 1, 365)):
        number = number_in_range(
            errors,
            name,
            raw.get(name),
            reader,
            low=low,
            high=high,
            whole=True,
            code=f"bid.{name}_invalid",
            message=N_("Enter a whole number of days from %(low)s to %(high)s."),
            params={"low": low, "high": high},
        )
        if number is not None:
            days[name] = int(number)
    notes = str(raw.get("notes") or "").strip()
    if len(notes) > 2000:
        errors.add("notes", "bid.notes_length", N_("At most 2,000 characters."))
    errors.raise_if_any()
    return {
        "prices": prices,
        "lots": [lot for lot in bid_lots if lot != WHOLE],
        "lead_time_days": days["lead_time_days"],
        "validity_days": days["validity_days"],
        "notes": notes,
    }


def lot_totals(items: Sequence[PricedItem], prices: Mapping[str, str], currency: str) -> dict[str, Money]:
    """Price times quantity summed per lot, for the lots the prices cover (``WHOLE`` without lots),
    each total rounded once to the currency's minor units. Prices are read as sealed (bids from
    before the rounding by currency may carry two decimals in PYG); unreadable ones count as zero."""
    lines: dict[str, list[tuple[Decimal, Decimal]]] = {}
    for item in items:
        if item.id in prices:
            try:
                price = Decimal(str(prices[item.id]))
            except ArithmeticError:
                price = Decimal(0)
            lines.setdefault(item.lot, []).append((price if price.is_finite() else Decimal(0), item.quantity))
    return {lot: total(found, currency) for lot, found in lines.items()}


# -- lots -----------------------------------------------------------------------------------------


def parse_lots(raw: Sequence[Any], errors: FieldCollector) -> list[dict[str, str]]:
    """Optional lots, numbered from 1 in the order given; each needs a title."""
    if len(raw) > MAX_LOTS:
        errors.add("lots", "rfq.lots_count", N_("At most %(max)s lots."), max=MAX_LOTS)
    lots = []
    for index, lot in enumerate(raw[:MAX_LOTS]):
        title = str(lot.get("title") or "").strip() if isinstance(lot, Mapping) else ""
        if not 3 <= len(title) <= 200:
            errors.add(f"lots.{index}.title", "rfq.lot_title", N_("Name the lot (3 to 200 characters)."))
        lots.append({"id": str(index + 1), "title": title})
    return lots


def item_lots(
    lots: Sequence[Mapping[str, str]], raw_items: Sequence[Any], errors: FieldCollector
) -> list[str]:
    """The lot of each item: with lots, every item names one by its number and every lot holds an
    item; without lots, no item names one."""
    ids = [lot["id"] for lot in lots]
    found = []
    for index, item in enumerate(raw_items):
        given = str((item.get("lot") if isinstance(item, Mapping) else None) or "").strip()
        if ids and given not in ids:
            errors.add(f"items.{index}.lot", "rfq.item_lot", N_("Choose the lot this item belongs to."))
        elif not ids and given:
            errors.add(
                f"items.{index}.lot", "rfq.item_lot_none", N_("Add the lot first, or leave this empty.")
            )
        found.append(given if ids else WHOLE)
    for index, lot_id in enumerate(ids):
        if lot_id not in found:
            errors.add(f"lots.{index}.title", "rfq.lot_empty", N_("Put at least one item in this lot."))
    return found


# -- evaluation ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AwardCriteria:
    """Lowest price, or weights (percent, summing to 100) fixed at publication."""

    price: int = 100
    lead_time: int = 0
    quality: int = 0

    def __post_init__(self) -> None:
        if (
            min(self.price, self.lead_time, self.quality) < 0
            or self.price + self.lead_time + self.quality != 100
        ):
            raise DomainError("rfq.weights_invalid", N_("The weights must be 0 or more and add up to 100."))


@dataclass(frozen=True)
class BidForEvaluation:
    bid_id: str
    total_price: Decimal  # of the lot evaluated, at the currency's minor units (``lot_totals``)
    lead_time_days: int
    quality_level: int  # the bidder's readiness level, 0-4
    received_at: dt.datetime
    lot: str = WHOLE

    @property
    def rankable(self) -> bool:
        """A bid the evaluation can score: a total above zero and a lead time of a day or more.
        Every bid ``validate_bid`` accepts is; a bid stored before prices were checked at the
        currency's minor units may carry a total of 0.00, and is left out of the ranking."""
        return self.total_price.is_finite() and self.total_price > 0 and self.lead_time_days >= 1


@dataclass(frozen=True)
class Ranked:
    bid_id: str
    rank: int
    total: Decimal
    price_score: Decimal
    lead_time_score: Decimal
    quality_score: Decimal
    lot_price: Decimal  # the bid's total price for the lot
    lot: str = WHOLE


#: Scores are percentages shown with two decimals (not money).
SCORE_STEP = Decimal("0.01")
_HUNDRED = Decimal(100)


def _score(best: Decimal, own: Decimal) -> Decimal:
    """100 for the best figure, proportionally less for a larger one (``0 < best <= own``)."""
    return min(_HUNDRED, _HUNDRED * best / own)


def evaluate(criteria: AwardCriteria, bids: Sequence[BidForEvaluation]) -> list[Ranked]:
    """Score each bid by the published weights against the other bids on the same lot; rank
    within each lot by score, ties to the earlier receipt (then the bid id, so the order is always
    the same). Lots come in the order first seen; a lot without rankable bids has no ranking.
    Scores are from 0 to 100. Never raises on bids ``validate_bid`` accepted: unrankable ones
    (see ``BidForEvaluation.rankable``) are left out rather than divided by."""
    ranked: list[Ranked] = []
    rankable = [bid for bid in bids if bid.rankable]
    with localcontext() as context:
        context.prec = 60  # totals reach 1e26 with cents; ratios of them stay exact enough
        context.rounding = ROUND_HALF_UP
        for lot in dict.fromkeys(bid.lot for bid in rankable):
            competing = [bid for bid in rankable if bid.lot == lot]
            cheapest = min(b.total_price for b in competing)
            fastest = min(b.lead_time_days for b in competing)
            scored = []
            for bid in competing:
                price = _score(cheapest, bid.total_price)
                lead = _score(Decimal(fastest), Decimal(bid.lead_time_days))
                quality = _HUNDRED * Decimal(min(max(bid.quality_level, 0), 4)) / Decimal(4)
                total = (
                    price * criteria.price + lead * criteria.lead_time + quality * criteria.quality
                ) / _HUNDRED
                scored.append(
                    (
                        total.quantize(SCORE_STEP),
                        bid.received_at,
                        bid.bid_id,
                        price.quantize(SCORE_STEP),
                        lead.quantize(SCORE_STEP),
                        quality.quantize(SCORE_STEP),
                        bid.total_price,
                    )
                )
            scored.sort(key=lambda s: (-s[0], s[1], s[2]))
            ranked += [
                Ranked(bid_id, rank, total, price, lead, quality, amount, lot)
                for rank, (total, _at, bid_id, price, lead, quality, amount) in enumerate(scored, start=1)
            ]
    return ranked


def check_award(ranking: Sequence[Mapping[str, Any]], choice: Mapping[str, str | None]) -> dict[str, str]:
    """The buyer's award: for every lot with ranked bids, one of those bids or no award (``None``);
    at least one lot awarded. Returns the awarded bid of each awarded lot."""
    ranked: dict[str, set[str]] = {}
    for entry in ranking:
        ranked.setdefault(entry["lot"], set()).add(entry["bid"])
    errors = FieldCollector()
    for lot in choice:
        if lot not in ranked:
            errors.add(f"lots.{lot}", "award.lot_unknown", N_("No bid was ranked on this lot."))
    awards = {}
    for lot, bids in ranked.items():
        where = f"lots.{lot}" if lot != WHOLE else "bid"
        if lot not in choice:
            errors.add(where, "award.lot_missing", N_("Choose a bid, or no award, for this lot."))
        elif choice[lot] and choice[lot] not in bids:
            errors.add(where, "award.bid_unknown", N_("Choose one of the bids ranked on this lot."))
        elif choice[lot]:
            awards[lot] = str(choice[lot])
    errors.raise_if_any()
    if not awards:
        raise DomainError(
            "award.none", N_("Award at least one lot, or declare the RFQ unsuccessful with a reason.")
        )
    return awards


# -- languages of an RFQ ------------------------------------------------------------------------

RFQ_LANGUAGES = ("en", "es", "pt")  # the portal's languages; labels in organisations.LANGUAGE_LABELS


def parse_translations(
    raw: dict[str, Any] | None, original: str, errors: FieldCollector
) -> dict[str, dict[str, str]]:
    """The buyer's own translations of title and description, keyed by language; the original
    language has none, an empty one is left out, and each follows the rules of the original."""
    result: dict[str, dict[str, str]] = {}
    for language, texts in (raw or {}).items():
        if language not in RFQ_LANGUAGES or language == original or not isinstance(texts, dict):
            errors.add(
                f"translations.{language}",
                "rfq.translation_language",
                N_("Translate into the marketplace's other languages: English, Spanish, Portuguese."),
            )
            continue
        title = str(texts.get("title") or "").strip()
        description = str(texts.get("description") or "").strip()
        if not title and not description:
            continue
        if not 5 <= len(title) <= 200:
            errors.add(
                f"translations.{language}.title",
                "rfq.title_length",
                N_("Give a title of 5 to 200 characters."),
            )
        if len(description) > 10_000:
            errors.add(
                f"translations.{language}.description",
                "rfq.description_length",
                N_("At most 10,000 characters."),
            )
        result[language] = {"title": title, "description": description}
    return result


def in_language(
    title: str, description: str, original: str, translations: dict[str, dict[str, str]], language: str
) -> tuple[str, str, bool]:
    """Title and description in ``language`` when the buyer gave them, else the original;
    the flag says whether a translation is shown."""
    texts = translations.get(language) if language != original else None
    if texts:
        return texts["title"], texts["description"], True
    return title, description, False
