from __future__ import annotations

from collections import Counter

from market.db.tables import AppUser, Bid, Organisation, Rfq
from market.domain.organisations import Country, validate_tax_id
from market.services import audit
from market.services.accounts import authenticate
from market.services.seed import DEMO_PASSWORD, load_demo_data


async def test_demo_data_is_complete_valid_and_loads_once(ctx) -> None:
    first = await load_demo_data(ctx)
    second = await load_demo_data(ctx)
    assert first["organisations"] == 46 and first["users"] == 12 and first["assessments"] >= 40
    assert second == {"organisations": 0, "users": 0, "assessments": 0, "rfqs": 0}
    assert first["rfqs"] == 7
    statuses = {}
    from market.services.rfqs import rfq_status

    for row in await Rfq.select():
        statuses[row["title"]] = rfq_status(row, ctx.now()).value
    assert sorted(statuses.values()) == [
        "awarded",
        "awarded",
        "awarded",
        "closed",
        "draft",
        "published",
        "published",
    ]
    joint = (
        await Rfq.select().where(Rfq.title == "Sofa frames and leather covers").first().output(load_json=True)
    )
    awarded_to = {entry["bid"]: entry["members"] for entry in joint["evaluation"]}
    assert all(len(awarded_to[bid]) == 2 for bid in joint["awards"].values())  # to the consortium
    lotted = (
        await Rfq.select()
        .where(Rfq.title == "Seat frames and upholstery fabric")
        .first()
        .output(load_json=True)
    )
    assert [lot["id"] for lot in lotted["lots"]] == ["1", "2"] and set(lotted["awards"]) == {"1", "2"}
    assert await Bid.count().where(Bid.status == "active") >= 5
    assert (await audit.verify()).problem is None
    orgs = await Organisation.select()
    kinds = Counter(o["kind"] for o in orgs)
    assert kinds["lead_firm"] >= 3 and kinds["support_agency"] >= 2 and kinds["sme_supplier"] >= 40
    assert kinds["platform_operator"] == 1
    sme_countries = Counter(o["country"] for o in orgs if o["kind"] == "sme_supplier")
    assert set(sme_countries) == {"AR", "BR", "PY", "UY"}
    for org in orgs:
        assert validate_tax_id(Country(org["country"]), org["tax_id"]) == org["tax_id"]
    roles = {
        (u["role"], next(o["kind"] for o in orgs if o["id"] == u["organisation"]))
        for u in await AppUser.select()
    }
    for kind in ("lead_firm", "sme_supplier", "support_agency"):
        assert {("admin", kind), ("member", kind)} <= roles
    assert ("admin", "platform_operator") in roles
    user = await authenticate(ctx, "sme@demo.market", DEMO_PASSWORD, "127.0.0.1")
    assert user["email"] == "sme@demo.market"
