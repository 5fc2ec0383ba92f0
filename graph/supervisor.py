"""Keeps the embedded engine running: a dead server is restarted in process.

After `kill -9` of the engine every request failed until the hub itself was restarted.
The supervisor notices the server has exited within `check_every` seconds, starts a new
one on the same files (the append-only file brings back every acknowledged write) with
back-off between failed attempts, capped so it keeps trying for as long as it takes.
Before each attempt the store drops its connections to the dead server, so that none
is left to fail a statement once the new one answers. Meanwhile requests answer 503
with `Retry-After` and `/readyz` says not ready; afterwards they recover by themselves.

A server that is alive but no longer answers (stopped with SIGSTOP, or wedged) is
restarted the same way: the supervisor pings it every `ping_every` seconds (each ping
waits at most `PING_TIMEOUT_S`), and once no ping has been answered for `hung_after`
seconds it kills the server (SIGKILL) and starts a new one. A server busy with a long
statement still answers pings (statements run on the engine's threads, the ping on its
main thread), and one recovering its files answers LOADING, so neither is killed. The
main thread itself was measured to pause 12.6 s while the engine took in a finished
`GRAPH.COPY` on the 300,000-child county: the default threshold is well above that.

In a process attached to another's server (a hub started while `lcs-hub demo` or
`import` held the engine), it watches for that server to be gone and then takes the
engine over: the first to take the lock starts the next server, the others stay attached.

It also keeps the next start short: every `rewrite_every` seconds it has the engine
rewrite its append-only file once the tail of statements (mostly audit writes) has
grown past the engine's threshold, so a day of use does not make the restart slower.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Final

from graph.embedded import EmbeddedEngine

log = logging.getLogger("lcs_hub.graph")

_FIRST_BACKOFF_S: Final = 0.5
_MAX_BACKOFF_S: Final = 30.0
# How long the server may go without answering a ping before it is killed and restarted
# (LCS_HUB_GRAPH_HUNG_AFTER_SECONDS).
HUNG_AFTER_S: Final = 60.0
PING_EVERY_S: Final = 1.0
PING_TIMEOUT_S: Final = 2.0


class EngineSupervisor:
    """Watches an embedded engine from the event loop: restarts an owned one that dies or
    hangs, and takes over one owned by another process that stopped it."""

    def __init__(
        self,
        engine: EmbeddedEngine,
        drop_connections: Callable[[], Awaitable[None]],
        *,
        check_every: float = 0.25,
        rewrite_every: float = 60.0,
        ping_every: float = PING_EVERY_S,
        hung_after: float = HUNG_AFTER_S,
    ) -> None:
        self._engine = engine
        self._drop_connections = drop_connections
        self._check_every = check_every
        self._rewrite_every = rewrite_every
        self._ping_every = ping_every
        self._hung_after = hung_after
        self._task: asyncio.Task[None] | None = None
        self.restarts = 0
        # Servers killed because they stopped answering (each then restarted).
        self.hangs = 0

    def start(self) -> None:
        """Start watching (in the running event loop, whose thread outlives the engine)."""
        if self._task is None:
            self._task = asyncio.create_task(self._watch(), name="engine-supervisor")

    async def stop(self) -> None:
        """Stop watching (before the engine is stopped on purpose)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _watch(self) -> None:
        backoff = _FIRST_BACKOFF_S
        loop = asyncio.get_running_loop()
        next_rewrite_check = loop.time() + self._rewrite_every
        next_ping = last_answer = loop.time()
        while True:
            await asyncio.sleep(self._check_every)
            if not self._engine.owner:
                # Attached to another process's server: when it is gone, start the next.
                if loop.time() >= next_ping:
                    next_ping = loop.time() + self._ping_every
                    if await self._take_over_if_gone():
                        last_answer = loop.time()
                continue
            if self._engine.alive():
                if loop.time() >= next_ping:
                    next_ping = loop.time() + self._ping_every
                    if await asyncio.to_thread(self._engine.answers, PING_TIMEOUT_S):
                        last_answer = loop.time()
                    elif loop.time() - last_answer >= self._hung_after:
                        log.error(
                            "graph engine answered no ping for %.0f s; restarting it",
                            loop.time() - last_answer,
                        )
                        await asyncio.to_thread(self._engine.kill_unanswering)
                        self.hangs += 1
                        continue
                if loop.time() >= next_rewrite_check:
                    next_rewrite_check = loop.time() + self._rewrite_every
                    await self._rewrite_if_grown()
                continue
            # Dropped while no server answers, when no statement can be using a working
            # connection. Dropped after the restart, they were closed under statements
            # the new server was already answering (a write acknowledged, then /readyz
            # refused with "Connection closed by server").
            await self._drop_connections()
            try:
                await self._engine.restart()
            except Exception as error:
                log.error(
                    "graph engine restart failed; retrying in %.1f s", backoff, exc_info=error
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, _MAX_BACKOFF_S)
                continue
            backoff = _FIRST_BACKOFF_S
            next_ping = last_answer = loop.time()
            self.restarts += 1
            log.warning("graph engine restarted (%d so far)", self.restarts)

    async def _take_over_if_gone(self) -> bool:
        if not await asyncio.to_thread(self._engine.gone):
            return False
        await self._drop_connections()
        try:
            took_over = await self._engine.take_over()
        except Exception as error:
            log.error("graph engine could not be started here; trying again", exc_info=error)
            return False
        if took_over:
            self.restarts += 1
            log.warning("graph engine started by this process (%d so far)", self.restarts)
        return took_over

    async def _rewrite_if_grown(self) -> None:
        try:
            await asyncio.to_thread(self._engine.rewrite_if_grown)
        except Exception as error:
            # A failed rewrite costs only a longer next start; serving goes on.
            log.warning("graph engine file rewrite not started", exc_info=error)
