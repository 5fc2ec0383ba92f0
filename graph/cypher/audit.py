"""The read audit: who saw which child's data, and the notices partner reads raise."""

from __future__ import annotations

from graph.cypher.access import only_visible

# One statement writes the audit of one request, or of every request queued behind a
# write in flight (auth/audit.py, group commit), append-only: an AuditEvent per child
# that left the hub. Each row carries its own request's caller, time and fields, and
# `request`, its place in the batch, so each request learns how many of its children
# were recorded. A partner read (`notifyWorkers`) also raises a notice to each allocated
# worker (the CP-IS model: the local authority is told every time health looks a child up).
RECORD_ACCESS = """
UNWIND $rows AS r
MATCH (c:Child {id: r.childId})
CREATE (e:AuditEvent {id: r.id, at: r.at, subject: r.subject, subjectName: r.subjectName,
        agency: r.agency, audience: r.audience, role: r.role, purpose: r.purpose,
        operation: r.operation, fields: r.fields})
CREATE (e)-[:ACCESSED]->(c)
WITH c, r
OPTIONAL MATCH (c)-[:ALLOCATED_TO]->(w:Worker)
WHERE r.notifyWorkers
WITH c, r, collect(w) AS workers
FOREACH (worker IN workers |
    CREATE (n:Notice {id: r.id + ':' + worker.id, kind: 'PARTNER_ACCESS', at: r.at,
            audience: r.audience, agency: r.agency, subjectName: r.subjectName,
            purpose: r.purpose, acknowledged: false})
    CREATE (n)-[:FOR_WORKER]->(worker)
    CREATE (n)-[:ABOUT]->(c))
RETURN r.request AS request, count(r) AS audited
"""

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
