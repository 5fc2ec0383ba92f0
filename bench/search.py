"""Searching children by name at county scale: the old full scan against the indexed key.

On a loaded county it first writes the family name key of every child that lacks one
(`graph.backfill_name_keys`, what a store written before the key needs once), timed. Then
for each term (one letter, three letters, a whole family name, an NHS number, a name
nobody has) both statements run for a worker who may read every record and for a social
worker with a caseload: their answers are compared (the county's names are plain ASCII,
where the two must agree exactly) before their medians are measured.

    python -m bench.search --reuse DIR [--repeats 20]
    python -m bench.search --size small
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from pathlib import Path
from typing import Any

from bench.county_store import county_store
from demo import county, personas
from graph import FalkorDBStore, backfill_name_keys, search_terms
from graph.cypher import children as statements
from graph.cypher.access import AccessScope, only_visible
from resolvers.children import SEARCH_LIMIT

# The statement as it was before the key (main at fce9d1a): a scan of every child.
SEARCH_BEFORE = f"""
MATCH (c:Child)
WHERE toLower(c.familyName) STARTS WITH $prefix OR c.nhsNumber = $exact OR c.upn = $exact
{only_visible("c")}
RETURN {statements.CHILD_FIELDS} AS child
ORDER BY c.familyName, c.givenName, c.id
LIMIT $limit
"""

VIEWERS = {
    "records officer (every record)": AccessScope(
        viewer="records", team=None, view_all=True, now_ms=0
    ),
    "social worker (a caseload)": AccessScope(
        viewer="worker-sw-demo", team=personas.SAFEGUARDING_TEAM, view_all=False, now_ms=0
    ),
}


def _params(scope: AccessScope, term: str, *, before: bool) -> dict[str, Any]:
    cleaned = term.strip()
    name = {"prefix": cleaned.lower()} if before else search_terms(cleaned)
    exact = cleaned.replace(" ", "").upper()
    return {**scope.params(), **name, "exact": exact, "limit": SEARCH_LIMIT}


async def _median_ms(store: FalkorDBStore, statement: str, params: dict[str, Any], n: int) -> float:
    timings = []
    for _ in range(n):
        started = time.perf_counter()
        await store.read(statement, params)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000


async def _terms(store: FalkorDBStore) -> dict[str, str]:
    sample = await store.read(
        "MATCH (c:Child) WHERE c.familyName IS NOT NULL AND c.nhsNumber IS NOT NULL"
        " RETURN c.familyName AS name, c.nhsNumber AS nhs LIMIT 1"
    )
    name, nhs = sample[0]["name"], sample[0]["nhs"]
    return {
        "one letter": name[:1],
        "three letters": name[:3].lower(),
        "a family name": name,
        "an NHS number": nhs,
        "a name nobody has": "Zzyzx",
    }


async def measure(store: FalkorDBStore, repeats: int) -> tuple[float, int, list[str]]:
    """Backfill the keys, then time both statements for each viewer and term."""
    started = time.perf_counter()
    keyed = await backfill_name_keys(store)
    backfill_s = time.perf_counter() - started
    lines = []
    terms = await _terms(store)
    for viewer, scope in VIEWERS.items():
        for label, term in terms.items():
            before = _params(scope, term, before=True)
            after = _params(scope, term, before=False)
            old = await store.read(SEARCH_BEFORE, before)
            new = await store.read(statements.SEARCH_CHILDREN, after)
            if old != new:
                raise SystemExit(f"the indexed search answers {label} differently")
            old_ms = await _median_ms(store, SEARCH_BEFORE, before, repeats)
            new_ms = await _median_ms(store, statements.SEARCH_CHILDREN, after, repeats)
            lines.append(
                f"{viewer}, {label} ({len(new)} found): before {old_ms:.1f} ms,"
                f" after {new_ms:.2f} ms, {old_ms / new_ms:.1f}x"
            )
    return backfill_s, keyed, lines


async def run(size: str, repeats: int, reuse: Path | None) -> str:
    """Load (or reuse) a county and report the backfill and the before/after."""
    async with county_store(size, reuse) as loaded:
        backfill_s, keyed, lines = await measure(loaded.store, repeats)
        counted = await loaded.store.read("MATCH (c:Child) RETURN count(c) AS n")
    head = (
        f"search on a county of {counted[0]['n']:,} children; name keys written now:"
        f" {keyed:,} in {backfill_s:.1f} s; median of {repeats}"
    )
    return "\n".join([head, *lines])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="small", choices=sorted(county.SIZES))
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--reuse", type=Path, help="a data directory from bench.county_load")
    args = parser.parse_args(argv)
    print(asyncio.run(run(args.size, args.repeats, args.reuse)))


if __name__ == "__main__":
    main()
