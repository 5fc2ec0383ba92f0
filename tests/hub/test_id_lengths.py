"""Every ID a request can carry is bounded, generated from each audience's schema: an ID
argument or ID input field over the bound, written in the document or sent as a variable,
is refused BAD_USER_INPUT naming the field and argument, and nothing runs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
)

from auth.principal import Audience
from connectors.ehm.records import RECORD_TYPES as EHM_RECORD_TYPES
from connectors.ies.records import RECORD_TYPES as IES_RECORD_TYPES
from connectors.intake import SourceRow
from demo import county
from graph import FalkorDBStore
from hub.settings import Settings
from schema.build import build_schemas
from schema.input_bounds import MOST_ID_CHARS
from tests.helpers import bearer

pytestmark = pytest.mark.anyio

PERSONA = {
    Audience.INTERNAL: "social-worker",
    Audience.POLICE: "police",
    Audience.HEALTH: "health",
    Audience.EDUCATION: "education",
}
TOO_LONG = "i" * (MOST_ID_CHARS + 1)


@dataclass(frozen=True)
class InputPlace:
    """Where a root field takes an ID (or, for the list bound, a list): an argument, or a
    field (path) inside one."""

    operation: str  # query or mutation
    field: str
    argument: str
    path: tuple[str, ...]  # input fields from the argument down to the value

    @property
    def named(self) -> str:
        return ".".join((self.argument, *self.path))


def _id_paths(input_type: GraphQLInputType, seen: frozenset[str]) -> Iterator[tuple[str, ...]]:
    named = get_named_type(input_type)
    if named.name == "ID":
        yield ()
    elif isinstance(named, GraphQLInputObjectType) and named.name not in seen:
        for name, field in named.fields.items():
            for path in _id_paths(field.type, seen | {named.name}):
                yield (name, *path)


@cache
def _schemas() -> dict[Audience, GraphQLSchema]:
    return {audience: schema._schema for audience, schema in build_schemas().items()}


Paths = Callable[[GraphQLInputType, frozenset[str]], Iterator[tuple[str, ...]]]


def _places(audience: Audience, paths: Paths = _id_paths) -> Iterator[InputPlace]:
    """Every place a root field of the audience's schema takes what `paths` finds."""
    schema = _schemas()[audience]
    for operation, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        if root is None:
            continue
        for field_name, field in root.fields.items():
            for argument, definition in field.args.items():
                for path in paths(definition.type, frozenset()):
                    yield InputPlace(operation, field_name, argument, path)


def test_only_root_fields_take_ids() -> None:
    # The generated requests call root fields; a nested field taking an ID would be a
    # place they do not reach (the rule itself bounds it all the same).
    for schema in _schemas().values():
        roots = {schema.query_type, schema.mutation_type}
        for graphql_type in schema.type_map.values():
            if isinstance(graphql_type, GraphQLObjectType) and graphql_type not in roots:
                for field in graphql_type.fields.values():
                    assert not any(
                        list(_id_paths(argument.type, frozenset()))
                        for argument in field.args.values()
                    ), graphql_type.name


def test_the_bound_fits_every_id_the_hub_and_its_peers_issue() -> None:
    record_id = SourceRow.model_fields["record_id"].metadata
    longest_record_id = max(getattr(rule, "max_length", 0) or 0 for rule in record_id)
    assert longest_record_id == 100
    source_keys = [
        f"{source}:{kind}:" + "x" * longest_record_id
        for source, kinds in (("EHM", EHM_RECORD_TYPES), ("IES", IES_RECORD_TYPES))
        for kind in kinds
    ]
    uuid = "123e4567-e89b-12d3-a456-426614174000"
    assert max(len(key) for key in [*source_keys, uuid]) <= MOST_ID_CHARS


def _call(
    schema: GraphQLSchema, place: InputPlace, value: str, as_variable: bool
) -> tuple[str, dict[str, Any]]:
    """A document calling the place's field with the ID at `value`; every other required
    argument is a declared variable left unset (the refusal comes before they are read)."""
    root = schema.mutation_type if place.operation == "mutation" else schema.query_type
    assert root is not None
    field = root.fields[place.field]
    definitions = []
    arguments = []
    variables: dict[str, Any] = {}
    for name, argument in field.args.items():
        if name == place.argument:
            nested: Any = value
            for step in reversed(place.path):
                nested = {step: nested}
            if as_variable:
                definitions.append(f"$v_{name}: {argument.type}")
                arguments.append(f"{name}: $v_{name}")
                variables[f"v_{name}"] = _listed(argument.type, nested)
            else:
                literal = f'"{value}"'
                for step in reversed(place.path):
                    literal = f"{{ {step}: {literal} }}"
                arguments.append(f"{name}: {literal}")
        elif isinstance(argument.type, GraphQLNonNull):
            definitions.append(f"$v_{name}: {argument.type}")
            arguments.append(f"{name}: $v_{name}")
    declared = f"({', '.join(definitions)})" if definitions else ""
    selection = " { __typename }" if _has_fields(field.type) else ""
    document = (
        f"{place.operation} {declared} {{ {place.field}({', '.join(arguments)}){selection} }}"
    )
    return document, variables


def _listed(input_type: Any, value: Any) -> Any:
    while isinstance(input_type, GraphQLNonNull):
        input_type = input_type.of_type
    return [value] if isinstance(input_type, GraphQLList) else value


def _has_fields(output_type: Any) -> bool:
    return hasattr(get_named_type(output_type), "fields") or hasattr(
        get_named_type(output_type), "types"
    )


async def _node_count(store: FalkorDBStore) -> int:
    rows = await store.read("MATCH (n) RETURN count(n) AS n", {})
    return int(rows[0]["n"])


@pytest.mark.parametrize("audience", list(Audience))
async def test_every_id_over_the_bound_is_refused_naming_it(
    audience: Audience,
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
) -> None:
    await county.load(store, county.generate("tiny"), show_progress=False)
    before = await _node_count(store)
    headers = bearer(settings, PERSONA[audience])
    places = list(_places(audience))
    if audience is Audience.INTERNAL:
        assert places
    for place in places:
        for as_variable in (False, True):
            document, variables = _call(_schemas()[audience], place, TOO_LONG, as_variable)
            response = await client.post(
                "/graphql", json={"query": document, "variables": variables}, headers=headers
            )
            body = response.json()
            assert body["data"] is None, (place, as_variable, body)
            refusals = [
                error
                for error in body["errors"]
                if error.get("extensions", {}).get("code") == "BAD_USER_INPUT"
                and error["extensions"].get("argument") == place.named
            ]
            assert len(refusals) == 1, (place, as_variable, body)
            message = refusals[0]["message"]
            assert message.startswith(f"{place.field}({place.named}:) ")
            assert f"at most {MOST_ID_CHARS} characters; got {MOST_ID_CHARS + 1}" in message
            # The refusal does not echo the id back, and points at it (or at the variable
            # that carried it) in the document.
            assert TOO_LONG not in message
            [where] = refusals[0]["locations"]
            assert _at(document, where).startswith("$" if as_variable else f'"{TOO_LONG}'), (
                place,
                where,
            )
    assert await _node_count(store) == before


def _at(document: str, location: dict[str, int]) -> str:
    """The document's text from a GraphQL error location (1-based line and column)."""
    line = document.splitlines()[location["line"] - 1]
    return line[location["column"] - 1 :]


async def test_an_id_at_the_bound_is_looked_up(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    longest = "i" * MOST_ID_CHARS
    for document, variables in (
        (f'{{ child(id: "{longest}") {{ id }} }}', {}),
        ("query ($id: ID!) { child(id: $id) { id } }", {"id": longest}),
    ):
        response = await client.post(
            "/graphql",
            json={"query": document, "variables": variables},
            headers=bearer(settings, "social-worker"),
        )
        assert response.json() == {"data": {"child": None}}


async def test_a_variables_default_over_the_bound_is_refused(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    body = (
        await client.post(
            "/graphql",
            json={"query": f'query ($id: ID = "{TOO_LONG}") {{ child(id: $id) {{ id }} }}'},
            headers=bearer(settings, "social-worker"),
        )
    ).json()
    assert body["data"] is None
    assert [error["extensions"]["code"] for error in body["errors"]] == ["BAD_USER_INPUT"]
    assert "$id's default an ID is at most" in body["errors"][0]["message"]
    assert body["errors"][0]["locations"] == [{"line": 1, "column": 18}]


async def test_free_text_longer_than_an_id_is_not_refused_as_one(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    # A variable longer than any id, where the schema takes text: the walk finds no ID.
    body = (
        await client.post(
            "/graphql",
            json={
                "query": "query ($term: String!) { searchChildren(term: $term) { id } }",
                "variables": {"term": "x" * (MOST_ID_CHARS + 1)},
            },
            headers=bearer(settings, "social-worker"),
        )
    ).json()
    assert "an ID is at most" not in str(body)


async def test_an_entity_key_over_the_bound_is_refused(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    # `_entities` takes `_Any`, not ID: the gateway's key is bounded as an ID is.
    query = "query ($r: [_Any!]!) { _entities(representations: $r) { ... on Child { id } } }"
    for key in (TOO_LONG, int("9" * (MOST_ID_CHARS + 1))):
        representations = [{"__typename": "Child", "id": "C1"}, {"__typename": "Child", "id": key}]
        body = (
            await client.post(
                "/graphql",
                json={"query": query, "variables": {"r": representations}},
                headers=bearer(settings, "social-worker"),
            )
        ).json()
        assert body["data"] == {"_entities": [None, None]}
        [error] = body["errors"]
        assert error["path"] == ["_entities", 1]
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "representations"}
        assert error["message"] == (
            f"representations[1]: `id` is at most {MOST_ID_CHARS} characters "
            f"(an ID); got {MOST_ID_CHARS + 1}"
        )


async def test_variables_nested_as_deep_as_json_allows_are_answered(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    # Checking the variables for long ids walked them recursively: 500 levels of lists
    # in `_Any` (JSON allows ~1,000) were an internal error.
    for depth in (500, 990):
        deep = "[" * depth + '"' + "x" * (MOST_ID_CHARS + 1) + '"' + "]" * depth
        body = (
            '{"query": "query ($r: [_Any!]!) { _entities(representations: $r) '
            '{ __typename } }", "variables": {"r": [' + deep + "]}}"
        )
        response = await client.post(
            "/graphql",
            content=body.encode(),
            headers={**bearer(settings, "social-worker"), "Content-Type": "application/json"},
        )
        answer = response.json()
        codes = [error.get("extensions", {}).get("code") for error in answer["errors"]]
        assert codes == ["BAD_USER_INPUT"], (depth, answer)
