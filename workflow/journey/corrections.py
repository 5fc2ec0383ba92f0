"""Correcting the day a held step happened: a visit, review or core group typed with the
wrong date (a month or a year slipped).

The step keeps what it was and gains the day it really happened; the day it was first
recorded as, why it changed, who changed it and when stay on the step, and the journey
event says the same. The corrected day keeps the rules of recording it (not in the
future, not before the record started, not after it ended, late only with a reason), the
held steps of its kind after it answer the steps due from those before them as they now
stand (ordering.py's rule: the step is taken out and held again on the corrected day),
and the next step of its kind falls due from the latest one as it now stands, so the due
dates and the returns (which read the steps' dates) follow the correction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from workflow.journey.effects import Effect, Refusal, StepChange, StepKind, StepStatus
from workflow.journey.inputs import (
    Input,
    OptionalReason,
    PastDate,
    Reason,
    check_late,
    not_before,
    not_recorded_twice,
    on_time_after_all,
)
from workflow.journey.ordering import NextDue, held_again, open_step_follows, taken_out

if TYPE_CHECKING:
    from workflow.journey.effects import Record


class CorrectStepDate(Input):
    step_id: Annotated[str, Field(min_length=1, max_length=100)]
    happened_on: PastDate
    reason: Reason
    late_reason: OptionalReason = None


@dataclass(frozen=True, slots=True)
class Span:
    """The days a record's steps may fall on: from its start to its end (if it ended)."""

    start: date
    start_named: str
    end: date | None = None
    end_named: str = ""


def _held(record: Record, kind: StepKind, step_id: str, on: date) -> list[date]:
    """The days the held steps of `kind` happened, with `step_id` on `on`."""
    return sorted(
        on if step["id"] == step_id else step["completedDate"]
        for step in record.done_steps(kind)
        if isinstance(step.get("completedDate"), date)
    )


def corrected_step(
    record: Record, data: CorrectStepDate, kinds: Mapping[StepKind, NextDue | None], span: Span
) -> Effect:
    """The effect of correcting the day a held step of one of `kinds` happened."""
    step = next((s for s in record.steps if s["id"] == data.step_id), None)
    if step is None or step["kind"] not in kinds or step["status"] != StepStatus.DONE:
        names = ", ".join(sorted(kind.value for kind in kinds))
        raise Refusal(("stepId", f"must be a held step of this record ({names})"))
    was = step["completedDate"]
    assert isinstance(was, date), step
    on = data.happened_on
    if on == was:
        raise Refusal(("happenedOn", f"is the day already recorded ({was.isoformat()})"))
    not_before(on, span.start, "happenedOn", span.start_named)
    if span.end is not None and on > span.end:
        rule = f"must not be after {span.end_named} ({span.end.isoformat()})"
        raise Refusal(("happenedOn", rule))
    kind = StepKind(step["kind"])
    not_recorded_twice(record, kind, on, "happenedOn", step["id"])
    # As if taken out and held again on the corrected day (ordering.py's one rule): the
    # held steps after it answer the steps due from those before them as they now stand
    # (late by the facts: their reason is not this correction's to give), and it answers
    # the one its place now gives it, if its place changed.
    retimed = held_again(record, kind, step["id"], on, kinds[kind])
    own = retimed.pop(step["id"], None)
    due_date = own.due_date if own else None
    due = {**step, **(own.facts if own else {}), **({"dueDate": due_date} if due_date else {})}
    # Late against the day it is due, as when it was recorded: a reason given then stands,
    # and is taken away where the corrected day is on time.
    given = data.late_reason or step.get("lateReason")
    check_late(due.get("dueRule"), due.get("dueDate"), on, given)
    change = StepChange(
        step["id"],
        # A step recorded as done on its day (no due date of its own) started that day too.
        start_date=on if step.get("startDate") == was else None,
        due_date=due_date,
        completed_date=on,
        late_reason=data.late_reason,
        on_time=on_time_after_all(
            step, due.get("dueRule"), due.get("dueDate"), on, data.late_reason
        ),
        facts={
            **(own.facts if own else {}),
            "correctedFrom": was.isoformat(),
            "correctionReason": data.reason,
        },
    )
    label = kind.value.replace("_", " ").capitalize()
    return Effect(
        target=record.state,
        occurred_on=on,
        summary=f"{label} of {was.isoformat()} corrected to {on.isoformat()}: {data.reason}",
        changed=(
            change,
            *retimed.values(),
            *open_step_follows(
                record,
                kind,
                _held(record, kind, step["id"], was),
                _held(record, kind, step["id"], on),
                kinds[kind],
            ),
        ),
    )


class WithdrawStep(Input):
    step_id: Annotated[str, Field(min_length=1, max_length=100)]
    reason: Reason


def withdrawn_step(
    record: Record, data: WithdrawStep, kinds: Mapping[StepKind, NextDue | None], today: date
) -> Effect:
    """The effect of withdrawing a held step of one of `kinds` recorded in error (on the
    wrong child, or typed again with another day): kept, cancelled (a cancelled step never
    happened: no return counts it), with why (and who and when: the statement stamps a
    step's `withdrawnReason`); the held steps of its kind after it, and the one still
    due, fall due from the ones left (ordering.py's rule, the step taken out)."""
    step = next((s for s in record.steps if s["id"] == data.step_id), None)
    if step is None or step["kind"] not in kinds or step["status"] != StepStatus.DONE:
        names = ", ".join(sorted(kind.value for kind in kinds))
        raise Refusal(("stepId", f"must be a held step of this record ({names})"))
    kind = StepKind(step["kind"])
    held_on = step["completedDate"]
    assert isinstance(held_on, date), step
    label = kind.value.replace("_", " ").capitalize()
    return Effect(
        target=record.state,
        occurred_on=today,
        summary=f"{label} of {held_on.isoformat()} withdrawn as recorded in error: {data.reason}",
        changed=(
            StepChange(
                step["id"], status=StepStatus.CANCELLED, facts={"withdrawnReason": data.reason}
            ),
            *taken_out(record, kind, step["id"], kinds[kind]),
        ),
    )
