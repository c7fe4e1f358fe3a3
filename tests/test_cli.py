"""``python -m market``: the commands a newcomer and an operator type."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from market.settings import PROJECT_ROOT


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
    for command in ("serve", "migrate", "seed", "create-user"):
        assert command in result.stdout
    assert run("create-user", "--help").returncode == 0


def test_migrate_seed_and_create_user_on_a_fresh_file(tmp_path: Path) -> None:
    env = {"MARKET_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"}
    assert run("migrate", env=env).returncode == 0
    seeded = run("seed", env=env)
    assert seeded.returncode == 0, seeded.stderr
    assert "sme@demo.market" in seeded.stdout and "mercosur-demo-2026" in seeded.stdout
    again = run("seed", env=env)
    assert "0 organisations, 0 users and 0 self-assessments created" in again.stdout
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
