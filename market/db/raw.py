"""Fixed SQL for the paths every request or bid takes.

Piccolo's query builder spends 0.2 to 2 ms of Python composing each query (a join through
``all_columns()`` about 2 ms; measured while profiling ``bench/deadline_rush.py``), which was most
of the cost of a bid. These helpers send fixed SQL through the same engine, so the same
connections, transactions and type conversions apply; everything else keeps using Piccolo.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from piccolo.table import Table


@cache
def column_list(table: type[Table], alias: str, prefix: str = "") -> str:
    """``alias."col" AS "prefixcol", ...`` for every column of ``table``."""
    return ", ".join(
        f'{alias}."{column._meta.db_column_name}" AS "{prefix}{column._meta.name}"'
        for column in table._meta.columns
    )


async def rows(table: type[Table], sql: str, *args: Any) -> list[dict[str, Any]]:
    """Run ``sql`` (``{}`` marks each argument) on ``table``'s engine."""
    return list(await table.raw(sql, *args))


async def first(table: type[Table], sql: str, *args: Any) -> dict[str, Any] | None:
    found = await rows(table, sql, *args)
    return found[0] if found else None


def split(row: dict[str, Any], prefix: str) -> dict[str, Any]:
    """The ``prefix``-named columns of a joined row, without the prefix."""
    return {key[len(prefix) :]: value for key, value in row.items() if key.startswith(prefix)}
