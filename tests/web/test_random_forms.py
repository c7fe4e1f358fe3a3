"""Random portal forms, valid and invalid, posted to every form route of the portal with a CSRF
token, by every kind of user (so each route is also posted by the role it is meant for): never a
server error. Values include NUL and other control characters, digits that are not ASCII, dates
no calendar reaches, huge numbers, long text and files of any kind. ``MARKET_FORM_EXAMPLES``
raises the bound (``make fuzz``)."""

from __future__ import annotations

import datetime as dt
import os
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from market.domain.organisations import OrganisationKind as K
from market.settings import PROJECT_ROOT
from tests.conftest import api_token_for, client_for
from tests.factories import PASSWORD, organisation_with_admin
from tests.helpers import csrf_from, portal_login, published_rfq

EXAMPLES = int(os.environ.get("MARKET_FORM_EXAMPLES", "120"))
ROLES = ["visitor", "sme", "buyer", "agency", "operator"]
# Every field name a portal template offers, and a few no form has.
FIELDS = sorted(
    {
        name
        for path in (PROJECT_ROOT / "templates").rglob("*.html")
        for name in re.findall(r'name="([a-z_0-9]+)"', path.read_text())
        if name != "_csrf_token"
    }
    | {"unknown", "step", "price_0", "next"}
)
SKIP = {"/logout"}  # would sign the test's client out: nothing to find there


def form_routes(app: Any) -> list[str]:
    """Every path of the portal that takes a form (POST), as written in the router."""
    found = []
    for route in app.routes:
        if route.path.startswith(("/api", "/static")) or route.path in SKIP:
            continue
        for handler in getattr(route, "route_handlers", []):
            if "POST" in handler.http_methods:
                found.append(route.path)
    return sorted(set(found))


UNICODE_DIGITS = ["²", "٣", "১২", "１２"]
VALUES = st.one_of(
    st.sampled_from(
        [
            "",
            "0",
            "-1",
            "10",
            "12.50",
            "1e400",
            "NaN",
            "9" * 40,
            "2026-12-31",
            "9999-12-31",
            "0001-01-01",
            "2026-02-30",
            "yes",
            "on",
            "L2",
            "AR",
            "USD",
            "small",
            "iso_9001",
            "sme@demo.market",
            "x" * 5000,
            "a\x00b",
            "\x1b[31m",
            "=HYPERLINK(1)",
            str(uuid.uuid4()),
            *UNICODE_DIGITS,
        ]
    ),
    st.text(max_size=60),
    st.integers().map(str),
    st.dates(min_value=dt.date(1, 1, 1)).map(dt.date.isoformat),
)
FORMS = st.dictionaries(st.sampled_from(FIELDS), st.one_of(VALUES, st.lists(VALUES, max_size=3)), max_size=12)
FILES = st.one_of(
    st.none(),
    st.tuples(
        st.sampled_from(["file", "attachments"]),
        st.sampled_from(["a.pdf", "отчёт.pdf", "smes.csv", "x.png", "", "a\x00b.pdf"]),
        st.one_of(
            st.binary(max_size=200),
            st.sampled_from([b"%PDF-1.4\n", b"legal_name,country,tax_id\n=1,AR,x\n", b"\x89PNG\r\n\x1a\n"]),
        ),
    ),
)


@pytest.fixture
async def portal(app, ctx, clock) -> AsyncIterator[dict[str, Any]]:
    """A client per kind of user (signed in, with its CSRF token) and ids that exist."""
    agency, agency_admin = await organisation_with_admin(ctx, K.SUPPORT_AGENCY)
    sme, sme_admin = await organisation_with_admin(ctx, onboarded_by=str(agency["id"]))
    buyer_org, buyer = await organisation_with_admin(ctx, K.LEAD_FIRM)
    _, operator = await organisation_with_admin(ctx, K.PLATFORM_OPERATOR)
    async with client_for(app, "198.51.100.200") as api:
        rfq = await published_rfq(
            api, await api_token_for(ctx, buyer), clock() + dt.timedelta(days=5), "Discs"
        )
    users = {"sme": sme_admin, "buyer": buyer, "agency": agency_admin, "operator": operator}
    clients: dict[str, Any] = {}
    tokens: dict[str, str] = {}
    for n, role in enumerate(ROLES):
        client = client_for(app, f"198.51.100.{210 + n}")
        await client.__aenter__()
        clients[role] = client
        if role in users:
            now = clock.current
            await portal_login(client, users[role]["email"], PASSWORD)
            clock.current = now
            tokens[role] = csrf_from((await client.get("/organisation")).text)
        else:
            tokens[role] = csrf_from((await client.get("/login")).text)
    ids = [str(rfq["id"]), str(sme["id"]), str(agency["id"]), str(buyer_org["id"]), str(uuid.uuid4()), "x"]
    try:
        yield {"clients": clients, "tokens": tokens, "ids": ids, "routes": form_routes(app)}
    finally:
        for client in clients.values():
            await client.__aexit__(None, None, None)


@given(data=st.data())
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
    derandomize=True,
)
async def test_random_forms_never_get_a_server_error(portal: dict[str, Any], data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(portal["routes"]), label="route")
    role = data.draw(st.sampled_from(ROLES), label="role")
    url = re.sub(r"\{[a-z_]+:str\}", lambda _: data.draw(st.sampled_from(portal["ids"])), path)
    form = data.draw(FORMS, label="form")
    upload = data.draw(FILES, label="file")
    files = {upload[0]: (upload[1], upload[2], "application/octet-stream")} if upload else None
    response = await portal["clients"][role].post(
        url, data={**form, "_csrf_token": portal["tokens"][role]}, files=files
    )
    assert response.status_code < 500, (url, role, form, response.text[-800:])
    assert response.status_code != 403 or "form has expired" not in response.text  # the CSRF token held
