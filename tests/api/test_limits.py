"""Size limits on request bodies: a body over the limit is refused before it is read into memory,
in the API's one error shape, and nothing is saved."""

from __future__ import annotations

from market.app import MAX_BODY_BYTES
from market.db.tables import Rfq
from market.domain.organisations import OrganisationKind as K
from tests.conftest import api_token_for, bearer
from tests.factories import organisation_with_admin


async def test_a_body_over_the_limit_is_refused_whole(client, ctx) -> None:
    _, buyer = await organisation_with_admin(ctx, K.LEAD_FIRM)
    token = await api_token_for(ctx, buyer)
    body = {"title": "Brake discs", "currency": "USD", "items": [], "description": "x" * MAX_BODY_BYTES}
    refused = await client.post("/api/v1/rfqs", json=body, headers=bearer(token))
    assert refused.status_code == 413
    assert refused.json()["code"] == "request.too_large"
    # under the limit the same request is read, and refused for what it says
    body["description"] = "x" * 20_000
    read = await client.post("/api/v1/rfqs", json=body, headers=bearer(token))
    assert read.status_code == 422
    assert await Rfq.count() == 0
