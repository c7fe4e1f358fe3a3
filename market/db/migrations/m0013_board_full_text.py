from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-28T03:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "A full-text index of each RFQ's search text: FTS5 on SQLite, a GIN index on PostgreSQL."

SQLITE = [
    "CREATE VIRTUAL TABLE rfq_search USING fts5(rfq_id UNINDEXED, body, tokenize = 'unicode61')",
    "INSERT INTO rfq_search (rfq_id, body) SELECT id, search_text FROM rfq",
    "CREATE TRIGGER rfq_search_insert AFTER INSERT ON rfq BEGIN "
    "INSERT INTO rfq_search (rfq_id, body) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER rfq_search_update AFTER UPDATE OF search_text ON rfq BEGIN "
    "UPDATE rfq_search SET body = new.search_text WHERE rfq_id = old.id; END",
    "CREATE TRIGGER rfq_search_delete AFTER DELETE ON rfq BEGIN "
    "DELETE FROM rfq_search WHERE rfq_id = old.id; END",
]
POSTGRES = [
    # Stored, so a search never folds 10,000 texts into vectors again.
    "ALTER TABLE rfq ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED",
    "CREATE INDEX rfq_search ON rfq USING GIN (search_vector)",
]
BOTH = ["CREATE INDEX rfq_item_cpv ON rfq_item (cpv)"]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="market", description=DESCRIPTION)

    async def full_text() -> None:
        engine = engine_finder()
        assert engine is not None
        for statement in (SQLITE if engine.engine_type == "sqlite" else POSTGRES) + BOTH:
            await engine.run_ddl(statement)

    manager.add_raw(full_text)
    return manager
