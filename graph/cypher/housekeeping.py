"""Whole-store statements for the demo command: what the store holds, and emptying it."""

from __future__ import annotations

# Labels come from graph/vocabulary.py; a node's first label is the one it was made with.
NODES_BY_LABEL = """
MATCH (n)
RETURN labels(n)[0] AS label, count(n) AS nodes
ORDER BY nodes DESC, label
"""

# In batches, so emptying a large store never builds one huge transaction.
DELETE_NODES_BATCH = """
MATCH (n)
WITH n LIMIT $limit
DETACH DELETE n
RETURN count(*) AS deleted
"""

# Sent as a write, it writes nothing: an engine that refuses writes for now (OOM, MISCONF,
# READONLY) refuses it as it would any write, though it still answers reads.
WRITE_PROBE = """
RETURN 1 AS writable
"""

# Neo4j refuses a write when the transaction first writes, whatever its mode, so its probe
# makes a node (no label: no label token is made either) in a transaction that is rolled
# back: refused by a database that refuses writes, and nothing kept by one that takes them.
ROLLED_BACK_WRITE_PROBE = """
CREATE (probe)
RETURN 1 AS writable
"""
