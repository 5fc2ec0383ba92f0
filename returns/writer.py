"""Streaming a return to files: children a page at a time, rows written as they come.

Memory is bounded by the page, not the county: nothing is held once its rows are written.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from graph.cypher import returns as statements
from returns.ssda903 import TABLES, LookedAfterRecord, tables_for

if TYPE_CHECKING:
    from graph import GraphStore
    from returns.years import CollectionYear

PAGE = 500
Progress = Callable[[int, int], None]


@dataclass
class Written:
    """What a return wrote: its folder and the rows in each table."""

    folder: Path
    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 0))


class _Tables:
    """The eleven CSV files of one year, open for writing."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.written = Written(folder)
        self._files: dict[str, TextIO] = {}
        self._writers: dict[str, Any] = {}
        for name, columns in TABLES.items():
            handle = (folder / f"{name}.csv").open("w", encoding="utf-8", newline="")
            self._files[name] = handle
            self._writers[name] = csv.writer(handle, lineterminator="\n")
            self._writers[name].writerow(columns)

    def add(self, rows: dict[str, list[list[str]]]) -> None:
        for name, found in rows.items():
            if found:
                self._writers[name].writerows(found)
                self.written.rows[name] += len(found)

    def close(self) -> None:
        for handle in self._files.values():
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()


async def looked_after_children(store: GraphStore) -> int:
    """How many children have ever been looked after (the progress bar's total)."""
    rows = await store.read(statements.LOOKED_AFTER_COUNT, {})
    return int(rows[0]["children"]) if rows else 0


async def write_ssda903(
    store: GraphStore,
    year: CollectionYear,
    out: Path,
    *,
    progress: Progress | None = None,
    page: int = PAGE,
) -> tuple[Written, Written]:
    """Write `year`'s SSDA903 tables to `out` and last year's, as known on last year's
    31 March, to `out/previous` (the DfE's year-on-year rules compare the two).

    Returns:
        What was written this year and last year.
    """
    total = await looked_after_children(store) if progress else 0
    current, previous = _Tables(out), _Tables(out / "previous")
    seen = 0
    try:
        after = ""
        while True:
            rows = await store.read(statements.LOOKED_AFTER_PAGE, {"after": after, "limit": page})
            if not rows:
                break
            for row in rows:
                record = LookedAfterRecord.from_row(row)
                current.add(tables_for(record, year))
                previous.add(tables_for(record, year.previous()))
            after = str(rows[-1]["child"]["id"])
            seen += len(rows)
            if progress:
                progress(seen, total)
            if len(rows) < page:
                break
    finally:
        current.close()
        previous.close()
    return current.written, previous.written
