from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-28T03:15:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Board indexes over open RFQs only: by deadline and by publication (counts read only them)."


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="market", description=DESCRIPTION)

    async def indexes() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.run_ddl("DROP INDEX rfq_board")
        where = "WHERE published_at IS NOT NULL AND cancelled_at IS NULL"
        await engine.run_ddl(f"CREATE INDEX rfq_board_deadline ON rfq (deadline, id) {where}")
        await engine.run_ddl(f"CREATE INDEX rfq_board_newest ON rfq (published_at, id) {where}")

    manager.add_raw(indexes)
    return manager
