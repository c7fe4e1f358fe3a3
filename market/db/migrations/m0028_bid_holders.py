from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-02T17:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Whose bid each bid is (the firm alone or a consortium) and the fingerprint of its request."


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="market", description=DESCRIPTION)

    for name, length in (("holder", 60), ("request_sha256", 64)):
        manager.add_column(
            table_class_name="Bid",
            tablename="bid",
            column_name=name,
            db_column_name=name,
            column_class_name="Varchar",
            column_class=Varchar,
            params={
                "length": length,
                "default": "",
                "null": False,
                "primary_key": False,
                "unique": False,
                "index": False,
                "index_method": IndexMethod.btree,
                "choices": None,
                "db_column_name": None,
                "secret": False,
            },
            schema=None,
        )

    return manager
