"""Database engines built from settings.

Piccolo's stock SQLite engine opens a new connection (and thread) for every query and leaves
concurrent writers to fight over the file lock. :class:`PooledSQLiteEngine` instead keeps:

* one writer connection, used by every write and every transaction, behind an asyncio lock, so
  writers in this process queue instead of failing with "database is locked";
* a few read-only connections for plain ``SELECT`` queries, which WAL lets run beside the writer.

Transactions start with ``BEGIN IMMEDIATE`` so a transaction that reads and then writes never has
to upgrade its lock. Other processes (the CLI next to a running server) wait on ``busy_timeout``.

On PostgreSQL, :class:`MarketPostgresEngine` is Piccolo's engine with transactions that give their
connection back to the pool also when beginning, committing or rolling back fails or is cancelled
(a task cancelled at shutdown, say): Piccolo's keep it, and closing the pool then waits forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import aiosqlite
import asyncpg
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory
from piccolo.querystring import QueryString

from market.settings import Settings

BUSY_TIMEOUT_MS = 15_000
POOL_CLOSE_SECONDS = 10.0

log = logging.getLogger("market.db")


@dataclass
class _Pool:
    """Connections that belong to one event loop."""

    loop: asyncio.AbstractEventLoop
    write_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    writer: aiosqlite.Connection | None = None
    idle_readers: list[aiosqlite.Connection] = field(default_factory=list)
    reader_slots: asyncio.Semaphore | None = None
    all_readers: list[aiosqlite.Connection] = field(default_factory=list)


def _is_query(sql: str) -> bool:
    """Whether ``sql`` only reads (``SELECT``, ``WITH``): readers are query-only, so a ``WITH``
    that writes fails there instead of writing."""
    words = sql.lstrip()[:7].split(maxsplit=1)
    return bool(words) and words[0].upper() in ("SELECT", "WITH")


class PooledSQLiteTransaction(SQLiteTransaction):
    """A transaction on the shared writer connection, holding the write lock until it ends."""

    engine: PooledSQLiteEngine

    async def get_connection(self) -> aiosqlite.Connection:
        return await self.engine.acquire_writer()

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        if self._parent:
            return exception is None
        try:
            if exception:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        finally:
            self.engine.release_writer()
            self.engine.current_transaction.reset(self.context)
        return exception is None


class PooledSQLiteEngine(SQLiteEngine):
    """SQLite in WAL mode with one reused writer connection and a small pool of readers."""

    def __init__(self, path: str, readers: int = 4, synchronous: str = "FULL") -> None:
        super().__init__(path=path, timeout=BUSY_TIMEOUT_MS / 1000)
        self.reader_count = readers
        self.synchronous = synchronous
        self._pools: dict[asyncio.AbstractEventLoop, _Pool] = {}

    # -- connections ---------------------------------------------------------------------------

    def _current_pool(self) -> _Pool:
        """The pool of the running event loop.

        A server has one loop; tests, and Piccolo's ``run_sync`` helpers, run others. Each gets
        its own connections (asyncio locks belong to one loop), and ``close`` closes them all.
        """
        loop = asyncio.get_running_loop()
        pool = self._pools.get(loop)
        if pool is None:
            pool = self._pools[loop] = _Pool(loop=loop, reader_slots=asyncio.Semaphore(self.reader_count))
        return pool

    async def _connect(self, read_only: bool) -> aiosqlite.Connection:
        connection = await aiosqlite.connect(**self.connection_kwargs)
        connection.row_factory = dict_factory  # type: ignore[assignment]
        await connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await connection.execute("PRAGMA foreign_keys = ON")
        if read_only:
            await connection.execute("PRAGMA query_only = ON")
        else:
            await connection.execute("PRAGMA journal_mode = WAL")
            await connection.execute(f"PRAGMA synchronous = {self.synchronous}")
        return connection

    async def acquire_writer(self) -> aiosqlite.Connection:
        pool = self._current_pool()
        await pool.write_lock.acquire()
        try:
            if pool.writer is None:
                pool.writer = await self._connect(read_only=False)
        except BaseException:
            pool.write_lock.release()
            raise
        return pool.writer

    def release_writer(self) -> None:
        self._current_pool().write_lock.release()

    async def close(self) -> None:
        """Close every connection this engine opened, whichever loop opened it."""
        pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            for connection in [pool.writer, *pool.all_readers]:
                if connection is not None:
                    await connection.close()

    # -- Piccolo's entry points ----------------------------------------------------------------

    def transaction(
        self,
        transaction_type: TransactionType = TransactionType.immediate,
        allow_nested: bool = True,
    ) -> PooledSQLiteTransaction:
        return PooledSQLiteTransaction(
            engine=self, transaction_type=transaction_type, allow_nested=allow_nested
        )

    async def _execute(self, connection: aiosqlite.Connection, sql: str, args: list[Any]) -> list[dict]:
        # One hop to the connection's thread for execute + fetch (a cursor would take three).
        rows = await connection.execute_fetchall(sql, args)
        return cast(list[dict], rows)  # dict_factory makes every row a dict

    async def _read(self, sql: str, args: list[Any]) -> list[dict]:
        pool = self._current_pool()
        assert pool.reader_slots is not None
        async with pool.reader_slots:
            if pool.idle_readers:
                connection = pool.idle_readers.pop()
            else:
                connection = await self._connect(read_only=True)
                pool.all_readers.append(connection)
            try:
                return await self._execute(connection, sql, args)
            finally:
                pool.idle_readers.append(connection)

    async def _write(self, sql: str, args: list[Any]) -> list[dict]:
        connection = await self.acquire_writer()
        try:
            return await self._execute(connection, sql, args)
        finally:
            self.release_writer()

    async def run_querystring(self, querystring: QueryString, in_pool: bool = False) -> list[dict]:
        sql, args = querystring.compile_string(engine_type=self.engine_type)
        if self.log_queries:
            self.print_query(query_id=self.get_query_id(), query=str(querystring))
        return await self.run_sql(sql, args)

    async def run_sql(self, sql: str, args: list[Any]) -> list[dict]:
        """Compiled SQL (``?`` markers): in the current transaction, else on a reader (queries) or
        the writer."""
        current = self.current_transaction.get()
        if current is not None:
            return await self._execute(current.connection, sql, args)
        if _is_query(sql):
            return await self._read(sql, args)
        return await self._write(sql, args)

    async def run_ddl(self, ddl: str, in_pool: bool = False) -> list[dict]:
        current = self.current_transaction.get()
        if current is not None:
            return await self._execute(current.connection, ddl, [])
        return await self._write(ddl, [])


class ReleasingPostgresTransaction(PostgresTransaction):
    """A transaction that returns its connection to the pool however it ends."""

    async def __aenter__(self) -> PostgresTransaction:
        try:
            return await super().__aenter__()
        except BaseException:
            await self._give_back()
            raise

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        try:
            return await super().__aexit__(exception_type, exception, traceback)
        except BaseException:
            await self._give_back()
            raise

    async def _give_back(self) -> None:
        connection = getattr(self, "connection", None)
        if self._parent is None and connection is not None and self.engine.pool is not None:
            with contextlib.suppress(asyncpg.InterfaceError):  # already given back
                await self.engine.pool.release(connection)


class MarketPostgresEngine(PostgresEngine):
    def transaction(self, allow_nested: bool = True) -> PostgresTransaction:
        return ReleasingPostgresTransaction(engine=self, allow_nested=allow_nested)


def build_engine(settings: Settings) -> Engine:
    """The engine that ``settings.database_url`` names."""
    if settings.is_sqlite:
        path: Path = settings.sqlite_path
        path.parent.mkdir(parents=True, exist_ok=True)
        return PooledSQLiteEngine(path=str(path), readers=settings.sqlite_readers)
    return MarketPostgresEngine(config={"dsn": settings.database_url})


async def _session_kept(connection: asyncpg.Connection) -> None:
    """What asyncpg runs on a connection given back to the pool, after rolling back a transaction
    left open: nothing. Its default sends a reset query (advisory locks, cursors, LISTEN, SET), one
    more trip to the server per query outside a transaction; the marketplace changes none of that
    session state (locks and settings it takes are the transaction's own)."""


async def start_engine(engine: Engine, settings: Settings) -> None:
    """Open pools where the engine has them."""
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(
            min_size=1, max_size=settings.postgres_pool_size, reset=_session_kept
        )


async def stop_engine(engine: Engine) -> None:
    """Close the pools; a PostgreSQL connection not given back within ``POOL_CLOSE_SECONDS`` is
    closed anyway (a shutdown never hangs on one)."""
    if isinstance(engine, PostgresEngine) and engine.pool is not None:
        try:
            await asyncio.wait_for(engine.pool.close(), POOL_CLOSE_SECONDS)
        except TimeoutError:
            log.warning("a database connection was still in use after %s s; closed it", POOL_CLOSE_SECONDS)
            engine.pool.terminate()
        engine.pool = None
    elif isinstance(engine, PooledSQLiteEngine):
        await engine.close()


def is_unique_violation(error: BaseException) -> bool:
    """True for a unique-constraint violation from either database."""
    if isinstance(error, sqlite3.IntegrityError):
        return "UNIQUE" in str(error)
    return type(error).__name__ == "UniqueViolationError"
