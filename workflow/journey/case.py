"""An episode of need and its processes: what each action records, which records and
steps (with which due dates) it opens, and which it ends.

The episode is the `Referral` the front door opens (one CINdetails of the CIN census). Its
work is in records of its own, several open at once: assessments, section 47 enquiries
(started by a strategy discussion), initial child protection conferences (after an
enquiry, or on transfer in), child protection plans and child in need plans. The states,
who may act and the episode's cross-process rules are in `workflow/process.py`; the
engine applies the rules to what these effects open and close.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date, timedelta
from typing import Annotated, Any, Self

from pydantic import Field, model_validator

from workflow.calendar import birthday
from workflow.codes import AssessmentFactor, CategoryOfAbuse, PrimaryNeedCode, ReasonForClosure
from workflow.contacts import referred_too_early
from workflow.early_help import StepDownOrigin, step_down_recall, step_down_request
from workflow.journey.corrections import (
    CorrectStepDate,
    Span,
    WithdrawStep,
    corrected_step,
    withdrawn_step,
)
from workflow.journey.effects import (
    Clock,
    Contradicted,
    Effect,
    EndedRecord,
    NewRecord,
    NewStep,
    Record,
    Refusal,
    RetimedContact,
    RetimedRecord,
    StepChange,
    StepKind,
    StepStatus,
    due_by_timescale,
    last_step_on,
)
from workflow.journey.engine import register
from workflow.journey.inputs import (
    HappenedOn,
    Input,
    OptionalReason,
    PastDate,
    Reason,
    check_late,
    check_late_step,
    not_before,
    not_recorded_twice,
    on_time_after_all,
)
from workflow.journey.ordering import NextDue, held_before_later
from workflow.process import (
    RECORD_DECISION_LATE_REASON,
    RECORD_LABELS,
    RECORDED_IN_ERROR,
    AssessmentState,
    CaseState,
    InitialConferenceState,
    PlanState,
    Process,
    Section47State,
)
from workflow.timescales import (
    DueDate,
    TimescaleKey,
    held_late,
    next_child_protection_review_due,
)
from workflow.validation import FieldRuleBroken

_K = StepKind
# Who gave a late decision's reason (with it, or after it was made), and when:
# `<stamp>By`, `<stamp>At`.
DECISION_LATE_REASON_RECORDED = "decisionLateReasonRecorded"
# The case's reason its decision was late, and who gave it and when.
_DECISION_LATE_REASON = (
    "decisionLateReason",
    *(f"{DECISION_LATE_REASON_RECORDED}{part}" for part in ("By", "At")),
)
Categories = Annotated[tuple[CategoryOfAbuse, ...], Field(max_length=5)]


def as_date(value: Any) -> date:
    """A date the record always holds (a referral's, a plan's start), typed as one."""
    assert isinstance(value, date), value
    return value


def referral_date_of(record: Record) -> date:
    episode = record.episode if record.episode is not None else record.facts
    return as_date(episode["referralDate"])


def _step(record: Record, *kinds: StepKind) -> dict[str, Any]:
    step = record.open_step(*kinds)
    if step is None:
        # The process table only allows the action in states where the step is open.
        raise AssertionError(f"{record.id} in {record.state} has no open {kinds}")
    return step


def _new_record(
    process: Process,
    status: str,
    on: date,
    *,
    facts: dict[str, Any] | None = None,
    dates: dict[str, date | None] | None = None,
    steps: tuple[NewStep, ...] = (),
    follows_acting: bool = False,
) -> NewRecord:
    return NewRecord(
        process=process.value,
        label=RECORD_LABELS[process],
        status=status,
        opened_on=on,
        facts=facts or {},
        dates=dates or {},
        steps=steps,
        follows_acting=follows_acting,
    )


def _done(
    step: dict[str, Any],
    on: date,
    late_reason: str | None = None,
    facts: dict[str, Any] | None = None,
) -> StepChange:
    return StepChange(
        step["id"],
        status=StepStatus.DONE,
        completed_date=on,
        late_reason=late_reason,
        facts=facts or {},
    )


def _cancel_open(record: Record, *keep: str) -> tuple[StepChange, ...]:
    return tuple(
        StepChange(step["id"], status=StepStatus.CANCELLED)
        for step in record.open_steps()
        if step["id"] not in keep
    )


def due_again_with_the_end(record: Record, was: date, on: date) -> tuple[StepChange, ...]:
    """A plan's scheduled steps (reviews, visits, the first core group) when its end is
    corrected from `was` to `on`. Each the first end cancelled before it fell due (due on
    or after `was`, never held nor withdrawn) is due again once it falls due before the
    end: the plan was in force that day, so it was due (overdue, on the work list,
    answered when written up). Each due again is cancelled again when the end moves back
    to or before its day. Those the end found overdue stay as ending the plan left them."""
    changes: list[StepChange] = []
    for step in record.steps:
        due = step.get("dueDate")
        if not isinstance(due, date) or step.get("completedDate") or step.get("withdrawnReason"):
            continue
        if step["status"] == StepStatus.CANCELLED and was <= due < on:
            changes.append(StepChange(step["id"], status=StepStatus.OPEN))
        elif step["status"] == StepStatus.OPEN and on <= due:
            changes.append(StepChange(step["id"], status=StepStatus.CANCELLED))
    return tuple(changes)


def _answers_a_step_due_again(record: Record, kind: StepKind, on: date, field: str) -> bool:
    """Whether a `kind` step held on `on` answers the one due again on an ended plan (its
    end corrected to after the day it fell due: `due_again_with_the_end`), held by the
    end and not before the latest of its kind."""
    return (
        _after_the_plan(record, on, field)
        and record.open_step(kind) is not None
        and not record.before_the_latest(kind, on)
    )


def _while_in_force(record: Record, step: NewStep) -> tuple[NewStep, ...]:
    """`step`, unless the plan has ended by the day it falls due (nothing falls due after)."""
    ended = record.facts.get("endDate") if record.state == PlanState.ENDED else None
    due = step.due.due if step.due else step.due_on
    if isinstance(ended, date) and due is not None and due >= ended:
        return ()
    return (step,)


def _after_the_plan(record: Record, on: date, field: str) -> bool:
    """Whether the plan has ended, so that a step of it written up now is history: held on
    or before the end (a plan is not reviewed or visited after it ended), nothing new
    falls due."""
    if record.state != PlanState.ENDED:
        return False
    ended = record.facts.get("endDate")
    if isinstance(ended, date) and on > ended:
        raise Refusal((field, f"must not be after the plan ended ({ended.isoformat()})"))
    return True


def not_withdrawn(entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records of `entries` that are not withdrawn (recorded in error)."""
    return [e for e in entries if e["record"]["status"] != RECORDED_IN_ERROR]


def _next_due(record: Record, clock: Clock) -> dict[StepKind, NextDue | None]:
    """How the next step of each scheduled kind of a plan falls due from the held ones."""
    start = as_date(record.facts["startDate"])
    return {
        _K.CHILD_PROTECTION_REVIEW: lambda held: next_child_protection_review_due(
            start, held[-1], calendar=clock.calendar
        ),
        # Only the first core group has a national timescale (holdCoreGroup).
        _K.CORE_GROUP: None,
        _K.CHILD_PROTECTION_VISIT: lambda held: due_by_timescale(
            TimescaleKey.CHILD_PROTECTION_VISIT, held[-1], clock
        ),
        _K.CHILD_IN_NEED_PLAN_REVIEW: lambda held: due_by_timescale(
            TimescaleKey.CHILD_IN_NEED_PLAN_REVIEW, held[-1], clock
        ),
        _K.CHILD_IN_NEED_VISIT: lambda held: due_by_timescale(
            TimescaleKey.CHILD_IN_NEED_VISIT, held[-1], clock
        ),
    }


def _of(record: Record, clock: Clock, *kinds: StepKind) -> dict[StepKind, NextDue | None]:
    every = _next_due(record, clock)
    return {kind: every[kind] for kind in kinds}


def _written_up_late(record: Record, kind: StepKind, on: date, field: str) -> bool:
    """Whether a plan's step done on `on` is history: held after a later one of its kind
    was recorded, or written up once the plan ended (dated by then)."""
    return _after_the_plan(record, on, field) or record.before_the_latest(kind, on)


def eighteenth_birthday(record: Record) -> date | None:
    """The child's 18th birthday (None while unborn or with no date of birth)."""
    born = record.date_of_birth
    return birthday(born, 18) if isinstance(born, date) else None


def _plan_for_a_child(record: Record, on: date, field: str) -> None:
    """Working Together 2023: a child protection plan is for a child; it ends when the
    child reaches 18. Refuse a plan made, continued, or worked on from that day."""
    turned = eighteenth_birthday(record)
    if turned is not None and on >= turned:
        raise Refusal(
            (
                field,
                f"the child turned 18 on {turned.isoformat()}: a child protection plan does "
                "not go on past 18 (end it with the reason REACHED_EIGHTEEN)",
            )
        )


def referral_decision_due(referral_date: date, clock: Clock) -> date:
    """Working Together 2023: a decision within 1 working day of the referral."""
    return due_by_timescale(TimescaleKey.REFERRAL_DECISION, referral_date, clock).due


def _decided_on_the_referral(
    referred: date, on: date, late_reason: str | None, clock: Clock
) -> tuple[dict[str, Any], str | None]:
    """A decision on the referral made `on` (accepted, or no further action): past its
    working day it says why. The facts it sets (its reason, clearing who gave an earlier
    one) and the stamp that says who gave a reason given with it, and when."""
    check_late(
        TimescaleKey.REFERRAL_DECISION,
        referral_decision_due(referred, clock),
        on,
        late_reason,
    )
    facts = {**dict.fromkeys(_DECISION_LATE_REASON), "decisionLateReason": late_reason}
    return facts, DECISION_LATE_REASON_RECORDED if late_reason else None


# ---- the episode -------------------------------------------------------------------


class DecideReferral(Input):
    decided_on: PastDate
    primary_need: PrimaryNeedCode
    late_reason: OptionalReason = None


@register(Process.CASE, "decideReferral", DecideReferral)
def decide_referral(record: Record, data: DecideReferral, clock: Clock) -> Effect:
    referred = referral_date_of(record)
    not_before(data.decided_on, referred, "decidedOn", "the referral")
    late, stamp = _decided_on_the_referral(referred, data.decided_on, data.late_reason, clock)
    return Effect(
        target=CaseState.ACCEPTED,
        occurred_on=data.decided_on,
        summary=f"Referral accepted; primary need {data.primary_need.value}",
        facts={"primaryNeed": data.primary_need.value, **late},
        # Written once a manager authorises it (the proposal writes no dates): a
        # correction of the decision's day is not dated after it.
        dates={"decisionDate": data.decided_on, "decisionAuthorisedDate": clock.authorised_on},
        stamp=stamp,
    )


class CorrectReferralDecisionDate(Input):
    decided_on: PastDate
    reason: Reason


@register(Process.CASE, "correctReferralDecisionDate", CorrectReferralDecisionDate)
def correct_referral_decision_date(
    record: Record, data: CorrectReferralDecisionDate, clock: Clock
) -> Effect:
    """The day the decision on the referral was made, typed wrongly and authorised: the
    episode keeps its state and work, the decision its day as corrected (not after the
    day a manager authorised it, where that is recorded), the day typed, why, who and
    when (`decisionDateCorrectedFrom`, `decisionDateCorrectionReason`, the stamp). It is
    late, or not, by the day it was due (a working day after the referral): on time, the
    reason it was late is taken away; late, a reason given stands, and one never given is
    asked for (recordDecisionLateReason), as after correctReferralDate."""
    was, on = record.facts.get("decisionDate"), data.decided_on
    if not isinstance(was, date):
        raise Refusal(("decidedOn", "the referral has no decision recorded"))
    if record.facts.get("noFurtherAction"):
        rule = (
            "no further action was the decision and the closure, on one day: reopen the "
            "episode (reopenCase) and decide again on its day"
        )
        raise Refusal(("decidedOn", rule))
    if on == was:
        raise Refusal(("decidedOn", f"is the day already recorded ({was.isoformat()})"))
    referred = referral_date_of(record)
    not_before(on, referred, "decidedOn", "the referral")
    not_after_the_closure(record, on, "decidedOn")
    authorised = record.facts.get("decisionAuthorisedDate")
    if isinstance(authorised, date) and on > authorised:
        rule = f"must not be after a manager authorised the decision ({authorised.isoformat()})"
        raise Refusal(("decidedOn", rule))
    due = referral_decision_due(referred, clock)
    on_time = not held_late(TimescaleKey.REFERRAL_DECISION, due, on)
    unexplained = not on_time and not record.facts.get("decisionLateReason")
    return Effect(
        target=record.state,
        occurred_on=clock.today,
        summary=f"Referral decision of {was.isoformat()} corrected to {on.isoformat()}: "
        f"{data.reason}"
        + (f" (late: due by {due.isoformat()}, its reason to record)" if unexplained else "")
        # A decision authorised before the hub kept the day: nothing is made up for it.
        + (
            ""
            if isinstance(authorised, date)
            else " (the day a manager authorised it is not recorded: not checked against it)"
        ),
        facts={
            "decisionDateCorrectedFrom": was.isoformat(),
            "decisionDateCorrectionReason": data.reason,
            **(dict.fromkeys(_DECISION_LATE_REASON) if on_time else {}),
        },
        dates={"decisionDate": on},
        stamp="decisionDateCorrected",
    )


class RecordDecisionLateReason(Input):
    reason: Reason


@register(Process.CASE, RECORD_DECISION_LATE_REASON, RecordDecisionLateReason)
def record_decision_late_reason(
    record: Record, data: RecordDecisionLateReason, clock: Clock
) -> Effect:
    """Why the decision on the referral was late, given after it was made (a corrected
    referral date made it late): kept with who gave it and when, as a held step's is; the
    journey event says a reason was given, never what it is. The contact that opened the
    episode, decided late by the same day with no reason, takes it too, also while the
    episode's own decision is still to come (it is asked its reason then)."""
    decided = record.facts.get("decisionDate")
    referred = referral_date_of(record)
    due = referral_decision_due(referred, clock)
    # One referral, one reason its decision came late.
    contacts = tuple(
        RetimedContact(contact["id"], referred, due, late_reason=data.reason)
        for contact in record.contacts
        if contact.get("receivedDate") == referred
        and not contact.get("decisionLateReason")
        and held_late(TimescaleKey.REFERRAL_DECISION, due, contact.get("decisionDate"))
    )
    late = isinstance(decided, date) and held_late(TimescaleKey.REFERRAL_DECISION, due, decided)
    if not late and not contacts:
        if not isinstance(decided, date):
            raise Refusal(
                (
                    "caseId",
                    "the referral has no decision recorded, and the contact that opened it "
                    f"was decided by its due day ({due.isoformat()}): it has no late reason "
                    "to record",
                )
            )
        raise Refusal(
            (
                "caseId",
                f"the decision was not late (made on {decided.isoformat()}, due by "
                f"{due.isoformat()}): it has no late reason to record",
            )
        )
    if late and data.reason == record.facts.get("decisionLateReason"):
        raise Refusal(("reason", "is the reason already recorded"))
    if late:
        assert isinstance(decided, date)
        given = "replaced" if record.facts.get("decisionLateReason") else "recorded"
        summary = f"Why the referral decision of {decided.isoformat()} was late"
    else:
        given, summary = "recorded", "Why the decision on the contact that opened it was late"
    return Effect(
        target=record.state,
        occurred_on=clock.today,
        summary=f"{summary} (due by {due.isoformat()}): reason {given}",
        facts={"decisionLateReason": data.reason} if late else {},
        stamp=DECISION_LATE_REASON_RECORDED if late else None,
        retimed_contacts=contacts,
    )


def _decided_on_time_after_all(decided: dict[str, Any], due: date) -> bool:
    """Whether a decision (the case's, or a contact's that opened it) that carries a
    reason it was late is on time by `due`, its referral date corrected: the reason, and
    who gave it and when, are then taken away (the one rule of a held step's)."""
    made = decided.get("decisionDate")
    reason = {"lateReason": decided.get("decisionLateReason")}
    return isinstance(made, date) and on_time_after_all(
        reason, TimescaleKey.REFERRAL_DECISION, due, made
    )


class CloseWithNoFurtherAction(Input):
    on: PastDate
    primary_need: PrimaryNeedCode | None = None
    late_reason: OptionalReason = None


@register(Process.CASE, "closeWithNoFurtherAction", CloseWithNoFurtherAction)
def close_with_no_further_action(
    record: Record, data: CloseWithNoFurtherAction, clock: Clock
) -> Effect:
    referred = referral_date_of(record)
    not_before(data.on, referred, "on", "the referral")
    if record.processes:
        # CIN census ReferralNFA: decided on the referral itself, before any work.
        raise Refusal(
            (
                "on",
                "no further action is decided at referral; this episode already has work "
                "recorded, so close it with closeCase and a reason",
            )
        )
    # Working Together 2023: no further action is the decision on the referral, due
    # within 1 working day as any other; decided late, it says why.
    late, stamp = _decided_on_the_referral(referred, data.on, data.late_reason, clock)
    closure = ReasonForClosure.RC7_SERVICES_CEASED_FOR_ANY_OTHER_REASON
    facts: dict[str, Any] = {"closureReason": closure.value, "noFurtherAction": True, **late}
    if data.primary_need is not None:
        facts["primaryNeed"] = data.primary_need.value
    return Effect(
        target=CaseState.CLOSED,
        occurred_on=data.on,
        summary="Referral: no further action (closed, RC7)",
        facts=facts,
        # The day a manager authorised it, as an accepted referral's (decide_referral).
        dates={
            "decisionDate": data.on,
            "closureDate": data.on,
            "decisionAuthorisedDate": clock.authorised_on,
        },
        stamp=stamp,
    )


class StartAssessment(Input):
    started_on: PastDate


def assessments_started(record: Record) -> list[dict[str, Any]]:
    """The episode's assessments in use (not withdrawn) with the day each started."""
    return [
        entry
        for entry in not_withdrawn(record.episode_records(Process.ASSESSMENT))
        if isinstance(entry["record"].get("startDate"), date)
    ]


def later_assessment(record: Record, started_on: date, assessment_id: str | None = None) -> bool:
    """Whether an assessment started on `started_on` comes after the episode's first (one
    that started earlier): the assessment of the referral is the first."""
    return any(
        entry["record"]["startDate"] < started_on
        for entry in assessments_started(record)
        if entry["record"]["id"] != assessment_id
    )


@register(Process.CASE, "startAssessment", StartAssessment)
def start_assessment(record: Record, data: StartAssessment, clock: Clock) -> Effect:
    referred = referral_date_of(record)
    not_before(data.started_on, referred, "startedOn", "the referral")
    # The same assessment typed again (from paper, the old system): the returns would
    # count two assessments of the child.
    for entry in assessments_started(record):
        if entry["record"]["startDate"] == data.started_on:
            rule = (
                f"an assessment started on {data.started_on.isoformat()} is already "
                "recorded in this episode: it is not recorded twice"
            )
            raise Refusal(("startedOn", rule))
    # Working Together 2023: the assessment of the referral concludes within 45 working
    # days of the referral, whenever it starts; a later one within 45 of its own start.
    if later_assessment(record, data.started_on):
        due = due_by_timescale(TimescaleKey.LATER_ASSESSMENT, data.started_on, clock)
        no_longer_first: tuple[RetimedRecord, ...] = ()
    else:
        due = due_by_timescale(TimescaleKey.CHILD_AND_FAMILY_ASSESSMENT, referred, clock)
        no_longer_first = _first_assessment_made_later(record, clock)
    return Effect(
        target=record.state,
        occurred_on=data.started_on,
        summary="Child and family assessment started",
        opened_records=(
            _new_record(
                Process.ASSESSMENT,
                AssessmentState.IN_PROGRESS,
                data.started_on,
                dates={
                    "referralDate": referred,
                    "startDate": data.started_on,
                    "dueDate": due.due,
                },
                steps=(NewStep(_K.ASSESSMENT, due=due, start_date=data.started_on),),
            ),
        ),
        retimed_records=no_longer_first,
    )


def _first_assessment_made_later(record: Record, clock: Clock) -> tuple[RetimedRecord, ...]:
    """An assessment typed after the episode's first but started before it (a paper
    record, the old system's) is the assessment of the referral: the one that was first
    becomes a later assessment, due 45 working days from its own start, and a reason it
    was late by the referral's clock goes if it is on time by its own. (Called for one
    that is not a later assessment: every other started after it.)"""
    started = assessments_started(record)
    if not started:
        return ()
    first = min(started, key=lambda entry: entry["record"]["startDate"])
    facts, steps = first["record"], first["steps"]
    due = due_by_timescale(TimescaleKey.LATER_ASSESSMENT, facts["startDate"], clock)
    return (_timed_again(facts, steps, _K.ASSESSMENT, due, rule_changes=True),)


class HoldStrategyDiscussion(Input):
    held_on: PastDate


@register(Process.CASE, "holdStrategyDiscussion", HoldStrategyDiscussion)
def hold_strategy_discussion(record: Record, data: HoldStrategyDiscussion, clock: Clock) -> Effect:
    held = data.held_on
    not_before(held, referral_date_of(record), "heldOn", "the referral")
    # One going on that day is refused as a transition (EPISODE_RULES); one whose
    # conference was held that very day is refused here: the census counts the day
    # inside it.
    for meeting in _enquiries_meeting(record, None, held, None, end_known=False):
        if meeting[2] == held:
            raise _overlap_refused("heldOn", meeting)
    # Working Together 2023: the ICPC within 15 working days of the strategy discussion
    # (CIN census InitialCPCtarget); the clock runs whatever the enquiry finds.
    target = due_by_timescale(TimescaleKey.INITIAL_CHILD_PROTECTION_CONFERENCE, held, clock)
    return Effect(
        target=record.state,
        occurred_on=held,
        summary="Strategy discussion held; section 47 enquiry started",
        opened_records=(
            _new_record(
                Process.SECTION_47_ENQUIRY,
                Section47State.IN_PROGRESS,
                held,
                dates={"startDate": held, "conferenceTarget": target.due},
                steps=(
                    NewStep(
                        _K.STRATEGY_DISCUSSION,
                        start_date=held,
                        completed_date=held,
                        status=StepStatus.DONE,
                    ),
                    NewStep(_K.SECTION_47_ENQUIRY, start_date=held, due=target),
                ),
            ),
        ),
    )


class HoldInitialConference(Input):
    held_on: PastDate
    plan_required: bool
    categories_of_abuse: Categories = ()
    late_reason: OptionalReason = None
    # A transfer-in conference's: the day the other authority told us the child on its
    # plan was moving here (the conference's timescale counts from it).
    notified_on: PastDate | None = None

    @model_validator(mode="after")
    def _categories_with_plan(self) -> Self:
        if self.plan_required and not self.categories_of_abuse:
            raise FieldRuleBroken("categoriesOfAbuse", "a child protection plan needs a category")
        if not self.plan_required and self.categories_of_abuse:
            raise FieldRuleBroken(
                "categoriesOfAbuse", "only a conference that makes a plan gives one"
            )
        return self


def _plan_from_conference(
    held: date, categories: tuple[CategoryOfAbuse, ...], clock: Clock, **facts: Any
) -> NewRecord:
    """The child protection plan a conference makes (CIN census: CPPstartDate is the
    conference's date), with its first review, core group and visit due."""
    codes = sorted({category.value for category in categories})
    return _new_record(
        Process.CHILD_PROTECTION_PLAN,
        PlanState.ACTIVE,
        held,
        facts={"initialCategories": codes, "latestCategories": codes, **facts},
        dates={"startDate": held},
        steps=(
            NewStep(
                _K.CHILD_PROTECTION_REVIEW,
                due=next_child_protection_review_due(held, None, calendar=clock.calendar),
            ),
            NewStep(
                _K.CORE_GROUP, due=due_by_timescale(TimescaleKey.FIRST_CORE_GROUP, held, clock)
            ),
            NewStep(
                _K.CHILD_PROTECTION_VISIT,
                due=due_by_timescale(TimescaleKey.CHILD_PROTECTION_VISIT, held, clock),
            ),
        ),
    )


@register(Process.CASE, "holdTransferInConference", HoldInitialConference)
def hold_transfer_in_conference(
    record: Record, data: HoldInitialConference, clock: Clock
) -> Effect:
    held = data.held_on
    referred = referral_date_of(record)
    not_before(held, referred, "heldOn", "the referral")
    # Working Together 2023: within 15 working days of the notification of the move. The
    # other authority's notification reached us by the referral at the latest, so without
    # its own date the conference is due 15 working days after the referral.
    notified = data.notified_on or referred
    not_before(held, notified, "heldOn", "the notification of the move")
    if data.plan_required:
        _plan_for_a_child(record, held, "heldOn")
    due = due_by_timescale(TimescaleKey.TRANSFER_IN_CONFERENCE, notified, clock)
    check_late(due.rule, due.due, held, data.late_reason)
    outcome = (
        InitialConferenceState.PLAN_MADE if data.plan_required else (InitialConferenceState.NO_PLAN)
    )
    conference = _new_record(
        Process.INITIAL_CONFERENCE,
        outcome,
        held,
        facts={
            "transferIn": True,
            "planRequired": data.plan_required,
            "lateReason": data.late_reason,
        },
        dates={"heldDate": held, "dueDate": due.due, "notifiedDate": data.notified_on},
        steps=(
            NewStep(
                _K.INITIAL_CHILD_PROTECTION_CONFERENCE,
                due=due,
                completed_date=held,
                status=StepStatus.DONE,
                facts={
                    "outcome": "PLAN" if data.plan_required else "NO_PLAN",
                    "lateReason": data.late_reason,
                },
            ),
        ),
    )
    plans = (
        (
            _plan_from_conference(
                held, data.categories_of_abuse, clock, transferIn=True, conferenceId=conference.id
            ),
        )
        if data.plan_required
        else ()
    )
    return Effect(
        target=record.state,
        occurred_on=held,
        summary="Transfer-in child protection conference"
        + (" (plan made)" if data.plan_required else " (no plan)"),
        opened_records=(conference, *plans),
    )


class StartChildInNeedPlan(Input):
    start_date: PastDate


def _child_in_need_plan_steps(
    review_from: date, visit_from: date, clock: Clock
) -> tuple[NewStep, NewStep]:
    """A child in need plan's review and visit, each due from the day given (the plan's
    start, or the last one held when the plan goes on again)."""
    return (
        NewStep(
            _K.CHILD_IN_NEED_PLAN_REVIEW,
            due=due_by_timescale(TimescaleKey.CHILD_IN_NEED_PLAN_REVIEW, review_from, clock),
        ),
        NewStep(
            _K.CHILD_IN_NEED_VISIT,
            due=due_by_timescale(TimescaleKey.CHILD_IN_NEED_VISIT, visit_from, clock),
        ),
    )


_ONE_CHILD_IN_NEED_PLAN_AT_A_TIME = (
    "a child's child in need plans do not overlap, and one starts after the one before it "
    "ended (CIN census 4014)"
)


def child_in_need_plans_apart(
    record: Record,
    plan: tuple[str | None, date, date | None],
    fields: tuple[str, str],
    *,
    only_ended: bool = False,
) -> None:
    """CIN census 4014: no child in need plan of the episode starts on a day from the
    start to the end of another (both days counted; to now while it goes on). `plan` is
    (its id, None for a new one; its start; its end, None while it goes on); `fields` name
    its start and its end. With `only_ended`, the plans still going on are left to the
    episode's rule (one child in need plan at a time: workflow/process.py)."""
    plan_id, start, end = plan
    start_field, end_field = fields
    for entry in not_withdrawn(record.episode_records(Process.CHILD_IN_NEED_PLAN.value)):
        other = entry["record"]
        began, ended = other.get("startDate"), other.get("endDate")
        if other["id"] == plan_id or not isinstance(began, date):
            continue
        ended = ended if isinstance(ended, date) else None
        if ended is None and only_ended:
            continue
        span = f"{began.isoformat()} to {ended.isoformat() if ended else 'open'}"
        named = f"child in need plan {other['id']}"
        if began <= start and (ended is None or start <= ended):
            rule = f"must not start within {named} ({span}): {_ONE_CHILD_IN_NEED_PLAN_AT_A_TIME}"
            raise Refusal((start_field, rule))
        if start <= began and (end is None or began <= end):
            if end is None:
                rule = f"must not start before {named} ({span}) and go on"
                raise Refusal((start_field, f"{rule}: {_ONE_CHILD_IN_NEED_PLAN_AT_A_TIME}"))
            rule = (
                f"must not end on or after {named} started ({began.isoformat()}): "
                f"{_ONE_CHILD_IN_NEED_PLAN_AT_A_TIME}"
            )
            raise Refusal((end_field, rule))


@register(Process.CASE, "startChildInNeedPlan", StartChildInNeedPlan)
def start_child_in_need_plan(record: Record, data: StartChildInNeedPlan, clock: Clock) -> Effect:
    start = data.start_date
    not_before(start, referral_date_of(record), "startDate", "the referral")
    child_in_need_plans_apart(
        record, (None, start, None), ("startDate", "startDate"), only_ended=True
    )
    return Effect(
        target=record.state,
        occurred_on=start,
        summary="Child in need plan started",
        opened_records=(
            _new_record(
                Process.CHILD_IN_NEED_PLAN,
                PlanState.ACTIVE,
                start,
                dates={"startDate": start},
                steps=_child_in_need_plan_steps(start, start, clock),
            ),
        ),
    )


class CloseCase(Input):
    closed_on: PastDate
    reason: ReasonForClosure


def _latest_in_episode(record: Record) -> date:
    """The latest date anything in the episode happened (closure comes after it).

    The episode's own dates are the referral, its decision and its last step: a manager's
    decision on the episode (authorising, returning for rework) is not one. An
    assessment's authorisation is: the CIN census reports it as the day the assessment
    ended (AssessmentAuthorisationDate), within the episode.
    """
    dates = [referral_date_of(record)]
    dates.extend(
        value
        for name, value in record.facts.items()
        if isinstance(value, date) and name not in _CORRECTIONS
    )
    for entry in record.processes:
        dates.extend(
            value
            for name, value in entry["record"].items()
            if isinstance(value, date) and name not in _DUE
        )
        for step in entry["steps"]:
            dates.extend(step[name] for name in _HAPPENED if isinstance(step.get(name), date))
    return max(dates)


# Dates that say when something is due, not when anything happened.
_DUE = frozenset({"dueDate", "conferenceTarget"})
# Dates of a correction of the episode (a closure made in error, and its reopening):
# nothing happened with the child then, so a closure may come before them (the day
# services did end, or a closure made in error again with its right reason).
_CORRECTIONS = frozenset({"closedInErrorDate", "reopenedDate"})
_HAPPENED = ("startDate", "completedDate", "authorisedDate")


@register(Process.CASE, "closeCase", CloseCase)
def close_case(record: Record, data: CloseCase, clock: Clock) -> Effect:
    not_before(data.closed_on, _latest_in_episode(record), "closedOn", "the episode's last step")
    reason = data.reason
    return Effect(
        target=CaseState.CLOSED,
        occurred_on=data.closed_on,
        summary=f"Episode closed: {reason.value} {reason.description}",
        facts={"closureReason": reason.value, "noFurtherAction": False},
        dates={"closureDate": data.closed_on},
        # CIN census RC9, "closed after assessment, referred to early help": a step down,
        # so EHM is sent a request for early help dated the day the episode closed.
        early_help=step_down_request(
            StepDownOrigin.CASE_CLOSURE,
            reason.value,
            reason.description,
            data.closed_on,
            summary=None,
        )
        if reason is ReasonForClosure.RC9_CLOSED_AFTER_ASSESSMENT_REFERRED_TO_EARLY_HELP
        else None,
    )


class ReopenCase(Input):
    reopened_on: HappenedOn
    reason: Reason


def _beside(record: Record, closed: date) -> list[str]:
    """The child's other episodes a reopened one would overlap (CIN census 8820: one
    episode of need at a time): one still open, or one referred on or after the day
    this one had closed."""
    return [
        f"{other['id']} (referred {other['referralDate'].isoformat()}, {other['status']})"
        for other in record.other_episodes
        if other["status"] != CaseState.CLOSED
        or (isinstance(other.get("referralDate"), date) and other["referralDate"] >= closed)
    ]


def _ended_by_the_closure(record: Record, closed: date, clock: Clock) -> tuple[EndedRecord, ...]:
    """The child in need plans the closure ended that day (EPISODE_RULES): ended on the
    closure date by the rule, not by an action of their own (which moves a plan's last
    step to its end), so they go on again as they were."""
    return tuple(
        _goes_on(entry, clock)
        for entry in record.episode_records(Process.CHILD_IN_NEED_PLAN)
        if (plan := entry["record"])["status"] == PlanState.ENDED
        and plan.get("endDate") == closed
        and plan.get("lastOccurredOn") != closed
    )


@register(Process.CASE, "reopenCase", ReopenCase)
def reopen_case(record: Record, data: ReopenCase, clock: Clock) -> Effect:
    # A correction, not a step: the closure (or no further action at referral) was
    # authorised in error, so the episode goes on as it was, its work and due dates
    # with it, not as a new referral. The closure is kept as history (its date and
    # reason, with the reopening's reason, who and when); the returns and the work lists
    # read the episode as open from its referral.
    closed = as_date(record.facts["closureDate"])
    not_before(data.reopened_on, closed, "reopenedOn", "the closure it corrects")
    if overlapping := _beside(record, closed):
        raise Contradicted(
            "the child has had another episode of need since this one closed, so it "
            "cannot be reopened (one episode at a time, CIN census 8820): " + ", ".join(overlapping)
        )
    reason = str(record.facts.get("closureReason") or "")
    at_referral = bool(record.facts.get("noFurtherAction"))
    # No further action was decided at referral: the decision on it is due again.
    decided = not at_referral and isinstance(record.facts.get("decisionDate"), date)
    return Effect(
        target=CaseState.ACCEPTED if decided else CaseState.OPEN,
        occurred_on=data.reopened_on,
        summary="Episode reopened: the "
        + ("no further action" if at_referral else "closure")
        + f" of {closed.isoformat()} ({reason}) was recorded in error: {data.reason}",
        facts={
            "closureReason": None,
            "noFurtherAction": None,
            "closedInErrorReason": reason,
            "closedInErrorAtReferral": at_referral,
            "reopenedReason": data.reason,
            # Decided again, the decision is judged again: no reason it was late stands.
            **({} if decided else dict.fromkeys(_DECISION_LATE_REASON)),
        },
        dates={"closedInErrorDate": closed, "reopenedDate": data.reopened_on},
        # Its last step is again what came before the closure (closing again may be
        # dated from the episode's work, not from the closure made in error).
        cleared=(
            "closureDate",
            "lastOccurredOn",
            *(() if decided else ("decisionDate", "decisionAuthorisedDate")),
        ),
        ended_records=_ended_by_the_closure(record, closed, clock),
        stamp="reopened",
        # The step down an RC9 closure sent EHM no longer stands.
        early_help_recall=step_down_recall(data.reason, data.reopened_on),
    )


class CorrectReferralDate(Input):
    referral_date: PastDate
    reason: Reason


def _happened_in_episode(record: Record) -> list[tuple[date, str]]:
    """Each day something happened in the episode, with what: the referral may not be
    corrected to after any of them."""
    found: list[tuple[date, str]] = [
        (value, f"its {name}")
        for name, value in record.facts.items()
        if isinstance(value, date) and name not in _NOT_AFTER_THE_REFERRAL
    ]
    # A step proposed for a manager (a decision, a closure) is dated the day it happened.
    if proposed := record.facts.get("pendingOn"):
        found.append(
            (date.fromisoformat(str(proposed)), f"its proposed {record.facts.get('pendingAction')}")
        )
    for entry in record.processes:
        kind = f"{entry['record'].get('process')} {entry['record'].get('id')}"
        found.extend(
            (value, f"{kind} {name}")
            for name, value in entry["record"].items()
            if isinstance(value, date) and name not in _NOT_AFTER_THE_REFERRAL
        )
        for step in entry["steps"]:
            # A cancelled step never happened.
            found.extend(
                (step[name], f"{kind} {step.get('kind')} {name}")
                for name in _HAPPENED
                if isinstance(step.get(name), date) and step.get("status") != StepStatus.CANCELLED
            )
    return found


# Dates that do not have to come after the referral: it and its copies, what is due, the
# other authority's notice of a transfer in (it may have come first).
_NOT_AFTER_THE_REFERRAL = frozenset(
    {"referralDate", "previousReferralDate", "notifiedDate", "reopenedDate", *_DUE}
)


def _earlier_episode_in_the_way(record: Record, new: date) -> str | None:
    """CIN census 8820: the corrected referral may not come before an earlier episode
    closed, nor on or before its referral."""
    old = referral_date_of(record)
    for other in record.other_episodes:
        referred, closed = other.get("referralDate"), other.get("closureDate")
        if not isinstance(referred, date) or referred > old:
            continue
        if new <= referred or (isinstance(closed, date) and new < closed):
            ended = f", closed {closed.isoformat()}" if isinstance(closed, date) else ""
            return (
                f"the child's episode {other['id']} (referred {referred.isoformat()}{ended}) "
                "would overlap it: episodes of need must not overlap (CIN census 8820)"
            )
    return None


def _retimed(record: Record, new: date, clock: Clock) -> tuple[RetimedRecord, ...]:
    """The episode's records whose timescale counts from the referral: assessments (45
    working days) and transfer-in conferences with no notice of their own. One held late
    with a reason and on time by the corrected day keeps no reason (nor who gave it), on
    its step or on the record, as a held step whose own day is corrected; one the corrected
    day makes late is on the work lists until someone says why (recordLateReason)."""
    retimed = []
    for entry in record.processes:
        facts, steps = entry["record"], entry["steps"]
        if facts.get("process") == Process.ASSESSMENT and later_assessment(
            record, as_date(facts.get("startDate")), facts["id"]
        ):
            # Its 45 working days count from its own start: only the referral date moves.
            retimed.append(RetimedRecord(facts["id"], referral_date=new))
            continue
        if facts.get("process") == Process.ASSESSMENT:
            key, kind, carried = TimescaleKey.CHILD_AND_FAMILY_ASSESSMENT, _K.ASSESSMENT, new
        elif facts.get("transferIn") and facts.get("notifiedDate") is None:
            key, kind, carried = (
                TimescaleKey.TRANSFER_IN_CONFERENCE,
                _K.INITIAL_CHILD_PROTECTION_CONFERENCE,
                None,
            )
        else:
            continue
        retimed.append(_timed_again(facts, steps, kind, due_by_timescale(key, new, clock), carried))
    return tuple(retimed)


def _timed_again(
    facts: dict[str, Any],
    steps: list[dict[str, Any]],
    kind: StepKind,
    due: DueDate,
    referral_date: date | None = None,
    *,
    rule_changes: bool = False,
) -> RetimedRecord:
    """A record whose timed step (of `kind`) is due again by `due`: a reason it was late
    goes if it is on time by it after all; `rule_changes` when the step is now timed by
    another rule (carried with it)."""
    step = next((s for s in steps if s.get("kind") == kind), None)
    on_time = (
        step is not None
        and step.get("status") == StepStatus.DONE
        and on_time_after_all(step, due.rule, due.due, step.get("completedDate"))
    )
    return RetimedRecord(
        facts["id"],
        ((step["id"], due.due),) if step is not None else (),
        due.due,
        referral_date,
        facts=late_reason_kept(None, on_time),
        on_time=on_time,
        due_rule=due.rule.value if rule_changes else None,
    )


@register(Process.CASE, "correctReferralDate", CorrectReferralDate)
def correct_referral_date(record: Record, data: CorrectReferralDate, clock: Clock) -> Effect:
    # A correction of what was typed, not a step: the episode keeps its state and its
    # work, which must all still come on or after the corrected day; what counts from
    # the referral (its decision, the assessments' 45 working days, a transfer-in
    # conference's 15) counts from it, and the contact that opened it came in that day.
    old, new = referral_date_of(record), data.referral_date
    if new == old:
        raise Refusal(("referralDate", "is already the episode's referral date"))
    unborn = record.expected_date_of_birth
    born = unborn or record.date_of_birth
    if isinstance(born, date) and (rule := referred_too_early(new, born, unborn=bool(unborn))):
        raise Refusal(("referralDate", rule))
    if after := [(day, what) for day, what in _happened_in_episode(record) if day < new]:
        day, what = min(after)
        raise Contradicted(
            f"{what} is {day.isoformat()}, before {new.isoformat()}: the episode's work "
            "comes on or after its referral"
        )
    if overlap := _earlier_episode_in_the_way(record, new):
        raise Contradicted(overlap)
    opening: list[dict[str, Any]] = []
    joined: list[dict[str, Any]] = []
    for contact in record.contacts:
        (opening if contact.get("receivedDate") == old else joined).append(contact)
    for contact in joined:
        if contact["receivedDate"] < new:
            raise Contradicted(
                f"contact {contact['id']} received {contact['receivedDate'].isoformat()} "
                f"joined the episode: it does not come before its referral"
            )
    for contact in opening:
        decided = contact.get("decisionDate")
        if isinstance(decided, date) and decided < new:
            raise Contradicted(
                f"contact {contact['id']} was decided on {decided.isoformat()}, before "
                f"{new.isoformat()}: a contact is decided on or after it comes in"
            )
    due = referral_decision_due(new, clock)
    return Effect(
        target=record.state,
        occurred_on=clock.today,
        summary=f"Referral date corrected from {old.isoformat()} to {new.isoformat()}: "
        f"{data.reason}",
        facts={
            "referralDateCorrectionReason": data.reason,
            **(
                dict.fromkeys(_DECISION_LATE_REASON)
                if _decided_on_time_after_all(record.facts, due)
                else {}
            ),
        },
        dates={"referralDate": new, "previousReferralDate": old},
        retimed_records=_retimed(record, new, clock),
        retimed_contacts=tuple(
            RetimedContact(contact["id"], new, due, _decided_on_time_after_all(contact, due))
            for contact in opening
        ),
        stamp="referralDateCorrected",
    )


# ---- assessments -------------------------------------------------------------------


class CompleteAssessment(Input):
    completed_on: PastDate
    factors: Annotated[list[AssessmentFactor], Field(min_length=1, max_length=60)]
    late_reason: OptionalReason = None

    @model_validator(mode="after")
    def _no_factors_alone(self) -> Self:
        # CIN census: factor 21 ("no factors identified") cannot sit with any other.
        if AssessmentFactor.NO_FACTORS_IDENTIFIED in self.factors and len(set(self.factors)) > 1:
            raise FieldRuleBroken("factors", "NO_FACTORS_IDENTIFIED (21) must be the only factor")
        return self


@register(Process.ASSESSMENT, "completeAssessment", CompleteAssessment)
def complete_assessment(record: Record, data: CompleteAssessment, clock: Clock) -> Effect:
    step = _step(record, _K.ASSESSMENT)
    not_before(data.completed_on, record.facts.get("startDate"), "completedOn", "its start")
    # Met when authorised: completed on time but authorised late, the manager says why.
    check_late_step(step, data.completed_on, data.late_reason, clock)
    factors = sorted({factor.value for factor in data.factors})
    authorised_on = clock.authorised_on or clock.today
    return Effect(
        target=AssessmentState.AUTHORISED,
        occurred_on=data.completed_on,
        summary=f"Child and family assessment completed; factors {', '.join(factors)}",
        facts={"factors": factors, "lateReason": data.late_reason},
        dates={"completedDate": data.completed_on, "authorisedDate": authorised_on},
        changed=(
            StepChange(
                step["id"],
                status=StepStatus.DONE,
                completed_date=data.completed_on,
                authorised_date=authorised_on,
                late_reason=data.late_reason,
                facts={"factors": factors},
            ),
        ),
    )


# ---- records started in error --------------------------------------------------------


class WithdrawInError(Input):
    withdrawn_on: HappenedOn
    reason: Reason


def _withdrawn(record: Record, data: WithdrawInError, target: str, what: str) -> Effect:
    # Not a conclusion of the record but a correction of it: nothing was done, so no
    # findings, no end date and no timescale; the steps still due are cancelled. The
    # record stays in the history (RECORDED_IN_ERROR) and in no return.
    not_before(data.withdrawn_on, record.facts.get("startDate"), "withdrawnOn", "its start")
    return Effect(
        target=target,
        occurred_on=data.withdrawn_on,
        summary=f"{what} withdrawn, started in error: {data.reason}",
        facts={"withdrawnReason": data.reason},
        changed=_cancel_open(record),
    )


@register(Process.ASSESSMENT, "withdrawAssessment", WithdrawInError)
def withdraw_assessment(record: Record, data: WithdrawInError, clock: Clock) -> Effect:
    return _withdrawn(
        record, data, AssessmentState.RECORDED_IN_ERROR, "Child and family assessment"
    )


@register(Process.SECTION_47_ENQUIRY, "withdrawSection47Enquiry", WithdrawInError)
def withdraw_section_47_enquiry(record: Record, data: WithdrawInError, clock: Clock) -> Effect:
    # Concluded with a conference asked for: the conference, still due, was asked for on
    # the wrong child too and goes with it; one held is withdrawn first, with its plan.
    conferences = [
        entry["record"]
        for entry in not_withdrawn(record.episode_records(Process.INITIAL_CONFERENCE))
        if entry["record"].get("section47EnquiryId") == record.id
    ]
    held = [c for c in conferences if c["status"] != InitialConferenceState.DUE]
    if held:
        raise Refusal(
            (
                "section47EnquiryId",
                f"its initial conference {held[0]['id']} is {held[0]['status']}: withdraw "
                "the conference first (withdrawInitialConference)",
            )
        )
    effect = _withdrawn(record, data, Section47State.RECORDED_IN_ERROR, "Section 47 enquiry")
    due = tuple(
        EndedRecord(c["id"], InitialConferenceState.RECORDED_IN_ERROR, None, data.reason)
        for c in conferences
    )
    return replace(effect, ended_records=due)


@register(Process.CHILD_IN_NEED_PLAN, "withdrawChildInNeedPlan", WithdrawInError)
def withdraw_child_in_need_plan(record: Record, data: WithdrawInError, clock: Clock) -> Effect:
    return _withdrawn(record, data, PlanState.RECORDED_IN_ERROR, "Child in need plan")


@register(Process.INITIAL_CONFERENCE, "withdrawInitialConference", WithdrawInError)
def withdraw_initial_conference(record: Record, data: WithdrawInError, clock: Clock) -> Effect:
    # A child protection plan is made by a conference: a conference held on the wrong
    # child made its plan on the wrong child, so the plan is withdrawn with it (its
    # reviews, visits and core groups kept with it as history, none due any more).
    not_before(data.withdrawn_on, record.facts.get("heldDate"), "withdrawnOn", "the conference")
    plans = [
        entry
        for entry in record.episode_records(Process.CHILD_PROTECTION_PLAN)
        if entry["record"].get("conferenceId") == record.id
    ]
    for entry in plans:
        not_before(
            data.withdrawn_on, last_step_on(entry["steps"]), "withdrawnOn", "the plan's last step"
        )
    effect = _withdrawn(
        record,
        data,
        InitialConferenceState.RECORDED_IN_ERROR,
        "Initial child protection conference" + (" and the plan it made" if plans else ""),
    )
    withdrawn = tuple(
        EndedRecord(entry["record"]["id"], PlanState.RECORDED_IN_ERROR, None, data.reason)
        for entry in plans
    )
    going_on = tuple(
        again for entry in plans for again in _going_on_again(record, entry["record"]["id"], clock)
    )
    return replace(effect, ended_records=(*withdrawn, *going_on), opened_records=_due_again(record))


# How each record of an episode is withdrawn as started in error (a child protection
# plan goes with the conference that made it).
_WITHDRAWN_WITH = {
    Process.ASSESSMENT: "withdrawAssessment",
    Process.SECTION_47_ENQUIRY: "withdrawSection47Enquiry",
    Process.INITIAL_CONFERENCE: "withdrawInitialConference",
    Process.CHILD_PROTECTION_PLAN: "withdrawInitialConference",
    Process.CHILD_IN_NEED_PLAN: "withdrawChildInNeedPlan",
}


@register(Process.CASE, "withdrawReferral", WithdrawInError)
def withdraw_referral(record: Record, data: WithdrawInError, clock: Clock) -> Effect:
    # A referral that should never have been one (the wrong child, a duplicate, a test
    # record) is no episode of need: kept in the history with why, who and when, in no
    # return, view or rule. What it started was started in error too, but each record is
    # withdrawn on its own first, with its manager's authorisation (work done with the
    # right child is recorded on the right child's episode), so nothing it holds stands
    # on it; a closed episode is reopened first to withdraw its work. The contacts that
    # led to it were recorded in error with it and are withdrawn with it.
    not_before(data.withdrawn_on, referral_date_of(record), "withdrawnOn", "the referral")
    held = [entry["record"] for entry in not_withdrawn(record.processes)]
    if held:
        closed = record.state == CaseState.CLOSED
        raise Contradicted(
            "a referral is withdrawn once the work recorded in its episode is: "
            + "; ".join(
                f"{RECORD_LABELS[Process(r['process'])]} {r['id']} is {r['status']} "
                f"({_WITHDRAWN_WITH[Process(r['process'])]})"
                for r in held
            )
            + (" (the episode is closed: reopenCase first)" if closed else "")
            + "; nothing was written"
        )
    return Effect(
        target=CaseState.RECORDED_IN_ERROR,
        occurred_on=data.withdrawn_on,
        summary=f"Referral withdrawn, recorded in error: {data.reason}",
        facts={"withdrawnReason": data.reason},
        dates={"withdrawnDate": data.withdrawn_on},
        changed=_cancel_open(record),
        withdrawn_contacts=tuple(str(contact["id"]) for contact in record.contacts),
        stamp="withdrawn",
        # A step down it sent (closed RC9) stood on a referral that never was.
        early_help_recall=step_down_recall(data.reason, data.withdrawn_on),
    )


def _enquiry_of(conference: Record) -> dict[str, Any] | None:
    """The section 47 enquiry that asked for `conference` (None for a transfer-in one)."""
    enquiry_id = conference.facts.get("section47EnquiryId")
    return next(
        (
            entry["record"]
            for entry in conference.episode_records(Process.SECTION_47_ENQUIRY)
            if entry["record"]["id"] == enquiry_id
        ),
        None,
    )


def _due_again(record: Record) -> tuple[NewRecord, ...]:
    """The conference an enquiry asked for, due again when the one recorded as held for
    it is withdrawn: held on the wrong child's record, this child's is still to be held
    (by the same target), unless the enquiry is withdrawn too (withdrawSection47Enquiry
    takes it with it). A transfer-in conference was no more than its holding."""
    enquiry = _enquiry_of(record)
    target = record.facts.get("dueDate")
    if enquiry is None or not isinstance(target, date):
        return ()
    return (
        _conference_due(
            enquiry["id"],
            # Asked for when the enquiry concluded: it may be held any day since.
            as_date(enquiry.get("endDate") or enquiry["startDate"]),
            as_date(enquiry["startDate"]),
            target,
        ),
    )


def _conference_due(
    enquiry_id: str,
    asked_on: date,
    enquiry_started: date,
    target: date,
    *,
    follows_acting: bool = False,
) -> NewRecord:
    """The initial conference an enquiry asked for on `asked_on`, due by `target` (15
    working days from the enquiry's start)."""
    return _new_record(
        Process.INITIAL_CONFERENCE,
        InitialConferenceState.DUE,
        asked_on,
        facts={"transferIn": False, "section47EnquiryId": enquiry_id},
        dates={"dueDate": target},
        steps=(
            NewStep(
                _K.INITIAL_CHILD_PROTECTION_CONFERENCE,
                due=DueDate(
                    rule=TimescaleKey.INITIAL_CHILD_PROTECTION_CONFERENCE,
                    anchor=enquiry_started,
                    due=target,
                ),
            ),
        ),
        follows_acting=follows_acting,
    )


def _latest_done(entry: dict[str, Any], kind: StepKind) -> date | None:
    held = [
        step["completedDate"]
        for step in entry["steps"]
        if step["kind"] == kind
        and step["status"] == StepStatus.DONE
        and isinstance(step.get("completedDate"), date)
    ]
    return max(held, default=None)


def _going_on_again(record: Record, plan_id: str, clock: Clock) -> tuple[EndedRecord, ...]:
    """The child in need plan a withdrawn child protection plan ended the day it started
    (EPISODE_RULES) goes on as if it had never ended, its review and visit due from the
    last ones held (or its start): unless a child in need plan has been open since, which
    it would overlap (a child has one at a time)."""
    plans = not_withdrawn(record.episode_records(Process.CHILD_IN_NEED_PLAN))
    ended = [entry for entry in plans if entry["record"].get("endedBy") == plan_id]
    again: list[EndedRecord] = []
    for entry in ended:
        plan = entry["record"]
        since = [
            other
            for other in plans
            if other is not entry
            and (
                other["record"]["status"] != PlanState.ENDED
                or other["record"]["startDate"] >= plan["endDate"]
            )
        ]
        if not since:
            again.append(_goes_on(entry, clock))
    return tuple(again)


def _goes_on(entry: dict[str, Any], clock: Clock) -> EndedRecord:
    """A child in need plan something done in error ended, going on as if it had not: no
    end date, its review and visit due from the last ones held (or its start)."""
    start = as_date(entry["record"]["startDate"])
    review = _latest_done(entry, _K.CHILD_IN_NEED_PLAN_REVIEW) or start
    visit = _latest_done(entry, _K.CHILD_IN_NEED_VISIT) or start
    return EndedRecord(
        entry["record"]["id"],
        PlanState.ACTIVE,
        None,
        reopened=True,
        opened=_child_in_need_plan_steps(review, visit, clock),
    )


# ---- section 47 enquiries ------------------------------------------------------------


class ConcludeEnquiry(Input):
    concluded_on: PastDate


def _conclude(record: Record, data: ConcludeEnquiry, outcome: str) -> tuple[StepChange, ...]:
    enquiry = _step(record, _K.SECTION_47_ENQUIRY)
    not_before(data.concluded_on, record.facts.get("startDate"), "concludedOn", "its start")
    return (_done(enquiry, data.concluded_on, facts={"outcome": outcome}),)


@register(Process.SECTION_47_ENQUIRY, "requestInitialConference", ConcludeEnquiry)
def request_initial_conference(record: Record, data: ConcludeEnquiry, clock: Clock) -> Effect:
    changed = _conclude(record, data, "CONFERENCE")
    target = record.facts.get("conferenceTarget")
    return Effect(
        target=Section47State.CONFERENCE_REQUESTED,
        occurred_on=data.concluded_on,
        summary="Section 47 enquiry concluded: initial child protection conference requested",
        facts={"conferenceRequired": True},
        dates={"endDate": data.concluded_on},
        changed=changed,
        opened_records=(
            _conference_due(
                record.id,
                data.concluded_on,
                as_date(record.facts["startDate"]),
                as_date(target),
                follows_acting=True,
            ),
        ),
    )


@register(Process.SECTION_47_ENQUIRY, "concludeEnquiryWithoutConference", ConcludeEnquiry)
def conclude_without_conference(record: Record, data: ConcludeEnquiry, clock: Clock) -> Effect:
    return Effect(
        target=Section47State.NO_CONFERENCE_NEEDED,
        occurred_on=data.concluded_on,
        summary="Section 47 enquiry concluded: no conference needed",
        facts={"conferenceRequired": False},
        dates={"endDate": data.concluded_on},
        changed=_conclude(record, data, "NO_CONFERENCE"),
    )


# ---- initial child protection conferences ----------------------------------------------


@register(Process.INITIAL_CONFERENCE, "holdInitialConference", HoldInitialConference)
def hold_initial_conference(record: Record, data: HoldInitialConference, clock: Clock) -> Effect:
    conference = _step(record, _K.INITIAL_CHILD_PROTECTION_CONFERENCE)
    held = data.held_on
    if data.notified_on is not None:
        raise Refusal(
            (
                "notifiedOn",
                "only a transfer-in conference counts from a notification; this one is due "
                "15 working days after the strategy discussion",
            )
        )
    check_late(conference["dueRule"], conference["dueDate"], held, data.late_reason)
    _not_at_a_weekend(held)
    _enquiry_ends_without_overlap(record, held)
    if not data.plan_required:
        return Effect(
            target=InitialConferenceState.NO_PLAN,
            occurred_on=held,
            summary="Initial child protection conference: no plan",
            facts={"planRequired": False, "lateReason": data.late_reason},
            dates={"heldDate": held},
            changed=(_done(conference, held, data.late_reason, {"outcome": "NO_PLAN"}),),
        )
    _plan_for_a_child(record, held, "heldOn")
    plan = _plan_from_conference(
        held, data.categories_of_abuse, clock, transferIn=False, conferenceId=record.id
    )
    categories = ", ".join(plan.facts["initialCategories"])
    return Effect(
        target=InitialConferenceState.PLAN_MADE,
        occurred_on=held,
        summary=f"Initial child protection conference: plan made ({categories})",
        facts={"planRequired": True, "lateReason": data.late_reason},
        dates={"heldDate": held},
        changed=(_done(conference, held, data.late_reason, {"outcome": "PLAN"}),),
        opened_records=(plan,),
    )


# ---- child protection plans ----------------------------------------------------------


class HoldReviewConference(Input):
    held_on: PastDate
    categories_of_abuse: Categories = ()
    late_reason: OptionalReason = None


@register(Process.CHILD_PROTECTION_PLAN, "holdReviewConference", HoldReviewConference)
def hold_review_conference(record: Record, data: HoldReviewConference, clock: Clock) -> Effect:
    start = as_date(record.facts["startDate"])
    not_before(data.held_on, start, "heldOn", "the plan's start")
    _plan_for_a_child(record, data.held_on, "heldOn")
    not_recorded_twice(record, _K.CHILD_PROTECTION_REVIEW, data.held_on, "heldOn")
    categories = sorted({category.value for category in data.categories_of_abuse})
    due_again = _answers_a_step_due_again(
        record, _K.CHILD_PROTECTION_REVIEW, data.held_on, "heldOn"
    )
    if not due_again and _written_up_late(
        record, _K.CHILD_PROTECTION_REVIEW, data.held_on, "heldOn"
    ):
        # A review written up after a later one, or after the plan ended: a review date
        # of the plan (CIN census), but the next review stays due where the latest put
        # it, and the categories in force stay the latest review's.
        return held_before_later(
            record,
            _K.CHILD_PROTECTION_REVIEW,
            data.held_on,
            "Child protection review conference",
            data.late_reason,
            _next_due(record, clock)[_K.CHILD_PROTECTION_REVIEW],
            # What it decided stands for the days until the next review: a return made
            # as at a day between the two reads it (returns/cin_census.py).
            **({"categories": categories} if categories else {}),
        )
    review = _step(record, _K.CHILD_PROTECTION_REVIEW)
    check_late(review["dueRule"], review["dueDate"], data.held_on, data.late_reason)
    return Effect(
        target=record.state,
        occurred_on=data.held_on,
        summary="Child protection review conference"
        + (" (written up after the plan ended)" if due_again else ": the plan continues"),
        facts={"latestCategories": categories} if categories else {},
        # The review keeps the categories it decided, so a return made later knows the
        # plan's latest category on its reference day.
        changed=(
            _done(review, data.held_on, data.late_reason, {"categories": categories or None}),
        ),
        opened=_while_in_force(
            record,
            NewStep(
                _K.CHILD_PROTECTION_REVIEW,
                due=next_child_protection_review_due(start, data.held_on, calendar=clock.calendar),
            ),
        ),
    )


class HeldOn(Input):
    held_on: PastDate
    late_reason: OptionalReason = None


@register(Process.CHILD_PROTECTION_PLAN, "holdCoreGroup", HeldOn)
def hold_core_group(record: Record, data: HeldOn, clock: Clock) -> Effect:
    not_before(data.held_on, record.facts.get("startDate"), "heldOn", "the plan's start")
    _plan_for_a_child(record, data.held_on, "heldOn")
    # An ended plan has nothing due: its first core group's step was cancelled with it.
    _after_the_plan(record, data.held_on, "heldOn")
    not_recorded_twice(record, _K.CORE_GROUP, data.held_on, "heldOn")
    if record.before_the_latest(_K.CORE_GROUP, data.held_on):
        # Held before the first core group recorded: it was the first (its timescale
        # met then), and the one recorded is a later meeting.
        return held_before_later(
            record,
            _K.CORE_GROUP,
            data.held_on,
            "Core group meeting",
            data.late_reason,
            lambda held: None,
        )
    due = record.open_step(_K.CORE_GROUP)
    if due is not None:
        check_late(due["dueRule"], due["dueDate"], data.held_on, data.late_reason)
        return Effect(
            # An ended plan's first core group due again (its end corrected later) is
            # written up on the ended plan.
            target=record.state,
            occurred_on=data.held_on,
            summary="First core group meeting",
            changed=(_done(due, data.held_on, data.late_reason),),
        )
    # Later core groups meet as the plan says; only the first has a national timescale.
    return Effect(
        target=record.state,
        occurred_on=data.held_on,
        summary="Core group meeting",
        opened=(
            NewStep(
                _K.CORE_GROUP,
                start_date=data.held_on,
                completed_date=data.held_on,
                status=StepStatus.DONE,
            ),
        ),
    )


class RecordVisit(Input):
    visited_on: PastDate
    seen_alone: bool
    late_reason: OptionalReason = None


def _visit(
    record: Record, data: RecordVisit, clock: Clock, kind: StepKind, rule: TimescaleKey
) -> Effect:
    not_before(data.visited_on, record.facts.get("startDate"), "visitedOn", "the plan's start")
    not_recorded_twice(record, kind, data.visited_on, "visitedOn")
    summary = f"Visit{' (child seen alone)' if data.seen_alone else ''}"
    due_again = _answers_a_step_due_again(record, kind, data.visited_on, "visitedOn")
    if not due_again and _written_up_late(record, kind, data.visited_on, "visitedOn"):
        # Written up after a later visit (the child was last seen at that one, so the
        # next visit stays due from it), or after the plan ended (nothing is due).
        return held_before_later(
            record,
            kind,
            data.visited_on,
            summary,
            data.late_reason,
            _next_due(record, clock)[kind],
            seenAlone=data.seen_alone,
        )
    due = record.open_step(kind)
    changed: tuple[StepChange, ...] = ()
    if due is not None:
        check_late(due["dueRule"], due["dueDate"], data.visited_on, data.late_reason)
        changed = (_done(due, data.visited_on, data.late_reason, {"seenAlone": data.seen_alone}),)
    return Effect(
        target=record.state,
        occurred_on=data.visited_on,
        summary=summary,
        changed=changed,
        # Local standard: the next visit is due within the configured interval of this one.
        opened=_while_in_force(
            record, NewStep(kind, due=due_by_timescale(rule, data.visited_on, clock))
        ),
    )


@register(Process.CHILD_PROTECTION_PLAN, "recordChildProtectionVisit", RecordVisit)
def record_child_protection_visit(record: Record, data: RecordVisit, clock: Clock) -> Effect:
    _plan_for_a_child(record, data.visited_on, "visitedOn")
    return _visit(
        record, data, clock, _K.CHILD_PROTECTION_VISIT, TimescaleKey.CHILD_PROTECTION_VISIT
    )


def ends_after_its_steps(record: Record, on: date) -> None:
    """Refuse a plan's end on `on` before its start or its last recorded step."""
    # CIN census: a plan's reviews (and its visits and core groups) fall within it, so
    # it cannot end before the last of them, however late that one was recorded.
    not_before(on, record.facts.get("startDate"), "endedOn", "the plan's start")
    not_before(on, record.last_step_on(), "endedOn", "the plan's last recorded step")


class PlanEndReason(enum.StrEnum):
    """Why a child protection plan ended (Working Together 2023, discontinuing the plan:
    at a review conference, the child moving to another authority's area, becoming looked
    after (DOMAIN.md), reaching 18, dying, or leaving the United Kingdom for good)."""

    AT_REVIEW_CONFERENCE = "AT_REVIEW_CONFERENCE"
    TRANSFERRED_OUT = "TRANSFERRED_OUT"
    BECAME_LOOKED_AFTER = "BECAME_LOOKED_AFTER"
    REACHED_EIGHTEEN = "REACHED_EIGHTEEN"
    CHILD_DIED = "CHILD_DIED"
    LEFT_THE_UNITED_KINGDOM = "LEFT_THE_UNITED_KINGDOM"


class EndChildProtectionPlan(Input):
    ended_on: PastDate
    reason: PlanEndReason
    late_reason: OptionalReason = None


@register(Process.CHILD_PROTECTION_PLAN, "endChildProtectionPlan", EndChildProtectionPlan)
def end_child_protection_plan(record: Record, data: EndChildProtectionPlan, clock: Clock) -> Effect:
    ends_after_its_steps(record, data.ended_on)
    if data.reason is PlanEndReason.REACHED_EIGHTEEN:
        turned = eighteenth_birthday(record)
        if turned is None:
            raise Refusal(("reason", "the child's date of birth is not recorded"))
        if data.ended_on < turned:
            raise Refusal(
                ("reason", f"the child turns 18 on {turned.isoformat()}, after {data.ended_on}")
            )
    review = record.open_step(_K.CHILD_PROTECTION_REVIEW)
    changed: tuple[StepChange, ...] = ()
    # A plan ended at a review conference: the review is held that day (a CIN census
    # review date) unless it is already recorded, written up before the plan's end;
    # otherwise the review that was due is cancelled with the rest.
    already_held = any(
        step.get("completedDate") == data.ended_on
        for step in record.done_steps(_K.CHILD_PROTECTION_REVIEW)
    )
    if (
        data.reason is PlanEndReason.AT_REVIEW_CONFERENCE
        and review is not None
        and not already_held
    ):
        check_late(review["dueRule"], review["dueDate"], data.ended_on, data.late_reason)
        changed = (_done(review, data.ended_on, data.late_reason),)
    kept = (review["id"],) if changed and review is not None else ()
    return Effect(
        target=PlanState.ENDED,
        occurred_on=data.ended_on,
        summary=f"Child protection plan ended ({data.reason.value.lower().replace('_', ' ')})",
        facts={"endReason": data.reason.value},
        dates={"endDate": data.ended_on},
        changed=(*changed, *_cancel_open(record, *kept)),
    )


# ---- child in need plans -------------------------------------------------------------


@register(Process.CHILD_IN_NEED_PLAN, "reviewChildInNeedPlan", HeldOn)
def review_child_in_need_plan(record: Record, data: HeldOn, clock: Clock) -> Effect:
    not_before(data.held_on, record.facts.get("startDate"), "heldOn", "the plan's start")
    not_recorded_twice(record, _K.CHILD_IN_NEED_PLAN_REVIEW, data.held_on, "heldOn")
    if _written_up_late(record, _K.CHILD_IN_NEED_PLAN_REVIEW, data.held_on, "heldOn"):
        # Written up after a later review (the next one stays due from the latest), or
        # after the plan ended (nothing is due).
        return held_before_later(
            record,
            _K.CHILD_IN_NEED_PLAN_REVIEW,
            data.held_on,
            "Child in need plan reviewed",
            data.late_reason,
            _next_due(record, clock)[_K.CHILD_IN_NEED_PLAN_REVIEW],
        )
    review = _step(record, _K.CHILD_IN_NEED_PLAN_REVIEW)
    check_late(review["dueRule"], review["dueDate"], data.held_on, data.late_reason)
    return Effect(
        target=PlanState.ACTIVE,
        occurred_on=data.held_on,
        summary="Child in need plan reviewed",
        changed=(_done(review, data.held_on, data.late_reason),),
        opened=(
            NewStep(
                _K.CHILD_IN_NEED_PLAN_REVIEW,
                due=due_by_timescale(TimescaleKey.CHILD_IN_NEED_PLAN_REVIEW, data.held_on, clock),
            ),
        ),
    )


@register(Process.CHILD_IN_NEED_PLAN, "recordChildInNeedVisit", RecordVisit)
def record_child_in_need_visit(record: Record, data: RecordVisit, clock: Clock) -> Effect:
    return _visit(record, data, clock, _K.CHILD_IN_NEED_VISIT, TimescaleKey.CHILD_IN_NEED_VISIT)


class EndChildInNeedPlan(Input):
    ended_on: PastDate


@register(Process.CHILD_IN_NEED_PLAN, "endChildInNeedPlan", EndChildInNeedPlan)
def end_child_in_need_plan(record: Record, data: EndChildInNeedPlan, clock: Clock) -> Effect:
    ends_after_its_steps(record, data.ended_on)
    return Effect(
        target=PlanState.ENDED,
        occurred_on=data.ended_on,
        summary="Child in need plan ended",
        dates={"endDate": data.ended_on},
        changed=_cancel_open(record),
    )


# ---- a held step's date corrected ----------------------------------------------------


def _plan_span(record: Record) -> Span:
    """A plan's steps fall from its start to its end, once it has ended."""
    ended = record.facts.get("endDate") if record.state == PlanState.ENDED else None
    return Span(
        as_date(record.facts["startDate"]),
        "the plan's start",
        ended if isinstance(ended, date) else None,
        "the plan's end",
    )


def _ending_review(record: Record, step_id: str) -> date | None:
    """The plan's end, when `step_id` is the review conference that ended it."""
    ended = record.facts.get("endDate")
    if (
        record.state != PlanState.ENDED
        or record.facts.get("endReason") != PlanEndReason.AT_REVIEW_CONFERENCE
        or not isinstance(ended, date)
    ):
        return None
    final = next((s for s in record.steps if s["id"] == step_id), None)
    if final is None or final["kind"] != _K.CHILD_PROTECTION_REVIEW:
        return None
    return ended if final.get("completedDate") == ended else None


def _plan_may_end_then(record: Record, data: CorrectStepDate, ended: date) -> None:
    """The review that ended the plan may move only where the plan may end: not before
    another of its steps (`ends_after_its_steps`), nor, later, after its episode closed or into the
    days of a plan that began after it (CIN census 4001: a child in need plan may start
    the day it ends)."""
    on = data.happened_on
    others = [s for s in record.steps if s["id"] != data.step_id]
    not_before(on, last_step_on(others), "happenedOn", "the plan's last recorded step")
    if on <= ended:
        return
    not_after_the_closure(record, on, "happenedOn")
    start = as_date(record.facts["startDate"])
    plans = [
        (what, entry)
        for what, process in (
            ("child protection", Process.CHILD_PROTECTION_PLAN),
            ("child in need", Process.CHILD_IN_NEED_PLAN),
        )
        for entry in not_withdrawn(record.episode_records(process))
        if entry["record"]["id"] != record.id
    ]
    for what, entry in plans:
        if clash := _overlapping([entry], start, on):
            raise Refusal(("happenedOn", f"the plan would then overlap the {what} plan {clash}"))


def _plan_ends_with_its_final_review(
    record: Record, data: CorrectStepDate, effect: Effect, ended: date
) -> Effect:
    """A plan ended at a review conference ended the day that review met: the review's
    corrected day is the plan's end too (the CIN census, CP-IS and `asAt` read it), the
    day it was recorded as kept beside it, and its other scheduled steps follow the end
    (`due_again_with_the_end`)."""
    on = data.happened_on
    last = record.facts.get("lastOccurredOn")
    return replace(
        effect,
        dates={"endDate": on, **({"lastOccurredOn": on} if last == ended else {})},
        facts={**effect.facts, "endDateCorrectedFrom": ended.isoformat()},
        changed=(*effect.changed, *due_again_with_the_end(record, ended, on)),
    )


@register(Process.CHILD_PROTECTION_PLAN, "correctChildProtectionStepDate", CorrectStepDate)
def correct_child_protection_step_date(
    record: Record, data: CorrectStepDate, clock: Clock
) -> Effect:
    _plan_for_a_child(record, data.happened_on, "happenedOn")
    ending = _ending_review(record, data.step_id)
    if ending is not None:
        _plan_may_end_then(record, data, ending)
    effect = corrected_step(
        record,
        data,
        _of(record, clock, _K.CHILD_PROTECTION_REVIEW, _K.CORE_GROUP, _K.CHILD_PROTECTION_VISIT),
        # The review that ended the plan moves its end with it.
        replace(_plan_span(record), end=None) if ending else _plan_span(record),
    )
    reviews = record.done_steps(_K.CHILD_PROTECTION_REVIEW)
    if data.step_id not in {step["id"] for step in reviews}:
        return effect
    if ending is not None:
        effect = _plan_ends_with_its_final_review(record, data, effect, ending)
    # The categories in force are those the latest review that decided any decided (the
    # conference's until one did): a review moved past another, or back behind it,
    # changes which that is.
    decided = sorted(
        (data.happened_on if step["id"] == data.step_id else step["completedDate"], categories)
        for step in reviews
        if (categories := step.get("categories"))
    )
    latest_categories = decided[-1][1] if decided else record.facts.get("initialCategories")
    return replace(effect, facts={**effect.facts, "latestCategories": latest_categories})


@register(Process.CHILD_IN_NEED_PLAN, "correctChildInNeedStepDate", CorrectStepDate)
def correct_child_in_need_step_date(record: Record, data: CorrectStepDate, clock: Clock) -> Effect:
    return corrected_step(
        record,
        data,
        _of(record, clock, _K.CHILD_IN_NEED_PLAN_REVIEW, _K.CHILD_IN_NEED_VISIT),
        _plan_span(record),
    )


@register(Process.CHILD_PROTECTION_PLAN, "withdrawChildProtectionStep", WithdrawStep)
def withdraw_child_protection_step(record: Record, data: WithdrawStep, clock: Clock) -> Effect:
    """A review conference, core group or visit recorded in error. The review a plan ended
    at is the plan's end: its day is corrected, or the conference that made the plan is
    withdrawn, but it is not withdrawn on its own."""
    if _ending_review(record, data.step_id) is not None:
        rule = (
            "the plan ended at this review conference: correct its day "
            "(correctChildProtectionStepDate), not withdraw it"
        )
        raise Refusal(("stepId", rule))
    effect = withdrawn_step(
        record,
        data,
        _of(record, clock, _K.CHILD_PROTECTION_REVIEW, _K.CORE_GROUP, _K.CHILD_PROTECTION_VISIT),
        clock.today,
    )
    reviews = record.done_steps(_K.CHILD_PROTECTION_REVIEW)
    if data.step_id not in {step["id"] for step in reviews}:
        return effect
    # The categories in force are those the latest review left that decided any decided
    # (the conference's until one did).
    decided = sorted(
        (step["completedDate"], categories)
        for step in reviews
        if step["id"] != data.step_id and (categories := step.get("categories"))
    )
    latest_categories = decided[-1][1] if decided else record.facts.get("initialCategories")
    return replace(effect, facts={**effect.facts, "latestCategories": latest_categories})


@register(Process.CHILD_IN_NEED_PLAN, "withdrawChildInNeedStep", WithdrawStep)
def withdraw_child_in_need_step(record: Record, data: WithdrawStep, clock: Clock) -> Effect:
    return withdrawn_step(
        record,
        data,
        _of(record, clock, _K.CHILD_IN_NEED_PLAN_REVIEW, _K.CHILD_IN_NEED_VISIT),
        clock.today,
    )


class CorrectHeldDate(Input):
    held_on: PastDate
    reason: Reason
    late_reason: OptionalReason = None


def not_after_the_closure(record: Record, on: date, field: str = "heldOn") -> None:
    """A correction within a closed episode of need dates nothing after its closure."""
    closed = (record.episode or {}).get("closureDate")
    if isinstance(closed, date) and on > closed:
        rule = f"must not be after its episode of need closed ({closed.isoformat()})"
        raise Refusal((field, rule))


# date.weekday(): Saturday and Sunday.
_WEEKEND = (5, 6)


def _not_at_a_weekend(held: date) -> None:
    """CIN census 8875 (an error): an initial conference an enquiry asked for is not
    held on a Saturday or a Sunday. A day typed wrong, most likely: refused, not warned."""
    if held.weekday() in _WEEKEND:
        raise Refusal(
            (
                "heldOn",
                f"{held.isoformat()} is a {held.strftime('%A')}: an initial child protection"
                " conference is not held at a weekend (CIN census 8875)",
            )
        )


def _conference_could_be_held(record: Record, on: date) -> None:
    """The rules of holding the conference, for the day it is corrected to: a transfer-in
    conference not before the referral or the notification of the move; one an enquiry
    asked for not before the strategy discussion that started the enquiry, nor before the
    enquiry concluded and asked for it."""
    if record.facts.get("transferIn"):
        not_before(on, referral_date_of(record), "heldOn", "the referral")
        not_before(on, record.facts.get("notifiedDate"), "heldOn", "the notification of the move")
        return
    _not_at_a_weekend(on)
    enquiry = _enquiry_of(record)
    if enquiry is None:
        # The process table opens a conference only from its enquiry or as a transfer-in.
        raise AssertionError(f"{record.id} is asked for by no section 47 enquiry")
    not_before(on, enquiry.get("startDate"), "heldOn", "the strategy discussion")
    not_before(on, enquiry.get("endDate"), "heldOn", "the section 47 enquiry's conclusion")


def _overlapping(entries: list[dict[str, Any]], start: date, end: date | None) -> str | None:
    """The first of `entries` (plans) that ran on a day from `start` to `end` (a plan may
    start the day another ended), named with its dates."""
    for entry in entries:
        plan = entry["record"]
        began, ended = as_date(plan["startDate"]), plan.get("endDate")
        if (end is None or began < end) and (not isinstance(ended, date) or ended > start):
            until = ended.isoformat() if isinstance(ended, date) else "open"
            return f"{plan['id']} ({began.isoformat()} to {until})"
    return None


def _redue(
    steps: list[dict[str, Any]],
    kind: StepKind,
    due: Callable[[date], DueDate],
    old: date,
    new: date,
) -> tuple[tuple[str, date], ...]:
    """The open step of `kind`, due again from `new` where it was due from `old` (none of
    its kind held since, which it would count from)."""
    if any(s["kind"] == kind and s["status"] == StepStatus.DONE for s in steps):
        return ()
    return tuple(
        (s["id"], due(new).due)
        for s in steps
        if s["kind"] == kind and s["status"] == StepStatus.OPEN and s.get("dueDate") == due(old).due
    )


def _plan_starts_again(
    record: Record,
    entry: dict[str, Any],
    old: date,
    new: date,
    data: CorrectHeldDate,
    clock: Clock,
) -> tuple[RetimedRecord, tuple[EndedRecord, ...]]:
    """The plan the conference made starts on its corrected day (CIN census CPPstartDate,
    CP-IS, `asAt`), its first review, first core group and visit due from it; a child in
    need plan its start ended ends that day instead. Refused where the plan would start
    after a step recorded in it or its end, or overlap another plan."""
    plan, steps = entry["record"], entry["steps"]
    _plan_for_a_child(record, new, "heldOn")
    held = [s for s in steps if s["status"] == StepStatus.DONE]
    first = min((as_date(s["completedDate"]) for s in held), default=None)
    if first is not None and new > first:
        raise Refusal(
            (
                "heldOn",
                f"must not be after the first recorded step of its plan ({first.isoformat()})",
            )
        )
    ended = plan.get("endDate")
    end = ended if isinstance(ended, date) else None
    if end is not None and new > end:
        raise Refusal(("heldOn", f"must not be after its plan ended ({end.isoformat()})"))
    others = [
        e
        for e in not_withdrawn(record.episode_records(Process.CHILD_PROTECTION_PLAN))
        if e is not entry
    ]
    if clash := _overlapping(others, new, end):
        raise Refusal(
            (
                "heldOn",
                f"its plan would overlap the child protection plan {clash}: a child has "
                "one at a time",
            )
        )
    moved: list[EndedRecord] = []
    child_in_need = []
    for other in not_withdrawn(record.episode_records(Process.CHILD_IN_NEED_PLAN)):
        if other["record"].get("endedBy") == plan["id"] and other["record"].get("endDate") == old:
            # CIN census 4001: the plan the child protection plan's start ended ends that day.
            what = f"the child in need plan {other['record']['id']} it ended"
            not_before(new, other["record"].get("startDate"), "heldOn", f"the start of {what}")
            not_before(new, last_step_on(other["steps"]), "heldOn", f"the last step of {what}")
            moved.append(
                EndedRecord(other["record"]["id"], PlanState.ENDED, new, ended_by=plan["id"])
            )
        else:
            child_in_need.append(other)
    if clash := _overlapping(child_in_need, new, end):
        raise Refusal(
            (
                "heldOn",
                f"its plan would overlap the child in need plan {clash} (CIN census 4001)",
            )
        )
    due_again = (
        *_redue(
            steps,
            _K.CHILD_PROTECTION_REVIEW,
            lambda start: next_child_protection_review_due(start, None, calendar=clock.calendar),
            old,
            new,
        ),
        *_redue(
            steps,
            _K.CORE_GROUP,
            lambda start: due_by_timescale(TimescaleKey.FIRST_CORE_GROUP, start, clock),
            old,
            new,
        ),
        *_redue(
            steps,
            _K.CHILD_PROTECTION_VISIT,
            lambda start: due_by_timescale(TimescaleKey.CHILD_PROTECTION_VISIT, start, clock),
            old,
            new,
        ),
    )
    retimed = RetimedRecord(
        plan["id"],
        due_again,
        start_date=new,
        last_occurred_on=new if plan.get("lastOccurredOn") == old else None,
        facts={"startDateCorrectedFrom": old.isoformat(), "startDateCorrectionReason": data.reason},
    )
    return retimed, tuple(moved)


def late_reason_kept(given: str | None, on_time: bool) -> dict[str, Any]:
    """The conference record's late reason after a correction: the one given, none once
    it is on time after all, else the one it has."""
    if given:
        return {"lateReason": given}
    return {"lateReason": None} if on_time else {}


@register(Process.INITIAL_CONFERENCE, "correctInitialConferenceDate", CorrectHeldDate)
def correct_initial_conference_date(record: Record, data: CorrectHeldDate, clock: Clock) -> Effect:
    # A correction of what was typed, not a step: the conference keeps what it decided and
    # the day it was recorded as (heldDateCorrectedFrom), the day it was held is the one
    # the census reads (DateOfInitialCPC, its timeliness against InitialCPCtarget), and
    # the plan it made starts that day.
    old, new = as_date(record.facts["heldDate"]), data.held_on
    if new == old:
        raise Refusal(("heldOn", f"is the day already recorded ({old.isoformat()})"))
    _conference_could_be_held(record, new)
    not_after_the_closure(record, new)
    _enquiry_ends_without_overlap(record, new)
    conference = next(s for s in record.done_steps(_K.INITIAL_CHILD_PROTECTION_CONFERENCE))
    plans = [
        entry
        for entry in not_withdrawn(record.episode_records(Process.CHILD_PROTECTION_PLAN))
        if entry["record"].get("conferenceId") == record.id
    ]
    retimed: list[RetimedRecord] = []
    ended: list[EndedRecord] = []
    for entry in plans:
        plan, moved = _plan_starts_again(record, entry, old, new, data, clock)
        retimed.append(plan)
        ended.extend(moved)
    # Late against the day it was due, as when it was held: a reason given then stands
    # (asked for once the day itself may be taken).
    check_late(
        conference.get("dueRule"),
        conference.get("dueDate"),
        new,
        data.late_reason or conference.get("lateReason"),
    )
    on_time = on_time_after_all(
        conference, conference.get("dueRule"), conference.get("dueDate"), new, data.late_reason
    )
    late = late_reason_kept(data.late_reason, on_time)
    return Effect(
        target=record.state,
        occurred_on=new,
        summary=f"Initial child protection conference of {old.isoformat()} corrected to "
        f"{new.isoformat()}"
        + (" (and the start of its plan)" if plans else "")
        + f": {data.reason}",
        facts={
            "heldDateCorrectedFrom": old.isoformat(),
            "heldDateCorrectionReason": data.reason,
            **late,
        },
        dates={"heldDate": new, "lastOccurredOn": new},
        changed=(
            StepChange(
                conference["id"],
                completed_date=new,
                late_reason=data.late_reason,
                on_time=on_time,
                facts={"correctedFrom": old.isoformat(), "correctionReason": data.reason},
            ),
        ),
        retimed_records=tuple(retimed),
        ended_records=tuple(ended),
        stamp="heldDateCorrected",
    )


def _enquiry_span(
    enquiry: dict[str, Any], conferences: list[dict[str, Any]]
) -> tuple[date, date | None]:
    """CIN census 8890: the first and last days an enquiry goes on (None while it does):
    from its strategy discussion to the day of its initial conference, which the census
    counts inside it, or to the day before its conclusion without one (another may begin
    the day it concluded)."""
    held = [c.get("heldDate") for c in conferences if c.get("section47EnquiryId") == enquiry["id"]]
    concluded = enquiry.get("endDate")
    if enquiry["status"] == Section47State.NO_CONFERENCE_NEEDED and isinstance(concluded, date):
        held.append(concluded - timedelta(days=1))
    stops = [day for day in held if isinstance(day, date)]
    return as_date(enquiry["startDate"]), min(stops, default=None)


def _enquiry_ends_without_overlap(conference: Record, held: date) -> None:
    """The enquiry that asked for `conference` goes on, for the census, until it is held
    on `held`: refused if another enquiry began by then (CIN census 8890)."""
    enquiry = _enquiry_of(conference)
    if enquiry is not None and isinstance(enquiry.get("startDate"), date):
        _refuse_overlapping_enquiry(conference, enquiry["id"], enquiry["startDate"], held, "heldOn")


EnquirySpan = tuple[dict[str, Any], date, date | None]


def _enquiries_meeting(
    record: Record, enquiry_id: str | None, began: date, stop: date | None, *, end_known: bool
) -> list[EnquirySpan]:
    """CIN census 8890: the other enquiries of the episode (with their spans) that meet
    an enquiry's days from `began` to `stop` (its last, None: still going on), both
    counted (`_enquiry_span`): a strategy discussion on the day of another enquiry's
    conference is inside it. An enquiry just begun, whose end is not known yet
    (`end_known` false), meets only those begun on or before it: an earlier enquiry
    written up late is checked when its conference is held."""
    conferences = [
        e["record"] for e in not_withdrawn(record.episode_records(Process.INITIAL_CONFERENCE))
    ]
    meeting = []
    for entry in not_withdrawn(record.episode_records(Process.SECTION_47_ENQUIRY)):
        other = entry["record"]
        if other["id"] == enquiry_id or not isinstance(other.get("startDate"), date):
            continue
        other_began, other_stop = _enquiry_span(other, conferences)
        if other_began <= began:
            meets = other_stop is None or began <= other_stop
        else:
            meets = end_known and (stop is None or other_began <= stop)
        if meets:
            meeting.append((other, other_began, other_stop))
    return meeting


def _overlap_refused(field: str, meeting: EnquirySpan) -> Refusal:
    other, began, stop = meeting
    until = f"to {stop.isoformat()}" if stop is not None else "still going on"
    return Refusal(
        (
            field,
            f"the enquiry would overlap the section 47 enquiry {other['id']} (started "
            f"{began.isoformat()}, {until}, both days counted): a child has one at a time"
            " (CIN census 8890)",
        )
    )


def _refuse_overlapping_enquiry(
    record: Record, enquiry_id: str | None, began: date, stop: date | None, field: str
) -> None:
    meeting = _enquiries_meeting(record, enquiry_id, began, stop, end_known=True)
    if meeting:
        raise _overlap_refused(field, meeting[0])


@register(Process.SECTION_47_ENQUIRY, "correctStrategyDiscussionDate", CorrectHeldDate)
def correct_strategy_discussion_date(record: Record, data: CorrectHeldDate, clock: Clock) -> Effect:
    # A correction of what was typed, not a step: the enquiry started that day (CIN census
    # S47ActualStartDate), its conference is due 15 working days from it (InitialCPCtarget),
    # whether still due or held (then late against it only with a reason).
    old, new = as_date(record.facts["startDate"]), data.held_on
    if new == old:
        raise Refusal(("heldOn", f"is the day already recorded ({old.isoformat()})"))
    not_before(new, referral_date_of(record), "heldOn", "the referral")
    not_after_the_closure(record, new)
    ended = record.facts.get("endDate")
    if isinstance(ended, date) and new > ended:
        raise Refusal(("heldOn", f"must not be after the enquiry concluded ({ended.isoformat()})"))
    conferences = [
        entry
        for entry in not_withdrawn(record.episode_records(Process.INITIAL_CONFERENCE))
        if entry["record"].get("section47EnquiryId") == record.id
    ]
    _, stop = _enquiry_span(record.facts, [entry["record"] for entry in conferences])
    _refuse_overlapping_enquiry(record, record.id, new, stop, "heldOn")
    target = due_by_timescale(TimescaleKey.INITIAL_CHILD_PROTECTION_CONFERENCE, new, clock)
    retimed: list[RetimedRecord] = []
    for entry in conferences:
        conference = entry["record"]
        timed = next(
            s for s in entry["steps"] if s["kind"] == _K.INITIAL_CHILD_PROTECTION_CONFERENCE
        )
        on_time = False
        if isinstance(conference.get("heldDate"), date):
            given = data.late_reason or timed.get("lateReason")
            check_late(target.rule, target.due, conference["heldDate"], given)
            on_time = on_time_after_all(
                timed, target.rule, target.due, conference["heldDate"], data.late_reason
            )
        retimed.append(
            RetimedRecord(
                conference["id"],
                ((timed["id"], target.due),),
                due_date=target.due,
                facts=late_reason_kept(data.late_reason, on_time),
                late_reason=data.late_reason,
                on_time=on_time,
            )
        )
    discussion = next(s for s in record.done_steps(_K.STRATEGY_DISCUSSION))
    enquiry = next(s for s in record.steps if s["kind"] == _K.SECTION_47_ENQUIRY)
    correction = {"correctedFrom": old.isoformat(), "correctionReason": data.reason}
    return Effect(
        target=record.state,
        occurred_on=new,
        summary=f"Strategy discussion of {old.isoformat()} corrected to {new.isoformat()}: "
        f"{data.reason}",
        facts={"startDateCorrectedFrom": old.isoformat(), "startDateCorrectionReason": data.reason},
        dates={
            "startDate": new,
            "conferenceTarget": target.due,
            "lastOccurredOn": new if record.facts.get("lastOccurredOn") == old else None,
        },
        changed=(
            StepChange(discussion["id"], start_date=new, completed_date=new, facts=correction),
            StepChange(enquiry["id"], start_date=new, due_date=target.due),
        ),
        retimed_records=tuple(retimed),
        stamp="startDateCorrected",
    )
