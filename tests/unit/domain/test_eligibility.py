from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from market.domain.certificates import CertificateType as C
from market.domain.certificates import CertificateView, Verification, is_valid
from market.domain.eligibility import (
    LOWER_IS_BETTER,
    Passport,
    RequirementSet,
    SubmittedAssessment,
    check_eligibility,
    parse_requirements,
)
from market.domain.errors import ValidationFailed
from market.domain.organisations import Country
from market.domain.readiness import Level, Scores, assess_level

NOW = dt.datetime(2026, 11, 2, 12, 0, tzinfo=dt.UTC)
GOOD = Scores(
    {d: 100.0 for d in ("digital", "quality", "process", "strategy", "upgrading")},
    100.0,
    {"on_time_delivery": 99.0, "defect_rate": 0.3, "lead_time_days": 5.0},
)


def assessment(days_ago: int = 10, scores: Scores = GOOD, valid_days: int = 365) -> SubmittedAssessment:
    submitted = NOW - dt.timedelta(days=days_ago)
    return SubmittedAssessment(submitted, submitted + dt.timedelta(days=valid_days), scores)


def cert(
    kind: C, verification: Verification = Verification.VERIFIED, expires: dt.date = dt.date(2027, 6, 1)
) -> CertificateView:
    return CertificateView(kind, dt.date(2024, 6, 1), expires, verification)


def test_a_ready_firm_is_eligible() -> None:
    passport = Passport(Country.AR, assessment(), [cert(C.ISO_9001), cert(C.ISO_14001)])
    result = check_eligibility(
        RequirementSet(Level.L4, frozenset({C.ISO_9001}), frozenset({Country.AR})), passport, NOW
    )
    assert result.eligible and result.gaps == () and result.level is Level.L4


def test_the_gap_report_names_every_unmet_requirement() -> None:
    passport = Passport(
        Country.UY,
        assessment(days_ago=200),
        [
            cert(C.ISO_9001, expires=dt.date(2026, 3, 1)),
            cert(C.HACCP, Verification.PENDING),
            cert(C.FSC, Verification.REJECTED),
        ],
    )
    requirements = RequirementSet(
        min_level=Level.L3,
        certificates=frozenset({C.ISO_9001, C.HACCP, C.FSC, C.SA8000}),
        countries=frozenset({Country.AR, Country.BR}),
        max_assessment_age_days=180,
        min_kpis={"on_time_delivery": 99.5, "defect_rate": 0.1, "inventory_turns": 4},
    )
    result = check_eligibility(requirements, passport, NOW)
    assert not result.eligible
    codes = [g.code for g in result.gaps]
    assert codes == [
        "eligibility.country",
        "readiness.assessment_too_old",
        "readiness.level_too_low",
        "readiness.kpi_not_met",
        "readiness.kpi_not_met",
        "readiness.kpi_not_met",
        "certificate.rejected",
        "certificate.unverified",
        "certificate.expired",
        "certificate.missing",
    ]
    expired = next(g for g in result.gaps if g.code == "certificate.expired")
    assert expired.params == {"certificate": "ISO 9001", "date": "2026-03-01"}
    assert "renewed" in expired.action
    assert all(g.message and g.action for g in result.gaps)


def test_expiry_boundaries_of_certificate_and_assessment() -> None:
    iso = cert(C.ISO_9001, expires=dt.date(2026, 11, 3))
    requirements = RequirementSet(certificates=frozenset({C.ISO_9001}), min_level=Level.L1)
    last_moment = dt.datetime(2026, 11, 2, 23, 59, 59, 999000, tzinfo=dt.UTC)
    expiry = dt.datetime(2026, 11, 3, tzinfo=dt.UTC)
    valid = SubmittedAssessment(NOW, expiry, GOOD)  # the assessment also ends at that instant
    assert check_eligibility(requirements, Passport(Country.AR, valid, [iso]), last_moment).eligible
    at_expiry = check_eligibility(requirements, Passport(Country.AR, valid, [iso]), expiry)
    assert [g.code for g in at_expiry.gaps] == ["readiness.assessment_expired", "certificate.expired"]


def test_without_an_assessment_only_readiness_requirements_fail() -> None:
    passport = Passport(Country.BR, None, [cert(C.HACCP)])
    assert check_eligibility(RequirementSet(certificates=frozenset({C.HACCP})), passport, NOW).eligible
    result = check_eligibility(RequirementSet(min_level=Level.L1), passport, NOW)
    assert [g.code for g in result.gaps] == ["readiness.no_assessment"]


# -- properties ---------------------------------------------------------------------------------

certificates = st.lists(
    st.builds(
        CertificateView,
        type=st.sampled_from(list(C)),
        issued_on=st.dates(dt.date(2020, 1, 1), dt.date(2027, 1, 1)),
        expires_on=st.dates(dt.date(2025, 1, 1), dt.date(2029, 1, 1)),
        verification=st.sampled_from(list(Verification)),
    ),
    max_size=6,
)
score_value = st.floats(0, 100, allow_nan=False)
scores = st.builds(
    lambda dims, kpis: Scores(dims, round(sum(dims.values()) / 5, 1), kpis),
    st.fixed_dictionaries(
        {d: score_value for d in ("digital", "quality", "process", "strategy", "upgrading")}
    ),
    st.dictionaries(
        st.sampled_from(["on_time_delivery", "defect_rate", "inventory_turns", "lead_time_days"]), score_value
    ),
)
assessments = st.none() | st.builds(
    lambda days, valid, s: SubmittedAssessment(
        NOW - dt.timedelta(days=days), NOW - dt.timedelta(days=days) + dt.timedelta(days=valid), s
    ),
    st.integers(0, 800),
    st.integers(1, 730),
    scores,
)
passports = st.builds(
    Passport, country=st.sampled_from(list(Country)), assessment=assessments, certificates=certificates
)
requirement_sets = st.builds(
    RequirementSet,
    min_level=st.sampled_from(list(Level)),
    certificates=st.frozensets(st.sampled_from(list(C)), max_size=3),
    countries=st.frozensets(st.sampled_from(list(Country)), max_size=3),
    max_assessment_age_days=st.none() | st.integers(0, 720),
    min_kpis=st.dictionaries(
        st.sampled_from(["on_time_delivery", "defect_rate", "inventory_turns"]), score_value, max_size=2
    ),
)


def unmet(requirements: RequirementSet, passport: Passport, now: dt.datetime) -> list[str]:
    """An independent restatement of every requirement, to hold the gate to."""
    problems = []
    if requirements.countries and passport.country not in requirements.countries:
        problems.append("country")
    for wanted in requirements.certificates:
        if not any(
            c.type is wanted and is_valid(c, now) and c.verification is Verification.VERIFIED
            for c in passport.certificates
        ):
            problems.append(f"certificate {wanted}")
    needs = (
        requirements.min_level > Level.L0
        or requirements.min_kpis
        or requirements.max_assessment_age_days is not None
    )
    a = passport.assessment
    if needs:
        if a is None or now >= a.valid_until:
            problems.append("assessment")
        else:
            if assess_level(a.scores, passport.certificates, now).level < requirements.min_level:
                problems.append("level")
            if (
                requirements.max_assessment_age_days is not None
                and (now - a.submitted_at).days > requirements.max_assessment_age_days
            ):
                problems.append("age")
            for kpi, limit in requirements.min_kpis.items():
                value = a.scores.kpis.get(kpi)
                if value is None or (value > limit if kpi in LOWER_IS_BETTER else value < limit):
                    problems.append(f"kpi {kpi}")
    return problems


@settings(max_examples=400, deadline=None)
@given(requirements=requirement_sets, passport=passports, minutes=st.integers(0, 60 * 24 * 400))
def test_the_gate_never_says_eligible_when_a_requirement_is_unmet(
    requirements: RequirementSet, passport: Passport, minutes: int
) -> None:
    now = NOW + dt.timedelta(minutes=minutes)
    result = check_eligibility(requirements, passport, now)
    problems = unmet(requirements, passport, now)
    assert result.eligible == (not problems)
    assert (result.gaps == ()) == result.eligible
    assert len(result.gaps) >= len(problems)  # one gap at least for each unmet requirement


def test_requirement_numbers_are_read_the_readers_way() -> None:
    portal = parse_requirements({"kpi": ["on_time_delivery:95,5"], "max_assessment_age_days": "365"}, "es")
    assert portal.min_kpis == {"on_time_delivery": 95.5} and portal.max_assessment_age_days == 365
    try:
        parse_requirements({"kpi": ["on_time_delivery:1,000"], "max_assessment_age_days": "5.000"}, "pt")
    except ValidationFailed as failed:
        assert [(f.field, f.code) for f in failed.fields] == [
            ("max_assessment_age_days", "eligibility.age_invalid"),  # five thousand days, not 5
            ("kpi", "number.ambiguous"),
        ]
    else:
        raise AssertionError("ambiguous KPI accepted")
    canonical = parse_requirements({"kpi": "on_time_delivery:95.5,defect_rate:1"})
    assert canonical.min_kpis == {"on_time_delivery": 95.5, "defect_rate": 1.0}
