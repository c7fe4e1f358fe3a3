"""Command line: ``python -m market <serve|migrate|seed|create-user|audit|export> [--help]``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import os
import secrets
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TextIO

from litestar.stores.memory import MemoryStore

from market.db.engine import build_engine, start_engine, stop_engine
from market.db.migrate import migrate
from market.domain.accounts import Role
from market.domain.errors import DomainError
from market.i18n import gettext
from market.services.context import ServiceContext
from market.settings import Settings, load_settings


async def _with_context(settings: Settings, work: Callable[[ServiceContext], Awaitable[Any]]) -> Any:
    engine = build_engine(settings)
    await start_engine(engine, settings)
    ctx = ServiceContext(settings=settings, engine=engine, store=MemoryStore())
    try:
        with contextlib.redirect_stdout(sys.stderr):  # stdout is for what the command prints
            await migrate(engine)
        return await work(ctx)
    finally:
        # work left in the background (a coalesced live count) ends before its connections close:
        # a connection opened after closing would keep the process from exiting
        await ctx.stop_background()
        await stop_engine(engine)


def cmd_migrate(settings: Settings, _: argparse.Namespace) -> int:
    async def work(ctx: ServiceContext) -> None:
        return None

    asyncio.run(_with_context(settings, work))
    print(f"migrations applied to {settings.database_url}")
    return 0


def cmd_seed(settings: Settings, _: argparse.Namespace) -> int:
    from market.services.seed import DEMO_PASSWORD, demo_logins, load_demo_data

    created = asyncio.run(_with_context(settings, load_demo_data))
    print(
        f"demo data: {created['organisations']} organisations, {created['users']} users, "
        f"{created['assessments']} self-assessments and {created['rfqs']} RFQs created (existing ones kept)"
    )
    print(f"demo logins (password for all: {DEMO_PASSWORD}):")
    for email, role, org in demo_logins():
        print(f"  {email:<32} {role:<7} {org}")
    return 0


def cmd_create_user(settings: Settings, args: argparse.Namespace) -> int:
    from market.services.accounts import create_user

    password = args.password or os.environ.get("MARKET_NEW_PASSWORD") or getpass.getpass("Password: ")

    async def work(ctx: ServiceContext) -> dict[str, Any]:
        return await create_user(ctx, args.organisation, args.email, args.name, password, Role(args.role))

    try:
        user = asyncio.run(_with_context(settings, work))
    except DomainError as error:
        print(f"refused: {gettext(error.message, **error.params)}", file=sys.stderr)
        for field in error.fields:
            print(f"  {field.field}: {gettext(field.message, **field.params)}", file=sys.stderr)
        return 2
    print(f"created user {user['email']} ({user['id']})")
    return 0


def cmd_audit_verify(settings: Settings, _: argparse.Namespace) -> int:
    from market.services import audit

    async def work(ctx: ServiceContext) -> audit.Verification:
        return await audit.verify()

    result = asyncio.run(_with_context(settings, work))
    if result.problem is None:
        print(f"audit trail intact: {result.entries} entries")
        return 0
    problem = result.problem
    print(
        f"audit trail broken at entry {problem.position} (found entry {problem.seq} there): {problem.reason}",
        file=sys.stderr,
    )
    return 1


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    if not args.no_migrate:
        cmd_migrate(settings, args)
    host = args.host or settings.host
    port = args.port or settings.port
    workers = args.workers or settings.workers
    if workers > 1:
        if settings.is_sqlite:
            print(
                "several server processes need PostgreSQL (MARKET_DATABASE_URL=postgresql://…): "
                "SQLite's single writer lives in one process",
                file=sys.stderr,
            )
            return 2
        if not settings.redis_url:
            print(
                "several server processes need Redis (MARKET_REDIS_URL=redis://…) to share live "
                "events and the login throttle",
                file=sys.stderr,
            )
            return 2
        # every process must sign and check the same CSRF tokens
        os.environ.setdefault("MARKET_SECRET_KEY", settings.secret_key or secrets.token_urlsafe(32))
    print(
        f"SME marketplace running at http://{host}:{port}/ with {workers} process(es)  (Ctrl+C stops it)",
        flush=True,
    )
    uvicorn.run(
        "market.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=False,  # the app logs each request itself, with its request id (market.access)
        proxy_headers=False,
        timeout_graceful_shutdown=10,  # in-flight requests finish on SIGTERM/Ctrl+C
    )
    return 0


def cmd_export_ocds(settings: Settings, args: argparse.Namespace) -> int:
    """Write the OCDS 1.1 release package of every published RFQ, chunk by chunk."""
    from market.services import ocds

    uri = f"{settings.public_url.rstrip('/')}/api/v1/ocds/releases"

    async def work(ctx: ServiceContext, out: TextIO) -> None:
        async for chunk in ocds.package(ctx, uri):
            out.write(chunk)

    if not args.output:
        asyncio.run(_with_context(settings, lambda ctx: work(ctx, sys.stdout)))
        return 0
    with open(args.output, "w", encoding="utf-8") as out:
        asyncio.run(_with_context(settings, lambda ctx: work(ctx, out)))
    print(f"wrote the OCDS release package to {args.output}", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m market", description="SME e-procurement marketplace.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="apply migrations and start the web server")
    serve.add_argument("--host", default=None, help="address to listen on (MARKET_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (MARKET_PORT, default 8000)")
    serve.add_argument("--no-migrate", action="store_true", help="do not apply migrations first")
    serve.add_argument(
        "--workers",
        type=int,
        default=None,
        help="server processes (MARKET_WORKERS, default 1); more than one needs PostgreSQL and Redis",
    )
    serve.set_defaults(handler=cmd_serve)
    commands.add_parser("migrate", help="apply database migrations").set_defaults(handler=cmd_migrate)
    commands.add_parser(
        "seed", help="load the demo data (idempotent) and print the demo logins"
    ).set_defaults(handler=cmd_seed)
    audit = commands.add_parser("audit", help="the audit trail")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    audit_commands.add_parser(
        "verify", help="recompute the hash chain; exit 0 when intact, 1 naming the first bad entry"
    ).set_defaults(handler=cmd_audit_verify)
    export = commands.add_parser("export", help="open data exports")
    export_commands = export.add_subparsers(dest="export_command", required=True)
    ocds_export = export_commands.add_parser(
        "ocds", help="the OCDS 1.1 release package of every published RFQ (streamed)"
    )
    ocds_export.add_argument("--output", default=None, help="write to this file instead of stdout")
    ocds_export.set_defaults(handler=cmd_export_ocds)
    create = commands.add_parser("create-user", help="add a person to an existing organisation")
    create.add_argument("--organisation", required=True, help="organisation id (UUID)")
    create.add_argument("--email", required=True)
    create.add_argument("--name", required=True, help="full name")
    create.add_argument("--role", choices=[r.value for r in Role], default=Role.MEMBER.value)
    create.add_argument("--password", default=None, help="omit to be asked (or set MARKET_NEW_PASSWORD)")
    create.set_defaults(handler=cmd_create_user)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Callable[[Settings, argparse.Namespace], int] = args.handler
    return handler(load_settings(), args)


if __name__ == "__main__":
    sys.exit(main())
