"""/readyz is not ready while the engine refuses writes, and /metrics says why.

A FalkorDB server past its `maxmemory` (`OOM`), one that cannot write its files
(`MISCONF`) or a replica (`READONLY`) still answers reads: /readyz read the outbox backlog,
got its answer and said "ready" while every mutation was answered 503. A load balancer
kept sending the writers' traffic to a hub that could take none of it.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from connectors.livelink.embedded_store import EmbeddedContentStore
from graph import FalkorDBStore, Neo4jStore
from graph.standalone import free_port
from hub.app import create_app
from hub.settings import Settings
from tests.graph.read_only_neo4j import read_only_neo4j
from tests.hub.test_engine_refusals import _out_of_memory
from tests.hub.test_metrics import scrape, total

pytestmark = pytest.mark.anyio

REFUSES = "lcs_hub_engine_refuses_writes"


@contextlib.asynccontextmanager
async def _replica(store: FalkorDBStore) -> AsyncIterator[None]:
    """The engine made a replica of a primary that is not there (its data kept: it never
    syncs), so it refuses writes `READONLY` as after a failover; then made a primary again."""
    await store._command("REPLICAOF", "127.0.0.1", str(free_port()))
    try:
        yield
    finally:
        await store._command("REPLICAOF", "NO", "ONE")


@pytest.mark.parametrize(("refusing", "reason"), [(_out_of_memory, "OOM"), (_replica, "READONLY")])
async def test_readiness_says_not_ready_while_the_engine_refuses_writes(
    client: httpx.AsyncClient,
    store: FalkorDBStore,
    refusing: Callable[[FalkorDBStore], contextlib.AbstractAsyncContextManager[Any]],
    reason: str,
) -> None:
    ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert total(await scrape(client), REFUSES) == 0

    async with refusing(store):
        # Reads are still answered: the engine is reachable, it only takes no writes.
        assert await store.read("RETURN 1 AS one") == [{"one": 1}]
        refused = await client.get("/readyz")
        samples = await scrape(client)

    assert refused.status_code == 503, refused.text
    assert refused.headers["Retry-After"]
    assert refused.json() == {
        "status": "unavailable",
        "engine": "refuses writes",
        "reason": reason,
    }
    assert total(samples, REFUSES, reason=reason) == 1
    assert total(samples, REFUSES) == 1
    assert total(samples, "lcs_hub_engine_reachable") == 1

    # Writable again: ready again, and the scrape no longer names a reason.
    again = await client.get("/readyz")
    assert again.status_code == 200, again.text
    assert total(await scrape(client), REFUSES) == 0


NOT_A_LEADER = "Neo.ClientError.Cluster.NotALeader"
READ_ONLY_DATABASE = "Neo.ClientError.General.ForbiddenOnReadOnlyDatabase"


@pytest.mark.parametrize(
    ("refusal", "routing", "reason"),
    [
        # A direct (bolt://) connection to a cluster member that is not the leader, or to a
        # database set read-only: the server refuses the write with its status code.
        (NOT_A_LEADER, False, NOT_A_LEADER),
        (READ_ONLY_DATABASE, False, READ_ONLY_DATABASE),
        # A routing (neo4j://) driver whose cluster has no leader now: the routing table
        # names no writer, so the driver has nowhere to send a write.
        (NOT_A_LEADER, True, "WriteServiceUnavailable"),
    ],
)
async def test_readiness_says_why_a_neo4j_database_refuses_writes(
    store: FalkorDBStore, settings: Settings, refusal: str, routing: bool, reason: str
) -> None:
    # Neo4j answering reads but refusing writes: /readyz said "unreachable" with no reason
    # (the write probe was retried by the driver past the readiness wait, or not refused
    # at all), and the metrics named no reason either.
    async with read_only_neo4j(store, refusal) as peer:
        # The settings' pool wait (10 s): the driver retries a refused write that long.
        neo4j_store = Neo4jStore(
            peer.routing_url if routing else peer.bolt_url,
            user="neo4j",
            password="secret",
            database=None,
            pool_timeout=settings.graph_pool_timeout_seconds,
        )
        content = await EmbeddedContentStore.open(settings.content_dir)
        app = create_app(settings, store=neo4j_store, content_store=content, run_outbox=False)
        try:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://hub.test"
            ) as client:
                # The reads are answered (the backlog is read from the peer's graph).
                assert await neo4j_store.read("RETURN 1 AS one") == [{"one": 1}]
                refused = await client.get("/readyz")
                samples = await scrape(client)
        finally:
            await neo4j_store.close()
            await content.aclose()

    assert refused.status_code == 503, refused.text
    assert refused.headers["Retry-After"]
    assert refused.json() == {"status": "unavailable", "engine": "refuses writes", "reason": reason}
    assert total(samples, REFUSES, reason=reason) == 1
    assert total(samples, REFUSES) == 1
    assert total(samples, "lcs_hub_engine_reachable") == 1
