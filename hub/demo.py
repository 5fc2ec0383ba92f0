"""The `lcs-hub demo` command: a synthetic county loaded whole into an empty store, or not
at all.

The store must be empty first: the county's bulk statements MERGE on ids, so loading into
a store that holds records rewrites whatever shares an id with the demo (the county is
deterministic). `--reset` empties the store after the user confirms, with the documents
of the records it removes: the generated forms, the embedded Livelink store and the
statutory returns under the hub's var directory (a Content Server is never touched). A
load that fails part-way is removed again, since the store held nothing before it began.

A load killed outright (`kill -9`, a power cut) removes nothing: it leaves the mark an
import leaves (`ImportMarker`), set before the first record is deleted or written, so the
half-loaded county is not served, exported or worked on (hub/cli.py, hub/import_guard.py),
and the next load into the graph, a demo or an import, removes it first.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from demo import county
from demo.county import County
from graph import GraphStore, drain_audit_journal
from graph.cypher.housekeeping import DELETE_NODES_BATCH, NODES_BY_LABEL
from graph.migrations import SHAPE_LABEL

if TYPE_CHECKING:
    from hub.backup import ContentStores, ImportMarker

log = logging.getLogger("lcs_hub.demo")

DELETE_BATCH = 10_000


class DemoRefused(Exception):
    """The demo was not loaded; the message says why, what state the store is in, and what
    to do."""


@dataclass(frozen=True)
class DemoSummary:
    """What the demo load left in the store."""

    size: str
    removed: int
    nodes_by_label: dict[str, int]

    def lines(self) -> list[str]:
        """The summary the command prints."""
        held = ", ".join(f"{count} {label}" for label, count in self.nodes_by_label.items())
        replaced = f" (replacing {self.removed} nodes)" if self.removed else ""
        return [
            f"demo county ({self.size}) loaded{replaced}: {sum(self.nodes_by_label.values())} "
            f"nodes: {held}",
            "next: `lcs-hub serve --print-tokens` (or `make run`) and open /graphql; "
            "`lcs-hub token --as PERSONA` prints one token",
        ]


async def nodes_by_label(store: GraphStore) -> dict[str, int]:
    """How many nodes of each label the store holds (its shape version is not a record)."""
    # The read audit's events counted too: the reads still journaled are written first.
    await drain_audit_journal(store)
    return {
        row["label"]: row["nodes"]
        for row in await store.read(NODES_BY_LABEL)
        if row["label"] != SHAPE_LABEL
    }


async def empty_store(store: GraphStore) -> None:
    """Delete every node and relationship, in batches."""
    # Reads journaled before the store is emptied go with it, not into the empty store.
    await drain_audit_journal(store)
    while (await store.write(DELETE_NODES_BATCH, {"limit": DELETE_BATCH}))[0]["deleted"]:
        pass


async def forget_documents(documents: ContentStores) -> None:
    """Delete every generated form and every blob and record of the embedded Livelink store."""
    await documents.forms.discard(list(documents.forms.checksums()))
    if documents.livelink is not None:
        documents.livelink.empty()


def forget_return_files(folder: Path) -> None:
    """Delete every return job's files under `folder` (each names every child in it)."""
    if not folder.is_dir():
        return
    for job in folder.iterdir():
        if job.is_dir() and not job.is_symlink():
            shutil.rmtree(job)
        else:
            job.unlink()


async def _forget_records(
    store: GraphStore, documents: ContentStores | None, return_files: Path | None
) -> None:
    """Empty the store, with the documents and returns kept of its records."""
    await empty_store(store)
    if documents is not None:
        await forget_documents(documents)
    if return_files is not None:
        forget_return_files(return_files)


async def load_demo(
    store: GraphStore,
    demo: County,
    size: str,
    *,
    reset: bool,
    confirm_reset: Callable[[int], bool],
    show_progress: bool = True,
    documents: ContentStores | None = None,
    return_files: Path | None = None,
    marker: ImportMarker | None = None,
) -> DemoSummary:
    """Load the demo county (generated, of `size`) into `store`, whole or not at all.

    Args:
        reset: empty a store that holds records first (otherwise such a store is refused).
        confirm_reset: asked with the number of nodes a reset would delete; False refuses.
        documents: the forms and embedded Livelink store of the records in `store`,
            emptied with it on reset (the documents of children no record holds would
            otherwise stay on disk and go into every export).
        return_files: the folder of the statutory returns made from `store`'s records
            (one folder per job, whose record the reset removes), emptied with it too.
        marker: the mark of a load into `store` left unfinished, set while this one
            deletes and loads (the caller holds the bulk-load lease); one left by a load
            that was killed means the store holds only what that load wrote, which is
            removed first.

    Raises:
        DemoRefused: nothing was loaded; the message says why and what state the store is in.
    """
    if marker is not None and marker.left_behind():
        # A load into this graph (a demo's or an import's) was killed part-way: the store
        # held nothing when it began, so what is there is what it wrote.
        await _forget_records(store, documents, return_files)
        log.warning("a load that was interrupted had written part of the store; it was removed")
    held = sum((await nodes_by_label(store)).values())
    if held and not reset:
        raise DemoRefused(
            f"the store already holds {held} nodes, nothing was changed; "
            "`lcs-hub demo --reset` replaces them with the demo county (it asks first, "
            "or pass --yes)"
        )
    if held and not confirm_reset(held):
        raise DemoRefused(f"reset not confirmed, nothing was changed ({held} nodes kept)")
    if marker is not None:
        # From here until the county is whole, the store holds part of something.
        marker.set()
    if held:
        await _forget_records(store, documents, return_files)
    try:
        await county.load(store, demo, show_progress=show_progress)
    except BaseException as failure:
        # The store was empty when the load began, so removing everything it wrote
        # leaves it exactly as it was.
        try:
            await empty_store(store)
        except Exception as cleanup:
            raise DemoRefused(
                f"loading the demo county failed ({type(failure).__name__}: {failure}) and "
                f"the partial load could not be removed ({cleanup}); "
                "`lcs-hub demo --reset --yes` starts again"
            ) from failure
        if marker is not None:
            marker.clear()
        if not isinstance(failure, Exception):
            raise
        before = f"the {held} nodes it held were deleted by --reset" if held else "as before"
        raise DemoRefused(
            f"loading the demo county failed ({type(failure).__name__}: {failure}); "
            f"the partial load was removed and the store is empty ({before})"
        ) from failure
    if marker is not None:
        marker.clear()
    return DemoSummary(size=size, removed=held, nodes_by_label=await nodes_by_label(store))
