"""The access rule cut to the caller's audience against the whole rule, on `searchChildren`.

`child_visible` is a `CASE` on the caller's audience, but FalkorDB reads every pattern
comprehension of an expression for every row before the `CASE` picks a branch: nine
pattern reads per matching child whoever asks. The stores therefore run each statement
through `access.for_caller`, which keeps the caller's branch only. This runs the search
for the county's most common family name both ways for a records officer, a social
worker and a police officer: the whole rule straight on the engine (bypassing the
store, which would cut it), the cut rule through the store. Their answers are compared
before their medians are measured.

    python -m bench.access_rule --reuse DIR [--repeats 5]
    python -m bench.access_rule --size small
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from falkordb.asyncio import FalkorDB

from bench.county_load import GRAPH
from bench.county_store import county_store
from bench.search import VIEWERS, _params
from demo import county, personas
from graph import FalkorDBStore
from graph.cypher import children as statements
from graph.cypher.access import AccessScope
from graph.store import encode_params

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

SCOPES = {
    **VIEWERS,
    "police officer (open enquiries)": AccessScope(
        viewer="police",
        team=None,
        view_all=False,
        now_ms=0,
        audience="police",
        agency=personas.POLICE_FORCE,
    ),
}

MOST_COMMON_FAMILY_NAME = """
MATCH (c:Child) WHERE c.familyName IS NOT NULL
RETURN c.familyName AS name, count(c) AS children
ORDER BY children DESC, name
LIMIT 1
"""


async def _median_ms(run: Callable[[], Awaitable[list[str]]], repeats: int) -> float:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        await run()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000


async def measure(store: FalkorDBStore, socket_path: str, repeats: int) -> list[str]:
    """Both rules for each viewer: answers compared, then timed."""
    common = (await store.read(MOST_COMMON_FAMILY_NAME))[0]
    engine = FalkorDB(unix_socket_path=socket_path)
    graph = engine.select_graph(GRAPH)
    lines = [f"family name {common['name']!r}: {common['children']:,} children"]
    for viewer, scope in SCOPES.items():
        params: dict[str, Any] = _params(scope, common["name"], before=False)

        async def whole_rule(params: dict[str, Any] = params) -> list[str]:
            result = await graph.ro_query(statements.SEARCH_CHILDREN, encode_params(params))
            return [row[0]["id"] for row in result.result_set]

        async def callers_rule(params: dict[str, Any] = params) -> list[str]:
            rows = await store.read(statements.SEARCH_CHILDREN, params)
            return [row["child"]["id"] for row in rows]

        found = await callers_rule()
        if await whole_rule() != found:
            raise SystemExit(f"the cut rule answers {viewer} differently")
        whole_ms = await _median_ms(whole_rule, repeats)
        cut_ms = await _median_ms(callers_rule, repeats)
        lines.append(
            f"{viewer} ({len(found)} found): every audience's rule {whole_ms:.1f} ms,"
            f" the caller's {cut_ms:.1f} ms, {whole_ms / cut_ms:.1f}x"
        )
    await engine.aclose()
    return lines


async def run(size: str, repeats: int, reuse: Path | None) -> str:
    """Load (or reuse) a county and report both rules for each viewer."""
    async with county_store(size, reuse) as loaded:
        lines = await measure(loaded.store, loaded.socket_path, repeats)
    return "\n".join([f"searchChildren, median of {repeats}; {lines[0]}", *lines[1:]])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="small", choices=sorted(county.SIZES))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--reuse", type=Path, help="a data directory from bench.county_load")
    args = parser.parse_args(argv)
    print(asyncio.run(run(args.size, args.repeats, args.reuse)))


if __name__ == "__main__":
    main()
