"""The engine client's pool: statements wait for a free connection instead of failing."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest

from graph import EmbeddedEngine, FalkorDBStore, GraphBusy

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
