"""Building the schemas: the internal one, and one per partner audience, from one type set.

Each audience's schema is the same types with the fields its policy does not allow
taken out (auth/policy.py), so introspection shows exactly the allowed surface, types
reachable only through hidden fields disappear, and a read-only audience has no
Mutation type. The internal schema carries the federation `@tag`s gateway contracts
are composed from.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import strawberry
from pydantic.alias_generators import to_camel
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.federation import Schema
from strawberry.federation.schema_directives import Tag

from auth.policy import FEDERATION_TYPES, policy_for
from auth.principal import Audience
from schema.audit import ReadAudit, carries_a_child, note_child_access
from schema.field_capability import require_capability
from schema.journey_types import Case
from schema.livelink import Document
from schema.operations import Mutation, Query
from schema.people import Child, Family, Person
from schema.training_gate import gate_mutation

if TYPE_CHECKING:
    from strawberry.schema.config import StrawberryConfig
    from strawberry.types.base import StrawberryObjectDefinition
    from strawberry.types.field import StrawberryField

# Both Apollo's composer and the Guild's accept 2.9; strawberry's default is newer.
FEDERATION_VERSION = "2.9"
ENTITY_TYPES = [Child, Person, Family, Case, Document]


def _parser_cache() -> ParserCache:
    return ParserCache(maxsize=512)


def _validation_cache() -> ValidationCache:
    return ValidationCache(maxsize=512)


def _extensions(*, audit: bool = True) -> list[object]:
    # Validation alone costs ~0.7 ms a request (research/stack.md §4). Strawberry builds
    # the extensions per request from these factories; the caches themselves live at
    # module level and key on the query text, which suits a gateway's stable operations.
    return [_parser_cache, _validation_cache, *([ReadAudit] if audit else [])]


class _AudienceFields:
    """Drops the fields `audience` may not see, as strawberry converts each type."""

    audience: Audience
    config: StrawberryConfig

    def get_fields(self, type_definition: StrawberryObjectDefinition) -> list[StrawberryField]:
        fields = type_definition.fields
        if type_definition.is_input or type_definition.name in FEDERATION_TYPES:
            return fields
        audited = carries_a_child(type_definition)
        visible = []
        for field in fields:
            graphql_name = self.config.name_converter.get_graphql_name(field)
            policy = policy_for(type_definition.name, graphql_name)
            if not policy.visible_to(self.audience):
                continue
            if audited:
                note_child_access(field)
            if self.audience is Audience.INTERNAL:
                _tag(field, policy.tags())
                if type_definition.name == "Mutation":
                    gate_mutation(field, graphql_name)
                if policy.capability is not None:
                    require_capability(field, policy.capability)
            visible.append(field)
        return visible


class InternalSchema(_AudienceFields, Schema):
    """The federation subgraph schema: internal staff and the gateway."""

    def __init__(self, **kwargs: Any) -> None:
        self.audience = Audience.INTERNAL
        super().__init__(**kwargs)


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


AudienceSchema = InternalSchema | PartnerSchema


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


def build_schema(audience: Audience, *, audit: bool = True) -> AudienceSchema:
    """The schema `audience` is served (the internal one is also the gateway's subgraph).

    Args:
        audit: only the overhead benchmark turns the read audit off, to measure its cost.
    """
    if audience is Audience.INTERNAL:
        return InternalSchema(
            query=Query,
            mutation=Mutation,
            types=ENTITY_TYPES,
            extensions=_extensions(audit=audit),
            federation_version=FEDERATION_VERSION,
        )
    return PartnerSchema(
        audience,
        query=Query,
        mutation=Mutation if _has_mutations(audience) else None,
        extensions=_extensions(audit=audit),
    )


def build_internal_schema() -> InternalSchema:
    """The full subgraph schema, served to internal staff and to the gateway."""
    schema = build_schema(Audience.INTERNAL)
    assert isinstance(schema, InternalSchema)
    return schema


def build_schemas() -> dict[Audience, AudienceSchema]:
    """Every audience's schema, built once at start-up."""
    return {audience: build_schema(audience) for audience in Audience}
