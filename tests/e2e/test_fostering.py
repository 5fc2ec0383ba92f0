"""Fostering households and short breaks through GraphQL."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from tests.e2e.journey_helpers import CARE_FIELDS, OUTCOMES, demo_child, demo_county
from tests.helpers import bearer, graphql

pytestmark = pytest.mark.anyio

HOUSEHOLD = "id name approvalType capacity status version approvedOn endedOn endReason"
APPROVE = f"""mutation ($input: ApproveFosteringHouseholdInput!) {{
  approveFosteringHousehold(input: $input) {{ __typename
  ... on FosteringHousehold {{ {HOUSEHOLD} }} {OUTCOMES} }} }}"""
END = f"""mutation ($input: EndFosteringApprovalInput!) {{ endFosteringApproval(input: $input) {{
  __typename ... on FosteringHousehold {{ {HOUSEHOLD} }} {OUTCOMES} }} }}"""
BREAK = """mutation ($input: RecordShortBreakInput!) { recordShortBreak(input: $input) {
  __typename ... on ShortBreak { id childId legalStatus startDate endDate placementType
  placementProvider householdId householdName }
  ... on InvalidInput { problems { field rule } } ... on NotAuthorised { reason }
  ... on NotFound { kind id } } }"""


def _break(child_id: str, household_id: str | None, **dates: str) -> dict[str, Any]:
    return {
        "input": {
            "childId": child_id,
            "legalStatus": "V3_SHORT_BREAKS_EPISODES",
            "placementType": "U6_FOSTER_OTHER_CARER_OTHER",
            "placementProvider": "PR1_OWN_PROVISION",
            "householdId": household_id,
            **dates,
        }
    }


async def test_approved_carers_give_short_breaks_within_their_approval(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    approval = {
        "name": "The Okafor household",
        "approvalType": "SHORT_BREAKS",
        "approvedOn": "2026-01-15",
        "capacity": 2,
    }
    # Approving carers is the agency decision maker's, not the worker's.
    refused = (await graphql(client, worker, APPROVE, {"input": approval}))[
        "approveFosteringHousehold"
    ]
    assert refused["__typename"] == "NotAuthorised"
    too_many = (await graphql(client, manager, APPROVE, {"input": {**approval, "capacity": 4}}))[
        "approveFosteringHousehold"
    ]
    assert [p["field"] for p in too_many["problems"]] == ["capacity"]
    household = (await graphql(client, manager, APPROVE, {"input": approval}))[
        "approveFosteringHousehold"
    ]
    assert (household["status"], household["approvedOn"], household["version"]) == (
        "APPROVED",
        "2026-01-15",
        1,
    )

    child_id = demo_child(world)
    stay = _break(child_id, household["id"], startedOn="2026-03-06", endedOn="2026-03-08")
    recorded = (await graphql(client, worker, BREAK, stay))["recordShortBreak"]
    assert (recorded["legalStatus"], recorded["startDate"], recorded["endDate"]) == (
        "V3_SHORT_BREAKS_EPISODES",
        "2026-03-06",
        "2026-03-08",
    )
    assert recorded["householdName"] == "The Okafor household"
    # Before the approval, the household could not have given the break.
    early = _break(child_id, household["id"], startedOn="2026-01-10", endedOn="2026-01-11")
    problem = (await graphql(client, worker, BREAK, early))["recordShortBreak"]
    assert [p["field"] for p in problem["problems"]] == ["householdId"]
    not_a_break = _break(child_id, None, startedOn="2026-03-06")
    not_a_break["input"]["legalStatus"] = "C2_FULL_CARE_ORDER"
    wrong = (await graphql(client, worker, BREAK, not_a_break))["recordShortBreak"]
    assert [p["field"] for p in wrong["problems"]] == ["legalStatus"]
    unknown = _break(child_id, "no-such-household", startedOn="2026-03-06")
    missing = (await graphql(client, worker, BREAK, unknown))["recordShortBreak"]
    assert missing == {
        "__typename": "NotFound",
        "kind": "FosteringHousehold",
        "id": unknown["input"]["householdId"],
    }

    # The approval cannot end before a break it already hosted.
    ending = {"householdId": household["id"], "version": 1, "reason": "Carers retired"}
    too_soon = (
        await graphql(client, manager, END, {"input": {**ending, "endedOn": "2026-03-07"}})
    )["endFosteringApproval"]
    assert [p["field"] for p in too_soon["problems"]] == ["endedOn"]
    ended = (await graphql(client, manager, END, {"input": {**ending, "endedOn": "2026-06-30"}}))[
        "endFosteringApproval"
    ]
    assert (ended["status"], ended["endedOn"], ended["version"]) == ("ENDED", "2026-06-30", 2)
    twice = (await graphql(client, manager, END, {"input": {**ending, "endedOn": "2026-06-30"}}))[
        "endFosteringApproval"
    ]
    assert (twice["__typename"], twice["currentState"]) == ("TransitionRefused", "ENDED")
    after = _break(child_id, household["id"], startedOn="2026-07-03", endedOn="2026-07-05")
    late = (await graphql(client, worker, BREAK, after))["recordShortBreak"]
    assert [p["field"] for p in late["problems"]] == ["householdId"]

    listed = await graphql(
        client, manager, "{ fosteringHouseholds(includeEnded: true) { id status } }"
    )
    assert {"id": household["id"], "status": "ENDED"} in listed["fosteringHouseholds"]
    approved = await graphql(client, manager, "{ fosteringHouseholds { id status } }")
    # The demo county's own household is still approved; the ended one is not listed.
    assert {h["status"] for h in approved["fosteringHouseholds"]} == {"APPROVED"}
    assert household["id"] not in {h["id"] for h in approved["fosteringHouseholds"]}
    child = await graphql(
        client,
        worker,
        """query ($id: ID!) { child(id: $id) { shortBreaks { id householdId }
           chronology { kind title recordId } } }""",
        {"id": child_id},
    )
    assert child["child"]["shortBreaks"] == [{"id": recorded["id"], "householdId": household["id"]}]
    entries = [e for e in child["child"]["chronology"] if e["kind"] == "SHORT_BREAK"]
    assert entries == [
        {"kind": "SHORT_BREAK", "title": "SHORT_BREAK_V3", "recordId": recorded["id"]}
    ]


async def test_short_breaks_are_not_periods_of_care(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    start = f"""mutation ($input: StartLookedAfterInput!) {{ startLookedAfter(input: $input) {{
      __typename ... on PeriodOfCare {{ {CARE_FIELDS} }} {OUTCOMES} }} }}"""
    data = {
        "childId": demo_child(world),
        "startedOn": "2026-04-01",
        "legalStatus": "V4_SHORT_BREAKS_AGREEMENTS",
        "placementType": "U6_FOSTER_OTHER_CARER_OTHER",
        "placementProvider": "PR1_OWN_PROVISION",
    }
    refused = (await graphql(client, worker, start, {"input": data}))["startLookedAfter"]
    assert refused["__typename"] == "InvalidInput"
    assert refused["problems"][0]["field"] == "legalStatus"


async def test_a_short_break_is_refused_where_the_dfe_says_it_cannot_be(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # SSDA903: a short break is never a temporary placement (rule 382) or a long-term
    # foster placement (384), and a single break (V3) lasts at most 17 days (365); an
    # agreement (V4) runs for months. Each refusal names the field and the rule and
    # records nothing.
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    child_id = demo_child(world)
    refused = {}
    for place, dates in (
        ("T1_TEMPORARY_HOSPITAL", {"startedOn": "2026-03-06", "endedOn": "2026-03-08"}),
        ("U4_FOSTER_OTHER_CARER_LONG_TERM", {"startedOn": "2026-03-06", "endedOn": "2026-03-08"}),
        ("U6_FOSTER_OTHER_CARER_OTHER", {"startedOn": "2026-03-01", "endedOn": "2026-03-19"}),
    ):
        stay = _break(child_id, None, **dates)
        stay["input"]["placementType"] = place
        answer = (await graphql(client, worker, BREAK, stay))["recordShortBreak"]
        assert answer["__typename"] == "InvalidInput", answer
        refused[place] = [(p["field"], p["rule"]) for p in answer["problems"]]
    assert [field for (field, _) in refused["T1_TEMPORARY_HOSPITAL"]] == ["placementType"]
    assert "382" in refused["T1_TEMPORARY_HOSPITAL"][0][1]
    assert [field for (field, _) in refused["U4_FOSTER_OTHER_CARER_LONG_TERM"]] == ["placementType"]
    assert "384" in refused["U4_FOSTER_OTHER_CARER_LONG_TERM"][0][1]
    assert [field for (field, _) in refused["U6_FOSTER_OTHER_CARER_OTHER"]] == ["endedOn"]
    assert "365" in refused["U6_FOSTER_OTHER_CARER_OTHER"][0][1]
    child = await graphql(
        client,
        worker,
        "query ($id: ID!) { child(id: $id) { shortBreaks { id } } }",
        {"id": child_id},
    )
    before = child["child"]["shortBreaks"]

    # Seventeen days is a break; an agreement for months is V4's.
    fortnight = _break(child_id, None, startedOn="2026-03-01", endedOn="2026-03-18")
    assert (await graphql(client, worker, BREAK, fortnight))["recordShortBreak"]["__typename"] == (
        "ShortBreak"
    )
    agreement = _break(child_id, None, startedOn="2026-01-05", endedOn="2026-06-30")
    agreement["input"]["legalStatus"] = "V4_SHORT_BREAKS_AGREEMENTS"
    assert (await graphql(client, worker, BREAK, agreement))["recordShortBreak"]["__typename"] == (
        "ShortBreak"
    )
    child = await graphql(
        client,
        worker,
        "query ($id: ID!) { child(id: $id) { shortBreaks { id } } }",
        {"id": child_id},
    )
    assert len(child["child"]["shortBreaks"]) == len(before) + 2
