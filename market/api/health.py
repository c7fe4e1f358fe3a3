"""Health for load balancers and orchestrators: ``/health`` (the process answers) and ``/ready``
(it can reach the database and, with several processes, Redis)."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE
from piccolo.querystring import QueryString

from market.services.context import ServiceContext
from market.shared import SharedState

log = logging.getLogger("market.health")


async def database_answers(ctx: ServiceContext) -> bool:
    try:
        await ctx.engine.run_querystring(QueryString("SELECT 1"))
    except Exception:  # any failure means not ready; the log says which
        log.exception("database not ready")
        return False
    return True


class HealthController(Controller):
    path = "/"
    tags = ["health"]

    @get("/health", operation_id="health", cache=False)
    async def health(self) -> dict[str, str]:
        """The process is up and serving."""
        return {"status": "ok"}

    @get("/ready", operation_id="ready", cache=False)
    async def ready(
        self, ctx: NamedDependency[ServiceContext], shared: NamedDependency[SharedState]
    ) -> Response[dict[str, Any]]:
        """Ready to take traffic: the database and the shared state (Redis) answer. 503 otherwise,
        naming what does not."""
        checks = {"database": await database_answers(ctx), "shared_state": await shared.ready()}
        ok = all(checks.values())
        return Response(
            {"status": "ok" if ok else "unavailable", "checks": checks},
            status_code=HTTP_200_OK if ok else HTTP_503_SERVICE_UNAVAILABLE,
        )
