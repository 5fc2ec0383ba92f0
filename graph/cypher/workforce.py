"""The workforce: teams, workers, line management, and the allocation of children.

The graph is the source of truth for who a worker is: `(:Worker {id})` keyed by the
identity provider's subject (the token's `sub`), with `role`, `name`, `startDate` and
`endDate`; `(:Worker)-[:MEMBER_OF_TEAM]->(:Team {id})` (one team) and
`(:Worker)-[:REPORTS_TO]->(:Worker)` (one line manager).

An allocation is an `Allocation` record ABOUT the child and TO_WORKER the social worker,
with the date it started, the date it ended and the SSDA903 reason for the change. While
it is open the child also has the `ALLOCATED_TO` and `RESPONSIBLE_TEAM` relationships the
access rule reads (graph/cypher/access.py): an allocation is what produces them, and
ending it removes them, in the same statement.
"""

from __future__ import annotations

from graph.cypher.access import keep_holders, only_visible

WORKER_FIELDS = (
    "w {.id, .name, .role, .email, .phone, .registrationNumber, .startDate, .endDate,"
    " .recordedBy, .recordedAt}"
)

# Teams first, then workers and their team, then line management: a manager named in the
# same batch exists by the time their reports point at them. The rows were checked in
# Python (graph/cypher holds no rules); the cycle guard is the last line of defence.
SAVE_WORKFORCE = """
UNWIND $teams AS team
MERGE (t:Team {id: team.id})
ON CREATE SET t.createdAt = $now
SET t.name = team.name, t.recordedBy = $recordedBy, t.recordedAt = $now
WITH t, team
OPTIONAL MATCH (a:Agency {id: team.agencyId})
FOREACH (agency IN CASE WHEN a IS NULL THEN [] ELSE [a] END | MERGE (t)-[:PART_OF]->(agency))
WITH count(t) AS teams
UNWIND $workers AS r
MATCH (t:Team {id: r.teamId})
MERGE (w:Worker {id: r.id})
ON CREATE SET w.createdAt = $now
SET w += r.properties, w.startDate = date(r.startDate),
    w.endDate = CASE WHEN r.endDate IS NULL THEN null ELSE date(r.endDate) END,
    w.recordedBy = $recordedBy, w.recordedAt = $now
WITH w, t
OPTIONAL MATCH (w)-[old:MEMBER_OF_TEAM]->(other:Team)
WHERE other.id <> t.id
WITH w, t, collect(old) AS olds
FOREACH (x IN olds | DELETE x)
MERGE (w)-[:MEMBER_OF_TEAM]->(t)
WITH count(w) AS saved
UNWIND $workers AS r
MATCH (w:Worker {id: r.id})
OPTIONAL MATCH (w)-[old:REPORTS_TO]->(:Worker)
WITH w, r, collect(old) AS olds
FOREACH (x IN olds | DELETE x)
WITH w, r
MATCH (m:Worker {id: r.managerId})
WHERE NOT (m)-[:REPORTS_TO*1..20]->(w)
MERGE (w)-[:REPORTS_TO]->(m)
RETURN count(m) AS lines
"""

TEAMS_BY_ID = """
UNWIND $ids AS teamId
MATCH (t:Team {id: teamId})
OPTIONAL MATCH (t)-[:PART_OF]->(a:Agency)
RETURN t.id AS id, t.name AS name, a.id AS agencyId
"""

AGENCY_EXISTS = "MATCH (a:Agency {id: $id}) RETURN a.id AS id"

# The authority itself, the police force, the health trust, the schools: who the hub
# names to partners (CP-IS: the responsible authority and how to contact it).
SAVE_AGENCY = """
MERGE (a:Agency {id: $id})
ON CREATE SET a.createdAt = $now
SET a.name = $name, a.kind = $kind, a.phone = $phone, a.outOfHoursPhone = $outOfHoursPhone,
    a.recordedBy = $recordedBy, a.recordedAt = $now
RETURN a {.id, .name, .kind, .phone, .outOfHoursPhone} AS agency
"""

WORKERS_BY_ID = f"""
UNWIND $ids AS workerId
MATCH (w:Worker {{id: workerId}})
OPTIONAL MATCH (w)-[:MEMBER_OF_TEAM]->(t:Team)
OPTIONAL MATCH (w)-[:REPORTS_TO]->(m:Worker)
RETURN {WORKER_FIELDS} AS worker, t.id AS teamId, t.name AS teamName, m.id AS managerId,
       m.name AS managerName
"""

# Line management is small (one line per worker): read whole, so a new line can be
# checked for a loop against every line it would join.
REPORTING_LINES = """
MATCH (w:Worker)-[line:REPORTS_TO]->(m:Worker)
RETURN w.id AS workerId, m.id AS managerId, count(line) AS lines
"""

TEAMS = f"""
MATCH (t:Team)
OPTIONAL MATCH (t)<-[:MEMBER_OF_TEAM]-(w:Worker)
OPTIONAL MATCH (w)-[:REPORTS_TO]->(m:Worker)
WITH t, w, m ORDER BY w.name, w.id
WITH t, collect(CASE WHEN w IS NULL THEN null ELSE
     {{worker: {WORKER_FIELDS}, managerId: m.id, managerName: m.name}} END) AS members
RETURN t.id AS id, t.name AS name, head([(t)-[:PART_OF]->(a:Agency) | a.id]) AS agencyId,
       members
ORDER BY t.name, t.id
"""

# ---- allocations --------------------------------------------------------------------

ALLOCATION_FIELDS = (
    "a {.id, .startDate, .endDate, .reason, .recordedBy, .recordedAt, .endedBy, .endedAt,"
    " .previousWorkerId, .previousWorkerName, .correctionReason, .correctedBy, .correctedAt,"
    " .startDateCorrectedFrom, .startDateCorrectionReason, .startDateCorrectedBy,"
    " .startDateCorrectedAt}"
)

# What deciding an allocation needs: the child (if the caller may see it), the open
# allocation, the day the last one ended, and the worker with their team.
ALLOCATION_STATE = f"""
MATCH (c:Child {{id: $childId}})
{only_visible("c")}
OPTIONAL MATCH (c)<-[:ABOUT]-(ended:Allocation)
WHERE ended.endDate IS NOT NULL
WITH c, max(ended.endDate) AS lastEnded
OPTIONAL MATCH (c)<-[:ABOUT]-(a:Allocation)-[:TO_WORKER]->(current:Worker)
WHERE a.endDate IS NULL
OPTIONAL MATCH (w:Worker {{id: $workerId}})-[:MEMBER_OF_TEAM]->(t:Team)
RETURN c.id AS childId, c.dateOfBirth AS dateOfBirth,
       {ALLOCATION_FIELDS} AS open, current.id AS currentWorkerId,
       w {{.id, .role, .startDate, .endDate}} AS worker, t.id AS teamId, lastEnded
"""

# The guard (`open = $expectedOpen`, and no allocation ending after this one starts)
# makes a racing allocation write nothing: the one allocated social worker at a time
# holds however requests interleave.
ALLOCATE = f"""
MATCH (c:Child {{id: $childId}})
{only_visible("c")}
WITH c, [(c)<-[:ABOUT]-(open:Allocation) WHERE open.endDate IS NULL | open.id] AS open,
     [(c)<-[:ABOUT]-(done:Allocation) WHERE done.endDate > date($startDate) | done.id] AS later
WHERE open = $expectedOpen AND size(later) = 0
MATCH (w:Worker {{id: $workerId}})-[:MEMBER_OF_TEAM]->(t:Team)
OPTIONAL MATCH (c)<-[:ABOUT]-(previous:Allocation)
WHERE previous.endDate IS NULL
OPTIONAL MATCH (c)-[allocated:ALLOCATED_TO]->(:Worker)
OPTIONAL MATCH (c)-[responsible:RESPONSIBLE_TEAM]->(:Team)
WITH c, w, t, collect(DISTINCT previous) AS previous, collect(DISTINCT allocated) AS allocated,
     collect(DISTINCT responsible) AS responsible
FOREACH (x IN previous |
    SET x.endDate = date($startDate), x.endedBy = $recordedBy, x.endedAt = $now)
FOREACH (x IN allocated | DELETE x)
FOREACH (x IN responsible | DELETE x)
CREATE (a:Allocation {{id: $allocationId, startDate: date($startDate), reason: $reason,
        recordedBy: $recordedBy, recordedAt: $now}})
CREATE (a)-[:ABOUT]->(c)
CREATE (a)-[:TO_WORKER]->(w)
CREATE (c)-[:ALLOCATED_TO]->(w)
CREATE (c)-[:RESPONSIBLE_TEAM]->(t)
{keep_holders("c", "a", "w", "t")}
RETURN {ALLOCATION_FIELDS} AS allocation, c.id AS childId, w.id AS workerId,
       w.name AS workerName, t.id AS teamId
"""

# An allocation made to the wrong worker names the right one instead, from the same day
# (workflow/allocation.py correct_allocation): while it is open the access relationships
# move with it, and the worker it was made to in error is kept on it. Guarded by the
# allocation still being the wrong worker's, open or ended as it was read, so a racing
# change writes nothing.
CORRECT_ALLOCATION = f"""
MATCH (c:Child {{id: $childId}})
{only_visible("c")}
MATCH (c)<-[:ABOUT]-(a:Allocation {{id: $allocationId}})-[wrong:TO_WORKER]->(was:Worker)
WHERE was.id = $previousWorkerId AND coalesce(toString(a.endDate), '') = $endedKey
MATCH (w:Worker {{id: $workerId}})-[:MEMBER_OF_TEAM]->(t:Team)
OPTIONAL MATCH (c)-[allocated:ALLOCATED_TO]->(:Worker)
WHERE a.endDate IS NULL
OPTIONAL MATCH (c)-[responsible:RESPONSIBLE_TEAM]->(:Team)
WHERE a.endDate IS NULL
WITH c, a, wrong, was, w, t, collect(DISTINCT allocated) AS allocated,
     collect(DISTINCT responsible) AS responsible
FOREACH (x IN allocated | DELETE x)
FOREACH (x IN responsible | DELETE x)
DELETE wrong
CREATE (a)-[:TO_WORKER]->(w)
FOREACH (_ IN CASE WHEN a.endDate IS NULL THEN [1] ELSE [] END |
    CREATE (c)-[:ALLOCATED_TO]->(w)
    CREATE (c)-[:RESPONSIBLE_TEAM]->(t))
SET a.previousWorkerId = was.id, a.previousWorkerName = was.name,
    a.correctionReason = $reason, a.correctedBy = $recordedBy, a.correctedAt = $now
{keep_holders("c", "a", "w", "t")}
RETURN {ALLOCATION_FIELDS} AS allocation, c.id AS childId, w.id AS workerId,
       w.name AS workerName, t.id AS teamId
"""

# The day an allocation began, typed wrong, put right (workflow/allocation.py
# correct_allocation): the allocation it ended, a reallocation, ends on the corrected day
# with it ($previousId; null when none ended that day). Each keeps the day it was
# recorded with, why, who and when. Guarded by both days still being as they were read.
CORRECT_ALLOCATION_START = f"""
MATCH (c:Child {{id: $childId}})
{only_visible("c")}
MATCH (c)<-[:ABOUT]-(a:Allocation {{id: $allocationId}})-[:TO_WORKER]->(w:Worker)
WHERE a.startDate = date($startedFrom)
OPTIONAL MATCH (c)<-[:ABOUT]-(previous:Allocation {{id: $previousId}})
WHERE previous.endDate = date($startedFrom)
WITH c, a, w, previous
WHERE $previousId IS NULL OR previous IS NOT NULL
SET a.startDate = date($startDate), a.startDateCorrectedFrom = $startedFrom,
    a.startDateCorrectionReason = $reason, a.startDateCorrectedBy = $recordedBy,
    a.startDateCorrectedAt = $now
FOREACH (_ IN CASE WHEN previous IS NULL THEN [] ELSE [1] END |
    SET previous.endDate = date($startDate), previous.endDateCorrectedFrom = $startedFrom,
        previous.endDateCorrectionReason = $reason, previous.endDateCorrectedBy = $recordedBy,
        previous.endDateCorrectedAt = $now)
WITH c, a, w
OPTIONAL MATCH (w)-[:MEMBER_OF_TEAM]->(t:Team)
RETURN {ALLOCATION_FIELDS} AS allocation, c.id AS childId, w.id AS workerId,
       w.name AS workerName, t.id AS teamId
"""

# The child stays with its responsible team: unallocated, it shows on the team's list.
END_ALLOCATION = f"""
MATCH (c:Child {{id: $childId}})
{only_visible("c")}
MATCH (c)<-[:ABOUT]-(a:Allocation {{id: $allocationId}})-[:TO_WORKER]->(w:Worker)
WHERE a.endDate IS NULL
OPTIONAL MATCH (c)-[allocated:ALLOCATED_TO]->(:Worker)
WITH c, a, w, collect(allocated) AS allocated
FOREACH (x IN allocated | DELETE x)
SET a.endDate = date($endDate), a.endedBy = $recordedBy, a.endedAt = $now
{keep_holders("c", "a", "w")}
RETURN {ALLOCATION_FIELDS} AS allocation, c.id AS childId, w.id AS workerId,
       w.name AS workerName, null AS teamId
"""

# The worker's own caseload: each child allocated to them now, and since when.
CASELOAD_OF = f"""
MATCH (:Worker {{id: $workerId}})<-[:TO_WORKER]-(a:Allocation)-[:ABOUT]->(c:Child)
WHERE a.endDate IS NULL
{only_visible("c", "a")}
RETURN c.id AS childId, c.givenName + ' ' + c.familyName AS childName,
       a.startDate AS allocatedOn, a.reason AS reason
ORDER BY c.familyName, c.givenName, c.id
"""

ALLOCATIONS_OF = f"""
MATCH (c:Child {{id: $childId}})
{only_visible("c")}
MATCH (c)<-[:ABOUT]-(a:Allocation)-[:TO_WORKER]->(w:Worker)
OPTIONAL MATCH (w)-[:MEMBER_OF_TEAM]->(t:Team)
RETURN {ALLOCATION_FIELDS} AS allocation, c.id AS childId, w.id AS workerId,
       w.name AS workerName, t.id AS teamId
ORDER BY a.startDate DESC, a.recordedAt DESC
"""

# A team's children with something open and no allocated worker in post: nobody
# allocated, or a worker whose employment has ended (the HR feed's end date). Open: a
# contact awaiting its decision, a case not closed, a period of care not finished.
# A worker still in post has no end date, and FalkorDB leaves nulls out of a
# comprehension: whether each holder is in post is read as a flag, never as the date.
HOLDERS_IN_POST = """[(c)-[:ALLOCATED_TO]->(holder:Worker)
         | holder.endDate IS NULL OR holder.endDate >= date($today)] AS inPost"""

UNALLOCATED_IN_TEAM = f"""
MATCH (:Team {{id: $teamId}})<-[:RESPONSIBLE_TEAM]-(c:Child)
{only_visible("c")}
WITH c,
     {HOLDERS_IN_POST},
     [(c)-[:ALLOCATED_TO]->(gone:Worker) WHERE gone.endDate IS NOT NULL | gone.endDate]
         AS leftOn,
     [(c)<-[:ABOUT]-(r) WHERE (r:Contact AND r.status = 'OPEN')
         OR (r:Referral AND NOT r.status IN $closedCaseStates)
         OR (r:PeriodOfCare AND NOT r.status IN $closedCareStates) | r.id] AS open,
     [(c)<-[:ABOUT]-(ended:Allocation) | ended.endDate] AS ended
WHERE size(open) > 0
  AND none(held IN inPost WHERE held)
RETURN c.id AS childId, c.givenName + ' ' + c.familyName AS childName,
       reduce(latest = null, d IN ended |
              CASE WHEN latest IS NULL OR d > latest THEN d ELSE latest END) AS lastAllocatedUntil,
       head(leftOn) AS workerLeftOn
ORDER BY c.familyName, c.givenName, c.id
"""

# The demo county: an allocation per child, as the mutation would have made it.
LOAD_ALLOCATIONS = f"""
UNWIND $rows AS r
MATCH (c:Child {{id: r.child}})
MATCH (w:Worker {{id: r.worker}})
MATCH (t:Team {{id: r.team}})
CREATE (a:Allocation {{id: r.id, startDate: date(r.startDate), reason: r.reason,
        recordedBy: 'demo', recordedAt: r.recordedAt}})
CREATE (a)-[:ABOUT]->(c)
CREATE (a)-[:TO_WORKER]->(w)
MERGE (c)-[:ALLOCATED_TO]->(w)
MERGE (c)-[:RESPONSIBLE_TEAM]->(t)
{keep_holders("c")}
RETURN count(c) AS allocated
"""

LOAD_PAST_ALLOCATIONS = """
UNWIND $rows AS r
MATCH (c:Child {id: r.child})
MATCH (w:Worker {id: r.worker})
CREATE (a:Allocation {id: r.id, startDate: date(r.startDate), endDate: date(r.endDate),
        reason: r.reason, recordedBy: 'demo', recordedAt: r.recordedAt})
CREATE (a)-[:ABOUT]->(c)
CREATE (a)-[:TO_WORKER]->(w)
"""
