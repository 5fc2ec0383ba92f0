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
from hub.settings import Settings
from tests.e2e.journey_helpers import (
    CARE_FIELDS,
    OUTCOMES,
    act,
    assessed,
    decide,
    demo_county,
    latest,
    referral_for,
)
from tests.helpers import bearer, graphql
from workflow import codes, identifiers

Case = dict[str, Any]

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
    "correctAdoptionPlanDate": "CorrectAdoptionPlanDateInput",
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
FREE_CHILDREN = """
MATCH (c:Child)-[:ALLOCATED_TO]->(:Worker {id: 'worker-sw-demo'})
WHERE c.unborn = false
RETURN c.id AS id ORDER BY c.id
"""
# The demo county's generated journeys leave statutory gaps the 903 reports (no home or
# placement postcodes, no reason a young child's UPN is unknown, care leavers without
# birthday contacts); these tests return only the stories they record themselves.
FORGET_COUNTY_CARE = """
OPTIONAL MATCH (b:ShortBreak)
DETACH DELETE b
WITH count(*) AS breaks
MATCH (p:PeriodOfCare)
OPTIONAL MATCH (p)<-[:PART_OF]-(s:Step)
OPTIONAL MATCH (plan:AdoptionPlan)-[:FOR_CARE]->(p)
DETACH DELETE s, plan, p
"""
# Nor the county's cases (no disability recorded, which the census asks for), and a
# story's referral beside a county one would be a second open episode of need.
FORGET_COUNTY_CASES = """
MATCH (r:Referral)
OPTIONAL MATCH (r)<-[:IN_EPISODE]-(x)
OPTIONAL MATCH (x)<-[:PART_OF]-(s:Step)
DETACH DELETE s, x, r
"""
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

    async def child_of_the_year(
        self,
        child_id: str,
        born: str,
        sex: str = "F",
        disabilities: tuple[str, ...] = ("NONE",),
        since: str = "2025-04-01",
    ) -> None:
        """A child born on `born`, allocated and with the disabilities the CIN census asks
        for recorded from `since`."""
        await self.born(child_id, born, sex, allocated_from=since)
        found = [code(codes.Disability, d) for d in disabilities]
        await self.fact("recordDisabilities", child_id, on=since, disabilities=found)

    async def referral(self, child_id: str, received: str, source: str = "SCHOOLS") -> Case:
        """A contact about the child received on `received`, finalised as a referral."""
        return await referral_for(
            self.client, self.worker, child_id, date.fromisoformat(received), source
        )

    async def on_case(self, action: str, target: Case, **data: Any) -> Case:
        """The worker's `action` on the case or one of its records; the case after it."""
        return await act(self.client, self.worker, action, target, data)

    async def assessed(self, case: Case, decided: str, completed: str) -> Case:
        """The referral decided (abuse or neglect) and authorised on `decided`, and an
        assessment started the next day, completed `completed` and authorised."""
        return await assessed(
            self.client,
            self.worker,
            self.manager,
            case,
            decided_on=date.fromisoformat(decided),
            completed_on=date.fromisoformat(completed),
        )

    async def in_need(self, child_id: str, received: str, decided: str, completed: str) -> Case:
        """Referred on `received`, decided on `decided`, assessed by `completed`."""
        return await self.assessed(await self.referral(child_id, received), decided, completed)

    async def enquiry(
        self,
        case: Case,
        *,
        discussed: str | None,
        concluded: str,
        conference: str | None = None,
        categories: tuple[str, ...] = ("NEG_NEGLECT",),
        plan: bool = True,
    ) -> Case:
        """A section 47 enquiry begun by a strategy discussion on `discussed` (or one
        already held), concluded on `concluded`: with no conference, or asking for one
        held on `conference` that makes a plan for `categories` unless `plan` is False."""
        if discussed is not None:
            case = await self.on_case("holdStrategyDiscussion", case, heldOn=discussed)
        enquiry = latest(case, "section47Enquiries")
        if conference is None:
            return await self.on_case(
                "concludeEnquiryWithoutConference", enquiry, concludedOn=concluded
            )
        case = await self.on_case("requestInitialConference", enquiry, concludedOn=concluded)
        held: dict[str, Any] = {"heldOn": conference, "planRequired": plan}
        if plan:
            held["categoriesOfAbuse"] = list(categories)
        case = await self.on_case(
            "holdInitialConference", latest(case, "initialConferences"), **held
        )
        if plan:
            assert latest(case, "childProtectionPlans")["status"] == "ACTIVE", case
        return case

    async def review_conference(
        self, case: Case, held: str, categories: tuple[str, ...] | None = None
    ) -> Case:
        """The child protection plan reviewed on `held`, its categories changed if given."""
        data: dict[str, Any] = {"heldOn": held}
        if categories is not None:
            data["categoriesOfAbuse"] = list(categories)
        return await self.on_case(
            "holdReviewConference", latest(case, "childProtectionPlans"), **data
        )

    async def closed(self, case: Case, on: str, reason: str) -> Case:
        """The episode of need closed on `on` for `reason`, authorised that day."""
        case = await self.on_case("closeCase", case, closedOn=on, reason=reason)
        case = await decide(self.client, self.manager, "authoriseCase", case, on=on)
        assert case["status"] == "CLOSED", case
        return case

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


async def county_to_record_on(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    *,
    forget_care: bool = True,
) -> tuple[Recorder, list[str]]:
    """The demo county with its cases (and care, unless `forget_care` is False)
    forgotten: a recorder for the social worker and their manager, and the children free
    for the test's own stories."""
    await demo_county(store)
    if forget_care:
        await store.write(FORGET_COUNTY_CARE, {})
    await store.write(FORGET_COUNTY_CASES, {})
    record = Recorder(
        client, store, bearer(settings, "social-worker"), bearer(settings, "team-manager")
    )
    return record, [row["id"] for row in await store.read(FREE_CHILDREN, {})]
