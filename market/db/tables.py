"""Piccolo tables. Every schema change comes with a migration in ``market/db/migrations``."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    UUID,
    Array,
    Boolean,
    Bytea,
    Date,
    DoublePrecision,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Organisation(Table, tablename="organisation"):
    id = UUID(primary_key=True)
    kind = Varchar(length=32, index=True)
    legal_name = Varchar(length=200)
    country = Varchar(length=8)
    tax_id = Varchar(length=40)
    #: country + tax id reduced to digits/letters; one firm per key.
    tax_key = Varchar(length=60, unique=True)
    size_class = Varchar(length=16)
    sector = Varchar(length=32)
    value_chain_links = Array(base_column=Varchar(length=32))
    classification_codes = Array(base_column=Varchar(length=16))
    monthly_capacity = Integer(null=True, default=None)
    capacity_unit = Varchar(length=30, default="")
    languages = Array(base_column=Varchar(length=8))
    contact_name = Varchar(length=120, default="")
    contact_email = Varchar(length=254, default="")
    contact_phone = Varchar(length=24, default="")
    website = Varchar(length=200, default="")
    accredited = Boolean(default=False)
    accredited_at = Timestamptz(null=True, default=None)
    onboarded_by = UUID(null=True, default=None, index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class AppUser(Table, tablename="app_user"):
    id = UUID(primary_key=True)
    organisation = ForeignKey(references=Organisation, on_delete=OnDelete.cascade, index=True)
    email = Varchar(length=254, unique=True)
    full_name = Varchar(length=120)
    password_hash = Text()
    role = Varchar(length=16)
    locale = Varchar(length=8, default="")
    disabled = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())
    last_login_at = Timestamptz(null=True, default=None)


class UserSession(Table, tablename="user_session"):
    #: SHA-256 of the cookie value; the cookie itself is never stored.
    id = Varchar(length=64, primary_key=True)
    user = ForeignKey(references=AppUser, on_delete=OnDelete.cascade, index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()


class Invitation(Table, tablename="invitation"):
    id = UUID(primary_key=True)
    organisation = ForeignKey(references=Organisation, on_delete=OnDelete.cascade, index=True)
    email = Varchar(length=254)
    role = Varchar(length=16)
    token_hash = Varchar(length=64, unique=True)
    invited_by = UUID(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    accepted_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class ApiToken(Table, tablename="api_token"):
    id = UUID(primary_key=True)
    user = ForeignKey(references=AppUser, on_delete=OnDelete.cascade, index=True)
    name = Varchar(length=80)
    token_hash = Varchar(length=64, unique=True)
    #: The first characters of the token, shown so its owner can tell tokens apart.
    prefix = Varchar(length=16)
    created_at = Timestamptz(default=TimestamptzNow())
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class Outbox(Table, tablename="outbox"):
    """E-mails the platform would send; the default sender writes them here and to the log."""

    id = UUID(primary_key=True)
    recipient = Varchar(length=254, index=True)
    subject = Varchar(length=200)
    body = Text()
    created_at = Timestamptz(default=TimestamptzNow())


class Assessment(Table, tablename="assessment"):
    """A readiness self-assessment: a draft being filled in, or a submitted (immutable) one."""

    id = UUID(primary_key=True)
    organisation = ForeignKey(references=Organisation, on_delete=OnDelete.cascade, index=True)
    questionnaire_version = Varchar(length=20)
    status = Varchar(length=16, index=True)
    answers = JSON(default="{}")
    step = Integer(default=0)
    dimension_scores = JSON(default="{}")
    kpis = JSON(default="{}")
    overall = DoublePrecision(null=True, default=None)
    level = Integer(null=True, default=None)
    submitted_by = UUID(null=True, default=None)
    submitted_at = Timestamptz(null=True, default=None)
    valid_until = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class Certificate(Table, tablename="certificate"):
    id = UUID(primary_key=True)
    organisation = ForeignKey(references=Organisation, on_delete=OnDelete.cascade, index=True)
    type = Varchar(length=20)
    issuer = Varchar(length=200)
    number = Varchar(length=80)
    scope = Varchar(length=500, default="")
    issued_on = Date()
    expires_on = Date(index=True)
    verification = Varchar(length=16, default="pending")
    review_reason = Text(default="")
    reviewed_by = UUID(null=True, default=None)
    reviewed_at = Timestamptz(null=True, default=None)
    file_name = Varchar(length=200)
    content_type = Varchar(length=40)
    size = Integer()
    sha256 = Varchar(length=64)
    reminders_sent = Array(base_column=Integer())
    uploaded_by = UUID(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class CertificateFile(Table, tablename="certificate_file"):
    """The uploaded document, apart from the row so that lists never load it."""

    id = UUID(primary_key=True)
    certificate = ForeignKey(references=Certificate, on_delete=OnDelete.cascade, unique=True)
    content = Bytea()


class Notification(Table, tablename="notification"):
    """An in-app message to an organisation; ``message`` is the English msgid, translated when shown."""

    id = UUID(primary_key=True)
    organisation = ForeignKey(references=Organisation, on_delete=OnDelete.cascade, index=True)
    code = Varchar(length=60)
    message = Text()
    params = JSON(default="{}")
    link = Varchar(length=200, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    read_at = Timestamptz(null=True, default=None)


class AgencyAccess(Table, tablename="agency_access"):
    """An SME's consent that a support agency sees its passport and coaches it (revocable)."""

    id = UUID(primary_key=True)
    sme = ForeignKey(references=Organisation, on_delete=OnDelete.cascade, index=True)
    agency = ForeignKey(references=Organisation, on_delete=OnDelete.cascade, index=True)
    granted_by = UUID(null=True, default=None)
    granted_at = Timestamptz(default=TimestamptzNow())
    revoked_at = Timestamptz(null=True, default=None)


class CoachingTask(Table, tablename="coaching_task"):
    """A gap turned into work: what the SME does, by when; both sides see it."""

    id = UUID(primary_key=True)
    sme = ForeignKey(references=Organisation, on_delete=OnDelete.cascade, index=True)
    agency = ForeignKey(references=Organisation, on_delete=OnDelete.cascade, index=True)
    gap_code = Varchar(length=60, default="")
    title = Varchar(length=200)
    details = Text(default="")
    due_on = Date()
    status = Varchar(length=16, default="open")
    created_by = UUID(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class BenchmarkReference(Table, tablename="benchmark_reference"):
    """A reference value an agency sets for a dimension or KPI of its cohort."""

    id = UUID(primary_key=True)
    agency = ForeignKey(references=Organisation, on_delete=OnDelete.cascade, index=True)
    metric = Varchar(length=40)
    value = DoublePrecision()
    set_at = Timestamptz(default=TimestamptzNow())


class OnboardingJob(Table, tablename="onboarding_job"):
    """A bulk onboarding CSV an agency uploaded, processed in the background with progress."""

    id = UUID(primary_key=True)
    agency = ForeignKey(references=Organisation, on_delete=OnDelete.cascade, index=True)
    file_name = Varchar(length=200)
    file_sha256 = Varchar(length=64)
    content = Bytea()
    status = Varchar(length=16, default="queued")
    total = Integer(default=0)
    processed = Integer(default=0)
    created_count = Integer(default=0)
    existing_count = Integer(default=0)
    failed_count = Integer(default=0)
    report = JSON(default="[]")
    created_by = UUID(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    finished_at = Timestamptz(null=True, default=None)
    reader = Varchar(length=2, default="")  # the uploader's language: numbers are read its way


class AuditLog(Table, tablename="audit_log"):
    """Append-only, hash-chained record of every state change and every read of bid content.

    UPDATE and DELETE are refused by database triggers (migration 0004).
    """

    id = UUID(primary_key=True)
    seq = Integer(unique=True)
    at = Timestamptz()
    actor = Varchar(length=64)
    action = Varchar(length=60)
    subject = Varchar(length=100)
    details = JSON(default="{}")
    previous_hash = Varchar(length=64)
    hash = Varchar(length=64)


class AuditHead(Table, tablename="audit_head"):
    """The latest entry's number and hash, kept apart so a cut-off tail is noticed."""

    id = Integer(primary_key=True)
    seq = Integer()
    hash = Varchar(length=64)


class Rfq(Table, tablename="rfq"):
    """A request for quotation. Its status is derived from these stamps and the clock."""

    id = UUID(primary_key=True)
    buyer = ForeignKey(references=Organisation, on_delete=OnDelete.cascade, index=True)
    title = Varchar(length=200)
    description = Text(default="")
    currency = Varchar(length=3)
    criteria = JSON(default='{"price": 100, "lead_time": 0, "quality": 0}')
    requirements = JSON(default="{}")
    allow_consortia = Boolean(default=False)
    deadline = Timestamptz(null=True, default=None)
    published_at = Timestamptz(null=True, default=None)
    opened_at = Timestamptz(null=True, default=None)
    evaluated_at = Timestamptz(null=True, default=None)
    awarded_at = Timestamptz(null=True, default=None)
    awards = JSON(default="{}")  # {lot id ("" without lots): awarded bid id}
    standstill_ends_at = Timestamptz(null=True, default=None)
    completed_at = Timestamptz(null=True, default=None)
    cancelled_at = Timestamptz(null=True, default=None)
    unsuccessful_at = Timestamptz(null=True, default=None)
    end_reason = Text(default="")
    #: The ranking computed at evaluation: [{bid, bidder, rank, total, price, lead_time, quality}].
    evaluation = JSON(default="[]")
    search_text = Text(default="")  # title, description, items folded for the board (domain/search.py)
    language = Varchar(length=2, default="en")  # the language the buyer wrote title and description in
    translations = JSON(default="{}")  # {"es": {"title": …, "description": …}, …}: the buyer's own
    lots = JSON(default="[]")  # [{"id": "1", "title": …}, …]; none: the whole RFQ is one lot
    amendments = Integer(default=0)
    created_by = UUID(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class RfqItem(Table, tablename="rfq_item"):
    """One line of an RFQ; quantities are exact decimals kept as text."""

    id = UUID(primary_key=True)
    rfq = ForeignKey(references=Rfq, on_delete=OnDelete.cascade, index=True)
    position = Integer()
    description = Varchar(length=300)
    quantity = Varchar(length=30)
    unit = Varchar(length=20)
    cpv = Varchar(length=10, default="")
    delivery_place = Varchar(length=200, default="")
    delivery_date = Date(null=True, default=None)
    lot = Varchar(length=10, default="")  # the lot's id, "" when the RFQ has no lots


class Bid(Table, tablename="bid"):
    """One version of a sealed bid; only its holder's latest active version counts.

    The holder is the firm alone ("bid:<firm id>") or the consortium ("consortium:<id>", the lead
    firm is then the bidder), so a firm's solo bid and its consortium's joint bid live side by
    side. At most one active version per (RFQ, holder) and one bid per (RFQ, bidder, idempotency
    key): unique indexes (migration 0029).
    """

    id = UUID(primary_key=True)
    rfq = ForeignKey(references=Rfq, on_delete=OnDelete.cascade, index=True)
    bidder = ForeignKey(references=Organisation, on_delete=OnDelete.cascade, index=True)
    status = Varchar(length=12)
    content = JSON()
    total_price = Varchar(length=30)
    sha256 = Varchar(length=64)
    idempotency_key = Varchar(length=80)
    received_at = Timestamptz()
    submitted_by = UUID(null=True, default=None)
    ended_at = Timestamptz(null=True, default=None)
    # The deadline the bidder last confirmed its bid for; after an amendment it is asked again.
    confirmed_deadline = Timestamptz(null=True, default=None)
    consortium = UUID(null=True, default=None)  # a joint bid: the consortium that submits it
    holder = Varchar(length=60, default="")  # whose bid this is: "bid:<bidder>" or "consortium:<id>"
    # SHA-256 of the request that sent it (domain/rfq.py request_fingerprint): a repeat of its
    # idempotency key must send the same; "" for bids from before migration 0028
    request_sha256 = Varchar(length=64, default="")


class BidFile(Table, tablename="bid_file"):
    """A document attached to one version of a bid; sealed like the bid (its hash is in the receipt)."""

    id = UUID(primary_key=True)
    bid = ForeignKey(references=Bid, on_delete=OnDelete.cascade, index=True)
    name = Varchar(length=150)
    content_type = Varchar(length=40)
    size = Integer()
    sha256 = Varchar(length=64)
    content = Bytea()


class RfqQuestion(Table, tablename="rfq_question"):
    """A supplier's question on an RFQ and the buyer's public answer; the asker is never shown."""

    id = UUID(primary_key=True)
    rfq = ForeignKey(references=Rfq, on_delete=OnDelete.cascade, index=True)
    asker = UUID(index=True)
    question = Text()
    answer = Text(default="")
    asked_at = Timestamptz()
    answered_at = Timestamptz(null=True, default=None)
    answered_by = UUID(null=True, default=None)


class Consortium(Table, tablename="consortium"):
    """SMEs bidding together on one RFQ (domain/consortium.py). Visible to its members only."""

    id = UUID(primary_key=True)
    rfq = ForeignKey(references=Rfq, on_delete=OnDelete.cascade, index=True)
    lead = ForeignKey(references=Organisation, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=12)
    lots = JSON(default="[]")  # the lots it bids on; empty: all of them
    created_at = Timestamptz()


class ConsortiumMember(Table, tablename="consortium_member"):
    id = UUID(primary_key=True)
    consortium = ForeignKey(references=Consortium, on_delete=OnDelete.cascade, index=True)
    organisation = ForeignKey(references=Organisation, on_delete=OnDelete.cascade, index=True)
    status = Varchar(length=12)
    share = Varchar(length=12)  # percent, an exact decimal
    items = JSON(default="[]")  # vertical: the item ids it supplies
    link = Varchar(length=20, default="")  # the value-chain link it supplies, if any
    liability_accepted_at = Timestamptz(null=True, default=None)
    invited_at = Timestamptz()
    answered_at = Timestamptz(null=True, default=None)
    confirmed_hash = Varchar(length=64, default="")  # the version of the joint bid it confirmed
    confirmed_at = Timestamptz(null=True, default=None)


class BidSeat(Table, tablename="bid_seat"):
    """A firm's place in one competing bid on one lot of an RFQ ("" without lots), alone or in a
    consortium. Unique per (rfq, lot, organisation) (migration 0020): the database holds the
    one-bid-per-firm rule even when two bids race to include the same firm."""

    id = UUID(primary_key=True)
    rfq = ForeignKey(references=Rfq, on_delete=OnDelete.cascade, index=True)
    lot = Varchar(length=10, default="")
    organisation = ForeignKey(references=Organisation, on_delete=OnDelete.cascade, index=True)
    holder = Varchar(length=60)  # "bid:<bidder id>" for a firm alone, "consortium:<id>" otherwise


class PartnerInterest(Table, tablename="partner_interest"):
    """A supplier says it would bid together on an RFQ, so that others can find it. One per
    (rfq, organisation) (migration 0023)."""

    id = UUID(primary_key=True)
    rfq = ForeignKey(references=Rfq, on_delete=OnDelete.cascade, index=True)
    organisation = ForeignKey(references=Organisation, on_delete=OnDelete.cascade, index=True)
    note = Varchar(length=300, default="")
    created_at = Timestamptz()


class SupplierAward(Table, tablename="supplier_award"):
    """One firm's part in one awarded lot (each member of a consortium has its own, with its
    share), and the delivery outcome the buyer records for it: the supplier records and the
    performance history (domain/performance.py). One per (rfq, lot, supplier) (migration 0025)."""

    id = UUID(primary_key=True)
    rfq = ForeignKey(references=Rfq, on_delete=OnDelete.cascade, index=True)
    lot = Varchar(length=10, default="")
    bid = UUID()
    buyer = ForeignKey(references=Organisation, on_delete=OnDelete.cascade, index=True)
    supplier = ForeignKey(references=Organisation, on_delete=OnDelete.cascade, index=True)
    share = Varchar(length=12, default="")  # percent, for a consortium member; "" for a firm alone
    value = Varchar(length=30)  # the awarded bid's total for the lot
    currency = Varchar(length=3)
    awarded_at = Timestamptz()
    delivered_on = Date(null=True, default=None)
    on_time = Boolean(null=True, default=None)
    rejected = Varchar(length=12, default="")  # percent of the quantity rejected
    delivery_note = Varchar(length=300, default="")
    recorded_at = Timestamptz(null=True, default=None)
    recorded_by = UUID(null=True, default=None)


ALL_TABLES: list[type[Table]] = [
    Organisation,
    AppUser,
    UserSession,
    Invitation,
    ApiToken,
    Outbox,
    Assessment,
    Certificate,
    CertificateFile,
    Notification,
    AgencyAccess,
    CoachingTask,
    BenchmarkReference,
    OnboardingJob,
    AuditLog,
    AuditHead,
    Rfq,
    RfqItem,
    Bid,
    BidFile,
    RfqQuestion,
    Consortium,
    ConsortiumMember,
    BidSeat,
    PartnerInterest,
    SupplierAward,
]
