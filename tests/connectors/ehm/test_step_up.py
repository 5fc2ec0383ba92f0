"""Step up at the connector: one contact per step-up record, only once it is linked."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from connectors import ehm
from connectors.intake import ingest
from graph import FalkorDBStore
from hub.settings import Settings
from tests.connectors.intake.world import RUBY_NHS, add_child, relink, role_headers
from tests.helpers import graphql

pytestmark = pytest.mark.anyio

STEP_UP = {
    "recordType": "STEP_UP",
    "recordId": "SU-1",
    "version": 1,
    "givenName": "Leo",
    "familyName": "Marsh",
    "dateOfBirth": "2014-03-09",
    "startDate": "2026-10-30",  # a Friday: the decision is due on Monday
    "episodeId": "EP-1",
    "reason": "Escalating concerns at home",
}
STEPPED_UP = """
MATCH (k:Contact)-[:STEPPED_UP_FROM]->(s:SourceRecord)
MATCH (k)-[:ABOUT]->(c:Child)
OPTIONAL MATCH (c)-[:RESPONSIBLE_TEAM]->(t:Team)
RETURN k {.receivedDate, .decisionDue, .source, .status, .recordedBy} AS contact,
       s.recordId AS stepUp, c.id AS childId, collect(t.id) AS teams
"""


async def stepped_up(store: FalkorDBStore) -> list[dict[str, Any]]:
    return await store.read(STEPPED_UP)


async def test_a_linked_step_up_is_one_contact_for_the_front_door_team(
    store: FalkorDBStore,
) -> None:
    await add_child(store, "C-LEO", "Leo", "Marsh", date(2014, 3, 9), sex="M")
    await store.write("CREATE (:Team {id: 'T-MASH', name: 'MASH'})")
    source = ehm.source("T-MASH")

    await ingest(store, [(1, STEP_UP)], source, by="system:ehm")
    await ingest(store, [(1, STEP_UP)], source, by="system:ehm")
    await ingest(store, [(1, {**STEP_UP, "version": 2})], source, by="system:ehm")

    [row] = await stepped_up(store)
    assert (row["stepUp"], row["childId"], row["teams"]) == ("SU-1", "C-LEO", ["T-MASH"])
    contact = row["contact"]
    assert (str(contact["receivedDate"]), str(contact["decisionDue"])) == (
        "2026-10-30",
        "2026-11-02",
    )
    assert (contact["source"], contact["status"], contact["recordedBy"]) == (
        "5D",
        "OPEN",
        "system:ehm",
    )


async def test_a_step_up_in_review_becomes_a_contact_when_a_person_links_it(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    await add_child(store, "C-LEO", "Leo", "Marsh", date(2014, 3, 9), sex="M")
    # A first name that only sounds like his: a person decides.
    unsure = {**STEP_UP, "givenName": "Lio"}
    report = await ingest(store, [(1, unsure)], ehm.SOURCE, by="system:ehm")
    assert report.results[0].link_state == "REVIEW"
    assert await stepped_up(store) == []

    officer = await role_headers(store, settings, "records_officer", "records-officer-1")
    queue = await graphql(
        client, officer, "{ linkReviewQueue { ... on LinkReviewQueue { records { id } } } }"
    )
    record_id = queue["linkReviewQueue"]["records"][0]["id"]
    linked = await graphql(
        client,
        officer,
        """mutation($id: ID!) { linkSourceRecord(recordId: $id, childId: "C-LEO",
           reason: "Checked with the early help team") { __typename } }""",
        {"id": record_id},
    )
    assert linked["linkSourceRecord"]["__typename"] == "SourceRecord"

    [row] = await stepped_up(store)
    assert (row["stepUp"], row["childId"], row["teams"]) == ("SU-1", "C-LEO", [])


@pytest.mark.parametrize("decided", [False, True])
async def test_a_step_up_linked_to_the_wrong_child_gives_the_right_child_its_contact(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings, decided: bool
) -> None:
    await add_child(store, "C-LEO", "Leo", "Marsh", date(2014, 3, 9), sex="M")
    await add_child(store, "C-LIA", "Lia", "Marsh", date(2016, 7, 1), sex="F")
    await ingest(store, [(1, STEP_UP)], ehm.SOURCE, by="system:ehm")
    [row] = await stepped_up(store)
    assert row["childId"] == "C-LEO"
    if decided:
        await store.write("MATCH (k:Contact) SET k.status = 'FINALISED'")
    [record] = await store.read("MATCH (r:SourceRecord {recordId: 'SU-1'}) RETURN r.id AS id")
    officer = await role_headers(store, settings, "records_officer", "records-officer-1")
    await relink(client, officer, record["id"], "C-LIA")
    await ingest(store, [(1, {**STEP_UP, "version": 2})], ehm.SOURCE, by="system:ehm")

    contacts = sorted((r["childId"], r["contact"]["status"]) for r in await stepped_up(store))
    # Undecided, the contact moves to Lia; decided about Leo, it stays with its decision
    # (a person corrects that) and Lia has her own.
    expected = [("C-LEO", "FINALISED"), ("C-LIA", "OPEN")] if decided else [("C-LIA", "OPEN")]
    assert contacts == expected


@pytest.mark.parametrize("decided", [False, True])
async def test_a_withdrawn_step_up_withdraws_its_undecided_contact_and_sent_again_reopens_it(
    store: FalkorDBStore, decided: bool
) -> None:
    # EHM sent the step up about the wrong child: the front door must not act on it.
    await add_child(store, "C-LEO", "Leo", "Marsh", date(2014, 3, 9), sex="M")
    await ingest(store, [(1, STEP_UP)], ehm.SOURCE, by="system:ehm")
    if decided:
        await store.write("MATCH (k:Contact) SET k.status = 'FINALISED'")
    withdrawn = {**STEP_UP, "version": 2, "withdrawn": "true", "withdrawnReason": "Wrong child"}

    await ingest(store, [(1, withdrawn)], ehm.SOURCE, by="system:ehm")

    # A decided contact stays with its decision (a person corrects that).
    [row] = await stepped_up(store)
    assert row["contact"]["status"] == ("FINALISED" if decided else "WITHDRAWN")
    await ingest(store, [(1, {**STEP_UP, "version": 3})], ehm.SOURCE, by="system:ehm")
    [row] = await stepped_up(store)
    assert row["contact"]["status"] == ("FINALISED" if decided else "OPEN")


# Known to the hub with an NHS number; born on 4 May 2019. EHM sends a step up carrying
# only that number and a start date in 2015: a mistyped year, or another child.
BORN_2019 = date(2019, 5, 4)
STEP_UP_IN_2015 = {
    "recordType": "STEP_UP",
    "recordId": "SU-2015",
    "version": 1,
    "nhsNumber": RUBY_NHS,
    "startDate": "2015-02-02",
    "episodeId": "EP-1",
    "reason": "Escalating concerns at home",
}


async def test_a_step_up_dated_before_the_child_s_pregnancy_waits_for_a_person(
    store: FalkorDBStore,
) -> None:
    # CIN census rule 8606: no referral more than 40 weeks before the child's birth. The
    # NHS number matches, but a contact received in 2015 about a child born in 2019 is
    # what the front door refuses: the record waits, with no contact made of it.
    await add_child(store, "C-RUBY", "Ruby", "Newman", BORN_2019, nhs=RUBY_NHS)

    report = await ingest(store, [(1, STEP_UP_IN_2015)], ehm.SOURCE, by="system:ehm")

    [result] = report.results
    assert (result.link_state, result.child_id) == ("REVIEW", None)
    [record] = await store.read(
        "MATCH (r:SourceRecord {recordId: 'SU-2015'}) RETURN r.linkReason AS reason,"
        " r.reviewCandidates AS candidates"
    )
    assert "CIN census rule 8606" in record["reason"]
    # The reason is shown to the sender too: it never tells them the child's birth date.
    assert "2019" not in record["reason"]
    assert record["candidates"] == ["C-RUBY"]
    assert await stepped_up(store) == []


async def test_a_person_cannot_link_a_record_dated_before_the_child_s_pregnancy(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    # The step up links to her sister, born in 2010, by the NHS number; a records officer
    # decides it was Ruby's, born in 2019: it cannot be, as dated.
    await add_child(store, "C-ROSA", "Rosa", "Newman", date(2010, 1, 8), nhs=RUBY_NHS)
    await add_child(store, "C-RUBY", "Ruby", "Newman", BORN_2019)
    await ingest(store, [(1, STEP_UP_IN_2015)], ehm.SOURCE, by="system:ehm")
    [record] = await store.read("MATCH (r:SourceRecord {recordId: 'SU-2015'}) RETURN r.id AS id")
    officer = await role_headers(store, settings, "records_officer", "records-officer-1")
    unlinked = await graphql(
        client,
        officer,
        """mutation($id: ID!) { unlinkSourceRecord(recordId: $id, reason: "Her sister")
           { __typename } }""",
        {"id": record["id"]},
    )
    assert unlinked["unlinkSourceRecord"]["__typename"] == "SourceRecord"

    refused = await graphql(
        client,
        officer,
        """mutation($id: ID!) { linkSourceRecord(recordId: $id, childId: "C-RUBY",
           reason: "Her sister") { __typename
             ... on InvalidInput { problems { field rule } } } }""",
        {"id": record["id"]},
    )

    answer = refused["linkSourceRecord"]
    assert answer["__typename"] == "InvalidInput", answer
    [problem] = answer["problems"]
    assert problem["field"] == "childId"
    assert problem["rule"] == (
        "the record's startDate (2015-02-02) is more than 40 weeks before the child's"
        " date of birth (2019-05-04; CIN census rule 8606)"
    )
    # Nothing changed: the record still waits, and Ruby has no contact of it.
    linked = await store.read(
        "MATCH (r:SourceRecord {recordId: 'SU-2015'})-[:LINKED_TO]->(c) RETURN c.id AS id"
    )
    assert linked == []
    assert [row["childId"] for row in await stepped_up(store)] == ["C-ROSA"]
