"""How many items a list answers at once: each `limit:` of a result union takes 1 to 500, and
anything else is InvalidInput naming `limit` and the rule, never quietly answered as another
number (a records officer asking for the 1,000 oldest failed items must not be handed 500
as if they were all there are)."""

from __future__ import annotations

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from resolvers.page_sizes import MOST_AT_ONCE
from tests.e2e.journey_helpers import demo_child, demo_county
from tests.helpers import bearer

pytestmark = pytest.mark.anyio

PROBLEMS = "... on InvalidInput { problems { field rule } }"
# Each field, asked by a persona that may read it.
ASKED = {
    "accessTrail": ("team-manager", '{ accessTrail(childId: "$child", %s) { __typename %s } }'),
    "disposalReviewList": ("records-officer", "{ disposalReviewList(%s) { __typename %s } }"),
    "outboxItems": ("records-officer", "{ outboxItems(%s) { __typename %s } }"),
    "suspectedDuplicateChildren": (
        "records-officer",
        "{ suspectedDuplicateChildren(%s) { __typename %s } }",
    ),
    "linkReviewQueue": ("records-officer", "{ linkReviewQueue(%s) { __typename %s } }"),
}


async def test_every_limit_outside_its_bound_is_invalid_input_naming_it(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    child = demo_child(world)
    for field, (persona, template) in ASKED.items():
        query = template.replace("$child", child)
        headers = bearer(settings, persona)
        for bad in (0, -1, MOST_AT_ONCE + 1, 2**31 - 1):
            response = await client.post(
                "/graphql", json={"query": query % (f"limit: {bad}", PROBLEMS)}, headers=headers
            )
            assert response.json() == {
                "data": {
                    field: {
                        "__typename": "InvalidInput",
                        "problems": [{"field": "limit", "rule": f"from 1 to 500; got {bad}"}],
                    }
                }
            }, (field, bad)
        for good in (1, MOST_AT_ONCE):
            response = await client.post(
                "/graphql", json={"query": query % (f"limit: {good}", PROBLEMS)}, headers=headers
            )
            answer = response.json()
            assert "errors" not in answer, (field, good, answer)
            assert answer["data"][field]["__typename"] != "InvalidInput", (field, good)
