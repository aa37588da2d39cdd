"""Log lines for people (the default) or one JSON object per line (`SUARA_LOG_FORMAT=json`).

A JSON line carries the time, level, logger, message and the id of the request being served, so a
log collector can join everything one request did. Suara's code never logs contact data; as a second
line of defence the formatter masks what still looks like it — e-mail addresses and runs of eight or
more digits (phone numbers, NIKs) — in the message and in any stack trace.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
from datetime import UTC, datetime

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
"""The id of the request being served (set by the API's RequestId middleware)."""

TEXT_FORMAT = "%(levelname)s %(name)s: %(message)s"

_PERSONAL = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # e-mail addresses
    r"|\+?\d(?:[\s.()-]{0,2}\d){7,}",  # 8+ digits with separators: phone numbers, NIKs
)


def scrub(text: str) -> str:
    """``text`` with e-mail addresses and long digit runs replaced by "…"."""
    return _PERSONAL.sub("…", text)


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, request_id, and
    the exception's type and stack when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
            "request_id": REQUEST_ID.get(),
            "process": record.process,
        }
        if record.exc_info:
            line["exception"] = scrub(self.formatException(record.exc_info))
        elif record.exc_text:
            line["exception"] = scrub(record.exc_text)
        return json.dumps(line, ensure_ascii=False)


def configure_logging(log_format: str = "text", level: int = logging.INFO) -> None:
    """Send every logger (uvicorn's included) through one handler on stderr in ``log_format``."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
    # No access log (as `suara serve` tells uvicorn): a line per request costs a write per request, and a
    # worker process configures logging after uvicorn did, so letting it propagate would turn it back on.
    access = logging.getLogger("uvicorn.access")
    access.handlers.clear()
    access.propagate = False

