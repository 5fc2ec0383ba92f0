"""A child allocated to the wrong social worker: the allocation is corrected, not ended.

A team manager who picked the wrong worker (two of one name, the next name on the list)
puts it right with `correctAllocation` the same day, or any day while the allocation is
open: the allocation keeps its start and its SSDA903 reason for the change, names the
right worker (who, with their team, now sees the child), and keeps the worker it was
made to in error, why, who corrected it and when. The SSDA903 social worker episodes
never show the worker allocated in error."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from returns import CollectionYear, write_ssda903
from tests.e2e.journey_helpers import (
    CARE_FIELDS,
    OUTCOMES,
    demo_child,
    demo_county,
    referral_for,
)
from tests.helpers import add_worker, bearer, graphql, worker_bearer
from tests.returns.test_ssda903 import rows_of

pytestmark = pytest.mark.anyio

FIELDS = (
    "id childId workerId workerName teamId startDate endDate reasonForChange recordedBy"
    " correction { previousWorkerId previousWorkerName reason correctedBy correctedAt }"
)
ALLOCATE = f"""mutation ($input: AllocateChildInput!) {{ allocateChild(input: $input) {{
  __typename ... on Allocation {{ {FIELDS} }} {OUTCOMES} }} }}"""
CORRECT = f"""mutation ($input: CorrectAllocationInput!) {{ correctAllocation(input: $input) {{
  __typename ... on Allocation {{ {FIELDS} }} {OUTCOMES} }} }}"""
HISTORY = f"query ($id: ID!) {{ allocations(childId: $id) {{ {FIELDS} }} }}"
CHILD = "query ($id: ID!) { child(id: $id) { id allocatedWorker { id } } }"
START = f"""mutation ($input: StartLookedAfterInput!) {{ startLookedAfter(input: $input) {{
  __typename ... on PeriodOfCare {{ {CARE_FIELDS} }} {OUTCOMES} }} }}"""
TEAM_OF = """MATCH (:Worker {id: 'worker-sw-demo'})-[:MEMBER_OF_TEAM]->(t:Team)
RETURN t.id AS id"""


async def test_an_allocation_to_the_wrong_worker_is_corrected_the_same_day(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, tmp_path: Path
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world, index=3)
    team = (await store.read(TEAM_OF, {}))[0]["id"]
    for subject in ("sw-wrong", "sw-right"):
        await add_worker(store, subject, "social_worker", team, name=f"Sam {subject}")
    start = {
        "childId": child_id,
        "startedOn": "2026-01-05",
        "legalStatus": "C2_FULL_CARE_ORDER",
        "placementType": "U4_FOSTER_OTHER_CARER_LONG_TERM",
        "placementProvider": "PR1_OWN_PROVISION",
    }
    care = (await graphql(client, worker, START, {"input": start}))["startLookedAfter"]
    assert care["__typename"] == "PeriodOfCare", care

    moved = {
        "childId": child_id,
        "workerId": "sw-wrong",
        "on": "2026-02-10",
        "reason": "MANAGE_MANAGING_CASELOADS",
    }
    wrong = (await graphql(client, manager, ALLOCATE, {"input": moved}))["allocateChild"]
    assert (wrong["__typename"], wrong["workerId"]) == ("Allocation", "sw-wrong"), wrong
    # Allocated again the same day, it would be a second social worker episode of no
    # length: refused, and the allocation is corrected instead.
    again = {**moved, "workerId": "sw-right"}
    refused = (await graphql(client, manager, ALLOCATE, {"input": again}))["allocateChild"]
    assert refused["__typename"] == "InvalidInput", refused

    fix = {"childId": child_id, "workerId": "sw-right", "reason": "Picked the wrong Sam"}
    right = (await graphql(client, manager, CORRECT, {"input": fix}))["correctAllocation"]
    assert right["__typename"] == "Allocation", right
    assert (right["id"], right["workerId"], right["teamId"], right["startDate"]) == (
        wrong["id"],
        "sw-right",
        team,
        "2026-02-10",
    )
    assert (right["reasonForChange"], right["endDate"]) == ("MANAGE_MANAGING_CASELOADS", None)
    correction = right["correction"]
    assert (correction["previousWorkerId"], correction["previousWorkerName"]) == (
        "sw-wrong",
        "Sam sw-wrong",
    )
    assert (correction["reason"], correction["correctedBy"]) == (
        "Picked the wrong Sam",
        "worker-tm-demo",
    )
    assert correction["correctedAt"]
    # The right worker holds the case and sees the child; the wrong one through the
    # allocation no more (the team still does).
    seen = await graphql(
        client, worker_bearer(settings, "sw-right", "social_worker", team), CHILD, {"id": child_id}
    )
    assert seen["child"] == {"id": child_id, "allocatedWorker": {"id": "sw-right"}}
    edges = await store.read(
        "MATCH (c:Child {id: $id})-[:ALLOCATED_TO]->(w:Worker) RETURN w.id AS worker",
        {"id": child_id},
    )
    assert edges == [{"worker": "sw-right"}]
    history = (await graphql(client, manager, HISTORY, {"id": child_id}))["allocations"]
    assert [(a["workerId"], a["startDate"], a["endDate"]) for a in history][:2] == [
        ("sw-right", "2026-02-10", None),
        ("worker-sw-demo", history[1]["startDate"], "2026-02-10"),
    ]

    # Refused, changing nothing: the worker it already names, someone who holds no
    # cases, nobody, and a child with no open allocation.
    for field, value, expected in (
        ("workerId", "sw-right", "InvalidInput"),
        ("workerId", "no-such-worker", "NotFound"),
        ("reason", " ", "InvalidInput"),
    ):
        bad = await graphql(client, manager, CORRECT, {"input": {**fix, field: value}})
        assert bad["correctAllocation"]["__typename"] == expected, (field, bad)
    unchanged = (await graphql(client, manager, HISTORY, {"id": child_id}))["allocations"]
    assert unchanged == history
    # A social worker does not correct allocations: a manager does.
    refused = (await graphql(client, worker, CORRECT, {"input": fix}))["correctAllocation"]
    assert refused["__typename"] == "NotAuthorised"

    # The 903's social worker episodes: the demo worker until 10 February, then the right
    # worker; never the one allocated in error.
    await write_ssda903(store, CollectionYear(2026), tmp_path)
    episodes = rows_of(tmp_path, "sw_episodes", child_id, "SW_ID", "SW_DECOM", "SW_DEC")
    began = "/".join(reversed(history[1]["startDate"].split("-")))
    assert [row[1:] for row in episodes] == [(began, "10/02/2026"), ("10/02/2026", "")]
    assert all("SWWRONG" not in row[0] for row in episodes), episodes
    assert episodes[-1][0].endswith("SWRIGHT"), episodes


START_FIELDS = f"{FIELDS} startCorrection {{ startedFrom reason correctedBy correctedAt }}"
CORRECT_START = f"""mutation ($input: CorrectAllocationInput!) {{
  correctAllocation(input: $input) {{ __typename
  ... on Allocation {{ {START_FIELDS} }} {OUTCOMES} }} }}"""


def _problem(result: dict[str, Any]) -> tuple[str, str]:
    assert result["__typename"] == "InvalidInput", result
    problem = result["problems"][0]
    return problem["field"], problem["rule"]


async def test_an_ended_allocation_s_worker_and_an_allocation_s_start_are_corrected(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, tmp_path: Path
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world, index=3)
    team = (await store.read(TEAM_OF, {}))[0]["id"]
    for subject in ("sw-wrong", "sw-right", "sw-next"):
        await add_worker(store, subject, "social_worker", team, name=f"Sam {subject}")
    start = {
        "childId": child_id,
        "startedOn": "2026-01-05",
        "legalStatus": "C2_FULL_CARE_ORDER",
        "placementType": "U4_FOSTER_OTHER_CARER_LONG_TERM",
        "placementProvider": "PR1_OWN_PROVISION",
    }
    care = (await graphql(client, worker, START, {"input": start}))["startLookedAfter"]
    assert care["__typename"] == "PeriodOfCare", care
    await referral_for(client, worker, child_id, date(2025, 10, 20))
    # Reallocated on 10 February (to the wrong Sam), then again on 2 March.
    for subject, on in (("sw-wrong", "2026-02-10"), ("sw-next", "2026-03-02")):
        moved = {
            "childId": child_id,
            "workerId": subject,
            "on": on,
            "reason": "MANAGE_MANAGING_CASELOADS",
        }
        done = (await graphql(client, manager, ALLOCATE, {"input": moved}))["allocateChild"]
        assert done["__typename"] == "Allocation", done
    history = (await graphql(client, manager, HISTORY, {"id": child_id}))["allocations"]
    wrong = next(a for a in history if a["workerId"] == "sw-wrong")
    first = history[-1]

    # The ended allocation names the right worker; the open one, and who sees the child
    # through it, stay as they are.
    fix = {
        "childId": child_id,
        "allocationId": wrong["id"],
        "workerId": "sw-right",
        "reason": "Picked the wrong Sam",
    }
    right = (await graphql(client, manager, CORRECT, {"input": fix}))["correctAllocation"]
    assert right["__typename"] == "Allocation", right
    assert (right["id"], right["workerId"], right["startDate"], right["endDate"]) == (
        wrong["id"],
        "sw-right",
        "2026-02-10",
        "2026-03-02",
    )
    assert right["correction"]["previousWorkerId"] == "sw-wrong"
    edges = await store.read(
        "MATCH (c:Child {id: $id})-[:ALLOCATED_TO]->(w:Worker) RETURN w.id AS worker",
        {"id": child_id},
    )
    assert edges == [{"worker": "sw-next"}]

    # It began on 3 February, typed as the 10th: the allocation before it, which it
    # ended, ends on the 3rd with it.
    day = {"childId": child_id, "allocationId": wrong["id"], "reason": "Typed the 10th"}
    refusals = [
        ("2026-03-03", "must not be after the allocation ended (2026-03-02)"),
        (
            first["startDate"],
            f"must be after the allocation before it began ({first['startDate']}): one "
            "allocated social worker at a time",
        ),
        ("2026-02-10", "is the day already recorded (2026-02-10)"),
    ]
    for on, rule in refusals:
        refused = await graphql(client, manager, CORRECT_START, {"input": day | {"startedOn": on}})
        assert _problem(refused["correctAllocation"]) == ("startedOn", rule), (on, refused)
    both = day | {"startedOn": "2026-02-03", "workerId": "sw-right"}
    refused = await graphql(client, manager, CORRECT_START, {"input": both})
    assert refused["correctAllocation"]["__typename"] == "InvalidInput", refused
    future = day | {"startedOn": "2099-01-01"}
    refused = await graphql(client, manager, CORRECT_START, {"input": future})
    assert _problem(refused["correctAllocation"])[0] == "startedOn", refused
    unchanged = (await graphql(client, manager, HISTORY, {"id": child_id}))["allocations"]
    before = [(a["workerId"], a["startDate"], a["endDate"]) for a in history]
    before[1] = ("sw-right", "2026-02-10", "2026-03-02")
    assert [(a["workerId"], a["startDate"], a["endDate"]) for a in unchanged] == before
    # Not before the child first came to the service (referred on 20 October 2025).
    first_fix = {"childId": child_id, "allocationId": first["id"], "reason": "Typo"}
    refused = await graphql(
        client, manager, CORRECT_START, {"input": first_fix | {"startedOn": "2025-10-19"}}
    )
    assert _problem(refused["correctAllocation"]) == (
        "startedOn",
        "must not be before the child's first referral or contact (2025-10-20)",
    ), refused

    corrected = await graphql(
        client, manager, CORRECT_START, {"input": day | {"startedOn": "2026-02-03"}}
    )
    moved_start = corrected["correctAllocation"]
    assert (moved_start["startDate"], moved_start["startCorrection"]["startedFrom"]) == (
        "2026-02-03",
        "2026-02-10",
    ), moved_start
    assert (
        moved_start["startCorrection"]["reason"],
        moved_start["startCorrection"]["correctedBy"],
    ) == (
        "Typed the 10th",
        "worker-tm-demo",
    )
    now = (await graphql(client, manager, HISTORY, {"id": child_id}))["allocations"]
    assert [(a["workerId"], a["endDate"]) for a in now][:3] == [
        ("sw-next", None),
        ("sw-right", "2026-03-02"),
        (first["workerId"], "2026-02-03"),
    ]

    # The 903's social worker episodes follow: the first worker until 3 February, the
    # right one to 2 March, then the next; never the one allocated in error.
    await write_ssda903(store, CollectionYear(2026), tmp_path)
    episodes = rows_of(tmp_path, "sw_episodes", child_id, "SW_ID", "SW_DECOM", "SW_DEC")
    assert [row[1:] for row in episodes][-3:] == [
        ("/".join(reversed(first["startDate"].split("-"))), "03/02/2026"),
        ("03/02/2026", "02/03/2026"),
        ("02/03/2026", ""),
    ], episodes
    assert all("SWWRONG" not in row[0] for row in episodes), episodes
