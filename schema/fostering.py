"""Fostering households and short breaks: their root fields."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from resolvers import fostering as fostering_resolvers
from resolvers.context import HubContext
from schema.fostering_types import FosteringHousehold, ShortBreak
from schema.inputs import plain_input
from schema.outcomes import (
    InvalidInput,
    NotAuthorised,
    NotFound,
    TransitionRefused,
    answer,
)
from workflow import codes
from workflow.fostering import FosteringApprovalType

HouseholdResult = Annotated[
    FosteringHousehold | NotFound | TransitionRefused | NotAuthorised | InvalidInput,
    strawberry.union("FosteringHouseholdResult"),
]
ShortBreakResult = Annotated[
    ShortBreak | NotFound | NotAuthorised | InvalidInput, strawberry.union("ShortBreakResult")
]


@strawberry.input(description="A household approved as foster carers")
class ApproveFosteringHouseholdInput:
    name: str
    approval_type: FosteringApprovalType
    approved_on: date
    capacity: int


@strawberry.input(description="The end of a household's approval")
class EndFosteringApprovalInput:
    household_id: strawberry.ID
    version: int
    ended_on: date
    reason: str


@strawberry.input(description="A short break: V3 (an episode) or V4 (an agreement)")
class RecordShortBreakInput:
    child_id: strawberry.ID
    legal_status: codes.LegalStatus
    started_on: date
    placement_type: codes.PlacementType
    placement_provider: codes.PlacementProvider
    ended_on: date | None = None
    household_id: strawberry.ID | None = None


def _household(result: Any) -> Any:
    return answer(result, FosteringHousehold.from_row)


@strawberry.type
class FosteringMutations:
    @strawberry.mutation(description="Approve a fostering household (a manager's decision)")
    async def approve_fostering_household(
        self, info: Info[HubContext, None], input: ApproveFosteringHouseholdInput
    ) -> HouseholdResult:
        result = await fostering_resolvers.approve_household(info.context, plain_input(input))
        return _household(result)

    @strawberry.mutation(description="End a household's approval (a manager's decision)")
    async def end_fostering_approval(
        self, info: Info[HubContext, None], input: EndFosteringApprovalInput
    ) -> HouseholdResult:
        result = await fostering_resolvers.end_approval(info.context, plain_input(input))
        return _household(result)

    @strawberry.mutation(description="Record a child's short break (SSDA903 V3 or V4)")
    async def record_short_break(
        self, info: Info[HubContext, None], input: RecordShortBreakInput
    ) -> ShortBreakResult:
        result = await fostering_resolvers.record_short_break(info.context, plain_input(input))
        return answer(result, ShortBreak.from_row)


@strawberry.type
class FosteringQueries:
    @strawberry.field(description="Fostering households: approved ones, or all")
    async def fostering_households(
        self, info: Info[HubContext, None], include_ended: bool = False
    ) -> list[FosteringHousehold]:
        rows = await fostering_resolvers.households(info.context, include_ended)
        return [FosteringHousehold.from_row(row) for row in rows]
