"""A statement ends on the engine when its request's time is up, not only in the hub's
wait for it: the real embedded engine stops it itself, a write stopped so is rolled back,
and the connection it ran on serves the next statement."""

from __future__ import annotations

import asyncio
import time

import pytest

from graph import FalkorDBStore
from graph.deadline import MOST_STATEMENT_SECONDS, statement_seconds, statements_end_within
from graph.errors import StatementTimedOut

pytestmark = pytest.mark.anyio

# Ten billion rows: hours of work for the engine if nothing stops it.
ENDLESS_READ = "UNWIND range(1, 100000) AS a UNWIND range(1, 100000) AS b RETURN count(*) AS n"
ENDLESS_WRITE = (
    "UNWIND range(1, 100000) AS a UNWIND range(1, 100000) AS b "
    "CREATE (:DeadlineProbe {a: a, b: b}) RETURN count(*) AS n"
)


def test_a_statement_outside_a_request_may_run_the_longest() -> None:
    assert statement_seconds() == MOST_STATEMENT_SECONDS
    with statements_end_within(30):
        assert 29 < statement_seconds() <= 30
        with statements_end_within(1000):
            # An inner block cannot outlast the request around it.
            assert statement_seconds() <= 30
        with statements_end_within(2):
            assert statement_seconds() <= 2
    with statements_end_within(10_000):
        assert statement_seconds() == MOST_STATEMENT_SECONDS
    with statements_end_within(-5):
        assert 0 < statement_seconds() <= 0.001


async def test_the_engine_stops_a_read_when_the_time_is_up(store: FalkorDBStore) -> None:
    started = time.monotonic()
    with statements_end_within(0.5), pytest.raises(StatementTimedOut):
        await store.read(ENDLESS_READ)
    # Stopped by the engine (the hub set no timer of its own here), within its time.
    assert time.monotonic() - started < 5
    # The pool is healthy: every connection serves the next statements.
    answers = await asyncio.gather(*(store.read("RETURN 1 AS one") for _ in range(32)))
    assert answers == [[{"one": 1}]] * 32


async def test_a_write_stopped_by_the_engine_writes_nothing(store: FalkorDBStore) -> None:
    with statements_end_within(0.5), pytest.raises(StatementTimedOut):
        await store.write(ENDLESS_WRITE)
    assert await store.read("MATCH (p:DeadlineProbe) RETURN count(p) AS n") == [{"n": 0}]
    assert await store.write("CREATE (p:DeadlineProbe {a: 1}) RETURN p.a AS a") == [{"a": 1}]
