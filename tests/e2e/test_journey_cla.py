"""A child looked after through GraphQL: placements, reviews, visits, health, PEP,
missing episodes, and leaving care. Hand-checked against the 2026 bank holidays."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph import FalkorDBStore
from graph.cypher import care as care_statements
from graph.migrations import MIGRATIONS
from hub.settings import Settings
from returns import CollectionYear, write_ssda903
from tests.e2e.journey_helpers import (
    CARE_FIELDS,
    CHRONOLOGY,
    MY_WORK,
    OUTCOMES,
    act,
    answered,
    case_now,
    decide,
    demo_child,
    demo_county,
    latest,
    referral_for,
    step,
)
from tests.helpers import bearer, graphql
from tests.returns.journeys import DECIDE_ADOPTION
from tests.returns.test_ssda903 import rows_of
from workflow.calendar import today_in_england

pytestmark = pytest.mark.anyio

START = f"""
mutation ($input: StartLookedAfterInput!) {{ startLookedAfter(input: $input) {{
  __typename ... on PeriodOfCare {{ {CARE_FIELDS} }} {OUTCOMES} }} }}
"""


async def test_looked_after_with_placement_changes_reviews_and_leaving_care(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world, index=3)
    # The young person turns 17 in June 2026, so leaving care applies when care ends.
    await store.write(
        "MATCH (c:Child {id: $id}) SET c.dateOfBirth = date('2009-06-15')", {"id": child_id}
    )
    start = {
        "childId": child_id,
        "startedOn": "2026-04-01",
        "legalStatus": "C1_INTERIM_CARE_ORDER",
        "placementType": "U6_FOSTER_OTHER_CARER_OTHER",
        "placementProvider": "PR1_OWN_PROVISION",
    }
    care = (await graphql(client, worker, START, {"input": start}))["startLookedAfter"]
    assert care["__typename"] == "PeriodOfCare"
    assert (care["status"], care["legalStatus"]) == ("LOOKED_AFTER", "C1_INTERIM_CARE_ORDER")
    again = (await graphql(client, worker, START, {"input": start}))["startLookedAfter"]
    assert again["__typename"] == "TransitionRefused"
    # 20 working days from Wednesday 1 April across Easter (3 and 6 April): Friday 1 May;
    # the initial health assessment and the PEP are due by the first review.
    assert step(care, "LOOKED_AFTER_REVIEW")["dueDate"] == "2026-05-01"
    assert step(care, "HEALTH_ASSESSMENT")["dueDate"] == "2026-05-01"
    assert step(care, "PERSONAL_EDUCATION_PLAN")["dueDate"] == "2026-05-01"
    # Reg 28: a visit within a week of the placement.
    assert step(care, "STATUTORY_VISIT")["dueDate"] == "2026-04-08"

    care = await act(client, worker, "recordStatutoryVisit", care, {"on": "2026-04-07"})
    assert step(care, "STATUTORY_VISIT", "OPEN")["dueDate"] == "2026-05-19"  # 6 weeks
    care = await act(client, worker, "recordHealthAssessment", care, {"on": "2026-04-20"})
    # 16 on the day: the next health assessment within 12 months.
    assert step(care, "HEALTH_ASSESSMENT", "OPEN")["dueDate"] == "2027-04-20"
    care = await act(client, worker, "recordPersonalEducationPlan", care, {"on": "2026-04-29"})
    # The summer term ends 21 July; the next review by the end of the autumn term.
    assert step(care, "PERSONAL_EDUCATION_PLAN", "OPEN")["dueDate"] == "2026-12-19"
    care = await act(
        client,
        worker,
        "holdLookedAfterReview",
        care,
        {"heldOn": "2026-04-28", "participation": "PN1_ATTENDS_AND_SPEAKS"},
    )
    assert step(care, "LOOKED_AFTER_REVIEW", "OPEN")["dueDate"] == "2026-07-28"  # 3 months

    care = await act(
        client,
        worker,
        "changePlacement",
        care,
        {
            "changedOn": "2026-05-11",
            "placementType": "U4_FOSTER_OTHER_CARER_LONG_TERM",
            "placementProvider": "PR4_PRIVATE",
            "reason": "CARPL_CARE_PLAN",
            "longTermPlacement": True,
        },
    )
    first, second = [s for s in care["steps"] if s["kind"] == "LOOKED_AFTER_EPISODE"]
    assert (first["completedDate"], first["reasonEpisodeCeased"]) == (
        "2026-05-11",
        "X1_NEW_EPISODE_SAME_DAY",
    )
    assert (second["startDate"], second["reasonNewEpisode"], second["reasonPlaceChange"]) == (
        "2026-05-11",
        "P_PLACEMENT_AND_CARER_CHANGE",
        "CARPL_CARE_PLAN",
    )
    # A new placement: a visit within a week of it replaces the one due 19 May.
    assert step(care, "STATUTORY_VISIT", "OPEN")["dueDate"] == "2026-05-18"
    care = await act(
        client,
        worker,
        "changeLegalStatus",
        care,
        {"changedOn": "2026-06-01", "legalStatus": "C2_FULL_CARE_ORDER"},
    )
    assert care["legalStatus"] == "C2_FULL_CARE_ORDER"
    assert care["placementType"] == "U4_FOSTER_OTHER_CARER_LONG_TERM"
    care = await act(client, worker, "recordStatutoryVisit", care, {"on": "2026-05-15"})
    # Still the first year of the 11 May placement: 6 weeks after 15 May.
    assert step(care, "STATUTORY_VISIT", "OPEN")["dueDate"] == "2026-06-26"
    care = await act(
        client,
        worker,
        "holdLookedAfterReview",
        care,
        {"heldOn": "2026-07-27", "participation": "PN5_ABSENT_ADVOCATE_BRIEFED"},
    )
    assert step(care, "LOOKED_AFTER_REVIEW", "OPEN")["dueDate"] == "2027-01-27"  # 6 months

    care = await act(
        client,
        worker,
        "recordMissingEpisode",
        care,
        {"type": "M_MISSING", "startedOn": "2026-08-03", "returnedOn": "2026-08-04"},
    )
    # Return home interview within 72 hours of the return.
    assert step(care, "RETURN_HOME_INTERVIEW")["dueDate"] == "2026-08-07"
    late = await act(client, worker, "recordReturnHomeInterview", care, {"on": "2026-08-10"})
    assert late["__typename"] == "InvalidInput"
    assert late["problems"][0]["field"] == "lateReason"
    care = await act(client, worker, "recordReturnHomeInterview", care, {"on": "2026-08-06"})
    assert step(care, "MISSING_EPISODE")["missingType"] == "M_MISSING"

    work = (await graphql(client, worker, MY_WORK))["myWork"]
    mine = sorted((i["kind"], i["dueDate"]) for i in work["items"] if i["recordId"] == care["id"])
    assert mine == [
        ("HEALTH_ASSESSMENT", "2027-04-20"),
        ("LOOKED_AFTER_REVIEW", "2027-01-27"),
        ("PERSONAL_EDUCATION_PLAN", "2026-12-19"),
        ("STATUTORY_VISIT", "2026-06-26"),
    ]

    care = await act(
        client,
        worker,
        "ceaseLookedAfter",
        care,
        {
            "endedOn": "2026-09-30",
            "reason": "E5_INDEPENDENT_LIVING_WITH_SUPPORT",
            "careLeaver": True,
        },
    )
    assert care["status"] == "CEASING_AWAITING_AUTHORISATION"
    care = await decide(client, manager, "authorisePeriodOfCare", care)
    assert (care["status"], care["endDate"], care["reasonCeased"]) == (
        "CARE_LEAVER",
        "2026-09-30",
        "E5_INDEPENDENT_LIVING_WITH_SUPPORT",
    )
    last = [s for s in care["steps"] if s["kind"] == "LOOKED_AFTER_EPISODE"][-1]
    assert (last["legalStatus"], last["completedDate"], last["reasonEpisodeCeased"]) == (
        "C2_FULL_CARE_ORDER",
        "2026-09-30",
        "E5_INDEPENDENT_LIVING_WITH_SUPPORT",
    )
    # In touch around the 18th birthday; the pathway plan reviewed within 6 months.
    assert step(care, "CARE_LEAVER_CONTACT")["dueDate"] == "2027-06-15"
    care = await act(client, worker, "recordPathwayPlan", care, {"on": "2026-10-15"})
    assert step(care, "PATHWAY_PLAN", "OPEN")["dueDate"] == "2027-04-15"
    # Leaving care services end after the steps recorded with the care leaver.
    early = await act(client, worker, "endLeavingCareServices", care, {"endedOn": "2026-10-14"})
    assert _problem(early) == ("endedOn", "must not be before the last step recorded (2026-10-15)")
    assert {s["kind"] for s in care["steps"] if s["status"] == "OPEN"} == {
        "CARE_LEAVER_CONTACT",
        "PATHWAY_PLAN",
    }
    child = (await graphql(client, worker, CHRONOLOGY, {"id": child_id}))["child"]
    assert "CARE_LEAVER" in child["openEpisodes"]
    assert "LOOKED_AFTER" not in child["openEpisodes"]
    titles = [e["title"] for e in child["chronology"] if e["kind"] == "JOURNEY"]
    assert titles[:3] == ["startLookedAfter", "recordStatutoryVisit", "recordHealthAssessment"]


async def _care_leaver(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    *,
    born: str,
    started_on: str,
    ended_on: str,
) -> tuple[dict[str, str], dict[str, object]]:
    """A young person who was looked after and left care, as a care leaver."""
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world, index=3)
    await store.write(
        "MATCH (c:Child {id: $id}) SET c.dateOfBirth = date($born)", {"id": child_id, "born": born}
    )
    start = {
        "childId": child_id,
        "startedOn": started_on,
        "legalStatus": "C2_FULL_CARE_ORDER",
        "placementType": "U6_FOSTER_OTHER_CARER_OTHER",
        "placementProvider": "PR1_OWN_PROVISION",
    }
    care = (await graphql(client, worker, START, {"input": start}))["startLookedAfter"]
    care = await act(
        client,
        worker,
        "ceaseLookedAfter",
        care,
        {"endedOn": ended_on, "reason": "E5_INDEPENDENT_LIVING_WITH_SUPPORT", "careLeaver": True},
    )
    care = await decide(client, manager, "authorisePeriodOfCare", care)
    assert care["status"] == "CARE_LEAVER", care
    return worker, care


async def test_a_contact_days_before_a_birthday_makes_the_next_birthday_due(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # Regression: a contact four days before the 18th birthday scheduled the next contact
    # for that same birthday, so the next year's on-time contact was refused as late.
    worker, care = await _care_leaver(
        client, settings, store, born="2005-03-10", started_on="2022-01-10", ended_on="2023-01-31"
    )
    assert step(care, "CARE_LEAVER_CONTACT", "OPEN")["dueDate"] == "2023-03-10"
    contact = {
        "inTouch": "YES_IN_TOUCH",
        "activity": "F2_FULL_TIME_OTHER_EDUCATION",
        "accommodation": "D1_SEMI_INDEPENDENT_SUITABLE",
    }
    care = await act(
        client, worker, "recordCareLeaverContact", care, {"on": "2023-03-06", **contact}
    )
    assert step(care, "CARE_LEAVER_CONTACT", "OPEN")["dueDate"] == "2024-03-10"
    care = await act(
        client, worker, "recordCareLeaverContact", care, {"on": "2024-03-08", **contact}
    )
    assert care["__typename"] == "PeriodOfCare", care
    assert step(care, "CARE_LEAVER_CONTACT", "OPEN")["dueDate"] == "2025-03-10"
    # A contact long before the birthday is kept, but the birthday contact stays due.
    care = await act(
        client, worker, "recordCareLeaverContact", care, {"on": "2024-11-01", **contact}
    )
    assert step(care, "CARE_LEAVER_CONTACT", "OPEN")["dueDate"] == "2025-03-10"
    done = [
        (s["completedDate"], s["dueDate"])
        for s in care["steps"]
        if s["kind"] == "CARE_LEAVER_CONTACT" and s["status"] == "DONE"
    ]
    assert done == [
        ("2023-03-06", "2023-03-10"),
        ("2024-03-08", "2024-03-10"),
        ("2024-11-01", None),
    ]
    # Over two months after the birthday it needs a reason.
    late = await act(
        client, worker, "recordCareLeaverContact", care, {"on": "2025-05-20", **contact}
    )
    assert late["__typename"] == "InvalidInput"
    assert late["problems"][0]["field"] == "lateReason"


async def test_a_care_leaver_contact_typed_twice_for_its_day_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    worker, care = await _care_leaver(
        client, settings, store, born="2005-03-10", started_on="2022-01-10", ended_on="2023-01-31"
    )
    contact = {
        "on": "2023-03-06",
        "inTouch": "YES_IN_TOUCH",
        "activity": "F2_FULL_TIME_OTHER_EDUCATION",
        "accommodation": "D1_SEMI_INDEPENDENT_SUITABLE",
    }
    care = await act(client, worker, "recordCareLeaverContact", care, contact)
    assert care["__typename"] == "PeriodOfCare", care
    again = await act(client, worker, "recordCareLeaverContact", care, contact)
    assert again["__typename"] == "InvalidInput", again
    assert [p["field"] for p in again["problems"]] == ["on"]
    assert "already recorded" in again["problems"][0]["rule"]
    assert {**await _care_now(client, worker, care), "__typename": "PeriodOfCare"} == care


async def test_nothing_falls_due_for_a_care_leaver_after_the_25th_birthday(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # Children Act 1989 s23CZB: a personal adviser's support runs until the care leaver
    # reaches 25, so neither a birthday contact nor a pathway plan review falls due after
    # the 25th birthday (born on 29 February: 1 March in a common year).
    worker, care = await _care_leaver(
        client, settings, store, born="2000-02-29", started_on="2016-03-02", ended_on="2018-03-01"
    )
    contact = {
        "inTouch": "YES_IN_TOUCH",
        "activity": "F2_FULL_TIME_OTHER_EDUCATION",
        "accommodation": "D1_SEMI_INDEPENDENT_SUITABLE",
    }
    # Each birthday's contact makes the next birthday's due, up to the 25th.
    for on, next_due in (
        ("2018-03-01", "2019-03-01"),
        ("2019-03-01", "2020-02-29"),
        ("2020-02-29", "2021-03-01"),
        ("2021-03-01", "2022-03-01"),
        ("2022-03-01", "2023-03-01"),
        ("2023-03-01", "2024-02-29"),
        ("2024-02-29", "2025-03-01"),
    ):
        care = await act(client, worker, "recordCareLeaverContact", care, {"on": on, **contact})
        assert step(care, "CARE_LEAVER_CONTACT", "OPEN")["dueDate"] == next_due, on
    plan = {"on": "2025-01-10", "lateReason": "Paper records typed up"}
    care = await act(client, worker, "recordPathwayPlan", care, plan)
    assert step(care, "PATHWAY_PLAN", "DONE")["completedDate"] == "2025-01-10"
    care = await act(
        client, worker, "recordCareLeaverContact", care, {"on": "2025-03-01", **contact}
    )
    assert step(care, "CARE_LEAVER_CONTACT", "DONE")["completedDate"] == "2025-03-01"
    assert [s["kind"] for s in care["steps"] if s["status"] == "OPEN"] == []


async def test_a_pathway_plan_is_from_16_and_its_review_not_after_25_however_it_is_dated(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # A pathway plan is made from the 16th birthday (Care Leavers (England) Regulations
    # 2010) and none is reviewed after the 25th (s23CZB), written up after care ended or
    # its day corrected as when it is recorded in care. Born 29 February 2000: 16 on 29
    # February 2016, 25 on 1 March 2025.
    worker, care = await _care_leaver(
        client, settings, store, born="2000-02-29", started_on="2014-03-03", ended_on="2018-03-01"
    )
    late = {"lateReason": "Paper records typed up"}
    at_15 = await act(client, worker, "recordPathwayPlan", care, {"on": "2016-02-01", **late})
    assert _problem(at_15) == ("on", "must not be before the 16th birthday (2016-02-29)")
    care = await act(client, worker, "recordPathwayPlan", care, {"on": "2024-08-20", **late})
    plan = step(care, "PATHWAY_PLAN", "DONE")
    assert step(care, "PATHWAY_PLAN", "OPEN")["dueDate"] == "2025-02-20"
    correct = {"stepId": plan["id"], "reason": "Typo"}
    refused = await act(
        client, worker, "correctCareStepDate", care, {**correct, "happenedOn": "2016-02-01"}
    )
    assert _problem(refused) == ("happenedOn", "must not be before the 16th birthday (2016-02-29)")
    # Written on 15 September: its review would fall after the 25th birthday, so none is due.
    care = await act(
        client, worker, "correctCareStepDate", care, {**correct, "happenedOn": "2024-09-15"}
    )
    assert step(care, "PATHWAY_PLAN", "DONE")["completedDate"] == "2024-09-15"
    due = [s for s in care["steps"] if s["kind"] == "PATHWAY_PLAN" and s["status"] == "OPEN"]
    assert due == []


async def test_a_contact_on_a_later_birthday_counts_for_that_birthday_not_a_missed_one(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, tmp_path: Path
) -> None:
    # Nobody was in touch at 18; the contact on the 19th birthday is that birthday's
    # (SSDA903 OC3 for the 2025-26 year), not the 18th's a year late, and the 20th is
    # due next, not the 19th again.
    worker, care = await _care_leaver(
        client, settings, store, born="2007-03-10", started_on="2023-01-10", ended_on="2024-06-01"
    )
    assert step(care, "CARE_LEAVER_CONTACT", "OPEN")["dueDate"] == "2025-03-10"
    contact = {
        "inTouch": "YES_IN_TOUCH",
        "activity": "F2_FULL_TIME_OTHER_EDUCATION",
        "accommodation": "D1_SEMI_INDEPENDENT_SUITABLE",
    }
    care = await act(
        client, worker, "recordCareLeaverContact", care, {"on": "2026-03-10", **contact}
    )
    assert care["__typename"] == "PeriodOfCare", care
    contacts = sorted(
        (s["status"], s["dueDate"], s["completedDate"])
        for s in care["steps"]
        if s["kind"] == "CARE_LEAVER_CONTACT"
    )
    assert contacts == [
        ("CANCELLED", "2025-03-10", None),
        ("DONE", "2026-03-10", "2026-03-10"),
        ("OPEN", "2027-03-10", None),
    ]
    await write_ssda903(store, CollectionYear(2026), tmp_path)
    assert rows_of(tmp_path, "oc3", str(care["childId"]), "IN_TOUCH", "ACTIV", "ACCOM") == [
        ("YES", "F2", "D1")
    ]


async def test_a_pathway_plan_is_made_from_16_while_still_looked_after(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # Care Leavers (England) Regulations 2010: an eligible child (16 or 17, still looked
    # after) has a pathway plan, reviewed at least every 6 months; leaving care, the
    # next review stays due from the last plan.
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world, index=3)
    await store.write(
        "MATCH (c:Child {id: $id}) SET c.dateOfBirth = date('2009-06-15')", {"id": child_id}
    )
    care = await _start(client, worker, child_id, startedOn="2025-01-06")
    at_15 = await act(client, worker, "recordPathwayPlan", care, {"on": "2025-06-14"})
    assert _problem(at_15)[0] == "on"
    care = await act(client, worker, "recordPathwayPlan", care, {"on": "2025-07-01"})
    assert (care["__typename"], care["status"]) == ("PeriodOfCare", "LOOKED_AFTER"), care
    assert step(care, "PATHWAY_PLAN", "OPEN")["dueDate"] == "2026-01-01"
    care = await act(client, worker, "recordPathwayPlan", care, {"on": "2025-12-15"})
    assert step(care, "PATHWAY_PLAN", "OPEN")["dueDate"] == "2026-06-15"
    ending = {"endedOn": "2026-03-02", "reason": "E5_INDEPENDENT_LIVING_WITH_SUPPORT"}
    care = await act(client, worker, "ceaseLookedAfter", care, {**ending, "careLeaver": True})
    care = await decide(client, manager, "authorisePeriodOfCare", care)
    assert care["status"] == "CARE_LEAVER"
    assert [
        s["dueDate"] for s in care["steps"] if s["kind"] == "PATHWAY_PLAN" and s["status"] == "OPEN"
    ] == ["2026-06-15"]


async def test_a_pathway_plan_or_care_leaver_contact_typed_with_the_wrong_day_is_corrected(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    worker, care = await _care_leaver(
        client, settings, store, born="2005-03-10", started_on="2022-01-10", ended_on="2023-01-31"
    )
    care = await act(client, worker, "recordPathwayPlan", care, {"on": "2023-02-15"})
    contact = {
        "inTouch": "YES_IN_TOUCH",
        "activity": "F2_FULL_TIME_OTHER_EDUCATION",
        "accommodation": "D1_SEMI_INDEPENDENT_SUITABLE",
    }
    care = await act(
        client, worker, "recordCareLeaverContact", care, {"on": "2023-03-06", **contact}
    )
    plan, met = step(care, "PATHWAY_PLAN", "DONE"), step(care, "CARE_LEAVER_CONTACT", "DONE")
    correct = "correctCareStepDate"

    # Each keeps the range it is recorded in: a contact with the care leaver falls after
    # care ended, a pathway plan (made from 16, while still looked after) after care began.
    for held, day, rule in (
        (met, "2023-01-30", "must not be before the end of care (2023-01-31)"),
        (plan, "2022-01-09", "must not be before the start of care (2022-01-10)"),
    ):
        refused = await act(
            client,
            worker,
            correct,
            care,
            {"stepId": held["id"], "happenedOn": day, "reason": "Typo"},
        )
        assert _problem(refused) == ("happenedOn", rule)
    # The birthday contact over two months after the 18th birthday needs a reason, as
    # when it is recorded.
    late = await act(
        client,
        worker,
        correct,
        care,
        {"stepId": met["id"], "happenedOn": "2023-05-15", "reason": "Typo"},
    )
    assert _problem(late)[0] == "lateReason"

    # The pathway plan was written on 13 February, typed as the 15th: reviewed within 6
    # months of the 13th.
    care = await act(
        client,
        worker,
        correct,
        care,
        {"stepId": plan["id"], "happenedOn": "2023-02-13", "reason": "Plan dated 13th"},
    )
    plan = step(care, "PATHWAY_PLAN", "DONE")
    assert (plan["completedDate"], plan["correctedFrom"]) == ("2023-02-13", "2023-02-15")
    assert step(care, "PATHWAY_PLAN", "OPEN")["dueDate"] == "2023-08-13"
    care = await act(
        client,
        worker,
        correct,
        care,
        {"stepId": met["id"], "happenedOn": "2023-03-08", "reason": "Typo"},
    )
    met = step(care, "CARE_LEAVER_CONTACT", "DONE")
    assert (met["completedDate"], met["correctedFrom"]) == ("2023-03-08", "2023-03-06")
    assert step(care, "CARE_LEAVER_CONTACT", "OPEN")["dueDate"] == "2024-03-10"


async def _start(
    client: httpx.AsyncClient, worker: dict[str, str], child_id: str, **changes: object
) -> dict[str, object]:
    start = {
        "childId": child_id,
        "startedOn": "2026-03-02",
        "legalStatus": "C2_FULL_CARE_ORDER",
        "placementType": "U6_FOSTER_OTHER_CARER_OTHER",
        "placementProvider": "PR1_OWN_PROVISION",
        **changes,
    }
    result = await graphql(client, worker, START, {"input": start})
    return result["startLookedAfter"]  # type: ignore[no-any-return]


def _problem(result: dict[str, object]) -> tuple[str, str]:
    assert result["__typename"] == "InvalidInput", result
    problem = result["problems"][0]  # type: ignore[index]
    return problem["field"], problem["rule"]


async def test_a_return_home_interview_typed_with_the_wrong_day_is_corrected(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    care = await _start(client, worker, demo_child(world, index=2))
    missing = {"type": "M_MISSING", "startedOn": "2026-08-03", "returnedOn": "2026-08-04"}
    care = await act(client, worker, "recordMissingEpisode", care, missing)
    care = await act(client, worker, "recordReturnHomeInterview", care, {"on": "2026-08-06"})
    interview = step(care, "RETURN_HOME_INTERVIEW", "DONE")
    correct = "correctCareStepDate"

    # Not before the return it followed; past its 72 hours only with a reason.
    for day, field, rule in (
        ("2026-08-03", "happenedOn", "must not be before the child's return (2026-08-04)"),
        ("2026-08-10", "lateReason", None),
    ):
        refused = await act(
            client,
            worker,
            correct,
            care,
            {"stepId": interview["id"], "happenedOn": day, "reason": "Typo"},
        )
        assert _problem(refused)[0] == field
        assert rule is None or _problem(refused)[1] == rule

    care = await act(
        client,
        worker,
        correct,
        care,
        {"stepId": interview["id"], "happenedOn": "2026-08-05", "reason": "Notes say 5th"},
    )
    interview = step(care, "RETURN_HOME_INTERVIEW", "DONE")
    assert (interview["completedDate"], interview["correctedFrom"]) == ("2026-08-05", "2026-08-06")


async def test_a_child_still_missing_is_closed_when_they_return_not_duplicated(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    care = await _start(client, worker, demo_child(world, index=2))
    missing = {"type": "M_MISSING", "startedOn": "2026-08-03"}
    care = await act(client, worker, "recordMissingEpisode", care, missing)
    assert step(care, "MISSING_EPISODE", "OPEN")["startDate"] == "2026-08-03"
    # Recording it again without a return is refused, as is a new episode beside it.
    again = await act(client, worker, "recordMissingEpisode", care, missing)
    assert _problem(again)[0] == "returnedOn"
    beside = await act(
        client, worker, "recordMissingEpisode", care, {**missing, "startedOn": "2026-08-05"}
    )
    assert _problem(beside) == (
        "startedOn",
        "the child is still recorded as missing since 2026-08-03: record their return on that "
        "episode first",
    )
    early = await act(
        client, worker, "recordMissingEpisode", care, {**missing, "returnedOn": "2026-08-01"}
    )
    assert _problem(early) == ("returnedOn", "must not be before startedOn")
    # The return closes the open episode: one episode, and the interview due after it.
    care = await act(
        client, worker, "recordMissingEpisode", care, {**missing, "returnedOn": "2026-08-06"}
    )
    episodes = [s for s in care["steps"] if s["kind"] == "MISSING_EPISODE"]
    assert [(s["status"], s["startDate"], s["completedDate"]) for s in episodes] == [
        ("DONE", "2026-08-03", "2026-08-06")
    ]
    assert step(care, "RETURN_HOME_INTERVIEW", "OPEN")["dueDate"] == "2026-08-09"  # 72 hours
    before_return = await act(
        client, worker, "recordReturnHomeInterview", care, {"on": "2026-08-05"}
    )
    assert _problem(before_return)[0] == "on"
    closed_again = await act(
        client, worker, "recordMissingEpisode", care, {**missing, "returnedOn": "2026-08-06"}
    )
    assert _problem(closed_again)[0] == "startedOn"
    overlapping = await act(
        client,
        worker,
        "recordMissingEpisode",
        care,
        {"type": "A_AWAY", "startedOn": "2026-08-05", "returnedOn": "2026-08-09"},
    )
    assert _problem(overlapping)[0] == "startedOn"
    care = await act(
        client,
        worker,
        "recordMissingEpisode",
        care,
        {"type": "A_AWAY", "startedOn": "2026-09-01", "returnedOn": "2026-09-02"},
    )
    assert len([s for s in care["steps"] if s["kind"] == "MISSING_EPISODE"]) == 2


async def test_placement_details_and_the_dfe_rules_for_temporary_placements(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    child_id = demo_child(world, index=2)
    temporary = await _start(
        client, worker, child_id, placementType="T4_TEMPORARY_SEVEN_DAYS_OR_LESS"
    )
    assert _problem(temporary)[0] == "placementType"
    no_urn = await _start(client, worker, child_id, placementType="K2_CHILDRENS_HOME")
    assert _problem(no_urn)[0] == "urn"
    bad_postcode = await _start(client, worker, child_id, placementPostcode="nowhere")
    assert _problem(bad_postcode) == (
        "placementPostcode",
        "must be a full UK postcode, e.g. SG1 2AB",
    )
    bad_urn = await _start(client, worker, child_id, urn="12")
    assert _problem(bad_urn)[0] == "urn"
    care = await _start(
        client,
        worker,
        child_id,
        placementType="K2_CHILDRENS_HOME",
        urn="sc123456",
        placementPostcode="al1 3xy",
        placementProvider="PR4_PRIVATE",
    )
    assert care["__typename"] == "PeriodOfCare", care
    episode = step(care, "LOOKED_AFTER_EPISODE")
    assert (episode["placementPostcode"], episode["urn"]) == ("AL1 3XY", "SC123456")
    # A week in hospital and back: the episode keeps the details of where the child is.
    care = await act(
        client,
        worker,
        "changePlacement",
        care,
        {
            "changedOn": "2026-04-06",
            "placementType": "T4_TEMPORARY_SEVEN_DAYS_OR_LESS",
            "placementProvider": "PR3_OTHER_PUBLIC",
            "reason": "OTHER_REASON",
            "urn": "XXXXXXX",
        },
    )
    ended = await act(
        client,
        worker,
        "ceaseLookedAfter",
        care,
        {"endedOn": "2026-04-08", "reason": "E4A_RETURNED_HOME_AS_PLANNED"},
    )
    assert _problem(ended)[0] == "endedOn"
    back = {
        "placementType": "K2_CHILDRENS_HOME",
        "placementProvider": "PR4_PRIVATE",
        "reason": "CARPL_CARE_PLAN",
        "urn": "SC123456",
        "placementPostcode": "AL1 3XY",
    }
    too_long = await act(
        client, worker, "changePlacement", care, {**back, "changedOn": "2026-04-15"}
    )
    assert _problem(too_long)[0] == "changedOn"
    care = await act(client, worker, "changePlacement", care, {**back, "changedOn": "2026-04-10"})
    episodes = [s for s in care["steps"] if s["kind"] == "LOOKED_AFTER_EPISODE"]
    assert [(s["placementType"], s["urn"]) for s in episodes] == [
        ("K2_CHILDRENS_HOME", "SC123456"),
        ("T4_TEMPORARY_SEVEN_DAYS_OR_LESS", "XXXXXXX"),
        ("K2_CHILDRENS_HOME", "SC123456"),
    ]
    care = await act(
        client,
        worker,
        "changeLegalStatus",
        care,
        {"changedOn": "2026-05-01", "legalStatus": "C1_INTERIM_CARE_ORDER"},
    )
    assert step(care, "LOOKED_AFTER_EPISODE", "OPEN")["placementPostcode"] == "AL1 3XY"


async def test_an_order_that_lasts_days_is_not_carried_past_its_length(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # An emergency protection order lasts days (SSDA903 rule 362: no more than 21), police
    # protection 72 hours (rule 361): a move, a new order or the end of care recorded
    # later while the child is still under one would return it as lasting until then.
    # The order that followed, recorded late with the day it was made, is accepted.
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    care = await _start(
        client, worker, demo_child(world, index=2), legalStatus="L2_EMERGENCY_PROTECTION_ORDER"
    )
    moved = {
        "placementType": "U3_FOSTER_RELATIVE_OR_FRIEND_OTHER",
        "placementProvider": "PR1_OWN_PROVISION",
        "reason": "CARPL_CARE_PLAN",
    }
    care = await act(client, worker, "changePlacement", care, {**moved, "changedOn": "2026-03-12"})
    assert step(care, "LOOKED_AFTER_EPISODE", "OPEN")["legalStatus"] == (
        "L2_EMERGENCY_PROTECTION_ORDER"
    )
    late_move = {**moved, "placementType": "U6_FOSTER_OTHER_CARER_OTHER", "changedOn": "2026-03-30"}
    refusals = [
        await act(client, worker, "changePlacement", care, late_move),
        await act(
            client,
            worker,
            "changeLegalStatus",
            care,
            {"changedOn": "2026-03-24", "legalStatus": "C1_INTERIM_CARE_ORDER"},
        ),
        await act(
            client,
            worker,
            "ceaseLookedAfter",
            care,
            {"endedOn": "2026-03-30", "reason": "E4A_RETURNED_HOME_AS_PLANNED"},
        ),
    ]
    for refused, field in zip(refusals, ("changedOn", "changedOn", "endedOn"), strict=True):
        named, rule = _problem(refused)
        assert named == field, refused
        assert "since 2026-03-02" in rule, rule
        assert "SSDA903 rule 362" in rule, rule
    # Nothing was written: the order made on 16 March, recorded now, then the move.
    care = await act(
        client,
        worker,
        "changeLegalStatus",
        care,
        {"changedOn": "2026-03-16", "legalStatus": "C1_INTERIM_CARE_ORDER"},
    )
    care = await act(client, worker, "changePlacement", care, late_move)
    episodes = [s for s in care["steps"] if s["kind"] == "LOOKED_AFTER_EPISODE"]
    assert [(s["startDate"], s["legalStatus"]) for s in episodes] == [
        ("2026-03-02", "L2_EMERGENCY_PROTECTION_ORDER"),
        ("2026-03-12", "L2_EMERGENCY_PROTECTION_ORDER"),
        ("2026-03-16", "C1_INTERIM_CARE_ORDER"),
        ("2026-03-30", "C1_INTERIM_CARE_ORDER"),
    ]
    # Police protection: 72 hours at most; home on the third day is within them.
    police = await _start(
        client, worker, demo_child(world, index=3), legalStatus="L1_POLICE_PROTECTION"
    )
    home = {"reason": "E4A_RETURNED_HOME_AS_PLANNED"}
    named, rule = _problem(
        await act(client, worker, "ceaseLookedAfter", police, {**home, "endedOn": "2026-03-06"})
    )
    assert (named, "SSDA903 rule 361" in rule) == ("endedOn", True), rule
    ended = await act(client, worker, "ceaseLookedAfter", police, {**home, "endedOn": "2026-03-05"})
    assert ended["__typename"] == "PeriodOfCare", ended


async def test_a_short_order_lapses_on_the_work_list_until_what_followed_is_recorded(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # Nothing later refuses an emergency protection order left open with no move, order
    # or end of care after it, and the SSDA903 would return it as lasting to 31 March
    # (rule 362): the day it lapses is due on the worker's list from the day it begins.
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    care = await _start(
        client, worker, demo_child(world, index=2), legalStatus="L2_EMERGENCY_PROTECTION_ORDER"
    )
    lapse = step(care, "SHORT_ORDER_LAPSES", "OPEN")
    assert lapse["dueDate"] == "2026-03-23"  # 21 days from 2 March
    listed = (await graphql(client, worker, MY_WORK))["myWork"]["items"]
    assert [(i["kind"], i["dueDate"]) for i in listed if i["stepId"] == lapse["id"]] == [
        ("SHORT_ORDER_LAPSES", "2026-03-23")
    ]
    # A move under the same order keeps it due; the order that followed is what it waits for.
    moved = {
        "placementType": "U3_FOSTER_RELATIVE_OR_FRIEND_OTHER",
        "placementProvider": "PR1_OWN_PROVISION",
        "reason": "CARPL_CARE_PLAN",
        "changedOn": "2026-03-12",
    }
    care = await act(client, worker, "changePlacement", care, moved)
    assert step(care, "SHORT_ORDER_LAPSES", "OPEN")["id"] == lapse["id"]
    order = {"changedOn": "2026-03-16", "legalStatus": "C1_INTERIM_CARE_ORDER"}
    care = await act(client, worker, "changeLegalStatus", care, order)
    done = step(care, "SHORT_ORDER_LAPSES")
    assert (done["id"], done["status"], done["completedDate"]) == (
        lapse["id"],
        "DONE",
        "2026-03-16",
    )
    listed = (await graphql(client, worker, MY_WORK))["myWork"]["items"]
    assert [i for i in listed if i["kind"] == "SHORT_ORDER_LAPSES"] == []
    # Police protection begun by a placement change with the legal status is due in 72
    # hours, and done with the end of care.
    police = await _start(client, worker, demo_child(world, index=3))
    assert [s for s in police["steps"] if s["kind"] == "SHORT_ORDER_LAPSES"] == []
    police = await act(
        client,
        worker,
        "changePlacement",
        police,
        {**moved, "changedOn": "2026-03-04", "legalStatus": "L1_POLICE_PROTECTION"},
    )
    assert step(police, "SHORT_ORDER_LAPSES", "OPEN")["dueDate"] == "2026-03-07"
    home = {"reason": "E4A_RETURNED_HOME_AS_PLANNED", "endedOn": "2026-03-06"}
    police = await act(client, worker, "ceaseLookedAfter", police, home)
    police = await decide(client, bearer(settings, "team-manager"), "authorisePeriodOfCare", police)
    done = step(police, "SHORT_ORDER_LAPSES")
    assert (done["status"], done["completedDate"]) == ("DONE", "2026-03-06")


async def test_nothing_happens_in_care_after_the_18th_birthday_but_section_20_5(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # Children Act 1989: a child is under 18; after the 18th birthday no move, order,
    # review, visit or missing episode is recorded in care (only its end), except for a
    # young person accommodated in a community home under section 20(5), V2 in K2, which
    # the SSDA903 alone allows past 18 (rule 359).
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    child_id = demo_child(world, index=2)
    await store.write(
        "MATCH (c:Child {id: $id}) SET c.dateOfBirth = date('2008-03-10')", {"id": child_id}
    )
    care = await _start(client, worker, child_id, startedOn="2026-01-05")
    moved = {
        "placementType": "U3_FOSTER_RELATIVE_OR_FRIEND_OTHER",
        "placementProvider": "PR1_OWN_PROVISION",
        "reason": "CARPL_CARE_PLAN",
        "changedOn": "2026-03-20",
    }
    review = {
        "heldOn": "2026-03-20",
        "participation": "PN1_ATTENDS_AND_SPEAKS",
        "lateReason": "Independent reviewing officer ill",
    }
    refusals = {
        "changedOn": await act(client, worker, "changePlacement", care, moved),
        "heldOn": await act(client, worker, "holdLookedAfterReview", care, review),
        "on": await act(client, worker, "recordStatutoryVisit", care, {"on": "2026-03-20"}),
        "startedOn": await act(
            client,
            worker,
            "recordMissingEpisode",
            care,
            {"type": "M_MISSING", "startedOn": "2026-03-11"},
        ),
    }
    for field, refused in refusals.items():
        assert _problem(refused) == (
            field,
            "the young person turned 18 on 2026-03-10: nothing happens in care after the 18th"
            " birthday but its end, except accommodation in a community home under section"
            " 20(5) (V2 in K2; SSDA903 rule 359)",
        ), refused
    # Under section 20(5) care goes on past 18; the day itself is still the child's.
    home = {
        **moved,
        "changedOn": "2026-03-10",
        "placementType": "K2_CHILDRENS_HOME",
        "placementProvider": "PR4_PRIVATE",
        "urn": "SC483921",
        "legalStatus": "V2_SINGLE_PERIOD_OF_ACCOMMODATION",
    }
    care = await act(client, worker, "changePlacement", care, home)
    assert care["__typename"] == "PeriodOfCare", care
    care = await act(client, worker, "holdLookedAfterReview", care, review)
    assert care["__typename"] == "PeriodOfCare", care


async def test_each_step_comes_after_the_one_before_it(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world, index=2)
    care = await _start(client, worker, child_id)
    before_care = await act(client, worker, "recordStatutoryVisit", care, {"on": "2026-03-01"})
    assert _problem(before_care) == ("on", "must not be before the start of care (2026-03-02)")
    tomorrow = await act(client, worker, "recordHealthAssessment", care, {"on": "2099-01-01"})
    assert _problem(tomorrow) == ("on", "must not be in the future")
    care = await act(
        client,
        worker,
        "ceaseLookedAfter",
        care,
        {"endedOn": "2026-06-30", "reason": "E4A_RETURNED_HOME_AS_PLANNED"},
    )
    care = await decide(client, manager, "authorisePeriodOfCare", care)
    assert care["status"] == "CEASED"
    # A second period of care begins after the first ended.
    overlapping = await _start(client, worker, child_id, startedOn="2026-06-01")
    assert _problem(overlapping) == (
        "startedOn",
        "must not be before the end of the previous period of care (2026-06-30)",
    )
    second = await _start(client, worker, child_id, startedOn="2026-09-07")
    assert second["__typename"] == "PeriodOfCare"


async def test_reviews_and_visits_written_up_out_of_order_are_kept(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # Paper records typed in any order: an earlier review or visit written up after a
    # later one is a review of the period (SSDA903 REVIEWS) or a visit all the same.
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    care = await _start(client, worker, demo_child(world, index=2))
    care = await act(client, worker, "recordStatutoryVisit", care, {"on": "2026-03-05"})
    care = await act(client, worker, "recordStatutoryVisit", care, {"on": "2026-03-04"})
    assert care["__typename"] == "PeriodOfCare", care
    visits = [
        (s["status"], s["completedDate"] or s["dueDate"])
        for s in care["steps"]
        if s["kind"] == "STATUTORY_VISIT"
    ]
    # Reg 28: the next visit stays due 6 weeks after the latest (5 March).
    assert sorted(visits) == [
        ("DONE", "2026-03-04"),
        ("DONE", "2026-03-05"),
        ("OPEN", "2026-04-16"),
    ]

    review = {"participation": "PN1_ATTENDS_AND_SPEAKS"}
    care = await act(
        client, worker, "holdLookedAfterReview", care, {**review, "heldOn": "2026-03-27"}
    )
    assert step(care, "LOOKED_AFTER_REVIEW", "OPEN")["dueDate"] == "2026-06-27"
    care = await act(
        client, worker, "holdLookedAfterReview", care, {**review, "heldOn": "2026-03-20"}
    )
    assert care["__typename"] == "PeriodOfCare", care
    reviews = sorted(
        (s["completedDate"], s["participation"])
        for s in care["steps"]
        if s["kind"] == "LOOKED_AFTER_REVIEW" and s["status"] == "DONE"
    )
    assert reviews == [
        ("2026-03-20", "PN1_ATTENDS_AND_SPEAKS"),
        ("2026-03-27", "PN1_ATTENDS_AND_SPEAKS"),
    ]
    # Reg 33: 27 March was the second review, so the third is due 6 months after it.
    assert [
        s["dueDate"]
        for s in care["steps"]
        if s["kind"] == "LOOKED_AFTER_REVIEW" and s["status"] == "OPEN"
    ] == ["2026-09-27"]


async def test_reviews_and_visits_typed_out_of_order_answer_the_due_step_of_their_day(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # The later review and visit typed first, late against the first one's day (so with
    # a reason); then the earlier ones, on time. Each met the due step of its own day: the
    # first the first, the later one the one due from the first. Neither is late.
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    care = await _start(client, worker, demo_child(world, index=2))
    review = {"participation": "PN1_ATTENDS_AND_SPEAKS"}
    old = {"lateReason": "Typed from the paper file"}
    for action, data in (
        ("holdLookedAfterReview", {**review, "heldOn": "2026-06-25"}),
        ("recordStatutoryVisit", {"on": "2026-04-10"}),
    ):
        assert _problem(await act(client, worker, action, care, data))[0] == "lateReason"
        care = await act(client, worker, action, care, {**data, **old})
    care = await act(
        client, worker, "holdLookedAfterReview", care, {**review, "heldOn": "2026-03-27"}
    )
    care = await act(client, worker, "recordStatutoryVisit", care, {"on": "2026-03-06"})
    assert care["__typename"] == "PeriodOfCare", care
    # Reg 33: 20 working days from 2 March (30 March), then 3 months from 27 March.
    assert answered(care, "LOOKED_AFTER_REVIEW") == [
        ("2026-03-27", "2026-03-30", False),
        ("2026-06-25", "2026-06-27", False),
    ]
    # Reg 28: within a week of the placement (9 March), then 6 weeks from 6 March.
    assert answered(care, "STATUTORY_VISIT") == [
        ("2026-03-06", "2026-03-09", False),
        ("2026-04-10", "2026-04-17", False),
    ]
    # 25 June is now the second review: the third is due 6 months after it, not 3.
    assert step(care, "LOOKED_AFTER_REVIEW", "OPEN")["dueDate"] == "2026-12-25"
    assert step(care, "STATUTORY_VISIT", "OPEN")["dueDate"] == "2026-05-22"
    # After a move, a visit in the earlier placement typed late is history: the visits
    # there fell due from its own start, not the new placement's.
    move = {
        "changedOn": "2026-06-01",
        "placementType": "U4_FOSTER_OTHER_CARER_LONG_TERM",
        "placementProvider": "PR1_OWN_PROVISION",
        "reason": "CARPL_CARE_PLAN",
    }
    care = await act(client, worker, "changePlacement", care, move)
    care = await act(client, worker, "recordStatutoryVisit", care, {"on": "2026-06-05"})
    care = await act(client, worker, "recordStatutoryVisit", care, {"on": "2026-03-20"})
    assert answered(care, "STATUTORY_VISIT") == [
        ("2026-03-06", "2026-03-09", False),
        ("2026-03-20", None, False),
        ("2026-04-10", "2026-04-17", False),
        ("2026-06-05", "2026-06-08", False),
    ]


async def test_steps_held_in_care_are_written_up_once_care_has_ended(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, tmp_path: Path
) -> None:
    # Paper records typed after the child went home: a review, visit, health assessment
    # and PEP held while the child was looked after are history of the period (the
    # SSDA903 reports every review of the year), dated by the end of care, nothing due.
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world, index=2)
    care = await _start(client, worker, child_id)
    care = await act(client, worker, "recordStatutoryVisit", care, {"on": "2026-03-05"})
    ending = {"endedOn": "2026-03-31", "reason": "E4A_RETURNED_HOME_AS_PLANNED"}
    care = await act(client, worker, "ceaseLookedAfter", care, ending)
    care = await decide(client, manager, "authorisePeriodOfCare", care)
    assert care["status"] == "CEASED"

    review = {"participation": "PN1_ATTENDS_AND_SPEAKS"}
    after = await act(
        client, worker, "holdLookedAfterReview", care, {**review, "heldOn": "2026-04-01"}
    )
    assert _problem(after) == ("heldOn", "must not be after care ended (2026-03-31)")
    held = (
        ("holdLookedAfterReview", {**review, "heldOn": "2026-03-27"}, "LOOKED_AFTER_REVIEW"),
        ("recordStatutoryVisit", {"on": "2026-03-20"}, "STATUTORY_VISIT"),
        ("recordHealthAssessment", {"on": "2026-03-25"}, "HEALTH_ASSESSMENT"),
        ("recordPersonalEducationPlan", {"on": "2026-03-26"}, "PERSONAL_EDUCATION_PLAN"),
    )
    for action, data, kind in held:
        care = await act(client, worker, action, care, data)
        assert (care["__typename"], care["status"]) == ("PeriodOfCare", "CEASED"), care
        done = step(care, kind, "DONE")
        assert done["completedDate"] == data.get("on", data.get("heldOn")), done
    assert [s["kind"] for s in care["steps"] if s["status"] == "OPEN"] == []
    assert step(care, "LOOKED_AFTER_REVIEW", "DONE")["participation"] == "PN1_ATTENDS_AND_SPEAKS"

    await write_ssda903(store, CollectionYear(2026), tmp_path)
    assert rows_of(tmp_path, "reviews", child_id, "REVIEW", "REVIEW_CODE") == [
        ("27/03/2026", "PN1")
    ]


async def _missing_when_care_ends(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, **missing: str
) -> tuple[str, dict[str, Any]]:
    """A child looked after from 2 March 2026 (missing from the day given, if one is),
    whose care ended on 31 March; the child and the period of care."""
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world, index=2)
    care = await _start(client, worker, child_id)
    care = await act(client, worker, "recordStatutoryVisit", care, {"on": "2026-03-05"})
    if missing:
        care = await act(client, worker, "recordMissingEpisode", care, missing)
    ending = {"endedOn": "2026-03-31", "reason": "E4A_RETURNED_HOME_AS_PLANNED"}
    care = await act(client, worker, "ceaseLookedAfter", care, ending)
    return child_id, await decide(client, manager, "authorisePeriodOfCare", care)


async def test_a_missing_episode_in_care_is_written_up_once_care_has_ended(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, tmp_path: Path
) -> None:
    # The SSDA903 Missing table reports every episode of the year: one the child had in
    # care, written up after care ended, is history (no return home interview falls due),
    # begun within care, with the day the child returned, after care ended as it may be.
    child_id, care = await _missing_when_care_ends(client, settings, store)
    worker = bearer(settings, "social-worker")
    missing = {"type": "M_MISSING", "startedOn": "2026-03-10"}
    for data, field in (
        ({"type": "M_MISSING", "startedOn": "2026-04-01", "returnedOn": "2026-04-02"}, "startedOn"),
        (missing, "returnedOn"),
    ):
        refused = await act(client, worker, "recordMissingEpisode", care, data)
        assert _problem(refused)[0] == field, (data, refused)
    care = await act(
        client, worker, "recordMissingEpisode", care, {**missing, "returnedOn": "2026-04-02"}
    )
    assert (care["__typename"], care["status"]) == ("PeriodOfCare", "CEASED"), care
    episode = step(care, "MISSING_EPISODE", "DONE")
    assert (episode["startDate"], episode["completedDate"]) == ("2026-03-10", "2026-04-02")
    assert [s["kind"] for s in care["steps"] if s["status"] == "OPEN"] == []

    # Missing from placement until care ended (rule 577: not after the period of care).
    await write_ssda903(store, CollectionYear(2026), tmp_path)
    assert rows_of(tmp_path, "missing", child_id, "MISSING", "MIS_START", "MIS_END") == [
        ("M", "10/03/2026", "31/03/2026")
    ]


async def test_a_child_missing_when_care_ended_is_recorded_back_the_day_they_returned(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, tmp_path: Path
) -> None:
    # Missing from 20 March, still missing when care ended on 31 March, back on 3 April:
    # the episode ran to 3 April, no return home interview falls due from care that has
    # ended, and the SSDA903 reads the episode ending with care.
    missing = {"type": "M_MISSING", "startedOn": "2026-03-20"}
    child_id, care = await _missing_when_care_ends(client, settings, store, **missing)
    worker = bearer(settings, "social-worker")
    assert step(care, "MISSING_EPISODE")["completedDate"] == "2026-03-31"
    early = {**missing, "returnedOn": "2026-03-25"}
    refused = await act(client, worker, "recordMissingEpisode", care, early)
    assert _problem(refused) == (
        "returnedOn",
        "the child was still missing when care ended (2026-03-31)",
    )
    back = {**missing, "returnedOn": "2026-04-03"}
    care = await act(client, worker, "recordMissingEpisode", care, back)
    assert (care["__typename"], care["status"]) == ("PeriodOfCare", "CEASED"), care
    episodes = [s for s in care["steps"] if s["kind"] == "MISSING_EPISODE"]
    assert [(s["status"], s["startDate"], s["completedDate"]) for s in episodes] == [
        ("DONE", "2026-03-20", "2026-04-03")
    ]
    assert [s["kind"] for s in care["steps"] if s["status"] == "OPEN"] == []
    # Recorded once: the return is not recorded again.
    again = await act(client, worker, "recordMissingEpisode", care, back)
    assert _problem(again)[0] == "startedOn"

    await write_ssda903(store, CollectionYear(2026), tmp_path)
    assert rows_of(tmp_path, "missing", child_id, "MISSING", "MIS_START", "MIS_END") == [
        ("M", "20/03/2026", "31/03/2026")
    ]


async def test_a_return_after_care_ended_is_corrected_by_the_rules_it_was_recorded_by(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # Missing from 20 March when care ended on the 31st: the day the child returned is
    # not known yet, so it is recorded (recordMissingEpisode), not corrected; once
    # recorded, a return after the end is corrected as it was recorded, after the end,
    # and the start still only within care.
    missing = {"type": "M_MISSING", "startedOn": "2026-03-20"}
    _, care = await _missing_when_care_ends(client, settings, store, **missing)
    worker = bearer(settings, "social-worker")
    episode = step(care, "MISSING_EPISODE")
    correct = "correctMissingEpisode"
    unknown = {"stepId": episode["id"], "returnedOn": "2026-04-02", "reason": "Typo"}
    refused = await act(client, worker, correct, care, unknown)
    assert _problem(refused)[0] == "returnedOn", refused
    assert "recordMissingEpisode" in _problem(refused)[1]
    care = await act(
        client, worker, "recordMissingEpisode", care, missing | {"returnedOn": "2026-04-03"}
    )
    care = await act(client, worker, correct, care, unknown)
    assert step(care, "MISSING_EPISODE")["completedDate"] == "2026-04-02", care
    late_start = {"stepId": episode["id"], "startedOn": "2026-04-01", "reason": "Typo"}
    refused = await act(client, worker, correct, care, late_start)
    assert _problem(refused)[0] == "startedOn", refused


async def test_a_care_action_without_a_date_happened_today(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    today = today_in_england().isoformat()
    start = {
        "childId": demo_child(world, index=2),
        "legalStatus": "V2_SINGLE_PERIOD_OF_ACCOMMODATION",
        "placementType": "U6_FOSTER_OTHER_CARER_OTHER",
        "placementProvider": "PR1_OWN_PROVISION",
    }
    care = (await graphql(client, worker, START, {"input": start}))["startLookedAfter"]
    assert (care["__typename"], care["startDate"]) == ("PeriodOfCare", today)
    care = await act(client, worker, "recordStatutoryVisit", care, {})
    assert step(care, "STATUTORY_VISIT", "DONE")["completedDate"] == today


async def test_care_ending_on_the_18th_birthday_makes_the_next_birthday_contact_due(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # SSDA903 OC3 (rules 1007, 1016): a young person looked after on the birthday (care
    # ended that day) has no care leaver information for it, so the hub asks for none:
    # the first contact due is the 19th birthday's, and one made on the 18th is kept as a
    # contact without leaving a birthday due that the return never reads.
    worker, care = await _care_leaver(
        client, settings, store, born="2006-08-12", started_on="2020-09-07", ended_on="2024-08-12"
    )
    assert step(care, "CARE_LEAVER_CONTACT", "OPEN")["dueDate"] == "2025-08-12"
    contact = {
        "inTouch": "YES_IN_TOUCH",
        "activity": "F2_FULL_TIME_OTHER_EDUCATION",
        "accommodation": "D1_SEMI_INDEPENDENT_SUITABLE",
    }
    care = await act(
        client, worker, "recordCareLeaverContact", care, {"on": "2024-08-12", **contact}
    )
    kept = step(care, "CARE_LEAVER_CONTACT", "DONE")
    assert (kept["completedDate"], kept["dueDate"]) == ("2024-08-12", None)
    assert step(care, "CARE_LEAVER_CONTACT", "OPEN")["dueDate"] == "2025-08-12"


# What code before e5e10fc wrote when care ended on a birthday: the contact due that day.
_DUE_ON_THE_BIRTHDAY_CARE_ENDED = """
MATCH (:PeriodOfCare {id: $id})<-[:PART_OF]-(s:Step {kind: 'CARE_LEAVER_CONTACT'})
WHERE s.status = $status
SET s.dueDate = date($due)
"""


async def _care_now(
    client: httpx.AsyncClient, worker: dict[str, str], care: dict[str, Any]
) -> dict[str, Any]:
    query = f"query ($id: ID!) {{ periodOfCare(id: $id) {{ {CARE_FIELDS} }} }}"
    found = await graphql(client, worker, query, {"id": care["id"]})
    return found["periodOfCare"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("contact_made", [False, True])
async def test_migration_8_makes_the_next_birthday_contact_due_where_care_ended_on_one(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, contact_made: bool
) -> None:
    # A store written before e5e10fc: care ended on the 18th birthday left that day's
    # contact due (overdue on the worker's list, for a birthday the 903 never reads), or a
    # contact made around it answered it. The migration puts both as the journey now
    # records them, once however often it runs.
    worker, care = await _care_leaver(
        client, settings, store, born="2006-08-12", started_on="2020-09-07", ended_on="2024-08-12"
    )
    if contact_made:
        contact = {
            "inTouch": "YES_IN_TOUCH",
            "activity": "F2_FULL_TIME_OTHER_EDUCATION",
            "accommodation": "D1_SEMI_INDEPENDENT_SUITABLE",
        }
        care = await act(
            client, worker, "recordCareLeaverContact", care, {"on": "2024-09-01", **contact}
        )
    status = "DONE" if contact_made else "OPEN"
    stale = {"id": care["id"], "status": status, "due": "2024-08-12"}
    await store.write(_DUE_ON_THE_BIRTHDAY_CARE_ENDED, stale)
    assert (
        step(await _care_now(client, worker, care), "CARE_LEAVER_CONTACT", status)["dueDate"]
        == "2024-08-12"
    )
    migration = next(m for m in MIGRATIONS if m.version == 8)
    await migration.apply(store)
    await migration.apply(store)
    now = await _care_now(client, worker, care)
    assert [
        (s["status"], s["dueDate"], s["completedDate"])
        for s in sorted(now["steps"], key=lambda s: s["status"])
        if s["kind"] == "CARE_LEAVER_CONTACT"
    ] == [
        *([("DONE", None, "2024-09-01")] if contact_made else []),
        ("OPEN", "2025-08-12", None),
    ]


async def test_a_new_legal_status_and_placement_the_same_day_is_one_episode(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    care = await _start(
        client, worker, demo_child(world, index=2), legalStatus="L2_EMERGENCY_PROTECTION_ORDER"
    )
    move = {
        "changedOn": "2026-03-09",
        "placementType": "U3_FOSTER_RELATIVE_OR_FRIEND_OTHER",
        "placementProvider": "PR1_OWN_PROVISION",
        "reason": "CARPL_CARE_PLAN",
    }
    same = await act(
        client,
        worker,
        "changePlacement",
        care,
        {**move, "legalStatus": "L2_EMERGENCY_PROTECTION_ORDER"},
    )
    assert _problem(same) == ("legalStatus", "is already the child's legal status")
    short_break = await act(
        client, worker, "changePlacement", care, {**move, "legalStatus": "V3_SHORT_BREAKS_EPISODES"}
    )
    assert _problem(short_break)[0] == "legalStatus"
    care = await act(
        client, worker, "changePlacement", care, {**move, "legalStatus": "C1_INTERIM_CARE_ORDER"}
    )
    assert care["__typename"] == "PeriodOfCare", care
    care = await act(
        client,
        worker,
        "changePlacement",
        care,
        {
            **move,
            "changedOn": "2026-04-20",
            "placementType": "U1_FOSTER_RELATIVE_OR_FRIEND_LONG_TERM",
            "sameCarer": True,
            "legalStatus": "C2_FULL_CARE_ORDER",
        },
    )
    episodes = [s for s in care["steps"] if s["kind"] == "LOOKED_AFTER_EPISODE"]
    assert [(s["legalStatus"], s["placementType"], s["reasonNewEpisode"]) for s in episodes] == [
        (
            "L2_EMERGENCY_PROTECTION_ORDER",
            "U6_FOSTER_OTHER_CARER_OTHER",
            "S_STARTED_TO_BE_LOOKED_AFTER",
        ),
        (
            "C1_INTERIM_CARE_ORDER",
            "U3_FOSTER_RELATIVE_OR_FRIEND_OTHER",
            "B_LEGAL_STATUS_PLACEMENT_AND_CARER_CHANGE",
        ),
        (
            "C2_FULL_CARE_ORDER",
            "U1_FOSTER_RELATIVE_OR_FRIEND_LONG_TERM",
            "U_LEGAL_STATUS_AND_PLACEMENT_CHANGE_SAME_CARER",
        ),
    ]


async def test_a_new_legal_status_with_the_same_placement_is_a_legal_status_change(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # SSDA903 rule 436: "Reason for new episode is that both child's placement and legal
    # status have changed, but this is not reflected in the episode data." A placement
    # order granted while the child stays with the same foster carer, recorded as a
    # placement change in status only, is a change of legal status alone: RNE L.
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    care = await _start(client, worker, demo_child(world, index=2))
    # The decision for adoption comes before the placement order (SSDA903 rule 553).
    decided = {"periodOfCareId": care["id"], "decidedOn": "2026-03-04"}
    assert (await graphql(client, worker, DECIDE_ADOPTION, {"input": decided}))["decideAdoption"][
        "__typename"
    ] == "AdoptionPlan"
    now = f"query ($id: ID!) {{ periodOfCare(id: $id) {{ {CARE_FIELDS} }} }}"
    care = (await graphql(client, worker, now, {"id": care["id"]}))["periodOfCare"]
    unchanged = {
        "changedOn": "2026-03-09",
        "placementType": "U6_FOSTER_OTHER_CARER_OTHER",
        "placementProvider": "PR1_OWN_PROVISION",
        "reason": "PLACE_STATUS_CHANGE_ONLY",
        "sameCarer": True,
        "legalStatus": "E1_PLACEMENT_ORDER",
    }
    care = await act(client, worker, "changePlacement", care, unchanged)
    episodes = [s for s in care["steps"] if s["kind"] == "LOOKED_AFTER_EPISODE"]
    assert [(s["legalStatus"], s["reasonNewEpisode"]) for s in episodes] == [
        ("C2_FULL_CARE_ORDER", "S_STARTED_TO_BE_LOOKED_AFTER"),
        ("E1_PLACEMENT_ORDER", "L_LEGAL_STATUS_CHANGE"),
    ]
    # A new carer in the same kind of placement is a move: RNE B, seen in the return by
    # the new placement's postcode (with every field the same, rule 436 rejects it).
    moved = {**unchanged, "changedOn": "2026-03-16", "sameCarer": False}
    alike = await act(
        client, worker, "changePlacement", care, {**moved, "legalStatus": "C2_FULL_CARE_ORDER"}
    )
    assert alike["__typename"] == "InvalidInput", alike
    assert alike["problems"][0]["field"] == "placementPostcode", alike
    moved["placementPostcode"] = "SG13 8DE"
    care = await act(
        client, worker, "changePlacement", care, {**moved, "legalStatus": "C2_FULL_CARE_ORDER"}
    )
    episodes = [s for s in care["steps"] if s["kind"] == "LOOKED_AFTER_EPISODE"]
    assert episodes[-1]["reasonNewEpisode"] == "B_LEGAL_STATUS_PLACEMENT_AND_CARER_CHANGE"


async def _on_a_plan(
    client: httpx.AsyncClient, worker: dict[str, str], child_id: str
) -> dict[str, Any]:
    """A case with a child protection plan made at a transfer-in conference on 19 June."""
    case = await referral_for(client, worker, child_id, date(2026, 6, 1))
    return await act(
        client,
        worker,
        "holdTransferInConference",
        case,
        {"heldOn": "2026-06-19", "planRequired": True, "categoriesOfAbuse": ["NEG_NEGLECT"]},
    )


async def test_becoming_looked_after_does_not_end_a_plan_before_its_last_step(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    child_id = demo_child(world, index=2)
    case = await _on_a_plan(client, worker, child_id)
    plan = latest(case, "childProtectionPlans")
    case = await act(client, worker, "holdReviewConference", plan, {"heldOn": "2026-09-15"})
    plan = latest(case, "childProtectionPlans")
    # Late recording: care said to start on 10 September would end the plan (the day the
    # child becomes looked after) before the review conference held under it.
    early = await _start(client, worker, child_id, startedOn="2026-09-10")
    assert _problem(early) == (
        "startedOn",
        f"must not be before the last recorded step (2026-09-15) of child protection plan "
        f"{plan['id']}, which ends the day the child becomes looked after",
    )
    assert await case_now(client, worker, case["id"]) == case
    care = await _start(client, worker, child_id, startedOn="2026-09-15")
    assert care["__typename"] == "PeriodOfCare", care
    plan = latest(await case_now(client, worker, case["id"]), "childProtectionPlans")
    assert (plan["status"], plan["endDate"], plan["endReason"]) == (
        "ENDED",
        "2026-09-15",
        "BECAME_LOOKED_AFTER",
    )


async def test_a_step_recorded_on_the_plan_while_care_starts_is_not_lost(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    child_id = demo_child(world, index=2)
    case = await _on_a_plan(client, worker, child_id)
    read = store.read
    raced: list[dict[str, Any]] = []

    async def racing_read(statement: str, params: Any = None) -> list[Any]:
        rows = await read(statement, params)
        if statement == care_statements.ACTIVE_CHILD_PROTECTION_PLANS and not raced:
            # Between the check of the plan and the write, another worker records the
            # first core group on 1 July.
            plan = latest(case, "childProtectionPlans")
            raced.append(await act(client, worker, "holdCoreGroup", plan, {"heldOn": "2026-07-01"}))
        return rows

    monkeypatch.setattr(store, "read", racing_read)
    refused = await _start(client, worker, child_id, startedOn="2026-06-25")
    assert raced[0]["__typename"] == "Case", raced
    assert refused["__typename"] == "TransitionRefused", refused
    assert "child protection plan changed" in refused["reason"]
    after = await case_now(client, worker, case["id"])
    plan = latest(after, "childProtectionPlans")
    assert (plan["status"], plan["endDate"]) == ("ACTIVE", None)
    assert step(plan, "CORE_GROUP")["completedDate"] == "2026-07-01"
    # Tried again, the start of care sees the core group.
    again = await _start(client, worker, child_id, startedOn="2026-06-25")
    assert _problem(again)[0] == "startedOn"


async def test_care_does_not_end_before_a_step_recorded_in_it(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    care = await _start(client, worker, demo_child(world, index=2))
    late = {"lateReason": "recorded late"}
    ending = {"reason": "E4A_RETURNED_HOME_AS_PLANNED"}
    steps = (
        ("recordStatutoryVisit", {"on": "2026-03-05"}, "2026-03-04"),
        (
            "holdLookedAfterReview",
            {"heldOn": "2026-03-27", "participation": "PN1_ATTENDS_AND_SPEAKS", **late},
            "2026-03-26",
        ),
        ("recordHealthAssessment", {"on": "2026-04-20", **late}, "2026-04-17"),
    )
    for action, data, day_before in steps:
        care = await act(client, worker, action, care, data)
        done_on = data.get("on") or data["heldOn"]
        refused = await act(
            client, worker, "ceaseLookedAfter", care, {"endedOn": day_before, **ending}
        )
        assert _problem(refused) == (
            "endedOn",
            f"must not be before the last step recorded in care ({done_on})",
        )
    now = await graphql(
        client,
        worker,
        f"query ($id: ID!) {{ periodOfCare(id: $id) {{ {CARE_FIELDS} }} }}",
        {"id": care["id"]},
    )
    assert now["periodOfCare"] == {k: v for k, v in care.items() if k != "__typename"}
    care = await act(client, worker, "ceaseLookedAfter", care, {"endedOn": "2026-04-20", **ending})
    assert (care["status"], care["awaitingAuthorisationOf"]) == (
        "CEASING_AWAITING_AUTHORISATION",
        "ceaseLookedAfter",
    )


async def test_only_a_child_born_and_under_18_starts_to_be_looked_after(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    unborn, adult = demo_child(world, index=2), demo_child(world, index=3)
    await store.write(
        "MATCH (c:Child {id: $id}) SET c.unborn = true, c.dateOfBirth = null,"
        " c.expectedDateOfBirth = date('2026-03-20')",
        {"id": unborn},
    )
    # A pre-birth plan is not care: the baby is looked after from birth at the earliest.
    refused = await _start(client, worker, unborn)
    assert _problem(refused) == ("childId", "the child is not born yet: record the birth first")
    born = await graphql(
        client,
        worker,
        """mutation ($input: RecordBirthInput!) { recordBirth(input: $input) { __typename } }""",
        {"input": {"childId": unborn, "on": "2026-03-01", "sex": "F"}},
    )
    assert born["recordBirth"]["__typename"] == "ChildFact"
    care = await _start(client, worker, unborn, startedOn="2026-03-02")
    assert care["__typename"] == "PeriodOfCare"
    # SSDA903 rule 352: nobody starts to be looked after at 18 or over.
    await store.write(
        "MATCH (c:Child {id: $id}) SET c.dateOfBirth = date('2008-03-02')", {"id": adult}
    )
    refused = await _start(client, worker, adult, startedOn="2026-03-02")
    assert _problem(refused) == (
        "startedOn",
        "the young person turned 18 on 2026-03-02: too old to start to be looked after",
    )
    care = await _start(client, worker, adult, startedOn="2026-03-01")
    assert care["__typename"] == "PeriodOfCare"


FINALISE = """
mutation ($id: ID!, $outcome: ContactOutcome!, $on: Date) {
  finaliseContact(contactId: $id, outcome: $outcome, on: $on) { __typename
    ... on FinalisedContact { contact { status outcome referralId } }
    ... on TransitionRefused { currentState allowedNextSteps reason } } }
"""


async def test_after_a_childs_death_no_care_or_episode_of_need_begins(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world, index=2)
    case = await referral_for(client, worker, child_id, date(2025, 9, 1))
    care = await _start(client, worker, child_id, startedOn="2025-09-10")
    # The child dies in care on 3 November: care ends E2 and the episode closes RC2.
    care = await act(
        client, worker, "ceaseLookedAfter", care, {"endedOn": "2025-11-03", "reason": "E2_DIED"}
    )
    care = await decide(client, manager, "authorisePeriodOfCare", care, on="2025-11-04")
    assert (care["status"], care["endDate"]) == ("CEASED", "2025-11-03")
    case = await act(
        client, worker, "closeCase", case, {"closedOn": "2025-11-03", "reason": "RC2_DIED"}
    )
    case = await decide(client, manager, "authoriseCase", case, on="2025-11-04")
    assert case["status"] == "CLOSED"
    # SSDA903 rule 437: no episode of care follows the one that ended with the death.
    refused = await _start(client, worker, child_id, startedOn="2026-01-05")
    assert _problem(refused) == (
        "startedOn",
        "the child's death on 2025-11-03 is recorded (RC2 or E2)",
    )
    # Nor does a later contact open an episode of need; it can still be recorded and
    # finalised with another outcome.
    contact = await graphql(
        client,
        worker,
        """mutation ($input: RecordContactInput!) { recordContact(input: $input) {
             ... on Contact { id } } }""",
        {
            "input": {
                "childId": child_id,
                "receivedDate": "2026-02-02",
                "source": "POLICE",
                "summary": "Information received about the family.",
            }
        },
    )
    contact_id = contact["recordContact"]["id"]
    before = await case_now(client, worker, case["id"])
    refused = (
        await graphql(
            client,
            worker,
            FINALISE,
            {"id": contact_id, "outcome": "REFERRAL_TO_SOCIAL_CARE", "on": "2026-02-02"},
        )
    )["finaliseContact"]
    assert refused["__typename"] == "TransitionRefused", refused
    assert "the child's death on 2025-11-03 is recorded" in refused["reason"]
    cases = await graphql(
        client, worker, "query ($id: ID!) { child(id: $id) { cases { id } } }", {"id": child_id}
    )
    assert [c["id"] for c in cases["child"]["cases"]] == [case["id"]]
    assert await case_now(client, worker, case["id"]) == before
    advice = (
        await graphql(
            client,
            worker,
            FINALISE,
            {"id": contact_id, "outcome": "INFORMATION_AND_ADVICE", "on": "2026-02-02"},
        )
    )["finaliseContact"]
    assert advice["contact"]["status"] == "FINALISED"


async def test_a_review_s_participation_code_fits_the_child_s_age_that_day(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # SSDA903 REVIEW_CODE: PN0 is "child aged under 4 at the time of the review"; PN1-PN7
    # are for a child of 4 or over (rules 440, 441: on the 4th birthday either fits).
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    child_id = demo_child(world, index=2)
    await store.write(
        "MATCH (c:Child {id: $id}) SET c.dateOfBirth = date('2022-05-20')", {"id": child_id}
    )
    care = await _start(client, worker, child_id, startedOn="2026-03-02")
    review = {"lateReason": "late"}
    speaks = await act(
        client,
        worker,
        "holdLookedAfterReview",
        care,
        {**review, "heldOn": "2026-03-27", "participation": "PN1_ATTENDS_AND_SPEAKS"},
    )
    field, rule = _problem(speaks)
    assert (field, "441" in rule, "2026-05-20" in rule) == ("participation", True, True)
    care = await act(
        client,
        worker,
        "holdLookedAfterReview",
        care,
        {**review, "heldOn": "2026-03-27", "participation": "PN0_UNDER_FOUR"},
    )
    assert care["__typename"] == "PeriodOfCare", care
    under_four = await act(
        client,
        worker,
        "holdLookedAfterReview",
        care,
        {**review, "heldOn": "2026-06-26", "participation": "PN0_UNDER_FOUR"},
    )
    field, rule = _problem(under_four)
    assert (field, "440" in rule) == ("participation", True)
    care = await act(
        client,
        worker,
        "holdLookedAfterReview",
        care,
        {**review, "heldOn": "2026-06-26", "participation": "PN4_ATTENDS_WITHOUT_CONTRIBUTION"},
    )
    assert care["__typename"] == "PeriodOfCare", care
    # A correction keeps the rule: the PN0 review of 27 March was not on 20 June, when the
    # child was 4; the day is what is wrong.
    under = next(s for s in care["steps"] if s["participation"] == "PN0_UNDER_FOUR")
    moved = await act(
        client,
        worker,
        "correctCareStepDate",
        care,
        {"stepId": under["id"], "happenedOn": "2026-06-20", "reason": "Typo"},
    )
    field, rule = _problem(moved)
    assert (field, "440" in rule) == ("happenedOn", True)


async def test_a_looked_after_review_or_visit_typed_with_the_wrong_day_is_corrected(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, tmp_path: Path
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    child_id = demo_child(world, index=2)
    care = await _start(client, worker, child_id)
    care = await act(client, worker, "recordStatutoryVisit", care, {"on": "2026-03-05"})
    review = {"participation": "PN1_ATTENDS_AND_SPEAKS", "heldOn": "2026-03-27"}
    care = await act(client, worker, "holdLookedAfterReview", care, review)
    assert step(care, "LOOKED_AFTER_REVIEW", "OPEN")["dueDate"] == "2026-06-27"
    visit, held = step(care, "STATUTORY_VISIT", "DONE"), step(care, "LOOKED_AFTER_REVIEW", "DONE")
    correct = "correctCareStepDate"

    before = await act(
        client,
        worker,
        correct,
        care,
        {"stepId": held["id"], "happenedOn": "2026-03-01", "reason": "Typo"},
    )
    assert _problem(before) == ("happenedOn", "must not be before the start of care (2026-03-02)")
    # The first review was on 25 March, typed as the 27th: the second is due 3 months
    # after the 25th; the 903 reports the 25th.
    care = await act(
        client,
        worker,
        correct,
        care,
        {"stepId": held["id"], "happenedOn": "2026-03-25", "reason": "Minutes say 25th"},
    )
    held = step(care, "LOOKED_AFTER_REVIEW", "DONE")
    assert (held["completedDate"], held["correctedFrom"], held["participation"]) == (
        "2026-03-25",
        "2026-03-27",
        "PN1_ATTENDS_AND_SPEAKS",
    )
    assert step(care, "LOOKED_AFTER_REVIEW", "OPEN")["dueDate"] == "2026-06-25"
    # Reg 28: the next visit 6 weeks after the one on 4 March, typed as the 5th.
    care = await act(
        client,
        worker,
        correct,
        care,
        {"stepId": visit["id"], "happenedOn": "2026-03-04", "reason": "Typo"},
    )
    assert step(care, "STATUTORY_VISIT", "OPEN")["dueDate"] == "2026-04-15"

    await write_ssda903(store, CollectionYear(2026), tmp_path)
    assert rows_of(tmp_path, "reviews", child_id, "REVIEW", "REVIEW_CODE") == [
        ("25/03/2026", "PN1")
    ]


async def test_a_missing_episode_typed_with_the_wrong_days_is_corrected(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    care = await _start(client, worker, demo_child(world, index=2))
    earlier = {"type": "A_AWAY", "startedOn": "2026-07-01", "returnedOn": "2026-07-02"}
    care = await act(client, worker, "recordMissingEpisode", care, earlier)
    care = await act(client, worker, "recordReturnHomeInterview", care, {"on": "2026-07-03"})
    missing = {"type": "M_MISSING", "startedOn": "2026-08-03", "returnedOn": "2026-08-05"}
    care = await act(client, worker, "recordMissingEpisode", care, missing)
    episode = [s for s in care["steps"] if s["kind"] == "MISSING_EPISODE"][-1]
    assert step(care, "RETURN_HOME_INTERVIEW", "OPEN")["dueDate"] == "2026-08-08"
    correct = "correctMissingEpisode"

    # The rules of recording it, each naming the field; nothing changes.
    for problem, field in (
        ({"startedOn": "2026-03-01"}, "startedOn"),  # before care started
        ({"startedOn": "2026-07-02"}, "startedOn"),  # over the episode before
        ({"returnedOn": "2026-08-02"}, "returnedOn"),  # before it started
        ({"returnedOn": "2027-08-04"}, "returnedOn"),  # the future
        ({"startedOn": None, "returnedOn": None}, "startedOn"),  # nothing corrected
        ({"stepId": step(care, "RETURN_HOME_INTERVIEW", "OPEN")["id"]}, "stepId"),
        ({"reason": ""}, "reason"),
    ):
        data = {"stepId": episode["id"], "returnedOn": "2026-08-04", "reason": "Typo"} | problem
        refused = await act(client, worker, correct, care, data)
        assert _problem(refused)[0] == field, (problem, refused)

    # Back on the 4th, typed as the 5th: the interview is due 72 hours after the 4th.
    reason = "The police log says the 4th"
    data = {"stepId": episode["id"], "returnedOn": "2026-08-04", "reason": reason}
    care = await act(client, worker, correct, care, data)
    episode = next(s for s in care["steps"] if s["id"] == episode["id"])
    assert (
        episode["startDate"],
        episode["completedDate"],
        episode["correctedFrom"],
        episode["correctionReason"],
        episode["correctedBy"],
        episode["missingType"],
    ) == ("2026-08-03", "2026-08-04", "2026-08-05", reason, "worker-sw-demo", "M_MISSING")
    assert step(care, "RETURN_HOME_INTERVIEW", "OPEN")["dueDate"] == "2026-08-07"

    # Once interviewed on the 6th, the return cannot move after the interview.
    care = await act(client, worker, "recordReturnHomeInterview", care, {"on": "2026-08-06"})
    later = data | {"returnedOn": "2026-08-07"}
    assert _problem(await act(client, worker, correct, care, later)) == (
        "returnedOn",
        "must not be after the return home interview that followed it (2026-08-06)",
    )
    care = await act(client, worker, correct, care, data | {"startedOn": "2026-08-02"})
    episode = next(s for s in care["steps"] if s["id"] == episode["id"])
    assert (episode["startDate"], episode["correctedFrom"]) == ("2026-08-02", "2026-08-03")


async def test_a_care_leaver_contact_is_coded_as_the_return_reads_it(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # SSDA903 OC3: a young person who died or returned home has no activity or
    # accommodation to report (NOT_KNOWN, 0: rule 344), one in touch has both (345), and
    # at 17 a young person is not yet living with former foster carers (3001). A contact
    # coded otherwise is refused, naming the field, and changes nothing.
    worker, care = await _care_leaver(
        client, settings, store, born="2008-06-10", started_on="2023-01-10", ended_on="2025-03-03"
    )
    assert step(care, "CARE_LEAVER_CONTACT", "OPEN")["dueDate"] == "2025-06-10"
    touching = {"on": "2025-06-12", "inTouch": "YES_IN_TOUCH"}
    refused = [
        (
            {**touching, "activity": "NOT_KNOWN", "accommodation": "D1_SEMI_INDEPENDENT_SUITABLE"},
            "activity",
        ),
        (
            {**touching, "activity": "F2_FULL_TIME_OTHER_EDUCATION", "accommodation": "NOT_KNOWN"},
            "accommodation",
        ),
        (
            {
                **touching,
                "inTouch": "RHOM_RETURNED_HOME",
                "activity": "F2_FULL_TIME_OTHER_EDUCATION",
                "accommodation": "NOT_KNOWN",
            },
            "activity",
        ),
        (
            {
                **touching,
                "inTouch": "DIED_AFTER_LEAVING_CARE",
                "activity": "NOT_KNOWN",
                "accommodation": "B1_WITH_PARENTS_OR_RELATIVES_SUITABLE",
            },
            "accommodation",
        ),
        (
            {
                **touching,
                "activity": "F2_FULL_TIME_OTHER_EDUCATION",
                "accommodation": "Z1_WITH_FORMER_FOSTER_CARERS_SUITABLE",
            },
            "accommodation",
        ),
    ]
    for contact, field in refused:
        answer = await act(client, worker, "recordCareLeaverContact", care, contact)
        assert answer["__typename"] == "InvalidInput", (contact, answer)
        assert [p["field"] for p in answer["problems"]] == [field], answer
    unchanged = await act(
        client,
        worker,
        "recordCareLeaverContact",
        care,
        {
            **touching,
            "inTouch": "RHOM_RETURNED_HOME",
            "activity": "NOT_KNOWN",
            "accommodation": "NOT_KNOWN",
        },
    )
    assert unchanged["__typename"] == "PeriodOfCare", unchanged
    assert unchanged["version"] == care["version"] + 1
    done = step(unchanged, "CARE_LEAVER_CONTACT", "DONE")
    assert (done["dueDate"], done["completedDate"]) == ("2025-06-10", "2025-06-12")


async def test_care_taken_over_by_another_authority_makes_no_care_leaver_here(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # A young person whose care another local authority took over (E3) is that
    # authority's care leaver: this one's 903 has no care leaver information for them
    # (SSDA903 rule 1011), so the end of care cannot make them one here.
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world, index=3)
    await store.write(
        "MATCH (c:Child {id: $id}) SET c.dateOfBirth = date('2008-06-10')", {"id": child_id}
    )
    start = {
        "childId": child_id,
        "startedOn": "2023-01-10",
        "legalStatus": "C2_FULL_CARE_ORDER",
        "placementType": "U6_FOSTER_OTHER_CARER_OTHER",
        "placementProvider": "PR1_OWN_PROVISION",
    }
    care = (await graphql(client, worker, START, {"input": start}))["startLookedAfter"]
    ended = {"endedOn": "2025-03-03", "reason": "E3_CARE_TAKEN_OVER_BY_ANOTHER_LOCAL_AUTHORITY"}
    refused = await act(client, worker, "ceaseLookedAfter", care, {**ended, "careLeaver": True})
    assert _problem(refused) == ("careLeaver", "E3 does not make a care leaver")
    care = await act(client, worker, "ceaseLookedAfter", care, ended)
    care = await decide(client, manager, "authorisePeriodOfCare", care)
    assert care["status"] == "CEASED", care
