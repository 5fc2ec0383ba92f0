"""Adoption in the API: the plan's actions, and the manager's decisions on it."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from resolvers import journey as journey_resolvers
from resolvers.context import HubContext
from schema.adoption_types import AdoptionPlan, AdoptionPlanResult
from schema.inputs import plain_input
from schema.journey_inputs import WithdrawInErrorInput
from schema.outcomes import answer
from schema.process_mutations import (
    RecordShape,
    action_mutation,
    authorise_mutation,
    return_for_rework_mutation,
)
from workflow import codes
from workflow import process as table
from workflow.journey.adoption import AdoptionPlanStep


@strawberry.input(
    description="The decision that a looked-after child should be placed for adoption"
)
class DecideAdoptionInput:
    period_of_care_id: strawberry.ID
    decided_on: date | None = strawberry.field(
        default=None, description="The day it happened; today if absent"
    )


@strawberry.input(description="The placement order the court granted")
class RecordPlacementOrderInput:
    granted_on: date | None = strawberry.field(
        default=None, description="The day it happened; today if absent"
    )


@strawberry.input(description="The match with prospective adopters (SSDA903 AD1)")
class MatchWithAdoptersInput:
    matched_on: date | None = strawberry.field(
        default=None, description="The day it happened; today if absent"
    )
    adopter_sex: codes.AdopterSex
    adopted_by_foster_carer: bool = False
    adopters_legal_status: codes.AdoptersLegalStatus | None = None


@strawberry.input(description="The day the child was placed with the prospective adopters")
class PlaceForAdoptionInput:
    placed_on: date | None = strawberry.field(
        default=None, description="The day it happened; today if absent"
    )


@strawberry.input(description="The adoption order")
class GrantAdoptionOrderInput:
    granted_on: date | None = strawberry.field(
        default=None, description="The day it happened; today if absent"
    )


@strawberry.input(description="The reversal of the decision, with the SSDA903 reason")
class CeaseAdoptionPlanInput:
    ceased_on: date | None = strawberry.field(
        default=None, description="The day it happened; today if absent"
    )
    reason: codes.ReasonPlacedCeased


@strawberry.input(description="The day a step of the plan really happened, typed wrong")
class CorrectAdoptionPlanDateInput:
    step: AdoptionPlanStep
    happened_on: date
    reason: str = strawberry.field(description="Why the day typed was wrong")


ADOPTION = RecordShape(
    table.Process.ADOPTION, "adoption_plan_id", AdoptionPlanResult, AdoptionPlan.from_row
)


@strawberry.type
class AdoptionMutations:
    record_placement_order = action_mutation(
        ADOPTION, "recordPlacementOrder", RecordPlacementOrderInput
    )
    match_with_adopters = action_mutation(ADOPTION, "matchWithAdopters", MatchWithAdoptersInput)
    place_for_adoption = action_mutation(ADOPTION, "placeForAdoption", PlaceForAdoptionInput)
    grant_adoption_order = action_mutation(ADOPTION, "grantAdoptionOrder", GrantAdoptionOrderInput)
    cease_adoption_plan = action_mutation(ADOPTION, "ceaseAdoptionPlan", CeaseAdoptionPlanInput)
    correct_adoption_plan_date = action_mutation(
        ADOPTION, "correctAdoptionPlanDate", CorrectAdoptionPlanDateInput
    )
    withdraw_adoption_plan = action_mutation(ADOPTION, "withdrawAdoptionPlan", WithdrawInErrorInput)

    @strawberry.mutation(
        description="Record the decision that a looked-after child should be placed for adoption"
    )
    async def decide_adoption(
        self, info: Info[HubContext, None], input: DecideAdoptionInput
    ) -> AdoptionPlanResult:
        result = await journey_resolvers.decide_adoption(info.context, plain_input(input))
        return answer(result, AdoptionPlan.from_row)

    authorise_adoption_plan = authorise_mutation(
        ADOPTION, "A manager authorises what the plan for adoption waits on"
    )

    return_adoption_plan_for_rework = return_for_rework_mutation(
        ADOPTION, "A manager returns the plan for adoption's proposal"
    )


@strawberry.type
class AdoptionQueries:
    @strawberry.field(description="A plan for adoption by id; null if there is none you may see")
    async def adoption_plan(
        self, info: Info[HubContext, None], id: strawberry.ID
    ) -> AdoptionPlan | None:
        record = await journey_resolvers.record(info.context, table.Process.ADOPTION, id)
        return AdoptionPlan.from_row(record) if record else None
