"""Correcting the end of care once a manager authorised it: the day (typed wrong) or the
SSDA903 reason it ended for.

The period of care keeps what it was: it ended on the corrected day for the corrected
reason (the last 903 episode's DEC and REC), and keeps the day and reason it was recorded
with, why, who and when (`endDateCorrectedFrom`, `reasonCeasedCorrectedFrom`,
`endCorrectionReason`, `endCorrectedBy`, `endCorrectedAt`), the chronology naming both.
What counts from the end follows it: a care leaver's first birthday contact and pathway
plan review still due from it, a child missing when care ended missing until it, a short
order's lapse done on it. The correction keeps the rules of ending care: not before the
last episode began or anything recorded in care, not after a care leaver's contact nor
the next period of care, the reasons the age allows (`workflow/care_ages.py`), adoption
(E11, E12) on the day of the adoption order and only with one, a care leaver's end one
that makes a care leaver, at 16 or over.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Self

from pydantic import model_validator

from workflow.calendar import age_on
from workflow.care_ages import ending_unfit
from workflow.codes import ReasonEpisodeCeased
from workflow.journey import care
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
from workflow.process import CareState, Process
from workflow.timescales import TimescaleKey
from workflow.validation import FieldRuleBroken

if TYPE_CHECKING:
    from workflow.journey.effects import Clock, Record

_K = StepKind


class CorrectEndOfCare(Input):
    ended_on: PastDate | None = None
    reason_ceased: ReasonEpisodeCeased | None = None
    reason: Reason

    @model_validator(mode="after")
    def _something_corrected(self) -> Self:
        if self.ended_on is None and self.reason_ceased is None:
            raise FieldRuleBroken("endedOn", "give the day care ended, the reason, or both")
        return self


def _in_care(record: Record) -> tuple[date, str] | None:
    """The latest day something was recorded in care (the end comes on or after it): a
    review, visit, health assessment, education plan, return home interview, the start of
    an episode or a missing episode, a step of a plan for adoption made in the period."""
    days: list[tuple[date, str]] = []
    for step in record.steps:
        if step["status"] == StepStatus.CANCELLED:
            continue
        kind = step["kind"]
        name = str(kind).replace("_", " ").lower()
        if kind in (*care.STEPS_IN_CARE, _K.RETURN_HOME_INTERVIEW):
            day = step.get("completedDate")
        elif kind in (_K.LOOKED_AFTER_EPISODE, _K.MISSING_EPISODE):
            day = step.get("startDate")
        else:
            continue
        if isinstance(day, date):
            days.append((day, name))
    for entry in record.processes:
        plan = entry["record"]
        for name in care.ADOPTION_STEPS:
            if isinstance(day := plan.get(name), date) and not (
                name == "ceasedDate" and plan.get("endedBy") == record.id
            ):
                days.append((day, "step of the plan for adoption"))
    return max(days, default=None)


def _after_care(record: Record, was: date, on: date) -> None:
    contacts = [
        s["completedDate"]
        for s in record.done_steps(_K.CARE_LEAVER_CONTACT)
        if isinstance(s.get("completedDate"), date)
    ]
    if contacts and on > min(contacts):
        rule = f"must not be after the care leaver's contact on {min(contacts).isoformat()}"
        raise Refusal(("endedOn", rule))
    started = care.looked_after_from(record)
    later = [
        other["startDate"]
        for other in record.other_periods
        if isinstance(other.get("startDate"), date) and other["startDate"] > started
    ]
    if later and on > min(later):
        rule = f"must not be after the next period of care began ({min(later).isoformat()})"
        raise Refusal(("endedOn", rule))
    for entry in record.processes:
        plan = entry["record"]
        if plan.get("endedBy") == record.id and plan.get("ceasedDate") == was and on != was:
            # SSDA903 557: the plan ceased (RD4) the day care ended for the child's death
            # or another authority's care; the two are one fact.
            rule = (
                f"the plan for adoption {plan['id']} ended with care on {was.isoformat()}: "
                "the end of care is not moved apart from it"
            )
            raise Refusal(("endedOn", rule))


def _reason_fits(
    record: Record, data: CorrectEndOfCare, on: date, ended: ReasonEpisodeCeased
) -> None:
    field = "reasonCeased" if data.reason_ceased is not None else "endedOn"
    if ended is ReasonEpisodeCeased.X1_NEW_EPISODE_SAME_DAY:
        raise Refusal(("reasonCeased", "X1 is for a new episode, not the end of care"))
    if rule := ending_unfit(ended, record.date_of_birth, on):
        raise Refusal((field, rule))
    try:
        ran_on = care.ends_as_adopted_or_not(
            record, care.CeaseLookedAfter(ended_on=on, reason=ended)
        )
    except Refusal as refused:
        raise Refusal(
            *(("reasonCeased" if f == "reason" else f, rule) for f, rule in refused.problems)
        ) from None
    if ran_on:
        raise Refusal(("reasonCeased", "a plan for adoption is still running: decide on it first"))
    if record.state != CareState.CEASED:
        born = record.date_of_birth
        if ended in care.NOT_LEAVERS:
            rule = f"{ended.value} does not make a care leaver, and this young person is one"
            raise Refusal(("reasonCeased", rule))
        if born is None or age_on(born, on) < 16:
            raise Refusal((field, "a care leaver left care at 16 or over"))


def _due_from_the_end(record: Record, was: date, on: date, clock: Clock) -> list[StepChange]:
    """A care leaver's first birthday contact and pathway plan review, still due from the
    end of care, fall due from the corrected end."""
    born = record.date_of_birth
    changes: list[StepChange] = []
    contact = record.open_step(_K.CARE_LEAVER_CONTACT)
    if (
        born is not None
        and contact is not None
        and not record.done_steps(_K.CARE_LEAVER_CONTACT)
        and contact.get("dueDate") == care.next_birthday(born, was)
    ):
        changes.append(StepChange(contact["id"], due_date=care.next_birthday(born, on)))
    plan = record.open_step(_K.PATHWAY_PLAN)
    from_end = due_by_timescale(TimescaleKey.PATHWAY_PLAN_REVIEW, was, clock).due
    if plan is not None and plan.get("dueDate") == from_end:
        due = due_by_timescale(TimescaleKey.PATHWAY_PLAN_REVIEW, on, clock).due
        changes.append(StepChange(plan["id"], due_date=due))
    return changes


def _ending_with_care(record: Record, was: date, on: date) -> list[StepChange]:
    """The steps that ended with care: the last episode, a child's missing episode still
    open then, a short order's lapse."""
    changes: list[StepChange] = []
    for step in record.steps:
        if step["status"] != StepStatus.DONE or step.get("completedDate") != was:
            continue
        missing = step["kind"] == _K.MISSING_EPISODE and step.get(care.MISSING_WHEN_CARE_ENDED)
        if missing or step["kind"] == _K.SHORT_ORDER_LAPSES:
            changes.append(StepChange(step["id"], completed_date=on))
    return changes


@register(Process.CARE, "correctEndOfCare", CorrectEndOfCare)
def correct_end_of_care(record: Record, data: CorrectEndOfCare, clock: Clock) -> Effect:
    was = record.facts["endDate"]
    was_reason = ReasonEpisodeCeased.from_code(str(record.facts["reasonCeased"]))
    assert isinstance(was, date), record.id
    on = data.ended_on or was
    ended = data.reason_ceased or was_reason
    if (on, ended) == (was, was_reason):
        raise Refusal(("endedOn", "is the end of care as already recorded"))
    episodes = [
        s
        for s in record.steps
        if s["kind"] == _K.LOOKED_AFTER_EPISODE and s["status"] != StepStatus.CANCELLED
    ]
    last = max(episodes, key=lambda s: s["startDate"])
    if (latest := _in_care(record)) is not None and on < latest[0]:
        rule = f"must not be before the {latest[1]} recorded in care on {latest[0].isoformat()}"
        raise Refusal(("endedOn", rule))
    not_before(on, last["startDate"], "endedOn", "the last episode's start")
    _after_care(record, was, on)
    _reason_fits(record, data, on, ended)
    care.short_order_ends_in_time(record, on, "endedOn")
    corrected = {
        "endDateCorrectedFrom": was.isoformat(),
        "reasonCeasedCorrectedFrom": was_reason.value,
        "endCorrectionReason": data.reason,
    }
    return Effect(
        target=record.state,
        occurred_on=on,
        summary=f"End of care of {was.isoformat()} ({was_reason.value}) corrected to "
        f"{on.isoformat()} ({ended.value}): {data.reason}",
        facts={"reasonCeased": ended.value, **corrected},
        dates={"endDate": on},
        changed=(
            StepChange(last["id"], completed_date=on, facts={"reasonEpisodeCeased": ended.value}),
            *_ending_with_care(record, was, on),
            *_due_from_the_end(record, was, on, clock),
        ),
        stamp="endCorrected",
    )
