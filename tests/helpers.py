"""Small helpers for driving the portal and the API from tests."""

from __future__ import annotations

import re
from typing import Any

from httpx import Response

CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "page has no CSRF field"
    return match.group(1)


async def post_form(client: Any, page: str, action: str, data: dict[str, Any], **kwargs: Any) -> Response:
    """Open ``page`` (to get the CSRF token as a browser would), then post the form to ``action``."""
    opened = await client.get(page)
    fields = {**data, "_csrf_token": csrf_from(opened.text)}
    response: Response = await client.post(action, data=fields, **kwargs)
    return response


async def portal_login(client: Any, email: str, password: str) -> Response:
    return await post_form(
        client, "/login", "/login", {"email": email, "password": password, "next": "/organisation"}
    )


async def published_rfq(client: Any, token: str, deadline: Any, title: str, **extra: Any) -> dict[str, Any]:
    """Draft and publish an RFQ through the API (one item unless ``items`` is given); its JSON."""
    body = {
        "title": title,
        "currency": "USD",
        "deadline": deadline.isoformat(),
        "items": [{"description": "Part", "quantity": "10", "unit": "pieces"}],
        **extra,
    }
    headers = {"Authorization": f"Bearer {token}"}
    made = await client.post("/api/v1/rfqs", json=body, headers=headers)
    assert made.status_code == 201, made.text
    published = await client.post(f"/api/v1/rfqs/{made.json()['id']}/publish", headers=headers)
    assert published.status_code == 200, published.text
    return dict(published.json())
