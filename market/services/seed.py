"""Demo data from ``fixtures/demo.json``; loading it twice changes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from market.db.tables import AppUser, Organisation
from market.domain.accounts import Role
from market.domain.organisations import Country, OrganisationKind, tax_id_key
from market.services.accounts import create_user
from market.services.context import ServiceContext
from market.services.organisations import create_organisation
from market.settings import PROJECT_ROOT

DEMO_FILE = PROJECT_ROOT / "fixtures" / "demo.json"
#: Every demo account signs in with this passphrase (documented in the README).
DEMO_PASSWORD = "mercosur-demo-2026"  # noqa: S105 (published demo password)


async def load_demo_data(ctx: ServiceContext, path: Path = DEMO_FILE) -> dict[str, int]:
    """Create the demo organisations and users that do not exist yet; return what was created."""
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))  # noqa: ASYNC240 (small, once)
    ids: dict[str, str] = {}
    created = {"organisations": 0, "users": 0}
    # Agencies before the SMEs they onboarded: the file lists them first.
    for item in document["organisations"]:
        key = tax_id_key(Country(item["country"]), item["tax_id"])
        existing = await Organisation.select(Organisation.id).where(Organisation.tax_key == key).first()
        if existing is None:
            profile = {
                k: v for k, v in item.items() if k not in {"key", "kind", "accredited", "onboarded_by"}
            }
            onboarded_by = ids.get(item["onboarded_by"]) if item.get("onboarded_by") else None
            org, _ = await create_organisation(
                ctx,
                OrganisationKind(item["kind"]),
                profile,
                None,
                onboarded_by=onboarded_by,
                accredited=bool(item.get("accredited")),
            )
            created["organisations"] += 1
            org_id = str(org["id"])
        else:
            org_id = str(existing["id"])
        if "key" in item:
            ids[item["key"]] = org_id
    for person in document["users"]:
        if await AppUser.exists().where(AppUser.email == person["email"]):
            continue
        await create_user(
            ctx,
            ids[person["organisation"]],
            person["email"],
            person["full_name"],
            DEMO_PASSWORD,
            Role(person["role"]),
        )
        created["users"] += 1
    return created


def demo_logins(path: Path = DEMO_FILE) -> list[tuple[str, str, str]]:
    """(e-mail, role, organisation key) of every demo user, for printing."""
    document = json.loads(path.read_text(encoding="utf-8"))
    return [(p["email"], p["role"], p["organisation"]) for p in document["users"]]
