"""Open data: the OCDS 1.1 release package of the published RFQs, for anyone (no sign-in)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Stream

from market.domain.errors import NotFound
from market.services import ocds
from market.services.context import ServiceContext

MEDIA_TYPE = "application/json"


class OcdsController(Controller):
    path = "/api/v1/ocds"
    tags = ["open data"]

    @get("/releases", operation_id="ocdsReleasePackage", media_type=MEDIA_TYPE)
    async def releases(self, request: Request[Any, Any, Any], ctx: NamedDependency[ServiceContext]) -> Stream:
        """Every published RFQ as an OCDS 1.1 release (bids, party scale and lots extensions),
        streamed. Tenderers and bid statistics appear once the bids are evaluated, suppliers on
        the award: every member of a consortium is a supplier."""
        return Stream(ocds.package(ctx, str(request.url)), media_type=MEDIA_TYPE)

    @get("/releases/{rfq_id:uuid}", operation_id="ocdsRfqRelease", media_type=MEDIA_TYPE)
    async def one(
        self,
        request: Request,
        ctx: NamedDependency[ServiceContext],
        rfq_id: FromPath[uuid.UUID],
    ) -> Stream:
        """One published RFQ's release, in a package of its own."""
        async for _ in ocds.releases(ctx, rfq_id):
            return Stream(ocds.package(ctx, str(request.url), rfq_id), media_type=MEDIA_TYPE)
        raise NotFound("rfq")
