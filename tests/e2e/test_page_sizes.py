"""How many items a list field answers at once: every `limit:` or `latest:` argument of the
schema takes 1 to its bound, and anything else is refused naming the argument and the rule,
never quietly answered as a different number (a records officer asking for the 1,000 oldest
failed items must not be handed 500 as if they were all)."""

from __future__ import annotations

import httpx
import pytest
from graphql import GraphQLNonNull, GraphQLObjectType, GraphQLScalarType

from graph import FalkorDBStore
from hub.settings import Settings
from schema import build_internal_schema
from schema.page_sizes import MOST_AT_ONCE
from tests.e2e.journey_helpers import demo_child, demo_county
from tests.helpers import bearer

pytestmark = pytest.mark.anyio

PAGE_ARGUMENTS = ("limit", "latest", "first", "last")

# Each paged field, asked by a persona that may read it, with its other arguments.
ASKED: dict[tuple[str, str, str], tuple[str, str]] = {
    ("Query", "accessTrail", "limit"): (
        "team-manager",
        '{ accessTrail(childId: "$child", %s) { __typename } }',
    ),
    ("Query", "myPartnerAccessNotices", "limit"): (
        "social-worker",
        "{ myPartnerAccessNotices(%s) { id } }",
    ),
    ("Query", "disposalReviewList", "limit"): (
        "records-officer",
        "{ disposalReviewList(%s) { __typename } }",
    ),
    ("Query", "outboxItems", "limit"): ("records-officer", "{ outboxItems(%s) { __typename } }"),
    ("Query", "suspectedDuplicateChildren", "limit"): (
        "records-officer",
        "{ suspectedDuplicateChildren(%s) { __typename } }",
    ),
    ("Query", "linkReviewQueue", "limit"): (
        "records-officer",
        "{ linkReviewQueue(%s) { __typename } }",
    ),
    ("Child", "caseNotes", "latest"): (
        "social-worker",
        '{ child(id: "$child") { caseNotes(%s) { id } } }',
    ),
}


def paged_fields() -> set[tuple[str, str, str]]:
    """Every (type, field, argument) of the internal schema that says how many to answer."""
    schema = build_internal_schema()._schema
    found = set()
    for type_ in schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for name, field in type_.fields.items():
            for argument, definition in field.args.items():
                kind = definition.type
                kind = kind.of_type if isinstance(kind, GraphQLNonNull) else kind
                if (
                    argument in PAGE_ARGUMENTS
                    and isinstance(kind, GraphQLScalarType)
                    and kind.name == "Int"
                ):
                    found.add((type_.name, name, argument))
    return found


def test_every_paged_field_of_the_schema_is_probed_here() -> None:
    assert paged_fields() == set(ASKED)


async def test_every_page_size_outside_its_bound_is_refused_naming_the_argument(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    child = demo_child(world)
    for (_, field, argument), (persona, template) in ASKED.items():
        query = template.replace("$child", child)
        headers = bearer(settings, persona)
        for bad in (0, -1, MOST_AT_ONCE + 1, 2**31 - 1):
            response = await client.post(
                "/graphql", json={"query": query % f"{argument}: {bad}"}, headers=headers
            )
            errors = response.json().get("errors")
            assert response.status_code == 200
            assert errors, (field, bad, response.text)
            (error,) = errors
            assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": argument}, error
            assert error["message"] == (
                f"{field}({argument}:) must be between 1 and {MOST_AT_ONCE}; got {bad}"
            )
        for good in (1, MOST_AT_ONCE):
            response = await client.post(
                "/graphql", json={"query": query % f"{argument}: {good}"}, headers=headers
            )
            assert "errors" not in response.json(), (field, good, response.text)
