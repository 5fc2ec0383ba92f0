"""Periods of care: what deciding a new step needs beyond the record itself.

The record's own statements (its state, its transitions) live with every other process's
in graph/cypher/journey.py.
"""

from __future__ import annotations

from graph.cypher.access import only_visible

# The latest day one of the child's periods of care ended: a new one cannot begin before.
LAST_PERIOD_ENDED = f"""
MATCH (c:Child {{id: $childId}})
{only_visible("c")}
MATCH (c)<-[:ABOUT]-(p:PeriodOfCare)
WHERE p.endDate IS NOT NULL
RETURN max(p.endDate) AS ended
"""
