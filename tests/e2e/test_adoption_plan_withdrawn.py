"""A plan for adoption recorded on the wrong child, withdrawn by a team manager: kept in
the history as RECORDED_IN_ERROR with why, who and when, and in no read that counts the
child's plans (the SSDA903, the one-running-plan guard, the end of care); refused while
an SSDA903 episode of the period of care stands on its decision."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from returns import CollectionYear, write_ssda903
from tests.e2e.journey_helpers import CHRONOLOGY, OUTCOMES, act, demo_child, demo_county
from tests.e2e.test_journey_adoption import (
    CARE_NOW,
    DECIDE,
    PLACED_FOR_ADOPTION,
    PLAN,
    PLANS_OF,
    _looked_after,
    adopt,
    decide_adoption,
    under_a_placement_order,
)
from tests.helpers import bearer, graphql
from tests.returns.test_ssda903 import rows_of
from workflow.calendar import today_in_england

pytestmark = pytest.mark.anyio

WITHDRAWAL = " withdrawal { reason withdrawnOn withdrawnBy withdrawnAt }"
WITHDRAW = (
    "mutation ($id: ID!, $version: Int!, $input: WithdrawInErrorInput!) {"
    " withdrawAdoptionPlan(adoptionPlanId: $id, version: $version, input: $input) {"
    f" __typename ... on AdoptionPlan {{ {PLAN}{WITHDRAWAL} }} {OUTCOMES} }} }}"
)
WRONG_CHILD = {"reason": "Decided on the wrong child: the panel was about her brother"}


async def withdraw(
    client: httpx.AsyncClient, headers: dict[str, str], plan: dict[str, Any], data: dict[str, Any]
) -> dict[str, Any]:
    variables = {"id": plan["id"], "version": plan["version"], "input": data}
    return (await graphql(client, headers, WITHDRAW, variables))["withdrawAdoptionPlan"]  # type: ignore[no-any-return]


async def test_a_plan_recorded_on_the_wrong_child_is_withdrawn_and_counts_no_more(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, tmp_path: Path
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world, index=2)
    care = await _looked_after(client, worker, store, child_id)
    plan = await decide_adoption(client, worker, care)
    match = {"matchedOn": "2026-04-20", "adopterSex": "F1_SINGLE_FEMALE"}
    plan = await adopt(client, worker, "matchWithAdopters", plan, match)
    plan = await adopt(client, worker, "placeForAdoption", plan, {"placedOn": "2026-05-11"})
    assert "withdrawAdoptionPlan" in plan["allowedActions"]

    # A manager's correction, as a referral's withdrawal is; with a reason.
    refused = await withdraw(client, worker, plan, WRONG_CHILD)
    assert refused["__typename"] == "NotAuthorised", refused
    blank = await withdraw(client, manager, plan, {"reason": " "})
    assert [p["field"] for p in blank["problems"]] == ["reason"], blank
    early = await withdraw(client, manager, plan, {**WRONG_CHILD, "withdrawnOn": "2026-05-10"})
    assert early["problems"] == [
        {"field": "withdrawnOn", "rule": "must not be before the plan's last step (2026-05-11)"}
    ]
    unchanged = (await graphql(client, worker, PLANS_OF, {"id": child_id}))["child"]
    assert [(p["status"], p["version"]) for p in unchanged["adoptionPlans"]] == [
        ("PLACED", plan["version"])
    ]

    withdrawn = await withdraw(client, manager, plan, WRONG_CHILD)
    assert withdrawn["__typename"] == "AdoptionPlan", withdrawn
    assert (withdrawn["status"], withdrawn["allowedActions"]) == ("RECORDED_IN_ERROR", [])
    # Its steps stay as recorded: history, with why, who and when.
    assert (withdrawn["decisionDate"], withdrawn["placedDate"]) == ("2025-11-03", "2026-05-11")
    withdrawal = withdrawn["withdrawal"]
    assert (withdrawal["reason"], withdrawal["withdrawnOn"], withdrawal["withdrawnBy"]) == (
        WRONG_CHILD["reason"],
        today_in_england().isoformat(),
        "worker-tm-demo",
    )
    assert withdrawal["withdrawnAt"]
    history = (await graphql(client, worker, PLANS_OF, {"id": child_id}))["child"]
    assert [p["status"] for p in history["adoptionPlans"]] == ["RECORDED_IN_ERROR"]
    chronology = (await graphql(client, manager, CHRONOLOGY, {"id": child_id}))["child"]
    journey = [e for e in chronology["chronology"] if e["kind"] == "JOURNEY"]
    assert journey[-1]["title"] == "withdrawAdoptionPlan"
    assert WRONG_CHILD["reason"] in journey[-1]["detail"]
    again = await withdraw(client, manager, withdrawn, WRONG_CHILD)
    assert again["__typename"] == "TransitionRefused", again

    # The child's own decision is made on the same period of care, dated before the
    # withdrawn plan's steps: the withdrawn one neither runs nor overlaps it (579).
    own = {"periodOfCareId": care["id"], "decidedOn": "2025-12-01"}
    second = (await graphql(client, worker, DECIDE, {"input": own}))["decideAdoption"]
    assert (second["__typename"], second["status"]) == ("AdoptionPlan", "SHOULD_BE_PLACED"), second
    # The SSDA903 PlacedAdoption has the child's decision only.
    await write_ssda903(store, CollectionYear(2026), tmp_path)
    assert rows_of(tmp_path, "placed_for_adoption", child_id, "DATE_PLACED") == [("01/12/2025",)]

    # Reversed, the child goes home: care ends before the withdrawn plan's placement,
    # which never happened to this child.
    reversal = {"ceasedOn": "2026-01-05", "reason": "RD1_CHILDS_NEEDS_CHANGED"}
    second = await adopt(client, worker, "ceaseAdoptionPlan", second, reversal)
    authorise = f"""mutation ($id: ID!, $version: Int!) {{ authoriseAdoptionPlan(
      adoptionPlanId: $id, version: $version) {{ __typename
      ... on AdoptionPlan {{ {PLAN} }} {OUTCOMES} }} }}"""
    variables = {"id": second["id"], "version": second["version"]}
    second = (await graphql(client, manager, authorise, variables))["authoriseAdoptionPlan"]
    assert second["status"] == "CEASED", second
    care = (await graphql(client, worker, CARE_NOW, {"id": care["id"]}))["periodOfCare"]
    home = {"endedOn": "2026-02-02", "reason": "E4A_RETURNED_HOME_AS_PLANNED"}
    ending = await act(client, worker, "ceaseLookedAfter", care, home)
    assert ending["__typename"] == "PeriodOfCare", ending
    assert ending["status"] == "CEASING_AWAITING_AUTHORISATION"


async def test_a_plan_an_episode_of_care_stands_on_is_not_withdrawn(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world, index=2)
    care = await _looked_after(client, worker, store, child_id)
    care, plan = await under_a_placement_order(client, worker, care)
    match = {"matchedOn": "2026-04-20", "adopterSex": "F1_SINGLE_FEMALE"}
    plan = await adopt(client, worker, "matchWithAdopters", plan, match)
    plan = await adopt(client, worker, "placeForAdoption", plan, {"placedOn": "2026-05-11"})
    move = {
        "changedOn": "2026-05-11",
        "placementType": PLACED_FOR_ADOPTION,
        "placementProvider": "PR1_OWN_PROVISION",
        "reason": "CARPL_CARE_PLAN",
    }
    care = await act(client, worker, "changePlacement", care, move)

    # The placement order (E1) and the placement for adoption (A6) on the period of care
    # stand on the decision (SSDA903 553, 551): corrected first, each named.
    refused = await withdraw(client, manager, plan, WRONG_CHILD)
    assert refused["__typename"] == "InvalidInput", refused
    assert [p["field"] for p in refused["problems"]] == ["legalStatus", "placementType"]
    assert "2026-01-12" in refused["problems"][0]["rule"]
    assert "2026-05-11" in refused["problems"][1]["rule"]
    unchanged = (await graphql(client, worker, PLANS_OF, {"id": child_id}))["child"]
    assert [(p["status"], p["version"]) for p in unchanged["adoptionPlans"]] == [
        ("PLACED", plan["version"])
    ]

    # The placement corrected to what it was (not for adoption), the order still stands.
    corrected = {
        "placementType": "U3_FOSTER_RELATIVE_OR_FRIEND_OTHER",
        "placementProvider": "PR1_OWN_PROVISION",
    }
    care = await act(client, worker, "correctPlacement", care, corrected)
    assert care["__typename"] == "PeriodOfCare", care
    refused = await withdraw(client, manager, plan, WRONG_CHILD)
    assert [p["field"] for p in refused["problems"]] == ["legalStatus"], refused
