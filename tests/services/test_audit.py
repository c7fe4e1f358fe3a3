from __future__ import annotations

import asyncio

import pytest

from market.db.tables import AuditLog
from market.services import audit
from tests.conftest import append_only_lifted


async def write(ctx, n: int) -> None:
    for i in range(n):
        await audit.append(ctx, f"user-{i % 3}", "bid.submitted", f"rfq-{i}", {"receipt": f"{i:064x}"})


async def test_entries_chain_and_verify(ctx, clock) -> None:
    await write(ctx, 10)
    result = await audit.verify()
    assert result.entries == 10 and result.problem is None


async def test_concurrent_appends_keep_one_unbroken_chain(ctx) -> None:
    """From an empty trail (no head row yet: the first writers make it, the others wait for it)
    and after it (the head's row lock)."""
    for _ in range(2):
        await asyncio.gather(*(audit.append(ctx, "u", "bid.read", f"rfq-{i}", {}) for i in range(40)))
    result = await audit.verify()
    assert result.entries == 80 and result.problem is None


async def test_many_entries_at_once_continue_the_chain(ctx) -> None:
    """Opening 250 bids writes their entries in one go (three statements of a hundred rows), after
    and before single entries, as one chain."""
    await write(ctx, 2)
    records = [("bid.read", "rfq-1", {"bid": f"bid-{i}", "counts": i % 2 == 0}) for i in range(250)]
    entries = await audit.append_many(ctx, "buyer", records)
    await write(ctx, 1)
    assert [e.seq for e in entries] == list(range(3, 253))
    stored = (
        await AuditLog.select(AuditLog.seq, AuditLog.details).order_by(AuditLog.seq).output(load_json=True)
    )
    assert [row["seq"] for row in stored] == list(range(1, 254))
    assert stored[100]["details"] == {"bid": "bid-98", "counts": True}
    result = await audit.verify()
    assert result.entries == 253 and result.problem is None
    assert await audit.append_many(ctx, "buyer", []) == []


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET actor = 'intruder'",
        "DELETE FROM audit_log",
    ],
)
async def test_update_and_delete_fail_in_the_database(ctx, statement: str) -> None:
    await write(ctx, 3)
    with pytest.raises(Exception, match="append-only"):
        await ctx.engine.run_ddl(statement)
    assert (await audit.verify()).problem is None
    assert await AuditLog.count() == 3


async def test_tampering_behind_the_triggers_is_named(ctx) -> None:
    await write(ctx, 8)
    async with append_only_lifted(ctx):
        await ctx.engine.run_ddl("UPDATE audit_log SET subject = 'rfq-forged' WHERE seq = 5")
    problem = (await audit.verify()).problem
    assert problem is not None and problem.position == 5 and "changed" in problem.reason


async def test_a_cut_off_tail_is_noticed_through_the_head(ctx) -> None:
    await write(ctx, 6)
    async with append_only_lifted(ctx):
        await ctx.engine.run_ddl("DELETE FROM audit_log WHERE seq >= 5")
    problem = (await audit.verify()).problem
    assert problem is not None and problem.position == 5 and "missing" in problem.reason
