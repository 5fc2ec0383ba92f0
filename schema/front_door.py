"""The front door: finding children, recording and deciding contacts, case notes."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import strawberry
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
    ContactCorrectionResult,
    CorrectCaseNoteInput,
    EditCaseNoteDraftInput,
    FinaliseContactResult,
    FinalisedContact,
    RecordContactInput,
    RecordContactResult,
)
from schema.identity import Me
from schema.inputs import plain_input
from schema.limits import argument_refused
from schema.linking import contact_or_duplicates
from schema.outcomes import (
    InvalidInput,
    NotAuthorised,
    NotFound,
    TransitionRefused,
    answer,
)
from schema.people import Child
from workflow.contacts import MOST_NAME_CHARS, ContactOutcome

# A family name is the longest thing searched by (an NHS number is 10 digits, a UPN 13
# characters): a longer term could match no one.
MOST_SEARCH_CHARS = MOST_NAME_CHARS


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
        if len(term) > MOST_SEARCH_CHARS:
            raise argument_refused(
                "searchChildren",
                "term",
                f"is at most {MOST_SEARCH_CHARS} characters; got {len(term)}",
            )
        rows = await child_resolvers.search_children(info.context, term)
        return [Child.from_row(row) for row in rows]


@strawberry.type
class FrontDoorMutations:
    @strawberry.mutation(description="Record a contact about a known or a new child")
    async def record_contact(
        self, info: Info[HubContext, None], input: RecordContactInput
    ) -> RecordContactResult:
        result = await contact_resolvers.record_contact(info.context, plain_input(input))
        return answer(result, lambda result: contact_or_duplicates(result, Contact.from_row))

    @strawberry.mutation(
        description="Finalise a contact with its outcome; the first finalisation opens the "
        "child's Livelink file. A referral about a child with an open episode of need joins "
        "that episode; one that would overlap an earlier episode is refused"
    )
    async def finalise_contact(
        self,
        info: Info[HubContext, None],
        contact_id: strawberry.ID,
        outcome: ContactOutcome,
        version: int | None = None,
        on: Annotated[
            date | None,
            strawberry.argument(
                description="The day the decision was made (default today; never in the "
                "future, never before the contact was received)"
            ),
        ] = None,
        late_reason: Annotated[
            str | None,
            strawberry.argument(
                description="Why the decision came after its due date (one working day after "
                "the contact was received); needed when it did"
            ),
        ] = None,
    ) -> FinaliseContactResult:
        result = await contact_resolvers.finalise_contact(
            info.context, contact_id, outcome, version, on, late_reason
        )
        return answer(result, _finalised_contact)

    @strawberry.mutation(
        description="Correct the outcome a finalised contact was given in error (a team "
        "manager, with the reason): no further action or advice only; a referral opens or "
        "joins the child's episode of need, dated the day the contact came in"
    )
    async def correct_contact_outcome(
        self,
        info: Info[HubContext, None],
        contact_id: strawberry.ID,
        version: int,
        outcome: ContactOutcome,
        reason: str,
    ) -> FinaliseContactResult:
        result = await contact_resolvers.correct_contact_outcome(
            info.context, contact_id, outcome, version, reason
        )
        return answer(result, _finalised_contact)

    @strawberry.mutation(
        description="Withdraw a contact recorded in error (on the wrong child, or twice) "
        "before it was decided (a team manager, with the reason): it stays on the record "
        "as WITHDRAWN, its decision no longer due"
    )
    async def withdraw_contact(
        self,
        info: Info[HubContext, None],
        contact_id: strawberry.ID,
        version: int,
        reason: str,
    ) -> ContactCorrectionResult:
        result = await contact_resolvers.withdraw_contact(info.context, contact_id, version, reason)
        return answer(result, Contact.from_row)

    @strawberry.mutation(
        description="Move a contact recorded on the wrong child to the child it is about, "
        "before it was decided (a team manager, with the reason)"
    )
    async def move_contact(
        self,
        info: Info[HubContext, None],
        contact_id: strawberry.ID,
        version: int,
        child_id: strawberry.ID,
        reason: str,
    ) -> ContactCorrectionResult:
        result = await contact_resolvers.move_contact(
            info.context, contact_id, version, child_id, reason
        )
        return answer(result, Contact.from_row)

    @strawberry.mutation(description="Add a case note to a child's record (final, or a draft)")
    async def add_case_note(
        self, info: Info[HubContext, None], input: AddCaseNoteInput
    ) -> AddCaseNoteResult:
        result = await note_resolvers.add_case_note(info.context, plain_input(input))
        return answer(result, lambda result: CaseNote.from_row(result))

    @strawberry.mutation(description="Edit your draft case note (a finalised note is corrected)")
    async def edit_case_note_draft(
        self, info: Info[HubContext, None], input: EditCaseNoteDraftInput
    ) -> CaseNoteChangeResult:
        result = await note_resolvers.save_draft(info.context, plain_input(input), finalise=False)
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
        return _note_result(
            await note_resolvers.correct_case_note(info.context, plain_input(input))
        )


def _note_result(
    result: Any,
) -> CaseNote | NotFound | TransitionRefused | NotAuthorised | InvalidInput:
    return answer(result, CaseNote.from_row)


def _finalised_contact(row: dict[str, Any]) -> FinalisedContact:
    return FinalisedContact(
        contact=Contact.from_row(row),
        file_opened=row["fileCreated"],
        joined_open_episode=row["joinedOpenEpisode"],
    )
