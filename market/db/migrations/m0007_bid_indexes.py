from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-28T01:22:07:000000"
VERSION = "1.38.0"
DESCRIPTION = "One active bid per bidder and RFQ; one bid per idempotency key."


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="market", description=DESCRIPTION)

    async def indexes() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.run_ddl("CREATE UNIQUE INDEX bid_one_active ON bid (rfq, bidder) WHERE status = 'active'")
        await engine.run_ddl("CREATE UNIQUE INDEX bid_idempotency ON bid (bidder, idempotency_key)")

    manager.add_raw(indexes)
    return manager
