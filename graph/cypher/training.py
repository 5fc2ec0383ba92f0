"""Training modules, the role x team requirement matrix, and completions."""

from __future__ import annotations

IMPORT_REQUIREMENTS = """
UNWIND $rows AS r
MERGE (m:TrainingModule {code: r.module})
ON CREATE SET m.id = r.module, m.title = r.title
MERGE (q:TrainingRequirement {id: r.id})
SET q.role = r.role, q.team = r.team, q.module = r.module
RETURN count(q) AS requirements
"""

RECORD_COMPLETION = """
MATCH (w:Worker {id: $workerId})
MATCH (m:TrainingModule {code: $module})
MERGE (w)-[c:COMPLETED]->(m)
SET c.completedOn = date($completedOn), c.recordedBy = $recordedBy, c.recordedAt = $now
RETURN w.id AS workerId, m.code AS module
"""

# The requirement's team is a team id or '*' (every team of that role).
MISSING_MODULES = """
MATCH (q:TrainingRequirement)
WHERE q.role = $role AND (q.team = '*' OR q.team = $team)
MATCH (m:TrainingModule {code: q.module})
WHERE NOT (:Worker {id: $workerId})-[:COMPLETED]->(m)
RETURN DISTINCT m.code AS module, m.title AS title
ORDER BY module
"""
