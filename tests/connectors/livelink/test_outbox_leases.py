"""Leases: any number of outbox workers, each item delivered by one of them at a time.

Workers here are separate `OutboxWorker`s with their own owner id and their own client
of the content store (as separate processes would have), polling the same graph at
once; the graph's claim statement is the only thing that keeps them apart.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import anyio
import httpx
import pytest

from connectors.livelink.content_server import ContentServerSettings, ContentServerStore
from connectors.livelink.content_store import (
    ChildFile,
    ContentStore,
    DocumentDelivery,
    DocumentPlace,
    FiledDocument,
    LegalHold,
)
from connectors.livelink.embedded_store import EmbeddedContentStore
from connectors.livelink.form_store import FormStore
from connectors.livelink.outbox import DeliveryReport, OutboxPolicy, OutboxWorker
from graph import EmbeddedEngine, FalkorDBStore
from graph.cypher import files as statements
from tests.connectors.livelink.fake_content_server import FakeContentServer
from tests.connectors.livelink.outbox_world import (
    SECOND,
    T0,
    embedded_versions,
    file_item_ids,
    graph_counts,
    items,
    world_with_documents,
)

pytestmark = pytest.mark.anyio

WORKERS = 4


class _Recording:
    """A content store that notes every delivery it is asked to make, then makes it."""

    def __init__(self, inner: ContentStore, deliveries: Counter[str], on_put: Callable[[], None]):
        self.inner = inner
        self.deliveries = deliveries
        self.on_put = on_put

    async def ping(self) -> None:
        await self.inner.ping()

    async def ensure_child_file(self, child_id: str) -> ChildFile:
        self.deliveries[f"open:{child_id}"] += 1
        return await self.inner.ensure_child_file(child_id)

    async def put_document(self, delivery: DocumentDelivery) -> FiledDocument:
        self.deliveries[delivery.delivery_key] += 1
        self.on_put()
        return await self.inner.put_document(delivery)

    async def fetch_document(self, remote_node_id: str, remote_version: int) -> bytes:
        return await self.inner.fetch_document(remote_node_id, remote_version)

    async def apply_hold(self, child_id: str, hold: LegalHold) -> None:
        await self.inner.apply_hold(child_id, hold)

    async def lift_hold(self, child_id: str, hold_key: str) -> None:
        await self.inner.lift_hold(child_id, hold_key)

    async def holds(self, child_id: str) -> frozenset[str]:
        return await self.inner.holds(child_id)

    async def hold_document(self, place: DocumentPlace, hold: LegalHold) -> bool:
        return await self.inner.hold_document(place, hold)

    async def release_document(self, place: DocumentPlace, hold_key: str) -> bool:
        return await self.inner.release_document(place, hold_key)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.fixture
async def server_clients(
    fake: FakeContentServer, server_settings: ContentServerSettings
) -> AsyncIterator[list[ContentServerStore]]:
    """One Content Server client per worker, each with its own session and locks."""
    clients = [
        ContentServerStore(server_settings, transport=httpx.ASGITransport(app=fake.app))
        for _ in range(WORKERS)
    ]
    yield clients
    for client in clients:
        await client.aclose()


async def _run_workers(workers: list[OutboxWorker], now: int) -> list[int]:
    """Every worker polls at once until nothing is due; how many each delivered."""
    delivered = [0] * len(workers)
    for _ in range(20):
        reports = await asyncio.gather(*(worker.deliver_due(now) for worker in workers))
        for index, report in enumerate(reports):
            delivered[index] += report.delivered
        if all(report == type(report)() for report in reports):
            break
    return delivered


async def test_concurrent_workers_file_every_document_once_in_content_server(
    store: FalkorDBStore,
    forms: FormStore,
    fake: FakeContentServer,
    server_clients: list[ContentServerStore],
) -> None:
    generated = await world_with_documents(store, forms)
    deliveries: Counter[str] = Counter()
    # Small claims, so the workers interleave over the same items.
    policy = OutboxPolicy(batch_size=2)
    workers = [
        OutboxWorker(
            store,
            _Recording(client, deliveries, lambda: None),
            form_store=forms,
            policy=policy,
            owner=f"worker-{number}",
        )
        for number, client in enumerate(server_clients)
    ]
    # Some calls are slow, so deliveries overlap in time.
    fake.hang_next(6, 0.05, method="GET")

    delivered = await _run_workers(workers, T0)

    assert sum(delivered) == 12
    assert len([count for count in delivered if count]) > 1
    # Each item was handed to exactly one worker, once.
    file_keys = await file_item_ids(store)
    assert {key: deliveries[key] for key in file_keys} == dict.fromkeys(file_keys, 1)
    assert sum(deliveries.values()) == 12
    assert await graph_counts(store) == {"FILE_DOCUMENT:DELIVERED": 9, "OPEN_FILE:DELIVERED": 3}
    versions = [version for document in fake.documents() for version in document.versions]
    assert len(fake.documents()) == 6
    assert len(versions) == len(generated) == 9


async def test_concurrent_workers_file_every_document_once_in_the_embedded_store(
    store: FalkorDBStore, forms: FormStore, tmp_path: Path
) -> None:
    await world_with_documents(store, forms)
    root = tmp_path / "content"
    await EmbeddedContentStore.open(root)
    deliveries: Counter[str] = Counter()
    workers = [
        OutboxWorker(
            store,
            _Recording(await EmbeddedContentStore.open(root), deliveries, lambda: None),
            form_store=forms,
            policy=OutboxPolicy(batch_size=1),
            owner=f"worker-{number}",
        )
        for number in range(WORKERS)
    ]

    delivered = await _run_workers(workers, T0)

    assert sum(delivered) == 12
    assert max(deliveries.values()) == 1
    filed = embedded_versions(root)
    assert sorted(v["delivery_key"] for v in filed) == await file_item_ids(store)


async def test_racing_claims_give_each_item_to_exactly_one_owner(store: FalkorDBStore) -> None:
    ids = [f"race-{number:02d}" for number in range(30)]
    await store.write(
        "UNWIND $ids AS id CREATE (:OutboxItem {id: id, kind: 'OPEN_FILE', state: 'PENDING',"
        " attempts: 0, createdAt: $t, nextAttemptAt: $t})",
        {"ids": ids, "t": T0},
    )

    for round_number in range(5):
        now = T0 + round_number * 1_000 * SECOND
        claims = await asyncio.gather(
            *(
                store.write(
                    statements.CLAIM_DUE_ITEMS,
                    {
                        "now": now,
                        "dueBy": now,
                        "owner": f"owner-{owner}",
                        "leaseUntil": now + 300 * SECOND,
                        "limit": 30,
                    },
                )
                for owner in range(8)
            )
        )
        claimed = [row["item"]["id"] for rows in claims for row in rows]
        assert sorted(claimed) == ids, f"round {round_number}"
        # The next round starts after every lease ran out.


async def test_a_crashed_workers_items_are_taken_over_when_its_lease_runs_out(
    store: FalkorDBStore, forms: FormStore, tmp_path: Path
) -> None:
    await world_with_documents(store, forms)
    root = tmp_path / "content"
    # A worker claims everything and dies before delivering any of it.
    crashed = {"owner": "crashed-worker", "leaseUntil": T0 + 300 * SECOND}
    claimed = await store.write(
        statements.CLAIM_DUE_ITEMS, {"now": T0, "dueBy": T0, "limit": 100, **crashed}
    )
    assert len(claimed) == 12
    survivor = OutboxWorker(
        store, await EmbeddedContentStore.open(root), form_store=forms, owner="survivor"
    )

    # Its lease is honoured while it lasts...
    assert await survivor.deliver_due(T0 + 10 * SECOND) == DeliveryReport()
    assert {item["leaseOwner"] for item in await items(store)} == {"crashed-worker"}
    # ...and the items are taken over once it has run out.
    report = await survivor.deliver_due(T0 + 301 * SECOND)
    assert report.delivered == 12
    assert len(embedded_versions(root)) == 9

    # Were the first worker only stalled, not dead, its late failure report is refused:
    # only the lease holder records an attempt.
    late = await store.write(
        statements.MARK_ATTEMPT_FAILED,
        {
            "itemId": claimed[0]["item"]["id"],
            "now": T0 + 400 * SECOND,
            "error": "late",
            "nextAttemptAt": T0 + 500 * SECOND,
            "state": "FAILED",
            **crashed,
        },
    )
    assert late == []
    assert await graph_counts(store) == {"FILE_DOCUMENT:DELIVERED": 9, "OPEN_FILE:DELIVERED": 3}


async def test_a_worker_starts_no_item_its_lease_would_not_cover_and_hands_it_back(
    store: FalkorDBStore, forms: FormStore, tmp_path: Path
) -> None:
    await world_with_documents(store, forms, children=("C201",))
    # A delivery that takes (on the worker's clock) 200 s of a 300 s lease: with a
    # 120 s deadline there is no room for a second one under the same lease.
    clock = [0.0]

    def slow_put() -> None:
        clock[0] += 200.0

    content = _Recording(await EmbeddedContentStore.open(tmp_path / "content"), Counter(), slow_put)
    worker = OutboxWorker(
        store,
        content,
        form_store=forms,
        policy=OutboxPolicy(batch_size=10, lease_seconds=300, delivery_deadline_seconds=120),
        owner="slow-worker",
        monotonic=lambda: clock[0],
    )

    first = await worker.deliver_due(T0)

    # One document delivered, then no room under the lease: the rest handed back free.
    assert first.released > 0
    assert first.delivered + first.released == 4
    assert all(item["leaseOwner"] is None for item in await items(store))
    passes = [first]
    while passes[-1] != DeliveryReport() and len(passes) < 10:
        passes.append(await worker.deliver_due(T0 + len(passes) * SECOND))
    assert sum(report.delivered for report in passes) == 4
    assert set(content.deliveries.values()) == {1}
    assert await graph_counts(store) == {"FILE_DOCUMENT:DELIVERED": 3, "OPEN_FILE:DELIVERED": 1}


async def test_workers_in_threads_each_with_its_own_loop_and_connections_file_once(
    engine: EmbeddedEngine, store: FalkorDBStore, forms: FormStore, tmp_path: Path
) -> None:
    await world_with_documents(store, forms)
    root = tmp_path / "content"
    await EmbeddedContentStore.open(root)
    assert engine.socket_path is not None
    socket_path = engine.socket_path

    def work_in_a_thread(number: int) -> int:
        async def main() -> int:
            graph = FalkorDBStore(socket_path, store.graph_name)
            content = await EmbeddedContentStore.open(root)
            worker = OutboxWorker(
                graph,
                _Recording(content, deliveries[number], lambda: None),
                form_store=forms,
                policy=OutboxPolicy(batch_size=1),
                owner=f"thread-{number}",
            )
            delivered = 0
            try:
                for _ in range(50):
                    report = await worker.deliver_due(T0)
                    delivered += report.delivered
                    if report == DeliveryReport():
                        break
            finally:
                await content.aclose()
                await graph.close()
            return delivered

        return asyncio.run(main())

    results: list[int] = [0] * WORKERS
    # One counter per thread (summed after), so counting needs no lock.
    deliveries: list[Counter[str]] = [Counter() for _ in range(WORKERS)]

    async def run(number: int) -> None:
        results[number] = await anyio.to_thread.run_sync(work_in_a_thread, number)

    async with anyio.create_task_group() as group:
        for number in range(WORKERS):
            group.start_soon(run, number)

    assert sum(results) == 12
    assert set(sum(deliveries, Counter()).values()) == {1}
    assert sum(sum(deliveries, Counter()).values()) == 12
    filed = embedded_versions(root)
    assert sorted(v["delivery_key"] for v in filed) == await file_item_ids(store)
    assert await graph_counts(store) == {"FILE_DOCUMENT:DELIVERED": 9, "OPEN_FILE:DELIVERED": 3}


async def test_a_worker_delivers_nothing_while_its_store_is_held(
    store: FalkorDBStore, forms: FormStore, tmp_path: Path
) -> None:
    # A hub serving a store an import was killed part-way into stops answering, but its
    # worker went on delivering what the half-loaded store held (hub/import_guard.py).
    await world_with_documents(store, forms, children=("C201",))
    held = True
    content = await EmbeddedContentStore.open(tmp_path / "content")
    worker = OutboxWorker(store, content, form_store=forms, held=lambda: held)
    try:
        assert await worker.deliver_due(T0) == DeliveryReport()
        assert await graph_counts(store) == {"OPEN_FILE:PENDING": 1, "FILE_DOCUMENT:PENDING": 3}
        held = False
        assert (await worker.deliver_due(T0)).delivered == 4
    finally:
        await content.aclose()
