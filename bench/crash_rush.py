"""Deadline rush while the server is killed with ``kill -9`` and restarted, several times.

Starts ``python -m market serve`` (the product, not a bench build) on a fresh database, prepares N
eligible SMEs, and has them bid over real HTTP with bounded concurrency. Meanwhile the server's
whole process group is sent SIGKILL every few seconds and started again. A client whose request
fails retries it with the same Idempotency-Key until it has a receipt. Then every receipt is looked
up: the bid must be stored with the hash the receipt gave. Prints receipts, stored, lost, duplicates,
kills, the database's own integrity check (SQLite) and the audit-chain check.

    .venv/bin/python bench/crash_rush.py [--bidders 1000] [--kills 5] [--every 1.5] [--sqlite-only]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from deadline_rush import Connection, free_port, fresh_postgres, machine, percentile, prepare, tables_on
from piccolo.querystring import QueryString

from market.db.tables import Bid
from market.settings import PROJECT_ROOT, Settings


class Server:
    """``python -m market serve`` in a process group of its own, so that SIGKILL takes every
    process of it at once, as a machine or container dying would."""

    def __init__(self, url: str, port: int, workers: int, extra_env: dict[str, str]) -> None:
        self.url, self.port, self.workers, self.extra_env = url, port, workers, extra_env
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "MARKET_DATABASE_URL": self.url,
            "MARKET_PORT": str(self.port),
            "MARKET_SECRET_KEY": "crash-bench",
            "MARKET_LOG_LEVEL": "WARNING",
            **self.extra_env,
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "market", "serve", "--no-migrate", "--workers", str(self.workers)],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("the server did not come back")

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)


async def open_rfq(port: int, buyer: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        auth = {"Authorization": f"Bearer {buyer}"}
        body = {
            "title": "Crash rush benchmark RFQ",
            "currency": "USD",
            "deadline": (dt.datetime.now(dt.UTC) + dt.timedelta(hours=25)).isoformat(),
            "items": [{"description": "Part", "quantity": "100", "unit": "pieces"}],
        }
        rfq = (await client.post("/api/v1/rfqs", json=body, headers=auth)).json()
        assert (await client.post(f"/api/v1/rfqs/{rfq['id']}/publish", headers=auth)).status_code == 200
        return dict(rfq)


async def rush_through_kills(
    server: Server, rfq: dict[str, Any], tokens: list[str], concurrency: int, kills: int, every: float
) -> dict[str, Any]:
    """Every bidder retries (same key) until it holds a receipt, while the server is killed."""
    item = rfq["items"][0]["id"]
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(len(tokens)):
        queue.put_nowait(n)
    receipts: dict[int, tuple[str, str]] = {}
    latencies: list[float] = []
    retries = 0
    refused = 0
    done = asyncio.Event()

    async def bidder_loop() -> None:
        nonlocal retries, refused
        connection = Connection("127.0.0.1", server.port)
        while not queue.empty():
            n = queue.get_nowait()
            headers = {"Authorization": f"Bearer {tokens[n]}", "Idempotency-Key": f"crash-{n:06d}"}
            body = {
                "prices": {item: f"{10 + n % 97}.{n % 100:02d}"},
                "lead_time_days": 10,
                "validity_days": 30,
            }
            while True:
                started = time.perf_counter()
                try:
                    status, data = await connection.post(f"/api/v1/rfqs/{rfq['id']}/bid", body, headers)
                except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError):
                    retries += 1
                    await connection.close()
                    connection = Connection("127.0.0.1", server.port)
                    await asyncio.sleep(0.05)
                    continue
                if status == 201:
                    latencies.append(time.perf_counter() - started)
                    receipts[n] = (data["bid_id"], data["sha256"])
                    break
                if status >= 500 or status == 409:  # a restart mid-request; try again with the key
                    retries += 1
                    await asyncio.sleep(0.05)
                    continue
                refused += 1
                break
        await connection.close()

    async def killer() -> int:
        done_kills = 0
        while done_kills < kills and not done.is_set():
            await asyncio.sleep(every)
            if done.is_set():
                break
            await asyncio.to_thread(server.kill)
            done_kills += 1
            await asyncio.to_thread(server.start)
        return done_kills

    started = time.perf_counter()
    killing = asyncio.create_task(killer())
    await asyncio.gather(*(bidder_loop() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    done.set()
    made = await killing
    latencies.sort()
    return {
        "receipts": receipts,
        "kills": made,
        "retries": retries,
        "refused": refused,
        "elapsed": elapsed,
        "p50": percentile(latencies, 0.5),
        "p99": percentile(latencies, 0.99),
    }


async def check_store(settings: Settings, receipts: dict[int, tuple[str, str]]) -> dict[str, Any]:
    """Every receipt's bid, stored with its hash; no bidder with two active bids; the database's
    own integrity check."""
    async with tables_on(settings) as engine:
        stored = {
            str(row["id"]): row["sha256"]
            for row in await Bid.select(Bid.id, Bid.sha256).where(Bid.status == "active")
        }
        per_bidder = await Bid.raw(
            "SELECT bidder, COUNT(*) AS n FROM bid WHERE status = 'active' "
            "GROUP BY bidder HAVING COUNT(*) > 1"
        )
        integrity = "n/a (PostgreSQL)"
        if settings.is_sqlite:
            rows = await engine.run_querystring(QueryString("PRAGMA integrity_check"))
            integrity = str(rows[0]["integrity_check"])
    lost = [n for n, (bid, sha) in receipts.items() if stored.get(bid) != sha]
    return {"stored": len(stored), "lost": len(lost), "duplicates": len(per_bidder), "integrity": integrity}


def audit_chain(url: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "market", "audit", "verify"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "MARKET_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=300,
    )
    return (result.stdout or result.stderr).strip()


def run_case(name: str, url: str, args: argparse.Namespace, workers: int, extra_env: dict[str, str]) -> None:
    settings = Settings(database_url=url)
    buyer, tokens = asyncio.run(prepare(settings, args.bidders))
    server = Server(url, free_port(), workers, extra_env)
    server.start()
    try:
        rfq = asyncio.run(open_rfq(server.port, buyer))
        figures = asyncio.run(
            rush_through_kills(server, rfq, tokens, args.concurrency, args.kills, args.every)
        )
    finally:
        server.stop()
    checked = asyncio.run(check_store(settings, figures["receipts"]))
    print(
        f"{name:<11} {workers} process(es): bidders {len(tokens)}, kill -9 ×{figures['kills']}, "
        f"receipts {len(figures['receipts'])}, stored {checked['stored']}, lost {checked['lost']}, "
        f"duplicates {checked['duplicates']}, refused {figures['refused']}, retries {figures['retries']}, "
        f"p50 {figures['p50']:.0f} ms, p99 {figures['p99']:.0f} ms, "
        f"{len(figures['receipts']) / figures['elapsed']:.0f} bids/s; "
        f"integrity check: {checked['integrity']}; audit chain: {audit_chain(url)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bidders", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--every", type=float, default=1.5, help="seconds between kills")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    print(f"{machine()}\n")
    folder = Path(tempfile.mkdtemp(prefix="market-crash-"))
    run_case("SQLite", f"sqlite:///{folder}/crash.sqlite3", args, 1, {})
    if args.sqlite_only:
        return
    name = f"market_crash_{uuid.uuid4().hex[:8]}"
    url = fresh_postgres(args.postgres, name)
    if url is None:
        return
    redis = {"MARKET_REDIS_URL": args.redis, "MARKET_REDIS_NAMESPACE": name}
    run_case("PostgreSQL", url, args, 2, redis)


if __name__ == "__main__":
    main()
