"""Merging two records of one child and undoing it (records officers: MERGE_RECORDS)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from auth.capabilities import Capability, can
from resolvers import encompass as encompass_resolvers
from resolvers import records as record_resolvers
from workflow import merging
from workflow.calendar import today_in_england
from workflow.outcomes import InvalidInput, NotAuthorised, NotFound, TransitionRefused
from workflow.validation import validate

if TYPE_CHECKING:
    from graph import Row
    from resolvers.context import HubContext


def _refused(context: HubContext) -> NotAuthorised | None:
    if can(context.principal, Capability.MERGE_RECORDS):
        return None
    return NotAuthorised(
        reason=f"the {context.principal.role} role cannot merge records: a records officer does"
    )


async def merge_children(
    context: HubContext, keep: str, merge: str, reason: str, on: date | None
) -> Row | NotFound | TransitionRefused | NotAuthorised | InvalidInput:
    """Merge one record of a child into another."""
    if refused := _refused(context):
        return refused
    raw: dict[str, Any] = {
        "keep": keep,
        "merge": merge,
        "reason": reason,
        "on": on or today_in_england(),
    }
    data = validate(merging.MergeChildren, raw)
    if isinstance(data, InvalidInput):
        return data
    merged = await merging.merge_children(context.store, context.scope, data)
    if isinstance(merged, dict):
        # One child now holds both histories: every file of theirs (the kept record's and
        # the merged one's) is kept as long as the strictest rule either history brings.
        await record_resolvers.after_status_change(context, merged["keptId"])
    return merged


async def unmerge_children(
    context: HubContext, merged: str, reason: str
) -> Row | NotFound | TransitionRefused | NotAuthorised | InvalidInput:
    """Undo a merge."""
    if refused := _refused(context):
        return refused
    data = validate(merging.UnmergeChildren, {"merged": merged, "reason": reason})
    if isinstance(data, InvalidInput):
        return data
    undone = await merging.unmerge_children(context.store, context.scope, data)
    if isinstance(undone, dict):
        # Two children again, each with their own history and files.
        for child_id in (undone["keptId"], undone["mergedId"]):
            await record_resolvers.after_status_change(context, child_id)
            # A school told of one child through the other's pupil record is told no more.
            await encompass_resolvers.withdraw_unfounded(context, child_id, data.reason)
    return undone


async def merges_of(context: HubContext, child_id: str) -> list[Row] | NotAuthorised:
    """The merges into a child (records officers)."""
    if refused := _refused(context):
        return refused
    return await merging.merges_of(context.store, context.scope, child_id)
