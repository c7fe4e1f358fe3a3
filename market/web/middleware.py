"""Per-request plumbing shared by both doors: who is signed in, which language, security headers.

* ``/api`` requests authenticate with ``Authorization: Bearer <token>`` only; a token (or any
  credential-looking parameter) in the query string is refused, so secrets never sit in URLs
  and logs.
* Portal requests authenticate with the server-side session cookie.
* The language is the signed-in user's choice, else the ``lang`` cookie, else Accept-Language.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl

from litestar.datastructures import MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from market.i18n import LANGUAGES, negotiate, reset_language, set_language
from market.services import accounts
from market.services.context import ServiceContext

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


async def _send_json(send: Send, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"application/json"), *((k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class RequestContextMiddleware:
    """Resolve the user and language for each request and add security headers to responses."""

    def __init__(self, app: ASGIApp, ctx: ServiceContext) -> None:
        self.app = app
        self.ctx = ctx

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        is_api = path.startswith("/api/")
        signed_in = None
        if is_api:
            query = scope.get("query_string", b"").decode("latin-1")
            if any(name.lower() in URL_SECRET_PARAMS for name, _ in parse_qsl(query)):
                await _send_json(
                    send,
                    400,
                    b'{"code":"auth.token_in_url","message":"Send the API token in the Authorization header, '
                    b'never in the URL.","fields":[]}',
                )
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

        language = ""
        if signed_in is not None:
            language = signed_in.user.get("locale") or ""
        if language not in LANGUAGES:
            language = _cookies(scope).get(LANGUAGE_COOKIE, "")
        if language not in LANGUAGES:
            language = negotiate(_header(scope, b"accept-language"), self.ctx.settings.default_locale)
        scope.setdefault("state", {})["language"] = language
        token = set_language(language)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
                if signed_in is not None and "cache-control" not in headers:
                    headers["cache-control"] = "no-store"
                headers["content-language"] = language
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            reset_language(token)


def client_address(scope: Any) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"
