"""A referral date typed wrongly is corrected by a team manager: the date typed is kept
with the reason, who and when; the contact that opened the episode came in that day;
what counts from the referral (its decision, the assessment's 45 working days) counts
from it, in the work lists and the as-at view. A date the episode's recorded work, or
another episode, contradicts is refused and changes nothing.

Due dates checked by hand: no bank holiday falls between September and November 2026.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from schema.worklists import LATE_REASON
from tests.e2e.journey_helpers import (
    AS_AT,
    CONTACT_FIELDS,
    DECISION_LATE,
    MY_WORK,
    RC8,
    act,
    case_now,
    decide,
    decision_late,
    demo_child,
    demo_county,
    finalised_contact,
    latest,
    referral_for,
    step,
)
from tests.helpers import bearer, graphql

pytestmark = pytest.mark.anyio

REASON = "The contact came in on the 3rd; the 10th is when it was typed up."
WHY = "The referral was on paper in the post room until the 10th."
CONTACTS = (
    f"query ($id: ID!) {{ child(id: $id) {{ contacts {{ {CONTACT_FIELDS} decisionDue"
    " decisionLateReason } } }"
)
CORRECTION = "referralDateCorrection { previousDate reason correctedBy correctedAt }"


async def correct(
    client: httpx.AsyncClient, headers: dict[str, str], case: dict[str, Any], day: str
) -> dict[str, Any]:
    data = {"referralDate": day, "reason": REASON}
    corrected = await act(client, headers, "correctReferralDate", case, data)
    if corrected["__typename"] != "Case":
        return corrected
    found = await graphql(
        client,
        headers,
        f"query ($id: ID!) {{ case(id: $id) {{ {CORRECTION} }} }}",
        {"id": corrected["id"]},
    )
    return {**corrected, **found["case"]}


async def assessing(
    client: httpx.AsyncClient, worker: dict[str, str], manager: dict[str, str], child_id: str
) -> dict[str, Any]:
    """Referred (as typed) on Thursday 10 September 2026, accepted that day, an assessment
    started on the 11th: due 45 working days after the 10th, Thursday 12 November."""
    case = await referral_for(client, worker, child_id, date(2026, 9, 10))
    decision = {"decidedOn": "2026-09-10", "primaryNeed": "N1_ABUSE_OR_NEGLECT"}
    case = await act(client, worker, "decideReferral", case, decision)
    case = await decide(client, manager, "authoriseCase", case, on="2026-09-10")
    case = await act(client, worker, "startAssessment", case, {"startedOn": "2026-09-11"})
    assert latest(case, "assessments")["dueDate"] == "2026-11-12", case
    return case


async def test_a_referral_date_typed_wrongly_is_corrected_with_what_counts_from_it(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    analyst = bearer(settings, "analyst")
    child_id = demo_child(world)
    case = await assessing(client, worker, manager, child_id)

    case = await correct(client, manager, case, "2026-09-03")
    assert case["__typename"] == "Case", case
    assert (case["referralDate"], case["decisionDue"], case["status"]) == (
        "2026-09-03",
        "2026-09-04",
        "ACCEPTED",
    )
    correction = case["referralDateCorrection"]
    assert (correction["previousDate"], correction["reason"], correction["correctedBy"]) == (
        "2026-09-10",
        REASON,
        "worker-tm-demo",
    )
    assert correction["correctedAt"] is not None
    # Thursday 3 September + 45 working days: Thursday 5 November.
    assessment = latest(case, "assessments")
    assert assessment["dueDate"] == "2026-11-05"
    assert step(assessment, "ASSESSMENT")["dueDate"] == "2026-11-05"
    work = (await graphql(client, worker, MY_WORK))["myWork"]
    due = [i["dueDate"] for i in work["items"] if i["recordId"] == assessment["id"]]
    assert due == ["2026-11-05"]
    # The contact that opened the episode came in on the corrected day.
    contacts = (await graphql(client, worker, CONTACTS, {"id": child_id}))["child"]["contacts"]
    opened = next(c for c in contacts if c["referralId"] == case["id"])
    assert (opened["receivedDate"], opened["decisionDue"], opened["decisionDate"]) == (
        "2026-09-03",
        "2026-09-04",
        "2026-09-10",
    )
    # In need from the corrected day, for performance staff (and so in the returns).
    view = (await graphql(client, analyst, AS_AT, {"on": "2026-09-05"}))["asAt"]
    assert child_id in [c["childId"] for c in view["openEpisodes"]["children"]]


def late_decisions(work: dict[str, Any], case_id: str) -> list[tuple[Any, ...]]:
    return [
        (item["kind"], item["stepId"], item["awaitingAction"], item["overdue"])
        for item in work["items"]
        if item["recordId"] == case_id and item["kind"] == LATE_REASON
    ]


async def test_a_decision_a_corrected_referral_date_made_late_is_listed_until_someone_says_why(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    analyst = bearer(settings, "analyst")
    child_id = demo_child(world)
    case = await assessing(client, worker, manager, child_id)

    async def opening_contact_reason() -> tuple[Any, ...]:
        found = (await graphql(client, manager, CONTACTS, {"id": child_id}))["child"]["contacts"]
        opened = next(c for c in found if c["referralId"] == case["id"])
        return opened["decisionDate"], opened["decisionLateReason"]

    assert late_decisions((await graphql(client, worker, MY_WORK))["myWork"], case["id"]) == []

    # Decided on the 10th, due the 4th by the corrected day: late, with no reason yet.
    case = await correct(client, manager, case, "2026-09-03")
    assert (case["decisionDue"], case["decisionDate"]) == ("2026-09-04", "2026-09-10"), case
    assert await decision_late(client, manager, case["id"]) == dict.fromkeys(DECISION_LATE.split())
    listed = [(LATE_REASON, None, "recordDecisionLateReason", False)]
    assert late_decisions((await graphql(client, worker, MY_WORK))["myWork"], case["id"]) == listed

    refused = await act(client, analyst, "recordDecisionLateReason", case, {"reason": WHY})
    assert refused["__typename"] == "NotAuthorised", refused
    blank = await act(client, worker, "recordDecisionLateReason", case, {"reason": " "})
    assert [p["field"] for p in blank["problems"]] == ["reason"], blank
    case = await act(client, worker, "recordDecisionLateReason", case, {"reason": WHY})
    assert case["__typename"] == "Case", case
    given = await decision_late(client, manager, case["id"])
    assert (given["decisionLateReason"], given["decisionLateReasonRecordedBy"]) == (
        WHY,
        "worker-sw-demo",
    )
    assert given["decisionLateReasonRecordedAt"] is not None
    # The contact that opened it, decided the same late day, has the reason too.
    assert await opening_contact_reason() == ("2026-09-10", WHY)
    assert late_decisions((await graphql(client, worker, MY_WORK))["myWork"], case["id"]) == []

    # Corrected again to a day the decision is on time by: the reason no longer holds.
    case = await correct(client, manager, case, "2026-09-09")
    assert (case["decisionDue"], case["decisionDate"]) == ("2026-09-10", "2026-09-10"), case
    assert await decision_late(client, manager, case["id"]) == dict.fromkeys(DECISION_LATE.split())
    assert await opening_contact_reason() == ("2026-09-10", None)
    on_time = await act(client, worker, "recordDecisionLateReason", case, {"reason": WHY})
    assert [p["field"] for p in on_time["problems"]] == ["caseId"], on_time
    assert late_decisions((await graphql(client, worker, MY_WORK))["myWork"], case["id"]) == []


async def test_a_contact_decided_on_time_by_the_corrected_day_keeps_no_late_reason(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world)
    # Typed as received Thursday 10 September, decided Monday the 14th: late, with a
    # reason. It came in on Friday the 11th: the decision was due the 14th, on time.
    contact = await finalised_contact(
        client,
        worker,
        child_id,
        date(2026, 9, 10),
        "REFERRAL_TO_SOCIAL_CARE",
        decided=date(2026, 9, 14),
        late_reason=WHY,
    )
    case = await case_now(client, worker, contact["referralId"])
    query = "query ($id: ID!) { child(id: $id) { contacts { id decisionDue decisionLateReason } } }"

    async def decision() -> tuple[Any, ...]:
        found = (await graphql(client, manager, query, {"id": child_id}))["child"]["contacts"]
        opened = next(c for c in found if c["id"] == contact["id"])
        return opened["decisionDue"], opened["decisionLateReason"]

    assert await decision() == ("2026-09-11", WHY)
    case = await correct(client, manager, case, "2026-09-11")
    assert case["__typename"] == "Case", case
    assert await decision() == ("2026-09-14", None)


async def test_a_date_the_record_contradicts_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world)
    case = await assessing(client, worker, manager, child_id)

    # After the decision and the assessment's start: the work would come before it.
    later = await correct(client, manager, case, "2026-09-14")
    assert later["__typename"] == "TransitionRefused", later
    assert "2026-09-10" in later["reason"]
    assert await case_now(client, manager, case["id"]) == {"__typename": "Case", **case}
    for day, field in (("2026-09-10", "referralDate"), ("2999-01-01", "referralDate")):
        invalid = await correct(client, manager, case, day)
        assert [p["field"] for p in invalid["problems"]] == [field], invalid
    not_a_manager = await correct(client, worker, case, "2026-09-03")
    assert not_a_manager["__typename"] == "NotAuthorised", not_a_manager
    assert await case_now(client, manager, case["id"]) == {"__typename": "Case", **case}


async def test_a_corrected_referral_date_does_not_overlap_an_earlier_episode(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world)
    earlier = await referral_for(client, worker, child_id, date(2026, 8, 3))
    earlier = await act(
        client, worker, "closeCase", earlier, {"closedOn": "2026-08-20", "reason": RC8}
    )
    earlier = await decide(client, manager, "authoriseCase", earlier, on="2026-08-20")
    case = await referral_for(client, worker, child_id, date(2026, 9, 10))

    refused = await correct(client, manager, case, "2026-08-19")
    assert refused["__typename"] == "TransitionRefused", refused
    assert earlier["id"] in refused["reason"]
    assert "8820" in refused["reason"]
    assert await case_now(client, manager, case["id"]) == {"__typename": "Case", **case}
    # The day the earlier one closed is the first day a new one may start.
    case = await correct(client, manager, case, "2026-08-20")
    assert case["referralDate"] == "2026-08-20", case


async def test_a_decision_awaiting_its_manager_bounds_the_correction(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    case = await referral_for(client, worker, demo_child(world), date(2026, 9, 10))
    decision = {"decidedOn": "2026-09-11", "primaryNeed": "N1_ABUSE_OR_NEGLECT"}
    case = await act(client, worker, "decideReferral", case, decision)
    assert case["status"] == "REFERRAL_DECISION_AWAITING_AUTHORISATION", case
    refused = await correct(client, manager, case, "2026-09-14")
    assert refused["__typename"] == "TransitionRefused", refused
    assert "2026-09-11" in refused["reason"]
    # An earlier day stands; the decision is then late by the corrected day (due the
    # 10th), so the manager authorising it says why.
    case = await correct(client, manager, case, "2026-09-09")
    assert (case["referralDate"], case["status"]) == (
        "2026-09-09",
        "REFERRAL_DECISION_AWAITING_AUTHORISATION",
    )
    late = await decide(client, manager, "authoriseCase", case, on="2026-09-11")
    assert [p["field"] for p in late["problems"]] == ["lateReason"], late
    case = await decide(
        client, manager, "authoriseCase", case, on="2026-09-11", lateReason="Typed up late."
    )
    assert (case["status"], case["decisionDate"]) == ("ACCEPTED", "2026-09-11"), case


async def test_an_unborn_child_s_referral_is_not_corrected_to_before_the_pregnancy(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # Expected on 1 March 2027: 40 weeks before is 25 May 2026 (CIN census 8606), as at
    # the front door.
    await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    unborn = {
        "givenName": "Baby",
        "familyName": "Corrected-Referral",
        "unborn": True,
        "sex": "U",
        "expectedDateOfBirth": "2027-03-01",
    }
    recorded = await graphql(
        client,
        worker,
        """mutation ($input: RecordContactInput!) { recordContact(input: $input) {
             __typename ... on Contact { id } } }""",
        {
            "input": {
                "receivedDate": "2026-09-10",
                "source": "HEALTH_VISITOR",
                "summary": "Midwife concerned before the birth.",
                "child": unborn,
            }
        },
    )
    finalised = await graphql(
        client,
        worker,
        """mutation ($id: ID!) { finaliseContact(contactId: $id,
             outcome: REFERRAL_TO_SOCIAL_CARE, on: "2026-09-10") {
             ... on FinalisedContact { contact { referralId } } } }""",
        {"id": recorded["recordContact"]["id"]},
    )
    case = await case_now(client, worker, finalised["finaliseContact"]["contact"]["referralId"])
    too_early = await correct(client, manager, case, "2026-05-24")
    assert [p["field"] for p in too_early["problems"]] == ["referralDate"], too_early
    assert "8606" in too_early["problems"][0]["rule"]
    assert await case_now(client, manager, case["id"]) == {"__typename": "Case", **case}
    case = await correct(client, manager, case, "2026-05-25")
    assert case["referralDate"] == "2026-05-25", case


async def test_an_assessment_on_time_by_the_corrected_day_keeps_no_late_reason(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world)
    # Typed as in on Thursday 10 September (decided on time the next day): the assessment
    # was due 45 working days later, Thursday 12 November, and authorised on the 13th,
    # late, with a reason. It came in on the 11th: due the 13th, on time after all.
    contact = await finalised_contact(
        client,
        worker,
        child_id,
        date(2026, 9, 10),
        "REFERRAL_TO_SOCIAL_CARE",
        decided=date(2026, 9, 11),
    )
    case = await case_now(client, worker, contact["referralId"])
    decision = {"decidedOn": "2026-09-11", "primaryNeed": "N1_ABUSE_OR_NEGLECT"}
    case = await act(client, worker, "decideReferral", case, decision)
    case = await decide(client, manager, "authoriseCase", case, on="2026-09-11")
    case = await act(client, worker, "startAssessment", case, {"startedOn": "2026-09-11"})
    done = {"completedOn": "2026-11-13", "factors": ["NEGLECT"], "lateReason": WHY}
    case = await act(client, worker, "completeAssessment", latest(case, "assessments"), done)
    case = await decide(
        client, manager, "authoriseAssessment", latest(case, "assessments"), on="2026-11-13"
    )
    late = latest(case, "assessments")
    assert (late["lateReason"], step(late, "ASSESSMENT")["lateReason"]) == (WHY, WHY), late

    case = await correct(client, manager, case, "2026-09-11")
    assert case["__typename"] == "Case", case
    on_time = latest(case, "assessments")
    held = step(on_time, "ASSESSMENT")
    assert (on_time["dueDate"], held["completedLate"]) == ("2026-11-13", False), on_time
    assert (
        on_time["lateReason"],
        held["lateReason"],
        held["lateReasonRecordedBy"],
        held["lateReasonRecordedAt"],
    ) == (None, None, None, None)

    # Typed back to the 10th, it is late again with no reason: listed until one is given.
    case = await correct(client, manager, case, "2026-09-10")
    late_again = latest(case, "assessments")
    work = (await graphql(client, worker, MY_WORK))["myWork"]
    assert [
        (i["kind"], i["awaitingAction"], i["stepId"])
        for i in work["items"]
        if i["recordId"] == late_again["id"]
    ] == [(LATE_REASON, "recordLateReason", step(late_again, "ASSESSMENT")["id"])]
