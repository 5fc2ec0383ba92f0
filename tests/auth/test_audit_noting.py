"""The read audit's noting, field by field, in every audience's schema.

Every field of a type that carries a child's data notes (child, field) when it is
executed, whatever the field is (a plain value, a resolver, a field a capability
guards); and the noting keeps a plain field on strawberry's fast path (no `Info`, no
argument conversion, no extension chain per field), which is most of the fields of a
case view.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import Awaitable
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest
from graphql import FieldNode, GraphQLObjectType, NameNode, parse
from graphql.execution.collect_fields import FieldDetails
from strawberry.types.base import StrawberryObjectDefinition

from auth.policy import FEDERATION_TYPES, policy_for
from auth.principal import Audience
from bench.hub_request import staff
from resolvers.context import HubContext
from schema.audit import NotesChildrenReturned, carries_a_child
from schema.build import build_schema
from tests.e2e.schema_walk import identifies_a_child
from workflow.calendar import default_calendar

if TYPE_CHECKING:
    from schema.build import AudienceSchema

SCHEMAS = {audience: build_schema(audience) for audience in Audience}


def _child_bearing(schema: AudienceSchema) -> dict[str, StrawberryObjectDefinition]:
    return {
        name: concrete.definition
        for name, concrete in schema.schema_converter.type_map.items()
        if isinstance(concrete.definition, StrawberryObjectDefinition)
        and not concrete.definition.is_input
        and name not in FEDERATION_TYPES
        and carries_a_child(concrete.definition)
    }


def _resolve_noting(schema: AudienceSchema, type_name: str, field_name: str) -> Any:
    """What executing the field on a child's object noted, through the schema's own
    executor (the field's outcome on this stand-in source does not matter: the note
    comes first)."""
    context = HubContext(
        request=None,  # type: ignore[arg-type]
        principal=staff("worker-audit", "social_worker", None),
        store=None,  # type: ignore[arg-type]
        calendar=default_calendar(),
    )
    context.accessed = {}
    graphql_type = schema._schema.type_map[type_name]
    assert isinstance(graphql_type, GraphQLObjectType)
    executor = schema.execution_context_class.build(
        schema._schema, parse("{ __typename }"), context_value=context
    )
    assert not isinstance(executor, list), executor
    source = SimpleNamespace(audited_child_id="C-AUDITED")
    field = FieldDetails(FieldNode(name=NameNode(value=field_name)), None)
    # The stand-in source has none of the data: the field may fail, at once or once run.
    with contextlib.suppress(Exception):
        result = executor.execute_fields(graphql_type, source, None, {field_name: [field]}, None)
        if inspect.isawaitable(result):
            asyncio.run(_settled(result))
    return context.accessed


async def _settled(result: Awaitable[Any]) -> None:
    with contextlib.suppress(Exception):
        await result


@pytest.mark.parametrize("audience", list(Audience), ids=str)
def test_every_field_of_a_type_carrying_a_child_notes_it(audience: Audience) -> None:
    schema = SCHEMAS[audience]
    types = _child_bearing(schema)
    assert types
    for type_name in types:
        graphql_type = schema._schema.type_map[type_name]
        assert isinstance(graphql_type, GraphQLObjectType)
        for field_name in graphql_type.fields:
            noted = _resolve_noting(schema, type_name, field_name)
            assert noted == {"C-AUDITED": {field_name}}, (audience, type_name, field_name)


@pytest.mark.parametrize("audience", list(Audience), ids=str)
def test_a_plain_field_of_a_type_carrying_a_child_stays_on_strawberrys_fast_path(
    audience: Audience,
) -> None:
    schema = SCHEMAS[audience]
    plain = [
        (type_name, field.python_name)
        for type_name, definition in _child_bearing(schema).items()
        for field in definition.fields
        if field.base_resolver is None
        # A field that may answer with a child notes the children it returns (its own
        # extension, even on a plain field): not one of these.
        and not any(isinstance(each, NotesChildrenReturned) for each in field.extensions)
        and policy_for(type_name, schema.config.name_converter.get_graphql_name(field)).capability
        is None
    ]
    assert plain
    for type_name, python_name in plain:
        definition = _child_bearing(schema)[type_name]
        field = next(each for each in definition.fields if each.python_name == python_name)
        assert field.is_basic_field, (audience, type_name, python_name, field.extensions)


# Leaves named as a child's are not the child's data on these types: the number the
# caller typed in, said back (no child was found), and a pupil record's UPN, only ever
# read inside the child it is linked to (whose `education` field is noted).
_NAMED_BUT_NO_CHILD = {("NoCpisRecord", "nhsNumber"), ("PupilRecord", "upn")}


@pytest.mark.parametrize("audience", list(Audience), ids=str)
def test_every_type_naming_a_child_carries_the_child_for_the_read_audit(
    audience: Audience,
) -> None:
    # A type that answers with a child's id or identity but is not read as carrying the
    # child is never audited (a merge read through childMerges named both records and
    # wrote no audit): the walk's test of what names a child decides here too.
    schema = SCHEMAS[audience]
    unaudited = []
    for name, concrete in schema.schema_converter.type_map.items():
        definition = concrete.definition
        graphql_type = schema._schema.type_map.get(name)
        if (
            not isinstance(definition, StrawberryObjectDefinition)
            or definition.is_input
            or name in FEDERATION_TYPES | {"Mutation", "Query"}
            or not isinstance(graphql_type, GraphQLObjectType)
            or carries_a_child(definition)
        ):
            continue
        unaudited.extend(
            (name, field)
            for field in graphql_type.fields
            if identifies_a_child(name, field) and (name, field) not in _NAMED_BUT_NO_CHILD
        )
    assert unaudited == [], audience
