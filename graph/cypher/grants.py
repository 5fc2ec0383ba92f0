"""Restricted records and the explicit, time-limited grants that open them."""

from __future__ import annotations

from graph.cypher.access import only_visible

RESTRICT_RECORD = f"""
MATCH (c:Child {{id: $childId}})
{only_visible("c")}
SET c.restricted = $restricted, c.restrictionReason = $reason, c.restrictedBy = $viewer,
    c.restrictedAt = $now
RETURN c.id AS id
"""

# The granter usually cannot see the restricted record themselves, so the grant is not
# filtered by visibility; who may grant is decided by capability before this runs.
GRANT_ACCESS = """
MATCH (c:Child {id: $childId})
MATCH (w:Worker {id: $workerId})
CREATE (g:Grant {id: $grantId, workerId: w.id, expiresAt: $expiresAt, reason: $reason,
        grantedBy: $viewer, grantedAt: $now})
CREATE (g)-[:GRANTS_ACCESS_TO]->(c)
RETURN g {.id, .workerId, .expiresAt, .reason, .grantedBy, .grantedAt} AS grant
"""
