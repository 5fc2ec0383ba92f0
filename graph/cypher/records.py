"""Records management on the child's file: retention, legal holds, disposal.

Shape:

    (:File {retainUntil, retentionRule, retentionCitation, recordClasses, ...})
    (:HoldApplication {active, appliedAt, appliedBy, via, liftedAt, liftReason})
        -[:APPLIES_TO]->(:File),  -[:OF_HOLD]->(:LegalHold {key, reason, standing, criteria})
    (:DisposalRecord {at, by, reason, ...})-[:DISPOSED]->(:File)     append-only audit

Retention dates are computed in Python (no date arithmetic in Cypher) from the facts
`RETENTION_FACTS` reads, and stored with the citation of the rule that decided them.
"""

from __future__ import annotations

from graph.cypher.access import only_visible

# The history a retention decision rests on: the records about the child whose labels
# are in $recordLabels (contacts, cases, periods of care, ...) or that name their own
# record class; the steps and journey events of those records (what states a case
# reached, what was done and when); and the record classes of the documents filed in
# the child's file. A record withdrawn as recorded in error (a contact WITHDRAWN; a
# referral or its work RECORDED_IN_ERROR) never happened to the child, and a document
# misfiled here is not the child's: neither keeps the child's file longer.
# FalkorDB: each pattern comprehension keeps its own variable names.
_FACTS = """
WITH c, f,
     [(c)<-[:ABOUT]-(x)
        WHERE (x.recordClass IS NOT NULL
               OR any(label IN labels(x) WHERE label IN $recordLabels))
          AND NOT coalesce(x.status, '') IN ['WITHDRAWN', 'RECORDED_IN_ERROR']
        | x {.id, .recordClass, .status, .startDate, .endDate, .receivedDate, .referralDate,
             .decisionDate, .closureDate, .closureReason, .reasonCeased, .adoptionOrderDate,
             .approvalEndedDate, labels: labels(x)}] AS history,
     [(c)<-[:ABOUT]-(st:Step)-[:PART_OF]->(stepOf) |
        {recordId: stepOf.id, kind: st.kind, status: st.status, startDate: st.startDate,
         completedDate: st.completedDate}] AS steps,
     [(c)<-[:ABOUT]-(ev:JourneyEvent)-[:OF]->(eventOf) |
        {recordId: eventOf.id, action: ev.action, toState: ev.toState,
         occurredOn: ev.occurredOn}] AS events,
     [(f)-[:HAS_FOLDER]->(:Folder)-[:HOLDS]->(d:Document) WHERE d.misfiledAt IS NULL
        | d.recordClass] AS documentClasses,
     [(f)<-[:APPLIES_TO]-(a:HoldApplication {active: true})-[:OF_HOLD]->(h:LegalHold) |
        h.key] AS heldBy
RETURN c.id AS childId, f.id AS fileId, c.dateOfBirth AS dateOfBirth,
       c.dateOfDeath AS dateOfDeath, c.adoptionOrderDate AS adoptionOrderDate,
       history, steps, events, documentClasses, heldBy, f.disposedAt AS disposedAt
"""

RETENTION_FACTS = f"""
UNWIND $ids AS childId
MATCH (c:Child {{id: childId}})-[:HAS_FILE]->(f:File)
{only_visible("c", "f")}
{_FACTS}
"""

# Every open file the caller may see, for a hold by query (an inquiry moratorium is a
# rare, deliberate act; its criteria are evaluated in Python with the retention rules).
ALL_RETENTION_FACTS = f"""
MATCH (c:Child)-[:HAS_FILE]->(f:File)
WHERE f.disposedAt IS NULL
{only_visible("c", "f")}
{_FACTS}
ORDER BY c.id
"""

STANDING_HOLDS = """
MATCH (h:LegalHold)
WHERE h.standing = true
RETURN h {.key, .reason, .criteria} AS hold
ORDER BY h.key
"""

# One statement: the computed retention, and the standing holds (holds by rule) the
# child's history now falls under. A recompute older than the stored one is ignored,
# so two racing recomputes cannot leave the older facts' answer behind.
STORE_RETENTION = f"""
MATCH (c:Child {{id: $childId}})-[:HAS_FILE]->(f:File)
{only_visible("c", "f")}
WITH c, f
WHERE coalesce(f.retentionComputedAt, 0) <= $now
SET f.retainUntil = null, f.retentionRule = $rule, f.retentionCitation = $citation,
    f.retentionMissing = $missing, f.recordClasses = $recordClasses,
    f.retentionComputedAt = $now
FOREACH (until IN CASE WHEN $retainUntil IS NULL THEN [] ELSE [$retainUntil] END |
    SET f.retainUntil = date(until))
WITH f
OPTIONAL MATCH (h:LegalHold)
WHERE h.key IN $holdKeys AND h.standing = true
WITH f, collect(h) AS rules,
     [(f)<-[:APPLIES_TO]-(a:HoldApplication {{active: true}})-[:OF_HOLD]->(held:LegalHold) |
        held.key] AS heldBy
FOREACH (rule IN [r IN rules WHERE NOT r.key IN heldBy] |
    CREATE (a:HoldApplication {{id: $runId + '-' + rule.id, active: true, appliedAt: $now,
            appliedBy: $viewer, appliedByName: $viewerName, via: 'RULE', reason: rule.reason}})
    CREATE (a)-[:APPLIES_TO]->(f)
    CREATE (a)-[:OF_HOLD]->(rule)
    CREATE (o:OutboxItem {{id: $runId + '-' + rule.id + '-hold', kind: 'APPLY_HOLD',
            state: 'PENDING', attempts: 0, createdAt: $now, nextAttemptAt: $now}})
    CREATE (o)-[:DELIVERS]->(a))
RETURN f.id AS fileId, [r IN rules WHERE NOT r.key IN heldBy | r.key] AS holdsApplied
"""

_HOLD_FIELDS = (
    "a {.id, .active, .appliedAt, .appliedBy, .appliedByName, .via, .reason, .liftedAt,"
    " .liftedBy, .liftedByName, .liftReason}"
)

# One statement: the hold (created the first time its key is used) and an application
# to each target file not already under it, with the outbox item that mirrors the hold
# in Livelink. Targets are [{fileId, applicationId, outboxId}]. The files are found
# first: a hold on files the caller may not see, or that no one has, is refused as not
# found and leaves no hold behind (its reason would be the next hold's under that key).
# A hold by query is made even when no file matches yet (a standing rule holds later
# ones).
APPLY_HOLD = f"""
UNWIND $targets AS target
MATCH (f:File {{id: target.fileId}})<-[:HAS_FILE]-(c:Child)
{only_visible("c", "f", "target")}
WITH c, f, target
WHERE f.disposedAt IS NULL
WITH collect({{child: c, file: f, target: target}}) AS found
WHERE size(found) > 0 OR $via = 'QUERY'
MERGE (h:LegalHold {{key: $key}})
ON CREATE SET h.id = $holdId, h.reason = $reason, h.createdAt = $now, h.createdBy = $viewer,
    h.createdByName = $viewerName, h.standing = false
SET h.standing = h.standing OR $standing,
    h.criteria = coalesce($criteria, h.criteria)
WITH h, found
UNWIND found AS held
WITH held.child AS c, held.file AS f, held.target AS target, h
WITH c, f, h, target,
     [(f)<-[:APPLIES_TO]-(a:HoldApplication {{active: true}})-[:OF_HOLD]->(h) | a.id] AS already
FOREACH (_ IN CASE WHEN size(already) = 0 THEN [1] ELSE [] END |
    CREATE (a:HoldApplication {{id: target.applicationId, active: true, appliedAt: $now,
            appliedBy: $viewer, appliedByName: $viewerName, via: $via, reason: $reason}})
    CREATE (a)-[:APPLIES_TO]->(f)
    CREATE (a)-[:OF_HOLD]->(h)
    CREATE (o:OutboxItem {{id: target.outboxId, kind: 'APPLY_HOLD', state: 'PENDING',
            attempts: 0, createdAt: $now, nextAttemptAt: $now}})
    CREATE (o)-[:DELIVERS]->(a))
RETURN f.id AS fileId, c.id AS childId, size(already) = 0 AS applied
"""

# One statement: every active application of the hold (on one file, or everywhere,
# which also ends it as a standing rule) is lifted with the reason, and the lift is
# queued for Livelink. Applications stay as history; nothing is deleted.
LIFT_HOLD = f"""
MATCH (h:LegalHold {{key: $key}})
SET h.standing = CASE WHEN $fileId IS NULL THEN false ELSE h.standing END
WITH h
MATCH (a:HoldApplication {{active: true}})-[:OF_HOLD]->(h)
MATCH (a)-[:APPLIES_TO]->(f:File)<-[:HAS_FILE]-(c:Child)
WHERE $fileId IS NULL OR f.id = $fileId
{only_visible("c", "f", "h", "a")}
SET a.active = false, a.liftedAt = $now, a.liftedBy = $viewer, a.liftedByName = $viewerName,
    a.liftReason = $reason
CREATE (o:OutboxItem {{id: $runId + '-' + a.id, kind: 'LIFT_HOLD', state: 'PENDING',
        attempts: 0, createdAt: $now, nextAttemptAt: $now}})
CREATE (o)-[:DELIVERS]->(a)
RETURN f.id AS fileId, c.id AS childId
"""

HOLD_PAYLOAD = """
MATCH (o:OutboxItem {id: $itemId})-[:DELIVERS]->(a:HoldApplication)-[:OF_HOLD]->(h:LegalHold)
MATCH (a)-[:APPLIES_TO]->(f:File)
RETURN f.childId AS childId, h.key AS key, coalesce(a.reason, h.reason) AS reason,
       a.active AS active
"""

HOLDS_OF = f"""
UNWIND $ids AS fileId
MATCH (f:File {{id: fileId}})<-[:APPLIES_TO]-(a:HoldApplication)-[:OF_HOLD]->(h:LegalHold)
OPTIONAL MATCH (o:OutboxItem)-[:DELIVERS]->(a)
WITH fileId, a, h, o ORDER BY o.createdAt DESC
WITH fileId, a, h, head(collect(o.state)) AS filingState
RETURN fileId, {_HOLD_FIELDS} AS application, h.key AS key, h.standing AS standing,
       filingState
ORDER BY a.appliedAt
"""

# Files past their retention date and under no hold: what a records officer reviews.
# A legal hold is on the child's records: a child with two files (two records merged into
# one, each with its own Livelink file) keeps both while either is held.
_CHILD_HOLDS = (
    "size([(c)-[:HAS_FILE]->(:File)<-[:APPLIES_TO]-(a:HoldApplication {active: true}) | a])"
)

DISPOSAL_REVIEW = f"""
MATCH (f:File)
WHERE f.retainUntil < date($today) AND f.disposedAt IS NULL
MATCH (c:Child)-[:HAS_FILE]->(f)
{only_visible("c", "f")}
WITH c, f, {_CHILD_HOLDS} AS holds
WHERE holds = 0
RETURN f.id AS fileId, c.id AS childId, c.givenName + ' ' + c.familyName AS childName,
       f.retainUntil AS retainUntil, f.retentionRule AS rule,
       f.retentionCitation AS citation, f.recordClasses AS recordClasses
ORDER BY f.retainUntil, f.id
LIMIT $limit
"""

# One statement: the guards (visible, not disposed, past its date, no active hold), the
# disposal, and the append-only record of who disposed of it, when and why. The
# versions are marked disposed so no download can release them afterwards; the caller
# deletes the bytes the statement names only once it has committed. A document misfiled
# on the file (another child's record, under the LCS-MISFILED hold) is not this child's
# record to dispose of: it is kept, as held, for the records officer's review.
DISPOSE_FILE = f"""
MATCH (f:File {{id: $fileId}})<-[:HAS_FILE]-(c:Child)
{only_visible("c", "f")}
WITH c, f, {_CHILD_HOLDS} AS holds
WHERE holds = 0 AND f.disposedAt IS NULL AND f.retainUntil < date($today)
SET f.disposedAt = $now, f.disposedBy = $viewer
CREATE (e:DisposalRecord {{id: $recordId, at: $now, by: $viewer, byName: $viewerName,
        role: $role, reason: $reason, fileId: f.id, childId: c.id,
        retainUntil: f.retainUntil, rule: f.retentionRule, citation: f.retentionCitation}})
CREATE (e)-[:DISPOSED]->(f)
WITH f, e
OPTIONAL MATCH (f)-[:HAS_FOLDER]->(:Folder)-[:HOLDS]->(doc:Document)-[:HAS_VERSION]->(v)
WHERE doc.misfiledAt IS NULL
WITH f, e, collect(v) AS versions
FOREACH (version IN versions | SET version.disposedAt = $now)
RETURN e {{.id, .at, .by, .byName, .reason, .fileId, .childId, .retainUntil, .rule}} AS record,
       [version IN versions | version.checksumPdf] + [version IN versions |
        version.checksumHtml] AS checksums
"""

# Why a disposal was refused: read after the guarded write matched nothing.
DISPOSAL_STATE = f"""
MATCH (f:File {{id: $fileId}})<-[:HAS_FILE]-(c:Child)
{only_visible("c", "f")}
WITH f, [(c)-[:HAS_FILE]->(:File)<-[:APPLIES_TO]-(a:HoldApplication {{active: true}})
          -[:OF_HOLD]->(h:LegalHold) | h.key] AS heldBy
RETURN f.disposedAt AS disposedAt, f.retainUntil AS retainUntil, heldBy
"""
