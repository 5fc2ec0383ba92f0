"""The run-time half of the field policy for internal staff: a field that needs a
capability answers as empty (null or an empty list) to a role without it.

Empty, not an error: the field exists in the internal schema for everyone internal, and
a role that may not read it learns nothing from its answer, as with a missing record.
"""

from __future__ import annotations

from typing import Any

from strawberry.extensions.field_extension import (
    AsyncExtensionResolver,
    FieldExtension,
    SyncExtensionResolver,
)
from strawberry.types.base import StrawberryList, StrawberryOptional
from strawberry.types.field import StrawberryField

from auth.capabilities import Capability, can
from resolvers.context import HubContext


class RequiresCapability(FieldExtension):
    """Resolves the field only for a principal whose role carries `capability`."""

    def __init__(self, capability: Capability, empty: Any) -> None:
        self.capability = capability
        self.empty = empty

    def _allowed(self, info: Any) -> bool:
        context = info.context
        return isinstance(context, HubContext) and can(context.principal, self.capability)

    def resolve(self, next_: SyncExtensionResolver, source: Any, info: Any, **kwargs: Any) -> Any:
        return next_(source, info, **kwargs) if self._allowed(info) else self.empty

    async def resolve_async(
        self, next_: AsyncExtensionResolver, source: Any, info: Any, **kwargs: Any
    ) -> Any:
        if not self._allowed(info):
            return self.empty
        return await next_(source, info, **kwargs)


def require_capability(field: StrawberryField, capability: Capability) -> None:
    """Put the check on one field (idempotent). Only nullable or list fields can be empty."""
    if any(isinstance(extension, RequiresCapability) for extension in field.extensions):
        return
    if isinstance(field.type, StrawberryOptional):
        empty: Any = None
    elif isinstance(field.type, StrawberryList):
        empty = []
    else:
        raise TypeError(f"{field.python_name} needs {capability} but can be neither null nor []")
    field.extensions.append(RequiresCapability(capability, empty))
