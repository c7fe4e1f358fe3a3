"""The eligibility gate: one pure function that every bid path asks.

Given a requirement set and a firm's passport (country, latest submitted assessment,
certificates) at a moment, it answers *eligible* or a gap report: every unmet requirement, with a
stable code, a message and the action that closes it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from market.domain.certificates import CertificateType, CertificateView, Verification, is_valid
from market.domain.errors import N_, FieldCollector, Msg
from market.domain.numbers import NumberError, is_blank, number_in_range, read_number
from market.domain.organisations import COUNTRY_LABELS, Country
from market.domain.readiness import LEVEL_LABELS, Level, Scores, assess_level

#: KPIs where a lower value is better; for all others a higher value is.
LOWER_IS_BETTER = frozenset({"defect_rate", "setup_time_share", "lead_time_days"})
KPI_LABELS = {
    "on_time_delivery": N_("On-time delivery (%)"),
    "defect_rate": N_("Rejected deliveries (%)"),
    "inventory_turns": N_("Inventory turns per year"),
    "setup_time_share": N_("Set-up time share (%)"),
    "lead_time_days": N_("Lead time (days)"),
}


@dataclass(frozen=True)
class RequirementSet:
    """What an RFQ (or a person asking "am I ready?") requires."""

    min_level: Level = Level.L0
    certificates: frozenset[CertificateType] = frozenset()
    countries: frozenset[Country] = frozenset()  # empty: any country
    max_assessment_age_days: int | None = None
    min_kpis: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class SubmittedAssessment:
    submitted_at: dt.datetime
    valid_until: dt.datetime
    scores: Scores


@dataclass(frozen=True)
class Passport:
    country: Country
    assessment: SubmittedAssessment | None
    certificates: Sequence[CertificateView]


@dataclass(frozen=True)
class Gap:
    code: str
    message: str
    action: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Eligibility:
    gaps: tuple[Gap, ...]
    level: Level

    @property
    def eligible(self) -> bool:
        return not self.gaps


def certificate_gap(
    wanted: CertificateType, certificates: Sequence[CertificateView], now: dt.datetime
) -> Gap | None:
    """Why these certificates do not give a valid, verified ``wanted`` one; None when they do."""
    mine = [c for c in certificates if c.type is wanted]
    name = Msg(wanted.label)
    if any(is_valid(c, now) and c.verification is Verification.VERIFIED for c in mine):
        return None
    if any(is_valid(c, now) and c.verification is Verification.PENDING for c in mine):
        return Gap(
            "certificate.unverified",
            N_("%(certificate)s is waiting for verification."),
            N_("Ask your support agency to verify it."),
            {"certificate": name},
        )
    expired = sorted(
        (c for c in mine if c.expires_on <= now.astimezone(dt.UTC).date()), key=lambda c: c.expires_on
    )
    if expired:
        return Gap(
            "certificate.expired",
            N_("%(certificate)s expired on %(date)s."),
            N_("Upload the renewed certificate; your agency verifies it."),
            {"certificate": name, "date": expired[-1].expires_on.isoformat()},
        )
    if any(c.verification is Verification.REJECTED for c in mine):
        return Gap(
            "certificate.rejected",
            N_("%(certificate)s was rejected by the agency."),
            N_("Read the agency's reason and upload a corrected certificate."),
            {"certificate": name},
        )
    return Gap(
        "certificate.missing",
        N_("%(certificate)s is required."),
        N_("Upload the certificate to your wallet; your agency verifies it."),
        {"certificate": name},
    )


def check_eligibility(requirements: RequirementSet, passport: Passport, now: dt.datetime) -> Eligibility:
    """Eligible, or the list of gaps. ``now`` is the server's clock at the moment of the check."""
    gaps: list[Gap] = []
    if requirements.countries and passport.country not in requirements.countries:
        allowed = ", ".join(sorted(c.value for c in requirements.countries))
        gaps.append(
            Gap(
                "eligibility.country",
                N_("Firms from %(country)s cannot bid; allowed: %(allowed)s."),
                N_("Bid together with a firm from an allowed country."),
                {"country": Msg(COUNTRY_LABELS[passport.country]), "allowed": allowed},
            )
        )

    assessment = passport.assessment
    usable = assessment is not None and now < assessment.valid_until
    level = (
        assess_level(assessment.scores, passport.certificates, now).level
        if assessment and usable
        else Level.L0
    )
    needs_assessment = bool(
        requirements.min_level > Level.L0
        or requirements.min_kpis
        or requirements.max_assessment_age_days is not None
    )
    if needs_assessment and assessment is None:
        gaps.append(
            Gap(
                "readiness.no_assessment",
                N_("There is no submitted readiness self-assessment."),
                N_("Fill in and submit the readiness self-assessment."),
            )
        )
    elif needs_assessment and assessment is not None and not usable:
        gaps.append(
            Gap(
                "readiness.assessment_expired",
                N_("Your self-assessment expired on %(date)s."),
                N_("Submit a new readiness self-assessment."),
                {"date": assessment.valid_until.date().isoformat()},
            )
        )
    elif needs_assessment and assessment is not None:
        age = (now - assessment.submitted_at).days
        if requirements.max_assessment_age_days is not None and age > requirements.max_assessment_age_days:
            gaps.append(
                Gap(
                    "readiness.assessment_too_old",
                    N_("Your self-assessment is %(age)s days old; at most %(max)s days are accepted."),
                    N_("Submit a new readiness self-assessment."),
                    {"age": age, "max": requirements.max_assessment_age_days},
                )
            )
        if level < requirements.min_level:
            gaps.append(
                Gap(
                    "readiness.level_too_low",
                    N_("Your readiness level is %(level)s; %(required)s is required."),
                    N_("See what your next level needs on your readiness page, or ask your agency for help."),
                    {
                        "level": Msg(LEVEL_LABELS[level]),
                        "required": Msg(LEVEL_LABELS[requirements.min_level]),
                    },
                )
            )
        for kpi, limit in sorted(requirements.min_kpis.items()):
            value = assessment.scores.kpis.get(kpi)
            lower = kpi in LOWER_IS_BETTER
            if value is None or (value > limit if lower else value < limit):
                gaps.append(
                    Gap(
                        "readiness.kpi_not_met",
                        N_("%(kpi)s must be at most %(limit)s (yours: %(value)s).")
                        if lower
                        else N_("%(kpi)s must be at least %(limit)s (yours: %(value)s)."),
                        N_("Improve this figure and submit a new self-assessment."),
                        {
                            "kpi": Msg(KPI_LABELS.get(kpi, kpi)),
                            "limit": limit,
                            "value": "—" if value is None else value,
                        },
                    )
                )
    for wanted in sorted(requirements.certificates):
        gap = certificate_gap(wanted, passport.certificates, now)
        if gap is not None:
            gaps.append(gap)
    return Eligibility(tuple(gaps), level)


def parse_requirements(raw: Mapping[str, Any], reader: str | None = None) -> RequirementSet:
    """A requirement set from query or form values (lists as lists or comma-separated text).

    ``kpi`` entries read ``name:value`` (``on_time_delivery:95``); every bad value is reported.
    Numbers are read the ``reader``'s way (``market.domain.numbers``): a portal form gives its KPI
    entries as a list (a decimal comma is no separator then); ``None`` is the canonical form.
    """
    errors = FieldCollector()

    def items(name: str, split: bool = True) -> list[str]:
        value = raw.get(name)
        parts = value if isinstance(value, list | tuple) else [value] if value else []
        if not split:
            return [str(part).strip() for part in parts if str(part).strip()]
        return [p.strip() for part in parts for p in str(part).split(",") if p.strip()]

    level = Level.L0
    level_text = str(raw.get("min_level") or "L0").upper().removeprefix("L")
    if level_text.isascii() and level_text.isdigit() and int(level_text) <= max(Level):
        level = Level(int(level_text))
    else:
        errors.add("min_level", "eligibility.level_unknown", N_("Choose a level from L0 to L4."))
    wanted: set[CertificateType] = set()
    for name in items("certificates"):
        try:
            wanted.add(CertificateType(name))
        except ValueError:
            errors.add(
                "certificates",
                "eligibility.certificate_unknown",
                N_("Unknown certificate: %(name)s."),
                name=name[:30],
            )
    countries: set[Country] = set()
    for code in items("countries"):
        try:
            countries.add(Country(code.upper()))
        except ValueError:
            errors.add(
                "countries",
                "eligibility.country_unknown",
                N_("Unknown country: %(country)s."),
                country=code[:10],
            )
    max_age: int | None = None
    age = raw.get("max_assessment_age_days")
    if not is_blank(age):
        days = number_in_range(
            errors,
            "max_assessment_age_days",
            age,
            reader,
            low=0,
            high=3650,
            whole=True,
            code="eligibility.age_invalid",
            message=N_("Enter a number of days from 0 to 3650."),
        )
        max_age = None if days is None else int(days)
    kpis: dict[str, float] = {}
    for entry in items("kpi", split=reader is None):
        name, _, value = entry.partition(":")
        try:
            if name not in KPI_LABELS:
                raise ValueError(name)
            number = float(read_number(value, reader))
            if not 0 <= number <= 10_000:
                raise ValueError(value)
            kpis[name] = number
        except NumberError as error:
            errors.add("kpi", error.code, error.message, **error.params)
        except ValueError:
            errors.add(
                "kpi",
                "eligibility.kpi_invalid",
                N_("Write KPI limits as name:value, for example on_time_delivery:95."),
            )
    errors.raise_if_any()
    return RequirementSet(level, frozenset(wanted), frozenset(countries), max_age, kpis)
