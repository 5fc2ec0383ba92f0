"""Adoption: the plan for a looked-after child from the decision that they should be
placed for adoption to the adoption order, or to the reversal of that decision.

The record is an `AdoptionPlan` ABOUT the child and FOR_CARE the period of care it was
decided in; its dates are the SSDA903 ones (AD1 DATE_INT and DATE_MATCH, PlacedAdoption
DATE_PLACED, DATE_PLACED_CEASED and REASON_PLACED_CEASED). Placing the child also
changes their placement (an A3-A6 episode, recorded on the period of care), and the
adoption order ends the period of care (E11/E12): each is its own action on its own
record.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from graph.cypher import journey as statements
from workflow.codes import (
    AdopterSex,
    AdoptersLegalStatus,
    LegalStatus,
    PlacementType,
    ReasonPlacedCeased,
)
from workflow.ids import new_id
from workflow.journey.case import WithdrawInError
from workflow.journey.effects import Clock, Effect, Record, Refusal
from workflow.journey.engine import as_row, read_record, register
from workflow.journey.inputs import HappenedOn, Input, PastDate, Reason, not_before
from workflow.outcomes import FieldProblem, InvalidInput, NotFound, TransitionRefused
from workflow.process import AdoptionState, CareState, Process, allowed_actions

if TYPE_CHECKING:
    from graph import GraphStore, Row
    from graph.cypher.access import AccessScope

# A plan still running: a second one cannot start beside it.
RUNNING_STATES = (
    AdoptionState.SHOULD_BE_PLACED.value,
    AdoptionState.PLACEMENT_ORDER_GRANTED.value,
    AdoptionState.MATCHED.value,
    AdoptionState.PLACED.value,
    AdoptionState.CEASING_AWAITING_AUTHORISATION.value,
)
NO_PLAN = "NO_ADOPTION_PLAN"
# SSDA903 rule 551: the return dates the decision that the child should be placed for
# adoption (PlacedAdoption) beside every placement for adoption.
PLACEMENTS_FOR_ADOPTION = frozenset(
    placement.value
    for placement in (
        PlacementType.A3_PLACED_FOR_ADOPTION_WITH_CONSENT_WITH_CURRENT_FOSTER_CARER,
        PlacementType.A4_PLACED_FOR_ADOPTION_WITH_CONSENT_NOT_WITH_CURRENT_FOSTER_CARER,
        PlacementType.A5_PLACED_FOR_ADOPTION_WITH_PLACEMENT_ORDER_WITH_CURRENT_FOSTER_CARER,
        PlacementType.A6_PLACED_FOR_ADOPTION_WITH_PLACEMENT_ORDER_NOT_WITH_CURRENT_FOSTER_CARER,
    )
)


def decided_by(plans: Iterable[Mapping[str, Any]], on: date) -> bool:
    """Whether one of `plans` was decided on or before `on` (a placement for adoption
    follows a decision, SSDA903 551)."""
    return any(isinstance(made := plan.get("decisionDate"), date) and made <= on for plan in plans)


def decision_in_force(plans: Iterable[Mapping[str, Any]], on: date) -> bool:
    """Whether one of `plans` was decided on or before `on` and not reversed by then (a
    placement order follows a decision in force on its day, SSDA903 553)."""
    return any(
        decided_by((plan,), on)
        and not (isinstance(reversed_on := plan.get("ceasedDate"), date) and reversed_on <= on)
        for plan in plans
    )


class DecideAdoption(Input):
    period_of_care_id: Annotated[str, Field(min_length=1, max_length=100)]
    decided_on: HappenedOn


async def decide_adoption(
    store: GraphStore, scope: AccessScope, data: DecideAdoption, clock: Clock
) -> Row | NotFound | TransitionRefused | InvalidInput:
    """Record the decision that a looked-after child should be placed for adoption."""
    params = {**scope.params(), "periodOfCareId": data.period_of_care_id}
    state = await store.read(
        statements.PERIOD_OF_CARE_STATE, {**params, "openStates": RUNNING_STATES}
    )
    if not state:
        return NotFound(kind="PeriodOfCare", id=data.period_of_care_id)
    care = await read_record(store, scope, Process.CARE, data.period_of_care_id)
    started = care.facts.get("startDate") if care else None
    if isinstance(started, date) and data.decided_on < started:
        rule = f"must not be before the child became looked after ({started.isoformat()})"
        return InvalidInput(problems=(FieldProblem("decidedOn", rule),))
    if too_early := _before_reversal(state[0], data.decided_on):
        return too_early
    record_id = new_id()
    rows = await store.write(
        statements.START_ADOPTION_PLAN,
        {
            **params,
            "recordId": record_id,
            "openStates": RUNNING_STATES,
            "lookedAfter": CareState.LOOKED_AFTER.value,
            "process": Process.ADOPTION.value,
            "action": "decideAdoption",
            "from": NO_PLAN,
            "to": AdoptionState.SHOULD_BE_PLACED.value,
            "facts": {},
            "dates": {
                **dict.fromkeys(statements.RECORD_DATES["AdoptionPlan"]),
                "decisionDate": data.decided_on,
            },
            "eventId": new_id(),
            "occurredOn": data.decided_on,
            "summary": "Decision that the child should be placed for adoption",
            "changedIds": [],
            "changes": [],
            "opened": [],
        },
    )
    if not rows:
        # Read again: the state may have changed since the first look.
        state = await store.read(
            statements.PERIOD_OF_CARE_STATE, {**params, "openStates": RUNNING_STATES}
        )
        if not state:
            return NotFound(kind="PeriodOfCare", id=data.period_of_care_id)
        return _before_reversal(state[0], data.decided_on) or _refused(
            state[0]["status"], state[0]["running"]
        )
    record = await read_record(store, scope, Process.ADOPTION, record_id)
    if record is None:
        return NotFound(kind="PeriodOfCare", id=data.period_of_care_id)
    return as_row(record)


def _before_reversal(state: Row, decided_on: date) -> InvalidInput | None:
    # A decision reversed ends that plan (SSDA903 DATE_PLACED_CEASED); a new decision on
    # the same period of care is made after it, not back-dated across it.
    reversed_on = state["lastReversed"]
    if isinstance(reversed_on, date) and decided_on < reversed_on:
        rule = (
            "must not be before the earlier decision for adoption was reversed "
            f"({reversed_on.isoformat()})"
        )
        return InvalidInput(problems=(FieldProblem("decidedOn", rule),))
    return None


def _refused(care_state: str, running: list[str]) -> TransitionRefused:
    if running:
        return TransitionRefused(
            current_state=running[0],
            allowed=allowed_actions(Process.ADOPTION, running[0]),
            reason="the child already has a plan for adoption: record progress on it",
        )
    return TransitionRefused(
        current_state=care_state,
        allowed=allowed_actions(Process.CARE, care_state),
        reason="only a child who is looked after can be placed for adoption",
    )


def _date(record: Record, name: str) -> date | None:
    value = record.facts.get(name)
    return value if isinstance(value, date) else None


def _latest(record: Record, names: Iterable[str]) -> date | None:
    """The latest of the plan's dates `names` recorded."""
    return max((day for name in names if (day := _date(record, name)) is not None), default=None)


def _while_looked_after(record: Record, on: date, field: str) -> None:
    # The child is placed for adoption, and adopted, while looked after: a step of the
    # plan is not dated after care ended; nor is its reversal, written up once care has
    # ended, dated after the end (SSDA903 117: DATE_PLACED_CEASED not after DEC).
    ended = (record.period_of_care or {}).get("endDate")
    if isinstance(ended, date) and on > ended:
        raise Refusal(
            (field, f"must not be after the child stopped being looked after ({ended.isoformat()})")
        )


class RecordPlacementOrder(Input):
    granted_on: HappenedOn


@register(Process.ADOPTION, "recordPlacementOrder", RecordPlacementOrder)
def record_placement_order(record: Record, data: RecordPlacementOrder, clock: Clock) -> Effect:
    not_before(data.granted_on, _date(record, "decisionDate"), "grantedOn", "the decision")
    _while_looked_after(record, data.granted_on, "grantedOn")
    if (granted := _date(record, "placementOrderDate")) is not None:
        rule = f"the placement order is already recorded ({granted.isoformat()})"
        raise Refusal(("grantedOn", rule))
    # Typed after the match or the placement (a paper record), the plan stays where it is.
    first = record.state == AdoptionState.SHOULD_BE_PLACED
    return Effect(
        target=AdoptionState.PLACEMENT_ORDER_GRANTED if first else AdoptionState(record.state),
        occurred_on=data.granted_on,
        summary="Placement order granted",
        dates={"placementOrderDate": data.granted_on},
    )


class MatchWithAdopters(Input):
    matched_on: HappenedOn
    adopter_sex: AdopterSex
    adopted_by_foster_carer: bool = False
    adopters_legal_status: AdoptersLegalStatus | None = None


_COUPLES = frozenset(
    {AdopterSex.MM_MALE_COUPLE, AdopterSex.FF_FEMALE_COUPLE, AdopterSex.MF_MIXED_COUPLE}
)
_SINGLES = frozenset({AdopterSex.M1_SINGLE_MALE, AdopterSex.F1_SINGLE_FEMALE})
_SAME_SEX = frozenset({AdopterSex.MM_MALE_COUPLE, AdopterSex.FF_FEMALE_COUPLE})
_L = AdoptersLegalStatus
# SSDA903 AD1: which adopters' sexes each legal status allows (rules 514, 517, 519, 520).
_SEXES_FOR_STATUS = {
    _L.L0_SINGLE: _SINGLES,
    _L.L11_MARRIED_DIFFERENT_SEX: frozenset({AdopterSex.MF_MIXED_COUPLE}),
    _L.L12_MARRIED_SAME_SEX: _SAME_SEX,
    _L.L2_CIVIL_PARTNERS: _COUPLES,
    _L.L3_UNMARRIED_DIFFERENT_SEX: frozenset({AdopterSex.MF_MIXED_COUPLE}),
    _L.L4_UNMARRIED_SAME_SEX: _SAME_SEX,
}


@register(Process.ADOPTION, "matchWithAdopters", MatchWithAdopters)
def match_with_adopters(record: Record, data: MatchWithAdopters, clock: Clock) -> Effect:
    earliest = _date(record, "placementOrderDate") or _date(record, "decisionDate")
    not_before(data.matched_on, earliest, "matchedOn", "the decision and any placement order")
    _while_looked_after(record, data.matched_on, "matchedOn")
    status = data.adopters_legal_status
    if status is not None and data.adopter_sex not in _SEXES_FOR_STATUS[status]:
        allowed = ", ".join(sorted(sex.value for sex in _SEXES_FOR_STATUS[status]))
        raise Refusal(
            ("adoptersLegalStatus", f"{status.value} is for adopters coded {allowed} (SEX_ADOPTR)")
        )
    return Effect(
        target=AdoptionState.MATCHED,
        occurred_on=data.matched_on,
        summary=f"Matched with prospective adopters ({data.adopter_sex.value})",
        dates={"matchedDate": data.matched_on},
        # SSDA903 AD1: SEX_ADOPTR, NB_ADOPTR and FOSTER_CARE.
        facts={
            "adopterSex": data.adopter_sex.value,
            "numberOfAdopters": 2 if data.adopter_sex in _COUPLES else 1,
            "adoptedByFosterCarer": data.adopted_by_foster_carer,
            "adoptersLegalStatus": status.value if status else None,
        },
    )


class PlaceForAdoption(Input):
    placed_on: HappenedOn


@register(Process.ADOPTION, "placeForAdoption", PlaceForAdoption)
def place_for_adoption(record: Record, data: PlaceForAdoption, clock: Clock) -> Effect:
    not_before(data.placed_on, _date(record, "matchedDate"), "placedOn", "the match")
    _while_looked_after(record, data.placed_on, "placedOn")
    return Effect(
        target=AdoptionState.PLACED,
        occurred_on=data.placed_on,
        summary="Placed with the prospective adopters",
        dates={"placedDate": data.placed_on},
    )


class GrantAdoptionOrder(Input):
    granted_on: HappenedOn


@register(Process.ADOPTION, "grantAdoptionOrder", GrantAdoptionOrder)
def grant_adoption_order(record: Record, data: GrantAdoptionOrder, clock: Clock) -> Effect:
    # Adoption and Children Act 2002 s42: the child has lived with the adopters for at
    # least 10 weeks before the application; the court checks that, the hub the order.
    not_before(data.granted_on, _date(record, "placedDate"), "grantedOn", "the placement")
    _while_looked_after(record, data.granted_on, "grantedOn")
    return Effect(
        target=AdoptionState.ADOPTED,
        occurred_on=data.granted_on,
        summary="Adoption order granted",
        dates={"adoptionOrderDate": data.granted_on},
    )


class CeaseAdoptionPlan(Input):
    ceased_on: HappenedOn
    reason: ReasonPlacedCeased


@register(Process.ADOPTION, "ceaseAdoptionPlan", CeaseAdoptionPlan)
def cease_adoption_plan(record: Record, data: CeaseAdoptionPlan, clock: Clock) -> Effect:
    latest = _latest(record, ("decisionDate", "placementOrderDate", "matchedDate", "placedDate"))
    # SSDA903 rule 522: not before the decision (nor anything recorded since).
    not_before(data.ceased_on, latest, "ceasedOn", "the last step of the plan")
    _while_looked_after(record, data.ceased_on, "ceasedOn")
    return Effect(
        target=AdoptionState.CEASED,
        occurred_on=data.ceased_on,
        summary=f"Should no longer be placed for adoption: {data.reason.value} "
        f"{data.reason.description}",
        dates={"ceasedDate": data.ceased_on},
        facts={"ceasedReason": data.reason.value},
    )


class AdoptionPlanStep(enum.StrEnum):
    """The steps of a plan for adoption, each the day it happened (a date of the plan)."""

    DECISION = "DECISION"
    PLACEMENT_ORDER = "PLACEMENT_ORDER"
    MATCH = "MATCH"
    PLACEMENT = "PLACEMENT"
    ADOPTION_ORDER = "ADOPTION_ORDER"
    REVERSAL = "REVERSAL"


# Each step's date on the plan, and how a refusal names it.
_STEP_DATES = {
    AdoptionPlanStep.DECISION: ("decisionDate", "the decision"),
    AdoptionPlanStep.PLACEMENT_ORDER: ("placementOrderDate", "the placement order"),
    AdoptionPlanStep.MATCH: ("matchedDate", "the match"),
    AdoptionPlanStep.PLACEMENT: ("placedDate", "the placement"),
    AdoptionPlanStep.ADOPTION_ORDER: ("adoptionOrderDate", "the adoption order"),
    AdoptionPlanStep.REVERSAL: ("ceasedDate", "the reversal of the decision"),
}
# The steps each one is recorded after (the actions above, and SSDA903 522): a corrected
# day keeps them, before and after it.
_AFTER = {
    AdoptionPlanStep.DECISION: (),
    AdoptionPlanStep.PLACEMENT_ORDER: (AdoptionPlanStep.DECISION,),
    AdoptionPlanStep.MATCH: (AdoptionPlanStep.DECISION, AdoptionPlanStep.PLACEMENT_ORDER),
    AdoptionPlanStep.PLACEMENT: (AdoptionPlanStep.DECISION, AdoptionPlanStep.MATCH),
    AdoptionPlanStep.ADOPTION_ORDER: (AdoptionPlanStep.DECISION, AdoptionPlanStep.PLACEMENT),
    AdoptionPlanStep.REVERSAL: (
        AdoptionPlanStep.DECISION,
        AdoptionPlanStep.PLACEMENT_ORDER,
        AdoptionPlanStep.MATCH,
        AdoptionPlanStep.PLACEMENT,
    ),
}


class CorrectAdoptionPlanDate(Input):
    step: AdoptionPlanStep
    happened_on: PastDate
    reason: Reason


def _beside_other_plans(record: Record, on: date) -> None:
    # SSDA903 579: decisions on one period of care do not overlap. A plan decided before
    # this one ended before this decision; one decided after it, after all of this one.
    decided = _date(record, "decisionDate")
    for entry in record.processes:
        other = entry["record"]
        other_decided, reversed_on = other.get("decisionDate"), other.get("ceasedDate")
        if not isinstance(other_decided, date) or decided is None:
            continue
        if other_decided < decided and isinstance(reversed_on, date) and on < reversed_on:
            rule = (
                "must not be before the earlier decision for adoption was reversed "
                f"({reversed_on.isoformat()})"
            )
            raise Refusal(("happenedOn", rule))
        if other_decided > decided and on > other_decided:
            later = other_decided.isoformat()
            rule = f"must not be after the later decision for adoption ({later})"
            raise Refusal(("happenedOn", rule))


# The dates of a plan the rules of its period of care's episodes read (care.py), and
# how a refusal names the episode that would break, by the field that rule names.
_DECISION_DATES = frozenset({"decisionDate", "ceasedDate"})
_EPISODE_SAID = {
    "placementType": "the placement for adoption",
    "legalStatus": "the placement order (E1)",
}


def _episodes_keep_their_decision(record: Record, name: str, on: date) -> None:
    """The period of care's episodes keep the rules they were recorded by, with the plan's
    `name` date corrected to `on`: a placement for adoption (SSDA903 551, 552), and an
    episode that began a placement order (E1; not a move under it; 553, 554), after a
    decision in force on its day."""
    if name not in _DECISION_DATES:
        return
    # care.py reads this module's decision rules as it is imported: its checks of an
    # episode are imported here, when a correction needs them.
    from workflow.journey import care as care_rules

    plans = (*record.processes, {"record": {**record.facts, name: on}, "steps": []})
    corrected = replace(record, processes=plans)
    status_before = None
    for episode in sorted(record.care_episodes, key=lambda episode: episode["startDate"]):
        began, status = episode["startDate"], LegalStatus.from_code(str(episode["legalStatus"]))
        try:
            placement = PlacementType.from_code(str(episode["placementType"]))
            care_rules.placed_for_adoption_after_a_decision(corrected, placement, began)
            if status is not status_before:
                care_rules.placement_order_after_a_decision(corrected, status, began)
        except Refusal as refused:
            raise Refusal(
                *(
                    ("happenedOn", f"{_EPISODE_SAID[field]} from {began.isoformat()}: {rule}")
                    for field, rule in refused.problems
                )
            ) from None
        status_before = status


@register(Process.ADOPTION, "correctAdoptionPlanDate", CorrectAdoptionPlanDate)
def correct_adoption_plan_date(
    record: Record, data: CorrectAdoptionPlanDate, clock: Clock
) -> Effect:
    """A step typed with the wrong day: the plan stays where it is, its step on the day it
    happened, the day typed kept with why (and who and when: the stamp)."""
    name, said = _STEP_DATES[data.step]
    was, on = _date(record, name), data.happened_on
    if was is None:
        raise Refusal(("step", f"the plan has no {said.removeprefix('the ')} recorded"))
    if on == was:
        raise Refusal(("happenedOn", f"is the day already recorded ({was.isoformat()})"))
    care = record.period_of_care or {}
    started = care.get("startDate")
    if isinstance(started, date):
        not_before(on, started, "happenedOn", "the day the child became looked after")
    for earlier in _AFTER[data.step]:
        day, what = _date(record, _STEP_DATES[earlier][0]), _STEP_DATES[earlier][1]
        not_before(on, day, "happenedOn", what)
    for later, before in _AFTER.items():
        day = _date(record, _STEP_DATES[later][0])
        if data.step in before and day is not None and on > day:
            rule = f"must not be after {_STEP_DATES[later][1]} ({day.isoformat()})"
            raise Refusal(("happenedOn", rule))
    _while_looked_after(record, on, "happenedOn")
    if data.step is AdoptionPlanStep.ADOPTION_ORDER and isinstance(care.get("endDate"), date):
        # Adoption and Children Act 2002 s46: the order ended care that day (E11/E12).
        rule = (
            f"the adoption order ended care on {care['endDate'].isoformat()}: the order's day "
            "is the end of care's, and is not corrected apart from it"
        )
        raise Refusal(("step", rule))
    _beside_other_plans(record, on)
    _episodes_keep_their_decision(record, name, on)
    label = said.removeprefix("the ").capitalize()
    return Effect(
        target=record.state,
        occurred_on=on,
        summary=f"{label} of {was.isoformat()} corrected to {on.isoformat()}: {data.reason}",
        dates={name: on},
        facts={
            "correctedStep": data.step.value,
            "correctedFrom": was.isoformat(),
            "correctionReason": data.reason,
        },
        stamp="corrected",
    )


def _episodes_standing_on(record: Record) -> tuple[tuple[str, str], ...]:
    """The period of care's SSDA903 episodes only this plan's decision allows: under a
    placement order (E1, rule 553) or placed for adoption (A3-A6, rule 551), with no
    other plan of the period of care to stand on. One problem per field, naming them."""
    this, others = (record.facts,), [entry["record"] for entry in record.processes]
    orders: list[str] = []
    placements: list[str] = []
    for episode in sorted(record.care_episodes, key=lambda step: step["startDate"]):
        start = episode["startDate"]
        if (
            episode.get("legalStatus") == LegalStatus.E1_PLACEMENT_ORDER.value
            and decision_in_force(this, start)
            and not decision_in_force(others, start)
        ):
            orders.append(start.isoformat())
        if (
            episode.get("placementType") in PLACEMENTS_FOR_ADOPTION
            and decision_in_force(this, start)
            and not decision_in_force(others, start)
        ):
            placements.append(start.isoformat())
    problems = []
    if orders:
        problems.append(
            (
                "legalStatus",
                f"the period of care's episodes from {', '.join(orders)} are under a placement"
                " order (E1), which stands on this decision (SSDA903 rule 553): correct"
                " their legal status first (correctLegalStatus)",
            )
        )
    if placements:
        problems.append(
            (
                "placementType",
                f"the period of care's episodes from {', '.join(placements)} are placements"
                " for adoption (A3 to A6), which stand on this decision (SSDA903 rules 551, 552):"
                " correct the placement first (correctPlacement)",
            )
        )
    return tuple(problems)


@register(Process.ADOPTION, "withdrawAdoptionPlan", WithdrawInError)
def withdraw_adoption_plan(record: Record, data: WithdrawInError, clock: Clock) -> Effect:
    """A plan decided on the wrong child (or typed twice) was never this child's: kept in
    the history with why, who and when (the stamp), its steps as recorded, and in no read
    that counts the child's plans (graph/cypher: RECORDED_IN_ERROR)."""
    last = _latest(record, (name for name, _ in _STEP_DATES.values()))
    not_before(data.withdrawn_on, last, "withdrawnOn", "the plan's last step")
    if problems := _episodes_standing_on(record):
        raise Refusal(*problems)
    return Effect(
        target=AdoptionState.RECORDED_IN_ERROR,
        occurred_on=data.withdrawn_on,
        summary=f"Plan for adoption withdrawn, recorded in error: {data.reason}",
        facts={"withdrawnReason": data.reason},
        dates={"withdrawnDate": data.withdrawn_on},
        stamp="withdrawn",
    )
