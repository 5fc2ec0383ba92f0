"""The case journey's root fields: one mutation per action of the process table, the
manager's authorise/return, and the work lists."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry.types import Info

from auth.capabilities import Capability, can
from resolvers import journey as journey_resolvers
from resolvers.context import HubContext
from schema import journey_inputs as inputs
from schema.as_at import AsAt, AsAtResult
from schema.inputs import plain_input
from schema.journey_types import (
    Case,
    CaseResult,
    JourneyStep,
    PeriodOfCare,
    PeriodOfCareResult,
    case_of,
)
from schema.outcomes import InvalidInput, NotAuthorised, NotFound, TransitionRefused, answer
from schema.process_mutations import (
    RecordShape,
    action_mutation,
    authorise_mutation,
    return_for_rework_mutation,
)
from schema.worklists import (
    AcknowledgeNoticeResult,
    Caseload,
    MyWork,
    TeamWork,
    TeamWorkResult,
    caseloads,
    work_items,
    work_notices,
)
from workflow import process as table
from workflow.calendar import today_in_england


@strawberry.type(description="Why a held step was late, recorded: the child and the step now")
class LateReasonRecorded:
    # The child whose step it is: the read audit notes the child for the step answered.
    child_id: strawberry.ID
    step: JourneyStep


RecordLateReasonResult = Annotated[
    LateReasonRecorded | NotFound | TransitionRefused | NotAuthorised | InvalidInput,
    strawberry.union("RecordLateReasonResult"),
]

CASE = RecordShape(table.Process.CASE, "case_id", CaseResult, case_of)
ASSESSMENT = RecordShape(table.Process.ASSESSMENT, "assessment_id", CaseResult, case_of)
ENQUIRY = RecordShape(
    table.Process.SECTION_47_ENQUIRY, "section_47_enquiry_id", CaseResult, case_of
)
CONFERENCE = RecordShape(table.Process.INITIAL_CONFERENCE, "conference_id", CaseResult, case_of)
CP_PLAN = RecordShape(
    table.Process.CHILD_PROTECTION_PLAN, "child_protection_plan_id", CaseResult, case_of
)
CIN_PLAN = RecordShape(
    table.Process.CHILD_IN_NEED_PLAN, "child_in_need_plan_id", CaseResult, case_of
)
CARE = RecordShape(
    table.Process.CARE, "period_of_care_id", PeriodOfCareResult, PeriodOfCare.from_row
)


@strawberry.type
class JourneyMutations:
    # The episode of need: the decision on the referral, its work, its closure.
    decide_referral = action_mutation(CASE, "decideReferral", inputs.DecideReferralInput)
    close_with_no_further_action = action_mutation(
        CASE, "closeWithNoFurtherAction", inputs.CloseWithNoFurtherActionInput
    )
    start_assessment = action_mutation(CASE, "startAssessment", inputs.StartAssessmentInput)
    hold_strategy_discussion = action_mutation(
        CASE, "holdStrategyDiscussion", inputs.HoldStrategyDiscussionInput
    )
    hold_transfer_in_conference = action_mutation(
        CASE, "holdTransferInConference", inputs.HoldInitialConferenceInput
    )
    start_child_in_need_plan = action_mutation(
        CASE, "startChildInNeedPlan", inputs.StartChildInNeedPlanInput
    )
    close_case = action_mutation(CASE, "closeCase", inputs.CloseCaseInput)
    reopen_case = action_mutation(CASE, "reopenCase", inputs.ReopenCaseInput)
    withdraw_referral = action_mutation(CASE, "withdrawReferral", inputs.WithdrawInErrorInput)
    correct_referral_date = action_mutation(
        CASE, "correctReferralDate", inputs.CorrectReferralDateInput
    )
    correct_referral_decision_date = action_mutation(
        CASE, "correctReferralDecisionDate", inputs.CorrectReferralDecisionDateInput
    )
    record_decision_late_reason = action_mutation(
        CASE, table.RECORD_DECISION_LATE_REASON, inputs.RecordDecisionLateReasonInput
    )
    # The records of the episode.
    complete_assessment = action_mutation(
        ASSESSMENT, "completeAssessment", inputs.CompleteAssessmentInput
    )
    withdraw_assessment = action_mutation(
        ASSESSMENT, "withdrawAssessment", inputs.WithdrawInErrorInput
    )
    correct_assessment_dates = action_mutation(
        ASSESSMENT, "correctAssessmentDates", inputs.CorrectAssessmentDatesInput
    )
    request_initial_conference = action_mutation(
        ENQUIRY, "requestInitialConference", inputs.ConcludeEnquiryInput
    )
    conclude_enquiry_without_conference = action_mutation(
        ENQUIRY, "concludeEnquiryWithoutConference", inputs.ConcludeEnquiryInput
    )
    correct_strategy_discussion_date = action_mutation(
        ENQUIRY, "correctStrategyDiscussionDate", inputs.CorrectHeldDateInput
    )
    withdraw_section_47_enquiry = action_mutation(
        ENQUIRY, "withdrawSection47Enquiry", inputs.WithdrawInErrorInput
    )
    hold_initial_conference = action_mutation(
        CONFERENCE, "holdInitialConference", inputs.HoldInitialConferenceInput
    )
    correct_initial_conference_date = action_mutation(
        CONFERENCE, "correctInitialConferenceDate", inputs.CorrectHeldDateInput
    )
    withdraw_initial_conference = action_mutation(
        CONFERENCE, "withdrawInitialConference", inputs.WithdrawInErrorInput
    )
    hold_review_conference = action_mutation(
        CP_PLAN, "holdReviewConference", inputs.HoldReviewConferenceInput
    )
    hold_core_group = action_mutation(CP_PLAN, "holdCoreGroup", inputs.HeldOnInput)
    record_child_protection_visit = action_mutation(
        CP_PLAN, "recordChildProtectionVisit", inputs.RecordVisitInput
    )
    correct_child_protection_step_date = action_mutation(
        CP_PLAN, "correctChildProtectionStepDate", inputs.CorrectStepDateInput
    )
    withdraw_child_protection_step = action_mutation(
        CP_PLAN, "withdrawChildProtectionStep", inputs.WithdrawStepInput
    )
    correct_child_protection_plan_end = action_mutation(
        CP_PLAN, "correctChildProtectionPlanEnd", inputs.CorrectPlanEndInput
    )
    end_child_protection_plan = action_mutation(
        CP_PLAN, "endChildProtectionPlan", inputs.EndChildProtectionPlanInput
    )
    review_child_in_need_plan = action_mutation(
        CIN_PLAN, "reviewChildInNeedPlan", inputs.HeldOnInput
    )
    record_child_in_need_visit = action_mutation(
        CIN_PLAN, "recordChildInNeedVisit", inputs.RecordVisitInput
    )
    correct_child_in_need_step_date = action_mutation(
        CIN_PLAN, "correctChildInNeedStepDate", inputs.CorrectStepDateInput
    )
    withdraw_child_in_need_step = action_mutation(
        CIN_PLAN, "withdrawChildInNeedStep", inputs.WithdrawStepInput
    )
    correct_child_in_need_plan_dates = action_mutation(
        CIN_PLAN, "correctChildInNeedPlanDates", inputs.CorrectChildInNeedPlanDatesInput
    )
    end_child_in_need_plan = action_mutation(
        CIN_PLAN, "endChildInNeedPlan", inputs.EndChildInNeedPlanInput
    )
    withdraw_child_in_need_plan = action_mutation(
        CIN_PLAN, "withdrawChildInNeedPlan", inputs.WithdrawInErrorInput
    )

    change_placement = action_mutation(CARE, "changePlacement", inputs.ChangePlacementInput)
    correct_placement = action_mutation(CARE, "correctPlacement", inputs.CorrectPlacementInput)
    correct_episode_start = action_mutation(
        CARE, "correctEpisodeStart", inputs.CorrectEpisodeStartInput
    )
    correct_legal_status = action_mutation(
        CARE, "correctLegalStatus", inputs.CorrectLegalStatusInput
    )
    correct_missing_episode = action_mutation(
        CARE, "correctMissingEpisode", inputs.CorrectMissingEpisodeInput
    )
    correct_care_step_date = action_mutation(
        CARE, "correctCareStepDate", inputs.CorrectStepDateInput
    )
    withdraw_care_step = action_mutation(CARE, "withdrawCareStep", inputs.WithdrawStepInput)
    change_legal_status = action_mutation(CARE, "changeLegalStatus", inputs.ChangeLegalStatusInput)
    hold_looked_after_review = action_mutation(
        CARE, "holdLookedAfterReview", inputs.HoldLookedAfterReviewInput
    )
    record_statutory_visit = action_mutation(CARE, "recordStatutoryVisit", inputs.OnDateInput)
    record_health_assessment = action_mutation(CARE, "recordHealthAssessment", inputs.OnDateInput)
    record_personal_education_plan = action_mutation(
        CARE, "recordPersonalEducationPlan", inputs.OnDateInput
    )
    record_missing_episode = action_mutation(
        CARE, "recordMissingEpisode", inputs.RecordMissingEpisodeInput
    )
    record_return_home_interview = action_mutation(
        CARE, "recordReturnHomeInterview", inputs.OnDateInput
    )
    correct_end_of_care = action_mutation(CARE, "correctEndOfCare", inputs.CorrectEndOfCareInput)
    cease_looked_after = action_mutation(CARE, "ceaseLookedAfter", inputs.CeaseLookedAfterInput)
    record_pathway_plan = action_mutation(CARE, "recordPathwayPlan", inputs.OnDateInput)
    record_care_leaver_contact = action_mutation(
        CARE, "recordCareLeaverContact", inputs.RecordCareLeaverContactInput
    )
    end_leaving_care_services = action_mutation(
        CARE, "endLeavingCareServices", inputs.EndLeavingCareServicesInput
    )

    @strawberry.mutation(description="A child becomes looked after: a new period of care")
    async def start_looked_after(
        self, info: Info[HubContext, None], input: inputs.StartLookedAfterInput
    ) -> PeriodOfCareResult:
        result = await journey_resolvers.start_looked_after(info.context, plain_input(input))
        return answer(result, PeriodOfCare.from_row)

    @strawberry.mutation(
        description="Record why a held step was late (one a correction of another made "
        "late, or a reason to put right), kept with who gave it and when"
    )
    async def record_late_reason(
        self, info: Info[HubContext, None], step_id: strawberry.ID, reason: str
    ) -> RecordLateReasonResult:
        result = await journey_resolvers.record_late_reason(info.context, step_id, reason)
        return answer(
            result,
            lambda row: LateReasonRecorded(
                child_id=strawberry.ID(row["childId"]),
                step=JourneyStep.from_row(row["step"], today_in_england()),
            ),
        )

    @strawberry.mutation(description="Acknowledge a notice on your work list (it leaves the list)")
    async def acknowledge_notice(
        self, info: Info[HubContext, None], notice_id: strawberry.ID
    ) -> AcknowledgeNoticeResult:
        result = await journey_resolvers.acknowledge_notice(info.context, notice_id)
        return answer(result, lambda result: work_notices([result])[0])

    authorise_case = authorise_mutation(CASE, "A manager authorises what the case is waiting on")

    return_case_for_rework = return_for_rework_mutation(
        CASE, "A manager returns the case's proposal for rework"
    )

    authorise_assessment = authorise_mutation(
        ASSESSMENT, "A manager authorises a completed assessment, or one's withdrawal"
    )

    return_assessment_for_rework = return_for_rework_mutation(
        ASSESSMENT, "A manager returns a completed or withdrawn assessment for rework"
    )

    authorise_section_47_enquiry = authorise_mutation(
        ENQUIRY, "A manager authorises the withdrawal of an enquiry started in error"
    )

    return_section_47_enquiry_for_rework = return_for_rework_mutation(
        ENQUIRY, "A manager refuses the withdrawal of an enquiry: it goes on"
    )

    authorise_initial_conference = authorise_mutation(
        CONFERENCE,
        "A manager authorises the withdrawal of a conference recorded in error, and of the "
        "plan it made",
    )

    return_initial_conference_for_rework = return_for_rework_mutation(
        CONFERENCE, "A manager refuses the withdrawal of a conference: it stands"
    )

    authorise_child_in_need_plan = authorise_mutation(
        CIN_PLAN, "A manager authorises the withdrawal of a child in need plan started in error"
    )

    return_child_in_need_plan_for_rework = return_for_rework_mutation(
        CIN_PLAN, "A manager refuses the withdrawal of a child in need plan: it goes on"
    )

    authorise_period_of_care = authorise_mutation(
        CARE, "A manager authorises what the period of care waits on"
    )

    return_period_of_care_for_rework = return_for_rework_mutation(
        CARE, "A manager returns the period of care's proposal"
    )


@strawberry.type
class JourneyQueries:
    @strawberry.field(description="What is due for the children allocated to you, and notices")
    async def my_work(self, info: Info[HubContext, None]) -> MyWork:
        context = info.context
        today = today_in_england()
        rows = await journey_resolvers.work_of_worker(context, context.principal.subject)
        items = work_items(rows, context.calendar, today)
        me = {"workerId": context.principal.subject, "workerName": context.principal.name}
        notices = work_notices(await journey_resolvers.notices(context))
        return MyWork(items=items, notices=notices, caseload=caseloads([me], rows, items)[0])

    @strawberry.field(
        description="A team's caseloads and everything due (team managers); your team by default"
    )
    async def team_work(
        self, info: Info[HubContext, None], team_id: strawberry.ID | None = None
    ) -> TeamWorkResult:
        context = info.context
        if not can(context.principal, Capability.AUTHORISE):
            return NotAuthorised(
                reason="the team view is for team managers", missing_training_modules=[]
            )
        team = team_id or context.principal.team_id
        if team is None:
            return TeamWork(team_id=strawberry.ID(""), caseloads=[], items=[])
        workers, rows = await journey_resolvers.work_of_team(context, team)
        items = work_items(rows, context.calendar, today_in_england())
        return TeamWork(
            team_id=strawberry.ID(team), caseloads=caseloads(workers, rows, items), items=items
        )

    @strawberry.field(description="A case (CIN episode) by id; null if there is none you may see")
    async def case(self, info: Info[HubContext, None], id: strawberry.ID) -> Case | None:
        record = await journey_resolvers.record(info.context, table.Process.CASE, id)
        return Case.from_row(record) if record else None

    @strawberry.field(
        description="What was open on a date (default today), for performance staff: "
        "children with an episode of need, a CP plan, a CIN plan, looked after; with counts"
    )
    async def as_at(self, info: Info[HubContext, None], on: date | None = None) -> AsAtResult:
        day = on or today_in_england()
        result = await journey_resolvers.as_at(info.context, day)
        return answer(result, lambda rows: AsAt.from_rows(day, rows))

    @strawberry.field(description="A period of care by id; null if there is none you may see")
    async def period_of_care(
        self, info: Info[HubContext, None], id: strawberry.ID
    ) -> PeriodOfCare | None:
        record = await journey_resolvers.record(info.context, table.Process.CARE, id)
        return PeriodOfCare.from_row(record) if record else None


__all__ = ["Caseload", "JourneyMutations", "JourneyQueries"]
