from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.querystring import QueryString

from market.domain.search import search_text

ID = "2026-11-28T03:05:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "Fill the search text of RFQs made before it existed; index the board's order."


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="market", description=DESCRIPTION)

    async def backfill() -> None:
        engine = engine_finder()
        assert engine is not None
        for rfq in await engine.run_querystring(QueryString("SELECT id, title, description FROM rfq")):
            items = await engine.run_querystring(
                QueryString("SELECT description, cpv FROM rfq_item WHERE rfq = {}", rfq["id"])
            )
            text = search_text(rfq["title"], rfq["description"], items)
            await engine.run_querystring(
                QueryString("UPDATE rfq SET search_text = {} WHERE id = {}", text, rfq["id"])
            )
        await engine.run_ddl("CREATE INDEX rfq_board ON rfq (deadline) WHERE published_at IS NOT NULL")

    manager.add_raw(backfill)
    return manager
