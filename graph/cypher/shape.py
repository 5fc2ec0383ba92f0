"""The graph's shape version and the lease that lets one hub migrate it (graph/migrations.py).

The shape is one node, `(:GraphShape {id: 'graph'})`: its `version` is the last migration
applied. A store without it is unversioned (version 0, the shape before migrations).
"""

from __future__ import annotations

from graph.cypher.access import keep_holders

SHAPE = """
MATCH (s:GraphShape {id: $id})
RETURN s.version AS version, s.leaseHolder AS holder, s.leaseUntil AS leaseUntil
"""

# One guarded statement: the first hub to run it at the version it read holds the lease
# until `until`; the others get no row and wait. On an unversioned store it creates the
# shape node at version 0.
TAKE_MIGRATION_LEASE = """
MERGE (s:GraphShape {id: $id})
ON CREATE SET s.version = 0
// Neo4j: the write takes the node's lock before the guard reads it.
REMOVE s.leaseLock
WITH s
WHERE s.version = $version
  AND (s.leaseUntil IS NULL OR s.leaseUntil <= $now OR s.leaseHolder = $holder)
SET s.leaseHolder = $holder, s.leaseUntil = $until
RETURN s.version AS version
"""

# After each migration: the version moves on and the lease is renewed, only for its holder.
STAMP_SHAPE_VERSION = """
MATCH (s:GraphShape {id: $id})
WHERE s.leaseHolder = $holder AND s.version = $from
SET s.version = $to, s.leaseUntil = $until, s.migratedAt = $now, s.lastMigration = $name
RETURN s.version AS version
"""

RELEASE_MIGRATION_LEASE = """
MATCH (s:GraphShape {id: $id})
WHERE s.leaseHolder = $holder
SET s.leaseHolder = null, s.leaseUntil = null
RETURN s.version AS version
"""

# Migration 1: case notes written before versions existed lack what every reader then
# defaulted with coalesce; VERSIONS_OF seeks `lineageId` by index, so such a note was
# missing from its own history, and a draft without a revision could never be saved.
# A window of node numbers at a time (see graph/cypher/backup.py for why `id(n)`).
BACKFILL_CASE_NOTE_VERSIONS = """
MATCH (n:CaseNote)
WHERE id(n) >= $from AND id(n) < $to
  AND (n.lineageId IS NULL OR n.current IS NULL OR n.version IS NULL OR n.revision IS NULL)
SET n.lineageId = coalesce(n.lineageId, n.id), n.current = coalesce(n.current, true),
    n.version = coalesce(n.version, 1), n.revision = coalesce(n.revision, 0)
RETURN count(n) AS changed
"""

# Migration 3: drafts written before a draft named its author in `draftBy` (a draft is
# shown to its author only, by that property: graph/cypher/notes.py).
BACKFILL_DRAFT_AUTHORS = """
MATCH (n:CaseNote)-[:WRITTEN_BY]->(w:Worker)
WHERE id(n) >= $from AND id(n) < $to AND n.status = 'DRAFT' AND n.draftBy IS NULL
SET n.draftBy = w.id
RETURN count(n) AS changed
"""

# A child's birth date as text beside the date (graph/vocabulary.py `dateOfBirthKey`).
BACKFILL_BIRTH_DATE_KEYS = """
MATCH (c:Child)
WHERE id(c) >= $from AND id(c) < $to AND c.dateOfBirth IS NOT NULL
      AND c.dateOfBirthKey IS NULL
SET c.dateOfBirthKey = toString(c.dateOfBirth)
RETURN count(c) AS changed
"""

# A school's Encompass notice names the pupil as the school was told when it was sent
# (graph/cypher/encompass.py); a notice sent before that was kept takes the child's
# record as it is when the store is migrated, the nearest there is.
BACKFILL_NOTICE_PUPILS = """
MATCH (n:EncompassNotice)-[:FOR_SCHOOL]->(:Agency)
WHERE id(n) >= $from AND id(n) < $to AND n.pupilAsOf IS NULL
MATCH (n)-[:ABOUT]->(c:Child)
SET n.pupilGivenName = c.givenName, n.pupilFamilyName = c.familyName,
    n.pupilDateOfBirth = c.dateOfBirth, n.pupilUpn = c.upn, n.pupilAsOf = $now
RETURN count(n) AS changed
"""

# Migration 7: each linked IES pupil record's newest stay, to end the stays the authority
# recorded at another school before it (graph/cypher/encompass.py END_STAYS_ELSEWHERE).
NEWEST_PUPIL_STAYS = """
MATCH (r:SourceRecord)-[:LINKED_TO]->(:Child)
WHERE id(r) >= $from AND id(r) < $to AND r.kind = 'PUPIL'
MATCH (r)-[roll:ON_ROLL_AT]->(:Agency)
RETURN r.key AS key, max(roll.fromMs) AS fromMs
"""

# `lcs-hub import` into a store a hub has only started on: the file brings its own.
DELETE_SHAPE = """
MATCH (s:GraphShape {id: $id})
DELETE s
"""

# Migration 5: the error each outbox item keeps, read a window of nodes at a time and
# written back reduced (graph/kept_errors.py) where no worker changed it meanwhile.
OUTBOX_ERRORS = """
MATCH (o:OutboxItem)
WHERE id(o) >= $from AND id(o) < $to AND o.lastError IS NOT NULL
RETURN o.id AS id, o.lastError AS error
"""

REDUCE_OUTBOX_ERRORS = """
UNWIND $changes AS change
MATCH (o:OutboxItem {id: change.id})
WHERE o.lastError = change.was
SET o.lastError = change.error
RETURN count(o) AS changed
"""

# Migration 8: care that ended on a birthday left a care leaver's contact due on that
# birthday, the young person looked after that day (SSDA903 rules 1007, 1016): the open
# one, and a contact recorded as its answer. Read a window of steps at a time; the days
# are computed in Python and written back only where the step is still as read.
CONTACTS_DUE_WHEN_CARE_ENDED = """
MATCH (s:Step)-[:PART_OF]->(p:PeriodOfCare)-[:ABOUT]->(c:Child)
WHERE id(s) >= $from AND id(s) < $to AND s.kind = 'CARE_LEAVER_CONTACT'
  AND s.status IN ['OPEN', 'DONE'] AND s.dueDate = p.endDate AND c.dateOfBirth IS NOT NULL
RETURN s.id AS id, s.status AS status, s.dueDate AS due, c.dateOfBirth AS born
"""

RETIME_CARE_LEAVER_CONTACTS = """
UNWIND $changes AS change
MATCH (s:Step {id: change.id})
WHERE s.status = change.status AND s.dueDate = date(change.was)
SET s.status = change.to,
    s.dueDate = CASE WHEN change.due IS NULL THEN null ELSE date(change.due) END,
    s.dueRule = null, s.dueBeforeMigration = change.was, s.dueMigratedAt = $now
RETURN count(s) AS changed
"""

# The internal row rule reads who holds a child from lists kept on it
# (graph/cypher/access.py `keep_holders`); children written before read none.
BACKFILL_ACCESS_HOLDERS = f"""
MATCH (c)
WHERE id(c) >= $from AND id(c) < $to AND (c:Child OR c:MergedChild)
{keep_holders("c")}
RETURN count(c) AS changed
"""

# Migration 10: the day a manager authorised the decision on a referral (accepted, or no
# further action), from the chronology's authorise event of that decision (its
# `occurredOn` is the day authorised: workflow/journey/engine.py), the latest where a
# reopened episode was decided again; a referral still undecided has none.
BACKFILL_DECISION_AUTHORISED_DATES = """
MATCH (r:Referral)
WHERE id(r) >= $from AND id(r) < $to AND r.decisionDate IS NOT NULL
      AND r.decisionAuthorisedDate IS NULL
MATCH (r)<-[:OF]-(e:JourneyEvent)
WHERE e.action = 'authorise' AND e.fromState IN $decisionStates
WITH r, e ORDER BY e.at DESC
WITH r, head(collect(e.occurredOn)) AS authorised
SET r.decisionAuthorisedDate = authorised
RETURN count(r) AS changed
"""
