"""Case note mutations, and the versions of a note."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from auth.capabilities import Capability, can
from graph.cypher import notes as statements
from resolvers.loaders import many_per_key
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


def _refuse_unless_reader(context: HubContext) -> NotAuthorised | None:
    # Editing or correcting a note answers with its text and versions: a note the caller
    # may not read (a support officer's role holds no narrative) is not theirs to change.
    if refused := refuse_case_writes(context):
        return refused
    if not can(context.principal, Capability.READ_CASE_NOTES):
        return NotAuthorised(reason=f"the {context.principal.role} role does not read case notes")
    return None


async def save_draft(context: HubContext, raw: dict[str, Any], *, finalise: bool) -> Row | Outcome:
    """Edit a draft note, or finalise it."""
    if refused := _refuse_unless_reader(context):
        return refused
    data = validate(notes.EditCaseNoteDraft, raw)
    if isinstance(data, InvalidInput):
        return data
    return await notes.save_draft(context.store, context.scope, data, finalise=finalise)


async def correct_case_note(context: HubContext, raw: dict[str, Any]) -> Row | Outcome:
    """Correct a finalised note with a new version."""
    if refused := _refuse_unless_reader(context):
        return refused
    data = validate(notes.CorrectCaseNote, raw)
    if isinstance(data, InvalidInput):
        return data
    return await notes.correct_case_note(context.store, context.scope, data)


async def versions_of(context: HubContext, note_id: str) -> list[Row]:
    """Every version of the note, oldest first (one statement per query level)."""

    load = many_per_key(
        context.store,
        statements.VERSIONS_OF,
        "noteId",
        value=lambda row: {**row["note"], "author": row["author"], "childId": row["childId"]},
        params=context.scope.params(),
    )
    found: list[Row] = await context.loader("notes.versions", load).load(note_id)
    return found
