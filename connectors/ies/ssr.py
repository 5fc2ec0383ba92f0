"""Single Service Requests: a finalised SSR opens the child's Livelink file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from connectors.ies.records import SingleServiceRequest, SsrStatus
from connectors.livelink.filing import new_folder_rows
from graph.cypher import ies as statements
from workflow.ids import new_id, now_ms

if TYPE_CHECKING:
    from connectors.intake import IncomingRecord, RecordResult
    from graph import GraphStore, Row


async def open_file_for_finalised_ssr(
    store: GraphStore, record: IncomingRecord, result: RecordResult
) -> None:
    """Open the linked child's file when the SSR is finalised (no child linked: not yet)."""
    row = record.row
    if not isinstance(row, SingleServiceRequest) or row.status is not SsrStatus.FINALISED:
        return
    if result.child_id is None:
        # In the review queue: the file opens when a person links it (`open_file_for_record`).
        return
    await open_file_for_record(store, record.key, row.version)


async def open_file_for_record(store: GraphStore, key: str, version: int) -> bool:
    """Open the file of the child a finalised SSR is linked to; True if it opened now.

    Only while the hub holds that `version` of the SSR: a finalised version arriving after
    a newer one (withdrawn, say) is stale and opens nothing.
    """
    rows = await store.write(
        statements.OPEN_FILE_FOR_SSR,
        {
            "key": key,
            "version": version,
            "fileId": new_id(),
            "outboxId": new_id(),
            "folders": new_folder_rows(new_id),
            "now": now_ms(),
        },
    )
    return bool(rows and rows[0]["fileCreated"])


async def open_file_on_linked(store: GraphStore, record: Row) -> None:
    """After a person links a record by hand: a finalised SSR opens the child's file."""
    details = record.get("details") or {}
    if record.get("kind") == "SSR" and details.get("status") == SsrStatus.FINALISED.value:
        await open_file_for_record(store, record["key"], record["version"])
