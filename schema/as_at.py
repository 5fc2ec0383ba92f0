"""The "as at" view: what was open on a date, for performance staff."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import strawberry

from schema.outcomes import InvalidInput, NotAuthorised


@strawberry.type(description="A child counted in the as-at view")
class AsAtChild:
    child_id: strawberry.ID
    name: str


@strawberry.type(description="The children with a record of one kind open on the date")
class AsAtCategory:
    count: int
    children: list[AsAtChild]

    @classmethod
    def from_rows(cls, rows: list[dict[str, Any]]) -> AsAtCategory:
        children = [AsAtChild(child_id=strawberry.ID(r["childId"]), name=r["name"]) for r in rows]
        return cls(count=len(children), children=children)


@strawberry.type(
    description="What was open on a date, from the dates things happened: episodes of need, "
    "child protection plans, child in need plans, periods of care"
)
class AsAt:
    on: date
    open_episodes: AsAtCategory
    child_protection_plans: AsAtCategory
    child_in_need_plans: AsAtCategory
    looked_after: AsAtCategory

    @classmethod
    def from_rows(cls, on: date, rows: dict[str, list[dict[str, Any]]]) -> AsAt:
        return cls(
            on=on,
            open_episodes=AsAtCategory.from_rows(rows["openEpisodes"]),
            child_protection_plans=AsAtCategory.from_rows(rows["childProtectionPlans"]),
            child_in_need_plans=AsAtCategory.from_rows(rows["childInNeedPlans"]),
            looked_after=AsAtCategory.from_rows(rows["lookedAfter"]),
        )


AsAtResult = Annotated[AsAt | NotAuthorised | InvalidInput, strawberry.union("AsAtResult")]
