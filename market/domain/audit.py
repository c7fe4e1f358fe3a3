"""The audit trail as a hash chain: each entry's hash covers its content and the previous hash,
so an edited, deleted, inserted or reordered entry breaks the chain at a place we can name."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: dt.datetime
    actor: str
    action: str
    subject: str
    details: dict[str, Any]
    previous_hash: str
    hash: str


def canonical(value: Any) -> bytes:
    """One byte form for one content: sorted keys, no spaces, text for numbers beyond JSON's."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def entry_hash(
    seq: int,
    at: dt.datetime,
    actor: str,
    action: str,
    subject: str,
    details: dict[str, Any],
    previous_hash: str,
) -> str:
    body = canonical(
        {
            "seq": seq,
            "at": at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "actor": actor,
            "action": action,
            "subject": subject,
            "details": details,
            "previous": previous_hash,
        }
    )
    return hashlib.sha256(body).hexdigest()


def seal(
    seq: int,
    at: dt.datetime,
    actor: str,
    action: str,
    subject: str,
    details: dict[str, Any],
    previous_hash: str,
) -> AuditEntry:
    """A new entry chained to the one before it."""
    return AuditEntry(
        seq,
        at,
        actor,
        action,
        subject,
        details,
        previous_hash,
        entry_hash(seq, at, actor, action, subject, details, previous_hash),
    )


@dataclass(frozen=True)
class ChainBreak:
    """Where the chain breaks: the position (1-based, in stored order) and the entry found there."""

    position: int
    seq: int
    reason: str


def verify_chain(entries: Sequence[AuditEntry]) -> ChainBreak | None:
    """None when intact; otherwise the first entry (by position) where the chain breaks.

    Sequence numbers must run 1, 2, 3, … without gaps, every entry must point at its
    predecessor's hash, and every hash must recompute from the entry's own content.
    """
    previous = GENESIS
    for position, entry in enumerate(entries, start=1):
        if entry.seq != position:
            return ChainBreak(position, entry.seq, "out of sequence: an entry was deleted, inserted or moved")
        if entry.previous_hash != previous:
            return ChainBreak(position, entry.seq, "does not point at the entry before it")
        recomputed = entry_hash(
            entry.seq, entry.at, entry.actor, entry.action, entry.subject, entry.details, entry.previous_hash
        )
        if recomputed != entry.hash:
            return ChainBreak(position, entry.seq, "its content was changed after it was written")
        previous = entry.hash
    return None
