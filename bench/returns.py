"""What the statutory returns cost: both returns for a synthetic county, against a floor.

Each return is measured against its own floor: a plain read of the same rows, that is the
same id statement and the same paged statements with the same ids, every page read and
thrown away (no derivation, no files). Both sides go through a recording store, and the
run stops unless the floor ran the same statements with the same parameters and got the
same number of rows back. For each side it prints the time, the ratio to the floor, and
the peak resident memory of this process (which does what the hub's return job does) and
of the engine, each measured over that side alone (the kernel's peak is reset before it).

The county's own journeys hold few children looked after, so a synthetic cohort of
children looked after (each with a referral, an assessment, three episodes and two
reviews) is loaded beside it in bulk, to measure the returns at the scale of a large
authority; on a reused county it is loaded once and kept.

    python -m bench.returns [--size medium] [--looked-after 20000]
    python -m bench.returns --reuse DIR    # a county from bench.county_load, e.g. 300,000
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.county_store import county_store
from bench.recording import RecordingStore
from demo import county
from graph.cypher import returns as ssda903_statements
from graph.cypher import returns_cin as cin_statements
from returns import PAGE, CollectionYear, write_cin_census, write_ssda903
from workflow.calendar import today_in_england

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from bench.recording import Call
    from graph import GraphStore

# A generated county's today is this year's 31 March, so its journeys fall in the year; a
# reused county was generated on the day it was loaded, and is measured by default in the
# collection year that holds that day (`--year`).
YEAR = CollectionYear(2026)
# The CIN census names its LA by DfE number: Hertfordshire's, where the demo county's
# postcodes are (the county's UPNs use an LA number never allocated, bench/county.py).
LA_NUMBER = "919"
# The first child of the synthetic cohort: present means the cohort was loaded already.
COHORT_FIRST = "B000000000"


def _reset_peak(pid: int) -> None:
    # Writing 5 to clear_refs resets the kernel's peak resident set (VmHWM) to the
    # current one, so each side's peak is its own (Linux 4.0+).
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def _memory_mib(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Side:
    """One side of a measurement: its time, its peaks and the reads it made."""

    seconds: float
    own_peak_mib: float
    engine_start_mib: float
    engine_peak_mib: float
    calls: list[Call]


async def _measured(
    store: GraphStore, engine_pid: int, work: Callable[[GraphStore], Awaitable[object]]
) -> Side:
    recording = RecordingStore(store)
    own = os.getpid()
    for pid in (own, engine_pid):
        _reset_peak(pid)
    engine_start = _memory_mib(engine_pid, "VmRSS")
    started = time.perf_counter()
    await work(recording)
    seconds = time.perf_counter() - started
    return Side(
        seconds,
        _memory_mib(own, "VmHWM"),
        engine_start,
        _memory_mib(engine_pid, "VmHWM"),
        recording.calls,
    )


def reads(calls: list[Call]) -> list[tuple[str, str, int]]:
    """What each call read: its statement, its parameters and how many rows came back."""
    return [(call.statement, repr(sorted(call.params.items())), call.rows) for call in calls]


async def plain_read(store: GraphStore, ids_statement: str, page_statement: str) -> int:
    """The floor: the ids, then every page of the same ids, read and thrown away."""
    ids = sorted(str(row["id"]) for row in await store.read(ids_statement, {}))
    for first in range(0, len(ids), PAGE):
        await store.read(page_statement, {"ids": ids[first : first + PAGE]})
    return len(ids)


def _episode(
    child: str, n: int, start: date, end: date | None, **codes: str | None
) -> dict[str, Any]:
    return {
        "id": f"{child}-e{n}",
        "kind": "LOOKED_AFTER_EPISODE",
        "status": "OPEN" if end is None else "DONE",
        "start": start.isoformat(),
        "end": end.isoformat() if end else None,
        "rec": None if end is None else "X1",
        "participation": None,
        **codes,
    }


def _cohort_rows(count: int) -> list[dict[str, Any]]:
    rows = []
    for number in range(count):
        child = f"B{number:09d}"
        started = date(2023, 1, 2) + timedelta(days=number % 700)
        moved = started + timedelta(days=90)
        ordered = started + timedelta(days=200)

        reviews = [
            {
                "id": f"{child}-r{n}",
                "kind": "LOOKED_AFTER_REVIEW",
                "status": "DONE",
                "start": held.isoformat(),
                "end": held.isoformat(),
                "rec": None,
                "participation": "PN1",
                "legalStatus": None,
                "placementType": None,
                "rne": None,
                "reason": None,
            }
            for n, held in enumerate((started + timedelta(days=20), ordered + timedelta(days=30)))
        ]
        rows.append(
            {
                "id": child,
                "born": (date(2010, 1, 1) + timedelta(days=number % 3000)).isoformat(),
                "sex": "MF"[number % 2],
                "upn": None,
                "referred": (started - timedelta(days=30)).isoformat(),
                "assessed": (started - timedelta(days=5)).isoformat(),
                "started": started.isoformat(),
                "steps": [
                    _episode(
                        child,
                        1,
                        started,
                        moved,
                        legalStatus="C1",
                        placementType="U6",
                        rne="S",
                        reason=None,
                    ),
                    _episode(
                        child,
                        2,
                        moved,
                        ordered,
                        legalStatus="C1",
                        placementType="U4",
                        rne="P",
                        reason="CARPL",
                    ),
                    _episode(
                        child,
                        3,
                        ordered,
                        None,
                        legalStatus="C2",
                        placementType="U4",
                        rne="L",
                        reason=None,
                    ),
                    *reviews,
                ],
            }
        )
    return rows


async def load_cohort(store: GraphStore, count: int) -> int:
    """Load the synthetic looked-after cohort unless it is there; how many were loaded."""
    if count == 0 or await store.read(
        "MATCH (c:Child {id: $id}) RETURN c.id AS id", {"id": COHORT_FIRST}
    ):
        return 0
    rows = _cohort_rows(count)
    progress = county.Progress(len(rows), "looked-after cohort")
    for first in range(0, len(rows), county.BATCH):
        batch = rows[first : first + county.BATCH]
        await store.write(ssda903_statements.LOAD_LOOKED_AFTER_COHORT, {"rows": batch})
        progress.advance(len(batch))
    return count


def current_year(today: date) -> CollectionYear:
    """The collection year (1 April to 31 March) that holds `today`."""
    return CollectionYear(today.year + 1 if today.month > 3 else today.year)


async def measure(
    store: GraphStore, engine_pid: int, out: Path, year: CollectionYear = YEAR
) -> dict[str, Any]:
    """Each return, then its floor, on the loaded county."""
    figures: dict[str, Any] = {}

    async def ssda903(recording: GraphStore) -> None:
        current, _ = await write_ssda903(recording, year, out / "903")
        figures["ssda903_children"] = current.rows["header"]

    async def census(recording: GraphStore) -> None:
        census = await write_cin_census(recording, year, out / "cin.xml", LA_NUMBER)
        figures["census_children"] = census.children

    async def floor(recording: GraphStore, ids: str, page: str, read: str) -> None:
        figures[read] = await plain_read(recording, ids, page)

    for name, write, ids_statement, page_statement in (
        (
            "SSDA903",
            ssda903,
            ssda903_statements.LOOKED_AFTER_IDS,
            ssda903_statements.LOOKED_AFTER_PAGE,
        ),
        (
            "CIN census",
            census,
            cin_statements.CHILDREN_IN_NEED_IDS,
            cin_statements.CHILDREN_IN_NEED_PAGE,
        ),
    ):
        measured = await _measured(store, engine_pid, write)
        floored = await _measured(
            store,
            engine_pid,
            functools.partial(floor, ids=ids_statement, page=page_statement, read=f"{name} read"),
        )
        if reads(floored.calls) != reads(measured.calls):
            raise SystemExit(f"{name}: the floor did not read the same rows as the return")
        figures[name] = (measured, floored)
    return figures


async def run(size: str, cohort: int, reuse: Path | None, year: CollectionYear = YEAR) -> str:
    """Load (or reuse) a county, then time both returns against their floors."""
    async with county_store(size, reuse, today=YEAR.end, show_progress=True) as opened:
        store = opened.store
        loaded = await load_cohort(store, cohort)
        counted = await store.read("MATCH (c:Child) RETURN count(c) AS n")
        assert opened.engine.server_pid is not None
        figures = await measure(store, opened.engine.server_pid, opened.scratch / "returns", year)
    lines = [
        f"returns {year.label} on a county of {counted[0]['n']:,} children"
        f" ({f'a looked-after cohort of {loaded:,} loaded now' if loaded else 'cohort kept'});"
        f" SSDA903 holds {figures['ssda903_children']:,} children"
        f" (of {figures['SSDA903 read']:,} ever looked after), the CIN census"
        f" {figures['census_children']:,} (of {figures['CIN census read']:,} ever in need)"
    ]
    for name in ("SSDA903", "CIN census"):
        measured, floored = figures[name]
        lines.append(
            f"{name}: {measured.seconds:.2f} s; floor (a plain read of the same"
            f" {len(floored.calls)} statements' rows, checked) {floored.seconds:.2f} s;"
            f" ratio {measured.seconds / floored.seconds:.2f}; peak RSS: this process"
            f" {measured.own_peak_mib:.0f} MiB (floor {floored.own_peak_mib:.0f}), engine"
            f" {measured.engine_peak_mib:.0f} MiB from {measured.engine_start_mib:.0f}"
            f" (floor {floored.engine_peak_mib:.0f})"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="medium", choices=sorted(county.SIZES))
    parser.add_argument("--looked-after", type=int, default=20_000, help="synthetic cohort size")
    parser.add_argument("--reuse", type=Path, help="a data directory from bench.county_load")
    parser.add_argument(
        "--year",
        type=int,
        help="the collection's end year (default: 2026 for a generated county, the current"
        " year for a reused one)",
    )
    args = parser.parse_args(argv)
    if args.year:
        year = CollectionYear(args.year)
    else:
        year = current_year(today_in_england()) if args.reuse else YEAR
    print(asyncio.run(run(args.size, args.looked_after, args.reuse, year)))


if __name__ == "__main__":
    main()
