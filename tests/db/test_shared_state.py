"""What several processes share: with Redis, one process (the first to ask) takes each piece of
background work; alone, a process always does. Redis is required in CI, skipped elsewhere."""

from __future__ import annotations

import os
import uuid

import pytest

from market.settings import Settings
from market.shared import SharedState
from tests.conftest import IN_CI

REDIS = os.environ.get("MARKET_TEST_REDIS", "redis://127.0.0.1:6379/0")


async def test_alone_a_process_takes_every_job() -> None:
    alone = SharedState.from_settings(Settings(redis_url=""))  # whatever the environment says
    assert await alone.claim("certificate-reminders", 60) and await alone.claim("certificate-reminders", 60)
    assert await alone.ready()


async def test_with_redis_one_process_takes_a_job() -> None:
    settings = Settings(redis_url=REDIS, redis_namespace=f"test_{uuid.uuid4().hex[:12]}")
    first, second = SharedState.from_settings(settings), SharedState.from_settings(settings)
    try:
        if not await first.ready():
            if IN_CI:
                pytest.fail(f"Redis at {REDIS} is required in CI")
            pytest.skip(f"Redis at {REDIS} is not running here")
        assert await first.claim("certificate-reminders", 60) is True
        assert await second.claim("certificate-reminders", 60) is False  # another process: not twice
        assert await second.claim("onboarding:job-1", 60) is True  # another job is free
    finally:
        await first.close()
        await second.close()
