"""Migrations 0028-0029 (issue 14): bids written before them get their holder (the firm alone or
the consortium) and keep everything else; afterwards a firm's solo bid and its consortium's joint
bid may both be active, one holder still has one active bid, and an idempotency key belongs to the
firm and the RFQ. On the run's database: an SQLite file, or a PostgreSQL database of its server."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from urllib.parse import urlsplit

import pytest
from piccolo.engine.base import Engine
from piccolo.querystring import QueryString

from market.db.engine import build_engine, is_unique_violation, start_engine, stop_engine
from market.db.migrate import migrate
from market.db.tables import Organisation, Rfq
from market.settings import Settings
from tests.conftest import _postgres_url_for, _recreate_postgres_database

BEFORE_HOLDERS = "2026-11-28T14:30:00:000000"  # m0027, the last migration without bid holders
NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)


async def sql(engine: Engine, statement: str, *args: object) -> list[dict]:
    return await engine.run_querystring(QueryString(statement, *args))


async def bid(engine: Engine, rfq, bidder, key: str, status: str = "active", consortium=None) -> uuid.UUID:
    made = uuid.uuid4()
    await sql(
        engine,
        "INSERT INTO bid (id, rfq, bidder, status, content, total_price, sha256, idempotency_key, "
        "received_at, consortium) VALUES ({}, {}, {}, {}, {}, '10.00', {}, {}, {}, {})",
        made,
        rfq,
        bidder,
        status,
        '{"prices": {}}',
        "ab" * 32,
        key,
        NOW,
        consortium,
    )
    return made


async def database(tmp_path) -> str:
    base = os.environ.get("MARKET_DATABASE_URL", "")
    if not base.startswith("postgres"):
        return f"sqlite:///{tmp_path / 'holders.sqlite3'}"
    url = _postgres_url_for(base, "holders_migration")
    await _recreate_postgres_database(base, urlsplit(url).path.lstrip("/"))
    return url


async def test_existing_bids_get_their_holder_and_solo_and_joint_bids_coexist_after(tmp_path) -> None:
    settings = Settings(database_url=await database(tmp_path))
    engine = build_engine(settings)
    await start_engine(engine, settings)
    try:
        await migrate(engine, up_to=BEFORE_HOLDERS)
        firms = [uuid.uuid4(), uuid.uuid4()]
        for n, firm in enumerate(firms):
            await Organisation.insert(
                Organisation(
                    id=firm,
                    kind="sme_supplier",
                    legal_name=f"Firm {n}",
                    country="AR",
                    tax_id=str(n),
                    tax_key=f"AR:{n}",
                )
            )
        rfq, other_rfq, team = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        for made in (rfq, other_rfq):
            await Rfq.insert(Rfq(id=made, buyer=firms[1], title="Soles", currency="USD", deadline=NOW))
        lead, alone = firms
        joint = await bid(engine, rfq, lead, "key-joint-1", consortium=team)
        old = await bid(engine, rfq, lead, "key-solo-1", status="superseded")
        solo = await bid(engine, rfq, alone, "key-joint-1")
        await migrate(engine)

        rows = await sql(engine, "SELECT id, holder, request_sha256, status, total_price FROM bid")
        found = {
            str(r["id"]): (r["holder"], r["request_sha256"], r["status"], r["total_price"]) for r in rows
        }
        assert found == {
            str(joint): (f"consortium:{team}", "", "active", "10.00"),
            str(old): (f"bid:{lead}", "", "superseded", "10.00"),
            str(solo): (f"bid:{alone}", "", "active", "10.00"),
        }
        # the lead's solo bid beside its consortium's active joint bid: the defect's case, now allowed
        await sql(engine, "UPDATE bid SET status = 'active' WHERE id = {}", old)
        with pytest.raises(Exception) as twice:  # one holder, one active bid
            await sql(
                engine,
                "INSERT INTO bid (id, rfq, bidder, status, content, total_price, sha256, idempotency_key, "
                "received_at, holder) VALUES ({}, {}, {}, 'active', {}, '1', '', 'key-solo-2', {}, {})",
                uuid.uuid4(),
                rfq,
                lead,
                "{}",
                NOW,
                f"bid:{lead}",
            )
        assert is_unique_violation(twice.value)
        # a key belongs to the firm and the RFQ: the same key on another RFQ is another key
        await bid(engine, other_rfq, lead, "key-joint-1")
        with pytest.raises(Exception) as reused:
            await bid(engine, rfq, lead, "key-joint-1", status="superseded")
        assert is_unique_violation(reused.value)
    finally:
        await stop_engine(engine)
