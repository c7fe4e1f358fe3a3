"""SQLite's full-text index is keyed by ``rfq.search_key`` (migration 0026): RFQs written before the
migration are found after it, and the key follows new RFQs, edited texts, deletions and a VACUUM.
Their items' CPV codes become words of the search text (migration 0027) for the CPV filter."""

from __future__ import annotations

import datetime as dt
import uuid

from piccolo.engine.base import Engine
from piccolo.querystring import QueryString

from market.db.engine import build_engine, stop_engine
from market.db.migrate import migrate
from market.domain.search import parse_board_query
from market.services.rfqs import board
from market.settings import Settings

BEFORE_KEYS = "2026-11-28T08:30:00:000000"  # m0025, the last migration without search keys
NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)


async def sql(engine: Engine, statement: str, *args: object) -> list[dict]:
    return await engine.run_querystring(QueryString(statement, *args))


async def open_rfq(engine: Engine, buyer: uuid.UUID, text: str) -> uuid.UUID:
    rfq = uuid.uuid4()
    await sql(
        engine,
        "INSERT INTO rfq (id, buyer, title, description, currency, criteria, requirements, allow_consortia, "
        "deadline, published_at, end_reason, evaluation, amendments, created_at, updated_at, search_text) "
        "VALUES ({}, {}, {}, '', 'USD', {}, {}, 0, {}, {}, '', '[]', 0, {}, {}, {})",
        rfq,
        buyer,
        text,
        '{"price": 100}',
        "{}",
        NOW + dt.timedelta(days=3),
        NOW - dt.timedelta(days=1),
        NOW,
        NOW,
        text,
    )
    return rfq


async def found(word: str = "", cpv: str = "") -> tuple[set[str], int]:
    rows, total = await board(NOW, parse_board_query({"q": word, "cpv": cpv}))
    return {str(row["id"]) for row in rows}, total


async def test_search_keys_survive_the_backfill_new_rfqs_edits_deletions_and_vacuum(tmp_path) -> None:
    engine = build_engine(Settings(database_url=f"sqlite:///{tmp_path / 'keys.sqlite3'}"))
    try:
        await migrate(engine, up_to=BEFORE_KEYS)
        buyer = uuid.uuid4()
        await sql(
            engine,
            "INSERT INTO organisation (id, kind, legal_name, country, tax_id, tax_key, size_class, sector, "
            "value_chain_links, classification_codes, capacity_unit, languages, contact_name, contact_email, "
            "contact_phone, website, accredited, created_at, updated_at) VALUES ({}, 'lead_firm', 'Buyer', "
            "'AR', '1', 'AR:1', 'large', 'auto_components', '[]', '[]', '', '[]', '', '', '', '', 1, {}, {})",
            buyer,
            NOW,
            NOW,
        )
        before = await open_rfq(engine, buyer, "valvulas de acero 42131000")
        await sql(
            engine,
            "INSERT INTO rfq_item (id, rfq, position, description, quantity, unit, cpv, delivery_place, lot) "
            "VALUES ({}, {}, 1, 'Valve', '10', 'pieces', '42131000', '', '')",
            uuid.uuid4(),
            before,
        )
        await migrate(engine)

        assert await found("valv") == ({str(before)}, 1)  # written before the keys, found after
        assert await found(cpv="4213") == ({str(before)}, 1)  # its item's code became a CPV word
        assert await found(cpv="4212") == (set(), 0)
        assert await found("4213") == ({str(before)}, 1)  # the code as typed is still a word
        after = await open_rfq(engine, buyer, "cadeiras de madeira")
        assert await found("cadeiras") == ({str(after)}, 1)
        assert await found("de") == ({str(before), str(after)}, 2)
        keys = await sql(engine, "SELECT search_key FROM rfq ORDER BY search_key")
        assert [k["search_key"] for k in keys] == [1, 2]

        await sql(engine, "UPDATE rfq SET search_text = 'bombas hidraulicas' WHERE id = {}", after)
        assert await found("cadeiras") == (set(), 0)
        assert await found("bombas") == ({str(after)}, 1)

        await sql(engine, "DELETE FROM rfq WHERE id = {}", before)
        assert await found("valv") == (set(), 0)
        assert await sql(engine, "SELECT COUNT(*) AS n FROM rfq_search") == [{"n": 1}]

        await sql(engine, "VACUUM")
        assert await found("bombas") == ({str(after)}, 1)
        third = await open_rfq(engine, buyer, "bombas de agua")
        assert await found("bombas") == ({str(after), str(third)}, 2)
        await open_rfq(engine, buyer, "modelo 42131000")  # the digits in a title, no item with that code
        assert await found(cpv="4213") == (set(), 0)  # (the RFQ with that item was deleted above)
    finally:
        await stop_engine(engine)
