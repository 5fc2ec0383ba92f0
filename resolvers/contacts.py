"""Contact mutations: capability check, then the workflow operation."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from auth.capabilities import Capability, can
from resolvers.permissions import refuse_case_writes
from resolvers.records import after_status_change
from workflow import contacts
from workflow.calendar import today_in_england
from workflow.outcomes import InvalidInput, NotAuthorised, NotFound, TransitionRefused
from workflow.validation import validate

if TYPE_CHECKING:
    from graph import Row
    from resolvers.context import HubContext
    from workflow.linking import PossibleDuplicates


async def record_contact(
    context: HubContext, raw: dict[str, Any]
) -> Row | NotFound | NotAuthorised | InvalidInput | PossibleDuplicates:
    """Record a contact about a known or a new child."""
    if refused := refuse_case_writes(context):
        return refused
    data = validate(contacts.RecordContact, raw)
    if isinstance(data, InvalidInput):
        return data
    return await contacts.record_contact(context.store, context.scope, data, context.calendar)


async def finalise_contact(
    context: HubContext,
    contact_id: str,
    outcome: contacts.ContactOutcome,
    version: int | None,
    on: date | None,
    late_reason: str | None = None,
) -> Row | NotFound | TransitionRefused | NotAuthorised | InvalidInput:
    """Finalise a contact with the front door's decision, dated `on` (default today), with
    the reason it is late when decided past its due date."""
    if refused := refuse_case_writes(context):
        return refused
    result = await contacts.finalise_contact(
        context.store,
        context.scope,
        contact_id,
        outcome,
        version,
        on or today_in_england(),
        late_reason,
    )
    if isinstance(result, dict):
        # The file now exists (and a referral may have made the child a child in
        # need): its retention is set from the start.
        await after_status_change(context, result["childId"])
    return result


async def correct_contact_outcome(
    context: HubContext,
    contact_id: str,
    outcome: contacts.ContactOutcome,
    version: int,
    reason: str,
) -> Row | NotFound | TransitionRefused | NotAuthorised | InvalidInput:
    """A team manager corrects the outcome a finalised contact was given in error."""
    if refused := refuse_case_writes(context):
        return refused
    if refused := _needs_a_manager(context, "correctContactOutcome"):
        return refused
    result = await contacts.correct_contact_outcome(
        context.store, context.scope, contact_id, outcome, version, reason
    )
    if isinstance(result, dict):
        # A referral may have made the child a child in need: retention follows.
        await after_status_change(context, result["childId"])
    return result


async def withdraw_contact(
    context: HubContext, contact_id: str, version: int, reason: str
) -> Row | NotFound | TransitionRefused | NotAuthorised | InvalidInput:
    """A team manager withdraws a contact recorded in error before it was decided."""
    if refused := refuse_case_writes(context):
        return refused
    if refused := _needs_a_manager(context, "withdrawContact"):
        return refused
    return await contacts.withdraw_contact(
        context.store, context.scope, contact_id, version, reason
    )


async def move_contact(
    context: HubContext, contact_id: str, version: int, child_id: str, reason: str
) -> Row | NotFound | TransitionRefused | NotAuthorised | InvalidInput:
    """A team manager moves a contact recorded on the wrong child, before it was decided."""
    if refused := refuse_case_writes(context):
        return refused
    if refused := _needs_a_manager(context, "moveContact"):
        return refused
    return await contacts.move_contact(
        context.store, context.scope, contact_id, version, child_id, reason
    )


def _needs_a_manager(context: HubContext, action: str) -> NotAuthorised | None:
    if can(context.principal, Capability.AUTHORISE):
        return None
    return NotAuthorised(
        reason=f"{action} needs a team manager; the {context.principal.role} role cannot do it"
    )
