"""The published OpenAPI document says what the server accepts and answers: every limit an input
model enforces is in it (so a client, or schemathesis, never meets an unannounced refusal), input
objects are closed, and every API operation documents its errors in the one error shape."""

from __future__ import annotations

from typing import Any

import pytest

from market.api.openapi import ERROR_STATUSES, input_models, keyword_for, published_document
from market.api.schemas import Input
from market.app import create_app
from market.settings import Settings


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


def test_the_limits_litestar_leaves_out_are_published(document) -> None:
    """Written by ``openapi.py`` from the models: an optional number's range, an optional list's
    length, a mapping's number of entries."""
    components = components_by_title(document)
    capacity = components["ProfilePatch"]["properties"]["monthly_capacity"]
    assert (capacity["minimum"], capacity["maximum"]) == (0, 10**12)
    assert components["ProfilePatch"]["properties"]["languages"]["maxItems"] == 3
    lot = components["ItemIn"]["properties"]["lot"]
    assert (lot["minimum"], lot["maximum"]) == (1, 20)
    assert components["DraftIn"]["properties"]["step"]["maximum"] == 10
    prices = components["BidIn"]["properties"]["prices"]
    assert prices["type"] == "object" and prices["maxProperties"] == 200
    assert components["AwardIn"]["properties"]["lots"]["maxProperties"] == 20


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
