"""Case notes recorded against a child and, optionally, one of their episodes.

A note is saved as a draft and edited until it is finalised, or added final at once.
A finalised note is part of the record and never changes: a correction is a new version
that keeps the old one (graph/cypher/notes.py).
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

from pydantic import AfterValidator, Field

from graph.cypher import notes as statements
from workflow.ids import new_id
from workflow.outcomes import NotAuthorised, NotFound, TransitionRefused
from workflow.validation import Input

if TYPE_CHECKING:
    from graph import GraphStore, Row
    from graph.cypher.access import AccessScope


class CaseNoteType(enum.StrEnum):
    """The kinds of case note practitioners record."""

    VISIT = "VISIT"
    PHONE_CALL = "PHONE_CALL"
    SUPERVISION = "SUPERVISION"
    MANAGEMENT_OVERSIGHT = "MANAGEMENT_OVERSIGHT"
    LETTER = "LETTER"
    EMAIL = "EMAIL"
    MEETING = "MEETING"
    DIRECT_WORK = "DIRECT_WORK"
    OTHER = "OTHER"


def _not_in_future(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("give a time zone (e.g. Z or +01:00)")
    if value > datetime.now(UTC):
        raise ValueError("must not be in the future")
    return value


class NoteStatus(enum.StrEnum):
    DRAFT = "DRAFT"
    FINAL = "FINAL"


Text = Annotated[str, Field(min_length=1, max_length=50_000)]
OccurredAt = Annotated[datetime, AfterValidator(_not_in_future)]
NoteId = Annotated[str, Field(min_length=1, max_length=100)]


class AddCaseNote(Input):
    """A note about something that happened with or for the child."""

    child_id: Annotated[str, Field(min_length=1)]
    type: CaseNoteType
    text: Text
    occurred_at: OccurredAt
    # A case (Referral) or period of care of the same child.
    episode_id: NoteId | None = None
    draft: bool = False


class EditCaseNoteDraft(Input):
    """Changes to a draft, at the revision the author loaded."""

    note_id: NoteId
    revision: Annotated[int, Field(ge=0)]
    type: CaseNoteType | None = None
    text: Text | None = None
    occurred_at: OccurredAt | None = None


class CorrectCaseNote(Input):
    """A correction of a finalised note: the new text and why it was corrected."""

    note_id: NoteId
    text: Text
    reason: Annotated[str, Field(min_length=1, max_length=2_000)]
    type: CaseNoteType | None = None
    occurred_at: OccurredAt | None = None


def _epoch_ms(value: datetime | None) -> int | None:
    return int(value.timestamp() * 1000) if value is not None else None


def _note(rows: list[Row]) -> Row:
    # The child travels with the note for the read audit (a note names no child).
    return {**rows[0]["note"], "author": rows[0]["author"], "childId": rows[0]["childId"]}


async def add_case_note(store: GraphStore, scope: AccessScope, data: AddCaseNote) -> Row | NotFound:
    """Add a case note to the child's record: final, unless saved as a draft."""
    rows = await store.write(
        statements.ADD_CASE_NOTE,
        {
            **scope.params(),
            "childId": data.child_id,
            "noteId": new_id(),
            "type": data.type.value,
            "text": data.text,
            "occurredAt": _epoch_ms(data.occurred_at),
            "episodeId": data.episode_id,
            "status": NoteStatus.DRAFT if data.draft else NoteStatus.FINAL,
        },
    )
    if rows:
        return _note(rows)
    child = await store.read(statements.CHILD_VISIBLE, {**scope.params(), "childId": data.child_id})
    if not child:
        return NotFound(kind="Child", id=data.child_id)
    return NotFound(kind="Episode", id=data.episode_id or "")


_DRAFT_ACTIONS = ("editCaseNoteDraft", "finaliseCaseNote")
_FINAL_ACTIONS = ("correctCaseNote",)


async def _why_not(
    store: GraphStore, scope: AccessScope, note_id: str, action: str, revision: int | None
) -> NotFound | TransitionRefused | NotAuthorised:
    """Why a guarded note write wrote nothing."""
    rows = await store.read(statements.NOTE_STATE, {**scope.params(), "noteId": note_id})
    if not rows:
        return NotFound(kind="CaseNote", id=note_id)
    state = rows[0]
    if not state["current"]:
        return TransitionRefused(
            current_state="SUPERSEDED",
            allowed=(),
            reason=f"this version was corrected by {state['supersededBy']}: work on that one",
        )
    if state["status"] == NoteStatus.FINAL:
        return TransitionRefused(
            current_state=NoteStatus.FINAL,
            allowed=_FINAL_ACTIONS,
            reason=f"{action}: a finalised note cannot be changed in place; correct it "
            "(the finalised version is kept)",
        )
    if action == "correctCaseNote":
        return TransitionRefused(
            current_state=NoteStatus.DRAFT,
            allowed=_DRAFT_ACTIONS,
            reason="a draft is not yet on the record: edit it or finalise it",
        )
    if state["authorId"] != scope.viewer:
        return NotAuthorised(reason="only the author of a draft may edit or finalise it")
    return TransitionRefused(
        current_state=NoteStatus.DRAFT,
        allowed=_DRAFT_ACTIONS,
        reason=f"the draft changed since you loaded it (revision {revision}, now "
        f"{state['revision']}); reload it and try again",
    )


async def save_draft(
    store: GraphStore, scope: AccessScope, data: EditCaseNoteDraft, *, finalise: bool
) -> Row | NotFound | TransitionRefused | NotAuthorised:
    """Edit a draft, or finalise it (with any last edits): one guarded write."""
    rows = await store.write(
        statements.SAVE_DRAFT,
        {
            **scope.params(),
            "noteId": data.note_id,
            "revision": data.revision,
            "type": data.type.value if data.type else None,
            "text": data.text,
            "occurredAt": _epoch_ms(data.occurred_at),
            "finalise": finalise,
        },
    )
    if rows:
        return _note(rows)
    action = "finaliseCaseNote" if finalise else "editCaseNoteDraft"
    return await _why_not(store, scope, data.note_id, action, data.revision)


async def correct_case_note(
    store: GraphStore, scope: AccessScope, data: CorrectCaseNote
) -> Row | NotFound | TransitionRefused | NotAuthorised:
    """Correct a finalised note: a new current version, linked to the one it corrects."""
    rows = await store.write(
        statements.CORRECT_CASE_NOTE,
        {
            **scope.params(),
            "noteId": data.note_id,
            "newId": new_id(),
            "text": data.text,
            "reason": data.reason,
            "type": data.type.value if data.type else None,
            "occurredAt": _epoch_ms(data.occurred_at),
        },
    )
    if rows:
        return _note(rows)
    return await _why_not(store, scope, data.note_id, "correctCaseNote", None)
