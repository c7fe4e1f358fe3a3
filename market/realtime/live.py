"""Websockets that keep RFQ pages and the board current without reloading.

The server only ever sends what the page may already show: status, deadline, the number of bids,
public answers, and that new RFQs were published. Bid contents never travel here. A page that
reconnects says what it has seen (``answers``, ``since``) and gets what it missed first.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from litestar import WebSocket, websocket
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.base import ChannelsBackend
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.di import NamedDependency
from litestar.exceptions import WebSocketDisconnect
from litestar.params import FromPath

from market.domain.errors import DomainError
from market.services import accounts, consortia, rfqs
from market.services.accounts import SignedIn
from market.services.context import ServiceContext

# Pages send nothing but an occasional keep-alive; anything larger or faster ends the socket.
MAX_CLIENT_MESSAGE = 256
#: Pages send nothing; a client may send a few small messages (keep-alives), not a flood.
MAX_CLIENT_MESSAGES = 10
CLIENT_MESSAGE_WINDOW = 10.0  # seconds
POLICY_VIOLATION = 1008
#: The session the socket was opened under ended (logout, account disabled, expiry): the page
#: stops reconnecting, since the handshake would be refused.
SESSION_ENDED = 4401
#: How often a socket compares its session's end with the clock (no query), and how often it asks
#: the database whether the session still stands, in case an announcement of its end was lost.
SESSION_TICK = 1.0  # seconds
SESSION_RECHECK = 60.0  # seconds
#: The right to listen on the channel ended while the session stands (the firm left or was
#: removed from the consortium): the page stops reconnecting, since the handshake would be refused.
ACCESS_ENDED = 4403


@dataclass(frozen=True)
class Access:
    """What keeps a socket's right to listen beyond its session: where the end of that right is
    announced, and how to ask again whether it still stands (in case an announcement was lost)."""

    channels: list[str]
    still_allowed: Callable[[], Awaitable[bool]]


def create_channels(backend: ChannelsBackend | None = None) -> ChannelsPlugin:
    """The event bus between the services and the sockets: in memory for one process, Redis
    when several serve the same site (an event published in one reaches sockets in all)."""
    return ChannelsPlugin(backend=backend or MemoryChannelsBackend(), arbitrary_channels_allowed=True)


def same_origin(socket: WebSocket[Any, Any, Any], public_url: str) -> bool:
    """A browser always sends ``Origin`` with a websocket handshake; it must be this site."""
    origin = socket.headers.get("origin")
    if not origin:
        return False
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https"):
        return False
    allowed = {socket.headers.get("host", ""), urlsplit(public_url).netloc}
    return parts.netloc in allowed


async def _admit(socket: WebSocket[Any, Any, Any], ctx: ServiceContext) -> SignedIn | None:
    """Refuse the handshake (HTTP 403) unless it comes from this site and a signed-in person."""
    signed_in = socket.scope.get("user")
    if (
        not same_origin(socket, ctx.settings.public_url)
        or not isinstance(signed_in, SignedIn)
        or signed_in.session is None  # sockets open under a session only
    ):
        await socket.close(code=POLICY_VIOLATION)
        return None
    return signed_in


async def _listening_ends(
    ctx: ServiceContext,
    channels: ChannelsPlugin,
    signed_in: SignedIn,
    tick: float,
    recheck: float,
    access: Access | None = None,
) -> int:
    """Return, with the code to close the socket with, when the right behind it ends: its session
    (``SESSION_ENDED``) announced ended (logout, login anew, the account disabled: from any
    process, through the event bus), its expiry reached by the clock, or, every ``recheck``
    seconds, the database no longer holding it; or the ``access`` the channel needs beyond the
    session (``ACCESS_ENDED``), announced ended the same way or found gone on a recheck."""
    assert signed_in.session is not None
    watched = [accounts.session_channel(signed_in.session), accounts.user_channel(signed_in.actor.user_id)]
    async with contextlib.AsyncExitStack() as stack:
        ending = await stack.enter_async_context(channels.start_subscription(watched))
        revoking = (
            await stack.enter_async_context(channels.start_subscription(access.channels))
            if access is not None and access.channels
            else None
        )

        async def first_announcement(subscriber: Any, code: int) -> int:
            async for _ in subscriber.iter_events():
                return code
            return code

        announced = [asyncio.ensure_future(first_announcement(ending, SESSION_ENDED))]
        if revoking is not None:
            announced.append(asyncio.ensure_future(first_announcement(revoking, ACCESS_ENDED)))
        try:
            # the first check comes at the first tick: an end announced between the handshake and
            # this subscription is not missed for long
            last_check = time.monotonic() - recheck
            while True:
                done, _ = await asyncio.wait(announced, timeout=tick, return_when=asyncio.FIRST_COMPLETED)
                if done:
                    return min(task.result() for task in done)  # a session's end says the most
                if signed_in.expires_at is not None and ctx.now() >= signed_in.expires_at:
                    return SESSION_ENDED
                if time.monotonic() - last_check >= recheck:
                    last_check = time.monotonic()
                    if not await accounts.still_signed_in(ctx, signed_in):
                        return SESSION_ENDED
                    if access is not None and not await access.still_allowed():
                        return ACCESS_ENDED
        finally:
            for task in announced:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


async def _serve(
    socket: WebSocket[Any, Any, Any],
    channels: ChannelsPlugin,
    ctx: ServiceContext,
    signed_in: SignedIn,
    subscribed: list[str],
    catch_up: Callable[[], Awaitable[list[dict[str, Any]]]],
    access: Access | None = None,
) -> None:
    """Subscribe, then send what the page missed, then relay events until the page goes (or
    sends a message over 256 bytes, or more than 10 in 10 seconds: the socket is closed), or the
    session it was opened under ends (closed with ``SESSION_ENDED`` within a second or so), or the
    ``access`` the channel needs ends (closed with ``ACCESS_ENDED``).

    Subscribing first means nothing falls between the catch-up and the stream; an event that
    arrives in between is sent after it, which pages handle (states and counts simply repeat,
    answers carry their number)."""
    closed = False

    async def send(event: bytes) -> None:
        if not closed:
            await socket.send_text(event.decode())

    ended = asyncio.ensure_future(
        _listening_ends(ctx, channels, signed_in, SESSION_TICK, SESSION_RECHECK, access)
    )
    receiving: asyncio.Future[str] | None = None
    try:
        async with channels.start_subscription(subscribed) as subscriber:
            for event in await catch_up():
                await socket.send_text(json.dumps(event))
            async with subscriber.run_in_background(send):
                recent: deque[float] = deque(maxlen=MAX_CLIENT_MESSAGES)
                while True:
                    receiving = asyncio.ensure_future(socket.receive_text())
                    await asyncio.wait({receiving, ended}, return_when=asyncio.FIRST_COMPLETED)
                    if not receiving.done():  # the session, or the right to listen, ended first
                        closed = True
                        await socket.close(code=ended.result())
                        return
                    try:
                        message = receiving.result()
                    except WebSocketDisconnect:
                        return
                    now = time.monotonic()
                    flooding = len(recent) == MAX_CLIENT_MESSAGES and now - recent[0] < CLIENT_MESSAGE_WINDOW
                    recent.append(now)
                    if len(message) > MAX_CLIENT_MESSAGE or flooding:
                        closed = True
                        await socket.close(code=POLICY_VIOLATION)
                        return
    finally:
        for task in (receiving, ended):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect):
                    await task


def _int(raw: str | None) -> int:
    try:
        return max(0, int(raw or 0))
    except ValueError:
        return 0


@websocket("/live/rfqs/{rfq_id:uuid}")
async def rfq_live(
    socket: WebSocket[Any, Any, Any],
    channels: NamedDependency[ChannelsPlugin],
    ctx: NamedDependency[ServiceContext],
    rfq_id: FromPath[uuid.UUID],
) -> None:
    """An RFQ page: its state now, the answers it missed, then every change as it happens."""
    signed_in = await _admit(socket, ctx)
    if signed_in is None:
        return
    try:
        rfq = await rfqs.get_rfq(signed_in.actor, str(rfq_id))  # drafts stay with their buyer
    except DomainError:
        await socket.close(code=POLICY_VIOLATION)
        return
    await socket.accept()
    seen = _int(socket.query_params.get("answers"))
    buyer = str(rfq["buyer"]) == signed_in.actor.organisation_id  # hears the bid count, sealed to others

    async def catch_up() -> list[dict[str, Any]]:
        return [await rfqs.live_state(ctx, rfq_id, buyer=buyer), *await rfqs.answers_after(rfq_id, seen)]

    subscribed = [rfqs.rfq_channel(rfq_id), *([rfqs.buyer_channel(rfq_id)] if buyer else [])]
    await _serve(socket, channels, ctx, signed_in, subscribed, catch_up)


@websocket("/live/board")
async def board_live(
    socket: WebSocket[Any, Any, Any],
    channels: NamedDependency[ChannelsPlugin],
    ctx: NamedDependency[ServiceContext],
) -> None:
    """The board: how many RFQs were published since the page was made, then each new one."""
    signed_in = await _admit(socket, ctx)
    if signed_in is None:
        return
    await socket.accept()
    try:
        since = dt.datetime.fromisoformat(socket.query_params.get("since", ""))
    except ValueError:
        since = None

    async def catch_up() -> list[dict[str, Any]]:
        if since is None or since.tzinfo is None:
            return []
        now = ctx.now()
        return [{"type": "missed", "count": await rfqs.published_since(since), "at": now.isoformat()}]

    await _serve(socket, channels, ctx, signed_in, [rfqs.BOARD_CHANNEL], catch_up)


@websocket("/live/consortia/{consortium_id:uuid}")
async def consortium_live(
    socket: WebSocket[Any, Any, Any],
    channels: NamedDependency[ChannelsPlugin],
    ctx: NamedDependency[ServiceContext],
    consortium_id: FromPath[uuid.UUID],
) -> None:
    """A consortium's page, for its accepted members: who has confirmed which version of the
    joint bid, now and as each confirmation arrives."""
    signed_in = await _admit(socket, ctx)
    if signed_in is None:
        return
    try:
        await consortia.joint_bid(signed_in.actor, str(consortium_id))  # accepted members only
    except DomainError:
        await socket.close(code=POLICY_VIOLATION)
        return
    await socket.accept()

    async def catch_up() -> list[dict[str, Any]]:
        return [await consortia.confirmation_state(consortium_id)]

    async def still_member() -> bool:
        try:
            await consortia.joint_bid(signed_in.actor, str(consortium_id))
        except DomainError:
            return False
        return True

    # the firm leaving or removed closes the socket at once, in every process
    ending = [consortia.membership_channel(consortium_id, signed_in.actor.organisation_id)]
    channel = [consortia.consortium_channel(consortium_id)]
    await _serve(socket, channels, ctx, signed_in, channel, catch_up, Access(ending, still_member))


LIVE_HANDLERS = [rfq_live, board_live, consortium_live]
