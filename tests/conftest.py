"""Fixtures: one database per test worker (SQLite file, or PostgreSQL when MARKET_DATABASE_URL
names one), migrated once, emptied before each test; an app and clients per test."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from litestar import Litestar

from market.app import create_app
from market.db.engine import build_engine, start_engine, stop_engine
from market.db.migrate import migrate
from market.db.tables import ALL_TABLES
from market.services.context import ServiceContext
from market.settings import Settings
from tests.factories import PASSWORD

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# Property tests judge results, never speed: on a loaded 2-core machine a health check on how long
# data takes to generate, or a per-example deadline, fails a run without a defect. In CI the
# examples are derived from each test's name, so a red run is one that fails again.
hypothesis_settings.register_profile(
    "market", deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=IN_CI
)
hypothesis_settings.load_profile("market")


class FixedClock:
    """A clock the tests move by hand."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self.current = start or dt.datetime(2026, 11, 2, 12, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += dt.timedelta(**delta)


def _postgres_url_for(base: str, worker: str) -> str:
    """A database per worker; MARKET_TEST_DB_PREFIX keeps two checkouts' runs on one server apart."""
    prefix = os.environ.get("MARKET_TEST_DB_PREFIX", "market_test")
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{prefix}_{worker}"))


async def _recreate_postgres_database(base: str, name: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(base)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


def make_database(worker: str, folder: Path, base: str | None = None) -> str:
    """A fresh, migrated database: on the PostgreSQL server of ``base`` (or of the run's
    database), named after ``worker``; else an SQLite file in ``folder``."""
    base = base or os.environ.get("MARKET_DATABASE_URL", "")
    if base.startswith("postgres"):
        url = _postgres_url_for(base, worker)
        asyncio.run(_recreate_postgres_database(base, urlsplit(url).path.lstrip("/")))
    else:
        url = f"sqlite:///{folder / 'market.sqlite3'}"
    settings = Settings(database_url=url)

    async def run() -> None:
        engine = build_engine(settings)
        try:
            await start_engine(engine, settings)
            await migrate(engine)
        finally:
            await stop_engine(engine)

    asyncio.run(run())
    return url


@pytest.fixture(scope="session")
def database_url(worker_id: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    return make_database(worker_id, tmp_path_factory.mktemp("db"))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url, secret_key="test-secret-key", login_throttle_max_delay_seconds=60
    )


class append_only_lifted:
    """Lift the audit log's append-only triggers for a moment, as only a test (or an attacker with
    the database owner's rights) can."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.saved: list[str] = []

    async def __aenter__(self) -> None:
        if self.ctx.settings.is_sqlite:
            rows = await self.ctx.engine.run_ddl(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'"
            )
            self.saved = [row["sql"] for row in rows]
            for row in rows:
                await self.ctx.engine.run_ddl(f"DROP TRIGGER {row['name']}")
        else:
            await self.ctx.engine.run_ddl("ALTER TABLE audit_log DISABLE TRIGGER USER")

    async def __aexit__(self, *exc: object) -> None:
        if self.ctx.settings.is_sqlite:
            for sql in self.saved:
                await self.ctx.engine.run_ddl(sql)
        else:
            await self.ctx.engine.run_ddl("ALTER TABLE audit_log ENABLE TRIGGER USER")


async def empty_tables(ctx: ServiceContext) -> None:
    names = [t._meta.tablename for t in ALL_TABLES]
    async with append_only_lifted(ctx):
        if ctx.settings.is_sqlite:
            async with ctx.transaction():
                for name in reversed(names):
                    await ctx.engine.run_ddl(f"DELETE FROM {name}")
        else:
            await ctx.engine.run_ddl("TRUNCATE " + ", ".join(names) + " CASCADE")


@pytest.fixture
async def app(settings: Settings, clock: FixedClock) -> AsyncIterator[Litestar]:
    """The application, started in the test's own event loop (so the pool and the test share it)."""
    application = create_app(settings, clock=clock)
    ctx: ServiceContext = application.state.ctx
    # The app's start-up hook only opens the database pool; do it here, in the test's task.
    await start_engine(ctx.engine, settings)
    try:
        await empty_tables(ctx)
        async with application.state.channels:  # the live-event bus, started like the app does
            yield application
    finally:
        await ctx.stop_background()
        await stop_engine(ctx.engine)


@pytest.fixture
def ctx(app: Litestar) -> ServiceContext:
    return app.state.ctx  # type: ignore[no-any-return]


def client_for(app: Litestar, address: str = "198.51.100.10") -> httpx.AsyncClient:
    """An HTTP client that calls the app in-process, as if from ``address``."""
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver.local")


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as test_client:
        yield test_client


async def api_token_for(ctx: ServiceContext, user: dict[str, Any]) -> str:
    """A Bearer token for a user, made through the service (as the portal would)."""
    from market.services.accounts import create_api_token, resolve_session, start_session

    session = await start_session(ctx, user["id"])
    signed_in = await resolve_session(ctx, session)
    assert signed_in is not None
    _, secret = await create_api_token(ctx, signed_in.actor, "tests")
    return secret


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def password() -> Iterator[str]:
    yield PASSWORD
