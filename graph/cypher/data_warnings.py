"""The DfE rules a saved record breaks (returns/entry_checks.py), kept on the child.

A `DataWarning` WARNS_ABOUT the child; its key is the record, the rule and the subject
(a 903 episode), so saving the same record again keeps a warning that still holds with
its first who and when, and deletes the ones the save corrected.
"""

from __future__ import annotations

from graph.cypher.access import only_visible

# The child a warning is about is the one it WARNS_ABOUT now, not the `childId` it was
# saved with: a merge moves the warning to the record kept, and the merged-away record's
# id must come out of no read (graph/cypher/merging.py).
_FIELDS = ".code, .field, .message, .subject, .recordId, childId: c.id, .recordedBy, .recordedAt"

# One statement: drop the record's warnings the save no longer raises, keep or add the
# rest. An empty $warnings only clears.
REPLACE_RECORD_WARNINGS = """
MATCH (c:Child {id: $childId})
OPTIONAL MATCH (c)<-[:WARNS_ABOUT]-(old:DataWarning {recordId: $recordId})
WHERE NOT old.key IN $keys
DETACH DELETE old
WITH DISTINCT c
UNWIND $warnings AS warning
MERGE (w:DataWarning {key: warning.key})
ON CREATE SET w.recordedBy = $recordedBy, w.recordedAt = $recordedAt
SET w.code = warning.code, w.field = warning.field, w.message = warning.message,
    w.subject = warning.subject, w.recordId = $recordId, w.childId = $childId
MERGE (w)-[:WARNS_ABOUT]->(c)
RETURN count(w) AS kept
"""

# A Case's or a PeriodOfCare's warnings: the record was already read through the row rule.
WARNINGS_OF_RECORDS = f"""
UNWIND $ids AS recordId
MATCH (w:DataWarning {{recordId: recordId}})-[:WARNS_ABOUT]->(c:Child)
RETURN recordId, w {{{_FIELDS}}} AS warning
ORDER BY w.code, w.subject
"""

_PER_CHILD = f"""
MATCH (c)<-[:WARNS_ABOUT]-(w:DataWarning)
RETURN c.id AS childId, c.givenName + ' ' + c.familyName AS childName, w {{{_FIELDS}}} AS warning
ORDER BY c.familyName, c.givenName, c.id, w.code, w.subject
"""

# The worker's allocated children's warnings, and a team's: the work lists' row rule.
WARNINGS_OF_WORKER = f"""
MATCH (:Worker {{id: $workerId}})<-[:ALLOCATED_TO]-(c:Child)
{only_visible("c")}
{_PER_CHILD}"""

WARNINGS_OF_TEAM = f"""
MATCH (:Team {{id: $teamId}})<-[:MEMBER_OF_TEAM]-(:Worker)<-[:ALLOCATED_TO]-(c:Child)
{only_visible("c")}
{_PER_CHILD}"""

# What the 903 says of a child beside a period of care's episodes (the header's UPN, the
# PrevPerm row): read after a save the caller was allowed to make.
CHILD_FOR_CARE_CHECKS = """
MATCH (c:Child {id: $childId})
RETURN c.upn AS upn,
       [(c)<-[:ABOUT]-(f:ChildFact) WHERE f.kind IN ['UPN_UNKNOWN', 'PREVIOUS_PERMANENCE']
        | f {.kind, .on, .recordedAt, .reason, .permanence, .localAuthority, .orderDate,
          .orderDateKnown}]
       AS facts
"""

# The periods of care a fact about the child is checked again with.
PERIODS_OF_CARE_OF_CHILD = f"""
MATCH (c:Child {{id: $childId}})
{only_visible("c")}
MATCH (c)<-[:ABOUT]-(p:PeriodOfCare)
RETURN p.id AS id
"""
