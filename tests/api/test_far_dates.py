"""A date a person or client sends is refused at its field when outside a sane range (a deadline
from now to about five years ahead, other days from 1900 to 2999), and a stored value at the edge
of the calendar is shown in UTC instead of failing the page."""

from __future__ import annotations

import datetime as dt

import pytest

from market.db.tables import Certificate, Rfq
from market.domain.organisations import OrganisationKind as K
from market.domain.readiness import Question, QuestionType, normalise_answer
from market.i18n import format_date, format_datetime, reset_language, set_language
from tests.api.test_hostile_input import assert_error_shape
from tests.api.test_readiness_api import setup, upload
from tests.conftest import api_token_for, bearer
from tests.factories import PASSWORD, organisation_with_admin
from tests.helpers import portal_login, post_form, published_rfq

FAR = ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "1899-12-31T12:00:00-03:00", "9999-12-31T23:00-03:00"]


def rfq_body(deadline: str) -> dict:
    return {
        "title": "Brake discs",
        "currency": "USD",
        "deadline": deadline,
        "items": [{"description": "Disc", "quantity": "10", "unit": "pieces"}],
    }


@pytest.mark.parametrize("deadline", [*FAR, "ahead"])
async def test_a_far_deadline_is_refused_at_its_field(client, ctx, clock, deadline: str) -> None:
    _, buyer = await organisation_with_admin(ctx, K.LEAD_FIRM)
    token = await api_token_for(ctx, buyer)
    if deadline == "ahead":  # six years ahead: more than the five a deadline may be set
        deadline = (clock() + dt.timedelta(days=6 * 365)).isoformat()
    response = await client.post("/api/v1/rfqs", json=rfq_body(deadline), headers=bearer(token))
    body = assert_error_shape(response, 422, "validation_failed")
    assert [(f["field"], f["code"]) for f in body["fields"]] == [("deadline", "rfq.deadline_range")]
    assert await Rfq.count() == 0
    four_years = (clock() + dt.timedelta(days=4 * 365)).isoformat()
    made = await client.post("/api/v1/rfqs", json=rfq_body(four_years), headers=bearer(token))
    assert made.status_code == 201, made.text


async def test_an_amendment_to_a_far_deadline_is_refused(client, ctx, clock) -> None:
    _, buyer = await organisation_with_admin(ctx, K.LEAD_FIRM)
    token = await api_token_for(ctx, buyer)
    rfq = await published_rfq(client, token, clock() + dt.timedelta(days=5), "Brake discs")
    for far in ("9999-12-31T23:59:59Z", (clock() + dt.timedelta(days=6 * 365)).isoformat()):
        response = await client.post(
            f"/api/v1/rfqs/{rfq['id']}/amend", json={"deadline": far}, headers=bearer(token)
        )
        body = assert_error_shape(response, 422, "validation_failed")
        assert [f["code"] for f in body["fields"]] == ["rfq.deadline_range"]
    stored = await Rfq.select(Rfq.amendments).first()
    assert stored["amendments"] == 0


async def test_a_far_deadline_stored_before_the_rule_cannot_be_published(client, ctx, clock) -> None:
    _, buyer = await organisation_with_admin(ctx, K.LEAD_FIRM)
    token = await api_token_for(ctx, buyer)
    made = await client.post(
        "/api/v1/rfqs", json=rfq_body((clock() + dt.timedelta(days=5)).isoformat()), headers=bearer(token)
    )
    await Rfq.update({Rfq.deadline: dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.UTC)}).where(
        Rfq.id == made.json()["id"]
    )
    response = await client.post(f"/api/v1/rfqs/{made.json()['id']}/publish", headers=bearer(token))
    assert_error_shape(response, 422, "rfq.deadline_range")


@pytest.mark.parametrize(
    "stored",
    [dt.datetime(1, 1, 1, tzinfo=dt.UTC), dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.UTC)],
)
async def test_a_far_deadline_already_stored_does_not_break_the_pages(client, ctx, clock, stored) -> None:
    _, buyer = await organisation_with_admin(ctx, K.LEAD_FIRM)
    token = await api_token_for(ctx, buyer)
    made = await client.post(
        "/api/v1/rfqs", json=rfq_body((clock() + dt.timedelta(days=5)).isoformat()), headers=bearer(token)
    )
    rfq_id = made.json()["id"]
    await Rfq.update({Rfq.deadline: stored}).where(Rfq.id == rfq_id)
    await portal_login(client, buyer["email"], PASSWORD)
    for language in ("en", "es", "pt"):
        client.headers["Accept-Language"] = language
        for page in ("/rfqs", f"/rfqs/{rfq_id}"):
            response = await client.get(page)
            assert response.status_code == 200, (language, page, response.text[-2000:])
            assert f"{stored:%Y}" in response.text  # year 1 in UTC: no zone west of it can show it


async def test_the_portal_refuses_a_far_deadline_with_the_form_in_spanish(client, ctx) -> None:
    _, buyer = await organisation_with_admin(ctx, K.LEAD_FIRM)
    await portal_login(client, buyer["email"], PASSWORD)
    client.headers["Accept-Language"] = "es"
    form = {
        "title": "Discos de freno",
        "currency": "USD",
        "deadline": "9999-12-31T23:59",
        "item0_description": "Disco",
        "item0_quantity": "10",
        "item0_unit": "piezas",
        "weight_price": "100",
        "weight_lead_time": "0",
        "weight_quality": "0",
        "min_level": "L0",
    }
    response = await post_form(client, "/rfqs/new", "/rfqs/new", form)
    assert response.status_code == 422
    assert "Fije un plazo" in response.text and 'value="Disco"' in response.text
    assert await Rfq.count() == 0


@pytest.mark.parametrize("field", ["issued_on", "expires_on"])
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31", "3000-01-01"])
async def test_a_certificate_date_out_of_range_is_refused(client, ctx, field: str, day: str) -> None:
    sme, token, _ = await setup(ctx)
    response = await upload(client, sme["id"], token, **{field: day})
    body = assert_error_shape(response, 422, "validation_failed")
    assert [(f["field"], f["code"]) for f in body["fields"]] == [(field, "certificate.date_range")]
    assert await Certificate.count() == 0


def test_a_readiness_date_answer_out_of_range_is_refused() -> None:
    question = Question("audit", QuestionType.DATE, 1, {"en": "Last audit"}, {"en": ""})
    today = dt.date(2026, 12, 2)
    assert normalise_answer(question, "0001-01-01", today) == (None, "date_range")
    assert normalise_answer(question, "1900-01-01", today) == ("1900-01-01", None)


@pytest.mark.parametrize("language", ["en", "es", "pt"])
def test_display_helpers_show_an_extreme_value_in_utc(language: str) -> None:
    token = set_language(language)
    try:
        first, last = dt.datetime(1, 1, 1, tzinfo=dt.UTC), dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.UTC)
        assert format_datetime(first) == "0001-01-01 00:00 UTC"  # Buenos Aires: before year 1
        assert format_datetime(last, "Asia/Tokyo") == "9999-12-31 23:59 UTC"  # after 9999
        assert "9999" in format_datetime(last) and format_date(first) and format_date(last)
        assert "2026" in format_datetime(dt.datetime(2026, 12, 2, 19, tzinfo=dt.UTC))
    finally:
        reset_language(token)
