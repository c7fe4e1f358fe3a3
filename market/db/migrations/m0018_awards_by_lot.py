import json

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.querystring import QueryString

ID = "2026-11-28T04:58:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Awards and rankings by lot: move the single awarded bid into the awards of the whole RFQ."


def _loaded(value: object) -> object:
    return json.loads(value) if isinstance(value, str) else value


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="market", description=DESCRIPTION)

    async def backfill() -> None:
        engine = engine_finder()
        assert engine is not None
        rows = await engine.run_querystring(
            QueryString("SELECT id, evaluation, awarded_bid FROM rfq WHERE evaluated_at IS NOT NULL")
        )
        for rfq in rows:
            bids = await engine.run_querystring(
                QueryString("SELECT id, total_price FROM bid WHERE rfq = {}", rfq["id"])
            )
            totals = {str(bid["id"]): bid["total_price"] for bid in bids}
            ranking = [
                {"lot": "", "lot_total": totals.get(entry["bid"], ""), **entry}
                for entry in _loaded(rfq["evaluation"]) or []
            ]
            awards = {"": str(rfq["awarded_bid"])} if rfq["awarded_bid"] else {}
            await engine.run_querystring(
                QueryString(
                    "UPDATE rfq SET evaluation = {}, awards = {} WHERE id = {}",
                    json.dumps(ranking),
                    json.dumps(awards),
                    rfq["id"],
                )
            )

    manager.add_raw(backfill)  # the manager runs raw steps before it drops the column
    manager.drop_column(
        table_class_name="Rfq",
        tablename="rfq",
        column_name="awarded_bid",
        db_column_name="awarded_bid",
        schema=None,
    )
    return manager
