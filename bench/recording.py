"""A store that passes every statement on and remembers it: what a benchmark's floor replays."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
