"""Readiness figures: time to score one assessment and ask the gate, and time to onboard a CSV.

.venv/bin/python bench/readiness.py [--rows 2000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import io
import os
import platform
import random
import tempfile
import time
import uuid
from pathlib import Path

from litestar.stores.memory import MemoryStore
from stdnum.ar import cuit

from market.db.engine import build_engine, start_engine, stop_engine
from market.db.migrate import migrate
from market.db.tables import AppUser, Organisation
from market.domain.accounts import Actor, Role
from market.domain.certificates import CertificateType, CertificateView, Verification
from market.domain.eligibility import Passport, RequirementSet, SubmittedAssessment, check_eligibility
from market.domain.organisations import Country, OrganisationKind
from market.domain.readiness import Level, assess_level, score, validate_answers
from market.services import onboarding
from market.services.context import ServiceContext
from market.services.readiness import current_questionnaire
from market.settings import Settings

NOW = dt.datetime(2026, 11, 2, 12, tzinfo=dt.UTC)


def random_answers(rnd: random.Random) -> dict[str, str]:
    answers = {}
    for dimension in current_questionnaire().dimensions:
        for q in dimension.questions:
            kind = q.type.value
            if kind == "choice":
                answers[q.id] = rnd.choice(q.options).value
            elif kind == "yes_no":
                answers[q.id] = rnd.choice(["yes", "no"])
            elif kind == "date":
                answers[q.id] = (NOW.date() - dt.timedelta(days=rnd.randrange(0, 1500))).isoformat()
            else:
                low, high = (0, 100) if kind == "percentage" else (q.minimum, min(q.maximum, 100))
                answers[q.id] = f"{rnd.uniform(low, high):.1f}"
    return answers


def bench_scoring(n: int) -> None:
    rnd = random.Random(7)
    questionnaire = current_questionnaire()
    sets = [random_answers(rnd) for _ in range(n)]
    certificates = [
        CertificateView(
            CertificateType.ISO_9001, dt.date(2025, 1, 1), dt.date(2028, 1, 1), Verification.VERIFIED
        )
    ]
    started = time.perf_counter()
    for answers in sets:
        valid = validate_answers(questionnaire, answers, NOW.date(), complete=True)
        scores = score(questionnaire, valid, NOW.date())
        assess_level(scores, certificates, NOW)
    per_assessment = (time.perf_counter() - started) / n
    requirements = RequirementSet(
        Level.L2,
        frozenset({CertificateType.ISO_9001}),
        frozenset({Country.AR}),
        365,
        {"on_time_delivery": 90},
    )
    passport = Passport(
        Country.AR,
        SubmittedAssessment(
            NOW - dt.timedelta(days=10),
            NOW + dt.timedelta(days=300),
            score(
                questionnaire, validate_answers(questionnaire, sets[0], NOW.date(), complete=True), NOW.date()
            ),
        ),
        certificates,
    )
    started = time.perf_counter()
    for _ in range(n):
        check_eligibility(requirements, passport, NOW)
    per_check = (time.perf_counter() - started) / n
    print(f"score one assessment (validate + score + level): {per_assessment * 1e6:.0f} µs   (mean of {n})")
    print(f"one eligibility check (the gate):                {per_check * 1e6:.0f} µs   (mean of {n})")


def onboarding_csv(rows: int) -> bytes:
    rnd = random.Random(11)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=onboarding.COLUMNS)
    writer.writeheader()
    for n in range(rows):
        base = f"30{rnd.randrange(10**7, 10**8)}"
        digit = cuit.calc_check_digit(base)
        tax_id = base + digit if n % 20 else "30-11111111-0"  # one row in twenty has a bad CUIT
        writer.writerow(
            {
                "legal_name": f"Bench Firm {n} S.A.",
                "country": "AR",
                "tax_id": tax_id,
                "size_class": "small",
                "sector": "auto_components",
                "invite_email": f"owner{n}@bench.example.com" if n % 10 == 0 else "",
            }
        )
    return buffer.getvalue().encode()


async def bench_onboarding(url: str, rows: int) -> None:
    settings = Settings(database_url=url)
    engine = build_engine(settings)
    try:
        await start_engine(engine, settings)
        await migrate(engine)
    except OSError as error:
        print(f"onboarding on {url.split(':')[0]}: not reachable ({error.__class__.__name__})")
        return
    ctx = ServiceContext(settings=settings, engine=engine, store=MemoryStore())
    agency_id, user_id = uuid.uuid4(), uuid.uuid4()
    await Organisation.insert(
        Organisation(
            id=agency_id,
            kind="support_agency",
            legal_name="Bench Agency",
            country="AR",
            tax_id=str(agency_id),
            tax_key=f"BENCH:{agency_id}",
            size_class="small",
            sector="other",
            value_chain_links=[],
            classification_codes=[],
            languages=[],
            accredited=True,
        )
    )
    await AppUser.insert(
        AppUser(
            id=user_id,
            organisation=agency_id,
            email=f"{user_id}@bench.example.com",
            full_name="Bench",
            password_hash="x",
            role="admin",
        )
    )
    actor = Actor(str(user_id), str(agency_id), OrganisationKind.SUPPORT_AGENCY, Role.ADMIN, True)
    data = onboarding_csv(rows)
    for attempt in ("first upload", "same file again"):
        started = time.perf_counter()
        job = await onboarding.start_job(ctx, actor, "bench.csv", data)
        await onboarding.run_job(ctx, job["id"], settings.invitation_url)
        elapsed = time.perf_counter() - started
        done = await onboarding.get_job(actor, str(job["id"]))
        print(
            f"onboard {rows} rows on {url.split(':')[0]:<10} ({attempt:<15}): {elapsed:6.2f} s, "
            f"{rows / elapsed:6.0f} rows/s — created {done['created_count']}, "
            f"existing {done['existing_count']}, to correct {done['failed_count']}"
        )
    await stop_engine(engine)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--scorings", type=int, default=2000)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    print(f"{platform.machine()} · {os.cpu_count()} cores · Python {platform.python_version()}\n")
    bench_scoring(args.scorings)
    folder = Path(tempfile.mkdtemp(prefix="market-bench-"))
    await bench_onboarding(f"sqlite:///{folder}/onboarding.sqlite3", args.rows)
    import asyncpg

    try:
        connection = await asyncpg.connect(args.postgres)
        await connection.execute("DROP DATABASE IF EXISTS market_bench WITH (FORCE)")
        await connection.execute("CREATE DATABASE market_bench")
        await connection.close()
    except OSError:
        print("PostgreSQL not reachable; skipped")
        return
    await bench_onboarding(args.postgres.rsplit("/", 1)[0] + "/market_bench", args.rows)


if __name__ == "__main__":
    asyncio.run(main())
