"""Recording every child whose data leaves the hub, in one append-only write per request."""

from __future__ import annotations

from collections.abc import Mapping, Set
from typing import TYPE_CHECKING

from graph.cypher import audit as statements
from workflow.ids import new_id, now_ms

if TYPE_CHECKING:
    from auth.principal import Principal
    from graph import GraphStore


async def record_access(
    store: GraphStore,
    principal: Principal,
    operation: str,
    accessed: Mapping[str, Set[str]],
) -> int:
    """Audit the fields of each child a response revealed; partner reads notify workers.

    Args:
        accessed: child id -> names of the child's fields the response carried.

    Returns:
        How many children were audited.
    """
    if not accessed:
        return 0
    rows = [
        {"id": new_id(), "childId": child_id, "fields": sorted(fields)}
        for child_id, fields in sorted(accessed.items())
    ]
    statement = (
        statements.RECORD_PARTNER_ACCESS if principal.is_partner else statements.RECORD_ACCESS
    )
    result = await store.write(
        statement,
        {
            "rows": rows,
            "at": now_ms(),
            "subject": principal.subject,
            "subjectName": principal.name,
            "agency": principal.agency_id,
            "audience": principal.audience.value,
            "role": principal.role,
            "purpose": principal.purpose,
            "operation": operation,
        },
    )
    return int(result[0]["audited"]) if result else 0
