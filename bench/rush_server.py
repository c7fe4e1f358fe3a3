"""The marketplace as ``python -m market serve`` runs it, plus two bench-only routes, the
ceilings the benchmarks set their figures beside. Only the benchmarks start this; the product never
registers these routes.

``POST /bench/insert`` writes one row through the same stack (uvicorn, Litestar, the engine, one
durable transaction) with no authentication, gate or audit: the ceiling a bid cannot beat.

``GET /bench/board`` answers the board's first page as ``GET /api/v1/rfqs`` does (the same rows
made into the same models and serialized through the same middleware) from rows read once and kept
in memory, with no authentication: the ceiling a search cannot beat.

    python bench/rush_server.py PORT [WORKERS]
"""

from __future__ import annotations

import datetime as dt
import sys
import uuid
from pathlib import Path
from typing import Any

import uvicorn
from litestar import Litestar, Request, get, post

from market.api.rfqs import BoardRow
from market.api.schemas import Page
from market.app import create_app
from market.db.tables import Outbox
from market.domain.rfq import in_language
from market.services import rfqs

_first_page: list[tuple[list[dict[str, Any]], int]] = []


@post("/bench/insert", status_code=201, exclude_from_csrf=True)
async def bare_insert(request: Request) -> dict[str, str]:
    ctx = request.app.state.ctx
    row_id = uuid.uuid4()
    async with ctx.transaction():
        await Outbox.insert(
            Outbox(
                id=row_id,
                recipient="bench@example.com",
                subject="ceiling",
                body="",
                created_at=dt.datetime.now(dt.UTC),
            )
        )
    return {"id": str(row_id)}


@get("/bench/board")
async def board_from_memory(request: Request) -> Page[BoardRow]:
    if not _first_page:
        _first_page.append(await rfqs.board(request.app.state.ctx.now()))
    rows, total = _first_page[0]
    items = []
    for row in rows:
        title = in_language(row["title"], "", row["language"], row["translations"], "en")[0]
        items.append(BoardRow.model_validate(row | {"title": title}))
    return Page[BoardRow](items=items, page=1, per_page=20, total=total)


def build() -> Litestar:
    app = create_app()
    app.register(bare_insert)
    app.register(board_from_memory)
    return app


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    uvicorn.run(
        "rush_server:build",
        factory=True,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        workers=int(sys.argv[2]) if len(sys.argv) > 2 else 1,
        log_level="warning",
    )
