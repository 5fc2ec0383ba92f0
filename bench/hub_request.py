"""One GraphQL request run in process as the app serves it, for the benchmarks.

The app builds each audience's schema once at start-up and, per request, reads the
caller's role and team from their worker record before running the query; so do these.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from auth.authority import principal_on_record
from auth.principal import Audience, Principal
from demo import personas
from resolvers.context import HubContext
from schema.build import build_schema
from workflow.calendar import default_calendar

if TYPE_CHECKING:
    from strawberry.types import ExecutionResult

    from graph import GraphStore
    from schema.build import AudienceSchema


def staff(subject: str, role: str, team: str | None) -> Principal:
    """A member of the local authority's staff, named by their worker id."""
    return Principal(
        subject=subject,
        name=subject,
        role=role,
        agency_id=personas.LOCAL_AUTHORITY,
        token_id="bench",  # noqa: S106 - a token id, not a secret
        team_id=team,
    )


@functools.cache
def schema_for(audience: Audience, *, audit: bool = True) -> AudienceSchema:
    # Built once per process, as the app builds it at start-up (building takes longer
    # than a request).
    return build_schema(audience, audit=audit)


async def execute(
    store: GraphStore,
    principal: Principal,
    query: str,
    variables: dict[str, Any],
    *,
    audit: bool = True,
) -> ExecutionResult:
    """The caller's record, then the query on their audience's schema."""
    on_record = await principal_on_record(store, principal)
    context = HubContext(
        request=None,  # type: ignore[arg-type]
        principal=on_record,
        store=store,
        calendar=default_calendar(),
    )
    return await schema_for(principal.audience, audit=audit).execute(
        query, variable_values=variables, context_value=context
    )


async def request(
    store: GraphStore,
    principal: Principal,
    query: str,
    variables: dict[str, Any],
    *,
    audit: bool = True,
) -> dict[str, Any]:
    """The answer's data; stops the benchmark if the request failed."""
    result = await execute(store, principal, query, variables, audit=audit)
    if result.errors or not result.data:
        raise SystemExit(f"the request failed: {result.errors}")
    return result.data
