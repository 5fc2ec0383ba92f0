"""Journeys recorded late and out of order (paper records arriving weeks later, typed in
the order they turn up): each child's record ends as the same journey recorded as it
happened does, in its due dates, its work list and its chronology (by the day each thing
happened, then by when it was recorded)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
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
    demo_child,
    demo_county,
    latest,
    referral_for,
)
from tests.e2e.test_journey_episode_start import _born
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
# A child in need plan from 15 June 2026: its visits and reviews as they happened, and
# the order the paper records arrived in.
CIN_STEPS = (
    ("recordChildInNeedVisit", {"visitedOn": "2026-06-24", "seenAlone": True}),
    ("recordChildInNeedVisit", {"visitedOn": "2026-07-20", "seenAlone": False}),
    ("reviewChildInNeedPlan", {"heldOn": "2026-08-27"}),
    ("recordChildInNeedVisit", {"visitedOn": "2026-09-03", "seenAlone": True}),
    ("reviewChildInNeedPlan", {"heldOn": "2026-11-19"}),
)
CIN_PAPER_ORDER = (4, 3, 1, 2, 0)


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


async def _written_up(
    client: httpx.AsyncClient,
    worker: dict[str, str],
    record: dict[str, Any],
    steps: tuple[tuple[str, dict[str, Any]], ...],
    order: Iterable[int],
    answer: Callable[[dict[str, Any]], dict[str, Any]],
) -> dict[str, Any]:
    """`record` with `steps` recorded in `order`; `answer` finds it in what each returns."""
    for index in order:
        action, data = steps[index]
        answered = await act(client, worker, action, record, {**data, "lateReason": LATE})
        assert answered["__typename"] in ("Case", "PeriodOfCare"), (action, data, answered)
        record = answer(answered)
    return record


async def _alike(
    client: httpx.AsyncClient,
    worker: dict[str, str],
    records: dict[str, dict[str, Any]],
    since: str,
) -> None:
    """The record written up from paper (second) is the one recorded as it happened."""
    (as_it_happened, in_order), (from_paper, written_up) = records.items()
    assert _steps(written_up) == _steps(in_order)
    assert await _work(client, worker, from_paper) == await _work(client, worker, as_it_happened)
    assert await _chronology(client, worker, from_paper, since) == await _chronology(
        client, worker, as_it_happened, since
    )


def _plan(kind: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda case: latest(case, kind)


async def test_a_child_protection_plan_written_up_out_of_order_is_the_plan_as_it_happened(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    plans = {}
    for index, order in ((2, range(5)), (3, PLAN_PAPER_ORDER)):
        child_id = demo_child(world, index=index)
        plan = latest(await _plan_for(client, worker, child_id), "childProtectionPlans")
        answer = _plan("childProtectionPlans")
        plans[child_id] = await _written_up(client, worker, plan, PLAN_STEPS, order, answer)
    await _alike(client, worker, plans, "2026-09-22")

    # A visit dated before the plan began is not the plan's: refused, nothing changed.
    early = {"visitedOn": "2026-09-21", "seenAlone": True, "lateReason": LATE}
    written_up = plans[child_id]
    refused = await act(client, worker, "recordChildProtectionVisit", written_up, early)
    assert [p["field"] for p in refused["problems"]] == ["visitedOn"], refused


async def test_a_child_in_need_plan_written_up_out_of_order_is_the_plan_as_it_happened(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    plans = {}
    for index, order in ((2, range(5)), (3, CIN_PAPER_ORDER)):
        child_id = demo_child(world, index=index)
        case = await referral_for(client, worker, child_id, date(2026, 6, 1))
        case = await act(client, worker, "startChildInNeedPlan", case, {"startDate": "2026-06-15"})
        plan = latest(case, "childInNeedPlans")
        answer = _plan("childInNeedPlans")
        plans[child_id] = await _written_up(client, worker, plan, CIN_STEPS, order, answer)
    await _alike(client, worker, plans, "2026-06-15")


async def test_a_period_of_care_written_up_out_of_order_is_care_as_it_happened(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    periods = {}
    for index, order in ((2, range(7)), (3, CARE_PAPER_ORDER)):
        child_id = demo_child(world, index=index)
        await _born(store, child_id, "2015-02-01")
        care = await start_care(client, worker, child_id, "2026-07-01")
        periods[child_id] = await _written_up(
            client, worker, care, CARE_STEPS, order, lambda care: care
        )
    await _alike(client, worker, periods, "2026-07-01")
