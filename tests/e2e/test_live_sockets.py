"""The live websockets of a real server (the ``websockets`` client, no browser): who may connect,
what a page gets on (re)connecting, and that an event follows a change made elsewhere."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import re
import uuid
from typing import Any

import httpx
import websockets
from websockets.exceptions import InvalidStatus

from tests.e2e.conftest import DEMO_PASSWORD
from tests.helpers import csrf_from

OPEN_RFQ = "Ventilated brake discs for the 2027 platform"


def signed_in_client(base: str, email: str) -> httpx.Client:
    client = httpx.Client(base_url=base)
    form = client.get("/login")
    response = client.post(
        "/login",
        data={
            "email": email,
            "password": DEMO_PASSWORD,
            "next": "/organisation",
            "_csrf_token": csrf_from(form.text),
        },
    )
    assert response.status_code == 303, response.text
    return client


def rfq_id(client: httpx.Client, title: str) -> str:
    board = client.get("/rfqs").text
    match = re.search(r'href="/rfqs/([0-9a-f-]{36})">' + re.escape(title), board)
    assert match, f"{title} not on the board"
    return match.group(1)


def fresh_open_rfq(buyer: httpx.Client, title: str) -> tuple[str, httpx.Client]:
    """The signed-in buyer makes an API token on its page, then posts and publishes an RFQ for
    bolts through the API: its id, and the buyer's API client."""
    token = buyer.post(
        "/tokens",
        data={"name": f"live {uuid.uuid4().hex[:6]}", "_csrf_token": csrf_from(buyer.get("/tokens").text)},
    )
    secret = re.search(r"(mkt_[A-Za-z0-9_\-]+)", token.text)
    assert secret, "token page shows the new secret once"
    api = httpx.Client(base_url=buyer.base_url, headers={"Authorization": f"Bearer {secret.group(1)}"})
    body = {
        "title": title,
        "currency": "USD",
        "deadline": (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).isoformat(),
        "items": [{"description": "Bolts", "quantity": "100", "unit": "pieces"}],
    }
    created = api.post("/api/v1/rfqs", json=body)
    assert created.status_code == 201, created.text
    assert api.post(f"/api/v1/rfqs/{created.json()['id']}/publish").status_code == 200
    return str(created.json()["id"]), api


def bid_form(page: str, price: str) -> dict[str, str]:
    """The bid form of an RFQ page filled in: every item at ``price``."""
    form = {
        "_csrf_token": csrf_from(page),
        "idempotency_key": re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1),
        "lead_time_days": "12",
        "validity_days": "30",
        "notes": "secret-note-7731",
    }
    for item in re.findall(r'name="(price_[0-9a-f-]{36})"', page):
        form[item] = price
    return form


def socket_url(base: str, path: str) -> str:
    return base.replace("http://", "ws://") + path


def cookie_header(client: httpx.Client) -> str:
    return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


async def next_event(socket: Any, kind: str, within: float = 10) -> dict[str, Any]:
    async def wait() -> dict[str, Any]:
        while True:
            event = json.loads(await socket.recv())
            if event["type"] == kind:
                return event

    return await asyncio.wait_for(wait(), within)


def test_handshakes_from_elsewhere_or_without_a_session_are_refused(live_server: str) -> None:
    sme = signed_in_client(live_server, "sme@demo.market")
    target = socket_url(live_server, f"/live/rfqs/{rfq_id(sme, OPEN_RFQ)}")
    host = live_server.removeprefix("http://")

    async def status_of(headers: dict[str, str]) -> int:
        try:
            async with websockets.connect(target, additional_headers=headers, origin=None) as socket:
                await socket.recv()
        except InvalidStatus as refusal:
            return int(refusal.response.status_code)
        return 101

    cookies = cookie_header(sme)
    assert asyncio.run(status_of({"Cookie": cookies, "Origin": "https://evil.example"})) == 403
    assert asyncio.run(status_of({"Cookie": cookies, "Origin": f"http://{host}.evil.example"})) == 403
    assert asyncio.run(status_of({"Cookie": cookies})) == 403  # no Origin at all
    assert asyncio.run(status_of({"Origin": f"http://{host}"})) == 403  # not signed in
    # the same person from this site is let in
    assert asyncio.run(status_of({"Cookie": cookies, "Origin": f"http://{host}"})) == 101


def test_state_on_connect_live_bid_count_and_missed_answers(live_server: str) -> None:
    """The buyer's page hears the count of bids as they arrive; another supplier's page hears
    nothing when a firm bids (who has bid is sealed until the opening)."""
    watcher = signed_in_client(live_server, "sme.br@demo.market")
    buyer = signed_in_client(live_server, "buyer@demo.market")
    origin = {"Origin": live_server}
    as_watcher = {"Cookie": cookie_header(watcher), **origin}
    as_buyer = {"Cookie": cookie_header(buyer), **origin}

    target_id, api = fresh_open_rfq(buyer, "Live socket test RFQ")
    bidder = signed_in_client(live_server, "sme@demo.market")

    url = socket_url(live_server, f"/live/rfqs/{target_id}?answers=0")

    async def watch_a_bid() -> tuple[dict[str, Any], list[dict[str, Any]]]:
        async with (
            websockets.connect(url, additional_headers=as_buyer) as buyer_socket,
            websockets.connect(url, additional_headers=as_watcher) as other_socket,
        ):
            state = await next_event(buyer_socket, "state")
            assert state["status"] == "published" and state["bids"] == 0
            others = await next_event(other_socket, "state")
            assert others["status"] == "published" and "bids" not in others
            page = (await asyncio.to_thread(bidder.get, f"/rfqs/{target_id}")).text
            form = bid_form(page, "4321.77")
            submitted = await asyncio.to_thread(bidder.post, f"/rfqs/{target_id}/bid", data=form)
            assert submitted.status_code == 201, submitted.text[:500]
            counted = await next_event(buyer_socket, "bids")
            heard = []
            with contextlib.suppress(TimeoutError):
                while True:
                    heard.append(json.loads(await asyncio.wait_for(other_socket.recv(), 1.5)))
            return counted, heard

    async def reconnect() -> tuple[dict[str, Any], dict[str, Any]]:
        async with websockets.connect(url, additional_headers=as_watcher) as socket:
            return await next_event(socket, "state"), await next_event(socket, "answer")

    bids, heard_by_others = asyncio.run(watch_a_bid())
    assert heard_by_others == []
    # a question answered while nobody watches is caught up on the next connection
    question = bidder.post(
        f"/rfqs/{target_id}/questions",
        data={
            "question": "Which steel grade?",
            "_csrf_token": csrf_from(bidder.get(f"/rfqs/{target_id}").text),
        },
    )
    assert question.status_code in (200, 303)
    question_id = api.get(f"/api/v1/rfqs/{target_id}/questions").json()["items"][0]["id"]
    answered = api.post(
        f"/api/v1/rfqs/{target_id}/questions/{question_id}/answer", json={"answer": "SAE 1045."}
    )
    assert answered.status_code == 200
    state, answer = asyncio.run(reconnect())
    assert bids == {"type": "bids", "count": 1}
    assert "bids" not in state and state["answers"] == 1  # sealed for another supplier
    assert answer["question"] == "Which steel grade?" and answer["answer"] == "SAE 1045."
    everything = json.dumps([bids, state, answer])
    assert "4321" not in everything and "secret-note" not in everything


def test_members_see_the_confirmations_of_the_joint_bid_arrive(fresh_server: str) -> None:
    """The demo's forming consortium: the invited firm joins, the lead sends the joint bid, and
    the lead's page hears the member's confirmation as it happens; nobody else may listen."""
    lead = signed_in_client(fresh_server, "sme@demo.market")
    partner = signed_in_client(fresh_server, "sme.br@demo.market")
    rfq = rfq_id(lead, "Armchair frames and leather covers")
    found = re.search(r'href="(/consortia/[0-9a-f-]{36})"', lead.get(f"/rfqs/{rfq}").text)
    assert found
    team = found.group(1)
    target = socket_url(fresh_server, "/live" + team)
    origin = {"Origin": fresh_server}

    async def refused(client: httpx.Client) -> bool:
        try:
            async with websockets.connect(
                target, additional_headers={"Cookie": cookie_header(client), **origin}
            ):
                return False
        except InvalidStatus as refusal:
            return refusal.response.status_code == 403

    assert asyncio.run(refused(partner))  # invited, not yet a member: no live view
    invitation = partner.get(team).text
    joined = partner.post(
        f"{team}/answer",
        data={"answer": "accept", "liability_accepted": "yes", "_csrf_token": csrf_from(invitation)},
    )
    assert joined.status_code == 303
    form = lead.get(team).text
    fields = {name: "12.00" for name in re.findall(r'name="(price_[0-9a-f-]+)"', form)}
    key = re.search(r'name="idempotency_key" value="([^"]+)"', form)
    assert fields and key
    fields |= {"lead_time_days": "20", "validity_days": "30", "idempotency_key": key.group(1)}
    sent = lead.post(f"{team}/bid", data={**fields, "_csrf_token": csrf_from(form)})
    assert sent.status_code == 201, sent.text
    sha = re.search(r"SHA-256 <code class=\"code\">([0-9a-f]{64})", sent.text)
    assert sha

    async def watch() -> None:
        headers = {"Cookie": cookie_header(lead), **origin}
        async with websockets.connect(target, additional_headers=headers) as socket:
            first = await next_event(socket, "confirmations")
            assert first["sha256"] == sha.group(1) and len(first["confirmed"]) == 1 and not first["counts"]
            review = partner.get(team).text
            confirmed = partner.post(
                f"{team}/confirm", data={"sha256": sha.group(1), "_csrf_token": csrf_from(review)}
            )
            assert confirmed.status_code == 303
            event = await next_event(socket, "confirmations")
            assert len(event["confirmed"]) == 2 and event["counts"]
            assert "12.00" not in json.dumps(event)  # live events carry who, never the prices

    asyncio.run(watch())


def test_a_socket_that_floods_or_sends_big_messages_is_closed(live_server: str) -> None:
    """Pages send nothing; a few small keep-alives are fine, a message over 256 bytes or more than
    10 in 10 seconds closes the socket (policy violation)."""
    sme = signed_in_client(live_server, "sme@demo.market")
    target = socket_url(live_server, f"/live/rfqs/{rfq_id(sme, OPEN_RFQ)}")
    headers = {"Cookie": cookie_header(sme), "Origin": live_server}

    async def close_code(messages: list[str], wait: float = 5) -> int | None:
        async with websockets.connect(target, additional_headers=headers) as socket:
            await next_event(socket, "state")
            try:
                for message in messages:
                    await socket.send(message)
                await asyncio.wait_for(socket.wait_closed(), wait)
            except (websockets.ConnectionClosed, TimeoutError):
                pass
            return socket.close_code

    assert asyncio.run(close_code(["ping"] * 3, wait=1.5)) is None  # still open after a few keep-alives
    assert asyncio.run(close_code(["x" * 257])) == 1008
    assert asyncio.run(close_code(["ping"] * 11)) == 1008
