"""Checks at the point of entry through GraphQL: a save that breaks a DfE return rule
stands, answers with the rule's code, is listed on the worker's and the team's work
lists, and clears when a later save corrects it (issue 9, item 5)."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from tests.e2e.journey_helpers import (
    CARE_FIELDS,
    OUTCOMES,
    act,
    decide,
    demo_child,
    demo_county,
    latest,
    referral_for,
)
from tests.e2e.test_child_facts import record
from tests.helpers import bearer, graphql

pytestmark = pytest.mark.anyio

MY_WORK = "{ myWork { items { recordId kind dueDate } } }"
WORK_WARNINGS = "{ myWork { dataWarnings { code field message childId childName recordId } } }"
TEAM_WARNINGS = (
    "{ teamWork { __typename ... on TeamWork { dataWarnings { code childId recordedBy } } } }"
)
START = f"""
mutation ($input: StartLookedAfterInput!) {{ startLookedAfter(input: $input) {{
  __typename ... on PeriodOfCare {{ {CARE_FIELDS} }} {OUTCOMES} }} }}
"""
RC7 = "RC7_SERVICES_CEASED_FOR_ANY_OTHER_REASON"
RC8 = "RC8_CLOSED_AFTER_ASSESSMENT_NO_FURTHER_ACTION"


def _codes(record: dict[str, Any]) -> list[str]:
    assert record["__typename"] in ("Case", "PeriodOfCare"), record
    return [w["code"] for w in record["warnings"]]


async def _listed_codes(
    client: httpx.AsyncClient, worker: dict[str, str], child_id: str
) -> list[str]:
    """The codes the worker's work list shows for the child, sorted."""
    listed = (await graphql(client, worker, WORK_WARNINGS))["myWork"]["dataWarnings"]
    return sorted(w["code"] for w in listed if w["childId"] == child_id)


async def _foster_care_from_march(
    client: httpx.AsyncClient, worker: dict[str, str], child_id: str, provider: str
) -> dict[str, Any]:
    """The child looked after from 2 March 2026 on a care order, fostered by `provider`
    (with no previous permanence: 903 rule 630 asks it of every child starting care)."""
    await record(
        client, worker, "recordPreviousPermanence", {"childId": child_id, "permanence": "Z1_NONE"}
    )
    start = {
        "childId": child_id,
        "startedOn": "2026-03-02",
        "legalStatus": "C2_FULL_CARE_ORDER",
        "placementType": "U6_FOSTER_OTHER_CARER_OTHER",
        "placementProvider": provider,
    }
    care: dict[str, Any] = (await graphql(client, worker, START, {"input": start}))[
        "startLookedAfter"
    ]
    return care


async def _accepted_case(
    client: httpx.AsyncClient, settings: Settings, child_id: str
) -> dict[str, Any]:
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    case = await referral_for(client, worker, child_id, date(2026, 3, 2))
    case = await act(
        client,
        worker,
        "decideReferral",
        case,
        {"decidedOn": "2026-03-03", "primaryNeed": "N4_FAMILY_IN_ACUTE_STRESS"},
    )
    return await decide(client, manager, "authoriseCase", case, on="2026-03-03")


async def test_a_closure_after_assessment_with_no_assessment_warns_until_corrected(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world)
    case = await _accepted_case(client, settings, child_id)
    assert _codes(case) == []
    # Proposed for closure "after assessment" though no assessment was done: the
    # proposal stands (it waits for the manager) and the answer carries the rule.
    case = await act(client, worker, "closeCase", case, {"closedOn": "2026-03-10", "reason": RC8})
    assert case["status"] == "CLOSURE_AWAITING_AUTHORISATION"
    (warning,) = case["warnings"]
    assert (warning["code"], warning["field"], warning["childId"], warning["recordId"]) == (
        "CIN 8825Q",
        "reason",
        child_id,
        case["id"],
    )
    assert warning["message"].startswith("reason: ")
    assert warning["recordedBy"] == "worker-sw-demo"
    assert warning["recordedAt"] is not None
    # Listed for the allocated worker and for the team's manager.
    listed = (await graphql(client, worker, WORK_WARNINGS))["myWork"]["dataWarnings"]
    assert [(w["code"], w["childId"], w["recordId"]) for w in listed] == [
        ("CIN 8825Q", child_id, case["id"])
    ]
    assert listed[0]["childName"]
    team = (await graphql(client, manager, TEAM_WARNINGS))["teamWork"]["dataWarnings"]
    assert [(w["code"], w["childId"], w["recordedBy"]) for w in team] == [
        ("CIN 8825Q", child_id, "worker-sw-demo")
    ]
    # The manager sends it back; the corrected closure raises nothing and clears it.
    case = await decide(
        client, manager, "returnCaseForRework", case, reason="No assessment: RC7", on="2026-03-10"
    )
    assert _codes(case) == []
    case = await act(client, worker, "closeCase", case, {"closedOn": "2026-03-10", "reason": RC7})
    assert _codes(case) == []
    assert (await graphql(client, worker, WORK_WARNINGS))["myWork"]["dataWarnings"] == []


async def _assessed(
    client: httpx.AsyncClient, settings: Settings, child_id: str, factor: str
) -> dict[str, Any]:
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    case = await _accepted_case(client, settings, child_id)
    case = await act(client, worker, "startAssessment", case, {"startedOn": "2026-03-03"})
    done = {"completedOn": "2026-03-06", "factors": [factor]}
    case = await act(client, worker, "completeAssessment", latest(case, "assessments"), done)
    return await decide(
        client, manager, "authoriseAssessment", latest(case, "assessments"), on="2026-03-06"
    )


async def test_a_no_factors_assessment_closed_for_another_reason_warns(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    case = await _assessed(client, settings, demo_child(world, index=1), "NO_FACTORS_IDENTIFIED")
    assert _codes(case) == []
    # CIN 8873Q: the only assessment found no factors, closed for another reason.
    case = await act(client, worker, "closeCase", case, {"closedOn": "2026-03-09", "reason": RC7})
    assert _codes(case) == ["CIN 8873Q"]
    case = await decide(client, manager, "returnCaseForRework", case, reason="RC8", on="2026-03-09")
    assert _codes(case) == []
    case = await act(client, worker, "closeCase", case, {"closedOn": "2026-03-09", "reason": RC8})
    assert _codes(case) == []
    case = await decide(client, manager, "authoriseCase", case, on="2026-03-09")
    assert (case["status"], _codes(case)) == ("CLOSED", [])


async def test_a_plan_on_an_episode_closed_after_assessment_warns(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    case = await _assessed(client, settings, demo_child(world, index=1), "NEGLECT")
    case = await act(client, worker, "startChildInNeedPlan", case, {"startDate": "2026-03-09"})
    # CIN 2990: a CIN plan on an episode "closed after assessment".
    case = await act(client, worker, "closeCase", case, {"closedOn": "2026-03-12", "reason": RC8})
    assert _codes(case) == ["CIN 2990"]
    case = await decide(client, manager, "returnCaseForRework", case, reason="RC7", on="2026-03-12")
    case = await act(client, worker, "closeCase", case, {"closedOn": "2026-03-12", "reason": RC7})
    assert _codes(case) == []


# P4: the child had a permanence option, of a kind nobody now knows. Rule 630 asks the
# local authority and the order's date for anything but Z1, so P4 takes them too.
@pytest.mark.parametrize("permanence", ["P2_SPECIAL_GUARDIANSHIP_ORDER", "P4_UNKNOWN"])
async def test_what_the_903_asks_beside_the_episodes_warns_until_recorded(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, permanence: str
) -> None:
    # A child starting care needs their previous permanence (903 rule 630: Z1 if none,
    # the LA and the order's date otherwise), and UN7 (a referral with no further
    # action) is no reason for a looked-after child's UPN to be unknown (903 rule 168).
    # The fact recorded afterwards clears the warning on the period of care.
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    child_id = demo_child(world, index=2)
    await store.write(
        "MATCH (c:Child {id: $id})<-[:ABOUT]-(f:ChildFact) DETACH DELETE f", {"id": child_id}
    )
    await store.write(
        "MATCH (c:Child {id: $id}) SET c.upn = null, c.dateOfBirth = date('2015-01-09')",
        {"id": child_id},
    )
    unknown = {"childId": child_id, "reason": "UN7_REFERRAL_WITH_NO_FURTHER_ACTION"}
    assert (await record(client, worker, "recordUpnUnknown", unknown))["__typename"] == "ChildFact"
    start = {
        "childId": child_id,
        "startedOn": "2026-03-02",
        "legalStatus": "C2_FULL_CARE_ORDER",
        "placementType": "U6_FOSTER_OTHER_CARER_OTHER",
        "placementProvider": "PR1_OWN_PROVISION",
    }
    care = (await graphql(client, worker, START, {"input": start}))["startLookedAfter"]
    assert care["status"] == "LOOKED_AFTER", care
    assert sorted((w["code"], w["field"]) for w in care["warnings"]) == [
        ("903 168", "reason"),
        ("903 630", "permanence"),
    ]
    assert await _listed_codes(client, worker, child_id) == ["903 168", "903 630"]
    # An order named without its LA and date is still not returned.
    order = {"childId": child_id, "permanence": permanence}
    await record(client, worker, "recordPreviousPermanence", order)
    assert await _listed_codes(client, worker, child_id) == ["903 168", "903 630"]
    dated = {**order, "localAuthority": "919", "orderDate": "2019-05-01"}
    assert (await record(client, worker, "recordPreviousPermanence", dated))[
        "__typename"
    ] == "ChildFact"
    assert await _listed_codes(client, worker, child_id) == ["903 168"]
    await record(client, worker, "recordUpnUnknown", {**unknown, "reason": "UN4_UPN_NOT_YET_KNOWN"})
    assert await _listed_codes(client, worker, child_id) == []


async def test_a_past_episode_is_corrected_by_the_day_it_started_also_after_care_ends(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world, index=4)
    # The first episode's provider entered wrongly (another LA's carers, not our own).
    care = await _foster_care_from_march(client, worker, child_id, "PR2_OTHER_LOCAL_AUTHORITY")
    # Then a move to long-term fostering with our own carers: once the first episode is
    # put right, the move still changes the placement (903 rule 435).
    moved = {
        "changedOn": "2026-03-20",
        "placementType": "U4_FOSTER_OTHER_CARER_LONG_TERM",
        "placementProvider": "PR1_OWN_PROVISION",
        "reason": "CARPL_CARE_PLAN",
    }
    care = await act(client, worker, "changePlacement", care, moved)
    # A return reports that episode too, so it is put right after the move.
    assert _codes(care) == []
    care = await act(
        client,
        worker,
        "ceaseLookedAfter",
        care,
        {"endedOn": "2026-04-30", "reason": "E4A_RETURNED_HOME_AS_PLANNED"},
    )
    care = await decide(client, manager, "authorisePeriodOfCare", care)
    assert care["status"] == "CEASED"
    assert "correctPlacement" in care["allowedActions"]
    right = {
        "placementType": "U6_FOSTER_OTHER_CARER_OTHER",
        "placementProvider": "PR1_OWN_PROVISION",
    }

    # No episode of this period started on the day named.
    refused = await act(
        client, worker, "correctPlacement", care, {**right, "episodeFrom": "2026-03-03"}
    )
    assert refused["problems"] == [
        {"field": "episodeFrom", "rule": "no episode of this period of care started on 2026-03-03"}
    ]
    # A T4 stay lasts seven days or less: the first episode lasted 18.
    t4 = {**right, "placementType": "T4_TEMPORARY_SEVEN_DAYS_OR_LESS", "episodeFrom": "2026-03-02"}
    refused = await act(client, worker, "correctPlacement", care, t4)
    assert [p["field"] for p in refused["problems"]] == ["placementType"]

    care = await act(
        client, worker, "correctPlacement", care, {**right, "episodeFrom": "2026-03-02"}
    )
    assert care["status"] == "CEASED"
    assert _codes(care) == []
    episodes = [s for s in care["steps"] if s["kind"] == "LOOKED_AFTER_EPISODE"]
    assert [
        (s["startDate"], s["completedDate"], s["placementProvider"], s["reasonEpisodeCeased"])
        for s in episodes
    ] == [
        ("2026-03-02", "2026-03-20", "PR1_OWN_PROVISION", "X1_NEW_EPISODE_SAME_DAY"),
        ("2026-03-20", "2026-04-30", "PR1_OWN_PROVISION", "E4A_RETURNED_HOME_AS_PLANNED"),
    ]
    assert await _listed_codes(client, worker, child_id) == []


async def test_an_assessment_started_in_error_is_withdrawn_and_counts_for_no_rule(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    case = await _accepted_case(client, settings, demo_child(world, index=5))
    case = await act(client, worker, "startAssessment", case, {"startedOn": "2026-03-04"})
    started = latest(case, "assessments")["id"]
    work = (await graphql(client, worker, MY_WORK))["myWork"]["items"]
    assert [i["kind"] for i in work if i["recordId"] == started] == ["ASSESSMENT"]
    # An assessment not authorised holds the episode open.
    refused = await act(
        client, worker, "closeCase", case, {"closedOn": "2026-03-10", "reason": RC7}
    )
    assert refused["__typename"] == "TransitionRefused", refused
    early = {"withdrawnOn": "2026-03-03", "reason": "Started on the wrong child"}
    refused = await act(client, worker, "withdrawAssessment", latest(case, "assessments"), early)
    assert [p["field"] for p in refused["problems"]] == ["withdrawnOn"]

    withdrawal = {"withdrawnOn": "2026-03-05", "reason": "Started on the wrong child"}
    case = await act(client, worker, "withdrawAssessment", latest(case, "assessments"), withdrawal)
    assessment = latest(case, "assessments")
    assert assessment["status"] == "WITHDRAWAL_AWAITING_AUTHORISATION"
    case = await decide(client, manager, "authoriseAssessment", assessment, on="2026-03-05")
    assessment = latest(case, "assessments")
    # Kept in the record, its due step cancelled: nothing is due for it any more.
    assert assessment["status"] == "RECORDED_IN_ERROR"
    assert assessment["withdrawnReason"] == "Started on the wrong child"
    work = (await graphql(client, worker, MY_WORK))["myWork"]["items"]
    assert [i for i in work if i["recordId"] == assessment["id"]] == []

    # The episode closes, and "closed after assessment" now warns: the withdrawn
    # assessment is in no return, so the episode has none (CIN 8825Q).
    case = await act(client, worker, "closeCase", case, {"closedOn": "2026-03-10", "reason": RC8})
    assert case["status"] == "CLOSURE_AWAITING_AUTHORISATION", case
    assert _codes(case) == ["CIN 8825Q"]


AS_AT_PLANS = """query ($on: Date) { asAt(on: $on) { __typename ... on AsAt {
  childInNeedPlans { children { childId } } } } }"""


async def test_an_enquiry_and_a_plan_started_in_error_are_withdrawn_with_a_manager(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world, index=6)
    case = await _accepted_case(client, settings, child_id)
    case = await act(client, worker, "holdStrategyDiscussion", case, {"heldOn": "2026-03-03"})
    case = await act(client, worker, "startChildInNeedPlan", case, {"startDate": "2026-03-03"})
    enquiry, plan = latest(case, "section47Enquiries"), latest(case, "childInNeedPlans")
    due = {i["recordId"] for i in (await graphql(client, worker, MY_WORK))["myWork"]["items"]}
    assert {enquiry["id"], plan["id"]} <= due

    early = {"withdrawnOn": "2026-03-02", "reason": "Recorded on the wrong child"}
    refused = await act(client, worker, "withdrawSection47Enquiry", enquiry, early)
    assert [p["field"] for p in refused["problems"]] == ["withdrawnOn"]
    withdrawal = {"withdrawnOn": "2026-03-04", "reason": "Recorded on the wrong child"}
    case = await act(client, worker, "withdrawSection47Enquiry", enquiry, withdrawal)
    assert latest(case, "section47Enquiries")["status"] == "WITHDRAWAL_AWAITING_AUTHORISATION"
    # The manager may refuse: the enquiry goes on, as it was.
    case = await decide(
        client,
        manager,
        "returnSection47EnquiryForRework",
        latest(case, "section47Enquiries"),
        reason="This is the right child: the strategy discussion was about her",
        on="2026-03-04",
    )
    assert latest(case, "section47Enquiries")["status"] == "IN_PROGRESS"
    case = await act(
        client, worker, "withdrawSection47Enquiry", latest(case, "section47Enquiries"), withdrawal
    )
    case = await decide(
        client,
        manager,
        "authoriseSection47Enquiry",
        latest(case, "section47Enquiries"),
        on="2026-03-04",
    )
    enquiry = latest(case, "section47Enquiries")
    assert (enquiry["status"], enquiry["withdrawnReason"], enquiry["endDate"]) == (
        "RECORDED_IN_ERROR",
        "Recorded on the wrong child",
        None,
    )

    case = await act(client, worker, "withdrawChildInNeedPlan", plan, withdrawal)
    # While the manager has not decided, closing the episode (which would end the plan and
    # put it in the census) is refused.
    closure = {"closedOn": "2026-03-05", "reason": RC7}
    refused = await act(client, worker, "closeCase", case, closure)
    assert refused["__typename"] == "TransitionRefused", refused
    assert "WITHDRAWAL_AWAITING_AUTHORISATION" in refused["reason"]
    case = await decide(
        client,
        manager,
        "authoriseChildInNeedPlan",
        latest(case, "childInNeedPlans"),
        on="2026-03-04",
    )
    assert latest(case, "childInNeedPlans")["status"] == "RECORDED_IN_ERROR"

    # Nothing is due for either, the plan was never open, and the episode closes.
    due = {i["recordId"] for i in (await graphql(client, worker, MY_WORK))["myWork"]["items"]}
    assert not {enquiry["id"], plan["id"]} & due
    analyst = bearer(settings, "analyst")
    view = (await graphql(client, analyst, AS_AT_PLANS, {"on": "2026-03-04"}))["asAt"]
    assert child_id not in {c["childId"] for c in view["childInNeedPlans"]["children"]}
    case = await act(client, worker, "closeCase", case, closure)
    assert case["status"] == "CLOSURE_AWAITING_AUTHORISATION", case
