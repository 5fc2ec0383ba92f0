"""A per-client rate limit, so one caller cannot take the hub from everyone else.

The client is the verified token's subject when there is one (behind a gateway or a
proxy many people share an address), else the client's address (after
`X-Forwarded-For` from a trusted proxy). Counting is the `limits` package's sliding
window counter in memory: a few counters per active client, expired by the package.
Over the limit the answer is 429 with `Retry-After`; nothing runs.

A request the authentication gate answers itself (no token, a forged or expired one: 401;
a token with an unusable X-Purpose: 400) never reaches the limit behind the gate, so it is
counted in front of it, against its address (a count of its own, beside the address's
count of anonymous requests to open paths): past the bound such a request is answered
429 instead. Its token is still checked, so a caller whose token verifies is counted by its
subject as before, never refused for the failures of another client at the same address.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import SlidingWindowCounterRateLimiter

from hub.request_limits import refusal

if TYPE_CHECKING:
    from limits import RateLimitItem
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from auth.principal import Principal

# Set in the request's state once the request reached the limit behind the gate.
_COUNTED = "rate_counted"


class ClientRates:
    """The counters of every client against `rate` (e.g. `"20/second;600/minute"`)."""

    def __init__(self, rate: str) -> None:
        # Parsed here so a mistyped setting stops the hub at start-up.
        self.items: list[RateLimitItem] = parse_many(rate)
        self._limiter = SlidingWindowCounterRateLimiter(MemoryStorage())

    def seconds_to_wait(self, client: str) -> int | None:
        """How long `client` must wait before its next request, or None if it may go on."""
        exceeded = [item for item in self.items if not self._limiter.test(item, client)]
        if not exceeded:
            return None
        now = time.time()
        wait = max(
            self._limiter.get_window_stats(item, client).reset_time - now for item in exceeded
        )
        return max(1, math.ceil(wait))

    def hit(self, client: str) -> None:
        """Count one request of `client`."""
        for item in self.items:
            self._limiter.hit(item, client)


def _too_many(wait: int) -> ASGIApp:
    return refusal(
        429,
        "RATE_LIMITED",
        "too many requests from this client; slow down",
        {"Retry-After": str(wait)},
    )


class RateLimitMiddleware:
    """Answers 429 to a client over its rate (behind authentication: the subject's)."""

    def __init__(self, app: ASGIApp, *, rates: ClientRates) -> None:
        self.app = app
        self._rates = rates

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._rates.items:
            await self.app(scope, receive, send)
            return
        client = _client_key(scope)
        scope.setdefault("state", {})[_COUNTED] = True
        wait = self._rates.seconds_to_wait(client)
        if wait is not None:
            await _too_many(wait)(scope, receive, send)
            return
        self._rates.hit(client)
        await self.app(scope, receive, send)


class RefusedAuthenticationLimitMiddleware:
    """In front of authentication: counts each request the gate answers itself (a refusal,
    which the limit behind the gate never sees) against the client's address, and past the
    rate answers such a request 429 with `Retry-After` in place of the refusal."""

    def __init__(self, app: ASGIApp, *, rates: ClientRates) -> None:
        self.app = app
        self._rates = rates

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._rates.items:
            await self.app(scope, receive, send)
            return
        # A budget of its own: the refusals of an address never make its open paths
        # (/healthz, the GraphiQL page) or anyone's verified requests answer 429.
        client = f"refused-{_address_key(scope)}"
        wait = self._rates.seconds_to_wait(client)
        state = scope.setdefault("state", {})
        state.pop(_COUNTED, None)
        refused = False

        async def counting_send(message: Message) -> None:
            nonlocal refused
            if message["type"] == "http.response.start" and not state.get(_COUNTED):
                refused = True
                if wait is None:
                    self._rates.hit(client)
            if refused and wait is not None:
                # Over the rate: the refusal is replaced, once its body is complete.
                if message["type"] == "http.response.body" and not message.get("more_body"):
                    await _too_many(wait)(scope, receive, send)
                return
            await send(message)

        await self.app(scope, receive, counting_send)


def _client_key(scope: Scope) -> str:
    principal: Principal | None = scope.get("state", {}).get("principal")
    if principal is not None:
        return f"subject:{principal.subject}"
    return _address_key(scope)


def _address_key(scope: Scope) -> str:
    client = scope.get("client")
    return f"address:{client[0] if client else 'unknown'}"
