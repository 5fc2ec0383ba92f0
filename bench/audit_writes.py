"""The read audit under concurrent load: group commit against one write per request.

Each of `--clients` callers audits `--requests` case views one after another (a case view
reveals one child: one row), through `record_access` as the schema calls it. Measured
twice in the same run, interleaved: as the hub runs (a request finding an audit write in
flight queues behind it, auth/audit.py), and the floor, the same rows with the same
statement written one statement per request (each request on its own store handle, so
none shares a write). The engine fsyncs as the hub's default does (`--appendfsync
always`): there every write also waits for the disk, which a shared write pays once.

    python -m bench.audit_writes [--clients 1,8,32,64] [--requests 100] [--appendfsync always]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from auth.audit import record_access
from bench.hub_request import staff
from demo import county
from graph import EmbeddedEngine, FalkorDBStore, GraphStore

if TYPE_CHECKING:
    from graph.store import Params, Row


@dataclass(eq=False)
class Counted:
    """A handle on the store that counts the writes through it (one per handle: a
    request writing through its own handle shares no write with another)."""

    inner: GraphStore
    writes: int = 0
    engine: str = "falkordb"

    async def read(self, statement: str, params: Params | None = None) -> list[Row]:
        return await self.inner.read(statement, params)

    async def write(self, statement: str, params: Params | None = None) -> list[Row]:
        self.writes += 1
        return await self.inner.write(statement, params)

    async def apply_schema(self) -> None:
        await self.inner.apply_schema()

    async def close(self) -> None:
        """The inner store is closed by its owner."""


async def audits_per_second(
    store: GraphStore, children: list[str], clients: int, requests: int, *, shared: bool
) -> tuple[float, int]:
    """Audits a second from `clients` concurrent callers, and the statements written."""
    principal = staff("worker-bench", "social_worker", None)
    handles: list[Counted] = []

    async def client(number: int) -> None:
        for request in range(requests):
            handle = shared_handle if shared else Counted(store)
            if not shared:
                handles.append(handle)
            child = children[(number * requests + request) % len(children)]
            await record_access(handle, principal, "CaseView", {child: {"id", "givenName"}})

    shared_handle = Counted(store)
    handles.append(shared_handle)
    started = time.perf_counter()
    await asyncio.gather(*(client(number) for number in range(clients)))
    elapsed = time.perf_counter() - started
    return clients * requests / elapsed, sum(handle.writes for handle in handles)


async def run(clients: list[int], requests: int, appendfsync: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        engine = EmbeddedEngine(Path(scratch), appendfsync=appendfsync)
        store = FalkorDBStore(engine.start(), "bench-audit")
        try:
            await store.apply_schema()
            world = county.generate("tiny", today=date(2026, 11, 2))
            await county.load(store, world, show_progress=False)
            children = [child["id"] for child in world.children]
            # Warm the statement's plan on both paths before timing.
            await audits_per_second(store, children, 2, 5, shared=False)
            await audits_per_second(store, children, 2, 5, shared=True)
            print(
                f"read audit, {requests} requests per client, appendfsync {appendfsync}\n"
                "clients  floor audits/s  statements  group audits/s  statements  ratio"
            )
            for count in clients:
                floor, floor_writes = await audits_per_second(
                    store, children, count, requests, shared=False
                )
                group, group_writes = await audits_per_second(
                    store, children, count, requests, shared=True
                )
                print(
                    f"{count:7d}  {floor:14.0f}  {floor_writes:10d}  {group:14.0f}"
                    f"  {group_writes:10d}  {group / floor:5.2f}"
                )
        finally:
            await store.close()
            engine.stop()


def _counts(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=_counts, default=[1, 8, 32, 64], help="e.g. 1,8,32")
    parser.add_argument("--requests", type=int, default=100, help="per client")
    parser.add_argument("--appendfsync", choices=["always", "everysec"], default="always")
    arguments = parser.parse_args()
    asyncio.run(run(arguments.clients, arguments.requests, arguments.appendfsync))


if __name__ == "__main__":
    main()
