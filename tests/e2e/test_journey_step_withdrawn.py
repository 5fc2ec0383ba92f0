"""A held step of care recorded in error (on the wrong child, or twice on different
days): withdrawn with `withdrawCareStep`, kept as `CANCELLED` with why, who and when,
counted by no return, and what falls due from the steps of its kind follows the ones
left, as if it had never been recorded (a return home interview's return, or a care
leaver contact's birthday, asks one again)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from returns import CollectionYear, write_ssda903
from tests.e2e.journey_helpers import (
    CARE_FIELDS,
    OUTCOMES,
    act,
    decide,
    demo_child,
    demo_county,
    latest,
    referral_for,
    step,
)
from tests.helpers import bearer, graphql
from tests.returns.test_ssda903 import rows_of

pytestmark = pytest.mark.anyio

START = f"""
mutation ($input: StartLookedAfterInput!) {{ startLookedAfter(input: $input) {{
  __typename ... on PeriodOfCare {{ {CARE_FIELDS} }} {OUTCOMES} }} }}
"""
WITHDRAW = f"""mutation ($id: ID!, $version: Int!, $input: WithdrawStepInput!) {{
  withdrawCareStep(periodOfCareId: $id, version: $version, input: $input) {{ __typename
  ... on PeriodOfCare {{ {CARE_FIELDS} steps {{ id status withdrawnReason withdrawnBy
  withdrawnAt }} }} {OUTCOMES} }} }}"""


def _held(care: dict, kind: str, on: str) -> dict:  # type: ignore[type-arg]
    return next(s for s in care["steps"] if s["kind"] == kind and s["completedDate"] == on)


async def test_a_review_recorded_in_error_is_withdrawn_and_the_next_falls_due_again(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, tmp_path: Path
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    child_id = demo_child(world, index=3)
    await store.write(
        "MATCH (c:Child {id: $id}) SET c.dateOfBirth = date('2014-06-15')", {"id": child_id}
    )
    start = {
        "childId": child_id,
        "startedOn": "2026-01-05",
        "legalStatus": "C1_INTERIM_CARE_ORDER",
        "placementType": "U6_FOSTER_OTHER_CARER_OTHER",
        "placementProvider": "PR1_OWN_PROVISION",
    }
    care = (await graphql(client, worker, START, {"input": start}))["startLookedAfter"]
    assert care["__typename"] == "PeriodOfCare", care
    review = {"participation": "PN1_ATTENDS_AND_SPEAKS"}
    care = await act(
        client, worker, "holdLookedAfterReview", care, {**review, "heldOn": "2026-01-30"}
    )
    # 3 months after the first review: 30 April.
    assert step(care, "LOOKED_AFTER_REVIEW", "OPEN")["dueDate"] == "2026-04-30"
    # The same review typed again from the chair's notes, with the day a week out: it
    # answers the second review, and the third falls due 6 months after it.
    care = await act(
        client, worker, "holdLookedAfterReview", care, {**review, "heldOn": "2026-02-06"}
    )
    assert step(care, "LOOKED_AFTER_REVIEW", "OPEN")["dueDate"] == "2026-08-06"

    copy = _held(care, "LOOKED_AFTER_REVIEW", "2026-02-06")
    data = {"stepId": copy["id"], "reason": "The 30 January review typed twice"}
    variables = {"id": care["id"], "version": care["version"], "input": data}
    care = (await graphql(client, worker, WITHDRAW, variables))["withdrawCareStep"]
    assert care["__typename"] == "PeriodOfCare", care
    gone = next(s for s in care["steps"] if s["id"] == copy["id"])
    assert (gone["status"], gone["withdrawnReason"], gone["withdrawnBy"]) == (
        "CANCELLED",
        "The 30 January review typed twice",
        "worker-sw-demo",
    )
    assert gone["withdrawnAt"]
    # The next review is due 3 months after the one review there was, as before.
    assert step(care, "LOOKED_AFTER_REVIEW", "OPEN")["dueDate"] == "2026-04-30"
    # Withdrawn once; a step that is not a held step of care is not withdrawn.
    for step_id in (copy["id"], step(care, "LOOKED_AFTER_REVIEW", "OPEN")["id"], "nope"):
        again = {"id": care["id"], "version": care["version"], "input": {**data, "stepId": step_id}}
        refused = (await graphql(client, worker, WITHDRAW, again))["withdrawCareStep"]
        assert [p["field"] for p in refused["problems"]] == ["stepId"], refused
    # The same day may be recorded again now (it is not there twice), and the 903 has
    # the one review.
    await write_ssda903(store, CollectionYear(2026), tmp_path)
    assert rows_of(tmp_path, "reviews", child_id, "REVIEW") == [("30/01/2026",)]
    # A personal education plan recorded on this child that was its sibling's: the one
    # left answers the plan due by the first review (2 February), which it was late for.
    for on in ("2026-01-20", "2026-03-10"):
        care = await act(client, worker, "recordPersonalEducationPlan", care, {"on": on})
    later = _held(care, "PERSONAL_EDUCATION_PLAN", "2026-03-10")
    assert (later["dueDate"], later["completedLate"]) == ("2026-07-21", False)
    sibling = _held(care, "PERSONAL_EDUCATION_PLAN", "2026-01-20")
    data = {"stepId": sibling["id"], "reason": "Her brother's plan"}
    variables = {"id": care["id"], "version": care["version"], "input": data}
    care = (await graphql(client, worker, WITHDRAW, variables))["withdrawCareStep"]
    later = _held(care, "PERSONAL_EDUCATION_PLAN", "2026-03-10")
    assert (later["status"], later["dueDate"], later["completedLate"]) == (
        "DONE",
        "2026-02-02",
        True,
    )
    assert step(care, "PERSONAL_EDUCATION_PLAN", "OPEN")["dueDate"] == "2026-07-21"


async def test_a_child_in_need_visit_recorded_on_the_wrong_child_is_withdrawn(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world, index=4)
    case = await referral_for(client, worker, child_id, date(2026, 5, 1))
    decision = {
        "decidedOn": "2026-05-01",
        "primaryNeed": "N1_ABUSE_OR_NEGLECT",
        "lateReason": "Paper",
    }
    case = await act(client, worker, "decideReferral", case, decision)
    assert case["__typename"] == "Case", case
    case = await decide(client, manager, "authoriseCase", case, on="2026-05-01")
    case = await act(client, worker, "startChildInNeedPlan", case, {"startDate": "2026-05-18"})
    plan = latest(case, "childInNeedPlans")
    visit = {"visitedOn": "2026-06-10", "seenAlone": True}
    case = await act(client, worker, "recordChildInNeedVisit", plan, visit)
    plan = latest(case, "childInNeedPlans")
    assert step(plan, "CHILD_IN_NEED_VISIT", "OPEN")["dueDate"] == "2026-07-08"
    # The visit was to the child's cousin: withdrawn, the next visit is due as it was
    # before it, 20 working days from the plan's start (16 June).
    held = step(plan, "CHILD_IN_NEED_VISIT", "DONE")
    data = {"stepId": held["id"], "reason": "The visit was to her cousin"}
    case = await act(client, worker, "withdrawChildInNeedStep", plan, data)
    plan = latest(case, "childInNeedPlans")
    assert step(plan, "CHILD_IN_NEED_VISIT", "CANCELLED")["id"] == held["id"]
    assert step(plan, "CHILD_IN_NEED_VISIT", "OPEN")["dueDate"] == "2026-06-16"


async def test_a_review_conference_recorded_twice_is_withdrawn_and_the_categories_follow(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    case = await referral_for(client, worker, demo_child(world, index=1), date(2026, 1, 5))
    held = {"heldOn": "2026-01-20", "planRequired": True, "categoriesOfAbuse": ["NEG_NEGLECT"]}
    case = await act(client, worker, "holdTransferInConference", case, held)
    plan = latest(case, "childProtectionPlans")
    assert step(plan, "CHILD_PROTECTION_REVIEW", "OPEN")["dueDate"] == "2026-04-20"
    review = {"heldOn": "2026-04-14", "categoriesOfAbuse": ["EMO_EMOTIONAL_ABUSE"]}
    case = await act(client, worker, "holdReviewConference", plan, review)
    plan = latest(case, "childProtectionPlans")
    assert plan["latestCategoriesOfAbuse"] == ["EMO_EMOTIONAL_ABUSE"]
    # 6 months from the first review.
    assert step(plan, "CHILD_PROTECTION_REVIEW", "OPEN")["dueDate"] == "2026-10-14"
    # The review was the sibling's: withdrawn, the plan is reviewed 3 months after the
    # conference again, in the categories the conference decided, with no review date.
    done = step(plan, "CHILD_PROTECTION_REVIEW", "DONE")
    data = {"stepId": done["id"], "reason": "Her sister's review conference"}
    case = await act(client, worker, "withdrawChildProtectionStep", plan, data)
    assert case["__typename"] == "Case", case
    plan = latest(case, "childProtectionPlans")
    assert (plan["reviewDates"], plan["latestCategoriesOfAbuse"]) == ([], ["NEG_NEGLECT"])
    assert step(plan, "CHILD_PROTECTION_REVIEW", "OPEN")["dueDate"] == "2026-04-20"
    gone = step(plan, "CHILD_PROTECTION_REVIEW", "CANCELLED")
    assert (gone["id"], gone["completedDate"]) == (done["id"], "2026-04-14")


async def _withdrawn(
    client: httpx.AsyncClient,
    worker: dict[str, str],
    care: dict,
    step_id: str,
    reason: str,  # type: ignore[type-arg]
) -> dict:  # type: ignore[type-arg]
    data = {"stepId": step_id, "reason": reason}
    variables = {"id": care["id"], "version": care["version"], "input": data}
    withdrawn = (await graphql(client, worker, WITHDRAW, variables))["withdrawCareStep"]
    assert withdrawn["__typename"] == "PeriodOfCare", withdrawn
    return withdrawn  # type: ignore[no-any-return]


async def test_a_return_home_interview_recorded_in_error_is_withdrawn_and_due_again(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    start = {
        "childId": demo_child(world, index=3),
        "startedOn": "2026-03-02",
        "legalStatus": "C2_FULL_CARE_ORDER",
        "placementType": "U6_FOSTER_OTHER_CARER_OTHER",
        "placementProvider": "PR1_OWN_PROVISION",
    }
    care = (await graphql(client, worker, START, {"input": start}))["startLookedAfter"]
    missing = {"type": "M_MISSING", "startedOn": "2026-08-03", "returnedOn": "2026-08-04"}
    care = await act(client, worker, "recordMissingEpisode", care, missing)
    care = await act(client, worker, "recordReturnHomeInterview", care, {"on": "2026-08-06"})
    interview = step(care, "RETURN_HOME_INTERVIEW", "DONE")
    assert not [
        s for s in care["steps"] if s["kind"] == "RETURN_HOME_INTERVIEW" and s["status"] == "OPEN"
    ]
    # The interview was another child's: kept, cancelled, and the return it was taken
    # for asks one again, due 72 hours after it (overdue now).
    care = await _withdrawn(client, worker, care, interview["id"], "Her sister's interview")
    gone = next(s for s in care["steps"] if s["id"] == interview["id"])
    assert (gone["status"], gone["withdrawnReason"], gone["withdrawnBy"]) == (
        "CANCELLED",
        "Her sister's interview",
        "worker-sw-demo",
    )
    due = step(care, "RETURN_HOME_INTERVIEW", "OPEN")
    assert (due["dueDate"], due["overdue"]) == ("2026-08-07", True)
    # Held now, on a later day, with the reason it is late.
    held = {"on": "2026-08-10", "lateReason": "Held once the error was found"}
    care = await act(client, worker, "recordReturnHomeInterview", care, held)
    assert step(care, "RETURN_HOME_INTERVIEW", "DONE")["completedDate"] == "2026-08-10"


async def test_a_care_leaver_contact_recorded_in_error_is_withdrawn_and_its_birthday_due_again(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, tmp_path: Path
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world, index=3)
    await store.write(
        "MATCH (c:Child {id: $id}) SET c.dateOfBirth = date('2007-03-10')", {"id": child_id}
    )
    start = {
        "childId": child_id,
        "startedOn": "2024-01-10",
        "legalStatus": "C2_FULL_CARE_ORDER",
        "placementType": "U6_FOSTER_OTHER_CARER_OTHER",
        "placementProvider": "PR1_OWN_PROVISION",
    }
    care = (await graphql(client, worker, START, {"input": start}))["startLookedAfter"]
    ending = {
        "endedOn": "2025-01-31",
        "reason": "E5_INDEPENDENT_LIVING_WITH_SUPPORT",
        "careLeaver": True,
    }
    care = await act(client, worker, "ceaseLookedAfter", care, ending)
    care = await decide(client, manager, "authorisePeriodOfCare", care, on="2025-01-31")
    assert care["status"] == "CARE_LEAVER", care
    contact = {
        "inTouch": "YES_IN_TOUCH",
        "activity": "F2_FULL_TIME_OTHER_EDUCATION",
        "accommodation": "D1_SEMI_INDEPENDENT_SUITABLE",
    }
    care = await act(
        client, worker, "recordCareLeaverContact", care, {"on": "2025-03-06", **contact}
    )
    met = step(care, "CARE_LEAVER_CONTACT", "DONE")
    assert step(care, "CARE_LEAVER_CONTACT", "OPEN")["dueDate"] == "2026-03-10"
    # The contact was with another young person: the 18th birthday's contact is due
    # again, and no return counts the one withdrawn.
    care = await _withdrawn(client, worker, care, met["id"], "Another care leaver's contact")
    assert next(s for s in care["steps"] if s["id"] == met["id"])["status"] == "CANCELLED"
    assert step(care, "CARE_LEAVER_CONTACT", "OPEN")["dueDate"] == "2025-03-10"
    await write_ssda903(store, CollectionYear(2025), tmp_path)
    assert rows_of(tmp_path, "oc3", child_id, "IN_TOUCH", "ACTIV", "ACCOM") == [("", "", "")]
    # The right contact, recorded then, counts for the 18th birthday.
    care = await act(
        client, worker, "recordCareLeaverContact", care, {"on": "2025-03-09", **contact}
    )
    assert step(care, "CARE_LEAVER_CONTACT", "DONE")["dueDate"] == "2025-03-10"
    assert step(care, "CARE_LEAVER_CONTACT", "OPEN")["dueDate"] == "2026-03-10"
