"""`searchChildren(term:)`: a term no name, NHS number or UPN could be is refused naming it."""

from __future__ import annotations

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from tests.e2e.journey_helpers import demo_county
from tests.helpers import bearer

pytestmark = pytest.mark.anyio

SEARCH = "query ($term: String!) { searchChildren(term: $term) { familyName } }"


async def test_a_term_longer_than_any_family_name_is_refused_naming_the_argument(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    await demo_county(store)
    worker = bearer(settings, "social-worker")
    for term in ("W" * 101, "W" * 200_000):
        response = await client.post(
            "/graphql", json={"query": SEARCH, "variables": {"term": term}}, headers=worker
        )
        (error,) = response.json()["errors"]
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "term"}
        assert error["message"] == (
            f"searchChildren(term:) is at most 100 characters; got {len(term)}"
        )
    longest = await client.post(
        "/graphql", json={"query": SEARCH, "variables": {"term": "W" * 100}}, headers=worker
    )
    assert longest.json() == {"data": {"searchChildren": []}}
