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
    act,
    case_now,
    demo_child,
    demo_county,
    latest,
    referral_for,
)
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
