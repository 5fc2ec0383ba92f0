"""The case journey's root fields: one mutation per action of the process table, the
manager's authorise/return, and the work lists."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import strawberry
from strawberry.types import Info

from auth.capabilities import Capability, can
from resolvers import journey as journey_resolvers
from resolvers.context import HubContext
from schema import journey_inputs as inputs
from schema.front_door import _plain
from schema.journey_types import Case, CaseResult, PeriodOfCare, PeriodOfCareResult
from schema.outcomes import OUTCOME_TYPES, NotAuthorised, answer, expected_outcome
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

if TYPE_CHECKING:
    from graph import Row


def _case(result: Row | Any) -> Any:
    return answer(result, Case.from_row)


def _period(result: Row | Any) -> Any:
    return answer(result, PeriodOfCare.from_row)


def _description(process: table.Process, action: str) -> str:
    declared = table.transition(process, action)
    assert declared is not None, action
    who = " (a manager then authorises it)" if declared.authoriser else ""
    return f"{declared.description}{who}"


def _case_action(action: str, input_type: type) -> Any:
    async def resolve(
        info: Info[HubContext, None], case_id: strawberry.ID, version: int, input: Any
    ) -> Any:
        result = await journey_resolvers.perform(
            info.context, table.Process.CASE, case_id, action, version, _plain(input)
        )
        return _case(result)

    # Strawberry reads the argument types from the annotations; they are set here, as
    # objects, because one resolver body serves every action with its own input type.
    resolve.__annotations__ = {
        "info": Info[HubContext, None],
        "case_id": strawberry.ID,
        "version": int,
        "input": input_type,
        "return": CaseResult,
    }
    return strawberry.mutation(
        resolver=resolve, description=_description(table.Process.CASE, action)
    )


def _care_action(action: str, input_type: type) -> Any:
    async def resolve(
        info: Info[HubContext, None], period_of_care_id: strawberry.ID, version: int, input: Any
    ) -> Any:
        result = await journey_resolvers.perform(
            info.context, table.Process.CARE, period_of_care_id, action, version, _plain(input)
        )
        return _period(result)

    resolve.__annotations__ = {
        "info": Info[HubContext, None],
        "period_of_care_id": strawberry.ID,
        "version": int,
        "input": input_type,
        "return": PeriodOfCareResult,
    }
    return strawberry.mutation(
        resolver=resolve, description=_description(table.Process.CARE, action)
    )


@strawberry.type
class JourneyMutations:
    decide_referral = _case_action("decideReferral", inputs.DecideReferralInput)
    start_assessment = _case_action("startAssessment", inputs.StartAssessmentInput)
    complete_assessment = _case_action("completeAssessment", inputs.CompleteAssessmentInput)
    start_child_in_need_plan = _case_action(
        "startChildInNeedPlan", inputs.StartChildInNeedPlanInput
    )
    review_child_in_need_plan = _case_action("reviewChildInNeedPlan", inputs.HeldOnInput)
    record_visit = _case_action("recordVisit", inputs.RecordVisitInput)
    hold_strategy_discussion = _case_action(
        "holdStrategyDiscussion", inputs.HoldStrategyDiscussionInput
    )
    request_initial_conference = _case_action(
        "requestInitialConference", inputs.ConcludeEnquiryInput
    )
    conclude_enquiry_without_conference = _case_action(
        "concludeEnquiryWithoutConference", inputs.ConcludeEnquiryInput
    )
    hold_initial_conference = _case_action(
        "holdInitialConference", inputs.HoldInitialConferenceInput
    )
    hold_review_conference = _case_action("holdReviewConference", inputs.HoldReviewConferenceInput)
    hold_core_group = _case_action("holdCoreGroup", inputs.HeldOnInput)
    end_child_protection_plan = _case_action(
        "endChildProtectionPlan", inputs.HoldReviewConferenceInput
    )
    close_case = _case_action("closeCase", inputs.CloseCaseInput)

    change_placement = _care_action("changePlacement", inputs.ChangePlacementInput)
    change_legal_status = _care_action("changeLegalStatus", inputs.ChangeLegalStatusInput)
    hold_looked_after_review = _care_action(
        "holdLookedAfterReview", inputs.HoldLookedAfterReviewInput
    )
    record_statutory_visit = _care_action("recordStatutoryVisit", inputs.OnDateInput)
    record_health_assessment = _care_action("recordHealthAssessment", inputs.OnDateInput)
    record_personal_education_plan = _care_action("recordPersonalEducationPlan", inputs.OnDateInput)
    record_missing_episode = _care_action("recordMissingEpisode", inputs.RecordMissingEpisodeInput)
    record_return_home_interview = _care_action("recordReturnHomeInterview", inputs.OnDateInput)
    cease_looked_after = _care_action("ceaseLookedAfter", inputs.CeaseLookedAfterInput)
    record_pathway_plan = _care_action("recordPathwayPlan", inputs.OnDateInput)
    record_care_leaver_contact = _care_action(
        "recordCareLeaverContact", inputs.RecordCareLeaverContactInput
    )
    end_leaving_care_services = _care_action(
        "endLeavingCareServices", inputs.EndLeavingCareServicesInput
    )

    @strawberry.mutation(description="A child becomes looked after: a new period of care")
    async def start_looked_after(
        self, info: Info[HubContext, None], input: inputs.StartLookedAfterInput
    ) -> PeriodOfCareResult:
        result = await journey_resolvers.start_looked_after(info.context, _plain(input))
        return _period(result)

    @strawberry.mutation(description="Acknowledge a notice on your work list (it leaves the list)")
    async def acknowledge_notice(
        self, info: Info[HubContext, None], notice_id: strawberry.ID
    ) -> AcknowledgeNoticeResult:
        result = await journey_resolvers.acknowledge_notice(info.context, notice_id)
        if isinstance(result, OUTCOME_TYPES):
            return expected_outcome(result)  # type: ignore[return-value]
        return work_notices([result])[0]

    @strawberry.mutation(description="A manager authorises what the case is waiting on")
    async def authorise_case(
        self, info: Info[HubContext, None], case_id: strawberry.ID, version: int
    ) -> CaseResult:
        result = await journey_resolvers.authorise(
            info.context, table.Process.CASE, case_id, version
        )
        return _case(result)

    @strawberry.mutation(description="A manager returns the case's proposal for rework")
    async def return_case_for_rework(
        self, info: Info[HubContext, None], case_id: strawberry.ID, version: int, reason: str
    ) -> CaseResult:
        result = await journey_resolvers.return_for_rework(
            info.context, table.Process.CASE, case_id, version, reason
        )
        return _case(result)

    @strawberry.mutation(description="A manager authorises what the period of care waits on")
    async def authorise_period_of_care(
        self, info: Info[HubContext, None], period_of_care_id: strawberry.ID, version: int
    ) -> PeriodOfCareResult:
        result = await journey_resolvers.authorise(
            info.context, table.Process.CARE, period_of_care_id, version
        )
        return _period(result)

    @strawberry.mutation(description="A manager returns the period of care's proposal")
    async def return_period_of_care_for_rework(
        self,
        info: Info[HubContext, None],
        period_of_care_id: strawberry.ID,
        version: int,
        reason: str,
    ) -> PeriodOfCareResult:
        result = await journey_resolvers.return_for_rework(
            info.context, table.Process.CARE, period_of_care_id, version, reason
        )
        return _period(result)


@strawberry.type
class JourneyQueries:
    @strawberry.field(description="What is due for the children allocated to you, and notices")
    async def my_work(self, info: Info[HubContext, None]) -> MyWork:
        context = info.context
        today = date.today()
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
        items = work_items(rows, context.calendar, date.today())
        return TeamWork(
            team_id=strawberry.ID(team), caseloads=caseloads(workers, rows, items), items=items
        )

    @strawberry.field(description="A case (CIN episode) by id; null if there is none you may see")
    async def case(self, info: Info[HubContext, None], id: strawberry.ID) -> Case | None:
        record = await journey_resolvers.record(info.context, table.Process.CASE, id)
        return Case.from_row(record) if record else None

    @strawberry.field(description="A period of care by id; null if there is none you may see")
    async def period_of_care(
        self, info: Info[HubContext, None], id: strawberry.ID
    ) -> PeriodOfCare | None:
        record = await journey_resolvers.record(info.context, table.Process.CARE, id)
        return PeriodOfCare.from_row(record) if record else None


__all__ = ["Caseload", "JourneyMutations", "JourneyQueries"]
