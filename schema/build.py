"""Building the schemas: the internal one, and one per partner audience, from one type set.

Each audience's schema is the same types with the fields its policy does not allow
taken out (auth/policy.py), so introspection shows exactly the allowed surface, types
reachable only through hidden fields disappear, and a read-only audience has no
Mutation type. The internal schema carries the federation `@tag`s gateway contracts
are composed from.
"""

from __future__ import annotations

import warnings
import weakref
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, cast

import strawberry
from graphql import GraphQLEnumType, GraphQLError, GraphQLResolveInfoHelpers
from graphql.pyutils import gather_with_cancel
from pydantic.alias_generators import to_camel
from strawberry.extensions import AddValidationRules
from strawberry.federation import Schema
from strawberry.federation.schema import FederationAny
from strawberry.federation.schema_directives import Tag
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import Info
from strawberry.types.base import StrawberryObjectDefinition

from auth.policy import ENUM_VALUE_POLICY, FEDERATION_TYPES, policy_for
from auth.principal import Audience
from schema.audit import (
    ReadAudit,
    carries_a_child,
    note_child_access,
    note_children_returned,
    note_fields,
    noting_types,
)
from schema.field_capability import require_capability
from schema.input_bounds import MOST_ID_CHARS, InputBoundsRule, VariablesBounded
from schema.journey_types import Case
from schema.limits import RequestLimits, limit_extensions
from schema.livelink import Document
from schema.operations import Mutation, Query
from schema.people import Child, Family, Person
from schema.training_gate import gate_mutation

if TYPE_CHECKING:
    from graphql import GraphQLObjectType, GraphQLSchema
    from graphql.execution.collect_fields import GroupedFieldSet
    from graphql.pyutils import Path
    from strawberry.extensions import SchemaExtension
    from strawberry.schema.config import StrawberryConfig
    from strawberry.schema.schema_converter import GraphQLCoreConverter
    from strawberry.types import ExecutionContext
    from strawberry.types.field import StrawberryField

    from auth.policy import FieldPolicy

# Both Apollo's composer and the Guild's accept 2.9; strawberry's default is newer.
FEDERATION_VERSION = "2.9"
ENTITY_TYPES = [Child, Person, Family, Case, Document]


def _extensions(
    limits: RequestLimits,
    *,
    audit: bool = True,
    observers: Sequence[Callable[[], SchemaExtension]] = (),
) -> list[object]:
    # The limits come first: a document over them is refused before it is parsed in full,
    # cached or run. Validation alone costs ~0.7 ms a request (research/stack.md §4), so
    # the (bounded) parser and validation caches are among them. Ids and lists are bounded
    # in the document (a rule, its result cached with the others) and in the variables.
    return [
        *limit_extensions(limits),
        lambda: AddValidationRules([InputBoundsRule]),
        VariablesBounded,
        *([ReadAudit] if audit else []),
        *observers,
    ]


class _AudienceFields:
    """Drops the fields `audience` may not see, as strawberry converts each type."""

    audience: Audience
    config: StrawberryConfig
    schema_converter: GraphQLCoreConverter
    _schema: GraphQLSchema

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Strawberry would log each error's message, which can quote the query and its
        # variables (names, dates of birth) or an engine message with the statement. The
        # hub logs errors itself, by type and request id (hub/errors.py).
        return

    def get_fields(self, type_definition: StrawberryObjectDefinition) -> list[StrawberryField]:
        fields = type_definition.fields
        if type_definition.is_input or type_definition.name in FEDERATION_TYPES:
            return fields
        visible = []
        for field in fields:
            graphql_name = self.config.name_converter.get_graphql_name(field)
            policy = policy_for(type_definition.name, graphql_name)
            if not policy.visible_to(self.audience):
                continue
            note_children_returned(field)
            if self.audience is Audience.INTERNAL:
                _tag(field, policy.tags())
                if type_definition.name == "Mutation":
                    gate_mutation(field, graphql_name)
                if policy.capability is not None:
                    require_capability(field, policy.capability)
            visible.append(field)
        return visible

    def _note_child_access(self) -> None:
        """Every field of a type that carries a child notes it for the read audit."""
        converted = self.schema_converter.type_map
        note_child_access(
            self._schema,
            (
                name
                for name, graphql_type in converted.items()
                if isinstance(graphql_type.definition, StrawberryObjectDefinition)
                and not graphql_type.definition.is_input
                and name not in FEDERATION_TYPES
                and carries_a_child(graphql_type.definition)
            ),
        )

    def _enum_values_with_policy(self) -> Iterator[tuple[GraphQLEnumType, str, FieldPolicy]]:
        """Each enum value the policy table limits (auth/policy.py), with its enum."""
        for enum_name, values in ENUM_VALUE_POLICY.items():
            graphql_type = self._schema.type_map.get(enum_name)
            if isinstance(graphql_type, GraphQLEnumType):
                for value, policy in values.items():
                    yield graphql_type, value, policy

    def _drop_enum_values(self) -> None:
        """Takes out the enum values `audience` may never be answered (auth/policy.py):
        its introspection does not name them, and one answered by mistake is refused as
        an error by the enum's serialiser rather than sent."""
        for graphql_type, value, policy in self._enum_values_with_policy():
            if not policy.visible_to(self.audience):
                graphql_type.values.pop(value, None)

    def _tag_enum_values(self) -> None:
        """Tags each enum value a partner may not be answered, for gateway contracts."""
        for graphql_type, value, policy in self._enum_values_with_policy():
            definition = graphql_type.values[value].extensions.get("strawberry-definition")
            if definition is None:
                continue
            present = {d.name for d in definition.directives if isinstance(d, Tag)}
            definition.directives = (
                *definition.directives,
                *(Tag(name=name) for name in policy.tags() if name not in present),
            )


class InternalSchema(_AudienceFields, Schema):
    """The federation subgraph schema: internal staff and the gateway."""

    def __init__(self, **kwargs: Any) -> None:
        self.audience = Audience.INTERNAL
        super().__init__(**kwargs)
        self._note_child_access()
        self._tag_enum_values()

    def entities_resolver(
        self, info: Info, representations: list[FederationAny]
    ) -> list[FederationAny]:
        # `_Any` lets any JSON through, and strawberry's resolver fails on what is not an
        # entity's key (no `__typename`, a type that is not an entity, no `id`, an `id`
        # that is not text, a field beside the key): each was an internal error. Each
        # representation is checked on its own; only the key goes on to the row rule.
        checked = [
            _entity_key(index, representation)
            for index, representation in enumerate(representations)
        ]
        found = iter(
            super().entities_resolver(
                info, [key for key in checked if not isinstance(key, GraphQLError)]
            )
        )
        # A refusal in the list is raised at its own path (`_entities.N`) by graphql-core.
        answers = [key if isinstance(key, GraphQLError) else next(found) for key in checked]
        return cast("list[FederationAny]", answers)


ENTITY_NAMES = frozenset(entity.__name__ for entity in ENTITY_TYPES)


def _entity_key(index: int, representation: object) -> FederationAny | GraphQLError:
    """The entity key `{__typename, id}` of one representation, or why it is none."""
    if not isinstance(representation, dict):
        problem = "must be an object with `__typename` and `id`"
    elif representation.get("__typename") not in ENTITY_NAMES:
        problem = f"`__typename` must be one of {', '.join(sorted(ENTITY_NAMES))}"
    elif isinstance(representation.get("id"), bool) or not isinstance(
        representation.get("id"), str | int
    ):
        problem = "`id` must be the entity's id, as text"
    elif len(str(representation["id"])) > MOST_ID_CHARS:
        length = len(str(representation["id"]))
        problem = f"`id` is at most {MOST_ID_CHARS} characters (an ID); got {length}"
    else:
        return FederationAny(
            {"__typename": representation["__typename"], "id": str(representation["id"])}
        )
    return GraphQLError(
        f"representations[{index}]: {problem}",
        extensions={"code": "BAD_USER_INPUT", "argument": "representations"},
    )


class PartnerSchema(_AudienceFields, strawberry.Schema):
    """A partner audience's schema.

    Not a federation schema: partners never reach the subgraph's `_entities` or
    `_service` (a gateway builds partner contracts from the internal schema's tags), so
    no reference can be resolved around the partner's own dataset.
    """

    def __init__(self, audience: Audience, **kwargs: Any) -> None:
        self.audience = audience
        with warnings.catch_warnings():
            # The shared types carry @key for the subgraph; here they are plain types.
            warnings.filterwarnings("ignore", "Federation directive found", UserWarning)
            super().__init__(**kwargs)
        self._note_child_access()
        self._drop_enum_values()


AudienceSchema = InternalSchema | PartnerSchema


def _gather(values: Sequence[Awaitable[Any]]) -> Awaitable[list[Any]]:
    return gather_with_cancel(*values)


class _AcyclicExecutor(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor, without the reference cycle it makes through itself.

    graphql-core gives resolvers two helpers bound to the executor and keeps them on it,
    so every request's executor (and through it the context, its loaders and their
    answers, and every object the request made: ~430 of them for a case view) was a
    cycle only the garbage collector could free: the collections took 0.24-0.28 ms of
    every case view, 0.11-0.12 ms without the cycle. Here the gathering helper needs no
    executor and the tracking one holds it weakly, so a request's objects are freed as
    soon as it ends.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        executor = weakref.ref(self)

        def track(values: Sequence[Any]) -> None:
            running = executor()
            if running is not None:
                running.track_async_work(values)

        self.async_helpers = GraphQLResolveInfoHelpers(gather=_gather, track=track)
        self._noting = noting_types(self.schema)

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        # The read audit: an object carrying a child's data notes the fields it executes.
        if parent_type.name in self._noting:
            note_fields(
                self.context_value,
                source_value,
                (details[0].node.name.value for details in grouped_field_set.values()),
            )
        return super().execute_fields(
            parent_type, source_value, path, grouped_field_set, position_context
        )


def _tag(field: StrawberryField, names: tuple[str, ...]) -> None:
    present = {directive.name for directive in field.directives if isinstance(directive, Tag)}
    field.directives.extend(Tag(name=name) for name in names if name not in present)


def _has_mutations(audience: Audience) -> bool:
    definition = Mutation.__strawberry_definition__  # type: ignore[attr-defined]
    return any(
        policy_for("Mutation", field.graphql_name or to_camel(field.python_name)).visible_to(
            audience
        )
        for field in definition.fields
    )


def build_schema(
    audience: Audience,
    *,
    audit: bool = True,
    limits: RequestLimits | None = None,
    observers: Sequence[Callable[[], SchemaExtension]] = (),
) -> AudienceSchema:
    """The schema `audience` is served (the internal one is also the gateway's subgraph).

    Args:
        audit: only the overhead benchmark turns the read audit off, to measure its cost.
        limits: how much one request may ask for; the defaults when not given.
        observers: extensions that watch execution (the hub's metrics and traces).
    """
    extensions = _extensions(limits or RequestLimits(), audit=audit, observers=observers)
    if audience is Audience.INTERNAL:
        return InternalSchema(
            query=Query,
            mutation=Mutation,
            types=ENTITY_TYPES,
            extensions=extensions,
            federation_version=FEDERATION_VERSION,
            execution_context_class=_AcyclicExecutor,
        )
    return PartnerSchema(
        audience,
        query=Query,
        mutation=Mutation if _has_mutations(audience) else None,
        extensions=extensions,
        execution_context_class=_AcyclicExecutor,
    )


def build_internal_schema() -> InternalSchema:
    """The full subgraph schema, served to internal staff and to the gateway."""
    schema = build_schema(Audience.INTERNAL)
    assert isinstance(schema, InternalSchema)
    return schema


def build_schemas(
    limits: RequestLimits | None = None, observers: Sequence[Callable[[], SchemaExtension]] = ()
) -> dict[Audience, AudienceSchema]:
    """Every audience's schema, built once at start-up."""
    return {
        audience: build_schema(audience, limits=limits, observers=observers)
        for audience in Audience
    }
