"""Journeys recorded late and out of order (paper records arriving weeks later, typed in
the order they turn up): each child's record ends as the same journey recorded as it
happened does, in its due dates, its work list and its chronology (by the day each thing
happened, then by when it was recorded)."""

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
    act,
    case_now,
    demo_child,
    demo_county,
    latest,
    referral_for,
)
from tests.e2e.test_journey_episode_start import _born, _now
from tests.e2e.test_journey_episode_start import _start as start_care
from tests.helpers import bearer, graphql

pytestmark = pytest.mark.anyio

LATE = "Written up from the paper file"
# A child protection plan from an initial conference on 22 September 2026: its visits
# and core groups as they happened, and the order the paper records arrived in.
PLAN_STEPS = (
    ("holdCoreGroup", {"heldOn": "2026-10-02"}),
    ("recordChildProtectionVisit", {"visitedOn": "2026-10-06", "seenAlone": True}),
    ("recordChildProtectionVisit", {"visitedOn": "2026-10-20", "seenAlone": False}),
    ("recordChildProtectionVisit", {"visitedOn": "2026-11-03", "seenAlone": True}),
    ("holdCoreGroup", {"heldOn": "2026-11-13"}),
)
PLAN_PAPER_ORDER = (2, 3, 4, 1, 0)
# A period of care from 1 July 2026: its reviews, visits, health assessment and education
# plan as they happened, and the order the paper records arrived in.
CARE_STEPS = (
    ("recordStatutoryVisit", {"on": "2026-07-06"}),
    ("recordHealthAssessment", {"on": "2026-07-20"}),
    ("recordPersonalEducationPlan", {"on": "2026-07-24"}),
    ("holdLookedAfterReview", {"heldOn": "2026-07-28", "participation": "PN1_ATTENDS_AND_SPEAKS"}),
    ("recordStatutoryVisit", {"on": "2026-08-10"}),
    ("recordStatutoryVisit", {"on": "2026-09-15"}),
    (
        "holdLookedAfterReview",
        {"heldOn": "2026-10-20", "participation": "PN3_ATTENDS_CONVEYS_VIEWS_SYMBOLICALLY"},
    ),
)
CARE_PAPER_ORDER = (6, 5, 3, 0, 4, 2, 1)


def _steps(record: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Each step's kind, status, days and lateness."""
    return sorted(
        (
            s["kind"],
            s["status"],
            s["startDate"] or "",
            s["dueDate"] or "",
            s["completedDate"] or "",
            s["completedLate"],
        )
        for s in record["steps"]
    )


async def _chronology(
    client: httpx.AsyncClient, worker: dict[str, str], child_id: str, since: str
) -> list[tuple[str, str]]:
    entries = (await graphql(client, worker, CHRONOLOGY, {"id": child_id}))["child"]["chronology"]
    return [(e["on"], e["title"]) for e in entries if e["kind"] == "JOURNEY" and e["on"] >= since]


async def _work(
    client: httpx.AsyncClient, worker: dict[str, str], child_id: str
) -> list[tuple[str, str, bool]]:
    items = (await graphql(client, worker, MY_WORK))["myWork"]["items"]
    return sorted(
        (i["kind"], i["dueDate"], i["overdue"]) for i in items if i["childId"] == child_id
    )


async def _plan_for(
    client: httpx.AsyncClient, worker: dict[str, str], child_id: str
) -> dict[str, Any]:
    """A case whose child protection plan began at an initial conference on 22 September."""
    case = await referral_for(client, worker, child_id, date(2026, 9, 1))
    case = await act(client, worker, "holdStrategyDiscussion", case, {"heldOn": "2026-09-02"})
    enquiry = latest(case, "section47Enquiries")
    case = await act(
        client, worker, "requestInitialConference", enquiry, {"concludedOn": "2026-09-10"}
    )
    conference = {
        "heldOn": "2026-09-22",
        "planRequired": True,
        "categoriesOfAbuse": ["NEG_NEGLECT"],
        "lateReason": LATE,
    }
    return await act(
        client, worker, "holdInitialConference", latest(case, "initialConferences"), conference
    )


async def test_a_child_protection_plan_written_up_out_of_order_is_the_plan_as_it_happened(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    as_it_happened, from_paper = demo_child(world, index=2), demo_child(world, index=3)
    plans = {}
    for child_id, order in ((as_it_happened, range(5)), (from_paper, PLAN_PAPER_ORDER)):
        case = await _plan_for(client, worker, child_id)
        for index in order:
            action, data = PLAN_STEPS[index]
            plan = latest(case, "childProtectionPlans")
            case = await act(client, worker, action, plan, {**data, "lateReason": LATE})
            assert case["__typename"] == "Case", (action, data, case)
        plans[child_id] = latest(await case_now(client, worker, case["id"]), "childProtectionPlans")

    # A visit dated before the plan began is not the plan's: refused, nothing changed.
    early = {"visitedOn": "2026-09-21", "seenAlone": True, "lateReason": LATE}
    refused = await act(client, worker, "recordChildProtectionVisit", plans[from_paper], early)
    assert [p["field"] for p in refused["problems"]] == ["visitedOn"], refused

    assert _steps(plans[from_paper]) == _steps(plans[as_it_happened])
    assert await _work(client, worker, from_paper) == await _work(client, worker, as_it_happened)
    assert await _chronology(client, worker, from_paper, "2026-09-22") == await _chronology(
        client, worker, as_it_happened, "2026-09-22"
    )


async def test_a_period_of_care_written_up_out_of_order_is_care_as_it_happened(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    as_it_happened, from_paper = demo_child(world, index=2), demo_child(world, index=3)
    periods = {}
    for child_id, order in ((as_it_happened, range(7)), (from_paper, CARE_PAPER_ORDER)):
        await _born(store, child_id, "2015-02-01")
        care = await start_care(client, worker, child_id, "2026-07-01")
        for index in order:
            action, data = CARE_STEPS[index]
            care = await act(client, worker, action, care, {**data, "lateReason": LATE})
            assert care["__typename"] == "PeriodOfCare", (action, data, care)
        periods[child_id] = await _now(client, worker, care)

    assert _steps(periods[from_paper]) == _steps(periods[as_it_happened])
    assert await _work(client, worker, from_paper) == await _work(client, worker, as_it_happened)
    assert await _chronology(client, worker, from_paper, "2026-07-01") == await _chronology(
        client, worker, as_it_happened, "2026-07-01"
    )
