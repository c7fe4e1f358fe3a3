"""What several server processes of one site share: the key-value store (login throttle) and the
live-event bus. Redis when ``MARKET_REDIS_URL`` is set, this process's memory otherwise."""

from __future__ import annotations

import os
from dataclasses import dataclass

from litestar.channels.backends.base import ChannelsBackend
from litestar.channels.backends.redis import RedisChannelsPubSubBackend
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore
from redis.asyncio import Redis
from redis.exceptions import RedisError

from market.settings import Settings


@dataclass
class SharedState:
    store: Store
    channels_backend: ChannelsBackend | None  # None: in memory
    redis: Redis | None = None
    namespace: str = "market"

    @classmethod
    def from_settings(cls, settings: Settings) -> SharedState:
        if not settings.redis_url:
            return cls(MemoryStore(), None)
        client = Redis.from_url(settings.redis_url)
        namespace = settings.redis_namespace
        return cls(
            RedisStore(client, namespace=namespace),
            RedisChannelsPubSubBackend(redis=client, key_prefix=f"{namespace}_CHANNELS"),
            client,
            namespace,
        )

    async def ready(self) -> bool:
        """Whether the shared state answers (always, in memory)."""
        if self.redis is None:
            return True
        try:
            return bool(await self.redis.ping())
        except (RedisError, OSError):
            return False

    async def claim(self, name: str, seconds: int) -> bool:
        """Whether this process takes on ``name`` for ``seconds``: with several processes only the
        first to ask does (a Redis key set only if absent), alone it always does."""
        if self.redis is None:
            return True
        key = f"{self.namespace}:claim:{name}"
        return bool(await self.redis.set(key, os.getpid(), nx=True, ex=seconds))

    async def close(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()
