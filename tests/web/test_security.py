"""Security promises of the portal (trust.md 12-18)."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar

from market.db.tables import ALL_TABLES, AppUser, UserSession
from market.domain.errors import DomainError
from market.domain.organisations import OrganisationKind as K
from market.services import accounts
from market.web.middleware import SESSION_COOKIE
from market.web.pages import PAGES
from tests.conftest import api_token_for, bearer, client_for
from tests.factories import PASSWORD, member_of, organisation_with_admin
from tests.helpers import csrf_from, portal_login


async def test_forms_without_csrf_token_are_refused(client, ctx) -> None:
    _, admin = await organisation_with_admin(ctx)
    await client.get("/login")  # the browser has the CSRF cookie, but the form lacks the token
    response = await client.post("/login", data={"email": admin["email"], "password": PASSWORD})
    assert response.status_code == 403
    assert "form has expired" in response.text
    assert await UserSession.count() == 0
    forged = await client.post(
        "/login", data={"email": admin["email"], "password": PASSWORD, "_csrf_token": "forged"}
    )
    assert forged.status_code == 403


async def test_session_id_rotates_at_login_and_logout_ends_it_on_the_server(client, ctx) -> None:
    _, admin = await organisation_with_admin(ctx)
    first = await portal_login(client, admin["email"], PASSWORD)
    assert first.status_code == 303
    old = client.cookies[SESSION_COOKIE]
    second = await portal_login(client, admin["email"], PASSWORD)
    assert second.status_code == 303
    new = client.cookies[SESSION_COOKIE]
    assert new != old
    assert await accounts.resolve_session(ctx, old) is None
    assert await accounts.resolve_session(ctx, new) is not None
    set_cookie = second.headers["set-cookie"].lower()
    assert "httponly" in set_cookie and "samesite=lax" in set_cookie

    page = await client.get("/organisation")
    out = await client.post("/logout", data={"_csrf_token": csrf_from(page.text)})
    assert out.status_code == 303
    assert await accounts.resolve_session(ctx, new) is None
    client.cookies.set(SESSION_COOKIE, new)  # replaying the old cookie does not work
    replay = await client.get("/organisation")
    assert replay.status_code == 303 and replay.headers["location"].startswith("/login")


async def test_a_disabled_users_sessions_end(app: Litestar, ctx) -> None:
    org, admin = await organisation_with_admin(ctx)
    member = await member_of(ctx, org)
    async with (
        client_for(app, "198.51.100.20") as member_browser,
        client_for(app, "198.51.100.21") as admin_browser,
    ):
        await portal_login(member_browser, member["email"], PASSWORD)
        assert (await member_browser.get("/organisation")).status_code == 200
        await portal_login(admin_browser, admin["email"], PASSWORD)
        people = await admin_browser.get(f"/organisations/{org['id']}/people")
        done = await admin_browser.post(
            f"/people/{member['id']}", data={"action": "disable", "_csrf_token": csrf_from(people.text)}
        )
        assert done.status_code == 303
        after = await member_browser.get("/organisation")
        assert after.status_code == 303 and after.headers["location"].startswith("/login")
        assert await UserSession.count().where(UserSession.user == member["id"]) == 0
        again = await portal_login(member_browser, member["email"], PASSWORD)
        assert again.status_code == 401


async def test_password_hash_is_argon2id(ctx) -> None:
    _, admin = await organisation_with_admin(ctx)
    row = await AppUser.select(AppUser.password_hash).where(AppUser.id == admin["id"]).first()
    assert row["password_hash"].startswith("$argon2id$")
    assert PASSWORD not in row["password_hash"]


async def test_throttling_slows_the_attacker_but_lets_the_real_user_in(app: Litestar, ctx, clock) -> None:
    _, victim = await organisation_with_admin(ctx)
    free = ctx.settings.login_throttle_free_attempts
    async with client_for(app, "203.0.113.66") as attacker, client_for(app, "198.51.100.7") as owner:
        for _ in range(free):
            wrong = await portal_login(attacker, victim["email"], "wrong password guess")
            assert wrong.status_code == 401
        await portal_login(attacker, victim["email"], "another wrong guess")
        blocked = await portal_login(attacker, victim["email"], PASSWORD)
        assert blocked.status_code == 429  # even the right password waits: the attacker learns nothing
        assert "Wait" in blocked.text
        # The owner, on their own connection, signs in at once.
        assert (await portal_login(owner, victim["email"], PASSWORD)).status_code == 303
    # From the attacker's address too, once the (capped) wait is over: no lockout.
    clock.advance(seconds=ctx.settings.login_throttle_max_delay_seconds + 1)
    await accounts.authenticate(ctx, victim["email"], PASSWORD, "203.0.113.66")
    # The wait grows with each failure but never beyond the cap.
    for _ in range(30):
        try:
            await accounts.authenticate(ctx, victim["email"], "wrong", "203.0.113.66")
        except DomainError:
            pass
        clock.advance(seconds=ctx.settings.login_throttle_max_delay_seconds + 1)
    await accounts.authenticate(ctx, victim["email"], PASSWORD, "203.0.113.66")


async def test_api_throttle_answers_429_with_retry_after(ctx, clock) -> None:
    _, user = await organisation_with_admin(ctx)
    for _ in range(ctx.settings.login_throttle_free_attempts + 1):
        with pytest.raises(DomainError):
            await accounts.authenticate(ctx, user["email"], "nope nope nope", "192.0.2.1")
    with pytest.raises(DomainError) as caught:
        await accounts.authenticate(ctx, user["email"], PASSWORD, "192.0.2.1")
    assert caught.value.code == "auth.throttled" and caught.value.params["seconds"] >= 1


@pytest.mark.parametrize(
    "path", ["/", "/login", "/static/market.css", "/no-such-page", "/api/v1/me", "/api/schema/openapi.json"]
)
async def test_security_headers_everywhere(client, path: str) -> None:
    response = await client.get(path)
    headers = response.headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"


async def test_signed_in_pages_are_not_cached(client, ctx) -> None:
    _, admin = await organisation_with_admin(ctx)
    await portal_login(client, admin["email"], PASSWORD)
    assert (await client.get("/organisation")).headers["cache-control"] == "no-store"


@pytest.mark.parametrize("name", ["access_token", "token", "api_key"])
async def test_api_token_in_url_is_refused(client, ctx, name: str) -> None:
    _, admin = await organisation_with_admin(ctx)
    token = await api_token_for(ctx, admin)
    response = await client.get(f"/api/v1/me?{name}={token}")
    assert response.status_code == 400
    assert response.json()["code"] == "auth.token_in_url"
    assert (await client.get("/api/v1/me", headers=bearer(token))).status_code == 200


async def test_session_cookie_does_not_authenticate_the_api(client, ctx) -> None:
    """The API takes Bearer tokens only, so a forged cross-site request carries no credential."""
    _, admin = await organisation_with_admin(ctx)
    await portal_login(client, admin["email"], PASSWORD)
    assert (await client.get("/organisation")).status_code == 200
    assert (await client.get("/api/v1/me")).status_code == 401


async def _snapshot(ctx: Any) -> dict[str, Any]:
    """Every row of every table (without the tokens' coarse last-used stamp, which is bookkeeping)."""
    tables = {}
    for table in ALL_TABLES:
        rows = await table.select().order_by(table._meta.primary_key)
        tables[table._meta.tablename] = [
            {k: v for k, v in row.items() if k != "last_used_at"} for row in rows
        ]
    return tables


async def test_no_state_changes_on_get(app: Litestar, client, ctx) -> None:
    """Open every GET route of the app as each kind of user; the database stays the same."""
    _, op_admin = await organisation_with_admin(ctx, K.PLATFORM_OPERATOR)
    agency, agency_admin = await organisation_with_admin(ctx, K.SUPPORT_AGENCY)
    sme, sme_admin = await organisation_with_admin(ctx, onboarded_by=str(agency["id"]))
    users = [op_admin, agency_admin, sme_admin]
    paths = sorted({route.path for route in app.routes if "GET" in getattr(route, "methods", set())})
    for user in users:
        async with client_for(app, "198.51.100.99") as browser:
            await portal_login(browser, user["email"], PASSWORD)
            token = await api_token_for(ctx, user)
            before = await _snapshot(ctx)
            for path in paths:
                concrete = (
                    path.replace("{org_id:uuid}", str(sme["id"]))
                    .replace("{org_id:str}", str(sme["id"]))
                    .replace("{file_path:path}", "market.css")
                )
                response = await browser.get(
                    concrete, headers=bearer(token) if concrete.startswith("/api/") else {}
                )
                assert response.status_code < 500, (concrete, response.text[:300])
            assert await _snapshot(ctx) == before, user["email"]


def test_every_portal_page_is_listed() -> None:
    """New pages must join PAGES so the accessibility and small-screen checks reach them."""
    assert len({p.path for p in PAGES}) == len(PAGES)
    assert {p.who for p in PAGES} <= {None, "sme", "agency", "operator", "buyer"}
