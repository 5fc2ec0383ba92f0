"""When to try a delivery again: capped exponential back-off with full jitter.

Full jitter (a uniform wait between nothing and the capped exponential) spreads the
retries of many items, and of many workers, that all failed in the same outage, so
the store is not hit by a synchronised wave the moment it comes back. A wait the
store asked for (`Retry-After`) is a floor, itself capped so that a wrong header
cannot park an item for days.
"""

from __future__ import annotations

import contextlib
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

__all__ = ["Backoff", "retry_after_seconds"]


@dataclass(frozen=True, slots=True)
class Backoff:
    """The retry schedule of one outbox item.

    Attributes:
        base_ms: the ceiling of the first wait; each failure doubles it...
        cap_ms: ...up to this ceiling.
        retry_after_cap_ms: the longest `Retry-After` honoured.
        floor_ms: the shortest wait ever (so a pass never retries what it just tried).
    """

    base_ms: int = 2_000
    cap_ms: int = 600_000
    retry_after_cap_ms: int = 3_600_000
    floor_ms: int = 1
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not 0 < self.floor_ms <= self.base_ms <= self.cap_ms:
            raise ValueError("back-off needs 0 < floor_ms <= base_ms <= cap_ms")
        if self.retry_after_cap_ms < 0:
            raise ValueError("retry_after_cap_ms must not be negative")

    def ceiling_ms(self, attempts: int) -> int:
        """The longest wait after the `attempts`-th failure (1-based)."""
        # Bounded exponent: 2**62 would still be capped, but never computed.
        exponent = min(max(0, attempts - 1), 40)
        return int(min(self.cap_ms, self.base_ms * 2**exponent))

    def delay_ms(self, attempts: int, retry_after_seconds: float | None = None) -> int:
        """The wait before the next attempt after the `attempts`-th failure."""
        wait = max(self.floor_ms, int(self.rng.uniform(0, self.ceiling_ms(attempts))))
        if retry_after_seconds is not None:
            asked = min(self.retry_after_cap_ms, int(retry_after_seconds * 1000))
            wait = max(wait, asked)
        return wait


def retry_after_seconds(
    value: str | None, date: str | None = None, *, now: datetime | None = None
) -> float | None:
    """The wait an HTTP ``Retry-After`` asks for, in seconds (never negative).

    RFC 9110 §10.2.3: either a number of seconds or an HTTP-date. A date is measured
    from the response's own ``Date`` when it has one (so our clock's skew does not
    matter), else from `now`. None when absent or unreadable.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(int(text))
    try:
        until = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    reference = now or datetime.now(UTC)
    if date:
        with contextlib.suppress(TypeError, ValueError):
            reference = parsedate_to_datetime(date)
    if until.tzinfo is None or reference.tzinfo is None:
        # An HTTP-date is always GMT; a zone-less value is not one.
        return None
    return max(0.0, (until - reference).total_seconds())
