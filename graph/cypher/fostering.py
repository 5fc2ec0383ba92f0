"""Fostering households (carer approval) and a child's short breaks (SSDA903 LS V3/V4)."""

from __future__ import annotations

from graph.cypher.access import only_visible

HOUSEHOLD_FIELDS = (
    "h {.id, .name, .approvalType, .capacity, .status, .version, .approvedOn, .endedOn, .endReason}"
)

APPROVE_HOUSEHOLD = f"""
MATCH (w:Worker {{id: $viewer}})
CREATE (h:FosteringHousehold {{id: $householdId, name: $name, approvalType: $approvalType,
        capacity: $capacity, status: 'APPROVED', version: 1, approvedOn: date($approvedOn),
        recordedAt: $now}})
CREATE (h)-[:APPROVED_BY]->(w)
RETURN {HOUSEHOLD_FIELDS} AS household
"""

# Guarded by status and version; the end of approval may not precede a short break
# already recorded with the household (the approval must cover every break it hosted).
END_APPROVAL = f"""
MATCH (h:FosteringHousehold {{id: $householdId}})
REMOVE h.endLock
WITH h
WHERE h.status = 'APPROVED' AND h.version = $version AND h.approvedOn <= date($endedOn)
OPTIONAL MATCH (h)<-[:WITH_HOUSEHOLD]-(later:ShortBreak)
WHERE coalesce(later.endDate, later.startDate) > date($endedOn)
WITH h, count(later) AS later
WHERE later = 0
SET h.status = 'ENDED', h.endedOn = date($endedOn), h.endReason = $reason,
    h.version = h.version + 1
RETURN {HOUSEHOLD_FIELDS} AS household
"""

HOUSEHOLD_STATE = f"""
MATCH (h:FosteringHousehold {{id: $householdId}})
RETURN {HOUSEHOLD_FIELDS} AS household
"""

HOUSEHOLDS = f"""
MATCH (h:FosteringHousehold)
WHERE $includeEnded OR h.status = 'APPROVED'
RETURN {HOUSEHOLD_FIELDS} AS household
ORDER BY h.name, h.id
LIMIT $limit
"""

# The household, when given, must have been approved for the whole of the break.
RECORD_SHORT_BREAK = f"""
MATCH (c:Child {{id: $childId}})
{only_visible("c")}
OPTIONAL MATCH (h:FosteringHousehold {{id: $householdId}})
WITH c, h
WHERE $householdId IS NULL
   OR (h IS NOT NULL AND h.approvedOn <= date($startDate)
       AND (h.endedOn IS NULL OR h.endedOn >= date($lastDay)))
MATCH (w:Worker {{id: $viewer}})
CREATE (b:ShortBreak {{id: $shortBreakId, legalStatus: $legalStatus,
        placementType: $placementType, placementProvider: $placementProvider,
        startDate: date($startDate), recordedAt: $now}})
FOREACH (ended IN CASE WHEN $endDate IS NULL THEN [] ELSE [$endDate] END |
    SET b.endDate = date(ended))
CREATE (b)-[:ABOUT]->(c)
CREATE (b)-[:RECORDED_BY]->(w)
FOREACH (home IN CASE WHEN h IS NULL THEN [] ELSE [h] END |
    CREATE (b)-[:WITH_HOUSEHOLD]->(home))
RETURN b {{.*}} AS shortBreak, c.id AS childId, h.id AS householdId, h.name AS householdName
"""

CHILD_VISIBLE = f"""
MATCH (c:Child {{id: $childId}})
{only_visible("c")}
RETURN c.id AS id, c.dateOfBirth AS dateOfBirth
"""

SHORT_BREAKS_OF = """
UNWIND $ids AS childId
MATCH (c:Child {id: childId})<-[:ABOUT]-(b:ShortBreak)
OPTIONAL MATCH (b)-[:WITH_HOUSEHOLD]->(h:FosteringHousehold)
RETURN childId, b {.*} AS shortBreak, h.id AS householdId, h.name AS householdName
ORDER BY b.startDate DESC
"""
