"""Board search at 10,000 open RFQs over real HTTP.

Fills a fresh database with N published RFQs (varied titles, CPV codes, buyers in four countries,
currencies and requirement sets), starts the server, and has C concurrent clients search the
board through ``GET /api/v1/rfqs`` with several filter shapes. Prints p50/p99 latency and
requests/s per shape, on SQLite and on PostgreSQL, beside the ceiling: the same first page served
by the same process from memory (``GET /bench/board`` of ``rush_server.py``: no database, no
authentication), which no search can beat.

    .venv/bin/python bench/board_search.py [--rfqs 10000] [--clients 32] [--requests 640] [--sqlite-only]
        [--workers N]   # PostgreSQL served by N processes sharing Redis, as production runs
        [--pool 20]     # PostgreSQL connections per process: about the clients one process serves
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import json
import random
import secrets
import tempfile
import time
import uuid
from pathlib import Path

from deadline_rush import Connection, fresh_postgres, machine, percentile, running_server
from piccolo.engine.base import Engine
from piccolo.querystring import QueryString

from market.db.engine import build_engine, start_engine, stop_engine
from market.db.migrate import migrate
from market.domain.search import search_text
from market.services.accounts import API_TOKEN_PREFIX, digest
from market.settings import Settings

WORDS = [
    "brake",
    "disc",
    "válvula",
    "acero",
    "harness",
    "cadeira",
    "madeira",
    "bolt",
    "pump",
    "filter",
    "gasket",
    "hinge",
    "cable",
    "sensor",
    "bearing",
    "spring",
    "panel",
    "frame",
    "nozzle",
    "clamp",
]
CPVS = ["34300000", "34320000", "42131000", "39111000", "31500000", "44530000", "42122000", "31681410"]
REQUIREMENTS = [
    {},
    {"min_level": "L1"},
    {"min_level": "L2"},
    {"countries": ["BR"]},
    {"min_level": "L1", "certificates": ["iso_9001"]},
]
SHAPES = {
    "no filter (first page)": "",
    "one word": "q=brake",
    "two words + currency": "q=acero+valvula&currency=USD",
    "CPV prefix + country": "cpv=343&country=BR",
    "only eligible": "eligible=true",
    "newest, page 20": "sort=newest&page=20",
}


async def insert(engine: Engine, table: str, **values: object) -> None:
    names = ", ".join(f'"{name}"' for name in values)
    marks = ", ".join("{}" for _ in values)
    await engine.run_querystring(
        QueryString(f"INSERT INTO {table} ({names}) VALUES ({marks})", *values.values())
    )


def firm(kind: str, name: str, country: str, now: dt.datetime) -> dict[str, object]:
    return {
        "id": uuid.uuid4(),
        "kind": kind,
        "legal_name": name,
        "country": country,
        "tax_id": name,
        "tax_key": f"BENCH:{name}",
        "size_class": "small",
        "sector": "auto_components",
        "value_chain_links": [],
        "classification_codes": [],
        "capacity_unit": "",
        "languages": [],
        "contact_name": "",
        "contact_email": "",
        "contact_phone": "",
        "website": "",
        "accredited": True,
        "created_at": now,
        "updated_at": now,
    }


async def api_token(engine: Engine, organisation: uuid.UUID, email: str, now: dt.datetime) -> str:
    """An admin of ``organisation`` and an API token of theirs (the secret)."""
    user = uuid.uuid4()
    await insert(
        engine,
        "app_user",
        id=user,
        organisation=organisation,
        email=email,
        full_name="Bench",
        password_hash="-",
        role="admin",
        locale="",
        disabled=False,
        created_at=now,
    )
    secret = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    await insert(
        engine,
        "api_token",
        id=uuid.uuid4(),
        user=user,
        name="bench",
        token_hash=digest(secret),
        prefix=secret[:12],
        created_at=now,
        last_used_at=now,
    )
    return secret


async def prepare(settings: Settings, count: int) -> str:
    engine = build_engine(settings)
    await start_engine(engine, settings)
    await migrate(engine)
    rng = random.Random(7)
    now = dt.datetime.now(dt.UTC)
    buyers = []
    for country in ["AR", "BR", "PY", "UY"]:
        buyer = firm("lead_firm", f"Buyer {country}", country, now)
        await insert(engine, "organisation", **buyer)
        buyers.append(buyer["id"])
    sme = firm("sme_supplier", "Searching SME", "AR", now)
    await insert(engine, "organisation", **sme)
    secret = await api_token(engine, sme["id"], "search@bench.example.com", now)
    criteria = json.dumps({"price": 100, "lead_time": 0, "quality": 0})
    async with engine.transaction():
        for n in range(count):
            rfq = uuid.uuid4()
            title = " ".join(rng.sample(WORDS, 3)).capitalize() + f" lot {n}"
            cpv = rng.choice(CPVS)
            await insert(
                engine,
                "rfq",
                id=rfq,
                buyer=rng.choice(buyers),
                title=title,
                description="Bench RFQ",
                currency=rng.choice(["USD", "ARS", "BRL"]),
                criteria=criteria,
                requirements=json.dumps(rng.choice(REQUIREMENTS)),
                allow_consortia=False,
                deadline=now + dt.timedelta(days=2, minutes=rng.randrange(60 * 24 * 60)),
                published_at=now - dt.timedelta(minutes=rng.randrange(10_000)),
                end_reason="",
                evaluation="[]",
                amendments=0,
                created_at=now,
                updated_at=now,
                search_text=search_text(title, "Bench RFQ", [{"description": "Part", "cpv": cpv}]),
            )
            await insert(
                engine,
                "rfq_item",
                id=uuid.uuid4(),
                rfq=rfq,
                position=1,
                description="Part",
                quantity="100",
                unit="pieces",
                cpv=cpv,
                delivery_place="",
            )
    # As a database in use has statistics (and, on PostgreSQL, autovacuum's visibility map).
    await engine.run_ddl("ANALYZE" if engine.engine_type == "sqlite" else "VACUUM ANALYZE")
    await stop_engine(engine)
    return secret


async def search(
    port: int, token: str, clients: int, requests: int, query: str, path: str = "/api/v1/rfqs"
) -> tuple[float, float, float, int]:
    latencies: list[float] = []
    errors = 0
    remaining = requests

    async def client() -> None:
        nonlocal remaining, errors
        connection = Connection("127.0.0.1", port)
        while remaining > 0:
            remaining -= 1
            started = time.perf_counter()
            status, _ = await connection.request(
                "GET", f"{path}?{query}", None, {"Authorization": f"Bearer {token}"}
            )
            latencies.append(time.perf_counter() - started)
            errors += status != 200
        await connection.close()

    # The load generator's own full collections (30 ms here) would stall its clients and count as
    # the server's latency: none while measuring.
    gc.disable()
    started = time.perf_counter()
    try:
        await asyncio.gather(*(client() for _ in range(clients)))
    finally:
        elapsed = time.perf_counter() - started
        gc.enable()
    latencies.sort()
    return percentile(latencies, 0.5), percentile(latencies, 0.99), len(latencies) / elapsed, errors


def run_case(
    name: str,
    url: str,
    rfqs: int,
    clients: int,
    requests: int,
    workers: int = 1,
    extra_env: dict[str, str] | None = None,
) -> None:
    settings = Settings(database_url=url)
    started = time.perf_counter()
    token = asyncio.run(prepare(settings, rfqs))
    print(
        f"{name}, {workers} process(es): {rfqs:,} open RFQs prepared in {time.perf_counter() - started:.1f} s"
    )
    with running_server(url, workers, extra_env) as port:
        asyncio.run(search(port, token, 4, 20, "", "/bench/board"))  # reads the page once, then warms up
        p50, p99, rate, errors = asyncio.run(search(port, token, clients, requests, "", "/bench/board"))
        ceiling = "ceiling: first page from memory"
        print(f"  {ceiling:<26} p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   {rate:6.0f} req/s   errors {errors}")
        for shape, query in SHAPES.items():
            asyncio.run(search(port, token, clients, clients * 2, query))  # warm up (and fill the pool)
            p50, p99, rate, errors = asyncio.run(search(port, token, clients, requests, query))
            print(
                f"  {shape:<26} p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   {rate:6.0f} req/s   errors {errors}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rfqs", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--requests", type=int, default=640)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--workers", type=int, default=1, help="PostgreSQL only: N processes sharing Redis")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument(
        "--pool", type=int, default=20, help="PostgreSQL connections per process (MARKET_POSTGRES_POOL_SIZE)"
    )
    args = parser.parse_args()
    print(f"{machine()} · {args.clients} clients, {args.requests} requests per shape\n")
    if args.workers == 1:
        folder = Path(tempfile.mkdtemp(prefix="market-board-"))
        run_case("SQLite", f"sqlite:///{folder}/board.sqlite3", args.rfqs, args.clients, args.requests)
        if args.sqlite_only:
            return
    url = fresh_postgres(args.postgres, "market_board")
    if url is not None:
        shared = {"MARKET_POSTGRES_POOL_SIZE": str(args.pool)}
        if args.workers > 1:
            shared |= {"MARKET_REDIS_URL": args.redis, "MARKET_REDIS_NAMESPACE": "board"}
        run_case("PostgreSQL", url, args.rfqs, args.clients, args.requests, args.workers, shared)


if __name__ == "__main__":
    main()
