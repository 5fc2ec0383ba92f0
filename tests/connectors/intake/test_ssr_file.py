"""A finalised SSR from IES opens the child's Livelink file, once, as a finalised contact does."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from connectors import ies
from connectors.intake import ingest
from connectors.livelink import FILE_PLAN
from graph import FalkorDBStore
from hub.settings import Settings
from tests.connectors.intake.world import add_child, role_headers
from tests.helpers import graphql

pytestmark = pytest.mark.anyio

UPN = "E938200112001"
SSR = {
    "recordType": "SSR",
    "recordId": "S1",
    "version": 1,
    "givenName": "Leo",
    "familyName": "Marsh",
    "dateOfBirth": "2014-03-09",
    "upn": UPN,
    "schoolUrn": "117000",
    "status": "SUBMITTED",
    "summary": "Concerns about neglect",
    "startDate": "2025-11-20",
}
FINALISED = {**SSR, "version": 2, "status": "FINALISED", "finalisedDate": "2025-11-24"}

FILES = """
MATCH (c:Child {id: $childId})-[:HAS_FILE]->(f:File)
RETURN f.openedBy AS openedBy,
       size([(f)-[:HAS_FOLDER]->(d:Folder) | d]) AS folders,
       size([(o:OutboxItem {kind: 'OPEN_FILE'})-[:DELIVERS]->(f) | o]) AS openItems
"""


async def _files(store: FalkorDBStore, child_id: str) -> list[dict[str, Any]]:
    return await store.read(FILES, {"childId": child_id})


async def test_the_file_opens_when_the_ssr_is_finalised_and_only_once(
    store: FalkorDBStore,
) -> None:
    await add_child(store, "C-LEO", "Leo", "Marsh", date(2014, 3, 9), sex="M", upn=UPN)

    await ingest(store, [(1, SSR)], ies.SOURCE, by="t")
    assert await _files(store, "C-LEO") == []

    await ingest(store, [(1, FINALISED)], ies.SOURCE, by="t")
    await ingest(store, [(1, FINALISED)], ies.SOURCE, by="t")
    await ingest(store, [(1, {**FINALISED, "recordId": "S2"})], ies.SOURCE, by="t")

    assert await _files(store, "C-LEO") == [
        {"openedBy": "SSR", "folders": len(FILE_PLAN), "openItems": 1}
    ]


async def test_a_finalised_ssr_in_review_opens_the_file_when_a_person_links_it(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    await add_child(store, "C-LEO", "Leo", "Marsh", date(2014, 3, 9), sex="M")
    # No UPN on the child, and a first name that only sounds like his: a person decides.
    unsure = {**FINALISED, "givenName": "Lio", "upn": "U938200112002"}
    report = await ingest(store, [(1, unsure)], ies.SOURCE, by="t")
    assert report.results[0].link_state == "REVIEW"
    assert await _files(store, "C-LEO") == []
    officer = await role_headers(store, settings, "records_officer", "records-officer-1")
    queue = await graphql(
        client, officer, "{ linkReviewQueue { ... on LinkReviewQueue { records { id } } } }"
    )
    record_id = queue["linkReviewQueue"]["records"][0]["id"]

    linked = await graphql(
        client,
        officer,
        """mutation($id: ID!) { linkSourceRecord(recordId: $id, childId: "C-LEO",
           reason: "Checked with the school") { __typename } }""",
        {"id": record_id},
    )

    assert linked["linkSourceRecord"]["__typename"] == "SourceRecord"
    assert await _files(store, "C-LEO") == [
        {"openedBy": "SSR", "folders": len(FILE_PLAN), "openItems": 1}
    ]


async def test_an_older_finalised_version_arriving_after_a_withdrawal_opens_no_file(
    store: FalkorDBStore,
) -> None:
    # IES withdrew the SSR (version 3); its finalised version 2, delivered late, is stale:
    # it changes nothing, and opens no Livelink file for a request that was withdrawn.
    await add_child(store, "C-LEO", "Leo", "Marsh", date(2014, 3, 9), sex="M", upn=UPN)
    withdrawn = {**SSR, "version": 3, "status": "WITHDRAWN"}
    await ingest(store, [(1, withdrawn)], ies.SOURCE, by="t")

    late = await ingest(store, [(1, FINALISED)], ies.SOURCE, by="t")

    assert [result.applied.value for result in late.results] == ["STALE"]
    assert await _files(store, "C-LEO") == []
