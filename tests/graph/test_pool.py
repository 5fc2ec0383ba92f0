"""The engine client's pool: statements wait for a free connection instead of failing."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from graph import EmbeddedEngine, FalkorDBStore, GraphBusy, GraphUnavailable

pytestmark = pytest.mark.anyio


@pytest.fixture
async def small_pool(engine: EmbeddedEngine) -> AsyncIterator[FalkorDBStore]:
    assert engine.socket_path is not None
    graph = FalkorDBStore(engine.socket_path, f"pool-{uuid.uuid4().hex}", max_connections=2)
    await graph.write("CREATE (:Probe)")
    yield graph
    await graph.drop()
    await graph.close()


async def test_more_statements_at_once_than_connections_all_succeed(
    small_pool: FalkorDBStore,
) -> None:
    # One case view runs 11 statements at once; a non-blocking pool of 16 failed the
    # 17th with "Too many connections". Here 40 statements share 2 connections.
    results = await asyncio.gather(
        *(
            small_pool.read("UNWIND range(1, 200) AS x RETURN sum(x) + $n AS s", {"n": n})
            for n in range(40)
        )
    )
    assert [rows[0]["s"] for rows in results] == [20100 + n for n in range(40)]


async def test_a_pool_kept_busy_past_its_wait_says_busy(engine: EmbeddedEngine) -> None:
    assert engine.socket_path is not None
    store = FalkorDBStore(
        engine.socket_path, f"pool-{uuid.uuid4().hex}", max_connections=1, pool_timeout=0.2
    )
    await store.write("CREATE (:Probe)")
    held = await store._pool.get_connection()
    try:
        with pytest.raises(GraphBusy):
            await store.read("RETURN 1 AS one")
    finally:
        await store._pool.release(held)
    assert await store.read("RETURN 1 AS one") == [{"one": 1}]
    await store.drop()
    await store.close()


def test_a_new_connection_to_a_stopped_engine_gives_up_within_the_connect_timeout(
    tmp_path: Path,
) -> None:
    # Opening a pooled connection is a handshake (the client tells the server its name,
    # CLIENT SETINFO, and logs in where there is a password): a server stopped (SIGSTOP)
    # or wedged takes the socket and answers nothing, and the opening waited as long as a
    # statement may run (300 s). A request's deadline cut it short; outside one (the
    # outbox and audit drainers, the start, a health probe) nothing did.
    engine = EmbeddedEngine(tmp_path, appendfsync="always")
    socket_path = engine.start()
    stopped = engine.server_pid
    assert stopped is not None

    async def open_on_a_stopped_engine() -> float:
        store = FalkorDBStore(socket_path, "connect-bound", connect_timeout=0.5)
        await store.write("CREATE (:Probe)")
        # The next statement opens a connection of its own.
        await store.drop_connections()
        os.kill(stopped, signal.SIGSTOP)
        try:
            started = time.monotonic()
            with pytest.raises(GraphUnavailable, match=r"took no new connection within 0\.5 s"):
                # Bounded: the test fails in 20 s, not 300 s, if nothing else bounds it.
                async with asyncio.timeout(20):
                    await store.read("RETURN 1 AS one")
            waited = time.monotonic() - started
        finally:
            os.kill(stopped, signal.SIGCONT)
        # Resumed, the engine answers on a fresh connection: the pool kept no half-opened
        # one whose late handshake replies would be read as a statement's answer.
        assert await store.read("MATCH (n:Probe) RETURN count(n) AS n") == [{"n": 1}]
        await store.close()
        return waited

    try:
        assert asyncio.run(open_on_a_stopped_engine()) < 3
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(stopped, signal.SIGCONT)
        engine.stop()
