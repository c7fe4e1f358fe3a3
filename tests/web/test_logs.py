"""Structured logs: every request has an id (the client's when sane, else a new one), echoed in the
response and carried by every log record made while serving it; the access log names method, path,
status and duration but never the query string; the JSON format is one object per line."""

from __future__ import annotations

import json
import logging
import re

from market.logs import JsonFormatter


async def test_request_id_is_echoed_and_on_every_record(client, caplog) -> None:
    caplog.set_level(logging.INFO)
    answer = await client.get("/login", headers={"X-Request-ID": "trace-42.a_b"})
    assert answer.headers["x-request-id"] == "trace-42.a_b"
    [access] = [r for r in caplog.records if r.name == "market.access" and r.request_id == "trace-42.a_b"]
    assert (access.method, access.path, access.status) == ("GET", "/login", 200)
    assert access.duration_ms >= 0

    forged = await client.get("/login", headers={"X-Request-ID": 'x" level=ERROR forged'})
    assert re.fullmatch(r"[0-9a-f]{32}", forged.headers["x-request-id"])  # replaced, not trusted

    caplog.clear()
    await client.get("/rfqs?q=typed-secret-words", headers={"X-Request-ID": "trace-43"})
    served = [r for r in caplog.records if r.name.startswith(("market", "litestar", "uvicorn"))]
    assert served and not any("typed-secret-words" in r.getMessage() for r in served)
    assert any(r.request_id == "trace-43" for r in caplog.records)


def test_json_lines() -> None:
    record = logging.LogRecord("market.access", logging.INFO, __file__, 1, "%s %s", ("GET", "/x"), None)
    record.request_id = "abc"
    record.status = 200
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "GET /x" and line["request_id"] == "abc" and line["status"] == 200
    assert line["level"] == "INFO" and line["logger"] == "market.access" and line["time"].endswith("+00:00")
