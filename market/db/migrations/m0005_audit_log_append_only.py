from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-28T01:19:36:000000"
VERSION = "1.38.0"
DESCRIPTION = "The audit log is append-only: triggers refuse UPDATE and DELETE (and TRUNCATE)."


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="market", description=DESCRIPTION)

    async def append_only() -> None:
        """UPDATE and DELETE on the audit log fail in the database itself."""
        engine = engine_finder()
        assert engine is not None
        if engine.engine_type == "sqlite":
            for operation in ("UPDATE", "DELETE"):
                await engine.run_ddl(
                    f"CREATE TRIGGER audit_log_no_{operation.lower()} BEFORE {operation} ON audit_log "
                    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
                )
        else:
            await engine.run_ddl(
                "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$"
            )
            await engine.run_ddl(
                "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
                "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
            )
            await engine.run_ddl(
                "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
                "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
            )

    manager.add_raw(append_only)

    return manager
