"""Consent, coaching and cohort references through the portal forms."""

from __future__ import annotations

from market.db.tables import AgencyAccess, BenchmarkReference, CoachingTask, Outbox
from market.domain.organisations import OrganisationKind as K
from tests.conftest import client_for
from tests.factories import PASSWORD, organisation_with_admin
from tests.helpers import csrf_from, portal_login, post_form


async def test_sme_grants_and_withdraws_agency_access(app, ctx) -> None:
    agency, agency_admin = await organisation_with_admin(ctx, K.SUPPORT_AGENCY)
    sme, sme_admin = await organisation_with_admin(ctx)
    async with (
        client_for(app, "198.51.100.31") as sme_browser,
        client_for(app, "198.51.100.32") as agency_browser,
    ):
        await portal_login(agency_browser, agency_admin["email"], PASSWORD)
        assert (await agency_browser.get(f"/readiness?organisation={sme['id']}")).status_code == 404
        await portal_login(sme_browser, sme_admin["email"], PASSWORD)
        page = await sme_browser.get("/organisation/agencies")
        assert agency["legal_name"] in page.text
        done = await sme_browser.post(
            "/organisation/agencies", data={"agency": str(agency["id"]), "_csrf_token": csrf_from(page.text)}
        )
        assert done.status_code == 303
        assert (await agency_browser.get(f"/readiness?organisation={sme['id']}")).status_code == 200
        assert await Outbox.count().where(Outbox.subject.like("%gave your agency access%")) == 1
        page = await sme_browser.get("/organisation/agencies")
        await sme_browser.post(
            f"/organisation/agencies/{agency['id']}/revoke", data={"_csrf_token": csrf_from(page.text)}
        )
        assert (await agency_browser.get(f"/readiness?organisation={sme['id']}")).status_code == 404
    assert await AgencyAccess.count().where(AgencyAccess.revoked_at.is_null()) == 0


async def test_agency_turns_a_gap_into_a_task_the_sme_closes(app, ctx) -> None:
    agency, agency_admin = await organisation_with_admin(ctx, K.SUPPORT_AGENCY)
    sme, sme_admin = await organisation_with_admin(ctx, onboarded_by=str(agency["id"]))
    async with (
        client_for(app, "198.51.100.41") as agency_browser,
        client_for(app, "198.51.100.42") as sme_browser,
    ):
        await portal_login(agency_browser, agency_admin["email"], PASSWORD)
        check = await agency_browser.get(
            f"/readiness/check?organisation={sme['id']}&min_level=L2&certificates=haccp"
        )
        assert check.status_code == 200
        assert "Turn into a coaching task" in check.text and "HACCP is required." in check.text
        made = await agency_browser.post(
            "/coaching",
            data={
                "sme": str(sme["id"]),
                "gap_code": "certificate.missing",
                "title": "Get HACCP certified",
                "due_on": "2027-02-01",
                "_csrf_token": csrf_from(check.text),
            },
        )
        assert made.status_code == 303
        await portal_login(sme_browser, sme_admin["email"], PASSWORD)
        tasks = await sme_browser.get("/coaching")
        assert "Get HACCP certified" in tasks.text
        task = await CoachingTask.select().first()
        closed = await sme_browser.post(
            f"/coaching/{task['id']}", data={"status": "done", "_csrf_token": csrf_from(tasks.text)}
        )
        assert closed.status_code == 303
        assert (await CoachingTask.select().first())["status"] == "done"
        assert "Get HACCP certified" in (await agency_browser.get("/coaching")).text


async def test_cohort_references_keep_bad_input_and_save_good_input(client, ctx) -> None:
    _, agency_admin = await organisation_with_admin(ctx, K.SUPPORT_AGENCY)
    client.headers["Accept-Language"] = "es"  # "1,5" is one and a half in Spanish
    await portal_login(client, agency_admin["email"], PASSWORD)
    bad = await post_form(
        client, "/agency/cohort", "/agency/cohort", {"overall": "sixty", "defect_rate": "1,5"}
    )
    assert bad.status_code == 422 and 'value="sixty"' in bad.text and 'value="1,5"' in bad.text
    assert await BenchmarkReference.count() == 0
    good = await post_form(
        client, "/agency/cohort", "/agency/cohort", {"overall": "60", "defect_rate": "1,5"}
    )
    assert good.status_code == 303
    assert {r["metric"]: r["value"] for r in await BenchmarkReference.select()} == {
        "overall": 60.0,
        "defect_rate": 1.5,
    }
    assert 'value="1,5"' in (await client.get("/agency/cohort")).text  # shown back the Spanish way
    client.headers["Accept-Language"] = "en"  # in English "1,5" is no number; "1.500" could be two
    english = await post_form(
        client, "/agency/cohort", "/agency/cohort", {"overall": "1,5", "defect_rate": "1.500"}
    )
    assert english.status_code == 422
    assert {r["metric"]: r["value"] for r in await BenchmarkReference.select()}["defect_rate"] == 1.5


async def test_portal_onboarding_refuses_a_file_of_the_wrong_shape(client, ctx) -> None:
    _, agency_admin = await organisation_with_admin(ctx, K.SUPPORT_AGENCY)
    await portal_login(client, agency_admin["email"], PASSWORD)
    page = await client.get("/agency/onboarding")
    response = await client.post(
        "/agency/onboarding",
        data={"_csrf_token": csrf_from(page.text)},
        files={"file": ("smes.csv", b"name;city\nA;B\n", "text/csv")},
    )
    assert response.status_code == 422 and "Columns missing" in response.text
    template = await client.get("/agency/onboarding/template.csv")
    assert template.headers["content-disposition"].startswith("attachment;")
    assert template.text.splitlines()[0].startswith("legal_name,country,tax_id")
