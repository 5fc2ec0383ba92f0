"""Shared fixtures: one real embedded engine per test session, one graph per test."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import redis

from graph import EmbeddedEngine, FalkorDBStore
from hub.settings import Settings
from tests.holders import HOLDERS_ASTRAY


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedEngine]:
    # Closing an engine takes time and each test isolates itself by graph name, so the
    # whole session shares one server (research/graph-engine.md §7).
    started = EmbeddedEngine(tmp_path_factory.mktemp("graph"), appendfsync="everysec")
    socket_path = started.start()
    # Each test drops its graph and the next creates its indexes at once. Deleted on the
    # engine's own thread (ASYNC_DELETE, on by default) the dropped graph's indexes race
    # the new ones in the engine's indexer, which crashed the engine (signal 11 in the
    # indexer, FalkorDB issue #2126) twice in one day's runs, failing every later test
    # of that worker. Deleted before the command answers, nothing is left to race. The
    # hub keeps the default: it creates indexes only at start, and deletes graphs only
    # for snapshots, which can be large.
    with redis.Redis(unix_socket_path=str(socket_path)) as engine_client:
        engine_client.execute_command("GRAPH.CONFIG", "SET", "ASYNC_DELETE", "no")
    yield started
    started.stop()


@pytest.fixture
async def store(engine: EmbeddedEngine) -> AsyncIterator[FalkorDBStore]:
    assert engine.socket_path is not None
    graph = FalkorDBStore(engine.socket_path, f"test-{uuid.uuid4().hex}")
    await graph.apply_schema()
    yield graph
    # The internal row rule reads who holds a child from lists kept on the child: a
    # write of those relationships that left the lists behind would open or close a
    # child to the wrong workers, so every test's graph is checked as it ends.
    astray = await graph.read(HOLDERS_ASTRAY)
    await graph.drop()
    await graph.close()
    assert not astray, f"children whose kept holders differ from their relationships: {astray}"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # Tests are fast single clients (a leak matrix sends hundreds of requests a second as
    # one persona); the per-client rate limit has its own tests in tests/hub/.
    return Settings(var_dir=tmp_path / "var", rate_limit="1000000/second", _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
async def client(store: FalkorDBStore, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    from connectors.livelink.embedded_store import EmbeddedContentStore
    from hub.app import create_app

    content = await EmbeddedContentStore.open(settings.content_dir)
    app = create_app(settings, store=store, content_store=content, run_outbox=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
        yield http
    await content.aclose()
