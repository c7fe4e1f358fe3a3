from __future__ import annotations

import datetime as dt
import json

import pytest

from market.domain.certificates import CertificateType as C
from market.domain.certificates import CertificateView, Verification, reminder_due
from market.domain.errors import ValidationFailed
from market.domain.readiness import (
    Level,
    QuestionnaireError,
    Scores,
    assess_level,
    check_answers,
    parse_questionnaire,
    score,
    validate_answers,
)
from market.settings import PROJECT_ROOT

NOW = dt.datetime(2026, 11, 2, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
RAW = json.loads((PROJECT_ROOT / "fixtures" / "questionnaires" / "2026.1.json").read_text())
Q = parse_questionnaire(RAW)

BEST = {
    "connectivity": "redundant",
    "einvoice": "yes",
    "catalogue": "yes",
    "online_orders": "90",
    "security_review": "2026-10-01",
    "quality_system": "certified",
    "inspection": "spc",
    "traceability": "yes",
    "buyer_codes": "yes",
    "on_time_delivery": "99",
    "defect_rate": "0.3",
    "inventory_turns": "14",
    "setup_time_share": "4",
    "lead_time_days": "5",
    "market_knowledge": "plan",
    "core_competence": "yes",
    "business_plan": "yes",
    "change": "continuous",
    "supplier_role": "obm",
    "upgrading_type": "chain",
    "export_share": "45",
}


def cert(
    kind: C, verification: Verification = Verification.VERIFIED, expires: dt.date = dt.date(2027, 6, 1)
) -> CertificateView:
    return CertificateView(kind, dt.date(2024, 6, 1), expires, verification)


def test_the_shipped_questionnaire_parses_with_five_dimensions_and_kpis() -> None:
    assert [d.id for d in Q.dimensions] == ["digital", "quality", "process", "strategy", "upgrading"]
    assert set(Q.kpis) == {
        "on_time_delivery",
        "defect_rate",
        "inventory_turns",
        "setup_time_share",
        "lead_time_days",
    }
    for dimension in Q.dimensions:
        for question in dimension.questions:
            assert all(question.text[lang] for lang in ("en", "es", "pt"))


def test_a_malformed_questionnaire_is_refused() -> None:
    broken = json.loads(json.dumps(RAW))
    broken["dimensions"][0]["questions"][0]["text"].pop("pt")
    with pytest.raises(QuestionnaireError):
        parse_questionnaire(broken)
    broken = json.loads(json.dumps(RAW))
    broken["dimensions"].pop()
    with pytest.raises(QuestionnaireError):
        parse_questionnaire(broken)


def test_best_answers_score_100_everywhere() -> None:
    scores = score(Q, validate_answers(Q, BEST, TODAY, complete=True), TODAY)
    assert scores.dimensions == {d: 100.0 for d in ("digital", "quality", "process", "strategy", "upgrading")}
    assert scores.overall == 100.0
    assert scores.kpis["defect_rate"] == 0.3 and scores.kpis["on_time_delivery"] == 99


def test_scores_interpolate_between_bad_and_good() -> None:
    answers = dict(
        BEST,
        on_time_delivery="84",
        defect_rate="5.25",
        inventory_turns="7",
        setup_time_share="17.5",
        lead_time_days="33.5",
    )
    scores = score(Q, validate_answers(Q, answers, TODAY, complete=True), TODAY)
    # every process answer sits halfway between its "bad" and "good" values
    assert scores.dimensions["process"] == 50.0


def test_security_review_date_scores_by_age_with_the_boundaries() -> None:
    def digital(day: str) -> float:
        return score(
            Q, validate_answers(Q, dict(BEST, security_review=day), TODAY, complete=True), TODAY
        ).dimensions["digital"]

    fresh = digital((TODAY - dt.timedelta(days=365)).isoformat())
    stale = digital((TODAY - dt.timedelta(days=1095)).isoformat())
    middle = digital((TODAY - dt.timedelta(days=730)).isoformat())
    assert fresh == 100.0 and stale == round(100 * 7 / 8, 1) and stale < middle < fresh


def test_answers_are_checked_and_drafts_keep_the_good_ones() -> None:
    raw = {
        "connectivity": "satellite",
        "online_orders": "140",
        "einvoice": "maybe",
        "security_review": "2030-01-01",
        "inventory_turns": "abc",
        "catalogue": "yes",
        "on_time_delivery": "97,5",
    }
    answers, problems = check_answers(Q, raw, TODAY, complete=False, reader="es")
    assert answers == {"catalogue": "yes", "on_time_delivery": "97.5"}
    assert {p.field: p.code for p in problems} == {
        "connectivity": "readiness.answer_choice",
        "online_orders": "readiness.answer_range",
        "einvoice": "readiness.answer_yes_no",
        "security_review": "readiness.answer_future",
        "inventory_turns": "number.invalid",
    }
    # The API's one form (no reader): a decimal comma is not a number there.
    _, canonical = check_answers(Q, {"on_time_delivery": "97,5"}, TODAY, complete=False)
    assert [(p.field, p.code) for p in canonical] == [("on_time_delivery", "readiness.answer_number")]
    with pytest.raises(ValidationFailed) as caught:
        validate_answers(Q, {"catalogue": "yes"}, TODAY, complete=True)
    assert len(caught.value.fields) == 20 and {f.code for f in caught.value.fields} == {
        "readiness.answer_required"
    }


@pytest.mark.parametrize(
    ("certificates", "expected"),
    [
        ([], Level.L1),
        ([cert(C.ISO_9001, Verification.PENDING)], Level.L2),
        ([cert(C.ISO_9001)], Level.L3),
        ([cert(C.ISO_9001), cert(C.ISO_14001, Verification.PENDING)], Level.L3),
        ([cert(C.ISO_9001), cert(C.ISO_14001)], Level.L4),
        ([cert(C.IATF_16949), cert(C.SA8000)], Level.L4),
        ([cert(C.ISO_9001, Verification.REJECTED)], Level.L1),
    ],
)
def test_levels_need_scores_and_evidence(certificates: list[CertificateView], expected: Level) -> None:
    scores = score(Q, validate_answers(Q, BEST, TODAY, complete=True), TODAY)
    assert assess_level(scores, certificates, NOW).level is expected


def test_a_level_falls_on_the_day_its_certificate_expires() -> None:
    scores = score(Q, validate_answers(Q, BEST, TODAY, complete=True), TODAY)
    certificates = [cert(C.ISO_9001, expires=dt.date(2026, 12, 1))]
    day_before = dt.datetime(2026, 11, 30, 23, 59, 59, 999000, tzinfo=dt.UTC)
    expiry_day = dt.datetime(2026, 12, 1, 0, 0, tzinfo=dt.UTC)
    assert assess_level(scores, certificates, day_before).level is Level.L3
    result = assess_level(scores, certificates, expiry_day)
    assert result.level is Level.L1
    assert [n.code for n in result.next_level_needs] == ["readiness.needs_certificate"]


def test_next_level_says_what_is_missing() -> None:
    scores = Scores(
        {"digital": 80, "quality": 60, "process": 50, "strategy": 70, "upgrading": 60},
        64.0,
        {"on_time_delivery": 90, "defect_rate": 2},
    )
    result = assess_level(scores, [cert(C.ISO_9001, Verification.PENDING)], NOW)
    assert result.level is Level.L2
    needs = {n.code: n.params for n in result.next_level_needs}
    assert set(needs) == {
        "readiness.overall_below",
        "readiness.process_below",
        "readiness.kpi_on_time_delivery",
        "readiness.kpi_defect_rate",
        "readiness.needs_verified_certificate",
    }
    assert needs["readiness.process_below"] == {"dimension": "Process performance", "min": 70, "now": 50}
    assert needs["readiness.overall_below"]["now"] == 64.0


def test_l0_when_digital_readiness_is_too_low() -> None:
    scores = Scores({"digital": 30, "quality": 90, "process": 90, "strategy": 90, "upgrading": 90}, 78.0, {})
    result = assess_level(scores, [], NOW)
    assert result.level is Level.L0
    assert [n.code for n in result.next_level_needs] == ["readiness.digital_below"]


@pytest.mark.parametrize(
    ("days_left", "sent", "expected"),
    [
        (61, set(), None),
        (60, set(), 60),
        (30, {60}, None),
        (14, {60}, 14),
        (14, set(), 14),
        (1, {60, 14}, None),
        (0, set(), None),
        (-5, set(), None),
    ],
)
def test_expiry_reminders_at_60_and_14_days(days_left: int, sent: set[int], expected: int | None) -> None:
    assert reminder_due(TODAY + dt.timedelta(days=days_left), TODAY, frozenset(sent)) == expected
