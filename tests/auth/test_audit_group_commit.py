"""Audit writes of requests that finish together share one statement; none is released
before its own rows are written, and each keeps its own caller, operation and count."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from auth.audit import record_access
from auth.principal import Principal
from bench.recording import RecordingStore
from graph import GraphUnavailable
from graph.cypher import bulk

if TYPE_CHECKING:
    from graph import FalkorDBStore
    from graph.store import Params, Row

pytestmark = pytest.mark.anyio

EVENTS = """
MATCH (e:AuditEvent)-[:ACCESSED]->(c:Child)
RETURN e.subject AS subject, e.operation AS operation, c.id AS child, e.fields AS fields
ORDER BY subject, child
"""


def _worker(number: int) -> Principal:
    return Principal(
        subject=f"worker-{number}",
        name=f"Worker {number}",
        role="social_worker",
        agency_id="agency-la",
        token_id="t",
    )


async def _children(store: FalkorDBStore, count: int) -> None:
    family = {"id": "F", "name": "h", "address": {"id": "A", "line1": "1 High St"}}
    await store.write(bulk.LOAD_FAMILIES, {"rows": [family]})
    rows = [
        {"id": f"C{n}", "givenName": "A", "familyName": "B", "dateOfBirth": "2015-01-01",
         "family": "F", "address": "A", "householdRole": "CHILD", "child": True}
        for n in range(count)
    ]  # fmt: skip
    await store.write(bulk.LOAD_PEOPLE, {"rows": rows})


async def test_requests_finishing_together_share_writes_and_keep_their_own_rows(
    store: FalkorDBStore,
) -> None:
    await _children(store, 3)
    recording = RecordingStore(store)
    counts = await asyncio.gather(
        *(
            record_access(
                recording,
                _worker(n),
                f"View{n}",
                # The last request also names a child that does not exist: not counted.
                {
                    "C0": {"id"},
                    f"C{n % 3}": {"givenName"},
                    **({"C-gone": {"id"}} if n == 9 else {}),
                },
            )
            for n in range(10)
        )
    )
    assert counts == [1, 2, 2, 1, 2, 2, 1, 2, 2, 1]
    # The ten finished in the same turn of the event loop: one statement for all.
    assert [call.write for call in recording.calls] == [True]
    events = await store.read(EVENTS)
    assert len(events) == sum(counts)
    assert {(row["subject"], row["operation"]) for row in events} == {
        (f"worker-{n}", f"View{n}") for n in range(10)
    }
    assert [row["fields"] for row in events if row["subject"] == "worker-4"] == [
        ["id"],
        ["givenName"],
    ]


async def test_requests_arriving_during_a_write_go_in_the_next(store: FalkorDBStore) -> None:
    await _children(store, 1)
    in_flight = asyncio.Event()

    class Signalling(RecordingStore):
        async def write(self, statement: str, params: Params | None = None) -> list[Row]:
            in_flight.set()
            return await super().write(statement, params)

    recording = Signalling(store)
    first = asyncio.ensure_future(record_access(recording, _worker(0), "View", {"C0": {"id"}}))
    await in_flight.wait()
    later = [record_access(recording, _worker(n), "View", {"C0": {"id"}}) for n in range(1, 6)]
    assert await asyncio.gather(first, *later) == [1] * 6
    # Two statements: the first request's alone, then the five that came meanwhile (one
    # count row per request).
    assert [call.rows for call in recording.calls] == [1, 5]
    assert len(await store.read(EVENTS)) == 6


async def test_a_failed_write_fails_every_request_in_it_and_the_next_is_written(
    store: FalkorDBStore,
) -> None:
    await _children(store, 1)

    class Failing(RecordingStore):
        async def write(self, statement: str, params: Params | None = None) -> list[Row]:
            if not self.calls:  # the first write fails
                self.calls.append(None)  # type: ignore[arg-type]
                raise GraphUnavailable("engine down")
            return await self.inner.write(statement, params)

    failing = Failing(store)
    outcomes = await asyncio.gather(
        *(record_access(failing, _worker(n), "View", {"C0": {"id"}}) for n in range(4)),
        return_exceptions=True,
    )
    assert all(isinstance(outcome, GraphUnavailable) for outcome in outcomes), outcomes
    assert await store.read(EVENTS) == []
    assert await record_access(failing, _worker(5), "View", {"C0": {"id"}}) == 1
    assert len(await store.read(EVENTS)) == 1
