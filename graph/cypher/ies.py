"""Education (IES) records beyond taking them in: a finalised SSR opens the child's file."""

from __future__ import annotations

from graph.cypher.access import only_visible
from graph.cypher.files import open_file

# DOMAIN: a child's Livelink file is created automatically when a Contact is finalised in
# LCS or an SSR is finalised in IES. Idempotent: a second finalised SSR, or a replay,
# finds the file open and creates nothing.
OPEN_FILE_FOR_SSR = f"""
MATCH (r:SourceRecord {{key: $key}})-[:LINKED_TO]->(c:Child)
WHERE r.kind = 'SSR' AND r.version = $version
{open_file("c", "SSR")}
RETURN c.id AS childId, f.id AS fileId, fileCreated
"""

# The SSRs on a child's record: those linked to the child (one per IES record id, at the
# version the hub holds), newest first. The WITH makes the engine start from the child:
# with the filter on the record in the same pattern it read every record ever taken in
# (a label scan of SourceRecord) on each child's view.
SSRS_OF = """
UNWIND $ids AS childId
MATCH (c:Child {id: childId})
WITH childId, c
MATCH (c)<-[:LINKED_TO]-(r:SourceRecord)
WHERE r.kind = 'SSR'
RETURN childId, r {.id, .recordId, .version, .startDate, .details, .updatedAt} AS ssr
ORDER BY r.startDate DESC, r.recordId
"""

# The stays on a school's roll of the IES pupil records linked to a child, newest first:
# a record keeps the stays before a move (graph/cypher/encompass.py PLACE_ON_ROLL).
SCHOOL_STAYS_OF = f"""
UNWIND $ids AS childId
MATCH (c:Child {{id: childId}})
{only_visible("c")}
MATCH (c)<-[:LINKED_TO]-(r:SourceRecord)-[roll:ON_ROLL_AT]->(school:Agency)
WHERE r.kind = 'PUPIL'
RETURN c.id AS childId, {{recordId: r.recordId, schoolUrn: school.urn, schoolName: school.name,
       fromMs: roll.fromMs, untilMs: roll.untilMs}} AS stay
ORDER BY stay.fromMs DESC, stay.recordId
"""
