"""The workforce and allocations: capability checks, then the workflow room."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from auth.capabilities import Capability, can
from graph.cypher import workforce as statements
from workflow import allocation, workforce
from workflow.calendar import today_in_england
from workflow.outcomes import FieldProblem, InvalidInput, NotAuthorised, NotFound
from workflow.validation import validate

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from graph import Row
    from resolvers.context import HubContext
    from workflow.outcomes import TransitionRefused

    AllocationOutcome = Row | NotFound | NotAuthorised | InvalidInput | TransitionRefused


def _refuse_unless(context: HubContext, capability: Capability, what: str) -> NotAuthorised | None:
    if can(context.principal, capability):
        return None
    return NotAuthorised(reason=f"{what}; the {context.principal.role} role cannot")


def _administrators_only(context: HubContext) -> NotAuthorised | None:
    return _refuse_unless(context, Capability.ADMINISTER, "the workforce is kept by administrators")


def _managers_only(context: HubContext) -> NotAuthorised | None:
    return _refuse_unless(context, Capability.AUTHORISE, "a team manager allocates children")


async def save_agency(
    context: HubContext, raw: dict[str, Any]
) -> Row | NotAuthorised | InvalidInput:
    """Create or change an agency (the authority, a police force, a trust, a school)."""
    if refused := _administrators_only(context):
        return refused
    data = validate(workforce.SaveAgency, raw)
    if isinstance(data, InvalidInput):
        return data
    return await workforce.save_agency(
        context.store, data, context.principal.subject, context.scope.now_ms
    )


async def save_team(
    context: HubContext, raw: dict[str, Any]
) -> Row | NotFound | NotAuthorised | InvalidInput:
    """Create or rename a team."""
    if refused := _administrators_only(context):
        return refused
    data = validate(workforce.SaveTeam, raw)
    if isinstance(data, InvalidInput):
        return data
    return await workforce.save_team(
        context.store, data, context.principal.subject, context.scope.now_ms
    )


async def save_worker(
    context: HubContext, raw: dict[str, Any]
) -> Row | NotFound | NotAuthorised | InvalidInput:
    """Create or change a worker (role, team, line manager, dates in post)."""
    if refused := _administrators_only(context):
        return refused
    data = validate(workforce.SaveWorker, raw)
    if isinstance(data, InvalidInput):
        return data
    if data.id == context.principal.subject:
        # A worker's record is their authority (auth/authority.py): an administrator who
        # could change their own role could make themselves a records officer.
        return NotAuthorised(reason=workforce.OWN_RECORD)
    return await workforce.save_worker(
        context.store, data, context.principal.subject, context.scope.now_ms
    )


async def import_workforce(
    context: HubContext, csv_text: str
) -> workforce.ImportReport | NotAuthorised | InvalidInput:
    """Load the HR feed; bad rows are reported and left out."""
    if refused := _administrators_only(context):
        return refused
    try:
        return await workforce.import_feed(
            context.store, csv_text, context.principal.subject, context.scope.now_ms
        )
    except ValueError as problem:
        return InvalidInput((FieldProblem("csv", str(problem)),))


async def teams(context: HubContext) -> list[Row]:
    """Every team with its members and their line managers (a staff directory)."""
    return await context.store.read(statements.TEAMS)


async def worker(context: HubContext, worker_id: str) -> Row | None:
    rows = await context.store.read(statements.WORKERS_BY_ID, {"ids": [worker_id]})
    return rows[0] if rows else None


async def _as_manager(
    context: HubContext,
    raw: dict[str, Any],
    model: type[Any],
    step: Callable[..., Awaitable[AllocationOutcome]],
) -> AllocationOutcome:
    """An allocation step: a manager's only, its input checked, recorded as the caller."""
    if refused := _managers_only(context):
        return refused
    data = validate(model, raw)
    if isinstance(data, InvalidInput):
        return data
    return await step(
        context.store, context.scope, data, context.principal.subject, context.scope.now_ms
    )


async def allocate(context: HubContext, raw: dict[str, Any]) -> AllocationOutcome:
    """Allocate (or reallocate) a child to a social worker."""
    return await _as_manager(context, raw, allocation.AllocateChild, allocation.allocate)


async def correct_allocation(context: HubContext, raw: dict[str, Any]) -> AllocationOutcome:
    """Name the right worker on an allocation made to the wrong one."""
    return await _as_manager(
        context, raw, allocation.CorrectAllocation, allocation.correct_allocation
    )


async def end_allocation(context: HubContext, raw: dict[str, Any]) -> AllocationOutcome:
    """End a child's allocation."""
    return await _as_manager(context, raw, allocation.EndAllocation, allocation.end_allocation)


async def my_caseload(context: HubContext) -> list[Row]:
    """The caller's allocated children."""
    return await allocation.caseload_of(context.store, context.scope, context.principal.subject)


async def allocations_of(context: HubContext, child_id: str) -> list[Row]:
    return await allocation.allocations_of(context.store, context.scope, child_id)


async def unallocated_in_team(context: HubContext, team_id: str) -> list[Row]:
    return await allocation.unallocated_in_team(
        context.store, context.scope, team_id, today_in_england()
    )
