"""A decision on a contact or referral is due a working day after it came in (Working
Together 2023): one not yet made is on the work lists, overdue once the day has passed
(by time, or by a corrected referral date), and one made late carries a reason on every
path (given with it, given afterwards, or taken away when a correction puts it on time),
with who gave it and when.

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
    DECISION_LATE,
    MY_WORK,
    TEAM_WORK,
    act,
    case_now,
    decide,
    decision_late,
    demo_child,
    demo_county,
    finalised_contact,
    recorded_contact,
    referral_for,
)
from tests.helpers import bearer, graphql

pytestmark = pytest.mark.anyio

WHY = "The referral sat in the post room until the 10th."
CONTACT_DECISIONS = (
    "query ($id: ID!) { child(id: $id) { contacts { id status decisionDue decisionDate"
    " decisionLateReason decisionLateReasonRecordedBy decisionLateReasonRecordedAt } } }"
)


def items_of(work: dict[str, Any], record_id: str) -> list[tuple[Any, ...]]:
    return sorted(
        (item["kind"], item["awaitingAction"], item["dueDate"], item["overdue"])
        for item in work["items"]
        if item["recordId"] == record_id
    )


async def my_work(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    return (await graphql(client, headers, MY_WORK))["myWork"]  # type: ignore[no-any-return]


async def contact_of(
    client: httpx.AsyncClient, headers: dict[str, str], child_id: str, contact_id: str
) -> dict[str, Any]:
    found = (await graphql(client, headers, CONTACT_DECISIONS, {"id": child_id}))["child"]
    return next(c for c in found["contacts"] if c["id"] == contact_id)  # type: ignore[no-any-return]


async def test_an_undecided_contact_is_on_the_work_lists_and_overdue_after_its_day(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world)
    # In on Thursday 10 September 2026: decided by Friday the 11th, long past.
    contact = await recorded_contact(client, worker, child_id, date(2026, 9, 10))
    due = [("CONTACT_DECISION", "finaliseContact", "2026-09-11", True)]
    assert items_of(await my_work(client, worker), contact["id"]) == due
    team = (await graphql(client, manager, TEAM_WORK))["teamWork"]
    assert [i["overdue"] for i in team["items"] if i["recordId"] == contact["id"]] == [True]
    assert (await my_work(client, worker))["caseload"]["overdue"] >= 1

    # Withdrawn as recorded in error, it is decided no more.
    withdrawn = await graphql(
        client,
        manager,
        """mutation ($id: ID!, $version: Int!) { withdrawContact(contactId: $id,
             version: $version, reason: "Recorded twice.") { __typename } }""",
        {"id": contact["id"], "version": contact["version"]},
    )
    assert withdrawn["withdrawContact"]["__typename"] == "Contact", withdrawn
    assert items_of(await my_work(client, worker), contact["id"]) == []


async def test_a_contact_a_correction_made_late_while_its_case_is_undecided_asks_a_reason(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world)
    # Typed as in on the 10th and decided that day; the case not yet decided.
    case = await referral_for(client, worker, child_id, date(2026, 9, 10))
    assert case["status"] == "OPEN", case
    contact_id = next(
        c["id"]
        for c in (await graphql(client, worker, CONTACT_DECISIONS, {"id": child_id}))["child"][
            "contacts"
        ]
        if c["decisionDate"] == "2026-09-10"
    )
    assert items_of(await my_work(client, worker), case["id"]) == [
        ("REFERRAL_DECISION", None, "2026-09-11", True)
    ]

    # It came in on the 3rd: the contact was decided late (due the 4th), with no reason,
    # and the case's decision is overdue from the 4th.
    data = {"referralDate": "2026-09-03", "reason": "Typed up a week late."}
    case = await act(client, manager, "correctReferralDate", case, data)
    assert case["__typename"] == "Case", case
    late = await contact_of(client, manager, child_id, contact_id)
    assert (late["decisionDue"], late["decisionLateReason"]) == ("2026-09-04", None)
    assert items_of(await my_work(client, worker), case["id"]) == [
        (LATE_REASON, "recordDecisionLateReason", None, False),
        ("REFERRAL_DECISION", None, "2026-09-04", True),
    ]

    case = await act(client, worker, "recordDecisionLateReason", case, {"reason": WHY})
    assert case["__typename"] == "Case", case
    assert case["status"] == "OPEN"
    given = await contact_of(client, manager, child_id, contact_id)
    assert (given["decisionLateReason"], given["decisionLateReasonRecordedBy"]) == (
        WHY,
        "worker-sw-demo",
    )
    assert given["decisionLateReasonRecordedAt"] is not None
    assert items_of(await my_work(client, worker), case["id"]) == [
        ("REFERRAL_DECISION", None, "2026-09-04", True)
    ]

    # Corrected again to the 9th: on time after all, the reason (and who gave it) go.
    data = {"referralDate": "2026-09-09", "reason": "The 9th, from the post book."}
    case = await act(client, manager, "correctReferralDate", case, data)
    on_time = await contact_of(client, manager, child_id, contact_id)
    assert (
        on_time["decisionLateReason"],
        on_time["decisionLateReasonRecordedBy"],
        on_time["decisionLateReasonRecordedAt"],
    ) == (None, None, None)
    refused = await act(client, worker, "recordDecisionLateReason", case, {"reason": WHY})
    assert [p["field"] for p in refused["problems"]] == ["caseId"], refused


async def test_a_reason_given_with_a_late_decision_says_who_gave_it_and_when(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world)
    # In on Thursday 10 September, due Friday the 11th, decided Monday the 14th.
    contact = await finalised_contact(
        client,
        worker,
        child_id,
        date(2026, 9, 10),
        "REFERRAL_TO_SOCIAL_CARE",
        decided=date(2026, 9, 14),
        late_reason=WHY,
    )
    decided = await contact_of(client, manager, child_id, contact["id"])
    assert (decided["decisionLateReason"], decided["decisionLateReasonRecordedBy"]) == (
        WHY,
        "worker-sw-demo",
    )
    assert decided["decisionLateReasonRecordedAt"] is not None

    case = await case_now(client, worker, contact["referralId"])
    decision = {"decidedOn": "2026-09-14", "primaryNeed": "N1_ABUSE_OR_NEGLECT"}
    case = await act(client, worker, "decideReferral", case, {**decision, "lateReason": WHY})
    case = await decide(client, manager, "authoriseCase", case, on="2026-09-14")
    assert case["status"] == "ACCEPTED", case
    given = await decision_late(client, manager, case["id"])
    # The reason enters the record as the manager authorises the decision it came with.
    assert (given["decisionLateReason"], given["decisionLateReasonRecordedBy"]) == (
        WHY,
        "worker-tm-demo",
    )
    assert given["decisionLateReasonRecordedAt"] is not None

    # Corrected to the 11th, both decisions are on time: no reason, nor who gave it.
    data = {"referralDate": "2026-09-11", "reason": "It came in on the Friday."}
    case = await act(client, manager, "correctReferralDate", case, data)
    assert case["__typename"] == "Case", case
    assert await decision_late(client, manager, case["id"]) == dict.fromkeys(DECISION_LATE.split())
    on_time = await contact_of(client, manager, child_id, contact["id"])
    assert (
        on_time["decisionLateReason"],
        on_time["decisionLateReasonRecordedBy"],
        on_time["decisionLateReasonRecordedAt"],
    ) == (None, None, None)


async def test_no_further_action_decided_late_asks_and_keeps_a_reason(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world)
    # In on Thursday 10 September (the contact decided that day), the decision on the
    # referral due Friday the 11th: no further action on Monday the 14th is late.
    case = await referral_for(client, worker, child_id, date(2026, 9, 10))
    refused = await act(client, worker, "closeWithNoFurtherAction", case, {"on": "2026-09-14"})
    assert [p["field"] for p in refused["problems"]] == ["lateReason"], refused
    unchanged = await case_now(client, worker, case["id"])
    assert (unchanged["status"], unchanged["version"]) == ("OPEN", case["version"])

    data = {"on": "2026-09-14", "lateReason": WHY}
    case = await act(client, worker, "closeWithNoFurtherAction", case, data)
    assert case["__typename"] == "Case", case
    case = await decide(client, manager, "authoriseCase", case, on="2026-09-14")
    assert (case["status"], case["noFurtherAction"], case["decisionDate"]) == (
        "CLOSED",
        True,
        "2026-09-14",
    )
    given = await decision_late(client, manager, case["id"])
    # As any decision's: the reason enters the record as the manager authorises it.
    assert (given["decisionLateReason"], given["decisionLateReasonRecordedBy"]) == (
        WHY,
        "worker-tm-demo",
    )
    assert given["decisionLateReasonRecordedAt"] is not None
    assert items_of(await my_work(client, worker), case["id"]) == []


async def test_no_further_action_a_correction_made_late_is_listed_for_its_reason(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world)
    # In on Thursday 10 September, the contact decided that day; no further action on
    # Friday the 11th, its due day: on time.
    case = await referral_for(client, worker, child_id, date(2026, 9, 10))
    case = await act(client, worker, "closeWithNoFurtherAction", case, {"on": "2026-09-11"})
    case = await decide(client, manager, "authoriseCase", case, on="2026-09-11")
    assert case["status"] == "CLOSED", case
    assert items_of(await my_work(client, worker), case["id"]) == []

    # It came in on Wednesday the 9th: the contact (decided the 10th) was on time, the
    # decision on the referral (due the 10th, made the 11th) was late, with no reason.
    data = {"referralDate": "2026-09-09", "reason": "It came in the day before."}
    case = await act(client, manager, "correctReferralDate", case, data)
    assert case["__typename"] == "Case", case
    late = [(LATE_REASON, "recordDecisionLateReason", None, False)]
    assert items_of(await my_work(client, worker), case["id"]) == late
    team = (await graphql(client, manager, TEAM_WORK))["teamWork"]
    assert items_of(team, case["id"]) == late

    case = await act(client, worker, "recordDecisionLateReason", case, {"reason": WHY})
    assert case["__typename"] == "Case", case
    given = await decision_late(client, manager, case["id"])
    assert (given["decisionLateReason"], given["decisionLateReasonRecordedBy"]) == (
        WHY,
        "worker-sw-demo",
    )
    assert given["decisionLateReasonRecordedAt"] is not None
    assert items_of(await my_work(client, worker), case["id"]) == []

    # Corrected again to the 10th: on time after all, no reason (nor who gave it).
    data = {"referralDate": "2026-09-10", "reason": "The 10th after all, from the post book."}
    case = await act(client, manager, "correctReferralDate", case, data)
    assert case["__typename"] == "Case", case
    assert await decision_late(client, manager, case["id"]) == dict.fromkeys(DECISION_LATE.split())
    refused = await act(client, worker, "recordDecisionLateReason", case, {"reason": WHY})
    assert [p["field"] for p in refused["problems"]] == ["caseId"], refused
