"""The case journey's output types: a child's cases, periods of care and their steps."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Self

import strawberry
from strawberry.federation import type as entity_type
from strawberry.types import Info

import schema.enums
import schema.journey_enums  # noqa: F401  (registers the enums with strawberry)
from resolvers import journey as journey_resolvers
from resolvers.context import HubContext
from schema.data_warnings import DataWarning
from schema.outcomes import InvalidInput, NotAuthorised, NotFound, TransitionRefused
from workflow import codes
from workflow import process as table
from workflow.calendar import default_calendar, today_in_england
from workflow.journey.case import DECISION_LATE_REASON_RECORDED, referral_decision_due
from workflow.journey.effects import Clock, StepKind, StepStatus
from workflow.timescales import DEFAULT_LOCAL_STANDARDS, held_late, timescale_rule


def _code[Code: codes.DfECode](code_list: type[Code], value: Any) -> Code | None:
    return code_list.from_code(value) if value else None


def _codes[Code: codes.DfECode](code_list: type[Code], values: Any) -> list[Code]:
    return [code_list.from_code(value) for value in values or ()]


def _instant(value: Any) -> datetime | None:
    return datetime.fromtimestamp(value / 1000, tz=UTC) if isinstance(value, int) else None


def _recorded_at(record: dict[str, Any]) -> datetime | None:
    return _instant(record.get("recordedAt") or record.get("createdAt"))


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else None


def _late_reason_given(row: dict[str, Any]) -> tuple[str | None, int | None]:
    """Who gave a step's late reason and when: stamped when given to a step already in
    the record (held, or recorded after), else the step's recorder (written up done)."""
    if row.get("lateReasonBy"):
        return row["lateReasonBy"], row.get("lateReasonAt")
    if row.get("lateReason"):
        return row.get("recordedBy"), row.get("recordedAt")
    return None, None


@strawberry.type(
    description="An SSDA903 episode's legal status as first recorded, and the correction of it"
)
class LegalStatusCorrection:
    corrected_from: codes.LegalStatus = strawberry.field(
        description="The legal status recorded before it was last corrected"
    )
    # Narrative (auth/policy.py): null to a role without the case-notes capability.
    reason: str | None
    corrected_by: str | None = strawberry.field(description="The worker who corrected it")
    corrected_at: datetime | None = strawberry.field(description="When it was corrected")

    @classmethod
    def of(cls, step: dict[str, Any]) -> Self | None:
        was = step.get("legalStatusCorrectedFrom")
        if not was:
            return None
        return cls(
            corrected_from=codes.LegalStatus.from_code(was),
            reason=step.get("legalStatusCorrectionReason"),
            corrected_by=step.get("legalStatusCorrectedBy"),
            corrected_at=_instant(step.get("legalStatusCorrectedAt")),
        )


@strawberry.type(description="A step of the journey, with its due date and whether it is late")
class JourneyStep:
    id: strawberry.ID
    kind: StepKind
    status: StepStatus
    start_date: date | None
    due_date: date | None
    due_rule: str | None = strawberry.field(description="The timescale rule that set the due date")
    due_rule_name: str | None
    overdue: bool = strawberry.field(description="Due date passed and the step is still open")
    completed_date: date | None
    completed_late: bool
    authorised_date: date | None
    late_reason: str | None
    late_reason_recorded_by: str | None = strawberry.field(
        description="The worker who gave the reason it was late (with the step, or after)"
    )
    late_reason_recorded_at: datetime | None = strawberry.field(
        description="When the reason it was late was given"
    )
    outcome: str | None
    factors: list[codes.AssessmentFactor]
    initial_categories_of_abuse: list[codes.CategoryOfAbuse]
    latest_categories_of_abuse: list[codes.CategoryOfAbuse]
    seen_alone: bool | None
    legal_status: codes.LegalStatus | None
    placement_type: codes.PlacementType | None
    placement_provider: codes.PlacementProvider | None
    placement_postcode: str | None
    urn: str | None
    reason_new_episode: codes.ReasonNewEpisode | None
    reason_episode_ceased: codes.ReasonEpisodeCeased | None
    reason_place_change: codes.ReasonPlaceChange | None
    participation: codes.ReviewParticipation | None
    missing_type: codes.MissingType | None
    in_touch: codes.CareLeaverInTouch | None
    activity: codes.CareLeaverActivity | None
    accommodation: codes.CareLeaverAccommodation | None
    recorded_by: str | None = strawberry.field(description="The worker who recorded the step")
    recorded_at: datetime | None = strawberry.field(description="When the step was recorded")
    corrected_from: date | None = strawberry.field(
        description="The day it was recorded as happening before its date was last corrected"
    )
    correction_reason: str | None = strawberry.field(description="Why its date was corrected")
    corrected_by: str | None = strawberry.field(description="The worker who corrected its date")
    corrected_at: datetime | None = strawberry.field(description="When its date was corrected")
    withdrawn_reason: str | None = strawberry.field(
        description="Why it was withdrawn as recorded in error (it is CANCELLED)"
    )
    withdrawn_by: str | None = strawberry.field(description="The worker who withdrew it")
    withdrawn_at: datetime | None = strawberry.field(description="When it was withdrawn")
    legal_status_correction: LegalStatusCorrection | None = strawberry.field(
        description="An SSDA903 episode's legal status corrected as entered (correctLegalStatus)"
    )

    @classmethod
    def from_row(cls, row: dict[str, Any], today: date) -> JourneyStep:
        due, completed = row.get("dueDate"), row.get("completedDate")
        rule = row.get("dueRule")
        given_by, given_at = _late_reason_given(row)
        return cls(
            id=strawberry.ID(row["id"]),
            kind=StepKind(row["kind"]),
            status=StepStatus(row["status"]),
            start_date=row.get("startDate"),
            due_date=due,
            due_rule=rule,
            due_rule_name=timescale_rule(rule).name if rule else None,
            overdue=row["status"] == StepStatus.OPEN and due is not None and today > due,
            completed_date=completed,
            completed_late=held_late(rule, due, completed, row.get("authorisedDate")),
            authorised_date=row.get("authorisedDate"),
            late_reason=row.get("lateReason"),
            late_reason_recorded_by=given_by,
            late_reason_recorded_at=_instant(given_at),
            outcome=row.get("outcome"),
            factors=_codes(codes.AssessmentFactor, row.get("factors")),
            initial_categories_of_abuse=_codes(codes.CategoryOfAbuse, row.get("initialCategories")),
            latest_categories_of_abuse=_codes(codes.CategoryOfAbuse, row.get("latestCategories")),
            seen_alone=row.get("seenAlone"),
            legal_status=_code(codes.LegalStatus, row.get("legalStatus")),
            placement_type=_code(codes.PlacementType, row.get("placementType")),
            placement_provider=_code(codes.PlacementProvider, row.get("placementProvider")),
            placement_postcode=row.get("placementPostcode"),
            urn=row.get("urn"),
            reason_new_episode=_code(codes.ReasonNewEpisode, row.get("reasonNewEpisode")),
            reason_episode_ceased=_code(codes.ReasonEpisodeCeased, row.get("reasonEpisodeCeased")),
            reason_place_change=_code(codes.ReasonPlaceChange, row.get("reasonPlaceChange")),
            participation=_code(codes.ReviewParticipation, row.get("participation")),
            missing_type=_code(codes.MissingType, row.get("missingType")),
            in_touch=_code(codes.CareLeaverInTouch, row.get("inTouch")),
            activity=_code(codes.CareLeaverActivity, row.get("activity")),
            accommodation=_code(codes.CareLeaverAccommodation, row.get("accommodation")),
            recorded_by=row.get("recordedBy"),
            recorded_at=_recorded_at(row),
            corrected_from=_day(row.get("correctedFrom")),
            correction_reason=row.get("correctionReason"),
            corrected_by=row.get("correctedBy"),
            corrected_at=_instant(row.get("correctedAt")),
            withdrawn_reason=row.get("withdrawnReason"),
            withdrawn_by=row.get("withdrawnBy"),
            withdrawn_at=_instant(row.get("withdrawnAt")),
            legal_status_correction=LegalStatusCorrection.of(row),
        )


def _steps(rows: list[dict[str, Any]], today: date) -> list[JourneyStep]:
    ordered = sorted(
        rows,
        key=lambda s: (
            s.get("startDate") or s.get("completedDate") or s.get("dueDate") or date.max,
            s.get("createdAt") or 0,
        ),
    )
    return [JourneyStep.from_row(row, today) for row in ordered]


def _ids(record: dict[str, Any], name: str) -> strawberry.ID | None:
    value = record.get(name)
    return strawberry.ID(value) if value else None


@strawberry.type(description="What every record of an episode of need has (never served alone)")
class EpisodeRecord:
    id: strawberry.ID
    case_id: strawberry.ID
    child_id: strawberry.ID
    version: int
    awaiting_authorisation_of: str | None = strawberry.field(
        description="The action a manager is asked to authorise, if any"
    )
    allowed_actions: list[str]
    recorded_by: str | None = strawberry.field(description="The worker who opened the record")
    recorded_at: datetime | None = strawberry.field(description="When the record was opened")
    steps: list[JourneyStep]


def _common(
    process: table.Process, entry: dict[str, Any], case_id: str, child_id: str, today: date
) -> dict[str, Any]:
    record = entry["record"]
    return {
        "id": strawberry.ID(record["id"]),
        "case_id": strawberry.ID(case_id),
        "child_id": strawberry.ID(child_id),
        "version": record["version"],
        "awaiting_authorisation_of": record.get("pendingAction"),
        "allowed_actions": list(table.allowed_actions(process, record["status"])),
        "recorded_by": record.get("recordedBy"),
        "recorded_at": _recorded_at(record),
        "steps": _steps(entry["steps"], today),
    }


def _withdrawn_reason() -> Any:
    """The field of each record that can be withdrawn as started in error."""
    return strawberry.field(
        description="Why it was withdrawn as started in error (status RECORDED_IN_ERROR)"
    )


@strawberry.type(description="A child and family assessment (CIN census Assessments)")
class Assessment(EpisodeRecord):
    status: table.AssessmentState
    start_date: date
    due_date: date | None = strawberry.field(description="45 working days from the referral")
    completed_date: date | None
    authorised_date: date | None
    factors: list[codes.AssessmentFactor]
    late_reason: str | None
    withdrawn_reason: str | None = _withdrawn_reason()

    @classmethod
    def of(cls, entry: dict[str, Any], case_id: str, child_id: str, today: date) -> Assessment:
        record = entry["record"]
        return cls(
            **_common(table.Process.ASSESSMENT, entry, case_id, child_id, today),
            status=table.AssessmentState(record["status"]),
            start_date=record["startDate"],
            due_date=record.get("dueDate"),
            completed_date=record.get("completedDate"),
            authorised_date=record.get("authorisedDate"),
            factors=_codes(codes.AssessmentFactor, record.get("factors")),
            late_reason=record.get("lateReason"),
            withdrawn_reason=record.get("withdrawnReason"),
        )


@strawberry.type(description="A section 47 enquiry, started by a strategy discussion")
class Section47Enquiry(EpisodeRecord):
    status: table.Section47State
    strategy_discussion_date: date = strawberry.field(
        description="The strategy discussion that started it (CIN census S47ActualStartDate)"
    )
    initial_conference_target: date | None = strawberry.field(
        description="15 working days after the strategy discussion (InitialCPCtarget)"
    )
    end_date: date | None
    conference_required: bool | None = strawberry.field(
        description="Whether it concluded that an initial conference is needed"
    )
    withdrawn_reason: str | None = _withdrawn_reason()

    @classmethod
    def of(
        cls, entry: dict[str, Any], case_id: str, child_id: str, today: date
    ) -> Section47Enquiry:
        record = entry["record"]
        return cls(
            **_common(table.Process.SECTION_47_ENQUIRY, entry, case_id, child_id, today),
            status=table.Section47State(record["status"]),
            strategy_discussion_date=record["startDate"],
            initial_conference_target=record.get("conferenceTarget"),
            end_date=record.get("endDate"),
            conference_required=record.get("conferenceRequired"),
            withdrawn_reason=record.get("withdrawnReason"),
        )


@strawberry.type(
    description="An initial child protection conference (after an enquiry, or a "
    "transfer-in conference)"
)
class InitialChildProtectionConference(EpisodeRecord):
    status: table.InitialConferenceState
    due_date: date | None
    held_date: date | None
    transfer_in: bool
    notified_date: date | None = strawberry.field(
        description="Transfer in: the day the other authority notified us of the move"
    )
    late_reason: str | None
    section_47_enquiry_id: strawberry.ID | None = strawberry.field(
        name="section47EnquiryId", description="The enquiry it follows (none on transfer in)"
    )
    withdrawn_reason: str | None = _withdrawn_reason()

    @classmethod
    def of(
        cls, entry: dict[str, Any], case_id: str, child_id: str, today: date
    ) -> InitialChildProtectionConference:
        record = entry["record"]
        return cls(
            **_common(table.Process.INITIAL_CONFERENCE, entry, case_id, child_id, today),
            status=table.InitialConferenceState(record["status"]),
            due_date=record.get("dueDate"),
            held_date=record.get("heldDate"),
            transfer_in=bool(record.get("transferIn")),
            notified_date=record.get("notifiedDate"),
            late_reason=record.get("lateReason"),
            section_47_enquiry_id=_ids(record, "section47EnquiryId"),
            withdrawn_reason=record.get("withdrawnReason"),
        )


@strawberry.type(description="A child protection plan (CIN census ChildProtectionPlans)")
class ChildProtectionPlan(EpisodeRecord):
    status: table.PlanState
    start_date: date
    end_date: date | None
    end_reason: str | None
    transfer_in: bool
    conference_id: strawberry.ID | None
    initial_categories_of_abuse: list[codes.CategoryOfAbuse]
    latest_categories_of_abuse: list[codes.CategoryOfAbuse]
    review_dates: list[date] = strawberry.field(description="Review conferences held")
    withdrawn_reason: str | None = strawberry.field(
        description="Why it was withdrawn with the conference that made it, recorded in error "
        "(status RECORDED_IN_ERROR)"
    )

    @classmethod
    def of(
        cls, entry: dict[str, Any], case_id: str, child_id: str, today: date
    ) -> ChildProtectionPlan:
        record = entry["record"]
        reviews = sorted(
            step["completedDate"]
            for step in entry["steps"]
            if step["kind"] == StepKind.CHILD_PROTECTION_REVIEW
            and step["status"] == StepStatus.DONE
        )
        return cls(
            **_common(table.Process.CHILD_PROTECTION_PLAN, entry, case_id, child_id, today),
            status=table.PlanState(record["status"]),
            start_date=record["startDate"],
            end_date=record.get("endDate"),
            end_reason=record.get("endReason"),
            transfer_in=bool(record.get("transferIn")),
            conference_id=_ids(record, "conferenceId"),
            initial_categories_of_abuse=_codes(
                codes.CategoryOfAbuse, record.get("initialCategories")
            ),
            latest_categories_of_abuse=_codes(
                codes.CategoryOfAbuse, record.get("latestCategories")
            ),
            review_dates=reviews,
            withdrawn_reason=record.get("withdrawnReason"),
        )


@strawberry.type(description="A child in need plan (CIN census CINPlanDates)")
class ChildInNeedPlan(EpisodeRecord):
    status: table.PlanState
    start_date: date
    end_date: date | None
    withdrawn_reason: str | None = _withdrawn_reason()

    @classmethod
    def of(cls, entry: dict[str, Any], case_id: str, child_id: str, today: date) -> ChildInNeedPlan:
        record = entry["record"]
        return cls(
            **_common(table.Process.CHILD_IN_NEED_PLAN, entry, case_id, child_id, today),
            status=table.PlanState(record["status"]),
            start_date=record["startDate"],
            end_date=record.get("endDate"),
            withdrawn_reason=record.get("withdrawnReason"),
        )


@strawberry.type(
    description="The last closure of an episode that a team manager found was made in error, "
    "and the reopening that corrected it"
)
class CaseReopening:
    closure_date: date = strawberry.field(description="The closure date recorded in error")
    closure_reason: codes.ReasonForClosure | None = strawberry.field(
        description="The closure reason recorded in error"
    )
    no_further_action: bool = strawberry.field(
        description="Whether it was no further action at referral"
    )
    # Narrative (auth/policy.py): null to a role without the case-notes capability.
    reason: str | None = strawberry.field(description="Why the closure was made in error")
    reopened_on: date
    reopened_by: str | None = strawberry.field(description="The manager who reopened it")
    reopened_at: datetime | None = strawberry.field(description="When the reopening was recorded")

    @classmethod
    def of(cls, record: dict[str, Any]) -> CaseReopening | None:
        closed = record.get("closedInErrorDate")
        if not isinstance(closed, date):
            return None
        at = record.get("reopenedAt")
        return cls(
            closure_date=closed,
            closure_reason=_code(codes.ReasonForClosure, record.get("closedInErrorReason")),
            no_further_action=bool(record.get("closedInErrorAtReferral")),
            reason=str(record.get("reopenedReason") or ""),
            reopened_on=record["reopenedDate"],
            reopened_by=record.get("reopenedBy"),
            reopened_at=_recorded_at({"recordedAt": at}),
        )


@strawberry.type(
    description="The referral date as first recorded, and the team manager's correction of it"
)
class ReferralDateCorrection:
    previous_date: date = strawberry.field(description="The referral date typed in error")
    # Narrative (auth/policy.py): null to a role without the case-notes capability.
    reason: str | None
    corrected_by: str | None = strawberry.field(description="The manager who corrected it")
    corrected_at: datetime | None

    @classmethod
    def of(cls, record: dict[str, Any]) -> Self | None:
        return cls.corrected(record.get("previousReferralDate"), record, "referralDate")

    @classmethod
    def corrected(cls, previous: Any, record: dict[str, Any], stamp: str) -> Self | None:
        """The correction of the day `previous` (none: never corrected), its reason, who
        and when kept on `record` as `<stamp>CorrectionReason`, `<stamp>CorrectedBy`..."""
        if not isinstance(previous, date):
            return None
        return cls(
            previous_date=previous,
            reason=str(record.get(f"{stamp}CorrectionReason") or ""),
            corrected_by=record.get(f"{stamp}CorrectedBy"),
            corrected_at=_recorded_at({"recordedAt": record.get(f"{stamp}CorrectedAt")}),
        )


@strawberry.type(
    description="The day of the decision on the referral as first recorded (authorised), and "
    "the team manager's correction of it"
)
class ReferralDecisionDateCorrection(ReferralDateCorrection):
    previous_date: date = strawberry.field(description="The day of the decision typed in error")

    @classmethod
    def of(cls, record: dict[str, Any]) -> Self | None:
        previous = _day(record.get("decisionDateCorrectedFrom"))
        return cls.corrected(previous, record, "decisionDate")


@strawberry.type(
    description="A referral a team manager withdrew as recorded in error (the wrong child, a "
    "duplicate, a test record): kept in the history, in no return"
)
class ReferralWithdrawal:
    # Narrative (auth/policy.py): null to a role without the case-notes capability.
    reason: str | None = strawberry.field(description="Why the referral was recorded in error")
    withdrawn_on: date
    withdrawn_by: str | None = strawberry.field(description="The manager who withdrew it")
    withdrawn_at: datetime | None = strawberry.field(description="When the withdrawal was recorded")

    @classmethod
    def of(cls, record: dict[str, Any]) -> Self | None:
        withdrawn = record.get("withdrawnDate")
        if not isinstance(withdrawn, date):
            return None
        return cls(
            reason=str(record.get("withdrawnReason") or ""),
            withdrawn_on=withdrawn,
            withdrawn_by=record.get("withdrawnBy"),
            withdrawn_at=_recorded_at({"recordedAt": record.get("withdrawnAt")}),
        )


def _of_process(rows: list[dict[str, Any]], process: table.Process) -> list[dict[str, Any]]:
    found = [entry for entry in rows if entry["record"].get("process") == process.value]
    return sorted(found, key=lambda entry: entry["record"].get("createdAt") or 0)


@entity_type(
    keys=["id"],
    description="An episode of need from referral to closure (one CIN "
    "census CINdetails), with the records of its work",
)
class Case:
    id: strawberry.ID
    child_id: strawberry.ID
    status: table.CaseState
    version: int
    referral_date: date
    referral_source: codes.ReferralSource | None
    primary_need: codes.PrimaryNeedCode | None
    decision_due: date = strawberry.field(description="1 working day after the referral")
    decision_date: date | None
    # Narrative (auth/policy.py): null to a role without the case-notes capability.
    decision_late_reason: str | None = strawberry.field(
        description="Why the decision was made after its due day"
    )
    decision_late_reason_recorded_by: str | None = strawberry.field(
        description="Who gave the reason: with the decision (the manager who authorised "
        "it) or afterwards (recordDecisionLateReason); null for a reason recorded before "
        "the hub kept who gave it"
    )
    decision_late_reason_recorded_at: datetime | None
    closure_date: date | None
    closure_reason: codes.ReasonForClosure | None
    no_further_action: bool = strawberry.field(
        description="Closed at referral with no further action (CIN census ReferralNFA)"
    )
    awaiting_authorisation_of: str | None = strawberry.field(
        description="The action a manager is asked to authorise, if any"
    )
    reopened: CaseReopening | None = strawberry.field(
        description="The last closure found to be made in error, kept with its reopening"
    )
    referral_date_correction: ReferralDateCorrection | None = strawberry.field(
        description="The referral date first recorded, if a manager corrected it"
    )
    decision_authorised_on: date | None = strawberry.field(
        description="The day a manager authorised the decision on the referral; null until "
        "then, and for a decision authorised before the hub kept the day"
    )
    decision_date_correction: ReferralDecisionDateCorrection | None = strawberry.field(
        description="The day of the decision first recorded, if a manager corrected it "
        "(correctReferralDecisionDate)"
    )
    withdrawal: ReferralWithdrawal | None = strawberry.field(
        description="Why, when and by whom the referral was withdrawn as recorded in error"
    )
    allowed_actions: list[str]
    recorded_by: str | None = strawberry.field(description="The worker who recorded the referral")
    recorded_at: datetime | None
    steps: list[JourneyStep]
    assessments: list[Assessment]
    section_47_enquiries: list[Section47Enquiry] = strawberry.field(name="section47Enquiries")
    initial_conferences: list[InitialChildProtectionConference]
    child_protection_plans: list[ChildProtectionPlan]
    child_in_need_plans: list[ChildInNeedPlan]

    @strawberry.field(
        description="DfE return rules the episode's saved data breaks (CIN census codes)"
    )
    async def warnings(self, info: Info[HubContext, None]) -> list[DataWarning]:
        rows = await journey_resolvers.record_warnings(info.context, self.id)
        return [DataWarning.from_row(row) for row in rows]

    @classmethod
    async def resolve_reference(cls, info: Info[HubContext, None], id: str) -> Case | None:
        # Federation `_entities` goes through the same access rule as `case(id)`: the
        # case of a child you cannot see is null, exactly as a missing one.
        row = await journey_resolvers.record(info.context, table.Process.CASE, id)
        return cls.from_row(row) if row else None

    @classmethod
    def from_row(cls, row: dict[str, Any], today: date | None = None) -> Case:
        record, today = row["record"], today or today_in_england()
        clock = Clock(today, default_calendar(), DEFAULT_LOCAL_STANDARDS)
        case_id, child_id = record["id"], row["childId"]
        processes = row.get("processes") or []

        def each[T](process: table.Process, make: Any) -> list[T]:
            return [make(e, case_id, child_id, today) for e in _of_process(processes, process)]

        return cls(
            id=strawberry.ID(case_id),
            child_id=strawberry.ID(child_id),
            status=table.CaseState(record["status"]),
            version=record["version"],
            referral_date=record["referralDate"],
            referral_source=_code(codes.ReferralSource, record.get("source")),
            primary_need=_code(codes.PrimaryNeedCode, record.get("primaryNeed")),
            decision_due=referral_decision_due(record["referralDate"], clock),
            decision_date=record.get("decisionDate"),
            decision_late_reason=record.get("decisionLateReason"),
            decision_late_reason_recorded_by=record.get(f"{DECISION_LATE_REASON_RECORDED}By"),
            decision_late_reason_recorded_at=_instant(
                record.get(f"{DECISION_LATE_REASON_RECORDED}At")
            ),
            closure_date=record.get("closureDate"),
            closure_reason=_code(codes.ReasonForClosure, record.get("closureReason")),
            no_further_action=bool(record.get("noFurtherAction")),
            awaiting_authorisation_of=record.get("pendingAction"),
            reopened=CaseReopening.of(record),
            referral_date_correction=ReferralDateCorrection.of(record),
            decision_authorised_on=record.get("decisionAuthorisedDate"),
            decision_date_correction=ReferralDecisionDateCorrection.of(record),
            withdrawal=ReferralWithdrawal.of(record),
            allowed_actions=list(table.allowed_actions(table.Process.CASE, record["status"])),
            recorded_by=record.get("recordedBy"),
            recorded_at=_recorded_at(record),
            steps=_steps(row["steps"], today),
            assessments=each(table.Process.ASSESSMENT, Assessment.of),
            section_47_enquiries=each(table.Process.SECTION_47_ENQUIRY, Section47Enquiry.of),
            initial_conferences=each(
                table.Process.INITIAL_CONFERENCE, InitialChildProtectionConference.of
            ),
            child_protection_plans=each(
                table.Process.CHILD_PROTECTION_PLAN, ChildProtectionPlan.of
            ),
            child_in_need_plans=each(table.Process.CHILD_IN_NEED_PLAN, ChildInNeedPlan.of),
        )


@strawberry.type(description="A period during which the child is looked after, and after")
class PeriodOfCare:
    id: strawberry.ID
    child_id: strawberry.ID
    status: table.CareState
    version: int
    start_date: date
    end_date: date | None
    reason_ceased: codes.ReasonEpisodeCeased | None
    legal_status: codes.LegalStatus | None = strawberry.field(
        description="The legal status of the current (or last) SSDA903 episode"
    )
    placement_type: codes.PlacementType | None
    awaiting_authorisation_of: str | None
    allowed_actions: list[str]
    recorded_by: str | None = strawberry.field(description="The worker who recorded it")
    recorded_at: datetime | None
    steps: list[JourneyStep]

    @strawberry.field(
        description="DfE return rules the period's saved episodes break (SSDA903 codes)"
    )
    async def warnings(self, info: Info[HubContext, None]) -> list[DataWarning]:
        rows = await journey_resolvers.record_warnings(info.context, self.id)
        return [DataWarning.from_row(row) for row in rows]

    @classmethod
    def from_row(cls, row: dict[str, Any], today: date | None = None) -> PeriodOfCare:
        record, today = row["record"], today or today_in_england()
        episodes = sorted(
            (s for s in row["steps"] if s["kind"] == StepKind.LOOKED_AFTER_EPISODE),
            key=lambda s: s["startDate"],
        )
        current = episodes[-1] if episodes else {}
        return cls(
            id=strawberry.ID(record["id"]),
            child_id=strawberry.ID(row["childId"]),
            status=table.CareState(record["status"]),
            version=record["version"],
            start_date=record["startDate"],
            end_date=record.get("endDate"),
            reason_ceased=_code(codes.ReasonEpisodeCeased, record.get("reasonCeased")),
            legal_status=_code(codes.LegalStatus, current.get("legalStatus")),
            placement_type=_code(codes.PlacementType, current.get("placementType")),
            awaiting_authorisation_of=record.get("pendingAction"),
            allowed_actions=list(table.allowed_actions(table.Process.CARE, record["status"])),
            recorded_by=record.get("recordedBy"),
            recorded_at=_recorded_at(record),
            steps=_steps(row["steps"], today),
        )


@strawberry.type(description="The start and end of a child protection plan")
class ChildProtectionPlanDates:
    start_date: date
    end_date: date | None


def latest_child_protection_plan(cases: list[Case]) -> ChildProtectionPlanDates | None:
    # A plan withdrawn with its conference, recorded in error, never was.
    plans = [
        plan
        for case in cases
        for plan in case.child_protection_plans
        if plan.status is not table.PlanState.RECORDED_IN_ERROR
    ]
    if not plans:
        return None
    latest = max(plans, key=lambda plan: plan.start_date)
    return ChildProtectionPlanDates(start_date=latest.start_date, end_date=latest.end_date)


CaseResult = Annotated[
    Case | NotFound | TransitionRefused | NotAuthorised | InvalidInput,
    strawberry.union("CaseResult"),
]
PeriodOfCareResult = Annotated[
    PeriodOfCare | NotFound | TransitionRefused | NotAuthorised | InvalidInput,
    strawberry.union("PeriodOfCareResult"),
]


def case_of(row: dict[str, Any]) -> Case:
    """The episode a record belongs to, as a Case: what every action on an episode's
    records answers with, so the caller sees the records it opened or ended too."""
    episode = row.get("episode")
    if episode is None or episode["id"] == row["record"]["id"]:
        return Case.from_row(row)
    return Case.from_row(
        {"record": episode, "steps": [], "childId": row["childId"], "processes": row["processes"]}
    )
