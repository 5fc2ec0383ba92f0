from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import anyio
import pytest

from connectors.livelink.content_store import (
    ContentIntegrityError,
    ContentStoreRejected,
    ContentStoreUnavailable,
    DocumentDelivery,
    LegalHold,
)
from connectors.livelink.embedded_store import EmbeddedContentStore
from connectors.livelink.file_plan import FILE_PLAN

pytestmark = pytest.mark.anyio

Deliveries = Callable[..., DocumentDelivery]


async def open_store(tmp_path: Path) -> EmbeddedContentStore:
    return await EmbeddedContentStore.open(tmp_path / "content")


async def test_round_trip_keeps_bytes_and_metadata(
    tmp_path: Path, make_delivery: Deliveries
) -> None:
    store = await open_store(tmp_path)
    delivery = make_delivery()

    filed = await store.put_document(delivery)

    assert filed.remote_version == 1
    assert filed.already_filed is False
    assert filed.checksum_sha256 == hashlib.sha256(delivery.content).hexdigest()
    assert await store.fetch_document(filed.remote_node_id, 1) == delivery.content
    checksum = delivery.checksum_sha256
    blob = store.root / "blobs" / "sha256" / checksum[:2] / checksum[2:4] / checksum
    assert blob.read_bytes() == delivery.content
    record = json.loads(
        (store.root / "children" / "C1001" / "looked_after" / "doc-1.json").read_text()
    )
    [version] = record["versions"]
    assert {key: version[key] for key in version if key != "filed_at"} == {
        "version": 1,
        "delivery_key": "outbox-1",
        "sha256": checksum,
        "size": len(delivery.content),
        "filename": "cla-review-record.pdf",
        "mime_type": "application/pdf",
        "template_key": "cla_review_record",
        "record_class": "looked_after",
        "hub_version": 1,
    }


async def test_redelivery_with_the_same_key_files_nothing_new(
    tmp_path: Path, make_delivery: Deliveries
) -> None:
    store = await open_store(tmp_path)
    delivery = make_delivery()

    first = await store.put_document(delivery)
    again = await store.put_document(delivery)

    assert again.remote_node_id == first.remote_node_id
    assert again.remote_version == 1
    assert again.already_filed is True
    record = json.loads(
        (store.root / "children" / "C1001" / "looked_after" / "doc-1.json").read_text()
    )
    assert len(record["versions"]) == 1


async def test_a_new_delivery_of_the_same_document_is_version_two(
    tmp_path: Path, make_delivery: Deliveries
) -> None:
    store = await open_store(tmp_path)
    first = await store.put_document(make_delivery("outbox-1", content=b"one"))

    second = await store.put_document(make_delivery("outbox-2", content=b"two", version=2))

    assert second.remote_node_id == first.remote_node_id
    assert second.remote_version == 2
    assert await store.fetch_document(first.remote_node_id, 1) == b"one"
    assert await store.fetch_document(first.remote_node_id, 2) == b"two"


async def test_a_key_reused_for_different_content_is_rejected(
    tmp_path: Path, make_delivery: Deliveries
) -> None:
    store = await open_store(tmp_path)
    await store.put_document(make_delivery("outbox-1", content=b"one"))

    with pytest.raises(ContentStoreRejected, match="different content"):
        await store.put_document(make_delivery("outbox-1", content=b"something else"))


async def test_bytes_that_do_not_match_their_checksum_are_refused_before_writing(
    tmp_path: Path, make_delivery: Deliveries
) -> None:
    store = await open_store(tmp_path)
    wrong = make_delivery(content=b"tampered", checksum=hashlib.sha256(b"original").hexdigest())

    with pytest.raises(ContentStoreRejected, match="does not match"):
        await store.put_document(wrong)

    assert not (store.root / "children").exists()
    assert not (store.root / "blobs").exists()


async def test_reading_back_damaged_bytes_fails_and_redelivery_repairs_them(
    tmp_path: Path, make_delivery: Deliveries
) -> None:
    store = await open_store(tmp_path)
    delivery = make_delivery()
    filed = await store.put_document(delivery)
    checksum = delivery.checksum_sha256
    blob = store.root / "blobs" / "sha256" / checksum[:2] / checksum[2:4] / checksum
    blob.write_bytes(b"bit rot")

    with pytest.raises(ContentIntegrityError, match="do not match"):
        await store.fetch_document(filed.remote_node_id, 1)

    repaired = await store.put_document(delivery)
    assert repaired.already_filed is True
    assert await store.fetch_document(filed.remote_node_id, 1) == delivery.content


async def test_a_missing_root_makes_the_store_unavailable_until_it_returns(
    tmp_path: Path, make_delivery: Deliveries
) -> None:
    store = await open_store(tmp_path)
    await store.put_document(make_delivery("outbox-1"))
    unmounted = tmp_path / "unmounted"
    store.root.rename(unmounted)

    with pytest.raises(ContentStoreUnavailable, match="is not available"):
        await store.ping()
    with pytest.raises(ContentStoreUnavailable):
        await store.put_document(make_delivery("outbox-2", content=b"two", version=2))
    # Nothing was quietly written to a fresh tree in the volume's place.
    assert not store.root.exists()

    unmounted.rename(store.root)
    filed = await store.put_document(make_delivery("outbox-2", content=b"two", version=2))
    assert filed.remote_version == 2


async def test_opening_without_create_refuses_an_empty_root(tmp_path: Path) -> None:
    with pytest.raises(ContentStoreUnavailable):
        await EmbeddedContentStore.open(tmp_path / "nowhere", create=False)

    await EmbeddedContentStore.open(tmp_path / "somewhere")
    reopened = await EmbeddedContentStore.open(tmp_path / "somewhere", create=False)
    await reopened.ping()


async def test_writes_leave_no_temporary_files(tmp_path: Path, make_delivery: Deliveries) -> None:
    store = await open_store(tmp_path)
    for number in range(1, 4):
        await store.put_document(
            make_delivery(f"outbox-{number}", content=f"v{number}".encode(), version=number)
        )
    await store.apply_hold("C1001", LegalHold("IICSA-2015", "Inquiry moratorium"))

    assert [path for path in store.root.rglob("*.tmp")] == []


async def test_child_file_is_idempotent_and_gains_new_plan_folders(tmp_path: Path) -> None:
    root = tmp_path / "content"
    short_plan = FILE_PLAN[:3]
    early = await EmbeddedContentStore.open(root, file_plan=short_plan)
    first = await early.ensure_child_file("C1001")
    assert set(first.subfolders) == {folder.key for folder in short_plan}

    full = await EmbeddedContentStore.open(root)
    second = await full.ensure_child_file("C1001")
    third = await full.ensure_child_file("C1001")

    assert second == third
    assert second.remote_id == first.remote_id
    assert set(second.subfolders) == {folder.key for folder in FILE_PLAN}
    record = json.loads((root / "children" / "C1001" / "file.json").read_text())
    assert record["subfolders"] == {folder.key: folder.name for folder in FILE_PLAN}
    assert all((root / "children" / "C1001" / folder.key).is_dir() for folder in FILE_PLAN)


async def test_a_folder_key_outside_the_plan_is_rejected(
    tmp_path: Path, make_delivery: Deliveries
) -> None:
    store = await open_store(tmp_path)

    with pytest.raises(ContentStoreRejected, match="no subfolder 'archive'"):
        await store.put_document(make_delivery(folder_key="archive"))


async def test_ids_cannot_escape_the_store_root(tmp_path: Path, make_delivery: Deliveries) -> None:
    store = await open_store(tmp_path)

    with pytest.raises(ContentStoreRejected):
        await store.ensure_child_file("..")
    slashed = await store.put_document(make_delivery(child_id="../../etc", document_id="a/b"))
    assert (store.root / "children" / "..%2F..%2Fetc" / "looked_after" / "a%2Fb.json").is_file()
    assert await store.fetch_document(slashed.remote_node_id, 1) == make_delivery().content
    with pytest.raises(ContentStoreRejected):
        await store.fetch_document("../../looked_after/x", 1)
    with pytest.raises(ContentStoreRejected):
        await store.fetch_document("C1001/looked_after/..", 1)


async def test_holds_are_applied_listed_and_lifted_idempotently(tmp_path: Path) -> None:
    store = await open_store(tmp_path)
    hold = LegalHold("IICSA-2015", "Inquiry moratorium on disposal")

    # A hold placed before anything is filed opens the file, so it covers what follows.
    await store.apply_hold("C1001", hold)
    await store.apply_hold("C1001", hold)
    assert await store.holds("C1001") == frozenset({"IICSA-2015"})
    assert (store.root / "children" / "C1001" / "file.json").is_file()

    await store.lift_hold("C1001", "IICSA-2015")
    await store.lift_hold("C1001", "IICSA-2015")
    assert await store.holds("C1001") == frozenset()
    assert await store.holds("C2002") == frozenset()


async def test_concurrent_deliveries_of_one_document_get_distinct_versions(
    tmp_path: Path, make_delivery: Deliveries
) -> None:
    store = await open_store(tmp_path)
    deliveries = [
        make_delivery(f"outbox-{number}", content=f"v{number}".encode(), version=number)
        for number in range(1, 9)
    ]
    filed = []

    async def deliver(delivery: DocumentDelivery) -> None:
        filed.append(await store.put_document(delivery))

    async with anyio.create_task_group() as group:
        for delivery in deliveries:
            group.start_soon(deliver, delivery)

    assert sorted(item.remote_version for item in filed) == list(range(1, 9))
    record = json.loads(
        (store.root / "children" / "C1001" / "looked_after" / "doc-1.json").read_text()
    )
    assert sorted(version["delivery_key"] for version in record["versions"]) == sorted(
        delivery.delivery_key for delivery in deliveries
    )


async def test_a_store_that_vanished_after_filing_is_not_made_afresh_at_start(
    store: object, settings: object
) -> None:
    # A hub or `lcs-hub outbox` starting while the content store's volume was not
    # mounted made a new, empty store at the mount point and filed into it: the
    # documents were marked delivered where Livelink's own store would never see them.
    from connectors.livelink.content_store import ContentStoreUnavailable
    from graph import FalkorDBStore
    from hub.app import content_store_from_settings
    from hub.settings import Settings

    assert isinstance(store, FalkorDBStore)
    assert isinstance(settings, Settings)
    marker = settings.content_dir / ".lcs-content-store"
    # Nothing filed yet: the first start makes the store.
    first = await content_store_from_settings(settings, graph=store)
    await first.aclose()
    assert marker.is_file()
    await store.write(
        "CREATE (:OutboxItem {id: 'filed', kind: 'OPEN_FILE', state: 'DELIVERED', childId: 'C1'})"
    )
    marker.unlink()  # the volume is not mounted (its mount point is what is left)

    again = await content_store_from_settings(settings, graph=store)
    try:
        assert not marker.exists()
        # Deliveries wait (transient, retried) until the store is back.
        with pytest.raises(ContentStoreUnavailable):
            await again.ensure_child_file("C2")
    finally:
        await again.aclose()
