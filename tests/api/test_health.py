"""Health endpoints for load balancers: the process answers; it is ready when the database (and,
with several processes, Redis) answers — and says which part is not."""

from __future__ import annotations

import gc

from litestar.testing import AsyncTestClient

from market.app import create_app
from market.db.engine import build_engine
from market.settings import Settings
from market.shared import SharedState


async def test_health_and_readiness(client) -> None:
    assert (await client.get("/health")).json() == {"status": "ok"}
    ready = await client.get("/ready")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "checks": {"database": True, "shared_state": True}}


async def test_not_ready_when_the_shared_state_does_not_answer(app, client) -> None:
    unreachable = SharedState.from_settings(Settings(redis_url="redis://127.0.0.1:1/0"))
    try:
        assert await unreachable.ready() is False
    finally:
        await unreachable.close()
    ctx = app.state.ctx
    working = ctx.engine
    ctx.engine = build_engine(
        Settings(database_url="postgresql://postgres@127.0.0.1:1/nowhere")
    )  # nothing listens
    try:
        answer = await client.get("/ready")
    finally:
        ctx.engine = working
    assert answer.status_code == 503
    assert answer.json() == {"status": "unavailable", "checks": {"database": False, "shared_state": True}}


async def test_a_started_app_keeps_its_long_lived_objects_out_of_the_collectors_walks(settings) -> None:
    """A full collection walked every object of the app while requests waited; startup freezes
    what exists by then, shutdown thaws it (so another app in the same process is not kept)."""
    assert gc.get_freeze_count() == 0
    async with AsyncTestClient(create_app(settings)) as client:
        assert gc.get_freeze_count() > 10_000
        assert (await client.get("/health")).status_code == 200
    assert gc.get_freeze_count() == 0
