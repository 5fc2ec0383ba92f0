"""The outbox worker: delivers what the graph has promised other systems, exactly once.

Items are written in the same statement as the record they follow from (a finalised
contact opens a file in Livelink, a generated form files a version, a hold is mirrored,
a step down to early help sends a request to EHM), so nothing is promised that is not
recorded and nothing recorded is forgotten. Each item has a `kind`; each destination is
a delivery port (`connectors/livelink/delivery_port.py`) naming the kinds it delivers,
with a circuit breaker of its own. Items of a kind no configured port delivers wait,
PENDING and counted in the backlog, until one is configured.

How delivery holds up:

* **Leases.** A worker claims due items in one guarded statement that stamps its
  owner id and an expiry instant on each; another worker (thread, process, machine)
  only takes an item whose lease has expired. So any number of workers can run, an
  item is in one worker's hands at a time, and a crashed worker's items are taken over
  once its leases run out. A worker only starts an item whose lease outlasts the
  delivery deadline, so a lease never expires under a delivery still in flight.
  Instants come from each worker's clock: keep the machines' clocks synchronised
  (NTP); the gap between lease and deadline (3 minutes by default) absorbs skew.
* **Idempotent delivery.** Each port delivers by the item id (Livelink files by it as
  the delivery key, EHM takes the request under it): a retry after a lost reply, or a
  takeover after a crash, finds what was delivered instead of delivering it again.
* **Never giving up on an outage.** A transient failure (5xx, 408, 429, timeout, lost
  connection) is retried with capped exponential back-off and full jitter, for as long
  as it takes; a `Retry-After` is honoured; after a run of failures the destination's
  circuit breaker stops calling it for a cool-down, then probes with one item.
* **Poison parked.** A refusal that can never succeed (a 4xx such as 400, 403, 404,
  409; bytes missing; a disposed version) parks the item as FAILED with the reason,
  where records officers see it (their work list warns when the backlog is old) and
  can replay it, one item or all of them.

The jobs are named for what they deliver: Livelink's in
`connectors/livelink/filing_delivery.py`, EHM's (``REQUEST_EARLY_HELP``) in
`connectors/ehm/delivery.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from connectors.livelink.backlog import OutboxBacklog, outbox_backlog
from connectors.livelink.backoff import Backoff
from connectors.livelink.circuit_breaker import CircuitBreaker
from connectors.livelink.delivered_items import remove_delivered_items
from connectors.livelink.delivery_port import DeliveryRejected, DeliveryUnavailable
from connectors.livelink.filing_delivery import LivelinkFiling
from graph import GraphError
from graph.cypher import files as statements

if TYPE_CHECKING:
    from connectors.livelink.content_store import ContentStore
    from connectors.livelink.delivery_port import DeliveryPort
    from connectors.livelink.form_store import FormStore
    from graph import GraphStore, Row

# Every state an item is ever in: waiting (or leased to a worker), given up on until a
# records officer replays it, or delivered.
ITEM_STATES = ("PENDING", "FAILED", "DELIVERED")

__all__ = [
    "ITEM_STATES",
    "DeliveryReport",
    "OutboxPolicy",
    "OutboxSettings",
    "OutboxWorker",
    "ReplayOutcome",
    "replay_failed",
    "replay_item",
    "worker_id",
]

# Item ids, kinds, counts and error classes only: an error's text can carry a node name
# or a path, so it goes to the item (for records officers), never to the log.
log = logging.getLogger("lcs_hub.outbox")

# A bulk replay changes items in bounded statements.
_REPLAY_BATCH = 500


class OutboxSettings(Protocol):
    """The settings the worker reads (the hub's Settings satisfy it)."""

    outbox_poll_seconds: float
    outbox_batch_size: int
    outbox_lease_seconds: float
    outbox_delivery_deadline_seconds: float
    outbox_backoff_base_seconds: float
    outbox_backoff_cap_seconds: float
    outbox_retry_after_cap_seconds: float
    outbox_breaker_threshold: int
    outbox_breaker_cooldown_seconds: float
    outbox_alert_after_seconds: float
    outbox_delivered_keep_days: int


@dataclass(frozen=True, slots=True)
class OutboxPolicy:
    """How the worker paces itself; every value bounded (see `hub/settings.py`)."""

    poll_seconds: float = 2.0
    batch_size: int = 20
    lease_seconds: float = 300.0
    delivery_deadline_seconds: float = 120.0
    backoff_base_seconds: float = 2.0
    backoff_cap_seconds: float = 600.0
    retry_after_cap_seconds: float = 3600.0
    breaker_threshold: int = 5
    breaker_cooldown_seconds: float = 60.0
    alert_after_seconds: float = 3600.0
    # How often a running worker logs the backlog (counts and ages only), and removes
    # delivered filing items older than `delivered_keep_days` (delivered_items.py).
    progress_seconds: float = 60.0
    delivered_keep_days: int = 90

    def __post_init__(self) -> None:
        if self.poll_seconds <= 0 or self.batch_size < 1:
            raise ValueError("outbox: poll_seconds must be > 0 and batch_size >= 1")
        if self.delivered_keep_days < 1:
            raise ValueError("outbox: delivered_keep_days must be >= 1")
        if not 0 < self.delivery_deadline_seconds < self.lease_seconds:
            # A lease that can expire under a delivery lets a second worker start it.
            raise ValueError("outbox: delivery_deadline_seconds must be below lease_seconds")

    @classmethod
    def from_settings(cls, settings: OutboxSettings) -> OutboxPolicy:
        return cls(
            poll_seconds=settings.outbox_poll_seconds,
            batch_size=settings.outbox_batch_size,
            lease_seconds=settings.outbox_lease_seconds,
            delivery_deadline_seconds=settings.outbox_delivery_deadline_seconds,
            backoff_base_seconds=settings.outbox_backoff_base_seconds,
            backoff_cap_seconds=settings.outbox_backoff_cap_seconds,
            retry_after_cap_seconds=settings.outbox_retry_after_cap_seconds,
            breaker_threshold=settings.outbox_breaker_threshold,
            breaker_cooldown_seconds=settings.outbox_breaker_cooldown_seconds,
            alert_after_seconds=settings.outbox_alert_after_seconds,
            delivered_keep_days=settings.outbox_delivered_keep_days,
        )

    def backoff(self, rng: random.Random | None = None) -> Backoff:
        return Backoff(
            base_ms=_ms(self.backoff_base_seconds),
            cap_ms=_ms(self.backoff_cap_seconds),
            retry_after_cap_ms=_ms(self.retry_after_cap_seconds),
            rng=rng or random.Random(),  # noqa: S311 - jitter, not a secret
        )

    def breaker(self) -> CircuitBreaker:
        return CircuitBreaker(
            threshold=self.breaker_threshold,
            cooldown_ms=_ms(self.breaker_cooldown_seconds),
            max_open_ms=max(_ms(self.breaker_cooldown_seconds), _ms(self.retry_after_cap_seconds)),
        )


def _ms(seconds: float) -> int:
    return int(seconds * 1000)


def worker_id() -> str:
    """A lease owner id: which machine and process holds an item (no personal data)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """What one pass over the due items did.

    Attributes:
        delivered: items filed (or found already filed) and marked DELIVERED.
        retried: transient failures; the items wait for their next attempt.
        failed: permanent refusals; the items are parked as FAILED.
        released: items claimed but handed back unattempted (the circuit opened, or
            their lease would not have outlasted a delivery).
    """

    delivered: int = 0
    retried: int = 0
    failed: int = 0
    released: int = 0


@dataclass(slots=True)
class _Tally:
    counts: dict[str, int] = field(
        default_factory=lambda: {"DELIVERED": 0, "PENDING": 0, "FAILED": 0, "RELEASED": 0}
    )

    def report(self) -> DeliveryReport:
        return DeliveryReport(
            delivered=self.counts["DELIVERED"],
            retried=self.counts["PENDING"],
            failed=self.counts["FAILED"],
            released=self.counts["RELEASED"],
        )


@dataclass(frozen=True, slots=True)
class _Lease:
    owner: str
    until: int


class OutboxWorker:
    """Claims due items under a lease and delivers each through the port of its kind."""

    def __init__(
        self,
        store: GraphStore,
        content_store: ContentStore | None = None,
        *,
        form_store: FormStore | None = None,
        ports: Sequence[DeliveryPort] = (),
        policy: OutboxPolicy | None = None,
        owner: str | None = None,
        rng: random.Random | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        held: Callable[[], bool] | None = None,
    ) -> None:
        """A worker; nothing runs until `deliver_due`, `run` or `start`.

        Args:
            content_store: Livelink filing's destination (with `form_store`, the PDFs
                it files); None for a worker that delivers only to `ports`.
            ports: further destinations (EHM); each kind is delivered by one port.
            policy: pacing, leases, back-off and breakers (defaults otherwise).
            owner: the lease owner id (one per worker; `worker_id()` by default).
            rng: the jitter's source (tests seed it).
            monotonic: measures time spent inside a pass (tests freeze it).
            held: whether the store may not be delivered from now (a store an import
                was killed part-way into holds part of a file); passes then do nothing.
        """
        self.store = store
        livelink = (
            () if content_store is None else (LivelinkFiling(store, content_store, form_store),)
        )
        self.ports: tuple[DeliveryPort, ...] = (*livelink, *ports)
        kinds = [kind for port in self.ports for kind in port.kinds]
        if len(kinds) != len(set(kinds)) or len({port.name for port in self.ports}) < len(
            self.ports
        ):
            raise ValueError("outbox: each port has its own name and kinds")
        self.policy = policy or OutboxPolicy()
        self.owner = owner or worker_id()
        self.backoff = self.policy.backoff(rng)
        # One breaker per destination: an outage of one never holds up another.
        self.breakers = {port.name: self.policy.breaker() for port in self.ports}
        self._monotonic = monotonic
        self._held = held
        self._task: asyncio.Task[None] | None = None

    @property
    def breaker(self) -> CircuitBreaker:
        """The first destination's breaker (Livelink's, when it is configured)."""
        return self.breakers[self.ports[0].name]

    @classmethod
    def from_settings(
        cls,
        store: GraphStore,
        settings: OutboxSettings,
        content_store: ContentStore | None,
        form_store: FormStore | None = None,
        ports: Sequence[DeliveryPort] = (),
        held: Callable[[], bool] | None = None,
    ) -> OutboxWorker:
        return cls(
            store,
            content_store,
            form_store=form_store,
            ports=ports,
            policy=OutboxPolicy.from_settings(settings),
            held=held,
        )

    async def deliver_due(self, now_ms: int) -> DeliveryReport:
        """Claim and deliver what is due at `now_ms`, batch after batch; report it.

        Items that fail in this pass are not due again before it ends (their next
        attempt is after its start), so a pass always ends.
        """
        if self._held is not None and self._held():
            return DeliveryReport()
        started = self._monotonic()

        def instant() -> int:
            return now_ms + int((self._monotonic() - started) * 1000)

        tally = _Tally()
        for port in self.ports:
            await self._deliver_due_to(port, now_ms, instant, tally)
        report = tally.report()
        if report != DeliveryReport():
            log.info(
                "outbox pass: delivered=%d retried=%d failed=%d released=%d breakers=%s",
                report.delivered,
                report.retried,
                report.failed,
                report.released,
                self._breaker_states(),
            )
        return report

    def circuits(self) -> dict[str, str]:
        """Each destination's circuit breaker state (`CLOSED`: called as usual; `OPEN`:
        calls held back during an outage; `HALF_OPEN`: one probe), by destination."""
        return {name: str(breaker.state) for name, breaker in self.breakers.items()}

    def _breaker_states(self) -> str:
        return ",".join(f"{name}:{state}" for name, state in self.circuits().items())

    async def _deliver_due_to(
        self, port: DeliveryPort, now_ms: int, instant: Callable[[], int], tally: _Tally
    ) -> None:
        breaker = self.breakers[port.name]
        while True:
            at = instant()
            if not breaker.allows(at):
                return
            limit = 1 if breaker.probing else self.policy.batch_size
            lease = _Lease(self.owner, at + _ms(self.policy.lease_seconds))
            rows = await self.store.write(
                statements.CLAIM_DUE_ITEMS_OF_KINDS,
                {
                    "now": at,
                    "dueBy": now_ms,
                    "kinds": sorted(port.kinds),
                    "owner": lease.owner,
                    "leaseUntil": lease.until,
                    "limit": limit,
                },
            )
            items = sorted((row["item"] for row in rows), key=lambda i: (i["createdAt"], i["id"]))
            await self._deliver_claimed(port, items, lease, instant, tally)
            if len(rows) < limit:
                return

    async def _deliver_claimed(
        self,
        port: DeliveryPort,
        items: list[Row],
        lease: _Lease,
        instant: Callable[[], int],
        tally: _Tally,
    ) -> None:
        breaker = self.breakers[port.name]
        deadline_ms = _ms(self.policy.delivery_deadline_seconds)
        waiting = list(items)
        try:
            while waiting:
                at = instant()
                if not breaker.allows(at) or at + deadline_ms > lease.until:
                    break
                outcome = await self._deliver(port, waiting[0], at, lease)
                waiting.pop(0)
                tally.counts[outcome] += 1
        finally:
            if waiting:
                # Handed back at once rather than left to expire: another worker (or
                # this one, next pass) takes them without waiting out the lease.
                with contextlib.suppress(GraphError):
                    await self.store.write(
                        statements.RELEASE_LEASES,
                        {
                            "itemIds": [item["id"] for item in waiting],
                            "owner": lease.owner,
                            "leaseUntil": lease.until,
                        },
                    )
                    tally.counts["RELEASED"] += len(waiting)

    async def _deliver(self, port: DeliveryPort, item: Row, now_ms: int, lease: _Lease) -> str:
        breaker = self.breakers[port.name]
        try:
            async with asyncio.timeout(self.policy.delivery_deadline_seconds):
                statement, params = await port.deliver(item)
        except DeliveryRejected as exc:
            # The destination answered: it is up, and this item is at fault.
            breaker.succeeded()
            return await self._record_failure(
                item, now_ms, lease, str(exc), permanent=True, error_class=type(exc).__name__
            )
        except DeliveryUnavailable as exc:
            if exc.destination_answered:
                # Up, and this item waits: one child's overlong folder must not hold
                # back every other child's filing behind an open circuit.
                breaker.succeeded()
                return await self._record_failure(
                    item,
                    now_ms,
                    lease,
                    str(exc),
                    permanent=False,
                    error_class=type(exc).__name__,
                    retry_after_seconds=exc.retry_after_seconds,
                )
            return await self._record_transient(
                breaker, item, now_ms, lease, str(exc), type(exc).__name__, exc.retry_after_seconds
            )
        except TimeoutError:
            reason = f"no delivery within {self.policy.delivery_deadline_seconds:g} s"
            return await self._record_transient(
                breaker, item, now_ms, lease, reason, "Timeout", None
            )
        except GraphError:
            raise
        except Exception as exc:
            # Not a refusal the destination made, so not poison: retried with back-off
            # like an outage, and visible on the item meanwhile.
            reason = f"unexpected {type(exc).__name__} while delivering"
            return await self._record_transient(breaker, item, now_ms, lease, reason, reason, None)
        breaker.succeeded()
        # If this write is lost, the item's lease runs out and the next claim delivers it
        # again under the same key: the destination answers "already have it", nothing doubles.
        await self.store.write(statement, {"itemId": item["id"], "now": now_ms, **params})
        return "DELIVERED"

    async def _record_transient(
        self,
        breaker: CircuitBreaker,
        item: Row,
        now_ms: int,
        lease: _Lease,
        error: str,
        error_class: str,
        retry_after_seconds: float | None,
    ) -> str:
        opened = breaker.failed(now_ms, retry_after_seconds)
        if opened:
            log.warning(
                "outbox circuit open (%s) after %d transient failures in a row;"
                " next probe in %.0f s",
                item["kind"],
                breaker.consecutive_failures,
                (breaker.open_until - now_ms) / 1000,
            )
        return await self._record_failure(
            item,
            now_ms,
            lease,
            error,
            permanent=False,
            error_class=error_class,
            retry_after_seconds=retry_after_seconds,
        )

    async def _record_failure(
        self,
        item: Row,
        now_ms: int,
        lease: _Lease,
        error: str,
        *,
        permanent: bool,
        error_class: str = "DeliveryRejected",
        retry_after_seconds: float | None = None,
    ) -> str:
        attempts = int(item["attempts"]) + 1
        state = "FAILED" if permanent else "PENDING"
        wait_ms = self.backoff.delay_ms(attempts, retry_after_seconds)
        log.warning(
            "outbox item %s (%s) attempt %d: %s -> %s%s",
            item["id"],
            item["kind"],
            attempts,
            error_class,
            state,
            "" if permanent else f", next attempt in {wait_ms / 1000:.1f} s",
        )
        recorded = await self.store.write(
            statements.MARK_ATTEMPT_FAILED,
            {
                "itemId": item["id"],
                "owner": lease.owner,
                "leaseUntil": lease.until,
                "now": now_ms,
                "error": error[:500],
                "nextAttemptAt": now_ms + wait_ms,
                "state": state,
            },
        )
        if not recorded:
            # The lease ran out and another worker holds the item: its record stands.
            log.warning("outbox item %s: lease lost before the attempt was recorded", item["id"])
        return state

    async def run(self) -> None:
        """Deliver forever, one pass every `poll_seconds` (cancel to stop)."""
        log.info("outbox worker %s started", self.owner)
        next_progress = 0.0
        try:
            while True:
                try:
                    await self.deliver_due(time.time_ns() // 1_000_000)
                    if self._monotonic() >= next_progress:
                        next_progress = self._monotonic() + self.policy.progress_seconds
                        await self.log_backlog()
                        await self.remove_delivered(time.time_ns() // 1_000_000)
                except Exception as exc:
                    # The graph briefly unreachable, say: leases run out and the next pass
                    # picks the items up. Only the class is logged (no query text).
                    log.error("outbox pass failed (%s); retrying next poll", type(exc).__name__)
                await asyncio.sleep(self.policy.poll_seconds)
        finally:
            # Cancelled (Ctrl-C, SIGTERM, shutdown): unstarted claims were handed back.
            log.info("outbox worker %s stopped", self.owner)

    async def log_backlog(self) -> OutboxBacklog:
        """Log what is not in Livelink yet (a warning once it is older than the alert)."""
        backlog = await outbox_backlog(
            self.store,
            now_ms=time.time_ns() // 1_000_000,
            alert_after_seconds=self.policy.alert_after_seconds,
        )
        log.log(
            logging.WARNING if backlog.alert else logging.INFO,
            "outbox backlog: pending=%d failed=%d oldest=%s breakers=%s%s",
            backlog.pending,
            backlog.failed,
            "-" if backlog.oldest_age_seconds is None else f"{backlog.oldest_age_seconds:.0f}s",
            self._breaker_states(),
            " ALERT: older than the alert threshold" if backlog.alert else "",
        )
        return backlog

    async def remove_delivered(self, now_ms: int) -> int:
        """Remove delivered filing items past the retention (a bounded amount a pass)."""
        removed = await remove_delivered_items(
            self.store, now_ms=now_ms, keep_days=self.policy.delivered_keep_days
        )
        if removed:
            log.info("outbox: removed %d delivered filing items past the retention", removed)
        return removed

    def start(self) -> None:
        """Run in the background of the current event loop."""
        self._task = asyncio.create_task(self.run(), name="livelink-outbox")

    async def stop(self) -> None:
        """Stop the background loop."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


@dataclass(frozen=True, slots=True)
class ReplayOutcome:
    """What replaying one item did: its state before, or None if there is no such item."""

    replayed: bool
    state: str | None


async def replay_item(store: GraphStore, item_id: str, now_ms: int, *, by: str) -> ReplayOutcome:
    """Put one FAILED item back in the queue, recording who did it and when."""
    replayed = await store.write(
        statements.REPLAY_ITEM, {"itemId": item_id, "now": now_ms, "by": by}
    )
    if replayed:
        return ReplayOutcome(replayed=True, state="FAILED")
    rows = await store.read(statements.OUTBOX_ITEM, {"itemId": item_id})
    return ReplayOutcome(replayed=False, state=rows[0]["item"]["state"] if rows else None)


async def replay_failed(store: GraphStore, now_ms: int, *, by: str) -> int:
    """Put every FAILED item back in the queue (in bounded batches); return how many."""
    total = 0
    while True:
        rows = await store.write(
            statements.REPLAY_FAILED_ITEMS,
            {"now": now_ms, "by": by, "limit": _REPLAY_BATCH},
        )
        replayed = int(rows[0]["replayed"]) if rows else 0
        total += replayed
        if replayed < _REPLAY_BATCH:
            return total
