"""HTTP-level bounds on a request: its body and its query string, before anything reads them.

A 50 MB body cost 37 s of CPU and 2 GB never released; the body is refused with 413 as
soon as it is known to be too big (by its Content-Length, or while it streams in), before
JSON parsing. A GET operation's query string is bounded the same way (414). Starlette's
own refusals (a path the hub does not serve, a method the path does not take) are answered
the same way too, instead of its plain text.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse

from hub.metrics import note_graphql_error

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.types import ASGIApp, Message, Receive, Scope, Send


# Paths that are not GraphQL: their own answers and refusals are `{"error", "code"}`
# (hub/push.py, the returns download), and so is every refusal a shared layer makes there.
PLAIN_PATHS: Final = ("/ingest/", "/returns/")
# A refusal is a few hundred bytes; anything longer is passed on as it is.
_MOST_REFUSAL_BYTES: Final = 64 * 1024


class _BodyTooLarge(Exception):
    pass


def refusal(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """A GraphQL-shaped error answer with an HTTP status."""
    note_graphql_error(code)
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code}}]},
        status_code=status,
        headers=headers,
    )


async def routing_refusal(request: Request, error: Exception) -> JSONResponse:
    """Starlette's HTTP errors (404 no such path, 405 a method the path does not take) as
    the hub's other refusals: JSON with a code (the status's name, `METHOD_NOT_ALLOWED`),
    keeping Starlette's headers (the `Allow` a 405 names the path's methods in)."""
    if not isinstance(error, HTTPException):
        raise error
    status = HTTPStatus(error.status_code)
    headers = dict(error.headers or {})
    message = {
        HTTPStatus.NOT_FOUND: "the hub serves nothing at this path",
        HTTPStatus.METHOD_NOT_ALLOWED: "this path does not take the request's method; "
        f"it takes {headers.get('Allow', 'none')}",
    }.get(status, status.phrase)
    return refusal(status, status.name, message, headers)


class RequestSizeLimitMiddleware:
    """Refuses bodies over `max_body_bytes` (413) and query strings over `max_query_bytes` (414).

    `larger_bodies` names path prefixes with a limit of their own (the push endpoints take
    batches of records, bounded by hub/push.py), checked here the same way.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        max_query_bytes: int,
        larger_bodies: tuple[tuple[str, int], ...] = (),
    ) -> None:
        self.app = app
        self._max_body = max_body_bytes
        self._max_query = max_query_bytes
        self._larger = larger_bodies

    def _limit(self, path: str) -> int:
        return next(
            (most for prefix, most in self._larger if path.startswith(prefix)), self._max_body
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if len(scope.get("query_string", b"")) > self._max_query:
            await refusal(
                414, "QUERY_STRING_TOO_LONG", f"the query string is over {self._max_query} bytes"
            )(scope, receive, send)
            return
        most = self._limit(scope.get("path", ""))
        declared = _content_length(scope)
        if declared is not None and declared > most:
            await self._too_large(most, scope, receive, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > most:
                    raise _BodyTooLarge
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except _BodyTooLarge:
            if started:
                raise
            await self._too_large(most, scope, receive, send)

    async def _too_large(self, most: int, scope: Scope, receive: Receive, send: Send) -> None:
        await refusal(
            413,
            "REQUEST_TOO_LARGE",
            f"the request body is over {most} bytes",
            {"Connection": "close"},
        )(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class PlainRefusalsMiddleware:
    """On `PLAIN_PATHS`, answers the refusals of the layers every path shares (size bounds,
    authentication, the rate limit, an engine outage, routing), which are GraphQL-shaped
    (`errors[0].extensions.code`), as `{"error", "code"}` (and the `requestId` an
    outage or an internal error carries), the shape the path's own refusals have: an
    integrator reads one shape on one path. Everything else passes through untouched.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope.get("path", "").startswith(PLAIN_PATHS):
            await self.app(scope, receive, send)
            return
        held: Message | None = None
        body = bytearray()

        async def plain_send(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start" and _json_refusal(message):
                held = message
                return
            if held is None or message["type"] != "http.response.body":
                await send(message)
                return
            body.extend(message.get("body", b""))
            more = bool(message.get("more_body"))
            if more and len(body) <= _MOST_REFUSAL_BYTES:
                return
            start, held = held, None
            plain = None if more else _plain(bytes(body))
            if plain is not None:
                start = {**start, "headers": _with_length(start.get("headers", []), len(plain))}
            await send(start)
            await send(
                {"type": "http.response.body", "body": plain or bytes(body), "more_body": more}
            )

        await self.app(scope, receive, plain_send)


def _json_refusal(start: Message) -> bool:
    if int(start["status"]) < 400:
        return False
    return any(
        name.lower() == b"content-type" and value.startswith(b"application/json")
        for name, value in start.get("headers", [])
    )


def _plain(body: bytes) -> bytes | None:
    """A GraphQL-shaped refusal as `{"error", "code"}`; None for any other body."""
    try:
        answer: Any = json.loads(body)
    except ValueError:
        return None
    errors = answer.get("errors") if isinstance(answer, dict) else None
    if not isinstance(errors, list) or not errors or not isinstance(errors[0], dict):
        return None
    extensions = errors[0].get("extensions") or {}
    plain = {"error": errors[0].get("message"), "code": extensions.get("code")}
    if "requestId" in extensions:
        plain["requestId"] = extensions["requestId"]
    return json.dumps(plain, separators=(",", ":")).encode()


def _with_length(headers: list[tuple[bytes, bytes]], length: int) -> list[tuple[bytes, bytes]]:
    kept = [(name, value) for name, value in headers if name.lower() != b"content-length"]
    return [*kept, (b"content-length", str(length).encode())]
