"""The statutory facts about a child: capability checks, then the workflow room."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from resolvers.journey import check_care_again
from resolvers.permissions import refuse_case_writes
from resolvers.records import after_status_change
from workflow import facts
from workflow.outcomes import InvalidInput
from workflow.validation import validate

if TYPE_CHECKING:
    from graph import Row
    from resolvers.context import HubContext
    from workflow.outcomes import NotAuthorised, NotFound, TransitionRefused


async def record_fact(
    context: HubContext, mutation: str, raw: dict[str, Any]
) -> Row | NotFound | NotAuthorised | InvalidInput:
    """Record one of the facts `workflow.facts.SPECS` declares."""
    if refused := refuse_case_writes(context):
        return refused
    spec = facts.SPECS[mutation]
    data = validate(spec.model, raw)
    if isinstance(data, InvalidInput):
        return data
    result = await facts.record_fact(
        context.store, context.scope, spec, data, context.principal.subject
    )
    if isinstance(result, dict) and spec.kind in _READ_BESIDE_CARE:
        await check_care_again(context, data.child_id)
    if isinstance(result, dict) and spec.kind is facts.FactKind.DATE_OF_BIRTH:
        # The file's retention counts from birthdays (the 25th, the 75th).
        await after_status_change(context, data.child_id)
    return result


# Facts the SSDA903 rules checked on a period of care read (returns/entry_checks.py).
_READ_BESIDE_CARE = frozenset(
    {
        facts.FactKind.UPN_UNKNOWN,
        facts.FactKind.PREVIOUS_PERMANENCE,
        facts.FactKind.ETHNICITY,
        facts.FactKind.SEX,
    }
)


async def record_birth(
    context: HubContext, raw: dict[str, Any]
) -> Row | NotFound | NotAuthorised | InvalidInput | TransitionRefused:
    """Record the birth of an unborn child on the child's own record."""
    if refused := refuse_case_writes(context):
        return refused
    data = validate(facts.RecordBirth, raw)
    if isinstance(data, InvalidInput):
        return data
    return await facts.record_birth(context.store, context.scope, data, context.principal.subject)


async def facts_of(context: HubContext, child_id: str, kinds: list[facts.FactKind]) -> list[Row]:
    return await facts.facts_of(context.store, context.scope, child_id, kinds)
