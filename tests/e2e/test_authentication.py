"""No token, or a bad one, is a 401 before any resolver runs."""

from __future__ import annotations

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from tests.helpers import bearer

pytestmark = pytest.mark.anyio

WRITE = """mutation { recordContact(input: {receivedDate: "2026-11-20", source: SCHOOLS,
  summary: "s", child: {givenName: "A", familyName: "B", dateOfBirth: "2020-01-01"}}) {
  __typename } }"""


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."},
    ],
)
async def test_unauthenticated_requests_are_refused_and_change_nothing(
    client: httpx.AsyncClient, store: FalkorDBStore, headers: dict[str, str]
) -> None:
    response = await client.post("/graphql", json={"query": WRITE}, headers=headers)
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await store.read("MATCH (n) RETURN count(n) AS n") == [{"n": 0}]


async def test_a_token_from_another_hub_is_refused(
    client: httpx.AsyncClient, tmp_path_factory: pytest.TempPathFactory
) -> None:
    stranger = Settings(var_dir=tmp_path_factory.mktemp("other"), _env_file=None)  # type: ignore[call-arg]
    response = await client.post(
        "/graphql", json={"query": "{ me { id } }"}, headers=bearer(stranger, "social-worker")
    )
    assert response.status_code == 401


async def test_graphiql_page_loads_in_a_browser_without_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_a_valid_token_reaches_the_schema(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    response = await client.post(
        "/graphql",
        json={"query": "{ me { id role audience } }"},
        headers=bearer(settings, "team-manager"),
    )
    assert response.json() == {
        "data": {"me": {"id": "worker-tm-demo", "role": "team_manager", "audience": "internal"}}
    }
