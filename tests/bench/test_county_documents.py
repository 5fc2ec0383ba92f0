"""The old system's documents in the benchmark county's Livelink files (demo/county.py).

The county's files hold documents migrated from the old system: each a form of a real
template, filed in the subfolder that template names, already in Livelink, so loading
them queues nothing and the hub's own GraphQL answers them as it answers its own.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from connectors.livelink.templates import FORM_TEMPLATES
from demo import county, personas
from graph.cypher import documents as document_statements
from tests.graph import test_plans
from tests.helpers import bearer, graphql

if TYPE_CHECKING:
    import httpx

    from graph import FalkorDBStore
    from hub.settings import Settings

pytestmark = pytest.mark.anyio

TODAY = date(2026, 11, 2)
SEED = 5
PER_FILE = 4

CASE_FILE = """
query ($id: ID!) {
  child(id: $id) {
    file {
      folders { key documents { id title latestVersion } }
      documents { id title templateKey folderKey recordClass sourceId createdAt latestVersion
                  versions { id version filingState filingAttempts outboxItemId remoteNodeId
                             remoteVersion generatedBy generatedAt templateKey folderKey } }
    }
  }
}
"""

PENDING = """
MATCH (o:OutboxItem) WHERE o.state = 'PENDING'
RETURN o.kind AS kind, count(o) AS items ORDER BY kind
"""


def _world() -> county.County:
    return county.generate("tiny", seed=SEED, today=TODAY)


@pytest.fixture
async def world(store: FalkorDBStore) -> county.County:
    world = _world()
    await county.load(store, world, show_progress=False)
    return world


async def _counts(store: FalkorDBStore) -> dict[str, int]:
    rows = await store.read(
        "MATCH (d:Document) WITH count(d) AS documents "
        "MATCH (v:DocumentVersion) WITH documents, count(v) AS versions "
        "MATCH (:Folder)-[h:HOLDS]->(:Document) WITH documents, versions, count(h) AS held "
        "MATCH (:Document)-[h:HAS_VERSION]->(:DocumentVersion) "
        "RETURN documents, versions, held, count(h) AS versioned"
    )
    return {key: int(value) for key, value in rows[0].items()}


def test_documents_are_reproducible_by_seed_and_leave_the_county_as_it_was() -> None:
    first, again = _world(), _world()
    rows = list(county.document_rows(first, SEED, PER_FILE))
    assert rows == list(county.document_rows(again, SEED, PER_FILE))
    assert rows != list(county.document_rows(first, SEED + 1, PER_FILE))
    # Their own random stream: the rest of the county is what it is without them.
    assert first.people == _world().people
    assert list(county.case_note_rows(first, SEED, 4)) == list(
        county.case_note_rows(_world(), SEED, 4)
    )


def test_documents_are_forms_of_real_templates_dated_in_the_year_before_today() -> None:
    world = _world()
    rows = list(county.document_rows(world, SEED, PER_FILE))
    opened = {contact["childId"] for contact in world.contacts if contact["outcome"] is not None}
    per_file = Counter(row["childId"] for row in rows)
    assert rows
    assert set(per_file) <= opened
    assert max(per_file.values()) <= 2 * PER_FILE
    born = {person["id"]: date.fromisoformat(person["dateOfBirth"]) for person in world.people}
    midnight = datetime.combine(TODAY, datetime.min.time(), UTC)
    for row in rows:
        template = FORM_TEMPLATES[row["templateKey"]]
        assert (row["title"], row["folderKey"], row["recordClass"], row["filename"]) == (
            template.title,
            template.folder_key,
            template.record_class.value,
            f"{template.filename_stem}.pdf",
        )
        made = datetime.fromtimestamp(row["generatedAt"] / 1000, UTC)
        assert midnight - timedelta(days=365) <= made < midnight
        assert made.date() >= born[row["childId"]]
    assert len({row["key"] for row in rows}) == len({row["id"] for row in rows}) == len(rows)
    assert len({row["remoteNodeId"] for row in rows}) == len(rows)


async def test_the_statement_seeks_indexes(store: FalkorDBStore) -> None:
    plan = await test_plans.plan(store, document_statements.LOAD_LEGACY_DOCUMENTS)
    assert test_plans.large_scans(plan) == []


async def test_documents_land_in_their_templates_folders_once_and_queue_nothing(
    store: FalkorDBStore, world: county.County
) -> None:
    rows = list(county.document_rows(world, SEED, PER_FILE))
    pending = await store.read(PENDING)
    # Every row's child has a file (opened by its finalised contact), so every row lands.
    assert await county.load_documents(store, iter(rows), show_progress=False) == len(rows)
    counts = await _counts(store)
    assert counts == dict.fromkeys(("documents", "versions", "held", "versioned"), len(rows))
    # A second load (a rerun of the benchmark's load) finds them all and adds nothing.
    assert await county.load_documents(store, iter(rows), show_progress=False) == len(rows)
    assert await _counts(store) == counts
    filed = await store.read(
        "MATCH (c:Child)-[:HAS_FILE]->(:File)-[:HAS_FOLDER]->(folder:Folder)-[:HOLDS]->"
        "(doc:Document)-[:HAS_VERSION]->(v:DocumentVersion) "
        "RETURN c.id AS childId, folder.key AS folderKey, doc.key AS key, "
        "doc.childId AS docChildId, doc.templateKey AS templateKey, v.folderKey AS versionFolder"
    )
    assert sorted(row["key"] for row in filed) == sorted(row["key"] for row in rows)
    for row in filed:
        assert row["childId"] == row["docChildId"]
        template = FORM_TEMPLATES[row["templateKey"]]
        assert row["folderKey"] == row["versionFolder"] == template.folder_key
    # Migrated documents are already in Livelink: nothing new waits in the outbox.
    assert await store.read(PENDING) == pending
    delivering = await store.read(
        "MATCH (o:OutboxItem)-[:DELIVERS]->(:DocumentVersion) RETURN count(o) AS n"
    )
    assert delivering == [{"n": 0}]


async def test_the_hubs_graphql_answers_the_documents_to_the_allocated_worker(
    store: FalkorDBStore,
    world: county.County,
    client: httpx.AsyncClient,
    settings: Settings,
) -> None:
    rows = list(county.document_rows(world, SEED, PER_FILE))
    await county.load_documents(store, iter(rows), show_progress=False)
    pending = await store.read(PENDING)
    social_worker = next(p for p in personas.PERSONAS if p.name == "social-worker")
    caseload = {row["child"] for row in world.allocations if row["worker"] == social_worker.subject}
    per_child = Counter(row["childId"] for row in rows if row["childId"] in caseload)
    child_id, count = per_child.most_common(1)[0]
    assert count > 0
    expected = {row["id"]: row for row in rows if row["childId"] == child_id}

    data = await graphql(client, bearer(settings, "social-worker"), CASE_FILE, {"id": child_id})
    file = data["child"]["file"]
    assert {document["id"] for document in file["documents"]} == set(expected)
    in_folders = {
        document["id"]: folder["key"]
        for folder in file["folders"]
        for document in folder["documents"]
    }
    assert in_folders == {key: row["folderKey"] for key, row in expected.items()}
    for document in file["documents"]:
        row = expected[document["id"]]
        assert (document["title"], document["templateKey"], document["latestVersion"]) == (
            row["title"],
            row["templateKey"],
            1,
        )
        assert document["sourceId"] == row["sourceId"]
        (version,) = document["versions"]
        assert version["remoteNodeId"] == row["remoteNodeId"]
        assert version["remoteVersion"] == 1
        # Filed by the old system, not through the hub's outbox: in Livelink (it has its
        # node there), with no outbox item and no attempt of the hub's.
        assert (version["filingState"], version["outboxItemId"], version["filingAttempts"]) == (
            "DELIVERED",
            None,
            0,
        )
        assert version["generatedBy"] == row["generatedByName"]
        made = datetime.fromisoformat(version["generatedAt"])
        assert int(made.timestamp() * 1000) == row["generatedAt"]
    # Oldest first, as the file lists every document.
    created = [document["createdAt"] for document in file["documents"]]
    assert created == sorted(created)
    # Reading the file queues nothing either.
    assert await store.read(PENDING) == pending
