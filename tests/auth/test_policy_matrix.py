"""The audience x type x field matrix, generated from the schema itself.

For every audience, every output type and every field: present in the audience's
introspection exactly when the field policy allows it, and a query that selects it
validates when allowed and fails validation when forbidden, at every path the
audience can reach the type by. A field without a declaration cannot be served.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import pytest
import strawberry
from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    parse,
    validate,
)

from auth.capabilities import Capability
from auth.policy import FEDERATION_TYPES, FIELD_POLICY, enum_value_policy
from auth.principal import Audience
from schema.build import PartnerSchema, build_schema

AUDIENCES = list(Audience)
SCHEMAS = {audience: build_schema(audience)._schema for audience in AUDIENCES}

Step = tuple[str, str, str]  # parent type, field, the (member) type it leads to


def _object_types(schema: GraphQLSchema) -> dict[str, GraphQLObjectType]:
    return {
        name: graphql_type
        for name, graphql_type in schema.type_map.items()
        if isinstance(graphql_type, GraphQLObjectType) and not name.startswith("__")
    }


def _unwrap(graphql_type: Any) -> Any:
    while isinstance(graphql_type, GraphQLNonNull | GraphQLList):
        graphql_type = graphql_type.of_type
    return graphql_type


def paths_to(schema: GraphQLSchema, target: str) -> list[list[Step]]:
    """Every acyclic chain of fields from Query that reaches `target` (one per last edge)."""
    roots = [root.name for root in (schema.query_type, schema.mutation_type) if root]
    found: list[list[Step]] = []
    queue: deque[tuple[str, list[Step]]] = deque((root, []) for root in roots)
    while queue:
        name, path = queue.popleft()
        graphql_type = schema.type_map[name]
        assert isinstance(graphql_type, GraphQLObjectType)
        for field_name, field in graphql_type.fields.items():
            inner = _unwrap(field.type)
            members = inner.types if isinstance(inner, GraphQLUnionType) else [inner]
            for member in members:
                if not isinstance(member, GraphQLObjectType):
                    continue
                visited = {step[0] for step in path} | {name}
                step_path = [*path, (name, field_name, member.name)]
                if member.name == target:
                    found.append(step_path)
                elif member.name not in visited and len(step_path) < 6:
                    queue.append((member.name, step_path))
    return found


def _arguments(field: Any, variables: list[str]) -> str:
    # Required arguments become variables: validation checks their types, not values.
    required = []
    for name, argument in field.args.items():
        if isinstance(argument.type, GraphQLNonNull):
            variables.append(f"$v{len(variables)}: {argument.type}")
            required.append(f"{name}: $v{len(variables) - 1}")
    return f"({', '.join(required)})" if required else ""


def selection_query(schema: GraphQLSchema, path: list[Step], field_name: str) -> str:
    """A query that walks `path` and selects `field_name` on the last type."""
    target = schema.type_map[path[-1][2]] if path else schema.query_type
    assert isinstance(target, GraphQLObjectType)
    field = target.fields.get(field_name) or _internal_field(path, field_name)
    leaf = (
        ""
        if not isinstance(_unwrap(field.type), GraphQLObjectType | GraphQLUnionType)
        else ("{ __typename }")
    )
    variables: list[str] = []
    selection = f"{field_name}{_arguments(field, variables)} {leaf}"
    for parent, parent_field, member in reversed(path):
        graphql_field = schema.type_map[parent].fields[parent_field]  # type: ignore[union-attr]
        inner = _unwrap(graphql_field.type)
        body = (
            f"... on {member} {{ {selection} }}"
            if isinstance(inner, GraphQLUnionType)
            else (selection)
        )
        selection = f"{parent_field}{_arguments(graphql_field, variables)} {{ {body} }}"
    operation = "mutation" if path and path[0][0] == "Mutation" else "query"
    declared = f"({', '.join(variables)})" if variables else ""
    return f"{operation} {declared} {{ {selection} }}"


def _internal_field(path: list[Step], field_name: str) -> Any:
    # A forbidden field is absent from the audience's schema; select it with the shape it
    # has in the internal schema, as a client that knows the full schema would.
    owner = path[-1][2] if path else "Query"
    return SCHEMAS[Audience.INTERNAL].type_map[owner].fields[field_name]  # type: ignore[union-attr]


def test_every_output_field_of_the_internal_schema_is_declared() -> None:
    for name, graphql_type in _object_types(SCHEMAS[Audience.INTERNAL]).items():
        if name in FEDERATION_TYPES:
            continue
        assert name in FIELD_POLICY, f"type {name} has no field policy"
        assert set(graphql_type.fields) == set(FIELD_POLICY[name]), name


# Free text a worker writes about a record kept in error or put right (why it was
# withdrawn, moved, corrected, reopened, linked to a child or unlinked, or why a step
# down no longer stands), or about why a step was late (the chair was ill, the family
# was away), names people as a case note does: read with the case-notes capability,
# like a contact's summary. Every text field named for a reason is such narrative but
# for the ones below, each with why it is not.
_NOT_WRITTEN_ABOUT_THE_CHILD = {
    # Made by the hub, naming a rule, a match or a code: nothing a worker typed.
    "NotAuthorised.reason",
    "TransitionRefused.reason",
    "PossibleDuplicates.reason",
    "RecordCandidates.reason",
    "IncidentChildResult.reason",
    "ImportProblem.reason",
    "Misfiling.reason",
    "PastMisfiling.reason",
    "SchoolExclusion.reason",
    "ChildProtectionPlan.endReason",
    "EarlyHelpRequest.reasonCode",
    "EarlyHelpRequest.reasonDescription",
    # Records management (a grant, a disposal, a merge: about the file, not the child's
    # case), or a fostering household's. A merge is read by records staff only. Why a
    # file is held is not among them: a records officer's free text on the child's file.
    "AccessGrant.reason",
    "FileDisposed.reason",
    "ChildMerge.reason",
    "ChildMerge.undoReason",
    "FosteringHousehold.endReason",
}


def _text_fields_named_for_a_reason() -> list[str]:
    found = []
    for name, graphql_type in _object_types(SCHEMAS[Audience.INTERNAL]).items():
        for field_name, field in graphql_type.fields.items():
            inner = field.type
            while isinstance(inner, GraphQLNonNull | GraphQLList):
                inner = inner.of_type
            if "reason" in field_name.lower() and getattr(inner, "name", "") == "String":
                found.append(f"{name}.{field_name}")
    return found


def test_every_reason_written_about_a_record_put_right_is_narrative() -> None:
    written = [
        path
        for path in _text_fields_named_for_a_reason()
        if path not in _NOT_WRITTEN_ABOUT_THE_CHILD and not path.endswith("RecordedBy")
    ]
    assert len(written) > 12, written
    # The list of exceptions names only fields that exist.
    assert set(_text_fields_named_for_a_reason()) >= _NOT_WRITTEN_ABOUT_THE_CHILD
    plain = [
        path
        for path in written
        if FIELD_POLICY[path.split(".")[0]][path.split(".")[1]].capability
        is not Capability.READ_CASE_NOTES
    ]
    assert plain == []


def test_a_field_without_a_declaration_cannot_be_served() -> None:
    @strawberry.type
    class Query:
        undeclared: int = 1

    with pytest.raises(Exception, match=r"Query\.undeclared has no field policy"):
        PartnerSchema(Audience.POLICE, query=Query)


@pytest.mark.parametrize("audience", AUDIENCES, ids=str)
def test_introspection_shows_only_the_enum_values_an_audience_can_be_answered(
    audience: Audience,
) -> None:
    # A school is never told of care that ended: its schema does not name CARE_LEAVER.
    internal = SCHEMAS[Audience.INTERNAL].type_map
    for name, graphql_type in SCHEMAS[audience].type_map.items():
        if not isinstance(graphql_type, GraphQLEnumType) or name.startswith("__"):
            continue
        every = internal[name]
        assert isinstance(every, GraphQLEnumType)
        allowed = {
            value
            for value in every.values
            if (policy := enum_value_policy(name, value)) is None or policy.visible_to(audience)
        }
        assert set(graphql_type.values) == allowed, (audience, name)
    if audience is Audience.EDUCATION:
        assert "CARE_LEAVER" not in str(build_schema(audience))


def test_the_subgraph_tags_each_enum_value_a_partner_may_not_be_answered() -> None:
    # Gateway contracts are composed from the tags, as for fields.
    sdl = str(build_schema(Audience.INTERNAL))
    assert 'CARE_LEAVER @tag(name: "hidden-from-health") @tag(name: "hidden-from-education")' in sdl


@pytest.mark.parametrize("audience", AUDIENCES, ids=str)
def test_introspection_shows_exactly_the_allowed_fields(audience: Audience) -> None:
    schema = SCHEMAS[audience]
    present = _object_types(schema)
    for type_name, fields in FIELD_POLICY.items():
        allowed = {name for name, policy in fields.items() if policy.visible_to(audience)}
        if type_name in present:
            assert set(present[type_name].fields) == allowed, (audience, type_name)
        else:
            assert type_name not in schema.type_map, (audience, type_name)
    if audience is not Audience.INTERNAL:
        # A partner has a Mutation type only for mutations declared for it (Operation
        # Encompass: police notify, schools acknowledge); health has none.
        mutations = {n for n, p in FIELD_POLICY["Mutation"].items() if p.visible_to(audience)}
        assert (schema.mutation_type is None) is (not mutations), audience
        assert schema.query_type is not None
        assert "_entities" not in schema.query_type.fields
        assert "_service" not in schema.query_type.fields


def _cells() -> list[tuple[Audience, str, str]]:
    return [
        (audience, type_name, field_name)
        for audience in AUDIENCES
        for type_name, fields in sorted(FIELD_POLICY.items())
        for field_name in sorted(fields)
        if type_name != "Mutation"
    ]


@pytest.mark.parametrize(("audience", "type_name", "field_name"), _cells(), ids=str)
def test_each_cell_validates_exactly_when_allowed_at_every_path(
    audience: Audience, type_name: str, field_name: str
) -> None:
    schema = SCHEMAS[audience]
    allowed = FIELD_POLICY[type_name][field_name].visible_to(audience)
    paths = [[]] if type_name == "Query" else paths_to(schema, type_name)
    if type_name not in schema.type_map:
        # Unreachable for this audience: no path exists, and the type is not in its schema.
        assert not paths
        return
    assert paths, f"{type_name} is in {audience}'s schema but no path reaches it"
    for path in paths:
        query = selection_query(schema, path, field_name)
        errors = validate(schema, parse(query))
        if allowed:
            assert not errors, (query, errors)
        else:
            assert errors, query
            messages = [error.message for error in errors]
            assert any("Cannot query field" in message for message in messages), (query, errors)
