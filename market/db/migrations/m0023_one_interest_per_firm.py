from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-28T07:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "A firm marks its interest in an RFQ once."


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="market", description=DESCRIPTION)

    async def unique_interest() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.run_ddl("CREATE UNIQUE INDEX partner_interest_once ON partner_interest (rfq, organisation)")

    manager.add_raw(unique_interest)
    return manager
