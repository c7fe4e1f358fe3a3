"""A real server (``python -m market serve`` in a subprocess, seeded with the demo data) and a
real Chromium (Debian's, driven by Playwright). In CI a missing browser or axe-core fails."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx
import pytest

from market.settings import PROJECT_ROOT
from tests.conftest import IN_CI, make_database

CHROMIUM = Path(os.environ.get("MARKET_CHROMIUM", "/usr/bin/chromium"))
AXE = PROJECT_ROOT / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEMO_PASSWORD = "mercosur-demo-2026"


def _missing(what: str) -> None:
    if IN_CI:
        pytest.fail(f"{what} is required in CI")
    pytest.skip(f"{what} is not installed here (make test installs it)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def seeded_database(name: str, folder: Path, base: str | None = None) -> str:
    """A fresh database (PostgreSQL when ``base`` or the run's database is, else SQLite in
    ``folder``) with the demo data."""
    # In a thread of its own: Playwright's sync API may already run an event loop in this one.
    with ThreadPoolExecutor(1) as executor:
        url = executor.submit(make_database, name, folder, base).result()
    env = {**os.environ, "MARKET_DATABASE_URL": url}
    subprocess.run(
        [sys.executable, "-m", "market", "seed"], env=env, cwd=PROJECT_ROOT, check=True, capture_output=True
    )
    return url


@contextmanager
def server_process(url: str, log_file: Path, extra_env: dict[str, str]) -> Iterator[str]:
    """``python -m market serve`` on a free port against ``url`` until the block ends."""
    port = _free_port()
    env = {
        **os.environ,
        "MARKET_DATABASE_URL": url,
        "MARKET_PORT": str(port),
        "MARKET_SECRET_KEY": "e2e-secret",
        **extra_env,
    }
    log = log_file.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "market", "serve", "--no-migrate"],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=log,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(base + "/", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("server did not start: " + log_file.read_text())
        time.sleep(0.2)
    try:
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _serve(name: str, folder: Path, extra_env: dict[str, str]) -> Iterator[str]:
    """Make a database, seed it with the demo data and serve it until the caller is done."""
    url = seeded_database(name, folder)
    with server_process(url, folder / "server.log", extra_env) as base:
        yield base


@pytest.fixture(scope="session")
def live_server(worker_id: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from _serve(f"e2e_{worker_id}", tmp_path_factory.mktemp("live"), {})


@pytest.fixture
def fresh_server(worker_id: str, tmp_path: Path) -> Iterator[str]:
    """A live server with demo data of its own, for a test that changes what others rely on."""
    yield from _serve(f"fresh_{worker_id}", tmp_path, {})


FAKETIME = [Path(f"/usr/lib/{arch}-linux-gnu/faketime/libfaketime.so.1") for arch in ("x86_64", "aarch64")]


@dataclass
class TimedServer:
    """A live server whose clock (and only its clock) can be moved forward: libfaketime reads
    the offset from a file, so a test can cross a real deadline without waiting a day."""

    base: str
    offset_file: Path

    def advance(self, seconds: int) -> None:
        """Move the server's clock ``seconds`` ahead of real time; return once it shows it (the
        ``Date`` header of its answers comes from the same clock)."""
        self.offset_file.write_text(f"+{seconds}\n")
        expected = time.time() + seconds - 120
        give_up = time.monotonic() + 20
        while time.monotonic() < give_up:
            answer = httpx.get(self.base + "/", timeout=5)
            if parsedate_to_datetime(answer.headers["date"]).timestamp() >= expected:
                return
            time.sleep(0.2)
        raise AssertionError("the server's clock did not move")


@pytest.fixture(scope="module")
def timed_server(worker_id: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TimedServer]:
    library = next((path for path in FAKETIME if path.exists()), None)
    if library is None:
        _missing("libfaketime (Debian package faketime)")
    folder = tmp_path_factory.mktemp("timed")
    offset_file = folder / "faketime"
    offset_file.write_text("+0\n")
    env = {
        "LD_PRELOAD": str(library),
        "FAKETIME_TIMESTAMP_FILE": str(offset_file),
        "FAKETIME_NO_CACHE": "1",  # read the offset file at every clock reading
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",  # the event loop's timers keep real time
        "MARKET_SESSION_HOURS": "72",  # sessions outlive the jump, as they would a real day
    }
    for base in _serve(f"timed_{worker_id}", folder, env):
        yield TimedServer(base, offset_file)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Module-scoped: Playwright's sync API runs an event loop of its own while it is open, which
    must be gone before the asynchronous tests of other modules run (``--dist loadscope``)."""
    if not CHROMIUM.exists():
        _missing(f"Chromium ({CHROMIUM})")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield instance
        instance.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        _missing(f"axe-core ({AXE})")
    return AXE.read_text()
