from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-28T14:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "Each item's CPV code also as a word of the RFQ's search text (cpv34300000), so the board's CPV "
    "filter is a prefix search of the full-text index; the index of item codes is no longer read."
)

# The full-text indexes follow search_text (SQLite's trigger, PostgreSQL's generated column).
WORDS = {
    "sqlite": "(SELECT group_concat('cpv' || i.cpv, ' ') FROM rfq_item i WHERE i.rfq = rfq.id AND i.cpv <> '')",
    "postgres": "(SELECT string_agg('cpv' || i.cpv, ' ') FROM rfq_item i WHERE i.rfq = rfq.id AND i.cpv <> '')",
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="market", description=DESCRIPTION)

    async def cpv_words() -> None:
        engine = engine_finder()
        assert engine is not None
        words = WORDS["sqlite" if engine.engine_type == "sqlite" else "postgres"]
        await engine.run_ddl(f"UPDATE rfq SET search_text = search_text || ' ' || {words} WHERE {words} IS NOT NULL")
        await engine.run_ddl("DROP INDEX rfq_item_cpv")

    manager.add_raw(cpv_words)
    return manager
