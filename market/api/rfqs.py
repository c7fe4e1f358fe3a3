"""JSON doors of RFQs and sealed bids."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from typing import Annotated, Any

from litestar import Controller, Request, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT
from pydantic import BaseModel, Field

from market.api.controllers import PageNumber, PerPage, paginate, signed_in_guard, who
from market.api.readiness import UPLOAD_ROUTE_LIMIT
from market.api.schemas import DECIMAL_FORM, DecimalIn, Input, Page, at_most_entries
from market.domain.errors import N_, FieldError, NotFound, ValidationFailed
from market.domain.organisations import Country
from market.domain.rfq import CURRENCIES, RFQ_LANGUAGES, STATUS_LABELS
from market.domain.search import BoardSort
from market.i18n import current_language, gettext
from market.services import rfqs
from market.services.certificates import Upload
from market.services.context import ServiceContext


class ItemIn(Input):
    description: str = Field(max_length=300)
    quantity: DecimalIn = Field(description=f"Above zero. {DECIMAL_FORM}")
    unit: str = Field(max_length=20)
    cpv: str = Field(default="", max_length=10)
    delivery_place: str = Field(default="", max_length=200)
    lot: int | None = Field(
        default=None,
        ge=1,
        le=20,
        description="The number of its lot, when there are lots",
    )


class LotIn(Input):
    title: str = Field(max_length=200)


class CriteriaIn(Input):
    price: int = Field(default=100, ge=0, le=100)
    lead_time: int = Field(default=0, ge=0, le=100)
    quality: int = Field(default=0, ge=0, le=100)


class RequirementsIn(Input):
    min_level: str = Field(default="L0", max_length=2)
    certificates: list[str] = Field(default_factory=list, max_length=10)
    countries: list[str] = Field(default_factory=list, max_length=10)
    max_assessment_age_days: str = Field(default="", max_length=5)
    kpi: list[str] = Field(default_factory=list, max_length=10)


class TranslationIn(Input):
    title: str = Field(default="", max_length=200)
    description: str = Field(default="", max_length=10_000)


class RfqIn(Input):
    title: str = Field(max_length=200)
    description: str = Field(default="", max_length=10_000)
    language: str = Field(
        default="en",
        max_length=2,
        description="The language of title and description",
        json_schema_extra={"enum": list(RFQ_LANGUAGES)},
    )
    translations: Annotated[dict[str, TranslationIn], at_most_entries(3)] = Field(
        default_factory=dict,
        description='The buyer\'s own translations: {"es": {"title", "description"}}',
    )
    currency: str = Field(max_length=3, json_schema_extra={"enum": list(CURRENCIES)})
    criteria: CriteriaIn = Field(default_factory=CriteriaIn)
    requirements: RequirementsIn = Field(default_factory=RequirementsIn)
    allow_consortia: bool = False
    deadline: dt.datetime | None = None
    items: list[ItemIn] = Field(max_length=200)
    lots: list[LotIn] = Field(
        default_factory=list,
        max_length=20,
        description="Optional lots, numbered from 1 in this order; bids, evaluation and award go by lot",
    )


class LotOut(BaseModel):
    id: str
    title: str


class ItemOut(BaseModel):
    id: uuid.UUID
    position: int
    description: str
    quantity: str
    unit: str
    cpv: str
    delivery_place: str
    lot: str = Field(description='The id of its lot; "" when the RFQ has no lots')


class RfqOut(BaseModel):
    id: uuid.UUID
    buyer: uuid.UUID
    title: str
    description: str
    language: str
    translations: dict[str, dict[str, str]]
    currency: str
    criteria: dict[str, int]
    requirements: dict[str, Any]
    allow_consortia: bool
    deadline: dt.datetime | None
    status: str
    status_label: str = Field(description="The status in the language of the request")
    amendments: int
    bid_count: int | None = Field(
        description="How many bids are in, never their contents: for the buyer, and for everyone "
        "once the bids are opened; null before that (who has bid is sealed)."
    )
    items: list[ItemOut]
    lots: list[LotOut]
    awards: dict[str, uuid.UUID] = Field(
        description='Once awarded, the winning bid of each lot ("" for an RFQ without lots)'
    )

    @classmethod
    def of(cls, row: dict[str, Any], now: dt.datetime) -> RfqOut:
        data = {k: row[k] for k in cls.model_fields if k not in ("status", "status_label", "items")}
        current = rfqs.rfq_status(row, now)
        return cls.model_validate(
            {
                **data,
                "status": current.value,
                "status_label": gettext(STATUS_LABELS[current]),
                "items": [ItemOut.model_validate(i) for i in row["items"]],
            }
        )


class BoardRow(BaseModel):
    id: uuid.UUID
    title: str = Field(description="In the language of the request when the buyer translated it")
    currency: str
    deadline: dt.datetime
    buyer_name: str


class ConfirmBidIn(Input):
    sha256: str = Field(max_length=64, description="The SHA-256 of the version of your bid you reviewed")


class AmendIn(Input):
    deadline: dt.datetime


class CancelIn(Input):
    reason: str = Field(max_length=500)


class AttachmentIn(Input):
    name: str = Field(max_length=150)
    content_base64: str = Field(
        description="The PDF, PNG or JPEG file, base64-encoded",
        json_schema_extra={"contentEncoding": "base64", "pattern": "^[A-Za-z0-9+/]*={0,2}$"},
    )


class BidIn(Input):
    prices: Annotated[dict[str, DecimalIn], at_most_entries(200)] = Field(
        description="Unit price per item id: every item, or with lots every item of "
        f"each lot you bid on (leave a lot's items out to not bid on it). Each price: {DECIMAL_FORM}",
    )
    lead_time_days: int = Field(ge=1, le=730)
    validity_days: int = Field(ge=1, le=365)
    notes: str = Field(default="", max_length=2000)
    attachments: list[AttachmentIn] = Field(
        default_factory=list,
        max_length=3,
        description="Documents sealed with the bid; their hashes are in it",
    )


# Three documents of the largest configurable size, base64-encoded; the service checks the real limit.
BID_ROUTE_LIMIT = 3 * UPLOAD_ROUTE_LIMIT * 4 // 3 + 65536


def decode_attachments(attachments: list[AttachmentIn]) -> list[Upload]:
    try:
        return [Upload(a.name, base64.b64decode(a.content_base64, validate=True)) for a in attachments]
    except ValueError:  # binascii.Error, or characters outside ASCII
        raise ValidationFailed(
            [FieldError("attachments", "bid.file_encoding", N_("Send each document as base64."))]
        ) from None


class ReceiptOut(BaseModel):
    bid_id: uuid.UUID
    received_at: dt.datetime = Field(description="Server time (UTC) at which the bid was received")
    sha256: str = Field(description="SHA-256 of the canonical bid content")


class BidOut(BaseModel):
    id: uuid.UUID
    bidder: uuid.UUID
    content: dict[str, Any]
    total_price: str
    sha256: str
    received_at: dt.datetime
    awaits_confirmation: bool = Field(
        default=False, description="The deadline moved since the bidder last confirmed this bid"
    )


class OpenedBidOut(BidOut):
    bidder_name: str
    hash_matches: bool


IdempotencyKey = Annotated[
    str,
    HeaderParameter(
        name="Idempotency-Key",
        max_length=80,
        description=(
            "8 to 80 characters, new for each new bid. A key belongs to your firm and this RFQ (the same "
            "key on another RFQ is another key). Repeating the same request with it returns the same "
            "receipt while that bid stands. With another body (or for another holder: your firm alone "
            "or your consortium): 422 `bid.idempotency_key_reused`. Once that bid was replaced by a "
            "later one: 409 `bid.idempotency_key_replaced`; once withdrawn: 409 "
            "`bid.idempotency_key_withdrawn`. No receipt is then returned: send a new key to bid again."
        ),
    ),
]


class RfqController(Controller):
    path = "/api/v1/rfqs"
    guards = [signed_in_guard]
    tags = ["rfqs"]

    @get("/", operation_id="listOpenRfqs")
    async def board(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        page: PageNumber = 1,
        per_page: PerPage = 20,
        q: Annotated[str, QueryParameter(max_length=200, description="Words that must all appear")] = "",
        cpv: Annotated[
            str,
            QueryParameter(
                max_length=12,
                description="CPV code or its first digits",
                schema_extra={"pattern": r"^[0-9]{0,8}(-[0-9])?$"},
            ),
        ] = "",
        country: Annotated[
            str,
            QueryParameter(
                description="The buyer's country", schema_extra={"enum": ["", *(c.value for c in Country)]}
            ),
        ] = "",
        currency: Annotated[str, QueryParameter(schema_extra={"enum": ["", *CURRENCIES]})] = "",
        closes_by: Annotated[
            str,
            QueryParameter(
                max_length=10,
                description="YYYY-MM-DD, UTC, from 1900-01-01 to 2999-12-31; empty: any day",
                schema_extra={"pattern": r"^([0-9]{4}-[0-9]{2}-[0-9]{2})?$"},
            ),
        ] = "",
        eligible: Annotated[bool, QueryParameter(description="Only RFQs my firm may bid on")] = False,
        sort: Annotated[
            str,
            QueryParameter(
                description="closing (default) or newest",
                schema_extra={"enum": ["", *(s.value for s in BoardSort)]},
            ),
        ] = "",
    ) -> Page[BoardRow]:
        """RFQs open for bids now that match the search, nearest deadline first unless sorted."""
        raw_query = {"q": q, "cpv": cpv, "country": country, "currency": currency, "closes_by": closes_by}
        raw_query |= {"eligible": "1" if eligible else "", "sort": sort}
        rows, total = await rfqs.search_board(
            ctx, who(request).actor, raw_query, current_language(), page, per_page
        )
        return Page[BoardRow](
            items=[BoardRow.model_validate(r) for r in rows], page=page, per_page=per_page, total=total
        )

    @post("/", status_code=HTTP_201_CREATED, operation_id="createRfq")
    async def create(
        self, request: Request[Any, Any, Any], ctx: NamedDependency[ServiceContext], data: JSONBody[RfqIn]
    ) -> RfqOut:
        """A lead firm drafts an RFQ; suppliers see it once published."""
        row = await rfqs.create_rfq(ctx, who(request).actor, data.model_dump(mode="json"))
        return RfqOut.of(await rfqs.get_rfq(who(request).actor, str(row["id"])), ctx.now())

    @get("/{rfq_id:uuid}", operation_id="getRfq")
    async def get_one(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        rfq_id: FromPath[uuid.UUID],
    ) -> RfqOut:
        return RfqOut.of(await rfqs.get_rfq(who(request).actor, str(rfq_id)), ctx.now())

    @post("/{rfq_id:uuid}/publish", status_code=HTTP_200_OK, operation_id="publishRfq")
    async def publish(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        rfq_id: FromPath[uuid.UUID],
    ) -> RfqOut:
        return RfqOut.of(await rfqs.publish(ctx, who(request).actor, str(rfq_id)), ctx.now())

    @post("/{rfq_id:uuid}/amend", status_code=HTTP_200_OK, operation_id="amendRfq")
    async def amend(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        rfq_id: FromPath[uuid.UUID],
        data: JSONBody[AmendIn],
    ) -> RfqOut:
        """Extend the deadline of an open RFQ."""
        row = await rfqs.amend(ctx, who(request).actor, str(rfq_id), data.deadline.isoformat())
        return RfqOut.of(row, ctx.now())

    @post("/{rfq_id:uuid}/cancel", status_code=HTTP_200_OK, operation_id="cancelRfq")
    async def cancel(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        rfq_id: FromPath[uuid.UUID],
        data: JSONBody[CancelIn],
    ) -> RfqOut:
        return RfqOut.of(await rfqs.cancel(ctx, who(request).actor, str(rfq_id), data.reason), ctx.now())

    @post(
        "/{rfq_id:uuid}/bid",
        status_code=HTTP_201_CREATED,
        operation_id="submitBid",
        request_max_body_size=BID_ROUTE_LIMIT,
    )
    async def submit_bid(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        rfq_id: FromPath[uuid.UUID],
        data: JSONBody[BidIn],
        idempotency_key: IdempotencyKey,
    ) -> ReceiptOut:
        """Submit or replace your firm's own sealed bid (a joint bid of a consortium you are in is
        another bid, left untouched); keep the receipt. Repeating the same request with the same
        Idempotency-Key returns the same receipt while that bid stands; the same key with another
        body is refused with 422 `bid.idempotency_key_reused`; a repeat after that bid was replaced
        or withdrawn gets 409 `bid.idempotency_key_replaced` or `bid.idempotency_key_withdrawn` and
        no receipt. A firm is in one bid per lot: a lot its consortium bids on is refused with 409
        `consortium.firm_taken`."""
        files = decode_attachments(data.attachments)
        receipt = await rfqs.submit_bid(
            ctx,
            who(request).actor,
            str(rfq_id),
            data.model_dump(exclude={"attachments"}),
            idempotency_key,
            files,
        )
        return ReceiptOut(
            bid_id=uuid.UUID(receipt.bid_id), received_at=receipt.received_at, sha256=receipt.sha256
        )

    @get("/{rfq_id:uuid}/bid", operation_id="getMyBid")
    async def my_bid(self, request: Request[Any, Any, Any], rfq_id: FromPath[uuid.UUID]) -> BidOut:
        """Your own current bid."""
        row = await rfqs.my_bid(who(request).actor, str(rfq_id))
        if row is None:
            raise NotFound("bid")
        return BidOut.model_validate(row)

    @post("/{rfq_id:uuid}/bid/confirm", status_code=HTTP_200_OK, operation_id="confirmBid")
    async def confirm(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        rfq_id: FromPath[uuid.UUID],
        data: JSONBody[ConfirmBidIn],
    ) -> BidOut:
        """Confirm that your bid stands for the RFQ's current deadline (asked after an amendment):
        send its SHA-256 as you reviewed it; another version's is refused (409 ``bid.changed``)."""
        await rfqs.confirm_bid(ctx, who(request).actor, str(rfq_id), data.sha256)
        row = await rfqs.my_bid(who(request).actor, str(rfq_id))
        if row is None:
            raise NotFound("bid")
        return BidOut.model_validate(row)

    @delete("/{rfq_id:uuid}/bid", status_code=HTTP_204_NO_CONTENT, operation_id="withdrawBid")
    async def withdraw(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        rfq_id: FromPath[uuid.UUID],
    ) -> None:
        """Withdraw your firm's own bid before the deadline; a joint bid of your consortium stays."""
        await rfqs.withdraw_bid(ctx, who(request).actor, str(rfq_id))

    @post("/{rfq_id:uuid}/open", status_code=HTTP_200_OK, operation_id="openBids")
    async def open_bids(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        rfq_id: FromPath[uuid.UUID],
    ) -> list[OpenedBidOut]:
        """After the deadline, the buyer opens the bids (recorded in the audit trail)."""
        rows = await rfqs.open_bids(ctx, who(request).actor, str(rfq_id))
        return [OpenedBidOut.model_validate(r) for r in rows]


class RankedOut(BaseModel):
    lot: str = Field(description='The lot ranked on; "" for an RFQ without lots')
    bid: uuid.UUID
    bidder: uuid.UUID
    rank: int
    lot_total: str = Field(description="The bid's total price for the lot")
    total: str = Field(description="The weighted score, of 100")
    price: str
    lead_time: str
    quality: str


class AwardIn(Input):
    bid_id: uuid.UUID | None = Field(default=None, description="The winning bid of an RFQ without lots")
    lots: Annotated[dict[str, uuid.UUID | None] | None, at_most_entries(20)] = Field(
        default=None,
        description="With lots: each lot's winning bid, or null for no award on that lot",
    )

    def choice(self) -> dict[str, str | None]:
        if self.lots is not None:
            return {lot: str(bid) if bid else None for lot, bid in self.lots.items()}
        return {"": str(self.bid_id)} if self.bid_id else {}


class MemberShareOut(BaseModel):
    organisation: uuid.UUID
    legal_name: str
    share: str = Field(description="Percent of the joint bid")


class LotDebriefOut(RankedOut):
    members: list[MemberShareOut] = Field(
        default_factory=list, description="Every member of a consortium's bid, with its share"
    )
    lot_title: str
    bidders: int = Field(description="How many bids were ranked on the lot")
    won: bool


class DebriefOut(BaseModel):
    lots: list[LotDebriefOut] = Field(description="Each lot you bid on (one entry without lots)")
    won: bool = Field(description="Whether you won at least one lot")
    standstill_ends_at: dt.datetime | None


class AwardController(Controller):
    path = "/api/v1/rfqs/{rfq_id:uuid}"
    guards = [signed_in_guard]
    tags = ["rfqs"]

    @post("/evaluate", status_code=HTTP_200_OK, operation_id="evaluateBids")
    async def evaluate(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        rfq_id: FromPath[uuid.UUID],
    ) -> list[RankedOut]:
        """Score the opened bids by the published weights; ties go to the earlier receipt."""
        ranking = await rfqs.evaluate_bids(ctx, who(request).actor, str(rfq_id))
        return [RankedOut.model_validate(r) for r in ranking]

    @post("/award", status_code=HTTP_200_OK, operation_id="awardRfq")
    async def award(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        rfq_id: FromPath[uuid.UUID],
        data: JSONBody[AwardIn],
    ) -> RfqOut:
        """Award each lot to one of its ranked bids (or none); the standstill period starts now."""
        return RfqOut.of(await rfqs.award(ctx, who(request).actor, str(rfq_id), data.choice()), ctx.now())

    @post("/unsuccessful", status_code=HTTP_200_OK, operation_id="declareUnsuccessful")
    async def unsuccessful(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        rfq_id: FromPath[uuid.UUID],
        data: JSONBody[CancelIn],
    ) -> RfqOut:
        row = await rfqs.declare_unsuccessful(ctx, who(request).actor, str(rfq_id), data.reason)
        return RfqOut.of(row, ctx.now())

    @get("/debrief", operation_id="getDebrief")
    async def debrief(self, request: Request[Any, Any, Any], rfq_id: FromPath[uuid.UUID]) -> DebriefOut:
        """Your own rank and per-criterion scores, after the award."""
        return DebriefOut.model_validate(await rfqs.debrief(who(request).actor, str(rfq_id)))


class QuestionIn(Input):
    question: str = Field(max_length=2000)


class QuestionAnswerIn(Input):
    answer: str = Field(max_length=4000)


class QuestionOut(BaseModel):
    id: uuid.UUID
    question: str
    answer: str
    asked_at: dt.datetime
    answered_at: dt.datetime | None
    mine: bool = Field(description="Whether your firm asked it (nobody else learns who asked)")


class QuestionController(Controller):
    path = "/api/v1/rfqs/{rfq_id:uuid}/questions"
    guards = [signed_in_guard]
    tags = ["rfqs"]

    @get("/", operation_id="listQuestions")
    async def list_questions(
        self,
        request: Request[Any, Any, Any],
        rfq_id: FromPath[uuid.UUID],
        page: PageNumber = 1,
        per_page: PerPage = 20,
    ) -> Page[QuestionOut]:
        """Answered questions (the asker is never shown); the buyer also sees open ones."""
        rows = await rfqs.questions(who(request).actor, str(rfq_id))
        return paginate([QuestionOut.model_validate(r) for r in rows], page, per_page)

    @post("/", status_code=HTTP_201_CREATED, operation_id="askQuestion")
    async def ask(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        rfq_id: FromPath[uuid.UUID],
        data: JSONBody[QuestionIn],
    ) -> QuestionOut:
        row = await rfqs.ask(ctx, who(request).actor, str(rfq_id), data.question)
        return QuestionOut.model_validate({**row, "mine": True})

    @post("/{question_id:uuid}/answer", status_code=HTTP_200_OK, operation_id="answerQuestion")
    async def answer(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        rfq_id: FromPath[uuid.UUID],
        question_id: FromPath[uuid.UUID],
        data: JSONBody[QuestionAnswerIn],
    ) -> QuestionOut:
        """The buyer answers publicly."""
        row = await rfqs.answer(ctx, who(request).actor, str(rfq_id), str(question_id), data.answer)
        return QuestionOut.model_validate({**row, "mine": False})
