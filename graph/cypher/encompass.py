"""Operation Encompass: police incident reports, the schools' notices and the MASH's list.

A `DomesticAbuseIncident` is keyed by the force and its own reference (a replay is
refused by the constraint, so it makes no second set of notices). Each `EncompassNotice`
is `ABOUT` one child and, when it goes to a school, `FOR_SCHOOL` that school's agency;
a notice police could not match to a child carries what police sent instead. `state` is
OPEN until the school acknowledges (ACKNOWLEDGED) or the MASH records what it did
(FOLLOWED_UP); `mashFrom` (epoch ms) is when the MASH starts to see an open notice: at
once for a child with no school, a restricted record or no match, at the due time for a
school's notice.
"""

from __future__ import annotations

from graph.cypher.access import (
    ASKED_AS_VIRTUAL_SCHOOL,
    attends_on,
    grant_held,
    looked_after_now,
    on_roll_at,
)

# The child's school on the day the notice is sent: the authority's own record
# (`ATTENDS`, dated when known) or a linked IES pupil record's stay on a roll spanning it
# ($onMs, the start of that day in England; a record keeps the stays before a move).
SCHOOLS_ON_ROLL = f"""
UNWIND $ids AS childId
MATCH (c:Child {{id: childId}})
RETURN c.id AS childId, coalesce(c.restricted, false) AS restricted,
       [(c)-[attends:ATTENDS]->(attended:Agency)
        WHERE {attends_on("attends", "date($on)")} | attended.id]
     + [(c)<-[:LINKED_TO]-(pupil:SourceRecord)-[roll:ON_ROLL_AT]->(onRoll:Agency)
        WHERE pupil.kind = 'PUPIL' AND {on_roll_at("roll", "$onMs")} | onRoll.id] AS schools
"""

_NOTICE_FIELDS = (
    ".id, .state, .route, .present, .occurredAt, .dueAt, .dueOn, .schoolDaysToDue, .sentAt,"
    " .acknowledgedAt, .acknowledgedByName, .followedUpAt, .followedUpBy, .followUp"
)

# Each of $notices (a row per child and school, with `i` the incident): the notice,
# named to its school as the child's record names them when it is sent, and a work
# notice to the child's allocated worker when `row.tellWorker`.
_SEND_NOTICES = """
MATCH (c:Child {id: row.childId})
OPTIONAL MATCH (school:Agency {id: row.schoolId})
WITH i, row, c, school,
     row.route = 'SCHOOL' AND school IS NULL AS schoolGone
CREATE (n:EncompassNotice {id: row.id, state: 'OPEN',
        route: CASE WHEN schoolGone THEN 'NO_SCHOOL' ELSE row.route END,
        present: row.present, occurredAt: i.occurredAt, dueAt: $dueAt,
        dueOn: date($dueOn), schoolDaysToDue: $schoolDaysToDue, sentAt: $now,
        mashFrom: CASE WHEN schoolGone THEN $now ELSE row.mashFrom END})
CREATE (n)-[:ABOUT]->(c)
CREATE (n)-[:FROM_INCIDENT]->(i)
FOREACH (to IN CASE WHEN school IS NULL THEN [] ELSE [school] END |
    CREATE (n)-[:FOR_SCHOOL]->(to)
    SET n.pupilGivenName = c.givenName, n.pupilFamilyName = c.familyName,
        n.pupilDateOfBirth = c.dateOfBirth, n.pupilUpn = c.upn, n.pupilAsOf = $now)
WITH i, c, row, [(c)-[:ALLOCATED_TO]->(allocated:Worker) | allocated] AS workers
FOREACH (worker IN CASE WHEN row.tellWorker THEN workers ELSE [] END |
    CREATE (w:Notice {id: row.id + ':' + worker.id, kind: 'DOMESTIC_ABUSE_INCIDENT',
            at: $now, audience: 'police', agency: i.force,
            subjectName: i.reportedByName, acknowledged: false})
    CREATE (w)-[:FOR_WORKER]->(worker)
    CREATE (w)-[:ABOUT]->(c))
"""

# One write: the incident, a notice per child (and school), a notice per unmatched child
# for the MASH, and a work notice to each matched child's allocated worker.
RECORD_INCIDENT = (
    """
CREATE (i:DomesticAbuseIncident {id: $incident.id, key: $incident.key,
        forceReference: $incident.forceReference, occurredAt: $incident.occurredAt,
        occurredOn: date($incident.occurredOn), force: $incident.force,
        reportedBy: $incident.reportedBy, reportedByName: $incident.reportedByName,
        recordedAt: $now})
FOREACH (u IN $unmatched |
    CREATE (n:EncompassNotice {id: u.id, state: 'OPEN', route: 'NOT_MATCHED',
            present: u.present, occurredAt: $incident.occurredAt, dueAt: $dueAt,
            dueOn: date($dueOn), schoolDaysToDue: $schoolDaysToDue, sentAt: $now,
            mashFrom: u.mashFrom, givenName: u.givenName, familyName: u.familyName,
            nhsNumber: u.nhsNumber, upn: u.upn})
    FOREACH (born IN CASE WHEN u.dateOfBirth IS NULL THEN [] ELSE [u.dateOfBirth] END |
        SET n.dateOfBirth = date(born))
    CREATE (n)-[:FROM_INCIDENT]->(i))
WITH i
UNWIND $notices AS row
"""
    + _SEND_NOTICES
    + "RETURN count(row) AS notices\n"
)

# The pupil as the notice named them to the school when it was sent (`pupilAsOf`): the
# notice is the school's record of what it was told, kept after the child moves on, and
# what the child's record comes to hold later (another name, a UPN, a record merged
# into another) is not the school's to learn through it.
_PUPIL_AS_TOLD = (
    "{id: c.id, givenName: n.pupilGivenName, familyName: n.pupilFamilyName,"
    " dateOfBirth: n.pupilDateOfBirth, upn: n.pupilUpn} AS pupil"
)

# A school reads only notices addressed to it, from the school's own node: another
# school's notice is never matched, so it is absent rather than refused. A record
# restricted after the notice was sent is withdrawn from the school with it.
# Asked as a virtual school (`$purpose`), a school is told only of pupils looked after
# now, as the row rule narrows every other path (graph/cypher/access.py).
# (Projected first: FalkorDB cannot resolve a pattern comprehension inside a WHERE.)
_AS_ASKED = (
    f"WITH n, c, {looked_after_now('c')} AS periodsInCareNow\n"
    f"WHERE NOT {ASKED_AS_VIRTUAL_SCHOOL} OR periodsInCareNow > 0"
)

_SCHOOL_NOTICES = f"""
MATCH (school:Agency {{id: $agency}})<-[:FOR_SCHOOL]-(n:EncompassNotice)-[:ABOUT]->(c:Child)
WHERE NOT coalesce(c.restricted, false) AND n.withdrawnAt IS NULL
{_AS_ASKED}
RETURN n {{{_NOTICE_FIELDS}}} AS notice, {_PUPIL_AS_TOLD}
"""

SCHOOL_NOTICES = _SCHOOL_NOTICES + "ORDER BY n.occurredAt DESC, n.id\nLIMIT $limit\n"

SCHOOL_NOTICE = _SCHOOL_NOTICES.replace(
    "(n:EncompassNotice)", "(n:EncompassNotice {id: $noticeId})"
)

# Guarded by the state: of two racing acknowledgements the first stands.
ACKNOWLEDGE = f"""
MATCH (school:Agency {{id: $agency}})<-[:FOR_SCHOOL]-(n:EncompassNotice {{id: $noticeId}})
      -[:ABOUT]->(c:Child)
WHERE n.state = 'OPEN' AND NOT coalesce(c.restricted, false)
{_AS_ASKED}
SET n.state = 'ACKNOWLEDGED', n.acknowledgedAt = $readAt, n.acknowledgedBy = $by,
    n.acknowledgedByName = $byName, n.acknowledgementRecordedAt = $now
RETURN n {{{_NOTICE_FIELDS}}} AS notice, {_PUPIL_AS_TOLD}
"""

# The MASH's list: open notices it should see by now. A restricted child is named only to
# a worker holding a grant to the record; the others see that a restricted record's
# notice is waiting, and whose grant holders to ask, but not the school of a notice sent
# before the restriction: where a child goes to school is what a restriction hides.
_MASH_NAMED = (
    "CASE WHEN c IS NULL THEN false WHEN NOT coalesce(c.restricted, false) THEN true"
    f" ELSE {grant_held('c')} END"
)

MASH_NOTICES = f"""
MATCH (n:EncompassNotice {{state: 'OPEN'}})
WHERE n.mashFrom <= $now
OPTIONAL MATCH (n)-[:ABOUT]->(c:Child)
OPTIONAL MATCH (n)-[:FOR_SCHOOL]->(school:Agency)
WITH n, c, school, {_MASH_NAMED} AS named
RETURN n {{{_NOTICE_FIELDS}}} AS notice,
       CASE WHEN named THEN c.id ELSE null END AS childId,
       CASE WHEN named THEN c.givenName + ' ' + c.familyName
            WHEN c IS NULL THEN coalesce(n.givenName, '') + ' ' + coalesce(n.familyName, '')
            ELSE null END AS childName,
       CASE WHEN c IS NULL THEN n.dateOfBirth WHEN named THEN c.dateOfBirth
            ELSE null END AS dateOfBirth,
       c IS NOT NULL AND NOT named AS withheld,
       CASE WHEN c IS NOT NULL AND NOT named THEN null ELSE school.name END AS schoolName,
       CASE WHEN c IS NOT NULL AND NOT named THEN null ELSE school.phone END AS schoolPhone
ORDER BY n.mashFrom, n.id
LIMIT $limit
"""

# The MASH records what it did about an open notice it can see (it is then off the list).
FOLLOW_UP = """
MATCH (n:EncompassNotice {id: $noticeId})
WHERE n.state = 'OPEN' AND n.mashFrom <= $now
SET n.state = 'FOLLOWED_UP', n.followedUpAt = $now, n.followedUpBy = $by,
    n.followedUpByName = $byName, n.followUp = $followUp
RETURN n.id AS id
"""

# An IES pupil record puts the child it is linked to on the school's roll, from
# admission to leaving. The school is found by its URN (made, as a SCHOOL agency, the
# first time a pupil record names it). Guarded by the record's version: a stale or
# replayed record leaves the roll as the newest version set it.
#
# IES sends a move as a new version of the same record, so the roll keeps each stay: a
# stay at another school admitted before this version's admission is history, ended by
# the move at the latest. A stay this version replaces is one admitted on or after its
# admission (the earlier version had the school or the day wrong) or one at the same
# school still running at its admission (the same stay, its dates corrected).
# `schoolCorrected`: a stay at another school was replaced (the earlier version named the
# wrong school), so notices sent there may have named a child who was never its pupil.
PLACE_ON_ROLL = """
MATCH (r:SourceRecord {key: $key})
WHERE r.version = $version AND r.kind = 'PUPIL'
OPTIONAL MATCH (r)-[old:ON_ROLL_AT]->(oldSchool:Agency)
WITH r, old, old IS NOT NULL AND (old.fromMs >= $fromMs
     OR (oldSchool.urn = $urn AND (old.untilMs IS NULL OR old.untilMs > $fromMs))) AS replaced,
     coalesce(oldSchool.urn <> $urn, false) AS elsewhere
FOREACH (stay IN CASE WHEN replaced THEN [old] ELSE [] END | DELETE stay)
FOREACH (stay IN CASE WHEN old IS NOT NULL AND NOT replaced
                       AND (old.untilMs IS NULL OR old.untilMs > $fromMs) THEN [old] ELSE [] END |
    SET stay.untilMs = $fromMs)
WITH r, size([moved IN collect(replaced AND elsewhere) WHERE moved]) > 0 AS schoolCorrected
MERGE (s:Agency {urn: $urn})
ON CREATE SET s.id = $schoolId, s.kind = 'SCHOOL', s.name = $schoolName
CREATE (r)-[:ON_ROLL_AT {fromMs: $fromMs, untilMs: $untilMs}]->(s)
RETURN s.id AS schoolId, schoolCorrected
"""

# IES reporting a pupil record's stay ($records: the record's key and its newest stay's
# admission, `fromMs`: where the child is from then) ends the child's stay at any other
# school the authority recorded itself (`ATTENDS`, dated or not, as the bulk load writes
# it) that runs on the day of admission: it ends the day before, with the record that
# ended it and when. Without this an undated `ATTENDS` kept the child on the old
# school's roll for ever after a move.
END_STAYS_ELSEWHERE = """
UNWIND $records AS pupil
MATCH (r:SourceRecord {key: pupil.key})-[:LINKED_TO]->(c:Child)
WHERE r.kind = 'PUPIL'
MATCH (r)-[roll:ON_ROLL_AT]->(school:Agency)
WHERE roll.fromMs = pupil.fromMs
MATCH (c)-[attends:ATTENDS]->(other:Agency)
WHERE other.id <> school.id
  AND (attends.from IS NULL OR attends.from < date(pupil.admitted))
  AND (attends.until IS NULL OR attends.until >= date(pupil.admitted))
SET attends.until = date(pupil.lastDay), attends.endedByRecord = pupil.key,
    attends.endedAt = $now
RETURN count(attends) AS ended
"""

# A record unlinked from the child it was wrongly linked to, a merge undone, or IES
# correcting the school a pupil record named: a notice sent to a school the child was
# never on the roll of by anything the child's record now holds (no stay there of a
# linked pupil record, no stay the authority recorded there) named a child who was never
# its pupil. It is withdrawn from the school (it no longer reads or acknowledges it, and
# the MASH no longer chases it), with who withdrew it, when and why; the incident is sent
# again where it should have gone (REROUTE_NOTICES). A school the child has left keeps
# what it was told: the stay there is kept as history, ended by the move.
WITHDRAW_UNFOUNDED = """
MATCH (c:Child {id: $childId})<-[:ABOUT]-(n:EncompassNotice)-[:FOR_SCHOOL]->(school:Agency)
WHERE n.withdrawnAt IS NULL AND NOT (c)-[:ATTENDS]->(school)
OPTIONAL MATCH (c)<-[:LINKED_TO]-(record:SourceRecord)-[:ON_ROLL_AT]->(school)
WHERE record.kind = 'PUPIL'
WITH n, count(record) AS onRoll
WHERE onRoll = 0
SET n.stateWhenWithdrawn = n.state, n.state = 'WITHDRAWN', n.withdrawnAt = $now,
    n.withdrawnBy = $by, n.withdrawnByName = $byName, n.withdrawnReason = $reason
RETURN n.id AS id, n.present AS present
"""

# The incident of each withdrawn notice ($notices: `row.replaces`), sent again to where
# the child is now (their school, or the MASH), as police's report first was; a school
# already holding the incident's notice about the child (a second school's) is not sent it
# twice.
REROUTE_NOTICES = (
    """
UNWIND $notices AS row
MATCH (:EncompassNotice {id: row.replaces})-[:FROM_INCIDENT]->(i:DomesticAbuseIncident)
OPTIONAL MATCH (i)<-[:FROM_INCIDENT]-(sent:EncompassNotice)-[:FOR_SCHOOL]->
      (:Agency {id: row.schoolId}), (sent)-[:ABOUT]->(:Child {id: row.childId})
WHERE sent.withdrawnAt IS NULL
WITH i, row, count(sent) AS alreadySent
WHERE alreadySent = 0
"""
    + _SEND_NOTICES
    + """WITH row
MATCH (sent:EncompassNotice {id: row.id})
MATCH (withdrawn:EncompassNotice {id: row.replaces})
CREATE (sent)-[:REPLACES]->(withdrawn)
RETURN count(sent) AS notices
"""
)
