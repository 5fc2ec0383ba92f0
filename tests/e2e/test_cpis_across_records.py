"""CP-IS answers for every record of a child: the plan is reported whichever record of the
person holds it, until the records are merged."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from connectors import ehm
from connectors.intake import IncomingRecord, apply_record
from graph import FalkorDBStore
from hub.settings import Settings
from tests.connectors.intake.world import role_headers
from tests.e2e.journey_helpers import act, decide, demo_county, latest, referral_for
from tests.helpers import bearer, graphql

pytestmark = pytest.mark.anyio

UNBORN_NHS = "9434765919"
RECORD_CONTACT = """
mutation ($input: RecordContactInput!) {
  recordContact(input: $input) {
    __typename
    ... on Contact { id childId }
    ... on PossibleDuplicates { reason hiddenMatches candidates { childId rule } }
  }
}
"""
CPIS = """query ($n: String!) { cpisRecord(nhsNumber: $n) { nhsNumber
  plans { type startDate endDate } } }"""


def _new_child(child: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "input": {
            "receivedDate": "2026-09-01",
            "source": "HEALTH_VISITOR",
            "summary": "Midwife concerned about the baby's safety after birth",
            "child": child,
            **extra,
        }
    }


async def _on_a_plan(
    client: httpx.AsyncClient, worker: dict[str, str], child_id: str, received: date
) -> None:
    """Referral, strategy discussion, section 47 and an initial conference that makes a plan."""
    case = await referral_for(client, worker, child_id, received)
    case = await act(client, worker, "holdStrategyDiscussion", case, {"heldOn": "2026-09-03"})
    case = await act(
        client,
        worker,
        "requestInitialConference",
        latest(case, "section47Enquiries"),
        {"concludedOn": "2026-09-10"},
    )
    case = await act(
        client,
        worker,
        "holdInitialConference",
        latest(case, "initialConferences"),
        {"heldOn": "2026-09-21", "planRequired": True, "categoriesOfAbuse": ["NEG_NEGLECT"]},
    )
    assert latest(case, "childProtectionPlans")["status"] == "ACTIVE"


async def _amir_and_adam(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], Any, dict[str, Any], dict[str, str]]:
    """Two records of one boy: "Amir", met without an NHS number, on a plan from 21
    September 2026; "Adam", recorded with his number; an early help record carrying the
    number linked to Amir's record by a records officer. Returns the two records, what
    health was told before the link, the early help record as applied, the link's answer
    and the records officer's headers."""
    await demo_county(store)
    worker, health = bearer(settings, "social-worker"), bearer(settings, "health")
    amir = {"givenName": "Amir", "familyName": "Haddad", "dateOfBirth": "2020-02-20", "sex": "M"}
    planned = (await graphql(client, worker, RECORD_CONTACT, _new_child(amir)))["recordContact"]
    await _on_a_plan(client, worker, planned["childId"], date(2026, 9, 1))
    adam = {**amir, "givenName": "Adam", "nhsNumber": UNBORN_NHS}
    numbered = (
        await graphql(client, worker, RECORD_CONTACT, _new_child(adam, confirmNewChild=True))
    )["recordContact"]
    assert numbered["__typename"] == "Contact"
    before = await graphql(client, health, CPIS, {"n": UNBORN_NHS})
    record = ehm.SOURCE.parse(
        {
            "recordType": "EARLY_HELP_EPISODE",
            "recordId": "EP-AMIR",
            "version": 1,
            **amir,
            "nhsNumber": UNBORN_NHS,
            "startDate": "2025-09-01",
            "reason": "Parenting support",
        }
    )
    assert isinstance(record, IncomingRecord)
    applied = await apply_record(store, record, by="system:ehm")
    officer = await role_headers(store, settings, "records_officer", "records-officer-1")
    linked = await graphql(
        client,
        officer,
        """mutation ($r: ID!, $c: ID!) { linkSourceRecord(recordId: $r, childId: $c,
             reason: "Same boy: school and GP confirm") { __typename } }""",
        {
            "r": (await store.read("MATCH (r:SourceRecord) RETURN r.id AS id"))[0]["id"],
            "c": planned["childId"],
        },
    )

    return planned, numbered, before, applied, linked, officer


async def test_a_front_door_contact_with_an_unborn_childs_nhs_number_leaves_health_the_plan(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    # The story: an unborn child on a pre-birth plan; after the birth the front door
    # records a contact with the baby's NHS number as if about a new child.
    await demo_county(store)
    worker, health = bearer(settings, "social-worker"), bearer(settings, "health")
    unborn = {
        "givenName": "Baby",
        "familyName": "Newman",
        "unborn": True,
        "expectedDateOfBirth": "2026-12-20",
        "nhsNumber": UNBORN_NHS,
    }
    recorded = (await graphql(client, worker, RECORD_CONTACT, _new_child(unborn)))["recordContact"]
    await _on_a_plan(client, worker, recorded["childId"], date(2026, 9, 1))
    born = {"givenName": "Ruby", "familyName": "Newman", "dateOfBirth": "2026-11-30", "sex": "F"}

    answers = [
        (await graphql(client, worker, RECORD_CONTACT, _new_child(born | extra, **confirm)))[
            "recordContact"
        ]
        for extra in ({"nhsNumber": UNBORN_NHS}, {"nhsNumber": "943 476 5919"})
        for confirm in ({}, {"confirmNewChild": True})
    ]
    seen = await graphql(client, health, CPIS, {"n": UNBORN_NHS})

    for answer in answers:
        assert answer["__typename"] == "PossibleDuplicates"
        assert answer["candidates"] == [{"childId": recorded["childId"], "rule": "NHS_NUMBER"}]
    children = await store.read(
        "MATCH (c:Person {nhsNumber: $nhs}) RETURN count(c) AS n", {"nhs": UNBORN_NHS}
    )
    assert children == [{"n": 1}]
    assert seen == {
        "cpisRecord": {
            "nhsNumber": UNBORN_NHS,
            "plans": [
                {
                    "type": "UNBORN_CHILD_PROTECTION_PLAN",
                    "startDate": "2026-09-21",
                    "endDate": None,
                }
            ],
        }
    }


async def test_health_sees_a_plan_on_a_record_an_early_help_record_with_the_number_is_linked_to(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    # Two records of one child before anyone merges them: the plan is on the record of
    # "Amir", met without an NHS number; the GP knows him as "Adam", and the front door
    # recorded that name with his NHS number. The early help record carries the number
    # and his first name; a records officer links it to Amir's record.
    planned, numbered, before, applied, linked, officer = await _amir_and_adam(
        client, store, settings
    )
    health = bearer(settings, "health")
    after = await graphql(client, health, CPIS, {"n": UNBORN_NHS})

    assert before == {"cpisRecord": None}
    assert applied.link_state == "REVIEW"
    assert linked == {"linkSourceRecord": {"__typename": "SourceRecord"}}
    assert after == {
        "cpisRecord": {
            "nhsNumber": UNBORN_NHS,
            "plans": [
                {"type": "CHILD_PROTECTION_PLAN", "startDate": "2026-09-21", "endDate": None}
            ],
        }
    }
    # The read is audited against the record whose plan left the hub.
    audited = await store.read(
        "MATCH (e:AuditEvent {audience: 'health'})-[:ACCESSED]->(c:Child) RETURN c.id AS id"
    )
    assert {row["id"] for row in audited} == {planned["childId"]}
    # The records officer is shown the two records as a pair to merge.
    listed = await graphql(
        client,
        officer,
        """{ suspectedDuplicateChildren { ... on SuspectedDuplicateList {
             pairs { rule first { childId } second { childId } } } } }""",
    )
    pairs = [
        (pair["rule"], {pair["first"]["childId"], pair["second"]["childId"]})
        for pair in listed["suspectedDuplicateChildren"]["pairs"]
    ]
    assert ("NHS_NUMBER", {planned["childId"], numbered["childId"]}) in pairs


async def test_merging_the_unborn_record_into_the_babys_gives_health_the_pre_birth_plan(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    # The unborn child's record holds the pre-birth plan and no NHS number (one is given at
    # birth); the baby's record, made at the front door, holds the number. A records
    # officer merges the two: health then sees the plan by the baby's NHS number.
    await demo_county(store)
    worker, health = bearer(settings, "social-worker"), bearer(settings, "health")
    officer = bearer(settings, "records-officer")
    unborn = {
        "givenName": "Baby",
        "familyName": "Okoro",
        "unborn": True,
        "expectedDateOfBirth": "2026-11-25",
    }
    planned = (await graphql(client, worker, RECORD_CONTACT, _new_child(unborn)))["recordContact"]
    await _on_a_plan(client, worker, planned["childId"], date(2026, 9, 1))
    baby = {
        "givenName": "Grace",
        "familyName": "Okoro",
        "dateOfBirth": "2026-11-28",
        "sex": "F",
        "nhsNumber": UNBORN_NHS,
    }
    born = (await graphql(client, worker, RECORD_CONTACT, _new_child(baby)))["recordContact"]
    assert born["__typename"] == "Contact"
    before = await graphql(client, health, CPIS, {"n": UNBORN_NHS})

    merged = await graphql(
        client,
        officer,
        """mutation ($keep: ID!, $merge: ID!) { mergeChildren(keep: $keep, merge: $merge,
             reason: "Grace is the unborn child of the pre-birth plan") { __typename } }""",
        {"keep": born["childId"], "merge": planned["childId"]},
    )
    after = await graphql(client, health, CPIS, {"n": UNBORN_NHS})

    assert before == {"cpisRecord": None}
    assert merged == {"mergeChildren": {"__typename": "ChildMerge"}}
    assert after == {
        "cpisRecord": {
            "nhsNumber": UNBORN_NHS,
            "plans": [
                {"type": "CHILD_PROTECTION_PLAN", "startDate": "2026-09-21", "endDate": None}
            ],
        }
    }


async def test_a_death_recorded_on_one_record_ends_the_plan_health_sees_on_another(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    """Until the two records are merged, a plan left running on one record of a child whose
    death is recorded on the other (CIN RC2) is not a live plan: CP-IS shows it ended on
    the day the child died, as the plan of a child who dies on one record ends."""
    _, numbered, *_ = await _amir_and_adam(client, store, settings)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    case = await referral_for(client, worker, numbered["childId"], date(2026, 10, 1))
    case = await act(
        client, worker, "closeCase", case, {"closedOn": "2026-10-05", "reason": "RC2_DIED"}
    )
    case = await decide(client, manager, "authoriseCase", case, on="2026-10-06")
    assert (case["status"], case["closureReason"]) == ("CLOSED", "RC2_DIED"), case

    seen = await graphql(client, bearer(settings, "health"), CPIS, {"n": UNBORN_NHS})

    assert seen == {
        "cpisRecord": {
            "nhsNumber": UNBORN_NHS,
            "plans": [
                {
                    "type": "CHILD_PROTECTION_PLAN",
                    "startDate": "2026-09-21",
                    "endDate": "2026-10-05",
                }
            ],
        }
    }


async def test_a_cpis_answer_naming_no_plan_is_audited_against_every_record_with_a_plan_in_it(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    # Both records of the boy are on a plan now. An answer selecting none of the plans
    # still tells health he is on one, from both records: each is read, and audited.
    planned, numbered, *_ = await _amir_and_adam(client, store, settings)
    worker, health = bearer(settings, "social-worker"), bearer(settings, "health")
    await _on_a_plan(client, worker, numbered["childId"], date(2026, 9, 1))
    both = await graphql(client, health, CPIS, {"n": UNBORN_NHS})
    assert len(both["cpisRecord"]["plans"]) == 2, both
    await store.write("MATCH (e:AuditEvent {audience: 'health'}) DETACH DELETE e")

    answer = await graphql(
        client,
        health,
        """query ($n: String!) { cpisLookup(nhsNumber: $n) {
             __typename ... on CpisRecord { nhsNumber } } }""",
        {"n": UNBORN_NHS},
    )

    assert answer == {"cpisLookup": {"__typename": "CpisRecord", "nhsNumber": UNBORN_NHS}}
    audited = await store.read(
        "MATCH (e:AuditEvent {audience: 'health'})-[:ACCESSED]->(c:Child) RETURN c.id AS id"
    )
    assert {row["id"] for row in audited} == {planned["childId"], numbered["childId"]}
