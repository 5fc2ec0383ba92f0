"""The child's Livelink file as the graph holds it: the file, its folders, the outbox."""

from __future__ import annotations

FILES_OF = """
UNWIND $ids AS childId
MATCH (c:Child {id: childId})-[:HAS_FILE]->(f:File)
OPTIONAL MATCH (f)-[:HAS_FOLDER]->(d:Folder)
WITH childId, f, d ORDER BY d.position
OPTIONAL MATCH (o:OutboxItem {kind: 'OPEN_FILE'})-[:DELIVERS]->(f)
RETURN childId, f {.id, .createdAt, .openedBy, .remoteId, .retainUntil, .retentionRule,
       .retentionCitation, .retentionMissing, .recordClasses, .retentionComputedAt,
       .disposedAt} AS file,
       collect(d {.id, .key, .name}) AS folders, o.state AS filingState
"""

DUE_OUTBOX_ITEMS = """
MATCH (o:OutboxItem)
WHERE o.state = 'PENDING' AND o.nextAttemptAt <= $now
RETURN o {.id, .kind, .attempts} AS item
ORDER BY o.createdAt
LIMIT $limit
"""

OPEN_FILE_PAYLOAD = """
MATCH (o:OutboxItem {id: $itemId})-[:DELIVERS]->(f:File)
MATCH (f)-[:HAS_FOLDER]->(d:Folder)
WITH o, f, d ORDER BY d.position
RETURN f.childId AS childId, f.id AS fileId, collect(d {.key, .name}) AS folders
"""

MARK_DELIVERED = """
MATCH (o:OutboxItem {id: $itemId})
WHERE o.state = 'PENDING'
SET o.state = 'DELIVERED', o.deliveredAt = $now, o.attempts = o.attempts + 1
WITH o
OPTIONAL MATCH (o)-[:DELIVERS]->(f:File)
FOREACH (file IN CASE WHEN f IS NULL THEN [] ELSE [f] END | SET file.remoteId = $remoteId)
RETURN o.id AS id
"""

# The attempt count is part of the guard, so two workers racing on one item record
# one attempt; the next state and back-off are computed in Python.
MARK_FAILED_ATTEMPT = """
MATCH (o:OutboxItem {id: $itemId})
WHERE o.state = 'PENDING' AND o.attempts = $attempts
SET o.attempts = $attempts + 1, o.lastError = $error, o.nextAttemptAt = $nextAttemptAt,
    o.state = $state
RETURN o.state AS state, o.attempts AS attempts
"""

# A failed (poison) item goes back to the queue after a records officer fixed the cause.
REPLAY_ITEM = """
MATCH (o:OutboxItem {id: $itemId})
WHERE o.state = 'FAILED'
SET o.state = 'PENDING', o.attempts = 0, o.nextAttemptAt = $now, o.replayedAt = $now
RETURN o.id AS id
"""

OUTBOX_ITEM = """
MATCH (o:OutboxItem {id: $itemId})
RETURN o {.id, .kind, .state, .attempts, .lastError, .createdAt, .deliveredAt} AS item
"""

# Parked (or waiting) items, for records officers: what has not reached Livelink yet.
OUTBOX_ITEMS_IN_STATE = """
MATCH (o:OutboxItem)
WHERE o.state = $state
RETURN o {.id, .kind, .state, .attempts, .lastError, .createdAt, .nextAttemptAt} AS item
ORDER BY o.createdAt
LIMIT $limit
"""
