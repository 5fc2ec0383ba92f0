"""The outbox never gives up on an outage: back-off, Retry-After, the circuit breaker.

Time is the instant each pass is given (and a frozen in-pass clock), so a day-long
outage takes as long as its passes do; nothing here sleeps or asserts a timing.
"""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from connectors.livelink.backoff import Backoff
from connectors.livelink.circuit_breaker import BreakerState, CircuitBreaker
from connectors.livelink.content_server import ContentServerStore, retry_after_seconds
from connectors.livelink.embedded_store import EmbeddedContentStore
from connectors.livelink.form_store import FormStore
from connectors.livelink.outbox import OutboxPolicy, OutboxWorker
from graph import FalkorDBStore
from tests.connectors.livelink.fake_content_server import FakeContentServer
from tests.connectors.livelink.outbox_world import (
    MINUTE,
    SECOND,
    T0,
    embedded_versions,
    graph_counts,
    items,
    world_with_documents,
)

pytestmark = pytest.mark.anyio


def _worker(
    store: FalkorDBStore, content: object, forms: FormStore, **policy: object
) -> OutboxWorker:
    return OutboxWorker(
        store,
        content,  # type: ignore[arg-type]
        form_store=forms,
        policy=OutboxPolicy(**policy),  # type: ignore[arg-type]
        rng=random.Random(11),
        monotonic=lambda: 0.0,
    )


# -- back-off and Retry-After, as numbers ----------------------------------------------


def test_backoff_doubles_to_its_cap_with_full_jitter_inside_the_ceiling() -> None:
    backoff = Backoff(base_ms=2_000, cap_ms=60_000, rng=random.Random(3))

    assert [backoff.ceiling_ms(n) for n in (1, 2, 3, 5, 6, 7, 1_000)] == [
        2_000,
        4_000,
        8_000,
        32_000,
        60_000,
        60_000,
        60_000,
    ]
    delays = {n: backoff.delay_ms(n) for n in range(1, 200)}
    assert all(1 <= delay <= backoff.ceiling_ms(n) for n, delay in delays.items())
    # Jittered: the waits after the cap are spread, not one synchronised value.
    assert len({delays[n] for n in range(10, 200)}) > 100


def test_a_retry_after_is_a_floor_on_the_wait_and_is_itself_capped() -> None:
    backoff = Backoff(base_ms=2_000, cap_ms=60_000, retry_after_cap_ms=600_000)

    assert all(backoff.delay_ms(1, retry_after_seconds=120) >= 120_000 for _ in range(50))
    assert all(backoff.delay_ms(1, retry_after_seconds=86_400) == 600_000 for _ in range(50))


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=90), usegmt=True)

    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds(" 0 ") == 0.0
    # A date is measured from the reply's own Date header, whatever our clock says...
    assert retry_after_seconds(later, format_datetime(now, usegmt=True)) == 90.0
    # ...or from now when the reply has none.
    assert retry_after_seconds(later, now=now) == 90.0
    assert retry_after_seconds(format_datetime(now - timedelta(hours=1), usegmt=True), now=now) == 0
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds("-5") is None


def test_the_breaker_opens_after_the_threshold_then_probes_once_after_the_cooldown() -> None:
    breaker = CircuitBreaker(threshold=3, cooldown_ms=60_000)

    assert breaker.failed(0) is False
    breaker.succeeded()  # a success in between resets the run
    assert [breaker.failed(at) for at in (1, 2, 3)] == [False, False, True]
    assert breaker.allows(30_000) is False
    assert breaker.allows(60_003) is True
    assert breaker.probing
    assert breaker.failed(60_004) is True  # the probe failed: open for another cool-down
    assert breaker.allows(100_000) is False
    assert breaker.allows(120_004) is True
    breaker.succeeded()
    assert breaker.state is BreakerState.CLOSED
    # The store asked for a pause: nobody calls it before then, even below the threshold.
    assert breaker.failed(200_000, retry_after_seconds=300) is True
    assert breaker.allows(499_999) is False
    assert breaker.allows(500_000) is True


# -- the worker against stores that are down ---------------------------------------------


async def test_a_day_long_outage_fails_no_item_and_every_document_is_filed_once_after(
    store: FalkorDBStore, forms: FormStore, tmp_path: Path
) -> None:
    generated = await world_with_documents(store, forms)
    root = tmp_path / "content"
    # An unmounted volume for a day: every call is refused as unavailable. The breaker
    # is kept out of the way so every item keeps retrying on its own schedule.
    worker = _worker(
        store,
        EmbeddedContentStore(root),
        forms,
        backoff_cap_seconds=600,
        breaker_threshold=1_000,
    )

    for step in range(0, 24 * 60, 20):
        report = await worker.deliver_due(T0 + step * MINUTE)
        assert report.failed == 0

    assert await graph_counts(store) == {"FILE_DOCUMENT:PENDING": 9, "OPEN_FILE:PENDING": 3}
    waiting = await items(store)
    # Far past the eight attempts after which items used to be parked.
    assert min(item["attempts"] for item in waiting) >= 24 * 3 - 1
    for item in waiting:
        assert "is not available" in item["lastError"]
        assert 0 < item["nextAttemptAt"] - item["lastAttemptAt"] <= 600 * SECOND
        assert item["leaseOwner"] is None

    await EmbeddedContentStore.open(root)  # the volume is back
    report = await worker.deliver_due(T0 + 25 * 60 * MINUTE)

    assert (report.delivered, report.failed) == (12, 0)
    filed = embedded_versions(root)
    assert sorted(v["sha256"] for v in filed) == sorted(g.version["checksumPdf"] for g in generated)


async def test_a_retry_after_from_content_server_is_honoured_by_the_item_and_the_worker(
    store: FalkorDBStore,
    forms: FormStore,
    fake: FakeContentServer,
    content_server: ContentServerStore,
) -> None:
    await world_with_documents(store, forms, children=("C201",))
    worker = _worker(store, content_server, forms)

    fake.fail_next(1, 503, headers={"Retry-After": "120"})
    first = await worker.deliver_due(T0)

    # One 503 with Retry-After: the item waits at least 120 s, and so does the worker:
    # the other items are handed back without a call.
    assert (first.retried, first.released, first.delivered) == (1, 3, 0)
    failed = [item for item in await items(store) if item["attempts"] == 1]
    assert len(failed) == 1
    assert failed[0]["nextAttemptAt"] >= T0 + 120 * SECOND
    assert "HTTP 503" in failed[0]["lastError"]
    calls = len(fake.calls)
    assert await worker.deliver_due(T0 + 119 * SECOND) == type(first)()
    assert len(fake.calls) == calls

    second = await worker.deliver_due(T0 + 121 * SECOND)
    assert (second.delivered, second.retried, second.failed) == (4, 0, 0)


async def test_a_retry_after_http_date_is_measured_from_the_replys_date(
    store: FalkorDBStore,
    forms: FormStore,
    fake: FakeContentServer,
    content_server: ContentServerStore,
) -> None:
    await world_with_documents(store, forms, children=("C201",))
    worker = _worker(store, content_server, forms)
    # The server's clock is years away from the pass instants: only the difference
    # between its Date and its Retry-After counts.
    server_now = datetime(2031, 1, 6, 8, 0, tzinfo=UTC)
    fake.fail_next(
        1,
        429,
        headers={
            "Date": format_datetime(server_now, usegmt=True),
            "Retry-After": format_datetime(server_now + timedelta(minutes=10), usegmt=True),
        },
    )

    first = await worker.deliver_due(T0)

    assert first.retried == 1
    waiting = [item for item in await items(store) if item["attempts"] == 1]
    assert waiting[0]["nextAttemptAt"] >= T0 + 10 * MINUTE
    assert await worker.deliver_due(T0 + 9 * MINUTE) == type(first)()
    assert (await worker.deliver_due(T0 + 11 * MINUTE)).delivered == 4


async def test_the_breaker_stops_calls_during_an_outage_and_closes_when_a_probe_succeeds(
    store: FalkorDBStore,
    forms: FormStore,
    fake: FakeContentServer,
    content_server: ContentServerStore,
) -> None:
    await world_with_documents(store, forms)
    worker = _worker(store, content_server, forms, breaker_threshold=3, breaker_cooldown_seconds=60)

    fake.fail_next(100_000, 500)
    first = await worker.deliver_due(T0)

    assert (first.retried, first.released) == (3, 9)
    assert worker.breaker.state is BreakerState.OPEN
    calls = len(fake.calls)
    # Open: no call at all, whatever is due.
    assert await worker.deliver_due(T0 + 30 * SECOND) == type(first)()
    assert len(fake.calls) == calls
    # Half open after the cool-down: exactly one item probes, fails, and it opens again.
    probe = await worker.deliver_due(T0 + 61 * SECOND)
    assert (probe.retried, probe.released, probe.delivered) == (1, 0, 0)
    assert worker.breaker.state is BreakerState.OPEN
    assert await worker.deliver_due(T0 + 90 * SECOND) == type(first)()

    fake.clear_faults()  # the server is back
    recovered = await worker.deliver_due(T0 + 200 * SECOND)

    assert worker.breaker.state is BreakerState.CLOSED
    assert (recovered.delivered, recovered.failed) == (12, 0)
    assert await graph_counts(store) == {"FILE_DOCUMENT:DELIVERED": 9, "OPEN_FILE:DELIVERED": 3}
    assert len([v for d in fake.documents() for v in d.versions]) == 9


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408, 429])
async def test_transient_statuses_leave_items_pending(
    store: FalkorDBStore,
    forms: FormStore,
    fake: FakeContentServer,
    content_server: ContentServerStore,
    status: int,
) -> None:
    await world_with_documents(store, forms, children=("C201",))
    fake.fail_next(100_000, status, method="GET", path="/nodes")

    report = await _worker(store, content_server, forms).deliver_due(T0)

    assert (report.retried, report.failed) == (4, 0)
    assert await graph_counts(store) == {"FILE_DOCUMENT:PENDING": 3, "OPEN_FILE:PENDING": 1}


@pytest.mark.parametrize("status", [400, 403, 404, 409])
async def test_permanent_refusals_park_items_as_failed_with_the_reason(
    store: FalkorDBStore,
    forms: FormStore,
    fake: FakeContentServer,
    content_server: ContentServerStore,
    status: int,
) -> None:
    await world_with_documents(store, forms, children=("C201",))
    fake.fail_next(100_000, status, method="GET", path="/nodes")
    worker = _worker(store, content_server, forms)

    report = await worker.deliver_due(T0)

    assert (report.failed, report.retried) == (4, 0)
    parked = await items(store)
    assert {item["state"] for item in parked} == {"FAILED"}
    assert all(f"HTTP {status}" in item["lastError"] for item in parked)
    # A refusal is the item's fault, not an outage: the circuit stays closed.
    assert worker.breaker.state is BreakerState.CLOSED


async def test_a_refusal_keeps_the_status_not_the_content_server_s_own_words(
    store: FalkorDBStore,
    forms: FormStore,
    fake: FakeContentServer,
    content_server: ContentServerStore,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Content Server's error text may repeat what it was sent or holds (a document's
    title, a name from the filing metadata or a hold's reason); records officers read a
    parked item's error, so it keeps the status and a description of it, never that text."""
    await world_with_documents(store, forms, children=("C201",))
    words = "Access denied to 'Ruby Newman - child protection plan'"
    fake.fail_next(100_000, 403, method="GET", path="/nodes", message=words)
    caplog.set_level(logging.DEBUG)

    report = await _worker(store, content_server, forms).deliver_due(T0)

    assert report.failed == 4
    for item in await items(store):
        assert "HTTP 403 Forbidden" in item["lastError"]
        assert "Ruby" not in item["lastError"], item["lastError"]
    assert "Ruby" not in caplog.text


async def test_a_disk_error_of_the_embedded_store_keeps_no_path_to_the_child_s_folder(
    store: FalkorDBStore, forms: FormStore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """An OSError names the file it failed on, and the embedded store's files are under
    each child's id: the item keeps the error's kind and number, not the path."""
    await world_with_documents(store, forms, children=("C201",))
    root = tmp_path / "content"
    await EmbeddedContentStore.open(root)
    # Something not a folder where the children's folders go: every filing fails.
    (root / "children").write_bytes(b"")
    caplog.set_level(logging.DEBUG)

    report = await _worker(store, EmbeddedContentStore(root), forms).deliver_due(T0)

    assert report.retried == 4
    for item in await items(store):
        assert "Errno" in item["lastError"], item["lastError"]
        assert "C201" not in item["lastError"], item["lastError"]
        assert "children" not in item["lastError"], item["lastError"]
    # (This world's item ids are made from the child's id; the path is not logged.)
    assert "children/" not in caplog.text


# -- settings ------------------------------------------------------------------------------


def test_outbox_settings_are_bounded_and_a_lease_must_outlast_a_delivery(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pydantic import ValidationError

    from hub.settings import Settings

    monkeypatch.setenv("LCS_HUB_OUTBOX_LEASE_SECONDS", "60")
    monkeypatch.setenv("LCS_HUB_OUTBOX_DELIVERY_DEADLINE_SECONDS", "60")
    with pytest.raises(ValidationError, match="LCS_HUB_OUTBOX_DELIVERY_DEADLINE_SECONDS"):
        Settings(_env_file=None)  # type: ignore[call-arg]
    monkeypatch.setenv("LCS_HUB_OUTBOX_DELIVERY_DEADLINE_SECONDS", "30")
    monkeypatch.setenv("LCS_HUB_OUTBOX_BREAKER_THRESHOLD", "0")
    with pytest.raises(ValidationError, match="outbox_breaker_threshold"):
        Settings(_env_file=None)  # type: ignore[call-arg]
    monkeypatch.setenv("LCS_HUB_OUTBOX_BREAKER_THRESHOLD", "7")

    policy = OutboxPolicy.from_settings(Settings(_env_file=None))  # type: ignore[call-arg]

    assert (policy.lease_seconds, policy.delivery_deadline_seconds) == (60, 30)
    assert policy.breaker().threshold == 7
    with pytest.raises(ValueError, match="below lease_seconds"):
        OutboxPolicy(lease_seconds=10, delivery_deadline_seconds=10)
