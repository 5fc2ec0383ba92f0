"""Fostering households and short breaks: capability checks, then the workflow."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from auth.capabilities import Capability, can
from graph.cypher import fostering as statements
from resolvers.loaders import many_per_key
from resolvers.permissions import refuse_case_writes
from workflow import fostering
from workflow.outcomes import InvalidInput, NotAuthorised, NotFound, TransitionRefused
from workflow.validation import validate

if TYPE_CHECKING:
    from graph import Row
    from resolvers.context import HubContext

HOUSEHOLD_LIMIT = 500


def _refuse_unless_manager(context: HubContext, action: str) -> NotAuthorised | None:
    # The agency decision maker approves carers and ends their approval.
    if can(context.principal, Capability.AUTHORISE):
        return None
    return NotAuthorised(reason=f"{action} is a manager's decision")


async def approve_household(
    context: HubContext, raw: dict[str, Any]
) -> Row | NotAuthorised | InvalidInput:
    """Approve a fostering household."""
    if refused := _refuse_unless_manager(context, "approveFosteringHousehold"):
        return refused
    data = validate(fostering.ApproveHousehold, raw)
    if isinstance(data, InvalidInput):
        return data
    return await fostering.approve_household(context.store, context.scope, data)


async def end_approval(
    context: HubContext, raw: dict[str, Any]
) -> Row | NotFound | TransitionRefused | NotAuthorised | InvalidInput:
    """End a household's approval."""
    if refused := _refuse_unless_manager(context, "endFosteringApproval"):
        return refused
    data = validate(fostering.EndApproval, raw)
    if isinstance(data, InvalidInput):
        return data
    return await fostering.end_approval(context.store, context.scope, data)


async def record_short_break(
    context: HubContext, raw: dict[str, Any]
) -> Row | NotFound | NotAuthorised | InvalidInput:
    """Record a child's short break."""
    if refused := refuse_case_writes(context):
        return refused
    data = validate(fostering.RecordShortBreak, raw)
    if isinstance(data, InvalidInput):
        return data
    return await fostering.record_short_break(context.store, context.scope, data)


async def households(context: HubContext, include_ended: bool) -> list[Row]:
    """Fostering households, approved ones only unless asked."""
    rows = await context.store.read(
        statements.HOUSEHOLDS, {"includeEnded": include_ended, "limit": HOUSEHOLD_LIMIT}
    )
    return [row["household"] for row in rows]


async def short_breaks_of(context: HubContext, child_id: str) -> list[Row]:
    """The child's short breaks, newest first."""

    load = many_per_key(context.store, statements.SHORT_BREAKS_OF, "childId")
    found: list[Row] = await context.loader("fostering.shortBreaks", load).load(child_id)
    return found
