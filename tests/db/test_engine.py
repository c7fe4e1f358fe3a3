"""The database layer under concurrency: WAL, one reused writer, no "database is locked"."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest
from piccolo.engine.postgres import PostgresEngine

from market.db import raw
from market.db.engine import PooledSQLiteEngine
from market.db.raw import compiled
from market.db.tables import Organisation, Outbox
from market.services.context import ServiceContext
from tests.factories import profile


async def test_fifty_concurrent_writers_never_see_a_locked_database(ctx: ServiceContext) -> None:
    errors: list[BaseException] = []

    async def writer(n: int) -> None:
        try:
            for i in range(10):
                if i % 2:
                    async with ctx.transaction():  # read-then-write transactions
                        await Outbox.count().where(Outbox.recipient == f"w{n}@example.com")
                        await Outbox.insert(
                            Outbox(id=uuid.uuid4(), recipient=f"w{n}@example.com", subject="s", body="b")
                        )
                else:  # plain autocommit writes
                    await Outbox.insert(
                        Outbox(id=uuid.uuid4(), recipient=f"w{n}@example.com", subject="s", body="b")
                    )
        except BaseException as error:  # collected, so one failure does not hide the others
            errors.append(error)

    async def reader() -> None:
        for _ in range(20):
            await Outbox.count()

    await asyncio.gather(*(writer(n) for n in range(50)), *(reader() for _ in range(10)))
    assert errors == []
    assert await Outbox.count() == 500


async def test_a_failed_transaction_leaves_nothing_and_frees_the_writer(ctx: ServiceContext) -> None:
    with pytest.raises(RuntimeError):
        async with ctx.transaction():
            await Outbox.insert(Outbox(id=uuid.uuid4(), recipient="x@example.com", subject="s", body="b"))
            raise RuntimeError("boom")
    assert await Outbox.count() == 0
    await asyncio.wait_for(
        Outbox.insert(Outbox(id=uuid.uuid4(), recipient="y@example.com", subject="s", body="b")), 5
    )
    assert await Outbox.count() == 1


async def test_unique_tax_id_holds_under_concurrent_registration(ctx: ServiceContext) -> None:
    from market.domain.errors import ValidationFailed
    from market.domain.organisations import OrganisationKind
    from market.services.organisations import create_organisation

    data = profile("BR")
    results = await asyncio.gather(
        *(create_organisation(ctx, OrganisationKind.SME_SUPPLIER, dict(data), None) for _ in range(10)),
        return_exceptions=True,
    )
    created = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, ValidationFailed)]
    assert len(created) == 1 and len(refused) == 9
    assert all(r.fields[0].code == "organisation.tax_id_taken" for r in refused)
    assert await Organisation.count() == 1


async def test_connections_are_pooled_and_sqlite_runs_in_wal_mode(ctx: ServiceContext) -> None:
    engine = ctx.engine
    for _ in range(50):
        await Outbox.count()
    if isinstance(engine, PooledSQLiteEngine):
        pool = engine._current_pool()
        assert pool.writer is not None and len(pool.all_readers) <= engine.reader_count
        [row] = await engine.run_ddl("PRAGMA journal_mode")
        assert row["journal_mode"] == "wal"
        [row] = await engine.run_ddl("PRAGMA synchronous")
        assert row["synchronous"] == 2  # FULL: a committed write survives a crash
    else:
        assert isinstance(engine, PostgresEngine)
        assert engine.pool is not None
        assert engine.pool.get_size() <= ctx.settings.postgres_pool_size


async def test_two_databases_migrated_in_one_process_each_get_the_schema(tmp_path) -> None:
    from market.db.engine import build_engine, stop_engine
    from market.db.migrate import migrate
    from market.settings import Settings

    for name in ("first", "second"):
        engine = build_engine(Settings(database_url=f"sqlite:///{tmp_path / name}.sqlite3"))
        try:
            await migrate(engine)
            tables = await engine.run_ddl("SELECT name FROM sqlite_master WHERE type = 'table'")
            assert {"organisation", "app_user", "migration"} <= {t["name"] for t in tables}
        finally:
            await stop_engine(engine)


def test_fixed_sql_gets_each_engines_parameter_markers() -> None:
    sql = "SELECT id FROM bid WHERE rfq = {} AND bidder = {} AND status = {}"
    assert compiled(sql, "sqlite") == "SELECT id FROM bid WHERE rfq = ? AND bidder = ? AND status = ?"
    assert compiled(sql, "postgres") == "SELECT id FROM bid WHERE rfq = $1 AND bidder = $2 AND status = $3"


async def test_fixed_sql_reads_and_writes_inside_and_outside_transactions(ctx: ServiceContext) -> None:
    """The same rows and types as Piccolo's own queries; a rolled-back write leaves nothing."""
    row_id = uuid.uuid4()
    async with ctx.transaction():
        await raw.rows(
            Outbox,
            "INSERT INTO outbox (id, recipient, subject, body, created_at) VALUES ({}, {}, {}, {}, {})",
            row_id,
            "fixed@example.com",
            "s",
            "b",
            ctx.now(),
        )
        inside = await raw.first(Outbox, "SELECT id, created_at FROM outbox WHERE id = {}", row_id)
    ours = await raw.first(Outbox, "SELECT id, recipient, created_at FROM outbox WHERE id = {}", row_id)
    piccolos = (
        await Outbox.select(Outbox.id, Outbox.recipient, Outbox.created_at).where(Outbox.id == row_id).first()
    )
    assert inside is not None and inside["id"] == row_id
    assert ours == piccolos and isinstance(ours["id"], uuid.UUID)
    with pytest.raises(RuntimeError):
        async with ctx.transaction():
            await raw.rows(Outbox, "DELETE FROM outbox WHERE id = {}", row_id)
            raise RuntimeError("roll back")
    assert await raw.first(Outbox, "SELECT id FROM outbox WHERE id = {}", row_id) is not None


async def test_a_burst_of_requests_coalesces_into_one_run(ctx: ServiceContext) -> None:
    runs: list[int] = []

    async def work() -> None:
        runs.append(len(runs))

    for _ in range(50):
        ctx.coalesce("burst", 0.01, work)
    await asyncio.sleep(0.05)
    ctx.coalesce("burst", 0.01, work)  # after the run, the next burst runs again
    await asyncio.sleep(0.05)
    assert runs == [0, 1]


async def test_the_database_refuses_a_second_seat_for_a_firm_on_one_lot(ctx: ServiceContext) -> None:
    """The one-bid-per-firm rule holds in the database itself, whatever the code before it does."""
    from market.db.engine import is_unique_violation
    from market.db.tables import BidSeat, Rfq

    buyer = await Organisation.insert(
        Organisation(kind="lead_firm", legal_name="Buyer", country="AR", **_ids())
    )
    firm = await Organisation.insert(
        Organisation(kind="sme_supplier", legal_name="Firm", country="AR", **_ids())
    )
    rfq_id = uuid.uuid4()
    await Rfq.insert(Rfq(id=rfq_id, buyer=buyer[0]["id"], title="Seats", currency="USD"))
    seat = {"rfq": rfq_id, "lot": "", "organisation": firm[0]["id"]}
    await BidSeat.insert(BidSeat(id=uuid.uuid4(), holder="bid:a", **seat))
    with pytest.raises(Exception) as caught:
        await BidSeat.insert(BidSeat(id=uuid.uuid4(), holder="consortium:b", **seat))
    assert is_unique_violation(caught.value)
    await BidSeat.insert(BidSeat(id=uuid.uuid4(), holder="consortium:b", **{**seat, "lot": "2"}))


def _ids() -> dict[str, str]:
    key = uuid.uuid4().hex[:12]
    return {"tax_id": key, "tax_key": f"AR{key}", "size_class": "small", "sector": "footwear"}


async def test_a_transaction_cancelled_while_it_begins_gives_its_connection_back() -> None:
    """Piccolo's PostgreSQL transaction keeps its connection when it is cancelled while beginning
    (as background work is at shutdown): the next caller of a one-connection pool waits forever,
    and so does closing the pool. Ours gives it back. Runs against the machine's PostgreSQL
    (required in CI, whichever database the run uses)."""
    import asyncpg

    from market.db.engine import MarketPostgresEngine, stop_engine
    from tests.conftest import IN_CI

    url = os.environ.get("MARKET_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
    engine = MarketPostgresEngine(config={"dsn": url})
    try:
        await engine.start_connection_pool(min_size=1, max_size=1)
    except (OSError, asyncpg.PostgresError) as error:
        if IN_CI:
            pytest.fail(f"PostgreSQL at {url} is required in CI ({error})")
        pytest.skip(f"PostgreSQL at {url} is not running here")

    async def one_transaction() -> None:
        async with engine.transaction() as transaction:
            await transaction.connection.fetch("SELECT 1")

    try:
        for steps in range(40):  # cancelled after 0, 1, 2, … turns of the loop: acquiring, beginning, …
            task = asyncio.create_task(one_transaction())
            for _ in range(steps):
                await asyncio.sleep(0)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            async with asyncio.timeout(5):  # the pool's one connection is free again
                await one_transaction()
    finally:
        async with asyncio.timeout(15):
            await stop_engine(engine)
