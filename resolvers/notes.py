"""Case note mutations, and the versions of a note."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from graph.cypher import notes as statements
from resolvers.permissions import refuse_case_writes
from workflow import notes
from workflow.outcomes import InvalidInput, NotAuthorised, NotFound, TransitionRefused
from workflow.validation import validate

if TYPE_CHECKING:
    from graph import Row
    from resolvers.context import HubContext

Outcome = NotFound | NotAuthorised | InvalidInput | TransitionRefused


async def add_case_note(
    context: HubContext, raw: dict[str, Any]
) -> Row | NotFound | NotAuthorised | InvalidInput:
    """Add a case note (final, or a draft) to a child's record."""
    if refused := refuse_case_writes(context):
        return refused
    data = validate(notes.AddCaseNote, raw)
    if isinstance(data, InvalidInput):
        return data
    return await notes.add_case_note(context.store, context.scope, data)


async def save_draft(context: HubContext, raw: dict[str, Any], *, finalise: bool) -> Row | Outcome:
    """Edit a draft note, or finalise it."""
    if refused := refuse_case_writes(context):
        return refused
    data = validate(notes.EditCaseNoteDraft, raw)
    if isinstance(data, InvalidInput):
        return data
    return await notes.save_draft(context.store, context.scope, data, finalise=finalise)


async def correct_case_note(context: HubContext, raw: dict[str, Any]) -> Row | Outcome:
    """Correct a finalised note with a new version."""
    if refused := refuse_case_writes(context):
        return refused
    data = validate(notes.CorrectCaseNote, raw)
    if isinstance(data, InvalidInput):
        return data
    return await notes.correct_case_note(context.store, context.scope, data)


async def versions_of(context: HubContext, note_id: str) -> list[Row]:
    """Every version of the note, oldest first (one statement per query level)."""

    async def load(ids: Sequence[str]) -> list[list[Row]]:
        rows = await context.store.read(
            statements.VERSIONS_OF, {**context.scope.params(), "ids": list(ids)}
        )
        grouped: defaultdict[str, list[Row]] = defaultdict(list)
        for row in rows:
            grouped[row["noteId"]].append({**row["note"], "author": row["author"]})
        return [grouped.get(item, []) for item in ids]

    found: list[Row] = await context.loader("notes.versions", load).load(note_id)
    return found
