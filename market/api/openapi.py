"""The published OpenAPI document states what the API really answers and accepts: besides each
operation's own success, its errors in the one shape of ``errors.py``; input objects closed to
properties they do not name (the models forbid them: no mass assignment); and every limit the
input models enforce, including those Litestar leaves out (``ge``/``le`` of an optional number, the
``max_length`` of an optional list, which it writes as a string's)."""

from __future__ import annotations

import typing
from typing import Any

import annotated_types as limits
from litestar import Litestar, Request
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.routes import HTTPRoute

from market.api.schemas import ApiError, AtMostEntries, DecimalForm, Input, decimal_text

ERROR_STATUSES = {
    400: "The request is malformed (a body that is not JSON, say).",
    401: "No valid API token was sent.",
    403: "The signed-in user may not do this.",
    404: "Not found, or not visible to this user.",
    405: "This method is not allowed here.",
    409: "This conflicts with the current state (a deadline passed, a step already taken).",
    413: "The request is too large.",
    415: "The body is not of a supported media type.",
    422: "Some fields need attention: each is named with its code and message.",
    429: "Too many requests; the Retry-After header says when to try again.",
}

ERROR_RESPONSES = {
    status: ResponseSpec(data_container=ApiError, description=description, generate_examples=False)
    for status, description in ERROR_STATUSES.items()
}


def document_errors(app: Litestar) -> None:
    """Give every operation under ``/api/v1`` the error responses (before the document is built)."""
    for route in app.routes:
        if isinstance(route, HTTPRoute) and route.path.startswith("/api/v1"):
            for handler in route.route_handlers:
                handler.responses = {**ERROR_RESPONSES, **(handler.responses or {})}


def input_models() -> list[type[Input]]:
    """Every model the API reads a body into (each forbids fields it does not name)."""
    found: list[type[Input]] = []
    pending = list(Input.__subclasses__())
    while pending:
        model = pending.pop()
        found.append(model)
        pending += model.__subclasses__()
    return sorted(found, key=lambda model: model.__name__)


NUMBER_KEYWORDS: dict[type, str] = {limits.Ge: "minimum", limits.Le: "maximum"}
NUMBER_KEYWORDS |= {limits.Gt: "exclusiveMinimum", limits.Lt: "exclusiveMaximum"}
LENGTH_KEYWORDS: dict[str, dict[type, str]] = {
    "string": {limits.MaxLen: "maxLength", limits.MinLen: "minLength"},
    "array": {limits.MaxLen: "maxItems", limits.MinLen: "minItems"},
    "object": {limits.MaxLen: "maxProperties", limits.MinLen: "minProperties"},
}


def keyword_for(limit: object, schema: dict[str, Any]) -> str | None:
    """The schema keyword that states ``limit`` (a field's constraint) for the type ``schema``
    describes (past a null); beside a ``oneOf`` it holds for the one type it fits."""
    if type(limit) in NUMBER_KEYWORDS:
        return NUMBER_KEYWORDS[type(limit)]
    if isinstance(limit, DecimalForm) or getattr(limit, "func", None) is decimal_text:
        return "oneOf"  # a decimal: a JSON number or a string of the canonical pattern
    if isinstance(getattr(limit, "func", None), AtMostEntries):
        return "maxProperties"
    types = [schema] + [choice for choice in schema.get("oneOf", []) if choice.get("type") != "null"]
    kind = next((str(choice["type"]) for choice in types if "type" in choice), "")
    return LENGTH_KEYWORDS.get(kind, {}).get(type(limit))


def _limit_value(limit: Any) -> Any:
    for attribute in ("ge", "le", "gt", "lt", "max_length", "min_length"):
        if hasattr(limit, attribute):
            return getattr(limit, attribute)
    return limit.func.limit  # AtMostEntries


def _decimal_form(annotation: Any) -> DecimalForm | None:
    return next((m for m in getattr(annotation, "__metadata__", ()) if isinstance(m, DecimalForm)), None)


def _publish_decimals(field: Any, published: dict[str, Any]) -> None:
    """A decimal input (``DecimalIn``), alone or as a mapping's values, is published as what it
    is: a JSON number or a string of the canonical pattern."""
    form = next((m for m in field.metadata if isinstance(m, DecimalForm)), None)
    if form is not None:
        published.pop("type", None)
        published.update(form.schema())
        return
    args = typing.get_args(field.annotation)
    if typing.get_origin(field.annotation) is dict and len(args) == 2:
        form = _decimal_form(args[1])
        if form is not None:
            published["additionalProperties"] = form.schema()


def _publish_limits(model: type[Input], schema: dict[str, Any]) -> None:
    """Write each limit of ``model``'s fields into its property where Litestar did not."""
    for name, field in model.model_fields.items():
        published = schema.get("properties", {}).get(name)
        if published is None:
            continue
        _publish_decimals(field, published)
        for limit in field.metadata:
            keyword = keyword_for(limit, published)
            if keyword is not None and keyword not in published:
                published[keyword] = _limit_value(limit)


def _bound_strings(schema: Any, limit: int) -> None:
    """Give every string in ``schema`` (not in the components it refers to) at most ``limit``
    characters unless it states its own limit."""
    if isinstance(schema, dict):
        if schema.get("type") == "string":
            schema.setdefault("maxLength", limit)
        for value in schema.values():
            _bound_strings(value, limit)
    elif isinstance(schema, list):
        for value in schema:
            _bound_strings(value, limit)


def close_inputs(document: dict[str, Any]) -> dict[str, Any]:
    """What Litestar leaves out of the input models' schemas: ``additionalProperties: false``
    (the models forbid extra fields), the limits of their fields it drops, and the length every
    string without its own limit is held to (``str_max_length``). Changes ``document`` in place
    and returns it."""
    closed = {model.__name__: model for model in input_models()}
    limit = Input.model_config.get("str_max_length") or 0
    for schema in document.get("components", {}).get("schemas", {}).values():
        model = closed.get(schema.get("title", ""))
        if model is not None:
            schema["additionalProperties"] = False
            _publish_limits(model, schema)
            _bound_strings(schema.get("properties", {}), limit)
    return document


def published_document(app: Litestar) -> dict[str, Any]:
    """The document ``/api/schema/openapi.json`` serves."""
    return close_inputs(app.openapi_schema.to_schema())


class ApiSchemaPlugin(JsonRenderPlugin):
    """Serves the document as JSON, input models closed."""

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return self.render_json(request, close_inputs(openapi_schema))
