"""One error shape for every API error: ``{"code", "message", "fields": [{"field", "code", "message"}]}``.

Domain error kinds map to HTTP statuses here and nowhere else.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.status_codes import (
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_429_TOO_MANY_REQUESTS,
    HTTP_500_INTERNAL_SERVER_ERROR,
)

from market.domain.errors import N_, DomainError, ErrorKind
from market.i18n import gettext

log = logging.getLogger("market.errors")

STATUS_BY_KIND = {
    ErrorKind.INVALID: HTTP_422_UNPROCESSABLE_ENTITY,
    ErrorKind.UNAUTHENTICATED: HTTP_401_UNAUTHORIZED,
    ErrorKind.FORBIDDEN: HTTP_403_FORBIDDEN,
    ErrorKind.NOT_FOUND: HTTP_404_NOT_FOUND,
    ErrorKind.CONFLICT: HTTP_409_CONFLICT,
    ErrorKind.THROTTLED: HTTP_429_TOO_MANY_REQUESTS,
}

HTTP_CODES = {
    400: ("request.bad", N_("The request is malformed.")),
    401: ("auth.required", N_("Sign in first: send your API token as 'Authorization: Bearer <token>'.")),
    403: ("auth.forbidden", N_("You may not do this.")),
    404: ("not_found", N_("Not found.")),
    405: ("request.method_not_allowed", N_("This method is not allowed here.")),
    409: ("conflict", N_("This conflicts with the current state.")),
    413: ("request.too_large", N_("The request is too large.")),
    415: ("request.unsupported_media_type", N_("Send JSON.")),
    429: ("request.too_many", N_("Too many requests; slow down.")),
}


def error_body(code: str, message: str, fields: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "fields": fields or []}


def domain_error_response(error: DomainError) -> Response[dict[str, Any]]:
    fields = [
        {"field": f.field, "code": f.code, "message": gettext(f.message, **f.params)}
        | ({"action": gettext(f.action)} if f.action else {})
        for f in error.fields
    ]
    headers = {}
    if error.kind is ErrorKind.THROTTLED and "seconds" in error.params:
        headers["retry-after"] = str(error.params["seconds"])
    return Response(
        error_body(error.code, gettext(error.message, **error.params), fields),
        status_code=STATUS_BY_KIND[error.kind],
        headers=headers,
    )


def _validation_fields(error: ValidationException) -> list[dict[str, str]]:
    fields = []
    for item in error.extra if isinstance(error.extra, list) else []:
        if isinstance(item, dict):
            fields.append(
                {
                    "field": str(item.get("key") or ""),
                    "code": "request.field_invalid",
                    "message": str(item.get("message") or ""),
                }
            )
    return fields


def api_exception_response(request: Request[Any, Any, Any], error: Exception) -> Response[dict[str, Any]]:
    """Turn any exception raised under /api into the one error shape."""
    if isinstance(error, DomainError):
        return domain_error_response(error)
    if isinstance(error, ValidationException):
        return Response(
            error_body(
                "request.invalid", gettext("Some fields need your attention."), _validation_fields(error)
            ),
            status_code=HTTP_422_UNPROCESSABLE_ENTITY,
        )
    if isinstance(error, NotAuthorizedException):
        code, message = HTTP_CODES[401]
        return Response(
            error_body(code, gettext(message)),
            status_code=HTTP_401_UNAUTHORIZED,
            headers={"www-authenticate": "Bearer"},
        )
    if isinstance(error, PermissionDeniedException):
        code, message = HTTP_CODES[403]
        return Response(error_body(code, gettext(message)), status_code=HTTP_403_FORBIDDEN)
    if isinstance(error, HTTPException) and error.status_code < 500:
        code, message = HTTP_CODES.get(
            error.status_code, ("request.error", N_("The request could not be served."))
        )
        return Response(
            error_body(code, gettext(message)), status_code=error.status_code, headers=error.headers
        )
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
    return Response(
        error_body(
            "internal_error",
            gettext("Something went wrong on our side. Try again; if it happens again, tell us."),
        ),
        status_code=HTTP_500_INTERNAL_SERVER_ERROR,
    )
