"""Reading a child's record: the child, then one statement per nested relationship.

Nested statements take a list of child ids (a DataLoader batch), so a request costs
one round trip per level of the query, not one per child.
"""

from __future__ import annotations

from graph.cypher.access import attends_on, child_visible, on_roll_at, only_visible

CHILD_FIELDS = (
    "c {.id, .givenName, .familyName, .dateOfBirth, .expectedDateOfBirth, .sex,"
    " .ethnicity, .nhsNumber, .upn, .unborn, .restricted}"
)

CHILDREN_BY_ID = f"""
UNWIND $ids AS childId
MATCH (c:Child {{id: childId}})
{only_visible("c")}
RETURN c.id AS id, {CHILD_FIELDS} AS child
"""

# By the start of the family name (its folded key, graph/names.py), or exactly by NHS
# number or UPN. Each branch seeks its own index: one WHERE with OR scanned every child.
# The name branch seeks the first letters in the indexed prefix list, then compares the
# whole key (a term longer than the list's prefixes).
SEARCH_CHILDREN = f"""
CALL {{
    MATCH (c:Child) WHERE $seek IN c.familyNamePrefixes AND c.familyNameKey STARTS WITH $prefix
    RETURN c
    UNION
    MATCH (c:Child {{nhsNumber: $exact}}) RETURN c
    UNION
    MATCH (c:Child {{upn: $exact}}) RETURN c
}}
WITH c
{only_visible("c")}
RETURN {CHILD_FIELDS} AS child
ORDER BY c.familyName, c.givenName, c.id
LIMIT $limit
"""

# The family name key's backfill (graph/names.py): children and intake records that have
# a name but no key, a batch at a time; each write guarded by the name the key was made
# from.
CHILDREN_WITHOUT_NAME_KEY = """
MATCH (c:Child) WHERE c.familyName IS NOT NULL AND c.familyNameKey IS NULL
RETURN c.id AS id, c.familyName AS familyName
LIMIT $limit
"""

SET_CHILD_NAME_KEYS = """
UNWIND $rows AS r
MATCH (c:Child {id: r.id})
WHERE c.familyName = r.familyName
SET c.familyNameKey = r.familyNameKey, c.familyNamePrefixes = r.familyNamePrefixes
RETURN count(c) AS written
"""

RECORDS_WITHOUT_NAME_KEY = """
MATCH (s:SourceRecord) WHERE s.familyName IS NOT NULL AND s.familyNameKey IS NULL
RETURN s.id AS id, s.familyName AS familyName
LIMIT $limit
"""

SET_RECORD_NAME_KEYS = """
UNWIND $rows AS r
MATCH (s:SourceRecord {id: r.id})
WHERE s.familyName = r.familyName
SET s.familyNameKey = r.familyNameKey, s.familyNamePrefixes = r.familyNamePrefixes
RETURN count(s) AS written
"""


# A household or a relative who is a child is named only if the caller may see that
# child in their own right: a sibling's record must not reopen a restricted or
# forbidden child (the row rule applies on every path, not only at the roots).
_MEMBERS = f"""
OPTIONAL MATCH (f)<-[m:MEMBER_OF]-(p:Person)
WITH key, f, p, m,
     CASE WHEN p IS NULL THEN false ELSE {child_visible("p")} END AS shown
WITH key, f, p, m, shown ORDER BY p.dateOfBirth
WITH key, f, collect(CASE WHEN shown THEN p {{.id, .givenName, .familyName, .dateOfBirth,
     .unborn, kind: CASE WHEN p:Child THEN 'CHILD' ELSE 'ADULT' END, householdRole: m.role}}
     END) AS members
RETURN key, f {{.id, .name}} AS family, members
"""

FAMILIES_OF = f"""
UNWIND $ids AS key
MATCH (c:Child {{id: key}})-[:MEMBER_OF]->(f:Family)
{_MEMBERS}"""

# Federation `_entities`: a household is found only through a child of it the caller may see.
FAMILIES_BY_ID = f"""
UNWIND $ids AS key
MATCH (f:Family {{id: key}})<-[:MEMBER_OF]-(c:Child)
{only_visible("c", "key", "f")}
WITH DISTINCT key, f
{_MEMBERS}"""

# Federation `_entities`: a child by the child's own rule; an adult only through a child
# the caller may see whose household they share or who is related to them.
PEOPLE_BY_ID = f"""
UNWIND $ids AS key
MATCH (p:Person {{id: key}})
OPTIONAL MATCH (p)-[:MEMBER_OF]->(:Family)<-[:MEMBER_OF]-(household:Child)
WITH key, p, collect(household) AS households
OPTIONAL MATCH (p)<-[:RELATED_TO]-(relative:Child)
WITH key, p, households, collect(relative) AS relatives
WITH key, p, CASE WHEN p:Child THEN [p] ELSE households + relatives END AS through
UNWIND through AS c
WITH key, p, c
{only_visible("c", "key", "p")}
WITH key, p, collect(DISTINCT c.id) AS throughChildren
RETURN key, p {{.id, .givenName, .familyName, .dateOfBirth, .unborn,
       kind: CASE WHEN p:Child THEN 'CHILD' ELSE 'ADULT' END,
       throughChildren: throughChildren}} AS person
"""

RELATIONSHIPS_OF = f"""
UNWIND $ids AS childId
MATCH (c:Child {{id: childId}})-[r:RELATED_TO]->(p:Person)
WITH childId, r, p, {child_visible("p")} AS shown
WHERE shown
RETURN childId, r.type AS type, p {{.id, .givenName, .familyName, .dateOfBirth, .unborn,
       kind: CASE WHEN p:Child THEN 'CHILD' ELSE 'ADULT' END}} AS person
ORDER BY r.type, p.familyName, p.givenName
"""

ADDRESSES_OF = """
UNWIND $ids AS personId
MATCH (p:Person {id: personId})-[l:LIVES_AT]->(a:Address)
WHERE l.until IS NULL
RETURN personId, a {.id, .line1, .line2, .town, .postcode} AS address
"""

ALLOCATED_WORKERS_OF = """
UNWIND $ids AS childId
MATCH (c:Child {id: childId})-[:ALLOCATED_TO]->(w:Worker)
OPTIONAL MATCH (w)-[:MEMBER_OF_TEAM]->(t:Team)
RETURN childId, w {.id, .name, .role, .email, .phone, team: t.name} AS worker
"""

# The school a child is on the roll of now: an IES pupil record's (by URN, between
# admission and leaving) before the authority's own `ATTENDS` (on the days it names).
SCHOOLS_OF = f"""
UNWIND $ids AS childId
MATCH (c:Child {{id: childId}})
WITH childId,
     [(c)<-[:LINKED_TO]-(:SourceRecord)-[roll:ON_ROLL_AT]->(onRoll:Agency)
      WHERE {on_roll_at("roll", "$now")}
      | onRoll {{.id, .name, .kind, .phone}}]
   + [(c)-[attends:ATTENDS]->(attended:Agency)
      WHERE {attends_on("attends", "date($todayInEngland)")}
      | attended {{.id, .name, .kind, .phone}}] AS schools
WHERE size(schools) > 0
RETURN childId, head(schools) AS school
"""

INVOLVEMENTS_OF = """
UNWIND $ids AS childId
MATCH (c:Child {id: childId})-[:HAS_INVOLVEMENT]->(i:Involvement)
OPTIONAL MATCH (i)-[:BY_WORKER]->(w:Worker)
OPTIONAL MATCH (i)-[:BY_AGENCY]->(a:Agency)
RETURN childId, i {.id, .role, .startDate, .endDate, worker: w.name, agency: a.name} AS involvement
ORDER BY i.startDate
"""
