"""The read audit as a schema extension: it sees every field resolved for a child.

Any object whose type exposes `audited_child_id` carries a child's data; every field
resolved on it is noted, and when execution ends the whole request is audited in one
write. If that write fails the response is withheld: data that cannot be audited does
not leave the hub.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from auth.audit import record_access
from resolvers.context import HubContext

log = logging.getLogger("lcs_hub.audit")


class ReadAudit(SchemaExtension):
    """Collects (child, field) pairs while resolving; writes them once at the end."""

    def __init__(self) -> None:
        super().__init__()
        self._accessed: dict[str, set[str]] = {}

    def resolve(
        self, _next: Callable[..., Any], root: Any, info: Any, *args: Any, **kwargs: Any
    ) -> Any:
        child_id = getattr(root, "audited_child_id", None)
        if child_id is not None:
            self._accessed.setdefault(child_id, set()).add(info.field_name)
        return _next(root, info, *args, **kwargs)

    async def on_execute(self) -> AsyncIterator[None]:
        yield
        context = self.execution_context.context
        if not self._accessed or not isinstance(context, HubContext):
            return
        operation = self.execution_context.operation_name or (
            self.execution_context.operation_type.value
            if self.execution_context.operation_type
            else "query"
        )
        try:
            await record_access(context.store, context.principal, operation, self._accessed)
        except Exception:
            log.exception("audit write failed; response withheld")
            result = self.execution_context.result
            if result is not None:
                result.data = None
                result.errors = [GraphQLError("the read could not be audited; nothing released")]
