"""Adoption through GraphQL: decision, placement order, match, placement, adoption order;
and a decision reversed with its SSDA903 reason, authorised by a manager."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from returns import CollectionYear, write_ssda903
from tests.e2e.journey_helpers import (
    CARE_FIELDS,
    CHRONOLOGY,
    OUTCOMES,
    TEAM_WORK,
    act,
    decide,
    demo_child,
    demo_county,
)
from tests.helpers import bearer, graphql
from tests.returns.test_ssda903 import rows_of
from workflow.calendar import today_in_england

pytestmark = pytest.mark.anyio

PLAN = (
    "id childId periodOfCareId status version decisionDate placementOrderDate matchedDate"
    " placedDate adoptionOrderDate ceasedDate ceasedReason adopterSex numberOfAdopters"
    " adoptedByFosterCarer adoptersLegalStatus awaitingAuthorisationOf allowedActions"
)
START_CARE = f"""mutation ($input: StartLookedAfterInput!) {{ startLookedAfter(input: $input) {{
  __typename ... on PeriodOfCare {{ {CARE_FIELDS} }} {OUTCOMES} }} }}"""
DECIDE = f"""mutation ($input: DecideAdoptionInput!) {{ decideAdoption(input: $input) {{
  __typename ... on AdoptionPlan {{ {PLAN} }} {OUTCOMES} }} }}"""
CARE_NOW = f"query ($id: ID!) {{ periodOfCare(id: $id) {{ {CARE_FIELDS} }} }}"
PLACED_FOR_ADOPTION = "A6_PLACED_FOR_ADOPTION_WITH_PLACEMENT_ORDER_NOT_WITH_CURRENT_FOSTER_CARER"
INPUTS = {
    "recordPlacementOrder": "RecordPlacementOrderInput",
    "matchWithAdopters": "MatchWithAdoptersInput",
    "placeForAdoption": "PlaceForAdoptionInput",
    "grantAdoptionOrder": "GrantAdoptionOrderInput",
    "ceaseAdoptionPlan": "CeaseAdoptionPlanInput",
}


async def adopt(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    action: str,
    plan: dict[str, Any],
    data: dict[str, Any],
) -> dict[str, Any]:
    query = (
        f"mutation ($id: ID!, $version: Int!, $input: {INPUTS[action]}!) {{ {action}("
        f"adoptionPlanId: $id, version: $version, input: $input) {{ __typename"
        f" ... on AdoptionPlan {{ {PLAN} }} {OUTCOMES} }} }}"
    )
    variables = {"id": plan["id"], "version": plan["version"], "input": data}
    return (await graphql(client, headers, query, variables))[action]  # type: ignore[no-any-return]


async def _looked_after(
    client: httpx.AsyncClient, worker: dict[str, str], store: FalkorDBStore, child_id: str
) -> dict[str, Any]:
    await store.write(
        "MATCH (c:Child {id: $id}) SET c.dateOfBirth = date('2024-09-01')", {"id": child_id}
    )
    start = {
        "childId": child_id,
        "startedOn": "2025-06-02",
        "legalStatus": "C1_INTERIM_CARE_ORDER",
        "placementType": "U6_FOSTER_OTHER_CARER_OTHER",
        "placementProvider": "PR1_OWN_PROVISION",
    }
    care = (await graphql(client, worker, START_CARE, {"input": start}))["startLookedAfter"]
    assert care["__typename"] == "PeriodOfCare", care
    return care  # type: ignore[no-any-return]


async def decide_adoption(
    client: httpx.AsyncClient, worker: dict[str, str], care: dict[str, Any], on: str = "2025-11-03"
) -> dict[str, Any]:
    """The decision, on `on`, that the child looked after in `care` should be placed for
    adoption: the plan, or why not."""
    decided = {"periodOfCareId": care["id"], "decidedOn": on}
    return (await graphql(client, worker, DECIDE, {"input": decided}))["decideAdoption"]  # type: ignore[no-any-return]


async def under_a_placement_order(
    client: httpx.AsyncClient, worker: dict[str, str], care: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The child looked after in `care`, decided on 3 November 2025 to be placed for
    adoption, under the placement order granted on 12 January 2026 (E1 from that day):
    the period of care and the plan."""
    plan = await decide_adoption(client, worker, care)
    plan = await adopt(client, worker, "recordPlacementOrder", plan, {"grantedOn": "2026-01-12"})
    care = (await graphql(client, worker, CARE_NOW, {"id": care["id"]}))["periodOfCare"]
    order_made = {"changedOn": "2026-01-12", "legalStatus": "E1_PLACEMENT_ORDER"}
    return await act(client, worker, "changeLegalStatus", care, order_made), plan


async def test_adoption_from_decision_to_order(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world, index=2)
    care = await _looked_after(client, worker, store, child_id)

    decided = {"periodOfCareId": care["id"], "decidedOn": "2025-11-03"}
    plan = (await graphql(client, worker, DECIDE, {"input": decided}))["decideAdoption"]
    assert (plan["status"], plan["decisionDate"], plan["childId"]) == (
        "SHOULD_BE_PLACED",
        "2025-11-03",
        child_id,
    )
    assert plan["allowedActions"] == [
        "recordPlacementOrder",
        "matchWithAdopters",
        "correctAdoptionPlanDate",
        "ceaseAdoptionPlan",
        "withdrawAdoptionPlan",
    ]
    again = (await graphql(client, worker, DECIDE, {"input": decided}))["decideAdoption"]
    assert (again["__typename"], again["currentState"]) == ("TransitionRefused", "SHOULD_BE_PLACED")
    # Placing before matching is not a step the plan allows; nothing changes.
    early = await adopt(client, worker, "placeForAdoption", plan, {"placedOn": "2025-11-04"})
    assert early["__typename"] == "TransitionRefused"
    assert early["allowedNextSteps"] == plan["allowedActions"]

    before = await adopt(client, worker, "recordPlacementOrder", plan, {"grantedOn": "2025-11-02"})
    assert before["__typename"] == "InvalidInput"
    assert before["problems"][0]["field"] == "grantedOn"
    plan = await adopt(client, worker, "recordPlacementOrder", plan, {"grantedOn": "2026-01-12"})
    assert (plan["status"], plan["placementOrderDate"]) == ("PLACEMENT_ORDER_GRANTED", "2026-01-12")
    # The placement order is also the child's new legal status on the period of care.
    care = await act(
        client,
        worker,
        "changeLegalStatus",
        care,
        {"changedOn": "2026-01-12", "legalStatus": "E1_PLACEMENT_ORDER"},
    )
    assert care["legalStatus"] == "E1_PLACEMENT_ORDER"

    # SSDA903 rule 520: a married couple of different sexes (L11) is coded MF.
    match = {"matchedOn": "2026-04-20", "adopterSex": "FF_FEMALE_COUPLE"}
    mismatched = await adopt(
        client,
        worker,
        "matchWithAdopters",
        plan,
        {**match, "adoptersLegalStatus": "L11_MARRIED_DIFFERENT_SEX"},
    )
    assert mismatched["problems"] == [
        {
            "field": "adoptersLegalStatus",
            "rule": "L11 is for adopters coded MF (SEX_ADOPTR)",
        }
    ]
    plan = await adopt(
        client,
        worker,
        "matchWithAdopters",
        plan,
        {
            "matchedOn": "2026-04-20",
            "adopterSex": "MF_MIXED_COUPLE",
            "adoptersLegalStatus": "L11_MARRIED_DIFFERENT_SEX",
        },
    )
    assert (plan["status"], plan["matchedDate"], plan["adopterSex"]) == (
        "MATCHED",
        "2026-04-20",
        "MF_MIXED_COUPLE",
    )
    assert plan["adoptersLegalStatus"] == "L11_MARRIED_DIFFERENT_SEX"
    assert (plan["numberOfAdopters"], plan["adoptedByFosterCarer"]) == (2, False)
    plan = await adopt(client, worker, "placeForAdoption", plan, {"placedOn": "2026-05-11"})
    care = await act(
        client,
        worker,
        "changePlacement",
        care,
        {
            "changedOn": "2026-05-11",
            "placementType": PLACED_FOR_ADOPTION,
            "placementProvider": "PR1_OWN_PROVISION",
            "reason": "CARPL_CARE_PLAN",
        },
    )
    plan = await adopt(client, worker, "grantAdoptionOrder", plan, {"grantedOn": "2026-09-14"})
    assert (plan["status"], plan["placedDate"], plan["adoptionOrderDate"]) == (
        "ADOPTED",
        "2026-05-11",
        "2026-09-14",
    )
    # Adopted, only a step typed with the wrong day is corrected.
    assert plan["allowedActions"] == ["correctAdoptionPlanDate"]
    # The adoption order ends the period of care (E11), which a manager authorises; care
    # cannot have ended before the order, nor before anything else recorded in it.
    early = await act(
        client,
        worker,
        "ceaseLookedAfter",
        care,
        {"endedOn": "2026-09-10", "reason": "E11_ADOPTED_UNOPPOSED"},
    )
    assert early["problems"] == [
        {
            "field": "endedOn",
            "rule": "must not be before the last step recorded in care (2026-09-14)",
        }
    ]
    care = await act(
        client,
        worker,
        "ceaseLookedAfter",
        care,
        {"endedOn": "2026-09-14", "reason": "E11_ADOPTED_UNOPPOSED"},
    )
    care = await decide(client, manager, "authorisePeriodOfCare", care)
    assert (care["status"], care["reasonCeased"]) == ("CEASED", "E11_ADOPTED_UNOPPOSED")

    child = await graphql(
        client,
        worker,
        f"query ($id: ID!) {{ child(id: $id) {{ adoptionPlans {{ {PLAN} }} }} }}",
        {"id": child_id},
    )
    assert [p["id"] for p in child["child"]["adoptionPlans"]] == [plan["id"]]
    chronology = (await graphql(client, worker, CHRONOLOGY, {"id": child_id}))["child"]
    titles = [e["title"] for e in chronology["chronology"] if e["kind"] == "JOURNEY"]
    assert titles == [
        "startLookedAfter",
        "decideAdoption",
        "recordPlacementOrder",
        "changeLegalStatus",
        "matchWithAdopters",
        "placeForAdoption",
        "changePlacement",
        "grantAdoptionOrder",
        "ceaseLookedAfter",
        "authorise",
    ]


async def test_a_decision_reversed_needs_a_manager_and_the_903_reason(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world, index=1)
    care = await _looked_after(client, worker, store, child_id)
    missing = {"periodOfCareId": "no-such-period", "decidedOn": "2025-11-03"}
    unknown = (await graphql(client, worker, DECIDE, {"input": missing}))["decideAdoption"]
    assert unknown == {"__typename": "NotFound", "kind": "PeriodOfCare", "id": "no-such-period"}
    # The decision comes after the child became looked after (2 June 2025).
    early = {"periodOfCareId": care["id"], "decidedOn": "2025-05-30"}
    refused = (await graphql(client, worker, DECIDE, {"input": early}))["decideAdoption"]
    assert refused["problems"] == [
        {
            "field": "decidedOn",
            "rule": "must not be before the child became looked after (2025-06-02)",
        }
    ]
    plan = await decide_adoption(client, worker, care)

    plan = await adopt(
        client,
        worker,
        "ceaseAdoptionPlan",
        plan,
        {"ceasedOn": "2026-03-02", "reason": "RD3_NO_ADOPTERS_FOUND"},
    )
    assert (plan["status"], plan["awaitingAuthorisationOf"]) == (
        "CEASING_AWAITING_AUTHORISATION",
        "ceaseAdoptionPlan",
    )
    team = (await graphql(client, manager, TEAM_WORK))["teamWork"]
    waiting = [i for i in team["items"] if i["recordId"] == plan["id"]]
    assert [(i["kind"], i["awaitingAction"]) for i in waiting] == [
        ("AUTHORISATION", "ceaseAdoptionPlan")
    ]
    query = f"""mutation ($id: ID!, $version: Int!) {{ authoriseAdoptionPlan(adoptionPlanId: $id,
      version: $version) {{ __typename ... on AdoptionPlan {{ {PLAN} }} {OUTCOMES} }} }}"""
    refused = await graphql(client, worker, query, {"id": plan["id"], "version": plan["version"]})
    assert refused["authoriseAdoptionPlan"]["__typename"] == "NotAuthorised"
    done = await graphql(client, manager, query, {"id": plan["id"], "version": plan["version"]})
    plan = done["authoriseAdoptionPlan"]
    assert (plan["status"], plan["ceasedDate"], plan["ceasedReason"]) == (
        "CEASED",
        "2026-03-02",
        "RD3_NO_ADOPTERS_FOUND",
    )
    # The plan has ended: a new decision may be made on the same period of care, after
    # the reversal (nothing is written otherwise), and today when no day is given.
    for day in ("2026-03-01", "2025-12-01"):
        early = {"periodOfCareId": care["id"], "decidedOn": day}
        refused = (await graphql(client, worker, DECIDE, {"input": early}))["decideAdoption"]
        assert refused == {
            "__typename": "InvalidInput",
            "problems": [
                {
                    "field": "decidedOn",
                    "rule": "must not be before the earlier decision for adoption was "
                    "reversed (2026-03-02)",
                }
            ],
        }
    plans = await graphql(
        client,
        worker,
        f"query ($id: ID!) {{ child(id: $id) {{ adoptionPlans {{ {PLAN} }} }} }}",
        {"id": child_id},
    )
    assert plans["child"]["adoptionPlans"] == [{k: v for k, v in plan.items() if k != "__typename"}]
    # Care ends on or after the reversal it holds (SSDA903 117), not before.
    care = (await graphql(client, worker, CARE_NOW, {"id": care["id"]}))["periodOfCare"]
    home = {"endedOn": "2026-03-01", "reason": "E4A_RETURNED_HOME_AS_PLANNED"}
    early = await act(client, worker, "ceaseLookedAfter", care, home)
    assert early["problems"] == [
        {
            "field": "endedOn",
            "rule": "must not be before the last step recorded in care (2026-03-02)",
        }
    ]
    later = {"periodOfCareId": care["id"]}
    second = (await graphql(client, worker, DECIDE, {"input": later}))["decideAdoption"]
    assert (second["status"], second["decisionDate"]) == (
        "SHOULD_BE_PLACED",
        today_in_england().isoformat(),
    )


async def _adopted_on(
    client: httpx.AsyncClient, worker: dict[str, str], care: dict[str, Any], order: str
) -> dict[str, Any]:
    """The period of care's plan for adoption from the decision to the adoption order
    made on `order`, the child placed (A6) on the day of the placement."""
    plan = await decide_adoption(client, worker, care)
    plan = await adopt(client, worker, "recordPlacementOrder", plan, {"grantedOn": "2026-01-12"})
    match = {"matchedOn": "2026-04-20", "adopterSex": "F1_SINGLE_FEMALE"}
    plan = await adopt(client, worker, "matchWithAdopters", plan, match)
    plan = await adopt(client, worker, "placeForAdoption", plan, {"placedOn": "2026-05-11"})
    care = (await graphql(client, worker, CARE_NOW, {"id": care["id"]}))["periodOfCare"]
    # The placement order is the child's legal status from the day it was granted (A6 is
    # "with a placement order": SSDA903 rule 408).
    order_made = {"changedOn": "2026-01-12", "legalStatus": "E1_PLACEMENT_ORDER"}
    care = await act(client, worker, "changeLegalStatus", care, order_made)
    move = {
        "changedOn": "2026-05-11",
        "placementType": PLACED_FOR_ADOPTION,
        "placementProvider": "PR1_OWN_PROVISION",
        "reason": "CARPL_CARE_PLAN",
    }
    await act(client, worker, "changePlacement", care, move)
    plan = await adopt(client, worker, "grantAdoptionOrder", plan, {"grantedOn": order})
    assert plan["status"] == "ADOPTED", plan
    return plan


async def test_care_ends_as_adopted_on_the_day_of_the_adoption_order_and_only_then(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world, index=2)
    care = await _looked_after(client, worker, store, child_id)
    # No adoption order: care does not end as adopted (SSDA903 390, 601).
    for reason in ("E11_ADOPTED_UNOPPOSED", "E12_ADOPTED_CONSENT_DISPENSED_WITH"):
        ended = {"endedOn": "2026-01-05", "reason": reason}
        refused = await act(client, worker, "ceaseLookedAfter", care, ended)
        assert refused["__typename"] == "InvalidInput", refused
        assert [p["field"] for p in refused["problems"]] == ["reason"]
        assert "record the adoption order" in refused["problems"][0]["rule"]
    unchanged = (await graphql(client, worker, CARE_NOW, {"id": care["id"]}))["periodOfCare"]
    assert (unchanged["status"], unchanged["version"]) == ("LOOKED_AFTER", care["version"])

    await _adopted_on(client, worker, care, "2026-09-14")
    care = (await graphql(client, worker, CARE_NOW, {"id": care["id"]}))["periodOfCare"]
    # The order ended care that day (Adoption and Children Act 2002 s46): not later, and
    # not for another reason (SSDA903 558).
    late = await act(
        client,
        worker,
        "ceaseLookedAfter",
        care,
        {"endedOn": "2026-09-21", "reason": "E12_ADOPTED_CONSENT_DISPENSED_WITH"},
    )
    assert late["problems"] == [
        {
            "field": "endedOn",
            "rule": "care ends on the day the adoption order was made (2026-09-14)",
        }
    ]
    home = {"endedOn": "2026-09-14", "reason": "E4A_RETURNED_HOME_AS_PLANNED"}
    other = await act(client, worker, "ceaseLookedAfter", care, home)
    assert other["problems"] == [
        {
            "field": "reason",
            "rule": "the adoption order made on 2026-09-14 ended care: E11 (unopposed) or E12 "
            "(consent dispensed with)",
        }
    ]
    unchanged = (await graphql(client, worker, CARE_NOW, {"id": care["id"]}))["periodOfCare"]
    assert (unchanged["status"], unchanged["version"]) == ("LOOKED_AFTER", care["version"])
    ended = {"endedOn": "2026-09-14", "reason": "E12_ADOPTED_CONSENT_DISPENSED_WITH"}
    care = await act(client, worker, "ceaseLookedAfter", care, ended)
    care = await decide(client, manager, "authorisePeriodOfCare", care)
    assert (care["status"], care["endDate"], care["reasonCeased"]) == (
        "CEASED",
        "2026-09-14",
        "E12_ADOPTED_CONSENT_DISPENSED_WITH",
    )


async def test_a_plan_for_adoption_takes_no_step_dated_after_care_ended(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world, index=2)
    care = await _looked_after(client, worker, store, child_id)
    plan = await decide_adoption(client, worker, care)
    care = (await graphql(client, worker, CARE_NOW, {"id": care["id"]}))["periodOfCare"]
    home = {"endedOn": "2026-01-05", "reason": "E4A_RETURNED_HOME_AS_PLANNED"}
    # Not adopted, the child leaves care with the decision reversed (SSDA903 557).
    standing = await act(client, worker, "ceaseLookedAfter", care, home)
    assert standing["problems"] == [
        {
            "field": "reason",
            "rule": "the decision of 2025-11-03 that the child should be placed for adoption "
            "still stands: reverse it first (ceaseAdoptionPlan), dated on or before the end "
            "of care",
        }
    ]
    unchanged = (await graphql(client, worker, CARE_NOW, {"id": care["id"]}))["periodOfCare"]
    assert (unchanged["status"], unchanged["version"]) == ("LOOKED_AFTER", care["version"])
    reversal = {"ceasedOn": "2026-01-05", "reason": "RD1_CHILDS_NEEDS_CHANGED"}
    plan = await adopt(client, worker, "ceaseAdoptionPlan", plan, reversal)
    care = await act(client, worker, "ceaseLookedAfter", care, home)
    care = await decide(client, manager, "authorisePeriodOfCare", care, on="2026-01-05")
    assert (care["status"], care["endDate"]) == ("CEASED", "2026-01-05")
    # The manager sends the reversal back: the decision stands again, care having ended.
    query = f"""mutation ($id: ID!, $version: Int!) {{ returnAdoptionPlanForRework(
      adoptionPlanId: $id, version: $version, reason: "The wrong reason") {{ __typename
      ... on AdoptionPlan {{ {PLAN} }} {OUTCOMES} }} }}"""
    back = await graphql(client, manager, query, {"id": plan["id"], "version": plan["version"]})
    plan = back["returnAdoptionPlanForRework"]
    assert plan["status"] == "SHOULD_BE_PLACED", plan

    # The child went home on 5 January: nobody placed or matched them for adoption after.
    refusals = {
        "recordPlacementOrder": {"grantedOn": "2026-01-06"},
        "matchWithAdopters": {"matchedOn": "2026-02-02", "adopterSex": "F1_SINGLE_FEMALE"},
    }
    for action, data in refusals.items():
        refused = await adopt(client, worker, action, plan, data)
        field = next(iter(data))
        assert refused == {
            "__typename": "InvalidInput",
            "problems": [
                {
                    "field": field,
                    "rule": "must not be after the child stopped being looked after (2026-01-05)",
                }
            ],
        }
    plans = f"query ($id: ID!) {{ child(id: $id) {{ adoptionPlans {{ {PLAN} }} }} }}"
    now = (await graphql(client, worker, plans, {"id": child_id}))["child"]["adoptionPlans"]
    assert [(p["status"], p["version"]) for p in now] == [("SHOULD_BE_PLACED", plan["version"])]
    # A match made while looked after is written up late, and so is the reversal of the
    # decision: dated by the day care ended (SSDA903 117), not after.
    match = {"matchedOn": "2025-12-15", "adopterSex": "F1_SINGLE_FEMALE"}
    plan = await adopt(client, worker, "matchWithAdopters", plan, match)
    assert (plan["status"], plan["matchedDate"]) == ("MATCHED", "2025-12-15")
    reversal = {"ceasedOn": "2026-01-19", "reason": "RD1_CHILDS_NEEDS_CHANGED"}
    late = await adopt(client, worker, "ceaseAdoptionPlan", plan, reversal)
    assert late["problems"] == [
        {
            "field": "ceasedOn",
            "rule": "must not be after the child stopped being looked after (2026-01-05)",
        }
    ]
    reversal = {**reversal, "ceasedOn": "2026-01-05"}
    plan = await adopt(client, worker, "ceaseAdoptionPlan", plan, reversal)
    assert plan["__typename"] == "AdoptionPlan", plan
    assert plan["status"] == "CEASING_AWAITING_AUTHORISATION"
    query = f"""mutation ($id: ID!, $version: Int!) {{ authoriseAdoptionPlan(adoptionPlanId: $id,
      version: $version) {{ __typename ... on AdoptionPlan {{ {PLAN} }} {OUTCOMES} }} }}"""
    done = await graphql(client, manager, query, {"id": plan["id"], "version": plan["version"]})
    plan = done["authoriseAdoptionPlan"]
    assert (plan["status"], plan["ceasedDate"]) == ("CEASED", "2026-01-05")


async def test_a_placement_order_typed_after_the_match_keeps_the_plan_where_it_is(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    child_id = demo_child(world, index=2)
    care = await _looked_after(client, worker, store, child_id)
    plan = await decide_adoption(client, worker, care)
    match = {"matchedOn": "2026-04-20", "adopterSex": "F1_SINGLE_FEMALE"}
    plan = await adopt(client, worker, "matchWithAdopters", plan, match)
    assert plan["status"] == "MATCHED"
    # The placement order of 12 January, written up from the court's papers after the
    # match was recorded: the day it was granted, the plan still matched.
    plan = await adopt(client, worker, "recordPlacementOrder", plan, {"grantedOn": "2026-01-12"})
    assert (plan["status"], plan["placementOrderDate"], plan["matchedDate"]) == (
        "MATCHED",
        "2026-01-12",
        "2026-04-20",
    )
    # Recorded once: typed again it is refused, and nothing changes.
    again = await adopt(client, worker, "recordPlacementOrder", plan, {"grantedOn": "2026-01-13"})
    assert again == {
        "__typename": "InvalidInput",
        "problems": [
            {"field": "grantedOn", "rule": "the placement order is already recorded (2026-01-12)"}
        ],
    }
    early = await adopt(client, worker, "recordPlacementOrder", plan, {"grantedOn": "2025-10-01"})
    assert [p["field"] for p in early["problems"]] == ["grantedOn"]
    plan = await adopt(client, worker, "placeForAdoption", plan, {"placedOn": "2026-05-11"})
    assert (plan["status"], plan["placementOrderDate"]) == ("PLACED", "2026-01-12")


PLANS_OF = f"query ($id: ID!) {{ child(id: $id) {{ adoptionPlans {{ {PLAN} }} }} }}"


@pytest.mark.parametrize(
    ("reason", "said"),
    [
        ("E2_DIED", "the child died"),
        ("E3_CARE_TAKEN_OVER_BY_ANOTHER_LOCAL_AUTHORITY", "another local authority took over"),
    ],
)
async def test_a_child_who_dies_or_moves_to_another_authority_leaves_care_with_the_plan_ended(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, reason: str, said: str
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world, index=2)
    care = await _looked_after(client, worker, store, child_id)
    plan = await decide_adoption(client, worker, care)
    plan = await adopt(client, worker, "recordPlacementOrder", plan, {"grantedOn": "2026-01-12"})
    match = {"matchedOn": "2026-04-20", "adopterSex": "F1_SINGLE_FEMALE"}
    plan = await adopt(client, worker, "matchWithAdopters", plan, match)
    plan = await adopt(client, worker, "placeForAdoption", plan, {"placedOn": "2026-05-11"})
    care = (await graphql(client, worker, CARE_NOW, {"id": care["id"]}))["periodOfCare"]
    # The placement order is the child's legal status from the day it was granted (A6 is
    # "with a placement order": SSDA903 rule 408).
    order_made = {"changedOn": "2026-01-12", "legalStatus": "E1_PLACEMENT_ORDER"}
    care = await act(client, worker, "changeLegalStatus", care, order_made)
    move = {
        "changedOn": "2026-05-11",
        "placementType": PLACED_FOR_ADOPTION,
        "placementProvider": "PR1_OWN_PROVISION",
        "reason": "CARPL_CARE_PLAN",
    }
    care = await act(client, worker, "changePlacement", care, move)
    # Not before the last step of the plan: the child was placed on 11 May.
    early = await act(
        client, worker, "ceaseLookedAfter", care, {"endedOn": "2026-05-10", "reason": reason}
    )
    assert [p["field"] for p in early["problems"]] == ["endedOn"], early
    # A death (or another authority taking the child's care over) is not refused while
    # the decision for adoption stands: it ends the plan too, in the one write a manager
    # authorises, dated the day care ended with the 903's reason (rules 557, 117, 119).
    care = await act(
        client, worker, "ceaseLookedAfter", care, {"endedOn": "2026-06-01", "reason": reason}
    )
    assert care["status"] == "CEASING_AWAITING_AUTHORISATION", care
    standing = (await graphql(client, worker, PLANS_OF, {"id": child_id}))["child"]
    assert [p["status"] for p in standing["adoptionPlans"]] == ["PLACED"]
    care = await decide(client, manager, "authorisePeriodOfCare", care, on="2026-06-02")
    assert (care["status"], care["endDate"], care["reasonCeased"]) == (
        "CEASED",
        "2026-06-01",
        reason,
    )
    ended = (await graphql(client, worker, PLANS_OF, {"id": child_id}))["child"]["adoptionPlans"]
    assert [
        (p["status"], p["ceasedDate"], p["ceasedReason"], p["placedDate"], p["allowedActions"])
        for p in ended
    ] == [
        (
            "CEASED",
            "2026-06-01",
            "RD4_ANY_OTHER_REASON",
            "2026-05-11",
            ["correctAdoptionPlanDate", "withdrawAdoptionPlan"],
        )
    ]
    assert ended[0]["version"] > plan["version"]
    chronology = (await graphql(client, worker, CHRONOLOGY, {"id": child_id}))["child"]
    summaries = [e["detail"] for e in chronology["chronology"] if e["kind"] == "JOURNEY"]
    assert any(said in (s or "") for s in summaries), summaries


CORRECTION = " correction { step correctedFrom reason correctedBy correctedAt }"


async def correct(
    client: httpx.AsyncClient, headers: dict[str, str], plan: dict[str, Any], data: dict[str, Any]
) -> dict[str, Any]:
    query = (
        "mutation ($id: ID!, $version: Int!, $input: CorrectAdoptionPlanDateInput!) {"
        " correctAdoptionPlanDate(adoptionPlanId: $id, version: $version, input: $input) {"
        f" __typename ... on AdoptionPlan {{ {PLAN}{CORRECTION} }} {OUTCOMES} }} }}"
    )
    variables = {"id": plan["id"], "version": plan["version"], "input": data}
    answer = await graphql(client, headers, query, variables)
    return answer["correctAdoptionPlanDate"]  # type: ignore[no-any-return]


async def test_a_step_of_a_plan_for_adoption_typed_with_the_wrong_day_is_corrected(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, tmp_path: Path
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world, index=2)
    care = await _looked_after(client, worker, store, child_id)
    plan = await decide_adoption(client, worker, care)
    plan = await adopt(client, worker, "recordPlacementOrder", plan, {"grantedOn": "2026-01-12"})
    match = {"matchedOn": "2026-04-20", "adopterSex": "F1_SINGLE_FEMALE"}
    plan = await adopt(client, worker, "matchWithAdopters", plan, match)
    plan = await adopt(client, worker, "placeForAdoption", plan, {"placedOn": "2026-05-11"})

    # The match was a week earlier than typed: corrected, the plan where it was, the day
    # typed kept with why, who and when.
    fix = {"step": "MATCH", "happenedOn": "2026-04-13", "reason": "Typed from the wrong panel"}
    corrected = await correct(client, worker, plan, fix)
    assert corrected["__typename"] == "AdoptionPlan", corrected
    assert (corrected["status"], corrected["matchedDate"], corrected["placedDate"]) == (
        "PLACED",
        "2026-04-13",
        "2026-05-11",
    )
    assert corrected["adopterSex"] == "F1_SINGLE_FEMALE"
    correction = corrected["correction"]
    assert (correction["step"], correction["correctedFrom"], correction["reason"]) == (
        "MATCH",
        "2026-04-20",
        "Typed from the wrong panel",
    )
    assert (correction["correctedBy"], bool(correction["correctedAt"])) == ("worker-sw-demo", True)
    plan = corrected

    # Each corrected day keeps the rules of recording it, naming the field and the rule,
    # and changes nothing.
    refusals = [
        ({"step": "MATCH", "happenedOn": "2026-05-12"}, "happenedOn", "the placement"),
        ({"step": "MATCH", "happenedOn": "2026-01-11"}, "happenedOn", "the placement order"),
        ({"step": "PLACEMENT_ORDER", "happenedOn": "2025-11-02"}, "happenedOn", "the decision"),
        ({"step": "DECISION", "happenedOn": "2025-06-01"}, "happenedOn", "looked after"),
        ({"step": "DECISION", "happenedOn": "2026-01-13"}, "happenedOn", "placement order"),
        ({"step": "ADOPTION_ORDER", "happenedOn": "2026-06-01"}, "step", "no adoption order"),
        ({"step": "MATCH", "happenedOn": "2026-04-13"}, "happenedOn", "already recorded"),
        ({"step": "PLACEMENT", "happenedOn": "2099-01-01"}, "happenedOn", "future"),
    ]
    for data, field, said in refusals:
        refused = await correct(client, worker, plan, {**data, "reason": "Typed wrong"})
        assert refused["__typename"] == "InvalidInput", (data, refused)
        assert [p["field"] for p in refused["problems"]] == [field], (data, refused)
        assert said in refused["problems"][0]["rule"], (data, refused)
    nothing = await correct(client, worker, plan, {**fix, "reason": " "})
    assert [p["field"] for p in nothing["problems"]] == ["reason"], nothing
    plans = f"query ($id: ID!) {{ child(id: $id) {{ adoptionPlans {{ {PLAN} }} }} }}"
    now = (await graphql(client, worker, plans, {"id": child_id}))["child"]["adoptionPlans"]
    assert [(p["version"], p["matchedDate"]) for p in now] == [(plan["version"], "2026-04-13")]

    # The decision corrected too: the SSDA903 PlacedAdoption reads the corrected day.
    decision = {"step": "DECISION", "happenedOn": "2025-10-27", "reason": "Panel minutes"}
    plan = await correct(client, worker, plan, decision)
    assert (plan["decisionDate"], plan["correction"]["correctedFrom"]) == (
        "2025-10-27",
        "2025-11-03",
    )
    await write_ssda903(store, CollectionYear(2026), tmp_path)
    assert rows_of(tmp_path, "placed_for_adoption", child_id, "DATE_PLACED") == [("27/10/2025",)]
    chronology = (await graphql(client, manager, CHRONOLOGY, {"id": child_id}))["child"]
    titles = [e["title"] for e in chronology["chronology"] if e["kind"] == "JOURNEY"]
    assert titles.count("correctAdoptionPlanDate") == 2, titles
