from __future__ import annotations

import datetime as dt

import pytest

from market.db.tables import Assessment, Notification, Outbox
from market.domain.certificates import CertificateType as C
from market.domain.eligibility import RequirementSet
from market.domain.errors import DomainError, ValidationFailed
from market.domain.organisations import OrganisationKind as K
from market.domain.readiness import Level
from market.services import accounts, certificates, readiness
from market.services.certificates import Upload
from tests.factories import member_of, organisation_with_admin
from tests.unit.domain.test_readiness import BEST

PDF = b"%PDF-1.4\n% a tiny test document\n"


async def actor_of(ctx, user):
    signed = await accounts.resolve_session(ctx, await accounts.start_session(ctx, user["id"]))
    return signed.actor


async def sme_with_agency(ctx):
    agency, agency_admin = await organisation_with_admin(ctx, K.SUPPORT_AGENCY)
    sme, sme_admin = await organisation_with_admin(ctx, onboarded_by=str(agency["id"]))
    return sme, await actor_of(ctx, sme_admin), await actor_of(ctx, agency_admin)


def cert_fields(kind: C = C.ISO_9001, issued: str = "2024-01-10", expires: str = "2027-01-10") -> dict:
    return {
        "type": kind.value,
        "issuer": "Bureau Veritas",
        "number": "BR-123",
        "scope": "Machining",
        "issued_on": issued,
        "expires_on": expires,
    }


async def test_a_draft_keeps_good_answers_and_reports_bad_ones(ctx) -> None:
    sme, sme_actor, _ = await sme_with_agency(ctx)
    first = await readiness.save_draft(
        ctx, sme_actor, str(sme["id"]), {"connectivity": "broadband", "online_orders": "140"}, step=1
    )
    assert first.draft["answers"] == {"connectivity": "broadband"}
    assert [p.field for p in first.problems] == ["online_orders"]
    second = await readiness.save_draft(
        ctx, sme_actor, str(sme["id"]), {"online_orders": "60", "connectivity": ""}, step=2
    )
    assert second.draft["answers"] == {"online_orders": "60"} and second.draft["step"] == 2
    assert await Assessment.count() == 1
    with pytest.raises(ValidationFailed):
        await readiness.submit(ctx, sme_actor, str(sme["id"]))


async def test_submission_scores_freezes_and_starts_a_fresh_draft_next_time(ctx, clock) -> None:
    sme, sme_actor, _ = await sme_with_agency(ctx)
    await readiness.save_draft(ctx, sme_actor, str(sme["id"]), BEST)
    submitted = await readiness.submit(ctx, sme_actor, str(sme["id"]))
    assert submitted["status"] == "submitted" and submitted["overall"] == 100.0
    assert submitted["level"] == Level.L1  # no certificate yet
    assert submitted["valid_until"] - submitted["submitted_at"] == dt.timedelta(days=365)
    assert (
        await Assessment.select(Assessment.answers)
        .where(Assessment.id == submitted["id"])
        .first()
        .output(load_json=True)
    )["answers"] == BEST
    fresh = await readiness.get_draft(ctx, sme_actor, str(sme["id"]))
    assert fresh["id"] is None and fresh["answers"] == {}  # nothing is written until a save


async def test_expired_certificate_is_a_gap_until_a_renewed_one_is_verified(ctx, clock) -> None:
    sme, sme_actor, agency_actor = await sme_with_agency(ctx)
    old = await certificates.add_certificate(
        ctx,
        sme_actor,
        str(sme["id"]),
        cert_fields(issued="2023-01-01", expires="2026-10-01"),
        Upload("iso.pdf", PDF),
    )
    await certificates.review(ctx, agency_actor, str(old["id"]), True)
    await readiness.save_draft(ctx, sme_actor, str(sme["id"]), BEST)
    await readiness.submit(ctx, sme_actor, str(sme["id"]))
    wanted = RequirementSet(min_level=Level.L3, certificates=frozenset({C.ISO_9001}))
    before = await readiness.check(ctx, sme_actor, str(sme["id"]), wanted)
    assert [g.code for g in before.gaps] == ["readiness.level_too_low", "certificate.expired"]
    renewed = await certificates.add_certificate(
        ctx, sme_actor, str(sme["id"]), cert_fields(issued="2026-10-01"), Upload("iso-2026.pdf", PDF)
    )
    pending = await readiness.check(ctx, sme_actor, str(sme["id"]), wanted)
    assert [g.code for g in pending.gaps] == ["readiness.level_too_low", "certificate.unverified"]
    await certificates.review(ctx, agency_actor, str(renewed["id"]), True)
    after = await readiness.check(ctx, sme_actor, str(sme["id"]), wanted)
    assert after.eligible and after.level is Level.L3
    assert await Notification.count().where(Notification.code == "certificate.verified") == 2


async def test_uploads_are_checked_by_content_and_size(ctx) -> None:
    sme, sme_actor, _ = await sme_with_agency(ctx)
    with pytest.raises(ValidationFailed) as caught:
        await certificates.add_certificate(
            ctx, sme_actor, str(sme["id"]), cert_fields(), Upload("evil.pdf", b"<script>alert(1)</script>")
        )
    assert [f.code for f in caught.value.fields] == ["certificate.file_type"]
    big = b"%PDF-" + b"0" * ctx.settings.max_upload_bytes
    with pytest.raises(ValidationFailed) as caught:
        await certificates.add_certificate(
            ctx, sme_actor, str(sme["id"]), cert_fields(), Upload("big.pdf", big)
        )
    assert [f.code for f in caught.value.fields] == ["certificate.file_too_large"]
    with pytest.raises(ValidationFailed) as caught:
        await certificates.add_certificate(
            ctx, sme_actor, str(sme["id"]), cert_fields(issued="2027-01-01", expires="2026-01-01"), None
        )
    assert {f.field for f in caught.value.fields} == {"issued_on", "expires_on", "file"}
    made = await certificates.add_certificate(
        ctx,
        sme_actor,
        str(sme["id"]),
        cert_fields(),
        Upload("../../etc/passwd.png", b"\x89PNG\r\n\x1a\nrest"),
    )
    assert (
        made["file_name"] == "passwd.png"
        and made["content_type"] == "image/png"
        and len(made["sha256"]) == 64
    )


async def test_certificate_files_go_to_the_owner_and_its_agency_only(ctx) -> None:
    sme, sme_actor, agency_actor = await sme_with_agency(ctx)
    made = await certificates.add_certificate(
        ctx, sme_actor, str(sme["id"]), cert_fields(), Upload("iso.pdf", PDF)
    )
    member = await actor_of(ctx, await member_of(ctx, sme))
    assert (await certificates.certificate_file(member, str(made["id"])))[1] == PDF
    assert (await certificates.certificate_file(agency_actor, str(made["id"])))[1] == PDF
    for kind in (K.SME_SUPPLIER, K.LEAD_FIRM, K.SUPPORT_AGENCY, K.PLATFORM_OPERATOR):
        _, stranger = await organisation_with_admin(ctx, kind)
        with pytest.raises(DomainError) as caught:
            await certificates.certificate_file(await actor_of(ctx, stranger), str(made["id"]))
        assert caught.value.code == "certificate.not_found"


async def test_rejection_needs_a_reason_and_only_the_own_agency_reviews(ctx) -> None:
    sme, sme_actor, agency_actor = await sme_with_agency(ctx)
    made = await certificates.add_certificate(
        ctx, sme_actor, str(sme["id"]), cert_fields(), Upload("iso.pdf", PDF)
    )
    with pytest.raises(DomainError) as caught:
        await certificates.review(ctx, agency_actor, str(made["id"]), False, "")
    assert caught.value.code == "certificate.reason_required"
    _, other_agency = await organisation_with_admin(ctx, K.SUPPORT_AGENCY)
    with pytest.raises(DomainError):
        await certificates.review(ctx, await actor_of(ctx, other_agency), str(made["id"]), True)
    with pytest.raises(DomainError):
        await certificates.review(ctx, sme_actor, str(made["id"]), True)
    rejected = await certificates.review(
        ctx, agency_actor, str(made["id"]), False, "The scope does not cover machining."
    )
    assert rejected["verification"] == "rejected" and "machining" in rejected["review_reason"]


async def test_expiry_reminders_go_out_once_at_60_and_14_days(ctx, clock) -> None:
    sme, sme_actor, _ = await sme_with_agency(ctx)
    expires = clock().date() + dt.timedelta(days=70)
    await certificates.add_certificate(
        ctx, sme_actor, str(sme["id"]), cert_fields(expires=expires.isoformat()), Upload("iso.pdf", PDF)
    )
    assert await certificates.send_due_reminders(ctx) == 0
    clock.advance(days=10)
    assert await certificates.send_due_reminders(ctx) == 1
    assert await certificates.send_due_reminders(ctx) == 0
    clock.advance(days=46)
    assert await certificates.send_due_reminders(ctx) == 1
    clock.advance(days=20)
    assert await certificates.send_due_reminders(ctx) == 0
    reminders = await Notification.select().where(Notification.code == "certificate.expires_soon")
    assert len(reminders) == 2
    assert await Outbox.count().where(Outbox.subject.like("%expires on%")) == 2
