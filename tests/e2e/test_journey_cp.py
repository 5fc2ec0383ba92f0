"""Child protection through GraphQL, as the law runs it: the strategy discussion, the
section 47 enquiry and the assessment side by side from the day of referral, the initial
conference before the assessment is authorised, the plan and its reviews, core groups and
visits; transfer-in conferences; the episode's rules across its records.

Hand-checked against the 2026 bank holidays (25 May is the spring bank holiday).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from tests.e2e.journey_helpers import (
    CHRONOLOGY,
    MY_WORK,
    OUTCOMES,
    STEP_FIELDS,
    TEAM_WORK,
    act,
    answered,
    case_now,
    decide,
    demo_child,
    demo_county,
    latest,
    referral_for,
    step,
    withdraw_in_error,
)
from tests.helpers import bearer, graphql

pytestmark = pytest.mark.anyio


async def test_concurrent_enquiry_and_assessment_conference_before_authorisation(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world, index=1)
    # Friday 22 May 2026, before the spring bank holiday (Monday 25 May).
    case = await referral_for(client, worker, child_id, date(2026, 5, 22))
    # On the day of referral, before any decision: the strategy discussion (starting the
    # section 47 enquiry) and the assessment, side by side.
    case = await act(client, worker, "holdStrategyDiscussion", case, {"heldOn": "2026-05-22"})
    case = await act(client, worker, "startAssessment", case, {"startedOn": "2026-05-22"})
    case = await act(
        client,
        worker,
        "decideReferral",
        case,
        {"decidedOn": "2026-05-22", "primaryNeed": "N1_ABUSE_OR_NEGLECT"},
    )
    case = await decide(client, manager, "authoriseCase", case, on="2026-05-26")
    enquiry, assessment = latest(case, "section47Enquiries"), latest(case, "assessments")
    assert (enquiry["status"], assessment["status"]) == ("IN_PROGRESS", "IN_PROGRESS")
    # 15 working days from Friday 22 May: 26-29 May (4), 1-5 June (9), 8-12 June (14),
    # Monday 15 June (15): the ICPC target (CIN census InitialCPCtarget).
    assert (enquiry["strategyDiscussionDate"], enquiry["initialConferenceTarget"]) == (
        "2026-05-22",
        "2026-06-15",
    )
    assert step(enquiry, "STRATEGY_DISCUSSION")["completedDate"] == "2026-05-22"

    case = await act(
        client, worker, "requestInitialConference", enquiry, {"concludedOn": "2026-06-01"}
    )
    enquiry = latest(case, "section47Enquiries")
    assert (enquiry["status"], enquiry["endDate"], enquiry["conferenceRequired"]) == (
        "CONFERENCE_REQUESTED",
        "2026-06-01",
        True,
    )
    conference = latest(case, "initialConferences")
    assert (conference["status"], conference["dueDate"], conference["section47EnquiryId"]) == (
        "DUE",
        "2026-06-15",
        enquiry["id"],
    )
    no_category = await act(
        client,
        worker,
        "holdInitialConference",
        conference,
        {"heldOn": "2026-06-12", "planRequired": True},
    )
    assert no_category["problems"] == [
        {"field": "categoriesOfAbuse", "rule": "a child protection plan needs a category"}
    ]
    # The conference is held, and the plan made, before the assessment is authorised.
    case = await act(
        client,
        worker,
        "holdInitialConference",
        conference,
        {
            "heldOn": "2026-06-12",
            "planRequired": True,
            "categoriesOfAbuse": ["NEG_NEGLECT", "EMO_EMOTIONAL_ABUSE"],
        },
    )
    assert latest(case, "assessments")["status"] == "IN_PROGRESS"
    assert latest(case, "initialConferences")["heldDate"] == "2026-06-12"
    plan = latest(case, "childProtectionPlans")
    assert (plan["status"], plan["startDate"], plan["conferenceId"]) == (
        "ACTIVE",
        "2026-06-12",
        conference["id"],
    )
    assert plan["initialCategoriesOfAbuse"] == ["EMO_EMOTIONAL_ABUSE", "NEG_NEGLECT"]
    # First review within 3 months of the ICPC; first core group and (local standard) the
    # next visit within 10 working days of Friday 12 June: Friday 26 June.
    assert step(plan, "CHILD_PROTECTION_REVIEW")["dueDate"] == "2026-09-12"
    assert step(plan, "CORE_GROUP")["dueDate"] == "2026-06-26"
    assert step(plan, "CHILD_PROTECTION_VISIT")["dueDate"] == "2026-06-26"

    case = await act(
        client,
        worker,
        "completeAssessment",
        latest(case, "assessments"),
        {"completedOn": "2026-06-30", "factors": ["NEGLECT"]},
    )
    case = await decide(
        client, manager, "authoriseAssessment", latest(case, "assessments"), on="2026-07-02"
    )
    assert latest(case, "assessments")["authorisedDate"] == "2026-07-02"

    case = await act(
        client,
        worker,
        "recordChildProtectionVisit",
        plan,
        {"visitedOn": "2026-06-19", "seenAlone": False},
    )
    plan = latest(case, "childProtectionPlans")
    # 10 working days after Friday 19 June: Friday 3 July.
    assert step(plan, "CHILD_PROTECTION_VISIT", "OPEN")["dueDate"] == "2026-07-03"
    case = await act(client, worker, "holdCoreGroup", plan, {"heldOn": "2026-06-24"})
    plan = latest(case, "childProtectionPlans")
    case = await act(
        client,
        worker,
        "holdReviewConference",
        plan,
        {"heldOn": "2026-09-10", "categoriesOfAbuse": ["EMO_EMOTIONAL_ABUSE"]},
    )
    plan = latest(case, "childProtectionPlans")
    review = step(plan, "CHILD_PROTECTION_REVIEW", "OPEN")
    assert (review["dueDate"], review["overdue"]) == ("2027-03-10", False)
    assert plan["latestCategoriesOfAbuse"] == ["EMO_EMOTIONAL_ABUSE"]
    assert plan["reviewDates"] == ["2026-09-10"]

    work = (await graphql(client, worker, MY_WORK))["myWork"]
    mine = sorted(
        (i["kind"], i["dueDate"], i["overdue"])
        for i in work["items"]
        if i["recordId"] == plan["id"]
    )
    assert mine == [
        ("CHILD_PROTECTION_REVIEW", "2027-03-10", False),
        ("CHILD_PROTECTION_VISIT", "2026-07-03", True),
    ]
    team = (await graphql(client, manager, TEAM_WORK))["teamWork"]
    sam = next(c for c in team["caseloads"] if c["workerId"] == "worker-sw-demo")
    assert sam["overdue"] >= 1

    # The episode cannot close while the plan is open: refused, naming the plan.
    refused = await act(
        client,
        worker,
        "closeCase",
        case,
        {"closedOn": "2026-10-01", "reason": "RC7_SERVICES_CEASED_FOR_ANY_OTHER_REASON"},
    )
    assert refused["__typename"] == "TransitionRefused"
    assert plan["id"] in refused["reason"]
    assert "child protection plan" in refused["reason"]
    assert refused["currentState"] == "ACCEPTED"

    child = (await graphql(client, worker, CHRONOLOGY, {"id": child_id}))["child"]
    assert child["childProtectionPlan"] == {"startDate": "2026-06-12", "endDate": None}
    assert "CHILD_PROTECTION" in child["openEpisodes"]

    case = await act(
        client,
        worker,
        "endChildProtectionPlan",
        plan,
        {"endedOn": "2026-11-20", "reason": "AT_REVIEW_CONFERENCE", "lateReason": "Chair ill."},
    )
    plan = latest(case, "childProtectionPlans")
    assert (plan["status"], plan["endDate"], plan["endReason"]) == (
        "ENDED",
        "2026-11-20",
        "AT_REVIEW_CONFERENCE",
    )
    assert plan["reviewDates"] == ["2026-09-10", "2026-11-20"]
    assert not [s for s in plan["steps"] if s["status"] == "OPEN"]
    child = (await graphql(client, worker, CHRONOLOGY, {"id": child_id}))["child"]
    assert child["childProtectionPlan"] == {"startDate": "2026-06-12", "endDate": "2026-11-20"}
    assert "CHILD_PROTECTION" not in child["openEpisodes"]
    case = await act(
        client,
        worker,
        "closeCase",
        case,
        {"closedOn": "2026-11-20", "reason": "RC7_SERVICES_CEASED_FOR_ANY_OTHER_REASON"},
    )
    case = await decide(client, manager, "authoriseCase", case, on="2026-11-24")
    assert case["status"] == "CLOSED"


async def test_enquiry_without_conference_and_the_child_in_need_plan_goes_on(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    case = await referral_for(client, worker, demo_child(world, index=2), date(2026, 3, 2))
    case = await act(client, worker, "startChildInNeedPlan", case, {"startDate": "2026-05-04"})
    case = await act(client, worker, "holdStrategyDiscussion", case, {"heldOn": "2026-07-01"})
    case = await act(
        client,
        worker,
        "concludeEnquiryWithoutConference",
        latest(case, "section47Enquiries"),
        {"concludedOn": "2026-07-10"},
    )
    enquiry = latest(case, "section47Enquiries")
    assert (enquiry["status"], enquiry["conferenceRequired"]) == ("NO_CONFERENCE_NEEDED", False)
    assert step(enquiry, "SECTION_47_ENQUIRY")["outcome"] == "NO_CONFERENCE"
    assert case["initialConferences"] == []
    assert latest(case, "childInNeedPlans")["status"] == "ACTIVE"


async def test_a_child_protection_plan_ends_the_child_in_need_plan_the_day_it_starts(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    case = await referral_for(client, worker, demo_child(world, index=2), date(2025, 9, 1))
    case = await act(client, worker, "startChildInNeedPlan", case, {"startDate": "2025-09-15"})
    cin_plan = latest(case, "childInNeedPlans")
    case = await act(client, worker, "holdStrategyDiscussion", case, {"heldOn": "2025-11-03"})
    case = await act(
        client,
        worker,
        "requestInitialConference",
        latest(case, "section47Enquiries"),
        {"concludedOn": "2025-11-10"},
    )
    case = await act(
        client,
        worker,
        "holdInitialConference",
        latest(case, "initialConferences"),
        {"heldOn": "2025-11-17", "planRequired": True, "categoriesOfAbuse": ["PHY_PHYSICAL_ABUSE"]},
    )
    ended = latest(case, "childInNeedPlans")
    assert (ended["id"], ended["status"], ended["endDate"]) == (
        cin_plan["id"],
        "ENDED",
        "2025-11-17",
    )
    assert not [s for s in ended["steps"] if s["status"] == "OPEN"]
    assert latest(case, "childProtectionPlans")["startDate"] == "2025-11-17"
    # While the CP plan is open, no CIN plan starts beside it.
    refused = await act(client, worker, "startChildInNeedPlan", case, {"startDate": "2025-12-01"})
    assert refused["__typename"] == "TransitionRefused"
    assert "no child in need plan beside it" in refused["reason"]
    # The CIN plan may start again the day the CP plan ends.
    plan = latest(case, "childProtectionPlans")
    case = await act(
        client,
        worker,
        "endChildProtectionPlan",
        plan,
        {"endedOn": "2026-02-16", "reason": "AT_REVIEW_CONFERENCE"},
    )
    case = await act(client, worker, "startChildInNeedPlan", case, {"startDate": "2026-02-16"})
    assert [(p["status"], p["startDate"]) for p in case["childInNeedPlans"]] == [
        ("ENDED", "2025-09-15"),
        ("ACTIVE", "2026-02-16"),
    ]


async def test_transfer_in_conference_without_an_enquiry_and_one_plan_at_a_time(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    case = await referral_for(
        client, worker, demo_child(world, index=1), date(2025, 6, 2), "LOCAL_AUTHORITY_EXTERNAL"
    )
    case = await act(
        client,
        worker,
        "holdTransferInConference",
        case,
        {"heldOn": "2025-06-16", "planRequired": True, "categoriesOfAbuse": ["SAB_SEXUAL_ABUSE"]},
    )
    assert case["section47Enquiries"] == []
    conference = latest(case, "initialConferences")
    assert (conference["status"], conference["transferIn"], conference["section47EnquiryId"]) == (
        "PLAN_MADE",
        True,
        None,
    )
    plan = latest(case, "childProtectionPlans")
    assert (plan["startDate"], plan["transferIn"], plan["latestCategoriesOfAbuse"]) == (
        "2025-06-16",
        True,
        ["SAB_SEXUAL_ABUSE"],
    )
    second = await act(
        client,
        worker,
        "holdTransferInConference",
        case,
        {"heldOn": "2025-06-20", "planRequired": True, "categoriesOfAbuse": ["NEG_NEGLECT"]},
    )
    assert second["__typename"] == "TransitionRefused"
    assert "one child protection plan at a time" in second["reason"]
    # Transferred out again: the plan ends that day and the episode may close (RC5).
    case = await act(
        client,
        worker,
        "endChildProtectionPlan",
        plan,
        {"endedOn": "2025-10-01", "reason": "TRANSFERRED_OUT"},
    )
    assert latest(case, "childProtectionPlans")["endReason"] == "TRANSFERRED_OUT"
    case = await act(
        client,
        worker,
        "closeCase",
        case,
        {"closedOn": "2025-10-01", "reason": "RC5_TRANSFERRED_TO_ANOTHER_LOCAL_AUTHORITY"},
    )
    assert case["status"] == "CLOSURE_AWAITING_AUTHORISATION"


async def test_a_transfer_in_conference_is_due_15_working_days_after_the_notification(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # Working Together 2023: the receiving authority holds the transfer-in conference
    # within 15 working days of being notified of the move.
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    case = await referral_for(
        client, worker, demo_child(world, index=1), date(2025, 6, 2), "LOCAL_AUTHORITY_EXTERNAL"
    )
    # Notified on Wednesday 28 May 2025: due Wednesday 18 June, held on the 20th.
    held = {"heldOn": "2025-06-20", "notifiedOn": "2025-05-28", "planRequired": False}
    refused = await act(client, worker, "holdTransferInConference", case, held)
    assert refused["__typename"] == "InvalidInput"
    [problem] = refused["problems"]
    assert problem["field"] == "lateReason"
    assert "Transfer-in child protection conference was due by 18 June 2025" in problem["rule"]
    assert await case_now(client, worker, case["id"]) == case
    early = {**held, "heldOn": "2025-06-03", "notifiedOn": "2025-06-04"}
    refused = await act(client, worker, "holdTransferInConference", case, early)
    assert [p["field"] for p in refused["problems"]] == ["heldOn"]

    reason = "The family's new address was confirmed late"
    case = await act(
        client, worker, "holdTransferInConference", case, {**held, "lateReason": reason}
    )
    conference = latest(case, "initialConferences")
    assert (
        conference["dueDate"],
        conference["notifiedDate"],
        conference["heldDate"],
        conference["lateReason"],
    ) == ("2025-06-18", "2025-05-28", "2025-06-20", reason)
    held_step = step(conference, "INITIAL_CHILD_PROTECTION_CONFERENCE")
    assert (held_step["dueRule"], held_step["completedLate"], held_step["lateReason"]) == (
        "transfer_in_conference",
        True,
        reason,
    )

    # Without a date of its own, the notification came by the referral (Monday 2 June):
    # the conference is due on Monday 23 June.
    other = await referral_for(
        client, worker, demo_child(world, index=2), date(2025, 6, 2), "LOCAL_AUTHORITY_EXTERNAL"
    )
    other = await act(
        client,
        worker,
        "holdTransferInConference",
        other,
        {"heldOn": "2025-06-23", "planRequired": True, "categoriesOfAbuse": ["NEG_NEGLECT"]},
    )
    conference = latest(other, "initialConferences")
    assert (conference["dueDate"], conference["notifiedDate"], conference["lateReason"]) == (
        "2025-06-23",
        None,
        None,
    )
    assert not step(conference, "INITIAL_CHILD_PROTECTION_CONFERENCE")["completedLate"]


async def _plan_made_on_transfer_in(
    client: httpx.AsyncClient,
    worker: dict[str, str],
    case: dict[str, Any],
    held_on: str,
    category: str = "NEG_NEGLECT",
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The case after a transfer-in conference on `held_on` made a plan, and the plan."""
    case = await act(
        client,
        worker,
        "holdTransferInConference",
        case,
        {"heldOn": held_on, "planRequired": True, "categoriesOfAbuse": [category]},
    )
    return case, latest(case, "childProtectionPlans")


async def test_steps_held_before_a_plan_ended_are_written_up_after_it_ended(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # Records arrive late: a review, a visit and a core group held while the plan was in
    # force, written up once it had ended, are the plan's history (its review dates in
    # the CIN census); nothing falls due from them, and none is dated after the end.
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    case = await referral_for(client, worker, demo_child(world, index=1), date(2026, 1, 5))
    case, plan = await _plan_made_on_transfer_in(client, worker, case, "2026-01-20")
    case = await act(
        client,
        worker,
        "endChildProtectionPlan",
        plan,
        {"endedOn": "2026-06-01", "reason": "TRANSFERRED_OUT"},
    )
    late_steps = (
        (
            "holdReviewConference",
            {"heldOn": "2026-04-20", "categoriesOfAbuse": ["EMO_EMOTIONAL_ABUSE"]},
        ),
        ("recordChildProtectionVisit", {"visitedOn": "2026-05-28", "seenAlone": True}),
        ("holdCoreGroup", {"heldOn": "2026-06-01"}),
    )
    for action, data in late_steps:
        case = await act(client, worker, action, latest(case, "childProtectionPlans"), data)
        assert case["__typename"] == "Case", (action, case)
    plan = latest(case, "childProtectionPlans")
    assert (plan["status"], plan["endDate"], plan["reviewDates"]) == (
        "ENDED",
        "2026-06-01",
        ["2026-04-20"],
    )
    done = {(s["kind"], s["completedDate"]) for s in plan["steps"] if s["status"] == "DONE"}
    assert {
        ("CHILD_PROTECTION_REVIEW", "2026-04-20"),
        ("CHILD_PROTECTION_VISIT", "2026-05-28"),
        ("CORE_GROUP", "2026-06-01"),
    } <= done
    assert [s["kind"] for s in plan["steps"] if s["status"] == "OPEN"] == []
    for action, data in late_steps:
        day = next(name for name in ("heldOn", "visitedOn") if name in data)
        refused = await act(client, worker, action, plan, {**data, day: "2026-06-02"})
        assert refused["problems"] == [
            {"field": day, "rule": "must not be after the plan ended (2026-06-01)"}
        ]
        assert await case_now(client, worker, case["id"]) == case

    # A child in need plan alike: its review written up after it ended.
    case = await act(client, worker, "startChildInNeedPlan", case, {"startDate": "2026-06-01"})
    case = await act(
        client,
        worker,
        "endChildInNeedPlan",
        latest(case, "childInNeedPlans"),
        {"endedOn": "2026-09-01"},
    )
    case = await act(
        client,
        worker,
        "reviewChildInNeedPlan",
        latest(case, "childInNeedPlans"),
        {"heldOn": "2026-08-27"},
    )
    cin_plan = latest(case, "childInNeedPlans")
    assert cin_plan["status"] == "ENDED"
    assert step(cin_plan, "CHILD_IN_NEED_PLAN_REVIEW", "DONE")["completedDate"] == "2026-08-27"
    refused = await act(
        client,
        worker,
        "recordChildInNeedVisit",
        cin_plan,
        {"visitedOn": "2026-09-02", "seenAlone": True},
    )
    assert [p["field"] for p in refused["problems"]] == ["visitedOn"]


async def test_a_plan_ended_on_transfer_out_takes_a_late_review_after_its_episode_closed(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # The plan ends on transfer out and the episode closes (RC5) the same day; a review
    # held in the spring is typed up afterwards. It is history inside the closed
    # episode (a CIN census review date); nothing else in the episode may change.
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    case = await referral_for(client, worker, demo_child(world, index=1), date(2026, 1, 5))
    case, plan = await _plan_made_on_transfer_in(client, worker, case, "2026-01-20")
    case = await act(
        client,
        worker,
        "endChildProtectionPlan",
        plan,
        {"endedOn": "2026-06-01", "reason": "TRANSFERRED_OUT"},
    )
    case = await act(
        client,
        worker,
        "closeCase",
        case,
        {"closedOn": "2026-06-01", "reason": "RC5_TRANSFERRED_TO_ANOTHER_LOCAL_AUTHORITY"},
    )
    case = await decide(client, manager, "authoriseCase", case, on="2026-06-02")
    assert case["status"] == "CLOSED"
    plan = latest(case, "childProtectionPlans")
    after_the_end = await act(
        client, worker, "holdReviewConference", plan, {"heldOn": "2026-06-02"}
    )
    assert [p["field"] for p in after_the_end["problems"]] == ["heldOn"]
    case = await act(client, worker, "holdReviewConference", plan, {"heldOn": "2026-04-20"})
    assert (case["status"], case["closureDate"]) == ("CLOSED", "2026-06-01")
    assert latest(case, "childProtectionPlans")["reviewDates"] == ["2026-04-20"]
    refused = await act(client, worker, "startAssessment", case, {"startedOn": "2026-05-01"})
    assert refused["__typename"] == "TransitionRefused"
    assert await case_now(client, worker, case["id"]) == case


async def test_a_plan_does_not_end_before_its_last_recorded_step(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    case = await referral_for(client, worker, demo_child(world, index=1), date(2026, 6, 1))
    case, plan = await _plan_made_on_transfer_in(client, worker, case, "2026-06-19")
    case = await act(client, worker, "holdCoreGroup", plan, {"heldOn": "2026-07-01"})
    plan = latest(case, "childProtectionPlans")
    case = await act(client, worker, "holdReviewConference", plan, {"heldOn": "2026-09-15"})
    plan = latest(case, "childProtectionPlans")
    assert plan["reviewDates"] == ["2026-09-15"]
    # Late recording of a transfer out on 10 September: the review on 15 September was
    # held under the plan, so the plan cannot have ended before it.
    for reason in ("TRANSFERRED_OUT", "AT_REVIEW_CONFERENCE"):
        refused = await act(
            client,
            worker,
            "endChildProtectionPlan",
            plan,
            {"endedOn": "2026-09-10", "reason": reason},
        )
        assert refused == {
            "__typename": "InvalidInput",
            "problems": [
                {
                    "field": "endedOn",
                    "rule": "must not be before the plan's last recorded step (2026-09-15)",
                }
            ],
        }
    assert await case_now(client, worker, case["id"]) == case
    # A visit counts as a step of the plan as much as a review does.
    case = await act(
        client,
        worker,
        "recordChildProtectionVisit",
        plan,
        {"visitedOn": "2026-09-22", "seenAlone": True, "lateReason": "The family was away."},
    )
    plan = latest(case, "childProtectionPlans")
    refused = await act(
        client,
        worker,
        "endChildProtectionPlan",
        plan,
        {"endedOn": "2026-09-21", "reason": "TRANSFERRED_OUT"},
    )
    assert refused["problems"][0]["field"] == "endedOn"
    assert "(2026-09-22)" in refused["problems"][0]["rule"]
    case = await act(
        client,
        worker,
        "endChildProtectionPlan",
        plan,
        {"endedOn": "2026-09-22", "reason": "TRANSFERRED_OUT"},
    )
    plan = latest(case, "childProtectionPlans")
    assert (plan["status"], plan["endDate"]) == ("ENDED", "2026-09-22")


async def test_a_child_in_need_plan_does_not_end_before_its_last_recorded_step(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    case = await referral_for(client, worker, demo_child(world, index=2), date(2026, 6, 1))
    case = await act(client, worker, "startChildInNeedPlan", case, {"startDate": "2026-06-05"})
    plan = latest(case, "childInNeedPlans")
    case = await act(client, worker, "reviewChildInNeedPlan", plan, {"heldOn": "2026-08-01"})
    plan = latest(case, "childInNeedPlans")
    refused = await act(client, worker, "endChildInNeedPlan", plan, {"endedOn": "2026-07-01"})
    assert refused == {
        "__typename": "InvalidInput",
        "problems": [
            {
                "field": "endedOn",
                "rule": "must not be before the plan's last recorded step (2026-08-01)",
            }
        ],
    }
    assert await case_now(client, worker, case["id"]) == case
    # Nor does a child protection plan starting before that review end it (the episode
    # rule ends the CIN plan the day the CP plan starts): refused, nothing written.
    refused = await act(
        client,
        worker,
        "holdTransferInConference",
        case,
        {
            "heldOn": "2026-07-15",
            "planRequired": True,
            "categoriesOfAbuse": ["NEG_NEGLECT"],
            "lateReason": "Notified of the move months after the referral",
        },
    )
    assert refused["__typename"] == "TransitionRefused"
    assert f"{plan['id']} has a step recorded on 2026-08-01, after 2026-07-15" in refused["reason"]
    assert await case_now(client, worker, case["id"]) == case
    case = await act(client, worker, "endChildInNeedPlan", plan, {"endedOn": "2026-08-01"})
    assert latest(case, "childInNeedPlans")["endDate"] == "2026-08-01"


def _open(record: dict[str, object], kind: str) -> list[tuple[object, object]]:
    steps = record["steps"]
    assert isinstance(steps, list)
    return [
        (s["dueDate"], s["dueRule"]) for s in steps if s["kind"] == kind and s["status"] == "OPEN"
    ]


async def test_a_visit_or_review_recorded_late_does_not_bring_the_next_one_forward(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    case = await referral_for(client, worker, demo_child(world, index=1), date(2026, 1, 5))
    case, plan = await _plan_made_on_transfer_in(client, worker, case, "2026-01-20")
    case = await act(
        client,
        worker,
        "recordChildProtectionVisit",
        plan,
        {"visitedOn": "2026-01-28", "seenAlone": True},
    )
    plan = latest(case, "childProtectionPlans")
    # 10 working days from Wednesday 28 January: Wednesday 11 February.
    assert _open(plan, "CHILD_PROTECTION_VISIT") == [("2026-02-11", "child_protection_visit")]
    # A visit on 22 January, written up after the one on the 28th: it is in the record,
    # but the child was last seen on the 28th, so the next visit is still due by the 11th.
    case = await act(
        client,
        worker,
        "recordChildProtectionVisit",
        plan,
        {"visitedOn": "2026-01-22", "seenAlone": False},
    )
    plan = latest(case, "childProtectionPlans")
    visits = [
        (s["status"], s["completedDate"], s["seenAlone"])
        for s in plan["steps"]
        if s["kind"] == "CHILD_PROTECTION_VISIT"
    ]
    assert ("DONE", "2026-01-22", False) in visits
    assert ("DONE", "2026-01-28", True) in visits
    assert _open(plan, "CHILD_PROTECTION_VISIT") == [("2026-02-11", "child_protection_visit")]
    # Reviews likewise: the first review on 15 April, then one of 1 March recorded late.
    # The next review is 6 months after the latest (15 October), not after 1 March.
    case = await act(client, worker, "holdReviewConference", plan, {"heldOn": "2026-04-15"})
    plan = latest(case, "childProtectionPlans")
    assert _open(plan, "CHILD_PROTECTION_REVIEW") == [("2026-10-15", "child_protection_review")]
    case = await act(
        client,
        worker,
        "holdReviewConference",
        plan,
        {"heldOn": "2026-03-01", "categoriesOfAbuse": ["EMO_EMOTIONAL_ABUSE"]},
    )
    plan = latest(case, "childProtectionPlans")
    assert plan["reviewDates"] == ["2026-03-01", "2026-04-15"]
    assert _open(plan, "CHILD_PROTECTION_REVIEW") == [("2026-10-15", "child_protection_review")]
    # The categories in force are the latest review's, not an earlier one's.
    assert plan["latestCategoriesOfAbuse"] == ["NEG_NEGLECT"]


async def test_a_child_in_need_visit_or_review_recorded_late_keeps_the_next_one_due(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    case = await referral_for(client, worker, demo_child(world, index=2), date(2026, 6, 1))
    case = await act(client, worker, "startChildInNeedPlan", case, {"startDate": "2026-06-05"})
    plan = latest(case, "childInNeedPlans")
    case = await act(
        client,
        worker,
        "recordChildInNeedVisit",
        plan,
        {"visitedOn": "2026-06-24", "seenAlone": True},
    )
    plan = latest(case, "childInNeedPlans")
    case = await act(client, worker, "reviewChildInNeedPlan", plan, {"heldOn": "2026-08-03"})
    plan = latest(case, "childInNeedPlans")
    # 20 working days from Wednesday 24 June: Wednesday 22 July; 3 months from 3 August.
    expected = {
        "CHILD_IN_NEED_VISIT": [("2026-07-22", "child_in_need_visit")],
        "CHILD_IN_NEED_PLAN_REVIEW": [("2026-11-03", "child_in_need_plan_review")],
    }
    assert {kind: _open(plan, kind) for kind in expected} == expected
    # Written up late: a visit on 15 June and a review on 20 July.
    case = await act(
        client,
        worker,
        "recordChildInNeedVisit",
        plan,
        {"visitedOn": "2026-06-15", "seenAlone": True},
    )
    plan = latest(case, "childInNeedPlans")
    case = await act(client, worker, "reviewChildInNeedPlan", plan, {"heldOn": "2026-07-20"})
    plan = latest(case, "childInNeedPlans")
    done = sorted((s["kind"], s["completedDate"]) for s in plan["steps"] if s["status"] == "DONE")
    assert done == [
        ("CHILD_IN_NEED_PLAN_REVIEW", "2026-07-20"),
        ("CHILD_IN_NEED_PLAN_REVIEW", "2026-08-03"),
        ("CHILD_IN_NEED_VISIT", "2026-06-15"),
        ("CHILD_IN_NEED_VISIT", "2026-06-24"),
    ]
    assert {kind: _open(plan, kind) for kind in expected} == expected


async def _referral_of_a_new_child(
    client: httpx.AsyncClient, worker: dict[str, str], born: str, received: date
) -> dict[str, object]:
    recorded = await graphql(
        client,
        worker,
        """mutation ($input: RecordContactInput!) { recordContact(input: $input) {
             __typename ... on Contact { childId } } }""",
        {
            "input": {
                "receivedDate": received.isoformat(),
                "source": "LOCAL_AUTHORITY_EXTERNAL",
                "summary": "Moving in on another authority's plan.",
                "confirmNewChild": True,
                "child": {
                    "givenName": "Ifeoma",
                    "familyName": "Ó Súilleabháin",
                    "dateOfBirth": born,
                },
            }
        },
    )
    child_id = recorded["recordContact"]["childId"]
    return await referral_for(client, worker, child_id, received)


async def test_a_plan_ends_when_the_child_reaches_18_and_none_goes_on_past_it(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    await demo_county(store)
    worker = bearer(settings, "social-worker")
    # 18 on Tuesday 10 March 2026.
    case = await _referral_of_a_new_child(client, worker, "2008-03-10", date(2026, 1, 5))
    case, plan = await _plan_made_on_transfer_in(client, worker, case, "2026-01-20")
    rule = (
        "the child turned 18 on 2026-03-10: a child protection plan does not go on past 18 "
        "(end it with the reason REACHED_EIGHTEEN)"
    )
    for action, data, field in (
        ("recordChildProtectionVisit", {"visitedOn": "2026-03-12", "seenAlone": True}, "visitedOn"),
        ("holdReviewConference", {"heldOn": "2026-03-10"}, "heldOn"),
        ("holdCoreGroup", {"heldOn": "2026-03-11"}, "heldOn"),
    ):
        refused = await act(client, worker, action, plan, {**data, "lateReason": "Late."})
        assert refused == {
            "__typename": "InvalidInput",
            "problems": [{"field": field, "rule": rule}],
        }, action
    assert await case_now(client, worker, case["id"]) == case
    # Still 17 the day before: not yet a reason to end the plan.
    refused = await act(
        client,
        worker,
        "endChildProtectionPlan",
        plan,
        {"endedOn": "2026-03-09", "reason": "REACHED_EIGHTEEN"},
    )
    assert refused["problems"] == [
        {"field": "reason", "rule": "the child turns 18 on 2026-03-10, after 2026-03-09"}
    ]
    case = await act(
        client,
        worker,
        "endChildProtectionPlan",
        plan,
        {"endedOn": "2026-03-10", "reason": "REACHED_EIGHTEEN"},
    )
    plan = latest(case, "childProtectionPlans")
    assert (plan["status"], plan["endDate"], plan["endReason"]) == (
        "ENDED",
        "2026-03-10",
        "REACHED_EIGHTEEN",
    )
    # No review was held that day: the plan's review dates are the reviews held.
    assert plan["reviewDates"] == []
    # Nor does a conference make a plan for a young person of 18.
    refused = await act(
        client,
        worker,
        "holdTransferInConference",
        case,
        {"heldOn": "2026-03-16", "planRequired": True, "categoriesOfAbuse": ["NEG_NEGLECT"]},
    )
    assert refused["problems"] == [{"field": "heldOn", "rule": rule}]


async def test_a_child_who_dies_on_a_plan_the_plan_ends_that_day_and_the_episode_closes_rc2(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    case = await referral_for(client, worker, demo_child(world, index=1), date(2026, 1, 5))
    case, plan = await _plan_made_on_transfer_in(
        client, worker, case, "2026-01-20", "PHY_PHYSICAL_ABUSE"
    )
    case = await act(
        client,
        worker,
        "recordChildProtectionVisit",
        plan,
        {"visitedOn": "2026-01-28", "seenAlone": True},
    )
    case = await act(
        client,
        worker,
        "endChildProtectionPlan",
        latest(case, "childProtectionPlans"),
        {"endedOn": "2026-02-10", "reason": "CHILD_DIED"},
    )
    plan = latest(case, "childProtectionPlans")
    assert (plan["status"], plan["endDate"], plan["endReason"], plan["reviewDates"]) == (
        "ENDED",
        "2026-02-10",
        "CHILD_DIED",
        [],
    )
    assert not [s for s in plan["steps"] if s["status"] == "OPEN"]
    case = await act(
        client, worker, "closeCase", case, {"closedOn": "2026-02-10", "reason": "RC2_DIED"}
    )
    case = await decide(client, manager, "authoriseCase", case, on="2026-02-12")
    assert (case["status"], case["closureDate"], case["closureReason"]) == (
        "CLOSED",
        "2026-02-10",
        "RC2_DIED",
    )


async def test_one_section_47_enquiry_at_a_time_until_its_conference_is_held(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    case = await referral_for(client, worker, demo_child(world, index=1), date(2026, 1, 5))
    case = await act(client, worker, "holdStrategyDiscussion", case, {"heldOn": "2026-01-06"})
    enquiry = latest(case, "section47Enquiries")
    # CIN census 8890: no enquiry starts while another is going on.
    refused = await act(client, worker, "holdStrategyDiscussion", case, {"heldOn": "2026-01-09"})
    assert refused["__typename"] == "TransitionRefused", refused
    assert "one section 47 enquiry at a time" in refused["reason"]
    assert f"Section47Enquiry {enquiry['id']} is IN_PROGRESS" in refused["reason"]
    assert await case_now(client, worker, case["id"]) == case
    # Nor while the conference it asked for is still due.
    case = await act(
        client, worker, "requestInitialConference", enquiry, {"concludedOn": "2026-01-16"}
    )
    conference = latest(case, "initialConferences")
    refused = await act(client, worker, "holdStrategyDiscussion", case, {"heldOn": "2026-01-19"})
    assert f"InitialChildProtectionConference {conference['id']} is DUE" in refused["reason"]
    case = await act(
        client,
        worker,
        "holdInitialConference",
        conference,
        {"heldOn": "2026-01-23", "planRequired": False},
    )
    # Once the conference is held, a new concern may start a new enquiry.
    case = await act(client, worker, "holdStrategyDiscussion", case, {"heldOn": "2026-03-02"})
    assert [e["strategyDiscussionDate"] for e in case["section47Enquiries"]] == [
        "2026-01-06",
        "2026-03-02",
    ]


async def test_a_record_written_up_late_does_not_overlap_one_that_has_ended(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # The episode's one-at-a-time rules hold by the dates things happened, not only
    # against what is open now: a record written up late, dated while one since ended was
    # in force, would overlap it (CIN census 4001, 8890).
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    case = await referral_for(client, worker, demo_child(world, index=1), date(2026, 1, 5))
    transfer = {"heldOn": "2026-01-12", "planRequired": True, "categoriesOfAbuse": ["NEG_NEGLECT"]}
    case = await act(client, worker, "holdTransferInConference", case, transfer)
    plan = latest(case, "childProtectionPlans")
    review = {"heldOn": "2026-03-02", "lateReason": "Conference moved"}
    case = await act(client, worker, "holdReviewConference", plan, review)
    ending = {"endedOn": "2026-03-02", "reason": "AT_REVIEW_CONFERENCE"}
    case = await act(
        client, worker, "endChildProtectionPlan", latest(case, "childProtectionPlans"), ending
    )

    # A child in need plan from 1 February ran beside the plan (CIN census 4001).
    refused = await act(client, worker, "startChildInNeedPlan", case, {"startDate": "2026-02-01"})
    assert refused["__typename"] == "TransitionRefused", refused
    assert f"ChildProtectionPlan {plan['id']} is ENDED (2026-03-02)" in refused["reason"]
    assert await case_now(client, worker, case["id"]) == case
    # From the day it ended it may start; one from before that one ended is refused too.
    case = await act(client, worker, "startChildInNeedPlan", case, {"startDate": "2026-03-02"})
    child_in_need = latest(case, "childInNeedPlans")
    case = await act(client, worker, "endChildInNeedPlan", child_in_need, {"endedOn": "2026-03-20"})
    refused = await act(client, worker, "startChildInNeedPlan", case, {"startDate": "2026-03-10"})
    assert refused["problems"] == [
        {
            "field": "startDate",
            "rule": f"must not start within child in need plan {child_in_need['id']} "
            "(2026-03-02 to 2026-03-20): a child's child in need plans do not overlap, and one "
            "starts after the one before it ended (CIN census 4014)",
        }
    ], refused
    # An enquiry started while the conference another asked for was still to be held
    # (CIN census 8890).
    case = await act(client, worker, "holdStrategyDiscussion", case, {"heldOn": "2026-04-01"})
    enquiry = latest(case, "section47Enquiries")
    case = await act(
        client, worker, "requestInitialConference", enquiry, {"concludedOn": "2026-04-08"}
    )
    conference = latest(case, "initialConferences")
    held = {"heldOn": "2026-04-20", "planRequired": False, "lateReason": "Chair unwell"}
    case = await act(client, worker, "holdInitialConference", conference, held)
    refused = await act(client, worker, "holdStrategyDiscussion", case, {"heldOn": "2026-04-10"})
    assert "one section 47 enquiry at a time" in refused["reason"], refused
    assert await case_now(client, worker, case["id"]) == case
    # The day of that conference too: the census counts it inside the enquiry.
    refused = await act(client, worker, "holdStrategyDiscussion", case, {"heldOn": "2026-04-20"})
    assert [p["field"] for p in refused["problems"]] == ["heldOn"], refused
    assert "to 2026-04-20, both days counted" in refused["problems"][0]["rule"], refused
    assert await case_now(client, worker, case["id"]) == case
    case = await act(client, worker, "holdStrategyDiscussion", case, {"heldOn": "2026-04-21"})
    assert [e["strategyDiscussionDate"] for e in case["section47Enquiries"]] == [
        "2026-04-01",
        "2026-04-21",
    ]


async def test_an_initial_conference_is_not_held_at_a_weekend(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # CIN census 8875 rejects a Saturday or Sunday: the day was typed wrong.
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    case = await referral_for(client, worker, demo_child(world, index=1), date(2026, 1, 5))
    case = await act(client, worker, "holdStrategyDiscussion", case, {"heldOn": "2026-01-05"})
    enquiry = latest(case, "section47Enquiries")
    concluded = {"concludedOn": "2026-01-09"}
    case = await act(client, worker, "requestInitialConference", enquiry, concluded)
    conference = latest(case, "initialConferences")
    saturday = {"heldOn": "2026-01-17", "planRequired": False}
    refused = await act(client, worker, "holdInitialConference", conference, saturday)
    assert refused["problems"] == [
        {
            "field": "heldOn",
            "rule": "2026-01-17 is a Saturday: an initial child protection conference is not"
            " held at a weekend (CIN census 8875)",
        }
    ], refused
    assert await case_now(client, worker, case["id"]) == case
    case = await act(
        client, worker, "holdInitialConference", conference, saturday | {"heldOn": "2026-01-16"}
    )
    sunday = {"heldOn": "2026-01-18", "reason": "Typed wrong", "lateReason": "Chair unwell"}
    correct = "correctInitialConferenceDate"
    refused = await act(client, worker, correct, latest(case, "initialConferences"), sunday)
    assert [p["field"] for p in refused["problems"]] == ["heldOn"], refused
    assert "is a Sunday" in refused["problems"][0]["rule"], refused
    assert await case_now(client, worker, case["id"]) == case


async def test_a_new_enquiry_may_begin_the_day_the_last_concluded_without_a_conference(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # Concluded in the morning with no conference needed, a new concern in the afternoon:
    # the census does not count an enquiry concluded without a conference as going on.
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    case = await referral_for(client, worker, demo_child(world, index=1), date(2026, 1, 5))
    case = await act(client, worker, "holdStrategyDiscussion", case, {"heldOn": "2026-01-05"})
    concluded = {"concludedOn": "2026-01-12"}
    first = latest(case, "section47Enquiries")
    case = await act(client, worker, "concludeEnquiryWithoutConference", first, concluded)
    case = await act(client, worker, "holdStrategyDiscussion", case, {"heldOn": "2026-01-12"})
    assert [e["strategyDiscussionDate"] for e in case["section47Enquiries"]] == [
        "2026-01-05",
        "2026-01-12",
    ], case


async def test_a_conference_corrected_to_a_later_day_does_not_run_into_the_next_enquiry(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # The census counts an enquiry going on to its conference: a conference typed as 20
    # January and corrected to the day the next enquiry began, or after, would have the
    # two overlap (CIN census 8890); corrected to the working day before, it stands.
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    case = await referral_for(client, worker, demo_child(world, index=1), date(2026, 1, 5))
    case = await act(client, worker, "holdStrategyDiscussion", case, {"heldOn": "2026-01-05"})
    first = latest(case, "section47Enquiries")
    case = await act(
        client, worker, "requestInitialConference", first, {"concludedOn": "2026-01-09"}
    )
    conference = latest(case, "initialConferences")
    held = {"heldOn": "2026-01-20", "planRequired": False}
    case = await act(client, worker, "holdInitialConference", conference, held)
    case = await act(client, worker, "holdStrategyDiscussion", case, {"heldOn": "2026-02-02"})
    later = latest(case, "section47Enquiries")
    correct = "correctInitialConferenceDate"
    for day in ("2026-02-02", "2026-02-05"):
        moved = {"heldOn": day, "reason": "Typed wrong", "lateReason": "Chair unwell"}
        refused = await act(client, worker, correct, latest(case, "initialConferences"), moved)
        assert [p["field"] for p in refused["problems"]] == ["heldOn"], refused
        assert (
            f"section 47 enquiry {later['id']} (started 2026-02-02"
            in (refused["problems"][0]["rule"])
        )
        assert await case_now(client, worker, case["id"]) == case
    moved = {"heldOn": "2026-01-30", "reason": "Typed wrong", "lateReason": "Chair unwell"}
    case = await act(client, worker, correct, latest(case, "initialConferences"), moved)
    assert latest(case, "initialConferences")["heldDate"] == "2026-01-30", case


CPIS = """query ($n: String!) { cpisRecord(nhsNumber: $n) { plans { type startDate endDate } } }"""


async def test_a_conference_held_on_the_wrong_child_is_withdrawn_with_the_plan_it_made(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # Siblings' records open side by side: the strategy discussion, the enquiry's
    # conclusion and the conference that made a plan were recorded on the wrong one.
    await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    health = bearer(settings, "health")
    nhs = "9434765919"
    contact = await graphql(
        client,
        worker,
        """mutation ($input: RecordContactInput!) { recordContact(input: $input) {
             __typename ... on Contact { childId } } }""",
        {
            "input": {
                "receivedDate": "2026-09-01",
                "source": "SCHOOLS",
                "summary": "Bruise seen at school",
                "child": {
                    "givenName": "Zoë",
                    "familyName": "Ødegård",
                    "dateOfBirth": "2018-03-04",
                    "nhsNumber": nhs,
                },
            }
        },
    )
    child_id = contact["recordContact"]["childId"]
    case = await referral_for(client, worker, child_id, date(2026, 9, 1))
    case = await act(client, worker, "holdStrategyDiscussion", case, {"heldOn": "2026-09-02"})
    case = await act(
        client,
        worker,
        "requestInitialConference",
        latest(case, "section47Enquiries"),
        {"concludedOn": "2026-09-09"},
    )
    case = await act(
        client,
        worker,
        "holdInitialConference",
        latest(case, "initialConferences"),
        {"heldOn": "2026-09-18", "planRequired": True, "categoriesOfAbuse": ["NEG_NEGLECT"]},
    )
    case = await act(
        client,
        worker,
        "recordChildProtectionVisit",
        latest(case, "childProtectionPlans"),
        {"visitedOn": "2026-09-25", "seenAlone": True},
    )
    conference, plan = latest(case, "initialConferences"), latest(case, "childProtectionPlans")
    assert (await graphql(client, health, CPIS, {"n": nhs}))["cpisRecord"]["plans"] != []

    # Dated before what it undoes: refused, nothing changed.
    early = {"withdrawnOn": "2026-09-17", "reason": "Held on the wrong child"}
    refused = await act(client, worker, "withdrawInitialConference", conference, early)
    assert [p["field"] for p in refused["problems"]] == ["withdrawnOn"]
    # The enquiry whose conference was held: the conference is withdrawn first.
    enquiry = latest(case, "section47Enquiries")
    first = await act(client, worker, "withdrawSection47Enquiry", enquiry, early)
    assert [p["field"] for p in first["problems"]] == ["section47EnquiryId"]
    assert conference["id"] in first["problems"][0]["rule"]
    assert await case_now(client, worker, case["id"]) == case

    reason = {"withdrawnOn": "2026-09-28", "reason": "Held on the wrong child: her sister's"}
    case = await act(client, worker, "withdrawInitialConference", conference, reason)
    conference = latest(case, "initialConferences")
    assert conference["status"] == "WITHDRAWAL_AWAITING_AUTHORISATION"
    assert latest(case, "childProtectionPlans")["status"] == "ACTIVE"
    # A manager decides on it, not the worker who proposed it.
    mine = await decide(client, worker, "authoriseInitialConference", conference)
    assert mine["__typename"] == "NotAuthorised"
    case = await decide(client, manager, "authoriseInitialConference", conference, on="2026-09-29")

    (conference, due_again), plan = case["initialConferences"], latest(case, "childProtectionPlans")
    # The enquiry's conference is due again, as it would be had it not been recorded held.
    assert (due_again["status"], due_again["dueDate"], due_again["section47EnquiryId"]) == (
        "DUE",
        conference["dueDate"],
        enquiry["id"],
    )
    assert (conference["status"], conference["withdrawnReason"], conference["heldDate"]) == (
        "RECORDED_IN_ERROR",
        "Held on the wrong child: her sister's",
        "2026-09-18",
    )
    assert (plan["status"], plan["withdrawnReason"], plan["endDate"]) == (
        "RECORDED_IN_ERROR",
        "Held on the wrong child: her sister's",
        None,
    )
    assert (plan["allowedActions"], conference["allowedActions"]) == ([], [])
    # Its visit stays in the history; nothing of it is due any more.
    assert [(s["kind"], s["status"]) for s in plan["steps"] if s["status"] != "CANCELLED"] == [
        ("CHILD_PROTECTION_VISIT", "DONE")
    ]
    work = (await graphql(client, worker, MY_WORK))["myWork"]
    assert [i for i in work["items"] if i["recordId"] in (plan["id"], conference["id"])] == []
    child = (await graphql(client, worker, CHRONOLOGY, {"id": child_id}))["child"]
    assert child["childProtectionPlan"] is None
    assert "CHILD_PROTECTION" not in child["openEpisodes"]
    # Health (CP-IS) is told of no plan: there never was one.
    assert (await graphql(client, health, CPIS, {"n": nhs}))["cpisRecord"] is None
    on_plans = await graphql(
        client,
        bearer(settings, "analyst"),
        '{ asAt(on: "2026-09-25") { ... on AsAt {'
        " childProtectionPlans { children { childId } } } } }",
    )
    plans_then = on_plans["asAt"]["childProtectionPlans"]["children"]
    assert child_id not in [c["childId"] for c in plans_then]
    # Then the strategy discussion and its enquiry, concluded on the wrong child too.
    case = await withdraw_in_error(
        client, worker, manager, case, "section47Enquiries", "2026-09-29"
    )
    assert latest(case, "section47Enquiries")["withdrawnReason"] == "Recorded on the wrong child"
    assert latest(case, "initialConferences")["status"] == "RECORDED_IN_ERROR"
    # Nothing of it holds the episode: it closes.
    case = await act(
        client,
        worker,
        "closeCase",
        case,
        {"closedOn": "2026-09-29", "reason": "RC7_SERVICES_CEASED_FOR_ANY_OTHER_REASON"},
    )
    assert case["status"] == "CLOSURE_AWAITING_AUTHORISATION", case


def _held(record: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [s for s in record["steps"] if s["kind"] == kind and s["status"] == "DONE"]


async def test_the_day_a_visit_or_review_happened_is_corrected_and_the_next_falls_due_from_it(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    case = await referral_for(client, worker, demo_child(world, index=1), date(2026, 1, 5))
    case, plan = await _plan_made_on_transfer_in(client, worker, case, "2026-01-20")
    visit = {"visitedOn": "2026-01-28", "seenAlone": True}
    case = await act(client, worker, "recordChildProtectionVisit", plan, visit)
    case = await act(
        client,
        worker,
        "holdReviewConference",
        latest(case, "childProtectionPlans"),
        {"heldOn": "2026-04-15"},
    )
    plan = latest(case, "childProtectionPlans")
    visited = _held(plan, "CHILD_PROTECTION_VISIT")[0]
    reviewed = _held(plan, "CHILD_PROTECTION_REVIEW")[0]
    correct = "correctChildProtectionStepDate"

    # The same rules as recording it, each naming the field; nothing changes.
    for problem, field in (
        ({"happenedOn": "2026-01-19"}, "happenedOn"),  # before the plan started
        ({"happenedOn": "2027-01-26"}, "happenedOn"),  # a year slip the other way: future
        ({"happenedOn": "2026-01-28"}, "happenedOn"),  # the day already recorded
        ({"reason": ""}, "reason"),
        ({"stepId": step(plan, "CHILD_PROTECTION_VISIT", "OPEN")["id"]}, "stepId"),
    ):
        data = {"stepId": visited["id"], "happenedOn": "2026-01-26", "reason": "Typo"} | problem
        refused = await act(client, worker, correct, plan, data)
        assert [p["field"] for p in refused["problems"]] == [field], (problem, refused)
    assert await case_now(client, worker, case["id"]) == case

    # The visit was on Monday 26 January, typed as the 28th: the next one is due 10 working
    # days after the 26th (Monday 9 February), not the 28th (11 February).
    reason = "Typed the 28th: the visit was on Monday 26th"
    case = await act(
        client,
        worker,
        correct,
        plan,
        {"stepId": visited["id"], "happenedOn": "2026-01-26", "reason": reason},
    )
    plan = latest(case, "childProtectionPlans")
    visited = _held(plan, "CHILD_PROTECTION_VISIT")[0]
    assert (
        visited["completedDate"],
        visited["correctedFrom"],
        visited["correctionReason"],
        visited["correctedBy"],
        visited["seenAlone"],
    ) == ("2026-01-26", "2026-01-28", reason, "worker-sw-demo", True)
    assert visited["correctedAt"] is not None
    assert visited["recordedBy"] == "worker-sw-demo"
    assert _open(plan, "CHILD_PROTECTION_VISIT") == [("2026-02-09", "child_protection_visit")]

    # The review conference of Monday 13 April typed as the 15th: its date in the plan's
    # review dates (what the CIN census reads) and the next review six months after it.
    case = await act(
        client,
        worker,
        correct,
        plan,
        {"stepId": reviewed["id"], "happenedOn": "2026-04-13", "reason": "Minutes say 13th"},
    )
    plan = latest(case, "childProtectionPlans")
    assert plan["reviewDates"] == ["2026-04-13"]
    assert _open(plan, "CHILD_PROTECTION_REVIEW") == [("2026-10-13", "child_protection_review")]
    # A review that decided emotional abuse, written up late as 1 March, was held on 20
    # April: the latest now, so what it decided is the plan's latest category and the next
    # review is due six months after it.
    emotional = {"heldOn": "2026-03-01", "categoriesOfAbuse": ["EMO_EMOTIONAL_ABUSE"]}
    case = await act(client, worker, "holdReviewConference", plan, emotional)
    plan = latest(case, "childProtectionPlans")
    assert plan["latestCategoriesOfAbuse"] == ["NEG_NEGLECT"]
    written_late = next(
        s for s in _held(plan, "CHILD_PROTECTION_REVIEW") if s["completedDate"] == "2026-03-01"
    )
    case = await act(
        client,
        worker,
        correct,
        plan,
        {"stepId": written_late["id"], "happenedOn": "2026-04-20", "reason": "Month slip"},
    )
    plan = latest(case, "childProtectionPlans")
    assert plan["reviewDates"] == ["2026-04-13", "2026-04-20"]
    assert plan["latestCategoriesOfAbuse"] == ["EMO_EMOTIONAL_ABUSE"]
    assert _open(plan, "CHILD_PROTECTION_REVIEW") == [("2026-10-20", "child_protection_review")]

    # Once the plan has ended, a step's day stays within it.
    case = await act(
        client,
        worker,
        "endChildProtectionPlan",
        plan,
        {"endedOn": "2026-05-04", "reason": "TRANSFERRED_OUT"},
    )
    plan = latest(case, "childProtectionPlans")
    late = await act(
        client,
        worker,
        correct,
        plan,
        {"stepId": visited["id"], "happenedOn": "2026-05-05", "reason": "Typo"},
    )
    assert late["problems"] == [
        {"field": "happenedOn", "rule": "must not be after the plan's end (2026-05-04)"}
    ]


async def test_a_child_in_need_review_s_corrected_day_sets_the_next_one_from_the_latest(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    case = await referral_for(client, worker, demo_child(world, index=2), date(2026, 6, 1))
    case = await act(client, worker, "startChildInNeedPlan", case, {"startDate": "2026-06-05"})
    for held in ("2026-08-03", "2026-07-20"):
        case = await act(
            client,
            worker,
            "reviewChildInNeedPlan",
            latest(case, "childInNeedPlans"),
            {"heldOn": held},
        )
    plan = latest(case, "childInNeedPlans")
    assert _open(plan, "CHILD_IN_NEED_PLAN_REVIEW") == [("2026-11-03", "child_in_need_plan_review")]
    first, second = sorted(
        _held(plan, "CHILD_IN_NEED_PLAN_REVIEW"), key=lambda s: s["completedDate"]
    )
    correct = "correctChildInNeedStepDate"
    # The review typed as 20 July was held on 5 August, after the other: the latest now,
    # so the next review is due 3 months after it.
    case = await act(
        client,
        worker,
        correct,
        plan,
        {"stepId": first["id"], "happenedOn": "2026-08-05", "reason": "Month slip"},
    )
    plan = latest(case, "childInNeedPlans")
    assert _open(plan, "CHILD_IN_NEED_PLAN_REVIEW") == [("2026-11-05", "child_in_need_plan_review")]
    # The one typed as 3 August was on 29 July: still not the latest, nothing moves.
    case = await act(
        client,
        worker,
        correct,
        plan,
        {"stepId": second["id"], "happenedOn": "2026-07-29", "reason": "Typo"},
    )
    plan = latest(case, "childInNeedPlans")
    assert sorted(s["completedDate"] for s in _held(plan, "CHILD_IN_NEED_PLAN_REVIEW")) == [
        "2026-07-29",
        "2026-08-05",
    ]
    assert _open(plan, "CHILD_IN_NEED_PLAN_REVIEW") == [("2026-11-05", "child_in_need_plan_review")]
    # Not before the plan started.
    early = await act(
        client,
        worker,
        correct,
        plan,
        {"stepId": second["id"], "happenedOn": "2026-06-04", "reason": "Typo"},
    )
    assert early["problems"] == [
        {"field": "happenedOn", "rule": "must not be before the plan's start (2026-06-05)"}
    ]


async def test_an_enquiry_concluded_on_the_wrong_child_is_withdrawn_with_the_conference_due(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    case = await referral_for(client, worker, demo_child(world, index=1), date(2026, 9, 1))
    case = await act(client, worker, "holdStrategyDiscussion", case, {"heldOn": "2026-09-02"})
    case = await act(
        client,
        worker,
        "requestInitialConference",
        latest(case, "section47Enquiries"),
        {"concludedOn": "2026-09-09"},
    )
    conference = latest(case, "initialConferences")
    assert conference["status"] == "DUE"
    case = await withdraw_in_error(
        client, worker, manager, case, "section47Enquiries", "2026-09-10"
    )
    conference = latest(case, "initialConferences")
    assert (conference["status"], conference["withdrawnReason"]) == (
        "RECORDED_IN_ERROR",
        "Recorded on the wrong child",
    )
    assert [s["status"] for s in conference["steps"]] == ["CANCELLED"]
    work = (await graphql(client, worker, MY_WORK))["myWork"]
    assert [i for i in work["items"] if i["recordId"] == conference["id"]] == []
    # Neither holds the episode, nor stops the next enquiry (CIN census 8890).
    case = await act(client, worker, "holdStrategyDiscussion", case, {"heldOn": "2026-09-14"})
    assert latest(case, "section47Enquiries")["status"] == "IN_PROGRESS", case


async def test_a_child_in_need_plan_a_withdrawn_plan_had_ended_goes_on_as_before(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    case = await referral_for(client, worker, demo_child(world, index=2), date(2025, 9, 1))
    case = await act(client, worker, "startChildInNeedPlan", case, {"startDate": "2025-09-15"})
    visit = {"visitedOn": "2025-10-01", "seenAlone": True}
    case = await act(
        client, worker, "recordChildInNeedVisit", latest(case, "childInNeedPlans"), visit
    )
    # A conference held on this child by mistake made a plan, which ended the CIN plan.
    case = await act(client, worker, "holdStrategyDiscussion", case, {"heldOn": "2025-11-03"})
    case = await act(
        client,
        worker,
        "requestInitialConference",
        latest(case, "section47Enquiries"),
        {"concludedOn": "2025-11-10"},
    )
    planned = {"heldOn": "2025-11-17", "planRequired": True, "categoriesOfAbuse": ["NEG_NEGLECT"]}
    case = await act(
        client, worker, "holdInitialConference", latest(case, "initialConferences"), planned
    )
    assert latest(case, "childInNeedPlans")["status"] == "ENDED"
    case = await withdraw_in_error(
        client, worker, manager, case, "initialConferences", "2025-11-18"
    )
    cin_plan = latest(case, "childInNeedPlans")
    assert (cin_plan["status"], cin_plan["endDate"]) == ("ACTIVE", None)
    # Due again as if it had never ended: the review 3 months from its start, the visit 20
    # working days after the last one (Wednesday 1 October: Wednesday 29 October).
    assert {kind: _open(cin_plan, kind) for kind in ("CHILD_IN_NEED_PLAN_REVIEW",)} == {
        "CHILD_IN_NEED_PLAN_REVIEW": [("2025-12-15", "child_in_need_plan_review")]
    }
    assert _open(cin_plan, "CHILD_IN_NEED_VISIT") == [("2025-10-29", "child_in_need_visit")]
    # It goes on: reviewed, and ended when it ends.
    case = await act(client, worker, "reviewChildInNeedPlan", cin_plan, {"heldOn": "2025-12-01"})
    assert latest(case, "childInNeedPlans")["status"] == "ACTIVE", case


async def test_a_conference_recorded_on_the_wrong_sibling_leaves_this_child_s_conference_due(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # The enquiry is this child's; its conference was recorded held (no plan) when it was
    # the sister's that was held. This child's conference was held on 16 September.
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    case = await referral_for(client, worker, demo_child(world, index=1), date(2026, 9, 1))
    case = await act(client, worker, "holdStrategyDiscussion", case, {"heldOn": "2026-09-02"})
    case = await act(
        client,
        worker,
        "requestInitialConference",
        latest(case, "section47Enquiries"),
        {"concludedOn": "2026-09-09"},
    )
    no_plan = {"heldOn": "2026-09-18", "planRequired": False, "lateReason": "Chair ill"}
    case = await act(
        client, worker, "holdInitialConference", latest(case, "initialConferences"), no_plan
    )
    reason = {"withdrawnOn": "2026-09-28", "reason": "Her sister's conference"}
    case = await act(
        client, worker, "withdrawInitialConference", latest(case, "initialConferences"), reason
    )
    case = await decide(
        client, manager, "authoriseInitialConference", latest(case, "initialConferences")
    )
    withdrawn, due = case["initialConferences"]
    assert (withdrawn["status"], due["status"], due["dueDate"]) == (
        "RECORDED_IN_ERROR",
        "DUE",
        "2026-09-23",
    )
    assert step(due, "INITIAL_CHILD_PROTECTION_CONFERENCE", "OPEN")["dueDate"] == "2026-09-23"
    planned = {"heldOn": "2026-09-16", "planRequired": True, "categoriesOfAbuse": ["NEG_NEGLECT"]}
    case = await act(client, worker, "holdInitialConference", due, planned)
    assert latest(case, "initialConferences")["status"] == "PLAN_MADE", case
    assert latest(case, "childProtectionPlans")["startDate"] == "2026-09-16"


async def test_a_plan_ended_at_a_review_ends_on_that_review_s_corrected_day(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    child_id = demo_child(world, index=1)
    case = await referral_for(client, worker, child_id, date(2026, 1, 5))
    case, plan = await _plan_made_on_transfer_in(client, worker, case, "2026-01-20")
    visit = {"visitedOn": "2026-01-28", "seenAlone": True}
    case = await act(client, worker, "recordChildProtectionVisit", plan, visit)
    ending = {"endedOn": "2026-04-20", "reason": "AT_REVIEW_CONFERENCE"}
    case = await act(
        client, worker, "endChildProtectionPlan", latest(case, "childProtectionPlans"), ending
    )
    plan = latest(case, "childProtectionPlans")
    final = _held(plan, "CHILD_PROTECTION_REVIEW")[0]
    correct = "correctChildProtectionStepDate"

    # The plan was not open before its last visit: the review that ended it was not either.
    refused = await act(
        client,
        worker,
        correct,
        plan,
        {"stepId": final["id"], "happenedOn": "2026-01-27", "reason": "Typo"},
    )
    assert refused["problems"] == [
        {
            "field": "happenedOn",
            "rule": "must not be before the plan's last recorded step (2026-01-28)",
        }
    ]
    assert await case_now(client, worker, case["id"]) == case

    # The review that ended the plan met on Monday 13 April, typed as the 20th: the plan
    # ended that day too (the CIN census and CP-IS read its end), the 20th kept as history.
    case = await act(
        client,
        worker,
        correct,
        plan,
        {"stepId": final["id"], "happenedOn": "2026-04-13", "reason": "Minutes say 13th"},
    )
    plan = latest(case, "childProtectionPlans")
    assert (plan["status"], plan["endDate"], plan["reviewDates"]) == (
        "ENDED",
        "2026-04-13",
        ["2026-04-13"],
    )
    assert _held(plan, "CHILD_PROTECTION_REVIEW")[0]["correctedFrom"] == "2026-04-20"
    # On the 15th the child was no longer on a plan.
    on_plans = await graphql(
        client,
        bearer(settings, "analyst"),
        '{ asAt(on: "2026-04-15") { ... on AsAt {'
        " childProtectionPlans { children { childId } } } } }",
    )
    plans_then = on_plans["asAt"]["childProtectionPlans"]["children"]
    assert child_id not in [c["childId"] for c in plans_then]


CPIS = "query ($n: String!) { cpisRecord(nhsNumber: $n) { plans { startDate endDate } } }"


async def _nhs_number(store: FalkorDBStore, child_id: str) -> str:
    """The demo child's NHS number, which health looks the child up by (CP-IS)."""
    rows = await store.read("MATCH (c:Child {id: $id}) RETURN c.nhsNumber AS n", {"id": child_id})
    return str(rows[0]["n"])


async def test_the_day_an_initial_conference_was_held_is_corrected_and_its_plan_starts_then(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    child_id = demo_child(world, index=1)
    case = await referral_for(client, worker, child_id, date(2026, 1, 5))
    case = await act(client, worker, "startChildInNeedPlan", case, {"startDate": "2026-01-06"})
    # The strategy discussion on Wednesday 7 January: the ICPC is due 15 working days
    # later, on Wednesday 28 January.
    case = await act(client, worker, "holdStrategyDiscussion", case, {"heldOn": "2026-01-07"})
    enquiry = latest(case, "section47Enquiries")
    case = await act(
        client, worker, "requestInitialConference", enquiry, {"concludedOn": "2026-01-14"}
    )
    held = {"heldOn": "2026-01-27", "planRequired": True, "categoriesOfAbuse": ["NEG_NEGLECT"]}
    case = await act(
        client, worker, "holdInitialConference", latest(case, "initialConferences"), held
    )
    conference = latest(case, "initialConferences")
    assert latest(case, "childInNeedPlans")["endDate"] == "2026-01-27"
    correct = "correctInitialConferenceDate"

    # The rules of holding it, each naming the field; nothing changes.
    for problem, field in (
        ({"heldOn": "2026-01-13"}, "heldOn"),  # before the enquiry concluded and asked for it
        ({"heldOn": "2027-01-21"}, "heldOn"),  # a year slip the other way: the future
        ({"heldOn": "2026-01-27"}, "heldOn"),  # the day already recorded
        ({"heldOn": "2026-01-30"}, "lateReason"),  # after its target, with no reason
        ({"reason": ""}, "reason"),
    ):
        data = {"heldOn": "2026-01-21", "reason": "Typo"} | problem
        refused = await act(client, worker, correct, conference, data)
        assert [p["field"] for p in refused["problems"]] == [field], (problem, refused)
    assert await case_now(client, worker, case["id"]) == case

    # Held on Wednesday 21 January, typed as the 27th: the plan started the 21st (the CIN
    # plan ended that day), its first review 3 months on, its core group and visit 10
    # working days on (Wednesday 4 February).
    reason = "Minutes say the 21st"
    case = await act(
        client, worker, correct, conference, {"heldOn": "2026-01-21", "reason": reason}
    )
    conference = latest(case, "initialConferences")
    held_step = step(conference, "INITIAL_CHILD_PROTECTION_CONFERENCE", "DONE")
    assert conference["heldDate"] == "2026-01-21"
    assert (
        held_step["completedDate"],
        held_step["correctedFrom"],
        held_step["correctionReason"],
        held_step["correctedBy"],
    ) == ("2026-01-21", "2026-01-27", reason, "worker-sw-demo")
    plan = latest(case, "childProtectionPlans")
    assert plan["startDate"] == "2026-01-21"
    assert _open(plan, "CHILD_PROTECTION_REVIEW") == [
        ("2026-04-21", "first_child_protection_review")
    ]
    assert _open(plan, "CORE_GROUP") == [("2026-02-04", "first_core_group")]
    assert _open(plan, "CHILD_PROTECTION_VISIT") == [("2026-02-04", "child_protection_visit")]
    assert latest(case, "childInNeedPlans")["endDate"] == "2026-01-21"
    # On the 23rd the child was on the plan, as health sees it.
    on_plans = await graphql(
        client,
        bearer(settings, "analyst"),
        '{ asAt(on: "2026-01-23") { ... on AsAt {'
        " childProtectionPlans { children { childId } } } } }",
    )
    assert child_id in [c["childId"] for c in on_plans["asAt"]["childProtectionPlans"]["children"]]
    nhs = await _nhs_number(store, child_id)
    seen = await graphql(client, bearer(settings, "health"), CPIS, {"n": nhs})
    assert seen["cpisRecord"]["plans"] == [{"startDate": "2026-01-21", "endDate": None}]

    # Once the plan has a visit, the conference cannot be moved after it.
    visit = {"visitedOn": "2026-02-02", "seenAlone": True}
    case = await act(client, worker, "recordChildProtectionVisit", plan, visit)
    # Refused for the day, not first for a reason it is late (which would not help).
    late = {"heldOn": "2026-02-03", "reason": "Typo"}
    refused = await act(client, worker, correct, conference, late)
    assert refused["problems"] == [
        {
            "field": "heldOn",
            "rule": "must not be after the first recorded step of its plan (2026-02-02)",
        }
    ]
    assert await case_now(client, worker, case["id"]) == case


async def test_a_corrected_transfer_in_conference_keeps_its_plan_within_its_end_and_alone(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    case = await referral_for(client, worker, demo_child(world, index=1), date(2026, 1, 5))
    case, first = await _plan_made_on_transfer_in(client, worker, case, "2026-01-20")
    ending = {"endedOn": "2026-02-10", "reason": "TRANSFERRED_OUT"}
    case = await act(client, worker, "endChildProtectionPlan", first, ending)
    # Moving back: notified on 5 February, the conference on 2 March.
    again = {"heldOn": "2026-03-02", "notifiedOn": "2026-02-05", "planRequired": True}
    again |= {"categoriesOfAbuse": ["NEG_NEGLECT"], "lateReason": "Papers late"}
    case = await act(client, worker, "holdTransferInConference", case, again)
    earlier, later = case["initialConferences"]
    correct = "correctInitialConferenceDate"
    reason = {"reason": "Typo", "lateReason": "Papers late"}

    refused = await act(client, worker, correct, earlier, {"heldOn": "2026-02-11"} | reason)
    assert refused["problems"] == [
        {"field": "heldOn", "rule": "must not be after its plan ended (2026-02-10)"}
    ]
    refused = await act(client, worker, correct, later, {"heldOn": "2026-02-09"} | reason)
    assert [p["field"] for p in refused["problems"]] == ["heldOn"], refused
    assert f"overlap the child protection plan {first['id']}" in refused["problems"][0]["rule"]
    assert await case_now(client, worker, case["id"]) == case

    # Not before the notification of the move; from it, the day the first plan ended.
    refused = await act(client, worker, correct, later, {"heldOn": "2026-02-04"} | reason)
    assert refused["problems"] == [
        {"field": "heldOn", "rule": "must not be before the notification of the move (2026-02-05)"}
    ]
    case = await act(client, worker, correct, later, {"heldOn": "2026-02-10"} | reason)
    assert [p["startDate"] for p in case["childProtectionPlans"]] == ["2026-01-20", "2026-02-10"]


async def test_a_strategy_discussion_s_corrected_day_starts_the_enquiry_and_its_15_days(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    case = await referral_for(client, worker, demo_child(world, index=1), date(2026, 1, 5))
    case = await act(client, worker, "holdStrategyDiscussion", case, {"heldOn": "2026-01-14"})
    enquiry = latest(case, "section47Enquiries")
    case = await act(
        client, worker, "requestInitialConference", enquiry, {"concludedOn": "2026-01-16"}
    )
    enquiry = latest(case, "section47Enquiries")
    assert latest(case, "initialConferences")["dueDate"] == "2026-02-04"
    correct = "correctStrategyDiscussionDate"

    for problem, field in (
        ({"heldOn": "2026-01-02"}, "heldOn"),  # before the referral
        ({"heldOn": "2026-01-19"}, "heldOn"),  # after the enquiry concluded
        ({"heldOn": "2027-01-07"}, "heldOn"),  # the future
        ({"heldOn": "2026-01-14"}, "heldOn"),  # the day already recorded
        ({"reason": ""}, "reason"),
    ):
        data = {"heldOn": "2026-01-07", "reason": "Typo"} | problem
        refused = await act(client, worker, correct, enquiry, data)
        assert [p["field"] for p in refused["problems"]] == [field], (problem, refused)
    assert await case_now(client, worker, case["id"]) == case

    # Held on Wednesday 7 January, typed as the 14th: the enquiry started the 7th and its
    # conference is due 15 working days on, Wednesday 28 January (not 4 February).
    reason = "The discussion was on the 7th"
    case = await act(client, worker, correct, enquiry, {"heldOn": "2026-01-07", "reason": reason})
    enquiry = latest(case, "section47Enquiries")
    discussed = step(enquiry, "STRATEGY_DISCUSSION", "DONE")
    assert (enquiry["strategyDiscussionDate"], enquiry["initialConferenceTarget"]) == (
        "2026-01-07",
        "2026-01-28",
    )
    assert (discussed["completedDate"], discussed["correctedFrom"], discussed["correctedBy"]) == (
        "2026-01-07",
        "2026-01-14",
        "worker-sw-demo",
    )
    conference = latest(case, "initialConferences")
    assert conference["dueDate"] == "2026-01-28"
    assert step(conference, "INITIAL_CHILD_PROTECTION_CONFERENCE", "OPEN")["dueDate"] == (
        "2026-01-28"
    )
    held = {"heldOn": "2026-01-27", "planRequired": True, "categoriesOfAbuse": ["NEG_NEGLECT"]}
    case = await act(client, worker, "holdInitialConference", conference, held)

    # On Monday 5 January the conference held on the 27th was due by the 26th: late, so
    # the correction says why, and the conference keeps it.
    earlier = {"heldOn": "2026-01-05", "reason": "Discussed on the day of referral"}
    refused = await act(client, worker, correct, latest(case, "section47Enquiries"), earlier)
    assert [p["field"] for p in refused["problems"]] == ["lateReason"], refused
    earlier["lateReason"] = "The chair was ill"
    case = await act(client, worker, correct, latest(case, "section47Enquiries"), earlier)
    conference = latest(case, "initialConferences")
    held_step = step(conference, "INITIAL_CHILD_PROTECTION_CONFERENCE", "DONE")
    assert (conference["dueDate"], conference["lateReason"]) == ("2026-01-26", "The chair was ill")
    assert (held_step["dueDate"], held_step["completedLate"], held_step["lateReason"]) == (
        "2026-01-26",
        True,
        "The chair was ill",
    )

    # A second enquiry does not move back into the first, which went on to its conference.
    case = await act(client, worker, "holdStrategyDiscussion", case, {"heldOn": "2026-02-02"})
    second = latest(case, "section47Enquiries")
    # Nor onto the day of its conference: the census counts that day inside the first.
    for inside in ("2026-01-26", "2026-01-27"):
        refused = await act(client, worker, correct, second, {"heldOn": inside, "reason": "Typo"})
        assert [p["field"] for p in refused["problems"]] == ["heldOn"], refused
        assert "one at a time (CIN census 8890)" in refused["problems"][0]["rule"]
    case = await act(client, worker, correct, second, {"heldOn": "2026-01-28", "reason": "Typo"})
    assert latest(case, "section47Enquiries")["strategyDiscussionDate"] == "2026-01-28"


async def test_a_plan_ended_at_a_review_corrected_to_a_later_day_ends_then_alone(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    child_id = demo_child(world, index=1)
    case = await referral_for(client, worker, child_id, date(2026, 1, 5))
    case, plan = await _plan_made_on_transfer_in(client, worker, case, "2026-01-20")
    ending = {"endedOn": "2026-04-13", "reason": "AT_REVIEW_CONFERENCE"}
    case = await act(client, worker, "endChildProtectionPlan", plan, ending)
    case = await act(client, worker, "startChildInNeedPlan", case, {"startDate": "2026-04-27"})
    plan = latest(case, "childProtectionPlans")
    final = _held(plan, "CHILD_PROTECTION_REVIEW")[0]
    correct = "correctChildProtectionStepDate"

    # Not into the child in need plan that started once it ended.
    later = {"stepId": final["id"], "happenedOn": "2026-04-28", "reason": "Typo"}
    refused = await act(client, worker, correct, plan, later)
    assert [p["field"] for p in refused["problems"]] == ["happenedOn"], refused
    assert "overlap the child in need plan" in refused["problems"][0]["rule"]
    assert await case_now(client, worker, case["id"]) == case

    # The review that ended the plan met on Monday 20 April, typed as the 13th: the plan
    # ended on the 20th, as health and the analyst see it.
    later["happenedOn"] = "2026-04-20"
    case = await act(client, worker, correct, plan, later)
    plan = latest(case, "childProtectionPlans")
    assert (plan["status"], plan["endDate"], plan["reviewDates"]) == (
        "ENDED",
        "2026-04-20",
        ["2026-04-20"],
    )
    on_plans = await graphql(
        client,
        bearer(settings, "analyst"),
        '{ asAt(on: "2026-04-15") { ... on AsAt {'
        " childProtectionPlans { children { childId } } } } }",
    )
    assert child_id in [c["childId"] for c in on_plans["asAt"]["childProtectionPlans"]["children"]]
    nhs = await _nhs_number(store, child_id)
    seen = await graphql(client, bearer(settings, "health"), CPIS, {"n": nhs})
    assert seen["cpisRecord"]["plans"] == [{"startDate": "2026-01-20", "endDate": "2026-04-20"}]

    # Nor past the close of its episode: a plan ended at a review, the episode closed two
    # days later, the review typed a week early.
    manager = bearer(settings, "team-manager")
    case = await referral_for(client, worker, demo_child(world, index=2), date(2026, 1, 5))
    case, plan = await _plan_made_on_transfer_in(client, worker, case, "2026-01-20")
    case = await act(client, worker, "endChildProtectionPlan", plan, ending)
    rc7 = {"closedOn": "2026-04-15", "reason": "RC7_SERVICES_CEASED_FOR_ANY_OTHER_REASON"}
    case = await act(client, worker, "closeCase", case, rc7)
    case = await decide(client, manager, "authoriseCase", case, on="2026-04-15")
    plan = latest(case, "childProtectionPlans")
    final = _held(plan, "CHILD_PROTECTION_REVIEW")[0]
    later = {"stepId": final["id"], "happenedOn": "2026-04-20", "reason": "Typo"}
    refused = await act(client, worker, correct, plan, later)
    assert refused["problems"] == [
        {"field": "happenedOn", "rule": "must not be after its episode of need closed (2026-04-15)"}
    ]
    case = await act(client, worker, correct, plan, later | {"happenedOn": "2026-04-15"})
    assert latest(case, "childProtectionPlans")["endDate"] == "2026-04-15"


async def test_a_conference_corrected_earlier_does_not_end_a_child_in_need_plan_before_its_visit(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    case = await referral_for(client, worker, demo_child(world, index=1), date(2026, 1, 5))
    case = await act(client, worker, "startChildInNeedPlan", case, {"startDate": "2026-01-06"})
    visit = {"visitedOn": "2026-01-20", "seenAlone": False}
    case = await act(
        client, worker, "recordChildInNeedVisit", latest(case, "childInNeedPlans"), visit
    )
    case, _ = await _plan_made_on_transfer_in(client, worker, case, "2026-01-23")
    cin_plan = latest(case, "childInNeedPlans")
    assert cin_plan["endDate"] == "2026-01-23"
    conference = latest(case, "initialConferences")
    correct = "correctInitialConferenceDate"

    refused = await act(
        client, worker, correct, conference, {"heldOn": "2026-01-19", "reason": "T"}
    )
    assert refused["problems"] == [
        {
            "field": "heldOn",
            "rule": f"must not be before the last step of the child in need plan {cin_plan['id']}"
            " it ended (2026-01-20)",
        }
    ]
    assert await case_now(client, worker, case["id"]) == case
    case = await act(client, worker, correct, conference, {"heldOn": "2026-01-20", "reason": "T"})
    assert latest(case, "childInNeedPlans")["endDate"] == "2026-01-20"
    assert latest(case, "childProtectionPlans")["startDate"] == "2026-01-20"


async def test_steps_typed_out_of_order_answer_the_due_step_of_the_day_they_happened(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # Records arrive late and out of order (paper, the old system): the later review is
    # typed first (late against the first review's day, so with a reason), then the
    # earlier one. The earlier one met the first review's day, the later one the second's
    # (6 months after the first): neither is late, and no reason is asked for.
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    case = await referral_for(client, worker, demo_child(world, index=1), date(2026, 1, 5))
    case, plan = await _plan_made_on_transfer_in(client, worker, case, "2026-01-20")
    old = {"lateReason": "Typed from the old system"}
    for action, held, field in (
        ("holdReviewConference", "2026-10-12", "heldOn"),
        ("holdCoreGroup", "2026-03-02", "heldOn"),
        ("recordChildProtectionVisit", "2026-02-10", "visitedOn"),
    ):
        extra = {"seenAlone": True} if field == "visitedOn" else {}
        refused = await act(client, worker, action, plan, {field: held, **extra})
        assert refused["__typename"] == "InvalidInput", refused
        case = await act(client, worker, action, plan, {field: held, **extra, **old})
        plan = latest(case, "childProtectionPlans")
    # Inserted before them, a step is late against the day it answers, with a reason only.
    late = await act(client, worker, "holdReviewConference", plan, {"heldOn": "2026-04-28"})
    assert late["__typename"] == "InvalidInput", late
    assert [p["field"] for p in late["problems"]] == ["lateReason"]
    for action, held, field in (
        ("holdReviewConference", "2026-04-15", "heldOn"),
        ("holdCoreGroup", "2026-01-29", "heldOn"),
        ("recordChildProtectionVisit", "2026-01-30", "visitedOn"),
    ):
        extra = {"seenAlone": False} if field == "visitedOn" else {}
        case = await act(client, worker, action, plan, {field: held, **extra})
        plan = latest(case, "childProtectionPlans")
    # 3 months from 20 January: 20 April; 6 months from 15 April: 15 October.
    assert answered(plan, "CHILD_PROTECTION_REVIEW") == [
        ("2026-04-15", "2026-04-20", False),
        ("2026-10-12", "2026-10-15", False),
    ]
    # Only the first core group has a timescale (10 working days: 3 February).
    assert answered(plan, "CORE_GROUP") == [
        ("2026-01-29", "2026-02-03", False),
        ("2026-03-02", None, False),
    ]
    # 10 working days from 20 January, then from 30 January: 3 and 13 February.
    assert answered(plan, "CHILD_PROTECTION_VISIT") == [
        ("2026-01-30", "2026-02-03", False),
        ("2026-02-10", "2026-02-13", False),
    ]
    # The next of each stays due from the latest; the CIN census reads both reviews.
    assert _open(plan, "CHILD_PROTECTION_REVIEW") == [("2027-04-12", "child_protection_review")]
    assert _open(plan, "CHILD_PROTECTION_VISIT") == [("2026-02-24", "child_protection_visit")]
    assert _open(plan, "CORE_GROUP") == []
    assert plan["reviewDates"] == ["2026-04-15", "2026-10-12"]
    # On time after all: the reason asked for while each read as late is not kept, so
    # none of them reads as late (nor waits on a list for a reason).
    assert {
        (s["kind"], s["completedDate"], s["lateReason"], s["lateReasonRecordedBy"])
        for kind in ("CHILD_PROTECTION_REVIEW", "CORE_GROUP", "CHILD_PROTECTION_VISIT")
        for s in _held(plan, kind)
        if s["completedDate"] in ("2026-10-12", "2026-03-02", "2026-02-10")
    } == {
        ("CHILD_PROTECTION_REVIEW", "2026-10-12", None, None),
        ("CORE_GROUP", "2026-03-02", None, None),
        ("CHILD_PROTECTION_VISIT", "2026-02-10", None, None),
    }
    assert await case_now(client, worker, case["id"]) == case


async def test_a_corrected_day_re_times_the_held_steps_after_it_as_the_facts_say(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # A correction is the step taken out and held again on its day: the ones after it
    # answer the step due from those before them as they now stand, and are late if the
    # facts say so (no reason asked of the worker correcting another step).
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    case = await referral_for(client, worker, demo_child(world, index=1), date(2026, 1, 5))
    case, plan = await _plan_made_on_transfer_in(client, worker, case, "2026-01-20")
    for action, held, field in (
        ("holdReviewConference", "2026-04-15", "heldOn"),
        ("holdReviewConference", "2026-10-12", "heldOn"),
        ("recordChildProtectionVisit", "2026-01-28", "visitedOn"),
        ("recordChildProtectionVisit", "2026-02-10", "visitedOn"),
    ):
        extra = {"seenAlone": True} if field == "visitedOn" else {}
        case = await act(client, worker, action, plan, {field: held, **extra})
        plan = latest(case, "childProtectionPlans")

    async def corrected(kind: str, was: str, on: str) -> dict[str, Any]:
        held = next(s for s in _held(plan, kind) if s["completedDate"] == was)
        data = {"stepId": held["id"], "happenedOn": on, "reason": "Minutes say otherwise"}
        now = await act(client, worker, "correctChildProtectionStepDate", plan, data)
        assert now["__typename"] == "Case", now
        return latest(now, "childProtectionPlans")

    # The first review met on 10 March, not 15 April: the second was due 6 months after
    # it (10 September), so 12 October was late; the next stays due from 12 October.
    plan = await corrected("CHILD_PROTECTION_REVIEW", "2026-04-15", "2026-03-10")
    assert answered(plan, "CHILD_PROTECTION_REVIEW") == [
        ("2026-03-10", "2026-04-20", False),
        ("2026-10-12", "2026-09-10", True),
    ]
    assert _open(plan, "CHILD_PROTECTION_REVIEW") == [("2027-04-12", "child_protection_review")]
    # Moved past the other, it answers the step due from it, and the other the first
    # review's (20 April: late); the next falls due from the latest.
    plan = await corrected("CHILD_PROTECTION_REVIEW", "2026-03-10", "2026-11-12")
    assert answered(plan, "CHILD_PROTECTION_REVIEW") == [
        ("2026-10-12", "2026-04-20", True),
        ("2026-11-12", "2027-04-12", False),
    ]
    assert _open(plan, "CHILD_PROTECTION_REVIEW") == [("2027-05-12", "child_protection_review")]
    # Visits the same: 10 working days from 22 January is 5 February.
    plan = await corrected("CHILD_PROTECTION_VISIT", "2026-01-28", "2026-01-22")
    assert answered(plan, "CHILD_PROTECTION_VISIT") == [
        ("2026-01-22", "2026-02-03", False),
        ("2026-02-10", "2026-02-05", True),
    ]
    assert _open(plan, "CHILD_PROTECTION_VISIT") == [("2026-02-24", "child_protection_visit")]


RECORD_LATE_REASON = f"""
mutation RecordLateReason($stepId: ID!, $reason: String!) {{
  recordLateReason(stepId: $stepId, reason: $reason) {{
  __typename ... on LateReasonRecorded {{ childId step {{ {STEP_FIELDS} }} }}
  {OUTCOMES.replace("NotFound { kind", "NotFound { missing: kind")} }} }}
"""


async def test_a_step_a_correction_made_late_is_listed_until_someone_says_why(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # Reviews held 15 April and 12 October; the first corrected to 10 March makes the
    # October one due 10 September, late with no reason (none is asked of the worker
    # correcting the other). It is on the manager's and the worker's lists until someone
    # records why, with who and when; a step on time has no late reason to record.
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    case = await referral_for(client, worker, demo_child(world, index=1), date(2026, 1, 5))
    case, plan = await _plan_made_on_transfer_in(client, worker, case, "2026-01-20")
    for held in ("2026-04-15", "2026-10-12"):
        case = await act(client, worker, "holdReviewConference", plan, {"heldOn": held})
        plan = latest(case, "childProtectionPlans")
    first, october = sorted(
        _held(plan, "CHILD_PROTECTION_REVIEW"), key=lambda s: s["completedDate"]
    )
    data = {"stepId": first["id"], "happenedOn": "2026-03-10", "reason": "Minutes say so"}
    case = await act(client, worker, "correctChildProtectionStepDate", plan, data)
    plan = latest(case, "childProtectionPlans")

    async def late_items(headers: dict[str, str], query: str) -> list[tuple[Any, ...]]:
        found = await graphql(client, headers, query)
        work = found.get("myWork") or found["teamWork"]
        return [
            (item["recordId"], item["kind"], item["awaitingAction"], item["dueDate"])
            for item in work["items"]
            if item["kind"] == "LATE_REASON"
        ]

    listed = [(plan["id"], "LATE_REASON", "recordLateReason", None)]
    assert await late_items(worker, MY_WORK) == listed
    assert await late_items(manager, TEAM_WORK) == listed
    # A step on time, a step nobody may see, a reason of no text, a role that may not.
    on_time = await graphql(
        client, worker, RECORD_LATE_REASON, {"stepId": first["id"], "reason": "Late"}
    )
    assert on_time["recordLateReason"] == {
        "__typename": "InvalidInput",
        "problems": [
            {
                "field": "stepId",
                "rule": "was not late (held on 2026-03-10, due by 2026-04-20): it has no late"
                " reason to record",
            }
        ],
    }
    missing = await graphql(client, worker, RECORD_LATE_REASON, {"stepId": "x", "reason": "Late"})
    assert missing["recordLateReason"] == {"__typename": "NotFound", "missing": "Step", "id": "x"}
    blank = await graphql(
        client, worker, RECORD_LATE_REASON, {"stepId": october["id"], "reason": " "}
    )
    assert [p["field"] for p in blank["recordLateReason"]["problems"]] == ["reason"]
    analyst = await graphql(
        client,
        bearer(settings, "analyst"),
        RECORD_LATE_REASON,
        {"stepId": october["id"], "reason": "Late"},
    )
    assert analyst["recordLateReason"]["__typename"] in ("NotAuthorised", "NotFound"), analyst
    assert await case_now(client, worker, case["id"]) == case

    given = await graphql(
        client,
        worker,
        RECORD_LATE_REASON,
        {"stepId": october["id"], "reason": "The chair moved it to October"},
    )
    assert given["recordLateReason"]["childId"] == case["childId"]
    step_now = {"__typename": "JourneyStep", **given["recordLateReason"]["step"]}
    # The step's child is in the read audit of the answer, as for any read of it.
    audited = await store.read(
        "MATCH (e:AuditEvent {operation: 'RecordLateReason'})-[:ACCESSED]->(c:Child)"
        " RETURN DISTINCT c.id AS child"
    )
    assert audited == [{"child": case["childId"]}]
    assert (
        step_now["__typename"],
        step_now["dueDate"],
        step_now["completedLate"],
        step_now["lateReason"],
        step_now["lateReasonRecordedBy"],
    ) == ("JourneyStep", "2026-09-10", True, "The chair moved it to October", "worker-sw-demo")
    assert step_now["lateReasonRecordedAt"] is not None
    assert await late_items(worker, MY_WORK) == []
    assert await late_items(manager, TEAM_WORK) == []
    # A manager puts the reason right: the later reason and its giver stand.
    again = await graphql(
        client,
        manager,
        RECORD_LATE_REASON,
        {"stepId": october["id"], "reason": "The family was abroad until October"},
    )
    assert (
        again["recordLateReason"]["step"]["lateReason"],
        again["recordLateReason"]["step"]["lateReasonRecordedBy"],
    ) == ("The family was abroad until October", "worker-tm-demo")
    case = await case_now(client, worker, case["id"])
    plan = latest(case, "childProtectionPlans")
    assert answered(plan, "CHILD_PROTECTION_REVIEW") == [
        ("2026-03-10", "2026-04-20", False),
        ("2026-10-12", "2026-09-10", True),
    ]
    titles = [
        entry["title"]
        for entry in (await graphql(client, worker, CHRONOLOGY, {"id": case["childId"]}))["child"][
            "chronology"
        ]
    ]
    assert titles.count("recordLateReason") == 2


async def test_a_step_corrected_to_a_day_on_time_no_longer_reads_as_late(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # The first review, due 20 April, typed as held on 24 April with a reason; the
    # minutes say 17 April: on time, so the reason why it was late is not kept. Moved
    # back past its due day, it is late again and needs a reason again.
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    case = await referral_for(client, worker, demo_child(world, index=1), date(2026, 1, 5))
    case, plan = await _plan_made_on_transfer_in(client, worker, case, "2026-01-20")
    held = {"heldOn": "2026-04-24", "lateReason": "The chair was ill"}
    case = await act(client, worker, "holdReviewConference", plan, held)
    plan = latest(case, "childProtectionPlans")
    [review] = _held(plan, "CHILD_PROTECTION_REVIEW")
    assert (review["completedLate"], review["lateReason"]) == (True, "The chair was ill")
    data = {"stepId": review["id"], "happenedOn": "2026-04-17", "reason": "Minutes say so"}
    case = await act(client, worker, "correctChildProtectionStepDate", plan, data)
    plan = latest(case, "childProtectionPlans")
    [review] = _held(plan, "CHILD_PROTECTION_REVIEW")
    assert (review["dueDate"], review["completedLate"], review["lateReason"]) == (
        "2026-04-20",
        False,
        None,
    )
    back = {**data, "happenedOn": "2026-04-24", "reason": "Minutes were wrong"}
    refused = await act(client, worker, "correctChildProtectionStepDate", plan, back)
    assert [p["field"] for p in refused["problems"]] == ["lateReason"], refused


async def test_a_conference_on_time_after_a_correction_keeps_no_reason_why_it_was_late(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # The strategy discussion on Wednesday 7 January: the ICPC due Wednesday 28 January,
    # typed as held on the 30th with a reason. Its own day corrected to the 27th, or the
    # discussion's to Friday 9 January (due Friday 30 January), it was on time: the
    # conference keeps no reason why it was late, on the record or its step.
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    for index, correction in enumerate(
        (
            ("initialConferences", "correctInitialConferenceDate", "2026-01-27", "2026-01-28"),
            ("section47Enquiries", "correctStrategyDiscussionDate", "2026-01-09", "2026-01-30"),
        ),
        start=1,
    ):
        records, action, held_on, due = correction
        case = await referral_for(client, worker, demo_child(world, index=index), date(2026, 1, 5))
        case = await act(client, worker, "holdStrategyDiscussion", case, {"heldOn": "2026-01-07"})
        enquiry = latest(case, "section47Enquiries")
        concluded = {"concludedOn": "2026-01-14"}
        case = await act(client, worker, "requestInitialConference", enquiry, concluded)
        held = {
            "heldOn": "2026-01-30",
            "planRequired": False,
            "lateReason": "The chair was ill",
        }
        case = await act(
            client, worker, "holdInitialConference", latest(case, "initialConferences"), held
        )
        assert latest(case, "initialConferences")["lateReason"] == "The chair was ill"
        data = {"heldOn": held_on, "reason": "Minutes say so"}
        case = await act(client, worker, action, latest(case, records), data)
        conference = latest(case, "initialConferences")
        held_step = step(conference, "INITIAL_CHILD_PROTECTION_CONFERENCE", "DONE")
        assert (
            conference["dueDate"],
            conference["lateReason"],
            held_step["completedLate"],
            held_step["lateReason"],
        ) == (due, None, False, None), action
