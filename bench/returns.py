"""What the statutory returns cost: both returns for a synthetic county, against a floor.

The floor is a plain read of the same rows: the same id scans and paged statements, every
page read and thrown away. The measured side is the same reads plus the derivation and the files
(the SSDA903's eleven tables for the year and last year; the CIN census message). Prints
the times, their ratio to the floor, the children in each return, and the process's peak
resident memory before and after (the returns stream: the peak should barely move).

The county's own journeys hold few children looked after, so a synthetic cohort of
children looked after (each with a referral, an assessment, three episodes and two
reviews) is loaded beside it in bulk, to measure the returns at the scale of a large
authority.

    python -m bench.returns [--size medium] [--looked-after 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from demo import county
from graph import EmbeddedEngine, FalkorDBStore, GraphStore
from graph.cypher import returns as ssda903_statements
from graph.cypher import returns_cin as cin_statements
from returns import PAGE, CollectionYear, write_cin_census, write_ssda903

YEAR = CollectionYear(2026)
# The CIN census names its LA by DfE number: Hertfordshire's, where the demo county's
# postcodes are (the county's UPNs use an LA number never allocated, bench/county.py).
LA_NUMBER = "919"


def _peak_rss_mb() -> float:
    # Linux reports kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _plain_read(store: GraphStore, ids_statement: str, page_statement: str) -> int:
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


async def _load_cohort(store: GraphStore, count: int) -> None:
    rows = _cohort_rows(count)
    progress = county.Progress(len(rows), "looked-after cohort")
    for first in range(0, len(rows), county.BATCH):
        batch = rows[first : first + county.BATCH]
        await store.write(ssda903_statements.LOAD_LOOKED_AFTER_COHORT, {"rows": batch})
        progress.advance(len(batch))


async def run(size: str, cohort: int) -> dict[str, Any]:
    """Load a county, then time the floor and both returns."""
    with tempfile.TemporaryDirectory() as directory:
        engine = EmbeddedEngine(Path(directory) / "graph", appendfsync="everysec")
        socket_path = engine.start()
        store = FalkorDBStore(socket_path, "bench")
        try:
            await store.apply_schema()
            await county.load(store, county.generate(size, today=YEAR.end), show_progress=True)
            await _load_cohort(store, cohort)
            loaded_mb = _peak_rss_mb()
            out = Path(directory) / "returns"
            started = time.perf_counter()
            looked_after = await _plain_read(
                store, ssda903_statements.LOOKED_AFTER_IDS, ssda903_statements.LOOKED_AFTER_PAGE
            )
            in_need = await _plain_read(
                store, cin_statements.CHILDREN_IN_NEED_IDS, cin_statements.CHILDREN_IN_NEED_PAGE
            )
            floor = time.perf_counter() - started
            started = time.perf_counter()
            current, _ = await write_ssda903(store, YEAR, out / "903")
            children = await write_cin_census(store, YEAR, out / "cin.xml", LA_NUMBER)
            measured = time.perf_counter() - started
        finally:
            await store.close()
            engine.stop()
    return {
        "looked_after": looked_after,
        "in_need": in_need,
        "ssda903_children": current.rows["header"],
        "census_children": children,
        "floor_s": floor,
        "returns_s": measured,
        "ratio": measured / floor if floor else float("nan"),
        "rss_loaded_mb": loaded_mb,
        "rss_peak_mb": _peak_rss_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="medium", choices=sorted(county.SIZES))
    parser.add_argument("--looked-after", type=int, default=20_000, help="synthetic cohort size")
    args = parser.parse_args()
    outcome = asyncio.run(run(args.size, args.looked_after))
    print(
        f"returns {YEAR.label}, county {args.size}: read {outcome['looked_after']} children ever"
        f" looked after and {outcome['in_need']} ever in need; SSDA903 holds"
        f" {outcome['ssda903_children']}, the census {outcome['census_children']}.\n"
        f"floor (plain paged read) {outcome['floor_s']:.2f} s; both returns"
        f" {outcome['returns_s']:.2f} s; ratio {outcome['ratio']:.2f}.\n"
        f"peak RSS after loading {outcome['rss_loaded_mb']:.0f} MB, after the returns"
        f" {outcome['rss_peak_mb']:.0f} MB"
    )


if __name__ == "__main__":
    main()
