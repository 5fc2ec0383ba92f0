"""A circuit breaker in front of the content store.

After `threshold` transient failures in a row (or when the store says `Retry-After`)
the worker stops calling the store for a cool-down, instead of spending every item's
attempt on an outage it already knows about. When the cool-down is over one delivery
goes through as a probe ("half open"): success closes the circuit, failure opens it
for another cool-down. Time is whatever instant (epoch ms) the caller passes, so the
worker's clock drives it and tests move it by hand.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

__all__ = ["BreakerState", "CircuitBreaker"]


class BreakerState(enum.StrEnum):
    CLOSED = "CLOSED"
    OPEN = "OPEN"
    HALF_OPEN = "HALF_OPEN"


@dataclass(slots=True)
class CircuitBreaker:
    """Counts consecutive transient failures of the store and decides when to call it.

    Attributes:
        threshold: consecutive transient failures that open the circuit.
        cooldown_ms: how long an open circuit stays open before a probe.
        max_open_ms: the longest a `Retry-After` may keep the circuit open.
    """

    threshold: int = 5
    cooldown_ms: int = 60_000
    max_open_ms: int = 3_600_000
    state: BreakerState = field(default=BreakerState.CLOSED, init=False)
    consecutive_failures: int = field(default=0, init=False)
    open_until: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        if self.threshold < 1:
            raise ValueError("threshold must be 1 or more")
        if self.cooldown_ms < 0 or self.max_open_ms < self.cooldown_ms:
            raise ValueError("breaker needs 0 <= cooldown_ms <= max_open_ms")

    def allows(self, now_ms: int) -> bool:
        """Whether the store may be called at `now_ms` (an open circuit turns half open)."""
        if self.state is BreakerState.OPEN and now_ms >= self.open_until:
            self.state = BreakerState.HALF_OPEN
        return self.state is not BreakerState.OPEN

    @property
    def probing(self) -> bool:
        """Half open: only one call (the probe) should go to the store now."""
        return self.state is BreakerState.HALF_OPEN

    def succeeded(self) -> None:
        """The store answered (a delivery, or a refusal that is the item's fault)."""
        self.state = BreakerState.CLOSED
        self.consecutive_failures = 0

    def failed(self, now_ms: int, retry_after_seconds: float | None = None) -> bool:
        """A transient failure at `now_ms`; True if that opened the circuit."""
        self.consecutive_failures += 1
        asked = (
            0
            if retry_after_seconds is None
            else min(self.max_open_ms, int(retry_after_seconds * 1000))
        )
        tripped = (
            self.state is BreakerState.HALF_OPEN or self.consecutive_failures >= self.threshold
        )
        if not tripped and asked == 0:
            return False
        # The store said when to come back (Retry-After): nobody calls it before then,
        # even below the threshold.
        until = now_ms + max(asked, self.cooldown_ms if tripped else 0)
        opened = self.state is not BreakerState.OPEN
        self.state = BreakerState.OPEN
        self.open_until = max(self.open_until, until)
        return opened
