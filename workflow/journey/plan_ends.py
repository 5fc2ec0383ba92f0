"""Correcting the day a child protection plan ended, typed wrong, where it ended other
than at a review conference or by the child becoming looked after (on transfer out, at
18, on the child's death or leaving the United Kingdom).

A plan ended at a review ended the day that review met: its day is corrected on the
review (correctChildProtectionStepDate). One ended by care starting ended the day care
began: the two are one fact, corrected on the start of care (correctEpisodeStart), which
moves the plan's end with it by the same rules (`may_end_on`), its steps following the end
as below (`case.due_again_with_the_end`). Otherwise the plan keeps what it was,
ends on the corrected day (the CIN census CPPendDate, CP-IS, `asAt`), and keeps the day
it was recorded as, why, who and when (`endDateCorrectedFrom`, `endDateCorrectionReason`,
`endDateCorrectedBy`, `endDateCorrectedAt`); the corrected day keeps the rules of ending
it: not before its start or its last recorded step, at 18 not before the 18th birthday,
not after its episode closed, nor into a child protection or child in need plan of the
episode that began after it (a child has one plan at a time; CIN census 4001). The plan's
reviews, visits and first core group follow the corrected end: one the recorded end
cancelled before it fell due is due again when it fell due before the corrected end, and
cancelled again when the end moves back (`case.due_again_with_the_end`).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from workflow.journey import case
from workflow.journey.effects import Effect, Refusal
from workflow.journey.engine import register
from workflow.journey.inputs import Input, PastDate, Reason
from workflow.process import Process

if TYPE_CHECKING:
    from workflow.journey.effects import Clock, Record

_FIELD = "endedOn"
# The ends corrected elsewhere, and where.
_CORRECTED_ELSEWHERE = {
    case.PlanEndReason.AT_REVIEW_CONFERENCE: (
        "the plan ended at its review conference: correct the review's day "
        "(correctChildProtectionStepDate), and the plan ends on it"
    ),
    case.PlanEndReason.BECAME_LOOKED_AFTER: (
        "the plan ended the day the child became looked after: the end of the plan and the "
        "start of care are one fact, corrected on the start of care (correctEpisodeStart), "
        "and the plan ends on it"
    ),
}


class CorrectPlanEnd(Input):
    ended_on: PastDate
    reason: Reason


def _not_into_a_later_plan(record: Record, started: date, on: date) -> None:
    for process in (Process.CHILD_PROTECTION_PLAN, Process.CHILD_IN_NEED_PLAN):
        for entry in case.not_withdrawn(record.episode_records(process.value)):
            other = entry["record"]
            began = other.get("startDate")
            if other["id"] == record.id or not isinstance(began, date) or began < started:
                continue
            if on > began:
                kind = (
                    "child protection"
                    if process is Process.CHILD_PROTECTION_PLAN
                    else ("child in need")
                )
                rule = (
                    f"must not be after the {kind} plan {other['id']} began "
                    f"({began.isoformat()}): a child has one plan at a time (CIN census 4001)"
                )
                raise Refusal((_FIELD, rule))


def may_end_on(record: Record, on: date) -> None:
    """The rules of ending the child protection plan on `on`, however its end is
    corrected: not before its start or its last recorded step, not after its episode
    closed, nor into a plan of the episode that began after it."""
    case.ends_after_its_steps(record, on)
    case.not_after_the_closure(record, on, _FIELD)
    _not_into_a_later_plan(record, case.as_date(record.facts["startDate"]), on)


@register(Process.CHILD_PROTECTION_PLAN, "correctChildProtectionPlanEnd", CorrectPlanEnd)
def correct_child_protection_plan_end(record: Record, data: CorrectPlanEnd, clock: Clock) -> Effect:
    why = str(record.facts.get("endReason"))
    if (elsewhere := _CORRECTED_ELSEWHERE.get(case.PlanEndReason(why))) is not None:
        raise Refusal((_FIELD, elsewhere))
    was, on = case.as_date(record.facts["endDate"]), data.ended_on
    if on == was:
        raise Refusal((_FIELD, f"is the day already recorded ({was.isoformat()})"))
    turned = case.eighteenth_birthday(record)
    if why == case.PlanEndReason.REACHED_EIGHTEEN and turned is not None and on < turned:
        raise Refusal((_FIELD, f"the plan ended at 18: not before {turned.isoformat()}"))
    may_end_on(record, on)
    return Effect(
        target=record.state,
        occurred_on=on,
        summary=f"Child protection plan's end of {was.isoformat()} corrected to "
        f"{on.isoformat()}: {data.reason}",
        facts={"endDateCorrectedFrom": was.isoformat(), "endDateCorrectionReason": data.reason},
        dates={
            "endDate": on,
            "lastOccurredOn": on if record.facts.get("lastOccurredOn") == was else None,
        },
        changed=case.due_again_with_the_end(record, was, on),
        stamp="endDateCorrected",
    )
