"""Concurrent writes through the database layer: inserts per second, latency, errors.

Compares the project's pooled SQLite engine with Piccolo's stock SQLite engine (a connection per
query) and, when reachable, PostgreSQL. Everything runs on this machine.

    .venv/bin/python bench/db_writes.py [--writers 50] [--per-writer 40]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from piccolo.engine.base import Engine
from piccolo.engine.sqlite import SQLiteEngine

from market.db.engine import build_engine, start_engine, stop_engine
from market.db.migrate import bind_tables, migrate
from market.db.tables import Outbox
from market.settings import Settings


async def run(engine: Engine, writers: int, per_writer: int) -> dict[str, float]:
    bind_tables(engine)
    latencies: list[float] = []
    errors = 0

    async def writer(n: int) -> None:
        nonlocal errors
        for _ in range(per_writer):
            started = time.perf_counter()
            try:
                async with engine.transaction():
                    row = Outbox(id=uuid.uuid4(), recipient=f"w{n}@example.com", subject="s", body="b")
                    await Outbox.insert(row)
            except Exception:
                errors += 1
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(writer(n) for n in range(writers)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "writes_per_s": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "errors": errors,
        "stored": await Outbox.count(),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=50)
    parser.add_argument("--per-writer", type=int, default=40)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    print(f"{platform.machine()} · {os.cpu_count()} cores · Python {platform.python_version()}")
    print(f"{args.writers} concurrent writers × {args.per_writer} inserts, one transaction each\n")
    print(f"{'engine':<34}{'writes/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}{'stored':>8}")
    folder = Path(tempfile.mkdtemp(prefix="market-bench-"))
    cases: list[tuple[str, Settings, bool]] = [
        ("SQLite, pooled (this project)", Settings(database_url=f"sqlite:///{folder}/pooled.sqlite3"), False),
        ("SQLite, Piccolo stock engine", Settings(database_url=f"sqlite:///{folder}/stock.sqlite3"), True),
        ("PostgreSQL (asyncpg pool)", Settings(database_url=args.postgres), False),
    ]
    for name, settings, stock in cases:
        engine = build_engine(settings)
        try:
            await start_engine(engine, settings)
            await migrate(engine)
        except OSError as error:
            print(f"{name:<34}not reachable ({error.__class__.__name__})")
            continue
        await Outbox.delete(force=True)
        measured_engine: Engine = engine
        if stock:
            measured_engine = SQLiteEngine(path=str(settings.sqlite_path), timeout=15)
        figures = await run(measured_engine, args.writers, args.per_writer)
        print(
            f"{name:<34}{figures['writes_per_s']:>10.0f}{figures['p50_ms']:>10.1f}{figures['p99_ms']:>10.1f}"
            f"{figures['errors']:>8.0f}{figures['stored']:>8.0f}"
        )
        await Outbox.delete(force=True)
        await stop_engine(engine)


if __name__ == "__main__":
    asyncio.run(main())
