"""Child protection through GraphQL: strategy discussion, section 47, ICPC, plan, reviews.

Hand-checked against the 2026 bank holidays (25 May is the spring bank holiday).
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
    assessed,
    decide,
    demo_child,
    demo_county,
    referral_for,
    step,
)
from tests.helpers import bearer, graphql

pytestmark = pytest.mark.anyio


async def test_child_protection_with_conference_plan_reviews_and_end(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world, index=1)
    referral = await referral_for(client, worker, child_id, date(2026, 3, 2))
    case = await assessed(
        client,
        worker,
        manager,
        referral,
        decided_on=date(2026, 3, 3),
        completed_on=date(2026, 4, 20),
    )

    # Friday 22 May 2026, before the spring bank holiday (Monday 25 May): 15 working days
    # are 26-29 May (4), 1-5 June (9), 8-12 June (14), Monday 15 June (15).
    case = await act(client, worker, "holdStrategyDiscussion", case, {"heldOn": "2026-05-22"})
    assert case["status"] == "SECTION_47_ENQUIRY"
    conference = step(case, "INITIAL_CHILD_PROTECTION_CONFERENCE")
    assert (conference["dueDate"], conference["dueRule"]) == (
        "2026-06-15",
        "initial_child_protection_conference",
    )
    assert step(case, "SECTION_47_ENQUIRY")["startDate"] == "2026-05-22"
    case = await act(
        client, worker, "requestInitialConference", case, {"concludedOn": "2026-06-01"}
    )
    assert case["status"] == "INITIAL_CONFERENCE_DUE"
    no_category = await act(
        client,
        worker,
        "holdInitialConference",
        case,
        {"heldOn": "2026-06-12", "planRequired": True},
    )
    assert no_category["__typename"] == "InvalidInput"
    assert "a child protection plan needs a category" in no_category["problems"][0]["rule"]
    case = await act(
        client,
        worker,
        "holdInitialConference",
        case,
        {
            "heldOn": "2026-06-12",
            "planRequired": True,
            "categoriesOfAbuse": ["NEG_NEGLECT", "EMO_EMOTIONAL_ABUSE"],
        },
    )
    assert case["status"] == "CHILD_PROTECTION_PLAN"
    plan = step(case, "CHILD_PROTECTION_PLAN")
    assert plan["startDate"] == "2026-06-12"
    assert plan["initialCategoriesOfAbuse"] == ["EMO_EMOTIONAL_ABUSE", "NEG_NEGLECT"]
    # First review within 3 months of the ICPC; first core group and (local standard) the
    # next visit within 10 working days of Friday 12 June: Friday 26 June.
    assert step(case, "CHILD_PROTECTION_REVIEW")["dueDate"] == "2026-09-12"
    assert step(case, "CORE_GROUP")["dueDate"] == "2026-06-26"
    assert step(case, "CHILD_PROTECTION_VISIT")["dueDate"] == "2026-06-26"
    assert step(case, "INITIAL_CHILD_PROTECTION_CONFERENCE")["completedLate"] is False

    case = await act(
        client, worker, "recordVisit", case, {"visitedOn": "2026-06-19", "seenAlone": False}
    )
    # 10 working days after Friday 19 June: Friday 3 July.
    assert step(case, "CHILD_PROTECTION_VISIT", "OPEN")["dueDate"] == "2026-07-03"
    case = await act(client, worker, "holdCoreGroup", case, {"heldOn": "2026-06-24"})
    assert step(case, "CORE_GROUP")["status"] == "DONE"
    case = await act(
        client,
        worker,
        "holdReviewConference",
        case,
        {"heldOn": "2026-09-10", "categoriesOfAbuse": ["EMO_EMOTIONAL_ABUSE"]},
    )
    # Later reviews at most 6 months apart: 10 March 2027 (not yet due).
    review = step(case, "CHILD_PROTECTION_REVIEW", "OPEN")
    assert (review["dueDate"], review["dueRule"], review["overdue"]) == (
        "2027-03-10",
        "child_protection_review",
        False,
    )
    assert step(case, "CHILD_PROTECTION_PLAN")["latestCategoriesOfAbuse"] == ["EMO_EMOTIONAL_ABUSE"]

    work = (await graphql(client, worker, MY_WORK))["myWork"]
    mine = sorted(
        (i["kind"], i["dueDate"], i["overdue"])
        for i in work["items"]
        if i["recordId"] == case["id"]
    )
    assert mine == [
        ("CHILD_PROTECTION_REVIEW", "2027-03-10", False),
        ("CHILD_PROTECTION_VISIT", "2026-07-03", True),
    ]
    team = (await graphql(client, manager, TEAM_WORK))["teamWork"]
    sam = next(c for c in team["caseloads"] if c["workerId"] == "worker-sw-demo")
    assert sam["children"] == len([r for r in world.allocations if r["worker"] == "worker-sw-demo"])
    assert sam["overdue"] >= 1

    child = (await graphql(client, worker, CHRONOLOGY, {"id": child_id}))["child"]
    assert child["childProtectionPlan"] == {"startDate": "2026-06-12", "endDate": None}
    assert "CHILD_PROTECTION" in child["openEpisodes"]

    case = await act(client, worker, "endChildProtectionPlan", case, {"heldOn": "2026-11-20"})
    assert case["status"] == "OUTCOME_DUE"
    assert step(case, "CHILD_PROTECTION_PLAN")["completedDate"] == "2026-11-20"
    assert not [s for s in case["steps"] if s["status"] == "OPEN"]
    child = (await graphql(client, worker, CHRONOLOGY, {"id": child_id}))["child"]
    assert child["childProtectionPlan"] == {"startDate": "2026-06-12", "endDate": "2026-11-20"}
    assert "CHILD_PROTECTION" not in child["openEpisodes"]


async def test_enquiry_without_conference_returns_to_the_child_in_need_plan(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    referral = await referral_for(client, worker, demo_child(world, index=2), date(2026, 3, 2))
    case = await assessed(
        client,
        worker,
        manager,
        referral,
        decided_on=date(2026, 3, 3),
        completed_on=date(2026, 4, 20),
    )
    case = await act(client, worker, "startChildInNeedPlan", case, {"startDate": "2026-05-04"})
    case = await decide(client, manager, "authoriseCase", case)
    case = await act(client, worker, "holdStrategyDiscussion", case, {"heldOn": "2026-07-01"})
    case = await act(
        client, worker, "concludeEnquiryWithoutConference", case, {"concludedOn": "2026-07-10"}
    )
    assert case["status"] == "CHILD_IN_NEED_PLAN"
    assert step(case, "INITIAL_CHILD_PROTECTION_CONFERENCE")["status"] == "CANCELLED"
    assert step(case, "SECTION_47_ENQUIRY")["outcome"] == "NO_CONFERENCE"
    assert step(case, "CHILD_IN_NEED_PLAN")["status"] == "OPEN"
