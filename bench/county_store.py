"""A benchmark's county: generated and loaded into a fresh embedded engine, or reused.

Every benchmark measures on a county in the embedded engine with `appendfsync everysec`
(with the default `always` every write also waits for an fsync: the price of durability,
not of what is measured). `--reuse DIR` opens a county `bench.county_load` left in DIR
instead of generating one, so a large county is loaded once for many runs.
"""

from __future__ import annotations

import contextlib
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bench import county_load
from bench.county_load import GRAPH
from demo import county
from graph import EmbeddedEngine, FalkorDBStore

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from datetime import date


@dataclass
class LoadedCounty:
    """The store on a county, with the engine behind it."""

    store: FalkorDBStore
    engine: EmbeddedEngine
    socket_path: str
    data_dir: Path
    # The county generated now, or None when it was reused or loaded with its notes.
    world: county.County | None
    # A directory for the benchmark's own files, removed afterwards.
    scratch: Path


@contextlib.asynccontextmanager
async def embedded_store(
    data_dir: Path,
    scratch: Path,
    *,
    load: str | None = None,
    today: date | None = None,
    show_progress: bool = False,
) -> AsyncIterator[LoadedCounty]:
    """The engine on `data_dir`, its schema applied; a county of size `load` written first
    when given (generated as of `today`), else what the directory holds."""
    engine = EmbeddedEngine(data_dir, appendfsync="everysec")
    socket_path = engine.start()
    store = FalkorDBStore(socket_path, GRAPH)
    try:
        await store.apply_schema()
        world = None
        if load is not None:
            world = county.generate(load, today=today)
            await county.load(store, world, show_progress=show_progress)
        yield LoadedCounty(store, engine, socket_path, data_dir, world, scratch)
    finally:
        await store.close()
        engine.stop()


@contextlib.asynccontextmanager
async def county_store(
    size: str,
    reuse: Path | None,
    *,
    with_notes: bool = False,
    today: date | None = None,
    show_progress: bool = False,
) -> AsyncIterator[LoadedCounty]:
    """A county of `size` in a scratch engine, or the one in `reuse`.

    `with_notes` loads it as `bench.county_load` does (case notes and the old system's
    documents in bulk, files filed), for the benchmarks that read a child's whole case."""
    with tempfile.TemporaryDirectory() as directory:
        scratch = Path(directory)
        data_dir = reuse or scratch / "graph"
        load = size if reuse is None else None
        if load is not None and with_notes:
            await county_load.load(
                data_dir, load, 42, 12, documents_per_file=6, show_progress=show_progress
            )
            load = None
        async with embedded_store(
            data_dir, scratch, load=load, today=today, show_progress=show_progress
        ) as loaded:
            yield loaded
