"""Busy hours: many statements at once wait for the engine; saturation answers 503."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from demo import county
from graph import EmbeddedEngine, FalkorDBStore
from hub.settings import Settings
from tests.helpers import bearer, graphql
from tests.hub.conftest import sams_children

pytestmark = pytest.mark.anyio


async def test_one_query_with_17_aliases_succeeds(
    client: httpx.AsyncClient, settings: Settings, demo: county.County
) -> None:
    # 17 searches run 17 statements at once (and their loaders more); a non-blocking pool
    # of 16 failed the query outright with "Too many connections".
    worker = bearer(settings, "social-worker")
    search = "searchChildren(term: $t{n}) {{ id family {{ members {{ person {{ id }} }} }} }}"
    terms = {f"t{n}": chr(ord("a") + n) for n in range(17)}
    declared = ", ".join(f"${name}: String!" for name in terms)
    aliases = " ".join(f"s{n}: " + search.format(n=n) for n in range(17))
    together = await graphql(client, worker, f"query ({declared}) {{ {aliases} }}", terms)
    for n in range(17):
        alone = await graphql(
            client, worker, "query ($t0: String!) { s0: " + search.format(n=0) + " }",
            {"t0": terms[f"t{n}"]},
        )  # fmt: skip
        assert together[f"s{n}"] == alone["s0"]
    assert any(together[f"s{n}"] for n in range(17))


async def test_an_entities_batch_of_17_succeeds(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, demo: county.County
) -> None:
    # A case (episode of need) is stored as the Referral that opened it.
    cases = [row["id"] for row in await store.read("MATCH (c:Referral) RETURN c.id AS id")]
    assert cases
    representations = [{"__typename": "Case", "id": cases[n % len(cases)]} for n in range(17)]
    query = "query ($r: [_Any!]!) { _entities(representations: $r) { ... on Case { id } } }"
    data = await graphql(client, bearer(settings, "team-manager"), query, {"r": representations})
    entities = data["_entities"]
    assert len(entities) == 17
    assert all(
        e is None or e["id"] == r["id"] for e, r in zip(entities, representations, strict=True)
    )
    assert any(entities)


async def test_a_saturated_engine_answers_503_with_retry_after_not_a_missing_child(
    engine: EmbeddedEngine,
    settings: Settings,
    demo: county.County,
    store: FalkorDBStore,
    app_client: Callable[..., Any],
) -> None:
    assert engine.socket_path is not None
    busy = FalkorDBStore(engine.socket_path, store.graph_name, max_connections=1, pool_timeout=0.1)
    held = await busy._pool.get_connection()
    try:
        async with app_client(graph=busy) as http:
            response = await http.post(
                "/graphql",
                json={
                    "query": "query ($id: ID!) { child(id: $id) { id } }",
                    "variables": {"id": sams_children(demo)[0]},
                },
                headers=bearer(settings, "social-worker"),
            )
    finally:
        await busy._pool.release(held)
        await busy.close()
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) >= 1
    body = response.json()
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "ENGINE_BUSY"
    assert error["extensions"]["requestId"] == response.headers["X-Request-ID"]
    assert engine.socket_path not in response.text
