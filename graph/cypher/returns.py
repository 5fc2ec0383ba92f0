"""The statutory returns' reads: every child with a period of care, a page at a time.

A return is the authority's whole record, so these statements do not apply a viewer's
row rule: restricted records (an adopted child's, a sealed one) are counted by the DfE
like any other, and the file goes to the DfE, not to a viewer. Only the returns room
(`returns/`) runs them, for callers that have already been authorised to produce a
return (the operator's CLI on the server; the performance role's job).

Paging is by child id (the unique index), so memory stays bounded whatever the county's
size and a page is the same work wherever it falls. Each comprehension keeps its own
variable names (FalkorDB empties a later comprehension that reuses one).
"""

from __future__ import annotations

LOOKED_AFTER_COUNT = """
MATCH (p:PeriodOfCare)-[:ABOUT]->(c:Child)
RETURN count(DISTINCT c) AS children
"""

# One row per child: the child, and everything the SSDA903 tables are made from.
LOOKED_AFTER_PAGE = """
MATCH (p:PeriodOfCare)-[:ABOUT]->(c:Child)
WHERE c.id > $after
WITH DISTINCT c
ORDER BY c.id
LIMIT $limit
RETURN c {.id, .sex, .dateOfBirth, .ethnicity, .upn} AS child,
       [(c)<-[:ABOUT]-(period:PeriodOfCare)
        | period {.id, .status, .startDate, .endDate, .reasonCeased}] AS periods,
       [(c)<-[:ABOUT]-(s:Step)-[:PART_OF]->(owner:PeriodOfCare)
        | s {.*, periodId: owner.id}] AS steps,
       [(c)<-[:ABOUT]-(plan:AdoptionPlan) | plan {.*}] AS adoptions,
       [(c)<-[:ABOUT]-(f:ChildFact) | f {.*}] AS facts,
       [(c)<-[:ABOUT]-(a:Allocation)-[:TO_WORKER]->(w:Worker)
        | a {.startDate, .endDate, .reason, workerId: w.id,
             registrationNumber: w.registrationNumber}] AS allocations,
       [(c)<-[:ABOUT]-(r:Referral)
        | r {.referralDate, .primaryNeed}] AS referrals
ORDER BY c.id
"""
