"""Structured logs: one JSON object a line, carrying the request id, never personal data.

Exception messages are left out on purpose: an engine error quotes the statement with its
parameters inlined (names, dates of birth), and a GraphQL error can quote the query. A log
line keeps the exception's type and where it was raised, which with the request id is
enough to find the request; the data itself stays in the graph.
"""

from __future__ import annotations

import json
import logging
import traceback
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Final

# Set by the request middleware for the life of one request (asyncio copies it into the
# tasks the request starts, so resolvers and loaders log with it too).
REQUEST_ID: ContextVar[str | None] = ContextVar("lcs_hub_request_id", default=None)

# Attributes every LogRecord has; anything else was passed as `extra=` and is logged.
_STANDARD_ATTRIBUTES: Final = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "taskName",
    # uvicorn's terminal-coloured copy of its message
    "color_message",
}


def _where(error: BaseException) -> list[str]:
    frames = traceback.extract_tb(error.__traceback__)
    return [f"{frame.filename}:{frame.lineno} {frame.name}" for frame in frames[-8:]]


class JsonLines(logging.Formatter):
    """Formats a record as one JSON line: time, level, logger, message, request id, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if (request_id := REQUEST_ID.get()) is not None:
            entry["request_id"] = request_id
        for name, value in record.__dict__.items():
            if name not in _STANDARD_ATTRIBUTES and not name.startswith("_"):
                entry[name] = value
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            entry["error"] = type(error).__name__
            entry["where"] = _where(error)
        return json.dumps(entry, default=str, ensure_ascii=False)


def quiet_libraries() -> None:
    """Keep libraries that log request URLs at INFO (httpx: the Content Server's and the
    identity provider's URLs) to warnings and above."""
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)


def configure_logging(level: int = logging.INFO) -> None:
    """Send every logger (the hub's, uvicorn's, the libraries') through one JSON handler."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLines())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    quiet_libraries()
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        # uvicorn's own handlers would print its access line, query string included.
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    # The hub writes its own access line without the query string (hub/request_context.py).
    logging.getLogger("uvicorn.access").disabled = True
