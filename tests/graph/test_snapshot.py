"""A snapshot of the graph (what `lcs-hub export` reads): the graph at one moment, on the
real engine, while writes go on; removed afterwards, and waiting out the engine's own
forked process instead of failing."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis.asyncio

from graph import EmbeddedEngine, FalkorDBStore

pytestmark = pytest.mark.anyio

COUNT = "MATCH (n:LinkEvent) RETURN count(n) AS n"


@dataclass
class Engine:
    """An engine of its own (the test slows its background saves down), a client to it,
    and the hub's graph on it holding three nodes."""

    client: redis.asyncio.Redis
    store: FalkorDBStore


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[Engine]:
    started = EmbeddedEngine(tmp_path / "engine", appendfsync="everysec")
    socket_path = started.start()
    client = redis.asyncio.Redis(unix_socket_path=socket_path, decode_responses=True)
    store = FalkorDBStore(socket_path, "hub")
    try:
        await store.write("UNWIND range(1, 3) AS i CREATE (:LinkEvent {id: toString(i)})")
        yield Engine(client, store)
    finally:
        await store.close()
        await client.aclose()
        started.stop()


async def test_a_snapshot_is_the_graph_when_taken_and_is_gone_afterwards(engine: Engine) -> None:
    async with engine.store.snapshot() as frozen:
        await engine.store.write("CREATE (:LinkEvent {id: 'later'})")
        assert await frozen.read(COUNT) == [{"n": 3}]
        assert await engine.store.read(COUNT) == [{"n": 4}]
        assert sorted(await engine.client.execute_command("GRAPH.LIST")) == sorted(
            ["hub", frozen.graph_name]
        )
    assert await engine.client.execute_command("GRAPH.LIST") == ["hub"]


async def test_a_snapshot_waits_while_the_engine_saves_in_a_forked_process(
    engine: Engine,
) -> None:
    # A background save that takes two seconds a key: the engine refuses to fork another
    # process ("could not fork") until it ends.
    await engine.client.config_set("rdb-key-save-delay", 2_000_000)
    await engine.client.bgsave()
    assert (await engine.client.info("persistence"))["rdb_bgsave_in_progress"] == 1
    async with engine.store.snapshot() as frozen:
        assert await frozen.read(COUNT) == [{"n": 3}]
    assert (await engine.client.info("persistence"))["rdb_bgsave_in_progress"] == 0


async def test_a_snapshot_a_killed_export_left_is_removed_by_the_next_one_and_a_live_one_kept(
    engine: Engine,
) -> None:
    # A copy left by an export killed part-way (-9, or the OOM killer the copy's memory
    # invites) was kept for 24 hours by the engine's clock of its name: the next night's
    # export, retried sooner, made a second copy beside it (three graphs' memory), and a
    # copy named while the clock ran ahead was never removed at all.
    left = f"hub.snapshot.{int(time.time())}.0000dead"
    await engine.client.execute_command("GRAPH.COPY", "hub", left)
    ahead = f"hub.snapshot.{int(time.time()) + 10 * 365 * 86400}.0000beef"
    await engine.client.execute_command("GRAPH.COPY", "hub", ahead)
    async with engine.store.snapshot() as running:
        # An export still reading its copy keeps it, whoever else takes one meanwhile.
        async with engine.store.snapshot() as beside:
            graphs = sorted(await engine.client.execute_command("GRAPH.LIST"))
            assert graphs == sorted(["hub", running.graph_name, beside.graph_name])
        assert await running.read(COUNT) == [{"n": 3}]
    assert await engine.client.execute_command("GRAPH.LIST") == ["hub"]
