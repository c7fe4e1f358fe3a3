"""Hostile input gets a 4xx with the one error shape (a page with the message on the portal), never
a server error: JSON nested a thousand levels deep, control characters (NUL) in any text, dates a
filter's arithmetic cannot reach, digits that are not ASCII digits."""

from __future__ import annotations

import uuid

import pytest

from market.api.openapi import published_document
from market.db.tables import Certificate, Organisation, Rfq
from market.domain.organisations import OrganisationKind as K
from market.domain.text import has_control_characters
from tests.api.test_readiness_api import PDF, setup
from tests.conftest import api_token_for, bearer
from tests.factories import PASSWORD, organisation_with_admin, profile, unique_email
from tests.helpers import portal_login, post_form
from tests.web.test_portal import signup_form

DEEP_ARRAY = "[" * 1000 + "]" * 1000
DEEP_OBJECT = '{"a":' * 1000 + "1" + "}" * 1000


def assert_error_shape(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "message", "fields"} and body["code"] == code and body["message"]
    return body


def json_operations(app) -> list[tuple[str, str]]:
    """Every API operation that reads a JSON body, its path's parameters filled in."""
    found = []
    for path, item in published_document(app)["paths"].items():
        for method, operation in item.items():
            if "application/json" in operation.get("requestBody", {}).get("content", {}):
                filled = path
                for parameter in operation.get("parameters", []):
                    if parameter["in"] == "path":
                        filled = filled.replace("{" + parameter["name"] + "}", str(uuid.uuid4()))
                found.append((method, filled))
    return found


async def test_deep_json_is_refused_on_every_json_operation(app, client, ctx) -> None:
    _, buyer = await organisation_with_admin(ctx, K.LEAD_FIRM)
    token = await api_token_for(ctx, buyer)
    operations = json_operations(app)
    assert len(operations) > 20
    for method, path in operations:
        for body in (DEEP_ARRAY, DEEP_OBJECT):
            for headers in ({}, bearer(token)):  # anonymous too (sign-up, invitations)
                response = await client.request(
                    method, path, content=body, headers={**headers, "content-type": "application/json"}
                )
                assert response.status_code < 500, (method, path, response.text)
                if response.status_code not in (401, 403):
                    assert_error_shape(response, 422, "request.too_deep")
    signup = await client.post(
        "/api/v1/signup", content=DEEP_OBJECT, headers={"content-type": "application/json"}
    )
    assert_error_shape(signup, 422, "request.too_deep")


async def test_control_characters_in_json_text_are_refused_with_the_fields(client, ctx) -> None:
    body = {
        "organisation": profile() | {"legal_name": "Acme\x00 S.A.", "classification_codes": ["3430\x07"]},
        "admin": {"email": unique_email(), "full_name": "Ana\x1b", "password": PASSWORD},
    }
    refused = assert_error_shape(
        await client.post("/api/v1/signup", json=body), 422, "text.control_character"
    )
    assert [f["field"] for f in refused["fields"]] == [
        "organisation.legal_name",
        "organisation.classification_codes.0",
        "admin.full_name",
    ]
    assert await Organisation.count() == 0
    body["organisation"] |= {"legal_name": "Acme\tS.A.\r\n", "classification_codes": ["34300000"]}
    body["admin"]["full_name"] = "Ana"
    # tab and line breaks are text; the name itself is the domain's to judge
    assert (await client.post("/api/v1/signup", json=body)).status_code in (201, 422)

    _, buyer = await organisation_with_admin(ctx, K.LEAD_FIRM)
    token = await api_token_for(ctx, buyer)
    rfq = {
        "title": "Discs",
        "currency": "USD",
        "deadline": "2030-01-01T00:00:00Z",
        "items": [{"description": "Part\x00", "quantity": "10", "unit": "pieces"}],
    }
    refused = assert_error_shape(
        await client.post("/api/v1/rfqs", json=rfq, headers=bearer(token)), 422, "text.control_character"
    )
    assert [f["field"] for f in refused["fields"]] == ["items.0.description"]
    assert await Rfq.count() == 0


async def test_control_characters_in_query_strings_and_multipart_are_refused(client, ctx) -> None:
    sme, token, _ = await setup(ctx)
    for query, field in (("q=a%00b", "q"), ("cpv=34&q=%1b", "q"), ("%00=1", "query")):
        response = await client.get(f"/api/v1/rfqs?{query}", headers=bearer(token))
        assert [
            f["field"] for f in assert_error_shape(response, 422, "text.control_character")["fields"]
        ] == [field]
    upload = await client.post(
        f"/api/v1/organisations/{sme['id']}/certificates",
        data={
            "type": "iso_9001",
            "issuer": "T\x00V",
            "number": "Q-1",
            "issued_on": "2025-01-01",
            "expires_on": "2028-01-01",
        },
        files={"file": ("iso.pdf", PDF, "application/pdf")},
        headers=bearer(token),
    )
    assert [f["field"] for f in assert_error_shape(upload, 422, "text.control_character")["fields"]] == [
        "issuer"
    ]
    assert await Certificate.count() == 0


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "3000-01-01"])
async def test_a_date_out_of_range_in_the_board_filter_is_refused(app, client, ctx, day: str) -> None:
    _, token, _ = await setup(ctx)
    response = await client.get(f"/api/v1/rfqs?closes_by={day}", headers=bearer(token))
    assert [f["code"] for f in assert_error_shape(response, 422, "validation_failed")["fields"]] == [
        "search.date_range"
    ]
    assert (await client.get("/api/v1/rfqs?closes_by=2999-12-31", headers=bearer(token))).status_code == 200
    admin = (await organisation_with_admin(ctx))[1]
    await portal_login(client, admin["email"], PASSWORD)
    page = await client.get(f"/rfqs?closes_by={day}")
    assert page.status_code == 422 and "Enter a date from 1900-01-01 to 2999-12-31." in page.text


async def test_digits_that_are_not_ascii_in_number_filters_are_refused(client, ctx) -> None:
    """``"²".isdigit()`` is true and ``int("²")`` a ValueError: the filters were a 500."""
    sme, token, _ = await setup(ctx)
    response = await client.get(
        f"/api/v1/eligibility?organisation={sme['id']}&min_level=L%C2%B2", headers=bearer(token)
    )
    assert [f["field"] for f in assert_error_shape(response, 422, "validation_failed")["fields"]] == [
        "min_level"
    ]
    response = await client.get("/api/v1/rfqs?cpv=%C2%B2", headers=bearer(token))
    assert response.status_code == 422, response.text
    admin = (await organisation_with_admin(ctx))[1]
    await portal_login(client, admin["email"], PASSWORD)
    for query in ("min_level=L%C2%B2", "min_level=L1&max_assessment_age_days=%C2%B2"):
        page = await client.get(f"/readiness/check?{query}")
        assert page.status_code == 422, query


async def test_the_portal_refuses_control_characters_with_a_page(client) -> None:
    form = signup_form(legal_name="Acme\x00 S.A.")
    response = await post_form(client, "/signup", "/signup", form)
    assert response.status_code == 422
    assert "Text may not hold control characters" in response.text
    assert await Organisation.count() == 0
    page = await client.get("/login?next=/%00")
    assert page.status_code == 422 and "Text may not hold control characters" in page.text


def test_which_characters_are_refused() -> None:
    for bad in ("a\x00", "\x1b[31m", "\x7f", "\x85", "\ud800", "\x0b", "\x0c"):
        assert has_control_characters(bad), repr(bad)
    for good in ("a\tb\r\n", "отчёт ＲＥＰＯＲＴ 报告", "Ação — “x”", "", "\u200b"):
        assert not has_control_characters(good), repr(good)


async def test_a_step_in_digits_that_are_not_ascii_is_step_zero(client, ctx) -> None:
    _, sme_admin = await organisation_with_admin(ctx)
    await portal_login(client, sme_admin["email"], PASSWORD)
    response = await post_form(client, "/readiness/assessment", "/readiness/assessment", {"step": "²"})
    assert response.status_code < 500
