"""An SSDA903 episode's legal status typed wrong, corrected with correctLegalStatus: the
episode (and the moves under the same status) keep the status as recorded, why, who and
when; the chronology and the 903 read the corrected one; refused, writing nothing, as
recording the status would be."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from returns import CollectionYear, write_ssda903
from tests.e2e.journey_helpers import CHRONOLOGY, act, demo_child, demo_county
from tests.e2e.test_adoption_plan_withdrawn import WRONG_CHILD, withdraw
from tests.e2e.test_journey_adoption import (
    CARE_NOW,
    PLACED_FOR_ADOPTION,
    PLANS_OF,
    START_CARE,
    _looked_after,
    decide_adoption,
    under_a_placement_order,
)
from tests.helpers import bearer, graphql
from tests.returns.test_ssda903 import rows_of
from workflow.calendar import today_in_england

pytestmark = pytest.mark.anyio

TYPED_WRONG = "The placement order was her brother's: the court made a care order that day"


def _episodes(care: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted(
        (s for s in care["steps"] if s["kind"] == "LOOKED_AFTER_EPISODE"),
        key=lambda s: s["startDate"],
    )


def _problems(answer: dict[str, Any]) -> list[tuple[str, str]]:
    assert answer["__typename"] == "InvalidInput", answer
    return [(p["field"], p["rule"]) for p in answer["problems"]]


def _legal_status_refused(answer: dict[str, Any]) -> str:
    """The one rule a refusal naming legalStatus gives."""
    [(field, rule)] = _problems(answer)
    assert field == "legalStatus", rule
    return rule


async def test_a_placement_order_on_the_wrong_child_is_corrected_and_its_plan_withdrawn(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, tmp_path: Path
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world, index=2)
    care, plan = await under_a_placement_order(
        client, worker, await _looked_after(client, worker, store, child_id)
    )
    move = {
        "changedOn": "2026-03-02",
        "placementType": "U1_FOSTER_RELATIVE_OR_FRIEND_LONG_TERM",
        "placementProvider": "PR1_OWN_PROVISION",
        "reason": "CARPL_CARE_PLAN",
    }
    care = await act(client, worker, "changePlacement", care, move)
    assert [e["legalStatus"] for e in _episodes(care)] == [
        "C1_INTERIM_CARE_ORDER",
        "E1_PLACEMENT_ORDER",
        "E1_PLACEMENT_ORDER",
    ], care

    # The order stands on the plan's decision: the refusal names the way out.
    refused = await withdraw(client, manager, plan, WRONG_CHILD)
    rule = _legal_status_refused(refused)
    assert "correctLegalStatus" in rule
    assert "2026-01-12, 2026-03-02" in rule

    # Refused as recording the status is, naming legalStatus, writing nothing.
    fix = {"episodeFrom": "2026-01-12", "reason": TYPED_WRONG}
    refusals = {
        "E1_PLACEMENT_ORDER": "is the legal status already recorded (E1)",
        # RNE L: the episode changes the legal status from the one before (434).
        "C1_INTERIM_CARE_ORDER": "SSDA903 rule 434",
        "V3_SHORT_BREAKS_EPISODES": "recordShortBreak",
        # Remand is for a child of 10 or over (358).
        "J1_REMAND": "358",
    }
    for status, said in refusals.items():
        answer = await act(
            client, worker, "correctLegalStatus", care, {**fix, "legalStatus": status}
        )
        assert said in _legal_status_refused(answer), status
    blank = await act(
        client,
        worker,
        "correctLegalStatus",
        care,
        {**fix, "legalStatus": "C2_FULL_CARE_ORDER", "reason": " "},
    )
    assert [field for field, _ in _problems(blank)] == ["reason"]
    unknown = {**fix, "episodeFrom": "2026-01-13", "legalStatus": "C2_FULL_CARE_ORDER"}
    [(field, _)] = _problems(await act(client, worker, "correctLegalStatus", care, unknown))
    assert field == "episodeFrom"
    unchanged = (await graphql(client, worker, CARE_NOW, {"id": care["id"]}))["periodOfCare"]
    assert unchanged["version"] == care["version"]

    # The move under the order (RNE P) kept it: both episodes are corrected.
    fixed = await act(
        client, worker, "correctLegalStatus", care, {**fix, "legalStatus": "C2_FULL_CARE_ORDER"}
    )
    assert fixed["__typename"] == "PeriodOfCare", fixed
    episodes = _episodes(fixed)
    assert [e["legalStatus"] for e in episodes] == [
        "C1_INTERIM_CARE_ORDER",
        "C2_FULL_CARE_ORDER",
        "C2_FULL_CARE_ORDER",
    ]
    assert [e["startDate"] for e in episodes] == ["2025-06-02", "2026-01-12", "2026-03-02"]
    assert [e["reasonNewEpisode"] for e in episodes][1:] == [
        "L_LEGAL_STATUS_CHANGE",
        "P_PLACEMENT_AND_CARER_CHANGE",
    ]
    assert episodes[0]["legalStatusCorrection"] is None
    for episode in episodes[1:]:
        correction = episode["legalStatusCorrection"]
        assert (correction["correctedFrom"], correction["reason"], correction["correctedBy"]) == (
            "E1_PLACEMENT_ORDER",
            TYPED_WRONG,
            "worker-sw-demo",
        ), correction
        assert correction["correctedAt"]
    chronology = (await graphql(client, worker, CHRONOLOGY, {"id": child_id}))["child"]
    journey = [e for e in chronology["chronology"] if e["kind"] == "JOURNEY"]
    assert journey[-1]["title"] == "correctLegalStatus"
    assert journey[-1]["on"] == today_in_england().isoformat()
    assert f"from E1 to C2: {TYPED_WRONG}" in journey[-1]["detail"]
    assert "2026-01-12 to 2026-03-02" in journey[-1]["detail"]

    # Nothing stands on the decision now: the plan recorded on the wrong child goes.
    plan = (await graphql(client, worker, PLANS_OF, {"id": child_id}))["child"]["adoptionPlans"][0]
    withdrawn = await withdraw(client, manager, plan, WRONG_CHILD)
    assert (withdrawn["__typename"], withdrawn["status"]) == ("AdoptionPlan", "RECORDED_IN_ERROR")

    # The SSDA903 writes the corrected legal status (LS), the episodes' days unchanged.
    await write_ssda903(store, CollectionYear(2026), tmp_path)
    assert rows_of(tmp_path, "episodes", child_id, "DECOM", "RNE", "LS") == [
        ("02/06/2025", "S", "C1"),
        ("12/01/2026", "L", "C2"),
        ("02/03/2026", "P", "C2"),
    ]
    assert rows_of(tmp_path, "placed_for_adoption", child_id, "DATE_PLACED") == []


async def test_a_placement_order_corrected_onto_an_episode_needs_the_decision(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    child_id = demo_child(world, index=2)
    care = await _looked_after(client, worker, store, child_id)
    changed = {"changedOn": "2025-10-06", "legalStatus": "C2_FULL_CARE_ORDER"}
    care = await act(client, worker, "changeLegalStatus", care, changed)
    order = {"episodeFrom": "2025-10-06", "legalStatus": "E1_PLACEMENT_ORDER", "reason": "Typed"}
    rule = _legal_status_refused(await act(client, worker, "correctLegalStatus", care, order))
    assert "(decideAdoption; SSDA903 rule 553)" in rule

    # Decided before the episode began, the order is what it was.
    plan = await decide_adoption(client, worker, care, "2025-09-01")
    assert plan["__typename"] == "AdoptionPlan", plan
    care = (await graphql(client, worker, CARE_NOW, {"id": care["id"]}))["periodOfCare"]
    fixed = await act(client, worker, "correctLegalStatus", care, order)
    assert [e["legalStatus"] for e in _episodes(fixed)] == [
        "C1_INTERIM_CARE_ORDER",
        "E1_PLACEMENT_ORDER",
    ], fixed
    # The current episode by default; a placement for adoption under it is now lawful.
    move = {
        "changedOn": "2025-11-03",
        "placementType": PLACED_FOR_ADOPTION,
        "placementProvider": "PR1_OWN_PROVISION",
        "reason": "CARPL_CARE_PLAN",
    }
    placed = await act(client, worker, "changePlacement", fixed, move)
    assert placed["__typename"] == "PeriodOfCare", placed
    back = {"legalStatus": "C2_FULL_CARE_ORDER", "reason": "Typed"}
    # A6 is placed "with a placement order": the order stays (SSDA903 rule 408).
    answer = await act(client, worker, "correctLegalStatus", placed, back)
    assert "SSDA903 rule 408" in _legal_status_refused(answer)


async def test_a_short_order_corrected_moves_its_lapse_on_the_work_list(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    care = await _looked_after(client, worker, store, demo_child(world, index=2))
    # Police protection lasts 72 hours (SSDA903 361): not an episode of months.
    protection = {"legalStatus": "L1_POLICE_PROTECTION", "reason": "Typed"}
    answer = await act(client, worker, "correctLegalStatus", care, protection)
    assert "SSDA903 rule 361" in _legal_status_refused(answer)

    # An emergency protection order typed as police protection the day care began.
    today = today_in_england()
    start = {
        "childId": demo_child(world, index=3),
        "startedOn": today.isoformat(),
        "legalStatus": "L1_POLICE_PROTECTION",
        "placementType": "U6_FOSTER_OTHER_CARER_OTHER",
        "placementProvider": "PR1_OWN_PROVISION",
    }
    care = (await graphql(client, worker, START_CARE, {"input": start}))["startLookedAfter"]
    assert _lapses(care) == [("OPEN", _after(today, 3))], care
    epo = {"legalStatus": "L2_EMERGENCY_PROTECTION_ORDER", "reason": "An EPO, not protection"}
    fixed = await act(client, worker, "correctLegalStatus", care, epo)
    assert fixed["__typename"] == "PeriodOfCare", fixed
    assert _lapses(fixed) == [("CANCELLED", _after(today, 3)), ("OPEN", _after(today, 21))]
    # Corrected to a status that lasts, nothing lapses.
    order = {"legalStatus": "C1_INTERIM_CARE_ORDER", "reason": "The court made an ICO"}
    fixed = await act(client, worker, "correctLegalStatus", fixed, order)
    assert _lapses(fixed) == [("CANCELLED", _after(today, 3)), ("CANCELLED", _after(today, 21))]


def _lapses(care: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted(
        (s["status"], s["dueDate"]) for s in care["steps"] if s["kind"] == "SHORT_ORDER_LAPSES"
    )


def _after(start: date, days: int) -> str:
    return (start + timedelta(days=days)).isoformat()
