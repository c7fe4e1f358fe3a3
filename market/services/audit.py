"""Appending to and verifying the audit trail."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from piccolo.engine.postgres import PostgresEngine

from market.db import raw
from market.db.tables import AuditHead, AuditLog
from market.domain.audit import GENESIS, AuditEntry, ChainBreak, seal, verify_chain
from market.services.context import ServiceContext


async def append(
    ctx: ServiceContext, actor: str, action: str, subject: str, details: dict[str, Any]
) -> AuditEntry:
    """Add one entry after the current head. Call it inside the transaction of the change it records."""
    return (await append_many(ctx, actor, [(action, subject, details)]))[0]


ROWS_PER_INSERT = 100


async def append_many(
    ctx: ServiceContext, actor: str, records: list[tuple[str, str, dict[str, Any]]]
) -> list[AuditEntry]:
    """Add entries (action, subject, details) after the current head, in order: the head is read
    and moved once, the entries written a hundred to a statement. Call it inside the transaction
    of the change they record."""
    if not records:
        return []
    # One writer at a time extends the chain, from reading its head until committing: on PostgreSQL
    # the head row's lock; SQLite's IMMEDIATE transaction already is the only writer.
    read_head = "SELECT seq, hash FROM audit_head WHERE id = 1"
    if isinstance(ctx.engine, PostgresEngine):
        read_head += " FOR UPDATE"
    async with ctx.transaction():
        head = await raw.first(AuditHead, read_head)
        if head is None:  # the first entry ever: a head to lock (concurrent first writers wait for it)
            await raw.rows(
                AuditHead,
                "INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, {}) ON CONFLICT (id) DO NOTHING",
                GENESIS,
            )
            head = await raw.first(AuditHead, read_head)
            assert head is not None
        seq, previous = head["seq"], head["hash"]
        now = ctx.now()
        entries = []
        for action, subject, details in records:
            seq += 1
            entry = seal(seq, now, actor, action, subject, details, previous)
            entries.append(entry)
            previous = entry.hash
        for chunk in raw.batches(entries, ROWS_PER_INSERT):
            values = []
            for entry in chunk:
                values += [uuid.uuid4(), entry.seq, entry.at, entry.actor, entry.action, entry.subject]
                values += [json.dumps(entry.details, default=str), entry.previous_hash, entry.hash]
            await raw.rows(
                AuditLog,
                "INSERT INTO audit_log (id, seq, at, actor, action, subject, details, previous_hash, hash) "
                "VALUES " + ", ".join(["({}, {}, {}, {}, {}, {}, {}, {}, {})"] * len(chunk)),
                *values,
            )
        last = entries[-1]
        await raw.rows(
            AuditHead, "UPDATE audit_head SET seq = {}, hash = {} WHERE id = 1", last.seq, last.hash
        )
    return entries


@dataclass(frozen=True)
class Verification:
    entries: int
    problem: ChainBreak | None


async def verify() -> Verification:
    """Recompute the whole chain, and check that its end matches the head kept apart."""
    rows = await AuditLog.select().order_by(AuditLog.seq).output(load_json=True)
    entries = [
        AuditEntry(
            r["seq"],
            r["at"],
            r["actor"],
            r["action"],
            r["subject"],
            r["details"],
            r["previous_hash"],
            r["hash"],
        )
        for r in rows
    ]
    problem = verify_chain(entries)
    if problem is None:
        head = await AuditHead.select().where(AuditHead.id == 1).first()
        last_seq, last_hash = (entries[-1].seq, entries[-1].hash) if entries else (0, GENESIS)
        if head is not None and (head["seq"], head["hash"]) != (last_seq, last_hash):
            problem = ChainBreak(
                last_seq + 1, head["seq"], "entries after this point are missing (the head says more)"
            )
        elif head is None and entries:
            problem = ChainBreak(1, entries[0].seq, "the head of the chain is missing")
    return Verification(len(entries), problem)
