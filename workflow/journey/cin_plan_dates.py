"""Correcting the days a child in need plan started and ended, typed wrong.

The plan keeps what it was and takes the corrected days (the CIN census CINPlanStartDate
and CINPlanEndDate, `asAt`), keeping the days it was recorded with, why, who and when
(`startDateCorrectedFrom`, `endDateCorrectedFrom`, `datesCorrectionReason`,
`datesCorrectedBy`, `datesCorrectedAt`), the chronology naming both. Its first review and
visit, due from its start, fall due from the corrected start (the held ones that
answered them late by it only as the facts say). The corrected days keep the rules of
recording the plan: not before the referral, none in the future, its reviews and visits
within it, not after its episode closed, and no day in force beside a child protection
plan of the episode (CIN census 4001: it may end the day one starts and start the day one
ends), nor on a day of another child in need plan (CIN census 4014). An end a child
protection plan's start made is corrected on that plan's conference, not here.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Self

from pydantic import model_validator

from workflow.journey import case
from workflow.journey.effects import (
    Effect,
    Refusal,
    StepChange,
    StepKind,
    StepStatus,
    due_by_timescale,
)
from workflow.journey.engine import register
from workflow.journey.inputs import Input, PastDate, Reason, not_before
from workflow.journey.ordering import NextDue, anchored_again, held_in_order
from workflow.process import PlanState, Process
from workflow.timescales import TimescaleKey
from workflow.validation import FieldRuleBroken

if TYPE_CHECKING:
    from workflow.journey.effects import Clock, Record

_TIMED = {
    StepKind.CHILD_IN_NEED_PLAN_REVIEW: TimescaleKey.CHILD_IN_NEED_PLAN_REVIEW,
    StepKind.CHILD_IN_NEED_VISIT: TimescaleKey.CHILD_IN_NEED_VISIT,
}


class CorrectChildInNeedPlanDates(Input):
    started_on: PastDate | None = None
    ended_on: PastDate | None = None
    reason: Reason

    @model_validator(mode="after")
    def _a_day_corrected(self) -> Self:
        if self.started_on is None and self.ended_on is None:
            raise FieldRuleBroken("startedOn", "give the day it started, ended, or both")
        return self


def _steps_within(record: Record, start: date, end: date | None) -> None:
    held = [
        day
        for step in record.steps
        if step["status"] == StepStatus.DONE and isinstance(day := step.get("completedDate"), date)
    ]
    if held and start > min(held):
        rule = f"must not be after the plan's first recorded step ({min(held).isoformat()})"
        raise Refusal(("startedOn", rule))
    if held and end is not None and end < max(held):
        rule = f"must not be before the plan's last recorded step ({max(held).isoformat()})"
        raise Refusal(("endedOn", rule))


def _beside_no_protection_plan(record: Record, start: date, end: date | None) -> None:
    for entry in case.not_withdrawn(record.episode_records(Process.CHILD_PROTECTION_PLAN.value)):
        plan = entry["record"]
        began, ended = plan.get("startDate"), plan.get("endDate")
        if not isinstance(began, date):
            continue
        if (end is None or began < end) and (ended is None or start < ended):
            field = "startedOn" if began <= start else "endedOn"
            until = ended.isoformat() if isinstance(ended, date) else "now"
            rule = (
                f"the plan would be in force beside child protection plan {plan['id']} "
                f"({began.isoformat()} to {until}): a child in need plan ends the day one "
                "starts (CIN census 4001)"
            )
            raise Refusal((field, rule))


def _due_from_the_start(record: Record, was: date, on: date, clock: Clock) -> list[StepChange]:
    changes: list[StepChange] = []
    for kind, key in _TIMED.items():

        def chain(start: date, key: TimescaleKey = key) -> NextDue:
            return lambda days: due_by_timescale(key, days[-1] if days else start, clock)

        held = held_in_order(record, kind)
        changes.extend(anchored_again(record, kind, (held, chain(was)), (held, chain(on))))
    return changes


@register(Process.CHILD_IN_NEED_PLAN, "correctChildInNeedPlanDates", CorrectChildInNeedPlanDates)
def correct_child_in_need_plan_dates(
    record: Record, data: CorrectChildInNeedPlanDates, clock: Clock
) -> Effect:
    facts = record.facts
    was_start = case.as_date(facts["startDate"])
    was_end = facts.get("endDate") if record.state == PlanState.ENDED else None
    if data.ended_on is not None and was_end is None:
        raise Refusal(("endedOn", "the plan has not ended: end it (endChildInNeedPlan)"))
    if data.ended_on is not None and facts.get("endedBy"):
        rule = (
            f"the plan ended the day the child protection plan {facts['endedBy']} started: "
            "correct that plan's conference (correctInitialConferenceDate)"
        )
        raise Refusal(("endedOn", rule))
    start = data.started_on or was_start
    end = data.ended_on or was_end
    if (start, end) == (was_start, was_end):
        raise Refusal(("startedOn", "is the plan as already recorded"))
    not_before(start, case.referral_date_of(record), "startedOn", "the referral")
    if end is not None:
        not_before(end, start, "endedOn", "its start")
        case.not_after_the_closure(record, end, "endedOn")
    case.not_after_the_closure(record, start, "startedOn")
    _steps_within(record, start, end)
    _beside_no_protection_plan(record, start, end)
    case.child_in_need_plans_apart(record, (record.id, start, end), ("startedOn", "endedOn"))
    until = f" to {end.isoformat()}" if end else ""
    was_until = f" to {was_end.isoformat()}" if isinstance(was_end, date) else ""
    return Effect(
        target=record.state,
        occurred_on=start,
        summary=f"Child in need plan of {was_start.isoformat()}{was_until} corrected to "
        f"{start.isoformat()}{until}: {data.reason}",
        facts={
            "startDateCorrectedFrom": was_start.isoformat(),
            "endDateCorrectedFrom": was_end.isoformat() if isinstance(was_end, date) else None,
            "datesCorrectionReason": data.reason,
        },
        dates={"startDate": start, "endDate": end},
        changed=tuple(_due_from_the_start(record, was_start, start, clock)),
        stamp="datesCorrected",
    )
