"""The CIN census's read: every child with a child-in-need episode, a page at a time.

The episode of need is a `Referral`; its assessments, section 47 enquiries, initial
conferences and plans are records IN_EPISODE of it (graph/cypher/journey.py), each with a
`process` naming its kind. A child protection plan's reviews are its DONE review steps.
Like every return's read it applies no viewer's row rule (graph/cypher/returns.py says
why), and each comprehension keeps its own variable names (FalkorDB empties a later one
that reuses a name).
"""

from __future__ import annotations

from graph.cypher.access import counted_episode

# A referral withdrawn as recorded in error is no episode of need (counted_episode), nor
# are the records withdrawn with it.
CHILDREN_IN_NEED_IDS = f"""
MATCH (r:Referral)-[:ABOUT]->(c:Child)
WHERE {counted_episode("r")}
RETURN DISTINCT c.id AS id
"""

# Paged by ids as the SSDA903's read is (graph/cypher/returns.py says why). A record
# withdrawn as started in error (workflow/process.py) is in no return. Reviews are
# read as (plan, date) pairs: a nested comprehension per record is not in the portable
# subset. The step kind and status are workflow/journey/effects.py's StepKind and
# StepStatus values.
CHILDREN_IN_NEED_PAGE = f"""
UNWIND $ids AS childId
MATCH (c:Child {{id: childId}})
RETURN c {{.id, .sex, .dateOfBirth, .expectedDateOfBirth, .unborn, .ethnicity, .upn}} AS child,
       [(c)<-[:ABOUT]-(episode:Referral) WHERE {counted_episode("episode")}
        | episode {{.id, .referralDate, .source, .primaryNeed, .closureDate, .closureReason,
                   .noFurtherAction, .status}}] AS episodes,
       [(c)<-[:ABOUT]-(rec)-[:IN_EPISODE]->(owner:Referral)
        WHERE coalesce(rec.status, '') <> 'RECORDED_IN_ERROR'
        | rec {{.*, episodeId: owner.id}}] AS records,
       [(c)<-[:ABOUT]-(review:Step)-[:PART_OF]->(plan:ChildProtectionPlan)
        WHERE review.kind = 'CHILD_PROTECTION_REVIEW' AND review.status = 'DONE'
        | {{planId: plan.id, heldDate: review.completedDate,
           categories: review.categories}}] AS reviews,
       [(c)<-[:ABOUT]-(f:ChildFact) | f {{.*}}] AS facts
ORDER BY c.id
"""
