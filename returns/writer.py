"""Streaming a return to files: children a page at a time, rows written as they come.

Memory holds the ids of the children the return covers and one page of their records;
nothing is held once its rows are written.
"""

from __future__ import annotations

import contextlib
import csv
import os
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from graph.cypher import returns as statements
from graph.cypher import returns_cin as cin_statements
from returns.cin_census import (
    ChildInNeedRecord,
    child_element,
    header_element,
    specification_for,
    to_text,
)
from returns.cin_year_end import census_warnings
from returns.ssda903 import (
    LookedAfterRecord,
    Ssda903Specification,
    last_year_specification,
    tables_for,
)
from returns.ssda903 import specification_for as ssda903_specification
from returns.year_end import ReturnWarning, ssda903_warnings
from workflow.calendar import default_calendar

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from graph import GraphStore, Row
    from returns.years import CollectionYear

PAGE = 500
Progress = Callable[[int, int], None]
# Called with the ids of the children whose data went into the return from each page,
# before the next page is read (the caller audits them: their data leaves the hub).
PageWritten = Callable[[list[str]], Awaitable[None]]


@dataclass
class Written:
    """What a return wrote: its folder, the rows in each table, and the DfE rules it
    breaks that the analyst should send back to the workers (`returns.year_end`)."""

    folder: Path
    rows: dict[str, int] = field(default_factory=dict)
    warnings: list[ReturnWarning] = field(default_factory=list)


@dataclass
class CensusWritten:
    """What a CIN census wrote: how many children it holds, and the DfE queries it will
    raise that the analyst should check with the workers (`returns.cin_year_end`)."""

    children: int = 0
    warnings: list[ReturnWarning] = field(default_factory=list)


def _partial(path: Path) -> Path:
    # A return is written beside its final name and renamed when complete, so a failed
    # run never leaves a half-written file where a complete one is expected.
    return path.with_name(path.name + ".partial")


class _Tables:
    """The CSV files of one year's specification, open for writing."""

    def __init__(self, folder: Path, spec: Ssda903Specification) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        tables = spec.tables
        self.written = Written(folder, dict.fromkeys(tables, 0))
        self._files: dict[str, TextIO] = {}
        self._writers: dict[str, Any] = {}
        for name, columns in tables.items():
            handle = _partial(folder / f"{name}.csv").open("w", encoding="utf-8", newline="")
            self._files[name] = handle
            self._writers[name] = csv.writer(handle, lineterminator="\n")
            self._writers[name].writerow(columns)

    def add(self, rows: dict[str, list[list[str]]]) -> None:
        for name, found in rows.items():
            if found:
                self._writers[name].writerows(found)
                self.written.rows[name] += len(found)

    def close(self, *, complete: bool) -> None:
        for name, handle in self._files.items():
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()
            final = self.written.folder / f"{name}.csv"
            if complete:
                os.replace(_partial(final), final)
            else:
                _partial(final).unlink()

    def remove(self) -> None:
        """Remove the tables, closed, with any a former run left, and the folder if empty."""
        for name in self._files:
            (self.written.folder / f"{name}.csv").unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            self.written.folder.rmdir()


async def _ids(store: GraphStore, statement: str) -> list[str]:
    # Sorted, so a return lists its children in the same order every time.
    return sorted(str(row["id"]) for row in await store.read(statement, {}))


async def _pages(
    store: GraphStore, ids: list[str], statement: str, page: int, progress: Progress | None
) -> AsyncIterator[list[Row]]:
    """The records of `ids`, a page at a time."""
    for first in range(0, len(ids), page):
        chunk = ids[first : first + page]
        rows = await store.read(statement, {"ids": chunk})
        # Counted as read before it is handed on, so a job's progress, recorded with the
        # page's audit, includes the page.
        if progress:
            progress(first + len(chunk), len(ids))
        yield rows


async def looked_after_children(store: GraphStore) -> int:
    """How many children have ever been looked after."""
    return len(await _ids(store, statements.LOOKED_AFTER_IDS))


async def write_ssda903(
    store: GraphStore,
    year: CollectionYear,
    out: Path,
    *,
    progress: Progress | None = None,
    page: int = PAGE,
    on_page: PageWritten | None = None,
) -> tuple[Written, Written]:
    """Write `year`'s SSDA903 tables to `out` and last year's, as known on last year's
    31 March, to `out/previous` (the DfE's year-on-year rules compare the two), unless
    no child was looked after last year.

    Returns:
        What was written this year and last year.
    """
    # Refused for a year the hub does not write, before anything is read or written.
    this_year, last_year = ssda903_specification(year), last_year_specification(year)
    ids = await _ids(store, statements.LOOKED_AFTER_IDS)
    current, previous = _Tables(out, this_year), _Tables(out / "previous", last_year)
    complete = False
    try:
        async for rows in _pages(store, ids, statements.LOOKED_AFTER_PAGE, page, progress):
            returned = []
            for row in rows:
                record = LookedAfterRecord.from_row(row)
                now = tables_for(record, year, this_year)
                before = tables_for(record, year.previous(), last_year)
                current.add(now)
                previous.add(before)
                current.written.warnings += ssda903_warnings(record, year)
                previous.written.warnings += ssda903_warnings(record, year.previous())
                if now["header"] or before["header"]:
                    returned.append(record.id)
            if on_page and returned:
                await on_page(returned)
        complete = True
    finally:
        current.close(complete=complete)
        # Last year's tables with no child in them are not written: there is nothing to
        # compare, and the DfE's validator cannot read them (its ingress fails on an
        # empty header beside a UASC table), as for a county's first year of returns.
        empty = complete and not previous.written.rows["header"]
        previous.close(complete=complete and not empty)
        if empty:
            previous.remove()
    return current.written, previous.written


async def write_cin_census(
    store: GraphStore,
    year: CollectionYear,
    out: Path,
    la_number: str,
    *,
    progress: Progress | None = None,
    page: int = PAGE,
    on_page: PageWritten | None = None,
) -> CensusWritten:
    """Write `year`'s CIN census message to the file `out`, a child at a time.

    Returns:
        How many children the message holds, and what the census will query of them.

    Raises:
        ValueError: `la_number` is not the DfE's three-digit LA number, or the hub has no
            specification for the year.
    """
    if not re.fullmatch(r"[0-9]{3}", la_number):
        raise ValueError("la_number: the DfE's three-digit local authority number, e.g. 919")
    spec = specification_for(year)
    ids = await _ids(store, cin_statements.CHILDREN_IN_NEED_IDS)
    out.parent.mkdir(parents=True, exist_ok=True)
    written = CensusWritten()
    calendar = default_calendar()
    partial = _partial(out)
    try:
        with partial.open("w", encoding="utf-8") as handle:
            handle.write('<?xml version="1.0" encoding="UTF-8"?>\n<Message>\n')
            handle.write(to_text(header_element(spec, year, la_number, datetime.now(UTC)), 1))
            handle.write("  <Children>\n")
            async for rows in _pages(
                store, ids, cin_statements.CHILDREN_IN_NEED_PAGE, page, progress
            ):
                returned = []
                for row in rows:
                    element = child_element(ChildInNeedRecord.from_row(row), spec, year)
                    if element is not None:
                        handle.write(to_text(element, 2))
                        returned.append(str(row["child"]["id"]))
                        written.warnings += census_warnings(element, year, calendar)
                written.children += len(returned)
                if on_page and returned:
                    await on_page(returned)
            handle.write("  </Children>\n</Message>\n")
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, out)
    return written
