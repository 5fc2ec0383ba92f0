"""The partner datasets: each audience's own rows, chosen in the statement.

A partner never reads through the internal relationship rule: each audience has its
own admission rule here (the force's open enquiries, the school's own pupils, a CP-IS
lookup by NHS number), and anything outside it is simply not found.
"""

from __future__ import annotations

from graph.cypher.access import (
    ASKED_AS_VIRTUAL_SCHOOL,
    LOOKED_AFTER_STATES,
    child_visible,
    only_visible,
    open_episode,
)
from graph.cypher.journey import died_on

_CHILD = (
    "c {.id, .givenName, .familyName, .dateOfBirth, .expectedDateOfBirth, .sex,"
    " .ethnicity, .nhsNumber, .upn, .unborn, .restricted}"
)

# The case and care records the journey keeps (workflow/process.py): a Referral is the
# child-in-need episode, a PeriodOfCare the time looked after; these say "still open".
_OPEN_CASE = open_episode("r")
_OPEN_CARE = (
    "p.status IS NOT NULL AND p.status <> 'CEASED' AND p.status <> 'LEAVING_CARE_SERVICES_ENDED'"
)

# Each root reads through the audience's own row rule (graph/cypher/access.py), the same
# rule every nested path applies; restricted records are never shared with partners.

# Police: children in an open multi-agency enquiry (MASH, strategy discussion) that
# the caller's force is party to.
POLICE_ENQUIRY_CHILDREN = f"""
MATCH (force:Agency {{id: $agency}})<-[:PARTY]-(e:MultiAgencyEnquiry {{status: 'OPEN'}})
MATCH (e)-[:CONCERNS]->(c:Child)
WITH DISTINCT c
{only_visible("c")}
RETURN c.id AS id, {_CHILD} AS child
ORDER BY c.familyName, c.givenName, c.id
"""

# Education: the school's own pupils who are children in need, on a plan or looked
# after now. A pupil with no open episode is not the school's business: listing them
# would tell the school that children's services once had a record about the child.
# Pupils come from the authority's own record (ATTENDS) and from IES pupil records on
# the school's roll; the row rule checks the dates of the roll.
EDUCATION_PUPILS = f"""
MATCH (school:Agency {{id: $agency}})
WITH [(school)<-[:ATTENDS]-(attending:Child) | attending]
   + [(school)<-[:ON_ROLL_AT]-(:SourceRecord)-[:LINKED_TO]->(enrolled:Child) | enrolled] AS pupils
UNWIND pupils AS c
WITH DISTINCT c
{only_visible("c")}
RETURN c.id AS id, {_CHILD} AS child
ORDER BY c.familyName, c.givenName, c.id
"""

# caseStates: the states of the open episodes of need, and 'CHILD_PROTECTION_PLAN' when a
# child protection plan in one of them is active (the plan is a record of the episode).
# A school ($audience) is told whether the child is looked after now, never of care that
# ended: a care leaver's period is not among its careStates. Asked as a virtual school
# ($purpose), it is told of that care alone: no caseStates.
OPEN_EPISODES_OF = f"""
UNWIND $ids AS childId
MATCH (c:Child {{id: childId}})
OPTIONAL MATCH (c)<-[:ABOUT]-(r:Referral)
WHERE {_OPEN_CASE} AND NOT {ASKED_AS_VIRTUAL_SCHOOL}
OPTIONAL MATCH (r)<-[:IN_EPISODE]-(plan:ChildProtectionPlan {{status: 'ACTIVE'}})
OPTIONAL MATCH (c)<-[:ABOUT]-(p:PeriodOfCare)
WHERE {_OPEN_CARE} AND ($audience <> 'education' OR p.status IN {LOOKED_AFTER_STATES})
RETURN childId, collect(DISTINCT r.status) + collect(DISTINCT plan.process) AS caseStates,
       collect(DISTINCT p.status) AS careStates
"""

# Health (CP-IS): by NHS number, a child protection plan (including an unborn child's
# pre-birth plan) or a period of care, current or ended in the last 12 months, from every
# record of the person until they are merged: the child record carrying the number, and
# any record an EHM or IES record carrying it is linked to (a child first met without
# one). CP-IS exists to give this answer; the first record alone may not hold the plan.
# A plan withdrawn as recorded in error (with its conference) never was; none runs past
# the child's death recorded on any of the records.
# The NHS number is indexed on Person (every child is one) and on SourceRecord.
CPIS_BY_NHS_NUMBER = f"""
OPTIONAL MATCH (direct:Person {{nhsNumber: $identifiedBy}})
WHERE direct:Child
WITH collect(direct) AS numbered
OPTIONAL MATCH (held:SourceRecord {{nhsNumber: $identifiedBy}})-[:LINKED_TO]->(linked:Child)
// FalkorDB loses `numbered` if it is only used beside the aggregate: group by it.
WITH numbered, collect(linked) AS linkedRecords
UNWIND numbered + linkedRecords AS c
WITH DISTINCT c
{only_visible("c")}
// The child's death, recorded on any of these records (CIN RC2, SSDA903 E2), ends every
// plan of theirs: one left running on another record of the person is not live.
WITH c, {died_on("c")} AS deaths
WITH collect(c) AS records, collect(deaths) AS deathsOfEach
WITH records, reduce(days = [], each IN deathsOfEach | days + each) AS days
WITH records, reduce(first = null, day IN days
                     | CASE WHEN first IS NULL OR day < first THEN day ELSE first END) AS died
UNWIND records AS c
OPTIONAL MATCH (c)<-[:ABOUT]-(plan:ChildProtectionPlan)
WHERE coalesce(plan.status, '') <> 'RECORDED_IN_ERROR'
WITH c, died, collect({{kind: 'CP', start: plan.startDate, end: plan.endDate}}) AS plans
OPTIONAL MATCH (c)<-[:ABOUT]-(p:PeriodOfCare)
WHERE p.startDate IS NOT NULL
WITH c, died, plans, collect({{kind: 'LAC', start: p.startDate, end: p.endDate}}) AS care
UNWIND [plan IN plans + care WHERE plan.start IS NOT NULL
        AND (died IS NULL OR plan.start <= died)
        | {{kind: plan.kind, start: plan.start,
           end: CASE WHEN died IS NOT NULL AND (plan.end IS NULL OR plan.end > died)
                     THEN died ELSE plan.end END}}] AS plan
WITH c, plan
WHERE plan.end IS NULL OR plan.end >= date($since)
RETURN collect({{kind: plan.kind, start: plan.start, end: plan.end, childId: c.id,
                unborn: c.unborn}}) AS plans
"""

RESPONSIBLE_AUTHORITY = """
MATCH (la:Agency {kind: 'LOCAL_AUTHORITY'})
RETURN la {.id, .name, .phone, .outOfHoursPhone} AS authority
ORDER BY la.id
LIMIT 1
"""

# All or nothing: unless every agency exists and every child exists and is one the caller
# may see (opening shares the child with police), nothing is created.
OPEN_ENQUIRY = f"""
UNWIND $agencyIds AS agencyId
MATCH (a:Agency {{id: agencyId}})
WITH collect(a) AS parties
WHERE size(parties) = size($agencyIds)
UNWIND $childIds AS childId
MATCH (c:Child {{id: childId}})
WITH parties, c, {child_visible("c")} AS visible
WHERE visible
WITH parties, collect(c) AS children
WHERE size(children) = size($childIds)
CREATE (e:MultiAgencyEnquiry {{id: $enquiryId, kind: $kind, status: 'OPEN', openedAt: $now,
        openedBy: $viewer, reason: $reason}})
FOREACH (party IN parties | CREATE (e)-[:PARTY]->(party))
FOREACH (child IN children | CREATE (e)-[:CONCERNS]->(child))
RETURN e.id AS id, size(parties) AS parties
"""

# Closing ends police access at once, so it takes the relationship reading needs: the
# caller must see every child the enquiry concerns, or the enquiry is simply not found.
CLOSE_ENQUIRY = f"""
MATCH (e:MultiAgencyEnquiry {{id: $enquiryId}})
WHERE e.status = 'OPEN'
MATCH (e)-[:CONCERNS]->(c:Child)
WITH e, c, {child_visible("c")} AS visible
WITH e, count(c) AS children, sum(CASE WHEN visible THEN 1 ELSE 0 END) AS seen
WHERE seen = children
SET e.status = 'CLOSED', e.closedAt = $now, e.closedBy = $viewer
RETURN e.id AS id
"""

# A looked-after pupil's personal education plan: its steps on the period of care the
# child is looked after in now. A care leaver, or a child whose care ceased, has none: a
# plan of care that ended would tell a school the child was once looked after.
PERSONAL_EDUCATION_PLANS_OF = f"""
UNWIND $ids AS childId
MATCH (c:Child {{id: childId}})
WITH childId, c
MATCH (c)<-[:ABOUT]-(s:Step {{kind: 'PERSONAL_EDUCATION_PLAN'}})-[:PART_OF]->(care:PeriodOfCare)
WHERE care.status IN {LOOKED_AFTER_STATES}
RETURN childId, collect(s {{.status, .dueDate, .completedDate}}) AS steps
"""

# For the demo's instructions: NHS numbers a health user will find something for.
NHS_NUMBERS_ON_PLANS = """
MATCH (c:Child)<-[:ABOUT]-(r)
WHERE c.nhsNumber IS NOT NULL
  AND ((r:ChildProtectionPlan AND r.status = 'ACTIVE')
       OR (r:PeriodOfCare AND r.status = 'LOOKED_AFTER'))
RETURN DISTINCT c.nhsNumber AS nhsNumber
ORDER BY nhsNumber
LIMIT $limit
"""
