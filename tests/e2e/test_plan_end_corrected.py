"""A child protection plan ended on transfer out (or at 18, on the child's death, on
leaving the UK) with the wrong day typed, corrected with `correctChildProtectionPlanEnd`:
the plan ends on the corrected day for the CIN census, the `asAt` view and CP-IS; a day
that would break the rules of ending it is refused naming `endedOn`, changing nothing,
and a plan ended at a review or by care starting is corrected where that end was made."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from returns import CollectionYear, write_cin_census
from tests.e2e.journey_helpers import (
    CHRONOLOGY,
    MY_WORK,
    act,
    answered,
    case_now,
    demo_child,
    demo_county,
    latest,
    referral_for,
)
from tests.e2e.test_journey_episode_start import _start as start_care
from tests.helpers import bearer, graphql

pytestmark = pytest.mark.anyio

CORRECT = "correctChildProtectionPlanEnd"


def _problem(result: dict[str, Any]) -> tuple[str, str]:
    assert result["__typename"] == "InvalidInput", result
    problem = result["problems"][0]
    return problem["field"], problem["rule"]


async def test_a_plan_ended_on_transfer_out_is_ended_on_the_corrected_day(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, tmp_path: Path
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    child_id = demo_child(world, index=2)
    case = await referral_for(client, worker, child_id, date(2026, 6, 1))
    conference = {
        "heldOn": "2026-06-19",
        "planRequired": True,
        "categoriesOfAbuse": ["NEG_NEGLECT"],
    }
    case = await act(client, worker, "holdTransferInConference", case, conference)
    plan = latest(case, "childProtectionPlans")
    case = await act(client, worker, "holdCoreGroup", plan, {"heldOn": "2026-07-01"})
    # The family moved away on 3 September; the end was typed as the 10th, and a child in
    # need plan began on the 10th.
    ending = {"endedOn": "2026-09-10", "reason": "TRANSFERRED_OUT"}
    case = await act(
        client, worker, "endChildProtectionPlan", latest(case, "childProtectionPlans"), ending
    )
    case = await act(client, worker, "startChildInNeedPlan", case, {"startDate": "2026-09-10"})
    plan = latest(case, "childProtectionPlans")
    assert (plan["status"], plan["endDate"]) == ("ENDED", "2026-09-10")

    fix = {"endedOn": "2026-09-03", "reason": "The transfer letter is dated 3 September"}
    for day, rule in (
        ("2026-09-10", "is the day already recorded (2026-09-10)"),
        ("2026-06-30", "must not be before the plan's last recorded step (2026-07-01)"),
        (
            "2026-09-11",
            f"must not be after the child in need plan {latest(case, 'childInNeedPlans')['id']}"
            " began (2026-09-10): a child has one plan at a time (CIN census 4001)",
        ),
    ):
        refused = await act(client, worker, CORRECT, plan, fix | {"endedOn": day})
        assert _problem(refused) == ("endedOn", rule), refused
    assert (
        _problem(await act(client, worker, CORRECT, plan, fix | {"endedOn": "2099-01-01"}))[0]
        == "endedOn"
    )
    assert await case_now(client, worker, case["id"]) == {"__typename": "Case", **case}

    case = await act(client, worker, CORRECT, plan, fix)
    assert case["__typename"] == "Case", case
    plan = latest(case, "childProtectionPlans")
    assert (plan["status"], plan["endDate"], plan["endReason"]) == (
        "ENDED",
        "2026-09-03",
        "TRANSFERRED_OUT",
    )
    chronology = (await graphql(client, worker, CHRONOLOGY, {"id": child_id}))["child"]
    said = " ".join(f"{e['title']} {e['detail']}" for e in chronology["chronology"])
    assert "end of 2026-09-10 corrected to 2026-09-03" in said, said

    out = tmp_path / "cin.xml"
    await write_cin_census(store, CollectionYear(2027), out, "919")
    child = next(
        c
        for c in ET.parse(out).getroot().iter("Child")  # noqa: S314 - the hub's own output
        if c.findtext("ChildIdentifiers/LAchildID") == child_id
    )
    assert [p.findtext("CPPendDate") for p in child.iter("ChildProtectionPlans")] == ["2026-09-03"]


async def test_a_plan_ended_at_a_review_is_corrected_on_the_review(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    case = await referral_for(client, worker, demo_child(world, index=2), date(2026, 6, 1))
    conference = {
        "heldOn": "2026-06-19",
        "planRequired": True,
        "categoriesOfAbuse": ["NEG_NEGLECT"],
    }
    case = await act(client, worker, "holdTransferInConference", case, conference)
    visit = {"visitedOn": "2026-09-07", "seenAlone": True, "lateReason": "Family away"}
    plan = latest(case, "childProtectionPlans")
    case = await act(client, worker, "recordChildProtectionVisit", plan, visit)
    ending = {"endedOn": "2026-09-10", "reason": "AT_REVIEW_CONFERENCE"}
    case = await act(
        client, worker, "endChildProtectionPlan", latest(case, "childProtectionPlans"), ending
    )
    refused = await act(
        client,
        worker,
        CORRECT,
        latest(case, "childProtectionPlans"),
        {"endedOn": "2026-09-03", "reason": "Typo"},
    )
    assert _problem(refused) == (
        "endedOn",
        "the plan ended at its review conference: correct the review's day "
        "(correctChildProtectionStepDate), and the plan ends on it",
    )

    # The review met on 24 September, typed as the 10th: the plan ends on the 24th, and
    # the visit the recorded end cancelled before it fell due (the 21st) is due again.
    plan = latest(case, "childProtectionPlans")
    final = next(s for s in plan["steps"] if s["kind"] == "CHILD_PROTECTION_REVIEW")
    cancelled = _due_steps(plan, "CANCELLED")
    fix = {
        "stepId": final["id"],
        "happenedOn": "2026-09-24",
        "reason": "Minutes dated the 24th",
        "lateReason": "The chair was ill",
    }
    case = await act(client, worker, "correctChildProtectionStepDate", plan, fix)
    assert case["__typename"] == "Case", case
    plan = latest(case, "childProtectionPlans")
    assert plan["endDate"] == "2026-09-24", plan
    again = [step for step in cancelled if "2026-09-10" <= step[1] < "2026-09-24"]
    assert again, cancelled
    assert _due_steps(plan, "OPEN") == again


def _due_steps(plan: dict[str, Any], status: str) -> list[tuple[str, str]]:
    """The plan's scheduled steps never held, in `status`: their kind and due day."""
    return sorted(
        (s["kind"], s["dueDate"])
        for s in plan["steps"]
        if s["status"] == status and s["completedDate"] is None and s["dueDate"]
    )


async def _plan_from_june(
    client: httpx.AsyncClient, worker: dict[str, str], child_id: str
) -> dict[str, Any]:
    """A child protection plan from a transfer-in conference on 19 June 2026, its core
    group held on 1 July and a visit on the 2nd: the case."""
    case = await referral_for(client, worker, child_id, date(2026, 6, 1))
    conference = {
        "heldOn": "2026-06-19",
        "planRequired": True,
        "categoriesOfAbuse": ["NEG_NEGLECT"],
    }
    case = await act(client, worker, "holdTransferInConference", case, conference)
    plan = latest(case, "childProtectionPlans")
    case = await act(client, worker, "holdCoreGroup", plan, {"heldOn": "2026-07-01"})
    visit = {"visitedOn": "2026-07-02", "seenAlone": True}
    return await act(
        client, worker, "recordChildProtectionVisit", latest(case, "childProtectionPlans"), visit
    )


async def test_the_reviews_an_earlier_end_cancelled_fall_due_again_when_it_moves_later(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    worker = bearer(settings, "social-worker")
    child_id = demo_child(await demo_county(store), index=2)
    case = await _plan_from_june(client, worker, child_id)
    plan = latest(case, "childProtectionPlans")
    due = dict(_due_steps(plan, "OPEN"))
    review_due, visit_due = due["CHILD_PROTECTION_REVIEW"], due["CHILD_PROTECTION_VISIT"]
    assert visit_due < "2026-08-03" < review_due < "2026-10-30", due
    # The family moved away at the end of October; the end was typed as 3 August, which
    # cancelled the first review and the next visit.
    ending = {"endedOn": "2026-08-03", "reason": "TRANSFERRED_OUT"}
    case = await act(client, worker, "endChildProtectionPlan", plan, ending)
    plan = latest(case, "childProtectionPlans")
    assert _due_steps(plan, "OPEN") == []

    # Corrected to the day it ended, the review that fell due while the plan was in force
    # is due again (overdue, on the worker's list); the visit the first end found
    # overdue stays as that end left it.
    fix = {"endedOn": "2026-10-30", "reason": "The transfer letter is dated 30 October"}
    case = await act(client, worker, CORRECT, plan, fix)
    plan = latest(case, "childProtectionPlans")
    assert (plan["status"], plan["endDate"]) == ("ENDED", "2026-10-30")
    assert [k for k, _ in _due_steps(plan, "OPEN")] == ["CHILD_PROTECTION_REVIEW"]
    review = next(s for s in plan["steps"] if s["kind"] == "CHILD_PROTECTION_REVIEW")
    assert (review["status"], review["dueDate"], review["overdue"]) == ("OPEN", review_due, True)
    work = (await graphql(client, worker, MY_WORK))["myWork"]["items"]
    assert [
        (i["kind"], i["dueDate"], i["overdue"]) for i in work if i["stepId"] == review["id"]
    ] == [("CHILD_PROTECTION_REVIEW", review_due, True)]

    # Moved back before it, the review is cancelled again, and off the list.
    back = {"endedOn": "2026-09-01", "reason": "The letter's second page: 1 September"}
    case = await act(client, worker, CORRECT, plan, back)
    plan = latest(case, "childProtectionPlans")
    assert _due_steps(plan, "OPEN") == []
    work = (await graphql(client, worker, MY_WORK))["myWork"]["items"]
    assert [i for i in work if i["stepId"] == review["id"]] == []
    case = await act(client, worker, CORRECT, plan, fix)
    plan = latest(case, "childProtectionPlans")
    assert [k for k, _ in _due_steps(plan, "OPEN")] == ["CHILD_PROTECTION_REVIEW"]

    # Written up, the review held while the plan was in force answers the one due, on
    # time; the plan stays ended and nothing more falls due after its end.
    held = {"heldOn": "2026-09-14"}
    case = await act(client, worker, "holdReviewConference", plan, held)
    assert case["__typename"] == "Case", case
    plan = latest(case, "childProtectionPlans")
    assert plan["status"] == "ENDED"
    assert answered(plan, "CHILD_PROTECTION_REVIEW") == [("2026-09-14", review_due, False)]
    assert _due_steps(plan, "OPEN") == []


async def test_the_reviews_fall_due_again_when_the_start_of_care_that_ended_the_plan_moves(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    worker = bearer(settings, "social-worker")
    child_id = demo_child(await demo_county(store), index=2)
    case = await _plan_from_june(client, worker, child_id)
    review_due = dict(_due_steps(latest(case, "childProtectionPlans"), "OPEN"))[
        "CHILD_PROTECTION_REVIEW"
    ]
    assert "2026-08-03" < review_due < "2026-10-30", review_due
    # Care began at the end of October, typed as 3 August: the plan ended with it then,
    # its first review cancelled.
    care = await start_care(client, worker, child_id, "2026-08-03")
    plan = latest(await case_now(client, worker, case["id"]), "childProtectionPlans")
    assert (plan["endReason"], plan["endDate"]) == ("BECAME_LOOKED_AFTER", "2026-08-03")
    assert _due_steps(plan, "OPEN") == []

    # The start of care corrected, the plan ends with it by the rule of correcting its end
    # (correctChildProtectionPlanEnd): the review that fell due while it was in force is
    # due again (overdue, on the worker's list).
    fix = {"episodeFrom": "2026-08-03", "startedOn": "2026-10-30", "reason": "Order of 30th"}
    care = await act(client, worker, "correctEpisodeStart", care, fix)
    assert care["__typename"] == "PeriodOfCare", care
    plan = latest(await case_now(client, worker, case["id"]), "childProtectionPlans")
    assert plan["endDate"] == "2026-10-30"
    assert _due_steps(plan, "OPEN") == [("CHILD_PROTECTION_REVIEW", review_due)]
    review = next(s for s in plan["steps"] if s["kind"] == "CHILD_PROTECTION_REVIEW")
    work = (await graphql(client, worker, MY_WORK))["myWork"]["items"]
    assert [
        (i["kind"], i["dueDate"], i["overdue"]) for i in work if i["stepId"] == review["id"]
    ] == [("CHILD_PROTECTION_REVIEW", review_due, True)]

    # Moved back before it, the review is cancelled again, and off the list.
    back = {"episodeFrom": "2026-10-30", "startedOn": "2026-09-01", "reason": "Order of 1st"}
    care = await act(client, worker, "correctEpisodeStart", care, back)
    assert care["__typename"] == "PeriodOfCare", care
    plan = latest(await case_now(client, worker, case["id"]), "childProtectionPlans")
    assert plan["endDate"] == "2026-09-01"
    assert _due_steps(plan, "OPEN") == []
    work = (await graphql(client, worker, MY_WORK))["myWork"]["items"]
    assert [i for i in work if i["stepId"] == review["id"]] == []
