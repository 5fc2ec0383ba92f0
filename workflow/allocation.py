"""Allocating a child to a social worker: one allocated worker at a time.

Each allocation starts on the day it happened, with the SSDA903 reason for the change of
social worker (SW_REASON), and ends the day the next one begins (a reallocation) or the
day the child is no longer allocated. The SSDA903 social worker episodes are these
allocations; the access rule follows the open one (graph/cypher/workforce.py).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, Self

from pydantic import Field, model_validator

from graph.cypher import facts as facts_statements
from graph.cypher import workforce as statements
from workflow.calendar import today_in_england
from workflow.codes import SocialWorkerChangeReason
from workflow.contacts import PastDate
from workflow.ids import new_id
from workflow.outcomes import FieldProblem, InvalidInput, NotFound, TransitionRefused
from workflow.process import CareState, CaseState
from workflow.validation import FieldRuleBroken, Input
from workflow.workforce import Identifier, WorkerRole

if TYPE_CHECKING:
    from graph import GraphStore, Row
    from graph.cypher.access import AccessScope

# Who holds a child's case: the SSDA903 social worker episodes name registered social
# workers, and team managers are qualified social workers who may hold cases too.
CASE_HOLDING_ROLES = frozenset({WorkerRole.SOCIAL_WORKER, WorkerRole.TEAM_MANAGER})
ALLOCATED = "ALLOCATED"
UNALLOCATED = "UNALLOCATED"
ChildId = Annotated[str, Field(min_length=1, max_length=100)]


class AllocateChild(Input):
    child_id: ChildId
    worker_id: Identifier
    on: PastDate = Field(default_factory=today_in_england)
    reason: SocialWorkerChangeReason


class CorrectAllocation(Input):
    """One thing put right at a time: the worker an allocation named, or the day it began."""

    child_id: ChildId
    # The allocation (its id); the open one when not given.
    allocation_id: Identifier | None = None
    worker_id: Identifier | None = None
    started_on: PastDate | None = None
    reason: Annotated[str, Field(min_length=1, max_length=2_000)]

    @model_validator(mode="after")
    def _one_thing(self) -> Self:
        if (self.worker_id is None) == (self.started_on is None):
            rule = "give the worker it should have named or the day it began, one at a time"
            raise FieldRuleBroken("workerId", rule)
        return self


class EndAllocation(Input):
    child_id: ChildId
    on: PastDate = Field(default_factory=today_in_england)


def _invalid(field: str, rule: str) -> InvalidInput:
    return InvalidInput((FieldProblem(field, rule),))


def _refused(state: str, reason: str) -> TransitionRefused:
    allowed = ("allocateChild", "endAllocation") if state == ALLOCATED else ("allocateChild",)
    return TransitionRefused(current_state=state, allowed=allowed, reason=reason)


def _params(scope: AccessScope, child_id: str, worker_id: str) -> dict[str, Any]:
    """What an allocation's statements read: the caller's scope, the child and the worker."""
    return {**scope.params(), "childId": child_id, "workerId": worker_id}


def _check_worker(
    state: Row, worker_id: str, on: date, on_field: str = "on", day: str = "that day"
) -> NotFound | InvalidInput | None:
    worker = state["worker"]
    if worker is None or state["teamId"] is None:
        return NotFound(kind="Worker", id=worker_id)
    if worker["role"] not in CASE_HOLDING_ROLES:
        return _invalid(
            "workerId", f"a {worker['role']} does not hold cases: allocate a social worker"
        )
    started, ended = worker.get("startDate"), worker.get("endDate")
    if (started is not None and on < started) or (ended is not None and on > ended):
        return _invalid(on_field, f"the worker was not in post {day}")
    return None


async def allocate(
    store: GraphStore, scope: AccessScope, data: AllocateChild, recorded_by: str, now: int
) -> Row | NotFound | InvalidInput | TransitionRefused:
    """Allocate the child, ending the open allocation (if any) the day this one begins."""
    params = _params(scope, data.child_id, data.worker_id)
    found = await store.read(statements.ALLOCATION_STATE, params)
    if not found:
        return NotFound(kind="Child", id=data.child_id)
    state = found[0]
    if problem := _check_worker(state, data.worker_id, data.on):
        return problem
    born = state["dateOfBirth"]
    if born is not None and data.on < born:
        # Pre-birth work is allocated to the unborn child, who has no date of birth yet.
        return _invalid("on", f"must not be before the child's birth ({born.isoformat()})")
    ended = state["lastEnded"]
    if ended is not None and data.on < ended:
        # One allocated social worker at a time: an allocation does not reach back into
        # one that has ended (SSDA903 social worker episodes do not overlap).
        return _invalid("on", f"must not be before the last allocation ended ({ended.isoformat()})")
    current = state["open"]
    if current is not None:
        if state["currentWorkerId"] == data.worker_id:
            return _refused(ALLOCATED, "the child is already allocated to this worker")
        if data.on <= current["startDate"]:
            return _invalid(
                "on",
                "a reallocation must start after the current allocation began "
                f"({current['startDate'].isoformat()})",
            )
    rows = await store.write(
        statements.ALLOCATE,
        {
            **params,
            "expectedOpen": [current["id"]] if current else [],
            "allocationId": new_id(),
            "startDate": data.on,
            "reason": data.reason.value,
            "recordedBy": recorded_by,
            "now": now,
        },
    )
    if not rows:
        return _refused(
            ALLOCATED if current else UNALLOCATED,
            "the child's allocation changed while this one was being recorded: reload it",
        )
    return rows[0]


async def correct_allocation(
    store: GraphStore, scope: AccessScope, data: CorrectAllocation, recorded_by: str, now: int
) -> Row | NotFound | InvalidInput | TransitionRefused:
    """Put right an allocation recorded wrong, open or ended: the worker it named, or the
    day it began.

    Not a reallocation: the child had one social worker from the day it began, the right
    one, so the SSDA903 social worker episodes (and, while it is open, the access rule)
    read the right one from that day, and no episode of the wrong one is left. What it
    was recorded with, why, who corrected it and when stay on the allocation.
    """
    history = await store.read(
        statements.ALLOCATIONS_OF, {**scope.params(), "childId": data.child_id}
    )
    # Oldest first: the one before an allocation is the one it followed.
    allocations = sorted(history, key=lambda row: row["allocation"]["startDate"])
    index = next(
        (
            i
            for i, row in enumerate(allocations)
            if row["allocation"]["id"] == data.allocation_id
            or (data.allocation_id is None and row["allocation"].get("endDate") is None)
        ),
        None,
    )
    # The worker whose days in post matter: the one it should have named, or the one it
    # names whose start is moved.
    in_post = data.worker_id or (allocations[index]["workerId"] if index is not None else "")
    found = await store.read(statements.ALLOCATION_STATE, _params(scope, data.child_id, in_post))
    if not found:
        return NotFound(kind="Child", id=data.child_id)
    if index is None and data.allocation_id is not None:
        return NotFound(kind="Allocation", id=data.allocation_id)
    if index is None:
        return _refused(UNALLOCATED, "the child has no open allocation to correct")
    if data.worker_id is not None:
        return await _correct_worker(
            store, scope, data, found[0], allocations[index], recorded_by, now
        )
    assert data.started_on is not None  # CorrectAllocation: one or the other
    return await _correct_start(
        store, scope, data, found[0], allocations[: index + 1], recorded_by, now
    )


async def _correct_worker(
    store: GraphStore,
    scope: AccessScope,
    data: CorrectAllocation,
    state: Row,
    target: Row,
    recorded_by: str,
    now: int,
) -> Row | NotFound | InvalidInput | TransitionRefused:
    assert data.worker_id is not None
    allocation = target["allocation"]
    if target["workerId"] == data.worker_id:
        return _invalid("workerId", "is the worker the allocation already names")
    # The right worker held the case from the day the allocation began to the day it ended.
    began, ended = allocation["startDate"], allocation.get("endDate")
    day = f"on the day the allocation began ({began.isoformat()})"
    if problem := _check_worker(state, data.worker_id, began, "workerId", day):
        return problem
    if ended is not None:
        day = f"on the day the allocation ended ({ended.isoformat()})"
        if problem := _check_worker(state, data.worker_id, ended, "workerId", day):
            return problem
    rows = await store.write(
        statements.CORRECT_ALLOCATION,
        {
            **_params(scope, data.child_id, data.worker_id),
            "allocationId": allocation["id"],
            "previousWorkerId": target["workerId"],
            "endedKey": ended.isoformat() if ended is not None else "",
            "reason": data.reason,
            "recordedBy": recorded_by,
            "now": now,
        },
    )
    if not rows:
        return _changed_meanwhile(state)
    return rows[0]


def _start_refused(
    state: Row, allocations: list[Row], on: date, first_contact: date | None
) -> InvalidInput | None:
    """The rules of the day an allocation began, for the day it is corrected to: not
    before the child's birth or first referral or contact, not after it ended, and after
    the allocation before it began (a reallocation's previous allocation ends that day,
    and moves with it) or ended (one allocated social worker at a time)."""
    allocation = allocations[-1]["allocation"]
    began, ended = allocation["startDate"], allocation.get("endDate")
    if on == began:
        return _invalid("startedOn", f"is the day already recorded ({began.isoformat()})")
    born = state["dateOfBirth"]
    if born is not None and on < born:
        return _invalid("startedOn", f"must not be before the child's birth ({born.isoformat()})")
    if first_contact is not None and on < first_contact:
        rule = f"must not be before the child's first referral or contact ({first_contact})"
        return _invalid("startedOn", rule)
    if ended is not None and on > ended:
        return _invalid("startedOn", f"must not be after the allocation ended ({ended})")
    if len(allocations) > 1:
        before = allocations[-2]["allocation"]
        if on <= before["startDate"]:
            rule = (
                f"must be after the allocation before it began ({before['startDate']}): "
                "one allocated social worker at a time"
            )
            return _invalid("startedOn", rule)
        if before.get("endDate") != began and on < before["endDate"]:
            rule = (
                f"must not be before the allocation before it ended ({before['endDate']}): "
                "one allocated social worker at a time"
            )
            return _invalid("startedOn", rule)
    return None


async def _correct_start(
    store: GraphStore,
    scope: AccessScope,
    data: CorrectAllocation,
    state: Row,
    allocations: list[Row],
    recorded_by: str,
    now: int,
) -> Row | NotFound | InvalidInput | TransitionRefused:
    assert data.started_on is not None
    target = allocations[-1]
    contacts = await store.read(facts_statements.FIRST_CONTACT, _params(scope, data.child_id, ""))
    first_contact = contacts[0]["firstContact"] if contacts else None
    if problem := _start_refused(state, allocations, data.started_on, first_contact):
        return problem
    # The worker held the case from the corrected day (`state` holds their days in post).
    day = f"on {data.started_on.isoformat()}"
    if absent := _check_worker(state, target["workerId"], data.started_on, "startedOn", day):
        return absent
    allocation = target["allocation"]
    before = allocations[-2]["allocation"] if len(allocations) > 1 else None
    # A reallocation: the allocation before it ended the day this one began, and does so still.
    ended_by_it = before is not None and before.get("endDate") == allocation["startDate"]
    rows = await store.write(
        statements.CORRECT_ALLOCATION_START,
        {
            **_params(scope, data.child_id, target["workerId"]),
            "allocationId": allocation["id"],
            "startedFrom": allocation["startDate"].isoformat(),
            "startDate": data.started_on,
            "previousId": before["id"] if before is not None and ended_by_it else None,
            "reason": data.reason,
            "recordedBy": recorded_by,
            "now": now,
        },
    )
    if not rows:
        return _changed_meanwhile(state)
    return rows[0]


def _changed_meanwhile(state: Row) -> TransitionRefused:
    return _refused(
        ALLOCATED if state["open"] is not None else UNALLOCATED,
        "the allocation changed while it was being corrected: reload it",
    )


async def end_allocation(
    store: GraphStore, scope: AccessScope, data: EndAllocation, recorded_by: str, now: int
) -> Row | NotFound | InvalidInput | TransitionRefused:
    """End the child's allocation: they stay with their team, on its unallocated list."""
    params = _params(scope, data.child_id, "")
    found = await store.read(statements.ALLOCATION_STATE, params)
    if not found:
        return NotFound(kind="Child", id=data.child_id)
    current = found[0]["open"]
    if current is None:
        return _refused(UNALLOCATED, "the child has no allocated worker")
    if data.on < current["startDate"]:
        return _invalid(
            "on", f"must not be before the allocation began ({current['startDate'].isoformat()})"
        )
    rows = await store.write(
        statements.END_ALLOCATION,
        {
            **params,
            "allocationId": current["id"],
            "endDate": data.on,
            "recordedBy": recorded_by,
            "now": now,
        },
    )
    if not rows:
        return _refused(ALLOCATED, "the allocation changed while it was being ended: reload it")
    return rows[0]


async def caseload_of(store: GraphStore, scope: AccessScope, worker_id: str) -> list[Row]:
    """The children allocated to the worker now, with the day each was allocated."""
    return await store.read(statements.CASELOAD_OF, {**scope.params(), "workerId": worker_id})


async def allocations_of(store: GraphStore, scope: AccessScope, child_id: str) -> list[Row]:
    """The child's allocations, newest first (empty if the child is not visible)."""
    return await store.read(statements.ALLOCATIONS_OF, {**scope.params(), "childId": child_id})


_CLOSED_CASE_STATES = (CaseState.CLOSED.value, CaseState.RECORDED_IN_ERROR.value)
_CLOSED_CARE_STATES = (CareState.CEASED.value, CareState.LEAVING_CARE_SERVICES_ENDED.value)


async def unallocated_in_team(
    store: GraphStore, scope: AccessScope, team_id: str, today: date
) -> list[Row]:
    """The team's children with something open and no allocated worker still in post."""
    return await store.read(
        statements.UNALLOCATED_IN_TEAM,
        {
            **scope.params(),
            "teamId": team_id,
            "today": today,
            "closedCaseStates": list(_CLOSED_CASE_STATES),
            "closedCareStates": list(_CLOSED_CARE_STATES),
        },
    )
