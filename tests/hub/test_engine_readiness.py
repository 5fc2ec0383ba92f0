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

from graph import FalkorDBStore
from graph.standalone import free_port
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
