"""Per-request plumbing shared by both doors: who is signed in, which language, security headers.

* ``/api`` requests authenticate with ``Authorization: Bearer <token>`` only; a token (or any
  credential-looking parameter) in the query string is refused, so secrets never sit in URLs
  and logs.
* Portal requests authenticate with the server-side session cookie.
* The language is the signed-in user's choice, else the ``lang`` cookie, else Accept-Language.
"""

from __future__ import annotations

import json
import logging
import time
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl

from litestar import Request
from litestar.datastructures import MutableScopeHeaders
from litestar.exceptions import ClientException, SerializationException
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from market.domain.errors import N_
from market.domain.text import TooDeep, check_text, control_character_error, has_control_characters
from market.i18n import LANGUAGES, gettext, negotiate, reset_language, set_language
from market.logs import REQUEST_ID, request_id_from
from market.services import accounts
from market.services.context import ServiceContext

access = logging.getLogger("market.access")

SESSION_COOKIE = "market_session"
LANGUAGE_COOKIE = "lang"
URL_SECRET_PARAMS = frozenset({"token", "access_token", "api_key", "apikey", "auth", "bearer", "key"})

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}


def _cookies(scope: Scope) -> dict[str, str]:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header is treated as none
                return {}
            return {key: morsel.value for key, morsel in jar.items()}
    return {}


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return str(value.decode("latin-1"))
    return None


async def _send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    headers = [
        (b"content-type", b"application/json"),
        *((k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()),
    ]
    start: Any = {"type": "http.response.start", "status": status, "headers": headers}
    await send(start)
    await send({"type": "http.response.body", "body": json.dumps(body).encode(), "more_body": False})


class RequestContextMiddleware:
    """Resolve the user and language for each request and add security headers to responses."""

    def __init__(self, app: ASGIApp, ctx: ServiceContext) -> None:
        self.app = app
        self.ctx = ctx

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(_header(scope, b"x-request-id"))
        id_token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        status = [0]

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                MutableScopeHeaders.from_message(message)["x-request-id"] = request_id
            await send(message)

        try:
            await self._handle(scope, receive, send_with_id)
        finally:
            if scope["type"] == "http" and access.isEnabledFor(logging.INFO):
                method = str(scope.get("method", ""))
                access.info(
                    "%s %s %s",
                    method,
                    scope["path"],
                    status[0],
                    extra={
                        "method": method,
                        "path": scope["path"],  # never the query string: it may hold what was typed
                        "status": status[0],
                        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    },
                )
            REQUEST_ID.reset(id_token)

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        is_api = path.startswith("/api/")
        signed_in = None
        if is_api:
            query = scope.get("query_string", b"").decode("latin-1")
            if any(name.lower() in URL_SECRET_PARAMS for name, _ in parse_qsl(query)):
                token = set_language(resolve_language(scope, None, self.ctx.settings.default_locale))
                try:
                    message = gettext(N_("Send the API token in the Authorization header, never in the URL."))
                finally:
                    reset_language(token)
                await _send_json(send, 400, {"code": "auth.token_in_url", "message": message, "fields": []})
                return
            authorization = _header(scope, b"authorization") or ""
            if authorization[:7].lower() == "bearer ":
                signed_in = await accounts.resolve_api_token(self.ctx, authorization[7:].strip())
        else:
            cookie = _cookies(scope).get(SESSION_COOKIE)
            if cookie:
                signed_in = await accounts.resolve_session(self.ctx, cookie)
        scope["user"] = signed_in
        scope["auth"] = None

        language = resolve_language(
            scope, signed_in.user.get("locale") if signed_in else None, self.ctx.settings.default_locale
        )
        token = set_language(language)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                if signed_in is not None and "cache-control" not in headers:
                    headers["cache-control"] = "no-store"
                headers["content-language"] = language
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except UnicodeDecodeError as error:
            # Litestar's multipart parser decodes a part without a file name as UTF-8 text, even in
            # the CSRF check before any handler: bytes that are not UTF-8 are the sender's mistake.
            if _raised_parsing_a_form(error):
                raise ClientException("The form is not in UTF-8.") from error
            raise
        finally:
            reset_language(token)


def _raised_parsing_a_form(error: BaseException) -> bool:
    frame = error.__traceback__
    while frame is not None:
        if frame.tb_frame.f_code.co_filename.endswith(("litestar/_multipart.py", "litestar/_parsers.py")):
            return True
        frame = frame.tb_next
    return False


def resolve_language(scope: Scope, chosen: str | None, default: str) -> str:
    """The user's saved choice, else the ``lang`` cookie, else Accept-Language."""
    for candidate in (chosen, _cookies(scope).get(LANGUAGE_COOKIE)):
        if candidate in LANGUAGES:
            return str(candidate)
    return negotiate(_header(scope, b"accept-language"), default)


async def add_security_headers(message: Message, scope: Scope) -> None:
    """``before_send`` hook: every response, including the router's own 404 and 405, gets them."""
    if message["type"] == "http.response.start":
        headers = MutableScopeHeaders.from_message(message)
        for name, value in SECURITY_HEADERS.items():
            if name not in headers:
                headers[name] = value


def client_address(scope: Any) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def refuse_hostile_input(request: Request[Any, Any, Any]) -> None:
    """``before_request`` hook for both doors: the query string, a form or a JSON body with a
    control character in its text (NUL...), or a JSON body nested deeper than any request is, is
    refused with the fields named before a handler reads it (the API answers with the one error
    shape, the portal with a page). What a handler reads afterwards is the parsed value cached
    here: every body is parsed once."""
    query = request.scope.get("query_string", b"")
    if query:
        pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
        bad = [
            "query" if has_control_characters(name) else name
            for name, value in pairs
            if has_control_characters(name) or has_control_characters(value)
        ]
        if bad:
            raise control_character_error(bad)
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return
    content_type = request.content_type[0]
    if content_type in FORM_TYPES:
        form = await request.form()
        bad = [
            "form" if has_control_characters(key) else key
            for key in form
            if has_control_characters(key)
            or any(isinstance(v, str) and has_control_characters(v) for v in form.getall(key))
        ]
        if bad:
            raise control_character_error(bad)
    elif content_type.endswith("json"):
        try:
            data = await request.json()
        except RecursionError:
            raise TooDeep() from None
        except SerializationException:
            return  # malformed JSON: the handler's own parsing refuses it as before
        check_text(data)
