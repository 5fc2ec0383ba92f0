"""The transition matrix, generated from the process table, on the real engine.

For every state of every process, a record is driven into that state along a canonical
path, then every action of the process is tried there: an action the table allows is
performed (the record reaches one of the declared targets, or waits for authorisation),
any other is refused with TransitionRefused naming the state and the allowed actions,
and a refused action writes nothing. No pair may crash.
"""

from __future__ import annotations

import asyncio
import itertools
from datetime import date, timedelta
from typing import Any

import pytest

from graph import FalkorDBStore
from graph.cypher.access import AccessScope
from graph.migrations import backfill_access_holders
from workflow import journey
from workflow import process as table
from workflow.calendar import default_calendar
from workflow.journey import adoption, care
from workflow.journey.effects import Clock
from workflow.outcomes import InvalidInput, NotAuthorised, TransitionRefused
from workflow.timescales import DEFAULT_LOCAL_STANDARDS
from workflow.validation import validate

pytestmark = pytest.mark.anyio

SCOPE = AccessScope(viewer="worker-1", team="team-1", view_all=True, now_ms=1_700_000_000_000)
# Four eyes: a manager other than whoever proposed decides on a proposal.
MANAGER = AccessScope(viewer="manager-1", team="team-1", view_all=True, now_ms=1_700_000_000_000)
CLOCK = Clock(
    today=date(2026, 11, 27), calendar=default_calendar(), standards=DEFAULT_LOCAL_STANDARDS
)
REFERRED = date(2026, 3, 2)
SATURDAY = 5

SETUP = """
MERGE (t:Team {id: 'team-1'}) ON CREATE SET t.name = 'Team'
MERGE (w:Worker {id: 'worker-1'}) ON CREATE SET w.name = 'Sam'
MERGE (w)-[:MEMBER_OF_TEAM]->(t)
MERGE (m:Worker {id: 'manager-1'}) ON CREATE SET m.name = 'Alex'
MERGE (m)-[:MEMBER_OF_TEAM]->(t)
CREATE (c:Person:Child {id: $childId, givenName: 'A', familyName: 'B',
        dateOfBirth: date('2009-01-10'), restricted: false})
CREATE (c)-[:ALLOCATED_TO]->(w)
CREATE (c)-[:RESPONSIBLE_TEAM]->(t)
"""
REFERRAL = """
MATCH (c:Child {id: $childId})
CREATE (r:Referral {id: $id, referralDate: date($date), source: '2A', status: 'OPEN',
        createdAt: 1, version: 1})-[:ABOUT]->(c)
"""

# A held step made late: due before it was held (as a correction of the step before it
# leaves it), with no reason why.
LATE = "MATCH (s:Step {id: $id}) SET s.dueDate = date($due) REMOVE s.lateReason"
# A referral decided late: referred a week before the walk began (as a corrected referral
# date leaves it), with no reason why; decided when the walk began if it closed before.
DECIDED_LATE = """
MATCH (r:Referral {id: $id}) WHERE r.status IN $decided
SET r.referralDate = date($referred), r.decisionDate = coalesce(r.decisionDate, date($on))
REMOVE r.decisionLateReason
"""

# One valid input per action; `{d}` is replaced by a date later than every earlier call,
# and a late reason is always given so that no canonical call trips a timescale.
CANONICAL: dict[str, dict[str, Any]] = {
    "decideReferral": {"decidedOn": "{d}", "primaryNeed": "N1", "lateReason": "test"},
    "closeWithNoFurtherAction": {"on": "{d}", "lateReason": "test"},
    "startAssessment": {"startedOn": "{d}"},
    "holdStrategyDiscussion": {"heldOn": "{d}"},
    "holdTransferInConference": {
        "heldOn": "{d}",
        "planRequired": True,
        "categoriesOfAbuse": ["NEG"],
        "lateReason": "test",
    },
    "startChildInNeedPlan": {"startDate": "{d}"},
    "closeCase": {"closedOn": "{d}", "reason": "RC7"},
    "reopenCase": {"reopenedOn": "{d}", "reason": "Closed on the wrong child"},
    "withdrawReferral": {"withdrawnOn": "{d}", "reason": "Referred on the wrong child"},
    # Earlier than the referral every walk starts from (REFERRED).
    "correctReferralDate": {"referralDate": "2026-02-27", "reason": "Typed wrongly"},
    # After the referral, before any closure (the walk's, or DECIDED_LATE's decision).
    "correctReferralDecisionDate": {
        "decidedOn": (REFERRED + timedelta(days=1)).isoformat(),
        "reason": "Typed wrongly",
    },
    "completeAssessment": {"completedOn": "{d}", "factors": ["3A"], "lateReason": "test"},
    "withdrawAssessment": {"withdrawnOn": "{d}", "reason": "Started on the wrong child"},
    "withdrawSection47Enquiry": {"withdrawnOn": "{d}", "reason": "Started twice"},
    "withdrawChildInNeedPlan": {"withdrawnOn": "{d}", "reason": "Started on the wrong child"},
    "withdrawInitialConference": {"withdrawnOn": "{d}", "reason": "Held on the wrong child"},
    "correctInitialConferenceDate": {"heldOn": "{d}", "reason": "Typed wrong", "lateReason": "t"},
    # Earlier than any enquiry's conclusion: the day after the referral every walk starts from.
    "correctStrategyDiscussionDate": {
        "heldOn": (REFERRED + timedelta(days=1)).isoformat(),
        "reason": "Typed wrong",
        "lateReason": "t",
    },
    "requestInitialConference": {"concludedOn": "{d}"},
    "concludeEnquiryWithoutConference": {"concludedOn": "{d}"},
    "holdInitialConference": {
        "heldOn": "{d}",
        "planRequired": True,
        "categoriesOfAbuse": ["NEG"],
        "lateReason": "test",
    },
    "holdReviewConference": {"heldOn": "{d}", "lateReason": "test"},
    "holdCoreGroup": {"heldOn": "{d}", "lateReason": "test"},
    "recordChildProtectionVisit": {"visitedOn": "{d}", "seenAlone": True, "lateReason": "test"},
    "endChildProtectionPlan": {"endedOn": "{d}", "reason": "TRANSFERRED_OUT"},
    # The visit every path of these records holds (VISITED), corrected to a day within
    # the record: after its start, before the visit and before any end.
    "correctChildProtectionStepDate": {
        "stepId": "{visit}",
        "happenedOn": (REFERRED + timedelta(days=3)).isoformat(),
        "reason": "Typed wrong",
    },
    "withdrawChildProtectionStep": {"stepId": "{visit}", "reason": "Recorded twice"},
    "withdrawChildInNeedStep": {"stepId": "{visit}", "reason": "Recorded twice"},
    "correctChildInNeedStepDate": {
        "stepId": "{visit}",
        "happenedOn": (REFERRED + timedelta(days=3)).isoformat(),
        "reason": "Typed wrong",
    },
    # The walk's plan, ended on transfer out: it ended later than it was recorded.
    "correctChildProtectionPlanEnd": {"endedOn": "{d}", "reason": "Typed wrong"},
    # The walk's child in need plan: started a day later than it was recorded (before
    # the visit every path holds).
    "correctChildInNeedPlanDates": {
        "startedOn": (REFERRED + timedelta(days=1)).isoformat(),
        "reason": "Typed wrong",
    },
    # The walk's end of care: a day later than it was recorded.
    "correctEndOfCare": {"endedOn": "{d}", "reason": "Typed wrong"},
    # The walk's assessment, authorised: authorised later than it was recorded.
    "correctAssessmentDates": {"authorisedOn": "{d}", "reason": "Typed wrong"},
    # The start of care (REFERRED), which came a day earlier: before anything in care.
    "correctEpisodeStart": {
        "episodeFrom": REFERRED.isoformat(),
        "startedOn": (REFERRED - timedelta(days=1)).isoformat(),
        "reason": "Typed wrong",
    },
    # The missing episode every path of care holds (_IN_CARE), started a day after care.
    "correctMissingEpisode": {
        "stepId": "{missing}",
        "startedOn": (REFERRED + timedelta(days=1)).isoformat(),
        "reason": "Typed wrong",
    },
    # A held step the walk made late (LATE), which the record keeps why.
    "recordLateReason": {"stepId": "{late}", "reason": "The chair was ill"},
    # A decision the walk made late (DECIDED_LATE), which the case keeps why.
    "recordDecisionLateReason": {"reason": "The referral came on paper"},
    "withdrawCareStep": {"stepId": "{visit}", "reason": "Recorded on the wrong child"},
    "correctCareStepDate": {
        "stepId": "{visit}",
        "happenedOn": (REFERRED + timedelta(days=1)).isoformat(),
        "reason": "Typed wrong",
    },
    "reviewChildInNeedPlan": {"heldOn": "{d}", "lateReason": "test"},
    "recordChildInNeedVisit": {"visitedOn": "{d}", "seenAlone": False, "lateReason": "test"},
    "endChildInNeedPlan": {"endedOn": "{d}"},
    "changePlacement": {
        "changedOn": "{d}",
        "placementType": "U4",
        "placementProvider": "PR1",
        "reason": "CARPL",
    },
    "changeLegalStatus": {"changedOn": "{d}", "legalStatus": "C2"},
    "correctPlacement": {"placementType": "U4", "placementProvider": "PR1"},
    # The current episode's legal status (C1, or C2 after a change), as it should have been.
    "correctLegalStatus": {"legalStatus": "D1", "reason": "Typed wrong"},
    "holdLookedAfterReview": {"heldOn": "{d}", "participation": "PN1", "lateReason": "test"},
    "recordStatutoryVisit": {"on": "{d}", "lateReason": "test"},
    "recordHealthAssessment": {"on": "{d}", "lateReason": "test"},
    "recordPersonalEducationPlan": {"on": "{d}", "lateReason": "test"},
    "recordMissingEpisode": {"type": "M", "startedOn": "{d}", "returnedOn": "{d}"},
    "recordReturnHomeInterview": {"on": "{d}", "lateReason": "test"},
    "ceaseLookedAfter": {"endedOn": "{d}", "reason": "E5", "careLeaver": True},
    "recordPathwayPlan": {"on": "{d}", "lateReason": "test"},
    "recordCareLeaverContact": {
        "on": "{d}",
        "inTouch": "YES",
        "activity": "F2",
        "accommodation": "D1",
        "lateReason": "test",
    },
    "endLeavingCareServices": {"endedOn": "{d}"},
    "recordPlacementOrder": {"grantedOn": "{d}"},
    "matchWithAdopters": {"matchedOn": "{d}", "adopterSex": "MF"},
    "placeForAdoption": {"placedOn": "{d}"},
    "grantAdoptionOrder": {"grantedOn": "{d}"},
    "ceaseAdoptionPlan": {"ceasedOn": "{d}", "reason": "RD1"},
    "withdrawAdoptionPlan": {"withdrawnOn": "{d}", "reason": "Decided on the wrong child"},
    # The decision (the day after care began, on every path) was made the day care began.
    "correctAdoptionPlanDate": {
        "step": "DECISION",
        "happenedOn": REFERRED.isoformat(),
        "reason": "Typed wrong",
    },
}

Step = tuple[str, dict[str, Any]]
_S = table.CaseState
_C = table.CareState
_A = table.AdoptionState
_AS = table.AssessmentState
_E = table.Section47State
_I = table.InitialConferenceState
_P = table.PlanState
_NO_PLAN = {"planRequired": False, "categoriesOfAbuse": []}
_VISITED: Step = ("recordStatutoryVisit", {})
# What every path of a period of care holds, for the corrections to correct.
_IN_CARE: list[Step] = [_VISITED, ("recordMissingEpisode", {})]
_TO_PLACED: list[Step] = [
    ("recordPlacementOrder", {}),
    ("matchWithAdopters", {}),
    ("placeForAdoption", {}),
]
PATHS: dict[table.Process, dict[str, list[Step]]] = {
    table.Process.CASE: {
        _S.OPEN: [],
        _S.REFERRAL_DECISION_AWAITING_AUTHORISATION: [("decideReferral", {})],
        _S.ACCEPTED: [("decideReferral", {}), (table.AUTHORISE, {})],
        _S.NO_FURTHER_ACTION_AWAITING_AUTHORISATION: [("closeWithNoFurtherAction", {})],
        _S.CLOSURE_AWAITING_AUTHORISATION: [("closeCase", {})],
        _S.CLOSED: [("closeCase", {}), (table.AUTHORISE, {})],
        _S.RECORDED_IN_ERROR: [("withdrawReferral", {})],
    },
    table.Process.ASSESSMENT: {
        _AS.IN_PROGRESS: [],
        _AS.AWAITING_AUTHORISATION: [("completeAssessment", {})],
        _AS.AUTHORISED: [("completeAssessment", {}), (table.AUTHORISE, {})],
        _AS.WITHDRAWAL_AWAITING_AUTHORISATION: [("withdrawAssessment", {})],
        _AS.RECORDED_IN_ERROR: [("withdrawAssessment", {}), (table.AUTHORISE, {})],
    },
    table.Process.SECTION_47_ENQUIRY: {
        _E.IN_PROGRESS: [],
        _E.CONFERENCE_REQUESTED: [("requestInitialConference", {})],
        _E.NO_CONFERENCE_NEEDED: [("concludeEnquiryWithoutConference", {})],
        _E.WITHDRAWAL_AWAITING_AUTHORISATION: [("withdrawSection47Enquiry", {})],
        _E.RECORDED_IN_ERROR: [("withdrawSection47Enquiry", {}), (table.AUTHORISE, {})],
    },
    table.Process.INITIAL_CONFERENCE: {
        _I.DUE: [],
        _I.PLAN_MADE: [("holdInitialConference", {})],
        _I.NO_PLAN: [("holdInitialConference", _NO_PLAN)],
        _I.WITHDRAWAL_AWAITING_AUTHORISATION: [
            ("holdInitialConference", {}),
            ("withdrawInitialConference", {}),
        ],
        _I.RECORDED_IN_ERROR: [
            ("holdInitialConference", {}),
            ("withdrawInitialConference", {}),
            (table.AUTHORISE, {}),
        ],
    },
    table.Process.CHILD_PROTECTION_PLAN: {
        _P.ACTIVE: [("recordChildProtectionVisit", {})],
        _P.ENDED: [("recordChildProtectionVisit", {}), ("endChildProtectionPlan", {})],
    },
    table.Process.CHILD_IN_NEED_PLAN: {
        _P.ACTIVE: [("recordChildInNeedVisit", {})],
        _P.ENDED: [("recordChildInNeedVisit", {}), ("endChildInNeedPlan", {})],
        _P.WITHDRAWAL_AWAITING_AUTHORISATION: [("withdrawChildInNeedPlan", {})],
        _P.RECORDED_IN_ERROR: [("withdrawChildInNeedPlan", {}), (table.AUTHORISE, {})],
    },
    table.Process.CARE: {
        _C.LOOKED_AFTER: [*_IN_CARE],
        _C.CEASING_AWAITING_AUTHORISATION: [*_IN_CARE, ("ceaseLookedAfter", {"careLeaver": False})],
        _C.CEASED: [*_IN_CARE, ("ceaseLookedAfter", {"careLeaver": False}), (table.AUTHORISE, {})],
        _C.CARE_LEAVER: [*_IN_CARE, ("ceaseLookedAfter", {}), (table.AUTHORISE, {})],
        _C.LEAVING_CARE_SERVICES_ENDED: [
            *_IN_CARE,
            ("ceaseLookedAfter", {}),
            (table.AUTHORISE, {}),
            ("endLeavingCareServices", {}),
        ],
    },
    table.Process.ADOPTION: {
        _A.SHOULD_BE_PLACED: [],
        _A.PLACEMENT_ORDER_GRANTED: _TO_PLACED[:1],
        # Matched and placed with the parents' consent, no placement order yet: one
        # typed after the match or the placement is recorded there (a paper record).
        _A.MATCHED: _TO_PLACED[1:2],
        _A.PLACED: _TO_PLACED[1:],
        _A.ADOPTED: [*_TO_PLACED, ("grantAdoptionOrder", {})],
        _A.CEASING_AWAITING_AUTHORISATION: [("ceaseAdoptionPlan", {})],
        _A.CEASED: [("ceaseAdoptionPlan", {}), (table.AUTHORISE, {})],
        _A.RECORDED_IN_ERROR: [("withdrawAdoptionPlan", {})],
    },
}
# Actions whose input refers to an earlier step: the step is recorded first.
PRELUDES: dict[str, list[Step]] = {"recordReturnHomeInterview": [("recordMissingEpisode", {})]}
# A plan's step written up after the plan ended (a step of care once care ended) is dated
# within it: between its start (the walk's first day) and its end (the second).
WITHIN_AN_ENDED_PLAN = (REFERRED + timedelta(days=3)).isoformat()
DATED_BY = {
    "holdReviewConference": "heldOn",
    "holdCoreGroup": "heldOn",
    "recordChildProtectionVisit": "visitedOn",
    "reviewChildInNeedPlan": "heldOn",
    "recordChildInNeedVisit": "visitedOn",
}
CARE_DATED_BY = {
    "holdLookedAfterReview": ("heldOn",),
    "recordStatutoryVisit": ("on",),
    "recordHealthAssessment": ("on",),
    "recordPersonalEducationPlan": ("on",),
    "recordMissingEpisode": ("startedOn", "returnedOn"),
}
CARE_ENDED = frozenset({_C.CEASED, _C.CARE_LEAVER, _C.LEAVING_CARE_SERVICES_ENDED})


def _overrides(state: str, action: str) -> dict[str, Any]:
    if state == table.PlanState.ENDED and action in DATED_BY:
        return {DATED_BY[action]: WITHIN_AN_ENDED_PLAN}
    if state in CARE_ENDED and action in CARE_DATED_BY:
        return dict.fromkeys(CARE_DATED_BY[action], WITHIN_AN_ENDED_PLAN)
    return {}


_CASE = table.Process.CASE
VISITS = frozenset(
    {
        journey.StepKind.CHILD_PROTECTION_VISIT,
        journey.StepKind.CHILD_IN_NEED_VISIT,
        journey.StepKind.STATUTORY_VISIT,
    }
)
# How a record of each episode process comes to exist: actions on the episode (and, for
# a conference, on the enquiry it follows).
OPENERS: dict[table.Process, list[tuple[table.Process, str, dict[str, Any]]]] = {
    table.Process.ASSESSMENT: [(_CASE, "startAssessment", {})],
    table.Process.SECTION_47_ENQUIRY: [(_CASE, "holdStrategyDiscussion", {})],
    table.Process.INITIAL_CONFERENCE: [
        (_CASE, "holdStrategyDiscussion", {}),
        (table.Process.SECTION_47_ENQUIRY, "requestInitialConference", {}),
    ],
    table.Process.CHILD_PROTECTION_PLAN: [(_CASE, "holdTransferInConference", {})],
    table.Process.CHILD_IN_NEED_PLAN: [(_CASE, "startChildInNeedPlan", {})],
}


class Journey:
    """One child's record driven through the engine with ever later dates."""

    def __init__(self, store: FalkorDBStore, process: table.Process) -> None:
        self.store = store
        self.process = process
        self.days = itertools.count(1)
        self.record_id = ""
        self.episode_id = ""

    def _day(self) -> date:
        # Every other day, a working day (an initial conference is never at a weekend:
        # CIN census 8875), each later than the one before.
        day = REFERRED + timedelta(days=2 * next(self.days))
        while day.weekday() >= SATURDAY:
            day = REFERRED + timedelta(days=2 * next(self.days))
        return day

    def _input(
        self, action: str, overrides: dict[str, Any], held: dict[str, str] | None = None
    ) -> dict[str, Any]:
        day = self._day().isoformat()
        placeholders = {"{d}": day, **(held or {})}
        raw = {
            k: placeholders.get(v, v) if isinstance(v, str) else v
            for k, v in CANONICAL[action].items()
        }
        return {**raw, **overrides}

    async def start(self, child_id: str) -> None:
        await self.store.write(SETUP, {"childId": child_id})
        await backfill_access_holders(self.store)
        if self.process is _CASE or self.process in table.EPISODE_PROCESSES:
            self.episode_id = self.record_id = f"referral-{child_id}"
            await self.store.write(
                REFERRAL, {"childId": child_id, "id": self.record_id, "date": REFERRED}
            )
            for process, action, overrides in OPENERS.get(self.process, []):
                result = await self.act_on(process, self.newest(process), action, overrides)
                assert isinstance(result, dict), (action, result)
            if self.process is not _CASE:
                self.record_id = self.newest(self.process)
            return
        data = validate(
            care.StartLookedAfter,
            {
                "childId": child_id,
                "startedOn": REFERRED.isoformat(),
                "legalStatus": "C1",
                "placementType": "U6",
                "placementProvider": "PR1",
            },
        )
        assert isinstance(data, care.StartLookedAfter), data
        started = await care.start_looked_after(self.store, SCOPE, data, CLOCK)
        assert isinstance(started, dict), started
        self.record_id = started["record"]["id"]
        if self.process is table.Process.ADOPTION:
            decision = adoption.DecideAdoption(
                period_of_care_id=self.record_id, decided_on=REFERRED + timedelta(days=1)
            )
            planned = await adoption.decide_adoption(self.store, SCOPE, decision, CLOCK)
            assert isinstance(planned, dict), planned
            self.record_id = planned["record"]["id"]

    def newest(self, process: table.Process) -> str:
        """The id of the episode itself, or of its latest record of `process`."""
        if process is _CASE:
            return self.episode_id
        return self._records[process][-1]

    async def episode(self) -> Any:
        record = await journey.read_record(self.store, SCOPE, _CASE, self.episode_id)
        assert record is not None
        self._records = {
            process: [
                entry["record"]["id"]
                for entry in sorted(
                    record.episode_records(process.value),
                    key=lambda entry: entry["record"]["createdAt"],
                )
            ]
            for process in table.EPISODE_PROCESSES
        }
        return record

    async def state(self, process: table.Process | None = None, record_id: str = "") -> Any:
        record = await journey.read_record(
            self.store, SCOPE, process or self.process, record_id or self.record_id
        )
        assert record is not None
        return record.state, record.version, len(record.steps)

    async def _held(self, process: table.Process, record_id: str) -> dict[str, str]:
        """The ids of the record's latest visit held and missing episode, if any (what a
        correction corrects), by their placeholders."""
        record = await journey.read_record(self.store, SCOPE, process, record_id)
        assert record is not None
        held = {
            name: [
                step["id"]
                for step in record.steps
                if step["kind"] in kinds and step["status"] == journey.StepStatus.DONE
            ]
            for name, kinds in (
                ("{visit}", VISITS),
                ("{missing}", {journey.StepKind.MISSING_EPISODE}),
            )
        }
        timed = [s["id"] for s in record.steps if s["status"] == "DONE" and s.get("dueRule")]
        return {name: ids[-1] if ids else "" for name, ids in {**held, "{late}": timed}.items()}

    async def act(self, action: str, overrides: dict[str, Any] | None = None) -> Any:
        return await self.act_on(self.process, self.record_id, action, overrides or {})

    async def act_on(
        self, process: table.Process, record_id: str, action: str, overrides: dict[str, Any]
    ) -> Any:
        _, version, _ = await self.state(process, record_id)
        if action == table.AUTHORISE:
            # Backdated like everything else: the manager decided soon after.
            result: Any = await journey.authorise(
                self.store, MANAGER, process, record_id, version, CLOCK, self._day()
            )
        elif action == table.RETURN_FOR_REWORK:
            result = await journey.return_for_rework(
                self.store, MANAGER, process, record_id, version, "redo it", CLOCK, self._day()
            )
        else:
            held = await self._held(process, record_id)
            if action == table.RECORD_LATE_REASON:
                # The walks hold every step on time: a correction elsewhere makes one late.
                await self.store.write(LATE, {"id": held["{late}"], "due": REFERRED.isoformat()})
            if action in (table.RECORD_DECISION_LATE_REASON, "correctReferralDecisionDate"):
                # The walks decide on time: a corrected referral date makes it late (and
                # a closed episode the walk closed undecided has a decision to correct).
                declared = table.transition(process, action)
                assert declared is not None
                late = {
                    "id": record_id,
                    "decided": sorted(declared.sources),
                    "referred": (REFERRED - timedelta(days=7)).isoformat(),
                    "on": REFERRED.isoformat(),
                }
                await self.store.write(DECIDED_LATE, late)
            result = await journey.perform(
                self.store,
                SCOPE,
                process,
                record_id,
                action,
                version,
                self._input(action, overrides, held),
                CLOCK,
            )
        if self.episode_id:
            await self.episode()
        return result

    async def walk(self, path: list[Step]) -> None:
        for action, overrides in path:
            result = await self.act(action, overrides)
            assert isinstance(result, dict), (action, result)


def test_every_transition_has_an_effect_and_every_state_a_path() -> None:
    assert journey.missing_specs() == []
    for process, states in table.STATES.items():
        assert set(PATHS[process]) == set(states), process
        for awaiting, proposal in table.awaiting_states(process).items():
            assert awaiting in states
            assert proposal.authoriser is not None
    assert set(CANONICAL) == {t.action for t in table.TRANSITIONS}


# A manager's own corrections of what a manager authorised in error.
MANAGERS_CORRECT = frozenset(
    {
        "reopenCase",
        "correctReferralDate",
        "correctReferralDecisionDate",
        "withdrawReferral",
        "withdrawAdoptionPlan",
        "correctAssessmentDates",
        "correctEndOfCare",
    }
)


def test_only_managers_authorise_and_correct_and_workers_perform() -> None:
    for process in table.Process:
        for action in table.actions(process):
            expected = (
                table.Authority.AUTHORISE
                if action in (table.AUTHORISE, table.RETURN_FOR_REWORK, *MANAGERS_CORRECT)
                else table.Authority.RECORD
            )
            assert table.authority_for(process, action) is expected
    assert table.authority_for(table.Process.CASE, "noSuchAction") is None


MATRIX = [(process, state) for process, states in table.STATES.items() for state in states]


@pytest.mark.parametrize(("process", "state"), MATRIX)
async def test_every_action_from_every_state_is_performed_or_refused(
    store: FalkorDBStore, process: table.Process, state: str
) -> None:
    allowed = table.allowed_actions(process, state)
    awaiting = table.awaiting_states(process)
    # Refused actions all run on one record: none of them may change it.
    refused_on = Journey(store, process)
    await refused_on.start(f"refused-{state}")
    await refused_on.walk(PATHS[process][state])
    before = await refused_on.state()
    assert before[0] == state
    for action in table.actions(process):
        if action in allowed:
            continue
        result = await refused_on.act(action)
        assert isinstance(result, TransitionRefused), (state, action, result)
        assert result.current_state == state
        assert result.allowed == allowed
        assert await refused_on.state() == before
    # Each allowed action gets its own record, driven to the same state.
    for action in allowed:
        performer = Journey(store, process)
        await performer.start(f"allowed-{state}-{action}")
        await performer.walk(PATHS[process][state])
        await performer.walk(PRELUDES.get(action, []))
        result = await performer.act(action, _overrides(state, action))
        assert isinstance(result, dict), (state, action, result)
        reached = result["record"]["status"]
        if action == table.AUTHORISE:
            expected: tuple[str, ...] = awaiting[state].targets
        elif action == table.RETURN_FOR_REWORK:
            expected = tuple(awaiting[state].sources)
        else:
            declared = table.transition(process, action)
            assert declared is not None
            expected = (declared.awaiting,) if declared.awaiting else declared.targets
        assert reached in expected, (state, action, reached)
        assert result["record"]["version"] == before[1] + 1 + len(PRELUDES.get(action, []))


async def _open(walk: Journey, process: table.Process) -> str:
    for on_process, action, overrides in OPENERS[process]:
        result = await walk.act_on(on_process, walk.newest(on_process), action, overrides)
        assert isinstance(result, dict), (action, result)
    return walk.newest(process)


async def _snapshot(walk: Journey) -> list[tuple[str, str, int, int]]:
    episode = await walk.episode()
    return [
        (episode.id, episode.state, episode.version, len(episode.processes)),
        *sorted(
            (e["record"]["id"], e["record"]["status"], e["record"]["version"], len(e["steps"]))
            for e in episode.processes
        ),
    ]


async def _trigger(walk: Journey, rule: table.EpisodeRule) -> Any:
    """Make the rule's event happen: open a record of its process, or close the episode
    (proposed by the worker, then authorised by the manager)."""
    if rule.process is not None:
        opener = OPENERS[rule.process][-1]
        return await walk.act_on(opener[0], walk.newest(opener[0]), opener[1], opener[2])
    proposed = await walk.act_on(_CASE, walk.episode_id, "closeCase", {})
    if not isinstance(proposed, dict):
        return proposed
    return await walk.act_on(_CASE, walk.episode_id, table.AUTHORISE, {})


RULE_CASES = [
    (index, blocker, kind)
    for index, rule in enumerate(table.EPISODE_RULES)
    for kind, processes in (("refuses", rule.refused_while_open), ("ends", rule.ends_open))
    for blocker in sorted(processes)
]


@pytest.mark.parametrize(("index", "other", "kind"), RULE_CASES)
async def test_every_episode_rule_refuses_or_ends_what_it_names(
    store: FalkorDBStore, index: int, other: table.Process, kind: str
) -> None:
    rule = table.EPISODE_RULES[index]
    walk = Journey(store, _CASE)
    await walk.start(f"rule-{index}-{other}-{kind}")
    if rule.process is table.Process.INITIAL_CONFERENCE:
        await _open(walk, table.Process.SECTION_47_ENQUIRY)
    other_id = await _open(walk, other)
    before = await _snapshot(walk)
    result = await _trigger(walk, rule)
    if kind == "refuses":
        assert isinstance(result, TransitionRefused), result
        assert rule.reason in result.reason
        assert other_id in result.reason
        assert await _snapshot(walk) == before
        return
    assert isinstance(result, dict), result
    ended = await journey.read_record(store, SCOPE, other, other_id)
    assert ended is not None
    assert ended.state == table.ENDED_STATE[other]
    assert not ended.open_steps()
    assert isinstance(ended.facts["endDate"], date)


AWAITING_CASES = [
    (index, ended, state)
    for index, rule in enumerate(table.EPISODE_RULES)
    for ended in sorted(rule.ends_open)
    for state in table.awaiting_states(ended)
]


@pytest.mark.parametrize(("index", "other", "state"), AWAITING_CASES)
async def test_an_episode_rule_leaves_a_record_awaiting_a_decision_to_the_manager(
    store: FalkorDBStore, index: int, other: table.Process, state: str
) -> None:
    # Ending a child in need plan whose withdrawal awaits authorisation would put a plan
    # started in error into the census with an end date: the rule refuses until decided.
    rule = table.EPISODE_RULES[index]
    walk = Journey(store, _CASE)
    await walk.start(f"awaiting-{index}-{other}-{state}")
    other_id = await _open(walk, other)
    for action, overrides in PATHS[other][state]:
        result = await walk.act_on(other, other_id, action, overrides)
        assert isinstance(result, dict), (action, result)
    before = await _snapshot(walk)
    result = await _trigger(walk, rule)
    assert isinstance(result, TransitionRefused), result
    assert rule.reason in result.reason
    assert f"{other_id} is {state}" in result.reason
    assert await _snapshot(walk) == before


async def test_four_eyes_and_backdated_authorisation(store: FalkorDBStore) -> None:
    walk = Journey(store, table.Process.ASSESSMENT)
    await walk.start("four-eyes")
    proposed = await walk.act("completeAssessment")
    assert isinstance(proposed, dict), proposed
    _, version, _ = await walk.state()
    own = await journey.authorise(store, SCOPE, walk.process, walk.record_id, version, CLOCK)
    assert own == NotAuthorised(
        reason=f"you recorded completeAssessment on {walk.record_id}; another manager must "
        "decide on it"
    )
    too_early = await journey.authorise(
        store, MANAGER, walk.process, walk.record_id, version, CLOCK, REFERRED
    )
    assert isinstance(too_early, InvalidInput)
    assert too_early.problems[0].field == "on"
    assert (await walk.state())[1] == version
    authorised = await journey.authorise(
        store, MANAGER, walk.process, walk.record_id, version, CLOCK, date(2026, 4, 1)
    )
    assert isinstance(authorised, dict), authorised
    assert authorised["record"]["authorisedDate"] == date(2026, 4, 1)
    assert authorised["record"]["status"] == table.AssessmentState.AUTHORISED


async def test_racing_actions_in_one_episode_cannot_both_pass_its_rules(
    store: FalkorDBStore,
) -> None:
    # A conference making a CP plan and a new CIN plan, each checked against the episode
    # as it was before the other: the episode's version lets only one of them write.
    walk = Journey(store, table.Process.INITIAL_CONFERENCE)
    await walk.start("racing")
    _, conference_version, _ = await walk.state()
    episode = await walk.episode()
    plan, cin_plan = await asyncio.gather(
        journey.perform(
            store,
            SCOPE,
            table.Process.INITIAL_CONFERENCE,
            walk.record_id,
            "holdInitialConference",
            conference_version,
            walk._input("holdInitialConference", {}),
            CLOCK,
        ),
        journey.perform(
            store,
            SCOPE,
            _CASE,
            walk.episode_id,
            "startChildInNeedPlan",
            episode.version,
            walk._input("startChildInNeedPlan", {}),
            CLOCK,
        ),
    )
    outcomes = [isinstance(result, dict) for result in (plan, cin_plan)]
    assert sorted(outcomes) == [False, True], (plan, cin_plan)
    refused = cin_plan if isinstance(plan, dict) else plan
    assert isinstance(refused, TransitionRefused)
    after = await walk.episode()
    open_plans = [
        entry["record"]["process"]
        for entry in after.processes
        if entry["record"]["process"]
        in (table.Process.CHILD_PROTECTION_PLAN, table.Process.CHILD_IN_NEED_PLAN)
        and entry["record"]["status"] == table.PlanState.ACTIVE
    ]
    assert len(open_plans) == 1


async def test_a_plan_cannot_end_another_before_that_one_started(store: FalkorDBStore) -> None:
    walk = Journey(store, table.Process.CHILD_IN_NEED_PLAN)
    await walk.start("backdated-plan")
    cin_plan = await journey.read_record(store, SCOPE, walk.process, walk.record_id)
    assert cin_plan is not None
    before = await _snapshot(walk)
    earlier = (cin_plan.facts["startDate"] - timedelta(days=1)).isoformat()
    refused = await walk.act_on(
        _CASE, walk.episode_id, "holdTransferInConference", {"heldOn": earlier}
    )
    assert isinstance(refused, TransitionRefused), refused
    assert f"{walk.record_id} started on" in refused.reason
    assert await _snapshot(walk) == before


def test_the_plan_the_period_of_care_ends_is_the_one_the_table_names() -> None:
    from graph.cypher.journey import PLAN_ENDED_ON_BECOMING_LOOKED_AFTER
    from workflow.journey.case import PlanEndReason

    process, reason = table.ENDED_ON_BECOMING_LOOKED_AFTER
    assert (table.RECORD_LABELS[process], reason) == PLAN_ENDED_ON_BECOMING_LOOKED_AFTER
    assert reason in set(PlanEndReason)
    assert table.PlanState.ENDED in table.FINISHED_STATES[process]
