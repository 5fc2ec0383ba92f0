"""The supervisor drops the store's connections while the engine is down, not after.

The hub's end-to-end test (tests/hub/test_engine_recovery.py) failed on CI now and
then: a write was answered by the restarted engine, then `/readyz` answered 503 with
"Connection closed by server". The supervisor closed every pooled connection after the
new server answered its probe, under statements already using the new server.
"""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

from graph import EmbeddedEngine, EngineSupervisor, FalkorDBStore
from graph.embedded import _state


def test_connections_are_dropped_while_no_server_answers_and_never_after(tmp_path: Path) -> None:
    engine = EmbeddedEngine(tmp_path, appendfsync="always")
    socket_path = engine.start()
    killed = engine.server_pid
    assert killed is not None
    # What the engine looked like each time the store was told to drop its connections.
    seen_at_drop: list[tuple[int | None, str]] = []

    async def outage() -> int:
        store = FalkorDBStore(socket_path, "supervised")
        await store.write("CREATE (:Probe)")

        async def drop_connections() -> None:
            seen_at_drop.append((engine.server_pid, _state(socket_path)))
            await store.drop_connections()

        supervisor = EngineSupervisor(engine, drop_connections, check_every=0.02)
        supervisor.start()
        try:
            os.kill(killed, signal.SIGKILL)
            # Bounded: 30 s at most.
            for _ in range(1500):
                if supervisor.restarts:
                    break
                await asyncio.sleep(0.02)
            rows = await store.read("MATCH (n:Probe) RETURN count(n) AS n")
            return int(rows[0]["n"])
        finally:
            await supervisor.stop()
            await store.close()

    try:
        assert asyncio.run(outage()) == 1
    finally:
        engine.stop()
    # Before the first attempt, the killed server still the one on record; again before
    # any retried attempt; every time while nothing answers on the socket.
    assert seen_at_drop[0] == (killed, "down")
    assert all(state == "down" for _, state in seen_at_drop)
