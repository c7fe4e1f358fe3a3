"""Websocket fan-out: C clients watch one RFQ page live; how long until a new bid's count reaches
them all.

Starts ``python -m market serve`` on a fresh SQLite database, opens C websockets to
``/live/rfqs/{id}`` (one signed-in session, as C browser tabs would), then sends R bids one after
another over HTTP and times, for every client, from the bid's receipt to the "bids" event carrying
the new count. Prints p50/p99/max over all deliveries. All on 127.0.0.1, bounded in time.

    .venv/bin/python bench/fanout.py [--clients 2000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import secrets
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import websockets
from crash_rush import Server, open_rfq
from deadline_rush import free_port, machine, percentile, prepare, tables_on

from market.db.tables import AppUser, UserSession
from market.services.accounts import digest
from market.settings import Settings


async def watcher_cookie(settings: Settings) -> str:
    """A session for the prepared buyer (the watcher: before the opening the count of bids is the
    buyer's alone): the cookie value."""
    async with tables_on(settings):
        user = await AppUser.select(AppUser.id).where(AppUser.email == "rush0@bench.example.com").first()
        cookie = secrets.token_urlsafe(32)
        now = dt.datetime.now(dt.UTC)
        await UserSession.insert(
            UserSession(
                id=digest(cookie), user=user["id"], created_at=now, expires_at=now + dt.timedelta(hours=2)
            )
        )
    return cookie


async def hear(socket: websockets.ClientConnection, count: int, arrived: list[float]) -> None:
    """Wait on one client for the event that carries ``count`` bids; note when it came."""
    while True:
        event = json.loads(await socket.recv())
        if event.get("type") == "bids" and event.get("count") == count:
            arrived.append(time.perf_counter())
            return


async def fan_out(
    port: int, rfq: str, item: str, cookie: str, tokens: list[str], clients: int, rounds: int
) -> list[float]:
    url = f"ws://127.0.0.1:{port}/live/rfqs/{rfq}"
    headers = {"Cookie": f"market_session={cookie}", "Origin": f"http://127.0.0.1:{port}"}
    sockets = []
    for _ in range(clients):  # connecting one by one keeps the handshakes from timing out
        socket = await websockets.connect(url, additional_headers=headers, max_queue=None, open_timeout=60)
        await socket.recv()  # the state on connecting
        sockets.append(socket)
    delays: list[float] = []
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        for n in range(rounds):
            arrived: list[float] = []

            listening = [asyncio.create_task(hear(s, n + 1, arrived)) for s in sockets]
            body = {"prices": {item: "12.50"}, "lead_time_days": 10, "validity_days": 30}
            sent = await client.post(
                f"/api/v1/rfqs/{rfq}/bid",
                json=body,
                headers={
                    "Authorization": f"Bearer {tokens[n]}",
                    "Idempotency-Key": f"fan-{uuid.uuid4().hex}",
                },
            )
            assert sent.status_code == 201, sent.text
            received = time.perf_counter()
            await asyncio.wait_for(asyncio.gather(*listening), 60)
            delays += [moment - received for moment in arrived]
    for socket in sockets:
        await socket.close()
    return sorted(delays)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(f"{machine()}\n")
    folder = Path(tempfile.mkdtemp(prefix="market-fanout-"))
    url = f"sqlite:///{folder}/fanout.sqlite3"
    settings = Settings(database_url=url)
    buyer, tokens = asyncio.run(prepare(settings, args.rounds + 1))
    cookie = asyncio.run(watcher_cookie(settings))
    server = Server(url, free_port(), 1, {})
    server.start()
    try:
        rfq = asyncio.run(open_rfq(server.port, buyer))
        started = time.perf_counter()
        delays = asyncio.run(
            fan_out(
                server.port, rfq["id"], rfq["items"][0]["id"], cookie, tokens[1:], args.clients, args.rounds
            )
        )
        elapsed = time.perf_counter() - started
    finally:
        server.stop()
    print(
        f"{args.clients} websockets on one RFQ page, one server process, {args.rounds} bids: "
        f"{len(delays)} deliveries, from the bid's receipt to the new count at each client "
        f"p50 {percentile(delays, 0.5):.0f} ms, p99 {percentile(delays, 0.99):.0f} ms, "
        f"max {delays[-1] * 1000:.0f} ms (whole run {elapsed:.0f} s)"
    )


if __name__ == "__main__":
    main()
