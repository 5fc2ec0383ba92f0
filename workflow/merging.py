"""Merging two records of one child, audited and reversible: nothing of either is lost.

A records officer who finds one child recorded twice keeps one record and merges the
other into it. Every part of the merged record's history (contacts, cases, notes,
documents, allocations, links, relationships, source records, grants) moves to the record
kept; the merged record stays, read by no one, pointing to the record kept, so undoing the
merge puts both back as they were. The strictest restriction of the two carries over.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Self

from pydantic import Field, model_validator

from graph import ConstraintViolation
from graph.cypher import contacts as contact_statements
from graph.cypher import facts as fact_statements
from graph.cypher import merging as statements
from workflow.contacts import PastDate
from workflow.ids import new_id
from workflow.outcomes import FieldProblem, InvalidInput, NotAuthorised, NotFound, TransitionRefused
from workflow.pregnancy import CIN_8606, before_a_pregnancy
from workflow.validation import Input

if TYPE_CHECKING:
    from graph import GraphStore, Row
    from graph.cypher.access import AccessScope


RecordId = Annotated[str, Field(min_length=1, max_length=100)]
Reason = Annotated[str, Field(min_length=1, max_length=2_000)]


class MergeChildren(Input):
    """Keep one record of a child and merge the other into it, on a day, for a reason."""

    keep: RecordId
    merge: RecordId
    reason: Reason
    on: PastDate

    @model_validator(mode="after")
    def _two_records(self) -> Self:
        if self.keep == self.merge:
            raise ValueError("merge must be another record than keep")
        return self


class UnmergeChildren(Input):
    """Undo a merge: the merged record is a child of its own again."""

    merged: RecordId
    reason: Reason


NO_WORKER_RECORD = NotAuthorised(
    reason="you have no worker record in the hub, so a merge could not say who made it"
    " (nothing was written)"
)


async def _before_the_kept_child(
    store: GraphStore, scope: AccessScope, data: MergeChildren
) -> InvalidInput | None:
    """Whether the merged record's first contact would come more than 40 weeks before the
    kept child's (expected) birth (CIN census rule 8606), read as the caller sees both."""
    kept = await store.read(
        contact_statements.CHILD_BIRTH, {**scope.params(), "childId": data.keep}
    )
    first = await store.read(
        fact_statements.FIRST_CONTACT, {**scope.params(), "childId": data.merge}
    )
    if not kept or kept[0]["born"] is None or not first or first[0]["firstContact"] is None:
        return None
    contacted = first[0]["firstContact"]
    rule = before_a_pregnancy(contacted, kept[0]["born"], unborn=kept[0]["unborn"], rule=CIN_8606)
    if rule is None:
        return None
    return InvalidInput(
        problems=(
            FieldProblem(
                "keep",
                f"the first contact about the record merged ({contacted.isoformat()}) {rule}:"
                " correct the date of birth first, or keep the other record",
            ),
        )
    )


async def merge_children(
    store: GraphStore, scope: AccessScope, data: MergeChildren
) -> Row | NotFound | TransitionRefused | NotAuthorised | InvalidInput:
    """Merge `data.merge` into `data.keep` in one statement, or say which rule refused it.

    Both records must be children the caller may see (a restricted record needs a grant);
    a record already merged, two different NHS numbers, or an open episode of need or an
    open period of care on each are refused, as is a merge that would put a contact more
    than 40 weeks before the kept child's birth (CIN census rule 8606).
    """
    if early := await _before_the_kept_child(store, scope, data):
        return early
    params = {
        **scope.params(),
        "keepId": data.keep,
        "mergeId": data.merge,
        "eventId": new_id(),
        "reason": data.reason,
        "on": data.on,
    }
    rows = await store.write(statements.MERGE_CHILDREN, params)
    if rows:
        return rows[0]["merge"]  # type: ignore[no-any-return]
    state = (await store.read(statements.MERGE_STATE, params))[0]
    for merged, which in ((state["mergeMerged"], "merge"), (state["keepMerged"], "keep")):
        if merged:
            return TransitionRefused(
                current_state="MERGED",
                allowed=("unmergeChildren",),
                reason=f"the record given as {which} is already merged into another record;"
                " use the record it was merged into, or undo that merge first",
            )
    if not state["keptVisible"]:
        return NotFound(kind="Child", id=data.keep)
    if not state["mergedVisible"]:
        return NotFound(kind="Child", id=data.merge)
    if state["conflictingNhsNumbers"]:
        return TransitionRefused(
            current_state="CONFLICTING_NHS_NUMBERS",
            allowed=(),
            reason="the two records carry different NHS numbers: verified numbers say two"
            " children; correct the wrong number before merging",
        )
    if state["bothOpenEpisodes"]:
        return TransitionRefused(
            current_state="TWO_OPEN_EPISODES",
            allowed=("closeWithNoFurtherAction", "closeCase"),
            reason="both records have an open episode of need, and a child has one at a time"
            " (CIN census rule 8820); close the duplicate's episode first (nothing was written)",
        )
    if state["bothOpenCare"]:
        return TransitionRefused(
            current_state="TWO_OPEN_PERIODS_OF_CARE",
            allowed=("ceaseLookedAfter", "endLeavingCareServices"),
            reason="both records have an open period of care, and a child is looked after in"
            " one at a time (SSDA903 episodes never overlap); end the duplicate's first"
            " (nothing was written)",
        )
    return NO_WORKER_RECORD


_UNLINKED_BY_UNMERGE = (
    "linked through the NHS number or UPN of a record merged into this child; the merge was"
    " undone, so a person decides which child it is about"
)


async def unmerge_children(
    store: GraphStore, scope: AccessScope, data: UnmergeChildren
) -> Row | NotFound | TransitionRefused | NotAuthorised:
    """Undo a merge: both records as they were, each with its own history again."""
    params = {
        **scope.params(),
        "mergedId": data.merged,
        "reason": data.reason,
        "unlinkReason": _UNLINKED_BY_UNMERGE,
    }
    try:
        rows = await store.write(statements.UNMERGE_CHILDREN, params)
    except ConstraintViolation:
        return TransitionRefused(
            current_state="MERGED",
            allowed=(),
            reason="since the merge another child was recorded with this record's NHS number"
            " or names and date of birth; merge or correct that record first (nothing changed)",
        )
    if rows:
        return rows[0]["merge"]  # type: ignore[no-any-return]
    return await _why_not_unmerged(store, params, data.merged)


async def _why_not_unmerged(
    store: GraphStore, params: dict[str, object], merged: str
) -> NotFound | TransitionRefused | NotAuthorised:
    state = await store.read(statements.UNMERGE_STATE, params)
    if not any(row["keptVisible"] for row in state):
        return NotFound(kind="MergedChild", id=merged)
    if any(row["keptMergedSince"] for row in state):
        return TransitionRefused(
            current_state="MERGED",
            allowed=("unmergeChildren",),
            reason="the record it was merged into has been merged into another since; undo"
            " that later merge first",
        )
    if any(row["merged"] for row in state):
        return NO_WORKER_RECORD
    return TransitionRefused(
        current_state="NOT_MERGED",
        allowed=("mergeChildren",),
        reason="the record is not merged into another (or its merge was already undone)",
    )


async def merges_of(store: GraphStore, scope: AccessScope, child_id: str) -> list[Row]:
    """The merges into a child the caller may see, latest first (undone ones included).

    An undone merge's other record is a child of its own again: a record the caller may
    not see (restricted) is left unnamed (`mergedId` None), never named.
    """
    rows = await store.read(statements.MERGES_OF, {**scope.params(), "childId": child_id})
    return [
        row["merge"] if row["mergedShown"] else {**row["merge"], "mergedId": None} for row in rows
    ]
