"""The read audit: which child's data each response carries, written once per request.

A type carries a child's data when it exposes `audited_child_id` (a Child, a child family
member, a CP-IS plan), `audited_child_ids` (a household read on its own: each of its
children; an EHM or IES record in review: each child it may be about; a CP-IS record: each
record with a plan in it; a merge: both records it names) or has a `child_id`
field (a case, a period of care, a work item, a contact). Each field of such a type notes
(child, field) as it resolves; when execution ends the whole request is audited in one
write (which concurrent requests may share: auth/audit.py). If that write fails the
response is withheld: data that cannot be audited does not leave the hub.

Noting happens once per object of just those types, as the executor (schema/build.py)
executes its fields: every field it is about to execute is noted in one call. Not in
middleware around every field, so the rest of the schema pays nothing; not in a
strawberry field extension, which would take each plain field off strawberry's fast
path (an `Info`, the arguments converted and the extension chain built for every field
of every child-bearing object: a tenth of a case view's execution); and no longer in a
wrapper around each field's resolver, which noted the same once per field.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import AsyncIterator, Awaitable, Iterable
from typing import TYPE_CHECKING, Any, Self

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.extensions.field_extension import (
    AsyncExtensionResolver,
    FieldExtension,
    SyncExtensionResolver,
)
from strawberry.types.base import StrawberryContainer, StrawberryObjectDefinition
from strawberry.types.lazy_type import LazyType
from strawberry.types.union import StrawberryUnion

from auth.audit import record_access
from resolvers.context import HubContext

if TYPE_CHECKING:
    from graphql import GraphQLSchema
    from strawberry.types.field import StrawberryField

log = logging.getLogger("lcs_hub.audit")


def _children_of(source: Any) -> list[str]:
    several = getattr(source, "audited_child_ids", None)
    if several:
        return [str(child_id) for child_id in several]
    child_id = getattr(source, "audited_child_id", None) or getattr(source, "child_id", None)
    return [str(child_id)] if child_id is not None else []


class HidesItsChild:
    """Base of a type that carries one child's data without the child's id as a field (a
    partner never sees the hub's id): `of_child` tells the read audit whose data it is."""

    @property
    def audited_child_id(self) -> str | None:
        return self.__dict__.get("_audited_child")

    def of_child(self, child_id: str) -> Self:
        self.__dict__["_audited_child"] = child_id
        return self


class NotesChildrenReturned(FieldExtension):
    """Notes each child whose object this field returns, before any of its fields: an
    answer selecting none of them (`__typename`, or nothing) still tells the caller the
    child is there (for CP-IS, that a child is on a plan)."""

    def resolve(self, next_: SyncExtensionResolver, source: Any, info: Any, **kwargs: Any) -> Any:
        return _returned(next_(source, info, **kwargs), info)

    async def resolve_async(
        self, next_: AsyncExtensionResolver, source: Any, info: Any, **kwargs: Any
    ) -> Any:
        return _returned(await next_(source, info, **kwargs), info)


def _returned(result: Any, info: Any) -> Any:
    """`result`, each child it holds noted (`_entities` answers with awaitables: noted
    once each is resolved)."""
    if isinstance(result, list):
        return [_returned(item, info) for item in result]
    if inspect.isawaitable(result):
        return _noted_when_resolved(result, info)
    context = info.context
    if isinstance(context, HubContext) and context.accessed is not None:
        for child_id in _children_of(result):
            context.accessed.setdefault(child_id, set())
    return result


async def _noted_when_resolved(result: Awaitable[Any], info: Any) -> Any:
    return _returned(await result, info)


def _definitions(field_type: Any) -> list[StrawberryObjectDefinition]:
    """The object types a field's type may answer with (through lists, options, unions)."""
    if isinstance(field_type, LazyType):
        field_type = field_type.resolve_type()
    if isinstance(field_type, StrawberryContainer):
        return _definitions(field_type.of_type)
    if isinstance(field_type, StrawberryUnion):
        return [found for member in field_type.types for found in _definitions(member)]
    definition = getattr(field_type, "__strawberry_definition__", None)
    return [definition] if isinstance(definition, StrawberryObjectDefinition) else []


def note_children_returned(field: StrawberryField) -> None:
    """Put the returned-children extension on `field` if it may answer with a child's data
    (idempotent)."""
    if not any(carries_a_child(found) for found in _definitions(field.type)):
        return
    if not any(isinstance(extension, NotesChildrenReturned) for extension in field.extensions):
        field.extensions.append(NotesChildrenReturned())


def carries_a_child(type_definition: StrawberryObjectDefinition) -> bool:
    """Whether objects of this type hold one child's data."""
    origin = type_definition.origin
    return (
        hasattr(origin, "audited_child_id")
        or hasattr(origin, "audited_child_ids")
        or any(field.python_name == "child_id" for field in type_definition.fields)
    )


# The types whose fields note the child they carry, per schema (`note_child_access`).
_NOTING_TYPES = "lcsHubNotesChildAccess"


def note_child_access(schema: GraphQLSchema, type_names: Iterable[str]) -> None:
    """Make every field of the named types note (child, field) as it is executed."""
    schema.extensions[_NOTING_TYPES] = frozenset(type_names)


def noting_types(schema: GraphQLSchema) -> frozenset[str]:
    """The types `note_child_access` named for `schema` (none if it named none)."""
    found: frozenset[str] = schema.extensions.get(_NOTING_TYPES, frozenset())
    return found


def note_fields(context: Any, source: Any, field_names: Iterable[str]) -> None:
    """Note the fields an object of a child-carrying type is about to execute, once per
    object (not once per field, in a wrapper around each resolver: the same notes for a
    tenth of the calls). Meta fields (`__typename`) are not the child's data."""
    if not isinstance(context, HubContext) or context.accessed is None:
        return
    children = _children_of(source)
    if not children:
        return
    names = [name for name in field_names if not name.startswith("__")]
    for child_id in children:
        context.accessed.setdefault(child_id, set()).update(names)


class ReadAudit(SchemaExtension):
    """Opens the request's access notes, then writes them in one statement at the end."""

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        if isinstance(context, HubContext):
            context.accessed = {}
        yield
        if not isinstance(context, HubContext) or not context.accessed:
            return
        operation = self.execution_context.operation_name or (
            self.execution_context.operation_type.value
            if self.execution_context.operation_type
            else "query"
        )
        # A child returned with none of its fields read was read for being there.
        accessed = {child: fields or {"__typename"} for child, fields in context.accessed.items()}
        try:
            await record_access(context.store, context.principal, operation, accessed)
        except Exception as error:
            log.exception("audit write failed; response withheld")
            result = self.execution_context.result
            if result is not None:
                result.data = None
                # The cause travels with the error, so an engine outage answers 503.
                result.errors = [
                    GraphQLError(
                        "the read could not be audited; nothing released", original_error=error
                    )
                ]
