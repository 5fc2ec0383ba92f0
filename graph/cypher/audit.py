"""The read audit: who saw which child's data, and the notices partner reads raise."""

from __future__ import annotations

from graph.cypher.access import only_visible

# One statement writes the audit of one request, or of every request queued behind a
# write in flight (auth/audit.py, group commit), append-only: an AuditEvent per child
# that left the hub. Each request is sent once with what its children share (caller,
# time, operation) and its children under it (each event's id, the child, the fields),
# and `request`, its place in the batch, so each request learns how many of its
# children were recorded. Sent per child, the shared values made a view's parameters
# three times as long, and the engine parses every one of them.
_RECORD_EVENTS = """
UNWIND $requests AS q
UNWIND q.children AS r
MATCH (c:Child {id: r.childId})
CREATE (e:AuditEvent {id: r.id, at: q.at, subject: q.subject, subjectName: q.subjectName,
        agency: q.agency, audience: q.audience, role: q.role, purpose: q.purpose,
        operation: q.operation, fields: r.fields})
CREATE (e)-[:ACCESSED]->(c)
"""

# A batch of internal staff's reads only: no notice to raise, so no look-up of the
# workers of each child (a fifth of the write's cost on a case view).
RECORD_ACCESS = f"""{_RECORD_EVENTS}RETURN q.request AS request, count(r) AS audited
"""

# A batch holding a partner's read: that read (`notifyWorkers`) also raises a notice to
# each allocated worker (the CP-IS model: the local authority is told every time health
# looks a child up); the internal reads in the same batch raise none.
RECORD_ACCESS_NOTIFYING = f"""{_RECORD_EVENTS}WITH c, q, r
OPTIONAL MATCH (c)-[:ALLOCATED_TO]->(w:Worker)
WHERE q.notifyWorkers
WITH c, q, r, collect(w) AS workers
FOREACH (worker IN workers |
    CREATE (n:Notice {{id: r.id + ':' + worker.id, kind: 'PARTNER_ACCESS', at: q.at,
            audience: q.audience, agency: q.agency, subjectName: q.subjectName,
            purpose: q.purpose, acknowledged: false}})
    CREATE (n)-[:FOR_WORKER]->(worker)
    CREATE (n)-[:ABOUT]->(c))
RETURN q.request AS request, count(r) AS audited
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
