"""Keeps the embedded engine running: a dead server is restarted in process.

After `kill -9` of the engine every request failed until the hub itself was restarted.
The supervisor notices the server has exited within `check_every` seconds, starts a new
one on the same files (the append-only file brings back every acknowledged write) with
back-off between quick exits and failed attempts (below), capped so it keeps trying for
as long as it takes.
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

A server that exits again soon after it was started (a full disk: with `appendfsync
always` the engine exits on the first write it cannot make), or that fails to start, is
not started again at once: the next start waits `first_backoff` seconds, doubled at each
quick exit up to `_MAX_BACKOFF_S`, and none once a server has run `healthy_after` seconds.
Started twice a second while the disk stayed full, it replayed its files at every start
(a county's take minutes). How many starts were held back and how long the one held back
waits are `restarts_held_back` and `next_start_in` (at `/metrics`, and `/readyz` while
held); once space is freed the next server stays up and the back-off is forgotten.

It keeps the engine's log bounded: at each ping it renames `engine.log` aside once it
passed the engine's `log_max_bytes`, keeping `log_keep` old ones (graph/embedded.py).

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
# A server that ran this long before it exited was healthy: it is started again at once.
HEALTHY_AFTER_S: Final = 60.0


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
        healthy_after: float = HEALTHY_AFTER_S,
        first_backoff: float = _FIRST_BACKOFF_S,
    ) -> None:
        self._engine = engine
        self._drop_connections = drop_connections
        self._check_every = check_every
        self._rewrite_every = rewrite_every
        self._ping_every = ping_every
        self._hung_after = hung_after
        self._healthy_after = healthy_after
        self._first_backoff = first_backoff
        self._task: asyncio.Task[None] | None = None
        self.restarts = 0
        # Servers killed because they stopped answering (each then restarted).
        self.hangs = 0
        # Starts held back because the server exited soon after its start, and how long
        # the one now held back waits (0 when none is).
        self.restarts_held_back = 0
        self.next_start_in = 0.0

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
        backoff = self._first_backoff
        loop = asyncio.get_running_loop()
        next_rewrite_check = loop.time() + self._rewrite_every
        next_ping = last_answer = started_at = loop.time()
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
                    self._rotate_log()
                    if await asyncio.to_thread(self._engine.answers, PING_TIMEOUT_S):
                        last_answer = loop.time()
                        # Asked only just after it answered: a server stopped or wedged
                        # held the call for its client's timeouts and retries (~30 s),
                        # and the hang check with it (a SIGSTOP was acted on after 91 s
                        # under a 60 s LCS_HUB_GRAPH_HUNG_AFTER_SECONDS).
                        if loop.time() >= next_rewrite_check:
                            next_rewrite_check = loop.time() + self._rewrite_every
                            await self._rewrite_if_grown()
                    elif loop.time() - last_answer >= self._hung_after:
                        log.error(
                            "graph engine answered no ping for %.0f s; restarting it",
                            loop.time() - last_answer,
                        )
                        await asyncio.to_thread(self._engine.kill_unanswering)
                        self.hangs += 1
                        continue
                continue
            if loop.time() - started_at < self._healthy_after:
                await self._hold_back(backoff, loop.time() - started_at)
                backoff = min(backoff * 2, _MAX_BACKOFF_S)
            else:
                backoff = self._first_backoff
            # Dropped while no server answers, when no statement can be using a working
            # connection. Dropped after the restart, they were closed under statements
            # the new server was already answering (a write acknowledged, then /readyz
            # refused with "Connection closed by server").
            await self._drop_connections()
            try:
                await self._engine.restart()
            except Exception as error:
                log.error("graph engine restart failed", exc_info=error)
                # Held back as a server that exited at once: the next pass waits.
                started_at = loop.time()
                continue
            next_ping = last_answer = started_at = loop.time()
            self.restarts += 1
            log.warning("graph engine restarted (%d so far)", self.restarts)

    async def _hold_back(self, seconds: float, ran_for: float) -> None:
        """Wait before starting a server that exited soon after its start."""
        self.restarts_held_back += 1
        self.next_start_in = seconds
        log.error(
            "graph engine stopped %.1f s after its last start (is its disk full?); "
            "starting it again in %.1f s",
            ran_for,
            seconds,
        )
        try:
            await asyncio.sleep(seconds)
        finally:
            self.next_start_in = 0.0

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

    def _rotate_log(self) -> None:
        # One look at the log's size a ping: renaming it aside needs no space on the disk.
        try:
            self._engine.rotate_log_if_grown()
        except OSError as error:
            # An unrotated log costs disk, not service; it is tried again at the next ping.
            log.warning("graph engine log not rotated (%s)", type(error).__name__)

    async def _rewrite_if_grown(self) -> None:
        try:
            await asyncio.to_thread(self._engine.rewrite_if_grown)
        except Exception as error:
            # A failed rewrite costs only a longer next start; serving goes on.
            log.warning("graph engine file rewrite not started", exc_info=error)
