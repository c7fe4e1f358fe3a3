from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from market.domain.errors import DomainError, FieldCollector, ValidationFailed
from market.domain.money import Money
from market.domain.rfq import (
    WHOLE,
    AwardCriteria,
    BidForEvaluation,
    PricedItem,
    RfqFacts,
    RfqStatus,
    bid_hash,
    check_amend,
    check_award,
    check_bid_change,
    check_cancel,
    check_open,
    check_publish,
    evaluate,
    item_lots,
    lot_totals,
    may_see_bid_contents,
    parse_lots,
    status,
    validate_bid,
)

NOW = dt.datetime(2026, 11, 2, 12, 0, tzinfo=dt.UTC)
DEADLINE = NOW + dt.timedelta(days=7)
MS = dt.timedelta(milliseconds=1)


def published(**extra: dt.datetime) -> RfqFacts:
    return RfqFacts(deadline=DEADLINE, published_at=NOW, **extra)


def test_status_follows_facts_and_the_clock() -> None:
    assert status(RfqFacts(deadline=DEADLINE), NOW) is RfqStatus.DRAFT
    assert status(published(), DEADLINE - MS) is RfqStatus.PUBLISHED
    assert status(published(), DEADLINE) is RfqStatus.CLOSED  # no job needed: the clock closes it
    assert status(published(opened_at=DEADLINE), DEADLINE) is RfqStatus.OPENED
    assert status(published(opened_at=DEADLINE, awarded_at=DEADLINE), DEADLINE) is RfqStatus.AWARDED
    assert status(published(cancelled_at=NOW), NOW) is RfqStatus.CANCELLED


def test_deadline_boundary_one_millisecond_each_side() -> None:
    check_bid_change(published(), DEADLINE - MS)
    with pytest.raises(DomainError) as caught:
        check_bid_change(published(), DEADLINE + MS)
    assert caught.value.code == "bid.after_deadline"
    assert caught.value.params["deadline"] == DEADLINE.strftime("%Y-%m-%d %H:%M:%S")
    with pytest.raises(DomainError):
        check_bid_change(published(), DEADLINE)  # the deadline instant itself is late


def test_one_deadline_after_an_extension() -> None:
    extended = DEADLINE + dt.timedelta(days=2)
    check_amend(published(), NOW + dt.timedelta(days=1), extended)
    facts = RfqFacts(deadline=extended, published_at=NOW)
    check_bid_change(facts, DEADLINE + dt.timedelta(hours=1))  # after the old deadline: still open
    with pytest.raises(DomainError) as caught:
        check_open(facts, DEADLINE + dt.timedelta(hours=1))
    assert caught.value.code == "rfq.cannot_open"
    check_open(facts, extended)
    with pytest.raises(DomainError) as caught:
        check_amend(published(), NOW, DEADLINE - dt.timedelta(hours=1))
    assert caught.value.code == "rfq.deadline_earlier"


def test_publication_needs_accreditation_a_draft_and_time_to_bid() -> None:
    with pytest.raises(DomainError) as caught:
        check_publish(RfqFacts(deadline=DEADLINE), NOW, accredited=False)
    assert caught.value.code == "rfq.buyer_not_accredited"
    with pytest.raises(DomainError) as caught:
        check_publish(RfqFacts(deadline=NOW + dt.timedelta(hours=23)), NOW, accredited=True)
    assert caught.value.code == "rfq.deadline_too_soon"
    with pytest.raises(DomainError):
        check_publish(published(), NOW, accredited=True)
    check_publish(RfqFacts(deadline=DEADLINE), NOW, accredited=True)


def test_cancel_needs_a_reason_and_not_after_award() -> None:
    with pytest.raises(DomainError):
        check_cancel(published(), NOW, "")
    with pytest.raises(DomainError):
        check_cancel(published(opened_at=DEADLINE, awarded_at=DEADLINE), DEADLINE, "changed our plans")
    check_cancel(published(), NOW, "The project was postponed.")


def test_bid_contents_are_sealed_until_opening() -> None:
    closed = published()
    after = DEADLINE + dt.timedelta(minutes=1)
    assert may_see_bid_contents(closed, NOW, is_bidder=True, is_buyer=False)
    assert not may_see_bid_contents(closed, NOW, is_bidder=False, is_buyer=True)
    assert not may_see_bid_contents(closed, after, is_bidder=False, is_buyer=True)  # closed but not opened
    assert may_see_bid_contents(published(opened_at=after), after, is_bidder=False, is_buyer=True)
    assert not may_see_bid_contents(published(opened_at=after), after, is_bidder=False, is_buyer=False)


def test_bid_hash_is_canonical() -> None:
    a = {"prices": {"i1": "10.00", "i2": "3.50"}, "lead_time_days": 10, "validity_days": 30, "notes": ""}
    b = {"validity_days": 30, "notes": "", "lead_time_days": 10, "prices": {"i2": "3.50", "i1": "10.00"}}
    assert bid_hash(a) == bid_hash(b) and len(bid_hash(a)) == 64
    assert bid_hash(a) != bid_hash({**a, "lead_time_days": 11})


def item(item_id: str, lot: str = WHOLE, quantity: str = "1") -> PricedItem:
    return PricedItem(item_id, lot, Decimal(quantity))


def test_bid_validation_reports_every_field() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_bid(
            [item("i1"), item("i2")],
            {"prices": {"i1": "-1", "i2": "abc"}, "lead_time_days": "0", "validity_days": "x"},
            "USD",
        )
    assert {f.field for f in caught.value.fields} == {
        "prices.i1",
        "prices.i2",
        "lead_time_days",
        "validity_days",
    }
    ok = validate_bid(
        [item("i1")], {"prices": {"i1": "12,5"}, "lead_time_days": "10", "validity_days": "30"}, "USD", "es"
    )
    assert ok["prices"] == {"i1": "12.50"} and ok["lots"] == []
    with pytest.raises(ValidationFailed) as caught:  # "1.000" days in Spanish is a thousand: too many
        validate_bid(
            [item("i1")],
            {"prices": {"i1": "1.250,5"}, "lead_time_days": "1.000", "validity_days": "30"},
            "USD",
            "es",
        )
    assert [(f.field, f.code) for f in caught.value.fields] == [
        ("lead_time_days", "bid.lead_time_days_invalid")
    ]
    with pytest.raises(ValidationFailed) as caught:  # the API's one form has no decimal comma
        validate_bid(
            [item("i1")], {"prices": {"i1": "12,5"}, "lead_time_days": 10, "validity_days": 30}, "USD"
        )
    assert [(f.field, f.code) for f in caught.value.fields] == [("prices.i1", "number.invalid")]


def bid(bid_id: str, price: str, lead: int, level: int, minute: int) -> BidForEvaluation:
    return BidForEvaluation(bid_id, Decimal(price), lead, level, NOW + dt.timedelta(minutes=minute))


def test_lowest_price_wins_and_ties_go_to_the_earlier_receipt() -> None:
    ranked = evaluate(
        AwardCriteria(), [bid("b", "100", 10, 1, 5), bid("a", "100", 20, 4, 9), bid("c", "90", 30, 0, 1)]
    )
    assert [(r.bid_id, r.rank) for r in ranked] == [("c", 1), ("b", 2), ("a", 3)]
    assert ranked[0].total == Decimal("100.00") and ranked[1].price_score == Decimal("90.00")


def test_weighted_scoring_by_published_weights() -> None:
    criteria = AwardCriteria(price=50, lead_time=30, quality=20)
    ranked = evaluate(criteria, [bid("cheap", "100", 20, 1, 1), bid("fast", "125", 10, 4, 2)])
    by = {r.bid_id: r for r in ranked}
    assert by["cheap"].total == Decimal("70.00")  # 50*1 + 30*0.5 + 20*0.25
    assert by["fast"].total == Decimal("90.00")  # 50*0.8 + 30*1 + 20*1
    assert [r.bid_id for r in ranked] == ["fast", "cheap"]
    with pytest.raises(DomainError):
        AwardCriteria(price=50, lead_time=30, quality=30)


# -- lots ---------------------------------------------------------------------------------------

LOTTED = [item("a1", "1", "10"), item("a2", "1", "2"), item("b1", "2", "5")]
TERMS = {"lead_time_days": "10", "validity_days": "30"}


def test_lots_are_numbered_and_every_item_sits_in_one() -> None:
    errors = FieldCollector()
    lots = parse_lots([{"title": "Fresh fruit"}, {"title": "Transport"}], errors)
    assert lots == [{"id": "1", "title": "Fresh fruit"}, {"id": "2", "title": "Transport"}]
    assert item_lots(lots, [{"lot": 1}, {"lot": "2"}, {"lot": 2}], errors) == ["1", "2", "2"]
    assert not errors.errors
    errors = FieldCollector()
    lots = parse_lots([{"title": "Fresh fruit"}, {"title": ""}, {"title": "Transport"}], errors)
    item_lots(lots, [{"lot": 1}, {"lot": 7}, {}], errors)
    assert {(e.field, e.code) for e in errors.errors} == {
        ("lots.1.title", "rfq.lot_title"),
        ("items.1.lot", "rfq.item_lot"),
        ("items.2.lot", "rfq.item_lot"),
        ("lots.1.title", "rfq.lot_empty"),
        ("lots.2.title", "rfq.lot_empty"),
    }
    errors = FieldCollector()
    assert item_lots([], [{"lot": 1}, {}], errors) == [WHOLE, WHOLE]
    assert [e.code for e in errors.errors] == ["rfq.item_lot_none"]


def test_a_bid_covers_the_lots_it_prices_fully() -> None:
    content = validate_bid(LOTTED, {"prices": {"b1": "3"}, **TERMS}, "USD")
    assert content["lots"] == ["2"] and content["prices"] == {"b1": "3.00"}
    assert lot_totals(LOTTED, content["prices"], "USD") == {"2": Money.of(15, "USD")}
    both = validate_bid(LOTTED, {"prices": {"a1": "1", "a2": "2.5", "b1": "3"}, **TERMS}, "USD")
    assert both["lots"] == ["1", "2"]
    assert lot_totals(LOTTED, both["prices"], "USD") == {"1": Money.of(15, "USD"), "2": Money.of(15, "USD")}
    with pytest.raises(ValidationFailed) as partly:
        validate_bid(LOTTED, {"prices": {"a1": "1"}, **TERMS}, "USD")
    assert [(f.field, f.code) for f in partly.value.fields] == [("prices.a2", "bid.price_invalid")]
    with pytest.raises(ValidationFailed) as none:
        validate_bid(LOTTED, {"prices": {"a1": " ", "b1": ""}, **TERMS}, "USD")
    assert [(f.field, f.code) for f in none.value.fields] == [("prices", "bid.no_lot")]


def test_each_lot_is_ranked_among_its_own_bids() -> None:
    def on(lot: str, bid_id: str, price: str, minute: int) -> BidForEvaluation:
        return BidForEvaluation(bid_id, Decimal(price), 10, 2, NOW + dt.timedelta(minutes=minute), lot)

    ranked = evaluate(AwardCriteria(), [on("1", "x", "100", 1), on("1", "y", "80", 2), on("2", "x", "50", 1)])
    assert [(r.lot, r.bid_id, r.rank, r.lot_price) for r in ranked] == [
        ("1", "y", 1, Decimal("80")),
        ("1", "x", 2, Decimal("100")),
        ("2", "x", 1, Decimal("50")),
    ]
    assert ranked[2].price_score == Decimal("100.00")  # alone on lot 2, not compared with lot 1


def test_award_names_a_ranked_bid_or_none_for_every_lot() -> None:
    ranking = [{"lot": "1", "bid": "x"}, {"lot": "1", "bid": "y"}, {"lot": "2", "bid": "x"}]
    assert check_award(ranking, {"1": "y", "2": None}) == {"1": "y"}
    assert check_award(ranking, {"1": "x", "2": "x"}) == {"1": "x", "2": "x"}
    with pytest.raises(ValidationFailed) as caught:
        check_award(ranking, {"1": "z", "3": "x"})
    assert {(f.field, f.code) for f in caught.value.fields} == {
        ("lots.1", "award.bid_unknown"),
        ("lots.2", "award.lot_missing"),
        ("lots.3", "award.lot_unknown"),
    }
    with pytest.raises(DomainError) as nothing:
        check_award(ranking, {"1": None, "2": None})
    assert nothing.value.code == "award.none"
    whole = [{"lot": WHOLE, "bid": "x"}]
    assert check_award(whole, {WHOLE: "x"}) == {WHOLE: "x"}
    with pytest.raises(ValidationFailed) as missing:
        check_award(whole, {})
    assert [(f.field, f.code) for f in missing.value.fields] == [("bid", "award.lot_missing")]


def test_a_repeated_idempotency_key_gets_its_receipt_only_for_the_same_request_while_it_stands() -> None:
    from market.domain.rfq import KeyUse, Receipt, replay, request_fingerprint

    receipt = Receipt("bid-1", dt.datetime(2026, 11, 2, tzinfo=dt.UTC), "ab" * 32)
    body = {"prices": {"i1": "5.00"}, "lead_time_days": 10}
    sent = request_fingerprint("bid:f1", body, [("offer.pdf", b"%PDF")])
    assert sent == request_fingerprint("bid:f1", dict(reversed(body.items())), [("offer.pdf", b"%PDF")])
    assert replay(KeyUse(receipt, sent, "active"), sent) == receipt
    for other in (
        request_fingerprint("bid:f1", {**body, "lead_time_days": 11}, [("offer.pdf", b"%PDF")]),
        request_fingerprint("consortium:c1", body, [("offer.pdf", b"%PDF")]),  # another holder
        request_fingerprint("bid:f1", body, [("offer.pdf", b"%PDF-changed")]),
    ):
        with pytest.raises(DomainError) as refused:
            replay(KeyUse(receipt, sent, "active"), other)
        assert refused.value.code == "bid.idempotency_key_reused" and refused.value.kind.value == "invalid"
    for ended_as, code in (("superseded", "replaced"), ("withdrawn", "withdrawn")):
        with pytest.raises(DomainError) as ended:
            replay(KeyUse(receipt, sent, ended_as), sent)
        assert ended.value.code == f"bid.idempotency_key_{code}" and ended.value.kind.value == "conflict"
    assert replay(KeyUse(receipt, "", "active"), sent) == receipt  # a bid from before fingerprints
