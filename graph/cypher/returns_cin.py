"""The CIN census's read: every child with a child-in-need episode, a page at a time.

Built on main's model, where the episode of need is a `Referral` whose steps (assessment,
plans, enquiries, conferences, reviews) are `Step` nodes PART_OF it. Kept apart from the
SSDA903's statements so it can follow the remodelled episode of need on its own. Like
every return's read it applies no viewer's row rule (graph/cypher/returns.py says why).
"""

from __future__ import annotations

CHILDREN_IN_NEED_IDS = """
MATCH (r:Referral)-[:ABOUT]->(c:Child)
RETURN DISTINCT c.id AS id
"""

# Paged by ids as the SSDA903's read is (graph/cypher/returns.py says why).
CHILDREN_IN_NEED_PAGE = """
UNWIND $ids AS childId
MATCH (c:Child {id: childId})
RETURN c {.id, .sex, .dateOfBirth, .expectedDateOfBirth, .unborn, .ethnicity, .upn} AS child,
       [(c)<-[:ABOUT]-(episode:Referral)
        | episode {.id, .referralDate, .source, .primaryNeed, .closureDate, .closureReason,
                   .status}] AS episodes,
       [(c)<-[:ABOUT]-(s:Step)-[:PART_OF]->(owner:Referral)
        | s {.*, episodeId: owner.id}] AS steps,
       [(c)<-[:ABOUT]-(f:ChildFact) | f {.*}] AS facts
ORDER BY c.id
"""
