"""A looked-after pupil's personal education plan, as a school and the virtual school see it."""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry
from strawberry.types import Info

from resolvers import partners as partner_resolvers
from resolvers.context import HubContext
from workflow.calendar import today_in_england


@strawberry.type(description="Where a looked-after pupil's personal education plan stands")
class PersonalEducationPlanStatus:
    in_place: bool = strawberry.field(description="A plan has been completed")
    last_completed: date | None
    next_due: date | None = strawberry.field(description="The next plan or review due")
    overdue: bool


def pep_status(steps: list[dict[str, Any]], today: date) -> PersonalEducationPlanStatus | None:
    """The status from the child's PEP steps (None when the child never had one)."""
    if not steps:
        return None
    completed = [s["completedDate"] for s in steps if s.get("completedDate")]
    due = [s["dueDate"] for s in steps if s.get("status") == "OPEN" and s.get("dueDate")]
    next_due = min(due) if due else None
    return PersonalEducationPlanStatus(
        in_place=bool(completed),
        last_completed=max(completed) if completed else None,
        next_due=next_due,
        overdue=next_due is not None and next_due < today,
    )


async def personal_education_plan(
    root: Any, info: Info[HubContext, None]
) -> PersonalEducationPlanStatus | None:
    """Resolver of `Child.personalEducationPlan`."""
    steps = await partner_resolvers.personal_education_plans_loader(info.context).load(str(root.id))
    return pep_status(steps, today_in_england())
