"""The filing outbox worker: delivers what the graph has promised Livelink, exactly once.

Items are written in the same statement as the record they file (a finalised contact
opens a file, a generated form files a version, a hold is mirrored), so nothing is
promised that is not recorded and nothing recorded is forgotten. Delivery is
idempotent on the store side (keyed by the item id), retried with exponential
back-off, and an item that keeps failing is parked as FAILED where it is visible and
can be replayed.

The jobs, named for what they deliver:

* ``OPEN_FILE``: open the child's file with the whole file plan;
* ``FILE_DOCUMENT``: file one document version (its PDF, from the LCS form store) in
  the template's subfolder, with ``delivery_key`` = the item id;
* ``APPLY_HOLD`` / ``LIFT_HOLD``: mirror a legal hold on the child's file.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from connectors.livelink.content_store import (
    ContentIntegrityError,
    ContentStoreRejected,
    ContentStoreUnavailable,
    DocumentDelivery,
    LegalHold,
)
from connectors.livelink.form_store import FormBytesMissing
from graph.cypher import documents as document_statements
from graph.cypher import files as statements
from graph.cypher import records as record_statements

if TYPE_CHECKING:
    from connectors.livelink.content_store import ContentStore
    from connectors.livelink.form_store import FormStore
    from graph import GraphStore, Params, Row

log = logging.getLogger("lcs_hub.outbox")


class OutboxSettings(Protocol):
    """The settings the worker reads (the hub's Settings satisfy it)."""

    outbox_poll_seconds: float
    outbox_max_attempts: int


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """What one pass over the due items did."""

    delivered: int = 0
    retried: int = 0
    failed: int = 0


def backoff_ms(attempts: int, *, base_ms: int = 2_000, cap_ms: int = 3_600_000) -> int:
    """Wait before the next attempt: doubling from 2 s, at most an hour."""
    return int(min(cap_ms, base_ms * 2 ** max(0, attempts - 1)))


class OutboxWorker:
    """Polls the graph for due items and delivers them to the content store."""

    def __init__(
        self,
        store: GraphStore,
        content_store: ContentStore,
        *,
        form_store: FormStore | None = None,
        poll_seconds: float = 2.0,
        max_attempts: int = 8,
        batch_size: int = 100,
    ) -> None:
        self.store = store
        self.content_store = content_store
        self.form_store = form_store
        self.poll_seconds = poll_seconds
        self.max_attempts = max_attempts
        self.batch_size = batch_size
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def from_settings(
        cls,
        store: GraphStore,
        settings: OutboxSettings,
        content_store: ContentStore,
        form_store: FormStore | None = None,
    ) -> OutboxWorker:
        return cls(
            store,
            content_store,
            form_store=form_store,
            poll_seconds=settings.outbox_poll_seconds,
            max_attempts=settings.outbox_max_attempts,
        )

    async def deliver_due(self, now_ms: int) -> DeliveryReport:
        """Deliver every item due at `now_ms` once; return what happened."""
        rows = await self.store.read(
            statements.DUE_OUTBOX_ITEMS, {"now": now_ms, "limit": self.batch_size}
        )
        delivered = retried = failed = 0
        for row in rows:
            outcome = await self._deliver(row["item"], now_ms)
            delivered += outcome == "DELIVERED"
            retried += outcome == "PENDING"
            failed += outcome == "FAILED"
        return DeliveryReport(delivered=delivered, retried=retried, failed=failed)

    async def _deliver(self, item: Row, now_ms: int) -> str:
        try:
            statement, params = await self._send(item)
        except ContentStoreUnavailable as exc:
            return await self._record_failure(item, now_ms, str(exc), permanent=False)
        except ContentStoreRejected as exc:
            return await self._record_failure(item, now_ms, str(exc), permanent=True)
        # If this write is lost, the item stays PENDING and the next pass delivers it
        # again under the same key: the store answers "already filed", nothing doubles.
        await self.store.write(statement, {"itemId": item["id"], "now": now_ms, **params})
        return "DELIVERED"

    async def _send(self, item: Row) -> tuple[str, Params]:
        """Deliver one item; return the statement (and its parameters) that marks it done."""
        match item["kind"]:
            case "OPEN_FILE":
                return await self._open_file(item)
            case "FILE_DOCUMENT":
                return await self._file_document(item)
            case "APPLY_HOLD" | "LIFT_HOLD":
                return await self._mirror_hold(item)
        raise ContentStoreRejected(f"outbox item kind {item['kind']!r} is not known")

    async def _open_file(self, item: Row) -> tuple[str, Params]:
        rows = await self.store.read(statements.OPEN_FILE_PAYLOAD, {"itemId": item["id"]})
        if not rows:
            raise ContentStoreRejected(f"outbox item {item['id']} has no file to open")
        child_file = await self.content_store.ensure_child_file(rows[0]["childId"])
        return statements.MARK_DELIVERED, {"remoteId": child_file.remote_id}

    async def _file_document(self, item: Row) -> tuple[str, Params]:
        rows = await self.store.read(
            document_statements.FILE_DOCUMENT_PAYLOAD, {"itemId": item["id"]}
        )
        if not rows:
            raise ContentStoreRejected(f"outbox item {item['id']} has no document version")
        payload = rows[0]
        if payload["disposedAt"] is not None:
            raise ContentStoreRejected(f"outbox item {item['id']}: the version was disposed of")
        if self.form_store is None:
            # A worker without the LCS form store cannot read what it must file; the
            # operator fixes the wiring and the items then go through.
            raise ContentStoreUnavailable("this outbox worker has no form store configured")
        try:
            content = await self.form_store.get(payload["checksumPdf"])
        except (FormBytesMissing, ContentIntegrityError) as error:
            raise ContentStoreRejected(f"outbox item {item['id']}: {error}") from error
        except OSError as error:
            raise ContentStoreUnavailable(f"the LCS form store: {error}") from error
        filed = await self.content_store.put_document(
            DocumentDelivery(
                delivery_key=item["id"],
                child_id=payload["childId"],
                folder_key=payload["folderKey"],
                document_id=payload["documentId"],
                version=payload["version"],
                template_key=payload["templateKey"],
                record_class=payload["recordClass"],
                filename=payload["filename"],
                mime_type="application/pdf",
                content=content,
                checksum_sha256=payload["checksumPdf"],
            )
        )
        return document_statements.MARK_DOCUMENT_DELIVERED, {
            "remoteNodeId": filed.remote_node_id,
            "remoteVersion": filed.remote_version,
        }

    async def _mirror_hold(self, item: Row) -> tuple[str, Params]:
        rows = await self.store.read(record_statements.HOLD_PAYLOAD, {"itemId": item["id"]})
        if not rows:
            raise ContentStoreRejected(f"outbox item {item['id']} has no hold")
        payload = rows[0]
        if item["kind"] == "LIFT_HOLD":
            await self.content_store.lift_hold(payload["childId"], payload["key"])
        elif payload["active"]:
            await self.content_store.apply_hold(
                payload["childId"], LegalHold(key=payload["key"], reason=payload["reason"])
            )
        # An application lifted before its hold reached Livelink is not put back there.
        return statements.MARK_DELIVERED, {"remoteId": None}

    async def _record_failure(self, item: Row, now_ms: int, error: str, *, permanent: bool) -> str:
        attempts = int(item["attempts"]) + 1
        state = "FAILED" if permanent or attempts >= self.max_attempts else "PENDING"
        log.warning("outbox item %s attempt %d failed (%s): %s", item["id"], attempts, state, error)
        await self.store.write(
            statements.MARK_FAILED_ATTEMPT,
            {
                "itemId": item["id"],
                "attempts": item["attempts"],
                "error": error[:500],
                "nextAttemptAt": now_ms + backoff_ms(attempts),
                "state": state,
            },
        )
        return state

    async def replay(self, item_id: str, now_ms: int) -> bool:
        """Put a FAILED item back in the queue; False if there is no such failed item."""
        rows = await self.store.write(statements.REPLAY_ITEM, {"itemId": item_id, "now": now_ms})
        return bool(rows)

    async def run(self) -> None:
        """Deliver forever, one pass every `poll_seconds` (cancel to stop)."""
        while True:
            try:
                await self.deliver_due(time.time_ns() // 1_000_000)
            except Exception:
                # The loop must outlive a bad pass (graph briefly unreachable, say):
                # undelivered items stay PENDING and the next pass picks them up.
                log.exception("outbox pass failed; retrying next poll")
            await asyncio.sleep(self.poll_seconds)

    def start(self) -> None:
        """Run in the background of the current event loop."""
        self._task = asyncio.create_task(self.run(), name="livelink-outbox")

    async def stop(self) -> None:
        """Stop the background loop."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
