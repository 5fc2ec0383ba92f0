"""Delivered filing items are kept LCS_HUB_OUTBOX_DELIVERED_KEEP_DAYS, then removed.

Each generated form left a delivered outbox item in the graph for ever: one node a form,
for the life of the record. They are removed after the retention, in bounded batches,
and what was filed where stays on the document's version (Livelink's node and version),
which still reads as delivered.
"""

from __future__ import annotations

import random
from pathlib import Path

import httpx
import pytest

from connectors.livelink.delivered_items import remove_delivered_items
from connectors.livelink.embedded_store import EmbeddedContentStore
from connectors.livelink.form_store import FormStore
from connectors.livelink.outbox import OutboxPolicy, OutboxWorker
from graph import FalkorDBStore
from graph.cypher.files import ANYTHING_FILED
from hub.app import form_store_from_settings
from hub.settings import Settings
from tests.connectors.livelink.outbox_world import T0, graph_counts, world_with_documents
from tests.e2e.test_records_graphql import CHILD, _as, _generate, seeded
from tests.helpers import graphql
from workflow.ids import now_ms

# The e2e records world (a worker, a child with a contact): its fixture, used below.
assert seeded

pytestmark = pytest.mark.anyio

DAY = 86_400_000
# A version's reference and the filing state the case view reads for it (the statement
# DOCUMENTS_OF_FILES uses, without the caller's scope).
VERSIONS = """
MATCH (v:DocumentVersion)
OPTIONAL MATCH (o:OutboxItem)-[:DELIVERS]->(v)
RETURN v.id AS id, v.remoteNodeId AS node, v.remoteVersion AS version,
       coalesce(o.state, CASE WHEN v.remoteNodeId IS NULL THEN null ELSE 'DELIVERED' END)
       AS filingState
ORDER BY id
"""


def _worker(store: FalkorDBStore, content: EmbeddedContentStore, forms: FormStore) -> OutboxWorker:
    return OutboxWorker(
        store,
        content,
        form_store=forms,
        policy=OutboxPolicy(delivered_keep_days=30),
        rng=random.Random(5),
        monotonic=lambda: 0.0,
    )


async def test_delivered_filing_items_are_removed_after_the_retention_and_the_reference_stays(
    store: FalkorDBStore, forms: FormStore, tmp_path: Path
) -> None:
    await world_with_documents(store, forms)
    worker = _worker(store, await EmbeddedContentStore.open(tmp_path / "content"), forms)
    assert (await worker.deliver_due(T0)).delivered == 12
    filed = await store.read(VERSIONS)
    assert len(filed) == 9
    assert all(row["node"] is not None and row["filingState"] == "DELIVERED" for row in filed)

    # Within the retention: nothing is removed.
    assert await worker.remove_delivered(T0 + 30 * DAY - 1) == 0
    assert await graph_counts(store) == {"FILE_DOCUMENT:DELIVERED": 9, "OPEN_FILE:DELIVERED": 3}

    # Past it: the filing items go; the file's item (its state is read from it) stays.
    assert await worker.remove_delivered(T0 + 30 * DAY + 1) == 9
    assert await graph_counts(store) == {"OPEN_FILE:DELIVERED": 3}
    # What was filed where is still on each version, which still reads as delivered.
    assert await store.read(VERSIONS) == filed
    # The store still knows something was filed (a new content store is never made over it).
    assert await store.read(ANYTHING_FILED, {"kinds": ["FILE_DOCUMENT", "OPEN_FILE"]})
    assert await worker.remove_delivered(T0 + 60 * DAY) == 0


async def test_removal_is_in_bounded_batches_and_never_takes_an_undelivered_item(
    store: FalkorDBStore, forms: FormStore, tmp_path: Path
) -> None:
    await world_with_documents(store, forms)
    worker = _worker(store, await EmbeddedContentStore.open(tmp_path / "content"), forms)
    await worker.deliver_due(T0)
    # Two items waiting again (a new version each, say): they are never removed.
    await store.write(
        "MATCH (o:OutboxItem {kind: 'FILE_DOCUMENT'}) WITH o ORDER BY o.id LIMIT 2 "
        "SET o.state = 'PENDING'"
    )
    later = T0 + 365 * DAY
    assert await remove_delivered_items(store, now_ms=later, keep_days=30, batch=2) == 7
    assert await graph_counts(store) == {"FILE_DOCUMENT:PENDING": 2, "OPEN_FILE:DELIVERED": 3}


def test_the_retention_is_a_setting_bounded_both_ways(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    assert settings.outbox_delivered_keep_days == 90
    assert OutboxPolicy.from_settings(settings).delivered_keep_days == 90
    for wrong in (0, 3651):
        with pytest.raises(ValueError, match="outbox_delivered_keep_days"):
            Settings(var_dir=tmp_path, outbox_delivered_keep_days=wrong, _env_file=None)  # type: ignore[call-arg]


FILING = """
query ($id: ID!) {
  child(id: $id) {
    file {
      documents { versions { id filingState filingAttempts filingError outboxItemId
                             remoteNodeId remoteVersion } }
    }
  }
}
"""


async def test_the_case_view_reads_a_version_whose_item_was_removed_as_it_read_before(
    client: httpx.AsyncClient, settings: Settings, seeded: FalkorDBStore
) -> None:
    headers = _as(settings, "social-worker")
    await _generate(client, headers)
    # The item was tried before and failed (an outage of the content store, say).
    await seeded.write(
        "MATCH (o:OutboxItem {kind: 'FILE_DOCUMENT'}) "
        "SET o.attempts = 2, o.lastError = 'put_document: HTTP 503'"
    )
    content = await EmbeddedContentStore.open(settings.content_dir)
    worker = OutboxWorker(
        seeded,
        content,
        form_store=form_store_from_settings(settings),
        policy=OutboxPolicy(delivered_keep_days=1),
    )
    await worker.deliver_due(now_ms() + 1)
    before = await graphql(client, headers, FILING, {"id": CHILD})
    [was] = before["child"]["file"]["documents"][0]["versions"]
    assert was["filingState"] == "DELIVERED"
    assert was["filingAttempts"] == 3
    assert was["filingError"] == "put_document: HTTP 503"
    assert was["outboxItemId"]
    assert was["remoteNodeId"]
    assert await worker.remove_delivered(now_ms() + 2 * DAY) == 1
    assert await seeded.read("MATCH (o:OutboxItem {kind: 'FILE_DOCUMENT'}) RETURN o.id") == []

    # What the version read before retention it reads after: delivered where Livelink
    # filed it, after as many attempts, by the item whose id a records officer noted.
    assert await graphql(client, headers, FILING, {"id": CHILD}) == before
