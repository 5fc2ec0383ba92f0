"""Building the schemas: the internal one, and one per partner audience.

A partner's schema is built from its own root type, so fields and types it may not
see do not exist for it at all (introspection shows only the allowed surface) and a
read-only audience has no Mutation type.
"""

from __future__ import annotations

import strawberry
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.federation import Schema
from strawberry.types import Info

from auth.principal import Audience
from resolvers.context import HubContext
from schema.identity import Me
from schema.operations import Mutation, Query
from schema.people import Child, Family, Person

# Both Apollo's composer and the Guild's accept 2.9; strawberry's default is newer.
FEDERATION_VERSION = "2.9"


@strawberry.type
class PartnerQuery:
    @strawberry.field(description="Who the hub thinks you are")
    def me(self, info: Info[HubContext, None]) -> Me:
        return Me.of(info.context.principal)


def _parser_cache() -> ParserCache:
    return ParserCache(maxsize=512)


def _validation_cache() -> ValidationCache:
    return ValidationCache(maxsize=512)


def _extensions() -> list[object]:
    # Validation alone costs ~0.7 ms a request (research/stack.md §4). Strawberry builds
    # the extensions per request from these factories; the caches themselves live at
    # module level and key on the query text, which suits a gateway's stable operations.
    return [_parser_cache, _validation_cache]


def build_internal_schema() -> Schema:
    """The full subgraph schema, served to internal staff and to the gateway."""
    return Schema(
        query=Query,
        mutation=Mutation,
        types=[Child, Person, Family],
        extensions=_extensions(),  # type: ignore[arg-type]
        federation_version=FEDERATION_VERSION,  # type: ignore[arg-type]
    )


def build_partner_schema(audience: Audience) -> Schema:
    """A partner audience's schema: read-only, holding only what the audience may see."""
    del audience  # the partner datasets come with the access-control work
    return Schema(
        query=PartnerQuery,
        extensions=_extensions(),  # type: ignore[arg-type]
        federation_version=FEDERATION_VERSION,  # type: ignore[arg-type]
    )


def build_schemas() -> dict[Audience, Schema]:
    """Every audience's schema, built once at start-up."""
    schemas = {Audience.INTERNAL: build_internal_schema()}
    for audience in Audience:
        if audience is not Audience.INTERNAL:
            schemas[audience] = build_partner_schema(audience)
    return schemas
