"""Episodes of need through GraphQL: referral, decision, assessment, CIN plan, closure,
with the dates things happened (backdated, authorised later, never in the future).

Due dates are checked by hand against the England and Wales bank holidays of 2026
(Good Friday 3 April, Easter Monday 6 April, 4 May, 25 May, 31 August).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from graph import FalkorDBStore
from graph.migrations import backfill_access_holders
from hub.settings import Settings
from tests.e2e.journey_helpers import (
    CHRONOLOGY,
    MY_WORK,
    TEAM_WORK,
    act,
    case_now,
    decide,
    demo_child,
    demo_county,
    latest,
    referral_for,
    step,
)
from tests.helpers import bearer, graphql
from workflow.calendar import today_in_england

pytestmark = pytest.mark.anyio

# What a closed episode still allows: a manager's corrections, and why its decision was late.
CLOSED_ACTIONS = [
    "reopenCase",
    "withdrawReferral",
    "recordDecisionLateReason",
    "correctReferralDate",
    "correctReferralDecisionDate",
]

RC7 = "RC7_SERVICES_CEASED_FOR_ANY_OTHER_REASON"


async def test_child_in_need_from_referral_to_closure(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world)
    case = await referral_for(client, worker, child_id, date(2026, 3, 2))
    # Monday 2 March 2026 + 1 working day.
    assert (case["status"], case["decisionDue"], case["referralSource"]) == (
        "OPEN",
        "2026-03-03",
        "SCHOOLS",
    )
    assert case["recordedBy"] == "worker-sw-demo"
    assert case["recordedAt"] is not None
    assert "decideReferral" in case["allowedActions"]

    case = await act(
        client,
        worker,
        "decideReferral",
        case,
        {"decidedOn": "2026-03-03", "primaryNeed": "N4_FAMILY_IN_ACUTE_STRESS"},
    )
    assert case["status"] == "REFERRAL_DECISION_AWAITING_AUTHORISATION"
    assert case["allowedActions"][:2] == ["authorise", "returnForRework"]
    # Only a manager authorises; the worker is told so and nothing changes.
    refused = await decide(client, worker, "authoriseCase", case)
    assert refused["__typename"] == "NotAuthorised"
    team = (await graphql(client, manager, TEAM_WORK))["teamWork"]
    waiting = [i for i in team["items"] if i["recordId"] == case["id"]]
    assert [(i["kind"], i["awaitingAction"]) for i in waiting] == [
        ("AUTHORISATION", "decideReferral")
    ]
    # A decision is dated when it was made: never in the future, never before the proposal.
    future = (today_in_england() + timedelta(days=1)).isoformat()
    too_late = await decide(client, manager, "authoriseCase", case, on=future)
    assert too_late["problems"] == [{"field": "on", "rule": "must not be in the future"}]
    too_early = await decide(client, manager, "authoriseCase", case, on="2026-03-02")
    assert too_early["problems"][0]["field"] == "on"
    case = await decide(client, manager, "authoriseCase", case, on="2026-03-04")
    assert case["status"] == "ACCEPTED"
    assert (case["primaryNeed"], case["decisionDate"]) == (
        "N4_FAMILY_IN_ACUTE_STRESS",
        "2026-03-03",
    )

    case = await act(client, worker, "startAssessment", case, {"startedOn": "2026-03-04"})
    assessment = latest(case, "assessments")
    # 45 working days from Monday 2 March, across Easter (3 and 6 April) and the early
    # May bank holiday (4 May): Thursday 7 May 2026.
    assert (assessment["status"], assessment["startDate"], assessment["dueDate"]) == (
        "IN_PROGRESS",
        "2026-03-04",
        "2026-05-07",
    )
    assert step(assessment, "ASSESSMENT")["dueRule"] == "child_and_family_assessment"
    late = await act(
        client,
        worker,
        "completeAssessment",
        assessment,
        {"completedOn": "2026-05-11", "factors": ["DOMESTIC_ABUSE_PARENT_OR_CARER"]},
    )
    [problem] = late["problems"]
    assert problem["field"] == "lateReason"
    assert "due by 7 May 2026" in problem["rule"]
    before_start = await act(
        client,
        worker,
        "completeAssessment",
        assessment,
        {"completedOn": "2026-03-03", "factors": ["NEGLECT"]},
    )
    assert before_start["problems"][0]["field"] == "completedOn"
    mixed = await act(
        client,
        worker,
        "completeAssessment",
        assessment,
        {"completedOn": "2026-05-06", "factors": ["NO_FACTORS_IDENTIFIED", "NEGLECT"]},
    )
    assert mixed["problems"] == [
        {"field": "factors", "rule": "NO_FACTORS_IDENTIFIED (21) must be the only factor"}
    ]
    completed = {
        "completedOn": "2026-05-11",
        "factors": ["DOMESTIC_ABUSE_PARENT_OR_CARER", "MENTAL_HEALTH_PARENT_OR_CARER"],
        "lateReason": "Father could not be seen until 8 May.",
    }
    case = await act(client, worker, "completeAssessment", assessment, completed)
    assessment = latest(case, "assessments")
    assert assessment["status"] == "AWAITING_AUTHORISATION"
    # Returned for rework, the assessment goes back to where it was proposed from.
    case = await decide(
        client,
        manager,
        "returnAssessmentForRework",
        assessment,
        reason="The late reason names the wrong parent: correct it.",
        on="2026-05-12",
    )
    assessment = latest(case, "assessments")
    assert (assessment["status"], assessment["awaitingAuthorisationOf"]) == ("IN_PROGRESS", None)
    # The return is the manager's decision, not a step of the assessment: corrected, it
    # is completed again on the day the work was done (11 May), before it was returned.
    corrected = {**completed, "lateReason": "Mother could not be seen until 8 May."}
    case = await act(client, worker, "completeAssessment", assessment, corrected)
    assert latest(case, "assessments")["status"] == "AWAITING_AUTHORISATION", case
    # Backdated authorisation: the manager signed it off on 13 May, recorded today.
    case = await decide(
        client, manager, "authoriseAssessment", latest(case, "assessments"), on="2026-05-13"
    )
    assessment = latest(case, "assessments")
    assert (assessment["status"], assessment["completedDate"], assessment["authorisedDate"]) == (
        "AUTHORISED",
        "2026-05-11",
        "2026-05-13",
    )
    assert assessment["factors"] == [
        "DOMESTIC_ABUSE_PARENT_OR_CARER",
        "MENTAL_HEALTH_PARENT_OR_CARER",
    ]
    assert step(assessment, "ASSESSMENT")["completedLate"] is True

    case = await act(client, worker, "startChildInNeedPlan", case, {"startDate": "2026-05-18"})
    plan = latest(case, "childInNeedPlans")
    assert (plan["status"], plan["startDate"]) == ("ACTIVE", "2026-05-18")
    # Reviews every 3 months (local standard): 18 August. Visits every 20 working days:
    # from Monday 18 May, skipping the 25 May bank holiday, Tuesday 16 June.
    assert step(plan, "CHILD_IN_NEED_PLAN_REVIEW")["dueDate"] == "2026-08-18"
    assert step(plan, "CHILD_IN_NEED_VISIT")["dueDate"] == "2026-06-16"
    # One CIN plan at a time: a second is refused, naming the open one; nothing changes.
    second = await act(client, worker, "startChildInNeedPlan", case, {"startDate": "2026-05-20"})
    assert second["__typename"] == "TransitionRefused"
    assert plan["id"] in second["reason"]
    assert case["id"] in second["reason"]

    case = await act(
        client,
        worker,
        "recordChildInNeedVisit",
        plan,
        {"visitedOn": "2026-06-10", "seenAlone": True},
    )
    plan = latest(case, "childInNeedPlans")
    # 20 working days after Wednesday 10 June: Wednesday 8 July.
    assert step(plan, "CHILD_IN_NEED_VISIT", "OPEN")["dueDate"] == "2026-07-08"
    visit = step(plan, "CHILD_IN_NEED_VISIT", "DONE")
    assert visit["seenAlone"] is True
    # Who recorded it and when are kept apart from the day it happened.
    assert (visit["completedDate"], visit["recordedBy"]) == ("2026-06-10", "worker-sw-demo")
    assert visit["recordedAt"] is not None
    assert (plan["recordedBy"], latest(case, "assessments")["recordedBy"]) == (
        "worker-sw-demo",
        "worker-sw-demo",
    )
    case = await act(client, worker, "reviewChildInNeedPlan", plan, {"heldOn": "2026-08-14"})
    plan = latest(case, "childInNeedPlans")
    assert step(plan, "CHILD_IN_NEED_PLAN_REVIEW", "OPEN")["dueDate"] == "2026-11-14"

    # The worker's list: the visit (due 8 July) and the review (due 14 November) are late.
    work = (await graphql(client, worker, MY_WORK))["myWork"]
    mine = {
        (i["kind"], i["dueDate"], i["overdue"], i["process"])
        for i in work["items"]
        if i["recordId"] == plan["id"]
    }
    assert mine == {
        ("CHILD_IN_NEED_VISIT", "2026-07-08", True, "CHILD_IN_NEED_PLAN"),
        ("CHILD_IN_NEED_PLAN_REVIEW", "2026-11-14", True, "CHILD_IN_NEED_PLAN"),
    }

    # A core group is not a child in need plan's: refused, naming the plan and its state.
    refused = await act(client, worker, "holdCoreGroup", plan, {"heldOn": "2026-11-20"})
    assert refused == {"__typename": "NotFound", "kind": "ChildProtectionPlan", "id": plan["id"]}
    stale = await act(
        client,
        worker,
        "closeCase",
        {**case, "version": 1},
        {"closedOn": "2026-11-20", "reason": RC7},
    )
    assert stale["__typename"] == "TransitionRefused"
    assert "changed since you loaded it" in stale["reason"]
    early = await act(client, worker, "closeCase", case, {"closedOn": "2026-08-01", "reason": RC7})
    assert early.get("problems", [{}])[0].get("field") == "closedOn", early

    case = await act(client, worker, "closeCase", case, {"closedOn": "2026-11-20", "reason": RC7})
    assert case["status"] == "CLOSURE_AWAITING_AUTHORISATION"
    assert latest(case, "childInNeedPlans")["status"] == "ACTIVE"
    case = await decide(client, manager, "authoriseCase", case, on="2026-11-23")
    assert case["status"] == "CLOSED"
    assert (case["closureDate"], case["closureReason"], case["noFurtherAction"]) == (
        "2026-11-20",
        RC7,
        False,
    )
    # Closing ends the CIN plan on the closure date; its scheduled steps are cancelled.
    plan = latest(case, "childInNeedPlans")
    assert (plan["status"], plan["endDate"]) == ("ENDED", "2026-11-20")
    assert not [s for s in plan["steps"] if s["status"] == "OPEN"]
    # Nothing more happens in it; a manager may only correct it (reopen a closure made in
    # error, correct the referral date typed wrongly), and a worker say why its decision
    # was late (one a corrected referral date made late).
    assert case["allowedActions"] == CLOSED_ACTIONS
    work = (await graphql(client, worker, MY_WORK))["myWork"]
    assert not [i for i in work["items"] if i["recordId"] in (case["id"], plan["id"])]

    child = (await graphql(client, worker, CHRONOLOGY, {"id": child_id}))["child"]
    journey = [e for e in child["chronology"] if e["kind"] == "JOURNEY"]
    # Everything is dated when it happened, the managers' decisions included.
    assert [(e["on"], e["title"]) for e in journey][:3] == [
        ("2026-03-03", "decideReferral"),
        ("2026-03-04", "authorise"),
        ("2026-03-04", "startAssessment"),
    ]
    authorisations = {e["on"] for e in journey if e["title"] == "authorise"}
    assert authorisations == {"2026-03-04", "2026-05-13", "2026-11-23"}
    ons = [e["on"] for e in child["chronology"]]
    assert ons == sorted(ons)


async def test_no_further_action_at_referral_closes_the_episode(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    case = await referral_for(client, worker, demo_child(world), date(2025, 10, 6), "POLICE")
    case = await act(client, worker, "closeWithNoFurtherAction", case, {"on": "2025-10-07"})
    assert case["status"] == "NO_FURTHER_ACTION_AWAITING_AUTHORISATION"
    case = await decide(client, manager, "authoriseCase", case, on="2025-10-07")
    assert (case["status"], case["closureReason"], case["closureDate"]) == (
        "CLOSED",
        RC7,
        "2025-10-07",
    )
    assert (case["noFurtherAction"], case["referralSource"]) == (True, "POLICE")
    # A closed episode takes no more work: its records cannot be opened.
    refused = await act(client, worker, "startAssessment", case, {"startedOn": "2025-10-08"})
    assert refused["__typename"] == "TransitionRefused"
    assert refused["allowedNextSteps"] == CLOSED_ACTIONS


async def test_no_further_action_is_only_at_referral_and_closure_comes_before_assessment(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    case = await referral_for(client, worker, demo_child(world), date(2025, 11, 3))
    case = await act(
        client,
        worker,
        "decideReferral",
        case,
        {"decidedOn": "2025-11-04", "primaryNeed": "N5_FAMILY_DYSFUNCTION"},
    )
    case = await decide(client, manager, "authoriseCase", case, on="2025-11-04")
    # Accepted: NFA is no longer the referral's outcome...
    nfa = await act(client, worker, "closeWithNoFurtherAction", case, {"on": "2025-11-05"})
    assert nfa["__typename"] == "TransitionRefused"
    assert "closeCase" in nfa["allowedNextSteps"]
    # ...but the episode may close before any assessment, with a reason.
    case = await act(
        client,
        worker,
        "closeCase",
        case,
        {"closedOn": "2025-11-10", "reason": "RC5_TRANSFERRED_TO_ANOTHER_LOCAL_AUTHORITY"},
    )
    case = await decide(client, manager, "authoriseCase", case, on="2025-11-11")
    assert (case["status"], case["closureDate"], case["assessments"]) == (
        "CLOSED",
        "2025-11-10",
        [],
    )


async def test_four_eyes_the_manager_who_recorded_cannot_authorise(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    manager = bearer(settings, "team-manager")
    child_id = demo_child(world)
    case = await referral_for(client, manager, child_id, date(2026, 1, 5))
    case = await act(
        client,
        manager,
        "decideReferral",
        case,
        {"decidedOn": "2026-01-06", "primaryNeed": "N1_ABUSE_OR_NEGLECT"},
    )
    own = await decide(client, manager, "authoriseCase", case, on="2026-01-06")
    assert own["__typename"] == "NotAuthorised"
    assert "another manager" in own["reason"]
    unchanged = await case_now(client, manager, case["id"])
    assert unchanged["status"] == "REFERRAL_DECISION_AWAITING_AUTHORISATION"
    assert unchanged["version"] == case["version"]


async def test_unknown_and_invisible_cases_are_not_found(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    case = await referral_for(client, worker, demo_child(world), date(2026, 3, 2))
    unknown = await act(
        client,
        worker,
        "startAssessment",
        {"id": "no-such-case", "version": 1},
        {"startedOn": "2026-03-04"},
    )
    assert unknown == {"__typename": "NotFound", "kind": "Case", "id": "no-such-case"}
    # Once the child is allocated in another team, the worker has no relationship with
    # them: the case is as missing as an unknown one, to read and to act on.
    other_team = next(w["id"] for w in world.workers if w["team"] == "team-safeguarding-south")
    await store.write(
        "MATCH (c:Child {id: $child})-[a:ALLOCATED_TO]->() DELETE a", {"child": case["childId"]}
    )
    await store.write(
        "MATCH (c:Child {id: $child})-[t:RESPONSIBLE_TEAM]->() DELETE t",
        {"child": case["childId"]},
    )
    await store.write(
        "MATCH (c:Child {id: $child}) MATCH (w:Worker {id: $worker}) "
        "CREATE (c)-[:ALLOCATED_TO]->(w)",
        {"child": case["childId"], "worker": other_team},
    )
    await backfill_access_holders(store)
    hidden = await act(
        client,
        worker,
        "decideReferral",
        case,
        {"decidedOn": "2026-03-03", "primaryNeed": "N1_ABUSE_OR_NEGLECT"},
    )
    assert hidden == {"__typename": "NotFound", "kind": "Case", "id": case["id"]}
    found = await graphql(
        client, worker, "query ($id: ID!) { case(id: $id) { id } }", {"id": case["id"]}
    )
    assert found["case"] is None


async def test_a_closure_returned_for_rework_keeps_the_day_services_ended(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    case = await referral_for(client, worker, demo_child(world), date(2026, 9, 1))
    case = await act(client, worker, "startChildInNeedPlan", case, {"startDate": "2026-09-07"})
    case = await act(
        client,
        worker,
        "endChildInNeedPlan",
        latest(case, "childInNeedPlans"),
        {"endedOn": "2026-09-28"},
    )
    closure = {"closedOn": "2026-10-01", "reason": "RC8_CLOSED_AFTER_ASSESSMENT_NO_FURTHER_ACTION"}
    case = await act(client, worker, "closeCase", case, closure)
    assert case["status"] == "CLOSURE_AWAITING_AUTHORISATION"
    case = await decide(
        client, manager, "returnCaseForRework", case, reason="Wrong reason.", on="2026-10-02"
    )
    assert case["status"] == "OPEN"
    # Services ended on 1 October: the manager's return the day after is a decision, not
    # a step of the episode, so the closure keeps its date with the corrected reason.
    reason = "RC7_SERVICES_CEASED_FOR_ANY_OTHER_REASON"
    case = await act(client, worker, "closeCase", case, {**closure, "reason": reason})
    assert (case["__typename"], case["status"]) == ("Case", "CLOSURE_AWAITING_AUTHORISATION")
    case = await decide(
        client, manager, "returnCaseForRework", case, reason="Date.", on="2026-10-05"
    )
    # The returned proposal was no step either; the steps that happened still bound it.
    early = await act(client, worker, "closeCase", case, {**closure, "closedOn": "2026-09-27"})
    assert early["problems"] == [
        {"field": "closedOn", "rule": "must not be before the episode's last step (2026-09-28)"}
    ]
    case = await act(client, worker, "closeCase", case, {**closure, "closedOn": "2026-09-28"})
    case = await decide(client, manager, "authoriseCase", case, on="2026-10-06")
    assert (case["status"], case["closureDate"]) == ("CLOSED", "2026-09-28")


async def _awaiting_authorisation(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    completed: dict[str, object],
) -> dict[str, Any]:
    """Referral 1 September 2025 (assessment due Monday 3 November), decided and
    authorised that day, the assessment completed as `completed` and awaiting a manager."""
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    case = await referral_for(client, worker, demo_child(world), date(2025, 9, 1))
    decision = {"decidedOn": "2025-09-01", "primaryNeed": "N1_ABUSE_OR_NEGLECT"}
    case = await act(client, worker, "decideReferral", case, decision)
    case = await decide(client, manager, "authoriseCase", case, on="2025-09-01")
    case = await act(client, worker, "startAssessment", case, {"startedOn": "2025-09-02"})
    assert latest(case, "assessments")["dueDate"] == "2025-11-03"
    return await act(client, worker, "completeAssessment", latest(case, "assessments"), completed)


async def test_an_assessment_authorised_after_its_45_working_days_is_late(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    """The timescale is met when the assessment is authorised (DOMAIN: complete
    (authorised); the CIN census measures it to the authorisation date): completed on
    time but authorised late, the manager records why it waited."""
    on_time = {"completedOn": "2025-10-31", "factors": ["NEGLECT"]}
    case = await _awaiting_authorisation(client, settings, store, on_time)
    assessment, manager = latest(case, "assessments"), bearer(settings, "team-manager")

    refused = await decide(client, manager, "authoriseAssessment", assessment, on="2025-11-14")
    assert [problem["field"] for problem in refused["problems"]] == ["lateReason"]
    assert "due by 3 November 2025" in refused["problems"][0]["rule"]
    assert latest(await case_now(client, manager, case["id"]), "assessments") == assessment

    reason = "Manager on leave until 14 November."
    case = await decide(
        client, manager, "authoriseAssessment", assessment, on="2025-11-14", lateReason=reason
    )
    authorised = latest(case, "assessments")
    done = step(authorised, "ASSESSMENT")
    assert (authorised["status"], authorised["lateReason"]) == ("AUTHORISED", reason)
    assert (done["completedDate"], done["authorisedDate"]) == ("2025-10-31", "2025-11-14")
    assert (done["completedLate"], done["lateReason"], done["overdue"]) == (True, reason, False)


async def test_a_late_completion_s_reason_stands_at_a_late_authorisation(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    worker_reason = "Father could not be seen until 4 November."
    late = {"completedOn": "2025-11-05", "factors": ["NEGLECT"], "lateReason": worker_reason}
    case = await _awaiting_authorisation(client, settings, store, late)
    assessment, manager = latest(case, "assessments"), bearer(settings, "team-manager")

    case = await decide(
        client, manager, "authoriseAssessment", assessment, on="2025-11-14", lateReason="Other."
    )

    done = step(latest(case, "assessments"), "ASSESSMENT")
    assert (done["completedLate"], done["lateReason"]) == (True, worker_reason)
