"""The ASGI gate in front of GraphQL: no verified bearer token, no resolver runs."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Final
from urllib.parse import parse_qsl

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from auth.principal import InvalidToken, Principal
from auth.tokens import TokenVerifier

__all__ = ["PURPOSE_HEADER", "BearerAuthMiddleware"]

logger = logging.getLogger("lcs_hub.auth")

PURPOSE_HEADER: Final = "x-purpose"
# The purpose is written into every audit record of a partner read; a bound keeps one
# request from bloating all of them.
_MAX_PURPOSE_LENGTH: Final = 500
# Any of these in a GET makes it an operation, not a request for the GraphiQL page.
_OPERATION_PARAMETERS: Final = frozenset({"query", "variables", "operationName", "extensions"})
_REALM: Final = 'Bearer realm="lcs-hub"'
# WebSocket close code 1008 "policy violation": the handshake is refused before accept.
_WEBSOCKET_POLICY_VIOLATION: Final = 1008


class BearerAuthMiddleware:
    """Verifies `Authorization: Bearer <token>` on protected paths before the app runs.

    On success the `Principal` is at `scope["state"]["principal"]` (Starlette's
    `request.state.principal`). Otherwise the request ends here with 401, so no resolver ever
    sees an unauthenticated call. The one exception is a browser asking for the GraphiQL page
    (GET, `Accept: text/html`, no operation in the query string) without a token: it passes
    with no principal, and any operation sent from that page needs a token like any other.
    """

    def __init__(
        self,
        app: ASGIApp,
        verifier: TokenVerifier,
        protected_prefixes: Sequence[str] = ("/graphql",),
    ) -> None:
        if isinstance(protected_prefixes, str):
            # A bare string would be iterated character by character: "/" would protect
            # everything by accident, and a typo could protect nothing.
            raise TypeError("protected_prefixes must be a sequence of paths, not a string")
        if any(not prefix.startswith("/") for prefix in protected_prefixes):
            raise ValueError("protected prefixes must start with '/'")
        self.app = app
        self._verifier = verifier
        self._protected_prefixes = tuple(protected_prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        web = scope["type"] in ("http", "websocket")
        prefix = _protected_prefix(scope, self._protected_prefixes) if web else None
        if prefix is None:
            await self.app(scope, receive, send)
            return
        # What a refusal logs of the path: the gate it met, never the rest, which is the
        # client's own text (a name or an NHS number is as easily put in a path as in a
        # query string).
        route = prefix if scope["path"] == prefix else f"{prefix}…"
        headers = Headers(scope=scope)
        authorizations = headers.getlist("authorization")
        if not authorizations:
            if _asks_for_graphql_ide(scope, headers):
                # Whatever sits in the state dict must not be mistaken for a caller.
                scope.setdefault("state", {}).pop("principal", None)
                await self.app(scope, receive, send)
                return
            await _refuse(
                route, scope, receive, send, "missing bearer token", challenge_error=False
            )
            return
        if len(authorizations) > 1:
            # Two credentials are ambiguous: a proxy and the hub might each pick another one.
            await _refuse(route, scope, receive, send, "several authorization headers")
            return
        scheme, _, token = authorizations[0].partition(" ")
        if scheme.lower() != "bearer":
            await _refuse(
                route,
                scope,
                receive,
                send,
                "unsupported authorization scheme",
                challenge_error=False,
            )
            return
        token = token.strip()
        if not token:
            await _refuse(route, scope, receive, send, "empty bearer token")
            return
        purpose, purpose_refusal = _purpose(headers)
        try:
            principal = await self._verifier.verify_async(token, purpose=purpose)
        except InvalidToken as refusal:
            await _refuse(route, scope, receive, send, refusal.reason)
            return
        except Exception as error:
            # A verifier bug must fail closed as a 401, never surface as a 500 that might
            # carry details of the token in a traceback page. Only the type name is logged:
            # some decoding errors quote the input they choked on.
            await _refuse(
                route,
                scope,
                receive,
                send,
                f"verification failed ({type(error).__name__})",
                level=logging.ERROR,
            )
            return
        if purpose_refusal is not None:
            await _reject_purpose(scope, receive, send, principal, purpose_refusal)
            return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)


def _protected_prefix(scope: Scope, prefixes: Sequence[str]) -> str | None:
    """The first of `prefixes` the request's path starts with, or None."""
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    # Check the path both with and without the mount point, so mounting the hub under a
    # root path can never move /graphql out from under the gate.
    candidates = {path, path.removeprefix(root_path) if root_path else path}
    # A plain prefix test on purpose: "/graphql/", "/graphqlx" and "/graphql/batch" are
    # protected too. Guarding a little too much is harmless; too little is not.
    return next(
        (prefix for prefix in prefixes for candidate in candidates if candidate.startswith(prefix)),
        None,
    )


def _asks_for_graphql_ide(scope: Scope, headers: Headers) -> bool:
    if scope["type"] != "http" or scope["method"] != "GET":
        return False
    query_string: bytes = scope.get("query_string", b"")
    parameters = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    if any(name in _OPERATION_PARAMETERS for name, _ in parameters):
        return False
    accepted = (
        media_range.split(";", 1)[0].strip().lower()
        for media_range in headers.get("accept", "").split(",")
    )
    return "text/html" in accepted


def _purpose(headers: Headers) -> tuple[str | None, str | None]:
    """The stated purpose, and the reason it is unusable (if it is)."""
    values = headers.getlist(PURPOSE_HEADER)
    if not values:
        return None, None
    if len(values) > 1:
        return None, "several X-Purpose headers"
    purpose = values[0].strip()
    if not purpose:
        return None, None
    if len(purpose) > _MAX_PURPOSE_LENGTH:
        return None, "X-Purpose header too long"
    if not purpose.isprintable():
        return None, "X-Purpose header has control characters"
    return purpose, None


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


async def _refuse(
    route: str,
    scope: Scope,
    receive: Receive,
    send: Send,
    reason: str,
    *,
    challenge_error: bool = True,
    level: int = logging.WARNING,
) -> None:
    # The reason is fixed text from the hub, the route the protected prefix the path
    # starts with. The token itself is never logged.
    logger.log(
        level,
        "authentication refused: %s (client %s, %s %r)",
        reason,
        _client(scope),
        scope.get("method", "WEBSOCKET"),
        route,
    )
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": _WEBSOCKET_POLICY_VIOLATION})
        return
    # The caller learns only "missing" versus "invalid"; the detailed reason stays in the
    # log, so the responses are no oracle for which check a forged token got past.
    if challenge_error:
        message, challenge = "Invalid or expired token", f'{_REALM}, error="invalid_token"'
    else:
        # RFC 6750 §3.1: no error code when the request carried no bearer credentials.
        message, challenge = "Authentication required", _REALM
    response = JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]},
        status_code=401,
        headers={"WWW-Authenticate": challenge, "Cache-Control": "no-store"},
    )
    await response(scope, receive, send)


async def _reject_purpose(
    scope: Scope, receive: Receive, send: Send, principal: Principal, reason: str
) -> None:
    logger.warning(
        "request refused: %s (subject %s, client %s)", reason, principal.subject, _client(scope)
    )
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": _WEBSOCKET_POLICY_VIOLATION})
        return
    response = JSONResponse(
        {"errors": [{"message": reason, "extensions": {"code": "BAD_REQUEST"}}]},
        status_code=400,
        headers={"Cache-Control": "no-store"},
    )
    await response(scope, receive, send)
