"""A live socket lives no longer than the session it was opened under (trust 13): logging out,
logging in anew over it, the account disabled, or the session expiring closes it within seconds
(code 4401, so the page stops reconnecting). Real servers, real sockets; across processes in
test_multiprocess.py."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable

import httpx
import websockets
from websockets.exceptions import InvalidStatus

from tests.e2e.conftest import TimedServer
from tests.e2e.test_live_sockets import (
    OPEN_RFQ,
    cookie_header,
    next_event,
    rfq_id,
    signed_in_client,
    socket_url,
)
from tests.helpers import csrf_from

SESSION_ENDED = 4401
WITHIN = 8.0  # seconds: "within seconds", with room for a slow machine


def logout(client: httpx.Client) -> None:
    page = client.get("/organisation")
    assert client.post("/logout", data={"_csrf_token": csrf_from(page.text)}).status_code == 303


async def closed_after(
    url: str, headers: dict[str, str], end: Callable[[], None]
) -> tuple[int | None, float]:
    """Open a socket, check it is live, run ``end`` (elsewhere), and wait for the server to close
    the socket: the close code and how long it took."""
    async with websockets.connect(url, additional_headers=headers) as socket:
        await next_event(socket, "state")
        await asyncio.to_thread(end)
        started = time.monotonic()
        try:
            while True:
                await asyncio.wait_for(socket.recv(), WITHIN)
        except websockets.ConnectionClosed:
            pass
        except TimeoutError:
            return None, WITHIN
        return socket.close_code, time.monotonic() - started


def refused(url: str, headers: dict[str, str]) -> bool:
    async def attempt() -> bool:
        try:
            async with websockets.connect(url, additional_headers=headers):
                return False
        except InvalidStatus as refusal:
            return refusal.response.status_code == 403

    return asyncio.run(attempt())


def test_logout_closes_the_sockets_of_that_session_only(live_server: str) -> None:
    leaving = signed_in_client(live_server, "sme.br@demo.market")
    staying = signed_in_client(live_server, "sme.br@demo.market")  # the same person elsewhere
    url = socket_url(live_server, f"/live/rfqs/{rfq_id(staying, OPEN_RFQ)}")
    leaving_headers = {"Cookie": cookie_header(leaving), "Origin": live_server}
    staying_headers = {"Cookie": cookie_header(staying), "Origin": live_server}

    async def both() -> tuple[tuple[int | None, float], bool]:
        async with websockets.connect(url, additional_headers=staying_headers) as other:
            await next_event(other, "state")
            code = await closed_after(url, leaving_headers, lambda: logout(leaving))
            await other.send("ping")  # the other session's socket still stands
            await asyncio.sleep(1.5)
            return code, other.close_code is None

    (code, took), other_open = asyncio.run(both())
    assert code == SESSION_ENDED and took < WITHIN
    assert other_open
    assert refused(url, leaving_headers)  # and the ended session cannot open a new one


def test_a_board_socket_closes_when_the_account_is_disabled(fresh_server: str) -> None:
    admin = signed_in_client(fresh_server, "buyer@demo.market")
    member = signed_in_client(fresh_server, "buyer.member@demo.market")
    org = re.search(r'href="/organisations/([0-9a-f-]{36})/people"', admin.get("/organisation").text)
    assert org
    people = admin.get(f"/organisations/{org.group(1)}/people").text
    row = re.search(r"buyer\.member@demo\.market</td>.*?action=\"(/people/[0-9a-f-]{36})\"", people, re.S)
    assert row
    headers = {"Cookie": cookie_header(member), "Origin": fresh_server}

    def disable() -> None:
        done = admin.post(row.group(1), data={"action": "disable", "_csrf_token": csrf_from(people)})
        assert done.status_code == 303

    async def watch() -> tuple[int | None, float]:
        async with websockets.connect(
            socket_url(fresh_server, "/live/board"), additional_headers=headers
        ) as socket:
            await asyncio.to_thread(disable)
            started = time.monotonic()
            try:
                while True:
                    await asyncio.wait_for(socket.recv(), WITHIN)
            except websockets.ConnectionClosed:
                return socket.close_code, time.monotonic() - started
            except TimeoutError:
                return None, WITHIN

    code, took = asyncio.run(watch())
    assert code == SESSION_ENDED and took < WITHIN


def test_a_socket_closes_when_its_session_expires(timed_server: TimedServer) -> None:
    base = timed_server.base
    watcher = signed_in_client(base, "sme.br@demo.market")
    url = socket_url(base, f"/live/rfqs/{rfq_id(watcher, OPEN_RFQ)}")
    headers = {"Cookie": cookie_header(watcher), "Origin": base}
    # the timed server's sessions last 72 hours; its clock jumps 73 ahead while the socket is open
    code, took = asyncio.run(closed_after(url, headers, lambda: timed_server.advance(73 * 3600)))
    assert code == SESSION_ENDED and took < WITHIN
