"""Probes: a child must not come out where a row rule forbids it on the surfaces added with
EHM, IES, merging and the audience-cut access rule. Each test fails if the leak exists."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from connectors import ehm
from connectors.intake import IncomingRecord, apply_record
from graph import FalkorDBStore
from hub.settings import Settings
from tests.connectors.intake.world import role_headers
from tests.e2e.journey_helpers import demo_county
from tests.e2e.test_cpis_across_records import CPIS, RECORD_CONTACT, _new_child, _on_a_plan
from tests.helpers import bearer, graphql

pytestmark = pytest.mark.anyio

ADAM_NHS = "9434765919"
BEN_NHS = "9434765870"


async def test_health_never_sees_the_plan_of_a_child_a_record_with_the_number_was_wrongly_linked_to(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    # Adam holds NHS number X and has no plan. Ben holds his own number Y and is on a
    # plan. An early help record carrying X (Adam's) is linked by mistake to Ben. Health,
    # asking about X, must be told about Adam only: Ben is not a record of X's person (he
    # has a number of his own), so his plan must not leave the hub on Adam's number.
    await demo_county(store)
    worker, health = bearer(settings, "social-worker"), bearer(settings, "health")
    adam = {"givenName": "Adam", "familyName": "Okafor", "dateOfBirth": "2019-03-04", "sex": "M"}
    ben = {"givenName": "Ben", "familyName": "Lister", "dateOfBirth": "2018-07-09", "sex": "M"}
    numbered = (
        await graphql(client, worker, RECORD_CONTACT, _new_child(adam | {"nhsNumber": ADAM_NHS}))
    )["recordContact"]
    planned = (
        await graphql(client, worker, RECORD_CONTACT, _new_child(ben | {"nhsNumber": BEN_NHS}))
    )["recordContact"]
    assert numbered["__typename"] == planned["__typename"] == "Contact"
    await _on_a_plan(client, worker, planned["childId"], date(2026, 9, 1))
    record = ehm.SOURCE.parse(
        {
            "recordType": "EARLY_HELP_EPISODE",
            "recordId": "EP-WRONG",
            "version": 1,
            **adam,
            "nhsNumber": ADAM_NHS,
            "startDate": "2025-09-01",
            "reason": "Parenting support",
        }
    )
    assert isinstance(record, IncomingRecord)
    await apply_record(store, record, by="system:ehm")
    record_id = (await store.read("MATCH (r:SourceRecord) RETURN r.id AS id"))[0]["id"]
    officer = await role_headers(store, settings, "records_officer", "records-officer-1")
    await graphql(
        client,
        officer,
        """mutation ($r: ID!) { unlinkSourceRecord(recordId: $r, reason: "checking")
             { __typename } }""",
        {"r": record_id},
    )
    linked = await graphql(
        client,
        officer,
        """mutation ($r: ID!, $c: ID!) { linkSourceRecord(recordId: $r, childId: $c,
             reason: "Wrong child picked from the list") { __typename } }""",
        {"r": record_id, "c": planned["childId"]},
    )
    assert linked == {"linkSourceRecord": {"__typename": "SourceRecord"}}
    wrongly = await store.read(
        "MATCH (:SourceRecord {nhsNumber: $n})-[:LINKED_TO]->(c:Child) RETURN c.id AS id",
        {"n": ADAM_NHS},
    )
    assert wrongly == [{"id": planned["childId"]}]

    by_adams_number = await graphql(client, health, CPIS, {"n": ADAM_NHS})
    by_bens_number = await graphql(client, health, CPIS, {"n": BEN_NHS})

    assert by_adams_number == {"cpisRecord": None}
    # Ben's plan still answers on Ben's own number.
    assert by_bens_number["cpisRecord"]["plans"] == [
        {"type": "CHILD_PROTECTION_PLAN", "startDate": "2026-09-21", "endDate": None}
    ]
    audited = await store.read(
        "MATCH (e:AuditEvent {audience: 'health'})-[:ACCESSED]->(c:Child)"
        " RETURN DISTINCT c.id AS id"
    )
    assert {row["id"] for row in audited} <= {planned["childId"]}
