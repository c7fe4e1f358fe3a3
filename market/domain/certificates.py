"""Certificates of the wallet: types, validity, verification, reminders. Pure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from market.domain.errors import N_


class CertificateType(StrEnum):
    ISO_9001 = "iso_9001"
    ISO_14001 = "iso_14001"
    SA8000 = "sa8000"
    FSC = "fsc"
    HACCP = "haccp"
    IATF_16949 = "iatf_16949"
    OTHER = "other"

    @property
    def label(self) -> str:
        return CERTIFICATE_LABELS[self]


CERTIFICATE_LABELS = {
    CertificateType.ISO_9001: "ISO 9001",
    CertificateType.ISO_14001: "ISO 14001",
    CertificateType.SA8000: "SA8000",
    CertificateType.FSC: "FSC",
    CertificateType.HACCP: "HACCP",
    CertificateType.IATF_16949: "IATF 16949",
    CertificateType.OTHER: N_("Other certificate"),
}


class Verification(StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


VERIFICATION_LABELS = {
    Verification.PENDING: N_("Waiting for verification"),
    Verification.VERIFIED: N_("Verified"),
    Verification.REJECTED: N_("Rejected"),
}

#: Reminders go out this many days before a certificate expires.
REMINDER_DAYS = (60, 14)


@dataclass(frozen=True)
class CertificateView:
    """What the rules need to know about one certificate."""

    type: CertificateType
    issued_on: dt.date
    expires_on: dt.date
    verification: Verification


def is_valid(certificate: CertificateView, now: dt.datetime) -> bool:
    """Issued and not yet expired: it stops counting on its expiry date (from 00:00 UTC)."""
    today = now.astimezone(dt.UTC).date()
    return (
        certificate.verification is not Verification.REJECTED
        and certificate.issued_on <= today < certificate.expires_on
    )


def counting_types(
    certificates: Sequence[CertificateView], now: dt.datetime, *, verified_only: bool
) -> frozenset[CertificateType]:
    """The certificate types that count at ``now``."""
    return frozenset(
        c.type
        for c in certificates
        if is_valid(c, now) and (c.verification is Verification.VERIFIED or not verified_only)
    )


def reminder_due(expires_on: dt.date, today: dt.date, already_sent: frozenset[int]) -> int | None:
    """The reminder (60 or 14 days before expiry) to send today, if one is due and not yet sent."""
    days_left = (expires_on - today).days
    for days in sorted(REMINDER_DAYS):
        if 0 < days_left <= days:  # the nearest threshold is the one that matters
            return None if days in already_sent else days
    return None
