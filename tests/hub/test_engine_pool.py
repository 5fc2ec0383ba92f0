"""Busy hours: many statements at once wait for the engine; saturation answers 503."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from bench import county
from graph import EmbeddedEngine, FalkorDBStore
from hub.settings import Settings
from tests.helpers import bearer, graphql
from tests.hub.conftest import sams_children

pytestmark = pytest.mark.anyio

CASE_VIEW = """
  child(id: $id) { id givenName family { members { person { id givenName } } }
    relationships { type person { id } } allocatedWorker { name } contacts { id status }
    caseNotes { type } file { id folders { key } } }"""


async def test_one_query_with_17_case_views_succeeds(
    client: httpx.AsyncClient, settings: Settings, demo: county.County
) -> None:
    # 17 aliases of the case view ask the engine for well over 16 statements at once; a
    # non-blocking pool of 16 failed the query outright.
    child_id = sams_children(demo)[0]
    aliases = " ".join(f"c{n}: {CASE_VIEW.strip()}" for n in range(17))
    data = await graphql(
        client,
        bearer(settings, "social-worker"),
        f"query ($id: ID!) {{ {aliases} }}",
        {"id": child_id},
    )
    assert {data[f"c{n}"]["id"] for n in range(17)} == {child_id}


async def test_an_entities_batch_of_17_succeeds(
    client: httpx.AsyncClient, settings: Settings, demo: county.County
) -> None:
    children = sams_children(demo)
    representations = [
        {"__typename": "Child", "id": children[n % len(children)]} for n in range(17)
    ]
    query = """query ($r: [_Any!]!) { _entities(representations: $r) {
        ... on Child { id givenName family { members { person { id } } } contacts { id } } } }"""
    data = await graphql(client, bearer(settings, "social-worker"), query, {"r": representations})
    assert [entity["id"] for entity in data["_entities"]] == [r["id"] for r in representations]


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
    assert error["extensions"]["code"] == "ENGINE_UNAVAILABLE"
    assert error["extensions"]["requestId"] == response.headers["X-Request-ID"]
    assert engine.socket_path not in response.text
