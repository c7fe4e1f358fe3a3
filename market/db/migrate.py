"""Apply Piccolo migrations to the engine the settings name, and bind the tables to it."""

from __future__ import annotations

import os
import sys
import types

from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.apps.migrations.tables import Migration
from piccolo.conf.apps import AppRegistry
from piccolo.engine.base import Engine

from market.db.tables import ALL_TABLES

_RUNTIME_CONF = "market_runtime_piccolo_conf"


def bind_tables(engine: Engine) -> None:
    """Point every table at ``engine`` (Piccolo otherwise looks one up at first use)."""
    for table in ALL_TABLES:
        table._meta.db = engine


def _install_runtime_conf(engine: Engine) -> None:
    # Piccolo's migration code finds its engine through PICCOLO_CONF; give it ours.
    module = types.ModuleType(_RUNTIME_CONF)
    module.DB = engine  # type: ignore[attr-defined]
    module.APP_REGISTRY = AppRegistry(apps=["market.db.piccolo_app"])  # type: ignore[attr-defined]
    sys.modules[_RUNTIME_CONF] = module
    os.environ["PICCOLO_CONF"] = _RUNTIME_CONF


async def migrate(engine: Engine, up_to: str = "all") -> str:
    """Apply every pending migration (or those up to the migration id ``up_to``); return Piccolo's
    summary line."""
    _install_runtime_conf(engine)
    bind_tables(engine)
    # Piccolo's own bookkeeping table keeps the first engine it found; point it at this one.
    Migration._meta.db = engine
    result = await run_forwards(app_name="market", migration_id=up_to, fake=False)
    if not result.success:
        raise RuntimeError(f"migrations failed: {result.message}")
    return result.message or ""
