"""Whether the engine answers at all: a hung engine told apart from a slow statement.

A request that runs past its deadline is either asking too much (the engine is working on
it) or waiting on an engine that answers nothing (stopped, wedged, a network path lost):
the first is the caller's to narrow, the second an outage to wait out. The engine's own
ping says which: FalkorDB answers it on its main thread while statements run on worker
threads, Neo4j's driver checks a connection of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Protocol, runtime_checkable

if TYPE_CHECKING:
    from graph.store import GraphStore

# Long enough for an engine busy on every core to answer (the supervisor's pings, each
# waiting 2 s, measured every answer within 0.8 s during a long read), short enough to add
# little to an answer already at its deadline.
PING_SECONDS: Final = 2.0


@runtime_checkable
class _Pinged(Protocol):
    async def answers(self, within: float) -> bool: ...


async def engine_answers(store: GraphStore, within: float = PING_SECONDS) -> bool:
    """Whether `store`'s engine answers a ping within `within` seconds; a store that cannot
    be pinged (a test's wrapper) is taken to answer, as before this check."""
    if not isinstance(store, _Pinged):
        return True
    return await store.answers(within)
