"""A child's case from referral to closure: assessment, child in need, child protection.

The record is the `Referral` the front door creates (one CIN episode in the census); the
states and who may act are in `workflow/process.py`; this module says what each action
records and which steps, with which due dates, it opens and closes.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Self

from pydantic import Field, model_validator

from workflow.codes import AssessmentFactor, CategoryOfAbuse, PrimaryNeedCode, ReasonForClosure
from workflow.journey.effects import (
    Clock,
    Effect,
    NewStep,
    Record,
    Refusal,
    StepChange,
    StepKind,
    StepStatus,
    close_everything,
)
from workflow.journey.engine import register
from workflow.journey.inputs import Input, OptionalReason, PastDate, check_late, not_before
from workflow.process import CaseState, Process
from workflow.timescales import (
    DueDate,
    TimescaleKey,
    due_date,
    next_child_protection_review_due,
)

_K = StepKind


def _due(key: TimescaleKey, anchor: date, clock: Clock) -> DueDate:
    return DueDate(
        rule=key,
        anchor=anchor,
        due=due_date(key, anchor, calendar=clock.calendar, standards=clock.standards),
    )


def _referral_date(record: Record) -> date:
    value = record.facts["referralDate"]
    assert isinstance(value, date)
    return value


def _step(record: Record, *kinds: StepKind) -> dict[str, Any]:
    step = record.open_step(*kinds)
    if step is None:
        # The process table only allows the action in states where the step is open.
        raise AssertionError(f"{record.id} in {record.state} has no open {kinds}")
    return step


def referral_decision_due(referral_date: date, clock: Clock) -> date:
    """Working Together 2023: a decision within 1 working day of the referral."""
    return _due(TimescaleKey.REFERRAL_DECISION, referral_date, clock).due


class DecideReferral(Input):
    decided_on: PastDate
    primary_need: PrimaryNeedCode
    late_reason: OptionalReason = None


@register(Process.CASE, "decideReferral", DecideReferral)
def decide_referral(record: Record, data: DecideReferral, clock: Clock) -> Effect:
    referred = _referral_date(record)
    not_before(data.decided_on, referred, "decidedOn", "the referral")
    check_late(
        TimescaleKey.REFERRAL_DECISION,
        referral_decision_due(referred, clock),
        data.decided_on,
        data.late_reason,
    )
    return Effect(
        target=CaseState.ASSESSMENT_TO_START,
        occurred_on=data.decided_on,
        summary=f"Referral accepted for assessment; primary need {data.primary_need.value}",
        facts={"primaryNeed": data.primary_need.value, "decisionLateReason": data.late_reason},
        dates={"decisionDate": data.decided_on},
        # Working Together 2023: the assessment concludes within 45 working days of the
        # referral, whenever it starts.
        opened=(
            NewStep(
                _K.ASSESSMENT,
                due=_due(TimescaleKey.CHILD_AND_FAMILY_ASSESSMENT, referred, clock),
            ),
        ),
    )


class StartAssessment(Input):
    started_on: PastDate


@register(Process.CASE, "startAssessment", StartAssessment)
def start_assessment(record: Record, data: StartAssessment, clock: Clock) -> Effect:
    not_before(data.started_on, _referral_date(record), "startedOn", "the referral")
    step = _step(record, _K.ASSESSMENT)
    return Effect(
        target=CaseState.ASSESSMENT_IN_PROGRESS,
        occurred_on=data.started_on,
        summary="Child and family assessment started",
        changed=(StepChange(step["id"], start_date=data.started_on),),
    )


class CompleteAssessment(Input):
    completed_on: PastDate
    factors: Annotated[list[AssessmentFactor], Field(min_length=1, max_length=60)]
    late_reason: OptionalReason = None

    @model_validator(mode="after")
    def _no_factors_alone(self) -> Self:
        # CIN census: factor 21 ("no factors identified") cannot sit with any other.
        if AssessmentFactor.NO_FACTORS_IDENTIFIED in self.factors and len(set(self.factors)) > 1:
            raise ValueError("factors: NO_FACTORS_IDENTIFIED (21) must be the only factor")
        return self


@register(Process.CASE, "completeAssessment", CompleteAssessment)
def complete_assessment(record: Record, data: CompleteAssessment, clock: Clock) -> Effect:
    step = _step(record, _K.ASSESSMENT)
    not_before(data.completed_on, step.get("startDate"), "completedOn", "the assessment's start")
    check_late(step.get("dueRule"), step.get("dueDate"), data.completed_on, data.late_reason)
    factors = sorted({factor.value for factor in data.factors})
    return Effect(
        target=CaseState.OUTCOME_DUE,
        occurred_on=data.completed_on,
        summary=f"Child and family assessment completed; factors {', '.join(factors)}",
        changed=(
            StepChange(
                step["id"],
                status=StepStatus.DONE,
                completed_date=data.completed_on,
                authorised_date=clock.today,
                late_reason=data.late_reason,
                facts={"factors": factors},
            ),
        ),
    )


class StartChildInNeedPlan(Input):
    start_date: PastDate


@register(Process.CASE, "startChildInNeedPlan", StartChildInNeedPlan)
def start_child_in_need_plan(record: Record, data: StartChildInNeedPlan, clock: Clock) -> Effect:
    not_before(data.start_date, _referral_date(record), "startDate", "the referral")
    start = data.start_date
    return Effect(
        target=CaseState.CHILD_IN_NEED_PLAN,
        occurred_on=start,
        summary="Child in need plan started",
        opened=(
            NewStep(_K.CHILD_IN_NEED_PLAN, start_date=start),
            NewStep(
                _K.CHILD_IN_NEED_PLAN_REVIEW,
                due=_due(TimescaleKey.CHILD_IN_NEED_PLAN_REVIEW, start, clock),
            ),
            NewStep(
                _K.CHILD_IN_NEED_VISIT, due=_due(TimescaleKey.CHILD_IN_NEED_VISIT, start, clock)
            ),
        ),
    )


class HeldOn(Input):
    held_on: PastDate
    late_reason: OptionalReason = None


@register(Process.CASE, "reviewChildInNeedPlan", HeldOn)
def review_child_in_need_plan(record: Record, data: HeldOn, clock: Clock) -> Effect:
    review = _step(record, _K.CHILD_IN_NEED_PLAN_REVIEW)
    plan = _step(record, _K.CHILD_IN_NEED_PLAN)
    not_before(data.held_on, plan.get("startDate"), "heldOn", "the plan's start")
    check_late(review["dueRule"], review["dueDate"], data.held_on, data.late_reason)
    return Effect(
        target=CaseState.CHILD_IN_NEED_PLAN,
        occurred_on=data.held_on,
        summary="Child in need plan reviewed",
        changed=(_done(review, data.held_on, data.late_reason),),
        opened=(
            NewStep(
                _K.CHILD_IN_NEED_PLAN_REVIEW,
                due=_due(TimescaleKey.CHILD_IN_NEED_PLAN_REVIEW, data.held_on, clock),
            ),
        ),
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


def _cancelled(step: dict[str, Any] | None) -> tuple[StepChange, ...]:
    return () if step is None else (StepChange(step["id"], status=StepStatus.CANCELLED),)


class RecordVisit(Input):
    visited_on: PastDate
    seen_alone: bool
    late_reason: OptionalReason = None


@register(Process.CASE, "recordVisit", RecordVisit)
def record_visit(record: Record, data: RecordVisit, clock: Clock) -> Effect:
    protection = record.state == CaseState.CHILD_PROTECTION_PLAN
    kind = _K.CHILD_PROTECTION_VISIT if protection else _K.CHILD_IN_NEED_VISIT
    rule = TimescaleKey.CHILD_PROTECTION_VISIT if protection else TimescaleKey.CHILD_IN_NEED_VISIT
    plan = _step(record, _K.CHILD_PROTECTION_PLAN if protection else _K.CHILD_IN_NEED_PLAN)
    not_before(data.visited_on, plan.get("startDate"), "visitedOn", "the plan's start")
    due = record.open_step(kind)
    changed: tuple[StepChange, ...] = ()
    if due is not None:
        check_late(due["dueRule"], due["dueDate"], data.visited_on, data.late_reason)
        changed = (
            StepChange(
                due["id"],
                status=StepStatus.DONE,
                completed_date=data.visited_on,
                late_reason=data.late_reason,
                facts={"seenAlone": data.seen_alone},
            ),
        )
    return Effect(
        target=record.state,
        occurred_on=data.visited_on,
        summary=f"Visit{' (child seen alone)' if data.seen_alone else ''}",
        changed=changed,
        # Local standard: the next visit is due within the configured interval of this one.
        opened=(NewStep(kind, due=_due(rule, data.visited_on, clock)),),
    )


class HoldStrategyDiscussion(Input):
    held_on: PastDate


@register(Process.CASE, "holdStrategyDiscussion", HoldStrategyDiscussion)
def hold_strategy_discussion(record: Record, data: HoldStrategyDiscussion, clock: Clock) -> Effect:
    held = data.held_on
    not_before(held, _referral_date(record), "heldOn", "the referral")
    return Effect(
        target=CaseState.SECTION_47_ENQUIRY,
        occurred_on=held,
        summary="Strategy discussion held; section 47 enquiry started",
        opened=(
            NewStep(
                _K.STRATEGY_DISCUSSION,
                start_date=held,
                completed_date=held,
                status=StepStatus.DONE,
            ),
            NewStep(_K.SECTION_47_ENQUIRY, start_date=held),
            # Working Together 2023: the ICPC within 15 working days of the strategy
            # discussion; the clock runs from the discussion, whatever the enquiry finds.
            NewStep(
                _K.INITIAL_CHILD_PROTECTION_CONFERENCE,
                due=_due(TimescaleKey.INITIAL_CHILD_PROTECTION_CONFERENCE, held, clock),
            ),
        ),
    )


class ConcludeEnquiry(Input):
    concluded_on: PastDate


@register(Process.CASE, "requestInitialConference", ConcludeEnquiry)
def request_initial_conference(record: Record, data: ConcludeEnquiry, clock: Clock) -> Effect:
    enquiry = _step(record, _K.SECTION_47_ENQUIRY)
    not_before(data.concluded_on, enquiry.get("startDate"), "concludedOn", "the enquiry's start")
    return Effect(
        target=CaseState.INITIAL_CONFERENCE_DUE,
        occurred_on=data.concluded_on,
        summary="Section 47 enquiry concluded: initial child protection conference requested",
        changed=(
            StepChange(
                enquiry["id"],
                status=StepStatus.DONE,
                completed_date=data.concluded_on,
                facts={"outcome": "CONFERENCE"},
            ),
        ),
    )


def _after_no_plan(record: Record) -> CaseState:
    """Without a child protection plan the case returns to its child in need plan, if any."""
    if record.open_step(_K.CHILD_IN_NEED_PLAN) is not None:
        return CaseState.CHILD_IN_NEED_PLAN
    return CaseState.OUTCOME_DUE


@register(Process.CASE, "concludeEnquiryWithoutConference", ConcludeEnquiry)
def conclude_without_conference(record: Record, data: ConcludeEnquiry, clock: Clock) -> Effect:
    enquiry = _step(record, _K.SECTION_47_ENQUIRY)
    not_before(data.concluded_on, enquiry.get("startDate"), "concludedOn", "the enquiry's start")
    return Effect(
        target=_after_no_plan(record),
        occurred_on=data.concluded_on,
        summary="Section 47 enquiry concluded: no conference needed",
        changed=(
            StepChange(
                enquiry["id"],
                status=StepStatus.DONE,
                completed_date=data.concluded_on,
                facts={"outcome": "NO_CONFERENCE"},
            ),
            *_cancelled(record.open_step(_K.INITIAL_CHILD_PROTECTION_CONFERENCE)),
        ),
    )


class HoldInitialConference(Input):
    held_on: PastDate
    plan_required: bool
    categories_of_abuse: Annotated[tuple[CategoryOfAbuse, ...], Field(max_length=5)] = ()
    late_reason: OptionalReason = None

    @model_validator(mode="after")
    def _categories_with_plan(self) -> Self:
        if self.plan_required and not self.categories_of_abuse:
            raise ValueError("categoriesOfAbuse: a child protection plan needs a category")
        if not self.plan_required and self.categories_of_abuse:
            raise ValueError("categoriesOfAbuse: only a conference that makes a plan gives one")
        return self


@register(Process.CASE, "holdInitialConference", HoldInitialConference)
def hold_initial_conference(record: Record, data: HoldInitialConference, clock: Clock) -> Effect:
    conference = _step(record, _K.INITIAL_CHILD_PROTECTION_CONFERENCE)
    held = data.held_on
    enquiries = record.done_steps(_K.SECTION_47_ENQUIRY)
    not_before(
        held, max((s["startDate"] for s in enquiries), default=None), "heldOn", "the enquiry"
    )
    check_late(conference["dueRule"], conference["dueDate"], held, data.late_reason)
    if not data.plan_required:
        return Effect(
            target=_after_no_plan(record),
            occurred_on=held,
            summary="Initial child protection conference: no plan",
            changed=(_done(conference, held, data.late_reason, {"outcome": "NO_PLAN"}),),
        )
    categories = sorted({category.value for category in data.categories_of_abuse})
    # A child protection plan replaces the child in need plan while it lasts.
    cin_plan = record.open_step(_K.CHILD_IN_NEED_PLAN)
    ending: tuple[StepChange, ...] = ()
    if cin_plan is not None:
        ending = (
            _done(cin_plan, held),
            *_cancelled(record.open_step(_K.CHILD_IN_NEED_PLAN_REVIEW)),
            *_cancelled(record.open_step(_K.CHILD_IN_NEED_VISIT)),
        )
    return Effect(
        target=CaseState.CHILD_PROTECTION_PLAN,
        occurred_on=held,
        summary=f"Initial child protection conference: plan made ({', '.join(categories)})",
        changed=(_done(conference, held, data.late_reason, {"outcome": "PLAN"}), *ending),
        opened=(
            NewStep(
                _K.CHILD_PROTECTION_PLAN,
                start_date=held,
                facts={"initialCategories": categories, "latestCategories": categories},
            ),
            NewStep(
                _K.CHILD_PROTECTION_REVIEW,
                due=next_child_protection_review_due(held, None, calendar=clock.calendar),
            ),
            NewStep(_K.CORE_GROUP, due=_due(TimescaleKey.FIRST_CORE_GROUP, held, clock)),
            NewStep(
                _K.CHILD_PROTECTION_VISIT,
                due=_due(TimescaleKey.CHILD_PROTECTION_VISIT, held, clock),
            ),
        ),
    )


class HoldReviewConference(Input):
    held_on: PastDate
    categories_of_abuse: Annotated[tuple[CategoryOfAbuse, ...], Field(max_length=5)] = ()
    late_reason: OptionalReason = None


def _cp_review(record: Record, data: HoldReviewConference) -> tuple[dict[str, Any], dict[str, Any]]:
    plan = _step(record, _K.CHILD_PROTECTION_PLAN)
    review = _step(record, _K.CHILD_PROTECTION_REVIEW)
    not_before(data.held_on, plan.get("startDate"), "heldOn", "the plan's start")
    check_late(review["dueRule"], review["dueDate"], data.held_on, data.late_reason)
    return plan, review


@register(Process.CASE, "holdReviewConference", HoldReviewConference)
def hold_review_conference(record: Record, data: HoldReviewConference, clock: Clock) -> Effect:
    plan, review = _cp_review(record, data)
    categories = sorted({category.value for category in data.categories_of_abuse})
    return Effect(
        target=CaseState.CHILD_PROTECTION_PLAN,
        occurred_on=data.held_on,
        summary="Child protection review conference: the plan continues",
        changed=(
            _done(review, data.held_on, data.late_reason),
            *(
                (StepChange(plan["id"], facts={"latestCategories": categories}),)
                if categories
                else ()
            ),
        ),
        opened=(
            NewStep(
                _K.CHILD_PROTECTION_REVIEW,
                due=next_child_protection_review_due(
                    plan["startDate"], data.held_on, calendar=clock.calendar
                ),
            ),
        ),
    )


@register(Process.CASE, "endChildProtectionPlan", HoldReviewConference)
def end_child_protection_plan(record: Record, data: HoldReviewConference, clock: Clock) -> Effect:
    plan, review = _cp_review(record, data)
    if data.categories_of_abuse:
        raise Refusal(("categoriesOfAbuse", "a plan that ends takes no new category"))
    scheduled = (record.open_step(kind) for kind in (_K.CORE_GROUP, _K.CHILD_PROTECTION_VISIT))
    return Effect(
        target=CaseState.OUTCOME_DUE,
        occurred_on=data.held_on,
        summary="Child protection review conference: the plan ends",
        changed=(
            _done(review, data.held_on, data.late_reason),
            _done(plan, data.held_on),
            *(change for step in scheduled for change in _cancelled(step)),
        ),
    )


@register(Process.CASE, "holdCoreGroup", HeldOn)
def hold_core_group(record: Record, data: HeldOn, clock: Clock) -> Effect:
    plan = _step(record, _K.CHILD_PROTECTION_PLAN)
    not_before(data.held_on, plan.get("startDate"), "heldOn", "the plan's start")
    due = record.open_step(_K.CORE_GROUP)
    if due is not None:
        check_late(due["dueRule"], due["dueDate"], data.held_on, data.late_reason)
        return Effect(
            target=CaseState.CHILD_PROTECTION_PLAN,
            occurred_on=data.held_on,
            summary="First core group meeting",
            changed=(_done(due, data.held_on, data.late_reason),),
        )
    # Later core groups meet as the plan says; only the first has a national timescale.
    return Effect(
        target=CaseState.CHILD_PROTECTION_PLAN,
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


class CloseCase(Input):
    closed_on: PastDate
    reason: ReasonForClosure


@register(Process.CASE, "closeCase", CloseCase)
def close_case(record: Record, data: CloseCase, clock: Clock) -> Effect:
    latest = max(
        (s.get("completedDate") or s.get("startDate") or date.min for s in record.steps),
        default=_referral_date(record),
    )
    not_before(data.closed_on, max(latest, _referral_date(record)), "closedOn", "the last step")
    return Effect(
        target=CaseState.CLOSED,
        occurred_on=data.closed_on,
        summary=f"Case closed: {data.reason.value} {data.reason.description}",
        facts={"closureReason": data.reason.value},
        dates={"closureDate": data.closed_on},
        changed=close_everything(record, data.closed_on, frozenset({_K.CHILD_IN_NEED_PLAN})),
    )
