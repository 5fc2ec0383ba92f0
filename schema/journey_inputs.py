"""The case journey's inputs: one per action, named for it (validated again by pydantic)."""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry

from workflow import codes
from workflow.journey.case import PlanEndReason


@strawberry.input(description="The decision on a referral, for a manager to authorise")
class DecideReferralInput:
    decided_on: date
    primary_need: codes.PrimaryNeedCode
    late_reason: str | None = None


@strawberry.input(description="The day the assessment started")
class StartAssessmentInput:
    started_on: date


@strawberry.input(description="The assessment's completion and the factors identified")
class CompleteAssessmentInput:
    completed_on: date
    factors: list[codes.AssessmentFactor]
    late_reason: str | None = None


@strawberry.input(
    description="Why a record started in error (on the wrong child, or twice) is withdrawn"
)
class WithdrawInErrorInput:
    withdrawn_on: date | None = strawberry.field(
        default=None, description="The day it was withdrawn; today if absent"
    )
    reason: str


@strawberry.input(
    description="The day a held step really happened, when it was recorded with the wrong one"
)
class CorrectStepDateInput:
    step_id: strawberry.ID = strawberry.field(description="The step whose date was typed wrong")
    happened_on: date
    reason: str = strawberry.field(description="Why the date is corrected")
    late_reason: str | None = strawberry.field(
        default=None, description="Why it was late, if on the corrected day it was"
    )


@strawberry.input(description="A held step recorded in error (the wrong child, or twice)")
class WithdrawStepInput:
    step_id: strawberry.ID = strawberry.field(description="The step recorded in error")
    reason: str = strawberry.field(description="Why it was recorded in error")


@strawberry.input(
    description="The day a conference or strategy discussion was really held, when it was "
    "recorded with the wrong one (what counts from it follows)"
)
class CorrectHeldDateInput:
    held_on: date
    reason: str = strawberry.field(description="Why the date is corrected")
    late_reason: str | None = strawberry.field(
        default=None,
        description="Why it (or the conference due from it) was late, if on the corrected "
        "day it was",
    )


@strawberry.input(description="The start of a child in need plan")
class StartChildInNeedPlanInput:
    start_date: date


@strawberry.input(description="A meeting or review held on a day (a reason if it is late)")
class HeldOnInput:
    held_on: date
    late_reason: str | None = None


@strawberry.input(description="A visit to a child on a plan")
class RecordVisitInput:
    visited_on: date
    seen_alone: bool
    late_reason: str | None = None


@strawberry.input(description="The strategy discussion")
class HoldStrategyDiscussionInput:
    held_on: date


@strawberry.input(description="The end of a section 47 enquiry")
class ConcludeEnquiryInput:
    concluded_on: date


@strawberry.input(description="The initial child protection conference and its decision")
class HoldInitialConferenceInput:
    held_on: date
    plan_required: bool
    categories_of_abuse: list[codes.CategoryOfAbuse] | None = None
    late_reason: str | None = None
    notified_on: date | None = strawberry.field(
        default=None,
        description="Transfer-in only: the day the other authority notified us of the move "
        "(the conference is due 15 working days after it; the referral's date if absent)",
    )


@strawberry.input(description="A child protection review conference")
class HoldReviewConferenceInput:
    held_on: date
    categories_of_abuse: list[codes.CategoryOfAbuse] | None = None
    late_reason: str | None = None


@strawberry.input(description="No further action on a referral (closes the episode, RC7)")
class CloseWithNoFurtherActionInput:
    on: date
    primary_need: codes.PrimaryNeedCode | None = None
    late_reason: str | None = None


@strawberry.input(description="The end of a child protection plan")
class EndChildProtectionPlanInput:
    ended_on: date
    reason: PlanEndReason
    late_reason: str | None = None


@strawberry.input(description="The end of a child in need plan")
class EndChildInNeedPlanInput:
    ended_on: date


@strawberry.input(description="The closure of a case, for a manager to authorise")
class CloseCaseInput:
    closed_on: date
    reason: codes.ReasonForClosure


@strawberry.input(
    description="Why an episode's authorised closure (or no further action at referral) "
    "was made in error"
)
class ReopenCaseInput:
    reopened_on: date | None = strawberry.field(
        default=None, description="The day it was reopened; today if absent"
    )
    reason: str


@strawberry.input(description="An episode's referral date typed wrongly, corrected, and why")
class CorrectReferralDateInput:
    referral_date: date
    reason: str


@strawberry.input(
    description="The day the decision on a referral was made, typed wrongly, corrected, and why"
)
class CorrectReferralDecisionDateInput:
    decided_on: date
    reason: str


@strawberry.input(description="Why the decision on a referral was late, given after it was made")
class RecordDecisionLateReasonInput:
    reason: str


def _today_if_absent() -> Any:
    # Care actions record the day they happened; absent, it is today.
    return strawberry.field(default=None, description="The day it happened; today if absent")


@strawberry.input(description="A child becoming looked after")
class StartLookedAfterInput:
    child_id: strawberry.ID
    started_on: date | None = _today_if_absent()
    legal_status: codes.LegalStatus
    placement_type: codes.PlacementType
    placement_provider: codes.PlacementProvider
    long_term_placement: bool = False
    placement_postcode: str | None = None
    urn: str | None = strawberry.field(default=None, description="Ofsted URN, or XXXXXXX")


@strawberry.input(description="A move to a new placement")
class ChangePlacementInput:
    changed_on: date | None = _today_if_absent()
    placement_type: codes.PlacementType
    placement_provider: codes.PlacementProvider
    reason: codes.ReasonPlaceChange
    same_carer: bool = False
    long_term_placement: bool = False
    placement_postcode: str | None = None
    urn: str | None = strawberry.field(default=None, description="Ofsted URN, or XXXXXXX")
    legal_status: codes.LegalStatus | None = strawberry.field(
        default=None, description="A new legal status the same day (SSDA903 RNE B or U)"
    )


@strawberry.input(description="An episode's placement details as they should have been entered")
class CorrectPlacementInput:
    placement_type: codes.PlacementType
    placement_provider: codes.PlacementProvider
    placement_postcode: str | None = None
    urn: str | None = strawberry.field(default=None, description="Ofsted URN, or XXXXXXX")
    episode_from: date | None = strawberry.field(
        default=None,
        description=(
            "The day the episode to correct started; if absent, the current one (the last"
            " once care has ended)"
        ),
    )


@strawberry.input(description="An episode's legal status as it should have been entered")
class CorrectLegalStatusInput:
    legal_status: codes.LegalStatus
    reason: str
    episode_from: date | None = strawberry.field(
        default=None,
        description=(
            "The day the episode to correct started; if absent, the current one (the last"
            " once care has ended). The moves under the same legal status are corrected"
            " with it"
        ),
    )


@strawberry.input(
    description="The day care really ended, or the SSDA903 reason it ended for (those "
    "given), and why they were typed wrong"
)
class CorrectEndOfCareInput:
    ended_on: date | None = None
    reason_ceased: codes.ReasonEpisodeCeased | None = None
    reason: str


@strawberry.input(
    description="The days a child in need plan really started and ended (those given), and "
    "why they were typed wrong"
)
class CorrectChildInNeedPlanDatesInput:
    started_on: date | None = None
    ended_on: date | None = None
    reason: str


@strawberry.input(description="The day a plan really ended, and why it was typed wrong")
class CorrectPlanEndInput:
    ended_on: date
    reason: str


@strawberry.input(
    description="The days an authorised assessment really started, was completed and was "
    "authorised (those given), and why they were typed wrong"
)
class CorrectAssessmentDatesInput:
    started_on: date | None = None
    completed_on: date | None = None
    authorised_on: date | None = None
    reason: str
    late_reason: str | None = strawberry.field(
        default=None, description="Why it was late, where the corrected days make it late"
    )


@strawberry.input(
    description="The day an episode really began: the start of care, a move or a change of "
    "legal status typed with the wrong day"
)
class CorrectEpisodeStartInput:
    episode_from: date = strawberry.field(
        description="The day the episode to correct was recorded as starting"
    )
    started_on: date = strawberry.field(description="The day it began")
    reason: str


@strawberry.input(description="A new legal status")
class ChangeLegalStatusInput:
    changed_on: date | None = _today_if_absent()
    legal_status: codes.LegalStatus


@strawberry.input(description="A looked-after review and the child's participation")
class HoldLookedAfterReviewInput:
    held_on: date | None = _today_if_absent()
    participation: codes.ReviewParticipation
    late_reason: str | None = None


@strawberry.input(description="Something done on a day (a reason if it is late)")
class OnDateInput:
    on: date | None = _today_if_absent()
    late_reason: str | None = None


@strawberry.input(description="A period missing or away from placement")
class RecordMissingEpisodeInput:
    type: codes.MissingType
    started_on: date | None = _today_if_absent()
    returned_on: date | None = None


@strawberry.input(
    description="The days a missing or away episode really started and ended, when they were "
    "recorded wrong (either or both)"
)
class CorrectMissingEpisodeInput:
    step_id: strawberry.ID = strawberry.field(description="The missing or away episode")
    started_on: date | None = None
    returned_on: date | None = None
    reason: str = strawberry.field(description="Why the days are corrected")


@strawberry.input(description="The end of a period of care, for a manager to authorise")
class CeaseLookedAfterInput:
    ended_on: date | None = _today_if_absent()
    reason: codes.ReasonEpisodeCeased
    care_leaver: bool = False


@strawberry.input(description="Keeping in touch with a care leaver (SSDA903 OC3)")
class RecordCareLeaverContactInput:
    on: date | None = _today_if_absent()
    in_touch: codes.CareLeaverInTouch
    activity: codes.CareLeaverActivity
    accommodation: codes.CareLeaverAccommodation
    late_reason: str | None = None


@strawberry.input(description="The end of leaving care services")
class EndLeavingCareServicesInput:
    ended_on: date | None = _today_if_absent()
