"""Whether the engine takes writes now: readiness and metrics ask before saying "ready".

An engine past its memory (`OOM`), one that cannot write its files (`MISCONF`) or a
replica (`READONLY`) still answers every read, so a read alone said "ready" while each
mutation was refused. The probe is sent as a write that writes nothing: the engine refuses
it by the command's kind before running it, so it is refused exactly when a real write is,
and it changes no data and adds nothing to the engine's files. A store whose engine
refuses by the write itself, not by the command (Neo4j: a follower, a read-only
database), probes in its own way (`probe_write`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

from graph.cypher.housekeeping import WRITE_PROBE
from graph.errors import EngineRefusing

if TYPE_CHECKING:
    from graph.store import GraphStore


@runtime_checkable
class _ProbesWrites(Protocol):
    async def probe_write(self) -> None: ...


async def write_refusal(store: GraphStore) -> str | None:
    """The engine's code for refusing writes now (`OOM`, `READONLY`, Neo4j's
    `Neo.ClientError.Cluster.NotALeader`, ...), or None when it takes them.

    Raises:
        GraphError: the engine cannot be reached, or failed otherwise (not ready either).
    """
    try:
        if isinstance(store, _ProbesWrites):
            await store.probe_write()
        else:
            await store.write(WRITE_PROBE)
    except EngineRefusing as refusal:
        return refusal.reason
    return None
