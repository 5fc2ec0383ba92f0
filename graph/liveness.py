"""Whether the engine answers at all: a hung engine told apart from a slow statement.

A request that runs past its deadline is either asking too much (the engine is working on
it) or waiting on an engine that answers nothing (stopped, wedged, a network path lost):
the first is the caller's to narrow, the second an outage to wait out. The engine's own
ping says which: FalkorDB answers it on its main thread while statements run on worker
threads, Neo4j's driver checks a connection of its own.
"""

from __future__ import annotations

import asyncio
import weakref
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


# The ping in flight for each store. Every request reaching its deadline on a hung engine
# asks at once (a pool's worth, and the requests queued behind it): each opened a
# connection of its own to the engine that answers none, which the server then had to
# take in, hundreds at a time, when resumed. They share one ping now.
_in_flight: weakref.WeakKeyDictionary[object, asyncio.Task[bool]] = weakref.WeakKeyDictionary()


async def engine_answers(store: GraphStore, within: float = PING_SECONDS) -> bool:
    """Whether `store`'s engine answers a ping within `within` seconds (callers asking at
    the same time share one ping); a store that cannot be pinged (a test's wrapper) is
    taken to answer, as before this check."""
    if not isinstance(store, _Pinged):
        return True
    ping = _in_flight.get(store)
    if ping is None or ping.done() or ping.get_loop() is not asyncio.get_running_loop():
        ping = asyncio.ensure_future(store.answers(within))
        _in_flight[store] = ping
    # One caller cancelled (its client gone) does not cancel the others' ping.
    return await asyncio.shield(ping)
