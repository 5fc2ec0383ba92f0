"""How far behind Livelink filing is: the outbox backlog and its alert.

An outage the worker rides out silently (it never gives up) must still be seen by
people: the age of the oldest item not yet in Livelink is the one number that says
whether documents are reaching the child's file. It is read by `/readyz` (as data; a
backlog does not make the hub unable to serve), by the records officers' work list
and by the `lcs-hub outbox` progress log.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graph.cypher import files as statements

if TYPE_CHECKING:
    from graph import GraphStore

__all__ = ["OutboxBacklog", "outbox_backlog"]


@dataclass(frozen=True, slots=True)
class OutboxBacklog:
    """What is not in Livelink yet.

    Attributes:
        pending: items waiting for (another) delivery attempt.
        failed: items parked after a permanent refusal, waiting for a records officer.
        oldest_created_at: when the oldest of them was queued (epoch ms), or None.
        oldest_age_seconds: how long ago that was, at the instant asked about.
        alert_after_seconds: the age past which people must be told.
        by_kind: per item kind (so per destination: Livelink's kinds, EHM's
            REQUEST_EARLY_HELP), how many wait in each state, e.g. requests for early
            help waiting while EHM is not configured.
    """

    pending: int
    failed: int
    oldest_created_at: int | None
    oldest_age_seconds: float | None
    alert_after_seconds: float
    by_kind: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def alert(self) -> bool:
        """The oldest undelivered item is older than the threshold."""
        return self.oldest_age_seconds is not None and (
            self.oldest_age_seconds > self.alert_after_seconds
        )

    def as_dict(self) -> dict[str, Any]:
        """The readiness/metrics view (counts and ages only: no personal data)."""
        return {
            "pending": self.pending,
            "failed": self.failed,
            "oldestUndeliveredAgeSeconds": self.oldest_age_seconds,
            "alertAfterSeconds": self.alert_after_seconds,
            "alert": self.alert,
            "byKind": self.by_kind,
        }


async def outbox_backlog(
    store: GraphStore, *, now_ms: int, alert_after_seconds: float
) -> OutboxBacklog:
    """Count the undelivered items and age the oldest, at `now_ms` (one read)."""
    rows = await store.read(statements.OUTBOX_BACKLOG)
    counts: Counter[str] = Counter()
    by_kind: dict[str, dict[str, int]] = {}
    for row in rows:
        counts[row["state"]] += int(row["items"])
        waiting = by_kind.setdefault(str(row["kind"]), {"pending": 0, "failed": 0})
        waiting[str(row["state"]).lower()] += int(row["items"])
    oldest = min(
        (int(row["oldestCreatedAt"]) for row in rows if row["oldestCreatedAt"] is not None),
        default=None,
    )
    return OutboxBacklog(
        pending=counts["PENDING"],
        failed=counts["FAILED"],
        oldest_created_at=oldest,
        oldest_age_seconds=None if oldest is None else max(0, now_ms - oldest) / 1000,
        alert_after_seconds=alert_after_seconds,
        by_kind=dict(sorted(by_kind.items())),
    )
