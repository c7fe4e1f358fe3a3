"""Demo data from ``fixtures/demo.json``; loading it twice changes nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import random
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from market.db.tables import (
    AppUser,
    Assessment,
    BenchmarkReference,
    Certificate,
    CertificateFile,
    Organisation,
    Rfq,
)
from market.domain.accounts import Actor, Role
from market.domain.certificates import CertificateType, CertificateView, Verification
from market.domain.errors import DomainError
from market.domain.organisations import Country, OrganisationKind, tax_id_key
from market.domain.readiness import Questionnaire, assess_level, score, validate_answers
from market.services.accounts import create_user
from market.services.context import ServiceContext
from market.services.organisations import create_organisation
from market.services.readiness import current_questionnaire
from market.settings import PROJECT_ROOT

DEMO_FILE = PROJECT_ROOT / "fixtures" / "demo.json"
#: Every demo account signs in with this passphrase (documented in the README).
DEMO_PASSWORD = "mercosur-demo-2026"  # noqa: S105 (published demo password)


async def load_demo_data(ctx: ServiceContext, path: Path = DEMO_FILE) -> dict[str, int]:
    """Create the demo organisations and users that do not exist yet; return what was created."""
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))  # noqa: ASYNC240 (small, once)
    ids: dict[str, str] = {}
    created = {"organisations": 0, "users": 0}
    # Agencies before the SMEs they onboarded: the file lists them first.
    for item in document["organisations"]:
        key = tax_id_key(Country(item["country"]), item["tax_id"])
        existing = await Organisation.select(Organisation.id).where(Organisation.tax_key == key).first()
        if existing is None:
            profile = {
                k: v for k, v in item.items() if k not in {"key", "kind", "accredited", "onboarded_by"}
            }
            onboarded_by = ids.get(item["onboarded_by"]) if item.get("onboarded_by") else None
            org, _ = await create_organisation(
                ctx,
                OrganisationKind(item["kind"]),
                profile,
                None,
                onboarded_by=onboarded_by,
                accredited=bool(item.get("accredited")),
            )
            created["organisations"] += 1
            org_id = str(org["id"])
        else:
            org_id = str(existing["id"])
        if "key" in item:
            ids[item["key"]] = org_id
    for person in document["users"]:
        if await AppUser.exists().where(AppUser.email == person["email"]):
            continue
        await create_user(
            ctx,
            ids[person["organisation"]],
            person["email"],
            person["full_name"],
            DEMO_PASSWORD,
            Role(person["role"]),
        )
        created["users"] += 1
    created["assessments"] = await load_demo_readiness(ctx, ids)
    created["rfqs"] = await load_demo_rfqs(ctx, ids)
    agency = uuid.UUID(ids["agency-ar"])
    if not await BenchmarkReference.exists().where(BenchmarkReference.agency == agency):
        for metric, value in (("overall", 60.0), ("on_time_delivery", 90.0), ("defect_rate", 2.0)):
            await BenchmarkReference.insert(
                BenchmarkReference(
                    id=uuid.uuid4(), agency=agency, metric=metric, value=value, set_at=ctx.now()
                )
            )
    return created


def sample_answers(
    questionnaire: Questionnaire, rnd: random.Random, strength: float, today: dt.date
) -> dict[str, str]:
    """Plausible answers for a firm of a given strength (0 weak .. 1 strong)."""
    answers = {}
    for dimension in questionnaire.dimensions:
        for q in dimension.questions:
            pull = min(1.0, max(0.0, rnd.gauss(strength, 0.2)))
            if q.type.value == "choice":
                answers[q.id] = q.options[min(len(q.options) - 1, int(pull * len(q.options)))].value
            elif q.type.value == "yes_no":
                answers[q.id] = "yes" if pull > 0.45 else "no"
            elif q.type.value == "date":
                answers[q.id] = (today - dt.timedelta(days=int(30 + (1 - pull) * 1200))).isoformat()
            else:
                low, high = (0.0, 100.0) if q.type.value == "percentage" else (q.minimum, q.maximum)
                value = q.bad + (q.good - q.bad) * pull
                answers[q.id] = f"{min(high, max(low, value)):.1f}"
    return answers


DEMO_PDF = b"%PDF-1.4\n% demo certificate scan\n"


async def load_demo_readiness(ctx: ServiceContext, ids: dict[str, str]) -> int:
    """Submitted self-assessments (two for some firms: their upgrading path) and certificates for
    the demo SMEs, so the passport, the gate and the agency cohorts show something at once."""
    questionnaire = current_questionnaire()
    now = ctx.now()
    smes = (
        await Organisation.select(Organisation.id, Organisation.legal_name, Organisation.onboarded_by)
        .where(Organisation.kind == "sme_supplier")
        .order_by(Organisation.legal_name)
    )
    created = 0
    for index, sme in enumerate(smes):
        if await Assessment.exists().where(Assessment.organisation == sme["id"]):
            continue
        rnd = random.Random(sme["legal_name"])  # noqa: S311 (demo data, not security)
        strength = 0.25 + 0.6 * rnd.random()
        if str(sme["id"]) == ids.get("sme-ar"):
            strength = 0.9
        certificates = []
        if strength > 0.55 or str(sme["id"]) == ids.get("sme-ar"):
            verified = Verification.VERIFIED if sme["onboarded_by"] else Verification.PENDING
            certificates.append(
                (
                    CertificateType.ISO_9001,
                    now.date() - dt.timedelta(days=400),
                    now.date() + dt.timedelta(days=700),
                    verified,
                )
            )
        if index % 7 == 3:  # an expired one, to show the gap
            certificates.append(
                (
                    CertificateType.HACCP,
                    now.date() - dt.timedelta(days=1200),
                    now.date() - dt.timedelta(days=20),
                    Verification.VERIFIED,
                )
            )
        async with ctx.transaction():
            for kind, issued, expires, verification in certificates:
                certificate_id = uuid.uuid4()
                await Certificate.insert(
                    Certificate(
                        id=certificate_id,
                        organisation=sme["id"],
                        type=kind.value,
                        issuer="IRAM" if index % 2 else "Bureau Veritas",
                        number=f"{kind.value.upper()}-{index:03d}",
                        scope="",
                        issued_on=issued,
                        expires_on=expires,
                        verification=verification.value,
                        reviewed_by=sme["onboarded_by"],
                        reviewed_at=now if verification is Verification.VERIFIED else None,
                        file_name="certificate.pdf",
                        content_type="application/pdf",
                        size=len(DEMO_PDF),
                        sha256=hashlib.sha256(DEMO_PDF).hexdigest(),
                        reminders_sent=[],
                        created_at=now,
                    )
                )
                await CertificateFile.insert(
                    CertificateFile(id=uuid.uuid4(), certificate=certificate_id, content=DEMO_PDF)
                )
            views = [CertificateView(k, i, e, v) for k, i, e, v in certificates]
            rounds = [(now - dt.timedelta(days=240), strength - 0.2), (now - dt.timedelta(days=30), strength)]
            for submitted_at, firm_strength in rounds[(index % 3 == 0) :]:
                answers = validate_answers(
                    questionnaire,
                    sample_answers(questionnaire, rnd, firm_strength, submitted_at.date()),
                    submitted_at.date(),
                    complete=True,
                )
                scores = score(questionnaire, answers, submitted_at.date())
                level = assess_level(scores, views, submitted_at).level
                await Assessment.insert(
                    Assessment(
                        id=uuid.uuid4(),
                        organisation=sme["id"],
                        questionnaire_version=questionnaire.version,
                        status="submitted",
                        answers=answers,
                        dimension_scores=scores.dimensions,
                        kpis=scores.kpis,
                        overall=scores.overall,
                        level=int(level),
                        submitted_at=submitted_at,
                        valid_until=submitted_at + dt.timedelta(days=ctx.settings.assessment_valid_days),
                        created_at=submitted_at,
                        updated_at=submitted_at,
                    )
                )
                created += 1
    return created


async def _actor(email: str) -> Actor:
    user = await AppUser.select().where(AppUser.email == email).first()
    assert user is not None
    org = await Organisation.select().where(Organisation.id == user["organisation"]).first()
    assert org is not None
    return Actor(
        str(user["id"]), str(org["id"]), OrganisationKind(org["kind"]), Role(user["role"]), org["accredited"]
    )


DEMO_RFQS: list[tuple[str, int, str, str, tuple[str, ...]]] = [
    # (title, days from now to the deadline, how far it goes, buyer, lots: one item in each)
    ("Ventilated brake discs for the 2027 platform", 10, "open", "buyer@demo.market", ()),
    ("Wiring harnesses, pilot batch", -1, "closed", "buyer@demo.market", ()),
    ("Forged steering knuckles", -20, "awarded", "buyer@demo.market", ()),
    ("Solid-wood dining chairs, spring collection", 30, "draft", "buyer.furniture@demo.market", ()),
    (
        "Seat frames and upholstery fabric",
        -12,
        "awarded",
        "buyer.furniture@demo.market",
        ("Steel seat frames", "Upholstery fabric"),
    ),
    # open for joint bids: a consortium is forming (one member accepted, one invited)
    ("Armchair frames and leather covers", 12, "joint", "buyer.furniture@demo.market", ("Frames", "Covers")),
    # awarded to a consortium: both members confirmed the joint bid before the deadline
    (
        "Sofa frames and leather covers",
        -8,
        "joint-awarded",
        "buyer.furniture@demo.market",
        ("Sofa frames", "Leather covers"),
    ),
]
BIDDERS = ("sme@demo.market", "sme.br@demo.market")


async def load_demo_rfqs(ctx: ServiceContext, ids: dict[str, str]) -> int:
    """RFQs in every phase, made through the real services with the clock set back, so the
    receipts, hashes and audit entries are what they would have been."""
    from market.services import rfqs

    now = ctx.now()
    made = 0
    for index, (title, days, phase, buyer_email, lots) in enumerate(DEMO_RFQS):
        if await Rfq.exists().where(Rfq.title == title):
            continue
        deadline = now + dt.timedelta(days=days)
        start = deadline - dt.timedelta(days=14)

        def at(moment: dt.datetime) -> ServiceContext:
            return dataclasses.replace(ctx, clock=lambda: moment)

        buyer = await _actor(buyer_email)
        body = {
            "title": title,
            "description": "Demo request: drawings on request.",
            "currency": "USD",
            "criteria": {"price": 70, "lead_time": 30, "quality": 0},
            "requirements": {"min_level": "L1" if phase == "open" else "L0"},
            "allow_consortia": phase.startswith("joint"),
            "deadline": deadline.isoformat(),
            "items": [
                {"description": title.split(",")[0], "quantity": str(1000 * (index + 1)), "unit": "pieces"}
            ],
        }
        if lots:
            body["lots"] = [{"title": lot} for lot in lots]
            body["items"] = [
                {"description": lot, "quantity": str(500 * n), "unit": "pieces", "lot": str(n)}
                for n, lot in enumerate(lots, start=1)
            ]
        row = await rfqs.create_rfq(at(start), buyer, body)
        made += 1
        if phase == "draft":
            continue
        await rfqs.publish(at(start), buyer, str(row["id"]))
        rfq = await rfqs.get_rfq(buyer, str(row["id"]))
        if phase == "joint":
            await _demo_consortium(at(start + dt.timedelta(days=1)), rfq)
            continue
        if phase == "joint-awarded":
            await _demo_joint_award(at, rfq, start, deadline, buyer)
            continue
        for n, email in enumerate(BIDDERS):
            bidder = await _actor(email)
            # with lots, the first bidder bids on every lot and the second on the last one only
            prices = {
                str(item["id"]): f"{12 + n * 1.5 + index + position:.2f}"
                for position, item in enumerate(rfq["items"])
                if n == 0 or item["lot"] in ("", str(len(lots)))
            }
            try:
                await rfqs.submit_bid(
                    at(start + dt.timedelta(days=2 + n)),
                    bidder,
                    str(row["id"]),
                    {"prices": prices, "lead_time_days": 20 - 5 * n, "validity_days": 60},
                    f"demo-{row['id']}-{n}",
                )
            except DomainError:
                continue  # a demo bidder that is not eligible simply does not bid
        if phase == "awarded":
            after = deadline + dt.timedelta(hours=2)
            await rfqs.open_bids(at(after), buyer, str(row["id"]))
            ranking = await rfqs.evaluate_bids(at(after), buyer, str(row["id"]))
            if ranking:
                best = {entry["lot"]: entry["bid"] for entry in ranking if entry["rank"] == 1}
                await rfqs.award(at(after + dt.timedelta(hours=1)), buyer, str(row["id"]), best)
    return made


async def _demo_joint_award(
    at: Callable[[dt.datetime], ServiceContext],
    rfq: dict[str, Any],
    start: dt.datetime,
    deadline: dt.datetime,
    buyer: Actor,
) -> None:
    """The consortium forms, the Brazilian SME accepts, the lead bids, both confirm, after the
    deadline the buyer awards both lots to the consortium, and a week later records the deliveries."""
    from market.services import consortia, performance, rfqs

    team = await _demo_consortium(at(start + dt.timedelta(days=1)), rfq)
    lead, partner = await _actor(BIDDERS[0]), await _actor(BIDDERS[1])
    await consortia.answer(
        at(start + dt.timedelta(days=2)), partner, team, accept=True, liability_accepted=True
    )
    prices = {str(item["id"]): f"{38 + 9 * n:.2f}" for n, item in enumerate(rfq["items"])}
    receipt = await consortia.submit_joint_bid(
        at(start + dt.timedelta(days=3)),
        lead,
        team,
        {"prices": prices, "lead_time_days": 25, "validity_days": 60},
        f"demo-joint-{rfq['id']}",
    )
    await consortia.confirm_joint_bid(at(start + dt.timedelta(days=4)), partner, team, receipt.sha256)
    after = deadline + dt.timedelta(hours=2)
    await rfqs.open_bids(at(after), buyer, str(rfq["id"]))
    ranking = await rfqs.evaluate_bids(at(after), buyer, str(rfq["id"]))
    best = {entry["lot"]: entry["bid"] for entry in ranking if entry["rank"] == 1}
    await rfqs.award(at(after + dt.timedelta(hours=1)), buyer, str(rfq["id"]), best)
    delivered = (deadline + dt.timedelta(days=6)).date().isoformat()
    for lot, on_time, rejected in (("1", True, "0"), ("2", False, "1.5")):
        outcome = {"lot": lot, "delivered_on": delivered, "on_time": on_time, "rejected_percent": rejected}
        await performance.record_delivery(at(deadline + dt.timedelta(days=7)), buyer, str(rfq["id"]), outcome)


async def _demo_consortium(ctx: ServiceContext, rfq: dict[str, Any]) -> str:
    """A vertical consortium: the Argentine SME leads with the frames and invites the Brazilian
    SME for the leather covers (on the open request the invitation is left open, so both sides
    show). Its id."""
    from market.services import consortia

    lead, partner = await _actor(BIDDERS[0]), await _actor(BIDDERS[1])
    frames, covers = (str(item["id"]) for item in rfq["items"])
    part = {"kind": "vertical", "share": "60", "items": [frames], "link": "components"}
    team = await consortia.create_consortium(ctx, lead, str(rfq["id"]), {**part, "liability_accepted": True})
    invitation = {
        "organisation": partner.organisation_id,
        "share": "40",
        "items": [covers],
        "link": "finishing",
    }
    await consortia.invite(ctx, lead, str(team["id"]), invitation)
    return str(team["id"])


def demo_logins(path: Path = DEMO_FILE) -> list[tuple[str, str, str]]:
    """(e-mail, role, organisation key) of every demo user, for printing."""
    document = json.loads(path.read_text(encoding="utf-8"))
    return [(p["email"], p["role"], p["organisation"]) for p in document["users"]]
