"""A store that passes every statement on and remembers it: what a benchmark's floor replays."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from graph import GraphStore
    from graph.store import Params, Row


@dataclass
class Call:
    statement: str
    params: dict[str, Any]
    write: bool
    wave: int
    # How many rows the engine answered (-1 until it has), so a floor can show it read
    # the same rows as what it measures.
    rows: int = -1


@dataclass
class RecordingStore:
    """A store that passes every statement on and remembers it, in concurrent waves.

    A wave is the statements in flight together (one level of DataLoader batches); a new
    wave begins when a statement starts while none is running.
    """

    inner: GraphStore
    calls: list[Call] = field(default_factory=list)
    engine: str = "falkordb"
    _running: int = 0
    _wave: int = -1

    async def read(self, statement: str, params: Params | None = None) -> list[Row]:
        return await self._run(statement, params, write=False)

    async def write(self, statement: str, params: Params | None = None) -> list[Row]:
        return await self._run(statement, params, write=True)

    async def _run(self, statement: str, params: Params | None, *, write: bool) -> list[Row]:
        if self._running == 0:
            self._wave += 1
        call = Call(statement, dict(params or {}), write, self._wave)
        self.calls.append(call)
        self._running += 1
        try:
            rows = await (self.inner.write if write else self.inner.read)(statement, params)
        finally:
            self._running -= 1
        call.rows = len(rows)
        return rows

    async def apply_schema(self) -> None:
        await self.inner.apply_schema()

    async def close(self) -> None:
        """The inner store is closed by its owner."""


async def replay(store: GraphStore, calls: list[Call]) -> None:
    """The floor: the same statements with the same parameters, wave by wave."""
    for wave in sorted({call.wave for call in calls}):
        await asyncio.gather(
            *(
                (store.write if call.write else store.read)(call.statement, call.params)
                for call in calls
                if call.wave == wave
            )
        )


def percentile(timings: list[float], fraction: float) -> float:
    """The `fraction` percentile of timings in seconds, in milliseconds."""
    ordered = sorted(timings)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


async def interleaved(
    store: GraphStore,
    ask: Callable[[GraphStore, int], Awaitable[Any]],
    iterations: int,
) -> dict[str, float]:
    """p50/p95 of a request and of its floor, interleaved request by request.

    `ask(store, number)` makes request `number` through `store`; each is recorded, then
    its statements are replayed straight on the engine (the floor), so drift on a noisy
    machine hits both alike. Also the ratios, and how many statements the last one ran.
    """
    hub: list[float] = []
    floor: list[float] = []
    recording = RecordingStore(store)
    for number in range(iterations):
        recording = RecordingStore(store)
        started = time.perf_counter()
        await ask(recording, number)
        hub.append(time.perf_counter() - started)
        started = time.perf_counter()
        await replay(store, recording.calls)
        floor.append(time.perf_counter() - started)
    figures = {
        "p50": percentile(hub, 0.5),
        "p95": percentile(hub, 0.95),
        "floor_p50": percentile(floor, 0.5),
        "floor_p95": percentile(floor, 0.95),
        "statements": len(recording.calls),
    }
    figures["p50_ratio"] = figures["p50"] / figures["floor_p50"]
    figures["p95_ratio"] = figures["p95"] / figures["floor_p95"]
    return figures
