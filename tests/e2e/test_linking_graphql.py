"""Records officers decide which child a record is about through GraphQL; audited, undoable."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from connectors import ehm
from connectors.intake import ingest
from graph import FalkorDBStore
from hub.settings import Settings
from tests.connectors.intake.world import add_child, role_headers, system_client_headers
from tests.helpers import bearer, graphql

pytestmark = pytest.mark.anyio

JAKE = {
    "recordType": "EARLY_HELP_EPISODE",
    "recordId": "EP1",
    "version": 1,
    "givenName": "Jake",
    "familyName": "Newman",
    "dateOfBirth": "2019-05-04",
    "sex": "M",
    "postcode": "SG13 8DE",
    "startDate": "2025-09-01",
    "reason": "Parenting support",
}

RECORD_FIELDS = """
... on SourceRecord { id recordId source kind linkState linkReason candidateChildIds
  details { name value }
  link { childId rule score linkedBy } history { action rule childId by reason } }
... on NotFound { kind } ... on NotAuthorised { reason }
"""
REFUSALS = "... on TransitionRefused { currentState reason }"
PROBLEMS = "... on InvalidInput { problems { field rule } }"
QUEUE = "{ linkReviewQueue { __typename ... on LinkReviewQueue { records { id recordId } } } }"
CANDIDATES = """query($id: ID!) { sourceRecordCandidates(recordId: $id) { __typename
  ... on RecordCandidates { decision reason record { recordId }
    candidates { childId givenName familyName dateOfBirth score rule
                 agreement { field level } } }
  ... on NotAuthorised { reason } } }"""
LINK = f"""mutation($id: ID!, $child: ID!, $reason: String!) {{
  linkSourceRecord(recordId: $id, childId: $child, reason: $reason) {{ __typename
  {RECORD_FIELDS} {REFUSALS} {PROBLEMS} }} }}"""
UNLINK = f"""mutation($id: ID!, $reason: String!) {{
  unlinkSourceRecord(recordId: $id, reason: $reason) {{ __typename {RECORD_FIELDS} {PROBLEMS} }}
}}"""
RECORD = f"""query($id: ID!) {{ sourceRecord(recordId: $id) {{ __typename {RECORD_FIELDS} }} }}"""

AUDITED = """
MATCH (e:AuditEvent)-[:ACCESSED]->(:Child {id: $childId})
RETURN e.subject AS subject, e.fields AS fields
"""


async def _world(store: FalkorDBStore) -> None:
    await add_child(store, "C-JACK", "Jack", "Newman", date(2019, 5, 4), sex="M")
    await ingest(store, [(1, JAKE)], ehm.SOURCE, by="system:ehm-system")


async def test_a_records_officer_reviews_links_and_undoes_a_link(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    await _world(store)
    officer = await role_headers(store, settings, "records_officer", "records-officer-1")

    queue = (await graphql(client, officer, QUEUE))["linkReviewQueue"]
    assert [r["recordId"] for r in queue["records"]] == ["EP1"]
    record_id = queue["records"][0]["id"]

    found = (await graphql(client, officer, CANDIDATES, {"id": record_id}))[
        "sourceRecordCandidates"
    ]
    assert (found["decision"], found["record"]["recordId"]) == ("REVIEW", "EP1")
    [jack] = found["candidates"]
    assert (jack["childId"], jack["givenName"], jack["dateOfBirth"]) == (
        "C-JACK",
        "Jack",
        "2019-05-04",
    )
    levels = {a["field"]: a["level"] for a in jack["agreement"]}
    assert (levels["givenName"], levels["dateOfBirth"]) == ("PHONETIC", "EXACT")
    # The record in review (the queue) and Jack's details (the candidates) are both his.
    audited = await store.read(AUDITED, {"childId": "C-JACK"})
    assert [row["subject"] for row in audited] == ["records-officer-1"] * 2

    linked = (
        await graphql(
            client,
            officer,
            LINK,
            {"id": record_id, "child": "C-JACK", "reason": "Jake is what his family call Jack"},
        )
    )["linkSourceRecord"]
    assert (linked["__typename"], linked["linkState"]) == ("SourceRecord", "LINKED")
    assert linked["link"]["childId"] == "C-JACK"
    assert (linked["link"]["rule"], linked["link"]["linkedBy"]) == ("MANUAL", "records-officer-1")
    # The answer carries the record's trail, this link in it.
    assert [(e["action"], e["childId"]) for e in linked["history"]] == [("LINK", "C-JACK")]
    assert (await graphql(client, officer, QUEUE))["linkReviewQueue"]["records"] == []

    again = (
        await graphql(client, officer, LINK, {"id": record_id, "child": "C-JACK", "reason": "x"})
    )["linkSourceRecord"]
    assert (again["__typename"], again["currentState"]) == ("TransitionRefused", "LINKED")

    undone = (
        await graphql(client, officer, UNLINK, {"id": record_id, "reason": "Jake is his twin"})
    )["unlinkSourceRecord"]
    assert (undone["linkState"], undone["link"]) == ("REVIEW", None)
    assert [e["action"] for e in undone["history"]] == ["LINK", "UNLINK"]
    assert undone["candidateChildIds"] == ["C-JACK"]

    history = (await graphql(client, officer, RECORD, {"id": record_id}))["sourceRecord"]
    assert [(e["action"], e["rule"], e["by"]) for e in history["history"]] == [
        ("LINK", "MANUAL", "records-officer-1"),
        ("UNLINK", "MANUAL", "records-officer-1"),
    ]
    assert history["history"][1]["reason"] == "Jake is his twin"
    assert {d["name"]: d["value"] for d in history["details"]} == {"reason": "Parenting support"}


async def test_who_may_see_candidates_and_decide(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    await _world(store)
    officer = await role_headers(store, settings, "records_officer", "records-officer-1")
    record_id = (await graphql(client, officer, QUEUE))["linkReviewQueue"]["records"][0]["id"]
    system = await system_client_headers(store, settings)
    worker = bearer(settings, "social-worker")

    # A system client follows what it sent, but is never shown a child.
    assert (await graphql(client, system, QUEUE))["linkReviewQueue"]["records"][0]["id"] == (
        record_id
    )
    # What the record says is narrative: not the system client's to read back.
    own = (await graphql(client, system, RECORD, {"id": record_id}))["sourceRecord"]
    assert (own["recordId"], own["details"]) == ("EP1", [])
    # Another system sees nothing of it.
    other = await role_headers(store, settings, "system_client", "ies-system", "hertfordshire-ies")
    assert (await graphql(client, other, QUEUE))["linkReviewQueue"]["records"] == []
    theirs = (await graphql(client, other, RECORD, {"id": record_id}))["sourceRecord"]
    assert theirs == {"__typename": "NotFound", "kind": "SourceRecord"}
    refused: list[dict[str, Any]] = [
        (await graphql(client, system, CANDIDATES, {"id": record_id}))["sourceRecordCandidates"],
        (await graphql(client, worker, CANDIDATES, {"id": record_id}))["sourceRecordCandidates"],
        (
            await graphql(
                client, worker, LINK, {"id": record_id, "child": "C-JACK", "reason": "mine"}
            )
        )["linkSourceRecord"],
        (await graphql(client, system, UNLINK, {"id": record_id, "reason": "no"}))[
            "unlinkSourceRecord"
        ],
    ]
    assert [answer["__typename"] for answer in refused] == ["NotAuthorised"] * 4

    blank = (
        await graphql(client, officer, LINK, {"id": record_id, "child": "C-JACK", "reason": " "})
    )["linkSourceRecord"]
    assert blank["problems"] == [
        {"field": "reason", "rule": "give a reason of 1 to 1000 characters"}
    ]
    nowhere = (
        await graphql(client, officer, LINK, {"id": record_id, "child": "C-NONE", "reason": "x"})
    )["linkSourceRecord"]
    assert nowhere == {"__typename": "NotFound", "kind": "Child"}
    # Only reads of the record in review are in the audit of the child it may be about
    # (the officer's queue, its sender's queue and record); the refusals wrote nothing.
    audited = await store.read(AUDITED, {"childId": "C-JACK"})
    assert sorted(row["subject"] for row in audited) == [
        "ehm-system",
        "ehm-system",
        "records-officer-1",
    ]


CHILD_RECORDS = """query($child: ID!) { childSourceRecords(childId: $child) {
  source kind recordId childId startDate link { rule linkedBy } } }"""


async def test_a_child_s_early_help_records_show_only_through_a_relationship(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    await add_child(store, "C-RUBY", "Ruby", "Newman", date(2019, 5, 4))
    ruby = {**JAKE, "givenName": "Ruby", "sex": "F"}
    await ingest(store, [(1, ruby)], ehm.SOURCE, by="system:ehm-system")
    officer = await role_headers(store, settings, "records_officer", "records-officer-1")

    seen = await graphql(client, officer, CHILD_RECORDS, {"child": "C-RUBY"})
    hidden = await graphql(
        client, bearer(settings, "social-worker"), CHILD_RECORDS, {"child": "C-RUBY"}
    )

    assert seen["childSourceRecords"] == [
        {
            "source": "EHM",
            "kind": "EARLY_HELP_EPISODE",
            "recordId": "EP1",
            "childId": "C-RUBY",
            "startDate": "2025-09-01",
            "link": {"rule": "SCORE", "linkedBy": "system:ehm-system"},
        }
    ]
    assert hidden["childSourceRecords"] == []
    audited = await store.read(AUDITED, {"childId": "C-RUBY"})
    assert [row["subject"] for row in audited] == ["records-officer-1"]
    assert {"recordId", "startDate"} <= set(audited[0]["fields"])


TO_NEW = f"""mutation($id: ID!, $reason: String!) {{
  linkSourceRecordToNewChild(recordId: $id, reason: $reason) {{ __typename
  {RECORD_FIELDS} {REFUSALS} {PROBLEMS} }} }}"""
CHILDREN = "MATCH (c:Child) RETURN c.id AS id, c.givenName AS givenName ORDER BY c.id"


async def test_a_person_decides_a_record_is_about_a_child_the_hub_has_not_met(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    await _world(store)
    officer = await role_headers(store, settings, "records_officer", "records-officer-1")
    record_id = (await graphql(client, officer, QUEUE))["linkReviewQueue"]["records"][0]["id"]

    created = (await graphql(client, officer, TO_NEW, {"id": record_id, "reason": "Jack's twin"}))[
        "linkSourceRecordToNewChild"
    ]
    again = (await graphql(client, officer, TO_NEW, {"id": record_id, "reason": "twice"}))[
        "linkSourceRecordToNewChild"
    ]

    assert (created["linkState"], created["link"]["rule"]) == ("LINKED", "NEW_PERSON")
    assert created["link"]["linkedBy"] == "records-officer-1"
    children = await store.read(CHILDREN)
    assert [row["givenName"] for row in children] == ["Jack", "Jake"]
    assert created["link"]["childId"] == next(r["id"] for r in children if r["givenName"] == "Jake")
    assert again["__typename"] == "TransitionRefused"


async def test_a_new_child_is_refused_when_the_nhs_number_is_already_on_a_child(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    await add_child(store, "C-JACK", "Jack", "Newman", date(2019, 5, 4), sex="M", nhs="9434765919")
    # Another child's NHS number on a record about somebody else: it waits for a person.
    stranger = {**JAKE, "givenName": "Tom", "dateOfBirth": "2012-11-30", "nhsNumber": "9434765919"}
    await ingest(store, [(1, stranger)], ehm.SOURCE, by="system:ehm-system")
    officer = await role_headers(store, settings, "records_officer", "records-officer-1")
    record_id = (await graphql(client, officer, QUEUE))["linkReviewQueue"]["records"][0]["id"]

    refused = (await graphql(client, officer, TO_NEW, {"id": record_id, "reason": "new"}))[
        "linkSourceRecordToNewChild"
    ]

    assert refused["__typename"] == "TransitionRefused"
    assert "NHS number is already recorded" in refused["reason"]
    assert len(await store.read(CHILDREN)) == 1


async def test_a_new_version_of_a_record_a_person_unlinked_waits_for_a_person(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    # EHM links Ruby's record to the Ruby the hub knows; a records officer finds it is
    # another Ruby (same names and birthday) and unlinks it. EHM's next version of the
    # record must not put it back on the child the person took it off.
    await add_child(store, "C-RUBY", "Ruby", "Newman", date(2019, 5, 4))
    ruby = {**JAKE, "givenName": "Ruby", "sex": "F"}
    first = await ingest(store, [(1, ruby)], ehm.SOURCE, by="system:ehm-system")
    assert first.results[0].child_id == "C-RUBY"
    officer = await role_headers(store, settings, "records_officer", "records-officer-1")
    [row] = await store.read("MATCH (r:SourceRecord) RETURN r.id AS id")
    reason = "another Ruby Newman born the same day, at another address"
    undone = (await graphql(client, officer, UNLINK, {"id": row["id"], "reason": reason}))[
        "unlinkSourceRecord"
    ]
    assert undone["linkState"] == "REVIEW"

    later = await ingest(
        store,
        [(1, {**ruby, "version": 2, "reason": "Parenting support, second term"})],
        ehm.SOURCE,
        by="system:ehm-system",
    )

    assert (later.results[0].link_state, later.results[0].child_id) == ("REVIEW", None)
    record = (await graphql(client, officer, RECORD, {"id": row["id"]}))["sourceRecord"]
    assert (record["linkState"], record["link"]) == ("REVIEW", None)
    assert [(e["action"], e["by"]) for e in record["history"]] == [
        ("LINK", "system:ehm-system"),
        ("UNLINK", "records-officer-1"),
    ]
    assert record["candidateChildIds"] == ["C-RUBY"]
    queue = (await graphql(client, officer, QUEUE))["linkReviewQueue"]["records"]
    assert [r["recordId"] for r in queue] == ["EP1"]
    # The new version's content landed all the same.
    assert {d["name"]: d["value"] for d in record["details"]} == {
        "reason": "Parenting support, second term"
    }
    # A person may still link it back.
    relinked = (
        await graphql(
            client, officer, LINK, {"id": row["id"], "child": "C-RUBY", "reason": "it was her"}
        )
    )["linkSourceRecord"]
    assert relinked["link"]["childId"] == "C-RUBY"


async def test_the_answer_of_an_unlink_is_in_the_read_audit_of_the_child_it_was_unlinked_from(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    """The unlinked record names no child any more, but the names, date of birth and
    findings it answers with were, until this step, the hub's record of Jack: the answer
    is in his access trail."""
    await _world(store)
    officer = await role_headers(store, settings, "records_officer", "records-officer-1")
    record_id = (await graphql(client, officer, QUEUE))["linkReviewQueue"]["records"][0]["id"]
    linked = (
        await graphql(client, officer, LINK, {"id": record_id, "child": "C-JACK", "reason": "Jack"})
    )["linkSourceRecord"]
    assert linked["linkState"] == "LINKED"
    await store.write("MATCH (e:AuditEvent) DETACH DELETE e")

    undone = await graphql(
        client,
        officer,
        """mutation ($id: ID!) { unlinkSourceRecord(recordId: $id, reason: "his twin") {
             ... on SourceRecord { givenName familyName dateOfBirth details { value } } } }""",
        {"id": record_id},
    )

    assert undone["unlinkSourceRecord"]["familyName"] == "Newman"
    audited = await store.read(AUDITED, {"childId": "C-JACK"})
    assert audited == [
        {
            "subject": "records-officer-1",
            "fields": ["dateOfBirth", "details", "familyName", "givenName"],
        }
    ]
