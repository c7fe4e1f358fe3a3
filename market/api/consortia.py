"""JSON doors of consortia: forming one, invitations and answers, leaving, the combined check."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from litestar import Controller, Request, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT
from pydantic import BaseModel, Field

from market.api.controllers import signed_in_guard, who
from market.api.readiness import GapOut
from market.api.rfqs import IdempotencyKey
from market.api.schemas import DECIMAL_FORM, DecimalIn, Input, at_most_entries
from market.domain.consortium import ConsortiumCheck
from market.domain.eligibility import Gap
from market.domain.errors import NotFound
from market.i18n import gettext
from market.services import consortia, matchmaking
from market.services.context import ServiceContext
from market.services.matchmaking import Matches


class PartIn(Input):
    share: DecimalIn = Field(description=f"Percent of the joint bid (all total 100). {DECIMAL_FORM}")
    items: list[str] = Field(
        default_factory=list, max_length=200, description="Vertical: the item ids supplied"
    )
    link: str = Field(default="", max_length=20, description="The value-chain link supplied, if any")


class ConsortiumIn(PartIn):
    kind: str = Field(
        max_length=12, description="horizontal (pooled capacity) or vertical (complementary parts)"
    )
    lots: list[str] = Field(default_factory=list, max_length=20, description="The lots bid on; none: all")
    liability_accepted: bool = Field(description="The lead accepts joint and several liability")


class InviteIn(PartIn):
    organisation: uuid.UUID


class InvitationAnswerIn(Input):
    accept: bool
    liability_accepted: bool = False


class LeaveIn(Input):
    organisation: uuid.UUID | None = Field(
        default=None, description="The lead removes this member; none: leave"
    )


class MemberOut(BaseModel):
    organisation: uuid.UUID
    legal_name: str
    status: str
    share: str
    items: list[str]
    link: str
    liability_accepted: bool


class ConsortiumOut(BaseModel):
    id: uuid.UUID
    rfq: uuid.UUID
    lead: uuid.UUID
    kind: str
    lots: list[str]
    created_at: dt.datetime
    my_status: str
    members: list[MemberOut]

    @classmethod
    def of(cls, row: dict[str, Any]) -> ConsortiumOut:
        members = [
            MemberOut.model_validate({**m, "liability_accepted": m["liability_accepted_at"] is not None})
            for m in row["members"]
        ]
        return cls.model_validate({**row, "members": members})


def _gaps(gaps: tuple[Gap, ...]) -> list[GapOut]:
    return [
        GapOut(code=g.code, message=gettext(g.message, **g.params), action=gettext(g.action)) for g in gaps
    ]


class MemberGapsOut(BaseModel):
    organisation: uuid.UUID
    gaps: list[GapOut]


class ConsortiumCheckOut(BaseModel):
    eligible: bool
    members: list[MemberGapsOut] = Field(description="Each member's own gaps, for its part")
    uncovered: list[GapOut] = Field(description="What the consortium as a whole still lacks")

    @classmethod
    def of(cls, result: ConsortiumCheck) -> ConsortiumCheckOut:
        return cls(
            eligible=result.eligible,
            members=[
                MemberGapsOut(organisation=uuid.UUID(m.organisation), gaps=_gaps(m.gaps))
                for m in result.members
            ],
            uncovered=_gaps(result.uncovered),
        )


class JointBidIn(Input):
    prices: Annotated[dict[str, DecimalIn], at_most_entries(200)] = Field(
        description=f"Unit price per item id of the lots bid on. Each price: {DECIMAL_FORM}"
    )
    lead_time_days: int = Field(ge=1, le=730)
    validity_days: int = Field(ge=1, le=365)
    notes: str = Field(default="", max_length=2000)


class JointReceiptOut(BaseModel):
    bid_id: uuid.UUID
    received_at: dt.datetime = Field(description="Server time (UTC) at which the bid was received")
    sha256: str = Field(description="SHA-256 of the canonical bid content, which names every member")
    members: list[uuid.UUID]


class JointBidOut(BaseModel):
    id: uuid.UUID
    content: dict[str, Any] = Field(description="Sealed: members see it, nobody else before the deadline")
    total_price: str
    sha256: str
    received_at: dt.datetime
    confirmed: list[uuid.UUID] = Field(description="The members that confirmed this exact version")
    counts: bool = Field(description="Whether every member has confirmed it, so that it counts")


class ConfirmIn(Input):
    sha256: str = Field(max_length=64, description="The hash of the version you reviewed")


class PartsIn(Input):
    parts: Annotated[dict[str, PartIn], at_most_entries(10)] = Field(
        description="By member firm id: its new share, items, link"
    )


class ReasonOut(BaseModel):
    code: str
    message: str


class ItemNeedOut(BaseModel):
    item: uuid.UUID
    description: str
    unit: str
    missing: str = Field(description="Quantity the members' declared monthly capacity does not cover")


class CertificateNeedOut(BaseModel):
    certificate: str
    lacking: list[uuid.UUID] = Field(description="Members supplying goods without it")


class SuggestionOut(BaseModel):
    organisation: uuid.UUID
    legal_name: str
    country: str
    score: float
    level: int = Field(description="Readiness level (it passes this request's gate)")
    reasons: list[ReasonOut] = Field(description="One per gap it closes, and why it may bid")
    items: list[uuid.UUID] = Field(description="The missing items it could supply")
    share: str = Field(description="The share an invitation proposes")


class PartnersOut(BaseModel):
    consortium: uuid.UUID | None = Field(description="The asking firm's consortium on this RFQ, if any")
    may_invite: bool = Field(description="The asking firm leads it: invite with POST …/invitations")
    missing_items: list[ItemNeedOut]
    missing_certificates: list[CertificateNeedOut]
    suggestions: list[SuggestionOut]

    @classmethod
    def of(cls, found: Matches) -> PartnersOut:
        return cls(
            consortium=found.consortium,
            may_invite=found.may_invite,
            missing_items=[
                ItemNeedOut(
                    item=uuid.UUID(n.item),
                    description=n.description,
                    unit=n.unit,
                    missing=format(n.missing.normalize(), "f"),
                )
                for n in found.needs.items
            ],
            missing_certificates=[
                CertificateNeedOut(certificate=n.certificate.value, lacking=[uuid.UUID(o) for o in n.lacking])
                for n in found.needs.certificates
            ],
            suggestions=[
                SuggestionOut(
                    organisation=uuid.UUID(s.organisation),
                    legal_name=s.legal_name,
                    country=s.country.value,
                    score=round(s.score, 2),
                    level=s.level,
                    reasons=[
                        ReasonOut(code=r.code, message=gettext(r.message, **r.params)) for r in s.reasons
                    ],
                    items=[uuid.UUID(i) for i in s.items],
                    share=format(s.share, "f"),
                )
                for s in found.suggestions
            ],
        )


class InterestIn(Input):
    note: str = Field(default="", max_length=300, description="What your firm brings, for others to read")


class InterestedFirmOut(BaseModel):
    organisation: uuid.UUID
    legal_name: str
    country: str
    tax_id: str = Field(description="With the country, what an invitation needs")
    value_chain_links: list[str]
    monthly_capacity: int | None
    capacity_unit: str
    note: str
    mine: bool


class ConsortiumController(Controller):
    path = "/api/v1"
    guards = [signed_in_guard]
    tags = ["consortia"]

    @post("/rfqs/{rfq_id:uuid}/consortia", status_code=HTTP_201_CREATED, operation_id="formConsortium")
    async def form(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        rfq_id: FromPath[uuid.UUID],
        data: JSONBody[ConsortiumIn],
    ) -> ConsortiumOut:
        """Your firm leads a new consortium for this RFQ (when it allows joint bids)."""
        row = await consortia.create_consortium(
            ctx, who(request).actor, str(rfq_id), data.model_dump(mode="json")
        )
        return ConsortiumOut.of(row)

    @get("/consortia/{consortium_id:uuid}", operation_id="getConsortium")
    async def get_one(
        self, request: Request[Any, Any, Any], consortium_id: FromPath[uuid.UUID]
    ) -> ConsortiumOut:
        """For its members (and invited firms) only."""
        return ConsortiumOut.of(await consortia.get_consortium(who(request).actor, str(consortium_id)))

    @post(
        "/consortia/{consortium_id:uuid}/invitations",
        status_code=HTTP_201_CREATED,
        operation_id="inviteMember",
    )
    async def invite(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        consortium_id: FromPath[uuid.UUID],
        data: JSONBody[InviteIn],
    ) -> ConsortiumOut:
        """The lead invites a supplier with its share, items and link."""
        row = await consortia.invite(
            ctx, who(request).actor, str(consortium_id), data.model_dump(mode="json")
        )
        return ConsortiumOut.of(row)

    @post("/consortia/{consortium_id:uuid}/answer", status_code=HTTP_200_OK, operation_id="answerInvitation")
    async def answer(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        consortium_id: FromPath[uuid.UUID],
        data: JSONBody[InvitationAnswerIn],
    ) -> ConsortiumOut:
        """Accept (with joint and several liability) or decline an invitation."""
        row = await consortia.answer(
            ctx,
            who(request).actor,
            str(consortium_id),
            accept=data.accept,
            liability_accepted=data.liability_accepted,
        )
        return ConsortiumOut.of(row)

    @post(
        "/consortia/{consortium_id:uuid}/leave",
        status_code=HTTP_204_NO_CONTENT,
        operation_id="leaveConsortium",
    )
    async def leave(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        consortium_id: FromPath[uuid.UUID],
        data: JSONBody[LeaveIn],
    ) -> None:
        """Leave before the joint bid is submitted, or (the lead) remove a member to replace it."""
        chosen = str(data.organisation) if data.organisation else None
        await consortia.leave(ctx, who(request).actor, str(consortium_id), chosen)

    @get("/consortia/{consortium_id:uuid}/check", operation_id="checkConsortium")
    async def check(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        consortium_id: FromPath[uuid.UUID],
    ) -> ConsortiumCheckOut:
        """Eligibility of the whole: each member's gaps for its part, and what is still uncovered."""
        return ConsortiumCheckOut.of(await consortia.check_whole(ctx, who(request).actor, str(consortium_id)))

    @post("/consortia/{consortium_id:uuid}/bid", status_code=HTTP_201_CREATED, operation_id="submitJointBid")
    async def submit(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        consortium_id: FromPath[uuid.UUID],
        data: JSONBody[JointBidIn],
        idempotency_key: IdempotencyKey,
    ) -> JointReceiptOut:
        """The lead submits or replaces the joint bid; each member then confirms that version. The
        lead's own bid alone (on other lots) is another bid, left untouched. The Idempotency-Key
        rules are those of `submitBid`: same request, same receipt while the bid stands; another
        body 422 `bid.idempotency_key_reused`; replaced or withdrawn 409, no receipt."""
        receipt = await consortia.submit_joint_bid(
            ctx, who(request).actor, str(consortium_id), data.model_dump(), idempotency_key
        )
        bid = await consortia.joint_bid(who(request).actor, str(consortium_id))
        assert bid is not None
        return JointReceiptOut(
            bid_id=uuid.UUID(receipt.bid_id),
            received_at=receipt.received_at,
            sha256=receipt.sha256,
            members=[uuid.UUID(m["organisation"]) for m in bid["content"]["consortium"]["members"]],
        )

    @delete(
        "/consortia/{consortium_id:uuid}/bid",
        status_code=HTTP_204_NO_CONTENT,
        operation_id="withdrawJointBid",
    )
    async def withdraw_bid(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        consortium_id: FromPath[uuid.UUID],
    ) -> None:
        """The lead withdraws the joint bid before the deadline; a member's own bid alone stays."""
        await consortia.withdraw_joint_bid(ctx, who(request).actor, str(consortium_id))

    @get("/consortia/{consortium_id:uuid}/bid", operation_id="getJointBid")
    async def current_bid(
        self, request: Request[Any, Any, Any], consortium_id: FromPath[uuid.UUID]
    ) -> JointBidOut:
        bid = await consortia.joint_bid(who(request).actor, str(consortium_id))
        if bid is None:
            raise NotFound("bid")
        return JointBidOut.model_validate(bid)

    @post(
        "/consortia/{consortium_id:uuid}/bid/confirm", status_code=HTTP_200_OK, operation_id="confirmJointBid"
    )
    async def confirm(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        consortium_id: FromPath[uuid.UUID],
        data: JSONBody[ConfirmIn],
    ) -> JointBidOut:
        """Confirm the version you reviewed; a change by the lead asks every member again."""
        bid = await consortia.confirm_joint_bid(ctx, who(request).actor, str(consortium_id), data.sha256)
        return JointBidOut.model_validate(bid)

    @put("/consortia/{consortium_id:uuid}/parts", operation_id="setMemberParts")
    async def set_parts(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        consortium_id: FromPath[uuid.UUID],
        data: JSONBody[PartsIn],
    ) -> ConsortiumOut:
        """The lead changes members' shares, items and links until the joint bid is submitted."""
        parts = {firm: part.model_dump(mode="json", exclude_unset=True) for firm, part in data.parts.items()}
        return ConsortiumOut.of(await consortia.set_parts(ctx, who(request).actor, str(consortium_id), parts))

    @get("/rfqs/{rfq_id:uuid}/partners", operation_id="suggestPartners")
    async def partners(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        rfq_id: FromPath[uuid.UUID],
        organisation: Annotated[uuid.UUID | None, QueryParameter()] = None,
    ) -> PartnersOut:
        """Who could complete your bid: eligible firms ranked by the gaps they close, with reasons.
        An agency asks for a firm it supports with ``organisation``."""
        found = await matchmaking.suggest_partners(
            ctx, who(request).actor, str(rfq_id), str(organisation) if organisation else None
        )
        return PartnersOut.of(found)

    @post("/rfqs/{rfq_id:uuid}/interest", status_code=HTTP_204_NO_CONTENT, operation_id="markInterest")
    async def mark_interest(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        rfq_id: FromPath[uuid.UUID],
        data: JSONBody[InterestIn],
    ) -> None:
        """Tell other suppliers your firm would bid together on this RFQ."""
        await consortia.mark_interest(ctx, who(request).actor, str(rfq_id), data.note)

    @delete("/rfqs/{rfq_id:uuid}/interest", status_code=HTTP_204_NO_CONTENT, operation_id="withdrawInterest")
    async def withdraw_interest(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[ServiceContext],
        rfq_id: FromPath[uuid.UUID],
    ) -> None:
        await consortia.withdraw_interest(ctx, who(request).actor, str(rfq_id))

    @get("/rfqs/{rfq_id:uuid}/interested", operation_id="listInterestedFirms")
    async def interested(
        self, request: Request[Any, Any, Any], rfq_id: FromPath[uuid.UUID]
    ) -> list[InterestedFirmOut]:
        """Suppliers that would bid together on this RFQ (for suppliers only)."""
        rows = await consortia.interested_firms(who(request).actor, str(rfq_id))
        return [InterestedFirmOut.model_validate(row) for row in rows]
