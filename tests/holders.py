"""The check every test's graph passes as it ends (tests/conftest.py): who holds a child.

The internal row rule reads a child's holders from lists kept on the child
(graph/cypher/access.py `keep_holders`); the relationships stay the record. A whole-store
scan, so a test's check only, not a statement of the hub's.
"""

from __future__ import annotations

from graph.cypher.access import ALLOCATED_HOLDERS, RESPONSIBLE_HOLDERS

# Children whose kept holders differ from their relationships: none, after any write.
HOLDERS_ASTRAY = f"""
MATCH (c:Child)
WITH c, [(c)-[:ALLOCATED_TO]->(worker:Worker) | worker.id] AS workers,
     [(c)-[:RESPONSIBLE_TEAM]->(team:Team) | team.id] AS teams,
     coalesce(c.{ALLOCATED_HOLDERS}, []) AS keptWorkers,
     coalesce(c.{RESPONSIBLE_HOLDERS}, []) AS keptTeams
WHERE size(workers) <> size(keptWorkers) OR size(teams) <> size(keptTeams)
   OR any(id IN workers WHERE NOT id IN keptWorkers)
   OR any(id IN teams WHERE NOT id IN keptTeams)
RETURN c.id AS childId, workers, keptWorkers, teams, keptTeams
"""
