"""Case notes on a child's record."""

from __future__ import annotations

from graph.cypher.access import only_visible

NOTE_FIELDS = "n {.id, .type, .text, .occurredAt, .recordedAt, .status, .version}"

ADD_CASE_NOTE = f"""
MATCH (c:Child {{id: $childId}})
{only_visible("c")}
MATCH (w:Worker {{id: $viewer}})
CREATE (n:CaseNote {{id: $noteId, type: $type, text: $text, occurredAt: $occurredAt,
        recordedAt: $now, status: 'FINAL', version: 1}})
CREATE (n)-[:ABOUT]->(c)
CREATE (n)-[:WRITTEN_BY]->(w)
RETURN {NOTE_FIELDS} AS note, w.name AS author
"""

NOTES_OF = f"""
UNWIND $ids AS childId
MATCH (c:Child {{id: childId}})<-[:ABOUT]-(n:CaseNote)
OPTIONAL MATCH (n)-[:WRITTEN_BY]->(w:Worker)
RETURN childId, {NOTE_FIELDS} AS note, w.name AS author
ORDER BY n.occurredAt DESC, n.recordedAt DESC
"""
