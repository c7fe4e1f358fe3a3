"""Piccolo app registration (used by Piccolo's migration tooling)."""

from __future__ import annotations

import os

from piccolo.conf.apps import AppConfig

from market.db.tables import ALL_TABLES

APP_CONFIG = AppConfig(
    app_name="market",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "migrations"),
    table_classes=list(ALL_TABLES),
    migration_dependencies=[],
    commands=[],
)
