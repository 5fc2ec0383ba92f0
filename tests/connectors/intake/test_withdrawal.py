"""EHM and IES withdraw a record sent in error: a new version of it, `withdrawn` with the
reason, ends its link (the trail keeps the link and its end), links nothing again, and
no person links it while it stands; a version sent after it takes the record in again."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import httpx
import pytest

from connectors import ehm, ies
from connectors.intake import Applied, ingest
from graph import FalkorDBStore
from graph.cypher import linking
from hub.settings import Settings
from tests.connectors.intake.test_ehm_ingest import episode
from tests.connectors.intake.test_ssr_file import FINALISED, UPN
from tests.connectors.intake.world import RUBY_NHS, add_child, counts, role_headers, stored
from tests.helpers import graphql
from workflow.matching import Decision

pytestmark = pytest.mark.anyio

KEY = "EHM:EARLY_HELP_EPISODE:EP1"
WITHDRAWN = {"withdrawn": "true", "withdrawnReason": "Sent about the wrong child"}
HISTORY = """query ($id: ID!) { sourceRecord(recordId: $id) { ... on SourceRecord {
  linkState linkReason childId history { action childId by reason } } } }"""
LINK = """mutation ($record: ID!, $child: ID!) { linkSourceRecord(recordId: $record,
  childId: $child, reason: "Looks like her") { __typename
  ... on TransitionRefused { currentState reason } } }"""
TO_NEW_CHILD = """mutation ($record: ID!) { linkSourceRecordToNewChild(recordId: $record,
  reason: "Somebody new") { __typename ... on TransitionRefused { currentState } } }"""
QUEUE = "{ linkReviewQueue { ... on LinkReviewQueue { records { id } } } }"
EPISODES = """query ($id: ID!) { child(id: $id) { earlyHelpEpisodes { recordId } } }"""


async def _record_id(store: FalkorDBStore, key: str) -> str:
    rows = await store.read("MATCH (r:SourceRecord {key: $key}) RETURN r.id AS id", {"key": key})
    return str(rows[0]["id"])


async def test_a_withdrawn_record_ends_its_link_with_its_history_and_links_nothing_again(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    await add_child(store, "C-RUBY", "Ruby", "Newman", date(2019, 5, 4), nhs=RUBY_NHS)
    await ingest(store, [(1, episode("EP1", nhsNumber=RUBY_NHS))], ehm.SOURCE, by="system:ehm")
    assert (await stored(store, KEY))["childId"] == "C-RUBY"

    withdrawal = episode("EP1", version=2, nhsNumber=RUBY_NHS, **WITHDRAWN)
    report = await ingest(store, [(1, withdrawal)], ehm.SOURCE, by="system:ehm")

    assert [(r.applied, r.link_state, r.child_id) for r in report.results] == [
        (Applied.UPDATED, "WITHDRAWN", None)
    ]
    officer = await role_headers(store, settings, "records_officer", "records-officer-1")
    record_id = await _record_id(store, KEY)
    record = (await graphql(client, officer, HISTORY, {"id": record_id}))["sourceRecord"]
    assert record["linkState"] == "WITHDRAWN"
    assert record["linkReason"] == "Sent about the wrong child"
    assert record["childId"] is None
    assert [(e["action"], e["childId"], e["by"], e["reason"]) for e in record["history"]] == [
        ("LINK", "C-RUBY", "system:ehm", "same NHS_NUMBER"),
        ("WITHDRAW", "C-RUBY", "system:ehm", "Sent about the wrong child"),
    ]
    # Off the child's record, out of the review queue, and no person links it.
    shown = (await graphql(client, officer, EPISODES, {"id": "C-RUBY"}))["child"]
    assert shown == {"earlyHelpEpisodes": []}
    assert (await graphql(client, officer, QUEUE))["linkReviewQueue"] == {"records": []}
    refused = (await graphql(client, officer, LINK, {"record": record_id, "child": "C-RUBY"}))[
        "linkSourceRecord"
    ]
    assert refused["__typename"] == "TransitionRefused"
    assert refused["currentState"] == "WITHDRAWN"
    assert (await graphql(client, officer, TO_NEW_CHILD, {"record": record_id}))[
        "linkSourceRecordToNewChild"
    ] == {"__typename": "TransitionRefused", "currentState": "WITHDRAWN"}

    # The first version arriving late, or the withdrawal again, changes nothing.
    late = await ingest(store, [(1, episode("EP1", nhsNumber=RUBY_NHS))], ehm.SOURCE, by="t")
    again = await ingest(store, [(1, withdrawal)], ehm.SOURCE, by="t")
    assert [r.applied for r in late.results + again.results] == [Applied.STALE, Applied.UNCHANGED]
    assert (await stored(store, KEY))["childId"] is None

    # Sent again (a newer version, not withdrawn), the record is taken in as any new one.
    resent = await ingest(
        store, [(1, episode("EP1", version=3, nhsNumber=RUBY_NHS))], ehm.SOURCE, by="t"
    )
    assert [(r.link_state, r.child_id) for r in resent.results] == [("LINKED", "C-RUBY")]


async def test_a_record_first_sent_withdrawn_makes_no_child_and_waits_for_nobody(
    store: FalkorDBStore,
) -> None:
    before = await counts(store)
    row = episode("EP1", givenName="Test", familyName="Record", **WITHDRAWN)

    report = await ingest(store, [(1, row)], ehm.SOURCE, by="t")

    assert [(r.applied, r.link_state, r.child_id) for r in report.results] == [
        (Applied.CREATED, "WITHDRAWN", None)
    ]
    after = await counts(store)
    assert after["children"] == before["children"]


async def test_a_withdrawal_names_its_reason_and_a_reason_needs_a_withdrawal(
    store: FalkorDBStore,
) -> None:
    rows = [
        (1, episode("EP1", withdrawn="true")),
        (2, episode("EP2", withdrawnReason="Test record")),
    ]

    report = await ingest(store, rows, ehm.SOURCE, by="t")

    assert [(p.line, [(f.field, f.rule) for f in p.problems]) for p in report.rejected] == [
        (1, [("withdrawnReason", "a withdrawn record has a withdrawnReason, and only then")]),
        (2, [("withdrawnReason", "a withdrawn record has a withdrawnReason, and only then")]),
    ]
    assert (await counts(store))["records"] == 0


async def test_a_withdrawn_ssr_leaves_the_child_s_record_and_the_file_it_opened_stays(
    store: FalkorDBStore,
) -> None:
    await add_child(store, "C-LEO", "Leo", "Marsh", date(2014, 3, 9), sex="M", upn=UPN)
    await ingest(store, [(1, FINALISED)], ies.SOURCE, by="t")
    withdrawn: dict[str, Any] = {**FINALISED, "version": 3, **WITHDRAWN}

    await ingest(store, [(1, withdrawn)], ies.SOURCE, by="t")

    ssrs = await store.read(
        "MATCH (:Child {id: 'C-LEO'})<-[:LINKED_TO]-(r:SourceRecord) RETURN r.kind AS kind"
    )
    assert ssrs == []
    # A file is a record: closing one is a records officer's reviewed act, not a feed's.
    files = await store.read(
        "MATCH (:Child {id: 'C-LEO'})-[:HAS_FILE]->(f) RETURN f.openedBy AS by"
    )
    assert files == [{"by": "SSR"}]


async def test_a_child_the_withdrawn_record_alone_made_goes_with_it_and_one_with_more_stays(
    store: FalkorDBStore,
) -> None:
    # A test record about nobody made a child: withdrawn, it leaves no child behind for
    # later records to match (a later record with the same details linked to it).
    test_record = episode("EP1", givenName="Test", familyName="Record")
    kept = episode("EP2", givenName="Amir", familyName="Haddad", dateOfBirth="2017-02-20")
    await ingest(store, [(1, test_record), (2, kept)], ehm.SOURCE, by="t")
    [amir] = await store.read("MATCH (c:Child {givenName: 'Amir'}) RETURN c.id AS id")
    await store.write("MATCH (c:Child {id: $id}) CREATE (:Contact {id: 'K1'})-[:ABOUT]->(c)", amir)

    withdrawals = [
        (1, {**test_record, "version": 2, **WITHDRAWN}),
        (2, {**kept, "version": 2, **WITHDRAWN}),
    ]
    await ingest(store, withdrawals, ehm.SOURCE, by="t")

    children = await store.read("MATCH (c:Child) RETURN c.givenName AS name")
    assert children == [{"name": "Amir"}]
    again = await ingest(
        store, [(1, episode("EP9", givenName="Test", familyName="Record"))], ehm.SOURCE, by="t"
    )
    assert [r.decision for r in again.results] == [Decision.NEW_PERSON]


async def test_a_withdrawal_stopped_part_way_still_removes_the_child_it_alone_made(
    store: FalkorDBStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A push stopped (at its request deadline) between the withdrawal's statements kept
    # the child the record alone made, and the withdrawal sent again changed nothing: it
    # is the same version.
    test_record = episode("EP1", givenName="Test", familyName="Record")
    await ingest(store, [(1, test_record)], ehm.SOURCE, by="t")
    write, removing, engine_answers, removed = (
        store.write,
        asyncio.Event(),
        asyncio.Event(),
        asyncio.Event(),
    )

    async def slow_engine(statement: str, params: dict[str, Any] | None = None) -> Any:
        if statement != linking.REMOVE_CHILD_MADE_BY:
            return await write(statement, params)
        removing.set()
        await engine_answers.wait()
        try:
            return await write(statement, params)
        finally:
            removed.set()

    monkeypatch.setattr(store, "write", slow_engine)
    withdrawal = [(1, {**test_record, "version": 2, **WITHDRAWN})]
    pushing = asyncio.create_task(ingest(store, withdrawal, ehm.SOURCE, by="t"))
    await removing.wait()
    pushing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await pushing
    engine_answers.set()
    await asyncio.wait_for(removed.wait(), timeout=10)
    assert await store.read("MATCH (c:Child) RETURN c.givenName AS name") == []
