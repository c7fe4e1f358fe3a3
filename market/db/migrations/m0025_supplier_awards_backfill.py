import json
import uuid

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.querystring import QueryString

ID = "2026-11-28T08:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "One supplier record per (rfq, lot, firm); records for the awards made before."


def _loaded(value: object) -> object:
    return json.loads(value) if isinstance(value, str) else value


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="market", description=DESCRIPTION)

    async def unique_and_backfill() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.run_ddl(
            "CREATE UNIQUE INDEX supplier_award_once ON supplier_award (rfq, lot, supplier)"
        )
        rows = await engine.run_querystring(
            QueryString(
                "SELECT id, buyer, currency, awards, evaluation, awarded_at FROM rfq "
                "WHERE awarded_at IS NOT NULL"
            )
        )
        for rfq in rows:
            ranking = _loaded(rfq["evaluation"]) or []
            for lot, bid in sorted((_loaded(rfq["awards"]) or {}).items()):
                entry = next((e for e in ranking if e["bid"] == bid and e.get("lot", "") == lot), None)
                if entry is None:
                    continue
                firms = [(m["organisation"], m["share"]) for m in entry.get("members") or []]
                for supplier, share in firms or [(entry["bidder"], "")]:
                    await engine.run_querystring(
                        QueryString(
                            "INSERT INTO supplier_award (id, rfq, lot, bid, buyer, supplier, share, value, "
                            "currency, awarded_at, rejected, delivery_note) "
                            "VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, '', '')",
                            uuid.uuid4(),
                            rfq["id"],
                            lot,
                            uuid.UUID(bid),
                            rfq["buyer"],
                            uuid.UUID(supplier),
                            share,
                            entry.get("lot_total") or "0",
                            rfq["currency"],
                            rfq["awarded_at"],
                        )
                    )

    manager.add_raw(unique_and_backfill)
    return manager
