"""Children looked after: the period of care, its SSDA903 episodes, reviews, visits,
health, education and missing episodes, and the care leaver who follows.

The record is a `PeriodOfCare` ABOUT the child; each change of placement or legal
status starts a new SSDA903 episode (a `LOOKED_AFTER_EPISODE` step) within it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Annotated, Any, Self

from pydantic import Field, model_validator

from graph.cypher import care as care_statements
from graph.cypher import journey as statements
from workflow import liberty
from workflow.calendar import age_on, birthday
from workflow.care_ages import ending_unfit, legal_status_unfit, move_unfit, too_young_for
from workflow.codes import (
    CareLeaverAccommodation,
    CareLeaverActivity,
    CareLeaverInTouch,
    LegalStatus,
    MissingType,
    PlacementProvider,
    PlacementType,
    ReasonEpisodeCeased,
    ReasonNewEpisode,
    ReasonPlaceChange,
    ReasonPlacedCeased,
    ReviewParticipation,
)
from workflow.episode_codes import NO_URN, EpisodeCodes, codes_unfit
from workflow.facts import Postcode, Urn
from workflow.ids import new_id
from workflow.journey.adoption import PLACEMENTS_FOR_ADOPTION, decision_in_force
from workflow.journey.corrections import (
    CorrectStepDate,
    Span,
    WithdrawStep,
    corrected_step,
    withdrawn_step,
)
from workflow.journey.effects import (
    Clock,
    Effect,
    EndedRecord,
    NewStep,
    Record,
    Refusal,
    StepChange,
    StepKind,
    StepStatus,
    close_everything,
    due_by_timescale,
    last_step_on,
)
from workflow.journey.engine import as_row, read_record, register
from workflow.journey.inputs import (
    HappenedOn,
    Input,
    OptionalReason,
    PastDate,
    Reason,
    check_late,
    not_before,
    not_recorded_twice,
)
from workflow.journey.ordering import NextDue, held_before_later
from workflow.outcomes import FieldProblem, InvalidInput, NotFound, TransitionRefused
from workflow.process import (
    ADOPTION_PLAN_RUNNING,
    AdoptionState,
    CareState,
    Process,
    allowed_actions,
)
from workflow.short_orders import SHORT_ORDERS, under_short_order
from workflow.timescales import (
    DueDate,
    TimescaleKey,
    next_health_assessment_due,
    next_looked_after_review_due,
    next_looked_after_visit_due,
    next_personal_education_plan_due,
)
from workflow.validation import FieldRuleBroken

if TYPE_CHECKING:
    from graph import GraphStore, Row
    from graph.cypher.access import AccessScope

_K = StepKind
# A period of care still open: a second one cannot start beside it.
OPEN_STATES = (CareState.LOOKED_AFTER.value, CareState.CEASING_AWAITING_AUTHORISATION.value)
NOT_LOOKED_AFTER = "NOT_LOOKED_AFTER"


def looked_after_from(record: Record) -> date:
    """The day the period of care began: the child became looked after."""
    value = record.facts["startDate"]
    assert isinstance(value, date)
    return value


def _episode(record: Record) -> dict[str, Any]:
    episode = record.open_step(_K.LOOKED_AFTER_EPISODE)
    assert episode is not None, "a child looked after always has an open episode"
    return episode


# New episodes that leave the child where they were: a change of legal status alone, or
# a change of placement (its type, with or without a new legal status) with the same carer.
CHILD_STAYS_PUT = frozenset(
    {
        ReasonNewEpisode.L_LEGAL_STATUS_CHANGE.value,
        ReasonNewEpisode.T_PLACEMENT_CHANGE_SAME_CARER.value,
        ReasonNewEpisode.U_LEGAL_STATUS_AND_PLACEMENT_CHANGE_SAME_CARER.value,
    }
)


def _placement_start(record: Record) -> date:
    """The start of the current placement: the latest episode that began with a move to
    a carer (the visit clock of reg 28 follows the child's placement with a carer)."""
    moves: list[date] = [
        step["startDate"]
        for step in record.steps
        if step["kind"] == _K.LOOKED_AFTER_EPISODE
        and step.get("reasonNewEpisode") not in CHILD_STAYS_PUT
    ]
    return max(moves)


def _visit_clock(
    record: Record, on: date, same_carer: bool, clock: Clock
) -> tuple[tuple[StepChange, ...], tuple[NewStep, ...]]:
    """The statutory visit steps a placement change on `on` closes and opens: a move to
    another carer is a new placement, visited within a week (Care Planning Regulations
    2010, reg 28); with the same carer the child has not moved, so the visit due runs on."""
    if same_carer:
        return (), ()
    return _cancel(record.open_step(_K.STATUTORY_VISIT)), (_visit_after_move(on, clock),)


def _last_done(record: Record, kind: StepKind) -> date | None:
    """The day the latest step of `kind` was done: a later one cannot come before it."""
    return max((s["completedDate"] for s in record.done_steps(kind)), default=None)


def _done(
    step: dict[str, Any], on: date, late_reason: str | None = None, **facts: Any
) -> StepChange:
    return StepChange(
        step["id"], status=StepStatus.DONE, completed_date=on, late_reason=late_reason, facts=facts
    )


def _cancel(step: dict[str, Any] | None) -> tuple[StepChange, ...]:
    return () if step is None else (StepChange(step["id"], status=StepStatus.CANCELLED),)


def _visit_after_move(start: date, clock: Clock) -> NewStep:
    # Care Planning Regulations 2010, reg 28: a visit within a week of any placement.
    return NewStep(
        _K.STATUTORY_VISIT,
        due=next_looked_after_visit_due(start, None, False, calendar=clock.calendar),
    )


_SHORT_BREAKS = frozenset(
    {LegalStatus.V3_SHORT_BREAKS_EPISODES, LegalStatus.V4_SHORT_BREAKS_AGREEMENTS}
)


def not_a_short_break(status: LegalStatus) -> None:
    # Short breaks (V3/V4) have their own record: the reviews, visits and health and
    # education steps of a period of care do not apply to them.
    if status in _SHORT_BREAKS:
        raise Refusal(("legalStatus", "short breaks (V3, V4) are recorded with recordShortBreak"))


# SSDA903 temporary placements: T0-T3 are moves away from the placement for a reason the
# code names, T4 any other stay of seven days or less; the child then returns.
_TEMPORARY = frozenset(
    {
        PlacementType.T0_TEMPORARY_MOVE,
        PlacementType.T1_TEMPORARY_HOSPITAL,
        PlacementType.T2_TEMPORARY_HOLIDAY,
        PlacementType.T3_TEMPORARY_WHILE_CARER_ON_HOLIDAY,
        PlacementType.T4_TEMPORARY_SEVEN_DAYS_OR_LESS,
    }
)
# SSDA903 rules 375, 376, 379: a stay in hospital (T1) lasts at most six weeks, one while
# the foster carers are on holiday (T3) three, any other short stay (T4) seven days.
_TEMPORARY_LONGEST = {
    PlacementType.T1_TEMPORARY_HOSPITAL.value: (42, 375),
    PlacementType.T3_TEMPORARY_WHILE_CARER_ON_HOLIDAY.value: (21, 376),
    PlacementType.T4_TEMPORARY_SEVEN_DAYS_OR_LESS.value: (7, 379),
}
# SSDA903 rule 380: a temporary placement begins only with a move to another carer.
_MOVES_AWAY = frozenset(
    {
        ReasonNewEpisode.P_PLACEMENT_AND_CARER_CHANGE.value,
        ReasonNewEpisode.B_LEGAL_STATUS_PLACEMENT_AND_CARER_CHANGE.value,
    }
)
_RULE_380 = (
    "a temporary placement (T0-T4) begins only with a move away from the carer"
    " (RNE P or B; SSDA903 rule 380)"
)
# Ofsted registers these settings: their placements carry the home's URN, not XXXXXXX.
_REGISTERED_SETTINGS = frozenset(
    {PlacementType.K1_SECURE_CHILDRENS_HOME, PlacementType.K2_CHILDRENS_HOME}
)


def short_order_ends_in_time(record: Record, on: date, field: str) -> None:
    """Refuse a change on `on` that would carry a short order (police protection, an
    emergency protection or child assessment order, PACE) past its length: the order
    that followed it is recorded first, dated the day it was made."""
    under = under_short_order(s for s in record.steps if s["kind"] == _K.LOOKED_AFTER_EPISODE)
    if under is not None and (rule := under.carried_to(on)):
        raise Refusal(
            (
                field,
                f"{rule}: record the order that followed it, or the end of care, on the day"
                " it happened first",
            )
        )


def _short_order_steps(
    record: Record, on: date, status: str | None
) -> tuple[tuple[StepChange, ...], tuple[NewStep, ...]]:
    """A new episode on `on` under `status` (None: the same as now): the lapse of the
    short order the child was under is done with it, and a short order begun now falls
    due on the day it lapses (the work list then shows it before the return does)."""
    if status is None or status == _episode(record).get("legalStatus"):
        return (), ()
    lapse = record.open_step(_K.SHORT_ORDER_LAPSES)
    done = () if lapse is None else (_done(lapse, on),)
    return done, _short_order_lapse(on, status)


def _short_order_lapse(start: date, status: str) -> tuple[NewStep, ...]:
    order = SHORT_ORDERS.get(status)
    if order is None:
        return ()
    return (
        NewStep(_K.SHORT_ORDER_LAPSES, due_on=start + order.longest, facts={"legalStatus": status}),
    )


# Children Act 1989: a child is a person under 18, so nothing new happens in care after
# the 18th birthday (an end of care written up late may still be dated after it); only
# accommodation in a community home under section 20(5) (V2 in K2) goes on past it, the
# one episode the SSDA903 accepts open past 18 (rule 359).
_SECTION_20_5 = (
    LegalStatus.V2_SINGLE_PERIOD_OF_ACCOMMODATION.value,
    PlacementType.K2_CHILDRENS_HOME.value,
)


def under_section_20_5(episode: Mapping[str, Any]) -> bool:
    """Whether an SSDA903 episode is accommodation in a community home under s20(5)."""
    return (episode.get("legalStatus"), episode.get("placementType")) == _SECTION_20_5


def still_in_care_on(
    record: Record, on: date, field: str, becoming: Mapping[str, Any] | None = None
) -> None:
    """Refuse a step of care on `on`, after the 18th birthday, unless the young person is
    (and, for a new episode, stays) accommodated under section 20(5)."""
    born = record.date_of_birth
    if born is None or on <= (turned := birthday(born, 18)):
        return
    # Care may have ended since (a step written up late): then its last episode.
    current = record.open_step(_K.LOOKED_AFTER_EPISODE) or max(
        (step for step in record.steps if step["kind"] == _K.LOOKED_AFTER_EPISODE),
        key=lambda step: step["startDate"],
    )
    if under_section_20_5(current) and (becoming is None or under_section_20_5(becoming)):
        return
    raise Refusal((field, _only_section_20_5_after(turned)))


def _only_section_20_5_after(turned: date) -> str:
    return (
        f"the young person turned 18 on {turned.isoformat()}: nothing happens in care"
        " after the 18th birthday but its end, except accommodation in a community home"
        " under section 20(5) (V2 in K2; SSDA903 rule 359)"
    )


def in_care_past_eighteen(
    born: date | None, episode: Mapping[str, Any], until: date, field: str
) -> None:
    """Refuse an SSDA903 episode that lasts until `until`, past the 18th birthday, but
    under section 20(5) (SSDA903 rule 359)."""
    if born is None or until <= (turned := birthday(born, 18)) or under_section_20_5(episode):
        return
    raise Refusal((field, _only_section_20_5_after(turned)))


# The steps of care itself (a pathway plan and a care leaver's contacts come after it).
STEPS_IN_CARE = frozenset(
    {_K.LOOKED_AFTER_REVIEW, _K.STATUTORY_VISIT, _K.HEALTH_ASSESSMENT, _K.PERSONAL_EDUCATION_PLAN}
)


def _after_care(record: Record, on: date, field: str) -> bool:
    """Whether care has ended, so that a review, visit, health assessment or personal
    education plan written up now is history: held on or before the end of care (nothing
    happens in care after it), nothing new falls due."""
    if record.state == CareState.LOOKED_AFTER:
        return False
    ended = record.facts.get("endDate")
    if isinstance(ended, date) and on > ended:
        raise Refusal((field, f"must not be after care ended ({ended.isoformat()})"))
    return True


def _is_temporary(code: str | None) -> bool:
    return code is not None and PlacementType.from_code(code) in _TEMPORARY


def _check_urn(placement_type: PlacementType, urn: str | None) -> None:
    if placement_type in _REGISTERED_SETTINGS and urn in (None, "XXXXXXX"):
        raise Refusal(("urn", f"a {placement_type.value} placement needs the home's Ofsted URN"))


def codes_fit(episode: Mapping[str, Any], changed: Iterable[str] = ()) -> None:
    # SSDA903 rules 527-531, 550, 222, 378, 408 (workflow/episode_codes.py): codes no
    # lawful episode puts together, refused whichever of them is recorded last.
    if problem := codes_unfit(episode, frozenset(changed)):
        raise Refusal(problem)


def served_under_orders(
    orders: Iterable[Mapping[str, Any]], placement: PlacementType, start: date, end: date | None
) -> None:
    # SSDA903 2026-27 rules 709, 710 (workflow/liberty.py), the order recorded first.
    if rule := liberty.placement_under_orders(placement.value, (start, end), orders):
        raise Refusal(("placementType", rule))


def _plans(record: Record | None) -> list[dict[str, Any]]:
    """The period of care's plans for adoption (None: care is only starting, so none)."""
    return [entry["record"] for entry in (record.processes if record is not None else ())]


def placement_order_after_a_decision(record: Record | None, status: LegalStatus, on: date) -> None:
    # Adoption and Children Act 2002 s22: a placement order is made for a child the
    # agency is satisfied ought to be placed for adoption; the SSDA903 returns that
    # decision beside every E1 episode (rule 553).
    if status is LegalStatus.E1_PLACEMENT_ORDER and not decision_in_force(_plans(record), on):
        raise Refusal(
            (
                "legalStatus",
                "a placement order (E1) follows the decision that the child should be placed"
                " for adoption, in force on its day: record the decision first (decideAdoption;"
                " SSDA903 rule 553)",
            )
        )


def placed_for_adoption_after_a_decision(
    record: Record | None, placement: PlacementType, start: date
) -> None:
    """A placement for adoption from `start` follows a decision for adoption made in
    the period of care on or before it and not reversed by then (None: care is only
    starting, so none is made): a reversed decision places nobody (SSDA903 552)."""
    if placement.value in PLACEMENTS_FOR_ADOPTION and not decision_in_force(_plans(record), start):
        raise Refusal(
            (
                "placementType",
                "a placement for adoption (A3 to A6) follows the decision that the child"
                " should be placed for adoption, in force on its day: record it first"
                " (decideAdoption; SSDA903 rules 551, 552)",
            )
        )


def _old_enough_to_move_for(record: Record, reason: ReasonPlaceChange, left: date) -> None:
    # SSDA903 rule 234 (workflow/care_ages.py): custody from the age of 10, read on the
    # first day of the episode the move ended (`left`).
    if rule := move_unfit(reason, record.date_of_birth, left):
        raise Refusal(("reason", rule))


def old_enough_for(placement: PlacementType, born: date | None, start: date) -> None:
    # SSDA903 rules 371 to 374 (workflow/care_ages.py): placements from an age.
    if rule := too_young_for(placement, born, start):
        raise Refusal(("placementType", rule))


def temporary_placement_too_long(
    code: str | None, episode: dict[str, Any], until: date
) -> str | None:
    """Why a temporary stay in `code` from the episode's start to `until` is too long."""
    longest = _TEMPORARY_LONGEST.get(code or "")
    started: date = episode["startDate"]
    if longest is None or (until - started).days <= longest[0]:
        return None
    return f"a {code} placement lasts {longest[0]} days or less (SSDA903 rule {longest[1]})"


# SSDA903 rule 217: placed for adoption with the current foster carer (A3, A5) begins
# with care, a move to the same carer, or a new legal status with the placement (RNE S,
# T, U), never a move to another carer nor a new legal status alone.
_WITH_CURRENT_CARER = frozenset(
    {
        PlacementType.A3_PLACED_FOR_ADOPTION_WITH_CONSENT_WITH_CURRENT_FOSTER_CARER.value,
        PlacementType.A5_PLACED_FOR_ADOPTION_WITH_PLACEMENT_ORDER_WITH_CURRENT_FOSTER_CARER.value,
    }
)
_KEEPING_THE_CARER = frozenset(
    {
        ReasonNewEpisode.S_STARTED_TO_BE_LOOKED_AFTER.value,
        ReasonNewEpisode.T_PLACEMENT_CHANGE_SAME_CARER.value,
        ReasonNewEpisode.U_LEGAL_STATUS_AND_PLACEMENT_CHANGE_SAME_CARER.value,
    }
)


def _placed_with_the_current_carer(
    placement: str | None, reason_new_episode: str | None, field: str, started: date
) -> None:
    """Rule 217 on an episode of `placement` begun for `reason_new_episode`, named by
    `field`: the placement moved to (sameCarer), the legal status changed alone, or the
    placement corrected (placementType) on the episode that began on `started`."""
    if placement not in _WITH_CURRENT_CARER or reason_new_episode in _KEEPING_THE_CARER:
        return
    if field == "sameCarer":
        rule = (
            f"a placement for adoption with the current foster carer ({placement}) is a move"
            " to the same carer (sameCarer; RNE T or U, SSDA903 rule 217)"
        )
    elif field == "legalStatus":
        rule = (
            f"the child is placed for adoption with the current foster carer ({placement}):"
            " a new legal status comes with the placement it brings, to the same carer"
            " (changePlacement with sameCarer; RNE U, SSDA903 rule 217)"
        )
    else:
        rule = (
            f"a placement for adoption with the current foster carer ({placement}) begins"
            " with care, a move to the same carer or a new legal status with it (RNE S, T or"
            f" U; SSDA903 rule 217): the episode from {started.isoformat()} began with RNE"
            f" {reason_new_episode}"
        )
    raise Refusal((field, rule))


def _temporary_begins_with_a_move(placement: str | None, reason_new_episode: str | None) -> None:
    if _is_temporary(placement) and reason_new_episode not in _MOVES_AWAY:
        raise Refusal(("placementType", _RULE_380))


def _leaving_temporary(record: Record, data: ChangePlacement) -> None:
    """SSDA903 rules 375, 376, 379 and 383: a temporary stay ends in time, and the child
    returns to the placement they left, at its postcode (the return writes the move back
    as RNE P, even to the same carer: returns/ssda903.py)."""
    episode = _episode(record)
    if not _is_temporary(episode.get("placementType")):
        return
    if rule := temporary_placement_too_long(episode.get("placementType"), episode, data.changed_on):
        raise Refusal(
            (
                "changedOn",
                f"{rule}: record the placement under the code of where the child actually stayed",
            )
        )
    before = max(
        (
            step
            for step in record.steps
            if step["kind"] == _K.LOOKED_AFTER_EPISODE
            and step["startDate"] < episode["startDate"]
            and step.get("status") != StepStatus.CANCELLED
        ),
        key=lambda step: step["startDate"],
        default=None,
    )
    if before is None:
        return
    left = (before.get("placementType"), before.get("placementPostcode") or None)
    if (data.placement_type.value, data.placement_postcode or None) != left:
        raise Refusal(
            (
                "placementType",
                "after a temporary placement the child returns to the placement they left"
                f" ({left[0]} at {left[1] or 'no postcode'}; SSDA903 rule 383)",
            )
        )


class StartLookedAfter(Input):
    child_id: Annotated[str, Field(min_length=1, max_length=100)]
    started_on: HappenedOn
    legal_status: LegalStatus
    placement_type: PlacementType
    placement_provider: PlacementProvider
    long_term_placement: bool = False
    placement_postcode: Postcode | None = None
    urn: Urn | None = None


def start_effect(
    data: StartLookedAfter,
    date_of_birth: date | None,
    clock: Clock,
    *,
    unborn: bool = False,
    died_on: date | None = None,
    liberty_orders: Iterable[Mapping[str, Any]] = (),
) -> Effect:
    """What becoming looked after opens: the first episode and the first due dates."""
    start = data.started_on
    if died_on is not None and start >= died_on:
        # SSDA903 rule 437: no episode follows one that ended because the child died.
        raise Refusal(
            ("startedOn", f"the child's death on {died_on.isoformat()} is recorded (RC2 or E2)")
        )
    if unborn:
        # Only a child can be looked after (Children Act 1989 s22): an unborn child's
        # care plan takes effect at birth, recorded first with recordBirth.
        raise Refusal(("childId", "the child is not born yet: record the birth first"))
    if date_of_birth is not None and start < date_of_birth:
        raise Refusal(("startedOn", "must not be before the child's birth"))
    if date_of_birth is not None and start >= (adult := birthday(date_of_birth, 18)):
        # SSDA903 rule 352: nobody starts to be looked after at 18 or over.
        raise Refusal(
            (
                "startedOn",
                f"the young person turned 18 on {adult.isoformat()}: too old to "
                "start to be looked after",
            )
        )
    not_a_short_break(data.legal_status)
    if rule := legal_status_unfit(data.legal_status, date_of_birth, start):
        raise Refusal(("legalStatus", rule))
    placement_order_after_a_decision(None, data.legal_status, start)
    if data.placement_type in _TEMPORARY:
        raise Refusal(
            ("placementType", "a period of care cannot start with a temporary placement (T0-T4)")
        )
    _check_urn(data.placement_type, data.urn)
    codes_fit(
        {
            "legalStatus": data.legal_status,
            "placementType": data.placement_type,
            "placementProvider": data.placement_provider,
            "urn": data.urn,
        }
    )
    old_enough_for(data.placement_type, date_of_birth, start)
    placed_for_adoption_after_a_decision(None, data.placement_type, start)
    served_under_orders(liberty_orders, data.placement_type, start, None)
    return Effect(
        target=CareState.LOOKED_AFTER,
        occurred_on=start,
        summary=(
            f"Became looked after ({data.legal_status.value}, placement "
            f"{data.placement_type.value}, {data.placement_provider.value})"
        ),
        dates={"startDate": start},
        opened=(
            NewStep(
                _K.LOOKED_AFTER_EPISODE,
                start_date=start,
                facts={
                    "legalStatus": data.legal_status.value,
                    "placementType": data.placement_type.value,
                    "placementProvider": data.placement_provider.value,
                    "reasonNewEpisode": ReasonNewEpisode.S_STARTED_TO_BE_LOOKED_AFTER.value,
                    "longTermPlacement": data.long_term_placement,
                    "placementPostcode": data.placement_postcode,
                    "urn": data.urn,
                },
            ),
            NewStep(
                _K.LOOKED_AFTER_REVIEW,
                due=next_looked_after_review_due(start, (), calendar=clock.calendar),
            ),
            _visit_after_move(start, clock),
            NewStep(
                _K.HEALTH_ASSESSMENT,
                due=due_by_timescale(TimescaleKey.INITIAL_HEALTH_ASSESSMENT, start, clock),
            ),
            NewStep(
                _K.PERSONAL_EDUCATION_PLAN,
                due=due_by_timescale(TimescaleKey.PERSONAL_EDUCATION_PLAN, start, clock),
            ),
            *_short_order_lapse(start, data.legal_status.value),
        ),
    )


async def start_looked_after(
    store: GraphStore, scope: AccessScope, data: StartLookedAfter, clock: Clock
) -> Row | NotFound | TransitionRefused | InvalidInput:
    """Open a period of care for the child (refused while another one is open)."""
    state = await store.read(
        statements.CHILD_STATE,
        {**scope.params(), "childId": data.child_id, "openStates": OPEN_STATES},
    )
    if not state:
        return NotFound(kind="Child", id=data.child_id)
    if state[0]["openPeriods"]:
        return _already_looked_after()
    ended = await store.read(
        care_statements.LAST_PERIOD_ENDED, {**scope.params(), "childId": data.child_id}
    )
    try:
        # SSDA903: a new period of care begins after the previous one ended.
        not_before(
            data.started_on,
            ended[0]["ended"] if ended else None,
            "startedOn",
            "the end of the previous period of care",
        )
        effect = start_effect(
            data,
            state[0]["dateOfBirth"],
            clock,
            unborn=bool(state[0]["unborn"]),
            died_on=min(state[0]["diedOn"] or (), default=None),
            liberty_orders=state[0]["libertyOrders"],
        )
        plans = await store.read(
            care_statements.ACTIVE_CHILD_PROTECTION_PLANS,
            {**scope.params(), "childId": data.child_id},
        )
        _plans_end_after_their_steps(plans, data.started_on)
    except Refusal as problem:
        return InvalidInput(problems=tuple(FieldProblem(f, r) for f, r in problem.problems))
    record_id = new_id()
    rows = await store.write(
        statements.START_PERIOD_OF_CARE,
        {
            **scope.params(),
            "childId": data.child_id,
            "recordId": record_id,
            "openStates": OPEN_STATES,
            "process": Process.CARE.value,
            "action": "startLookedAfter",
            "from": NOT_LOOKED_AFTER,
            "to": effect.target,
            "facts": {},
            "dates": {"startDate": effect.dates["startDate"], "endDate": None},
            "eventId": new_id(),
            "occurredOn": effect.occurred_on,
            "summary": effect.summary,
            "changedIds": [],
            "changes": [],
            "opened": [step.params() for step in effect.opened],
            "activePlans": [f"{plan['id']}@{plan['version']}" for plan in plans],
        },
    )
    if not rows:
        return await _not_started(store, scope, data.child_id)
    record = await read_record(store, scope, Process.CARE, record_id)
    if record is None:
        return NotFound(kind="Child", id=data.child_id)
    return as_row(record)


def _plans_end_after_their_steps(plans: list[Row], started_on: date) -> None:
    # Working Together 2023 / CIN census: a child protection plan ends the day the child
    # becomes looked after (graph/cypher/journey.py), so that day cannot come before a
    # review, core group or visit already recorded under the plan.
    for plan in plans:
        last = last_step_on(plan["steps"])
        # A plan that started later is not one this start of care ends.
        if plan["startDate"] <= started_on and last is not None and started_on < last:
            raise Refusal(
                (
                    "startedOn",
                    f"must not be before the last recorded step ({last.isoformat()}) of "
                    f"child protection plan {plan['id']}, which ends the day the child "
                    "becomes looked after",
                )
            )


async def _not_started(
    store: GraphStore, scope: AccessScope, child_id: str
) -> NotFound | TransitionRefused:
    """Why the start of care wrote nothing: read again, as it was decided on a first look."""
    state = await store.read(
        statements.CHILD_STATE,
        {**scope.params(), "childId": child_id, "openStates": OPEN_STATES},
    )
    if not state:
        return NotFound(kind="Child", id=child_id)
    if state[0]["openPeriods"]:
        return _already_looked_after()
    return TransitionRefused(
        current_state=NOT_LOOKED_AFTER,
        allowed=allowed_actions(Process.CARE, NOT_LOOKED_AFTER),
        reason="the child's child protection plan changed while the start of care was being "
        "recorded: reload it and try again",
    )


def _already_looked_after() -> TransitionRefused:
    return TransitionRefused(
        current_state=CareState.LOOKED_AFTER,
        allowed=allowed_actions(Process.CARE, CareState.LOOKED_AFTER),
        reason="the child is already looked after: record changes on the open period of care",
    )


class ChangePlacement(Input):
    changed_on: HappenedOn
    placement_type: PlacementType
    placement_provider: PlacementProvider
    reason: ReasonPlaceChange
    same_carer: bool = False
    long_term_placement: bool = False
    placement_postcode: Postcode | None = None
    urn: Urn | None = None
    # SSDA903 RNE B and U: the legal status changes the same day as the placement, one
    # new episode for both (two changes a day would be refused as two episodes).
    legal_status: LegalStatus | None = None


def _new_episode(record: Record, on: date, **changes: Any) -> tuple[StepChange, NewStep]:
    current = _episode(record)
    not_before(on, current["startDate"], "changedOn", "the current episode's start")
    if on == current["startDate"]:
        raise Refusal(("changedOn", "an episode already starts that day: record one change a day"))
    short_order_ends_in_time(record, on, "changedOn")
    facts: dict[str, Any] = {
        key: current.get(key)
        for key in (
            "legalStatus",
            "placementType",
            "placementProvider",
            "longTermPlacement",
            "placementPostcode",
            "urn",
        )
    }
    facts.update(changes)
    codes_fit(facts, changes)
    _placed_with_the_current_carer(
        facts.get("placementType"),
        facts.get("reasonNewEpisode"),
        "sameCarer" if "placementType" in changes else "legalStatus",
        on,
    )
    still_in_care_on(record, on, "changedOn", becoming=facts)
    # SSDA903: the episode ends the day the next begins, with reason X1.
    ended = _done(
        current, on, reasonEpisodeCeased=ReasonEpisodeCeased.X1_NEW_EPISODE_SAME_DAY.value
    )
    return ended, NewStep(_K.LOOKED_AFTER_EPISODE, start_date=on, facts=facts)


def _new_legal_status(record: Record, legal_status: LegalStatus, on: date) -> None:
    if legal_status.value == _episode(record).get("legalStatus"):
        raise Refusal(("legalStatus", "is already the child's legal status"))
    not_a_short_break(legal_status)
    # SSDA903 rule 358 (workflow/care_ages.py): remand and youth justice statuses over 10.
    if rule := legal_status_unfit(legal_status, record.date_of_birth, on):
        raise Refusal(("legalStatus", rule))
    placement_order_after_a_decision(record, legal_status, on)


def _same_placement(current: dict[str, Any], data: ChangePlacement) -> bool:
    """Whether the 'new' placement is the current one in every SSDA903 field: the same
    carer, placement type, provider, postcode and URN."""
    return data.same_carer and _returned_alike(current, data)


def _returned_alike(current: dict[str, Any], data: ChangePlacement) -> bool:
    """Whether the 'new' placement's SSDA903 fields are the current one's: the placement
    type, provider, postcode and URN."""
    return (
        current.get("placementType"),
        current.get("placementProvider"),
        current.get("placementPostcode") or None,
        current.get("urn") or None,
    ) == (
        data.placement_type.value,
        data.placement_provider.value,
        data.placement_postcode or None,
        data.urn or None,
    )


def _began_with_a_legal_status_change_on(record: Record, on: date) -> bool:
    current = _episode(record)
    return bool(
        current["startDate"] == on
        and current.get("reasonNewEpisode") == ReasonNewEpisode.L_LEGAL_STATUS_CHANGE.value
    )


def _move_joins_the_legal_status_change(
    record: Record, data: ChangePlacement, clock: Clock
) -> Effect:
    """SSDA903: a legal status and a placement that change the same day are one episode
    (RNE B, or U with the same carer). Recorded one after the other, the move joins the
    episode the legal status change began that day (an L episode keeps the placement it
    followed: rule 434)."""
    current = _episode(record)
    if _same_placement(current, data):
        raise Refusal(("placementType", "is already the child's placement: nothing moved"))
    _check_urn(data.placement_type, data.urn)
    old_enough_for(data.placement_type, record.date_of_birth, current["startDate"])
    placed_for_adoption_after_a_decision(record, data.placement_type, current["startDate"])
    served_under_orders(
        record.liberty_orders,
        data.placement_type,
        current["startDate"],
        current.get("completedDate"),
    )
    rne = (
        ReasonNewEpisode.U_LEGAL_STATUS_AND_PLACEMENT_CHANGE_SAME_CARER
        if data.same_carer
        else ReasonNewEpisode.B_LEGAL_STATUS_PLACEMENT_AND_CARER_CHANGE
    )
    _temporary_begins_with_a_move(data.placement_type.value, rne.value)
    _placed_with_the_current_carer(
        data.placement_type.value, rne.value, "sameCarer", current["startDate"]
    )
    # The move ends the episode before the legal status change's (the return writes its
    # reason there).
    left = max(
        (
            step["startDate"]
            for step in record.steps
            if step["kind"] == _K.LOOKED_AFTER_EPISODE
            and step["startDate"] < current["startDate"]
            and step.get("status") != StepStatus.CANCELLED
        ),
        default=current["startDate"],
    )
    _old_enough_to_move_for(record, data.reason, left)
    moved = {
        "placementType": data.placement_type.value,
        "placementProvider": data.placement_provider.value,
        "longTermPlacement": data.long_term_placement,
        "reasonNewEpisode": rne.value,
        "reasonPlaceChange": data.reason.value,
        "placementPostcode": data.placement_postcode,
        "urn": data.urn,
    }
    codes_fit({**current, **moved}, moved)
    still_in_care_on(record, data.changed_on, "changedOn", becoming={**current, **moved})
    cancelled, visit = _visit_clock(record, data.changed_on, data.same_carer, clock)
    return Effect(
        target=CareState.LOOKED_AFTER,
        occurred_on=data.changed_on,
        summary=f"Placement changed to {data.placement_type.value} ({data.reason.value}) "
        "the day the legal status changed",
        changed=(StepChange(current["id"], facts=moved), *cancelled),
        opened=visit,
    )


@register(Process.CARE, "changePlacement", ChangePlacement)
def change_placement(record: Record, data: ChangePlacement, clock: Clock) -> Effect:
    if data.legal_status is None and _began_with_a_legal_status_change_on(record, data.changed_on):
        return _move_joins_the_legal_status_change(record, data, clock)
    if data.legal_status is not None and _same_placement(_episode(record), data):
        # SSDA903 rule 436: RNE U or B needs the placement to change as well as the legal
        # status; where only the legal status changed (e.g. a placement order while the
        # child stays with the same foster carer), the new episode is an L.
        return change_legal_status(
            record,
            ChangeLegalStatus(changed_on=data.changed_on, legal_status=data.legal_status),
            clock,
        )
    if data.legal_status is None and _same_placement(_episode(record), data):
        # SSDA903 rule 435: an episode begun by a move (RNE T) changes the placement.
        raise Refusal(
            (
                "placementType",
                "is already the child's placement in every SSDA903 field (placement,"
                " provider, postcode, URN): nothing moved (SSDA903 rule 435)",
            )
        )
    if not data.same_carer and _returned_alike(_episode(record), data):
        # SSDA903 rules 435 (RNE P) and 436 (B): the return sees a move to another carer
        # only in a field it writes for the placement.
        rule = "435" if data.legal_status is None else "436"
        raise Refusal(
            (
                "placementPostcode",
                "the new carer's placement is the child's placement in every SSDA903 field"
                " (placement, provider, postcode, URN), so the return cannot tell the move"
                f" (SSDA903 rule {rule}): record the new placement's postcode",
            )
        )
    status_changes: dict[str, str] = {}
    if data.legal_status is None:
        rne = (
            ReasonNewEpisode.T_PLACEMENT_CHANGE_SAME_CARER
            if data.same_carer
            else ReasonNewEpisode.P_PLACEMENT_AND_CARER_CHANGE
        )
    else:
        _new_legal_status(record, data.legal_status, data.changed_on)
        status_changes["legalStatus"] = data.legal_status.value
        rne = (
            ReasonNewEpisode.U_LEGAL_STATUS_AND_PLACEMENT_CHANGE_SAME_CARER
            if data.same_carer
            else ReasonNewEpisode.B_LEGAL_STATUS_PLACEMENT_AND_CARER_CHANGE
        )
    _leaving_temporary(record, data)
    _old_enough_to_move_for(record, data.reason, _episode(record)["startDate"])
    _temporary_begins_with_a_move(data.placement_type.value, rne.value)
    _check_urn(data.placement_type, data.urn)
    old_enough_for(data.placement_type, record.date_of_birth, data.changed_on)
    placed_for_adoption_after_a_decision(record, data.placement_type, data.changed_on)
    served_under_orders(record.liberty_orders, data.placement_type, data.changed_on, None)
    lapsed, lapses = _short_order_steps(
        record, data.changed_on, data.legal_status.value if data.legal_status else None
    )
    ended, episode = _new_episode(
        record,
        data.changed_on,
        **status_changes,
        placementType=data.placement_type.value,
        placementProvider=data.placement_provider.value,
        longTermPlacement=data.long_term_placement,
        reasonNewEpisode=rne.value,
        reasonPlaceChange=data.reason.value,
        placementPostcode=data.placement_postcode,
        urn=data.urn,
    )
    cancelled, visit = _visit_clock(record, data.changed_on, data.same_carer, clock)
    return Effect(
        target=CareState.LOOKED_AFTER,
        occurred_on=data.changed_on,
        summary=f"Placement changed to {data.placement_type.value} ({data.reason.value})",
        changed=(ended, *cancelled, *lapsed),
        opened=(episode, *visit, *lapses),
    )


class CorrectPlacement(Input):
    placement_type: PlacementType
    placement_provider: PlacementProvider
    placement_postcode: Postcode | None = None
    urn: Urn | None = None
    # The SSDA903 episode to correct, by the day it started (one episode starts a day);
    # absent, the current one (the last once care has ended). Past episodes are
    # corrected too: a return covers every episode open in the year, and a child may
    # have moved on or left care since.
    episode_from: PastDate | None = None


@register(Process.CARE, "correctPlacement", CorrectPlacement)
def correct_placement(record: Record, data: CorrectPlacement, clock: Clock) -> Effect:
    # A correction of what was entered, not a move: the episode keeps its start, end and
    # reasons, so a DfE rule its placement broke (returns/entry_checks.py) can be put
    # right without inventing a new episode.
    _check_urn(data.placement_type, data.urn)
    run = _placement_run(record, episode_to_correct(record, data.episode_from))
    first, last = run[0], run[-1]
    old_enough_for(data.placement_type, record.date_of_birth, first["startDate"])
    placed_for_adoption_after_a_decision(record, data.placement_type, first["startDate"])
    served_under_orders(
        record.liberty_orders,
        data.placement_type,
        first["startDate"],
        last.get("completedDate"),
    )
    for episode in run:
        codes_fit(
            {
                **episode,
                "placementType": data.placement_type,
                "placementProvider": data.placement_provider,
                "urn": data.urn,
            },
            ("placementType", "placementProvider", "urn"),
        )
    corrected = {
        "placementType": data.placement_type.value,
        "placementProvider": data.placement_provider.value,
        "placementPostcode": data.placement_postcode,
        "urn": data.urn,
    }
    _moves_kept(record, run, corrected)
    for episode in run:
        _placed_with_the_current_carer(
            data.placement_type.value,
            episode.get("reasonNewEpisode"),
            "placementType",
            episode["startDate"],
        )
    lasted_until = last.get("completedDate") or clock.today
    if rule := temporary_placement_too_long(data.placement_type.value, first, lasted_until):
        raise Refusal(("placementType", f"{rule}: this episode lasted longer"))
    _temporary_begins_with_a_move(data.placement_type.value, first.get("reasonNewEpisode"))
    return Effect(
        target=CareState(record.state),
        occurred_on=clock.today,
        summary=(
            f"Placement details corrected ({data.placement_type.value}, "
            f"{data.placement_provider.value}) on the episode from {first['startDate']}"
            + (f" to {last['startDate']}" if len(run) > 1 else "")
        ),
        changed=tuple(StepChange(episode["id"], facts=corrected) for episode in run),
    )


def episodes_in_order(record: Record) -> list[dict[str, Any]]:
    return sorted(
        (
            step
            for step in record.steps
            if step["kind"] == _K.LOOKED_AFTER_EPISODE
            and step.get("status") != StepStatus.CANCELLED
        ),
        key=lambda step: step["startDate"],
    )


def _episodes_joined_by(
    record: Record, episode: dict[str, Any], keeping: frozenset[str]
) -> list[dict[str, Any]]:
    """The episodes either side of `episode` joined by new episodes begun for a reason
    (RNE) of `keeping`, which keep what the episode before them had."""
    ordered = episodes_in_order(record)
    at = next(i for i, step in enumerate(ordered) if step["id"] == episode["id"])
    low, high = at, at
    while low > 0 and ordered[low].get("reasonNewEpisode") in keeping:
        low -= 1
    while high + 1 < len(ordered) and ordered[high + 1].get("reasonNewEpisode") in keeping:
        high += 1
    return ordered[low : high + 1]


def _placement_run(record: Record, episode: dict[str, Any]) -> list[dict[str, Any]]:
    """The episodes of the one placement `episode` is in: an episode begun by a legal
    status change alone (RNE L) keeps the placement of the one before (SSDA903 rule
    434), so a correction of the placement is a correction of all of them."""
    return _episodes_joined_by(
        record, episode, frozenset({ReasonNewEpisode.L_LEGAL_STATUS_CHANGE.value})
    )


# SSDA903 rule 435: a move (RNE P, T) keeps the legal status of the episode before it.
MOVES_KEEPING_THE_LEGAL_STATUS = frozenset(
    {
        ReasonNewEpisode.P_PLACEMENT_AND_CARER_CHANGE.value,
        ReasonNewEpisode.T_PLACEMENT_CHANGE_SAME_CARER.value,
    }
)


def legal_status_run(record: Record, episode: dict[str, Any]) -> list[dict[str, Any]]:
    """The episodes under the one legal status `episode` is under: from the episode that
    began it (care, or a change of legal status: RNE S, L, B, U) through the moves that
    kept it (P, T; SSDA903 rule 435), so a correction of the legal status is a
    correction of all of them."""
    return _episodes_joined_by(record, episode, MOVES_KEEPING_THE_LEGAL_STATUS)


# SSDA903 rules 435 (RNE P, T) and 436 (B, U): a move changes the placement in one of
# the fields the return writes for it.
_NO_MOVE_RULES = {
    ReasonNewEpisode.P_PLACEMENT_AND_CARER_CHANGE.value: "435",
    ReasonNewEpisode.T_PLACEMENT_CHANGE_SAME_CARER.value: "435",
    ReasonNewEpisode.B_LEGAL_STATUS_PLACEMENT_AND_CARER_CHANGE.value: "436",
    ReasonNewEpisode.U_LEGAL_STATUS_AND_PLACEMENT_CHANGE_SAME_CARER.value: "436",
}


def _placement_as_returned(episode: Mapping[str, Any]) -> tuple[str, str, str, str]:
    codes = EpisodeCodes.of(episode)
    urn = "" if codes.urn == NO_URN else codes.urn
    return codes.placement, codes.provider, episode.get("placementPostcode") or "", urn


def _moves_kept(record: Record, run: list[dict[str, Any]], corrected: Mapping[str, Any]) -> None:
    """The moves either side of a placement's episodes (`run`) still move the child once
    its placement is `corrected`: the first episode's from the one before, the next's from
    the last."""
    ordered = episodes_in_order(record)
    at = next(i for i, step in enumerate(ordered) if step["id"] == run[0]["id"])
    after = at + len(run)
    pairs = (
        (ordered[at - 1] if at else None, {**run[0], **corrected}),
        ({**run[-1], **corrected}, ordered[after] if after < len(ordered) else None),
    )
    for left, moved in pairs:
        rule = _NO_MOVE_RULES.get(str((moved or {}).get("reasonNewEpisode")))
        if left is None or moved is None or rule is None:
            continue
        if _placement_as_returned(left) == _placement_as_returned(moved):
            raise Refusal(
                (
                    "placementType",
                    f"the episode from {moved['startDate'].isoformat()} began with a move (RNE"
                    f" {moved['reasonNewEpisode']}) from the placement of the episode from"
                    f" {left['startDate'].isoformat()}, and would have that placement in every"
                    " SSDA903 field (placement, provider, postcode, URN): record what the"
                    f" child moved to (SSDA903 rule {rule})",
                )
            )


def episode_to_correct(record: Record, starting: date | None) -> dict[str, Any]:
    """The SSDA903 episode that started on `starting` (None: the current one, or once
    care has ended the last: the one the period of care shows)."""
    episodes = episodes_in_order(record)
    if starting is None:
        return episodes[-1]
    for step in episodes:
        if step["startDate"] == starting:
            return step
    raise Refusal(("episodeFrom", f"no episode of this period of care started on {starting}"))


class ChangeLegalStatus(Input):
    changed_on: HappenedOn
    legal_status: LegalStatus


# A move that began an episode, and what it becomes when the legal status changes the
# same day (SSDA903 RNE: P to B, T to U).
_WITH_A_LEGAL_STATUS_CHANGE = {
    ReasonNewEpisode.P_PLACEMENT_AND_CARER_CHANGE.value: (
        ReasonNewEpisode.B_LEGAL_STATUS_PLACEMENT_AND_CARER_CHANGE
    ),
    ReasonNewEpisode.T_PLACEMENT_CHANGE_SAME_CARER.value: (
        ReasonNewEpisode.U_LEGAL_STATUS_AND_PLACEMENT_CHANGE_SAME_CARER
    ),
}


@register(Process.CARE, "changeLegalStatus", ChangeLegalStatus)
def change_legal_status(record: Record, data: ChangeLegalStatus, clock: Clock) -> Effect:
    _new_legal_status(record, data.legal_status, data.changed_on)
    lapsed, lapses = _short_order_steps(record, data.changed_on, data.legal_status.value)
    current = _episode(record)
    joined = _WITH_A_LEGAL_STATUS_CHANGE.get(str(current.get("reasonNewEpisode")))
    if current["startDate"] == data.changed_on and joined is not None:
        # Recorded after the move that began the day's episode: one episode for both.
        changes = {"legalStatus": data.legal_status.value, "reasonNewEpisode": joined.value}
        codes_fit({**current, **changes}, changes)
        still_in_care_on(record, data.changed_on, "changedOn", becoming={**current, **changes})
        return Effect(
            target=CareState.LOOKED_AFTER,
            occurred_on=data.changed_on,
            summary=f"Legal status changed to {data.legal_status.value} the day of the move",
            changed=(StepChange(current["id"], facts=changes), *lapsed),
            opened=lapses,
        )
    if _is_temporary(current.get("placementType")):
        # The new episode (RNE L) would keep the temporary placement.
        raise Refusal(
            (
                "legalStatus",
                f"the child is in a temporary placement ({current.get('placementType')}):"
                f" {_RULE_380}; record the return from it first",
            )
        )
    ended, episode = _new_episode(
        record,
        data.changed_on,
        legalStatus=data.legal_status.value,
        reasonNewEpisode=ReasonNewEpisode.L_LEGAL_STATUS_CHANGE.value,
    )
    return Effect(
        target=CareState.LOOKED_AFTER,
        occurred_on=data.changed_on,
        summary=f"Legal status changed to {data.legal_status.value}",
        changed=(ended, *lapsed),
        opened=(episode, *lapses),
    )


class HoldLookedAfterReview(Input):
    held_on: HappenedOn
    participation: ReviewParticipation
    late_reason: OptionalReason = None


def participation_fits_age(
    participation: ReviewParticipation, born: date, on: date, field: str = "participation"
) -> None:
    # SSDA903 REVIEW_CODE: PN0 is a child under 4 at the review, PN1-PN7 one of 4 or over
    # (rules 440, 441; on the 4th birthday either is accepted). `field` is the one that
    # is wrong: the code given, or the day a review's date is corrected to.
    fourth = birthday(born, 4)
    under_four = participation is ReviewParticipation.PN0_UNDER_FOUR
    if under_four and on > fourth:
        rule = f"PN0 is for a child under 4 at the review (4 on {fourth}; SSDA903 rule 440)"
        raise Refusal((field, rule))
    if not under_four and on < fourth:
        rule = f"a child under 4 at the review (4 on {fourth}) is PN0 (SSDA903 rule 441)"
        raise Refusal((field, rule))


@register(Process.CARE, "holdLookedAfterReview", HoldLookedAfterReview)
def hold_looked_after_review(record: Record, data: HoldLookedAfterReview, clock: Clock) -> Effect:
    started = looked_after_from(record)
    not_before(data.held_on, started, "heldOn", "the start of care")
    still_in_care_on(record, data.held_on, "heldOn")
    if record.date_of_birth is not None:
        participation_fits_age(data.participation, record.date_of_birth, data.held_on)
    not_recorded_twice(record, _K.LOOKED_AFTER_REVIEW, data.held_on, "heldOn")
    held = [s["completedDate"] for s in record.done_steps(_K.LOOKED_AFTER_REVIEW)]
    # Care Planning Regulations 2010, reg 33: 20 working days, then 3 months, then 6.
    following = next_looked_after_review_due(
        started, [*held, data.held_on], calendar=clock.calendar
    )
    due = record.open_step(_K.LOOKED_AFTER_REVIEW)
    if _after_care(record, data.held_on, "heldOn") or record.before_the_latest(
        _K.LOOKED_AFTER_REVIEW, data.held_on
    ):
        # Written up after a later review, or once care has ended: a review of the period
        # (SSDA903 REVIEWS), and one more before the latest, which may move the next one
        # from 3 months after it to 6 (the latest is then a third review, not a second).
        return held_before_later(
            record,
            _K.LOOKED_AFTER_REVIEW,
            data.held_on,
            "Looked-after review held",
            data.late_reason,
            _next_due(record, clock)[_K.LOOKED_AFTER_REVIEW],
            participation=data.participation.value,
        )
    changed: tuple[StepChange, ...] = ()
    if due is not None:
        check_late(due["dueRule"], due["dueDate"], data.held_on, data.late_reason)
        changed = (
            _done(due, data.held_on, data.late_reason, participation=data.participation.value),
        )
    return Effect(
        target=CareState.LOOKED_AFTER,
        occurred_on=data.held_on,
        summary=f"Looked-after review held (participation {data.participation.value})",
        changed=changed,
        opened=(NewStep(_K.LOOKED_AFTER_REVIEW, due=following),),
    )


class OnDate(Input):
    on: HappenedOn
    late_reason: OptionalReason = None


def _repeat(
    record: Record,
    kind: StepKind,
    data: OnDate,
    following: Callable[[], DueDate | None],
    summary: str,
    clock: Clock,
) -> Effect:
    """A step done again: the next of its kind due `following()` after it (None: nothing
    more falls due), unless it is history (written up after a later one, or once care has
    ended)."""
    not_before(data.on, looked_after_from(record), "on", "the start of care")
    not_recorded_twice(record, kind, data.on, "on")
    after_care = kind in STEPS_IN_CARE and _after_care(record, data.on, "on")
    if after_care or record.before_the_latest(kind, data.on):
        # Written up after a later one, or once care has ended: in the SSDA903 as it
        # happened; the next stays due from the latest.
        following_held = _next_due(record, clock)[kind]
        if kind is _K.STATUTORY_VISIT and data.on < _placement_start(record):
            # A visit in an earlier placement: its visits fell due from that placement's
            # start, and the later ones may from a move, so it is history.
            following_held = None
        return held_before_later(record, kind, data.on, summary, data.late_reason, following_held)
    due = record.open_step(kind)
    changed: tuple[StepChange, ...] = ()
    if due is not None:
        check_late(due["dueRule"], due["dueDate"], data.on, data.late_reason)
        changed = (_done(due, data.on, data.late_reason),)
    next_due = following()
    return Effect(
        target=record.state,
        occurred_on=data.on,
        summary=summary,
        changed=changed,
        opened=() if next_due is None else (NewStep(kind, due=next_due),),
    )


@register(Process.CARE, "recordStatutoryVisit", OnDate)
def record_statutory_visit(record: Record, data: OnDate, clock: Clock) -> Effect:
    still_in_care_on(record, data.on, "on")

    def following() -> DueDate:
        long_term = bool(_episode(record).get("longTermPlacement"))
        start = _placement_start(record)
        return next_looked_after_visit_due(start, data.on, long_term, calendar=clock.calendar)

    return _repeat(record, _K.STATUTORY_VISIT, data, following, "Statutory visit (reg 28)", clock)


@register(Process.CARE, "recordHealthAssessment", OnDate)
def record_health_assessment(record: Record, data: OnDate, clock: Clock) -> Effect:
    still_in_care_on(record, data.on, "on")
    born = record.date_of_birth
    if born is None:
        raise Refusal(("on", "the child's date of birth is needed to schedule the next one"))
    started = looked_after_from(record)
    return _repeat(
        record,
        _K.HEALTH_ASSESSMENT,
        data,
        lambda: next_health_assessment_due(born, data.on, started, calendar=clock.calendar),
        "Health assessment",
        clock,
    )


@register(Process.CARE, "recordPersonalEducationPlan", OnDate)
def record_personal_education_plan(record: Record, data: OnDate, clock: Clock) -> Effect:
    still_in_care_on(record, data.on, "on")
    started = looked_after_from(record)
    return _repeat(
        record,
        _K.PERSONAL_EDUCATION_PLAN,
        data,
        lambda: next_personal_education_plan_due(
            started, data.on, calendar=clock.calendar, standards=clock.standards
        ),
        "Personal education plan",
        clock,
    )


def _next_due(record: Record, clock: Clock) -> dict[StepKind, NextDue | None]:
    """How the next step of each kind of care falls due from the held ones (None: from
    something else too, or from none)."""
    started = looked_after_from(record)
    born = record.date_of_birth
    looked_after = record.state == CareState.LOOKED_AFTER
    return {
        _K.LOOKED_AFTER_REVIEW: lambda held: next_looked_after_review_due(
            started, held, calendar=clock.calendar
        ),
        _K.HEALTH_ASSESSMENT: None
        if born is None
        else lambda held: next_health_assessment_due(
            born, held[-1], started, calendar=clock.calendar
        ),
        _K.PERSONAL_EDUCATION_PLAN: lambda held: next_personal_education_plan_due(
            started, held[-1], calendar=clock.calendar, standards=clock.standards
        ),
        # The next visit counts from the current placement, which only care going on has.
        _K.STATUTORY_VISIT: (
            lambda held: next_looked_after_visit_due(
                _placement_start(record),
                held[-1],
                bool(_episode(record).get("longTermPlacement")),
                calendar=clock.calendar,
            )
        )
        if looked_after
        else None,
        # A care leaver's: reviewed within 6 months, up to the 25th birthday; the next
        # contact is due on a birthday, whichever day of its window this one was.
        _K.PATHWAY_PLAN: lambda held: _pathway_plan_review(born, held[-1], clock),
        _K.CARE_LEAVER_CONTACT: None,
        # One interview for each return, due from it: none falls due from another.
        _K.RETURN_HOME_INTERVIEW: None,
    }


@register(Process.CARE, "correctCareStepDate", CorrectStepDate)
def correct_care_step_date(record: Record, data: CorrectStepDate, clock: Clock) -> Effect:
    started = looked_after_from(record)
    born = record.date_of_birth
    step = next((s for s in record.steps if s["id"] == data.step_id), None)
    participation = (step or {}).get("participation")
    if born is not None and participation and step and step["kind"] == _K.LOOKED_AFTER_REVIEW:
        participation_fits_age(
            ReviewParticipation.from_code(participation), born, data.happened_on, "happenedOn"
        )
    kinds = _next_due(record, clock)
    if step is not None and step["kind"] == _K.RETURN_HOME_INTERVIEW:
        returned = _return_interviewed(record, step["completedDate"])
        not_before(data.happened_on, returned, "happenedOn", "the child's return")
    ended = record.facts.get("endDate")
    if step is not None and step["kind"] == _K.CARE_LEAVER_CONTACT:
        # Recorded once care has ended (recordCareLeaverContact), and dated from then on.
        assert isinstance(ended, date), record.id
        _contact_counts_for_its_birthday(step, data)
        span = Span(ended, "the end of care")
    elif step is not None and step["kind"] == _K.PATHWAY_PLAN:
        # Made from 16, while the young person is still looked after, or after care ended.
        span = Span(*_pathway_plan_from(record))
    else:
        span = Span(
            started,
            "the start of care",
            ended if isinstance(ended, date) else None,
            "the end of care",
        )
    return corrected_step(record, data, kinds, span)


# The held steps of care withdrawn as recorded in error (on the wrong child, or typed
# twice): those the next of their kind falls due from, and a return home interview or a
# care leaver's contact, which answer a return and a birthday (what they answered is
# due again: `_due_again`).
_WITHDRAWN_KINDS = frozenset(
    {
        _K.LOOKED_AFTER_REVIEW,
        _K.STATUTORY_VISIT,
        _K.HEALTH_ASSESSMENT,
        _K.PERSONAL_EDUCATION_PLAN,
        _K.PATHWAY_PLAN,
        _K.RETURN_HOME_INTERVIEW,
        _K.CARE_LEAVER_CONTACT,
    }
)


@register(Process.CARE, "withdrawCareStep", WithdrawStep)
def withdraw_care_step(record: Record, data: WithdrawStep, clock: Clock) -> Effect:
    kinds = {
        kind: due for kind, due in _next_due(record, clock).items() if kind in _WITHDRAWN_KINDS
    }
    effect = withdrawn_step(record, data, kinds, clock.today)
    changed, opened = _due_again(record, data.step_id, clock)
    return replace(effect, changed=(*effect.changed, *changed), opened=(*effect.opened, *opened))


def _due_again(
    record: Record, step_id: str, clock: Clock
) -> tuple[tuple[StepChange, ...], tuple[NewStep, ...]]:
    """What a return home interview or a care leaver's birthday contact withdrawn as
    recorded in error had answered, due again while it still can be met: the interview
    of the child's latest return, 72 hours from it, while they are looked after and no
    other interview followed it (one due for a later return stands; an earlier return
    is history); the contact of the care leaver's latest birthday answered, the open
    contact then due on it rather than on the birthday after."""
    step = next(s for s in record.steps if s["id"] == step_id)
    held_on = step["completedDate"]
    if step["kind"] == _K.RETURN_HOME_INTERVIEW:
        returned = _return_interviewed(record, held_on)
        others = [
            s
            for s in record.done_steps(_K.RETURN_HOME_INTERVIEW)
            if s["id"] != step_id and returned is not None and s["completedDate"] >= returned
        ]
        latest = _last_done(record, _K.MISSING_EPISODE)
        if (
            record.state != CareState.LOOKED_AFTER
            or returned is None
            or returned != latest
            or others
            or record.open_step(_K.RETURN_HOME_INTERVIEW) is not None
        ):
            return (), ()
        return (), (_return_home_interview(returned, clock),)
    birthday_due = step.get("dueDate")
    if step["kind"] != _K.CARE_LEAVER_CONTACT or not isinstance(birthday_due, date):
        return (), ()
    answered = [
        day
        for s in record.done_steps(_K.CARE_LEAVER_CONTACT)
        if s["id"] != step_id and isinstance(day := s.get("dueDate"), date)
    ]
    if record.state != CareState.CARE_LEAVER or any(day >= birthday_due for day in answered):
        return (), ()
    due = record.open_step(_K.CARE_LEAVER_CONTACT)
    if due is None:
        return (), (NewStep(_K.CARE_LEAVER_CONTACT, due_on=birthday_due),)
    return (StepChange(due["id"], due_date=birthday_due),), ()


def _return_interviewed(record: Record, interviewed_on: date) -> date | None:
    """The return a return home interview held on `interviewed_on` followed: the latest
    of the child's returns on or before it (recordReturnHomeInterview holds it after the
    last return)."""
    returns = [
        day
        for missing in record.done_steps(_K.MISSING_EPISODE)
        if isinstance(day := missing.get("completedDate"), date) and day <= interviewed_on
    ]
    return max(returns, default=None)


def _contact_counts_for_its_birthday(step: dict[str, Any], data: CorrectStepDate) -> None:
    """A birthday contact corrected stays within the window of the birthday it counted
    for (SSDA903 OC3), a reason needed beyond it as when it was recorded; one kept as an
    early contact (no birthday of its own) is history on any day after care ended."""
    birthday_due = step.get("dueDate")
    if not isinstance(birthday_due, date):
        return
    if data.happened_on < birthday_due - BIRTHDAY_WINDOW:
        rule = f"must be within two months of the birthday it counted for ({birthday_due})"
        raise Refusal(("happenedOn", rule))
    _birthday_contact_late(
        birthday_due, data.happened_on, data.late_reason or step.get("lateReason")
    )


def _birthday_contact_late(birthday_due: date, on: date, reason: str | None) -> None:
    """Later than the window a birthday contact needs the reason, as any late step does."""
    if on > birthday_due + BIRTHDAY_WINDOW and not (reason or "").strip():
        raise Refusal(("lateReason", "the birthday contact is over two months late: say why"))


class RecordMissingEpisode(Input):
    type: MissingType
    started_on: HappenedOn
    returned_on: PastDate | None = None

    @model_validator(mode="after")
    def _returned_after(self) -> Self:
        if self.returned_on is not None and self.returned_on < self.started_on:
            raise FieldRuleBroken("returnedOn", "must not be before startedOn")
        return self


def _return_home_interview(returned_on: date, clock: Clock) -> NewStep:
    return NewStep(
        _K.RETURN_HOME_INTERVIEW,
        due=due_by_timescale(TimescaleKey.RETURN_HOME_INTERVIEW, returned_on, clock),
    )


@register(Process.CARE, "recordMissingEpisode", RecordMissingEpisode)
def record_missing_episode(record: Record, data: RecordMissingEpisode, clock: Clock) -> Effect:
    """A missing or away episode; recorded again with the same start and the day the child
    returned, it closes the episode still open rather than adding another."""
    not_before(data.started_on, looked_after_from(record), "startedOn", "the start of care")
    still_in_care_on(record, data.started_on, "startedOn")
    # Written up once care has ended: history within care (SSDA903 Missing: begun in
    # care, the day the child returned as it was, the episode in the return ending with
    # care at the latest), no return home interview due from care that has ended.
    after_care = _after_care(record, data.started_on, "startedOn")
    if after_care and data.returned_on is None:
        raise Refusal(("returnedOn", "care has ended: give the day the child returned"))
    interview: tuple[NewStep, ...] = ()
    if data.returned_on is not None and not after_care:
        interview = (_return_home_interview(data.returned_on, clock),)
    episodes = [s for s in record.steps if s["kind"] == _K.MISSING_EPISODE]
    same_start = [s for s in episodes if s["startDate"] == data.started_on]
    still_missing = record.open_step(_K.MISSING_EPISODE)
    word = "Missing" if data.type is MissingType.M_MISSING else "Away"
    if same_start:
        episode = same_start[-1]
        if episode.get(MISSING_WHEN_CARE_ENDED) and data.returned_on is not None:
            return _returned_after_care(record, episode, data.returned_on)
        if episode["status"] != StepStatus.OPEN:
            raise Refusal(
                (
                    "startedOn",
                    "an episode starting that day is already recorded, returned on "
                    f"{episode['completedDate'].isoformat()}",
                )
            )
        if data.returned_on is None:
            raise Refusal(
                (
                    "returnedOn",
                    "the child is already recorded as missing from that day: give "
                    "the day they returned to close the episode",
                )
            )
        if episode.get("missingType") != data.type.value:
            raise Refusal(("type", f"the episode from that day is {episode.get('missingType')}"))
        return Effect(
            target=record.state,
            occurred_on=data.returned_on,
            summary=f"Returned ({word.lower()} from placement since {data.started_on.isoformat()})",
            changed=(_done(episode, data.returned_on),),
            opened=interview,
        )
    if still_missing is not None:
        raise Refusal(
            (
                "startedOn",
                "the child is still recorded as missing since "
                f"{still_missing['startDate'].isoformat()}: record their return on that "
                "episode first",
            )
        )
    _not_overlapping(episodes, data.started_on, data.returned_on or data.started_on)
    missing = NewStep(
        _K.MISSING_EPISODE,
        start_date=data.started_on,
        completed_date=data.returned_on,
        status=StepStatus.DONE if data.returned_on else StepStatus.OPEN,
        facts={"missingType": data.type.value},
    )
    return Effect(
        target=record.state,
        occurred_on=data.started_on,
        summary=f"{word} from placement",
        opened=(missing, *interview),
    )


# A missing episode still open when care ended ends with it until the day the child
# returned is recorded.
MISSING_WHEN_CARE_ENDED = "missingWhenCareEnded"


def _not_overlapping(episodes: list[dict[str, Any]], start: date, ends: date | None) -> None:
    """SSDA903 Missing: episodes of one child do not overlap (`ends` None: still missing;
    an episode still going on runs to today)."""
    for episode in episodes:
        back = episode.get("completedDate")
        if (ends is None or episode["startDate"] <= ends) and (back is None or start <= back):
            until = back.isoformat() if isinstance(back, date) else "now (still missing)"
            raise Refusal(
                (
                    "startedOn",
                    f"overlaps the episode from {episode['startDate'].isoformat()} to {until}",
                )
            )


class CorrectMissingEpisode(Input):
    step_id: Annotated[str, Field(min_length=1, max_length=100)]
    started_on: PastDate | None = None
    returned_on: PastDate | None = None
    reason: Reason

    @model_validator(mode="after")
    def _a_day_corrected(self) -> Self:
        if self.started_on is None and self.returned_on is None:
            raise FieldRuleBroken("startedOn", "give the day it started, returned, or both")
        return self


def _interviews_after(record: Record, returned: date) -> list[date]:
    """The days of the return home interviews held after the return of `returned` (the
    latest return on or before each)."""
    return sorted(
        day
        for step in record.done_steps(_K.RETURN_HOME_INTERVIEW)
        if isinstance(day := step.get("completedDate"), date)
        and _return_interviewed(record, day) == returned
    )


@register(Process.CARE, "correctMissingEpisode", CorrectMissingEpisode)
def correct_missing_episode(record: Record, data: CorrectMissingEpisode, clock: Clock) -> Effect:
    # A correction of what was typed, as recordMissingEpisode takes it: the SSDA903
    # Missing table reads the corrected days, the interview the return asked for falls due
    # from the corrected return, and one held stays after it.
    step = next(
        (
            s
            for s in record.steps
            if s["id"] == data.step_id
            and s["kind"] == _K.MISSING_EPISODE
            and s["status"] != StepStatus.CANCELLED
        ),
        None,
    )
    if step is None:
        raise Refusal(("stepId", "must be a missing or away episode of this period of care"))
    was_start, was_back = step["startDate"], step.get("completedDate")
    if data.returned_on is not None and (was_back is None or step.get(MISSING_WHEN_CARE_ENDED)):
        rule = "the child is still recorded as missing: record the return (recordMissingEpisode)"
        raise Refusal(("returnedOn", rule))
    start, back = data.started_on or was_start, data.returned_on or was_back
    if (start, back) == (was_start, was_back):
        raise Refusal(("startedOn", "is the episode already recorded"))
    not_before(start, looked_after_from(record), "startedOn", "the start of care")
    if record.state == CareState.LOOKED_AFTER:
        # Once care has ended, the days within it were days in care (checked below).
        still_in_care_on(record, start, "startedOn")
    if back is not None and back < start:
        raise Refusal(("returnedOn", "must not be before startedOn"))
    # Begun in care; the return may come after its end, as recordMissingEpisode takes it.
    ended = record.facts.get("endDate")
    if isinstance(ended, date) and start > ended:
        raise Refusal(("startedOn", f"must not be after the end of care ({ended.isoformat()})"))
    others = [
        s
        for s in record.steps
        if s["kind"] == _K.MISSING_EPISODE
        and s["id"] != step["id"]
        and s["status"] != StepStatus.CANCELLED
    ]
    _not_overlapping(others, start, back)
    changed = [
        StepChange(
            step["id"],
            start_date=start,
            completed_date=back,
            facts={
                "correctedFrom": (
                    was_start if start != was_start or was_back is None else was_back
                ).isoformat(),
                "correctionReason": data.reason,
                "startCorrectedFrom": was_start.isoformat(),
                **({"returnCorrectedFrom": was_back.isoformat()} if was_back else {}),
            },
        )
    ]
    if back is not None and was_back is not None and back != was_back:
        held = _interviews_after(record, was_back)
        if held and back > held[0]:
            rule = f"must not be after the return home interview that followed it ({held[0]})"
            raise Refusal(("returnedOn", rule))
        before = due_by_timescale(TimescaleKey.RETURN_HOME_INTERVIEW, was_back, clock).due
        changed.extend(
            StepChange(
                due["id"],
                due_date=due_by_timescale(TimescaleKey.RETURN_HOME_INTERVIEW, back, clock).due,
            )
            for due in record.open_steps()
            if due["kind"] == _K.RETURN_HOME_INTERVIEW and due.get("dueDate") == before
        )
    until = f" to {back.isoformat()}" if back else ""
    was_until = f" to {was_back.isoformat()}" if was_back else ""
    return Effect(
        target=record.state,
        occurred_on=start,
        summary=f"Missing episode from {was_start.isoformat()}{was_until} corrected to "
        f"{start.isoformat()}{until}: {data.reason}",
        changed=tuple(changed),
    )


def _returned_after_care(record: Record, episode: dict[str, Any], returned_on: date) -> Effect:
    """The day a child missing when care ended returned: the episode ends that day (the
    SSDA903 reads it ending with care), and no return home interview falls due."""
    ended = episode["completedDate"]
    if returned_on < ended:
        rule = f"the child was still missing when care ended ({ended.isoformat()})"
        raise Refusal(("returnedOn", rule))
    return Effect(
        target=record.state,
        occurred_on=returned_on,
        summary=f"Returned after care ended (missing since {episode['startDate'].isoformat()})",
        changed=(
            StepChange(
                episode["id"], completed_date=returned_on, facts={MISSING_WHEN_CARE_ENDED: None}
            ),
        ),
    )


@register(Process.CARE, "recordReturnHomeInterview", OnDate)
def record_return_home_interview(record: Record, data: OnDate, clock: Clock) -> Effect:
    still_in_care_on(record, data.on, "on")
    due = record.open_step(_K.RETURN_HOME_INTERVIEW)
    if due is None:
        raise Refusal(("on", "no return home interview is due: record the missing episode first"))
    not_before(data.on, looked_after_from(record), "on", "the start of care")
    returned = _last_done(record, _K.MISSING_EPISODE)
    not_before(data.on, returned, "on", "the child's return")
    check_late(due["dueRule"], due["dueDate"], data.on, data.late_reason)
    return Effect(
        target=CareState.LOOKED_AFTER,
        occurred_on=data.on,
        summary="Return home interview held",
        changed=(_done(due, data.on, data.late_reason),),
    )


class CeaseLookedAfter(Input):
    ended_on: HappenedOn
    reason: ReasonEpisodeCeased
    care_leaver: bool = False


_ADOPTED = frozenset(
    {
        ReasonEpisodeCeased.E11_ADOPTED_UNOPPOSED,
        ReasonEpisodeCeased.E12_ADOPTED_CONSENT_DISPENSED_WITH,
    }
)
# Ends of care that make no care leaver of this authority: adopted, died, and care taken
# over by another local authority, which owes the leaving care duties (SSDA903 rule 1011:
# no care leaver information after a last episode ended E3).
NOT_LEAVERS = frozenset(
    {
        *_ADOPTED,
        ReasonEpisodeCeased.E2_DIED,
        ReasonEpisodeCeased.E3_CARE_TAKEN_OVER_BY_ANOTHER_LOCAL_AUTHORITY,
        ReasonEpisodeCeased.X1_NEW_EPISODE_SAME_DAY,
    }
)


# The steps of a plan for adoption taken while the child is looked after (SSDA903: the
# decision, placement and order come within the period of care, and so does the
# reversal of the decision, 117).
ADOPTION_STEPS = (
    "decisionDate",
    "placementOrderDate",
    "matchedDate",
    "placedDate",
    "adoptionOrderDate",
    "ceasedDate",
)


def _last_step_in_care(record: Record) -> date | None:
    """The latest day something happened in the period of care: one of its steps (reviews,
    visits, health assessments, episodes...) or a step of a plan for adoption made in it."""
    adoption = [entry["record"].get(name) for entry in record.processes for name in ADOPTION_STEPS]
    return max(
        (day for day in (record.last_step_on(), *adoption) if isinstance(day, date)),
        default=None,
    )


# Ends of care no plan for adoption of this authority outlives: the child died, or
# another authority took over their care (and decides on their adoption). Nobody reverses
# such a decision first: the end of care ends the plan, the SSDA903's "any other reason"
# (REASON_PLACED_CEASED RD4; RD1-RD3 are a decision changed, no order, no adopters).
_END_THE_PLAN = {
    ReasonEpisodeCeased.E2_DIED: "the child died",
    ReasonEpisodeCeased.E3_CARE_TAKEN_OVER_BY_ANOTHER_LOCAL_AUTHORITY: (
        "another local authority took over the child's care"
    ),
}


def ends_as_adopted_or_not(record: Record, data: CeaseLookedAfter) -> tuple[EndedRecord, ...]:
    """Adoption and Children Act 2002 s46: the adoption order ends the local authority's
    parental responsibility, so care ends (E11/E12) on the day the order is made, and
    only then (SSDA903 390 and 601: an adopted child was placed for adoption and has the
    adoption's details; 558: an adopted child's decision was not reversed); a child who
    leaves care otherwise has any decision for adoption reversed first, but one who died
    or whose care another authority took over: the plans still running end with care
    (the records returned)."""
    orders = [
        day
        for entry in record.processes
        if isinstance(day := entry["record"].get("adoptionOrderDate"), date)
    ]
    if data.reason in _ADOPTED:
        if not orders:
            rule = (
                f"{data.reason.value} is for a child adopted: record the adoption order on "
                "the plan for adoption first (grantAdoptionOrder)"
            )
            raise Refusal(("reason", rule))
        if data.ended_on != max(orders):
            rule = f"care ends on the day the adoption order was made ({max(orders).isoformat()})"
            raise Refusal(("endedOn", rule))
    elif orders:
        rule = (
            f"the adoption order made on {max(orders).isoformat()} ended care: "
            "E11 (unopposed) or E12 (consent dispensed with)"
        )
        raise Refusal(("reason", rule))
    # SSDA903 557 and 117: a child who leaves care not adopted has the decision that they
    # should be placed for adoption reversed, dated by the end of care.
    running = [
        entry["record"]
        for entry in record.processes
        if entry["record"].get("status") in ADOPTION_PLAN_RUNNING
    ]
    if data.reason in _END_THE_PLAN:
        return tuple(
            EndedRecord(
                plan["id"],
                AdoptionState.CEASED,
                data.ended_on,
                ended_by=record.id,
                facts={"ceasedReason": ReasonPlacedCeased.RD4_ANY_OTHER_REASON.value},
            )
            for plan in running
        )
    if data.reason not in _ADOPTED and running:
        decided = running[0].get("decisionDate")
        rule = (
            f"the decision of {decided} that the child should be placed for adoption still "
            "stands: reverse it first (ceaseAdoptionPlan), dated on or before the end of care"
        )
        raise Refusal(("reason", rule))
    return ()


def next_birthday(born: date, after: date) -> date:
    """The first birthday of a child born on `born` after the day `after`."""
    age = age_on(born, after)
    return birthday(born, age + 1)


@register(Process.CARE, "ceaseLookedAfter", CeaseLookedAfter)
def cease_looked_after(record: Record, data: CeaseLookedAfter, clock: Clock) -> Effect:
    episode = _episode(record)
    not_before(data.ended_on, episode["startDate"], "endedOn", "the current episode's start")
    not_before(
        data.ended_on, _last_step_in_care(record), "endedOn", "the last step recorded in care"
    )
    if data.reason is ReasonEpisodeCeased.X1_NEW_EPISODE_SAME_DAY:
        raise Refusal(
            ("reason", "X1 is for a new episode: use changePlacement or changeLegalStatus")
        )
    if _is_temporary(episode.get("placementType")):
        raise Refusal(("endedOn", "a period of care cannot end in a temporary placement (T0-T4)"))
    plans_ended = ends_as_adopted_or_not(record, data)
    # SSDA903 rules 386, 387, 389, 407, 460 (workflow/care_ages.py): reasons by age.
    if rule := ending_unfit(data.reason, record.date_of_birth, data.ended_on):
        raise Refusal(("reason", rule))
    codes_fit({**episode, "reasonEpisodeCeased": data.reason}, ("reason",))
    short_order_ends_in_time(record, data.ended_on, "endedOn")
    # A short order's lapse is done with the end of care, in time (checked above).
    others = close_everything(
        record, data.ended_on, frozenset({_K.MISSING_EPISODE, _K.SHORT_ORDER_LAPSES})
    )
    # A child missing that day is missing still: the day they return is recorded later.
    missing = record.open_step(_K.MISSING_EPISODE)
    changed = (
        _done(episode, data.ended_on, reasonEpisodeCeased=data.reason.value),
        *(
            replace(change, facts={MISSING_WHEN_CARE_ENDED: True})
            if missing is not None and change.step_id == missing["id"]
            else change
            for change in others
            if change.step_id != episode["id"]
        ),
    )
    opened: tuple[NewStep, ...] = ()
    target = CareState.CEASED
    if data.care_leaver:
        born = record.date_of_birth
        # Children Act 1989 (as amended by the Children (Leaving Care) Act 2000): leaving
        # care duties are owed to young people who leave care at 16 or over.
        if born is None or age_on(born, data.ended_on) < 16:
            raise Refusal(("careLeaver", "only a young person aged 16 or over leaves care"))
        if data.reason in NOT_LEAVERS:
            raise Refusal(("careLeaver", f"{data.reason.value} does not make a care leaver"))
        target = CareState.CARE_LEAVER
        opened = (
            # SSDA903 OC3: whether the local authority is in touch around each birthday
            # after care ended. Care often ends on the 18th birthday itself: the young
            # person was looked after that day, and the 903 has no care leaver
            # information for it (rules 1007, 1016), so the first contact due is the next
            # birthday's (a contact made around the one care ended on is kept as one).
            NewStep(_K.CARE_LEAVER_CONTACT, due_on=next_birthday(born, data.ended_on)),
            # Reviewed within 6 months of the plan made while looked after, if any.
            NewStep(
                _K.PATHWAY_PLAN,
                due=due_by_timescale(
                    TimescaleKey.PATHWAY_PLAN_REVIEW,
                    _last_done(record, _K.PATHWAY_PLAN) or data.ended_on,
                    clock,
                ),
            ),
        )
    summary = f"Care ended: {data.reason.value} {data.reason.description}"
    if plans_ended:
        summary += (
            f"; the plan for adoption ended with it ({_END_THE_PLAN[data.reason]}, "
            f"{ReasonPlacedCeased.RD4_ANY_OTHER_REASON.value})"
        )
    return Effect(
        target=target,
        occurred_on=data.ended_on,
        summary=summary,
        dates={"endDate": data.ended_on},
        facts={"reasonCeased": data.reason.value},
        changed=changed,
        opened=opened,
        ended_records=plans_ended,
    )


def while_supported(born: date, due: date) -> bool:
    """Children Act 1989 s23CZB (Children and Social Work Act 2017 s3): a care leaver has
    a personal adviser, and the local authority keeps in touch, until they reach 25; no
    contact or pathway plan review falls due after the 25th birthday."""
    return due <= birthday(born, 25)


def _pathway_plan_review(born: date | None, plan: date, clock: Clock) -> DueDate | None:
    """Care Leavers (England) Regulations 2010: a pathway plan is reviewed at least every
    6 months, while the care leaver is supported (to the 25th birthday)."""
    review = due_by_timescale(TimescaleKey.PATHWAY_PLAN_REVIEW, plan, clock)
    return review if born is None or while_supported(born, review.due) else None


def _pathway_plan_from(record: Record) -> tuple[date, str]:
    """The first day a pathway plan may be dated, and what it is: an eligible child's,
    from the 16th birthday (Care Leavers (England) Regulations 2010), in this period of
    care (which began before it for a care leaver, who left at 16 or over)."""
    started = looked_after_from(record)
    born = record.date_of_birth
    if born is not None and (sixteenth := birthday(born, 16)) > started:
        return sixteenth, "the 16th birthday"
    return started, "the start of care"


@register(Process.CARE, "recordPathwayPlan", OnDate)
def record_pathway_plan(record: Record, data: OnDate, clock: Clock) -> Effect:
    born = record.date_of_birth
    assert born is not None, "a child looked after has a date of birth"
    # Written up in care or after it ended, the plan is dated from the 16th birthday.
    earliest, what = _pathway_plan_from(record)
    not_before(data.on, earliest, "on", what)
    if record.state == CareState.LOOKED_AFTER:
        still_in_care_on(record, data.on, "on")
    return _repeat(
        record,
        _K.PATHWAY_PLAN,
        data,
        lambda: _pathway_plan_review(born, data.on, clock),
        "Pathway plan",
        clock,
    )


# SSDA903 OC3 rule 344: of a young person who has died or returned home for six months
# or more, activity and accommodation are not known (0); rule 345: of one in touch, they
# are known.
_NOTHING_TO_KNOW = frozenset(
    {CareLeaverInTouch.DIED_AFTER_LEAVING_CARE, CareLeaverInTouch.RHOM_RETURNED_HOME}
)


_WITH_FORMER_FOSTER_CARERS = frozenset(
    {
        CareLeaverAccommodation.Z1_WITH_FORMER_FOSTER_CARERS_SUITABLE,
        CareLeaverAccommodation.Z2_WITH_FORMER_FOSTER_CARERS_NOT_SUITABLE,
    }
)


class RecordCareLeaverContact(Input):
    on: HappenedOn
    in_touch: CareLeaverInTouch
    activity: CareLeaverActivity
    accommodation: CareLeaverAccommodation
    late_reason: OptionalReason = None

    @model_validator(mode="after")
    def _known_as_in_touch(self) -> Self:
        unknown = {
            "activity": self.activity is CareLeaverActivity.NOT_KNOWN,
            "accommodation": self.accommodation is CareLeaverAccommodation.NOT_KNOWN,
        }
        for name, not_known in unknown.items():
            if self.in_touch in _NOTHING_TO_KNOW and not not_known:
                raise FieldRuleBroken(
                    name,
                    f"must be NOT_KNOWN (0) when inTouch is {self.in_touch.value}: the young"
                    " person has died or returned home (SSDA903 rule 344)",
                )
            if self.in_touch is CareLeaverInTouch.YES_IN_TOUCH and not_known:
                raise FieldRuleBroken(
                    name,
                    f"a young person in touch has a known {name}: NOT_KNOWN (0) is for one not"
                    " in touch, who died or returned home (SSDA903 rule 345)",
                )
        return self


# SSDA903 OC3 guidance: a contact counts for a birthday when it is within two months
# either side of it.
BIRTHDAY_WINDOW = timedelta(days=61)


def _birthday_counted(born: date, on: date) -> date:
    """The birthday a contact on `on` counts for: the coming one if it is within the
    window, otherwise the last one."""
    coming = next_birthday(born, on)
    return coming if coming - on <= BIRTHDAY_WINDOW else birthday(born, age_on(born, on))


@register(Process.CARE, "recordCareLeaverContact", RecordCareLeaverContact)
def record_care_leaver_contact(
    record: Record, data: RecordCareLeaverContact, clock: Clock
) -> Effect:
    not_before(data.on, record.facts.get("endDate"), "on", "the end of care")
    not_recorded_twice(record, _K.CARE_LEAVER_CONTACT, data.on, "on")
    born = record.date_of_birth
    assert born is not None, "a care leaver was 16 or over when care ended"
    due = record.open_step(_K.CARE_LEAVER_CONTACT)
    facts = {
        "inTouch": data.in_touch.value,
        "activity": data.activity.value,
        "accommodation": data.accommodation.value,
    }
    summary = (
        f"Care leaver contact: {data.in_touch.value}, {data.activity.value}, "
        f"{data.accommodation.value}"
    )
    if due is not None and data.on < due["dueDate"] - BIRTHDAY_WINDOW:
        # Too early to count for the birthday: kept as a contact, the birthday one stays due.
        kept = NewStep(
            _K.CARE_LEAVER_CONTACT,
            start_date=data.on,
            completed_date=data.on,
            status=StepStatus.DONE,
            facts=facts,
        )
        return Effect(
            target=CareState.CARE_LEAVER, occurred_on=data.on, summary=summary, opened=(kept,)
        )
    changed: tuple[StepChange, ...] = ()
    opened: tuple[NewStep, ...] = ()
    counted_for = _birthday_counted(born, data.on)
    if due is not None and counted_for > due["dueDate"]:
        # Around a later birthday: that birthday's contact (SSDA903 OC3 reads it there);
        # the birthday due passed with no contact, and stays without one.
        _birthday_contact_late(counted_for, data.on, data.late_reason)
        changed = _cancel(due)
        late = {"lateReason": data.late_reason} if data.late_reason else {}
        opened = (
            NewStep(
                _K.CARE_LEAVER_CONTACT,
                due_on=counted_for,
                start_date=data.on,
                completed_date=data.on,
                status=StepStatus.DONE,
                facts={**facts, **late},
            ),
        )
    elif due is not None:
        counted_for = due["dueDate"]
        _birthday_contact_late(due["dueDate"], data.on, data.late_reason)
        changed = (_done(due, data.on, data.late_reason, **facts),)
    if counted_for == birthday(born, 17) and data.accommodation in _WITH_FORMER_FOSTER_CARERS:
        # SSDA903 rule 3001: living with former foster carers ("staying put") is for a
        # young person of 18 or over; at 17 they would still be looked after.
        raise Refusal(
            (
                "accommodation",
                f"{data.accommodation.value} (with former foster carers) is not a 17th"
                " birthday's accommodation: staying put begins at 18 (SSDA903 rule 3001)",
            )
        )
    # The next contact is due on the birthday after the one this contact counted for, so a
    # contact made days before a birthday does not make that same birthday due again.
    following = next_birthday(born, counted_for)
    return Effect(
        target=CareState.CARE_LEAVER,
        occurred_on=data.on,
        summary=summary,
        changed=changed,
        opened=(*opened, NewStep(_K.CARE_LEAVER_CONTACT, due_on=following))
        if while_supported(born, following)
        else opened,
    )


class EndLeavingCareServices(Input):
    ended_on: HappenedOn


@register(Process.CARE, "endLeavingCareServices", EndLeavingCareServices)
def end_leaving_care_services(record: Record, data: EndLeavingCareServices, clock: Clock) -> Effect:
    not_before(data.ended_on, record.facts.get("endDate"), "endedOn", "the end of care")
    # Nor before a pathway plan or a contact already recorded with the care leaver.
    not_before(data.ended_on, record.last_step_on(), "endedOn", "the last step recorded")
    return Effect(
        target=CareState.LEAVING_CARE_SERVICES_ENDED,
        occurred_on=data.ended_on,
        summary="Leaving care services ended",
        changed=close_everything(record, data.ended_on, frozenset()),
    )
