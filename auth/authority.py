"""Authority from the record: a caller's role and team come from their worker record.

A token proves who is calling; what they may do is the authority's own record. Reading
it on every request (once, when the request's context is built) means a role change, a
move to another team or a leaver takes effect at once, and a token with invented claims
(a `team` the subject never joined, a role they do not hold) changes nothing.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from auth.principal import INTERNAL_ROLES
from graph.cypher.access import WORKER_RECORD
from workflow.calendar import today_in_england

if TYPE_CHECKING:
    from auth.principal import Principal
    from graph import GraphStore


async def principal_on_record(store: GraphStore, principal: Principal) -> Principal:
    """The principal with role, team and name read from the caller's worker record.

    Internal staff without a current worker record (none, not started, left, or a role
    that is not an internal role) come back with `on_record` false and no team: they may
    do nothing.
    Partners are returned unchanged.
    """
    if principal.is_partner:
        return principal
    # A worker's first and last days are days in England, whatever the hub's clock zone.
    today = today_in_england().isoformat()
    rows = await store.read(WORKER_RECORD, {"subject": principal.subject, "today": today})
    record = rows[0] if rows else None
    if record is None or record["role"] not in INTERNAL_ROLES:
        return replace(principal, team_id=None, on_record=False, reports=())
    return replace(
        principal,
        role=record["role"],
        team_id=record["team"],
        name=record["name"] or principal.name,
        on_record=True,
        reports=tuple(sorted(record["reports"])),
    )
