"""A field selected over and over in one selection set is refused before validation runs.

graphql-core's rule that fields of one response name can be merged compares every pair
of them, so its work grows with the square of the repeats: `{ me { name } me { name } …}`
2,400 times (under the token bound) took 2.3 s of validation on the event loop, and one
client sending four at a time made another user's `{ me { name } }` take 10 to 14 s;
where the repeated fields have repeated selections of their own, those are compared pair
by pair too. The repeats are counted first, at each place of the answer (inline fragments
and fragment spreads folded in, the selections of same-named fields merged, as that rule
compares them), and a document over the bound is answered at once with a code, nothing
validated or run.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hub.settings import Settings
from tests.helpers import bearer

pytestmark = pytest.mark.anyio

REPEATS = 2_400


def _codes(body: dict[str, Any]) -> list[str]:
    return [error.get("extensions", {}).get("code", "") for error in body.get("errors", [])]


@pytest.mark.parametrize(
    "query",
    [
        "{ " + " ".join("me { name }" for _ in range(REPEATS)) + " }",
        "{ me { " + " ".join("... { name }" for _ in range(REPEATS)) + " } }",
        "{ me { ...F } } fragment F on Me { " + "name " * REPEATS + "}",
        "{ me { "
        + " ".join(f"...F{n}" for n in range(600))
        + " } } "
        + " ".join(f"fragment F{n} on Me {{ name }}" for n in range(600)),
        # 45 `family`, each asking for `members` 45 times: 2,025 `members` merged and
        # compared in pairs (6.2 s), though no selection set repeats a field 50 times.
        '{ searchChildren(term: "a") { '
        + " ".join(["family { " + "members { householdRole } " * 45 + "}"] * 45)
        + " } }",
    ],
    ids=["fields", "inline fragments", "in a fragment", "fragment spreads", "merged"],
)
async def test_a_field_repeated_past_the_bound_is_refused_with_a_code(
    client: httpx.AsyncClient, settings: Settings, query: str
) -> None:
    response = await client.post(
        "/graphql", json={"query": query}, headers=bearer(settings, "social-worker")
    )
    body = response.json()
    assert body["data"] is None
    assert _codes(body) == ["TOO_MANY_REPEATS"], body
    assert "at most 50" in body["errors"][0]["message"]


async def test_a_field_repeated_up_to_the_bound_is_answered(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    # A field asked directly and again in fragments (a client merging views) is ordinary.
    query = (
        "{ me { name ...A ...B " + "... { name } " * 46 + "} } "
        "fragment A on Me { name } fragment B on Me { name }"
    )
    response = await client.post(
        "/graphql", json={"query": query}, headers=bearer(settings, "social-worker")
    )
    assert response.status_code == 200
    assert "errors" not in response.json(), response.json()
