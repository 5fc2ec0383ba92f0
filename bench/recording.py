"""A store that passes every statement on and remembers it: what a benchmark's floor replays."""

from __future__ import annotations

import asyncio
import json
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
    # The rows themselves, for a floor that answers from memory (AnsweringStore).
    answer: list[Row] = field(default_factory=list)


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
        call.answer = rows
        return rows

    async def apply_schema(self) -> None:
        await self.inner.apply_schema()

    async def close(self) -> None:
        """The inner store is closed by its owner."""


@dataclass
class AnsweringStore:
    """A store that answers each statement with the rows a recording got, without I/O.

    Running a request through it times the request's own execution (GraphQL, policy,
    loaders, the audit noting) with nothing waiting on the engine: the second half of
    issue 14's floor. A statement is answered by its text and parameters, or, where
    those hold fresh values (the audit's ids and times), by its text in recorded order.
    """

    calls: list[Call]
    engine: str = "falkordb"
    rows: dict[tuple[str, str], list[Row]] = field(default_factory=dict)
    by_text: dict[str, list[list[Row]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for call in self.calls:
            self.rows[_key(call.statement, call.params)] = call.answer
            self.by_text.setdefault(call.statement, []).append(call.answer)

    async def read(self, statement: str, params: Params | None = None) -> list[Row]:
        return self._answer(statement, params)

    async def write(self, statement: str, params: Params | None = None) -> list[Row]:
        return self._answer(statement, params)

    def _answer(self, statement: str, params: Params | None) -> list[Row]:
        found = self.rows.get(_key(statement, params))
        if found is not None:
            return found
        answers = self.by_text.get(statement)
        if not answers:
            raise SystemExit("the request ran a statement its recording did not")
        return answers.pop(0) if len(answers) > 1 else answers[0]

    async def apply_schema(self) -> None:
        """Nothing to apply: no engine behind it."""

    async def close(self) -> None:
        """Nothing to close."""


def _key(statement: str, params: Params | None) -> tuple[str, str]:
    # `now` is the clock at the request: the same statement an instant later.
    stable = {name: value for name, value in (params or {}).items() if name != "now"}
    return statement, json.dumps(stable, sort_keys=True, default=str)


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
    timed twice more: its statements replayed straight on the engine, wave by wave (the
    engine's own time), and the request run again on an `AnsweringStore` holding what
    the engine answered (the execution without I/O). The floor of a request is the sum
    (issue 14: "the engine's own time for the same statements + strawberry's cached
    execution without I/O"); what the request takes beyond it is the cost of going to
    the engine: the client, the pool, the waits. Interleaved, so drift on a noisy
    machine hits all three alike. Also the engine-only ratios, and how many statements
    the last request ran.
    """
    hub: list[float] = []
    engine: list[float] = []
    execution: list[float] = []
    recording = RecordingStore(store)
    for number in range(iterations):
        recording = RecordingStore(store)
        started = time.perf_counter()
        await ask(recording, number)
        hub.append(time.perf_counter() - started)
        started = time.perf_counter()
        await replay(store, recording.calls)
        engine.append(time.perf_counter() - started)
        answering = AnsweringStore(recording.calls)
        started = time.perf_counter()
        await ask(answering, number)
        execution.append(time.perf_counter() - started)
    floor = [spent + executed for spent, executed in zip(engine, execution, strict=True)]
    figures = {
        "p50": percentile(hub, 0.5),
        "p95": percentile(hub, 0.95),
        "floor_p50": percentile(floor, 0.5),
        "floor_p95": percentile(floor, 0.95),
        "engine_p50": percentile(engine, 0.5),
        "engine_p95": percentile(engine, 0.95),
        "execution_p50": percentile(execution, 0.5),
        "execution_p95": percentile(execution, 0.95),
        "statements": len(recording.calls),
    }
    figures["p50_ratio"] = figures["p50"] / figures["floor_p50"]
    figures["p95_ratio"] = figures["p95"] / figures["floor_p95"]
    figures["engine_p95_ratio"] = figures["p95"] / figures["engine_p95"]
    return figures


def against_floor(figures: dict[str, float]) -> str:
    """`interleaved`'s figures as one report line."""
    return (
        f"p50 {figures['p50']:.1f} ms, p95 {figures['p95']:.1f} ms; floor p50"
        f" {figures['floor_p50']:.1f} ms, p95 {figures['floor_p95']:.1f} ms (the engine running"
        f" the same {figures['statements']:.0f} statements p50/p95 {figures['engine_p50']:.1f}/"
        f"{figures['engine_p95']:.1f} ms, plus the same request answered from memory"
        f" {figures['execution_p50']:.1f}/{figures['execution_p95']:.1f} ms); ratio p50"
        f" {figures['p50_ratio']:.2f}, p95 {figures['p95_ratio']:.2f} (against the engine"
        f" alone p95 {figures['engine_p95_ratio']:.2f})"
    )
