"""Pieces the journey's inputs share: dates not in the future, reasons, late completion."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from workflow.calendar import today_in_england
from workflow.contacts import PastDate
from workflow.journey.effects import Refusal
from workflow.timescales import check_late_completion, finished_on, held_late
from workflow.validation import Input

if TYPE_CHECKING:
    from workflow.journey.effects import Clock, Record, StepKind
    from workflow.timescales import TimescaleKey

# The day something happened: today unless the caller says otherwise (late recording).
HappenedOn = Annotated[PastDate, Field(default_factory=today_in_england)]
Reason = Annotated[str, Field(min_length=1, max_length=2_000)]
OptionalReason = Annotated[str, Field(max_length=2_000)] | None

__all__ = [
    "HappenedOn",
    "Input",
    "OptionalReason",
    "PastDate",
    "Reason",
    "check_late",
    "check_late_step",
    "not_before",
    "not_recorded_twice",
    "on_time_after_all",
]


def check_late(
    rule: TimescaleKey | str | None,
    due: date | None,
    completed_on: date,
    reason: str | None,
    field: str = "lateReason",
) -> None:
    """Refuse a late completion that gives no reason (Working Together 2023: record why)."""
    if rule is None or due is None:
        return
    late = check_late_completion(rule, due, completed_on, reason)
    if late is not None:
        raise Refusal((field, late.message))


def check_late_step(step: dict[str, Any], done_on: date, reason: str | None, clock: Clock) -> None:
    """Refuse `step` done late with no reason; a step whose timescale is met only when a
    manager authorises it is late too when it is authorised after its due day (as it is
    authorised, `clock.authorised_on`): then the reason may come with the authorisation."""
    rule, due = step.get("dueRule"), step.get("dueDate")
    check_late(rule, due, done_on, reason)
    if rule is None or due is None or clock.authorised_on is None:
        return
    authorised_on = finished_on(rule, done_on, clock.authorised_on)
    if authorised_on is not None and authorised_on != done_on:
        late = check_late_completion(rule, due, authorised_on, reason, done="authorised")
        if late is not None:
            raise Refusal(("lateReason", late.message))


def on_time_after_all(
    step: dict[str, Any],
    rule: TimescaleKey | str | None,
    due: date | None,
    on: date | None,
    given: str | None = None,
) -> bool:
    """Whether a held step that carries a reason it was late is on time by `due`, held on
    `on` (the step it answers re-timed, or its own day corrected), with no reason `given`
    now: the reason it was late is then not the facts, and is taken away."""
    late = held_late(rule, due, on, step.get("authorisedDate"))
    return bool(step.get("lateReason")) and not given and not late


def not_before(value: date, earliest: date | None, field: str, what: str) -> None:
    """Refuse a date before the one it must follow (e.g. an assessment before its referral)."""
    if earliest is not None and value < earliest:
        raise Refusal((field, f"must not be before {what} ({earliest.isoformat()})"))


def not_recorded_twice(
    record: Record, kind: StepKind, on: date, field: str, step_id: str | None = None
) -> None:
    """Refuse a `kind` step on a day one of its kind is already recorded on (other than
    `step_id`, the one being corrected): the same review, visit or meeting typed again
    from paper or the old system, which the returns would count twice and the next one
    fall due from. A day typed wrongly is corrected instead."""
    for step in record.done_steps(kind):
        if step["id"] != step_id and step.get("completedDate") == on:
            label = kind.value.replace("_", " ").lower()
            rule = f"a {label} is already recorded on {on.isoformat()}: it is not recorded twice"
            raise Refusal((field, rule))
