"""A child in need journey through GraphQL: referral, assessment, CIN plan, closure.

Due dates are checked by hand against the England and Wales bank holidays of 2026
(Good Friday 3 April, Easter Monday 6 April, 4 May, 25 May, 31 August).
"""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from tests.e2e.journey_helpers import (
    CHRONOLOGY,
    MY_WORK,
    TEAM_WORK,
    act,
    decide,
    demo_child,
    demo_county,
    referral_for,
    step,
)
from tests.helpers import bearer, graphql

pytestmark = pytest.mark.anyio


async def test_child_in_need_from_referral_to_closure(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world)
    case = await referral_for(client, worker, child_id, date(2026, 3, 2))
    # Monday 2 March 2026 + 1 working day.
    assert (case["status"], case["decisionDue"]) == ("OPEN", "2026-03-03")
    assert case["allowedActions"] == ["decideReferral"]

    case = await act(
        client,
        worker,
        "decideReferral",
        case,
        {"decidedOn": "2026-03-03", "primaryNeed": "N4_FAMILY_IN_ACUTE_STRESS"},
    )
    assert case["status"] == "REFERRAL_DECISION_AWAITING_AUTHORISATION"
    assert case["allowedActions"] == ["authorise", "returnForRework"]
    # Only a manager authorises; the worker is told so and nothing changes.
    refused = await decide(client, worker, "authoriseCase", case)
    assert refused["__typename"] == "NotAuthorised"
    # The manager sees the decision waiting in the team view.
    team = (await graphql(client, manager, TEAM_WORK))["teamWork"]

    waiting = [i for i in team["items"] if i["recordId"] == case["id"]]
    assert [(i["kind"], i["awaitingAction"]) for i in waiting] == [
        ("AUTHORISATION", "decideReferral")
    ]
    case = await decide(client, manager, "authoriseCase", case)
    assert case["status"] == "ASSESSMENT_TO_START"
    assert (case["primaryNeed"], case["decisionDate"]) == (
        "N4_FAMILY_IN_ACUTE_STRESS",
        "2026-03-03",
    )
    # 45 working days from Monday 2 March, across Easter (3 and 6 April) and the early
    # May bank holiday (4 May): Thursday 7 May 2026.
    assessment = step(case, "ASSESSMENT")
    assert (assessment["dueDate"], assessment["dueRule"]) == (
        "2026-05-07",
        "child_and_family_assessment",
    )

    case = await act(client, worker, "startAssessment", case, {"startedOn": "2026-03-04"})
    late = await act(
        client,
        worker,
        "completeAssessment",
        case,
        {"completedOn": "2026-05-11", "factors": ["DOMESTIC_ABUSE_PARENT_OR_CARER"]},
    )
    assert late["__typename"] == "InvalidInput"
    [problem] = late["problems"]
    assert problem["field"] == "lateReason"
    assert "due by 7 May 2026" in problem["rule"]
    mixed = await act(
        client,
        worker,
        "completeAssessment",
        case,
        {
            "completedOn": "2026-05-06",
            "factors": ["NO_FACTORS_IDENTIFIED", "NEGLECT"],
        },
    )
    assert mixed["__typename"] == "InvalidInput"
    assert "must be the only factor" in mixed["problems"][0]["rule"]
    case = await act(
        client,
        worker,
        "completeAssessment",
        case,
        {
            "completedOn": "2026-05-11",
            "factors": ["DOMESTIC_ABUSE_PARENT_OR_CARER", "MENTAL_HEALTH_PARENT_OR_CARER"],
            "lateReason": "Father could not be seen until 8 May.",
        },
    )
    assert case["status"] == "ASSESSMENT_AWAITING_AUTHORISATION"
    # Returned for rework, the case goes back to where it was proposed from.
    case = await decide(
        client, manager, "returnCaseForRework", case, reason="Add the father's views."
    )
    assert (case["status"], case["awaitingAuthorisationOf"]) == ("ASSESSMENT_IN_PROGRESS", None)
    case = await act(
        client,
        worker,
        "completeAssessment",
        case,
        {
            "completedOn": "2026-05-11",
            "factors": ["DOMESTIC_ABUSE_PARENT_OR_CARER", "MENTAL_HEALTH_PARENT_OR_CARER"],
            "lateReason": "Father could not be seen until 8 May.",
        },
    )
    case = await decide(client, manager, "authoriseCase", case)
    assert case["status"] == "OUTCOME_DUE"
    assessment = step(case, "ASSESSMENT")
    assert assessment["status"] == "DONE"
    assert (assessment["startDate"], assessment["completedDate"]) == ("2026-03-04", "2026-05-11")
    assert assessment["completedLate"] is True
    assert assessment["factors"] == [
        "DOMESTIC_ABUSE_PARENT_OR_CARER",
        "MENTAL_HEALTH_PARENT_OR_CARER",
    ]
    assert assessment["authorisedDate"] == date.today().isoformat()

    case = await act(client, worker, "startChildInNeedPlan", case, {"startDate": "2026-05-18"})
    case = await decide(client, manager, "authoriseCase", case)
    assert case["status"] == "CHILD_IN_NEED_PLAN"
    # Reviews every 3 months (local standard): 18 August. Visits every 20 working days:
    # from Monday 18 May, skipping the 25 May bank holiday, Tuesday 16 June.
    assert step(case, "CHILD_IN_NEED_PLAN_REVIEW")["dueDate"] == "2026-08-18"
    assert step(case, "CHILD_IN_NEED_VISIT")["dueDate"] == "2026-06-16"

    case = await act(
        client, worker, "recordVisit", case, {"visitedOn": "2026-06-10", "seenAlone": True}
    )
    # 20 working days after Wednesday 10 June: Wednesday 8 July.
    visit = step(case, "CHILD_IN_NEED_VISIT", "OPEN")
    assert visit["dueDate"] == "2026-07-08"
    assert step(case, "CHILD_IN_NEED_VISIT", "DONE")["seenAlone"] is True
    case = await act(client, worker, "reviewChildInNeedPlan", case, {"heldOn": "2026-08-14"})
    review = step(case, "CHILD_IN_NEED_PLAN_REVIEW", "OPEN")
    assert review["dueDate"] == "2026-11-14"

    # The worker's list: the visit (due 8 July) and the review (due 14 November) are late.
    work = (await graphql(client, worker, MY_WORK))["myWork"]
    mine = {
        (i["kind"], i["dueDate"], i["overdue"])
        for i in work["items"]
        if i["recordId"] == case["id"]
    }
    assert mine == {
        ("CHILD_IN_NEED_VISIT", "2026-07-08", True),
        ("CHILD_IN_NEED_PLAN_REVIEW", "2026-11-14", True),
    }
    assert work["caseload"]["overdue"] >= 2

    # A case cannot close while awaiting nothing but a wrong action: refused, unchanged.
    refused = await act(client, worker, "holdCoreGroup", case, {"heldOn": "2026-11-20"})
    assert refused["__typename"] == "TransitionRefused"
    assert refused["currentState"] == "CHILD_IN_NEED_PLAN"
    assert set(refused["allowedNextSteps"]) == {
        "reviewChildInNeedPlan",
        "recordVisit",
        "holdStrategyDiscussion",
        "closeCase",
    }
    stale = await act(
        client,
        worker,
        "closeCase",
        {**case, "version": 1},
        {"closedOn": "2026-11-20", "reason": "RC7_SERVICES_CEASED_FOR_ANY_OTHER_REASON"},
    )
    assert stale["__typename"] == "TransitionRefused"
    assert "changed since you loaded it" in stale["reason"]

    case = await act(
        client,
        worker,
        "closeCase",
        case,
        {"closedOn": "2026-11-20", "reason": "RC7_SERVICES_CEASED_FOR_ANY_OTHER_REASON"},
    )
    assert case["status"] == "CLOSURE_AWAITING_AUTHORISATION"
    case = await decide(client, manager, "authoriseCase", case)
    assert case["status"] == "CLOSED"
    assert (case["closureDate"], case["closureReason"]) == (
        "2026-11-20",
        "RC7_SERVICES_CEASED_FOR_ANY_OTHER_REASON",
    )
    assert step(case, "CHILD_IN_NEED_PLAN")["completedDate"] == "2026-11-20"
    assert {s["status"] for s in case["steps"] if s["kind"].endswith(("REVIEW", "VISIT"))} == {
        "DONE",
        "CANCELLED",
    }
    assert case["allowedActions"] == []

    work = (await graphql(client, worker, MY_WORK))["myWork"]
    assert not [i for i in work["items"] if i["recordId"] == case["id"]]

    note = await graphql(
        client,
        worker,
        """mutation ($id: ID!) { addCaseNote(input: {childId: $id, type: VISIT,
             text: "Saw the child at home.", occurredAt: "2026-06-10T10:00:00Z"}) {
             __typename } }""",
        {"id": child_id},
    )
    assert note["addCaseNote"]["__typename"] == "CaseNote"
    child = (await graphql(client, worker, CHRONOLOGY, {"id": child_id}))["child"]
    journey = [e for e in child["chronology"] if e["kind"] == "JOURNEY"]
    # What the worker recorded is dated when it happened; a manager's authorisation is
    # dated the day it was given (today), after everything the worker recorded.
    assert [e["title"] for e in journey][:2] == ["decideReferral", "startAssessment"]
    authorisations = [e for e in journey if e["title"] == "authorise"]
    assert {e["on"] for e in authorisations} == {date.today().isoformat()}
    assert len(authorisations) == 4
    assert any(e["detail"].startswith("Authorised: Case closed: RC7") for e in authorisations)
    assert [e["title"] for e in journey if e["title"] == "returnForRework"] == ["returnForRework"]
    ons = [e["on"] for e in child["chronology"]]
    assert ons == sorted(ons)
    assert "CONTACT" in {e["kind"] for e in child["chronology"]}
    around_the_visit = [
        (e["on"], e["kind"], e["title"])
        for e in child["chronology"]
        if "2026-06-01" <= e["on"] <= "2026-08-31"
    ]
    assert around_the_visit == [
        # Same day: the note's time (10:00) comes before the visit step, which carries
        # only its day and the instant it was recorded (today).
        ("2026-06-10", "CASE_NOTE", "VISIT"),
        ("2026-06-10", "JOURNEY", "recordVisit"),
        ("2026-08-14", "JOURNEY", "reviewChildInNeedPlan"),
    ]


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
