"""Merging two records of one child, and undoing it.

A merge moves every relationship of the merged record onto the record kept, tagging each
moved relationship with the merge's id (`mergedOut` if it left the merged record,
`mergedIn` if it pointed at it), so undoing the merge moves exactly those back. A
relationship a merge moves again (the kept record merged in turn into a third) keeps the
earlier merges' ids, the latest last (`mergedOutBefore`, `mergedInBefore`): undoing the
later merge gives it back the earlier tag, so undoing the earlier one then finds it. The
merged record itself stays as a node: it loses its `Person` and `Child` labels (no
statement that reads people or children can reach it, and its identifiers leave the
children's unique constraints) and becomes a `MergedChild` pointing `MERGED_INTO` the kept
record, its own properties untouched. A `MergeEvent` says who merged, when, why and what
the kept record held before, so the kept record can be put back as it was.

A child has one allocated social worker at a time. When both records have an allocation
open, the kept record's stands: the merged record's ends on the merge date, ended by the
merge (`endedByMerge`), and the relationships it gave access through (`ALLOCATED_TO`,
`RESPONSIBLE_TEAM`) stay on the merged record, which no read reaches. The allocation
itself moves with the history, so the kept record lists it as ended; undoing the merge
opens it again.

Cypher names relationship types statically, so the types a child has are listed here;
a type added to the graph must be added to `CHILD_RELATIONSHIPS` (tests/e2e/test_merge
checks that a merge leaves nothing behind on a record with every kind of history).
"""

from __future__ import annotations

from graph.cypher.access import (
    child_visible,
    keep_holders,
    only_visible,
    open_care,
    open_case,
)
from graph.cypher.early_help import taken_off_the_child

# (type, direction seen from the child): OUT is (child)-[:T]->(x), IN is (x)-[:T]->(child).
CHILD_RELATIONSHIPS: tuple[tuple[str, str], ...] = (
    ("ATTENDS", "OUT"),
    ("RESPONSIBLE_TEAM", "OUT"),
    ("ALLOCATED_TO", "OUT"),
    ("MEMBER_OF", "OUT"),
    ("LIVES_AT", "OUT"),
    ("RELATED_TO", "OUT"),
    ("RELATED_TO", "IN"),
    ("HAS_FILE", "OUT"),
    ("HAS_INVOLVEMENT", "OUT"),
    # Contacts, referrals, every process of the journey, case notes, allocations, facts,
    # journey events, notices: the record's whole history hangs on ABOUT.
    ("ABOUT", "IN"),
    ("CONCERNS", "IN"),
    ("LINKED_TO", "IN"),
    ("GRANTS_ACCESS_TO", "IN"),
    ("ACCESSED", "IN"),
    # The DfE checks at the point of entry still open on the record (returns/entry_checks.py).
    ("WARNS_ABOUT", "IN"),
)


# What an open allocation gives access through: moved only when the kept record has no
# allocation of its own open (`keptAllocated`).
_ALLOCATION_ACCESS = frozenset({"ALLOCATED_TO", "RESPONSIBLE_TEAM"})


def _move(kind: str, direction: str, source: str, target: str, tag: str) -> str:
    """A subquery moving `source`'s `kind` relationships onto `target`, tagged `tag`.

    A relationship the target already has to the same node (both records in one family,
    at one address) stays where it is: a parallel copy would list the child twice. One
    between the two records themselves stays too (a child is not their own relative).
    An allocation's access stays too when the target has an allocation open.
    """
    kept_allocation = " AND NOT keptAllocated" if kind in _ALLOCATION_ACCESS else ""
    if direction == "OUT":
        found = f"({source})-[r:{kind}]->(x)"
        twin = f"({target})-[:{kind}]->(x)"
        made = f"({target})-[n:{kind}]->(x)"
    else:
        found = f"(x)-[r:{kind}]->({source})"
        twin = f"(x)-[:{kind}]->({target})"
        made = f"(x)-[n:{kind}]->({target})"
    return f"""CALL {{
    WITH {source}, {target}, keptAllocated
    MATCH {found}
    WHERE x <> {target}{kept_allocation}
    WITH {source}, {target}, r, x, size([{twin} | 1]) AS twins
    WHERE twins = 0
    CREATE {made}
    SET n = properties(r), n.{tag} = $eventId,
        n.{tag}Before = CASE WHEN r.{tag} IS NULL THEN r.{tag}Before
                             ELSE coalesce(r.{tag}Before, []) + [r.{tag}] END
    DELETE r
    RETURN count(n) AS moved{kind}{direction}
}}"""


def _move_back(kind: str, direction: str, kept: str, merged: str) -> str:
    """A subquery moving back what a merge moved: the relationships tagged with its id."""
    if direction == "OUT":
        found = f"({kept})-[r:{kind}]->(x)"
        made = f"({merged})-[n:{kind}]->(x)"
        tag = "mergedOut"
    else:
        found = f"(x)-[r:{kind}]->({kept})"
        made = f"(x)-[n:{kind}]->({merged})"
        tag = "mergedIn"
    return f"""CALL {{
    WITH {kept}, {merged}, e
    MATCH {found}
    WHERE r.{tag} = e.id
    CREATE {made}
    SET n = properties(r)
    // The merge before this one, if it had moved the relationship too (else no tag).
    SET n.{tag} = last(r.{tag}Before),
        n.{tag}Before = CASE WHEN size(coalesce(r.{tag}Before, [])) > 1
                             THEN r.{tag}Before[0..size(r.{tag}Before) - 1] END
    DELETE r
    RETURN count(n) AS restored{kind}{direction}
}}"""


def _moves(source: str, target: str) -> str:
    return "\n".join(
        _move(kind, direction, source, target, "mergedOut" if direction == "OUT" else "mergedIn")
        for kind, direction in CHILD_RELATIONSHIPS
    )


def _moves_back(kept: str, merged: str) -> str:
    return "\n".join(
        _move_back(kind, direction, kept, merged) for kind, direction in CHILD_RELATIONSHIPS
    )


_MOVED = " + ".join(f"moved{kind}{direction}" for kind, direction in CHILD_RELATIONSHIPS)
_RESTORED = " + ".join(f"restored{kind}{direction}" for kind, direction in CHILD_RELATIONSHIPS)

MERGE_FIELDS = (
    "e {.id, .keptId, .mergedId, .reason, .mergedOn, .recordedBy, .recordedAt, .moved,"
    " .undoneBy, .undoneAt, .undoReason, .restored}"
)

# One statement: both records visible to the caller, two records and not one, no two
# different NHS numbers (two verified numbers are two people). The labels change first, so
# the kept record may take the merged record's NHS number under the unique constraint.
# The strictest restriction carries over: a restricted record merged into an open one
# makes the kept record restricted, with the merged record's reason.


def _open_episodes(child: str) -> str:
    return open_case(child, f"open{child}")


def _open_care(child: str) -> str:
    return open_care(child, f"care{child}")


# A child has one episode of need at a time (CIN census rule 8820), and is looked after
# in one period of care at a time (SSDA903 episodes never overlap): two records that each
# have one open are not merged until one of them is closed.
MERGE_CHILDREN = f"""
MATCH (k:Child {{id: $keepId}})
{only_visible("k")}
MATCH (m:Child {{id: $mergeId}})
// Neo4j: writing both records takes their locks before the guard reads them again, so of
// two racing merges of one record one wins (FalkorDB serialises writes).
REMOVE k.mergeLock, m.mergeLock
// The allocations are read here, before any write: FalkorDB misread a pattern read
// placed after this statement's writes ("expected Node", "but was Integer").
WITH k, m, {child_visible("m")} AS mergedVisible,
     {_open_episodes("k")} AS keptOpen, {_open_episodes("m")} AS mergedOpen,
     {_open_care("k")} AS keptCare, {_open_care("m")} AS mergedCare,
     size([(k)<-[:ABOUT]-(keptAllocation:Allocation) WHERE keptAllocation.endDate IS NULL
           | 1]) > 0 AS keptAllocated,
     [(m)<-[:ABOUT]-(mergedAllocation:Allocation) WHERE mergedAllocation.endDate IS NULL
      | mergedAllocation] AS mergedAllocations
WHERE mergedVisible AND k.id <> m.id AND k:Child AND m:Child
  AND (k.nhsNumber IS NULL OR m.nhsNumber IS NULL OR k.nhsNumber = m.nhsNumber)
  AND (keptOpen = 0 OR mergedOpen = 0) AND (keptCare = 0 OR mergedCare = 0)
MATCH (w:Worker {{id: $viewer}})
CREATE (e:MergeEvent {{id: $eventId, keptId: k.id, mergedId: m.id, reason: $reason,
        mergedOn: date($on), recordedBy: $viewer, recordedAt: $now,
        keptNhsNumber: k.nhsNumber, keptUpn: k.upn,
        keptRestricted: coalesce(k.restricted, false), keptRestrictionReason: k.restrictionReason,
        keptRestrictedBy: k.restrictedBy, keptRestrictedAt: k.restrictedAt}})
CREATE (e)-[:KEPT]->(k)
CREATE (e)-[:MERGED]->(m)
CREATE (e)-[:RECORDED_BY]->(w)
CREATE (m)-[:MERGED_INTO {{eventId: $eventId}}]->(k)
REMOVE m:Child:Person
SET m:MergedChild, m.mergedInto = k.id, m.mergeEventId = $eventId
SET k.nhsNumber = coalesce(k.nhsNumber, m.nhsNumber), k.upn = coalesce(k.upn, m.upn)
FOREACH (_ IN CASE WHEN coalesce(m.restricted, false) AND NOT coalesce(k.restricted, false)
                   THEN [1] ELSE [] END |
    SET k.restricted = true, k.restrictionReason = m.restrictionReason,
        k.restrictedBy = m.restrictedBy, k.restrictedAt = m.restrictedAt)
// Never before the day it began (a merge dated back past a recent allocation).
FOREACH (ended IN CASE WHEN keptAllocated THEN mergedAllocations ELSE [] END |
    SET ended.endDate = CASE WHEN ended.startDate > date($on) THEN ended.startDate
                             ELSE date($on) END,
        ended.endedBy = $viewer, ended.endedAt = $now, ended.endedByMerge = $eventId)
WITH k, m, e, keptAllocated
{_moves("m", "k")}
WITH k, m, e, {_MOVED} AS moved
SET e.moved = moved
{keep_holders("k", "m", "e")}
{keep_holders("m", "k", "e")}
RETURN {MERGE_FIELDS} AS merge
"""

# EHM and IES records linked to the kept record while it carried the merged record's NHS
# number or UPN (after the merge, by that identifier) are not the kept child's once the
# identifier goes back: each is unlinked, the trail saying why, and waits for a person
# (the merged record first among its candidates), a step up's undecided contact leaving
# the kept child with it. Links made before the merge, or by an identifier the kept record
# holds of its own, stay.
_UNLINK_THROUGH_MERGED_IDENTIFIERS = f"""CALL {{
    WITH k, m, e
    MATCH (r:SourceRecord)-[l:LINKED_TO]->(k)
    WHERE l.at >= e.recordedAt
      AND ((m.nhsNumber IS NOT NULL AND r.nhsNumber = m.nhsNumber
            AND coalesce(k.nhsNumber, '') <> m.nhsNumber)
        OR (m.upn IS NOT NULL AND r.upn = m.upn AND coalesce(k.upn, '') <> m.upn))
    CREATE (undo:LinkEvent {{id: e.id + ':' + r.id, action: 'UNLINK', rule: l.rule,
            score: l.score, by: $viewer, at: $now, recordKey: r.key, childId: k.id,
            reason: $unlinkReason, undoes: l.linkId}})
    CREATE (undo)-[:FOR_RECORD]->(r)
    SET r.linkState = 'REVIEW', r.linkReason = $unlinkReason,
        r.reviewCandidates = [m.id, k.id], r.reviewScores = []
    DELETE l
    {taken_off_the_child("r", "k", "k, m, e, r, undo", "$unlinkReason")}
    RETURN count(undo) AS unlinked
}}"""

# Undoing: the kept record must be one the caller may see. The kept record's own
# identifiers and restriction come back from the MergeEvent before the merged record is a
# child again (its NHS number must leave the kept record first). A restriction put on
# the kept record after the merge stays: undoing never opens a record.
UNMERGE_CHILDREN = f"""
MATCH (m:MergedChild {{id: $mergedId}})-[:MERGED_INTO]->(k:Child)
{only_visible("k", "m")}
MATCH (e:MergeEvent {{id: m.mergeEventId}})
REMOVE e.undoLock
// Read before any write (see MERGE_CHILDREN): the merged record's allocations the merge ended.
WITH k, m, e,
     [(k)<-[:ABOUT]-(ended:Allocation) WHERE ended.endedByMerge = e.id | ended] AS endedByMerge
WHERE e.undoneAt IS NULL AND m:MergedChild
MATCH (w:Worker {{id: $viewer}})
SET k.nhsNumber = e.keptNhsNumber, k.upn = e.keptUpn
FOREACH (_ IN CASE WHEN coalesce(k.restrictedAt, 0) <= e.recordedAt THEN [1] ELSE [] END |
    SET k.restricted = e.keptRestricted, k.restrictionReason = e.keptRestrictionReason,
        k.restrictedBy = e.keptRestrictedBy, k.restrictedAt = e.keptRestrictedAt)
REMOVE m:MergedChild, m.mergedInto, m.mergeEventId
SET m:Person:Child
WITH k, m, e, w, endedByMerge
OPTIONAL MATCH (m)-[into:MERGED_INTO]->(k)
DELETE into
CREATE (e)-[:UNDONE_BY]->(w)
SET e.undoneBy = $viewer, e.undoneAt = $now, e.undoReason = $reason
WITH k, m, e, endedByMerge
{_moves_back("k", "m")}
FOREACH (allocation IN endedByMerge |
    SET allocation.endDate = null, allocation.endedBy = null, allocation.endedAt = null,
        allocation.endedByMerge = null)
WITH k, m, e, {_RESTORED} AS restored
SET e.restored = restored
{keep_holders("k", "m", "e")}
{keep_holders("m", "k", "e")}
{_UNLINK_THROUGH_MERGED_IDENTIFIERS}
RETURN {MERGE_FIELDS} AS merge
"""

# Why a merge wrote nothing: whether each record is a child the caller may see, or is
# merged already (into a record the caller may see), whether the two carry different
# NHS numbers (never the numbers themselves), and whether both have an open episode.
MERGE_STATE = f"""
OPTIONAL MATCH (k:Child {{id: $keepId}})
WITH k, CASE WHEN k IS NULL THEN false ELSE {child_visible("k")} END AS keptVisible
OPTIONAL MATCH (m:Child {{id: $mergeId}})
WITH k, keptVisible, m,
     CASE WHEN m IS NULL THEN false ELSE {child_visible("m")} END AS mergedVisible
OPTIONAL MATCH (:MergedChild {{id: $keepId}})-[:MERGED_INTO*1..8]->(keptInto:Child)
WITH k, keptVisible, m, mergedVisible,
     CASE WHEN keptInto IS NULL THEN false ELSE {child_visible("keptInto")} END AS keepMerged
OPTIONAL MATCH (:MergedChild {{id: $mergeId}})-[:MERGED_INTO*1..8]->(into:Child)
WITH k, keptVisible, m, mergedVisible, keepMerged,
     CASE WHEN into IS NULL THEN false ELSE {child_visible("into")} END AS mergeMerged
WITH k, keptVisible, m, mergedVisible, keepMerged, mergeMerged,
     CASE WHEN keptVisible AND mergedVisible
          THEN {_open_episodes("k")} > 0 AND {_open_episodes("m")} > 0
          ELSE false END AS bothOpenEpisodes,
     CASE WHEN keptVisible AND mergedVisible
          THEN {_open_care("k")} > 0 AND {_open_care("m")} > 0
          ELSE false END AS bothOpenCare
RETURN keptVisible, mergedVisible, keepMerged, mergeMerged, bothOpenEpisodes, bothOpenCare,
       keptVisible AND mergedVisible AND k.nhsNumber IS NOT NULL
           AND m.nhsNumber IS NOT NULL AND k.nhsNumber <> m.nhsNumber AS conflictingNhsNumbers
"""

# Why an unmerge wrote nothing: the record is merged (into a record the caller may see or
# not, which may itself have been merged since), or it is a child of its own (never
# merged, or the merge was undone).
UNMERGE_STATE = f"""
MATCH (m:MergedChild {{id: $mergedId}})
OPTIONAL MATCH (m)-[:MERGED_INTO*1..8]->(k:Child)
WITH m, k, CASE WHEN k IS NULL THEN false ELSE {child_visible("k")} END AS keptVisible
RETURN true AS merged, keptVisible,
       size([(m)-[:MERGED_INTO]->(later:MergedChild) | 1]) > 0 AS keptMergedSince
UNION
MATCH (c:Child {{id: $mergedId}})
WITH c, {child_visible("c")} AS keptVisible
RETURN false AS merged, keptVisible, false AS keptMergedSince
"""

# A child's merges, both ways: what was merged into it, visible through it. The merged
# record is named while the merge stands (its history is the kept record's, which the
# caller sees); once the merge is undone it is a child of its own again, named only to a
# caller who may see it (a restricted record left out, as elsewhere: `mergedShown`).
MERGES_OF = f"""
MATCH (k:Child {{id: $childId}})
{only_visible("k")}
MATCH (e:MergeEvent)-[:KEPT]->(k)
OPTIONAL MATCH (e)-[:MERGED]->(m)
WITH e, m, CASE WHEN e.undoneAt IS NULL THEN true
                WHEN m IS NULL THEN false
                ELSE {child_visible("m")} END AS mergedShown
RETURN {MERGE_FIELDS} AS merge, mergedShown
ORDER BY e.recordedAt DESC
"""
