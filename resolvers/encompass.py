"""Resolvers of Operation Encompass: police notify, schools read and acknowledge, the MASH
sees what no school acknowledged in time."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from auth.capabilities import Capability, can
from auth.principal import Audience
from graph.cypher import encompass as statements
from workflow import encompass
from workflow.outcomes import InvalidInput, NotAuthorised, NotFound
from workflow.school_days import SCHOOL_TIME_ZONE, SchoolCalendar
from workflow.validation import validate

if TYPE_CHECKING:
    from graph import Row
    from resolvers.context import HubContext

# The most notices one read returns (a school's year of notices is far fewer).
NOTICE_LIMIT = 500


def school_calendar(context: HubContext) -> SchoolCalendar:
    """The authority's school days (working days only when no term dates are configured)."""
    return context.school_calendar or SchoolCalendar(working=context.calendar)


def _refuse_unless(context: HubContext, capability: Capability, what: str) -> NotAuthorised | None:
    if can(context.principal, capability):
        return None
    return NotAuthorised(reason=f"the {context.principal.role} role cannot {what}")


async def notify_incident(
    context: HubContext, raw: dict[str, Any]
) -> encompass.IncidentNotified | InvalidInput | NotAuthorised:
    """Police: record a domestic abuse incident and notify each child's school."""
    if refused := _refuse_unless(
        context, Capability.NOTIFY_DOMESTIC_ABUSE, "notify domestic abuse incidents"
    ):
        return refused
    report = validate(encompass.IncidentReport, raw)
    if isinstance(report, InvalidInput):
        return report
    principal = context.principal
    return await encompass.notify_incident(
        context.store,
        school_calendar(context),
        report,
        force=principal.agency_id,
        by=principal.subject,
        by_name=principal.name,
    )


async def school_notices(context: HubContext) -> list[Row]:
    """Education: the notices addressed to the caller's school, newest first."""
    # Defence in depth: the schema already hides this root from other audiences.
    if context.principal.audience is not Audience.EDUCATION:
        return []
    return await context.store.read(
        statements.SCHOOL_NOTICES,
        {
            "agency": context.principal.agency_id,
            "purpose": context.principal.purpose,
            "limit": NOTICE_LIMIT,
        },
    )


async def acknowledge(
    context: HubContext, raw: dict[str, Any]
) -> Row | NotFound | InvalidInput | NotAuthorised:
    """Education: the designated safeguarding lead acknowledges a notice to their school."""
    if refused := _refuse_unless(
        context, Capability.ACKNOWLEDGE_ENCOMPASS, "acknowledge Operation Encompass notices"
    ):
        return refused
    data = validate(encompass.Acknowledgement, raw)
    if isinstance(data, InvalidInput):
        return data
    principal = context.principal
    return await encompass.acknowledge(
        context.store,
        principal.agency_id,
        data,
        by=principal.subject,
        by_name=principal.name,
        purpose=principal.purpose,
    )


def _refuse_outside_mash(context: HubContext) -> NotAuthorised | None:
    principal = context.principal
    in_mash = (
        principal.audience is Audience.INTERNAL
        and context.mash_team is not None
        and principal.team_id == context.mash_team
        and can(principal, Capability.READ_RELATED)
    )
    if in_mash:
        return None
    return NotAuthorised(reason="only the MASH (front door) team works Encompass notices")


async def mash_notices(context: HubContext) -> list[Row] | NotAuthorised:
    """The MASH: open notices of children with no school, restricted records or no match,
    and schools' notices past due without an acknowledgement."""
    if refused := _refuse_outside_mash(context):
        return refused
    return await context.store.read(
        statements.MASH_NOTICES, {**context.scope.params(), "limit": NOTICE_LIMIT}
    )


async def follow_up(
    context: HubContext, raw: dict[str, Any]
) -> str | NotFound | InvalidInput | NotAuthorised:
    """The MASH records what it did about a notice on its list."""
    if refused := _refuse_outside_mash(context):
        return refused
    data = validate(encompass.FollowUp, raw)
    if isinstance(data, InvalidInput):
        return data
    principal = context.principal
    return await encompass.follow_up(
        context.store, data, by=principal.subject, by_name=principal.name
    )


async def withdraw_unfounded(context: HubContext, child_id: str, reason: str) -> int:
    """After a record is unlinked from the child or a merge of the child undone: the
    notices a school holds about a child it no longer has on its roll by anything the
    record holds are withdrawn by the caller, and each incident sent where it should go."""
    principal = context.principal
    return await encompass.withdraw_unfounded(
        context.store,
        school_calendar(context),
        child_id=child_id,
        by=principal.subject,
        by_name=principal.name,
        reason=reason,
    )


def timing(context: HubContext, notice: Row) -> encompass.NoticeTiming:
    """How a notice stands against its due time now, in school days."""
    return encompass.timing(notice, school_calendar(context), datetime.now(SCHOOL_TIME_ZONE))


def instant(ms: int | None) -> datetime | None:
    """An epoch-milliseconds instant as UK local time (None stays None)."""
    return encompass.instant(ms) if ms is not None else None
