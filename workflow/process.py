"""The LCS process as data: states, the actions that move a record between them, who may
perform each, who must authorise it, and the timescale each step is measured against.

Each process governs one kind of record. A child's case (the CIN episode, held on the
`Referral` node the front door creates) runs from referral to closure through assessment,
child in need and child protection; a period of care runs from the day a child becomes
looked after until care ends; a plan for adoption runs from the decision that a
looked-after child should be placed for adoption to the adoption order. An action that
needs a manager's authorisation does not take effect when a worker performs it: the
record waits in the transition's `awaiting` state until a manager `authorise`s it (the
transition then takes effect) or returns it for rework (back to the state it was
proposed from). Nothing here touches the store:
`workflow/journey/` runs these rules against the graph.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from auth.capabilities import Capability
from workflow.timescales import TimescaleKey


class Process(StrEnum):
    """The kinds of record a process governs (the graph label is in `RECORD_LABELS`)."""

    CASE = "CASE"
    CARE = "CARE"
    ADOPTION = "ADOPTION"


RECORD_LABELS: Final[Mapping[Process, str]] = MappingProxyType(
    {Process.CASE: "Referral", Process.CARE: "PeriodOfCare", Process.ADOPTION: "AdoptionPlan"}
)

AUTHORISE = "authorise"
RETURN_FOR_REWORK = "returnForRework"


@dataclass(frozen=True, slots=True)
class Transition:
    """One action: from which states, to which state(s), and under whose authority.

    `targets` usually holds one state; where the practitioner's input decides (a conference
    that does or does not make a plan) it lists every state the action may lead to, and
    the action's effect picks one of them. `awaiting` is set exactly when `authoriser`
    is: the state the record waits in for the manager's decision.
    """

    process: Process
    action: str
    sources: frozenset[str]
    targets: tuple[str, ...]
    description: str
    performer: Capability = Capability.WRITE_CASE
    authoriser: Capability | None = None
    awaiting: str | None = None
    timescale: TimescaleKey | None = None

    def __post_init__(self) -> None:
        if (self.authoriser is None) != (self.awaiting is None):
            raise ValueError(f"{self.action}: an authorised action needs an awaiting state")
        if not self.targets or not self.sources:
            raise ValueError(f"{self.action}: needs at least one source and one target")


def _t(
    action: str,
    sources: str | tuple[str, ...],
    targets: str | tuple[str, ...],
    description: str,
    *,
    process: Process = Process.CASE,
    authorised_in: str | None = None,
    timescale: TimescaleKey | None = None,
) -> Transition:
    return Transition(
        process=process,
        action=action,
        sources=frozenset((sources,) if isinstance(sources, str) else sources),
        targets=(targets,) if isinstance(targets, str) else targets,
        description=description,
        authoriser=Capability.AUTHORISE if authorised_in else None,
        awaiting=authorised_in,
        timescale=timescale,
    )


class CaseState(StrEnum):
    """Where a child's case (CIN episode) stands, from referral to closure."""

    # The front door's finaliseContact creates the referral in this state.
    OPEN = "OPEN"
    REFERRAL_DECISION_AWAITING_AUTHORISATION = "REFERRAL_DECISION_AWAITING_AUTHORISATION"
    ASSESSMENT_TO_START = "ASSESSMENT_TO_START"
    ASSESSMENT_IN_PROGRESS = "ASSESSMENT_IN_PROGRESS"
    ASSESSMENT_AWAITING_AUTHORISATION = "ASSESSMENT_AWAITING_AUTHORISATION"
    # The worker decides what happens next: close, a child in need plan, or a strategy
    # discussion (after an assessment, an enquiry without conference, or a plan's end).
    OUTCOME_DUE = "OUTCOME_DUE"
    CHILD_IN_NEED_PLAN_AWAITING_AUTHORISATION = "CHILD_IN_NEED_PLAN_AWAITING_AUTHORISATION"
    CHILD_IN_NEED_PLAN = "CHILD_IN_NEED_PLAN"
    SECTION_47_ENQUIRY = "SECTION_47_ENQUIRY"
    INITIAL_CONFERENCE_DUE = "INITIAL_CONFERENCE_DUE"
    CHILD_PROTECTION_PLAN = "CHILD_PROTECTION_PLAN"
    CLOSURE_AWAITING_AUTHORISATION = "CLOSURE_AWAITING_AUTHORISATION"
    CLOSED = "CLOSED"


class CareState(StrEnum):
    """Where a period of care stands."""

    LOOKED_AFTER = "LOOKED_AFTER"
    CEASING_AWAITING_AUTHORISATION = "CEASING_AWAITING_AUTHORISATION"
    CEASED = "CEASED"
    # Care has ended and the young person is a care leaver (eligible or relevant, 16+).
    CARE_LEAVER = "CARE_LEAVER"
    LEAVING_CARE_SERVICES_ENDED = "LEAVING_CARE_SERVICES_ENDED"


class AdoptionState(StrEnum):
    """Where a looked-after child's plan for adoption stands (SSDA903 PlacedAdoption, AD1).

    The plan starts with the agency decision that the child should be placed for
    adoption; the adoption order (or the reversal of the decision) ends it.
    """

    SHOULD_BE_PLACED = "SHOULD_BE_PLACED"
    PLACEMENT_ORDER_GRANTED = "PLACEMENT_ORDER_GRANTED"
    MATCHED = "MATCHED"
    PLACED = "PLACED"
    ADOPTED = "ADOPTED"
    CEASING_AWAITING_AUTHORISATION = "CEASING_AWAITING_AUTHORISATION"
    CEASED = "CEASED"


_S = CaseState
_C = CareState
_A = AdoptionState

_CASE_TRANSITIONS: Final[tuple[Transition, ...]] = (
    _t(
        "decideReferral",
        _S.OPEN,
        _S.ASSESSMENT_TO_START,
        "Record the decision on the referral (its primary need) for a manager to authorise",
        authorised_in=_S.REFERRAL_DECISION_AWAITING_AUTHORISATION,
        timescale=TimescaleKey.REFERRAL_DECISION,
    ),
    _t(
        "startAssessment",
        _S.ASSESSMENT_TO_START,
        _S.ASSESSMENT_IN_PROGRESS,
        "Start the child and family assessment",
    ),
    _t(
        "completeAssessment",
        _S.ASSESSMENT_IN_PROGRESS,
        _S.OUTCOME_DUE,
        "Complete the assessment with the factors identified, for a manager to authorise",
        authorised_in=_S.ASSESSMENT_AWAITING_AUTHORISATION,
        timescale=TimescaleKey.CHILD_AND_FAMILY_ASSESSMENT,
    ),
    _t(
        "startChildInNeedPlan",
        _S.OUTCOME_DUE,
        _S.CHILD_IN_NEED_PLAN,
        "Start a child in need plan, for a manager to authorise",
        authorised_in=_S.CHILD_IN_NEED_PLAN_AWAITING_AUTHORISATION,
    ),
    _t(
        "reviewChildInNeedPlan",
        _S.CHILD_IN_NEED_PLAN,
        _S.CHILD_IN_NEED_PLAN,
        "Hold a child in need plan review",
        timescale=TimescaleKey.CHILD_IN_NEED_PLAN_REVIEW,
    ),
    _t(
        "recordVisit",
        (_S.CHILD_IN_NEED_PLAN, _S.CHILD_PROTECTION_PLAN),
        (_S.CHILD_IN_NEED_PLAN, _S.CHILD_PROTECTION_PLAN),
        "Record a visit to a child on a plan (the next is due by the local standard)",
    ),
    _t(
        "holdStrategyDiscussion",
        (_S.OUTCOME_DUE, _S.CHILD_IN_NEED_PLAN),
        _S.SECTION_47_ENQUIRY,
        "Record the strategy discussion that starts a section 47 enquiry",
    ),
    _t(
        "requestInitialConference",
        _S.SECTION_47_ENQUIRY,
        _S.INITIAL_CONFERENCE_DUE,
        "Conclude the section 47 enquiry: an initial child protection conference is needed",
    ),
    _t(
        "concludeEnquiryWithoutConference",
        _S.SECTION_47_ENQUIRY,
        (_S.OUTCOME_DUE, _S.CHILD_IN_NEED_PLAN),
        "Conclude the section 47 enquiry: no conference is needed",
    ),
    _t(
        "holdInitialConference",
        _S.INITIAL_CONFERENCE_DUE,
        (_S.CHILD_PROTECTION_PLAN, _S.OUTCOME_DUE, _S.CHILD_IN_NEED_PLAN),
        "Hold the initial child protection conference (a plan, or none)",
        timescale=TimescaleKey.INITIAL_CHILD_PROTECTION_CONFERENCE,
    ),
    _t(
        "holdReviewConference",
        _S.CHILD_PROTECTION_PLAN,
        _S.CHILD_PROTECTION_PLAN,
        "Hold a review conference that continues the child protection plan",
        timescale=TimescaleKey.CHILD_PROTECTION_REVIEW,
    ),
    _t(
        "holdCoreGroup",
        _S.CHILD_PROTECTION_PLAN,
        _S.CHILD_PROTECTION_PLAN,
        "Record a core group meeting",
        timescale=TimescaleKey.FIRST_CORE_GROUP,
    ),
    _t(
        "endChildProtectionPlan",
        _S.CHILD_PROTECTION_PLAN,
        _S.OUTCOME_DUE,
        "End the child protection plan at a review conference",
        timescale=TimescaleKey.CHILD_PROTECTION_REVIEW,
    ),
    _t(
        "closeCase",
        (_S.OUTCOME_DUE, _S.CHILD_IN_NEED_PLAN),
        _S.CLOSED,
        "Close the case with a reason (ends the CIN episode), for a manager to authorise",
        authorised_in=_S.CLOSURE_AWAITING_AUTHORISATION,
    ),
)

_CARE_TRANSITIONS: Final[tuple[Transition, ...]] = (
    _t(
        "changePlacement",
        _C.LOOKED_AFTER,
        _C.LOOKED_AFTER,
        "Move the child to a new placement (a new SSDA903 episode)",
        process=Process.CARE,
    ),
    _t(
        "changeLegalStatus",
        _C.LOOKED_AFTER,
        _C.LOOKED_AFTER,
        "Record a change of legal status (a new SSDA903 episode)",
        process=Process.CARE,
    ),
    _t(
        "holdLookedAfterReview",
        _C.LOOKED_AFTER,
        _C.LOOKED_AFTER,
        "Hold a looked-after review, with the child's participation",
        process=Process.CARE,
        timescale=TimescaleKey.LOOKED_AFTER_REVIEW,
    ),
    _t(
        "recordStatutoryVisit",
        _C.LOOKED_AFTER,
        _C.LOOKED_AFTER,
        "Record a statutory visit to the child in placement",
        process=Process.CARE,
        timescale=TimescaleKey.LOOKED_AFTER_VISIT_FIRST_YEAR,
    ),
    _t(
        "recordHealthAssessment",
        _C.LOOKED_AFTER,
        _C.LOOKED_AFTER,
        "Record a health assessment",
        process=Process.CARE,
        timescale=TimescaleKey.REVIEW_HEALTH_ASSESSMENT,
    ),
    _t(
        "recordPersonalEducationPlan",
        _C.LOOKED_AFTER,
        _C.LOOKED_AFTER,
        "Record a personal education plan or its review",
        process=Process.CARE,
        timescale=TimescaleKey.PERSONAL_EDUCATION_PLAN_REVIEW,
    ),
    _t(
        "recordMissingEpisode",
        _C.LOOKED_AFTER,
        _C.LOOKED_AFTER,
        "Record a period missing or away from placement",
        process=Process.CARE,
        timescale=TimescaleKey.RETURN_HOME_INTERVIEW,
    ),
    _t(
        "recordReturnHomeInterview",
        _C.LOOKED_AFTER,
        _C.LOOKED_AFTER,
        "Record the return home interview after a missing episode",
        process=Process.CARE,
        timescale=TimescaleKey.RETURN_HOME_INTERVIEW,
    ),
    _t(
        "ceaseLookedAfter",
        _C.LOOKED_AFTER,
        (_C.CEASED, _C.CARE_LEAVER),
        "End the period of care with the SSDA903 reason, for a manager to authorise",
        process=Process.CARE,
        authorised_in=_C.CEASING_AWAITING_AUTHORISATION,
    ),
    _t(
        "recordPathwayPlan",
        _C.CARE_LEAVER,
        _C.CARE_LEAVER,
        "Record the care leaver's pathway plan or its review",
        process=Process.CARE,
        timescale=TimescaleKey.PATHWAY_PLAN_REVIEW,
    ),
    _t(
        "recordCareLeaverContact",
        _C.CARE_LEAVER,
        _C.CARE_LEAVER,
        "Record whether the care leaver is in touch, their activity and accommodation",
        process=Process.CARE,
    ),
    _t(
        "endLeavingCareServices",
        _C.CARE_LEAVER,
        _C.LEAVING_CARE_SERVICES_ENDED,
        "End leaving care services",
        process=Process.CARE,
    ),
)

_BEFORE_ORDER = (_A.SHOULD_BE_PLACED, _A.PLACEMENT_ORDER_GRANTED, _A.MATCHED, _A.PLACED)
_ADOPTION_TRANSITIONS: Final[tuple[Transition, ...]] = (
    _t(
        "recordPlacementOrder",
        _A.SHOULD_BE_PLACED,
        _A.PLACEMENT_ORDER_GRANTED,
        "Record the placement order the court granted (Adoption and Children Act 2002, s21)",
        process=Process.ADOPTION,
    ),
    _t(
        "matchWithAdopters",
        (_A.SHOULD_BE_PLACED, _A.PLACEMENT_ORDER_GRANTED),
        _A.MATCHED,
        "Record the match of the child with prospective adopters (SSDA903 AD1 DATE_MATCH)",
        process=Process.ADOPTION,
    ),
    _t(
        "placeForAdoption",
        _A.MATCHED,
        _A.PLACED,
        "Record the day the child was placed with the prospective adopters",
        process=Process.ADOPTION,
    ),
    _t(
        "grantAdoptionOrder",
        _A.PLACED,
        _A.ADOPTED,
        "Record the adoption order (the period of care then ends with E11 or E12)",
        process=Process.ADOPTION,
    ),
    _t(
        "ceaseAdoptionPlan",
        _BEFORE_ORDER,
        _A.CEASED,
        "Reverse the decision that the child should be placed for adoption, with the "
        "SSDA903 reason, for a manager to authorise",
        process=Process.ADOPTION,
        authorised_in=_A.CEASING_AWAITING_AUTHORISATION,
    ),
)

TRANSITIONS: Final[tuple[Transition, ...]] = (
    *_CASE_TRANSITIONS,
    *_CARE_TRANSITIONS,
    *_ADOPTION_TRANSITIONS,
)

STATES: Final[Mapping[Process, tuple[str, ...]]] = MappingProxyType(
    {
        Process.CASE: tuple(CaseState),
        Process.CARE: tuple(CareState),
        Process.ADOPTION: tuple(AdoptionState),
    }
)


def _index() -> dict[tuple[Process, str], Transition]:
    index: dict[tuple[Process, str], Transition] = {}
    for transition in TRANSITIONS:
        key = (transition.process, transition.action)
        if key in index:
            raise ValueError(f"{transition.action} is declared twice")
        index[key] = transition
    return index


_BY_ACTION: Final = MappingProxyType(_index())


def actions(process: Process) -> tuple[str, ...]:
    """Every action of `process`, including the manager's authorise and return."""
    own = tuple(t.action for t in TRANSITIONS if t.process is process)
    return (*own, AUTHORISE, RETURN_FOR_REWORK)


def transition(process: Process, action: str) -> Transition | None:
    """The declared transition `action` of `process` (None for authorise/return/unknown)."""
    return _BY_ACTION.get((process, action))


def awaiting_states(process: Process) -> dict[str, Transition]:
    """Each state where a record waits for authorisation, and the transition it waits on."""
    return {t.awaiting: t for t in TRANSITIONS if t.process is process and t.awaiting is not None}


def allowed_actions(process: Process, state: str) -> tuple[str, ...]:
    """The actions that may be taken from `state`, in declaration order."""
    if state in awaiting_states(process):
        return (AUTHORISE, RETURN_FOR_REWORK)
    return tuple(t.action for t in TRANSITIONS if t.process is process and state in t.sources)


def capability_for(process: Process, action: str) -> Capability | None:
    """The capability performing `action` needs (None when the action is unknown)."""
    if action in (AUTHORISE, RETURN_FOR_REWORK):
        return Capability.AUTHORISE
    found = transition(process, action)
    return found.performer if found else None
