"""The supervisor drops the store's connections while the engine is down, not after.

The hub's end-to-end test (tests/hub/test_engine_recovery.py) failed on CI now and
then: a write was answered by the restarted engine, then `/readyz` answered 503 with
"Connection closed by server". The supervisor closed every pooled connection after the
new server answered its probe, under statements already using the new server.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Callable
from pathlib import Path

from graph import EmbeddedEngine, EngineSupervisor, FalkorDBStore
from graph.embedded import _state
from graph.supervisor import PING_TIMEOUT_S


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


async def _until(done: Callable[[], bool], seconds: float) -> None:
    # Bounded: checks every 0.02 s for at most `seconds`.
    for _ in range(int(seconds / 0.02)):
        if done():
            return
        await asyncio.sleep(0.02)


def test_an_engine_that_stops_answering_is_killed_and_restarted_with_its_writes(
    tmp_path: Path,
) -> None:
    # A server alive but not answering (here stopped with SIGSTOP, a real engine) left
    # every request answering 504/503 until someone restarted the hub.
    engine = EmbeddedEngine(tmp_path, appendfsync="always")
    socket_path = engine.start()
    stopped = engine.server_pid
    assert stopped is not None

    async def hang() -> tuple[int, int, int]:
        store = FalkorDBStore(socket_path, "supervised")
        await store.write("CREATE (:Probe)")
        supervisor = EngineSupervisor(
            engine, store.drop_connections, check_every=0.02, ping_every=0.1, hung_after=1.0
        )
        supervisor.start()
        try:
            os.kill(stopped, signal.SIGSTOP)
            await _until(lambda: supervisor.restarts > 0, 60)
            rows = await store.read("MATCH (n:Probe) RETURN count(n) AS n")
            return supervisor.hangs, supervisor.restarts, int(rows[0]["n"])
        finally:
            await supervisor.stop()
            await store.close()

    try:
        assert asyncio.run(hang()) == (1, 1, 1)
        assert engine.server_pid != stopped
        assert _state(socket_path) == "ready"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(stopped, signal.SIGCONT)
        engine.stop()
    # The stopped server was killed, not left behind beside the new one.
    assert not Path(f"/proc/{stopped}").exists() or "Z" in Path(f"/proc/{stopped}/stat").read_text()


def test_a_server_that_stopped_answering_is_not_asked_to_rewrite_its_file(tmp_path: Path) -> None:
    # The minute's rewrite check asked a stopped server too: its client waited out its
    # timeouts and retries (~30 s) with the hang check held behind it, so a server
    # stopped with SIGSTOP was killed after 91 s under a 60 s LCS_HUB_GRAPH_HUNG_AFTER.
    engine = EmbeddedEngine(tmp_path, appendfsync="always")
    socket_path = engine.start()
    stopped = engine.server_pid
    assert stopped is not None
    # The server each rewrite check asked, and whether it had been stopped by then.
    asked: list[tuple[int | None, bool]] = []
    is_stopped = False
    rewrite_if_grown, answers = engine.rewrite_if_grown, engine.answers

    def rewrite_recorded() -> bool:
        asked.append((engine.server_pid, is_stopped))
        return rewrite_if_grown()

    def stopped_before_a_ping(timeout_s: float) -> bool:
        # Once the running server was asked to rewrite, it is stopped just before a ping.
        nonlocal is_stopped
        if asked and not is_stopped:
            os.kill(stopped, signal.SIGSTOP)
            is_stopped = True
        return answers(timeout_s)

    engine.rewrite_if_grown = rewrite_recorded  # type: ignore[method-assign]
    engine.answers = stopped_before_a_ping  # type: ignore[method-assign]

    async def hang() -> int:
        store = FalkorDBStore(socket_path, "supervised")
        supervisor = EngineSupervisor(
            # Longer than a ping's own wait, so the first unanswered ping is not yet a hang.
            engine, store.drop_connections, check_every=0.02, ping_every=0.1,
            hung_after=3 * PING_TIMEOUT_S, rewrite_every=0.05,
        )  # fmt: skip
        supervisor.start()
        try:
            await _until(lambda: supervisor.restarts > 0, 120)
            return supervisor.hangs
        finally:
            await supervisor.stop()
            await store.close()

    try:
        assert asyncio.run(hang()) == 1
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(stopped, signal.SIGCONT)
        engine.stop()
    assert (stopped, False) in asked
    assert (stopped, True) not in asked


def test_a_server_that_exits_soon_after_each_start_is_started_again_after_a_doubling_wait(
    tmp_path: Path,
) -> None:
    # With its disk full the engine exits at its first write (`appendfsync always`): it
    # was started again at once, about twice a second for as long as the disk stayed
    # full, replaying its files at every start. Here a real server is killed as soon as
    # each one is up, as the full disk did.
    engine = EmbeddedEngine(tmp_path, appendfsync="always")
    socket_path = engine.start()

    async def crash_loop() -> tuple[list[float], int, int, int]:
        store = FalkorDBStore(socket_path, "supervised")
        await store.write("CREATE (:Probe)")
        supervisor = EngineSupervisor(
            engine, store.drop_connections, check_every=0.02, healthy_after=3.0, first_backoff=0.1
        )
        supervisor.start()
        waits: list[float] = []
        try:
            for quick_exit in range(4):
                assert engine.server_pid is not None
                os.kill(engine.server_pid, signal.SIGKILL)
                await _until(lambda: supervisor.next_start_in > 0, 30)
                waits.append(supervisor.next_start_in)
                await _until(lambda n=quick_exit: supervisor.restarts > n, 30)
            # Space freed: the server stays up; once it has run `healthy_after`, the
            # back-off is forgotten and the next exit is started again at once.
            await asyncio.sleep(3.2)
            assert engine.server_pid is not None
            os.kill(engine.server_pid, signal.SIGKILL)
            await _until(lambda: supervisor.restarts > 4, 30)
            rows = await store.read("MATCH (n:Probe) RETURN count(n) AS n")
            return waits, supervisor.restarts_held_back, supervisor.restarts, int(rows[0]["n"])
        finally:
            await supervisor.stop()
            await store.close()

    try:
        assert asyncio.run(crash_loop()) == ([0.1, 0.2, 0.4, 0.8], 4, 5, 1)
        assert _state(socket_path) == "ready"
    finally:
        engine.stop()


def test_an_engine_busy_with_a_long_statement_is_not_taken_for_a_hung_one(tmp_path: Path) -> None:
    engine = EmbeddedEngine(tmp_path, appendfsync="always")
    socket_path = engine.start()
    started = engine.server_pid

    async def long_read() -> int:
        store = FalkorDBStore(socket_path, "supervised")
        await store.write("CREATE (:Probe)")
        supervisor = EngineSupervisor(
            engine, store.drop_connections, check_every=0.02, ping_every=0.1, hung_after=1.0
        )
        supervisor.start()
        try:
            # Seconds of work on the engine's query thread, many times the threshold.
            rows = await store.read(
                "UNWIND range(1, 10000000) AS x WITH x WHERE x % 7 = 3 RETURN count(x) AS n"
            )
            assert (supervisor.hangs, supervisor.restarts) == (0, 0)
            return int(rows[0]["n"])
        finally:
            await supervisor.stop()
            await store.close()

    try:
        assert asyncio.run(long_read()) == len(range(3, 10000001, 7))
        assert engine.server_pid == started
    finally:
        engine.stop()


def test_a_process_attached_to_a_server_another_process_stopped_starts_the_next(
    tmp_path: Path,
) -> None:
    # A hub started while a command (`lcs-hub demo`, `import`) owned the engine served
    # 503 for ever once the command ended and stopped its server.
    owner = EmbeddedEngine(tmp_path, appendfsync="always")
    socket_path = owner.start()
    attached = EmbeddedEngine(tmp_path, appendfsync="always")
    assert attached.start() == socket_path
    assert not attached.owner

    async def owner_ends() -> tuple[int, int]:
        store = FalkorDBStore(socket_path, "supervised")
        await store.write("CREATE (:Probe)")
        supervisor = EngineSupervisor(
            attached, store.drop_connections, check_every=0.02, ping_every=0.1
        )
        supervisor.start()
        try:
            await asyncio.to_thread(owner.stop)
            await _until(lambda: supervisor.restarts > 0, 60)
            rows = await store.read("MATCH (n:Probe) RETURN count(n) AS n")
            return supervisor.restarts, int(rows[0]["n"])
        finally:
            await supervisor.stop()
            await store.close()

    try:
        assert asyncio.run(owner_ends()) == (1, 1)
        assert attached.owner
        assert attached.server_pid is not None
    finally:
        attached.stop()
        owner.stop()


def test_the_engines_log_is_rotated_so_a_hub_that_runs_for_months_keeps_it_bounded(
    tmp_path: Path,
) -> None:
    # var/graph/engine.log was never rotated: every start, rewrite and warning of the
    # engine was appended to it for as long as the hub was used. The server opens its
    # log for each line it writes, so a log renamed aside is followed by a new one.
    import redis

    engine = EmbeddedEngine(tmp_path, appendfsync="always", log_max_bytes=2048, log_keep=2)
    socket_path = engine.start()
    log_path = tmp_path / "engine.log"

    async def months_of_logging() -> int:
        store = FalkorDBStore(socket_path, "supervised")
        supervisor = EngineSupervisor(
            engine, store.drop_connections, check_every=0.02, ping_every=0.05
        )
        supervisor.start()
        try:
            largest = 0
            # Each rewrite of the append-only file writes about a kilobyte of lines.
            for _ in range(40):
                with (
                    redis.Redis(unix_socket_path=socket_path) as client,
                    # One still running: the next pass asks again.
                    contextlib.suppress(redis.exceptions.ResponseError),
                ):
                    client.bgrewriteaof()
                await asyncio.sleep(0.1)
                # Just rotated, no line written since: no log yet.
                if log_path.exists():
                    largest = max(largest, log_path.stat().st_size)
            return largest
        finally:
            await supervisor.stop()
            await store.close()

    try:
        largest = asyncio.run(months_of_logging())
        assert _state(socket_path) == "ready"
    finally:
        engine.stop()
    logs = sorted(path.name for path in tmp_path.glob("engine.log*"))
    assert logs == ["engine.log", "engine.log.1", "engine.log.2"]
    # Bounded by the threshold and what the engine writes between two looks at it.
    assert largest < 2048 + 8192
    assert all((tmp_path / name).stat().st_size < 2048 + 8192 for name in logs)
    # The server went on writing to a new file after each rotation, its mode private.
    assert "ready to exit" in log_path.read_text()
    assert log_path.stat().st_mode & 0o777 == 0o600
