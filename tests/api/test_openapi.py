"""The published OpenAPI document says what the server accepts and answers: every limit an input
model enforces is in it (so a client, or schemathesis, never meets an unannounced refusal), input
objects are closed, and every API operation documents its errors in the one error shape."""

from __future__ import annotations

from typing import Any

import annotated_types as limits
import pytest

from market.api.openapi import ERROR_STATUSES, input_models, published_document
from market.api.schemas import Input
from market.app import create_app
from market.settings import Settings

# The schema keyword that carries each kind of limit, by the type it limits.
NUMBER_KEYWORDS = {limits.Ge: "minimum", limits.Le: "maximum", limits.Gt: "exclusiveMinimum"}
NUMBER_KEYWORDS |= {limits.Lt: "exclusiveMaximum"}
LENGTH_KEYWORDS = {
    "string": {limits.MaxLen: "maxLength", limits.MinLen: "minLength"},
    "array": {limits.MaxLen: "maxItems", limits.MinLen: "minItems"},
    "object": {limits.MaxLen: "maxProperties", limits.MinLen: "minProperties"},
}


def keyword_for(limit: object, schema: dict[str, Any]) -> str | None:
    """The keyword that states ``limit`` for the type ``schema`` describes (past a null)."""
    if type(limit) in NUMBER_KEYWORDS:
        return NUMBER_KEYWORDS[type(limit)]
    if "at_most_entries" in getattr(getattr(limit, "func", None), "__qualname__", ""):
        return "maxProperties"
    types = [schema] + [choice for choice in schema.get("oneOf", []) if choice.get("type") != "null"]
    kind = next((choice["type"] for choice in types if "type" in choice), None)
    return LENGTH_KEYWORDS.get(kind, {}).get(type(limit))


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return published_document(create_app(Settings(database_url="sqlite:///:memory:")))


def components_by_title(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {schema.get("title", ""): schema for schema in document["components"]["schemas"].values()}


def test_every_limit_of_an_input_model_is_published(document) -> None:
    components = components_by_title(document)
    missing = []
    for model in input_models():
        schema = components[model.__name__]
        assert schema["additionalProperties"] is False, model.__name__
        for name, field in model.model_fields.items():
            published = schema["properties"][name]
            for limit in field.metadata:
                keyword = keyword_for(limit, published)
                if keyword is None or keyword not in published:
                    missing.append(f"{model.__name__}.{name}: {limit} ({keyword})")
    assert not missing
    assert len(input_models()) > 30  # the walk found the models


def test_strings_without_their_own_limit_show_the_common_one(document) -> None:
    requirements = components_by_title(document)["RequirementsIn"]["properties"]
    assert requirements["certificates"]["items"]["maxLength"] == Input.model_config["str_max_length"]
    assert requirements["min_level"]["maxLength"] == 2


def test_every_api_operation_documents_its_errors(document) -> None:
    for path, operations in document["paths"].items():
        if not path.startswith("/api/v1"):
            continue
        for method, operation in operations.items():
            for status in ERROR_STATUSES:
                response = operation["responses"][str(status)]
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ApiError"}, (method, path, status)
    error = components_by_title(document)["ApiError"]
    assert set(error["required"]) == {"code", "message"}


def test_readiness_documents_its_refusal(document) -> None:
    assert set(document["paths"]["/ready"]["get"]["responses"]) == {"200", "503"}
