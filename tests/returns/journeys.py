"""Looked-after journeys recorded through GraphQL with the dates they happened, for the
returns' tests: each function is one child's story in the 2024-25 and 2025-26 years.

Codes are given as the DfE writes them and turned into the GraphQL enum names here, so
a story reads like the 903 guide.
"""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import httpx

from graph import FalkorDBStore
from tests.e2e.journey_helpers import CARE_FIELDS, OUTCOMES, act, decide, referral_for
from tests.helpers import graphql
from workflow import codes, identifiers

START = f"""mutation ($input: StartLookedAfterInput!) {{ startLookedAfter(input: $input) {{
  __typename ... on PeriodOfCare {{ {CARE_FIELDS} }} {OUTCOMES} }} }}"""
PLAN = "id status version decisionDate"
DECIDE_ADOPTION = f"""mutation ($input: DecideAdoptionInput!) {{ decideAdoption(input: $input)
  {{ __typename ... on AdoptionPlan {{ {PLAN} }} {OUTCOMES} }} }}"""
ADOPTION_INPUTS = {
    "recordPlacementOrder": "RecordPlacementOrderInput",
    "matchWithAdopters": "MatchWithAdoptersInput",
    "placeForAdoption": "PlaceForAdoptionInput",
    "grantAdoptionOrder": "GrantAdoptionOrderInput",
    "ceaseAdoptionPlan": "CeaseAdoptionPlanInput",
}
APPROVE_HOUSEHOLD = """mutation ($input: ApproveFosteringHouseholdInput!) {
  approveFosteringHousehold(input: $input) { __typename ... on FosteringHousehold { id } } }"""
SHORT_BREAK = """mutation ($input: RecordShortBreakInput!) { recordShortBreak(input: $input) {
  __typename ... on ShortBreak { id } ... on InvalidInput { problems { field rule } } } }"""
FACT_INPUTS = {
    "recordHomePostcode": "RecordHomePostcodeInput",
    "recordUascStatus": "RecordUascStatusInput",
    "recordPreviousPermanence": "RecordPreviousPermanenceInput",
    "recordDentalCheck": "FactOnDayInput",
    "recordImmunisations": "RecordImmunisationsInput",
    "recordSdq": "RecordSdqInput",
    "recordMotherhood": "RecordMotherhoodInput",
    "recordUpnUnknown": "RecordUpnUnknownInput",
    "recordDisabilities": "RecordDisabilitiesInput",
    "recordPreviousChildProtectionPlans": "RecordPreviousChildProtectionPlansInput",
    "recordDeprivationOfLiberty": "RecordDeprivationOfLibertyInput",
}
# Real Hertfordshire postcodes (the DfE validator looks them up for the placement's
# distance and local authority).
HOME = "SG1 1HN"
PLACEMENT = "SG2 0JU"


def hertfordshire_upn(child_id: str) -> str:
    """A permanent UPN with Hertfordshire's DfE number (919) and its check letter, the
    same for a child every run."""
    rng = random.Random(child_id)
    body = f"919{rng.randint(2000, 2999):04d}{rng.randint(10, 25):02d}{rng.randint(0, 999):03d}"
    return identifiers.upn_check_letter(body) + body


def code(enum: type[codes.DfECode], value: str) -> str:
    """The GraphQL name of a DfE code."""
    return enum.from_code(value).name


class Recorder:
    """One worker and manager recording stories for children of the demo county."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        store: FalkorDBStore,
        worker: dict[str, str],
        manager: dict[str, str],
    ) -> None:
        self.client, self.store, self.worker, self.manager = client, store, worker, manager

    async def born(
        self, child_id: str, on: str, sex: str, *, allocated_from: str, upn: bool = True
    ) -> None:
        """The demo child's birth, and since when its social worker has held the case (the
        county allocated it on the day it was generated; these stories begin earlier)."""
        await self.store.write(
            """MATCH (c:Child {id: $id})<-[:ABOUT]-(a:Allocation) WHERE a.endDate IS NOT NULL
               DETACH DELETE a""",
            {"id": child_id},
        )
        await self.store.write(
            """MATCH (c:Child {id: $id}) SET c.dateOfBirth = date($born), c.sex = $sex
               WITH c MATCH (c)<-[:ABOUT]-(a:Allocation) SET a.startDate = date($from)""",
            {"id": child_id, "born": on, "sex": sex, "from": allocated_from},
        )
        if upn:
            # A UPN issued by Hertfordshire (the return's LA): the demo county's UPNs carry
            # an LA number never allocated, which the DfE's rule 1530 rightly reports.
            number = hertfordshire_upn(child_id)
            await self.store.write(
                "MATCH (c:Child {id: $id}) SET c.upn = $upn",
                {"id": child_id, "upn": number},
            )
        else:
            await self.store.write("MATCH (c:Child {id: $id}) SET c.upn = null", {"id": child_id})
            await self.fact(
                "recordUpnUnknown", child_id, on=on, reason=code(codes.UPNUnknown, "UN1")
            )

    async def referred(self, child_id: str, on: str, need: str) -> None:
        """A referral decided with the child's category of need (the 903 CIN column)."""
        case = await referral_for(self.client, self.worker, child_id, date.fromisoformat(on))
        decided = await act(
            self.client,
            self.worker,
            "decideReferral",
            case,
            {"decidedOn": on, "primaryNeed": code(codes.PrimaryNeedCode, need)},
        )
        authorised = await decide(self.client, self.manager, "authoriseCase", decided)
        assert authorised["status"] != "REFERRAL_DECISION_AWAITING_AUTHORISATION", authorised

    async def fact(self, mutation: str, child_id: str, **data: Any) -> None:
        query = (
            f"mutation ($input: {FACT_INPUTS[mutation]}!) {{ {mutation}(input: $input) {{"
            f" __typename ... on InvalidInput {{ problems {{ field rule }} }} }} }}"
        )
        found = await graphql(
            self.client, self.worker, query, {"input": {"childId": child_id, **data}}
        )
        assert found[mutation]["__typename"] == "ChildFact", (mutation, found)

    async def start(
        self,
        child_id: str,
        on: str,
        legal_status: str,
        place: str,
        provider: str = "PR1",
        *,
        urn: str | None = None,
        permanence: str = "Z1",
        home: str | None = HOME,
    ) -> dict[str, Any]:
        if home is not None:
            await self.fact("recordHomePostcode", child_id, on=on, postcode=home)
        await self.fact(
            "recordPreviousPermanence",
            child_id,
            on=on,
            permanence=code(codes.PreviousPermanence, permanence),
        )
        data = {
            "childId": child_id,
            "startedOn": on,
            "legalStatus": code(codes.LegalStatus, legal_status),
            "placementType": code(codes.PlacementType, place),
            "placementProvider": code(codes.PlacementProvider, provider),
            "placementPostcode": PLACEMENT,
            "urn": urn,
        }
        care = (await graphql(self.client, self.worker, START, {"input": data}))["startLookedAfter"]
        assert care["__typename"] == "PeriodOfCare", care
        return care  # type: ignore[no-any-return]

    async def act(self, action: str, care: dict[str, Any], **data: Any) -> dict[str, Any]:
        done = await act(self.client, self.worker, action, care, data)
        assert done["__typename"] == "PeriodOfCare", (action, done)
        return done

    async def move(
        self,
        care: dict[str, Any],
        on: str,
        place: str,
        reason: str = "CARPL",
        provider: str = "PR1",
        *,
        postcode: str = PLACEMENT,
        **extra: Any,
    ) -> dict[str, Any]:
        return await self.act(
            "changePlacement",
            care,
            changedOn=on,
            placementType=code(codes.PlacementType, place),
            placementProvider=code(codes.PlacementProvider, provider),
            reason=code(codes.ReasonPlaceChange, reason),
            placementPostcode=postcode,
            **extra,
        )

    async def legal_status(self, care: dict[str, Any], on: str, status: str) -> dict[str, Any]:
        return await self.act(
            "changeLegalStatus", care, changedOn=on, legalStatus=code(codes.LegalStatus, status)
        )

    async def review(self, care: dict[str, Any], on: str, code_: str = "PN1") -> dict[str, Any]:
        return await self.act(
            "holdLookedAfterReview",
            care,
            heldOn=on,
            participation=code(codes.ReviewParticipation, code_),
            lateReason="Reconvened at the young person's request.",
        )

    async def cease(
        self, care: dict[str, Any], on: str, reason: str, *, leaver: bool = False
    ) -> dict[str, Any]:
        ceasing = await self.act(
            "ceaseLookedAfter",
            care,
            endedOn=on,
            reason=code(codes.ReasonEpisodeCeased, reason),
            careLeaver=leaver,
        )
        done = await decide(self.client, self.manager, "authorisePeriodOfCare", ceasing)
        assert done["__typename"] == "PeriodOfCare", done
        return done

    async def adoption(self, care: dict[str, Any], on: str) -> dict[str, Any]:
        data = {"periodOfCareId": care["id"], "decidedOn": on}
        plan = (await graphql(self.client, self.worker, DECIDE_ADOPTION, {"input": data}))[
            "decideAdoption"
        ]
        assert plan["__typename"] == "AdoptionPlan", plan
        return plan  # type: ignore[no-any-return]

    async def adopt(self, action: str, plan: dict[str, Any], **data: Any) -> dict[str, Any]:
        query = (
            f"mutation ($id: ID!, $version: Int!, $input: {ADOPTION_INPUTS[action]}!) {{"
            f" {action}(adoptionPlanId: $id, version: $version, input: $input) {{ __typename"
            f" ... on AdoptionPlan {{ {PLAN} }} {OUTCOMES} }} }}"
        )
        variables = {"id": plan["id"], "version": plan["version"], "input": data}
        done = (await graphql(self.client, self.worker, query, variables))[action]
        assert done["__typename"] == "AdoptionPlan", (action, done)
        return done  # type: ignore[no-any-return]

    async def authorise_adoption(self, plan: dict[str, Any]) -> dict[str, Any]:
        query = (
            f"mutation ($id: ID!, $version: Int!) {{ authoriseAdoptionPlan(adoptionPlanId: $id,"
            f" version: $version) {{ __typename ... on AdoptionPlan {{ {PLAN} }} {OUTCOMES} }} }}"
        )
        found = await graphql(
            self.client, self.manager, query, {"id": plan["id"], "version": plan["version"]}
        )
        done = found["authoriseAdoptionPlan"]
        assert done["__typename"] == "AdoptionPlan", done
        return done  # type: ignore[no-any-return]

    async def missing(
        self, care: dict[str, Any], kind: str, started: str, returned: str | None = None
    ) -> dict[str, Any]:
        return await self.act(
            "recordMissingEpisode",
            care,
            type=code(codes.MissingType, kind),
            startedOn=started,
            returnedOn=returned,
        )

    async def short_breaks_household(self, approved_on: str) -> str:
        """A household approved by the manager to give short breaks; its id."""
        data = {
            "name": "A short breaks household",
            "approvalType": "SHORT_BREAKS",
            "approvedOn": approved_on,
            "capacity": 2,
        }
        found = await graphql(self.client, self.manager, APPROVE_HOUSEHOLD, {"input": data})
        household = found["approveFosteringHousehold"]
        assert household["__typename"] == "FosteringHousehold", household
        return str(household["id"])

    async def short_break(
        self,
        child_id: str,
        legal_status: str,
        started: str,
        ended: str | None,
        household_id: str,
        place: str = "U6",
    ) -> None:
        """A short break (V3) or a short breaks agreement (V4) with an approved household."""
        data = {
            "childId": child_id,
            "legalStatus": code(codes.LegalStatus, legal_status),
            "startedOn": started,
            "endedOn": ended,
            "placementType": code(codes.PlacementType, place),
            "placementProvider": code(codes.PlacementProvider, "PR1"),
            "householdId": household_id,
        }
        found = await graphql(self.client, self.worker, SHORT_BREAK, {"input": data})
        assert found["recordShortBreak"]["__typename"] == "ShortBreak", found

    async def contact(
        self, care: dict[str, Any], on: str, activity: str, accom: str
    ) -> dict[str, Any]:
        return await self.act(
            "recordCareLeaverContact",
            care,
            on=on,
            inTouch=code(codes.CareLeaverInTouch, "YES"),
            activity=code(codes.CareLeaverActivity, activity),
            accommodation=code(codes.CareLeaverAccommodation, accom),
            lateReason="Recorded from the personal adviser's notes.",
        )
