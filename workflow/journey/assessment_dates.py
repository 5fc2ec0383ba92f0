"""Correcting the days of an authorised assessment: its start, completion or authorisation
typed wrong (a paper record, the old system, a slipped month).

A team manager's correction, as the authorisation was theirs: the record keeps what it
was and gains the days it really had; the days it was recorded with, why, who and when
stay on it (the assessment's step keeps `correctedFrom`, `correctionReason`,
`correctedBy`, `correctedAt`; the record `startDateCorrectedFrom`,
`completedDateCorrectedFrom`, `authorisedDateCorrectedFrom`, `datesCorrectionReason`,
`datesCorrectedBy`, `datesCorrectedAt`) and the event names both. The corrected days keep
the rules of recording them (not before the referral, completed after the start and
authorised after the completion, none in the future nor after the episode closed, late
against the 45 working days only with a reason), and what counts from them follows: a
later assessment's 45 working days run from its corrected start, and the CIN census
reads the corrected days. Which assessment assessed the referral is not changed by a
correction (refused: withdraw the one recorded in error instead).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Self

from pydantic import model_validator

from workflow.journey import case
from workflow.journey.effects import Effect, Refusal, StepChange, StepKind, due_by_timescale
from workflow.journey.engine import register
from workflow.journey.inputs import Input, OptionalReason, PastDate, Reason, not_before
from workflow.process import Process
from workflow.timescales import TimescaleKey, check_late_completion, finished_on, held_late
from workflow.validation import FieldRuleBroken

if TYPE_CHECKING:
    from workflow.journey.effects import Clock, Record


class CorrectAssessmentDates(Input):
    started_on: PastDate | None = None
    completed_on: PastDate | None = None
    authorised_on: PastDate | None = None
    reason: Reason
    late_reason: OptionalReason = None

    @model_validator(mode="after")
    def _a_day_corrected(self) -> Self:
        if (self.started_on, self.completed_on, self.authorised_on) == (None, None, None):
            raise FieldRuleBroken(
                "startedOn", "give the day it started, was completed, was authorised, or some"
            )
        return self


def _stays_in_its_place(record: Record, start: date) -> None:
    """The assessment of the referral is the episode's first: a correction keeps each
    assessment where it was among the episode's (one not withdrawn) and their days apart
    (the same assessment is not recorded twice)."""
    others = [
        entry["record"]
        for entry in case.assessments_started(record)
        if entry["record"]["id"] != record.id
    ]
    for other in others:
        if other["startDate"] == start:
            rule = (
                f"an assessment started on {start.isoformat()} is already recorded in this "
                "episode: it is not recorded twice"
            )
            raise Refusal(("startedOn", rule))
    was_later = case.later_assessment(record, record.facts["startDate"], record.id)
    if was_later == case.later_assessment(record, start, record.id):
        return
    if was_later:
        first = min(other["startDate"] for other in others)
        rule = f"must be after the start of the assessment of the referral ({first.isoformat()})"
    else:
        following = min(
            other["startDate"] for other in others if other["startDate"] > record.facts["startDate"]
        )
        rule = f"must be before the start of the later assessment ({following.isoformat()})"
    raise Refusal(("startedOn", f"{rule}: withdraw the one recorded in error instead"))


@register(Process.ASSESSMENT, "correctAssessmentDates", CorrectAssessmentDates)
def correct_assessment_dates(record: Record, data: CorrectAssessmentDates, clock: Clock) -> Effect:
    facts = record.facts
    was = (facts["startDate"], facts["completedDate"], facts["authorisedDate"])
    start = data.started_on or was[0]
    completed = data.completed_on or was[1]
    authorised = data.authorised_on or was[2]
    if (start, completed, authorised) == was:
        raise Refusal(("startedOn", "is the assessment as already recorded"))
    not_before(start, case.referral_date_of(record), "startedOn", "the referral")
    not_before(completed, start, "completedOn", "its start")
    not_before(authorised, completed, "authorisedOn", "its completion")
    case.not_after_the_closure(record, start, "startedOn")
    case.not_after_the_closure(record, completed, "completedOn")
    _stays_in_its_place(record, start)
    timed = next(s for s in record.steps if s["kind"] == StepKind.ASSESSMENT)
    rule = timed.get("dueRule")
    due = timed.get("dueDate")
    if rule == TimescaleKey.LATER_ASSESSMENT:
        # Working Together 2023: a later assessment's 45 working days run from its start.
        due = due_by_timescale(TimescaleKey.LATER_ASSESSMENT, start, clock).due
    given = data.late_reason or timed.get("lateReason")
    late = False
    if rule is not None and isinstance(due, date):
        # Met when authorised (an assessment's 45 working days run to its authorisation).
        late = held_late(rule, due, completed, authorised)
        met = finished_on(rule, completed, authorised) or completed
        if late and (refused := check_late_completion(rule, due, met, given, done="authorised")):
            raise Refusal(("lateReason", refused.message))
    on_time = bool(timed.get("lateReason")) and not data.late_reason and not late
    correction = {
        "startDateCorrectedFrom": was[0].isoformat(),
        "completedDateCorrectedFrom": was[1].isoformat(),
        "authorisedDateCorrectedFrom": was[2].isoformat(),
        "datesCorrectionReason": data.reason,
    }
    summary = (
        f"Assessment of {was[0].isoformat()} to {was[1].isoformat()} (authorised "
        f"{was[2].isoformat()}) corrected to {start.isoformat()} to {completed.isoformat()} "
        f"(authorised {authorised.isoformat()}): {data.reason}"
    )
    return Effect(
        target=record.state,
        occurred_on=completed,
        summary=summary,
        facts={**correction, **case.late_reason_kept(data.late_reason, on_time)},
        dates={
            "startDate": start,
            "completedDate": completed,
            "authorisedDate": authorised,
            "dueDate": due if isinstance(due, date) else None,
            "lastOccurredOn": completed if facts.get("lastOccurredOn") == was[1] else None,
        },
        changed=(
            StepChange(
                timed["id"],
                start_date=start,
                due_date=due if isinstance(due, date) else None,
                completed_date=completed,
                authorised_date=authorised,
                late_reason=data.late_reason,
                on_time=on_time,
                facts={"correctedFrom": was[1].isoformat(), "correctionReason": data.reason},
            ),
        ),
        stamp="datesCorrected",
    )
