"""``python -m market``: the commands a newcomer and an operator type."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from market.settings import PROJECT_ROOT
from tests.api.test_ocds import check_package


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "market", *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_help_lists_the_commands() -> None:
    result = run("--help")
    assert result.returncode == 0
    for command in ("serve", "migrate", "seed", "create-user", "audit", "export"):
        assert command in result.stdout
    assert run("create-user", "--help").returncode == 0


def test_migrate_seed_and_create_user_on_a_fresh_file(tmp_path: Path) -> None:
    env = {"MARKET_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"}
    assert run("migrate", env=env).returncode == 0
    seeded = run("seed", env=env)
    assert seeded.returncode == 0, seeded.stderr
    assert "sme@demo.market" in seeded.stdout and "mercosur-demo-2026" in seeded.stdout
    again = run("seed", env=env)
    assert "0 organisations, 0 users, 0 self-assessments and 0 RFQs created" in again.stdout
    exported = run("export", "ocds", env=env)  # to stdout: nothing but the package
    assert exported.returncode == 0, exported.stderr
    package = json.loads(exported.stdout)
    check_package(package)
    joint = [a for r in package["releases"] for a in r.get("awards", []) if len(a["suppliers"]) > 1]
    assert joint, "the demo data has an RFQ awarded to a consortium"
    assert run("export", "ocds", "--output", str(tmp_path / "ocds.json"), env=env).returncode == 0
    assert json.loads((tmp_path / "ocds.json").read_text())["releases"] == package["releases"]
    import sqlite3

    with sqlite3.connect(tmp_path / "cli.sqlite3") as db:
        [(org_id,)] = db.execute(
            "SELECT id FROM organisation WHERE legal_name = 'Autopartes del Litoral S.A.'"
        )
    weak = run(
        "create-user",
        "--organisation",
        org_id,
        "--email",
        "new@example.com",
        "--name",
        "New Person",
        "--password",
        "password123",
        env=env,
    )
    assert weak.returncode == 2 and "too common" in weak.stderr
    made = run(
        "create-user",
        "--organisation",
        org_id,
        "--email",
        "new@example.com",
        "--name",
        "New Person",
        "--password",
        "a long and unusual passphrase",
        env=env,
    )
    assert made.returncode == 0 and "created user new@example.com" in made.stdout


def test_audit_verify_exits_0_when_intact_and_1_naming_the_broken_entry(tmp_path: Path) -> None:
    import sqlite3

    database = tmp_path / "audit.sqlite3"
    env = {"MARKET_DATABASE_URL": f"sqlite:///{database}"}
    assert run("migrate", env=env).returncode == 0
    empty = run("audit", "verify", env=env)
    assert empty.returncode == 0 and "0 entries" in empty.stdout
    script = (
        "import asyncio\n"
        "from litestar.stores.memory import MemoryStore\n"
        "from market.db.engine import build_engine, stop_engine\n"
        "from market.db.migrate import bind_tables\n"
        "from market.services import audit\n"
        "from market.services.context import ServiceContext\n"
        "from market.settings import load_settings\n"
        "async def main():\n"
        "    settings = load_settings(); engine = build_engine(settings); bind_tables(engine)\n"
        "    ctx = ServiceContext(settings=settings, engine=engine, store=MemoryStore())\n"
        "    for i in range(5):\n"
        "        await audit.append(ctx, 'u', 'bid.submitted', f'rfq-{i}', {'n': i})\n"
        "    await stop_engine(engine)\n"
        "asyncio.run(main())\n"
    )
    subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, env={**os.environ, **env}, check=True, timeout=60
    )
    intact = run("audit", "verify", env=env)
    assert intact.returncode == 0 and "5 entries" in intact.stdout
    with sqlite3.connect(database) as db:
        triggers = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
        for name, _ in triggers:
            db.execute(f"DROP TRIGGER {name}")
        db.execute("UPDATE audit_log SET details = '{\"n\": 99}' WHERE seq = 3")
        for _, sql in triggers:
            db.execute(sql)
    broken = run("audit", "verify", env=env)
    assert broken.returncode == 1 and "entry 3" in broken.stderr
