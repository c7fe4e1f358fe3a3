"""The marketplace as ``python -m market serve`` runs it, plus one bench-only route.

``POST /bench/insert`` writes one row through the same stack (uvicorn, Litestar, the engine, one
durable transaction) with no authentication, gate or audit: the ceiling a bid cannot beat.
Only the deadline-rush benchmark starts this; the product never registers the route.

    python bench/rush_server.py PORT [WORKERS]
"""

from __future__ import annotations

import datetime as dt
import sys
import uuid
from pathlib import Path

import uvicorn
from litestar import Litestar, Request, post

from market.app import create_app
from market.db.tables import Outbox


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


def build() -> Litestar:
    app = create_app()
    app.register(bare_insert)
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
