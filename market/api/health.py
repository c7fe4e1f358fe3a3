"""Health for load balancers and orchestrators: ``/health`` (the process answers) and ``/ready``
(it can reach the database and, with several processes, Redis)."""

from __future__ import annotations

import logging

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE
from piccolo.querystring import QueryString
from pydantic import BaseModel

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


class Readiness(BaseModel):
    status: str
    checks: dict[str, bool]


class HealthController(Controller):
    path = "/"
    tags = ["health"]

    @get("/health", operation_id="health", cache=False)
    async def health(self) -> dict[str, str]:
        """The process is up and serving."""
        return {"status": "ok"}

    @get(
        "/ready",
        operation_id="ready",
        cache=False,
        responses={
            HTTP_503_SERVICE_UNAVAILABLE: ResponseSpec(
                data_container=Readiness,
                description="Not ready: the checks name what does not answer.",
                generate_examples=False,
            )
        },
    )
    async def ready(
        self, ctx: NamedDependency[ServiceContext], shared: NamedDependency[SharedState]
    ) -> Response[Readiness]:
        """Ready to take traffic: the database and the shared state (Redis) answer. 503 otherwise,
        naming what does not."""
        checks = {"database": await database_answers(ctx), "shared_state": await shared.ready()}
        ok = all(checks.values())
        return Response(
            Readiness(status="ok" if ok else "unavailable", checks=checks),
            status_code=HTTP_200_OK if ok else HTTP_503_SERVICE_UNAVAILABLE,
        )
