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
