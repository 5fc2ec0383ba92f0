"""A step recorded twice: the same review, visit, core group, health assessment or
personal education plan typed again for the day it was already recorded (from paper, from
the old system, by a colleague) is refused, naming the field and the rule, and changes
nothing; otherwise a review conference would be reported twice in the CIN census, a
looked-after review twice in the SSDA903, and the next one fall due from a copy."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from tests.e2e.journey_helpers import (
    CARE_FIELDS,
    OUTCOMES,
    act,
    case_now,
    decide,
    demo_child,
    demo_county,
    latest,
    referral_for,
    withdraw_in_error,
)
from tests.helpers import bearer, graphql

pytestmark = pytest.mark.anyio

START = f"""
mutation ($input: StartLookedAfterInput!) {{ startLookedAfter(input: $input) {{
  __typename ... on PeriodOfCare {{ {CARE_FIELDS} }} {OUTCOMES} }} }}
"""
CARE_NOW = f"query ($id: ID!) {{ periodOfCare(id: $id) {{ {CARE_FIELDS} }} }}"


async def _on_a_plan(
    client: httpx.AsyncClient, worker: dict[str, str], manager: dict[str, str], child_id: str
) -> dict[str, Any]:
    """Referred 1 September 2025, a child in need plan from 5 September, a strategy
    discussion on 20 October and a child protection plan from 5 November (which ends the
    child in need plan), all written up now."""
    case = await referral_for(client, worker, child_id, date(2025, 9, 1))
    decision = {"decidedOn": "2025-09-01", "primaryNeed": "N1_ABUSE_OR_NEGLECT"}
    case = await act(client, worker, "decideReferral", case, decision)
    case = await decide(client, manager, "authoriseCase", case, on="2025-09-01")
    case = await act(client, worker, "startChildInNeedPlan", case, {"startDate": "2025-09-05"})
    return case


async def test_a_plan_s_step_recorded_twice_for_its_day_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world, index=2)
    case = await _on_a_plan(client, worker, manager, child_id)
    child_in_need = [
        ("reviewChildInNeedPlan", {"heldOn": "2025-10-01"}, "heldOn"),
        ("recordChildInNeedVisit", {"visitedOn": "2025-09-20", "seenAlone": True}, "visitedOn"),
    ]
    for action, data, field in child_in_need:
        case = await act(client, worker, action, latest(case, "childInNeedPlans"), data)
        assert case["__typename"] == "Case", case
        again = await act(client, worker, action, latest(case, "childInNeedPlans"), data)
        assert again["__typename"] == "InvalidInput", (action, again)
        assert [p["field"] for p in again["problems"]] == [field]
        assert "already recorded" in again["problems"][0]["rule"]
        assert await case_now(client, worker, case["id"]) == case

    case = await act(client, worker, "holdStrategyDiscussion", case, {"heldOn": "2025-10-20"})
    enquiry = latest(case, "section47Enquiries")
    concluded = {"concludedOn": "2025-10-30"}
    case = await act(client, worker, "requestInitialConference", enquiry, concluded)
    held = {"heldOn": "2025-11-05", "planRequired": True, "categoriesOfAbuse": ["NEG_NEGLECT"]}
    conference = latest(case, "initialConferences")
    case = await act(client, worker, "holdInitialConference", conference, held)
    child_protection = [
        ("holdCoreGroup", {"heldOn": "2025-11-12"}, "heldOn"),
        ("recordChildProtectionVisit", {"visitedOn": "2025-11-13", "seenAlone": True}, "visitedOn"),
        ("holdReviewConference", {"heldOn": "2026-01-10"}, "heldOn"),
        # A review written up before the one already recorded, then typed again.
        ("holdReviewConference", {"heldOn": "2026-01-09"}, "heldOn"),
    ]
    for action, data, field in child_protection:
        case = await act(client, worker, action, latest(case, "childProtectionPlans"), data)
        assert case["__typename"] == "Case", case
        again = await act(client, worker, action, latest(case, "childProtectionPlans"), data)
        assert again["__typename"] == "InvalidInput", (action, again)
        assert [p["field"] for p in again["problems"]] == [field]
        assert "already recorded" in again["problems"][0]["rule"]
        assert await case_now(client, worker, case["id"]) == case
    # The CIN census reads each review conference once.
    assert latest(case, "childProtectionPlans")["reviewDates"] == ["2026-01-09", "2026-01-10"]


async def test_a_step_in_care_recorded_twice_for_its_day_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    child_id = demo_child(world, index=3)
    await store.write(
        "MATCH (c:Child {id: $id}) SET c.dateOfBirth = date('2015-03-01')", {"id": child_id}
    )
    start = {
        "childId": child_id,
        "startedOn": "2025-12-01",
        "legalStatus": "C1_INTERIM_CARE_ORDER",
        "placementType": "U4_FOSTER_OTHER_CARER_LONG_TERM",
        "placementProvider": "PR1_OWN_PROVISION",
        "longTermPlacement": True,
    }
    care = (await graphql(client, worker, START, {"input": start}))["startLookedAfter"]
    assert care["__typename"] == "PeriodOfCare", care
    review = {"heldOn": "2025-12-30", "participation": "PN1_ATTENDS_AND_SPEAKS"}
    steps = [
        ("holdLookedAfterReview", review, "heldOn"),
        ("recordStatutoryVisit", {"on": "2025-12-05"}, "on"),
        ("recordHealthAssessment", {"on": "2025-12-20"}, "on"),
        ("recordPersonalEducationPlan", {"on": "2025-12-15"}, "on"),
        # A visit written up before the one already recorded, then typed again.
        ("recordStatutoryVisit", {"on": "2025-12-03"}, "on"),
    ]
    for action, data, field in steps:
        care = await act(client, worker, action, care, data)
        assert care["__typename"] == "PeriodOfCare", care
        again = await act(client, worker, action, care, data)
        assert again["__typename"] == "InvalidInput", (action, again)
        assert [p["field"] for p in again["problems"]] == [field]
        assert "already recorded" in again["problems"][0]["rule"]
        now = (await graphql(client, worker, CARE_NOW, {"id": care["id"]}))["periodOfCare"]
        assert {**now, "__typename": "PeriodOfCare"} == care
    reviews = [s for s in care["steps"] if s["kind"] == "LOOKED_AFTER_REVIEW"]
    assert [s["completedDate"] for s in reviews if s["status"] == "DONE"] == ["2025-12-30"]
    # Nor is a visit's day corrected onto the day of another visit.
    first = next(
        s
        for s in care["steps"]
        if s["kind"] == "STATUTORY_VISIT" and s["completedDate"] == "2025-12-03"
    )
    moved = {"stepId": first["id"], "happenedOn": "2025-12-05", "reason": "Typed wrongly"}
    again = await act(client, worker, "correctCareStepDate", care, moved)
    assert again["__typename"] == "InvalidInput", again
    assert [p["field"] for p in again["problems"]] == ["happenedOn"]
    now = (await graphql(client, worker, CARE_NOW, {"id": care["id"]}))["periodOfCare"]
    assert {**now, "__typename": "PeriodOfCare"} == care


async def test_a_plan_ended_at_the_review_already_recorded_that_day_counts_it_once(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world, index=2)
    case = await _on_a_plan(client, worker, manager, child_id)
    case = await act(client, worker, "holdStrategyDiscussion", case, {"heldOn": "2025-10-20"})
    enquiry = latest(case, "section47Enquiries")
    case = await act(
        client, worker, "requestInitialConference", enquiry, {"concludedOn": "2025-10-30"}
    )
    held = {"heldOn": "2025-11-05", "planRequired": True, "categoriesOfAbuse": ["NEG_NEGLECT"]}
    conference = latest(case, "initialConferences")
    case = await act(client, worker, "holdInitialConference", conference, held)
    # The review conference is written up, then the plan ended at it: one review, the
    # plan's last, and nothing more due.
    plan = latest(case, "childProtectionPlans")
    case = await act(client, worker, "holdReviewConference", plan, {"heldOn": "2026-01-10"})
    ended = {"endedOn": "2026-01-10", "reason": "AT_REVIEW_CONFERENCE"}
    case = await act(
        client, worker, "endChildProtectionPlan", latest(case, "childProtectionPlans"), ended
    )
    assert case["__typename"] == "Case", case
    plan = latest(case, "childProtectionPlans")
    assert (plan["status"], plan["endDate"], plan["reviewDates"]) == (
        "ENDED",
        "2026-01-10",
        ["2026-01-10"],
    )
    reviews = [s for s in plan["steps"] if s["kind"] == "CHILD_PROTECTION_REVIEW"]
    assert [(s["status"], s["completedDate"]) for s in reviews] == [
        ("DONE", "2026-01-10"),
        ("CANCELLED", None),
    ]


async def test_an_assessment_started_twice_on_one_day_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world, index=2)
    case = await _on_a_plan(client, worker, manager, child_id)
    case = await act(client, worker, "startAssessment", case, {"startedOn": "2025-09-02"})
    assert case["__typename"] == "Case", case
    again = await act(client, worker, "startAssessment", case, {"startedOn": "2025-09-02"})
    assert again["__typename"] == "InvalidInput", again
    assert [p["field"] for p in again["problems"]] == ["startedOn"]
    assert "already recorded" in again["problems"][0]["rule"]
    assert await case_now(client, worker, case["id"]) == case
    # One withdrawn as started in error is no longer in the way of the right one.
    case = await withdraw_in_error(client, worker, manager, case, "assessments", "2025-09-03")
    case = await act(client, worker, "startAssessment", case, {"startedOn": "2025-09-02"})
    assert case["__typename"] == "Case", case
    assert [a["status"] for a in case["assessments"]] == ["RECORDED_IN_ERROR", "IN_PROGRESS"]
