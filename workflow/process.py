"""The LCS process as data: states, the actions that move a record between them, who may
perform each, who must authorise it, the timescale each step is measured against, and
the rules an episode of need keeps across its processes.

Each process governs one kind of record. A child's episode of need (the `Referral` node
the front door creates, one CINdetails of the CIN census) runs from referral to closure;
its work is in records of their own, several open at once: assessments, section 47
enquiries (started by a strategy discussion), initial child protection conferences (after
an enquiry, or on transfer in), child protection plans and child in need plans. What the
statutory model forbids across them (closing with a plan open, a CIN plan beside a CP
plan) is `EPISODE_RULES`. A period of care runs from the day a child becomes looked after
until care ends; a plan for adoption runs from the decision that a looked-after child
should be placed for adoption to the adoption order. An action that needs a manager's
authorisation does not take effect when a worker performs it: the record waits in the
transition's `awaiting` state until another manager `authorise`s it (the transition then
takes effect) or returns it for rework (back to the state it was proposed from). Nothing
here touches the store: `workflow/journey/` runs these rules against the graph.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from workflow.timescales import TimescaleKey


class Authority(StrEnum):
    """What an action asks of whoever takes it, in the workflow's own words.

    The workflow does not know roles: `resolvers/permissions.py` maps each of these to the
    capability a role must carry.
    """

    # Record what happened in a child's case (a practitioner's step).
    RECORD = "record"
    # A manager's decision on a proposed step.
    AUTHORISE = "authorise"


class Process(StrEnum):
    """The kinds of record a process governs (the graph label is in `RECORD_LABELS`)."""

    # The episode of need: referral to closure (one CINdetails of the CIN census).
    CASE = "CASE"
    # The episode's own processes, each a record IN_EPISODE of it.
    ASSESSMENT = "ASSESSMENT"
    SECTION_47_ENQUIRY = "SECTION_47_ENQUIRY"
    INITIAL_CONFERENCE = "INITIAL_CONFERENCE"
    CHILD_PROTECTION_PLAN = "CHILD_PROTECTION_PLAN"
    CHILD_IN_NEED_PLAN = "CHILD_IN_NEED_PLAN"
    CARE = "CARE"
    ADOPTION = "ADOPTION"


RECORD_LABELS: Final[Mapping[Process, str]] = MappingProxyType(
    {
        Process.CASE: "Referral",
        Process.ASSESSMENT: "Assessment",
        Process.SECTION_47_ENQUIRY: "Section47Enquiry",
        Process.INITIAL_CONFERENCE: "InitialChildProtectionConference",
        Process.CHILD_PROTECTION_PLAN: "ChildProtectionPlan",
        Process.CHILD_IN_NEED_PLAN: "ChildInNeedPlan",
        Process.CARE: "PeriodOfCare",
        Process.ADOPTION: "AdoptionPlan",
    }
)

# The processes that live inside an episode of need (and die with it).
EPISODE_PROCESSES: Final = (
    Process.ASSESSMENT,
    Process.SECTION_47_ENQUIRY,
    Process.INITIAL_CONFERENCE,
    Process.CHILD_PROTECTION_PLAN,
    Process.CHILD_IN_NEED_PLAN,
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
    performer: Authority = Authority.RECORD
    authoriser: Authority | None = None
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
    performer: Authority = Authority.RECORD,
) -> Transition:
    return Transition(
        process=process,
        action=action,
        sources=frozenset((sources,) if isinstance(sources, str) else sources),
        targets=(targets,) if isinstance(targets, str) else targets,
        description=description,
        performer=performer,
        authoriser=Authority.AUTHORISE if authorised_in else None,
        awaiting=authorised_in,
        timescale=timescale,
    )


class CaseState(StrEnum):
    """Where an episode of need stands, from referral to closure.

    The episode's work (assessments, enquiries, conferences, plans) is in records of its
    own; the episode itself only records the decision on the referral and its closure.
    """

    # The front door's finaliseContact opens the episode in this state: a decision is due.
    OPEN = "OPEN"
    REFERRAL_DECISION_AWAITING_AUTHORISATION = "REFERRAL_DECISION_AWAITING_AUTHORISATION"
    # The referral is accepted (its primary need recorded): the episode goes on.
    ACCEPTED = "ACCEPTED"
    NO_FURTHER_ACTION_AWAITING_AUTHORISATION = "NO_FURTHER_ACTION_AWAITING_AUTHORISATION"
    CLOSURE_AWAITING_AUTHORISATION = "CLOSURE_AWAITING_AUTHORISATION"
    CLOSED = "CLOSED"
    # A referral that should never have been one (the wrong child, a duplicate, a test
    # record), withdrawn by a team manager: kept in the history with why, who and when,
    # never an episode of need (in no return, view or rule), as its work was withdrawn first.
    RECORDED_IN_ERROR = "RECORDED_IN_ERROR"


class AssessmentState(StrEnum):
    """A child and family assessment."""

    IN_PROGRESS = "IN_PROGRESS"
    AWAITING_AUTHORISATION = "AWAITING_AUTHORISATION"
    AUTHORISED = "AUTHORISED"
    # Started in error (the wrong child, a duplicate): withdrawn with a manager's
    # authorisation, kept in the history, in no return, and no longer holding the
    # episode open.
    WITHDRAWAL_AWAITING_AUTHORISATION = "WITHDRAWAL_AWAITING_AUTHORISATION"
    RECORDED_IN_ERROR = "RECORDED_IN_ERROR"


# A record in this state was withdrawn as started in error: kept, in no return.
RECORDED_IN_ERROR: Final = AssessmentState.RECORDED_IN_ERROR.value


class Section47State(StrEnum):
    """A section 47 enquiry, started by the strategy discussion."""

    IN_PROGRESS = "IN_PROGRESS"
    CONFERENCE_REQUESTED = "CONFERENCE_REQUESTED"
    NO_CONFERENCE_NEEDED = "NO_CONFERENCE_NEEDED"
    # Started in error, as an assessment can be (AssessmentState).
    WITHDRAWAL_AWAITING_AUTHORISATION = "WITHDRAWAL_AWAITING_AUTHORISATION"
    RECORDED_IN_ERROR = "RECORDED_IN_ERROR"


class InitialConferenceState(StrEnum):
    """An initial child protection conference (after an enquiry, or on transfer in)."""

    DUE = "DUE"
    PLAN_MADE = "PLAN_MADE"
    NO_PLAN = "NO_PLAN"
    # Held on the wrong child, or recorded twice: withdrawn with a manager's
    # authorisation, with the child protection plan it made (AssessmentState).
    WITHDRAWAL_AWAITING_AUTHORISATION = "WITHDRAWAL_AWAITING_AUTHORISATION"
    RECORDED_IN_ERROR = "RECORDED_IN_ERROR"


class PlanState(StrEnum):
    """A child protection plan or a child in need plan."""

    ACTIVE = "ACTIVE"
    ENDED = "ENDED"
    # A child in need plan started in error, as an assessment can be (AssessmentState). A
    # child protection plan is made by a conference, so it is never withdrawn on its own:
    # it is RECORDED_IN_ERROR when the conference that made it is withdrawn.
    WITHDRAWAL_AWAITING_AUTHORISATION = "WITHDRAWAL_AWAITING_AUTHORISATION"
    RECORDED_IN_ERROR = "RECORDED_IN_ERROR"


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
    # A plan decided on the wrong child (or typed twice), withdrawn by a team manager:
    # kept in the history with why, who and when, in no return, rule or view of plans.
    RECORDED_IN_ERROR = "RECORDED_IN_ERROR"


_S = CaseState
_C = CareState
_A = AdoptionState
_AS = AssessmentState
_E = Section47State
_I = InitialConferenceState
_P = PlanState

# An episode's work may start at any time while the episode is open: on the day of
# referral, before the decision on it is authorised, or long after.
_EPISODE_GOING_ON = (_S.OPEN, _S.REFERRAL_DECISION_AWAITING_AUTHORISATION, _S.ACCEPTED)
# Every state of an episode of need, but a referral withdrawn as recorded in error.
_EPISODE_RECORDED = tuple(state for state in CaseState if state is not _S.RECORDED_IN_ERROR)
RECORD_DECISION_LATE_REASON: Final = "recordDecisionLateReason"

_CASE_TRANSITIONS: Final[tuple[Transition, ...]] = (
    _t(
        "decideReferral",
        _S.OPEN,
        _S.ACCEPTED,
        "Record the decision on the referral (its primary need) for a manager to authorise",
        authorised_in=_S.REFERRAL_DECISION_AWAITING_AUTHORISATION,
        timescale=TimescaleKey.REFERRAL_DECISION,
    ),
    _t(
        "closeWithNoFurtherAction",
        _S.OPEN,
        _S.CLOSED,
        "No further action on the referral: the episode closes (RC7, NFA), for a manager "
        "to authorise",
        authorised_in=_S.NO_FURTHER_ACTION_AWAITING_AUTHORISATION,
        timescale=TimescaleKey.REFERRAL_DECISION,
    ),
    _t(
        "startAssessment",
        _EPISODE_GOING_ON,
        _EPISODE_GOING_ON,
        "Start a child and family assessment (a record of its own)",
    ),
    _t(
        "holdStrategyDiscussion",
        _EPISODE_GOING_ON,
        _EPISODE_GOING_ON,
        "Record the strategy discussion that starts a section 47 enquiry (a record of its own)",
    ),
    _t(
        "holdTransferInConference",
        _EPISODE_GOING_ON,
        _EPISODE_GOING_ON,
        "Record the transfer-in conference of a child arriving on another authority's plan "
        "(no section 47 enquiry here)",
    ),
    _t(
        "startChildInNeedPlan",
        _EPISODE_GOING_ON,
        _EPISODE_GOING_ON,
        "Start a child in need plan (a record of its own)",
    ),
    _t(
        "closeCase",
        (_S.OPEN, _S.ACCEPTED),
        _S.CLOSED,
        "Close the episode with a reason (RC1-RC9), for a manager to authorise",
        authorised_in=_S.CLOSURE_AWAITING_AUTHORISATION,
    ),
    _t(
        # A correction, not a step with the child: the closure (or the no further action
        # at referral) was authorised in error, so the episode goes on as it was, not as
        # a new referral. A manager's act, with the reason; the closure is kept as history.
        "reopenCase",
        _S.CLOSED,
        (_S.OPEN, _S.ACCEPTED),
        "Reopen an episode closed in error, as it was before the closure (a team manager's "
        "correction, with the reason)",
        performer=Authority.AUTHORISE,
    ),
    _t(
        # A correction too: the referral should never have been one. Its work, each record
        # withdrawn first with its own manager's authorisation, and the contacts that led
        # to it go with it; it stays in the history as RECORDED_IN_ERROR.
        # Not while a step awaits a manager: they decide on it first.
        "withdrawReferral",
        (_S.OPEN, _S.ACCEPTED, _S.CLOSED),
        _S.RECORDED_IN_ERROR,
        "Withdraw a referral recorded in error (the wrong child, a duplicate, a test record), "
        "once its work is withdrawn: kept in the history, in no return (a team manager's "
        "correction, with the reason)",
        performer=Authority.AUTHORISE,
    ),
    _t(
        # Why the decision on the referral was late, given after it was made: a
        # correction of the referral date made it late (correctReferralDate asks no
        # reason), or a reason put right. History, so also once the episode has closed;
        # and before the episode's own decision, for the contact that opened it, which
        # the front door decided before the correction made it late.
        RECORD_DECISION_LATE_REASON,
        _EPISODE_RECORDED,
        _EPISODE_RECORDED,
        "Record why the decision on the referral (or on the contact that opened it) was "
        "late (one a corrected referral date made late, or a reason put right)",
    ),
    _t(
        # A correction too: the day the referral came in was typed wrongly. Its timescales
        # count from the corrected day; the record stays where it is.
        "correctReferralDate",
        _EPISODE_RECORDED,
        _EPISODE_RECORDED,
        "Correct an episode's referral date typed wrongly, and what counts from it (a team "
        "manager's correction, with the reason)",
        performer=Authority.AUTHORISE,
    ),
    _t(
        # A correction too: the day of the decision on the referral, authorised, was typed
        # wrongly. The manager's, as the authorisation was; also once the episode closed.
        "correctReferralDecisionDate",
        (_S.ACCEPTED, _S.CLOSED),
        (_S.ACCEPTED, _S.CLOSED),
        "Correct the day the decision on the referral was made, typed wrongly and "
        "authorised (a team manager's correction, with the reason)",
        performer=Authority.AUTHORISE,
    ),
)

_ASSESSMENT_TRANSITIONS: Final[tuple[Transition, ...]] = (
    _t(
        "completeAssessment",
        _AS.IN_PROGRESS,
        _AS.AUTHORISED,
        "Complete the assessment with the factors identified, for a manager to authorise",
        process=Process.ASSESSMENT,
        authorised_in=_AS.AWAITING_AUTHORISATION,
        timescale=TimescaleKey.CHILD_AND_FAMILY_ASSESSMENT,
    ),
    _t(
        # The manager's, as the authorisation was; also once the episode has closed (the
        # census reports the assessment), dating nothing after the closure.
        "correctAssessmentDates",
        _AS.AUTHORISED,
        _AS.AUTHORISED,
        "Correct the days an authorised assessment started, was completed and was "
        "authorised (typed wrong), with the reason",
        process=Process.ASSESSMENT,
        performer=Authority.AUTHORISE,
    ),
    _t(
        "withdrawAssessment",
        _AS.IN_PROGRESS,
        _AS.RECORDED_IN_ERROR,
        "Withdraw an assessment started in error, for a manager to authorise",
        process=Process.ASSESSMENT,
        authorised_in=_AS.WITHDRAWAL_AWAITING_AUTHORISATION,
    ),
)

_SECTION_47_TRANSITIONS: Final[tuple[Transition, ...]] = (
    _t(
        "requestInitialConference",
        _E.IN_PROGRESS,
        _E.CONFERENCE_REQUESTED,
        "Conclude the section 47 enquiry: an initial child protection conference is needed",
        process=Process.SECTION_47_ENQUIRY,
    ),
    _t(
        "concludeEnquiryWithoutConference",
        _E.IN_PROGRESS,
        _E.NO_CONFERENCE_NEEDED,
        "Conclude the section 47 enquiry: no conference is needed",
        process=Process.SECTION_47_ENQUIRY,
    ),
    _t(
        # A correction of the enquiry's history: also once concluded, dated within it.
        "correctStrategyDiscussionDate",
        (_E.IN_PROGRESS, _E.CONFERENCE_REQUESTED, _E.NO_CONFERENCE_NEEDED),
        (_E.IN_PROGRESS, _E.CONFERENCE_REQUESTED, _E.NO_CONFERENCE_NEEDED),
        "Correct the day the strategy discussion that started the enquiry was held (typed "
        "wrong), with the reason: the initial conference is due 15 working days from it",
        process=Process.SECTION_47_ENQUIRY,
    ),
    _t(
        # Also once concluded: its strategy discussion was about the wrong child all the
        # same (the conference it asked for goes with it, once none was held).
        "withdrawSection47Enquiry",
        (_E.IN_PROGRESS, _E.CONFERENCE_REQUESTED, _E.NO_CONFERENCE_NEEDED),
        _E.RECORDED_IN_ERROR,
        "Withdraw a section 47 enquiry started in error, for a manager to authorise",
        process=Process.SECTION_47_ENQUIRY,
        authorised_in=_E.WITHDRAWAL_AWAITING_AUTHORISATION,
    ),
)

_CONFERENCE_TRANSITIONS: Final[tuple[Transition, ...]] = (
    _t(
        "holdInitialConference",
        _I.DUE,
        (_I.PLAN_MADE, _I.NO_PLAN),
        "Hold the initial child protection conference (a plan, or none)",
        process=Process.INITIAL_CONFERENCE,
        timescale=TimescaleKey.INITIAL_CHILD_PROTECTION_CONFERENCE,
    ),
    _t(
        # A correction of the conference's history: the plan it made starts that day.
        "correctInitialConferenceDate",
        (_I.PLAN_MADE, _I.NO_PLAN),
        (_I.PLAN_MADE, _I.NO_PLAN),
        "Correct the day an initial or transfer-in conference was held (typed wrong), with "
        "the reason: the plan it made starts that day",
        process=Process.INITIAL_CONFERENCE,
    ),
    _t(
        # The conference an enquiry asked for is then due again, as a record of its own.
        "withdrawInitialConference",
        (_I.PLAN_MADE, _I.NO_PLAN),
        _I.RECORDED_IN_ERROR,
        "Withdraw a conference recorded in error (on the wrong child, or twice) with the "
        "child protection plan it made, for a manager to authorise",
        process=Process.INITIAL_CONFERENCE,
        authorised_in=_I.WITHDRAWAL_AWAITING_AUTHORISATION,
    ),
)

# A plan's reviews, visits and core groups: while it is active, and written up late once
# it has ended (held on or before its end: history, nothing new falls due).
_PLAN_STEPS_KEPT = (_P.ACTIVE, _P.ENDED)
# Those steps on an ended plan add only history within it, so they are written up even
# once its episode has closed (a plan ended on transfer out, the episode closed RC5 the
# same day, a review of the summer typed up in the autumn).
WRITTEN_UP_AFTER_THE_END: Final = frozenset(
    {
        "holdReviewConference",
        "holdCoreGroup",
        "recordChildProtectionVisit",
        "reviewChildInNeedPlan",
        "recordChildInNeedVisit",
        "correctChildProtectionStepDate",
        "correctChildInNeedStepDate",
        "withdrawChildProtectionStep",
        "withdrawChildInNeedStep",
        "correctInitialConferenceDate",
        "correctStrategyDiscussionDate",
        "correctAssessmentDates",
        "correctChildProtectionPlanEnd",
        "correctChildInNeedPlanDates",
        "recordLateReason",
        RECORD_DECISION_LATE_REASON,
    }
)

_CHILD_PROTECTION_TRANSITIONS: Final[tuple[Transition, ...]] = (
    _t(
        "holdReviewConference",
        _PLAN_STEPS_KEPT,
        _PLAN_STEPS_KEPT,
        "Hold a review conference that continues the child protection plan",
        process=Process.CHILD_PROTECTION_PLAN,
        timescale=TimescaleKey.CHILD_PROTECTION_REVIEW,
    ),
    _t(
        "holdCoreGroup",
        _PLAN_STEPS_KEPT,
        _PLAN_STEPS_KEPT,
        "Record a core group meeting",
        process=Process.CHILD_PROTECTION_PLAN,
        timescale=TimescaleKey.FIRST_CORE_GROUP,
    ),
    _t(
        "recordChildProtectionVisit",
        _PLAN_STEPS_KEPT,
        _PLAN_STEPS_KEPT,
        "Record a visit to a child on a child protection plan",
        process=Process.CHILD_PROTECTION_PLAN,
        timescale=TimescaleKey.CHILD_PROTECTION_VISIT,
    ),
    _t(
        # A correction of the plan's history: also once it has ended, dated within it.
        "correctChildProtectionStepDate",
        _PLAN_STEPS_KEPT,
        _PLAN_STEPS_KEPT,
        "Correct the day a review conference, core group or visit happened (typed wrong), "
        "with the reason",
        process=Process.CHILD_PROTECTION_PLAN,
    ),
    _t(
        # The plan's history too: also once it has ended.
        "withdrawChildProtectionStep",
        _PLAN_STEPS_KEPT,
        _PLAN_STEPS_KEPT,
        "Withdraw a review conference, core group or visit recorded in error (the wrong "
        "child, or typed twice), with the reason",
        process=Process.CHILD_PROTECTION_PLAN,
    ),
    _t(
        # Also once its episode has closed (the census reports the plan), dating nothing
        # after the closure.
        "correctChildProtectionPlanEnd",
        _P.ENDED,
        _P.ENDED,
        "Correct the day a plan ended on transfer out, at 18, on the child's death or on "
        "leaving the United Kingdom (typed wrong), with the reason",
        process=Process.CHILD_PROTECTION_PLAN,
    ),
    _t(
        "endChildProtectionPlan",
        _P.ACTIVE,
        _P.ENDED,
        "End the child protection plan (at a review conference, on transfer out, or the day "
        "the child becomes looked after)",
        process=Process.CHILD_PROTECTION_PLAN,
    ),
)

_CHILD_IN_NEED_TRANSITIONS: Final[tuple[Transition, ...]] = (
    _t(
        "reviewChildInNeedPlan",
        _PLAN_STEPS_KEPT,
        _PLAN_STEPS_KEPT,
        "Hold a child in need plan review",
        process=Process.CHILD_IN_NEED_PLAN,
        timescale=TimescaleKey.CHILD_IN_NEED_PLAN_REVIEW,
    ),
    _t(
        "recordChildInNeedVisit",
        _PLAN_STEPS_KEPT,
        _PLAN_STEPS_KEPT,
        "Record a visit to a child on a child in need plan",
        process=Process.CHILD_IN_NEED_PLAN,
        timescale=TimescaleKey.CHILD_IN_NEED_VISIT,
    ),
    _t(
        "correctChildInNeedStepDate",
        _PLAN_STEPS_KEPT,
        _PLAN_STEPS_KEPT,
        "Correct the day a child in need plan review or visit happened (typed wrong), with "
        "the reason",
        process=Process.CHILD_IN_NEED_PLAN,
    ),
    _t(
        "withdrawChildInNeedStep",
        _PLAN_STEPS_KEPT,
        _PLAN_STEPS_KEPT,
        "Withdraw a child in need plan review or visit recorded in error (the wrong child, "
        "or typed twice), with the reason",
        process=Process.CHILD_IN_NEED_PLAN,
    ),
    _t(
        # Also once its episode has closed (the census reports the plan), dating nothing
        # after the closure.
        "correctChildInNeedPlanDates",
        _PLAN_STEPS_KEPT,
        _PLAN_STEPS_KEPT,
        "Correct the days the child in need plan started and ended (typed wrong), with the reason",
        process=Process.CHILD_IN_NEED_PLAN,
    ),
    _t(
        "endChildInNeedPlan",
        _P.ACTIVE,
        _P.ENDED,
        "End the child in need plan",
        process=Process.CHILD_IN_NEED_PLAN,
    ),
    _t(
        "withdrawChildInNeedPlan",
        _P.ACTIVE,
        _P.RECORDED_IN_ERROR,
        "Withdraw a child in need plan started in error, for a manager to authorise",
        process=Process.CHILD_IN_NEED_PLAN,
        authorised_in=_P.WITHDRAWAL_AWAITING_AUTHORISATION,
    ),
)

# A period of care in these states has SSDA903 episodes that can still be corrected (one
# ceasing, awaiting authorisation, is decided first).
_EPISODES_KEPT: Final = (
    _C.LOOKED_AFTER,
    _C.CEASED,
    _C.CARE_LEAVER,
    _C.LEAVING_CARE_SERVICES_ENDED,
)
# A review, visit, health assessment, personal education plan or missing episode that
# happened while the child was looked after is also written up once care has ended (dated
# within care: history, nothing new falls due; a missing episode begun in care may end
# after it, the SSDA903 reading it to the end of care), as a child protection plan's steps
# are once the plan has ended: the SSDA903 reports every review and missing episode of the
# year.
_CARE_STEPS_KEPT: Final = _EPISODES_KEPT

_CARE_TRANSITIONS: Final[tuple[Transition, ...]] = (
    _t(
        "changePlacement",
        _C.LOOKED_AFTER,
        _C.LOOKED_AFTER,
        "Move the child to a new placement (a new SSDA903 episode)",
        process=Process.CARE,
    ),
    _t(
        # Also once care has ended: the return reports every episode of the year.
        "correctPlacement",
        _EPISODES_KEPT,
        _EPISODES_KEPT,
        "Correct an episode's placement details as entered (no new episode)",
        process=Process.CARE,
    ),
    _t(
        # Also once care has ended: a review recorded in error is in no return.
        "withdrawCareStep",
        _EPISODES_KEPT,
        _EPISODES_KEPT,
        "Withdraw a looked-after review, statutory visit, health assessment, personal "
        "education plan, pathway plan, return home interview or care leaver contact "
        "recorded in error (the wrong child, or typed twice), with the reason",
        process=Process.CARE,
    ),
    _t(
        # Also once care has ended: the return reports every review of the year.
        "correctCareStepDate",
        _EPISODES_KEPT,
        _EPISODES_KEPT,
        "Correct the day a looked-after review, statutory visit, health assessment, "
        "personal education plan, return home interview, pathway plan or care leaver "
        "contact happened (typed wrong), with the reason",
        process=Process.CARE,
    ),
    _t(
        # Also once care has ended: the return reports every episode of the year.
        "correctLegalStatus",
        _EPISODES_KEPT,
        _EPISODES_KEPT,
        "Correct an episode's legal status as entered (typed wrong; no new episode), with "
        "the reason",
        process=Process.CARE,
    ),
    _t(
        # Also once care has ended: the return reports every episode of the year.
        "correctEpisodeStart",
        _EPISODES_KEPT,
        _EPISODES_KEPT,
        "Correct the day an episode began (the start of care, a move or a change of legal "
        "status typed with the wrong day), with the reason",
        process=Process.CARE,
    ),
    _t(
        "correctMissingEpisode",
        _EPISODES_KEPT,
        _EPISODES_KEPT,
        "Correct the days a missing or away episode started and the child returned (typed "
        "wrong), with the reason",
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
        _CARE_STEPS_KEPT,
        _CARE_STEPS_KEPT,
        "Hold a looked-after review, with the child's participation",
        process=Process.CARE,
        timescale=TimescaleKey.LOOKED_AFTER_REVIEW,
    ),
    _t(
        "recordStatutoryVisit",
        _CARE_STEPS_KEPT,
        _CARE_STEPS_KEPT,
        "Record a statutory visit to the child in placement",
        process=Process.CARE,
        timescale=TimescaleKey.LOOKED_AFTER_VISIT_FIRST_YEAR,
    ),
    _t(
        "recordHealthAssessment",
        _CARE_STEPS_KEPT,
        _CARE_STEPS_KEPT,
        "Record a health assessment",
        process=Process.CARE,
        timescale=TimescaleKey.REVIEW_HEALTH_ASSESSMENT,
    ),
    _t(
        "recordPersonalEducationPlan",
        _CARE_STEPS_KEPT,
        _CARE_STEPS_KEPT,
        "Record a personal education plan or its review",
        process=Process.CARE,
        timescale=TimescaleKey.PERSONAL_EDUCATION_PLAN_REVIEW,
    ),
    _t(
        "recordMissingEpisode",
        _CARE_STEPS_KEPT,
        _CARE_STEPS_KEPT,
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
        # The manager's, as the end of care was authorised by one.
        "correctEndOfCare",
        (_C.CEASED, _C.CARE_LEAVER, _C.LEAVING_CARE_SERVICES_ENDED),
        (_C.CEASED, _C.CARE_LEAVER, _C.LEAVING_CARE_SERVICES_ENDED),
        "Correct the day care ended or the SSDA903 reason it ended for (typed wrong), with "
        "the reason",
        process=Process.CARE,
        performer=Authority.AUTHORISE,
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
        # Made from 16 while still looked after (an eligible child), and kept after care.
        "recordPathwayPlan",
        (_C.LOOKED_AFTER, _C.CARE_LEAVER),
        (_C.LOOKED_AFTER, _C.CARE_LEAVER),
        "Record the pathway plan (from 16, or as a care leaver) or its review",
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

# A plan for adoption still running: neither adopted nor reversed (nor its reversal
# awaiting a manager). The decision can be reversed in any of these.
ADOPTION_PLAN_RUNNING: Final = (
    _A.SHOULD_BE_PLACED,
    _A.PLACEMENT_ORDER_GRANTED,
    _A.MATCHED,
    _A.PLACED,
)
_ADOPTION_PLAN_KEPT: Final = (*ADOPTION_PLAN_RUNNING, _A.ADOPTED, _A.CEASED)
_ADOPTION_TRANSITIONS: Final[tuple[Transition, ...]] = (
    # A placement order typed after the match or the placement it came before (a paper
    # record) leaves the plan where it is: each step is dated when it happened.
    _t(
        "recordPlacementOrder",
        (_A.SHOULD_BE_PLACED, _A.MATCHED, _A.PLACED),
        (_A.PLACEMENT_ORDER_GRANTED, _A.MATCHED, _A.PLACED),
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
    # A step typed with the wrong day is corrected (SSDA903 DATE_PLACED, DATE_MATCH,
    # DATE_PLACED_CEASED report it), also once the plan has ended; not while its reversal
    # waits on a manager, who decides on the dates as they stand.
    _t(
        "correctAdoptionPlanDate",
        _ADOPTION_PLAN_KEPT,
        _ADOPTION_PLAN_KEPT,
        "Correct the day a step of the plan for adoption happened (typed wrong), with the reason",
        process=Process.ADOPTION,
    ),
    _t(
        "ceaseAdoptionPlan",
        ADOPTION_PLAN_RUNNING,
        _A.CEASED,
        "Reverse the decision that the child should be placed for adoption, with the "
        "SSDA903 reason, for a manager to authorise",
        process=Process.ADOPTION,
        authorised_in=_A.CEASING_AWAITING_AUTHORISATION,
    ),
    _t(
        # A correction, as withdrawReferral is: the decision was never this child's. Not
        # once adopted (the court's order ended care, E11/E12), nor while a reversal
        # waits on a manager (they decide on it first); the SSDA903 episodes standing on
        # the decision (E1, A3-A6) are corrected first.
        "withdrawAdoptionPlan",
        (*ADOPTION_PLAN_RUNNING, _A.CEASED),
        _A.RECORDED_IN_ERROR,
        "Withdraw a plan for adoption recorded in error (the wrong child, or typed twice): "
        "kept in the history, in no return (a team manager's correction, with the reason)",
        process=Process.ADOPTION,
        performer=Authority.AUTHORISE,
    ),
)

# Why a held step was late, recorded after it was held: a step a correction elsewhere
# made late (the review before it moved earlier), or one whose reason is put right. A
# history of the record, so also once it has finished (WRITTEN_UP_AFTER_THE_END), but
# not on a record withdrawn in error or whose withdrawal awaits a manager.
RECORD_LATE_REASON: Final = "recordLateReason"
_STEPS_HELD_IN: Final[Mapping[Process, tuple[str, ...]]] = MappingProxyType(
    {
        # Its one step is held when a manager authorises it (late, the manager says why).
        Process.ASSESSMENT: (_AS.AUTHORISED,),
        Process.INITIAL_CONFERENCE: (_I.PLAN_MADE, _I.NO_PLAN),
        Process.CHILD_PROTECTION_PLAN: _PLAN_STEPS_KEPT,
        Process.CHILD_IN_NEED_PLAN: _PLAN_STEPS_KEPT,
        Process.CARE: (*_EPISODES_KEPT, _C.CEASING_AWAITING_AUTHORISATION),
    }
)
_LATE_REASON_TRANSITIONS: Final[tuple[Transition, ...]] = tuple(
    _t(
        RECORD_LATE_REASON,
        states,
        states,
        "Record why a held step was late (one a correction made late, or a reason put right)",
        process=process,
    )
    for process, states in _STEPS_HELD_IN.items()
)

TRANSITIONS: Final[tuple[Transition, ...]] = (
    *_CASE_TRANSITIONS,
    *_ASSESSMENT_TRANSITIONS,
    *_SECTION_47_TRANSITIONS,
    *_CONFERENCE_TRANSITIONS,
    *_CHILD_PROTECTION_TRANSITIONS,
    *_CHILD_IN_NEED_TRANSITIONS,
    *_CARE_TRANSITIONS,
    *_ADOPTION_TRANSITIONS,
    *_LATE_REASON_TRANSITIONS,
)

STATES: Final[Mapping[Process, tuple[str, ...]]] = MappingProxyType(
    {
        Process.CASE: tuple(CaseState),
        Process.ASSESSMENT: tuple(AssessmentState),
        Process.SECTION_47_ENQUIRY: tuple(Section47State),
        Process.INITIAL_CONFERENCE: tuple(InitialConferenceState),
        # Withdrawn only with its conference (RECORDED_IN_ERROR), never by an action of its own.
        Process.CHILD_PROTECTION_PLAN: (PlanState.ACTIVE, PlanState.ENDED),
        Process.CHILD_IN_NEED_PLAN: tuple(PlanState),
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
    """The actions that may be taken from `state`, in declaration order (a record waiting
    for authorisation also allows whatever its table declares from the waiting state)."""
    own = tuple(t.action for t in TRANSITIONS if t.process is process and state in t.sources)
    if state in awaiting_states(process):
        return (AUTHORISE, RETURN_FOR_REWORK, *own)
    return own


def authority_for(process: Process, action: str) -> Authority | None:
    """What performing `action` asks of the caller (None when the action is unknown)."""
    if action in (AUTHORISE, RETURN_FOR_REWORK):
        return Authority.AUTHORISE
    found = transition(process, action)
    return found.performer if found else None


# ---- the episode's own rules: what the statutory model forbids across its processes ----

# The states in which each episode process is over; in any other it is open.
FINISHED_STATES: Final[Mapping[Process, frozenset[str]]] = MappingProxyType(
    {
        Process.ASSESSMENT: frozenset({_AS.AUTHORISED, _AS.RECORDED_IN_ERROR}),
        Process.SECTION_47_ENQUIRY: frozenset(
            {_E.CONFERENCE_REQUESTED, _E.NO_CONFERENCE_NEEDED, _E.RECORDED_IN_ERROR}
        ),
        Process.INITIAL_CONFERENCE: frozenset({_I.PLAN_MADE, _I.NO_PLAN, _I.RECORDED_IN_ERROR}),
        Process.CHILD_PROTECTION_PLAN: frozenset({_P.ENDED, _P.RECORDED_IN_ERROR}),
        Process.CHILD_IN_NEED_PLAN: frozenset({_P.ENDED, _P.RECORDED_IN_ERROR}),
    }
)
# The day a finished record of an episode process stopped being in force (a plan's end,
# an enquiry's conclusion, a conference's meeting, an assessment's authorisation): the
# episode's rules weigh a record dated before it against it, as if it were still open.
ENDED_ON: Final[Mapping[Process, str]] = MappingProxyType(
    {
        Process.ASSESSMENT: "authorisedDate",
        Process.SECTION_47_ENQUIRY: "endDate",
        Process.INITIAL_CONFERENCE: "heldDate",
        Process.CHILD_PROTECTION_PLAN: "endDate",
        Process.CHILD_IN_NEED_PLAN: "endDate",
    }
)
# The state a process is put in when an episode rule ends it.
ENDED_STATE: Final[Mapping[Process, str]] = MappingProxyType({Process.CHILD_IN_NEED_PLAN: _P.ENDED})
# The episode states in which its processes may still be worked on.
EPISODE_OPEN_STATES: Final = frozenset(_EPISODE_GOING_ON)
# The episode states that close it (the proposal is checked as the closure itself).
EPISODE_CLOSING_STATES: Final = frozenset(
    {
        _S.CLOSED,
        _S.CLOSURE_AWAITING_AUTHORISATION,
        _S.NO_FURTHER_ACTION_AWAITING_AUTHORISATION,
    }
)


class EpisodeEvent(StrEnum):
    """What happens in the episode that a rule is about."""

    OPENS = "OPENS"  # a record of `process` is opened in the episode
    CLOSES = "CLOSES"  # the episode closes (or its closure is proposed)


@dataclass(frozen=True, slots=True)
class EpisodeRule:
    """One cross-process rule: when `event` happens, refuse it while a record of
    `refused_while_open` is open, and end every open record of `ends_open` that day."""

    event: EpisodeEvent
    reason: str
    process: Process | None = None
    refused_while_open: frozenset[Process] = frozenset()
    ends_open: frozenset[Process] = frozenset()

    def __post_init__(self) -> None:
        if (self.event is EpisodeEvent.OPENS) != (self.process is not None):
            raise ValueError(f"{self.reason}: a rule on opening names the process opened")
        if any(process not in ENDED_STATE for process in self.ends_open):
            raise ValueError(f"{self.reason}: it ends a process with no ended state")


_O, _X = EpisodeEvent.OPENS, EpisodeEvent.CLOSES
EPISODE_RULES: Final[tuple[EpisodeRule, ...]] = (
    EpisodeRule(
        _O,
        "a child has one child protection plan at a time",
        process=Process.CHILD_PROTECTION_PLAN,
        refused_while_open=frozenset({Process.CHILD_PROTECTION_PLAN}),
    ),
    # CIN census 4001/4016/4017: a CIN plan does not overlap a CP plan; it may end the
    # day the CP plan starts.
    EpisodeRule(
        _O,
        "a child in need plan ends the day a child protection plan starts",
        process=Process.CHILD_PROTECTION_PLAN,
        ends_open=frozenset({Process.CHILD_IN_NEED_PLAN}),
    ),
    # CIN census 8890: a section 47 enquiry does not start while another is going on,
    # from its strategy discussion to its initial conference (or to its conclusion
    # without one).
    EpisodeRule(
        _O,
        "a child has one section 47 enquiry at a time: a new one starts once the one going "
        "on is concluded and any initial conference it asked for is held",
        process=Process.SECTION_47_ENQUIRY,
        refused_while_open=frozenset({Process.SECTION_47_ENQUIRY, Process.INITIAL_CONFERENCE}),
    ),
    EpisodeRule(
        _O,
        "a child on a child protection plan has no child in need plan beside it, and a "
        "child has one child in need plan at a time",
        process=Process.CHILD_IN_NEED_PLAN,
        refused_while_open=frozenset({Process.CHILD_PROTECTION_PLAN, Process.CHILD_IN_NEED_PLAN}),
    ),
    # CIN census: an episode closes after its plans end and its assessments and
    # enquiries are concluded (a plan open at closure would have no end date).
    EpisodeRule(
        _X,
        "the episode cannot close while a child protection plan, a section 47 enquiry, an "
        "initial conference still due or an assessment not yet authorised is open",
        refused_while_open=frozenset(
            {
                Process.CHILD_PROTECTION_PLAN,
                Process.SECTION_47_ENQUIRY,
                Process.INITIAL_CONFERENCE,
                Process.ASSESSMENT,
            }
        ),
    ),
    EpisodeRule(
        _X,
        "closing the episode ends its child in need plan that day",
        ends_open=frozenset({Process.CHILD_IN_NEED_PLAN}),
    ),
)


# Working Together 2023 / CIN census: a child protection plan ends the day the child
# becomes looked after (the period of care's start; graph/cypher/journey.py applies it in
# the statement that starts the period of care, so the two cannot disagree).
ENDED_ON_BECOMING_LOOKED_AFTER: Final = (Process.CHILD_PROTECTION_PLAN, "BECAME_LOOKED_AFTER")


def is_open(process: Process, state: str) -> bool:
    """Whether a record of an episode process in `state` is still open."""
    return state not in FINISHED_STATES[process]


def rules_on_opening(process: Process) -> tuple[EpisodeRule, ...]:
    """The episode's rules about opening a record of `process`."""
    return tuple(r for r in EPISODE_RULES if r.event is _O and r.process is process)


def rules_on_closing() -> tuple[EpisodeRule, ...]:
    """The episode's rules about closing it."""
    return tuple(r for r in EPISODE_RULES if r.event is _X)
