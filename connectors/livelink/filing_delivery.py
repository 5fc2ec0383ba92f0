"""Livelink filing as an outbox delivery port: the jobs the content store carries out.

* ``OPEN_FILE``: open the child's file with the whole file plan;
* ``FILE_DOCUMENT``: file one document version (its PDF, from the LCS form store) in
  the template's subfolder, with ``delivery_key`` = the item id;
* ``APPLY_HOLD`` / ``LIFT_HOLD``: mirror a legal hold on the child's file;
* ``MISFILE_DOCUMENT``: put a document whose source record was withdrawn as recorded in
  error under the ``LCS-MISFILED`` hold (`MISFILED_HOLD`), or release it once the record
  is found to stand after all. A document not filed yet is held by its own
  ``FILE_DOCUMENT`` item once filed: that item reads whether the document is misfiled
  after filing it, so a withdrawal at any moment is never missed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from connectors.livelink.content_store import (
    MISFILED_HOLD,
    ContentIntegrityError,
    ContentStoreRejected,
    ContentStoreUnavailable,
    DocumentDelivery,
    DocumentPlace,
    LegalHold,
    os_error_text,
)
from connectors.livelink.form_store import FormBytesMissing
from graph.cypher import documents as document_statements
from graph.cypher import files as statements
from graph.cypher import records as record_statements

if TYPE_CHECKING:
    from connectors.livelink.content_store import ContentStore
    from connectors.livelink.form_store import FormStore
    from graph import GraphStore, Params, Row

__all__ = ["LIVELINK_KINDS", "LivelinkFiling"]

LIVELINK_KINDS: Final = frozenset(
    {"OPEN_FILE", "FILE_DOCUMENT", "APPLY_HOLD", "LIFT_HOLD", "MISFILE_DOCUMENT"}
)


class LivelinkFiling:
    """Delivers the filing outbox's items to the configured content store."""

    name = "livelink"
    kinds = LIVELINK_KINDS

    def __init__(
        self, store: GraphStore, content_store: ContentStore, form_store: FormStore | None
    ) -> None:
        self.store = store
        self.content_store = content_store
        self.form_store = form_store

    async def deliver(self, item: Row) -> tuple[str, Params]:
        """Deliver one item; return the statement (and its parameters) that marks it done."""
        match item["kind"]:
            case "OPEN_FILE":
                return await self._open_file(item)
            case "FILE_DOCUMENT":
                return await self._file_document(item)
            case "APPLY_HOLD" | "LIFT_HOLD":
                return await self._mirror_hold(item)
            case "MISFILE_DOCUMENT":
                return await self._misfile_document(item)
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
            raise ContentStoreUnavailable(f"the LCS form store: {os_error_text(error)}") from error
        try:
            delivery = DocumentDelivery(
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
        except ValueError as error:
            # The recorded version itself is malformed: no retry can change that.
            raise ContentStoreRejected(f"outbox item {item['id']}: {error}") from error
        filed = await self.content_store.put_document(delivery)
        # Read after filing: a withdrawal since the read above is seen here, or its
        # MISFILE_DOCUMENT item (after it) finds the version this call filed.
        after = await self.store.read(
            document_statements.FILE_DOCUMENT_PAYLOAD, {"itemId": item["id"]}
        )
        if after and after[0]["misfiled"]:
            await self.content_store.hold_document(delivery.place, MISFILED_HOLD)
        return document_statements.MARK_DOCUMENT_DELIVERED, {
            "remoteNodeId": filed.remote_node_id,
            "remoteVersion": filed.remote_version,
        }

    async def _misfile_document(self, item: Row) -> tuple[str, Params]:
        rows = await self.store.read(
            document_statements.MISFILE_DOCUMENT_PAYLOAD, {"itemId": item["id"]}
        )
        if not rows:
            raise ContentStoreRejected(f"outbox item {item['id']} has no document")
        payload = rows[0]
        place = DocumentPlace(
            child_id=payload["childId"],
            folder_key=payload["folderKey"],
            document_id=payload["documentId"],
            filename=payload["filename"],
        )
        # As the document is marked now: misfiled, or its record found to stand after all.
        if payload["misfiled"]:
            await self.content_store.hold_document(place, MISFILED_HOLD)
        else:
            await self.content_store.release_document(place, MISFILED_HOLD.key)
        return document_statements.MARK_MISFILING_DELIVERED, {"revision": payload["revision"]}

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
