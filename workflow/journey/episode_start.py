"""Correcting the day an SSDA903 episode began: the start of care (the first episode), a
move to a new placement or a change of legal status typed with the wrong day.

An episode's start is a boundary the returns are made from: the 903 episode begins that
day and the one before it ends that day (X1), the first one is the day the child became
looked after, and what is due counts from it (the first review, health assessment and
education plan from the start of care; the statutory visits from the start of the
placement). So the correction moves the boundary on both sides, keeps the day it was
recorded as, why, who and when on the episode (`correctedFrom`, `correctionReason`,
`correctedBy`, `correctedAt`), and the steps due from it fall due from the corrected day.
The corrected day keeps the rules of recording the episode: between its neighbours (one
episode starts a day), not after care ended, not before the birth, the placement's and
legal status's ages, the orders it stands on; the start of care also not after what was
recorded in care, before the previous period of care ended, at 18, or where a child
protection plan would run on in care. A child protection plan the start of care ended
(the plan ends the day the child becomes looked after) ends on the corrected day in the
same write, by the rules of ending it, keeping the day it ended as, why, who and when;
so does a home postcode recorded on the day care began (SSDA903 392a/392b).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

from workflow.calendar import birthday
from workflow.care_ages import legal_status_unfit
from workflow.codes import LegalStatus, PlacementType
from workflow.journey import care, case, plan_ends
from workflow.journey.effects import (
    Effect,
    MovedFact,
    Refusal,
    RetimedRecord,
    StepChange,
    StepKind,
    StepStatus,
)
from workflow.journey.engine import register
from workflow.journey.inputs import Input, PastDate, Reason, not_before
from workflow.journey.ordering import NextDue, anchored_again, held_in_order
from workflow.process import Process
from workflow.short_orders import SHORT_ORDERS, under_short_order
from workflow.timescales import (
    next_health_assessment_due,
    next_looked_after_review_due,
    next_looked_after_visit_due,
    next_personal_education_plan_due,
)

if TYPE_CHECKING:
    from workflow.journey.effects import Clock, Record

_K = StepKind
_FIELD = "startedOn"


class CorrectEpisodeStart(Input):
    # The episode, by the day it was recorded as starting (one episode starts a day).
    episode_from: PastDate
    started_on: PastDate
    reason: Reason


def _episodes(record: Record) -> list[dict[str, Any]]:
    return sorted(
        (
            step
            for step in record.steps
            if step["kind"] == _K.LOOKED_AFTER_EPISODE and step["status"] != StepStatus.CANCELLED
        ),
        key=lambda step: step["startDate"],
    )


def _between_its_neighbours(
    record: Record, episodes: list[dict[str, Any]], index: int, on: date
) -> None:
    if index and on <= (before := episodes[index - 1]["startDate"]):
        rule = f"must be after the start of the episode before it ({before.isoformat()})"
        raise Refusal((_FIELD, f"{rule}: one episode starts a day"))
    if index + 1 < len(episodes) and on >= (after := episodes[index + 1]["startDate"]):
        rule = f"must be before the start of the episode after it ({after.isoformat()})"
        raise Refusal((_FIELD, f"{rule}: one episode starts a day"))
    ended = record.facts.get("endDate")
    if index + 1 == len(episodes) and isinstance(ended, date) and on > ended:
        raise Refusal((_FIELD, f"must not be after the end of care ({ended.isoformat()})"))


def _as_recorded_rules(
    record: Record, episode: dict[str, Any], on: date, before: dict[str, Any] | None
) -> None:
    """The rules of recording the episode, on the corrected day: the placement's and the
    legal status's ages, a placement for adoption after the decision, and a placement
    order after it where the episode began the order (not a move under it: `before` is
    the episode before), the orders depriving of liberty, nothing in care after 18 but
    section 20(5)."""
    placement = PlacementType.from_code(str(episode["placementType"]))
    status = LegalStatus.from_code(str(episode["legalStatus"]))
    born = record.date_of_birth
    try:
        care.old_enough_for(placement, born, on)
        care.placed_for_adoption_after_a_decision(record, placement, on)
        if before is None or before.get("legalStatus") != status.value:
            care.placement_order_after_a_decision(record, status, on)
        care.served_under_orders(record.liberty_orders, placement, on, episode.get("completedDate"))
    except Refusal as refused:
        # The episode is right but for its day: the day is the field to put right.
        raise Refusal(*((_FIELD, rule) for _, rule in refused.problems)) from None
    if rule := legal_status_unfit(status, born, on):
        raise Refusal((_FIELD, rule))
    care.still_in_care_on(record, on, _FIELD, becoming=episode)


def _lengths_kept(episodes: list[dict[str, Any]], today: date) -> None:
    """Temporary placements and orders that last days (SSDA903 375, 376, 379; 361-364)
    still last no longer than they may, the boundary moved."""
    for index, episode in enumerate(episodes):
        until = episode.get("completedDate") or today
        if rule := care.temporary_placement_too_long(episode.get("placementType"), episode, until):
            raise Refusal(
                (_FIELD, f"{rule}: the episode from {episode['startDate']} would last longer")
            )
        under = under_short_order(episodes[: index + 1])
        if under is not None and (rule := under.carried_to(until)):
            raise Refusal((_FIELD, rule))


def _first_step_in_care(record: Record) -> tuple[date, str] | None:
    """The earliest day something was recorded in the period of care besides its
    episodes (a review, visit, health assessment, education plan, missing episode,
    interview, pathway plan, or a step of a plan for adoption): care began by then."""
    found: list[tuple[date, str]] = [
        (day, str(step["kind"]).replace("_", " ").lower())
        for step in record.steps
        if step["kind"] not in (_K.LOOKED_AFTER_EPISODE, _K.SHORT_ORDER_LAPSES)
        and step["status"] != StepStatus.CANCELLED
        for day in (step.get("startDate"), step.get("completedDate"))
        if isinstance(day, date)
    ]
    found.extend(
        (day, "decision for adoption")
        for entry in record.processes
        if isinstance(day := entry["record"].get("decisionDate"), date)
    )
    return min(found, default=None)


def _start_of_care_rules(record: Record, was: date, on: date) -> None:
    born = record.date_of_birth
    if born is not None:
        not_before(on, born, _FIELD, "the child's birth")
        if on >= (adult := birthday(born, 18)):
            # SSDA903 rule 352: nobody starts to be looked after at 18 or over.
            rule = f"the young person turned 18 on {adult.isoformat()}: too old to start care"
            raise Refusal((_FIELD, rule))
    if (first := _first_step_in_care(record)) is not None and on > first[0]:
        rule = f"must not be after the {first[1]} recorded in care on {first[0].isoformat()}"
        raise Refusal((_FIELD, rule))
    for other in record.other_periods:
        ended = other.get("endDate")
        if other["startDate"] < was:
            # SSDA903: a period of care begins after the previous one ended.
            not_before(on, ended, _FIELD, "the end of the previous period of care")
    moving = {plan.id for plan in record.plans_ended_by_care}
    for plan in record.child_protection_plans:
        ended = plan.get("endDate")
        if plan["id"] in moving:
            continue
        if plan["startDate"] < on and (ended is None or ended > on):
            # A plan ends the day the child becomes looked after: one running over the
            # corrected day would be in force while the child was looked after.
            rule = (
                f"child protection plan {plan['id']} from {plan['startDate'].isoformat()} "
                "would still be in force while the child was looked after (a plan ends the "
                "day the child becomes looked after)"
            )
            raise Refusal((_FIELD, rule))


def _plans_ended_with_it(
    record: Record, data: CorrectEpisodeStart, was: date
) -> tuple[RetimedRecord, ...]:
    """Working Together 2023: a child protection plan ends the day the child becomes
    looked after; the plans the start of care ended end on the corrected day, by the rules
    of ending them (plan_ends.py), keeping the day they ended as and why (who and when:
    the statement stamps `endDateCorrectedBy`, `endDateCorrectedAt`), their reviews and
    visits due again or cancelled again as a correction of their end makes them."""
    on = data.started_on
    for plan in record.plans_ended_by_care:
        try:
            plan_ends.may_end_on(plan, on)
        except Refusal as refused:
            raise Refusal(
                *(
                    (
                        _FIELD,
                        f"child protection plan {plan.id} ends the day the child became "
                        f"looked after: its end {rule}",
                    )
                    for _, rule in refused.problems
                )
            ) from None
    # Their reviews and visits follow the end as correcting it follows them (one rule).
    return tuple(
        RetimedRecord(
            plan.id,
            end_date=on,
            facts={"endDateCorrectedFrom": was.isoformat(), "endDateCorrectionReason": data.reason},
            step_statuses=case.due_again_with_the_end(plan, was, on),
        )
        for plan in record.plans_ended_by_care
    )


def _home_postcodes_with_it(
    record: Record, data: CorrectEpisodeStart, was: date
) -> tuple[MovedFact, ...]:
    """SSDA903 392a/392b: the home postcode is the one known when the episode began; one
    recorded on the day care began, as typed, was the address care began from, and is
    dated on the corrected day with it."""
    return tuple(
        MovedFact(fact["id"], data.started_on, was, data.reason)
        for fact in record.home_postcodes
        if fact.get("on") == was
    )


def _from_the_start(record: Record, was: date, on: date, clock: Clock) -> list[StepChange]:
    """The reviews, health assessments and education plans, which count from the day
    the child became looked after (Care Planning Regulations 2010, reg 33; the statutory
    guidance on health and on virtual school heads)."""
    born = record.date_of_birth

    def reviews(start: date) -> NextDue:
        return lambda held: next_looked_after_review_due(start, held, calendar=clock.calendar)

    def education(start: date) -> NextDue:
        return lambda held: next_personal_education_plan_due(
            start, held[-1] if held else None, calendar=clock.calendar, standards=clock.standards
        )

    chains: dict[StepKind, Any] = {
        _K.LOOKED_AFTER_REVIEW: reviews,
        _K.PERSONAL_EDUCATION_PLAN: education,
    }
    if born is not None:
        chains[_K.HEALTH_ASSESSMENT] = lambda start: (
            lambda held: next_health_assessment_due(
                born, held[-1] if held else None, start, calendar=clock.calendar
            )
        )
    changes: list[StepChange] = []
    for kind, chain in chains.items():
        held = held_in_order(record, kind)
        changes.extend(anchored_again(record, kind, (held, chain(was)), (held, chain(on))))
    return changes


def _visits_from_the_placement(
    record: Record, episodes: list[dict[str, Any]], index: int, on: date, clock: Clock
) -> list[StepChange]:
    """Reg 28's visits, which count from the start of the placement with a carer (a
    move; not a change of legal status, nor one with the same carer): the visits of that
    placement, and the one still due while it is the current one."""
    episode = episodes[index]
    if episode.get("reasonNewEpisode") in care.CHILD_STAYS_PUT:
        return []
    moves = [
        e["startDate"]
        for e in episodes[index + 1 :]
        if e.get("reasonNewEpisode") not in care.CHILD_STAYS_PUT
    ]
    until = moves[0] if moves else date.max
    long_term = bool(episode.get("longTermPlacement"))
    held = held_in_order(record, _K.STATUTORY_VISIT)

    def placement(start: date) -> tuple[list[dict[str, Any]], NextDue]:
        visits = [v for v in held if start <= v["completedDate"] < until]
        return visits, lambda days: next_looked_after_visit_due(
            start, days[-1] if days else None, long_term, calendar=clock.calendar
        )

    current = not moves and record.open_step(_K.LOOKED_AFTER_EPISODE) is not None
    retimed = anchored_again(
        record, _K.STATUTORY_VISIT, placement(episode["startDate"]), placement(on)
    )
    # The visit still due belongs to the current placement only.
    due = record.open_step(_K.STATUTORY_VISIT)
    return [change for change in retimed if current or due is None or change.step_id != due["id"]]


def _short_order_lapse(record: Record, episode: dict[str, Any], on: date) -> list[StepChange]:
    """The day a short order begun with the episode lapses, on the work list, follows it."""
    lapse = record.open_step(_K.SHORT_ORDER_LAPSES)
    order = SHORT_ORDERS.get(str(episode.get("legalStatus")))
    if (
        lapse is None
        or order is None
        or lapse.get("dueDate") != episode["startDate"] + order.longest
    ):
        return []
    return [StepChange(lapse["id"], due_date=on + order.longest)]


@register(Process.CARE, "correctEpisodeStart", CorrectEpisodeStart)
def correct_episode_start(record: Record, data: CorrectEpisodeStart, clock: Clock) -> Effect:
    episodes = _episodes(record)
    index = next((i for i, e in enumerate(episodes) if e["startDate"] == data.episode_from), None)
    if index is None:
        rule = f"no episode of this period of care started on {data.episode_from.isoformat()}"
        raise Refusal(("episodeFrom", rule))
    episode, on, was = episodes[index], data.started_on, data.episode_from
    if on == was:
        raise Refusal((_FIELD, f"is the day already recorded ({was.isoformat()})"))
    _between_its_neighbours(record, episodes, index, on)
    _as_recorded_rules(record, episode, on, episodes[index - 1] if index else None)
    corrected = [{**e, "startDate": on} if i == index else e for i, e in enumerate(episodes)]
    if index:
        corrected[index - 1] = {**corrected[index - 1], "completedDate": on}
    _lengths_kept(corrected, clock.today)
    changes = [
        StepChange(
            episode["id"],
            start_date=on,
            facts={"correctedFrom": was.isoformat(), "correctionReason": data.reason},
        )
    ]
    dates: dict[str, date | None] = {}
    plans: tuple[RetimedRecord, ...] = ()
    if index:
        # SSDA903: the episode before ends the day this one begins (X1), and its
        # placement stood on the orders depriving of liberty up to then.
        before = episodes[index - 1]
        try:
            care.served_under_orders(
                record.liberty_orders,
                PlacementType.from_code(str(before["placementType"])),
                before["startDate"],
                on,
            )
        except Refusal as refused:
            raise Refusal(*((_FIELD, rule) for _, rule in refused.problems)) from None
        changes.append(StepChange(before["id"], completed_date=on))
    else:
        _start_of_care_rules(record, was, on)
        plans = _plans_ended_with_it(record, data, was)
        dates["startDate"] = on
        changes.extend(_from_the_start(record, was, on, clock))
    changes.extend(_visits_from_the_placement(record, episodes, index, on, clock))
    changes.extend(_short_order_lapse(record, episode, on))
    what = "Start of care" if not index else "Episode"
    postcodes = _home_postcodes_with_it(record, data, was) if not index else ()
    moved = "".join(
        f"; child protection plan {plan.record_id}'s end moved with it" for plan in plans
    ) + ("; the home postcode recorded that day moved with it" if postcodes else "")
    return Effect(
        target=record.state,
        occurred_on=on,
        summary=f"{what} of {was.isoformat()} corrected to {on.isoformat()}: {data.reason}{moved}",
        dates=dates,
        changed=tuple(_merged(changes)),
        retimed_records=plans,
        moved_facts=postcodes,
    )


def _merged(changes: list[StepChange]) -> list[StepChange]:
    """One change a step (the statement applies one per step id)."""
    by_id: dict[str, StepChange] = {}
    for change in changes:
        if (earlier := by_id.get(change.step_id)) is None:
            by_id[change.step_id] = change
            continue
        by_id[change.step_id] = replace(
            earlier,
            start_date=change.start_date or earlier.start_date,
            due_date=change.due_date or earlier.due_date,
            on_time=change.on_time or earlier.on_time,
            facts={**earlier.facts, **change.facts},
        )
    return list(by_id.values())
