"""Resolvers of the partner datasets and the multi-agency enquiries that scope police reads."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from auth.principal import Audience
from graph.cypher import partners as statements
from resolvers.loaders import one_per_key
from resolvers.permissions import refuse_case_writes
from workflow import enquiries
from workflow.calendar import add_months, today_in_england
from workflow.identified import NhsNumberLookup
from workflow.outcomes import InvalidInput, NotAuthorised, NotFound
from workflow.validation import validate

if TYPE_CHECKING:
    from graph import Row
    from resolvers.context import HubContext

# CP-IS shows plans current or ended within the previous 12 months.
CPIS_LOOKBACK_MONTHS = 12


async def _admitted(context: HubContext, audience: Audience, statement: str) -> list[Row]:
    # Defence in depth: the schema already hides these roots from other audiences.
    if context.principal.audience is not audience:
        return []
    rows = await context.store.read(statement, context.scope.params())
    return [row["child"] for row in rows]


async def police_enquiry_children(context: HubContext) -> list[Row]:
    """Children in open multi-agency enquiries the caller's force is party to."""
    return await _admitted(context, Audience.POLICE, statements.POLICE_ENQUIRY_CHILDREN)


async def school_pupils(context: HubContext) -> list[Row]:
    """The caller's school's own pupils."""
    return await _admitted(context, Audience.EDUCATION, statements.EDUCATION_PUPILS)


def open_episodes_loader(context: HubContext) -> Any:
    """Per request: child id -> (case states, care states) of the child's open records."""

    load = one_per_key(
        context.store,
        statements.OPEN_EPISODES_OF,
        "childId",
        value=lambda row: (row["caseStates"], row["careStates"]),
        default=([], []),
        # What a school is told differs, and differs again asked as a virtual school
        # (graph/cypher/partners.py).
        params={"audience": context.scope.audience, "purpose": context.scope.purpose},
    )
    return context.loader("open-episodes", load)


def personal_education_plans_loader(context: HubContext) -> Any:
    """Per request: child id -> the child's PEP steps (status, due, completed)."""

    load = one_per_key(
        context.store,
        statements.PERSONAL_EDUCATION_PLANS_OF,
        "childId",
        value=lambda row: row["steps"],
        default=[],
    )
    return context.loader("personal-education-plans", load)


async def cpis_record(context: HubContext, nhs_number: str) -> Row | None:
    """The CP-IS dataset for one NHS number, or None (no plan, no such child, or no NHS
    number: `cpisLookup` tells the last apart)."""
    looked_up = validate(NhsNumberLookup, {"nhsNumber": nhs_number})
    if isinstance(looked_up, InvalidInput):
        return None
    return await _cpis_dataset(context, looked_up.nhs_number)


async def _cpis_dataset(context: HubContext, digits: str) -> Row | None:
    """The CP-IS dataset for a valid NHS number (ASCII digits), or None."""
    if context.principal.audience is not Audience.HEALTH:
        return None
    # CP-IS admits the one child the caller identified by NHS number, and no other.
    scope = replace(context.scope, identified_by=digits)
    rows = await context.store.read(
        statements.CPIS_BY_NHS_NUMBER,
        # Twelve calendar months back from today in England (a year is not 365 days in
        # a leap year, and the hub's clock zone may not be England's).
        {**scope.params(), "since": add_months(today_in_england(), -CPIS_LOOKBACK_MONTHS)},
    )
    if not rows or not rows[0]["plans"]:
        return None
    authority = await context.store.read(statements.RESPONSIBLE_AUTHORITY)
    plans = rows[0]["plans"]
    return {
        # Each plan names its record: the answer is audited against every one.
        "plans": plans,
        "nhsNumber": digits,
        "authority": authority[0]["authority"] if authority else None,
    }


async def cpis_lookup(context: HubContext, nhs_number: str) -> Row | InvalidInput:
    """The CP-IS dataset for one NHS number (no `plans`: nothing to share), or the number
    refused: a mistyped number must not read as "not on a plan"."""
    looked_up = validate(NhsNumberLookup, {"nhsNumber": nhs_number})
    if isinstance(looked_up, InvalidInput):
        return looked_up
    found = await _cpis_dataset(context, looked_up.nhs_number)
    return found or {"nhsNumber": looked_up.nhs_number, "plans": []}


async def open_enquiry(
    context: HubContext, raw: dict[str, Any]
) -> Row | NotFound | NotAuthorised | InvalidInput:
    """Open a multi-agency enquiry about children the caller can see, with partner agencies."""
    if refused := refuse_case_writes(context):
        return refused
    data = validate(enquiries.OpenEnquiry, raw)
    if isinstance(data, InvalidInput):
        return data
    children = await context.loaders.child.load_many(data.child_ids)
    for child_id, child in zip(data.child_ids, children, strict=True):
        if child is None:
            return NotFound(kind="Child", id=child_id)
    return await enquiries.open_enquiry(context.store, context.scope, data)


async def close_enquiry(context: HubContext, enquiry_id: str) -> str | NotFound | NotAuthorised:
    """Close an enquiry."""
    if refused := refuse_case_writes(context):
        return refused
    return await enquiries.close_enquiry(context.store, context.scope, enquiry_id)
