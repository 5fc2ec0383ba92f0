"""Work lists: what is due for a worker's children, a team's, and the notices waiting."""

from __future__ import annotations

from graph.cypher.access import only_visible
from graph.cypher.workforce import HOLDERS_IN_POST

# FalkorDB: each pattern comprehension below has its own variable names; reusing one
# across comprehensions of the same projection silently empties the later lists.
# Per child: open steps with a due date, held steps done after their due day with no
# reason why (a correction of another step made them late: schema/worklists.py keeps
# those its timescale says are late), referrals still awaiting a decision (their due date
# is computed in Python from the referral date), referrals decided with no reason why
# the decision was late (schema/worklists.py keeps those decided after their due day: a
# corrected referral date made them late), the referrals a contact opened that was
# decided after its due day with no reason why (a corrected referral date made it late,
# whatever the referral's own state), contacts still awaiting a decision, and records
# waiting for a manager.
_PER_CHILD = """
WITH c, w,
     [(c)<-[:ABOUT]-(s:Step)-[:PART_OF]->(owner)
      WHERE (s.status = 'OPEN' AND s.dueDate IS NOT NULL)
         OR (s.status = 'DONE' AND s.dueRule IS NOT NULL AND s.lateReason IS NULL
             AND (s.completedDate > s.dueDate OR s.authorisedDate > s.dueDate)
             AND coalesce(owner.status, '') <> 'RECORDED_IN_ERROR')
      | {step: s {.id, .kind, .status, .dueDate, .dueRule, .completedDate, .authorisedDate},
         recordId: owner.id,
         process: coalesce(owner.process, CASE WHEN owner:Referral THEN 'CASE'
                       WHEN owner:PeriodOfCare THEN 'CARE' ELSE 'ADOPTION' END)}] AS steps,
     [(c)<-[:ABOUT]-(referral:Referral) WHERE referral.status = 'OPEN'
      | referral {.id, .referralDate}] AS referrals,
     [(c)<-[:ABOUT]-(decided:Referral)
      WHERE decided.decisionDate IS NOT NULL AND decided.decisionLateReason IS NULL
        AND decided.status IN ['ACCEPTED', 'CLOSURE_AWAITING_AUTHORISATION', 'CLOSED']
      | decided {.id, .referralDate, .decisionDate}] AS decided,
     [(c)<-[:ABOUT]-(lateContact:Contact)-[:LED_TO]->(opened:Referral)
      WHERE lateContact.status = 'FINALISED' AND lateContact.decisionLateReason IS NULL
        AND lateContact.decisionDate > lateContact.decisionDue
        AND opened.status <> 'RECORDED_IN_ERROR'
      | opened.id] AS lateContacts,
     [(c)<-[:ABOUT]-(undecided:Contact) WHERE undecided.status = 'OPEN'
      | undecided {.id, .decisionDue}] AS contacts,
     [(c)<-[:ABOUT]-(waiting) WHERE waiting.pendingAction IS NOT NULL
      | {recordId: waiting.id, action: waiting.pendingAction, state: waiting.status,
         process: coalesce(waiting.process, CASE WHEN waiting:Referral THEN 'CASE'
                       WHEN waiting:PeriodOfCare THEN 'CARE' ELSE 'ADOPTION' END)}] AS awaiting
RETURN c.id AS childId, c.givenName + ' ' + c.familyName AS childName,
       w.id AS workerId, w.name AS workerName, steps, referrals, decided, lateContacts,
       contacts, awaiting
ORDER BY c.familyName, c.givenName, c.id
"""

WORK_OF_WORKER = f"""
MATCH (w:Worker {{id: $workerId}})<-[:ALLOCATED_TO]-(c:Child)
{only_visible("c", "w")}
{_PER_CHILD}"""

WORK_OF_TEAM = f"""
MATCH (:Team {{id: $teamId}})<-[:MEMBER_OF_TEAM]-(w:Worker)<-[:ALLOCATED_TO]-(c:Child)
{only_visible("c", "w")}
{_PER_CHILD}"""

# The team's children nobody in post holds (unallocatedChildren): their work is the
# team's, with no worker (a contact about a new child is decided all the same).
WORK_OF_TEAM_UNALLOCATED = f"""
MATCH (:Team {{id: $teamId}})<-[:RESPONSIBLE_TEAM]-(c:Child)
{only_visible("c")}
WITH c, {HOLDERS_IN_POST}
WHERE none(held IN inPost WHERE held)
WITH c, null AS w
{_PER_CHILD}"""

TEAM_WORKERS = """
MATCH (:Team {id: $teamId})<-[:MEMBER_OF_TEAM]-(w:Worker)
RETURN w.id AS workerId, w.name AS workerName, w.role AS role
ORDER BY w.name, w.id
"""

# A notice names its child: it passes the same row rule as the child itself.
OPEN_NOTICES_FOR = f"""
MATCH (w:Worker {{id: $viewer}})<-[:FOR_WORKER]-(n:Notice)-[:ABOUT]->(c:Child)
WHERE coalesce(n.acknowledged, false) = false
{only_visible("c", "n")}
RETURN n {{.id, .kind, .at, .audience, .agency, .subjectName}} AS notice, c.id AS childId,
       c.givenName + ' ' + c.familyName AS childName
ORDER BY n.at DESC
LIMIT $limit
"""

# Acknowledging is the worker's own act on their own notice: anchored on the worker, so
# another's notice is simply not found. Acknowledging twice keeps the first time.
ACKNOWLEDGE_NOTICE = f"""
MATCH (w:Worker {{id: $viewer}})<-[:FOR_WORKER]-(n:Notice {{id: $noticeId}})-[:ABOUT]->(c:Child)
{only_visible("c", "n")}
SET n.acknowledged = true, n.acknowledgedAt = coalesce(n.acknowledgedAt, $now)
RETURN n {{.id, .kind, .at, .audience, .agency, .subjectName, .acknowledged}} AS notice,
       c.id AS childId, c.givenName + ' ' + c.familyName AS childName
"""
