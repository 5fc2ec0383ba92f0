"""The front door's all-or-nothing contact and its dated decision.

Regression (issue 8): recording a contact for a new child when the caller had no worker
record created the child, wrote no contact and answered NotFound(Child, "").
"""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest

from demo import county
from graph import FalkorDBStore
from hub.settings import Settings
from tests.helpers import bearer, graphql
from workflow.calendar import today_in_england

pytestmark = pytest.mark.anyio

RECORD_CONTACT = """
mutation ($input: RecordContactInput!) { recordContact(input: $input) { __typename
  ... on Contact { id childId recordedBy recordedAt } ... on NotAuthorised { reason }
  ... on NotFound { kind id } } }
"""
FINALISE = """
mutation ($id: ID!, $on: Date) { finaliseContact(contactId: $id,
    outcome: REFERRAL_TO_SOCIAL_CARE, on: $on) { __typename
  ... on FinalisedContact { contact { decisionDate finalisedBy referralId status } }
  ... on InvalidInput { problems { field rule } } } }
"""
NEW_CHILD = {
    "receivedDate": "2025-06-02",
    "source": "SCHOOLS",
    "summary": "Bruise seen at school.",
    "child": {"givenName": "Ruby", "familyName": "Newman", "dateOfBirth": "2019-05-04"},
}
COUNT = "MATCH (n) WHERE n:Child OR n:Contact RETURN count(n) AS n"


async def test_a_caller_without_a_worker_record_writes_neither_child_nor_contact(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # An empty store: the social worker persona has no Worker node.
    worker = bearer(settings, "social-worker")
    answer = (await graphql(client, worker, RECORD_CONTACT, {"input": NEW_CHILD}))["recordContact"]
    assert answer["__typename"] == "NotAuthorised"
    assert "no worker record" in answer["reason"]
    assert (await store.read(COUNT, {}))[0]["n"] == 0


async def test_a_contact_for_a_new_child_writes_both_and_its_decision_is_dated(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    await county.load(store, county.generate("tiny", today=date(2026, 2, 2)), show_progress=False)
    before = (await store.read(COUNT, {}))[0]["n"]
    worker = bearer(settings, "social-worker")
    contact = (await graphql(client, worker, RECORD_CONTACT, {"input": NEW_CHILD}))["recordContact"]
    assert contact["__typename"] == "Contact"
    assert contact["recordedBy"] == "worker-sw-demo"
    assert (await store.read(COUNT, {}))[0]["n"] == before + 2

    tomorrow = (today_in_england() + timedelta(days=1)).isoformat()
    future = await graphql(client, worker, FINALISE, {"id": contact["id"], "on": tomorrow})
    assert future["finaliseContact"]["problems"] == [
        {"field": "on", "rule": "must not be in the future"}
    ]
    early = await graphql(client, worker, FINALISE, {"id": contact["id"], "on": "2025-06-01"})
    assert early["finaliseContact"]["problems"][0]["field"] == "on"
    assert "before the contact was received" in early["finaliseContact"]["problems"][0]["rule"]
    done = await graphql(client, worker, FINALISE, {"id": contact["id"], "on": "2025-06-03"})
    finalised = done["finaliseContact"]["contact"]
    assert (finalised["status"], finalised["decisionDate"], finalised["finalisedBy"]) == (
        "FINALISED",
        "2025-06-03",
        "worker-sw-demo",
    )


FINALISE_LATE = """
mutation ($id: ID!, $on: Date, $lateReason: String) { finaliseContact(contactId: $id,
    outcome: REFERRAL_TO_SOCIAL_CARE, on: $on, lateReason: $lateReason) { __typename
  ... on FinalisedContact { contact { decisionDate decisionLateReason status } }
  ... on InvalidInput { problems { field rule } } } }
"""
CONTACT_STATUS = "MATCH (k:Contact {id: $id}) RETURN k.status AS status, k.version AS version"


async def test_a_decision_past_its_working_day_needs_the_reason_it_is_late(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # Working Together 2023: a decision within one working day; a late one, like every
    # late step, records why. Received Monday 2 June 2025: due Tuesday 3 June.
    await county.load(store, county.generate("tiny", today=date(2026, 2, 2)), show_progress=False)
    worker = bearer(settings, "social-worker")
    contact = (await graphql(client, worker, RECORD_CONTACT, {"input": NEW_CHILD}))["recordContact"]
    before = await store.read(CONTACT_STATUS, {"id": contact["id"]})

    for reason in (None, "  "):
        late = await graphql(
            client,
            worker,
            FINALISE_LATE,
            {"id": contact["id"], "on": "2025-06-05", "lateReason": reason},
        )
        assert late["finaliseContact"]["__typename"] == "InvalidInput"
        [problem] = late["finaliseContact"]["problems"]
        assert problem["field"] == "lateReason"
        assert "was due by 3 June 2025" in problem["rule"]
        assert "completed on 5 June 2025" in problem["rule"]
        assert await store.read(CONTACT_STATUS, {"id": contact["id"]}) == before

    reason = "Referrer's details had to be confirmed with the school first"
    done = await graphql(
        client,
        worker,
        FINALISE_LATE,
        {"id": contact["id"], "on": "2025-06-05", "lateReason": reason},
    )
    assert done["finaliseContact"]["contact"] == {
        "decisionDate": "2025-06-05",
        "decisionLateReason": reason,
        "status": "FINALISED",
    }


async def test_a_contact_comes_no_more_than_40_weeks_before_the_childs_birth(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # CIN census rule 8606: a referral is never more than 40 weeks before the child's
    # date of birth or expected date of birth (a pregnancy lasts no longer). A contact
    # recorded late about an unborn child, received before the due date, is accepted.
    await county.load(store, county.generate("tiny", today=date(2026, 2, 2)), show_progress=False)
    before = (await store.read(COUNT, {}))[0]["n"]
    worker = bearer(settings, "social-worker")
    asked = RECORD_CONTACT.replace("} } }", "} ... on InvalidInput { problems { field rule } } } }")
    unborn = {"givenName": "Baby", "familyName": "Far", "unborn": True}
    for child in (
        {**unborn, "expectedDateOfBirth": "2026-06-01"},
        {**NEW_CHILD["child"], "dateOfBirth": "2026-03-20"},
    ):
        refused = await graphql(client, worker, asked, {"input": {**NEW_CHILD, "child": child}})
        answer = refused["recordContact"]
        assert answer["__typename"] == "InvalidInput", answer
        [problem] = answer["problems"]
        assert problem["field"] == "receivedDate", problem
        assert "40 weeks" in problem["rule"], problem
        assert "CIN census rule 8606" in problem["rule"], problem
    assert (await store.read(COUNT, {}))[0]["n"] == before
    due_soon = {**unborn, "expectedDateOfBirth": "2026-01-20"}
    taken = await graphql(client, worker, asked, {"input": {**NEW_CHILD, "child": due_soon}})
    assert taken["recordContact"]["__typename"] == "Contact", taken
    # A further contact on that child (childId): the same rule, the same answer.
    known = {key: NEW_CHILD[key] for key in ("source", "summary")}
    known["childId"] = taken["recordContact"]["childId"]
    contacts = "MATCH (n:Contact) RETURN count(n) AS n"
    recorded = (await store.read(contacts, {}))[0]["n"]
    early = await graphql(client, worker, asked, {"input": {**known, "receivedDate": "2025-04-01"}})
    assert early["recordContact"] == {
        "__typename": "InvalidInput",
        "problems": [
            {
                "field": "receivedDate",
                "rule": "is more than 40 weeks before the child's expected date of birth"
                " (2026-01-20; CIN census rule 8606)",
            }
        ],
    }
    assert (await store.read(contacts, {}))[0]["n"] == recorded
    later = await graphql(client, worker, asked, {"input": {**known, "receivedDate": "2025-04-15"}})
    assert later["recordContact"]["__typename"] == "Contact", later


@pytest.mark.parametrize(
    ("changed", "field"),
    [
        ({"receivedDate": "0025-06-02"}, "receivedDate"),
        ({"receivedDate": "1899-12-31"}, "receivedDate"),
        ({"child": {**NEW_CHILD["child"], "dateOfBirth": "1019-05-04"}}, "dateOfBirth"),
    ],
    ids=["year-0025", "day-before-1900", "birth-1019"],
)
async def test_a_date_before_1900_is_refused_as_a_mistyped_year(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    changed: dict[str, object],
    field: str,
) -> None:
    # A year typed 0025 for 2025 was kept: a contact received two thousand years ago,
    # a child aged a thousand.
    await county.load(store, county.generate("tiny", today=date(2026, 2, 2)), show_progress=False)
    before = (await store.read(COUNT, {}))[0]["n"]
    asked = RECORD_CONTACT.replace("} } }", "} ... on InvalidInput { problems { field rule } } } }")
    answer = (
        await graphql(
            client, bearer(settings, "social-worker"), asked, {"input": {**NEW_CHILD, **changed}}
        )
    )["recordContact"]
    assert answer["__typename"] == "InvalidInput", answer
    [problem] = answer["problems"]
    assert problem["field"].endswith(field), problem
    assert "before 1 January 1900" in problem["rule"], problem
    assert (await store.read(COUNT, {}))[0]["n"] == before
