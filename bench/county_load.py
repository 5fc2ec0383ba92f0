"""Load a county through the bulk path and report what it cost, then how long a start takes.

Generates the county for a seed (`--size county` is ~300,000 children), loads it into
an embedded engine with a progress bar, adds in bulk a year of case notes for every
allocated child and the documents the old system filed in each child's Livelink file,
files in Livelink (an embedded content store beside the graph) what the load queued,
rewrites the engine's append-only file, and starts the engine again on the files as
the hub would. Prints the time of each phase, the peak memory of this
process and of the engine, and the sizes of the graph.

    python -m bench.county_load --size county --seed 42 --data-dir var/bench-county

Keep `--data-dir` to run the other benchmarks on the loaded county afterwards
(`--reuse` there); without it the files go to a temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from connectors.livelink.embedded_store import EmbeddedContentStore
from demo import county
from graph import EmbeddedEngine, FalkorDBStore

GRAPH = "bench"


def engine_peak_mib(engine: EmbeddedEngine) -> float:
    """The engine process's peak resident memory (VmHWM), in MiB."""
    if engine.server_pid is None:
        return 0.0
    for line in Path(f"/proc/{engine.server_pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def own_peak_mib() -> float:
    """This process's peak resident memory, in MiB (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _counts(store: FalkorDBStore) -> dict[str, int]:
    counts = {}
    for label in ("Child", "Person", "CaseNote", "Contact", "File", "Document", "OutboxItem"):
        rows = await store.read(f"MATCH (n:`{label}`) RETURN count(n) AS n")
        counts[label] = int(rows[0]["n"])
    return counts


async def load(
    data_dir: Path,
    size: str,
    seed: int,
    notes_per_child: int,
    *,
    documents_per_file: int = 6,
    show_progress: bool = True,
    file: bool = True,
) -> dict[str, Any]:
    """Generate and load the county into `data_dir`; return the figures."""
    figures: dict[str, Any] = {"size": size, "seed": seed}
    started = time.perf_counter()
    world = county.generate(size, seed=seed)
    figures["generate_s"] = time.perf_counter() - started
    engine = EmbeddedEngine(data_dir, appendfsync="everysec")
    store = FalkorDBStore(engine.start(), GRAPH)
    try:
        await store.apply_schema()
        started = time.perf_counter()
        await county.load(store, world, show_progress=show_progress)
        figures["load_s"] = time.perf_counter() - started
        started = time.perf_counter()
        rows = county.case_note_rows(world, seed, notes_per_child)
        figures["notes"] = await county.load_case_notes(store, rows, show_progress=show_progress)
        figures["notes_s"] = time.perf_counter() - started
        # The files exist once the contacts are finalised (their OPEN_FILE items may
        # still wait for the filing below, or for the hub with --skip-filing).
        started = time.perf_counter()
        documents = county.document_rows(world, seed, documents_per_file)
        figures["documents"] = await county.load_documents(
            store, documents, show_progress=show_progress
        )
        figures["documents_s"] = time.perf_counter() - started
        started = time.perf_counter()
        figures["filed"] = 0
        if file:
            content = await EmbeddedContentStore.open(data_dir / "content")
            try:
                figures["filed"] = await county.file_in_livelink(
                    store, content, show_progress=show_progress
                )
            finally:
                await content.aclose()
        figures["filing_s"] = time.perf_counter() - started
        started = time.perf_counter()
        engine.compact()
        figures["rewrite_s"] = time.perf_counter() - started
        figures["counts"] = await _counts(store)
        figures["engine_peak_mib"] = engine_peak_mib(engine)
    finally:
        await store.close()
        engine.stop()
    started = time.perf_counter()
    reopened = EmbeddedEngine(data_dir, appendfsync="everysec")
    reopened.start()
    figures["start_s"] = time.perf_counter() - started
    reopened.stop()
    figures["own_peak_mib"] = own_peak_mib()
    return figures


def report(figures: dict[str, Any]) -> str:
    """The figures as the lines the README quotes."""
    counts = ", ".join(f"{count:,} {label}" for label, count in figures["counts"].items())
    return "\n".join(
        [
            f"county {figures['size']} (seed {figures['seed']}): {counts}",
            f"generate {figures['generate_s']:.1f} s; load {figures['load_s']:.1f} s; "
            f"{figures['notes']:,} case notes {figures['notes_s']:.1f} s; "
            f"{figures['documents']:,} documents {figures['documents_s']:.1f} s; "
            f"{figures['filed']:,} Livelink files filed {figures['filing_s']:.1f} s; "
            f"file rewrite {figures['rewrite_s']:.1f} s",
            f"engine start on the loaded files {figures['start_s']:.1f} s",
            f"peak memory: loader {figures['own_peak_mib']:.0f} MiB, "
            f"engine {figures['engine_peak_mib']:.0f} MiB",
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="county", choices=sorted(county.SIZES))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--notes-per-child", type=int, default=12)
    parser.add_argument(
        "--documents-per-file",
        type=int,
        default=6,
        help="documents the old system filed in each Livelink file, on average",
    )
    parser.add_argument("--data-dir", type=Path, help="keep the engine's files here")
    parser.add_argument(
        "--skip-filing", action="store_true", help="leave the Livelink outbox to the hub"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        figures = asyncio.run(
            load(
                args.data_dir or Path(directory),
                args.size,
                args.seed,
                args.notes_per_child,
                documents_per_file=args.documents_per_file,
                file=not args.skip_filing,
            )
        )
    print(report(figures))


if __name__ == "__main__":
    main()
