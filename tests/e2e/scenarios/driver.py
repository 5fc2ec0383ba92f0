"""Driving a child's year of casework through the GraphQL API, with the dates it happened.

A scenario is written the way a practitioner would tell it ("referred on 2 June by the
school, strategy discussion the same day ..."); every step goes through the public API as
the demo social worker, and every decision and allocation through it as the demo team
manager, dated the day it was made. Nothing is written to the store behind the API's back;
the one exception is the first administrator, who comes in with the HR feed as
`lcs-hub import-workforce` loads it (no token can act before its subject is on record).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import httpx

from auth.tokens import LocalSigningKey, TokenIssuer
from hub.app import token_settings
from hub.settings import Settings
from tests.e2e.journey_helpers import (
    CARE_FIELDS,
    CASE_FIELDS,
    OUTCOMES,
    act,
    decide,
    latest,
    withdraw_in_error,
)
from tests.helpers import bearer, graphql
from workflow.ids import now_ms
from workflow.workforce import import_feed

if TYPE_CHECKING:
    from graph import GraphStore

RECORD_CONTACT = """
mutation ($input: RecordContactInput!) { recordContact(input: $input) { __typename
  ... on Contact { id childId } ... on InvalidInput { problems { field rule } } } }
"""
FINALISE = """
mutation ($id: ID!, $on: Date) { finaliseContact(contactId: $id,
    outcome: REFERRAL_TO_SOCIAL_CARE, on: $on) { __typename
  ... on FinalisedContact { contact { referralId } } } }
"""
CASE = "query ($id: ID!) {{ case(id: $id) {{ {fields} }} }}"
START_CARE = f"""
mutation ($input: StartLookedAfterInput!) {{ startLookedAfter(input: $input) {{
  __typename ... on PeriodOfCare {{ {CARE_FIELDS} }} {OUTCOMES} }} }}
"""


ADOPTION_FIELDS = (
    "id childId periodOfCareId status version decisionDate placementOrderDate matchedDate"
    " placedDate adoptionOrderDate ceasedDate ceasedReason adopterSex numberOfAdopters"
    " adoptersLegalStatus awaitingAuthorisationOf allowedActions"
)
DECIDE_ADOPTION = f"""
mutation ($input: DecideAdoptionInput!) {{ decideAdoption(input: $input) {{
  __typename ... on AdoptionPlan {{ {ADOPTION_FIELDS} }} {OUTCOMES} }} }}
"""
ADOPTION_INPUTS = {
    "recordPlacementOrder": "RecordPlacementOrderInput",
    "matchWithAdopters": "MatchWithAdoptersInput",
    "placeForAdoption": "PlaceForAdoptionInput",
    "grantAdoptionOrder": "GrantAdoptionOrderInput",
    "ceaseAdoptionPlan": "CeaseAdoptionPlanInput",
}
AUTHORISE_ADOPTION = f"""
mutation ($id: ID!, $version: Int!, $on: Date) {{ authoriseAdoptionPlan(adoptionPlanId: $id,
    version: $version, on: $on) {{ __typename ... on AdoptionPlan {{ {ADOPTION_FIELDS} }}
  {OUTCOMES} }} }}
"""
FACT_FIELDS = "id factKind on ceasedOn sex babyBornOn sdqScore upToDate"
FACT_OUTCOMES = (
    "... on InvalidInput { problems { field rule } } ... on NotAuthorised { reason }"
    " ... on NotFound { kind id }"
)
FACT_INPUTS = {
    "recordHomePostcode": "RecordHomePostcodeInput",
    "recordDisabilities": "RecordDisabilitiesInput",
    "recordUascStatus": "RecordUascStatusInput",
    "recordUpnUnknown": "RecordUpnUnknownInput",
    "recordPreviousPermanence": "RecordPreviousPermanenceInput",
    "recordDentalCheck": "FactOnDayInput",
    "recordImmunisations": "RecordImmunisationsInput",
    "recordSdq": "RecordSdqInput",
    "recordConviction": "FactOnDayInput",
    "recordSubstanceMisuse": "RecordSubstanceMisuseInput",
    "recordMotherhood": "RecordMotherhoodInput",
    "recordBirth": "RecordBirthInput",
}
# Real Hertfordshire postcodes, the county's (the DfE rules look them up for the
# placement's distance and local authority); a scenario names its own where it matters.
HOME_POSTCODE = "SG1 1HN"
PLACEMENT_POSTCODE = "SG2 0JU"
ALLOCATE = f"""
mutation ($input: AllocateChildInput!) {{ allocateChild(input: $input) {{ __typename
  ... on Allocation {{ id workerId startDate }} {OUTCOMES} }} }}
"""
IMPORT_WORKFORCE = """
mutation ($csv: String!) { importWorkforce(csv: $csv) { __typename
  ... on WorkforceImported { created problems { line field reason } } } }
"""
# The county's staff. The demo social worker and team manager act in every scenario; two
# colleagues of the same team cover absences and take children on (reallocations), and
# one of them left in November 2025. The performance analyst reads the as-at view.
FIRST_ADMINISTRATOR = (
    "worker_id,name,role,team_id,team_name,start_date\n"
    "admin-county,Ada Admin,system_administrator,team-systems,Systems,2014-01-06\n"
)
WORKFORCE = (
    "worker_id,name,role,team_id,team_name,manager_id,start_date,end_date,registration_number\n"
    "worker-tm-demo,Alex Morgan,team_manager,team-safeguarding-north,Safeguarding North,,"
    "2014-01-06,,SW100001\n"
    "worker-sw-demo,Sam Patel,social_worker,team-safeguarding-north,,worker-tm-demo,"
    "2015-09-01,,SW100002\n"
    "worker-sw-cover,Jordan Blake,social_worker,team-safeguarding-north,,worker-tm-demo,"
    "2016-02-01,,SW100003\n"
    "worker-sw-leaver,Robin Hale,social_worker,team-safeguarding-north,,worker-tm-demo,"
    "2018-04-03,2025-11-28,SW100004\n"
    "analyst-county,Pat Analyst,performance_analyst,team-performance,Performance,,"
    "2019-01-07,,\n"
)


# Issuing a token reads the signing key and signs (tens of milliseconds); a county's year
# is hundreds of requests by the same two people, so each signs in once per key.
_SIGNED_IN: dict[tuple[str, str], dict[str, str]] = {}


def persona_headers(settings: Settings, persona: str) -> dict[str, str]:
    """A demo persona's headers, issued once per signing key (each test has its own)."""
    key = (str(settings.key_path), persona)
    if key not in _SIGNED_IN:
        _SIGNED_IN[key] = bearer(settings, persona)
    return _SIGNED_IN[key]


def bearer_for(
    settings: Settings, subject: str, role: str, team: str | None = None
) -> dict[str, str]:
    """The headers of a county member who is not one of the demo personas."""
    rules = token_settings(settings)
    issuer = TokenIssuer(rules, LocalSigningKey.load_or_create(rules.key_path))
    token = issuer.issue(subject, subject, role, "agency-la", team)
    return {"Authorization": f"Bearer {token}"}


async def staff_the_county(
    client: httpx.AsyncClient, settings: Settings, store: GraphStore
) -> None:
    """The first administrator from the HR feed, then the team through the API."""
    report = await import_feed(store, FIRST_ADMINISTRATOR, "hr-feed", now_ms())
    assert not report.problems, report
    admin = bearer_for(settings, "admin-county", "system_administrator")
    loaded = await graphql(client, admin, IMPORT_WORKFORCE, {"csv": WORKFORCE})
    assert loaded["importWorkforce"] == {
        "__typename": "WorkforceImported",
        "created": 5,
        "problems": [],
    }, loaded


def _ok(result: dict[str, Any], typename: str = "Case") -> dict[str, Any]:
    assert result["__typename"] == typename, result
    return result


@dataclass
class Child:
    """One child's casework, driven step by step; `case` is the current episode."""

    client: httpx.AsyncClient
    settings: Settings
    name: str
    born: date
    # An unborn child is referred with the expected date of birth (`born`).
    unborn: bool = False
    # Who the child is, as the census and the 903 ask: recorded with the first contact.
    sex: str = "U"
    ethnicity: str | None = None
    upn: str | None = None
    # Why a child has no UPN (e.g. not of school age), recorded with the first contact.
    upn_unknown: str | None = None
    # The worker has seen the children the hub suggested and says this one is new (many
    # generated children may share a given name and a birthday by chance).
    confirm_new: bool = False
    child_id: str = ""
    allocated: bool = False
    case: dict[str, Any] = field(default_factory=dict)
    care: dict[str, Any] = field(default_factory=dict)
    adoption_plan: dict[str, Any] = field(default_factory=dict)

    @property
    def worker(self) -> dict[str, str]:
        return persona_headers(self.settings, "social-worker")

    @property
    def manager(self) -> dict[str, str]:
        return persona_headers(self.settings, "team-manager")

    async def referred(self, on: date, source: str = "SCHOOLS") -> Child:
        """A contact received and finalised as a referral the same day: a new episode."""
        given, family = self.name.split(" ", 1)
        new_child: dict[str, Any] = {"givenName": given, "familyName": family}
        if self.unborn:
            new_child |= {"unborn": True, "expectedDateOfBirth": self.born.isoformat()}
        else:
            new_child |= {"dateOfBirth": self.born.isoformat(), "sex": self.sex}
            new_child |= {"upn": self.upn} if self.upn else {}
        new_child |= {"ethnicity": self.ethnicity} if self.ethnicity else {}
        is_new = not self.child_id
        contact = {
            "receivedDate": on.isoformat(),
            "source": source,
            "summary": f"Referral about {given}.",
            **({"childId": self.child_id} if self.child_id else {"child": new_child}),
        }
        if is_new and self.confirm_new:
            contact["confirmNewChild"] = True
        recorded = _ok(
            (await graphql(self.client, self.worker, RECORD_CONTACT, {"input": contact}))[
                "recordContact"
            ],
            "Contact",
        )
        self.child_id = recorded["childId"]
        if is_new and self.upn_unknown:
            await self.fact("recordUpnUnknown", on=on, reason=self.upn_unknown)
        finalised = await graphql(
            self.client, self.worker, FINALISE, {"id": recorded["id"], "on": on.isoformat()}
        )
        referral = _ok(finalised["finaliseContact"], "FinalisedContact")["contact"]["referralId"]
        found = await graphql(
            self.client, self.worker, CASE.format(fields=CASE_FIELDS), {"id": referral}
        )
        self.case = found["case"]
        return self

    async def refreshed(self) -> dict[str, Any]:
        """The current episode, read again."""
        found = await graphql(
            self.client, self.worker, CASE.format(fields=CASE_FIELDS), {"id": self.case["id"]}
        )
        self.case = found["case"]
        return self.case

    async def _act(self, action: str, record: dict[str, Any], data: dict[str, Any]) -> None:
        self.case = _ok(await act(self.client, self.worker, action, record, data))

    async def _authorise(self, name: str, record: dict[str, Any], on: date) -> None:
        self.case = _ok(await decide(self.client, self.manager, name, record, on=on.isoformat()))

    async def accepted(self, on: date, need: str = "N1_ABUSE_OR_NEGLECT") -> Child:
        """The referral decided and authorised; a child no one holds yet is allocated to
        the demo social worker that day (the 903's social worker episodes begin there)."""
        await self._act(
            "decideReferral", self.case, {"decidedOn": on.isoformat(), "primaryNeed": need}
        )
        await self._authorise("authoriseCase", self.case, on)
        if not self.allocated:
            await self.allocated_to("worker-sw-demo", on, "FCONTA_FIRST_CONTACT_OR_REREFERRAL")
        return self

    async def no_further_action(self, on: date) -> Child:
        await self._act("closeWithNoFurtherAction", self.case, {"on": on.isoformat()})
        await self._authorise("authoriseCase", self.case, on)
        return self

    async def assessment_started(self, on: date) -> Child:
        await self._act("startAssessment", self.case, {"startedOn": on.isoformat()})
        return self

    async def assessment_authorised(
        self, completed: date, authorised: date, factors: tuple[str, ...] = ("NEGLECT",)
    ) -> Child:
        assessment = latest(self.case, "assessments")
        data = {"completedOn": completed.isoformat(), "factors": list(factors), "lateReason": "-"}
        await self._act("completeAssessment", assessment, data)
        await self._authorise("authoriseAssessment", latest(self.case, "assessments"), authorised)
        return self

    async def withdrawn_in_error(self, kind: str, on: date) -> Child:
        """The latest record of `kind` (assessments, section47Enquiries, childInNeedPlans)
        withdrawn as started in error, the manager agreeing the same day."""
        self.case = await withdraw_in_error(
            self.client, self.worker, self.manager, self.case, kind, on.isoformat()
        )
        return self

    async def strategy_discussion(self, on: date) -> Child:
        await self._act("holdStrategyDiscussion", self.case, {"heldOn": on.isoformat()})
        return self

    async def enquiry_concluded(self, on: date, conference: bool) -> Child:
        action = "requestInitialConference" if conference else "concludeEnquiryWithoutConference"
        await self._act(
            action, latest(self.case, "section47Enquiries"), {"concludedOn": on.isoformat()}
        )
        return self

    async def conference(self, on: date, *categories: str) -> Child:
        data = {
            "heldOn": on.isoformat(),
            "planRequired": bool(categories),
            "categoriesOfAbuse": list(categories),
            "lateReason": "-",
        }
        await self._act("holdInitialConference", latest(self.case, "initialConferences"), data)
        return self

    async def transfer_in_conference(self, on: date, *categories: str) -> Child:
        data = {
            "heldOn": on.isoformat(),
            "planRequired": bool(categories),
            "categoriesOfAbuse": list(categories),
        }
        await self._act("holdTransferInConference", self.case, data)
        return self

    async def review_conference(self, on: date, *categories: str) -> Child:
        """A review conference; `categories` when the latest category of abuse changes."""
        plan = latest(self.case, "childProtectionPlans")
        data: dict[str, Any] = {"heldOn": on.isoformat(), "lateReason": "-"}
        if categories:
            data["categoriesOfAbuse"] = list(categories)
        await self._act("holdReviewConference", plan, data)
        return self

    async def core_group(self, on: date) -> Child:
        plan = latest(self.case, "childProtectionPlans")
        await self._act("holdCoreGroup", plan, {"heldOn": on.isoformat(), "lateReason": "-"})
        return self

    async def visited(self, on: date, plan: str = "childProtectionPlans") -> Child:
        """A visit to the child (seen alone) under the latest CP or CIN plan."""
        action = {
            "childProtectionPlans": "recordChildProtectionVisit",
            "childInNeedPlans": "recordChildInNeedVisit",
        }[plan]
        data = {"visitedOn": on.isoformat(), "seenAlone": True, "lateReason": "-"}
        await self._act(action, latest(self.case, plan), data)
        return self

    async def child_in_need_plan_reviewed(self, on: date) -> Child:
        plan = latest(self.case, "childInNeedPlans")
        await self._act(
            "reviewChildInNeedPlan", plan, {"heldOn": on.isoformat(), "lateReason": "-"}
        )
        return self

    async def protection_plan_ended(self, on: date, reason: str = "AT_REVIEW_CONFERENCE") -> Child:
        plan = latest(self.case, "childProtectionPlans")
        data = {"endedOn": on.isoformat(), "reason": reason, "lateReason": "-"}
        await self._act("endChildProtectionPlan", plan, data)
        return self

    async def child_in_need_plan(self, on: date) -> Child:
        await self._act("startChildInNeedPlan", self.case, {"startDate": on.isoformat()})
        return self

    async def child_in_need_plan_ended(self, on: date) -> Child:
        plan = latest(self.case, "childInNeedPlans")
        await self._act("endChildInNeedPlan", plan, {"endedOn": on.isoformat()})
        return self

    async def closed(self, on: date, reason: str, authorised: date | None = None) -> Child:
        await self.closure_proposed(on, reason)
        await self._authorise("authoriseCase", self.case, authorised or on)
        return self

    async def closure_proposed(self, on: date, reason: str) -> Child:
        await self._act("closeCase", self.case, {"closedOn": on.isoformat(), "reason": reason})
        return self

    async def decision_proposed(self, on: date, need: str = "N1_ABUSE_OR_NEGLECT") -> Child:
        data = {"decidedOn": on.isoformat(), "primaryNeed": need, "lateReason": "-"}
        await self._act("decideReferral", self.case, data)
        return self

    async def assessment_returned(self, completed: date, returned: date) -> Child:
        assessment = latest(self.case, "assessments")
        data = {"completedOn": completed.isoformat(), "factors": ["NEGLECT"], "lateReason": "-"}
        await self._act("completeAssessment", assessment, data)
        assessment = latest(self.case, "assessments")
        self.case = _ok(
            await decide(
                self.client,
                self.manager,
                "returnAssessmentForRework",
                assessment,
                reason="Say what the child said.",
                on=returned.isoformat(),
            )
        )
        return self

    async def looked_after(self, on: date, legal_status: str = "C1_INTERIM_CARE_ORDER") -> Child:
        return await self.looked_after_in(on, legal_status, "U6_FOSTER_OTHER_CARER_OTHER")

    async def care_ceased(self, on: date, reason: str = "E4A_RETURNED_HOME_AS_PLANNED") -> Child:
        data = {"endedOn": on.isoformat(), "reason": reason}
        self.care = _ok(
            await act(self.client, self.worker, "ceaseLookedAfter", self.care, data), "PeriodOfCare"
        )
        self.care = _ok(
            await decide(
                self.client, self.manager, "authorisePeriodOfCare", self.care, on=on.isoformat()
            ),
            "PeriodOfCare",
        )
        return self

    async def _care_act(self, action: str, data: dict[str, Any]) -> None:
        self.care = _ok(
            await act(self.client, self.worker, action, self.care, data), "PeriodOfCare"
        )

    async def looked_after_in(
        self,
        on: date,
        legal_status: str,
        placement: str,
        provider: str = "PR1_OWN_PROVISION",
        **details: Any,
    ) -> Child:
        """A new period of care in a named placement (`details`: postcode, URN, ...); the
        903 asks where the child lived before and any previous permanence, recorded first."""
        await self.fact("recordHomePostcode", on=on, postcode=HOME_POSTCODE)
        await self.fact("recordPreviousPermanence", on=on, permanence="Z1_NONE")
        data = {
            "childId": self.child_id,
            "startedOn": on.isoformat(),
            "legalStatus": legal_status,
            "placementType": placement,
            "placementProvider": provider,
            "placementPostcode": PLACEMENT_POSTCODE,
            **details,
        }
        started = await graphql(self.client, self.worker, START_CARE, {"input": data})
        self.care = _ok(started["startLookedAfter"], "PeriodOfCare")
        return self

    async def placement_changed(
        self,
        on: date,
        placement: str,
        provider: str = "PR1_OWN_PROVISION",
        reason: str = "CARPL_CARE_PLAN",
        **details: Any,
    ) -> Child:
        data = {
            "changedOn": on.isoformat(),
            "placementType": placement,
            "placementProvider": provider,
            "reason": reason,
            "placementPostcode": PLACEMENT_POSTCODE,
            **details,
        }
        await self._care_act("changePlacement", data)
        return self

    async def legal_status_changed(self, on: date, legal_status: str) -> Child:
        await self._care_act(
            "changeLegalStatus", {"changedOn": on.isoformat(), "legalStatus": legal_status}
        )
        return self

    async def looked_after_review(self, on: date, participation: str) -> Child:
        data = {"heldOn": on.isoformat(), "participation": participation, "lateReason": "-"}
        await self._care_act("holdLookedAfterReview", data)
        return self

    async def statutory_visit(self, on: date) -> Child:
        await self._care_act("recordStatutoryVisit", {"on": on.isoformat(), "lateReason": "-"})
        return self

    async def personal_education_plan(self, on: date) -> Child:
        data = {"on": on.isoformat(), "lateReason": "-"}
        await self._care_act("recordPersonalEducationPlan", data)
        return self

    async def health_assessment(self, on: date) -> Child:
        await self._care_act("recordHealthAssessment", {"on": on.isoformat(), "lateReason": "-"})
        return self

    async def went_missing(
        self, on: date, returned: date | None = None, kind: str = "M_MISSING"
    ) -> Child:
        """Missing or away from placement; the return may be recorded later on the same
        episode (the same start, now with `returned`)."""
        data: dict[str, Any] = {"type": kind, "startedOn": on.isoformat()}
        if returned:
            data["returnedOn"] = returned.isoformat()
        await self._care_act("recordMissingEpisode", data)
        return self

    async def left_care(
        self, on: date, reason: str, care_leaver: bool = False, authorised: date | None = None
    ) -> Child:
        data = {"endedOn": on.isoformat(), "reason": reason, "careLeaver": care_leaver}
        await self._care_act("ceaseLookedAfter", data)
        self.care = _ok(
            await decide(
                self.client,
                self.manager,
                "authorisePeriodOfCare",
                self.care,
                on=(authorised or on).isoformat(),
            ),
            "PeriodOfCare",
        )
        return self

    async def care_leaver_contact(
        self,
        on: date,
        activity: str = "F2_FULL_TIME_OTHER_EDUCATION",
        accommodation: str = "D1_SEMI_INDEPENDENT_SUITABLE",
        in_touch: str = "YES_IN_TOUCH",
    ) -> Child:
        data = {
            "on": on.isoformat(),
            "inTouch": in_touch,
            "activity": activity,
            "accommodation": accommodation,
            "lateReason": "-",
        }
        await self._care_act("recordCareLeaverContact", data)
        return self

    async def adoption_decided(self, on: date) -> Child:
        data = {"periodOfCareId": self.care["id"], "decidedOn": on.isoformat()}
        decided = await graphql(self.client, self.worker, DECIDE_ADOPTION, {"input": data})
        self.adoption_plan = _ok(decided["decideAdoption"], "AdoptionPlan")
        return self

    async def adoption_step(self, action: str, **data: Any) -> Child:
        """A step of the plan for adoption (recordPlacementOrder, matchWithAdopters, ...)."""
        query = (
            f"mutation ($id: ID!, $version: Int!, $input: {ADOPTION_INPUTS[action]}!) {{"
            f" {action}(adoptionPlanId: $id, version: $version, input: $input) {{ __typename"
            f" ... on AdoptionPlan {{ {ADOPTION_FIELDS} }} {OUTCOMES} }} }}"
        )
        variables = {
            "id": self.adoption_plan["id"],
            "version": self.adoption_plan["version"],
            "input": {k: v.isoformat() if isinstance(v, date) else v for k, v in data.items()},
        }
        done = await graphql(self.client, self.worker, query, variables)
        self.adoption_plan = _ok(done[action], "AdoptionPlan")
        return self

    async def adoption_plan_ceased(self, on: date, reason: str, authorised: date) -> Child:
        """The decision reversed (SSDA903 PlacedAdoption), which a manager agrees."""
        await self.adoption_step("ceaseAdoptionPlan", ceasedOn=on, reason=reason)
        variables = {
            "id": self.adoption_plan["id"],
            "version": self.adoption_plan["version"],
            "on": authorised.isoformat(),
        }
        agreed = await graphql(self.client, self.manager, AUTHORISE_ADOPTION, variables)
        self.adoption_plan = _ok(agreed["authoriseAdoptionPlan"], "AdoptionPlan")
        return self

    async def fact(self, mutation: str, **data: Any) -> dict[str, Any]:
        """A statutory fact about the child (schema/facts.py), dated when it happened."""
        # Only a birth can be refused as a transition (the child is born already).
        outcomes = OUTCOMES if mutation == "recordBirth" else FACT_OUTCOMES
        query = (
            f"mutation ($input: {FACT_INPUTS[mutation]}!) {{ {mutation}(input: $input) {{"
            f" __typename ... on ChildFact {{ {FACT_FIELDS} }} {outcomes} }} }}"
        )
        values = {k: v.isoformat() if isinstance(v, date) else v for k, v in data.items()}
        recorded = await graphql(
            self.client, self.worker, query, {"input": {"childId": self.child_id, **values}}
        )
        return _ok(recorded[mutation], "ChildFact")

    async def allocated_to(self, worker_id: str, on: date, reason: str) -> Child:
        """The team manager allocates the child to a social worker (a reallocation ends the
        allocation before it)."""
        data = {
            "childId": self.child_id,
            "workerId": worker_id,
            "on": on.isoformat(),
            "reason": reason,
        }
        allocated = await graphql(self.client, self.manager, ALLOCATE, {"input": data})
        _ok(allocated["allocateChild"], "Allocation")
        self.allocated = True
        return self
