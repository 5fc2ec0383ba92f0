"""The front door's duplicate check as a walk: every mutation of each walker's schema that
takes a person typed in (an input with a given and a family name: a new child of a
contact, a child of a police incident report), called with the details of each child the
walker may not see (a restricted sibling, one moved to another team, any outside their
rule), typed whole, without the NHS number and UPN, and confirmed as new. The answer
names no such child (no id, no candidate, nothing identifying them the walker did not
type) and writes nothing."""

from __future__ import annotations

import json
from itertools import product
from typing import Any

import httpx
import pytest
from graphql import GraphQLInputObjectType, GraphQLSchema

from demo import county
from graph import FalkorDBStore
from hub.settings import Settings
from tests.e2e import test_no_leaks as walks
from tests.e2e.schema_walk import SchemaWalk, required, unwrap
from tests.e2e.test_leak_probes import _headers

pytestmark = pytest.mark.anyio

demo = walks.demo  # the county every leak walk runs on
settings = walks.settings  # and its cost bound

# What a person is typed with, by input field name: read from the child's own record.
_TYPED = ("givenName", "familyName", "dateOfBirth", "sex", "ethnicity", "nhsNumber", "upn")
_NUMBERS = ("nhsNumber", "upn")
# Typed whole, without the numbers (the scored match), and without them confirmed as new.
_SHAPES = ("whole", "names and birth", "confirmed new")
_CHILD = (
    "MATCH (c:Child {id: $id})"
    " RETURN c {.givenName, .familyName, .dateOfBirth, .sex, .ethnicity, .nhsNumber, .upn}"
    " AS child"
)
# Who types people in: Sam and his team colleague, the front door's adult worker and its
# manager (a worker there holds Sam's children's sibling), and police reporting an incident.
FRONT_DOOR_WALKERS: tuple[walks.Walker, ...] = (
    ("social-worker", walks.Audience.INTERNAL, None),
    ("staff", walks.Audience.INTERNAL, "team colleague"),
    ("staff", walks.Audience.INTERNAL, "adult worker"),
    ("staff", walks.Audience.INTERNAL, "front door manager"),
    ("police", walks.Audience.POLICE, None),
)


def _person_inputs(schema: GraphQLSchema) -> dict[str, dict[str, Any]]:
    """Each mutation taking a typed person, with the input fields that hold one (`child`
    of a contact, `children` of an incident report) and their types."""
    found: dict[str, dict[str, Any]] = {}
    mutation_type = schema.mutation_type
    for name, mutation in mutation_type.fields.items() if mutation_type else ():
        for argument in mutation.args.values():
            for holder in _input_types(argument.type):
                for field_name, input_field in holder.fields.items():
                    inner = unwrap(input_field.type)
                    if isinstance(inner, GraphQLInputObjectType) and {
                        "givenName",
                        "familyName",
                    } <= set(inner.fields):
                        found.setdefault(name, {})[field_name] = input_field.type
    return found


def _input_types(graphql_type: Any, seen: frozenset[str] = frozenset()) -> list[Any]:
    inner = unwrap(graphql_type)
    if not isinstance(inner, GraphQLInputObjectType) or inner.name in seen:
        return []
    seen |= {inner.name}
    below = [found for field in inner.fields.values() for found in _input_types(field.type, seen)]
    return [inner, *below]


def _typed(child: dict[str, Any], shape: str) -> dict[str, Any]:
    typed = {name: child[name] for name in _TYPED if child.get(name) is not None}
    typed["dateOfBirth"] = str(child["dateOfBirth"])
    if shape != "whole":
        typed = {name: value for name, value in typed.items() if name not in _NUMBERS}
    return typed


def _values(
    walk_values: dict[str, list[Any]], holders: dict[str, Any], typed: dict[str, Any], shape: str
) -> dict[str, list[Any]]:
    """The walk's values with the person typed into each input holding one (the fields
    its type has, a required one the record lacks made from its type), and no known
    child's id beside it."""
    values = {name: options for name, options in walk_values.items() if name != "childId"}
    values["confirmNewChild"] = [shape == "confirmed new"]
    for holder, holder_type in holders.items():
        person_type = unwrap(holder_type)
        walk = SchemaWalk(GraphQLSchema(), {})
        person = {
            name: typed[name] if name in typed else walk.value(name, input_field.type)
            for name, input_field in person_type.fields.items()
            if name in typed or required(input_field)
        }
        if "present" in person:
            person["present"] = True
        values[holder] = [[person] if isinstance(unwrap_list(holder_type), list) else person]
    return values


def unwrap_list(graphql_type: Any) -> Any:
    """`[]` for a list type (through non-null), else None."""
    from graphql import GraphQLList, GraphQLNonNull

    while isinstance(graphql_type, GraphQLNonNull):
        graphql_type = graphql_type.of_type
    return [] if isinstance(graphql_type, GraphQLList) else None


async def _call(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    schema: GraphQLSchema,
    name: str,
    values: dict[str, list[Any]],
) -> tuple[int, Any, dict[str, Any]]:
    mutation_type = schema.mutation_type
    assert mutation_type is not None
    mutation = mutation_type.fields[name]
    walk = SchemaWalk(schema, values)
    selection = walk.selection(unwrap(mutation.type), 3) or "__typename"
    nested = dict(walk.variables)
    walk.variables = {}
    passed = walk.arguments(mutation, 0, prefix="root")
    walk.variables |= nested
    variables = {key: value for key, (_, value) in walk.variables.items()}
    operation = f"mutation {walk.declared()} {{ {name}{passed} {{ {selection} }} }}"
    response = await client.post(
        "/graphql", json={"query": operation, "variables": variables}, headers=headers
    )
    return response.status_code, response.json(), variables


async def test_a_typed_in_child_the_caller_may_not_see_is_never_named_back(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, demo: county.County
) -> None:
    scene = await walks._set_scene(client, settings, store, demo)
    await store.write(walks.END_GRANTS)
    called = 0
    leaks: list[Any] = []
    for persona, audience, purpose in FRONT_DOOR_WALKERS:
        headers = _headers(settings, persona, audience, purpose)
        allowed = await walks._admitted(store, scene.values, audience, purpose)
        schema = await walks._schema_of(client, headers)
        hidden = [child for child in scene.values["childId"] if child not in allowed]
        assert walks.RESTRICTED in hidden, (persona, purpose)
        before = await walks._snapshot(store)
        for name, holders in _person_inputs(schema).items():
            for shape, child_id in product(_SHAPES, hidden):
                [row] = await store.read(_CHILD, {"id": child_id})
                typed = _typed(row["child"], shape)
                values = _values(scene.values, holders, typed, shape)
                values["forceReference"] = [f"LEAK/{called}"]
                status, body, sent = await _call(client, headers, schema, name, values)
                called += 1
                assert status in (200, 400), (name, status, body)
                assert "errors" not in body, (name, body)
                # Typed as the walker would, the call reaches the rule about the child.
                [answer] = body["data"].values()
                assert answer["__typename"] != "InvalidInput", (name, sent, answer)
                named, mentions = walks._children_named(body.get("data"))
                said = json.dumps(sent)
                mentions = {m for m in mentions if json.dumps(m[1]) not in said}
                named |= await walks._identified(store, mentions, allowed)
                if named - allowed:
                    leaks.append((persona, purpose, name, shape, child_id, body))
        # Police report an incident (recorded, its notices sent); at the front door a
        # child the hub knows, hidden or not, is never recorded again.
        written = (await walks._snapshot(store)).changed_since(before)
        assert audience is walks.Audience.POLICE or not written, (persona, purpose, written[:5])
    assert not leaks, "\n".join(map(repr, leaks))
    assert called >= 3 * len(FRONT_DOOR_WALKERS), called
