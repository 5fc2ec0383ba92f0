"""A child in need plan whose start or end was typed with the wrong day, corrected with
`correctChildInNeedPlanDates`: the CIN census plan dates and the first review and visit
due from the start follow; a day that would break the rules of recording the plan is
refused naming the field, changing nothing."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from returns import CollectionYear, write_cin_census
from tests.e2e.journey_helpers import (
    act,
    case_now,
    decide,
    demo_child,
    demo_county,
    latest,
    referral_for,
    step,
)
from tests.helpers import bearer

pytestmark = pytest.mark.anyio

CORRECT = "correctChildInNeedPlanDates"


def _problem(result: dict[str, Any]) -> tuple[str, str]:
    assert result["__typename"] == "InvalidInput", result
    problem = result["problems"][0]
    return problem["field"], problem["rule"]


async def test_a_child_in_need_plan_s_days_are_corrected_and_the_census_follows(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, tmp_path: Path
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world, index=4)
    case = await referral_for(client, worker, child_id, date(2026, 5, 1))
    # Decided late (the referral came on paper).
    decision = {
        "decidedOn": "2026-05-01",
        "primaryNeed": "N1_ABUSE_OR_NEGLECT",
        "lateReason": "Paper",
    }
    case = await act(client, worker, "decideReferral", case, decision)
    case = await decide(client, manager, "authoriseCase", case, on="2026-05-01")
    # The plan began on Monday 11 May, typed as the 18th.
    case = await act(client, worker, "startChildInNeedPlan", case, {"startDate": "2026-05-18"})
    plan = latest(case, "childInNeedPlans")
    review_due = step(plan, "CHILD_IN_NEED_PLAN_REVIEW", "OPEN")["dueDate"]
    visit_due = step(plan, "CHILD_IN_NEED_VISIT", "OPEN")["dueDate"]
    case = await act(
        client,
        worker,
        "recordChildInNeedVisit",
        plan,
        {"visitedOn": "2026-05-26", "seenAlone": True},
    )
    plan = latest(case, "childInNeedPlans")

    # The child's episode of need (the demo county's, which the contact joined).
    referred = date.fromisoformat(case["referralDate"])
    fix = {"startedOn": "2026-05-11", "reason": "The plan is dated 11 May"}
    for problem, field, rule in (
        (
            {"startedOn": (referred - timedelta(days=1)).isoformat()},
            "startedOn",
            f"must not be before the referral ({referred.isoformat()})",
        ),
        (
            {"startedOn": "2026-05-27"},
            "startedOn",
            "must not be after the plan's first recorded step (2026-05-26)",
        ),
        ({"startedOn": "2026-05-18"}, "startedOn", "is the plan as already recorded"),
        (
            {"endedOn": "2026-06-01"},
            "endedOn",
            "the plan has not ended: end it (endChildInNeedPlan)",
        ),
        ({"startedOn": "2099-01-01"}, "startedOn", None),
    ):
        refused = await act(client, worker, CORRECT, plan, fix | problem)
        assert _problem(refused)[0] == field, (problem, refused)
        assert rule is None or _problem(refused)[1] == rule, refused
    assert await case_now(client, worker, case["id"]) == {"__typename": "Case", **case}

    case = await act(client, worker, CORRECT, plan, fix)
    assert case["__typename"] == "Case", case
    plan = latest(case, "childInNeedPlans")
    assert plan["startDate"] == "2026-05-11"
    # The review (and the visit the held one answered) fall due a week earlier.
    assert step(plan, "CHILD_IN_NEED_PLAN_REVIEW", "OPEN")["dueDate"] < review_due
    held = step(plan, "CHILD_IN_NEED_VISIT", "DONE")
    assert held["dueDate"] < visit_due, (held, visit_due)

    # Ended on 30 September, typed as 1 October.
    case = await act(client, worker, "endChildInNeedPlan", plan, {"endedOn": "2026-10-01"})
    plan = latest(case, "childInNeedPlans")
    refused = await act(client, worker, CORRECT, plan, {"endedOn": "2026-05-25", "reason": "x"})
    assert _problem(refused) == (
        "endedOn",
        "must not be before the plan's last recorded step (2026-05-26)",
    )
    case = await act(client, worker, CORRECT, plan, {"endedOn": "2026-09-30", "reason": "Typo"})
    plan = latest(case, "childInNeedPlans")
    assert (plan["startDate"], plan["endDate"], plan["status"]) == (
        "2026-05-11",
        "2026-09-30",
        "ENDED",
    )

    out = tmp_path / "cin.xml"
    await write_cin_census(store, CollectionYear(2027), out, "919")
    child = next(
        c
        for c in ET.parse(out).getroot().iter("Child")  # noqa: S314 - the hub's own output
        if c.findtext("ChildIdentifiers/LAchildID") == child_id
    )
    assert [
        (p.findtext("CINPlanStartDate"), p.findtext("CINPlanEndDate"))
        for p in child.iter("CINPlanDates")
    ] == [("2026-05-11", "2026-09-30")]


async def test_child_in_need_plans_do_not_overlap_at_entry_or_when_corrected(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    case = await referral_for(client, worker, demo_child(world, index=4), date(2026, 5, 1))
    decision = {
        "decidedOn": "2026-05-01",
        "primaryNeed": "N1_ABUSE_OR_NEGLECT",
        "lateReason": "Paper",
    }
    case = await act(client, worker, "decideReferral", case, decision)
    case = await decide(client, manager, "authoriseCase", case, on="2026-05-01")
    case = await act(client, worker, "startChildInNeedPlan", case, {"startDate": "2026-05-04"})
    first = latest(case, "childInNeedPlans")
    case = await act(client, worker, "endChildInNeedPlan", first, {"endedOn": "2026-05-29"})
    first = latest(case, "childInNeedPlans")
    overlap = (
        f"child in need plan {first['id']} (2026-05-04 to 2026-05-29): a child's child in "
        "need plans do not overlap, and one starts after the one before it ended (CIN "
        "census 4014)"
    )

    # CIN census 4014: not even on the day the one before ended.
    refused = await act(client, worker, "startChildInNeedPlan", case, {"startDate": "2026-05-29"})
    assert _problem(refused) == ("startDate", f"must not start within {overlap}")
    assert await case_now(client, worker, case["id"]) == {"__typename": "Case", **case}
    case = await act(client, worker, "startChildInNeedPlan", case, {"startDate": "2026-06-01"})
    second = next(p for p in case["childInNeedPlans"] if p["id"] != first["id"])

    fix = {"reason": "Typo"}
    for plan, field, day, rule in (
        (second, "startedOn", "2026-05-20", f"must not start within {overlap}"),
        (second, "startedOn", "2026-05-29", f"must not start within {overlap}"),
        (
            first,
            "endedOn",
            "2026-06-01",
            f"must not end on or after child in need plan {second['id']} started "
            "(2026-06-01): a child's child in need plans do not overlap, and one starts "
            "after the one before it ended (CIN census 4014)",
        ),
    ):
        refused = await act(client, worker, CORRECT, plan, fix | {field: day})
        assert _problem(refused) == (field, rule), refused
    assert await case_now(client, worker, case["id"]) == {"__typename": "Case", **case}
    # Up to the day before the next one starts, the end may move.
    case = await act(client, worker, CORRECT, first, fix | {"endedOn": "2026-05-31"})
    assert [p["endDate"] for p in case["childInNeedPlans"] if p["id"] == first["id"]] == [
        "2026-05-31"
    ]
