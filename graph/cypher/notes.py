"""Case notes on a child's record: drafts, finalised notes and their corrections.

A draft is edited in place (guarded by its revision) and read by its author only: it is
not yet on the record, so colleagues neither see nor act on it (`draftBy` names the
author while it is a draft). A finalised note never changes again. A correction is a new
version: the old one is kept, marked not current, and the new one CORRECTS it; every
version of a note shares the first version's `lineageId`.
"""

from __future__ import annotations

from graph.cypher.access import only_visible

NOTE_FIELDS = (
    "n {.id, .type, .text, .occurredAt, .recordedAt, .status, .version, .revision,"
    " .episodeId, .previousVersionId, .supersededBy, .finalisedAt, .correctionReason,"
    " current: coalesce(n.current, true)}"
)

# The episode, when given, must be a case (Referral) or period of care of the same child.
ADD_CASE_NOTE = f"""
MATCH (c:Child {{id: $childId}})
{only_visible("c")}
OPTIONAL MATCH (c)<-[:ABOUT]-(referral:Referral {{id: $episodeId}})
OPTIONAL MATCH (c)<-[:ABOUT]-(care:PeriodOfCare {{id: $episodeId}})
WITH c, coalesce(referral, care) AS episode
WHERE $episodeId IS NULL OR episode IS NOT NULL
MATCH (w:Worker {{id: $viewer}})
CREATE (n:CaseNote {{id: $noteId, type: $type, text: $text, occurredAt: $occurredAt,
        recordedAt: $now, status: $status, version: 1, revision: 0, lineageId: $noteId,
        current: true}})
SET n.episodeId = $episodeId,
    n.finalisedAt = CASE WHEN $status = 'FINAL' THEN $now ELSE null END,
    n.draftBy = CASE WHEN $status = 'DRAFT' THEN $viewer ELSE null END
CREATE (n)-[:ABOUT]->(c)
CREATE (n)-[:WRITTEN_BY]->(w)
FOREACH (during IN CASE WHEN episode IS NULL THEN [] ELSE [episode] END |
    CREATE (n)-[:DURING]->(during))
RETURN {NOTE_FIELDS} AS note, w.name AS author, c.id AS childId
"""

CHILD_VISIBLE = f"""
MATCH (c:Child {{id: $childId}})
{only_visible("c")}
RETURN c.id AS id
"""

# Only the author edits or finalises a draft, and only at the revision they loaded.
SAVE_DRAFT = f"""
MATCH (n:CaseNote {{id: $noteId}})-[:ABOUT]->(c:Child)
{only_visible("c", "n")}
// Neo4j: the write takes the note's lock before the guard reads it.
REMOVE n.saveLock
WITH n, c
WHERE n.status = 'DRAFT' AND n.revision = $revision
MATCH (n)-[:WRITTEN_BY]->(w:Worker {{id: $viewer}})
SET n.type = coalesce($type, n.type), n.text = coalesce($text, n.text),
    n.occurredAt = coalesce($occurredAt, n.occurredAt), n.revision = n.revision + 1,
    n.updatedAt = $now,
    n.status = CASE WHEN $finalise THEN 'FINAL' ELSE 'DRAFT' END,
    n.finalisedAt = CASE WHEN $finalise THEN $now ELSE null END,
    n.draftBy = CASE WHEN $finalise THEN null ELSE n.draftBy END
RETURN {NOTE_FIELDS} AS note, w.name AS author, c.id AS childId
"""

# The corrected version stays as it was (only marked superseded); the correction is a
# new final note linked to it, about the same child and episode.
CORRECT_CASE_NOTE = f"""
MATCH (old:CaseNote {{id: $noteId}})-[:ABOUT]->(c:Child)
{only_visible("c", "old")}
REMOVE old.correctionLock
WITH old, c
WHERE old.status = 'FINAL' AND coalesce(old.current, true) = true
MATCH (w:Worker {{id: $viewer}})
SET old.current = false, old.supersededBy = $newId, old.supersededAt = $now
CREATE (n:CaseNote {{id: $newId, type: coalesce($type, old.type), text: $text,
        occurredAt: coalesce($occurredAt, old.occurredAt), recordedAt: $now, status: 'FINAL',
        finalisedAt: $now, version: coalesce(old.version, 1) + 1, revision: 0,
        lineageId: coalesce(old.lineageId, old.id), previousVersionId: old.id, current: true,
        correctionReason: $reason}})
SET n.episodeId = old.episodeId
CREATE (n)-[:CORRECTS]->(old)
CREATE (n)-[:ABOUT]->(c)
CREATE (n)-[:WRITTEN_BY]->(w)
WITH n, w, old, c
OPTIONAL MATCH (old)-[:DURING]->(episode)
FOREACH (during IN CASE WHEN episode IS NULL THEN [] ELSE [episode] END |
    CREATE (n)-[:DURING]->(during))
RETURN {NOTE_FIELDS} AS note, w.name AS author, c.id AS childId
"""

# Why a guarded write wrote nothing: the note's state as the caller may see it.
NOTE_STATE = f"""
MATCH (n:CaseNote {{id: $noteId}})-[:ABOUT]->(c:Child)
{only_visible("c", "n")}
OPTIONAL MATCH (n)-[:WRITTEN_BY]->(w:Worker)
RETURN n.status AS status, n.revision AS revision, coalesce(n.current, true) AS current,
       n.supersededBy AS supersededBy, w.id AS authorId
"""

# The child's notes as they stand: the current version of each (a draft for its author
# only), newest first, only the
# `$latest` newest when that is not null (the case view's "last 20 notes": a child
# with years of notes sends 20, and their authors are read for those 20 only). The
# `WITH` keeps the child as the start of the traversal: with the filter on the note in
# the same MATCH, FalkorDB started from a scan of every CaseNote instead (188x slower
# at 300k children).
NOTES_OF = f"""
UNWIND $ids AS childId
MATCH (c:Child {{id: childId}})
WITH childId, c
MATCH (c)<-[:ABOUT]-(n:CaseNote)
WHERE coalesce(n.current, true) = true AND (n.status <> 'DRAFT' OR n.draftBy = $viewer)
WITH childId, n ORDER BY n.occurredAt DESC, n.recordedAt DESC
WITH childId, collect(n) AS newest
UNWIND newest[..coalesce($latest, size(newest))] AS n
OPTIONAL MATCH (n)-[:WRITTEN_BY]->(w:Worker)
RETURN childId, {NOTE_FIELDS} AS note, w.name AS author
ORDER BY n.occurredAt DESC, n.recordedAt DESC
"""

# Every version of each note, oldest first (the CORRECTS chain both ways).
VERSIONS_OF = f"""
UNWIND $ids AS noteId
MATCH (m:CaseNote {{id: noteId}})-[:ABOUT]->(c:Child)
{only_visible("c", "m", "noteId")}
MATCH (n:CaseNote {{lineageId: coalesce(m.lineageId, m.id)}})
OPTIONAL MATCH (n)-[:WRITTEN_BY]->(w:Worker)
RETURN noteId, {NOTE_FIELDS} AS note, w.name AS author, c.id AS childId
ORDER BY n.version
"""

# Notes brought in bulk (a migration, the benchmark county): final, current, each by a
# known worker. The same shape ADD_CASE_NOTE writes, without the per-note access check
# a migration has no caller for.
LOAD_CASE_NOTES = """
UNWIND $rows AS r
MATCH (c:Child {id: r.childId})
MATCH (w:Worker {id: r.workerId})
CREATE (n:CaseNote {id: r.id, type: r.type, text: r.text, occurredAt: r.occurredAt,
        recordedAt: r.recordedAt, status: 'FINAL', finalisedAt: r.recordedAt, version: 1,
        revision: 0, lineageId: r.id, current: true})
CREATE (n)-[:ABOUT]->(c)
CREATE (n)-[:WRITTEN_BY]->(w)
"""
