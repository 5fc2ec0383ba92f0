"""A per-client rate limit, so one caller cannot take the hub from everyone else.

The client is the verified token's subject when there is one (behind a gateway or a
proxy many people share an address), else the client's address (after
`X-Forwarded-For` from a trusted proxy). Counting is the `limits` package's sliding
window counter in memory: a few counters per active client, expired by the package.
Over the limit the answer is 429 with `Retry-After`; nothing runs.
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
    from starlette.types import ASGIApp, Receive, Scope, Send

    from auth.principal import Principal


class RateLimitMiddleware:
    """Answers 429 to a client over `rate` (e.g. `"20/second;600/minute"`)."""

    def __init__(self, app: ASGIApp, *, rate: str) -> None:
        self.app = app
        # Parsed here so a mistyped setting stops the hub at start-up.
        self._items = parse_many(rate)
        self._limiter = SlidingWindowCounterRateLimiter(MemoryStorage())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._items:
            await self.app(scope, receive, send)
            return
        client = _client_key(scope)
        exceeded = [item for item in self._items if not self._limiter.test(item, client)]
        if exceeded:
            now = time.time()
            wait = max(
                self._limiter.get_window_stats(item, client).reset_time - now for item in exceeded
            )
            await refusal(
                429,
                "RATE_LIMITED",
                "too many requests from this client; slow down",
                {"Retry-After": str(max(1, math.ceil(wait)))},
            )(scope, receive, send)
            return
        for item in self._items:
            self._limiter.hit(item, client)
        await self.app(scope, receive, send)


def _client_key(scope: Scope) -> str:
    principal: Principal | None = scope.get("state", {}).get("principal")
    if principal is not None:
        return f"subject:{principal.subject}"
    client = scope.get("client")
    return f"address:{client[0] if client else 'unknown'}"
