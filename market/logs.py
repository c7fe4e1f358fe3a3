"""Logs a machine can read: every record carries the id of the request it belongs to (the
client's ``X-Request-ID`` when it sends a sane one, else a new one, echoed in the response), and
with ``MARKET_LOG_FORMAT=json`` each record is one JSON object per line."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import uuid
from contextvars import ContextVar
from typing import Any

from litestar.logging import LoggingConfig

from market.settings import Settings

REQUEST_ID: ContextVar[str] = ContextVar("market_request_id", default="-")
_SANE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
#: Fields a record may carry beyond the message (the access log's).
EXTRA_FIELDS = ("method", "path", "status", "duration_ms")
TEXT_FORMAT = "%(levelname)s %(asctime)s [%(request_id)s] %(name)s: %(message)s"


def request_id_from(header: str | None) -> str:
    """The client's id when it is short and plain (so it cannot forge log lines), else a new one."""
    return header if header and _SANE.match(header) else uuid.uuid4().hex


def install_record_factory() -> None:
    """Give every log record, from any library, the current request's id (once per process)."""
    current = logging.getLogRecordFactory()
    if getattr(current, "market_request_id", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = current(*args, **kwargs)
        record.request_id = REQUEST_ID.get()
        return record

    factory.market_request_id = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC), level, logger, message, request id, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        entry.update({name: getattr(record, name) for name in EXTRA_FIELDS if hasattr(record, name)})
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def logging_config(settings: Settings) -> LoggingConfig:
    install_record_factory()
    formatter: dict[str, Any] = (
        {"()": JsonFormatter} if settings.log_format == "json" else {"format": TEXT_FORMAT}
    )
    return LoggingConfig(
        root={"level": settings.log_level, "handlers": ["queue_listener"]},
        formatters={"standard": formatter},
    )
