"""Every list a request can give is bounded, generated from each audience's schema: a list
argument or list input field over `MOST_LIST_ITEMS` items, sent as a variable or written in
the document, is refused BAD_USER_INPUT naming the field and argument before its items are
read (20,000 incident children took 4.4 s of a worker to be refused by the field's own
rule). The gateway's `_entities` representations are the exception, bounded by the body."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from graphql import GraphQLInputObjectType, GraphQLInputType, GraphQLList, GraphQLNonNull

from auth.principal import Audience
from hub.settings import Settings
from schema.input_bounds import MOST_LIST_ITEMS
from tests.helpers import bearer
from tests.hub.test_id_lengths import PERSONA, InputPlace, _places, _schemas

pytestmark = pytest.mark.anyio


def _list_paths(input_type: GraphQLInputType, seen: frozenset[str]) -> Iterator[tuple[str, ...]]:
    while isinstance(input_type, GraphQLNonNull):
        input_type = input_type.of_type
    if isinstance(input_type, GraphQLList):
        yield ()
    elif isinstance(input_type, GraphQLInputObjectType) and input_type.name not in seen:
        for name, field in input_type.fields.items():
            for path in _list_paths(field.type, seen | {input_type.name}):
                yield (name, *path)


def _document(audience: Audience, place: InputPlace) -> str:
    schema = _schemas()[audience]
    root = schema.mutation_type if place.operation == "mutation" else schema.query_type
    assert root is not None
    field = root.fields[place.field]
    definitions = [
        f"$v_{name}: {argument.type}"
        for name, argument in field.args.items()
        if name == place.argument or isinstance(argument.type, GraphQLNonNull)
    ]
    arguments = [
        f"{name}: $v_{name}"
        for name, argument in field.args.items()
        if name == place.argument or isinstance(argument.type, GraphQLNonNull)
    ]
    return (
        f"{place.operation} ({', '.join(definitions)}) "
        f"{{ {place.field}({', '.join(arguments)}) {{ __typename }} }}"
    )


@pytest.mark.parametrize("audience", list(Audience))
async def test_every_list_over_the_bound_is_refused_naming_it(
    audience: Audience, client: httpx.AsyncClient, settings: Settings
) -> None:
    headers = bearer(settings, PERSONA[audience])
    places = [place for place in _places(audience, _list_paths) if place.field != "_entities"]
    if audience is Audience.INTERNAL:
        assert len(places) >= 5
    for place in places:
        value: Any = ["x"] * (MOST_LIST_ITEMS + 1)
        for step in reversed(place.path):
            value = {step: value}
        response = await client.post(
            "/graphql",
            json={"query": _document(audience, place), "variables": {f"v_{place.argument}": value}},
            headers=headers,
        )
        body = response.json()
        assert body["data"] is None, (place, body)
        [error] = body["errors"]
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": place.named}
        assert error["message"].startswith(f"{place.field}({place.named}:) ")
        assert f"at most {MOST_LIST_ITEMS} items; got {MOST_LIST_ITEMS + 1}" in error["message"]


async def test_a_list_written_in_the_document_over_the_bound_is_refused(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    kinds = ", ".join(["DISABILITIES"] * (MOST_LIST_ITEMS + 1))
    body = (
        await client.post(
            "/graphql",
            json={"query": f'{{ childFacts(childId: "x", kinds: [{kinds}]) {{ __typename }} }}'},
            headers=bearer(settings, "social-worker"),
        )
    ).json()
    assert body["data"] is None
    assert [error["extensions"] for error in body["errors"]] == [
        {"code": "BAD_USER_INPUT", "argument": "kinds"}
    ]


async def test_the_gateways_representations_are_not_bounded_by_the_list_rule(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    representations = [{"__typename": "Child", "id": f"C{n}"} for n in range(MOST_LIST_ITEMS + 1)]
    body = (
        await client.post(
            "/graphql",
            json={
                "query": "query ($r: [_Any!]!) { _entities(representations: $r) { __typename } }",
                "variables": {"r": representations},
            },
            headers=bearer(settings, "social-worker"),
        )
    ).json()
    assert body == {"data": {"_entities": [None] * (MOST_LIST_ITEMS + 1)}}
