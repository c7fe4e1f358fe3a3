from __future__ import annotations

from market.domain.organisations import OrganisationKind as K
from tests.conftest import api_token_for, bearer
from tests.factories import organisation_with_admin
from tests.unit.domain.test_readiness import BEST

PDF = b"%PDF-1.4\n% test certificate\n"


async def setup(ctx):
    agency, agency_admin = await organisation_with_admin(ctx, K.SUPPORT_AGENCY)
    sme, sme_admin = await organisation_with_admin(ctx, onboarded_by=str(agency["id"]))
    return sme, await api_token_for(ctx, sme_admin), await api_token_for(ctx, agency_admin)


def upload(client, org_id, token, **overrides):
    fields = {
        "type": "iso_9001",
        "issuer": "TÜV",
        "number": "Q-77",
        "issued_on": "2025-01-01",
        "expires_on": "2028-01-01",
        "scope": "Forging",
    }
    fields.update(overrides)
    return client.post(
        f"/api/v1/organisations/{org_id}/certificates",
        data=fields,
        files={"file": ("iso.pdf", PDF, "application/pdf")},
        headers=bearer(token),
    )


async def test_questionnaire_in_the_requested_language(client, ctx) -> None:
    _, token, _ = await setup(ctx)
    response = await client.get(
        "/api/v1/questionnaire", headers={**bearer(token), "Accept-Language": "pt-BR"}
    )
    body = response.json()
    assert response.status_code == 200 and body["language"] == "pt" and body["version"] == "2026.1"
    assert body["dimensions"][0]["title"] == "Prontidão digital e para compras eletrônicas"


async def test_fill_submit_and_read_the_passport(client, ctx) -> None:
    sme, token, agency_token = await setup(ctx)
    url = f"/api/v1/organisations/{sme['id']}"
    saved = await client.put(
        f"{url}/assessment/draft",
        json={"answers": {"connectivity": "mobile", "online_orders": 101}, "step": 1},
        headers=bearer(token),
    )
    assert saved.status_code == 200
    body = saved.json()
    assert body["draft"]["answers"] == {"connectivity": "mobile"}
    assert body["problems"][0]["field"] == "online_orders" and "0 to 100" in body["problems"][0]["message"]
    incomplete = await client.post(f"{url}/assessment/submit", headers=bearer(token))
    assert incomplete.status_code == 422 and len(incomplete.json()["fields"]) == 20
    assert (
        await client.put(f"{url}/assessment/draft", json={"answers": BEST}, headers=bearer(token))
    ).json()["problems"] == []
    done = await client.post(f"{url}/assessment/submit", headers=bearer(token))
    assert done.status_code == 201 and done.json()["level"] == 1 and done.json()["overall"] == 100.0
    seen_by_agency = await client.get(f"{url}/readiness", headers=bearer(agency_token))
    assert seen_by_agency.status_code == 200
    passport = seen_by_agency.json()
    assert passport["level"] == 1 and passport["level_label"].startswith("L1")
    assert [n["code"] for n in passport["next_level_needs"]] == ["readiness.needs_certificate"]
    history = (await client.get(f"{url}/assessments", headers=bearer(token))).json()
    assert history["total"] == 1
    # The agency reads but does not fill in the SME's assessment.
    assert (
        await client.put(f"{url}/assessment/draft", json={"answers": {}}, headers=bearer(agency_token))
    ).status_code == 403


async def test_certificates_upload_download_review_and_the_gate(client, ctx) -> None:
    sme, token, agency_token = await setup(ctx)
    url = f"/api/v1/organisations/{sme['id']}"
    await client.put(f"{url}/assessment/draft", json={"answers": BEST}, headers=bearer(token))
    await client.post(f"{url}/assessment/submit", headers=bearer(token))
    made = await upload(client, sme["id"], token)
    assert made.status_code == 201, made.text
    cert = made.json()
    assert cert["verification"] == "pending" and cert["size"] == len(PDF)
    gate = (
        f"/api/v1/eligibility?organisation={sme['id']}&min_level=L3&certificates=iso_9001"
        "&kpi=on_time_delivery:95"
    )
    before = (await client.get(gate, headers=bearer(token))).json()
    assert before["eligible"] is False
    assert [g["code"] for g in before["gaps"]] == ["readiness.level_too_low", "certificate.unverified"]
    assert all(g["message"] and g["action"] for g in before["gaps"])
    reviewed = await client.post(
        f"/api/v1/certificates/{cert['id']}/review", json={"verified": True}, headers=bearer(agency_token)
    )
    assert reviewed.status_code == 200 and reviewed.json()["verification"] == "verified"
    after = (await client.get(gate, headers=bearer(token))).json()
    assert after == {"organisation": str(sme["id"]), "eligible": True, "level": 3, "gaps": []}
    file = await client.get(f"/api/v1/certificates/{cert['id']}/file", headers=bearer(agency_token))
    assert file.status_code == 200 and file.content == PDF
    assert file.headers["content-disposition"].startswith("attachment;")
    assert file.headers["content-type"] == "application/pdf"


async def test_bad_uploads_and_bad_requirements_are_refused_with_reasons(client, ctx) -> None:
    sme, token, _ = await setup(ctx)
    html_file = await client.post(
        f"/api/v1/organisations/{sme['id']}/certificates",
        data={
            "type": "iso_9001",
            "issuer": "X",
            "number": "",
            "issued_on": "soon",
            "expires_on": "2020-01-01",
        },
        files={"file": ("cert.pdf", b"<html><script>alert(1)</script>", "application/pdf")},
        headers=bearer(token),
    )
    assert html_file.status_code == 422
    assert {f["field"] for f in html_file.json()["fields"]} == {"issuer", "number", "issued_on", "file"}
    bad = await client.get(
        f"/api/v1/eligibility?organisation={sme['id']}&min_level=L9&certificates=iso_9999&kpi=speed:1",
        headers=bearer(token),
    )
    assert bad.status_code == 422
    assert {f["field"] for f in bad.json()["fields"]} == {"min_level", "certificates", "kpi"}


async def test_strangers_cannot_see_the_passport_or_the_files(client, ctx) -> None:
    sme, token, _ = await setup(ctx)
    cert = (await upload(client, sme["id"], token)).json()
    for kind in (K.SME_SUPPLIER, K.LEAD_FIRM, K.SUPPORT_AGENCY, K.PLATFORM_OPERATOR):
        _, stranger = await organisation_with_admin(ctx, kind)
        other = await api_token_for(ctx, stranger)
        assert (
            await client.get(f"/api/v1/certificates/{cert['id']}/file", headers=bearer(other))
        ).status_code == 404
        review = await client.post(
            f"/api/v1/certificates/{cert['id']}/review", json={"verified": True}, headers=bearer(other)
        )
        assert review.status_code in (403, 404)
        if kind is not K.PLATFORM_OPERATOR:
            for path in ("readiness", "assessments", "certificates"):
                response = await client.get(
                    f"/api/v1/organisations/{sme['id']}/{path}", headers=bearer(other)
                )
                assert response.status_code == 404, (kind, path)
            gate = await client.get(f"/api/v1/eligibility?organisation={sme['id']}", headers=bearer(other))
            assert gate.status_code == 404
