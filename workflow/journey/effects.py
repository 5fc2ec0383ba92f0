"""What an action does to a record, as data the engine turns into one statement."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from workflow.ids import new_id
from workflow.timescales import DueDate, due_date

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from workflow.calendar import WorkingDayCalendar
    from workflow.timescales import LocalStandards, TimescaleKey


class StepKind(enum.StrEnum):
    """The steps of the journey: ongoing ones (plans, enquiries, SSDA903 episodes) and
    scheduled ones (reviews, visits, conferences), each with its due date."""

    ASSESSMENT = "ASSESSMENT"
    STRATEGY_DISCUSSION = "STRATEGY_DISCUSSION"
    SECTION_47_ENQUIRY = "SECTION_47_ENQUIRY"
    INITIAL_CHILD_PROTECTION_CONFERENCE = "INITIAL_CHILD_PROTECTION_CONFERENCE"
    CHILD_PROTECTION_PLAN = "CHILD_PROTECTION_PLAN"
    CHILD_PROTECTION_REVIEW = "CHILD_PROTECTION_REVIEW"
    CORE_GROUP = "CORE_GROUP"
    CHILD_PROTECTION_VISIT = "CHILD_PROTECTION_VISIT"
    CHILD_IN_NEED_PLAN = "CHILD_IN_NEED_PLAN"
    CHILD_IN_NEED_PLAN_REVIEW = "CHILD_IN_NEED_PLAN_REVIEW"
    CHILD_IN_NEED_VISIT = "CHILD_IN_NEED_VISIT"
    LOOKED_AFTER_EPISODE = "LOOKED_AFTER_EPISODE"
    # Police protection, an EPO, a CAO or PACE accommodation lapses within days: the
    # order that followed, or the end of care, is recorded by then (SSDA903 361-364).
    SHORT_ORDER_LAPSES = "SHORT_ORDER_LAPSES"
    LOOKED_AFTER_REVIEW = "LOOKED_AFTER_REVIEW"
    STATUTORY_VISIT = "STATUTORY_VISIT"
    HEALTH_ASSESSMENT = "HEALTH_ASSESSMENT"
    PERSONAL_EDUCATION_PLAN = "PERSONAL_EDUCATION_PLAN"
    MISSING_EPISODE = "MISSING_EPISODE"
    RETURN_HOME_INTERVIEW = "RETURN_HOME_INTERVIEW"
    PATHWAY_PLAN = "PATHWAY_PLAN"
    CARE_LEAVER_CONTACT = "CARE_LEAVER_CONTACT"


class StepStatus(enum.StrEnum):
    OPEN = "OPEN"
    DONE = "DONE"
    CANCELLED = "CANCELLED"


def last_step_on(steps: Iterable[Mapping[str, Any]]) -> date | None:
    """The latest day a step of a record happened: the day it was done or, for one still
    going on (an SSDA903 episode, a missing episode), the day it began. Whatever ends the
    record cannot come before it. A cancelled step never happened, and a manager's
    authorisation is a decision on a step, not a step."""
    return max(
        (
            step[name]
            for step in steps
            if step.get("status") != StepStatus.CANCELLED
            for name in ("startDate", "completedDate")
            if isinstance(step.get(name), date)
        ),
        default=None,
    )


@dataclass(frozen=True, slots=True)
class NewStep:
    """A step the action opens (or records as already done)."""

    kind: StepKind
    due: DueDate | None = None
    # A due date no statutory rule sets (e.g. a care leaver's birthday contact).
    due_on: date | None = None
    start_date: date | None = None
    completed_date: date | None = None
    status: StepStatus = StepStatus.OPEN
    facts: dict[str, Any] = field(default_factory=dict)
    id: str = field(default_factory=new_id)

    def params(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind.value,
            "status": self.status.value,
            "dueRule": self.due.rule.value if self.due else None,
            "dueDate": self.due.due if self.due else self.due_on,
            "startDate": self.start_date,
            "completedDate": self.completed_date,
            "authorisedDate": None,
            "facts": self.facts,
        }


@dataclass(frozen=True, slots=True)
class StepChange:
    """A change to a step the record already has."""

    step_id: str
    status: StepStatus | None = None
    start_date: date | None = None
    # An open step falling due again (the one it follows was corrected).
    due_date: date | None = None
    completed_date: date | None = None
    authorised_date: date | None = None
    late_reason: str | None = None
    # A held step on time after all (the one before it written up, or its day corrected):
    # the reason it was late, given when it read as late, is taken away.
    on_time: bool = False
    facts: dict[str, Any] = field(default_factory=dict)

    def params(self) -> dict[str, Any]:
        return {
            "id": self.step_id,
            "status": self.status.value if self.status else None,
            "startDate": self.start_date,
            "dueDate": self.due_date,
            "completedDate": self.completed_date,
            "authorisedDate": self.authorised_date,
            "lateReason": self.late_reason,
            "onTime": self.on_time,
            "facts": self.facts,
        }


@dataclass(frozen=True, slots=True)
class NewRecord:
    """A record of the episode of need the action opens (an assessment, an enquiry, a
    conference, a plan), with its own first steps.

    `follows_acting` links it to the record whose action opened it (a conference to its
    enquiry, a plan to its conference).
    """

    process: str  # a workflow.process.Process value
    label: str
    status: str
    opened_on: date
    facts: dict[str, Any] = field(default_factory=dict)
    dates: dict[str, date | None] = field(default_factory=dict)
    steps: tuple[NewStep, ...] = ()
    follows_acting: bool = False
    id: str = field(default_factory=new_id)

    def params(self, date_names: tuple[str, ...]) -> dict[str, Any]:
        return {
            **dict.fromkeys(date_names),
            **self.dates,
            "lastOccurredOn": self.opened_on,
            "id": self.id,
            "process": self.process,
            "label": self.label,
            "status": self.status,
            "facts": self.facts,
            "steps": [step.params() for step in self.steps],
            "followsActing": self.follows_acting,
        }


@dataclass(frozen=True, slots=True)
class EndedRecord:
    """A record of the episode an action ends (its scheduled steps are cancelled): one an
    episode rule ends on `end_date` because `ended_by` opened, or one withdrawn with the
    record that made it (no end date: it never was, `withdrawn_reason` says why). With
    `reopened`, the other way: a record such a rule ended goes on again (no end date),
    its steps `opened` due again, because what ended it is withdrawn."""

    record_id: str
    status: str
    end_date: date | None
    withdrawn_reason: str | None = None
    ended_by: str | None = None
    reopened: bool = False
    opened: tuple[NewStep, ...] = ()
    # What the ended record takes with its end (a plan for adoption's SSDA903 reason).
    facts: dict[str, Any] = field(default_factory=dict)

    def params(self) -> dict[str, Any]:
        return {
            "id": self.record_id,
            "status": self.status,
            "endDate": self.end_date,
            "withdrawnReason": self.withdrawn_reason,
            "endedBy": self.ended_by,
            "reopened": self.reopened,
            "steps": [step.params() for step in self.opened],
            "facts": self.facts,
        }


@dataclass(frozen=True, slots=True)
class RetimedRecord:
    """Another record of the episode whose dates follow a correction: one whose timescale
    counts from the referral, when the referral's date is corrected (its due date, its
    timed step's and the referral date it carries), or the plan a conference made, when
    the conference's day is corrected (it starts that day, its first review, core group
    and visit due from it), or the child protection plan the start of care ended, when
    the start of care is corrected (it ends that day). `steps` are (step id, due date)
    pairs; `facts` keep what the dates were before."""

    record_id: str
    steps: tuple[tuple[str, date], ...] = ()
    due_date: date | None = None
    referral_date: date | None = None
    start_date: date | None = None
    end_date: date | None = None
    last_occurred_on: date | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    # Why a held step of `steps` was late against its new due date; `on_time`: the held
    # step is on time by it, and the reason it was late is taken away.
    late_reason: str | None = None
    on_time: bool = False
    # The timescale the steps are now due by, when it changes with them (an assessment of
    # the referral that an earlier one, typed after it, makes a later assessment).
    due_rule: str | None = None
    # Its steps' statuses that follow its new end (a plan's reviews and visits due again,
    # or cancelled again: case.due_again_with_the_end); only the status is applied.
    step_statuses: tuple[StepChange, ...] = ()

    def params(self) -> dict[str, Any]:
        return {
            "id": self.record_id,
            "dueDate": self.due_date,
            "referralDate": self.referral_date,
            "startDate": self.start_date,
            "endDate": self.end_date,
            "lastOccurredOn": self.last_occurred_on,
            "facts": self.facts,
        }

    def step_params(self) -> list[dict[str, Any]]:
        return [
            {
                "id": step_id,
                "dueDate": due,
                "dueRule": self.due_rule,
                "lateReason": self.late_reason,
                "onTime": self.on_time,
            }
            for step_id, due in self.steps
        ]


@dataclass(frozen=True, slots=True)
class RetimedContact:
    """A contact that opened the episode, when the referral's date is corrected: it came
    in that day, and its decision was due a working day later (on time by it, with no
    reason why it was late)."""

    contact_id: str
    received_date: date
    decision_due: date
    # Decided on time by the corrected day: the reason it was late is taken away.
    on_time: bool = False
    # Decided late with no reason: the one the case's decision was given.
    late_reason: str | None = None

    def params(self) -> dict[str, Any]:
        return {
            "id": self.contact_id,
            "receivedDate": self.received_date,
            "decisionDue": self.decision_due,
            "onTime": self.on_time,
            "lateReason": self.late_reason,
        }


@dataclass(frozen=True, slots=True)
class MovedFact:
    """A fact about the child dated on the day a correction moves (a home postcode
    recorded on the day care began): dated on the corrected day, keeping the day it was
    recorded as and why (who and when: the statement stamps `onCorrectedBy`, `...At`)."""

    fact_id: str
    on: date
    corrected_from: date
    reason: str

    def params(self) -> dict[str, Any]:
        return {
            "id": self.fact_id,
            "on": self.on,
            "correctedFrom": self.corrected_from.isoformat(),
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class Effect:
    """Everything one action changes: the record's next state, its facts, its steps, and
    the records of its episode it opens or ends."""

    target: str
    occurred_on: date
    summary: str
    facts: dict[str, Any] = field(default_factory=dict)
    dates: dict[str, date | None] = field(default_factory=dict)
    opened: tuple[NewStep, ...] = ()
    changed: tuple[StepChange, ...] = ()
    opened_records: tuple[NewRecord, ...] = ()
    ended_records: tuple[EndedRecord, ...] = ()
    retimed_records: tuple[RetimedRecord, ...] = ()
    retimed_contacts: tuple[RetimedContact, ...] = ()
    moved_facts: tuple[MovedFact, ...] = ()
    # Dates of the record a correction takes away (they were recorded in error); the
    # earlier values stay in the facts the correction keeps and in its event.
    cleared: tuple[str, ...] = ()
    # A correction's facts name who made it and when: `<stamp>By`, `<stamp>At`.
    stamp: str | None = None
    # A step down to early help: the request EHM is sent, written with the action
    # (`workflow.early_help.step_down_request`); None for every other action.
    early_help: dict[str, Any] | None = None
    # The contacts that led to a referral withdrawn as recorded in error, withdrawn with it.
    withdrawn_contacts: tuple[str, ...] = ()
    # The step downs to early help the episode sent that no longer stand, recalled
    # (`workflow.early_help.step_down_recall`); None for every other action.
    early_help_recall: dict[str, Any] | None = None


def recorded_late(target: str, kind: StepKind, on: date, summary: str, **facts: Any) -> Effect:
    """A step recorded late, before the latest of its kind (or after its record ended):
    done that day, nothing due, the next one left due where the latest put it."""
    return Effect(
        target=target,
        occurred_on=on,
        summary=f"{summary} (recorded late)",
        opened=(
            NewStep(kind, start_date=on, completed_date=on, status=StepStatus.DONE, facts=facts),
        ),
    )


@dataclass(frozen=True, slots=True)
class Record:
    """A record as the engine read it: state, version, facts, steps and the child."""

    id: str
    child_id: str
    state: str
    version: int
    facts: dict[str, Any]
    steps: tuple[dict[str, Any], ...]
    date_of_birth: date | None
    # For a record of an episode of need: the episode (the Referral) and every record in
    # it, each {"record": {...}, "steps": [...]}; for a period of care, its plans for
    # adoption (no steps); None and () for other processes.
    episode: dict[str, Any] | None = None
    processes: tuple[dict[str, Any], ...] = ()
    # For an episode of need: the child's other episodes ({id, status, referralDate,
    # closureDate}), which the one-episode-at-a-time rule weighs it against.
    other_episodes: tuple[dict[str, Any], ...] = ()
    # For an episode of need: the contacts that led to it ({id, receivedDate, decisionDate}).
    contacts: tuple[dict[str, Any], ...] = ()
    # For an episode of need: an unborn child's expected date of birth.
    expected_date_of_birth: date | None = None
    # For a plan for adoption: the period of care it was decided in ({id, status, endDate}).
    period_of_care: dict[str, Any] | None = None
    # For a plan for adoption: its period of care's SSDA903 episodes (each a step), which
    # may stand on its decision (a placement order E1, a placement for adoption A3-A6).
    care_episodes: tuple[dict[str, Any], ...] = ()
    # For a period of care: the child's orders depriving them of liberty (each record).
    liberty_orders: tuple[dict[str, Any], ...] = ()
    # For a period of care: the child's other periods of care ({id, status, startDate,
    # endDate}) and child protection plans ({id, status, startDate, endDate, endReason}),
    # which the day care started is weighed against when it is corrected.
    other_periods: tuple[dict[str, Any], ...] = ()
    child_protection_plans: tuple[dict[str, Any], ...] = ()
    # For a period of care: the child protection plans it ended the day it began (the
    # child became looked after), each read as its own record: their end is that day, and
    # moves with it when it is corrected.
    plans_ended_by_care: tuple[Record, ...] = ()
    # For a period of care: the child's home postcodes ({id, on}).
    home_postcodes: tuple[dict[str, Any], ...] = ()

    def episode_records(self, process: str) -> list[dict[str, Any]]:
        """The records of `process` in this record's episode (each with its steps)."""
        return [p for p in self.processes if p["record"].get("process") == process]

    def open_step(self, *kinds: StepKind) -> dict[str, Any] | None:
        """The most recently started open step of one of `kinds`."""
        found = [
            step
            for step in self.steps
            if step["kind"] in kinds and step["status"] == StepStatus.OPEN
        ]
        found.sort(key=lambda step: (step.get("startDate") or date.min, step.get("createdAt", 0)))
        return found[-1] if found else None

    def done_steps(self, kind: StepKind) -> list[dict[str, Any]]:
        return [s for s in self.steps if s["kind"] == kind and s["status"] == StepStatus.DONE]

    def before_the_latest(self, kind: StepKind, on: date) -> bool:
        """Whether a `kind` step on `on` comes before the latest one already done: written
        up late, it is history and leaves the next one due where the latest put it."""
        held = [step.get("completedDate") for step in self.done_steps(kind)]
        return any(isinstance(day, date) and day > on for day in held)

    def open_steps(self) -> list[dict[str, Any]]:
        return [s for s in self.steps if s["status"] == StepStatus.OPEN]

    def last_step_on(self) -> date | None:
        """The latest day a step of this record happened (`last_step_on`)."""
        return last_step_on(self.steps)


@dataclass(frozen=True, slots=True)
class Clock:
    """Today, the working-day calendar and the council's local standards."""

    today: date
    calendar: WorkingDayCalendar
    standards: LocalStandards
    # When an effect is computed as a manager authorises it: the day they authorised.
    authorised_on: date | None = None


def due_by_timescale(key: TimescaleKey, anchor: date, clock: Clock) -> DueDate:
    """When a step measured by `key` falls due, counted from `anchor` on the clock's
    working-day calendar and the council's local standards."""
    return DueDate(
        rule=key,
        anchor=anchor,
        due=due_date(key, anchor, calendar=clock.calendar, standards=clock.standards),
    )


class Refusal(Exception):
    """An effect cannot be computed from this input: `problems` are (field, rule) pairs.

    Raised inside an effect function only, and always turned into `InvalidInput` by the
    engine: it never leaves the workflow room.
    """

    def __init__(self, *problems: tuple[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {rule}" for field, rule in problems))
        self.problems = problems


class Contradicted(Exception):
    """The action would contradict what is recorded elsewhere (a correction that would
    undo the ground later records stand on): refused as a transition, naming them.

    Raised inside an effect function only, and always turned into `TransitionRefused` by
    the engine.
    """


def close_everything(
    record: Record, on: date, ongoing: frozenset[StepKind]
) -> tuple[StepChange, ...]:
    """End every open step: ongoing ones (plans, episodes) end on `on`, scheduled ones are
    cancelled (a review or visit that was due no longer is)."""
    return tuple(
        StepChange(step["id"], status=StepStatus.DONE, completed_date=on)
        if step["kind"] in ongoing
        else StepChange(step["id"], status=StepStatus.CANCELLED)
        for step in record.open_steps()
    )
