"""What the statutory returns cost: both returns for a synthetic county, against a floor.

The floor is a plain read of the same rows: the same paged statements, every page read
and thrown away. The measured side is the same reads plus the derivation and the files
(the SSDA903's eleven tables for the year and last year; the CIN census message). Prints
the times, their ratio to the floor, the children in each return, and the process's peak
resident memory before and after (the returns stream: the peak should barely move).

    python -m bench.returns [--size medium]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import county
from graph import EmbeddedEngine, FalkorDBStore, GraphStore
from graph.cypher import returns as ssda903_statements
from graph.cypher import returns_cin as cin_statements
from returns import CollectionYear, write_cin_census, write_ssda903
from returns.writer import PAGE

YEAR = CollectionYear(2026)


def _peak_rss_mb() -> float:
    # Linux reports kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _plain_read(store: GraphStore, statement: str) -> int:
    after, rows_read = "", 0
    while True:
        rows = await store.read(statement, {"after": after, "limit": PAGE})
        rows_read += len(rows)
        if len(rows) < PAGE:
            return rows_read
        after = str(rows[-1]["child"]["id"])


async def run(size: str) -> dict[str, Any]:
    """Load a county, then time the floor and both returns."""
    with tempfile.TemporaryDirectory() as directory:
        engine = EmbeddedEngine(Path(directory) / "graph", appendfsync="everysec")
        socket_path = engine.start()
        store = FalkorDBStore(socket_path, "bench")
        try:
            await store.apply_schema()
            await county.load(store, county.generate(size, today=YEAR.end), show_progress=True)
            loaded_mb = _peak_rss_mb()
            out = Path(directory) / "returns"
            started = time.perf_counter()
            looked_after = await _plain_read(store, ssda903_statements.LOOKED_AFTER_PAGE)
            in_need = await _plain_read(store, cin_statements.CHILDREN_IN_NEED_PAGE)
            floor = time.perf_counter() - started
            started = time.perf_counter()
            current, _ = await write_ssda903(store, YEAR, out / "903")
            children = await write_cin_census(store, YEAR, out / "cin.xml", county.LA_CODE)
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
    args = parser.parse_args()
    outcome = asyncio.run(run(args.size))
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
