"""``create_app(settings)`` builds the whole application; nothing is built at import time."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import logging
import secrets
from collections.abc import Callable
from typing import Any

from litestar import Litestar, Request, Response
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import CacheControlHeader
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from market.api.agencies import AgencyController
from market.api.consortia import ConsortiumController
from market.api.controllers import API_CONTROLLERS
from market.api.errors import api_exception_response
from market.api.health import HealthController
from market.api.ocds import OcdsController
from market.api.openapi import ApiSchemaPlugin, document_errors
from market.api.performance import PerformanceController
from market.api.readiness import ReadinessController
from market.api.rfqs import AwardController, QuestionController, RfqController
from market.db.engine import build_engine, start_engine, stop_engine
from market.db.migrate import bind_tables
from market.logs import logging_config
from market.realtime.live import LIVE_HANDLERS, create_channels
from market.services import certificates, onboarding
from market.services.context import ServiceContext, utc_now
from market.settings import PROJECT_ROOT, Settings, load_settings
from market.shared import SharedState
from market.web.agencies import WEB_AGENCY_CONTROLLERS
from market.web.consortia import ConsortiumPages
from market.web.middleware import RequestContextMiddleware, add_security_headers, refuse_hostile_input
from market.web.pages import WEB_CONTROLLERS, web_exception_response
from market.web.performance import PerformancePages
from market.web.readiness import CertificatePages, ReadinessPages
from market.web.rfqs import RfqPages
from market.web.templating import configure_templates

MAX_BODY_BYTES = 1024 * 1024


async def start_background(ctx: ServiceContext, shared: SharedState) -> None:
    """Resume work a stopped server left unfinished; send certificate reminders every hour. With
    several processes, one of them takes each job and each hour's reminders."""
    for job_id in await onboarding.unfinished_jobs():
        if await shared.claim(f"onboarding:{job_id}", 3600):
            ctx.spawn(
                onboarding.run_job(ctx, job_id, ctx.settings.invitation_url), f"onboarding job {job_id}"
            )

    async def reminders() -> None:
        while True:
            if await shared.claim("certificate-reminders", 3000):
                await certificates.send_due_reminders(ctx)
            await asyncio.sleep(3600)

    ctx.spawn(reminders(), "certificate reminders")


def create_app(settings: Settings | None = None, *, clock: Callable[[], dt.datetime] = utc_now) -> Litestar:
    settings = settings or load_settings()
    # The SQLite driver's debug log prints every query's parameters (bid prices, password hashes):
    # it stays quiet whatever level the rest of the log runs at.
    logging.getLogger("aiosqlite").setLevel(logging.WARNING)
    engine = build_engine(settings)
    bind_tables(engine)
    shared = SharedState.from_settings(settings)
    ctx = ServiceContext(settings=settings, engine=engine, store=shared.store, clock=clock)
    channels = create_channels(shared.channels_backend)
    ctx.events = lambda channel, event: channels.publish(event, [channel])

    async def on_startup() -> None:
        await start_engine(engine, settings)
        await start_background(ctx, shared)
        # What exists by now (the app, its routes, models and templates) lives as long as the
        # process: out of the collector's sight, a full collection no longer walks it (it paused
        # the event loop for up to 70 ms under load, every request waiting). Shutdown thaws it.
        gc.freeze()

    async def on_shutdown() -> None:
        await ctx.stop_background()
        await stop_engine(engine)
        await shared.close()
        gc.unfreeze()  # another app in this process (tests) would otherwise never free this one

    def handle_error(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
        if request.url.path.startswith("/api/"):
            return api_exception_response(request, error)
        return web_exception_response(request, error)

    app = Litestar(
        route_handlers=[
            HealthController,
            *API_CONTROLLERS,
            ReadinessController,
            AgencyController,
            RfqController,
            AwardController,
            QuestionController,
            ConsortiumController,
            OcdsController,
            PerformanceController,
            *WEB_CONTROLLERS,
            ReadinessPages,
            CertificatePages,
            *WEB_AGENCY_CONTROLLERS,
            RfqPages,
            ConsortiumPages,
            PerformancePages,
            *LIVE_HANDLERS,
            create_static_files_router(
                path="/static",
                directories=[PROJECT_ROOT / "static"],
                name="static",
                cache_control=CacheControlHeader(max_age=3600, public=True),
            ),
        ],
        dependencies={
            "ctx": Provide(lambda: ctx, use_cache=True, sync_to_thread=False),
            "shared": Provide(lambda: shared, use_cache=True, sync_to_thread=False),
        },
        middleware=[DefineMiddleware(RequestContextMiddleware, ctx=ctx)],
        before_send=[add_security_headers],
        before_request=refuse_hostile_input,
        csrf_config=CSRFConfig(
            secret=settings.secret_key or secrets.token_urlsafe(32),
            cookie_name="market_csrf",
            cookie_secure=settings.secure_cookies,
            cookie_httponly=True,
            cookie_samesite="lax",
            exclude=["/api/"],
        ),
        template_config=TemplateConfig(
            directory=PROJECT_ROOT / "templates",
            engine=JinjaTemplateEngine,
            engine_callback=configure_templates,
        ),
        openapi_config=OpenAPIConfig(
            title="SME e-procurement marketplace API",
            version="1",
            path="/api/schema",
            render_plugins=[ApiSchemaPlugin()],
        ),
        exception_handlers={Exception: handle_error},
        request_max_body_size=MAX_BODY_BYTES,
        plugins=[channels],
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        logging_config=logging_config(settings),
        debug=settings.debug,
    )
    document_errors(app)
    app.state.ctx = ctx
    app.state.channels = channels
    return app
