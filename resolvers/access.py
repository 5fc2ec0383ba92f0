"""Resolvers of the access-control area: trails, notices, grants, restriction, training."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from auth import training
from auth.capabilities import Capability, can
from graph.cypher import audit as audit_statements
from graph.cypher import grants as grant_statements
from graph.cypher import training as training_statements
from resolvers.page_sizes import page_size_problem
from workflow.calendar import day_starts_ms, today_in_england
from workflow.ids import new_id
from workflow.outcomes import FieldProblem, InvalidInput, NotAuthorised, NotFound

if TYPE_CHECKING:
    from graph import Row
    from resolvers.context import HubContext


def _refuse_unless(context: HubContext, *capabilities: Capability) -> NotAuthorised | None:
    if any(can(context.principal, capability) for capability in capabilities):
        return None
    needed = " or ".join(capability.value for capability in capabilities)
    return NotAuthorised(reason=f"the {context.principal.role} role lacks {needed}")


def _reason_problem(reason: str) -> InvalidInput | None:
    if not reason.strip() or len(reason) > 2000:
        return InvalidInput((FieldProblem("reason", "give a reason of 1 to 2000 characters"),))
    return None


async def access_trail(
    context: HubContext, child_id: str, limit: int
) -> list[Row] | NotFound | NotAuthorised | InvalidInput:
    """The audited reads of one child (team managers and records officers)."""
    if refused := _refuse_unless(context, Capability.AUTHORISE, Capability.MANAGE_RECORDS):
        return refused
    if problem := page_size_problem("limit", limit):
        return problem
    visible = await context.loaders.child.load(child_id)
    if visible is None:
        return NotFound(kind="Child", id=child_id)
    rows = await context.store.read(
        audit_statements.ACCESS_TRAIL,
        {**context.scope.params(), "childId": child_id, "limit": limit},
    )
    return [row["event"] for row in rows]


async def my_notices(context: HubContext, limit: int) -> list[Row]:
    """Partner-access notices for the calling worker."""
    rows = await context.store.read(
        audit_statements.NOTICES_FOR,
        {**context.scope.params(), "limit": limit},
    )
    return [row["notice"] for row in rows]


async def grant_access(
    context: HubContext, child_id: str, worker_id: str, expires_on: date, reason: str
) -> Row | NotFound | NotAuthorised | InvalidInput:
    """Give one worker access to a restricted record until the end of `expires_on`."""
    if refused := _refuse_unless(context, Capability.MANAGE_RECORDS, Capability.ADMINISTER):
        return refused
    if worker_id == context.principal.subject:
        # Four eyes, as on a case decision: a records officer granting themselves a
        # restricted record could read it, and lift the restriction, alone.
        return NotAuthorised(reason="a grant to yourself is made by another records officer")
    if problem := _reason_problem(reason):
        return problem
    today = today_in_england()
    if expires_on < today or (expires_on - today).days > 366:
        return InvalidInput(
            (FieldProblem("expiresOn", "a grant lasts from today to at most a year ahead"),)
        )
    rows = await context.store.write(
        grant_statements.GRANT_ACCESS,
        {
            **context.scope.params(),
            "childId": child_id,
            "workerId": worker_id,
            "grantId": new_id(),
            # The last day ends at midnight in England (an hour before midnight UTC in
            # summer time): the grant has expired from the next day's first instant.
            "expiresAt": day_starts_ms(expires_on + timedelta(days=1)),
            "reason": reason,
        },
    )
    if not rows:
        return NotFound(kind="Child or Worker", id=f"{child_id} / {worker_id}")
    return rows[0]["grant"]  # type: ignore[no-any-return]


async def restrict_record(
    context: HubContext, child_id: str, restricted: bool, reason: str
) -> str | NotFound | NotAuthorised | InvalidInput:
    """Mark a record restricted, or lift the restriction (a manager with a relationship)."""
    if refused := _refuse_unless(context, Capability.AUTHORISE, Capability.MANAGE_RECORDS):
        return refused
    if problem := _reason_problem(reason):
        return problem
    rows = await context.store.write(
        grant_statements.RESTRICT_RECORD,
        {**context.scope.params(), "childId": child_id, "restricted": restricted, "reason": reason},
    )
    return str(rows[0]["id"]) if rows else NotFound(kind="Child", id=child_id)


async def record_training(
    context: HubContext, worker_id: str, module: str, completed_on: date
) -> Row | NotFound | NotAuthorised | InvalidInput:
    """Record a completion (system administrators, as the learning system's stand-in)."""
    if refused := _refuse_unless(context, Capability.ADMINISTER):
        return refused
    if completed_on > today_in_england():
        return InvalidInput((FieldProblem("completedOn", "must not be in the future"),))
    if not 1 <= len(module) <= training.MOST_MODULE_CHARS:
        # Looked up as it was, it went into the statement and back in NotFound's id.
        rule = f"a module's code, 1 to {training.MOST_MODULE_CHARS} characters"
        return InvalidInput((FieldProblem("module", rule),))
    rows = await context.store.write(
        training_statements.RECORD_COMPLETION,
        {
            "workerId": worker_id,
            "module": module,
            "completedOn": completed_on,
            "recordedBy": context.principal.subject,
            "now": context.scope.now_ms,
        },
    )
    return (
        rows[0] if rows else NotFound(kind="Worker or TrainingModule", id=f"{worker_id} / {module}")
    )


async def import_training(context: HubContext, csv_text: str) -> int | NotAuthorised | InvalidInput:
    """Load the role x team training matrix from CSV text."""
    if refused := _refuse_unless(context, Capability.ADMINISTER):
        return refused
    try:
        requirements = training.parse_matrix(csv_text)
    except ValueError as exc:
        return InvalidInput((FieldProblem("csv", str(exc)),))
    return await training.import_matrix(context.store, requirements)
