"""Deadline rush: N distinct eligible SMEs submit sealed bids to one RFQ over real HTTP.

Starts its own server (``python -m market serve``) on a fresh database, prepares the firms and
their API tokens directly in the database, then fires the bids with a bounded number of
concurrent connections; every tenth bid is sent twice with the same Idempotency-Key. Prints
receipts vs stored bids, lost and duplicate bids, errors, latency percentiles and bids/s.

    .venv/bin/python bench/deadline_rush.py [--bidders 1000] [--concurrency 64] [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from market.db.engine import build_engine, start_engine, stop_engine
from market.db.migrate import migrate
from market.db.tables import ApiToken, AppUser, Bid, Organisation
from market.services.accounts import API_TOKEN_PREFIX, digest
from market.settings import PROJECT_ROOT, Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def prepare(settings: Settings, bidders: int) -> tuple[str, list[str]]:
    """A buyer token and one token per SME (firms written straight into the database)."""
    engine = build_engine(settings)
    await start_engine(engine, settings)
    await migrate(engine)
    tokens = []
    now = dt.datetime.now(dt.UTC)
    for n in range(bidders + 1):
        org_id, user_id = uuid.uuid4(), uuid.uuid4()
        kind = "lead_firm" if n == 0 else "sme_supplier"
        await Organisation.insert(
            Organisation(
                id=org_id,
                kind=kind,
                legal_name=f"Rush firm {n}",
                country="AR",
                tax_id=f"RUSH-{n}",
                tax_key=f"RUSH:{org_id}",
                size_class="small",
                sector="auto_components",
                value_chain_links=[],
                classification_codes=[],
                languages=[],
                accredited=True,
                created_at=now,
                updated_at=now,
            )
        )
        await AppUser.insert(
            AppUser(
                id=user_id,
                organisation=org_id,
                email=f"rush{n}@bench.example.com",
                full_name="Rush",
                password_hash="-",
                role="admin",
                created_at=now,
            )
        )
        secret = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
        await ApiToken.insert(
            ApiToken(
                id=uuid.uuid4(),
                user=user_id,
                name="rush",
                token_hash=digest(secret),
                prefix=secret[:12],
                created_at=now,
                last_used_at=now,
            )
        )
        tokens.append(secret)
    await stop_engine(engine)
    return tokens[0], tokens[1:]


async def count_bids(settings: Settings) -> int:
    engine = build_engine(settings)
    await start_engine(engine, settings)
    from market.db.migrate import bind_tables

    bind_tables(engine)
    total = await Bid.count().where(Bid.status == "active")
    await stop_engine(engine)
    return total


async def rush(base: str, buyer: str, tokens: list[str], concurrency: int) -> dict[str, float]:
    async with httpx.AsyncClient(
        base_url=base, timeout=30, limits=httpx.Limits(max_connections=concurrency)
    ) as client:
        auth = {"Authorization": f"Bearer {buyer}"}
        body = {
            "title": "Deadline rush benchmark RFQ",
            "currency": "USD",
            "deadline": (dt.datetime.now(dt.UTC) + dt.timedelta(hours=25)).isoformat(),
            "items": [{"description": "Part", "quantity": "100", "unit": "pieces"}],
        }
        rfq = (await client.post("/api/v1/rfqs", json=body, headers=auth)).json()
        assert (await client.post(f"/api/v1/rfqs/{rfq['id']}/publish", headers=auth)).status_code == 200
        item = rfq["items"][0]["id"]
        latencies: list[float] = []
        receipts: dict[str, str] = {}
        errors = 0
        gate = asyncio.Semaphore(concurrency)

        async def bid(n: int, token: str, repeat: bool) -> None:
            nonlocal errors
            headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"rush-{n:06d}"}
            payload = {
                "prices": {item: f"{10 + n % 97}.{n % 100:02d}"},
                "lead_time_days": 10,
                "validity_days": 30,
            }
            for _ in range(2 if repeat else 1):
                async with gate:
                    started = time.perf_counter()
                    try:
                        response = await client.post(
                            f"/api/v1/rfqs/{rfq['id']}/bid", json=payload, headers=headers
                        )
                    except httpx.HTTPError:
                        errors += 1
                        continue
                    latencies.append(time.perf_counter() - started)
                if response.status_code == 201:
                    receipt = response.json()["bid_id"]
                    if receipts.setdefault(f"rush-{n}", receipt) != receipt:
                        errors += 1  # a retry got a different receipt: that would be a duplicate
                else:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(bid(n, token, n % 10 == 0) for n, token in enumerate(tokens)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "receipts": len(receipts),
        "errors": errors,
        "requests": len(latencies),
        "elapsed": elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


def run_case(name: str, url: str, bidders: int, concurrency: int) -> None:
    settings = Settings(database_url=url)
    buyer, tokens = asyncio.run(prepare(settings, bidders))
    port = free_port()
    env = {**os.environ, "MARKET_DATABASE_URL": url, "MARKET_PORT": str(port), "MARKET_LOG_LEVEL": "WARNING"}
    server = subprocess.Popen(
        [sys.executable, "-m", "market", "serve", "--no-migrate"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                httpx.get(base + "/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        figures = asyncio.run(rush(base, buyer, tokens, concurrency))
    finally:
        server.terminate()
        server.wait(timeout=20)
    stored = asyncio.run(count_bids(settings))
    lost = figures["receipts"] - stored
    print(
        f"{name:<12} bidders {bidders}, requests {figures['requests']:.0f} (every 10th repeated): "
        f"receipts {figures['receipts']:.0f}, stored {stored}, lost: {max(0, lost):.0f}, "
        f"duplicates: {max(0, -lost):.0f}, errors {figures['errors']:.0f}, "
        f"p50 {figures['p50']:.1f} ms, p99 {figures['p99']:.1f} ms, "
        f"{figures['requests'] / figures['elapsed']:.0f} bids/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bidders", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    machine = f"{platform.machine()} · {os.cpu_count()} cores · Python {platform.python_version()}"
    print(f"{machine} · one server process\n")
    folder = Path(tempfile.mkdtemp(prefix="market-rush-"))
    run_case("SQLite", f"sqlite:///{folder}/rush.sqlite3", args.bidders, args.concurrency)
    try:
        import asyncpg

        async def fresh() -> None:
            connection = await asyncpg.connect(args.postgres)
            await connection.execute("DROP DATABASE IF EXISTS market_rush WITH (FORCE)")
            await connection.execute("CREATE DATABASE market_rush")
            await connection.close()

        asyncio.run(fresh())
    except OSError:
        print("PostgreSQL        not reachable; skipped")
        return
    run_case("PostgreSQL", args.postgres.rsplit("/", 1)[0] + "/market_rush", args.bidders, args.concurrency)


if __name__ == "__main__":
    main()
