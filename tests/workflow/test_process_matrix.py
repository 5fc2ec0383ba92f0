"""The transition matrix, generated from the process table, on the real engine.

For every state of every process, a record is driven into that state along a canonical
path, then every action of the process is tried there: an action the table allows is
performed (the record reaches one of the declared targets, or waits for authorisation),
any other is refused with TransitionRefused naming the state and the allowed actions,
and a refused action writes nothing. No pair may crash.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

import pytest

from graph import FalkorDBStore
from graph.cypher.access import AccessScope
from workflow import journey
from workflow import process as table
from workflow.calendar import default_calendar
from workflow.journey import adoption, care
from workflow.journey.effects import Clock
from workflow.outcomes import TransitionRefused
from workflow.timescales import DEFAULT_LOCAL_STANDARDS
from workflow.validation import validate

pytestmark = pytest.mark.anyio

SCOPE = AccessScope(viewer="worker-1", team="team-1", view_all=True, now_ms=1_700_000_000_000)
CLOCK = Clock(
    today=date(2026, 11, 27), calendar=default_calendar(), standards=DEFAULT_LOCAL_STANDARDS
)
REFERRED = date(2026, 3, 2)

SETUP = """
MERGE (t:Team {id: 'team-1'}) ON CREATE SET t.name = 'Team'
MERGE (w:Worker {id: 'worker-1'}) ON CREATE SET w.name = 'Sam'
MERGE (w)-[:MEMBER_OF_TEAM]->(t)
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

# One valid input per action; `{d}` is replaced by a date later than every earlier call,
# and a late reason is always given so that no canonical call trips a timescale.
CANONICAL: dict[str, dict[str, Any]] = {
    "decideReferral": {"decidedOn": "{d}", "primaryNeed": "N1", "lateReason": "test"},
    "startAssessment": {"startedOn": "{d}"},
    "completeAssessment": {"completedOn": "{d}", "factors": ["3A"], "lateReason": "test"},
    "startChildInNeedPlan": {"startDate": "{d}"},
    "reviewChildInNeedPlan": {"heldOn": "{d}", "lateReason": "test"},
    "recordVisit": {"visitedOn": "{d}", "seenAlone": True, "lateReason": "test"},
    "holdStrategyDiscussion": {"heldOn": "{d}"},
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
    "endChildProtectionPlan": {"heldOn": "{d}", "lateReason": "test"},
    "closeCase": {"closedOn": "{d}", "reason": "RC7"},
    "changePlacement": {
        "changedOn": "{d}",
        "placementType": "U4",
        "placementProvider": "PR1",
        "reason": "CARPL",
    },
    "changeLegalStatus": {"changedOn": "{d}", "legalStatus": "C2"},
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
}

Step = tuple[str, dict[str, Any]]
_TO_OUTCOME: list[Step] = [
    ("decideReferral", {}),
    (table.AUTHORISE, {}),
    ("startAssessment", {}),
    ("completeAssessment", {}),
    (table.AUTHORISE, {}),
]
_S = table.CaseState
_C = table.CareState
_A = table.AdoptionState
_TO_PLACED: list[Step] = [
    ("recordPlacementOrder", {}),
    ("matchWithAdopters", {}),
    ("placeForAdoption", {}),
]
PATHS: dict[table.Process, dict[str, list[Step]]] = {
    table.Process.CASE: {
        _S.OPEN: [],
        _S.REFERRAL_DECISION_AWAITING_AUTHORISATION: _TO_OUTCOME[:1],
        _S.ASSESSMENT_TO_START: _TO_OUTCOME[:2],
        _S.ASSESSMENT_IN_PROGRESS: _TO_OUTCOME[:3],
        _S.ASSESSMENT_AWAITING_AUTHORISATION: _TO_OUTCOME[:4],
        _S.OUTCOME_DUE: _TO_OUTCOME,
        _S.CHILD_IN_NEED_PLAN_AWAITING_AUTHORISATION: [
            *_TO_OUTCOME,
            ("startChildInNeedPlan", {}),
        ],
        _S.CHILD_IN_NEED_PLAN: [*_TO_OUTCOME, ("startChildInNeedPlan", {}), (table.AUTHORISE, {})],
        _S.SECTION_47_ENQUIRY: [*_TO_OUTCOME, ("holdStrategyDiscussion", {})],
        _S.INITIAL_CONFERENCE_DUE: [
            *_TO_OUTCOME,
            ("holdStrategyDiscussion", {}),
            ("requestInitialConference", {}),
        ],
        _S.CHILD_PROTECTION_PLAN: [
            *_TO_OUTCOME,
            ("holdStrategyDiscussion", {}),
            ("requestInitialConference", {}),
            ("holdInitialConference", {}),
        ],
        _S.CLOSURE_AWAITING_AUTHORISATION: [*_TO_OUTCOME, ("closeCase", {})],
        _S.CLOSED: [*_TO_OUTCOME, ("closeCase", {}), (table.AUTHORISE, {})],
    },
    table.Process.CARE: {
        _C.LOOKED_AFTER: [],
        _C.CEASING_AWAITING_AUTHORISATION: [("ceaseLookedAfter", {"careLeaver": False})],
        _C.CEASED: [("ceaseLookedAfter", {"careLeaver": False}), (table.AUTHORISE, {})],
        _C.CARE_LEAVER: [("ceaseLookedAfter", {}), (table.AUTHORISE, {})],
        _C.LEAVING_CARE_SERVICES_ENDED: [
            ("ceaseLookedAfter", {}),
            (table.AUTHORISE, {}),
            ("endLeavingCareServices", {}),
        ],
    },
    table.Process.ADOPTION: {
        _A.SHOULD_BE_PLACED: [],
        _A.PLACEMENT_ORDER_GRANTED: _TO_PLACED[:1],
        _A.MATCHED: _TO_PLACED[:2],
        _A.PLACED: _TO_PLACED,
        _A.ADOPTED: [*_TO_PLACED, ("grantAdoptionOrder", {})],
        _A.CEASING_AWAITING_AUTHORISATION: [("ceaseAdoptionPlan", {})],
        _A.CEASED: [("ceaseAdoptionPlan", {}), (table.AUTHORISE, {})],
    },
}
# Actions whose input refers to an earlier step: the step is recorded first.
PRELUDES: dict[str, list[Step]] = {"recordReturnHomeInterview": [("recordMissingEpisode", {})]}


class Journey:
    """One child's record driven through the engine with ever later dates."""

    def __init__(self, store: FalkorDBStore, process: table.Process) -> None:
        self.store = store
        self.process = process
        self.days = itertools.count(1)
        self.record_id = ""

    def _input(self, action: str, overrides: dict[str, Any]) -> dict[str, Any]:
        day = (REFERRED + timedelta(days=2 * next(self.days))).isoformat()
        raw = {k: day if v == "{d}" else v for k, v in CANONICAL[action].items()}
        return {**raw, **overrides}

    async def start(self, child_id: str) -> None:
        await self.store.write(SETUP, {"childId": child_id})
        if self.process is table.Process.CASE:
            self.record_id = f"referral-{child_id}"
            await self.store.write(
                REFERRAL, {"childId": child_id, "id": self.record_id, "date": REFERRED}
            )
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

    async def state(self) -> tuple[str, int, int]:
        record = await journey.read_record(self.store, SCOPE, self.process, self.record_id)
        assert record is not None
        return record.state, record.version, len(record.steps)

    async def act(self, action: str, overrides: dict[str, Any] | None = None) -> Any:
        _, version, _ = await self.state()
        if action == table.AUTHORISE:
            return await journey.authorise(
                self.store, SCOPE, self.process, self.record_id, version, CLOCK
            )
        if action == table.RETURN_FOR_REWORK:
            return await journey.return_for_rework(
                self.store, SCOPE, self.process, self.record_id, version, "redo it", CLOCK
            )
        return await journey.perform(
            self.store,
            SCOPE,
            self.process,
            self.record_id,
            action,
            version,
            self._input(action, overrides or {}),
            CLOCK,
        )

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


def test_only_managers_authorise_and_workers_perform() -> None:
    from auth.capabilities import Capability

    for process in table.Process:
        for action in table.actions(process):
            expected = (
                Capability.AUTHORISE
                if action in (table.AUTHORISE, table.RETURN_FOR_REWORK)
                else Capability.WRITE_CASE
            )
            assert table.capability_for(process, action) is expected
    assert table.capability_for(table.Process.CASE, "noSuchAction") is None


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
        result = await performer.act(action)
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
