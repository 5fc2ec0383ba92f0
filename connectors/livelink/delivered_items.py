"""Delivered filing items are kept `LCS_HUB_OUTBOX_DELIVERED_KEEP_DAYS`, then removed.

Every generated form adds an outbox item; once delivered it only said so, and it was
kept for ever: the graph grew by one node (and its relationship) per form for the life
of the record. What was filed where does not live on the item: Livelink's reference is
written on the version in the statement that marks the item delivered (`remoteNodeId`,
`remoteVersion`), and a version without its item reads as delivered by that reference;
the item's id, attempts and last error are kept on the version as the item is removed, so
the version reads as it did.
So a delivered FILE_DOCUMENT item is removed once it is older than the retention, in
bounded batches; an item that is pending or parked, or whose version holds no reference,
is never removed. Items of other kinds are kept: a file's, a hold's and an early help
request's delivery state is still read from its item.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from graph.cypher.documents import DELETE_DELIVERED_FILINGS

if TYPE_CHECKING:
    from graph import GraphStore

__all__ = ["REMOVE_BATCH", "remove_delivered_items"]

# One statement removes at most this many: a write holds the graph's one writer for as
# long as it runs.
REMOVE_BATCH: Final = 500
# A pass removes at most this many batches; what is left waits for the next pass, so the
# worker's deliveries are never held up behind a large backlog of old items.
_MOST_BATCHES_A_PASS: Final = 20
_DAY_MS: Final = 86_400_000


async def remove_delivered_items(
    store: GraphStore, *, now_ms: int, keep_days: int, batch: int = REMOVE_BATCH
) -> int:
    """Remove delivered filing items delivered more than `keep_days` before `now_ms`;
    return how many were removed (at most `batch` times the pass's bound)."""
    delivered_before = now_ms - keep_days * _DAY_MS
    removed = 0
    for _ in range(_MOST_BATCHES_A_PASS):
        rows = await store.write(
            DELETE_DELIVERED_FILINGS, {"deliveredBefore": delivered_before, "limit": batch}
        )
        count = int(rows[0]["removed"]) if rows else 0
        removed += count
        if count < batch:
            break
    return removed
