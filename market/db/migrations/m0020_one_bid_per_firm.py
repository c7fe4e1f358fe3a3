from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-28T06:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "One competing bid per firm and lot: a firm's seat is unique per RFQ and lot."


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="market", description=DESCRIPTION)

    async def unique_seat() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.run_ddl("CREATE UNIQUE INDEX bid_seat_one_per_firm ON bid_seat (rfq, lot, organisation)")
        await engine.run_ddl("CREATE INDEX consortium_member_of ON consortium_member (consortium, organisation)")

    manager.add_raw(unique_seat)
    return manager
