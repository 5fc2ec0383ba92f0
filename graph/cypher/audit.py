"""The read audit: who saw which child's data, and the notices partner reads raise."""

from __future__ import annotations

from graph.cypher.access import only_visible

# One statement per request, append-only: an AuditEvent per child that left the hub in
# the response.
_AUDIT = """
UNWIND $rows AS r
MATCH (c:Child {id: r.childId})
CREATE (e:AuditEvent {id: r.id, at: $at, subject: $subject, subjectName: $subjectName,
        agency: $agency, audience: $audience, role: $role, purpose: $purpose,
        operation: $operation, fields: r.fields})
CREATE (e)-[:ACCESSED]->(c)
"""

RECORD_ACCESS = _AUDIT + "RETURN count(r) AS audited\n"

# A partner read also raises a notice to each allocated worker (the CP-IS model: the
# local authority is told every time health looks a child up).
RECORD_PARTNER_ACCESS = (
    _AUDIT
    + """WITH c, r
OPTIONAL MATCH (c)-[:ALLOCATED_TO]->(w:Worker)
WITH c, r, collect(w) AS workers
FOREACH (worker IN workers |
    CREATE (n:Notice {id: r.id + ':' + worker.id, kind: 'PARTNER_ACCESS', at: $at,
            audience: $audience, agency: $agency, subjectName: $subjectName,
            purpose: $purpose, acknowledged: false})
    CREATE (n)-[:FOR_WORKER]->(worker)
    CREATE (n)-[:ABOUT]->(c))
RETURN count(r) AS audited
"""
)

ACCESS_TRAIL = f"""
MATCH (c:Child {{id: $childId}})
{only_visible("c")}
MATCH (e:AuditEvent)-[a:ACCESSED]->(c)
RETURN e {{.id, .at, .subject, .subjectName, .agency, .audience, .role, .purpose,
       .operation, .fields}} AS event
ORDER BY e.at DESC
LIMIT $limit
"""

# A notice names its child, so it passes the row rule too: once the record is restricted
# or the worker's relationship ends, the notice is no longer theirs to read.
NOTICES_FOR = f"""
MATCH (w:Worker {{id: $viewer}})<-[:FOR_WORKER]-(n:Notice)-[:ABOUT]->(c:Child)
{only_visible("c", "n")}
RETURN n {{.id, .kind, .at, .audience, .agency, .subjectName, .purpose, .acknowledged,
       childId: c.id, childName: c.givenName + ' ' + c.familyName}} AS notice
ORDER BY n.at DESC
LIMIT $limit
"""
