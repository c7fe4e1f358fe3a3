from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz
from piccolo.engine import engine_finder

ID = "2026-11-28T14:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "Board search without per-row lookups: on SQLite the full-text index is keyed by an integer the "
    "RFQ keeps (search_key) instead of its uuid, and the board indexes carry that key; on both "
    "databases an index of requirement sets, and no longer one of every RFQ's deadline (the "
    "board's partial indexes answer every query by deadline)."
)

OPEN = "WHERE published_at IS NOT NULL AND cancelled_at IS NULL"
SQLITE = [
    "DROP TRIGGER rfq_search_insert",
    "DROP TRIGGER rfq_search_update",
    "DROP TRIGGER rfq_search_delete",
    "DROP TABLE rfq_search",
    # An INTEGER column, not the table's rowid: a rowid without INTEGER PRIMARY KEY may change on VACUUM.
    "ALTER TABLE rfq ADD COLUMN search_key INTEGER",
    "UPDATE rfq SET search_key = rowid",
    "CREATE UNIQUE INDEX rfq_search_key ON rfq (search_key)",
    # A search's count, from the index alone also with a buyer's country or a currency.
    f"CREATE INDEX rfq_board_search ON rfq (search_key, deadline, buyer, currency) {OPEN}",
    "CREATE VIRTUAL TABLE rfq_search USING fts5(body, tokenize = 'unicode61')",
    "INSERT INTO rfq_search (rowid, body) SELECT search_key, search_text FROM rfq",
    "CREATE TRIGGER rfq_search_insert AFTER INSERT ON rfq BEGIN "
    "UPDATE rfq SET search_key = (SELECT COALESCE(MAX(search_key), 0) + 1 FROM rfq) WHERE rowid = new.rowid; "
    "INSERT INTO rfq_search (rowid, body) SELECT search_key, search_text FROM rfq WHERE rowid = new.rowid; END",
    "CREATE TRIGGER rfq_search_update AFTER UPDATE OF search_text ON rfq BEGIN "
    "UPDATE rfq_search SET body = new.search_text WHERE rowid = new.search_key; END",
    "CREATE TRIGGER rfq_search_delete AFTER DELETE ON rfq BEGIN "
    "DELETE FROM rfq_search WHERE rowid = old.search_key; END",
    # The board walks these in order and checks a word match against the key without reading the row.
    "DROP INDEX rfq_board_deadline",
    "DROP INDEX rfq_board_newest",
    f"CREATE INDEX rfq_board_deadline ON rfq (deadline, id, search_key) {OPEN}",
    f"CREATE INDEX rfq_board_newest ON rfq (published_at, id, search_key) {OPEN}",
]
BOTH = [
    # "Only eligible" lists the distinct requirement sets by skipping from one to the next.
    f"CREATE INDEX rfq_board_requirements ON rfq ((CAST(requirements AS TEXT)), deadline) {OPEN}",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="market", description=DESCRIPTION)

    async def keys_and_indexes() -> None:
        engine = engine_finder()
        assert engine is not None
        for statement in (SQLITE if engine.engine_type == "sqlite" else []) + BOTH:
            await engine.run_ddl(statement)

    manager.add_raw(keys_and_indexes)
    # Left in place, SQLite counted the open RFQs through it, reading each row to see whether it is
    # published and not cancelled, instead of through the partial index that holds only those.
    manager.alter_column(
        table_class_name="Rfq",
        tablename="rfq",
        column_name="deadline",
        db_column_name="deadline",
        params={"index": False},
        old_params={"index": True},
        column_class=Timestamptz,
        old_column_class=Timestamptz,
        schema=None,
    )
    return manager
