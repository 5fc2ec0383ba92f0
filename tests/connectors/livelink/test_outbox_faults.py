"""The filing outbox under faults: nothing lost, nothing duplicated, poison parked.

(Outages that last, Retry-After, the circuit breaker and leases: test_outbox_resilience.py
and test_outbox_leases.py.)

Each test generates real forms into the real graph, then runs the worker against a
content store that is down, erroring or timing out, and counts on both sides: the
graph's versions and outbox items, and the store's documents and versions.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from connectors.livelink.backlog import outbox_backlog
from connectors.livelink.content_server import ContentServerSettings, ContentServerStore
from connectors.livelink.content_store import sha256_hex
from connectors.livelink.embedded_store import EmbeddedContentStore
from connectors.livelink.form_store import FormStore
from connectors.livelink.outbox import (
    OutboxPolicy,
    OutboxWorker,
    ReplayOutcome,
    replay_failed,
    replay_item,
)
from graph import FalkorDBStore, GraphUnavailable, Params, Row
from graph.cypher import documents as document_statements
from tests.connectors.livelink.fake_content_server import FakeContentServer
from tests.connectors.livelink.outbox_world import (
    HOUR,
    T0,
    embedded_versions,
    file_item_ids,
    graph_counts,
    items,
    world_with_documents,
)

pytestmark = pytest.mark.anyio


async def test_store_down_for_the_whole_first_run_then_every_document_is_filed_once(
    store: FalkorDBStore, forms: FormStore, tmp_path: Path
) -> None:
    generated = await world_with_documents(store, forms)
    root = tmp_path / "content"
    # Bound to a root that does not exist (an unmounted volume): every call is refused.
    content = EmbeddedContentStore(root)
    worker = OutboxWorker(store, content, form_store=forms, monotonic=lambda: 0.0)

    first = await worker.deliver_due(T0)
    # Five failures in a row open the circuit: the other seven items are handed back
    # unattempted instead of each spending an attempt on a known outage.
    assert first == type(first)(delivered=0, retried=5, failed=0, released=7)
    # Backing off: a second pass straight away does not hammer the store.
    assert await worker.deliver_due(T0 + 1) == type(first)()
    assert not root.exists()
    assert await graph_counts(store) == {"FILE_DOCUMENT:PENDING": 9, "OPEN_FILE:PENDING": 3}

    await EmbeddedContentStore.open(root)  # the volume is back
    second = await worker.deliver_due(T0 + HOUR)
    third = await worker.deliver_due(T0 + 2 * HOUR)

    assert (second.delivered, second.retried, second.failed) == (12, 0, 0)
    assert third == type(third)()
    assert await graph_counts(store) == {"FILE_DOCUMENT:DELIVERED": 9, "OPEN_FILE:DELIVERED": 3}
    filed = embedded_versions(root)
    assert sorted(v["delivery_key"] for v in filed) == await file_item_ids(store)
    assert sorted(v["sha256"] for v in filed) == sorted(g.version["checksumPdf"] for g in generated)
    attempts = await store.read(
        "MATCH (o:OutboxItem) RETURN o.attempts AS attempts, count(o) AS n ORDER BY attempts"
    )
    assert attempts == [{"attempts": 1, "n": 7}, {"attempts": 2, "n": 5}]
    leased = await store.read("MATCH (o:OutboxItem) WHERE o.leaseOwner IS NOT NULL RETURN o.id")
    assert leased == []


class _LosesAcknowledgements:
    """A graph store whose first `count` delivery acknowledgements never arrive."""

    def __init__(self, inner: FalkorDBStore, count: int) -> None:
        self.inner = inner
        self.count = count
        self.engine = inner.engine

    async def read(self, statement: str, params: Params | None = None) -> list[Row]:
        return await self.inner.read(statement, params)

    async def write(self, statement: str, params: Params | None = None) -> list[Row]:
        if statement == document_statements.MARK_DOCUMENT_DELIVERED and self.count > 0:
            self.count -= 1
            raise GraphUnavailable("connection reset while acknowledging")
        return await self.inner.write(statement, params)

    async def apply_schema(self) -> None:
        await self.inner.apply_schema()

    async def close(self) -> None:
        await self.inner.close()


async def test_a_delivery_whose_acknowledgement_is_lost_is_not_filed_twice(
    store: FalkorDBStore, forms: FormStore, tmp_path: Path
) -> None:
    await world_with_documents(store, forms)
    content = await EmbeddedContentStore.open(tmp_path / "content")
    flaky = OutboxWorker(_LosesAcknowledgements(store, 2), content, form_store=forms)

    with pytest.raises(GraphUnavailable):
        await flaky.deliver_due(T0)
    with pytest.raises(GraphUnavailable):
        await flaky.deliver_due(T0)
    report = await flaky.deliver_due(T0)

    assert report.failed == 0
    assert await graph_counts(store) == {"FILE_DOCUMENT:DELIVERED": 9, "OPEN_FILE:DELIVERED": 3}
    filed = embedded_versions(tmp_path / "content")
    assert sorted(v["delivery_key"] for v in filed) == await file_item_ids(store)


async def test_content_server_errors_and_timeouts_then_every_document_is_filed_once(
    store: FalkorDBStore,
    forms: FormStore,
    fake: FakeContentServer,
    content_server: ContentServerStore,
) -> None:
    generated = await world_with_documents(store, forms)
    # The breaker kept out of the way: this is about each item's retries.
    policy = OutboxPolicy(breaker_threshold=1000)
    worker = OutboxWorker(store, content_server, form_store=forms, policy=policy)

    # Down for the whole first run: every call answers 500.
    fake.fail_next(10_000, 500)
    first = await worker.deliver_due(T0)
    assert (first.delivered, first.retried, first.failed) == (0, 12, 0)
    assert fake.documents() == []
    fake.clear_faults()

    # Flaky on the second run: two calls hang past the deadline, one upload's reply is
    # lost after the server stored it, and a 503 lands on a new version.
    fake.hang_next(2, 5.0, method="GET")
    fake.lose_next_responses(1, 5.0, method="POST", path="/api/v2/nodes")
    fake.fail_next(1, 503, method="POST", path="/versions")
    second = await worker.deliver_due(T0 + HOUR)
    assert second.failed == 0
    assert second.retried >= 3

    fake.clear_faults()
    third = await worker.deliver_due(T0 + 3 * HOUR)
    assert third.delivered == second.retried
    assert (await worker.deliver_due(T0 + 6 * HOUR)).delivered == 0

    assert await graph_counts(store) == {"FILE_DOCUMENT:DELIVERED": 9, "OPEN_FILE:DELIVERED": 3}
    documents = fake.documents()
    # One remote document per hub document (3 children x 2 forms), one version per
    # hub version, each carrying the checksum rendered in the LCS.
    assert len(documents) == 6
    filed_versions = [version for document in documents for version in document.versions]
    assert len(filed_versions) == 9
    assert sorted(sha256_hex(v.content) for v in filed_versions) == sorted(
        g.version["checksumPdf"] for g in generated
    )
    remote = await store.read(
        "MATCH (v:DocumentVersion) RETURN v.remoteNodeId AS node, v.remoteVersion AS version,"
        " v.checksumPdf AS pdf"
    )
    for version in remote:
        assert await content_server.fetch_document(version["node"], version["version"]) == (
            await forms.get(version["pdf"])
        )


async def test_a_folder_listing_too_long_holds_its_items_without_opening_the_circuit(
    store: FalkorDBStore,
    forms: FormStore,
    fake: FakeContentServer,
    server_settings: ContentServerSettings,
    root_folder_id: int,
) -> None:
    # A listing that ran on page after page kept the delivery busy until the worker's
    # deadline, then counted as an outage ("no delivery within 120 s"): five in a row
    # opened the circuit, holding every other child's filing back too.
    generated = await world_with_documents(store, forms)
    busy_file = fake.add_folder(root_folder_id, "C201")
    fake.endless_listing(busy_file, pages=200)
    settings = server_settings.model_copy(update={"most_listing_pages": 3})
    transport = httpx.ASGITransport(app=fake.app)
    async with ContentServerStore(settings, transport=transport) as content:
        # One outage failure would open the circuit.
        policy = OutboxPolicy(breaker_threshold=1)
        worker = OutboxWorker(store, content, form_store=forms, policy=policy)

        first = await worker.deliver_due(T0)
        # C201's four items wait, retryable, each saying why; the others are filed.
        assert (first.delivered, first.retried, first.failed, first.released) == (8, 4, 0, 0)
        assert worker.circuits() == {"livelink": "CLOSED"}
        waiting = [item for item in await items(store) if item["state"] != "DELIVERED"]
        assert len(waiting) == 4
        assert all(item["state"] == "PENDING" for item in waiting)
        assert all("more than 3 pages" in item["lastError"] for item in waiting)
        # Nothing made inside a folder whose listing was cut short.
        assert [node.name for node in fake.children(busy_file)] == []
        backlog = await outbox_backlog(store, now_ms=T0, alert_after_seconds=3600)
        assert backlog.pending == 4

        fake.clear_faults()  # the folder tidied
        later = await worker.deliver_due(T0 + HOUR)
        assert (later.delivered, later.retried, later.failed) == (4, 0, 0)
    assert await graph_counts(store) == {"FILE_DOCUMENT:DELIVERED": 9, "OPEN_FILE:DELIVERED": 3}
    filed_versions = [version for document in fake.documents() for version in document.versions]
    assert sorted(sha256_hex(v.content) for v in filed_versions) == sorted(
        g.version["checksumPdf"] for g in generated
    )
    assert fake.child_named(root_folder_id, "C201").id == busy_file


async def test_a_refused_item_is_parked_as_failed_and_a_bulk_replay_delivers_it_once(
    store: FalkorDBStore,
    forms: FormStore,
    fake: FakeContentServer,
    content_server: ContentServerStore,
) -> None:
    await world_with_documents(store, forms)
    worker = OutboxWorker(store, content_server, form_store=forms)

    # A 403 on looking up the children's folder: refused, and it would be refused again
    # until someone with rights changes something.
    fake.fail_next(10_000, 403, method="GET", path="/nodes")
    report = await worker.deliver_due(T0)

    assert (report.delivered, report.retried, report.failed) == (0, 0, 12)
    assert await graph_counts(store) == {"FILE_DOCUMENT:FAILED": 9, "OPEN_FILE:FAILED": 3}
    errors = await store.read("MATCH (o:OutboxItem) RETURN DISTINCT o.lastError AS error")
    assert all("HTTP 403" in row["error"] for row in errors)
    # Parked items are not retried, however long the worker keeps running.
    assert await worker.deliver_due(T0 + 100 * HOUR) == type(report)()

    fake.clear_faults()
    assert await replay_failed(store, T0 + 101 * HOUR, by="records-officer") == 12
    assert await replay_failed(store, T0 + 101 * HOUR, by="records-officer") == 0
    replayed = await store.read(
        "MATCH (o:OutboxItem) RETURN DISTINCT o.replayedBy AS by, o.attempts AS attempts"
    )
    assert replayed == [{"by": "records-officer", "attempts": 0}]
    assert await replay_item(store, "no-such-item", T0, by="records-officer") == ReplayOutcome(
        replayed=False, state=None
    )
    second = await worker.deliver_due(T0 + 101 * HOUR)

    assert second.delivered == 12
    assert len([v for d in fake.documents() for v in d.versions]) == 9


async def test_bytes_missing_from_the_form_store_are_poison_at_once(
    store: FalkorDBStore, forms: FormStore, tmp_path: Path
) -> None:
    generated = await world_with_documents(store, forms)
    await forms.discard([generated[0].version["checksumPdf"]])
    content = await EmbeddedContentStore.open(tmp_path / "content")

    report = await OutboxWorker(store, content, form_store=forms).deliver_due(T0)

    assert (report.delivered, report.failed) == (11, 1)
    failed = await store.read(
        "MATCH (o:OutboxItem {state: 'FAILED'})-[:DELIVERS]->(v:DocumentVersion)"
        " RETURN v.id AS version, o.lastError AS error"
    )
    assert failed[0]["version"] == generated[0].version["id"]
    assert "no form bytes" in failed[0]["error"]
