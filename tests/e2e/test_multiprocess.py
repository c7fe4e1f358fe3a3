"""Two server processes of one site, as production runs them: PostgreSQL and Redis shared. A page
watching on process A hears of a bid sent to process B; a session made on A works on B; the login
throttle counts failures made on both. Needs the machine's PostgreSQL and Redis: required in CI,
skipped elsewhere when they are not running."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from market.settings import PROJECT_ROOT
from tests.conftest import IN_CI
from tests.e2e.conftest import DEMO_PASSWORD, seeded_database, server_process
from tests.e2e.test_live_sockets import (
    OPEN_RFQ,
    bid_form,
    cookie_header,
    fresh_open_rfq,
    next_event,
    rfq_id,
    signed_in_client,
    socket_url,
)
from tests.e2e.test_socket_membership import ACCESS_ENDED, joined_consortium, watch_membership_end
from tests.e2e.test_socket_sessions import SESSION_ENDED, WITHIN, closed_after, logout
from tests.helpers import csrf_from

pytestmark = pytest.mark.e2e

POSTGRES = os.environ.get("MARKET_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("MARKET_TEST_REDIS", "redis://127.0.0.1:6379/0")


def _reachable() -> str | None:
    """What is missing of PostgreSQL and Redis, or None."""
    import asyncpg
    from redis import Redis
    from redis.exceptions import RedisError

    async def postgres() -> None:
        connection = await asyncpg.connect(POSTGRES, timeout=3)
        await connection.close()

    try:
        asyncio.run(postgres())
    except (OSError, asyncpg.PostgresError) as error:
        return f"PostgreSQL at {POSTGRES} ({error})"
    try:
        Redis.from_url(REDIS, socket_timeout=3).ping()
    except (RedisError, OSError) as error:
        return f"Redis at {REDIS} ({error})"
    return None


@pytest.fixture(scope="module")
def two_processes(worker_id: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    missing = _reachable()
    if missing:
        if IN_CI:
            pytest.fail(f"{missing} is required in CI")
        pytest.skip(f"{missing} is not reachable here")
    folder = tmp_path_factory.mktemp("multi")
    url = seeded_database(f"multi_{worker_id}", folder, POSTGRES)
    shared = {"MARKET_REDIS_URL": REDIS, "MARKET_REDIS_NAMESPACE": f"test_{uuid.uuid4().hex[:12]}"}
    with ExitStack() as stack:
        a = stack.enter_context(server_process(url, folder / "a.log", shared))
        b = stack.enter_context(server_process(url, folder / "b.log", shared))
        yield a, b


def test_a_page_on_one_process_hears_a_bid_sent_to_the_other(two_processes: tuple[str, str]) -> None:
    a, b = two_processes
    for base in (a, b):
        ready = httpx.get(base + "/ready")
        assert ready.status_code == 200 and ready.json()["checks"] == {"database": True, "shared_state": True}
    target, _ = fresh_open_rfq(signed_in_client(b, "buyer@demo.market"), "Two-process RFQ")
    watcher = signed_in_client(a, "buyer@demo.market")  # the count of bids is the buyer's alone
    bidder = signed_in_client(b, "sme@demo.market")
    headers = {"Cookie": cookie_header(watcher), "Origin": a}

    async def watch() -> dict[str, Any]:
        async with websockets.connect(
            socket_url(a, f"/live/rfqs/{target}"), additional_headers=headers
        ) as socket:
            assert (await next_event(socket, "state"))["bids"] == 0
            page = (await asyncio.to_thread(bidder.get, f"/rfqs/{target}")).text
            sent = await asyncio.to_thread(bidder.post, f"/rfqs/{target}/bid", data=bid_form(page, "7.10"))
            assert sent.status_code == 201, sent.text[:300]
            return await next_event(socket, "bids")

    assert asyncio.run(watch())["count"] == 1


def test_a_session_made_on_one_process_works_on_the_other(two_processes: tuple[str, str]) -> None:
    a, b = two_processes
    on_a = signed_in_client(a, "buyer.member@demo.market")
    on_b = httpx.Client(base_url=b, cookies=on_a.cookies)
    page = on_b.get("/organisation")
    assert page.status_code == 200 and "Automotores del Sur" in page.text
    # and a form rendered by one process is accepted by the other (the same CSRF key)
    form = on_a.get("/notifications")
    marked = on_b.post("/notifications/read", data={"_csrf_token": csrf_from(form.text)})
    assert marked.status_code == 303


def test_a_logout_on_one_process_closes_the_socket_on_the_other(two_processes: tuple[str, str]) -> None:
    """The session ends on B; its socket lives on A: the end travels through Redis and A closes
    it within seconds (code 4401)."""
    a, b = two_processes
    on_a = signed_in_client(a, "sme.br@demo.market")
    on_b = httpx.Client(base_url=b, cookies=on_a.cookies)
    target = socket_url(a, f"/live/rfqs/{rfq_id(on_a, OPEN_RFQ)}")
    headers = {"Cookie": cookie_header(on_a), "Origin": a}
    code, took = asyncio.run(closed_after(target, headers, lambda: logout(on_b)))
    assert code == SESSION_ENDED and took < WITHIN


def test_leaving_a_consortium_on_one_process_closes_the_socket_on_the_other(
    two_processes: tuple[str, str],
) -> None:
    """The firm leaves on B; its socket on the consortium lives on A: the end of the membership
    travels through Redis and A closes the socket within seconds (code 4403)."""
    a, b = two_processes
    lead, partner, team = joined_consortium(b)
    on_a = {"Cookie": cookie_header(partner), "Origin": a}
    lead_on_a = {"Cookie": cookie_header(lead), "Origin": a}

    def leave() -> None:
        page = partner.get(team).text
        assert partner.post(f"{team}/leave", data={"_csrf_token": csrf_from(page)}).status_code == 303

    code, took, lead_open = watch_membership_end(socket_url(a, "/live" + team), on_a, lead_on_a, leave)
    assert code == ACCESS_ENDED and took < WITHIN
    assert lead_open


def test_the_login_throttle_counts_failures_on_both(two_processes: tuple[str, str]) -> None:
    a, b = two_processes
    email = "sme.member@demo.market"

    def try_login(base: str, password: str) -> httpx.Response:
        with httpx.Client(base_url=base) as client:
            form = client.get("/login")
            return client.post(
                "/login",
                data={"email": email, "password": password, "_csrf_token": csrf_from(form.text)},
            )

    for _ in range(5):  # the free attempts, all on A; then a wait of 1 s
        assert try_login(a, "not the password").status_code == 401
    time.sleep(1.2)
    # the sixth failure, on B, doubles the wait to 2 s — for both processes: had B counted alone,
    # A (5 failures, the last over a second ago) and B (1 failure) would both let the owner in now
    assert try_login(b, "still not it").status_code == 401
    for base in (a, b):
        blocked = try_login(base, DEMO_PASSWORD)
        assert blocked.status_code == 429 and "Wait" in blocked.text, base


def test_several_workers_refuse_sqlite(tmp_path: Path) -> None:
    """``serve --workers 2`` on SQLite says why it cannot, instead of starting processes that
    would fight over one writer."""
    result = subprocess.run(
        [sys.executable, "-m", "market", "serve", "--workers", "2", "--no-migrate"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "MARKET_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "need PostgreSQL" in result.stderr
