"""Partner matchmaking ("who could complete my bid?") with 10,000 registered SMEs, over real HTTP.

Fills a fresh database with N SMEs in four countries (varied CPV codes and monthly capacity; about a
third with a verified HACCP certificate, two thirds with a submitted self-assessment, some marked
as interested) and one open RFQ for joint bids that needs HACCP, level L1 and more capacity than
the asking firm has. Then asks ``GET /api/v1/rfqs/{id}/partners`` one request at a time and with
C concurrent clients, and prints p50/p99 latency, on SQLite and on PostgreSQL.

    .venv/bin/python bench/matchmaking.py [--smes 10000] [--requests 60] [--clients 4] [--sqlite-only]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import tempfile
import time
import uuid
from pathlib import Path

from board_search import api_token, firm, insert
from deadline_rush import Connection, fresh_postgres, machine, percentile, running_server

from market.db.engine import build_engine, start_engine, stop_engine
from market.db.migrate import migrate
from market.settings import Settings

#: A registry spread over 48 CPV groups (food, furniture, metal, textiles, vehicles, packaging…),
#: two of them those of the RFQ's items (153 and 446).
CPVS = [
    f"{group}00000"
    for group in (
        "031 032 033 034 037 141 142 151 152 153 154 155 156 157 158 159 181 182 183 188 191 192 "
        "221 223 242 311 313 315 341 343 391 392 395 421 423 425 426 431 441 442 443 444 445 446 "
        "447 448 449 451"
    ).split()
]
NARROW = ["15332290", "15330000", "15800000", "44617000", "39111000", "34300000", "18800000", "03200000"]
DIMENSIONS = ("digital", "quality", "process", "strategy", "upgrading")


async def prepare(settings: Settings, count: int, codes: list[str]) -> tuple[str, str]:
    """The database, the asking firm's API token and the RFQ's id."""
    engine = build_engine(settings)
    await start_engine(engine, settings)
    await migrate(engine)
    rng = random.Random(11)
    now = dt.datetime.now(dt.UTC)
    buyer = firm("lead_firm", "Bench buyer", "AR", now)
    await insert(engine, "organisation", **buyer)
    asking = {
        **firm("sme_supplier", "Asking SME", "AR", now),
        "classification_codes": ["15332290"],
        "monthly_capacity": 2000,
        "capacity_unit": "kg",
    }
    await insert(engine, "organisation", **asking)
    secret = await api_token(engine, asking["id"], "partners@bench.example.com", now)
    rfq = uuid.uuid4()
    requirements = {"min_level": "L1", "certificates": ["haccp"], "countries": ["AR", "BR", "UY"]}
    await insert(
        engine,
        "rfq",
        id=rfq,
        buyer=buyer["id"],
        title="Peach jam and crates",
        description="Bench RFQ",
        currency="USD",
        criteria=json.dumps({"price": 100, "lead_time": 0, "quality": 0}),
        requirements=json.dumps(requirements),
        allow_consortia=True,
        deadline=now + dt.timedelta(days=5),
        published_at=now - dt.timedelta(days=1),
        end_reason="",
        evaluation="[]",
        amendments=0,
        created_at=now,
        updated_at=now,
        search_text="peach jam",
        lots="[]",
        awards="{}",
        translations="{}",
    )
    for position, (description, quantity, unit, cpv) in enumerate(
        [
            ("Peach jam, 1 kg jars", "6000", "kg", "15332290"),
            ("Transport crates", "400", "pieces", "44617000"),
        ]
    ):
        await insert(
            engine,
            "rfq_item",
            id=uuid.uuid4(),
            rfq=rfq,
            position=position,
            description=description,
            quantity=quantity,
            unit=unit,
            cpv=cpv,
            delivery_place="",
            lot="",
        )
    async with engine.transaction():
        for n in range(count):
            sme = {
                **firm("sme_supplier", f"Bench SME {n:05d}", rng.choice(["AR", "BR", "PY", "UY"]), now),
                "classification_codes": rng.sample(codes, 2),
                "monthly_capacity": rng.randrange(100, 5000),
                "capacity_unit": rng.choice(["kg", "pieces", "litres"]),
            }
            await insert(engine, "organisation", **sme)
            if n % 3 == 0:
                await insert(
                    engine,
                    "certificate",
                    id=uuid.uuid4(),
                    organisation=sme["id"],
                    type="haccp",
                    issuer="IRAM",
                    number=f"H-{n}",
                    scope="",
                    issued_on=(now - dt.timedelta(days=100)).date(),
                    expires_on=(now + dt.timedelta(days=500)).date(),
                    verification="verified" if n % 6 == 0 else "pending",
                    review_reason="",
                    file_name="haccp.pdf",
                    content_type="application/pdf",
                    size=10,
                    sha256="0" * 64,
                    reminders_sent=[],
                    created_at=now,
                )
            if n % 3 != 2:
                score = rng.uniform(30, 90)
                await insert(
                    engine,
                    "assessment",
                    id=uuid.uuid4(),
                    organisation=sme["id"],
                    questionnaire_version="bench",
                    status="submitted",
                    answers="{}",
                    step=0,
                    dimension_scores=json.dumps({d: score for d in DIMENSIONS}),
                    kpis="{}",
                    overall=score,
                    level=1,
                    submitted_at=now - dt.timedelta(days=10),
                    valid_until=now + dt.timedelta(days=300),
                    created_at=now,
                    updated_at=now,
                )
            if n % 50 == 0:
                await insert(
                    engine,
                    "partner_interest",
                    id=uuid.uuid4(),
                    rfq=rfq,
                    organisation=sme["id"],
                    note="Bench",
                    created_at=now,
                )
    await engine.run_ddl("ANALYZE")
    await stop_engine(engine)
    return secret, str(rfq)


async def ask(port: int, token: str, rfq: str, clients: int, requests: int) -> tuple[float, float, int, int]:
    latencies: list[float] = []
    errors = 0
    suggestions = 0
    remaining = requests

    async def client() -> None:
        nonlocal remaining, errors, suggestions
        connection = Connection("127.0.0.1", port)
        while remaining > 0:
            remaining -= 1
            started = time.perf_counter()
            status, body = await connection.request(
                "GET", f"/api/v1/rfqs/{rfq}/partners", None, {"Authorization": f"Bearer {token}"}
            )
            latencies.append(time.perf_counter() - started)
            errors += status != 200
            if status == 200:
                suggestions = len(body["suggestions"])
        await connection.close()

    await asyncio.gather(*(client() for _ in range(clients)))
    latencies.sort()
    return percentile(latencies, 0.5), percentile(latencies, 0.99), errors, suggestions


def run_case(name: str, url: str, smes: int, requests: int, clients: int, codes: list[str]) -> None:
    settings = Settings(database_url=url)
    started = time.perf_counter()
    token, rfq = asyncio.run(prepare(settings, smes, codes))
    print(f"{name}: {smes:,} SMEs prepared in {time.perf_counter() - started:.1f} s")
    with running_server(url) as port:
        asyncio.run(ask(port, token, rfq, 1, 5))  # warm up
        for concurrent in (1, clients):
            p50, p99, errors, found = asyncio.run(ask(port, token, rfq, concurrent, requests))
            print(
                f"  {concurrent} client(s): p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   "
                f"errors {errors}   suggestions {found}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smes", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument(
        "--narrow", action="store_true", help="every firm in 8 CPV groups, most matching (worst case)"
    )
    args = parser.parse_args()
    codes = NARROW if args.narrow else CPVS
    spread = "8 CPV groups (--narrow)" if args.narrow else f"{len(CPVS)} CPV groups"
    print(f"{machine()} · one server process, {args.requests} requests per row · registry over {spread}\n")
    folder = Path(tempfile.mkdtemp(prefix="market-partners-"))
    run_case("SQLite", f"sqlite:///{folder}/partners.sqlite3", args.smes, args.requests, args.clients, codes)
    if args.sqlite_only:
        return
    url = fresh_postgres(args.postgres, "market_partners")
    if url is not None:
        run_case("PostgreSQL", url, args.smes, args.requests, args.clients, codes)


if __name__ == "__main__":
    main()
