"""A snapshot of the graph (what `lcs-hub export` reads): the graph at one moment, on the
real engine, while writes go on; removed afterwards, and waiting out the engine's own
forked process instead of failing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio

from graph import EmbeddedEngine, FalkorDBStore

pytestmark = pytest.mark.anyio

COUNT = "MATCH (n:LinkEvent) RETURN count(n) AS n"


@pytest.fixture
async def engine_client(
    tmp_path: Path,
) -> AsyncIterator[tuple[EmbeddedEngine, redis.asyncio.Redis]]:
    # An engine of its own: the test slows its background saves down.
    engine = EmbeddedEngine(tmp_path / "engine", appendfsync="everysec")
    socket_path = engine.start()
    client = redis.asyncio.Redis(unix_socket_path=socket_path, decode_responses=True)
    try:
        yield engine, client
    finally:
        await client.aclose()
        engine.stop()


async def test_a_snapshot_is_the_graph_when_taken_and_is_gone_afterwards(
    engine_client: tuple[EmbeddedEngine, redis.asyncio.Redis],
) -> None:
    engine, client = engine_client
    store = FalkorDBStore(engine.socket_path or "", "hub")
    try:
        await store.write("UNWIND range(1, 3) AS i CREATE (:LinkEvent {id: toString(i)})")
        async with store.snapshot() as frozen:
            await store.write("CREATE (:LinkEvent {id: 'later'})")
            assert await frozen.read(COUNT) == [{"n": 3}]
            assert await store.read(COUNT) == [{"n": 4}]
            assert sorted(await client.execute_command("GRAPH.LIST")) == sorted(
                ["hub", frozen.graph_name]
            )
        assert await client.execute_command("GRAPH.LIST") == ["hub"]
    finally:
        await store.close()


async def test_a_snapshot_waits_while_the_engine_saves_in_a_forked_process(
    engine_client: tuple[EmbeddedEngine, redis.asyncio.Redis],
) -> None:
    engine, client = engine_client
    store = FalkorDBStore(engine.socket_path or "", "hub")
    try:
        await store.write("UNWIND range(1, 3) AS i CREATE (:LinkEvent {id: toString(i)})")
        # A background save that takes two seconds a key: the engine refuses to fork
        # another process ("could not fork") until it ends.
        await client.config_set("rdb-key-save-delay", 2_000_000)
        await client.bgsave()
        assert (await client.info("persistence"))["rdb_bgsave_in_progress"] == 1
        async with store.snapshot() as frozen:
            assert await frozen.read(COUNT) == [{"n": 3}]
        assert (await client.info("persistence"))["rdb_bgsave_in_progress"] == 0
    finally:
        await client.config_set("rdb-key-save-delay", 0)
        await store.close()
