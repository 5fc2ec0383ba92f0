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

# The child's child protection plans still active, each with its version and steps: the
# one the child's becoming looked after ends cannot end before its last step, and the
# start of care is written only if these are still the active plans, at these versions
# (journey.START_PERIOD_OF_CARE), so a step recorded on the plan in between is not lost.
ACTIVE_CHILD_PROTECTION_PLANS = f"""
MATCH (c:Child {{id: $childId}})
{only_visible("c")}
MATCH (c)<-[:ABOUT]-(plan:ChildProtectionPlan {{status: 'ACTIVE'}})
OPTIONAL MATCH (plan)<-[:PART_OF]-(s:Step)
RETURN plan.id AS id, plan.version AS version, plan.startDate AS startDate,
       collect(s {{.*}}) AS steps
"""
