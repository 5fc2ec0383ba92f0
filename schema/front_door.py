"""The front door: finding children, recording and deciding contacts, case notes."""

from __future__ import annotations

import dataclasses
from typing import Any

import strawberry
from pydantic.alias_generators import to_camel
from strawberry.types import Info

from resolvers import children as child_resolvers
from resolvers import contacts as contact_resolvers
from resolvers import notes as note_resolvers
from resolvers.context import HubContext
from schema.casework import (
    AddCaseNoteInput,
    AddCaseNoteResult,
    CaseNote,
    CaseNoteChangeResult,
    Contact,
    CorrectCaseNoteInput,
    EditCaseNoteDraftInput,
    FinaliseContactResult,
    FinalisedContact,
    RecordContactInput,
    RecordContactResult,
)
from schema.identity import Me
from schema.outcomes import (
    OUTCOME_TYPES,
    InvalidInput,
    NotAuthorised,
    NotFound,
    TransitionRefused,
    answer,
    expected_outcome,
)
from schema.people import Child
from workflow.contacts import ContactOutcome


def _plain(value: Any) -> Any:
    """A strawberry input as plain data, named as the caller named it (camelCase, so the
    problems validation reports name the caller's fields), without what was not given."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            to_camel(field.name): _plain(getattr(value, field.name))
            for field in dataclasses.fields(value)
            if getattr(value, field.name) is not None
        }
    return value


@strawberry.type
class ChildQueries:
    @strawberry.field(description="Who the hub thinks you are")
    def me(self, info: Info[HubContext, None]) -> Me:
        return Me.of(info.context.principal)

    @strawberry.field(description="A child by id; null if there is none you may see")
    async def child(self, info: Info[HubContext, None], id: strawberry.ID) -> Child | None:
        row = await child_resolvers.child(info.context, id)
        return Child.from_row(row) if row else None

    @strawberry.field(description="Children by family-name prefix, NHS number or UPN (max 50)")
    async def search_children(self, info: Info[HubContext, None], term: str) -> list[Child]:
        rows = await child_resolvers.search_children(info.context, term)
        return [Child.from_row(row) for row in rows]


@strawberry.type
class FrontDoorMutations:
    @strawberry.mutation(description="Record a contact about a known or a new child")
    async def record_contact(
        self, info: Info[HubContext, None], input: RecordContactInput
    ) -> RecordContactResult:
        result = await contact_resolvers.record_contact(info.context, _plain(input))
        if isinstance(result, OUTCOME_TYPES):
            # The resolver's own union is narrower than expected_outcome's signature.
            return expected_outcome(result)  # type: ignore[return-value]
        return Contact.from_row(result)

    @strawberry.mutation(
        description="Finalise a contact with its outcome; the first finalisation opens the "
        "child's Livelink file"
    )
    async def finalise_contact(
        self,
        info: Info[HubContext, None],
        contact_id: strawberry.ID,
        outcome: ContactOutcome,
        version: int | None = None,
    ) -> FinaliseContactResult:
        result = await contact_resolvers.finalise_contact(
            info.context, contact_id, outcome, version
        )
        if isinstance(result, OUTCOME_TYPES):
            # The resolver's own union is narrower than expected_outcome's signature.
            return expected_outcome(result)  # type: ignore[return-value]
        contact = Contact.from_row(result)
        return FinalisedContact(contact=contact, file_opened=result["fileCreated"])

    @strawberry.mutation(description="Add a case note to a child's record (final, or a draft)")
    async def add_case_note(
        self, info: Info[HubContext, None], input: AddCaseNoteInput
    ) -> AddCaseNoteResult:
        result = await note_resolvers.add_case_note(info.context, _plain(input))
        if isinstance(result, OUTCOME_TYPES):
            # The resolver's own union is narrower than expected_outcome's signature.
            return expected_outcome(result)  # type: ignore[return-value]
        return CaseNote.from_row(result)

    @strawberry.mutation(description="Edit your draft case note (a finalised note is corrected)")
    async def edit_case_note_draft(
        self, info: Info[HubContext, None], input: EditCaseNoteDraftInput
    ) -> CaseNoteChangeResult:
        result = await note_resolvers.save_draft(info.context, _plain(input), finalise=False)
        return _note_result(result)

    @strawberry.mutation(description="Finalise your draft case note: it becomes part of the record")
    async def finalise_case_note(
        self, info: Info[HubContext, None], note_id: strawberry.ID, revision: int
    ) -> CaseNoteChangeResult:
        raw = {"noteId": note_id, "revision": revision}
        result = await note_resolvers.save_draft(info.context, raw, finalise=True)
        return _note_result(result)

    @strawberry.mutation(
        description="Correct a finalised case note: a new version, the old one is kept"
    )
    async def correct_case_note(
        self, info: Info[HubContext, None], input: CorrectCaseNoteInput
    ) -> CaseNoteChangeResult:
        return _note_result(await note_resolvers.correct_case_note(info.context, _plain(input)))


def _note_result(
    result: Any,
) -> CaseNote | NotFound | TransitionRefused | NotAuthorised | InvalidInput:
    return answer(result, CaseNote.from_row)
