"""Merging two records of one child, and undoing it: records officers' mutations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from resolvers import merging as merging_resolvers
from resolvers.context import HubContext

# One conversion of stored instants for the linking and merging types.
from schema.linking import _instant
from schema.outcomes import InvalidInput, NotAuthorised, NotFound, TransitionRefused, answer


@strawberry.type(
    description="Two records of one child merged: who, when, why, and whether it was undone"
)
class ChildMerge:
    id: strawberry.ID
    kept_child_id: strawberry.ID
    merged_child_id: strawberry.ID | None = strawberry.field(
        description="The record merged away: no read returns it until the merge is undone;"
        " null once undone when the caller may not see that record (restricted)"
    )
    reason: str
    merged_on: date
    recorded_by: str
    recorded_at: datetime | None
    moved_relationships: int = strawberry.field(
        description="How many parts of the merged record's history moved to the record kept"
    )
    undone_by: str | None
    undone_at: datetime | None
    undo_reason: str | None
    restored_relationships: int | None

    @property
    def audited_child_ids(self) -> list[str]:
        # A merge read is a read of both records it names (why they are one child, and
        # that the second exists): the read audit notes each (schema/audit.py).
        named = (self.kept_child_id, self.merged_child_id)
        return [str(child_id) for child_id in named if child_id is not None]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ChildMerge:
        return cls(
            id=strawberry.ID(row["id"]),
            kept_child_id=strawberry.ID(row["keptId"]),
            merged_child_id=strawberry.ID(row["mergedId"]) if row.get("mergedId") else None,
            reason=row["reason"],
            merged_on=row["mergedOn"],
            recorded_by=row["recordedBy"],
            recorded_at=_instant(row.get("recordedAt")),
            moved_relationships=row.get("moved") or 0,
            undone_by=row.get("undoneBy"),
            undone_at=_instant(row.get("undoneAt")),
            undo_reason=row.get("undoReason"),
            restored_relationships=row.get("restored"),
        )


MergeChildrenResult = Annotated[
    ChildMerge | NotFound | TransitionRefused | NotAuthorised | InvalidInput,
    strawberry.union("MergeChildrenResult"),
]


@strawberry.type(description="The merges into a child, latest first")
class ChildMergeList:
    merges: list[ChildMerge]


ChildMergesResult = Annotated[ChildMergeList | NotAuthorised, strawberry.union("ChildMergesResult")]


@strawberry.type
class MergingQueries:
    @strawberry.field(
        description="The records merged into a child, and undone merges (records officers)"
    )
    async def child_merges(
        self, info: Info[HubContext, None], child_id: strawberry.ID
    ) -> ChildMergesResult:
        result = await merging_resolvers.merges_of(info.context, child_id)
        return answer(
            result, lambda rows: ChildMergeList(merges=[ChildMerge.from_row(r) for r in rows])
        )


@strawberry.type
class MergingMutations:
    @strawberry.mutation(
        description="Merge two records of one child (records officers): the merged record's "
        "whole history moves to the record kept, the strictest restriction carries over; "
        "audited and reversible with unmergeChildren"
    )
    async def merge_children(
        self,
        info: Info[HubContext, None],
        keep: strawberry.ID,
        merge: strawberry.ID,
        reason: str,
        on: Annotated[
            date | None,
            strawberry.argument(description="The day the records were found to be one child"),
        ] = None,
    ) -> MergeChildrenResult:
        result = await merging_resolvers.merge_children(info.context, keep, merge, reason, on)
        return answer(result, ChildMerge.from_row)

    @strawberry.mutation(
        description="Undo a merge: both records as they were, each with its own history"
    )
    async def unmerge_children(
        self, info: Info[HubContext, None], merged: strawberry.ID, reason: str
    ) -> MergeChildrenResult:
        result = await merging_resolvers.unmerge_children(info.context, merged, reason)
        return answer(result, ChildMerge.from_row)
