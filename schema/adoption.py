"""Adoption in the API: the plan's actions, and the manager's decisions on it."""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry
from strawberry.types import Info

from resolvers import journey as journey_resolvers
from resolvers.context import HubContext
from schema.adoption_types import AdoptionPlan, AdoptionPlanResult
from schema.front_door import _plain
from schema.outcomes import answer
from workflow import codes
from workflow import process as table


@strawberry.input(
    description="The decision that a looked-after child should be placed for adoption"
)
class DecideAdoptionInput:
    period_of_care_id: strawberry.ID
    decided_on: date


@strawberry.input(description="The placement order the court granted")
class RecordPlacementOrderInput:
    granted_on: date


@strawberry.input(description="The match with prospective adopters (SSDA903 AD1)")
class MatchWithAdoptersInput:
    matched_on: date
    adopter_sex: codes.AdopterSex
    adopted_by_foster_carer: bool = False


@strawberry.input(description="The day the child was placed with the prospective adopters")
class PlaceForAdoptionInput:
    placed_on: date


@strawberry.input(description="The adoption order")
class GrantAdoptionOrderInput:
    granted_on: date


@strawberry.input(description="The reversal of the decision, with the SSDA903 reason")
class CeaseAdoptionPlanInput:
    ceased_on: date
    reason: codes.ReasonPlacedCeased


def _plan(result: Any) -> Any:
    return answer(result, AdoptionPlan.from_row)


def _adoption_action(action: str, input_type: type) -> Any:
    async def resolve(
        info: Info[HubContext, None], adoption_plan_id: strawberry.ID, version: int, input: Any
    ) -> Any:
        result = await journey_resolvers.perform(
            info.context, table.Process.ADOPTION, adoption_plan_id, action, version, _plain(input)
        )
        return _plan(result)

    # As in schema/journey.py: one resolver body, each action's own input type.
    resolve.__annotations__ = {
        "info": Info[HubContext, None],
        "adoption_plan_id": strawberry.ID,
        "version": int,
        "input": input_type,
        "return": AdoptionPlanResult,
    }
    declared = table.transition(table.Process.ADOPTION, action)
    assert declared is not None, action
    who = " (a manager then authorises it)" if declared.authoriser else ""
    return strawberry.mutation(resolver=resolve, description=f"{declared.description}{who}")


@strawberry.type
class AdoptionMutations:
    record_placement_order = _adoption_action("recordPlacementOrder", RecordPlacementOrderInput)
    match_with_adopters = _adoption_action("matchWithAdopters", MatchWithAdoptersInput)
    place_for_adoption = _adoption_action("placeForAdoption", PlaceForAdoptionInput)
    grant_adoption_order = _adoption_action("grantAdoptionOrder", GrantAdoptionOrderInput)
    cease_adoption_plan = _adoption_action("ceaseAdoptionPlan", CeaseAdoptionPlanInput)

    @strawberry.mutation(
        description="Record the decision that a looked-after child should be placed for adoption"
    )
    async def decide_adoption(
        self, info: Info[HubContext, None], input: DecideAdoptionInput
    ) -> AdoptionPlanResult:
        return _plan(await journey_resolvers.decide_adoption(info.context, _plain(input)))

    @strawberry.mutation(description="A manager authorises what the plan for adoption waits on")
    async def authorise_adoption_plan(
        self, info: Info[HubContext, None], adoption_plan_id: strawberry.ID, version: int
    ) -> AdoptionPlanResult:
        result = await journey_resolvers.authorise(
            info.context, table.Process.ADOPTION, adoption_plan_id, version
        )
        return _plan(result)

    @strawberry.mutation(description="A manager returns the plan for adoption's proposal")
    async def return_adoption_plan_for_rework(
        self,
        info: Info[HubContext, None],
        adoption_plan_id: strawberry.ID,
        version: int,
        reason: str,
    ) -> AdoptionPlanResult:
        result = await journey_resolvers.return_for_rework(
            info.context, table.Process.ADOPTION, adoption_plan_id, version, reason
        )
        return _plan(result)


@strawberry.type
class AdoptionQueries:
    @strawberry.field(description="A plan for adoption by id; null if there is none you may see")
    async def adoption_plan(
        self, info: Info[HubContext, None], id: strawberry.ID
    ) -> AdoptionPlan | None:
        record = await journey_resolvers.record(info.context, table.Process.ADOPTION, id)
        return AdoptionPlan.from_row(record) if record else None
