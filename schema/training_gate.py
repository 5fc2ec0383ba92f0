"""The training gate on every mutation, applied once when the schema is built.

Putting it on the Mutation type (not in each resolver) means a new mutation cannot
forget it. Each mutation's result union must therefore offer `NotAuthorised`.
"""

from __future__ import annotations

from typing import Any

from strawberry.extensions.field_extension import AsyncExtensionResolver, FieldExtension
from strawberry.types.field import StrawberryField
from strawberry.types.union import StrawberryUnion

from auth.training import EXEMPT_MUTATIONS, missing_modules
from resolvers.context import HubContext
from schema.outcomes import NotAuthorised


class TrainingGate(FieldExtension):
    """Answers `NotAuthorised` (with the missing modules) before a gated mutation runs."""

    async def resolve_async(
        self, next_: AsyncExtensionResolver, source: Any, info: Any, **kwargs: Any
    ) -> Any:
        context: HubContext = info.context
        missing = await missing_modules(context.store, context.principal)
        if missing:
            return NotAuthorised(
                reason="complete your required training modules before changing records",
                missing_training_modules=list(missing),
            )
        return await next_(source, info, **kwargs)


def gate_mutation(field: StrawberryField, graphql_name: str) -> None:
    """Put the gate on one Mutation field (idempotent), checking it can answer NotAuthorised."""
    if graphql_name in EXEMPT_MUTATIONS:
        return
    if any(isinstance(extension, TrainingGate) for extension in field.extensions):
        return
    result = field.type
    if not isinstance(result, StrawberryUnion) or NotAuthorised not in result.types:
        raise TypeError(f"Mutation.{graphql_name} must return a union that includes NotAuthorised")
    field.extensions.append(TrainingGate())
