"""A consortium's live socket lives no longer than the firm's membership: when the firm leaves or
the lead removes it, its people's sockets on that consortium close within seconds (code 4403, so
the page stops reconnecting), while the other members' stay open. Real servers, real sockets."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable

import httpx
import websockets

from tests.e2e.test_live_sockets import cookie_header, next_event, rfq_id, signed_in_client, socket_url
from tests.e2e.test_socket_sessions import refused
from tests.helpers import csrf_from

ACCESS_ENDED = 4403
WITHIN = 8.0  # seconds: "within seconds", with room for a slow machine


def joined_consortium(base: str) -> tuple[httpx.Client, httpx.Client, str]:
    """The demo's forming consortium with the invited firm joined: lead, partner, its page path."""
    lead = signed_in_client(base, "sme@demo.market")
    partner = signed_in_client(base, "sme.br@demo.market")
    rfq = rfq_id(lead, "Armchair frames and leather covers")
    found = re.search(r'href="(/consortia/[0-9a-f-]{36})"', lead.get(f"/rfqs/{rfq}").text)
    assert found
    team = found.group(1)
    invitation = partner.get(team).text
    joined = partner.post(
        f"{team}/answer",
        data={"answer": "accept", "liability_accepted": "yes", "_csrf_token": csrf_from(invitation)},
    )
    assert joined.status_code == 303
    return lead, partner, team


def watch_membership_end(
    url: str, leaving: dict[str, str], staying: dict[str, str], end: Callable[[], None]
) -> tuple[int | None, float, bool]:
    """Open the leaving firm's and a staying firm's sockets, run ``end``: the leaving socket's close
    code, how long it took, and whether the staying one is still open."""

    async def run() -> tuple[int | None, float, bool]:
        async with (
            websockets.connect(url, additional_headers=staying) as other,
            websockets.connect(url, additional_headers=leaving) as socket,
        ):
            await next_event(other, "confirmations")
            await next_event(socket, "confirmations")
            await asyncio.to_thread(end)
            started = time.monotonic()
            code: int | None = None
            try:
                while True:
                    await asyncio.wait_for(socket.recv(), WITHIN)
            except websockets.ConnectionClosed:
                code = socket.close_code
            except TimeoutError:
                return None, WITHIN, False
            took = time.monotonic() - started
            await other.send("ping")
            await asyncio.sleep(1.5)
            return code, took, other.close_code is None

    return asyncio.run(run())


def test_a_removed_firms_socket_closes_and_stays_closed(fresh_server: str) -> None:
    lead, partner, team = joined_consortium(fresh_server)
    url = socket_url(fresh_server, "/live" + team)
    origin = {"Origin": fresh_server}
    partner_headers = {"Cookie": cookie_header(partner), **origin}
    lead_headers = {"Cookie": cookie_header(lead), **origin}
    page = lead.get(team).text
    member = re.search(r'name="organisation" value="([0-9a-f-]{36})"', page)
    assert member

    def remove() -> None:
        done = lead.post(
            f"{team}/leave", data={"organisation": member.group(1), "_csrf_token": csrf_from(page)}
        )
        assert done.status_code == 303

    code, took, lead_open = watch_membership_end(url, partner_headers, lead_headers, remove)
    assert code == ACCESS_ENDED and took < WITHIN
    assert lead_open  # the lead's socket still stands
    assert refused(url, partner_headers)


def test_a_firm_that_leaves_stops_hearing_the_joint_bid(fresh_server: str) -> None:
    lead, partner, team = joined_consortium(fresh_server)
    url = socket_url(fresh_server, "/live" + team)
    origin = {"Origin": fresh_server}
    partner_headers = {"Cookie": cookie_header(partner), **origin}
    lead_headers = {"Cookie": cookie_header(lead), **origin}

    def leave() -> None:
        page = partner.get(team).text
        assert partner.post(f"{team}/leave", data={"_csrf_token": csrf_from(page)}).status_code == 303

    code, took, lead_open = watch_membership_end(url, partner_headers, lead_headers, leave)
    assert code == ACCESS_ENDED and took < WITHIN
    assert lead_open
    assert refused(url, partner_headers)
