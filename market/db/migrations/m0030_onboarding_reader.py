from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-02T19:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "The language an onboarding file's numbers are read in: its uploader's, at the upload."


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="market", description=DESCRIPTION)
    manager.add_column(
        table_class_name="OnboardingJob",
        tablename="onboarding_job",
        column_name="reader",
        db_column_name="reader",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 2,
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
