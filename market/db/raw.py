"""Fixed SQL for the paths every request or bid takes.

Piccolo's query builder spends 0.2 to 2 ms of Python composing each query (a join through
``all_columns()`` about 2 ms; measured while profiling ``bench/deadline_rush.py``), which was most
of the cost of a bid, and even ``Table.raw`` builds and compiles a query object each time. These
helpers compile each fixed statement once per engine and hand it to the engine's own connections
and transaction (the same connections, transactions and type conversions as Piccolo's queries);
everything else keeps using Piccolo.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence, Sized
from functools import cache
from typing import Any, TypeVar

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.querystring import QueryString
from piccolo.table import Table

from market.db.engine import PooledSQLiteEngine

_PLACEHOLDER = re.compile(r"\{\}")


@cache
def compiled(sql: str, engine_type: str) -> str:
    """``sql`` with each ``{}`` as the engine's parameter marker (``?`` or ``$1, $2, …``)."""
    if engine_type == "sqlite":
        return sql.replace("{}", "?")
    numbers = iter(range(1, sql.count("{}") + 1))
    return _PLACEHOLDER.sub(lambda _: f"${next(numbers)}", sql)


async def _run(engine: Engine, sql: str, args: tuple[Any, ...]) -> list[dict[str, Any]]:
    if isinstance(engine, PooledSQLiteEngine):
        return await engine.run_sql(compiled(sql, "sqlite"), list(args))
    if isinstance(engine, PostgresEngine) and engine.pool is not None:
        statement = compiled(sql, "postgres")
        current = engine.current_transaction.get()
        if current is not None:
            records = await current.connection.fetch(statement, *args)
        else:
            async with engine.pool.acquire() as connection:
                records = await connection.fetch(statement, *args)
        return [dict(record) for record in records]
    return [dict(row) for row in await engine.run_querystring(QueryString(sql, *args))]


@cache
def column_list(table: type[Table], alias: str, prefix: str = "") -> str:
    """``alias."col" AS "prefixcol", ...`` for every column of ``table``."""
    return ", ".join(
        f'{alias}."{column._meta.db_column_name}" AS "{prefix}{column._meta.name}"'
        for column in table._meta.columns
    )


def marks(values: Sized) -> str:
    """One ``{}`` marker per value, for ``IN (…)``: only markers are put into the SQL text."""
    return ", ".join("{}" for _ in range(len(values)))


T = TypeVar("T")


def batches(values: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """``values`` in consecutive slices of at most ``size``: the ``IN`` lists and multi-row
    inserts of one statement each."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


async def rows(table: type[Table], sql: str, *args: Any) -> list[dict[str, Any]]:
    """Run ``sql`` (``{}`` marks each argument) on ``table``'s engine."""
    engine = table._meta.db
    assert engine is not None, f"{table._meta.tablename} has no engine"
    return await _run(engine, sql, args)


async def first(table: type[Table], sql: str, *args: Any) -> dict[str, Any] | None:
    found = await rows(table, sql, *args)
    return found[0] if found else None


def split(row: dict[str, Any], prefix: str) -> dict[str, Any]:
    """The ``prefix``-named columns of a joined row, without the prefix."""
    return {key[len(prefix) :]: value for key, value in row.items() if key.startswith(prefix)}
