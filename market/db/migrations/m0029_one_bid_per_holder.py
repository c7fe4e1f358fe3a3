from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-02T17:41:00:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "One active bid per holder and RFQ (a firm's solo bid no longer supersedes its consortium's "
    "joint bid); an idempotency key belongs to the firm and the RFQ. Existing bids get their holder."
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="market", description=DESCRIPTION)

    async def per_holder() -> None:
        engine = engine_finder()
        assert engine is not None
        # the holders are the seats' (services/seats.py): "bid:<firm id>" or "consortium:<id>"
        await engine.run_ddl(
            "UPDATE bid SET holder = CASE WHEN consortium IS NULL THEN 'bid:' || CAST(bidder AS TEXT) "
            "ELSE 'consortium:' || CAST(consortium AS TEXT) END"
        )
        await engine.run_ddl("DROP INDEX bid_one_active")
        await engine.run_ddl("CREATE UNIQUE INDEX bid_one_active ON bid (rfq, holder) WHERE status = 'active'")
        await engine.run_ddl("DROP INDEX bid_idempotency")
        await engine.run_ddl("CREATE UNIQUE INDEX bid_idempotency ON bid (rfq, bidder, idempotency_key)")

    manager.add_raw(per_holder)
    return manager
