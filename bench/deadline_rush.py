"""Deadline rush: N distinct eligible SMEs submit sealed bids to one RFQ over real HTTP.

Starts its own server (the app of ``python -m market serve`` plus a bare insert route, see
``rush_server.py``) on a fresh database, prepares the firms and
their API tokens directly in the database, then fires the bids with a bounded number of
concurrent connections; every tenth bid is sent twice with the same Idempotency-Key. Prints
receipts vs stored bids, lost and duplicate bids, errors, latency percentiles and bids/s. Then
the deadline is moved into the past (straight in the database: the server's clock is real) and
the buyer opens and evaluates the bids through the API, each call timed.

    .venv/bin/python bench/deadline_rush.py [--bidders 1000] [--concurrency 64] [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx
from piccolo.engine.base import Engine

from market.db.engine import build_engine, start_engine, stop_engine
from market.db.migrate import bind_tables, migrate
from market.db.tables import ApiToken, AppUser, Bid, Organisation, Rfq
from market.services.accounts import API_TOKEN_PREFIX, digest
from market.settings import PROJECT_ROOT, Settings


def machine() -> str:
    """This machine, for the first line of every benchmark's output."""
    return f"{platform.machine()} · {os.cpu_count()} cores · Python {platform.python_version()}"


def fresh_postgres(server: str, name: str) -> str | None:
    """An empty database ``name`` on the PostgreSQL server of ``server`` (dropped first if it
    exists): its URL, or None (said on the output) when the server is not reachable."""
    import asyncpg

    async def fresh() -> None:
        connection = await asyncpg.connect(server)
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
        await connection.close()

    try:
        asyncio.run(fresh())
    except OSError:
        print("PostgreSQL not reachable; skipped")
        return None
    return f"{server.rsplit('/', 1)[0]}/{name}"


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


@asynccontextmanager
async def tables_on(settings: Settings) -> AsyncIterator[Engine]:
    """The tables bound to the database of ``settings`` for the block (beside the server); its
    engine."""
    engine = build_engine(settings)
    await start_engine(engine, settings)
    bind_tables(engine)
    try:
        yield engine
    finally:
        await stop_engine(engine)


async def open_and_evaluate(settings: Settings, port: int, buyer: str, rfq_id: str) -> dict[str, float]:
    """Close the RFQ (its deadline a second ago), then time the buyer's opening and evaluation."""
    async with tables_on(settings):
        await Rfq.update({Rfq.deadline: dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)}).where(
            Rfq.id == uuid.UUID(rfq_id)
        )
    timings = {}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
        for step in ("open", "evaluate"):
            started = time.perf_counter()
            answer = await client.post(
                f"/api/v1/rfqs/{rfq_id}/{step}", headers={"Authorization": f"Bearer {buyer}"}
            )
            timings[step] = time.perf_counter() - started
            assert answer.status_code == 200, answer.text
    return timings


async def count_bids(settings: Settings) -> int:
    async with tables_on(settings):
        return await Bid.count().where(Bid.status == "active")


class Connection:
    """A minimal HTTP/1.1 keep-alive client: the load generator must cost far less CPU than the
    server it measures, and both share this machine's two cores."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, Any]:
        return await self.request("POST", path, body, headers)

    async def request(
        self, method: str, path: str, body: dict[str, Any] | None, headers: dict[str, str]
    ) -> tuple[int, Any]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        payload = json.dumps(body).encode() if body is not None else b""
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        self.writer.write(
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\n{head}\r\n".encode()
            + payload
        )
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("server closed the connection")
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        data = await self.reader.readexactly(length)
        return int(status_line.split()[1]), json.loads(data) if data else None

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def percentile(sorted_values: list[float], share: float) -> float:
    return sorted_values[max(0, int(len(sorted_values) * share) - 1)] * 1000


async def fire(
    port: int, requests: list[tuple[str, str, dict[str, Any], dict[str, str]]], concurrency: int
) -> tuple[list[tuple[str, int, Any]], list[float], int, float]:
    """Send ``(tag, path, body, headers)`` requests over ``concurrency`` connections."""
    queue: asyncio.Queue[tuple[str, str, dict[str, Any], dict[str, str]]] = asyncio.Queue()
    for request in requests:
        queue.put_nowait(request)
    answers: list[tuple[str, int, Any]] = []
    latencies: list[float] = []
    errors = 0

    async def worker() -> None:
        nonlocal errors
        connection = Connection("127.0.0.1", port)
        while not queue.empty():
            tag, path, body, headers = queue.get_nowait()
            started = time.perf_counter()
            try:
                status, data = await connection.post(path, body, headers)
            except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError):
                errors += 1
                await connection.close()
                connection = Connection("127.0.0.1", port)
                continue
            latencies.append(time.perf_counter() - started)
            answers.append((tag, status, data))
        await connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return answers, latencies, errors, elapsed


async def rush(port: int, buyer: str, tokens: list[str], concurrency: int) -> dict[str, Any]:
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
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
    requests = []
    for n, token in enumerate(tokens):
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"rush-{n:06d}"}
        payload = {
            "prices": {item: f"{10 + n % 97}.{n % 100:02d}"},
            "lead_time_days": 10,
            "validity_days": 30,
        }
        for _ in range(2 if n % 10 == 0 else 1):  # every tenth bidder sends its bid twice
            requests.append((f"rush-{n}", f"/api/v1/rfqs/{rfq['id']}/bid", payload, headers))
    answers, latencies, errors, elapsed = await fire(port, requests, concurrency)
    receipts: dict[str, str] = {}
    for tag, status, data in answers:
        if status != 201:
            errors += 1
        elif receipts.setdefault(tag, data["bid_id"]) != data["bid_id"]:
            errors += 1  # a repeat got a different receipt: that would be a duplicate
    ceiling, ceiling_latencies, ceiling_errors, ceiling_elapsed = await fire(
        port, [("insert", "/bench/insert", {}, {}) for _ in requests], concurrency
    )
    return {
        "rfq": rfq["id"],
        "receipts": len(receipts),
        "errors": errors,
        "requests": len(latencies),
        "elapsed": elapsed,
        "p50": percentile(latencies, 0.5),
        "p99": percentile(latencies, 0.99),
        "ceiling": len(ceiling) / ceiling_elapsed,
        "ceiling_p99": percentile(ceiling_latencies, 0.99),
        "ceiling_errors": ceiling_errors + sum(status != 201 for _, status, _ in ceiling),
    }


@contextmanager
def running_server(url: str, workers: int = 1, extra_env: dict[str, str] | None = None) -> Iterator[int]:
    """``rush_server.py`` on a free port against ``url``; yields the port once it answers."""
    port = free_port()
    env = {**os.environ, "MARKET_DATABASE_URL": url, "MARKET_LOG_LEVEL": "WARNING", **(extra_env or {})}
    server = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("rush_server.py")), str(port), str(workers)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=20)


def run_case(
    name: str,
    url: str,
    bidders: int,
    concurrency: int,
    workers: int = 1,
    extra_env: dict[str, str] | None = None,
) -> None:
    settings = Settings(database_url=url)
    buyer, tokens = asyncio.run(prepare(settings, bidders))
    with running_server(url, workers, extra_env) as port:
        figures = asyncio.run(rush(port, buyer, tokens, concurrency))
        timings = asyncio.run(open_and_evaluate(settings, port, buyer, figures["rfq"]))
    stored = asyncio.run(count_bids(settings))
    lost = figures["receipts"] - stored
    print(
        f"{name:<12} {workers} worker{'s' if workers > 1 else ''}, bidders {bidders}, "
        f"requests {figures['requests']:.0f} (every 10th repeated): "
        f"receipts {figures['receipts']:.0f}, stored {stored}, lost: {max(0, lost):.0f}, "
        f"duplicates: {max(0, -lost):.0f}, errors {figures['errors']:.0f}, "
        f"p50 {figures['p50']:.1f} ms, p99 {figures['p99']:.1f} ms, "
        f"{figures['requests'] / figures['elapsed']:.0f} bids/s; "
        f"bare insert endpoint {figures['ceiling']:.0f}/s (p99 {figures['ceiling_p99']:.1f} ms, "
        f"errors {figures['ceiling_errors']:.0f}); "
        f"then opening the {stored} bids {timings['open'] * 1000:.0f} ms, evaluating them "
        f"{timings['evaluate'] * 1000:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bidders", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0", help="for the runs with 2 processes")
    parser.add_argument("--sqlite-only", action="store_true", help="skip the PostgreSQL run")
    args = parser.parse_args()
    print(f"{machine()}\n")
    folder = Path(tempfile.mkdtemp(prefix="market-rush-"))
    run_case("SQLite", f"sqlite:///{folder}/rush.sqlite3", args.bidders, args.concurrency)
    if args.sqlite_only:
        return
    for workers in (1, 2):
        url = fresh_postgres(args.postgres, "market_rush")
        if url is None:
            return
        # several processes run as in production: live events and the throttle shared in Redis
        shared = {"MARKET_REDIS_URL": args.redis, "MARKET_REDIS_NAMESPACE": "rush"} if workers > 1 else {}
        run_case("PostgreSQL", url, args.bidders, args.concurrency, workers, shared)


if __name__ == "__main__":
    main()
