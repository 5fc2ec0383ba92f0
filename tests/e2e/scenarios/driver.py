"""Driving a child's year of casework through the GraphQL API, with the dates it happened.

A scenario is written the way a practitioner would tell it ("referred on 2 June by the
school, strategy discussion the same day ..."); every step goes through the public API as
the demo social worker, and every decision through it as the demo team manager, dated
the day it was made. Nothing is written to the store behind the API's back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx

from hub.settings import Settings
from tests.e2e.journey_helpers import CARE_FIELDS, CASE_FIELDS, OUTCOMES, act, decide, latest
from tests.helpers import bearer, graphql

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
    child_id: str = ""
    case: dict[str, Any] = field(default_factory=dict)
    care: dict[str, Any] = field(default_factory=dict)

    @property
    def worker(self) -> dict[str, str]:
        return bearer(self.settings, "social-worker")

    @property
    def manager(self) -> dict[str, str]:
        return bearer(self.settings, "team-manager")

    async def referred(self, on: date, source: str = "SCHOOLS") -> Child:
        """A contact received and finalised as a referral the same day: a new episode."""
        given, family = self.name.split(" ", 1)
        new_child: dict[str, Any] = {"givenName": given, "familyName": family}
        if self.unborn:
            new_child |= {"unborn": True, "expectedDateOfBirth": self.born.isoformat()}
        else:
            new_child["dateOfBirth"] = self.born.isoformat()
        contact = {
            "receivedDate": on.isoformat(),
            "source": source,
            "summary": f"Referral about {given}.",
            **({"childId": self.child_id} if self.child_id else {"child": new_child}),
        }
        recorded = _ok(
            (await graphql(self.client, self.worker, RECORD_CONTACT, {"input": contact}))[
                "recordContact"
            ],
            "Contact",
        )
        self.child_id = recorded["childId"]
        finalised = await graphql(
            self.client, self.worker, FINALISE, {"id": recorded["id"], "on": on.isoformat()}
        )
        referral = finalised["finaliseContact"]["contact"]["referralId"]
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
        await self._act(
            "decideReferral", self.case, {"decidedOn": on.isoformat(), "primaryNeed": need}
        )
        await self._authorise("authoriseCase", self.case, on)
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

    async def review_conference(self, on: date) -> Child:
        plan = latest(self.case, "childProtectionPlans")
        await self._act("holdReviewConference", plan, {"heldOn": on.isoformat(), "lateReason": "-"})
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
        data = {
            "childId": self.child_id,
            "startedOn": on.isoformat(),
            "legalStatus": legal_status,
            "placementType": "U6_FOSTER_OTHER_CARER_OTHER",
            "placementProvider": "PR1_OWN_PROVISION",
        }
        started = await graphql(self.client, self.worker, START_CARE, {"input": data})
        self.care = _ok(started["startLookedAfter"], "PeriodOfCare")
        return self

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
