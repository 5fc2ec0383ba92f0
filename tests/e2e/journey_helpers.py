"""Driving the case journey through GraphQL in the end-to-end tests."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx

from bench import county
from graph import FalkorDBStore
from tests.helpers import graphql

STEP_FIELDS = (
    "id kind status startDate dueDate dueRule overdue completedDate completedLate"
    " authorisedDate lateReason outcome factors initialCategoriesOfAbuse"
    " latestCategoriesOfAbuse seenAlone legalStatus placementType placementProvider"
    " reasonNewEpisode reasonEpisodeCeased reasonPlaceChange participation missingType"
    " placementPostcode urn"
)
CASE_FIELDS = (
    "id childId status version awaitingAuthorisationOf allowedActions referralDate"
    f" decisionDue decisionDate primaryNeed closureDate closureReason steps {{ {STEP_FIELDS} }}"
)
CARE_FIELDS = (
    "id childId status version awaitingAuthorisationOf allowedActions startDate endDate"
    f" reasonCeased legalStatus placementType steps {{ {STEP_FIELDS} }}"
)
OUTCOMES = (
    "... on InvalidInput { problems { field rule } }"
    " ... on TransitionRefused { currentState allowedNextSteps reason }"
    " ... on NotAuthorised { reason } ... on NotFound { kind id }"
)

INPUT_TYPES = {
    "decideReferral": "DecideReferralInput",
    "startAssessment": "StartAssessmentInput",
    "completeAssessment": "CompleteAssessmentInput",
    "startChildInNeedPlan": "StartChildInNeedPlanInput",
    "reviewChildInNeedPlan": "HeldOnInput",
    "recordVisit": "RecordVisitInput",
    "holdStrategyDiscussion": "HoldStrategyDiscussionInput",
    "requestInitialConference": "ConcludeEnquiryInput",
    "concludeEnquiryWithoutConference": "ConcludeEnquiryInput",
    "holdInitialConference": "HoldInitialConferenceInput",
    "holdReviewConference": "HoldReviewConferenceInput",
    "holdCoreGroup": "HeldOnInput",
    "endChildProtectionPlan": "HoldReviewConferenceInput",
    "closeCase": "CloseCaseInput",
    "changePlacement": "ChangePlacementInput",
    "changeLegalStatus": "ChangeLegalStatusInput",
    "holdLookedAfterReview": "HoldLookedAfterReviewInput",
    "recordStatutoryVisit": "OnDateInput",
    "recordHealthAssessment": "OnDateInput",
    "recordPersonalEducationPlan": "OnDateInput",
    "recordMissingEpisode": "RecordMissingEpisodeInput",
    "recordReturnHomeInterview": "OnDateInput",
    "ceaseLookedAfter": "CeaseLookedAfterInput",
    "recordPathwayPlan": "OnDateInput",
    "recordCareLeaverContact": "RecordCareLeaverContactInput",
    "endLeavingCareServices": "EndLeavingCareServicesInput",
}
CARE_ACTIONS = frozenset(list(INPUT_TYPES)[14:])


async def act(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    action: str,
    record: dict[str, Any],
    data: dict[str, Any],
) -> dict[str, Any]:
    """Take `action` on a case or period of care at its current version."""
    care = action in CARE_ACTIONS
    id_arg, typename, fields = (
        ("periodOfCareId", "PeriodOfCare", CARE_FIELDS) if care else ("caseId", "Case", CASE_FIELDS)
    )
    query = (
        f"mutation ($id: ID!, $version: Int!, $input: {INPUT_TYPES[action]}!) {{"
        f" {action}({id_arg}: $id, version: $version, input: $input) {{ __typename"
        f" ... on {typename} {{ {fields} }} {OUTCOMES} }} }}"
    )
    result = await graphql(
        client, headers, query, {"id": record["id"], "version": record["version"], "input": data}
    )
    return result[action]  # type: ignore[no-any-return]


async def decide(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    name: str,
    record: dict[str, Any],
    **args: Any,
) -> dict[str, Any]:
    """authoriseCase / returnCaseForRework / the period-of-care ones."""
    care = "PeriodOfCare" in name
    id_arg, typename, fields = (
        ("periodOfCareId", "PeriodOfCare", CARE_FIELDS) if care else ("caseId", "Case", CASE_FIELDS)
    )
    reason = ", $reason: String!" if "reason" in args else ""
    query = (
        f"mutation ($id: ID!, $version: Int!{reason}) {{ {name}({id_arg}: $id, version: $version"
        f"{', reason: $reason' if reason else ''}) {{ __typename ... on {typename} {{ {fields} }}"
        f" {OUTCOMES} }} }}"
    )
    variables = {"id": record["id"], "version": record["version"], **args}
    result = await graphql(client, headers, query, variables)
    return result[name]  # type: ignore[no-any-return]


async def referral_for(
    client: httpx.AsyncClient, headers: dict[str, str], child_id: str, received: date
) -> dict[str, Any]:
    """A contact about the child, finalised as a referral; returns the new case."""
    recorded = await graphql(
        client,
        headers,
        """mutation ($input: RecordContactInput!) { recordContact(input: $input) {
             __typename ... on Contact { id } } }""",
        {
            "input": {
                "childId": child_id,
                "receivedDate": received.isoformat(),
                "source": "SCHOOLS",
                "summary": "Concerns reported by the school.",
            }
        },
    )
    contact_id = recorded["recordContact"]["id"]
    finalised = await graphql(
        client,
        headers,
        """mutation ($id: ID!) { finaliseContact(contactId: $id,
             outcome: REFERRAL_TO_SOCIAL_CARE) { ... on FinalisedContact {
             contact { referralId } } } }""",
        {"id": contact_id},
    )
    referral_id = finalised["finaliseContact"]["contact"]["referralId"]
    found = await graphql(
        client,
        headers,
        f"query ($id: ID!) {{ case(id: $id) {{ {CASE_FIELDS} }} }}",
        {"id": referral_id},
    )
    return found["case"]  # type: ignore[no-any-return]


def step(record: dict[str, Any], kind: str, status: str | None = None) -> dict[str, Any]:
    """The last step of `kind` (optionally in `status`)."""
    found = [s for s in record["steps"] if s["kind"] == kind and status in (None, s["status"])]
    assert found, (kind, status, [(s["kind"], s["status"]) for s in record["steps"]])
    return found[-1]


async def demo_county(store: FalkorDBStore) -> county.County:
    world = county.generate("tiny", today=date(2026, 2, 2))
    await county.load(store, world, show_progress=False)
    return world


def demo_child(world: county.County, worker: str = "worker-sw-demo", index: int = 0) -> str:
    children = [row["child"] for row in world.allocations if row["worker"] == worker]
    return children[index]


MY_WORK = """
{ myWork { caseload { workerId children overdue dueSoon awaitingAuthorisation }
  items { childId recordId process stepId kind awaitingAction dueDate rule overdue
          workingDaysLeft }
  notices { id kind childId } } }
"""
TEAM_WORK = """
{ teamWork { __typename ... on NotAuthorised { reason }
  ... on TeamWork { teamId caseloads { workerId workerName children overdue awaitingAuthorisation }
    items { childId recordId kind awaitingAction dueDate overdue workerId } } } }
"""
CHRONOLOGY = """
query ($id: ID!) { child(id: $id) { chronology { on kind title detail }
  childProtectionPlan { startDate endDate } openEpisodes
  cases { id status } periodsOfCare { id status } } }
"""


async def assessed(
    client: httpx.AsyncClient,
    worker: dict[str, str],
    manager: dict[str, str],
    case: dict[str, Any],
    *,
    decided_on: date,
    completed_on: date,
) -> dict[str, Any]:
    """The case through an authorised referral decision and an authorised assessment
    (started the day after the decision, finding neglect)."""
    case = await act(
        client,
        worker,
        "decideReferral",
        case,
        {"decidedOn": decided_on.isoformat(), "primaryNeed": "N1_ABUSE_OR_NEGLECT"},
    )
    case = await decide(client, manager, "authoriseCase", case)
    started_on = (decided_on + timedelta(days=1)).isoformat()
    case = await act(client, worker, "startAssessment", case, {"startedOn": started_on})
    case = await act(
        client,
        worker,
        "completeAssessment",
        case,
        {"completedOn": completed_on.isoformat(), "factors": ["NEGLECT"]},
    )
    case = await decide(client, manager, "authoriseCase", case)
    assert case["status"] == "OUTCOME_DUE", case
    return case
