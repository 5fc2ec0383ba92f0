"""The outermost middleware: a request id, security headers, one access line, no tracebacks.

Every response carries `X-Request-ID`; every log line written while the request runs
carries the same id (hub/logs.py). The access line names the method, the route (the
path as the hub declares it, `/returns/{jobId}`: never the client's text of the path,
nor its query string, which a GET operation fills with the query and its variables:
names, NHS numbers), the status and the time taken. An exception that escapes the app
is answered as JSON with the request id (503 when the graph engine is unreachable), its
details only logged.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import TYPE_CHECKING, Final

from starlette.responses import JSONResponse

from hub.errors import (
    ENGINE_RETRY_AFTER_SECONDS,
    engine_answer,
    engine_unavailable,
    internal_error_message,
)
from hub.logs import REQUEST_ID
from hub.metrics import note_graphql_error, route_label

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("lcs_hub.access")
log = logging.getLogger("lcs_hub.errors")

# Children's data must not be framed by another site, sniffed into another type, leak
# its address through Referer, or be kept by a browser or proxy cache.
SECURITY_HEADERS: Final = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"referrer-policy", b"no-referrer"),
)
_NO_STORE: Final = (b"cache-control", b"no-store")
# Public keys may be cached; everything else the hub answers may concern a child.
_CACHEABLE_PATHS: Final = frozenset({"/.well-known/jwks.json"})


class RequestContextMiddleware:
    """Gives each HTTP request an id, the security headers, an access line and a safe 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        status = 0
        cacheable = scope["path"] in _CACHEABLE_PATHS

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if cacheable or name.lower() != b"cache-control"
                ]
                headers.append((b"x-request-id", request_id.encode()))
                # A response that sets its own (the GraphiQL page's fuller CSP) keeps it.
                present = {name.lower() for name, _ in headers}
                headers.extend(pair for pair in SECURITY_HEADERS if pair[0] not in present)
                if not cacheable:
                    headers.append(_NO_STORE)
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as error:
            if status:
                # Part of the response left already; all that can be done is to log it.
                log.error("error after the response started", exc_info=error)
                raise
            status = await _answer_error(error, request_id, scope, receive, send_with_headers)
        finally:
            client = scope.get("client")
            access_log.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": logged_path(scope),
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "client": client[0] if client else None,
                },
            )
            REQUEST_ID.reset(token)


def logged_path(scope: Scope) -> str:
    """The path of a request as a log line may carry it: the template of the route that
    took it, or, for a request no route took (refused before routing, or not served), the
    part of the path the hub names (`/ingest…`), never the client's own text."""
    template = getattr(scope.get("route"), "path", None)
    if isinstance(template, str):
        return template
    label = route_label(scope["path"])
    if label == "other":
        return "(not served)"
    return f"/{label}" if scope["path"] == f"/{label}" else f"/{label}…"


async def _answer_error(
    error: Exception, request_id: str, scope: Scope, receive: Receive, send: Send
) -> int:
    if engine_unavailable(error):
        log.warning("graph engine unavailable", exc_info=error)
        status = 503
        code, message = engine_answer(error)
        headers = {"Retry-After": str(ENGINE_RETRY_AFTER_SECONDS)}
    else:
        log.error("unexpected error", exc_info=error)
        status, code, message = 500, "INTERNAL_SERVER_ERROR", internal_error_message()
        headers = {}
    note_graphql_error(code)
    response = JSONResponse(
        # `data: null` as the GraphQL view answers: nothing of the request was answered.
        {
            "data": None,
            "errors": [{"message": message, "extensions": {"code": code, "requestId": request_id}}],
        },
        status_code=status,
        headers=headers,
    )
    await response(scope, receive, send)
    return status
