"""Documents sealed with a bid: their hashes are in the bid (and so in the receipt), only the
bidder can fetch them before the opening, the buyer after it (audited), and a document changed
in the database no longer matches at the opening."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib

from market.db.tables import AuditLog, BidFile
from market.domain.organisations import OrganisationKind as K
from tests.conftest import api_token_for, bearer, client_for
from tests.factories import PASSWORD, organisation_with_admin
from tests.helpers import csrf_from, portal_login, published_rfq

DRAWING = b"%PDF-1.4\n% technical offer, drawing BD-27\n"
PHOTO = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def encoded(name: str, data: bytes) -> dict:
    return {"name": name, "content_base64": base64.b64encode(data).decode()}


async def test_documents_are_sealed_with_the_bid(app, client, ctx, clock) -> None:
    _, buyer = await organisation_with_admin(ctx, K.LEAD_FIRM)
    _, bidder = await organisation_with_admin(ctx)
    _, other = await organisation_with_admin(ctx)
    buyer_token, bidder_token = await api_token_for(ctx, buyer), await api_token_for(ctx, bidder)
    deadline = clock() + dt.timedelta(days=3)
    rfq = await published_rfq(client, buyer_token, deadline, "Brake discs with drawings")
    url = f"/api/v1/rfqs/{rfq['id']}/bid"
    body = {"prices": {rfq["items"][0]["id"]: "12.00"}, "lead_time_days": 9, "validity_days": 30}

    for attachments, code in (
        ([encoded("notes.txt", b"plain text")], "bid.file_type"),
        ([encoded(f"d{n}.pdf", DRAWING) for n in range(4)], "request.field_invalid"),  # the schema's limit
        ([{"name": "x.pdf", "content_base64": "not base64!"}], "bid.file_encoding"),
        # found by the schemathesis run: characters outside ASCII were a server error
        ([{"name": "x.pdf", "content_base64": "Ù~"}], "bid.file_encoding"),
    ):
        headers = {**bearer(bidder_token), "Idempotency-Key": code}
        refused = await client.post(url, json=body | {"attachments": attachments}, headers=headers)
        assert refused.status_code == 422, refused.text
        assert [(f["field"].split(".")[0], f["code"]) for f in refused.json()["fields"]] == [
            ("attachments", code)
        ]

    sent = await client.post(
        url,
        json=body
        | {"attachments": [encoded("drawing BD-27.pdf", DRAWING), encoded("../../photo.png", PHOTO)]},
        headers={**bearer(bidder_token), "Idempotency-Key": "documents-0001"},
    )
    assert sent.status_code == 201, sent.text
    own = (await client.get(url, headers=bearer(bidder_token))).json()
    assert own["content"]["attachments"] == [
        {"name": "drawing BD-27.pdf", "sha256": hashlib.sha256(DRAWING).hexdigest(), "size": len(DRAWING)},
        {"name": "photo.png", "sha256": hashlib.sha256(PHOTO).hexdigest(), "size": len(PHOTO)},
    ]
    files = await BidFile.select(BidFile.id, BidFile.name).order_by(BidFile.name)
    drawing_url = f"/rfqs/{rfq['id']}/files/{files[0]['id']}"

    async def fetch_as(user: dict) -> tuple[int, bytes]:
        async with client_for(app, "198.51.100.77") as browser:
            now = clock.current
            await portal_login(browser, user["email"], PASSWORD)
            clock.current = now
            response = await browser.get(drawing_url)
            if response.status_code == 200:
                assert response.headers["content-disposition"].startswith("attachment;")
            return response.status_code, response.content

    assert await fetch_as(bidder) == (200, DRAWING)
    assert (await fetch_as(buyer))[0] == 404  # sealed until the opening
    assert (await fetch_as(other))[0] == 404

    clock.current = deadline + dt.timedelta(minutes=1)
    await BidFile.update({BidFile.content: PHOTO}).where(BidFile.id == files[0]["id"])  # tampered
    opened = (await client.post(f"/api/v1/rfqs/{rfq['id']}/open", headers=bearer(buyer_token))).json()
    assert [bid["hash_matches"] for bid in opened] == [False]  # the document no longer matches
    assert await fetch_as(buyer) == (200, PHOTO)  # opened: the buyer reads it, and the read is recorded
    async with client_for(app, "198.51.100.78") as browser:
        await portal_login(browser, buyer["email"], PASSWORD)
        comparison = await browser.get(f"/rfqs/{rfq['id']}")
    assert "does not match" in comparison.text and "matches the receipt" not in comparison.text
    assert (await fetch_as(other))[0] == 404
    reads = await AuditLog.select(AuditLog.details).where(AuditLog.action == "bid.file_read")
    assert len(reads) == 1 and str(files[0]["id"]) in str(reads[0]["details"])


async def test_the_portal_form_seals_documents_and_lists_them(client, ctx, clock) -> None:
    _, buyer = await organisation_with_admin(ctx, K.LEAD_FIRM)
    _, bidder = await organisation_with_admin(ctx)
    buyer_token = await api_token_for(ctx, buyer)
    rfq = await published_rfq(client, buyer_token, clock() + dt.timedelta(days=3), "Chairs with a catalogue")
    await portal_login(client, bidder["email"], PASSWORD)
    page = await client.get(f"/rfqs/{rfq['id']}")
    fields = {
        "_csrf_token": csrf_from(page.text),
        "idempotency_key": "portal-documents-01",
        f"price_{rfq['items'][0]['id']}": "80.00",
        "lead_time_days": "20",
        "validity_days": "60",
    }
    wrong = await client.post(
        f"/rfqs/{rfq['id']}/bid",
        data=fields,
        files=[("attachments", ("list.txt", b"just text", "text/plain"))],
    )
    assert wrong.status_code == 422 and "list.txt is not a PDF, PNG or JPEG file." in wrong.text
    assert 'value="80.00"' in wrong.text  # nothing typed is lost
    sent = await client.post(
        f"/rfqs/{rfq['id']}/bid",
        data=fields,
        files=[("attachments", ("catalogue.pdf", DRAWING, "application/pdf"))],
    )
    assert sent.status_code == 201, sent.text[:300]
    assert "catalogue.pdf" in sent.text
    receipt = (await client.get(f"/rfqs/{rfq['id']}/receipt")).json()
    assert receipt["documents"] == [
        {"name": "catalogue.pdf", "sha256": hashlib.sha256(DRAWING).hexdigest(), "size": len(DRAWING)}
    ]
