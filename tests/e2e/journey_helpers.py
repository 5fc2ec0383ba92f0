"""Driving the case journey through GraphQL in the end-to-end tests."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx

from connectors.livelink.embedded_store import EmbeddedContentStore
from connectors.livelink.outbox import DeliveryReport, OutboxWorker
from demo import county
from graph import FalkorDBStore
from hub.app import form_store_from_settings
from hub.settings import Settings
from tests.helpers import graphql
from workflow.ids import now_ms

STEP_FIELDS = (
    "id kind status startDate dueDate dueRule overdue completedDate completedLate"
    " authorisedDate lateReason outcome factors initialCategoriesOfAbuse"
    " latestCategoriesOfAbuse seenAlone legalStatus placementType placementProvider"
    " reasonNewEpisode reasonEpisodeCeased reasonPlaceChange participation missingType"
    " placementPostcode urn recordedBy recordedAt correctedFrom correctionReason correctedBy"
    " correctedAt lateReasonRecordedBy lateReasonRecordedAt"
    " legalStatusCorrection { correctedFrom reason correctedBy correctedAt }"
)
# The DfE rules the saved record breaks (returns/entry_checks.py).
WARNING_FIELDS = "warnings { code field message childId recordId recordedBy recordedAt }"
_RECORD = "id version status allowedActions awaitingAuthorisationOf recordedBy recordedAt"
_RECORD_STEPS = f"steps {{ {STEP_FIELDS} }}"
CASE_FIELDS = (
    "id childId status version awaitingAuthorisationOf allowedActions referralDate"
    " referralSource decisionDue decisionDate primaryNeed closureDate closureReason"
    f" noFurtherAction recordedBy recordedAt steps {{ {STEP_FIELDS} }}"
    " reopened { closureDate closureReason noFurtherAction reason reopenedOn reopenedBy"
    " reopenedAt }"
    f" assessments {{ {_RECORD} startDate dueDate completedDate authorisedDate factors"
    f" lateReason withdrawnReason {_RECORD_STEPS} }}"
    f" section47Enquiries {{ {_RECORD} strategyDiscussionDate initialConferenceTarget endDate"
    f" conferenceRequired withdrawnReason {_RECORD_STEPS} }}"
    f" initialConferences {{ {_RECORD} dueDate heldDate transferIn notifiedDate lateReason"
    " section47EnquiryId withdrawnReason"
    f" {_RECORD_STEPS} }}"
    f" childProtectionPlans {{ {_RECORD} startDate endDate endReason transferIn conferenceId"
    " initialCategoriesOfAbuse latestCategoriesOfAbuse reviewDates withdrawnReason"
    f" {_RECORD_STEPS} }}"
    f" childInNeedPlans {{ {_RECORD} startDate endDate withdrawnReason {_RECORD_STEPS} }}"
    f" {WARNING_FIELDS}"
)
CARE_FIELDS = (
    "id childId status version awaitingAuthorisationOf allowedActions startDate endDate"
    f" reasonCeased legalStatus placementType steps {{ {STEP_FIELDS} }} {WARNING_FIELDS}"
)
OUTCOMES = (
    "... on InvalidInput { problems { field rule } }"
    " ... on TransitionRefused { currentState allowedNextSteps reason }"
    " ... on NotAuthorised { reason } ... on NotFound { kind id }"
)

# Each action: the id argument naming the record it is taken on, and its input type.
ACTIONS = {
    "decideReferral": ("caseId", "DecideReferralInput"),
    "closeWithNoFurtherAction": ("caseId", "CloseWithNoFurtherActionInput"),
    "startAssessment": ("caseId", "StartAssessmentInput"),
    "holdStrategyDiscussion": ("caseId", "HoldStrategyDiscussionInput"),
    "holdTransferInConference": ("caseId", "HoldInitialConferenceInput"),
    "startChildInNeedPlan": ("caseId", "StartChildInNeedPlanInput"),
    "closeCase": ("caseId", "CloseCaseInput"),
    "reopenCase": ("caseId", "ReopenCaseInput"),
    "withdrawReferral": ("caseId", "WithdrawInErrorInput"),
    "correctReferralDate": ("caseId", "CorrectReferralDateInput"),
    "correctReferralDecisionDate": ("caseId", "CorrectReferralDecisionDateInput"),
    "recordDecisionLateReason": ("caseId", "RecordDecisionLateReasonInput"),
    "completeAssessment": ("assessmentId", "CompleteAssessmentInput"),
    "withdrawAssessment": ("assessmentId", "WithdrawInErrorInput"),
    "correctAssessmentDates": ("assessmentId", "CorrectAssessmentDatesInput"),
    "requestInitialConference": ("section47EnquiryId", "ConcludeEnquiryInput"),
    "concludeEnquiryWithoutConference": ("section47EnquiryId", "ConcludeEnquiryInput"),
    "withdrawSection47Enquiry": ("section47EnquiryId", "WithdrawInErrorInput"),
    "correctStrategyDiscussionDate": ("section47EnquiryId", "CorrectHeldDateInput"),
    "holdInitialConference": ("conferenceId", "HoldInitialConferenceInput"),
    "withdrawInitialConference": ("conferenceId", "WithdrawInErrorInput"),
    "correctInitialConferenceDate": ("conferenceId", "CorrectHeldDateInput"),
    "holdReviewConference": ("childProtectionPlanId", "HoldReviewConferenceInput"),
    "holdCoreGroup": ("childProtectionPlanId", "HeldOnInput"),
    "recordChildProtectionVisit": ("childProtectionPlanId", "RecordVisitInput"),
    "endChildProtectionPlan": ("childProtectionPlanId", "EndChildProtectionPlanInput"),
    "correctChildProtectionPlanEnd": ("childProtectionPlanId", "CorrectPlanEndInput"),
    "correctChildProtectionStepDate": ("childProtectionPlanId", "CorrectStepDateInput"),
    "withdrawChildProtectionStep": ("childProtectionPlanId", "WithdrawStepInput"),
    "reviewChildInNeedPlan": ("childInNeedPlanId", "HeldOnInput"),
    "recordChildInNeedVisit": ("childInNeedPlanId", "RecordVisitInput"),
    "endChildInNeedPlan": ("childInNeedPlanId", "EndChildInNeedPlanInput"),
    "correctChildInNeedPlanDates": ("childInNeedPlanId", "CorrectChildInNeedPlanDatesInput"),
    "correctChildInNeedStepDate": ("childInNeedPlanId", "CorrectStepDateInput"),
    "withdrawChildInNeedStep": ("childInNeedPlanId", "WithdrawStepInput"),
    "withdrawChildInNeedPlan": ("childInNeedPlanId", "WithdrawInErrorInput"),
    "changePlacement": ("periodOfCareId", "ChangePlacementInput"),
    "changeLegalStatus": ("periodOfCareId", "ChangeLegalStatusInput"),
    "correctPlacement": ("periodOfCareId", "CorrectPlacementInput"),
    "correctEpisodeStart": ("periodOfCareId", "CorrectEpisodeStartInput"),
    "correctLegalStatus": ("periodOfCareId", "CorrectLegalStatusInput"),
    "correctCareStepDate": ("periodOfCareId", "CorrectStepDateInput"),
    "withdrawCareStep": ("periodOfCareId", "WithdrawStepInput"),
    "correctMissingEpisode": ("periodOfCareId", "CorrectMissingEpisodeInput"),
    "holdLookedAfterReview": ("periodOfCareId", "HoldLookedAfterReviewInput"),
    "recordStatutoryVisit": ("periodOfCareId", "OnDateInput"),
    "recordHealthAssessment": ("periodOfCareId", "OnDateInput"),
    "recordPersonalEducationPlan": ("periodOfCareId", "OnDateInput"),
    "recordMissingEpisode": ("periodOfCareId", "RecordMissingEpisodeInput"),
    "recordReturnHomeInterview": ("periodOfCareId", "OnDateInput"),
    "ceaseLookedAfter": ("periodOfCareId", "CeaseLookedAfterInput"),
    "correctEndOfCare": ("periodOfCareId", "CorrectEndOfCareInput"),
    "recordPathwayPlan": ("periodOfCareId", "OnDateInput"),
    "recordCareLeaverContact": ("periodOfCareId", "RecordCareLeaverContactInput"),
    "endLeavingCareServices": ("periodOfCareId", "EndLeavingCareServicesInput"),
}
INPUT_TYPES = {action: input_type for action, (_, input_type) in ACTIONS.items()}
CARE_ACTIONS = frozenset(a for a, (id_arg, _) in ACTIONS.items() if id_arg == "periodOfCareId")


def _answer(care: bool) -> tuple[str, str]:
    return ("PeriodOfCare", CARE_FIELDS) if care else ("Case", CASE_FIELDS)


async def act(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    action: str,
    record: dict[str, Any],
    data: dict[str, Any],
) -> dict[str, Any]:
    """Take `action` on a case, a record of a case, or a period of care at its current
    version; a record of a case answers with the whole case."""
    id_arg, input_type = ACTIONS[action]
    typename, fields = _answer(action in CARE_ACTIONS)
    query = (
        f"mutation ($id: ID!, $version: Int!, $input: {input_type}!) {{"
        f" {action}({id_arg}: $id, version: $version, input: $input) {{ __typename"
        f" ... on {typename} {{ {fields} }} {OUTCOMES} }} }}"
    )
    result = await graphql(
        client, headers, query, {"id": record["id"], "version": record["version"], "input": data}
    )
    return result[action]  # type: ignore[no-any-return]


_DECISION_ID_ARGS = {
    "Case": "caseId",
    "Assessment": "assessmentId",
    "Section47Enquiry": "section47EnquiryId",
    "ChildInNeedPlan": "childInNeedPlanId",
    "InitialConference": "conferenceId",
    "PeriodOfCare": "periodOfCareId",
}


async def decide(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    name: str,
    record: dict[str, Any],
    **args: Any,
) -> dict[str, Any]:
    """authoriseCase / returnCaseForRework / authoriseAssessment / the period-of-care ones;
    `on` dates the decision, `reason` is a return's, `lateReason` an authorisation's."""
    kind = next(k for k in _DECISION_ID_ARGS if k in name)
    typename, fields = _answer(kind == "PeriodOfCare")
    kinds = {"reason": "String!", "on": "Date", "lateReason": "String"}
    declared = "".join(f", ${name}: {kind}" for name, kind in kinds.items() if name in args)
    passed = "".join(f", {name}: ${name}" for name in kinds if name in args)
    query = (
        f"mutation ($id: ID!, $version: Int!{declared}) {{ {name}("
        f"{_DECISION_ID_ARGS[kind]}: $id, version: $version{passed}) {{ __typename"
        f" ... on {typename} {{ {fields} }} {OUTCOMES} }} }}"
    )
    variables = {"id": record["id"], "version": record["version"], **args}
    result = await graphql(client, headers, query, variables)
    return result[name]  # type: ignore[no-any-return]


# The records of a case that can be withdrawn as started in error: the worker's action and
# the manager's authorisation of it.
WITHDRAWALS = {
    "assessments": ("withdrawAssessment", "authoriseAssessment"),
    "section47Enquiries": ("withdrawSection47Enquiry", "authoriseSection47Enquiry"),
    "childInNeedPlans": ("withdrawChildInNeedPlan", "authoriseChildInNeedPlan"),
    "initialConferences": ("withdrawInitialConference", "authoriseInitialConference"),
}


async def withdraw_in_error(
    client: httpx.AsyncClient,
    worker: dict[str, str],
    manager: dict[str, str],
    case: dict[str, Any],
    kind: str,
    on: str,
) -> dict[str, Any]:
    """Withdraw the case's latest record of `kind` as started in error, authorised the
    same day; returns the case."""
    withdraw, authorise = WITHDRAWALS[kind]
    data = {"withdrawnOn": on, "reason": "Recorded on the wrong child"}
    record_id = latest(case, kind)["id"]
    case = await act(client, worker, withdraw, latest(case, kind), data)
    proposed = next(record for record in case[kind] if record["id"] == record_id)
    case = await decide(client, manager, authorise, proposed, on=on)
    withdrawn = next(record for record in case[kind] if record["id"] == record_id)
    assert withdrawn["status"] == "RECORDED_IN_ERROR", case
    return case


RC8 = "RC8_CLOSED_AFTER_ASSESSMENT_NO_FURTHER_ACTION"


async def closed_with_a_plan(
    client: httpx.AsyncClient,
    worker: dict[str, str],
    manager: dict[str, str],
    child_id: str,
    referred: date = date(2026, 9, 1),
    reason: str = RC8,
) -> dict[str, Any]:
    """Referred on `referred`, accepted that day, a child in need plan from six days
    later, the episode closed (RC8 unless another `reason`) thirty days after the
    referral and authorised the day after: the plan ended with it."""
    closed = (referred + timedelta(days=30)).isoformat()
    case = await referral_for(client, worker, child_id, referred)
    decision = {"decidedOn": referred.isoformat(), "primaryNeed": "N1_ABUSE_OR_NEGLECT"}
    case = await act(client, worker, "decideReferral", case, decision)
    case = await decide(client, manager, "authoriseCase", case, on=referred.isoformat())
    started = (referred + timedelta(days=6)).isoformat()
    case = await act(client, worker, "startChildInNeedPlan", case, {"startDate": started})
    case = await act(client, worker, "closeCase", case, {"closedOn": closed, "reason": reason})
    authorised = (referred + timedelta(days=31)).isoformat()
    case = await decide(client, manager, "authoriseCase", case, on=authorised)
    plan = latest(case, "childInNeedPlans")
    assert (case["status"], case["closureDate"], plan["endDate"]) == ("CLOSED", closed, closed)
    return case


def latest(case: dict[str, Any], kind: str) -> dict[str, Any]:
    """The case's latest record of `kind` (assessments, section47Enquiries, ...)."""
    records = case[kind]
    assert records, (kind, case)
    return records[-1]  # type: ignore[no-any-return]


CONTACT_FIELDS = (
    "id version status outcome receivedDate decisionDate referralId"
    " outcomeCorrection { previousOutcome reason correctedBy correctedAt }"
)


async def recorded_contact(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    child_id: str,
    received: date,
    source: str = "SCHOOLS",
) -> dict[str, Any]:
    """A contact about the child received on `received`, not yet decided."""
    recorded = await graphql(
        client,
        headers,
        f"""mutation ($input: RecordContactInput!) {{ recordContact(input: $input) {{
             __typename ... on Contact {{ {CONTACT_FIELDS} }} }} }}""",
        {
            "input": {
                "childId": child_id,
                "receivedDate": received.isoformat(),
                "source": source,
                "summary": "Concerns reported by the school.",
            }
        },
    )
    return recorded["recordContact"]  # type: ignore[no-any-return]


async def finalised_contact(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    child_id: str,
    received: date,
    outcome: str,
    source: str = "SCHOOLS",
    decided: date | None = None,
    late_reason: str | None = None,
) -> dict[str, Any]:
    """A contact about the child received on `received`, finalised that day (or on
    `decided`, with `late_reason` if that is late) with `outcome`; returns the contact."""
    contact_id = (await recorded_contact(client, headers, child_id, received, source))["id"]
    finalised = await graphql(
        client,
        headers,
        f"""mutation ($id: ID!, $on: Date, $outcome: ContactOutcome!, $late: String) {{
             finaliseContact(contactId: $id, outcome: $outcome, on: $on, lateReason: $late)
             {{ ... on FinalisedContact {{ contact {{ {CONTACT_FIELDS} }} }} }} }}""",
        {
            "id": contact_id,
            "on": (decided or received).isoformat(),
            "outcome": outcome,
            "late": late_reason,
        },
    )
    return finalised["finaliseContact"]["contact"]  # type: ignore[no-any-return]


async def referral_for(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    child_id: str,
    received: date,
    source: str = "SCHOOLS",
) -> dict[str, Any]:
    """A contact about the child, finalised as a referral; returns the new case."""
    contact = await finalised_contact(
        client, headers, child_id, received, "REFERRAL_TO_SOCIAL_CARE", source
    )
    return await case_now(client, headers, contact["referralId"])


DECISION_LATE = "decisionLateReason decisionLateReasonRecordedBy decisionLateReasonRecordedAt"


async def decision_late(
    client: httpx.AsyncClient, headers: dict[str, str], case_id: str
) -> dict[str, Any]:
    """Why the case's decision was late, who gave the reason after it was made, and when."""
    query = f"query ($id: ID!) {{ case(id: $id) {{ {DECISION_LATE} }} }}"
    found = await graphql(client, headers, query, {"id": case_id})
    return found["case"]  # type: ignore[no-any-return]


async def case_now(
    client: httpx.AsyncClient, headers: dict[str, str], case_id: str
) -> dict[str, Any]:
    """The case as it is stored now (to show that a refused action changed nothing)."""
    found = await graphql(
        client,
        headers,
        f"query ($id: ID!) {{ case(id: $id) {{ __typename {CASE_FIELDS} }} }}",
        {"id": case_id},
    )
    return found["case"]  # type: ignore[no-any-return]


def step(record: dict[str, Any], kind: str, status: str | None = None) -> dict[str, Any]:
    """The last step of `kind` (optionally in `status`)."""
    found = [s for s in record["steps"] if s["kind"] == kind and status in (None, s["status"])]
    assert found, (kind, status, [(s["kind"], s["status"]) for s in record["steps"]])
    return found[-1]


def answered(record: dict[str, Any], kind: str) -> list[tuple[Any, ...]]:
    """Each held step of `kind` in the order it happened: the day, the day it was due and
    whether it was late by it."""
    return sorted(
        (s["completedDate"], s["dueDate"], s["completedLate"])
        for s in record["steps"]
        if s["kind"] == kind and s["status"] == "DONE"
    )


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
# The children performance staff see in need, and on a child in need plan, on a day.
AS_AT = """query ($on: Date) { asAt(on: $on) { __typename ... on AsAt {
  openEpisodes { children { childId } } childInNeedPlans { children { childId } } } } }"""
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
    (started the day after the decision, finding neglect), each authorised the day the
    worker recorded it."""
    case = await act(
        client,
        worker,
        "decideReferral",
        case,
        {"decidedOn": decided_on.isoformat(), "primaryNeed": "N1_ABUSE_OR_NEGLECT"},
    )
    case = await decide(client, manager, "authoriseCase", case, on=decided_on.isoformat())
    started_on = (decided_on + timedelta(days=1)).isoformat()
    case = await act(client, worker, "startAssessment", case, {"startedOn": started_on})
    case = await act(
        client,
        worker,
        "completeAssessment",
        latest(case, "assessments"),
        {"completedOn": completed_on.isoformat(), "factors": ["NEGLECT"]},
    )
    case = await decide(
        client,
        manager,
        "authoriseAssessment",
        latest(case, "assessments"),
        on=completed_on.isoformat(),
    )
    assert case["status"] == "ACCEPTED", case
    assert latest(case, "assessments")["status"] == "AUTHORISED"
    return case


async def deliver_outbox(
    store: FalkorDBStore,
    settings: Settings,
    *,
    content_store: type[EmbeddedContentStore] = EmbeddedContentStore,
    later_ms: int = 1,
) -> DeliveryReport:
    """One pass of the Livelink outbox worker over the embedded content store (or a
    subclass of it), `later_ms` from now."""
    content = await content_store.open(settings.content_dir)
    try:
        worker = OutboxWorker(store, content, form_store=form_store_from_settings(settings))
        return await worker.deliver_due(now_ms() + later_ms)
    finally:
        await content.aclose()


GENERATE_FORM = """mutation ($child: ID!, $template: String!, $source: ID) {
  generateForm(childId: $child, templateKey: $template, sourceId: $source) {
  __typename ... on GeneratedForm { document { id } }
  ... on InvalidInput { problems { field rule } } } }"""
FILE_DOCUMENTS = """query ($id: ID!) { child(id: $id) { file {
  documents { id misfiled { byName reason } } folders { documents { id } } } } }"""
MISFILED_BEFORE = """query ($id: ID!) { child(id: $id) { file { documents {
  id misfiledBefore { at byName reason endedAt endedByName } } } } }"""


async def generated_form(
    client: httpx.AsyncClient, headers: dict[str, str], child_id: str, template: str, source: str
) -> str:
    """Generate a form of the source record; returns the document id."""
    variables = {"child": child_id, "template": template, "source": source}
    form = (await graphql(client, headers, GENERATE_FORM, variables))["generateForm"]
    assert form["__typename"] == "GeneratedForm", form
    return form["document"]["id"]  # type: ignore[no-any-return]


async def held_as_misfiled(settings: Settings) -> set[str]:
    """The documents the embedded Livelink store holds under the LCS-MISFILED hold."""
    content = await EmbeddedContentStore.open(settings.content_dir)
    try:
        return {
            record["document_id"]
            for path in content.record_paths()
            if "LCS-MISFILED" in (record := content.read_record(path)).get("holds", {})
        }
    finally:
        await content.aclose()
