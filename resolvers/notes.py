"""Case note mutations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from resolvers.permissions import refuse_case_writes
from workflow import notes
from workflow.outcomes import InvalidInput, NotAuthorised, NotFound
from workflow.validation import validate

if TYPE_CHECKING:
    from graph import Row
    from resolvers.context import HubContext


async def add_case_note(
    context: HubContext, raw: dict[str, Any]
) -> Row | NotFound | NotAuthorised | InvalidInput:
    """Add a case note to a child's record."""
    if refused := refuse_case_writes(context):
        return refused
    data = validate(notes.AddCaseNote, raw)
    if isinstance(data, InvalidInput):
        return data
    return await notes.add_case_note(context.store, context.scope, data)
