"""The read audit: who saw which child's data, and the notices partner reads raise."""

from __future__ import annotations

import functools
import re

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

# The write-ahead journal's append (graph/audit_journal.py), a script the engine runs in
# one step: appended only while the journal is below its bound (ARGV[1]), so two requests
# cannot both find room for one entry. Kept here to be named (`audit.JOURNAL_APPEND`) in
# traces and statement counts as the audit statement it stands for.
JOURNAL_APPEND = """
if redis.call('XLEN', KEYS[1]) >= tonumber(ARGV[1]) then return false end
return redis.call('XADD', KEYS[1], '*', 'requests', ARGV[2])
"""

# The write-ahead journal's drain (graph/audit_journal.py): the same events and notices,
# written idempotently, because an entry is written to the graph before it is deleted from
# the journal, and two drainers (two hubs) or a crash between the two may write it again.
# Each event is found by its id (indexed) and made only if absent, and keeps the id of the
# child that was read (`childId`). A child merged away since the read is followed to the
# record kept (as `documents.py` follows a document's child), and the edge is tagged with
# each merge on the way as the merges would have tagged it (`mergedIn`, the last; the
# earlier ones in `mergedInBefore`: merging.py), so undoing them moves the event back. An
# event whose child is gone altogether is still written, without its edge: the journal
# never drops a read. The notices go to the workers allocated when it drains
# (within a fraction of a second of the read, the background drainer's interval).
DRAIN_JOURNAL = """
UNWIND $requests AS q
UNWIND q.children AS r
MERGE (e:AuditEvent {id: r.id})
ON CREATE SET e.at = q.at, e.subject = q.subject, e.subjectName = q.subjectName,
        e.agency = q.agency, e.audience = q.audience, e.role = q.role, e.purpose = q.purpose,
        e.operation = q.operation, e.fields = r.fields, e.childId = r.childId
WITH q, r, e
OPTIONAL MATCH (read:Child {id: r.childId})
OPTIONAL MATCH chain = (:MergedChild {id: r.childId})-[:MERGED_INTO*1..8]->(kept:Child)
WITH q, r, e, coalesce(read, kept) AS c,
     CASE WHEN read IS NULL
          THEN [moved IN nodes(chain)[0..size(nodes(chain)) - 1] | moved.mergeEventId] END AS tags
WHERE c IS NOT NULL
MERGE (e)-[a:ACCESSED]->(c)
ON CREATE SET a.mergedIn = last(tags),
        a.mergedInBefore = CASE WHEN size(tags) > 1 THEN tags[0..size(tags) - 1] END
WITH q, r, c
WHERE q.notifyWorkers
MATCH (c)-[:ALLOCATED_TO]->(worker:Worker)
MERGE (n:Notice {id: r.id + ':' + worker.id})
ON CREATE SET n.kind = 'PARTNER_ACCESS', n.at = q.at, n.audience = q.audience,
        n.agency = q.agency, n.subjectName = q.subjectName, n.purpose = q.purpose,
        n.acknowledged = false
MERGE (n)-[:FOR_WORKER]->(worker)
MERGE (n)-[:ABOUT]->(c)
RETURN count(n) AS notices
"""

# What the audit's statements read or move: a statement naming any of these as a label or
# a relationship type reads what the journal may still hold, so a journaling store drains
# it first (graph/falkordb_store.py). Named as such only: `EncompassNotice` is not the
# audit's, and a school's notices need no drain.
AUDIT_WORDS = ("AuditEvent", "Notice", "ACCESSED", "FOR_WORKER")
_NAMES_THE_AUDIT = re.compile(r":\s*`?(?:" + "|".join(AUDIT_WORDS) + r")\b")


# Asked before every statement the hub sends (graph/falkordb_store.py): the hub's texts
# are a few hundred, so each is searched once (the search took up to 11 us a statement).
@functools.lru_cache(maxsize=4096)
def reads_audit(statement: str) -> bool:
    """Whether `statement` reads (or moves) audit events or notices."""
    return _NAMES_THE_AUDIT.search(statement) is not None


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
