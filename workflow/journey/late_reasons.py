"""Why a held step was late, recorded after it was held.

A step is held late with a reason (Working Together 2023: record why); but a step can
become late after it was held, by the facts of another: the review before it corrected
to an earlier day makes it due earlier (ordering.py: no reason is asked of the worker
correcting the other step). Such a step is late with no reason until someone gives one,
and a reason given can be put right. The reason is the step's (and, for an assessment
or a conference, whose one timed step it is, the record's too); who gave it and when
are kept beside it, and the journey event says which step, never the reason itself.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from workflow.journey.effects import Effect, Refusal, StepChange, StepStatus
from workflow.journey.engine import register
from workflow.journey.inputs import Input, Reason
from workflow.process import RECORD_LATE_REASON, TRANSITIONS, Process
from workflow.timescales import held_late

if TYPE_CHECKING:
    from workflow.journey.effects import Clock, Record

# The records whose one timed step's late reason the record itself shows.
_KEPT_ON_THE_RECORD = frozenset({Process.ASSESSMENT, Process.INITIAL_CONFERENCE})


class RecordLateReason(Input):
    step_id: Annotated[str, Field(min_length=1, max_length=100)]
    reason: Reason


def late_reason_recorded(
    record: Record, data: RecordLateReason, clock: Clock, *, on_the_record: bool
) -> Effect:
    """The effect of recording why the held step `data.step_id` was late."""
    step = next((s for s in record.steps if s["id"] == data.step_id), None)
    if step is None or step["status"] != StepStatus.DONE:
        raise Refusal(("stepId", "must be a held step of this record"))
    due, held = step.get("dueDate"), step.get("completedDate")
    if not held_late(step.get("dueRule"), due, held, step.get("authorisedDate")):
        when = f"held on {held.isoformat()}" if held else "held"
        by = f", due by {due.isoformat()}" if due else ", with no due date"
        raise Refusal(("stepId", f"was not late ({when}{by}): it has no late reason to record"))
    if data.reason == step.get("lateReason"):
        raise Refusal(("reason", "is the reason already recorded"))
    assert isinstance(held, date), step
    assert isinstance(due, date), step
    label = str(step["kind"]).replace("_", " ").capitalize()
    given = "replaced" if step.get("lateReason") else "recorded"
    return Effect(
        target=record.state,
        occurred_on=clock.today,
        summary=f"Why the {label.lower()} of {held.isoformat()} was late (due by "
        f"{due.isoformat()}): reason {given}",
        facts={"lateReason": data.reason} if on_the_record else {},
        changed=(StepChange(step["id"], late_reason=data.reason),),
    )


for _process in (t.process for t in TRANSITIONS if t.action == RECORD_LATE_REASON):
    register(_process, RECORD_LATE_REASON, RecordLateReason)(
        partial(late_reason_recorded, on_the_record=_process in _KEPT_ON_THE_RECORD)
    )
