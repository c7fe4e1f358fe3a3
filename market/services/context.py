"""What every use case needs: settings, the database engine, a clock, a key-value store."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from litestar.stores.base import Store
from piccolo.engine.base import Engine
from piccolo.table import Table

from market.db.tables import Outbox
from market.domain.errors import NotFound
from market.settings import Settings

log = logging.getLogger("market.mail")


def parse_id(raw: str | uuid.UUID, what: str) -> uuid.UUID:
    """An id from a path or form; a malformed one is simply not found."""
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        raise NotFound(what) from None


async def load_by_id(table: type[Table], raw: str | uuid.UUID, what: str) -> dict[str, Any]:
    """The row with this id, or ``NotFound(what)``."""
    row = await table.select().where(table._meta.primary_key == parse_id(raw, what)).first()
    if row is None:
        raise NotFound(what)
    return row


class MailSender(Protocol):
    """Sends one e-mail. Runs inside the caller's transaction when there is one."""

    async def __call__(self, recipient: str, subject: str, body: str, now: dt.datetime) -> None: ...


async def outbox_sender(recipient: str, subject: str, body: str, now: dt.datetime) -> None:
    """The default sender: keep the message in the outbox table and log it; nothing leaves."""
    await Outbox.insert(
        Outbox(id=uuid.uuid4(), recipient=recipient, subject=subject[:200], body=body, created_at=now)
    )
    log.info("mail to=%s subject=%s", recipient, subject)


class EventSink(Protocol):
    """Delivers a live event to whoever listens on ``channel`` (websocket pages)."""

    def __call__(self, channel: str, event: dict[str, Any]) -> None: ...


def no_listeners(channel: str, event: dict[str, Any]) -> None:
    """The sink of a process that serves no websockets (the command line): nobody to tell."""


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class ServiceContext:
    settings: Settings
    engine: Engine
    store: Store
    clock: Callable[[], dt.datetime] = field(default=utc_now)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    mail_sender: MailSender = outbox_sender
    events: EventSink = no_listeners
    coalescing: set[str] = field(default_factory=set)
    #: API tokens used since the last batch of last-use stamps was written (accounts.py)
    token_uses: dict[uuid.UUID, dt.datetime] = field(default_factory=dict)

    def now(self) -> dt.datetime:
        return self.clock()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """One write transaction (IMMEDIATE on SQLite)."""
        async with self.engine.transaction():
            yield

    def spawn(self, work: Coroutine[Any, Any, None], what: str) -> asyncio.Task[None]:
        """Run ``work`` in the background of this process, logging (not losing) its failure."""

        async def guarded() -> None:
            try:
                await work
            except asyncio.CancelledError:
                raise
            except Exception:
                logging.getLogger("market.background").exception("background work failed: %s", what)

        task = asyncio.get_running_loop().create_task(guarded())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    def coalesce(self, key: str, delay: float, work: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Run ``work()`` once, ``delay`` seconds from now, however often this is asked for ``key``
        meanwhile: one write or one live event for a burst of requests instead of one each."""
        if key in self.coalescing:
            return
        self.coalescing.add(key)

        async def later() -> None:
            try:
                await asyncio.sleep(delay)
            finally:
                self.coalescing.discard(key)
            await work()

        self.spawn(later(), key)

    async def stop_background(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    def announce(self, channel: str, event: dict[str, Any]) -> None:
        """Tell live pages about a change. Call it after the change is committed, never inside."""
        self.events(channel, event)

    async def send_mail(self, recipient: str, subject: str, body: str) -> None:
        await self.mail_sender(recipient, subject, body, self.now())
