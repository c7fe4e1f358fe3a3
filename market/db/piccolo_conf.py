"""Configuration that Piccolo's own tooling reads (``PICCOLO_CONF=market.db.piccolo_conf``).

The application never imports this module: ``create_app`` binds the tables to the engine built
from its settings. ``market.db.migrate`` points ``DB`` at the same engine before migrating.
"""

from __future__ import annotations

from piccolo.conf.apps import AppRegistry

from market.db.engine import build_engine
from market.settings import load_settings

DB = build_engine(load_settings())
APP_REGISTRY = AppRegistry(apps=["market.db.piccolo_app"])
