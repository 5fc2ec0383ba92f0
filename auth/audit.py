"""Recording every child whose data leaves the hub: append-only, written by group commit.

A request's answer is released only after its audit rows are durably written. Written
one statement per request, every request under load paid a whole write round trip and
the engine's write lock (which holds reads back too). So a request that finds an audit
write in flight on its store queues its rows, and when that write ends one statement
writes everything queued and answers every request in it: the same rows, fewer
statements. A request that finds no write in flight writes at once, in its own task.

Bounds: a statement carries at most `MAX_BATCH_ROWS` rows, made of whole requests (a
request with more goes alone, in one statement as it always did, so a request's rows
are never split between a written and a failed statement); at most `MAX_QUEUED_ROWS`
wait, and a request finding the queue full waits for room, it is never dropped. Nothing
runs between writes: the task that writes a batch ends when the queue is empty.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections import deque
from collections.abc import Callable, Mapping, Set
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from graph import audit_journal_of
from graph.cypher import audit as statements
from workflow.ids import new_id, now_ms

if TYPE_CHECKING:
    from auth.principal import Principal
    from graph import GraphStore

# A statement's rows: large enough that a burst of 64 case views is one write, small
# enough that one statement never holds the engine's write lock for long.
MAX_BATCH_ROWS: Final = 500
MAX_QUEUED_ROWS: Final = 10 * MAX_BATCH_ROWS

# Told (audience, children audited) after each request's audit is written: the hub
# counts them (hub/metrics.py) without auth/ importing the hub.
AuditListener = Callable[[str, int], None]
_listeners: list[AuditListener] = []
# Told how many requests each audit statement carried (how well the writes are shared).
AuditBatchListener = Callable[[int], None]
_batch_listeners: list[AuditBatchListener] = []


class AuditNotWritten(Exception):
    """The batch holding this request's audit rows was not written (the cause says why)."""


def on_audit_written(listener: AuditListener) -> None:
    """Call `listener(audience, children)` after every request's audit write (idempotent)."""
    if listener not in _listeners:
        _listeners.append(listener)


def on_audit_batch_written(listener: AuditBatchListener) -> None:
    """Call `listener(requests)` after every audit statement is written (idempotent)."""
    if listener not in _batch_listeners:
        _batch_listeners.append(listener)


async def record_access(
    store: GraphStore,
    principal: Principal,
    operation: str,
    accessed: Mapping[str, Set[str]],
) -> int:
    """Audit the fields of each child a response revealed; partner reads notify workers.

    Returns once the rows are written (alone or with other requests' rows); raises if
    they were not, and then the response must be withheld.

    Args:
        accessed: child id -> names of the child's fields the response carried.

    Returns:
        How many children were audited.
    """
    if not accessed:
        return 0
    request = {
        "at": now_ms(),
        "subject": principal.subject,
        "subjectName": principal.name,
        "agency": principal.agency_id,
        "audience": principal.audience.value,
        "role": principal.role,
        "purpose": principal.purpose,
        "operation": operation,
        "notifyWorkers": principal.is_partner,
        "children": [
            {"id": new_id(), "childId": child_id, "fields": sorted(fields)}
            for child_id, fields in sorted(accessed.items())
        ],
    }
    audited = await _written(store, request)
    for listener in tuple(_listeners):
        listener(principal.audience.value, audited)
    return audited


@dataclass(eq=False)
class _Queued:
    """One request's rows, and how the writer tells it they are written."""

    request: dict[str, Any]
    outcome: asyncio.Future[int]

    @property
    def rows(self) -> int:
        return len(self.request["children"])


@dataclass(eq=False)
class _AuditQueue:
    """The requests waiting for their audit on one store while a write is in flight."""

    store: GraphStore
    loop: asyncio.AbstractEventLoop
    writing: bool = False
    queued: deque[_Queued] = field(default_factory=deque)
    queued_rows: int = 0
    room: list[asyncio.Future[None]] = field(default_factory=list)
    writer: asyncio.Task[None] | None = None

    def has_room(self, rows: int) -> bool:
        return not self.queued or self.queued_rows + rows <= MAX_QUEUED_ROWS

    def take_batch(self) -> list[_Queued]:
        batch = [self.queued.popleft()]
        rows = batch[0].rows
        while self.queued and rows + self.queued[0].rows <= MAX_BATCH_ROWS:
            batch.append(self.queued.popleft())
            rows += batch[-1].rows
        self.queued_rows -= rows
        self._wake_room()
        return batch

    def _wake_room(self) -> None:
        for waiting in self.room:
            if not waiting.done():
                waiting.set_result(None)
        self.room.clear()

    def write_ended(self) -> None:
        """A write is over: the queued requests get the next one, or the store is idle."""
        if self.queued:
            # A fresh context: the batch belongs to no single request's trace or log ids.
            self.writer = self.loop.create_task(self._drain(), context=contextvars.Context())
            return
        self.writing = False
        self.writer = None
        self._wake_room()
        if _queues.get(id(self.store)) is self:
            del _queues[id(self.store)]

    async def _drain(self) -> None:
        batch: list[_Queued] = []
        try:
            while self.queued:
                batch = self.take_batch()
                try:
                    audited = await _write(self.store, [queued.request for queued in batch])
                except Exception as error:
                    _fail(batch, error)
                else:
                    for queued, count in zip(batch, audited, strict=True):
                        if not queued.outcome.done():
                            queued.outcome.set_result(count)
                batch = []
        except BaseException as error:
            # Cancelled (the loop is closing): nobody waits forever, nothing is released.
            _fail([*batch, *self.queued], error)
            self.queued.clear()
            self.queued_rows = 0
            raise
        finally:
            self.writer = None
            self.write_ended()


def _fail(batch: list[_Queued], error: BaseException) -> None:
    for queued in batch:
        if not queued.outcome.done():
            # One exception each (raised in its own request), caused by the batch's: an
            # engine outage still reads as one (hub/errors.py follows the cause).
            failure = AuditNotWritten("the audit batch holding this request was not written")
            failure.__cause__ = error
            queued.outcome.set_exception(failure)


# The queue of each store with an audit write in flight; a store leaves it when idle.
_queues: dict[int, _AuditQueue] = {}


def _queue_of(store: GraphStore) -> _AuditQueue:
    loop = asyncio.get_running_loop()
    queue = _queues.get(id(store))
    if queue is None or queue.store is not store or queue.loop is not loop:
        # A queue left behind by a closed event loop (a test's) belongs to no request.
        queue = _queues[id(store)] = _AuditQueue(store, loop)
    return queue


async def _written(store: GraphStore, request: dict[str, Any]) -> int:
    while True:
        queue = _queue_of(store)
        if not queue.writing:
            queue.writing = True
            try:
                return (await _write(store, [request]))[0]
            finally:
                queue.write_ended()
        if queue.has_room(len(request["children"])):
            queued = _Queued(request, queue.loop.create_future())
            queue.queued.append(queued)
            queue.queued_rows += queued.rows
            return await queued.outcome
        room = queue.loop.create_future()
        queue.room.append(room)
        await room


async def _write(store: GraphStore, requests: list[dict[str, Any]]) -> list[int]:
    """Write the rows of several requests in one statement (or one journal entry, where the
    store journals the audit: graph/audit_journal.py); how many each had recorded."""
    journal = audit_journal_of(store)
    if journal is not None:
        await journal.append(requests)
        for listener in tuple(_batch_listeners):
            listener(len(requests))
        return [len(request["children"]) for request in requests]
    numbered = [dict(request, request=number) for number, request in enumerate(requests)]
    statement = (
        statements.RECORD_ACCESS_NOTIFYING
        if any(request["notifyWorkers"] for request in requests)
        else statements.RECORD_ACCESS
    )
    result = await store.write(statement, {"requests": numbered})
    for listener in tuple(_batch_listeners):
        listener(len(requests))
    audited = [0] * len(requests)
    for row in result:
        audited[int(row["request"])] = int(row["audited"])
    return audited
