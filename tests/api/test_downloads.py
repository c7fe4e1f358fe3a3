"""Files are served under any name (RFC 6266 / RFC 8187): a certificate or bid document named in
another alphabet downloads like any other, and its header reads back as the stored name."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from urllib.parse import unquote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from market.api.downloads import content_disposition
from market.db.tables import AppUser, BidFile
from market.domain.organisations import OrganisationKind as K
from tests.api.test_bid_documents import DRAWING, encoded
from tests.api.test_readiness_api import PDF, setup
from tests.conftest import api_token_for, bearer, client_for
from tests.factories import PASSWORD, organisation_with_admin
from tests.helpers import portal_login, published_rfq

# One header value: the quoted ASCII fallback, then the exact UTF-8 name.
HEADER = re.compile(r"""^attachment; filename="([ -~]*)"; filename\*=UTF-8''([A-Za-z0-9%._~-]+)$""")


def name_in(header: str) -> str:
    match = HEADER.match(header)
    assert match, header
    fallback, encoded = match.groups()
    assert '"' not in fallback and "\\" not in fallback
    header.encode("latin-1")  # what the server can send at all
    return unquote(encoded, errors="strict")


def test_a_name_in_any_alphabet_reads_back() -> None:
    for name in (
        "отчёт-2026.pdf",
        "报告.pdf",
        "ＲＥＰＯＲＴ.pdf",
        'a"b\\c.pdf',
        "tab\there.pdf",
        "x;y,z%20.pdf",
    ):
        header = content_disposition(name)
        assert name_in(header) == name.replace("\\", "_").replace("\t", "_")
    assert content_disposition("отчёт.pdf").startswith('attachment; filename="otchet.pdf"') is False
    assert content_disposition("café.pdf").startswith('attachment; filename="cafe.pdf"')
    assert name_in(content_disposition("")) == "download"


@given(name=st.text(min_size=1, max_size=60))
@settings(max_examples=300, deadline=None)
def test_any_name_makes_a_header_that_parses_back(name: str) -> None:
    parsed = name_in(content_disposition(name))
    assert parsed  # never empty
    assert not any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") for ch in parsed)


CERTIFICATE = {
    "type": "iso_9001",
    "issuer": "TÜV",
    "number": "Q-1",
    "issued_on": "2025-01-01",
    "expires_on": "2028-01-01",
    "scope": "Forging",
}
NAMES = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=40).map(
    lambda s: s + ".pdf"
)


@pytest.fixture
async def accounts(ctx):
    """An SME and its agency, made once for all the examples of a test."""
    return await setup(ctx)


@given(name=NAMES)
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
async def test_a_certificate_under_any_name_downloads(client, accounts, name: str) -> None:
    """Uploaded under ``name``, listed under the stored name, served with a header that parses
    back to that stored name: 200, never the 500 a non-Latin-1 header used to be."""
    sme, token, agency_token = accounts
    made = await client.post(
        f"/api/v1/organisations/{sme['id']}/certificates",
        data=CERTIFICATE,
        files={"file": (name, PDF, "application/pdf")},
        headers=bearer(token),
    )
    assert made.status_code == 201, made.text
    cert = made.json()
    file = await client.get(f"/api/v1/certificates/{cert['id']}/file", headers=bearer(agency_token))
    assert file.status_code == 200 and file.content == PDF
    assert name_in(file.headers["content-disposition"]) == cert["file_name"]


async def test_bid_documents_and_portal_certificates_in_other_alphabets(app, client, ctx, clock) -> None:
    """The other doors that serve files: a bid document and the receipt (portal), a certificate
    (portal)."""
    sme, token, _ = await setup(ctx)
    made = await client.post(
        f"/api/v1/organisations/{sme['id']}/certificates",
        data=CERTIFICATE,
        files={"file": ("отчёт-2026.pdf", PDF, "application/pdf")},
        headers=bearer(token),
    )
    _, buyer = await organisation_with_admin(ctx, K.LEAD_FIRM)
    _, bidder = await organisation_with_admin(ctx)
    rfq = await published_rfq(
        client, await api_token_for(ctx, buyer), clock() + dt.timedelta(days=3), "Discs"
    )
    sent = await client.post(
        f"/api/v1/rfqs/{rfq['id']}/bid",
        json={
            "prices": {rfq["items"][0]["id"]: "12.00"},
            "lead_time_days": 9,
            "validity_days": 30,
            "attachments": [encoded("报告 ＲＥＰＯＲＴ.pdf", DRAWING)],
        },
        headers={**bearer(await api_token_for(ctx, bidder)), "Idempotency-Key": "unicode-0001"},
    )
    assert sent.status_code == 201, sent.text
    file_id = (await BidFile.select(BidFile.id).first())["id"]
    async with client_for(app, "198.51.100.91") as browser:
        await portal_login(browser, bidder["email"], PASSWORD)
        document = await browser.get(f"/rfqs/{rfq['id']}/files/{file_id}")
        assert document.status_code == 200 and document.content == DRAWING
        assert name_in(document.headers["content-disposition"]) == "报告 ＲＥＰＯＲＴ.pdf"
        receipt = await browser.get(f"/rfqs/{rfq['id']}/receipt")
        assert receipt.status_code == 200
        assert name_in(receipt.headers["content-disposition"]).startswith("receipt-")
    sme_admin_email = await AppUser.select(AppUser.email).where(AppUser.organisation == sme["id"]).first()
    async with client_for(app, "198.51.100.92") as browser:
        await portal_login(browser, sme_admin_email["email"], PASSWORD)
        certificate = await browser.get(f"/certificates/{made.json()['id']}/file")
        assert certificate.status_code == 200
        assert name_in(certificate.headers["content-disposition"]) == "отчёт-2026.pdf"
