"""Contacts and case notes: their types, inputs and mutation results."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from resolvers import notes as note_resolvers
from resolvers.context import HubContext
from schema.audit import HidesItsChild
from schema.enums import CaseNoteType, ContactOutcome, ReferralSource, Sex
from schema.linking import PossibleDuplicates, RecordDetail
from schema.outcomes import InvalidInput, NotAuthorised, NotFound, TransitionRefused


def _instant(epoch_ms: int | None) -> datetime | None:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC) if epoch_ms is not None else None


@strawberry.type(
    description="The outcome a finalised contact was first given in error, and who "
    "corrected it, when and why"
)
class ContactOutcomeCorrection:
    previous_outcome: ContactOutcome = strawberry.field(description="The outcome given in error")
    # Why it was wrong is case narrative, as the contact's summary is.
    reason: str | None
    corrected_by: str | None = strawberry.field(description="The manager who corrected it")
    corrected_at: datetime | None

    @classmethod
    def of(cls, row: dict[str, Any]) -> ContactOutcomeCorrection | None:
        previous = row.get("previousOutcome")
        if not previous:
            return None
        return cls(
            previous_outcome=ContactOutcome(previous),
            reason=row.get("outcomeCorrectionReason"),
            corrected_by=row.get("outcomeCorrectedBy"),
            corrected_at=_instant(row.get("outcomeCorrectedAt")),
        )


@strawberry.type(description="A contact withdrawn as recorded in error before it was decided")
class ContactWithdrawal:
    # Why it was recorded in error is case narrative, as the contact's summary is.
    reason: str | None
    withdrawn_by: str | None = strawberry.field(
        description="Who withdrew it (the manager; for a step up, the system client EHM's "
        "withdrawal came from, or the person who took the step up off the child)"
    )
    withdrawn_at: datetime | None

    @classmethod
    def of(cls, row: dict[str, Any]) -> ContactWithdrawal | None:
        if row.get("status") != "WITHDRAWN":
            return None
        return cls(
            reason=row.get("withdrawnReason"),
            withdrawn_by=row.get("withdrawnBy"),
            withdrawn_at=_instant(row.get("withdrawnAt")),
        )


@strawberry.type(
    description="A withdrawal of a stepped-up contact found to be made in error (EHM sent "
    "the step up again, or it was linked back to the child), kept with the reopening"
)
class ContactReopening:
    # Why it was withdrawn is case narrative, as the contact's summary is.
    withdrawn_reason: str | None
    withdrawn_by: str | None = strawberry.field(description="Who withdrew it then")
    withdrawn_at: datetime | None
    reopened_by: str | None = strawberry.field(
        description="Who opened it again: the person who linked it back to the child, or "
        "the system client EHM sent the step up again from"
    )
    reopened_at: datetime | None

    @classmethod
    def of(cls, row: dict[str, Any]) -> ContactReopening | None:
        if not row.get("reopenedAt"):
            return None
        return cls(
            withdrawn_reason=row.get("withdrawnInErrorReason"),
            withdrawn_by=row.get("withdrawnInErrorBy"),
            withdrawn_at=_instant(row.get("withdrawnInErrorAt")),
            reopened_by=row.get("reopenedBy"),
            reopened_at=_instant(row.get("reopenedAt")),
        )


@strawberry.type(description="A contact moved from the child it was recorded on in error")
class ContactMove:
    # Why it was on the wrong child is case narrative, as the contact's summary is.
    reason: str | None
    moved_by: str | None = strawberry.field(description="The manager who moved it")
    moved_at: datetime | None

    @classmethod
    def of(cls, row: dict[str, Any]) -> ContactMove | None:
        if not row.get("movedAt"):
            return None
        return cls(
            reason=row.get("movedReason"),
            moved_by=row.get("movedBy"),
            moved_at=_instant(row.get("movedAt")),
        )


@strawberry.type(description="Something reported to children's services about a child")
class Contact:
    id: strawberry.ID
    child_id: strawberry.ID
    received_date: date
    source: ReferralSource
    # The narrative of what was reported: null to a role without READ_CASE_NOTES.
    summary: str | None
    status: str
    outcome: ContactOutcome | None
    decision_due: date = strawberry.field(description="One working day after it was received")
    decision_date: date | None
    decision_late_reason: str | None = strawberry.field(
        description="Why the decision came after its due date"
    )
    decision_late_reason_recorded_by: str | None = strawberry.field(
        description="Who gave the reason (with the decision, or afterwards); null for a "
        "reason recorded before the hub kept who gave it"
    )
    decision_late_reason_recorded_at: datetime | None
    recorded_at: datetime
    recorded_by: str | None = strawberry.field(description="The worker who recorded it")
    finalised_at: datetime | None
    finalised_by: str | None = strawberry.field(description="The worker who finalised it")
    referral_id: strawberry.ID | None
    version: int
    outcome_correction: ContactOutcomeCorrection | None = strawberry.field(
        description="The outcome first given in error, if a manager corrected it"
    )
    withdrawal: ContactWithdrawal | None = strawberry.field(
        description="Status WITHDRAWN: why, by whom and when it was recorded in error"
    )
    move: ContactMove | None = strawberry.field(
        description="Recorded first on another child in error: why, by whom and when moved"
    )
    reopened: ContactReopening | None = strawberry.field(
        description="The last withdrawal found to be made in error, kept with its reopening "
        "(the contact's withdrawal, if any, is a later one)"
    )
    stepped_up_from: str | None = strawberry.field(
        description="The EHM step-up record (its EHM id) this contact came from, if any"
    )
    early_help_history: list[EarlyHelpHistoryEntry] = strawberry.field(
        description="A stepped-up contact: the child's early help records (EHM) when it came"
    )

    @property
    def audited_child_id(self) -> str:
        return str(self.child_id)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Contact:
        recorded_at = _instant(row["recordedAt"])
        assert recorded_at is not None
        referral_id = row.get("referralId")
        return cls(
            id=strawberry.ID(row["id"]),
            child_id=strawberry.ID(row["childId"]),
            received_date=row["receivedDate"],
            source=ReferralSource.from_code(row["source"]),
            summary=row["summary"],
            status=row["status"],
            outcome=ContactOutcome(row["outcome"]) if row.get("outcome") else None,
            decision_due=row["decisionDue"],
            decision_date=row.get("decisionDate"),
            decision_late_reason=row.get("decisionLateReason"),
            decision_late_reason_recorded_by=row.get("decisionLateReasonRecordedBy"),
            decision_late_reason_recorded_at=_instant(row.get("decisionLateReasonRecordedAt")),
            recorded_at=recorded_at,
            recorded_by=row.get("recordedBy"),
            finalised_at=_instant(row.get("finalisedAt")),
            finalised_by=row.get("finalisedBy"),
            referral_id=strawberry.ID(referral_id) if referral_id else None,
            version=row["version"],
            outcome_correction=ContactOutcomeCorrection.of(row),
            withdrawal=ContactWithdrawal.of(row),
            move=ContactMove.of(row),
            reopened=ContactReopening.of(row),
            stepped_up_from=_source_record_id(row.get("stepUpKey")),
            early_help_history=sorted(
                (
                    EarlyHelpHistoryEntry.from_row(item)
                    for item in row.get("earlyHelpHistory") or []
                ),
                key=lambda record: (record.start_date, record.kind, record.record_id),
            ),
        )


def _source_record_id(key: str | None) -> str | None:
    # A source record's key is SOURCE:KIND:RECORD_ID (connectors/intake.py).
    return key.split(":", 2)[2] if key else None


@strawberry.type(description="An early help record (EHM) a stepped-up contact carries")
class EarlyHelpHistoryEntry:
    kind: str = strawberry.field(
        description="EARLY_HELP_EPISODE, TEAM_AROUND_THE_FAMILY, EARLY_HELP_ASSESSMENT or STEP_UP"
    )
    record_id: str = strawberry.field(description="EHM's own id")
    version: int
    start_date: date
    end_date: date | None
    details: list[RecordDetail]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> EarlyHelpHistoryEntry:
        details = json.loads(row["details"]) if row.get("details") else {}
        return cls(
            kind=row["kind"],
            record_id=row["recordId"],
            version=row["version"],
            start_date=row["startDate"],
            end_date=row.get("endDate"),
            details=[RecordDetail.of(name, value) for name, value in sorted(details.items())],
        )


@strawberry.type(
    description="A finalised contact and whether finalising it opened the child's file"
)
class FinalisedContact:
    contact: Contact
    file_opened: bool
    joined_open_episode: bool = strawberry.field(
        description="A referral about a child whose episode of need is still open: the "
        "contact joined that episode (its referralId) instead of opening a second one"
    )


def _optional_id(value: Any) -> strawberry.ID | None:
    return strawberry.ID(value) if value else None


@strawberry.type(description="A case note on a child's record (one version of it)")
class CaseNote(HidesItsChild):
    id: strawberry.ID
    type: CaseNoteType
    text: str
    occurred_at: datetime
    recorded_at: datetime
    status: str = strawberry.field(description="DRAFT (editable by its author) or FINAL")
    author: str | None
    version: int = strawberry.field(description="1 for the original, then 2, 3 per correction")
    revision: int = strawberry.field(description="Edits saved to the draft; give it when editing")
    episode_id: strawberry.ID | None = strawberry.field(
        description="The case or period of care the note was recorded against"
    )
    current: bool = strawberry.field(description="False once a correction supersedes it")
    previous_version_id: strawberry.ID | None
    superseded_by_id: strawberry.ID | None
    finalised_at: datetime | None
    correction_reason: str | None

    @strawberry.field(description="Every version of this note, oldest first")
    async def versions(self, info: Info[HubContext, None]) -> list[CaseNote]:
        rows = await note_resolvers.versions_of(info.context, self.id)
        return [CaseNote.from_row(row) for row in rows]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> CaseNote:
        occurred_at = _instant(row["occurredAt"])
        recorded_at = _instant(row["recordedAt"])
        assert occurred_at is not None
        assert recorded_at is not None
        note = cls(
            id=strawberry.ID(row["id"]),
            type=CaseNoteType(row["type"]),
            text=row["text"],
            occurred_at=occurred_at,
            recorded_at=recorded_at,
            status=row["status"],
            author=row.get("author"),
            version=row["version"],
            revision=row.get("revision") or 0,
            episode_id=_optional_id(row.get("episodeId")),
            current=row.get("current", True) is not False,
            previous_version_id=_optional_id(row.get("previousVersionId")),
            superseded_by_id=_optional_id(row.get("supersededBy")),
            finalised_at=_instant(row.get("finalisedAt")),
            correction_reason=row.get("correctionReason"),
        )
        # A note names no child, but it is her record: whoever reads it is in her audit,
        # also from a mutation's answer (a correction answers with every version).
        child_id = row.get("childId")
        return note.of_child(child_id) if child_id else note


@strawberry.input(description="A child the hub has not met before")
class NewChildInput:
    given_name: str
    family_name: str
    date_of_birth: date | None = None
    expected_date_of_birth: date | None = None
    sex: Sex = Sex.U
    ethnicity: str | None = None
    nhs_number: str | None = None
    upn: str | None = None
    unborn: bool = False


@strawberry.input(description="A contact: give childId for a known child, or child for a new one")
class RecordContactInput:
    received_date: date
    source: ReferralSource
    summary: str
    child_id: strawberry.ID | None = None
    child: NewChildInput | None = None
    confirm_new_child: bool = strawberry.field(
        default=False,
        description="You have seen the children the hub suggested and this one is none of "
        "them (an NHS number or UPN already recorded still refuses)",
    )


@strawberry.input(description="A case note: final at once, or a draft to finish later")
class AddCaseNoteInput:
    child_id: strawberry.ID
    type: CaseNoteType
    text: str
    occurred_at: datetime
    episode_id: strawberry.ID | None = strawberry.field(
        default=None, description="A case or period of care of the same child"
    )
    draft: bool = False


@strawberry.input(description="Changes to a draft note, at the revision you loaded")
class EditCaseNoteDraftInput:
    note_id: strawberry.ID
    revision: int
    type: CaseNoteType | None = None
    text: str | None = None
    occurred_at: datetime | None = None


@strawberry.input(description="A correction of a finalised note (the old version is kept)")
class CorrectCaseNoteInput:
    note_id: strawberry.ID
    text: str
    reason: str
    type: CaseNoteType | None = None
    occurred_at: datetime | None = None


RecordContactResult = Annotated[
    Contact | PossibleDuplicates | NotFound | NotAuthorised | InvalidInput,
    strawberry.union("RecordContactResult"),
]
FinaliseContactResult = Annotated[
    FinalisedContact | NotFound | TransitionRefused | NotAuthorised | InvalidInput,
    strawberry.union("FinaliseContactResult"),
]
ContactCorrectionResult = Annotated[
    Contact | NotFound | TransitionRefused | NotAuthorised | InvalidInput,
    strawberry.union("ContactCorrectionResult"),
]
AddCaseNoteResult = Annotated[
    CaseNote | NotFound | NotAuthorised | InvalidInput, strawberry.union("AddCaseNoteResult")
]
CaseNoteChangeResult = Annotated[
    CaseNote | NotFound | TransitionRefused | NotAuthorised | InvalidInput,
    strawberry.union("CaseNoteChangeResult"),
]
