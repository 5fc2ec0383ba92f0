"""Recording every child whose data leaves the hub, before the response leaves.

Each request's audit is one set of rows; the rows of requests that finish while another
audit write is in flight are written together in the next statement (a group commit).
A request still waits for the write that holds its rows, so nothing is released
unaudited; a quiet hub writes each request's rows at once, alone, and a busy one makes
one engine write per burst instead of one per request (writes are serialised in the
engine, so one per request was what a busy hub queued on).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Mapping, Set
from typing import TYPE_CHECKING, Any

from graph.cypher import audit as statements
from workflow.ids import new_id, now_ms

if TYPE_CHECKING:
    from auth.principal import Principal
    from graph import GraphStore, Row


class _GroupCommit:
    """The audit writes of one statement on one store, in one event loop."""

    def __init__(self, store: GraphStore, statement: str) -> None:
        self._store = weakref.ref(store)
        self._statement = statement
        self._waiting: list[tuple[list[Row], asyncio.Future[int]]] = []
        self._writing = False

    def serves(self, store: GraphStore) -> bool:
        return self._store() is store

    def orphaned(self) -> bool:
        return self._store() is None

    async def write(self, rows: list[Row]) -> int:
        done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._waiting.append((rows, done))
        if not self._writing:
            self._writing = True
            asyncio.get_running_loop().create_task(self._drain())
        return await done

    async def _drain(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                await self._write_batch(batch)
        finally:
            self._writing = False
            # Only when the loop itself is going away: nobody may wait for ever.
            for _, done in self._waiting:
                done.cancel()
            self._waiting = []

    async def _write_batch(self, batch: list[tuple[list[Row], asyncio.Future[int]]]) -> None:
        rows = [
            {**row, "request": number} for number, (each, _) in enumerate(batch) for row in each
        ]
        store = self._store()
        try:
            if store is None:
                raise RuntimeError("the graph store was closed")
            result = await store.write(self._statement, {"rows": rows})
        except BaseException as error:
            for _, done in batch:
                if done.done():
                    continue
                if isinstance(error, Exception):
                    done.set_exception(error)
                else:
                    done.cancel()
            if not isinstance(error, Exception):
                raise
            return
        audited = {int(row["request"]): int(row["audited"]) for row in result}
        for number, (_, done) in enumerate(batch):
            if not done.done():
                done.set_result(audited.get(number, 0))


# One writer per store, statement and event loop (a loop's futures are no use in another).
_WRITERS: dict[tuple[int, int, str], _GroupCommit] = {}


def _writer(store: GraphStore, statement: str) -> _GroupCommit:
    key = (id(store), id(asyncio.get_running_loop()), statement)
    writer = _WRITERS.get(key)
    if writer is None or not writer.serves(store):
        # Forget writers of stores that are gone (an id may be reused after a store is freed).
        for stale in [k for k, w in _WRITERS.items() if w.orphaned()]:
            del _WRITERS[stale]
        writer = _WRITERS[key] = _GroupCommit(store, statement)
    return writer


async def record_access(
    store: GraphStore,
    principal: Principal,
    operation: str,
    accessed: Mapping[str, Set[str]],
) -> int:
    """Audit the fields of each child a response revealed; partner reads notify workers.

    Returns once the audit is written (with other requests' audits, when they finished
    while a write was in flight); raises if it could not be.

    Args:
        accessed: child id -> names of the child's fields the response carried.

    Returns:
        How many children were audited.
    """
    if not accessed:
        return 0
    caller: dict[str, Any] = {
        "at": now_ms(),
        "subject": principal.subject,
        "subjectName": principal.name,
        "agency": principal.agency_id,
        "audience": principal.audience.value,
        "role": principal.role,
        "purpose": principal.purpose,
        "operation": operation,
    }
    rows = [
        {"id": new_id(), "childId": child_id, "fields": sorted(fields), **caller}
        for child_id, fields in sorted(accessed.items())
    ]
    statement = (
        statements.RECORD_PARTNER_ACCESS if principal.is_partner else statements.RECORD_ACCESS
    )
    return await _writer(store, statement).write(rows)
