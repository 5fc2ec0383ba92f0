"""The child's Livelink file as the graph holds it: the file, its folders, the outbox."""

from __future__ import annotations

# A child has one file of its own; a record merged into it brings its file along
# (graph/cypher/merging.py tags the moved HAS_FILE `mergedOut`): the record's own file
# first, then the others oldest first, the same order on every read.
FILES_OF = """
UNWIND $ids AS childId
MATCH (c:Child {id: childId})-[has:HAS_FILE]->(f:File)
WITH childId, f, has.mergedOut IS NOT NULL AS broughtByMerge
OPTIONAL MATCH (f)-[:HAS_FOLDER]->(d:Folder)
WITH childId, f, broughtByMerge, d ORDER BY d.position
OPTIONAL MATCH (o:OutboxItem {kind: 'OPEN_FILE'})-[:DELIVERS]->(f)
RETURN childId, f {.id, .createdAt, .openedBy, .remoteId, .retainUntil, .retentionRule,
       .retentionCitation, .retentionMissing, .recordClasses, .retentionComputedAt,
       .disposedAt} AS file,
       collect(d {.id, .key, .name}) AS folders, o.state AS filingState, broughtByMerge
ORDER BY broughtByMerge, file.createdAt, file.id
"""


# An outbox item is PENDING until delivered (or parked FAILED); while a worker holds it,
# it carries that worker's lease: `leaseOwner` and `leaseUntil` (epoch ms, computed in
# Python). Claiming is one statement, so any number of workers can poll at once.
#
# Due items whose lease is free or expired (a crashed worker's), oldest first, taken
# under this worker's lease. `$dueBy` is the start of the worker's pass: an item that
# failed during the pass is not due again before the pass ends.
def _claim_due_items(only: str) -> str:
    return f"""
MATCH (o:OutboxItem)
WHERE o.state = 'PENDING' AND o.nextAttemptAt <= $dueBy AND coalesce(o.leaseUntil, 0) <= $now
    {only}
WITH o ORDER BY o.createdAt, o.id LIMIT $limit
// Neo4j: the write takes each item's lock before the guard reads it again, so of two
// workers racing for an item one wins and the other skips it (FalkorDB serialises writes).
REMOVE o.claimLock
WITH o
WHERE o.state = 'PENDING' AND coalesce(o.leaseUntil, 0) <= $now
SET o.leaseOwner = $owner, o.leaseUntil = $leaseUntil
RETURN o {{.id, .kind, .attempts, .createdAt}} AS item
"""


CLAIM_DUE_ITEMS = _claim_due_items("")
# The worker claims per destination (`$kinds`: the kinds one delivery port delivers), so
# each destination's circuit breaker holds back only its own items.
CLAIM_DUE_ITEMS_OF_KINDS = _claim_due_items("AND o.kind IN $kinds")

# Claimed items a worker hands back unattempted (its lease, and only its lease).
RELEASE_LEASES = """
UNWIND $itemIds AS itemId
MATCH (o:OutboxItem {id: itemId})
REMOVE o.claimLock
WITH o
WHERE o.leaseOwner = $owner AND o.leaseUntil = $leaseUntil
SET o.leaseOwner = null, o.leaseUntil = null
RETURN o.id AS id
"""

OPEN_FILE_PAYLOAD = """
MATCH (o:OutboxItem {id: $itemId})-[:DELIVERS]->(f:File)
MATCH (f)-[:HAS_FOLDER]->(d:Folder)
WITH o, f, d ORDER BY d.position
RETURN f.childId AS childId, f.id AS fileId, collect(d {.key, .name}) AS folders
"""


def mark_delivered(then: str, guard: str = "") -> str:
    """Marks a PENDING item DELIVERED, then `then` (which may use `o`) notes what the
    destination answered on what was delivered.

    Delivered is delivered, whoever reports it: the destination holds it under the
    item's key. `guard` (a condition on `o`, from code) holds an item whose delivery was
    overtaken, so it is delivered again as it is now.
    """
    return f"""
MATCH (o:OutboxItem {{id: $itemId}})
REMOVE o.claimLock
WITH o
WHERE o.state = 'PENDING'{guard}
SET o.state = 'DELIVERED', o.deliveredAt = $now, o.attempts = o.attempts + 1,
    o.lastAttemptAt = $now, o.leaseOwner = null, o.leaseUntil = null
WITH o
{then}
RETURN o.id AS id
"""


MARK_DELIVERED = mark_delivered(
    "OPTIONAL MATCH (o)-[:DELIVERS]->(f:File)\n"
    "FOREACH (file IN CASE WHEN f IS NULL THEN [] ELSE [f] END | SET file.remoteId = $remoteId)"
)

# Only the holder of the lease records an attempt, so a worker whose lease ran out
# cannot overwrite the back-off of the worker that took the item over. The state is
# PENDING (transient: retried at $nextAttemptAt) or FAILED (permanent, with the reason).
MARK_ATTEMPT_FAILED = """
MATCH (o:OutboxItem {id: $itemId})
REMOVE o.claimLock
WITH o
WHERE o.state = 'PENDING' AND o.leaseOwner = $owner AND o.leaseUntil = $leaseUntil
SET o.attempts = o.attempts + 1, o.lastError = $error, o.lastAttemptAt = $now,
    o.nextAttemptAt = $nextAttemptAt, o.state = $state,
    o.failedAt = CASE WHEN $state = 'FAILED' THEN $now ELSE null END,
    o.leaseOwner = null, o.leaseUntil = null
RETURN o.state AS state, o.attempts AS attempts
"""

# A failed (poison) item goes back to the queue after a records officer fixed the cause.
REPLAY_ITEM = """
MATCH (o:OutboxItem {id: $itemId})
REMOVE o.claimLock
WITH o
WHERE o.state = 'FAILED'
SET o.state = 'PENDING', o.attempts = 0, o.nextAttemptAt = $now, o.replayedAt = $now,
    o.replayedBy = $by, o.leaseOwner = null, o.leaseUntil = null
RETURN o.id AS id
"""

# Every parked item back in the queue, a bounded batch per statement.
REPLAY_FAILED_ITEMS = """
MATCH (o:OutboxItem)
WHERE o.state = 'FAILED'
WITH o ORDER BY o.createdAt, o.id LIMIT $limit
REMOVE o.claimLock
WITH o
WHERE o.state = 'FAILED'
SET o.state = 'PENDING', o.attempts = 0, o.nextAttemptAt = $now, o.replayedAt = $now,
    o.replayedBy = $by, o.leaseOwner = null, o.leaseUntil = null
RETURN count(o) AS replayed
"""

# What is not delivered yet, per state and kind: how many, and since when (the alert's
# input; the kind says which destination an item waits for).
OUTBOX_BACKLOG = """
MATCH (o:OutboxItem)
WHERE o.state IN ['PENDING', 'FAILED']
RETURN o.state AS state, o.kind AS kind, count(o) AS items, min(o.createdAt) AS oldestCreatedAt
"""

OUTBOX_ITEM = """
MATCH (o:OutboxItem {id: $itemId})
RETURN o {.id, .kind, .state, .attempts, .lastError, .createdAt, .deliveredAt, .nextAttemptAt,
       .leaseUntil} AS item
"""

# Parked (or waiting) items, for records officers: what has not reached Livelink yet.
OUTBOX_ITEMS_IN_STATE = """
MATCH (o:OutboxItem)
WHERE o.state = $state
RETURN o {.id, .kind, .state, .attempts, .lastError, .createdAt, .nextAttemptAt,
       .leaseUntil} AS item
ORDER BY o.createdAt
LIMIT $limit
"""


def open_file(child: str, opened_by: str, *carry: str) -> str:
    """Clauses that open `child`'s file (with its plan and OPEN_FILE item) if it has none.

    The unique constraint on File.childId makes racing openers converge on one file.
    Parameters: $fileId, $outboxId, $folders (`filing.new_folder_rows`), $now. Binds `f`
    and `fileCreated` for the clauses after it. `opened_by` comes from code, never a caller.
    """
    kept = ", ".join((child, *carry))
    return f"""MERGE (f:File {{childId: {child}.id}})
ON CREATE SET f.id = $fileId, f.createdAt = $now, f.openedBy = '{opened_by}'
WITH {kept}, f, f.id = $fileId AS fileCreated
FOREACH (_ IN CASE WHEN fileCreated THEN [1] ELSE [] END |
    CREATE ({child})-[:HAS_FILE]->(f)
    CREATE (o:OutboxItem {{id: $outboxId, kind: 'OPEN_FILE', state: 'PENDING', attempts: 0,
            createdAt: $now, nextAttemptAt: $now}})
    CREATE (o)-[:DELIVERS]->(f))
FOREACH (folder IN CASE WHEN fileCreated THEN $folders ELSE [] END |
    CREATE (f)-[:HAS_FOLDER]->(:Folder {{id: folder.id, key: folder.key, name: folder.name,
            position: folder.position}}))
"""


# Whether anything was ever filed to Livelink from this graph. The embedded content
# store is made only while nothing has been: afterwards a store without its marker is a
# volume not mounted, never a new store to make (hub/app.py content_store_from_settings).
ANYTHING_FILED = """
MATCH (o:OutboxItem)
WHERE o.state = 'DELIVERED' AND o.kind IN $kinds
RETURN o.id AS id
LIMIT 1
"""
