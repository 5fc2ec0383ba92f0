"""The case view against its floor, round trips per request, and the statements before/after.

Three measurements on one loaded county, each against something measured in the same run:

1. The internal case view (child, address, household and members, relationships,
   allocated worker, contacts, episodes of need with their processes' due dates, the 20
   newest notes with authors, the Livelink file with its documents), run in process through
   the real schema with the read audit, as the allocated social worker. Its floor is
   issue 14's: the engine's own time for exactly the statements that request ran
   (recorded, then run again directly, in the same concurrent waves, the audit write
   included) plus the same request executed again on what the engine answered, from
   memory (`bench.recording.interleaved`); what is left over is the cost of going to
   the engine (client, pool, waits). p50/p95 and their ratios, and the ratio against
   the engine alone.
2. Engine round trips per case view for a child with 1, 10, 100 and 1,000 case notes:
   they must not grow with the list.
3. The statements issue 14 rewrote, old text against new on the same county and the
   same keys (case notes of a child, the CP-IS look-up): medians and the speed-up.

    python -m bench.case_view --size large [--iterations 200]
    python -m bench.case_view --reuse var/bench-county   # a county from bench.county_load
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.case_view_query import CASE_VIEW, CASE_VIEW_EVERY_NOTE, SOCIAL_WORKER, caseload
from bench.county_store import county_store
from bench.hub_request import request
from bench.recording import RecordingStore, against_floor, interleaved
from demo import county
from graph import FalkorDBStore
from graph.cypher import notes, partners
from graph.cypher.access import AccessScope
from workflow.calendar import today_in_england

if TYPE_CHECKING:
    from auth.principal import Principal
    from graph import GraphStore

# The statements as they were before issue 14 (main at 08dfc12), for the before/after.
NOTES_OF_BEFORE = f"""
UNWIND $ids AS childId
MATCH (c:Child {{id: childId}})<-[:ABOUT]-(n:CaseNote)
WHERE coalesce(n.current, true) = true
OPTIONAL MATCH (n)-[:WRITTEN_BY]->(w:Worker)
RETURN childId, {notes.NOTE_FIELDS} AS note, w.name AS author
ORDER BY n.occurredAt DESC, n.recordedAt DESC
"""
CPIS_BEFORE = partners.CPIS_BY_NHS_NUMBER.replace(
    "OPTIONAL MATCH (direct:Person {nhsNumber: $identifiedBy})\nWHERE direct:Child\n",
    "OPTIONAL MATCH (direct:Child {nhsNumber: $identifiedBy})\n",
)

NOTE_COUNTS = (1, 10, 100, 1000)


async def case_view(
    store: GraphStore, principal: Principal, child_id: str, query: str = CASE_VIEW
) -> dict[str, Any]:
    """One case view as the app serves it: the worker record, then the audited query."""
    data = await request(store, principal, query, {"id": child_id})
    if not data["child"]:
        raise SystemExit(f"the case view of {child_id} found no child")
    return data


async def measure_case_view(
    store: FalkorDBStore, child_ids: list[str], iterations: int
) -> dict[str, float]:
    """p50/p95 of the case view and of its floor, interleaved request by request."""

    async def ask(store: GraphStore, number: int) -> dict[str, Any]:
        return await case_view(store, SOCIAL_WORKER, child_ids[number % len(child_ids)])

    return await interleaved(store, ask, iterations)


async def round_trips(store: FalkorDBStore, child_id: str) -> dict[int, int]:
    """Engine statements per case view as the child's notes grow from 1 to 1,000.

    The notes it adds are removed afterwards (and before, after an interrupted run), so
    a county can be measured again with `--reuse`.
    """
    now = int(time.time() * 1000)
    note_ids = [f"bench-trip-{child_id}-{number}" for number in range(max(NOTE_COUNTS))]
    await store.write(_REMOVE_NOTES, {"ids": note_ids})
    try:
        return await _count_trips(store, child_id, now)
    finally:
        await store.write(_REMOVE_NOTES, {"ids": note_ids})


_REMOVE_NOTES = "UNWIND $ids AS id MATCH (n:CaseNote {id: id}) DETACH DELETE n"


async def _count_trips(store: FalkorDBStore, child_id: str, now: int) -> dict[int, int]:
    trips = {}
    written = 0
    for count in NOTE_COUNTS:
        rows = [
            {
                "id": f"bench-trip-{child_id}-{number}",
                "childId": child_id,
                "workerId": SOCIAL_WORKER.subject,
                "type": "VISIT",
                "text": "Home visit.",
                "occurredAt": now - number * 60_000,
                "recordedAt": now,
            }
            for number in range(written, count)
        ]
        for start in range(0, len(rows), county.BATCH):
            await store.write(notes.LOAD_CASE_NOTES, {"rows": rows[start : start + county.BATCH]})
        written = count
        recording = RecordingStore(store)
        data = await case_view(recording, SOCIAL_WORKER, child_id, CASE_VIEW_EVERY_NOTE)
        if len(data["child"]["caseNotes"]) < count:
            raise SystemExit("the case view did not return every note it was given")
        trips[count] = len(recording.calls)
    return trips


async def _median_ms(store: FalkorDBStore, statement: str, params: list[dict[str, Any]]) -> float:
    timings = []
    for each in params:
        started = time.perf_counter()
        await store.read(statement, each)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000


async def before_after(
    store: FalkorDBStore, child_ids: list[str], nhs_numbers: list[str], repeats: int
) -> dict[str, tuple[float, float]]:
    """Median ms of each rewritten statement, before and after, on the same keys."""
    # Every note (`latest` null), as the statement before it read them.
    notes_params = [
        {"ids": [child_ids[n % len(child_ids)]], "latest": None, "viewer": "bench"}
        for n in range(repeats)
    ]
    since = today_in_england() - timedelta(days=365)
    cpis_params = [
        {
            **AccessScope(
                viewer="cpis",
                team=None,
                view_all=False,
                now_ms=int(time.time() * 1000),
                audience="health",
                identified_by=nhs_numbers[n % len(nhs_numbers)],
            ).params(),
            "since": since.isoformat(),
        }
        for n in range(repeats)
    ]
    # Both texts must answer the same before their times mean anything.
    for (old_text, new_text), params in (
        ((NOTES_OF_BEFORE, notes.NOTES_OF), notes_params[:5]),
        ((CPIS_BEFORE, partners.CPIS_BY_NHS_NUMBER), cpis_params[:5]),
    ):
        for each in params:
            if await store.read(old_text, each) != await store.read(new_text, each):
                raise SystemExit("a rewritten statement answers differently from the old one")
    return {
        "case notes of a child (NOTES_OF)": (
            await _median_ms(store, NOTES_OF_BEFORE, notes_params),
            await _median_ms(store, notes.NOTES_OF, notes_params),
        ),
        "CP-IS look-up by NHS number": (
            await _median_ms(store, CPIS_BEFORE, cpis_params),
            await _median_ms(store, partners.CPIS_BY_NHS_NUMBER, cpis_params),
        ),
    }


async def run(size: str, iterations: int, reuse: Path | None) -> str:
    """Load (or reuse) a county, run the three measurements, return the report."""
    async with county_store(size, reuse, with_notes=True) as loaded:
        store = loaded.store
        child_ids = await caseload(store)
        people = await store.read(
            # Children with a number: the looked-after cohort bench.returns adds has none,
            # and a look-up is always by a number (the schema refuses one without).
            "MATCH (c:Child) WHERE c.nhsNumber IS NOT NULL"
            " RETURN c.nhsNumber AS nhs ORDER BY c.id LIMIT 50"
        )
        nhs_numbers = [row["nhs"] for row in people] + ["0000000000"]
        view = await measure_case_view(store, child_ids, iterations)
        statements = await before_after(store, child_ids, nhs_numbers, max(iterations, 20))
        trips = await round_trips(store, child_ids[0])
        counts = await store.read("MATCH (c:Child) RETURN count(c) AS n")
    lines = [
        f"county: {counts[0]['n']:,} children; case view of the demo social worker's "
        f"{len(child_ids)} children, {iterations} requests",
        f"case view in process: {against_floor(view)} (goal p95 <= 1.5)",
        "engine round trips per case view with 1/10/100/1000 notes: "
        + "/".join(str(trips[count]) for count in NOTE_COUNTS)
        + (" (flat)" if len(set(trips.values())) == 1 else " (GROWS)"),
    ]
    for name, (before, after) in statements.items():
        lines.append(
            f"{name}: before {before:.2f} ms, after {after:.2f} ms, {before / after:.1f}x faster"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="medium", choices=sorted(county.SIZES))
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--reuse", type=Path, help="a data directory from bench.county_load")
    args = parser.parse_args(argv)
    print(asyncio.run(run(args.size, args.iterations, args.reuse)))


if __name__ == "__main__":
    main()
