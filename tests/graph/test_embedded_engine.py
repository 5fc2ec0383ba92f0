"""The embedded engine's operating rules: durability, one server per directory, no orphans."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from graph import EmbeddedEngine, FalkorDBStore
from graph.errors import EngineLocked

WRITES = 200


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped) is not a running server.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


async def _count(socket_path: str) -> int:
    store = FalkorDBStore(socket_path, "durability")
    try:
        rows = await store.read("MATCH (n:Probe) RETURN count(n) AS n")
        return int(rows[0]["n"])
    finally:
        await store.close()


def test_acknowledged_writes_survive_a_hard_kill_of_the_engine(tmp_path: Path) -> None:
    engine = EmbeddedEngine(tmp_path)
    socket_path = engine.start()

    async def write_all() -> None:
        store = FalkorDBStore(socket_path, "durability")
        for number in range(WRITES):
            await store.write("CREATE (:Probe {n: $n})", {"n": number})
        await store.close()

    asyncio.run(write_all())
    assert engine.server_pid is not None
    os.kill(engine.server_pid, signal.SIGKILL)
    engine.stop()

    reopened = EmbeddedEngine(tmp_path)
    try:
        assert asyncio.run(_count(reopened.start())) == WRITES
    finally:
        reopened.stop()


def test_a_second_process_attaches_to_the_running_engine(tmp_path: Path) -> None:
    engine = EmbeddedEngine(tmp_path)
    socket_path = engine.start()
    asyncio.run(_write_probe(socket_path))
    script = textwrap.dedent(
        f"""
        import asyncio, sys
        from pathlib import Path
        from graph import EmbeddedEngine, FalkorDBStore
        engine = EmbeddedEngine(Path({str(tmp_path)!r}))
        socket_path = engine.start()
        async def main():
            store = FalkorDBStore(socket_path, "durability")
            await store.write("CREATE (:Probe {{n: 2}})")
            await store.close()
        asyncio.run(main())
        print(engine.owner, engine.server_pid)
        engine.stop()
        """
    )
    try:
        result = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
        )
        assert result.stdout.split() == ["False", "None"]
        # The attached process's write reached the one server, which still runs.
        assert asyncio.run(_count(socket_path)) == 2
        assert engine.server_pid is not None
        assert _alive(engine.server_pid)
    finally:
        engine.stop()


async def _write_probe(socket_path: str) -> None:
    store = FalkorDBStore(socket_path, "durability")
    await store.write("CREATE (:Probe {n: 1})")
    await store.close()


@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM", "exception"])
def test_no_engine_outlives_the_process_that_started_it(tmp_path: Path, how: str) -> None:
    script = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from graph import EmbeddedEngine
        engine = EmbeddedEngine(Path({str(tmp_path)!r}))
        engine.start()
        print(engine.server_pid, engine._run_dir, flush=True)
        if {how!r} == "exception":
            raise SystemExit("crash without stopping the engine")
        time.sleep(60)
        """
    )
    with subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    ) as owner:
        assert owner.stdout is not None
        pid, run_dir = owner.stdout.readline().split()
        server_pid = int(pid)
        if how != "exception":
            owner.send_signal(getattr(signal, how))
        owner.wait(timeout=30)
    deadline = time.monotonic() + 30
    while _alive(server_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(server_pid)
    # And the directory is free again: the next start owns a fresh server, and the dead
    # owner's temporary directory (under /tmp, which only a clean stop removes) is gone.
    engine = EmbeddedEngine(tmp_path)
    engine.start()
    try:
        assert engine.owner
        assert not Path(run_dir).exists()
    finally:
        engine.stop()


def test_the_engine_keeps_its_files_private_and_tightens_old_ones(tmp_path: Path) -> None:
    # Earlier versions left the append-only file (the whole case record) world-readable.
    old = tmp_path / "appendonlydir"
    old.mkdir(mode=0o755)
    (old / "left-behind.txt").write_text("")
    (old / "left-behind.txt").chmod(0o644)
    engine = EmbeddedEngine(tmp_path)
    socket_path = engine.start()
    try:
        asyncio.run(_write_probe(socket_path))
    finally:
        engine.stop()
    paths = [tmp_path, *tmp_path.rglob("*")]
    assert any(path.suffix in {".aof", ".manifest"} for path in paths)
    for path in paths:
        mode = path.stat().st_mode & 0o777
        assert mode & 0o077 == 0, f"{path.relative_to(tmp_path)} is {oct(mode)}"


def test_the_engine_keeps_a_plan_for_every_statement_the_hub_runs(tmp_path: Path) -> None:
    import redis

    from graph.embedded import PLAN_CACHE_SIZE

    engine = EmbeddedEngine(tmp_path / "graph")
    socket_path = engine.start()
    try:
        client = redis.Redis(unix_socket_path=socket_path)
        _, size = client.execute_command("GRAPH.CONFIG", "GET", "CACHE_SIZE")
        client.close()
    finally:
        engine.stop()
    # The engine's default (25) is far below the hub's statements times audiences.
    assert size == PLAN_CACHE_SIZE >= 512


def test_a_process_attached_to_the_engine_reaches_the_next_owners_server(
    tmp_path: Path,
) -> None:
    # `lcs-hub outbox` beside `lcs-hub serve --no-outbox` attaches to the hub's engine.
    # When the hub restarted, its new server listened on a new socket, and the worker
    # failed every poll (GraphUnavailable) until it was restarted by hand.
    from graph import GraphUnavailable

    first = EmbeddedEngine(tmp_path)
    first.start()
    attached = EmbeddedEngine(tmp_path)
    socket_path = attached.start()
    assert not attached.owner
    engines = [first, attached]

    async def across_a_change_of_owner() -> int:
        store = FalkorDBStore(socket_path, "durability")
        try:
            await store.write("CREATE (:Probe {n: 1})")
            first.stop()
            second = EmbeddedEngine(tmp_path)
            engines.append(second)
            second.start()
            assert second.owner
            for _ in range(50):
                try:
                    rows = await store.read("MATCH (n:Probe) RETURN count(n) AS n")
                    return int(rows[0]["n"])
                except GraphUnavailable:
                    await asyncio.sleep(0.1)
            raise AssertionError("the attached process never reached the new server")
        finally:
            await store.close()

    try:
        assert asyncio.run(across_a_change_of_owner()) == 1
    finally:
        for engine in reversed(engines):
            engine.stop()


def test_under_a_deep_data_directory_the_socket_lives_in_a_short_temporary_one(
    tmp_path: Path,
) -> None:
    import tempfile

    deep = tmp_path / ("d" * 60) / ("e" * 60)
    engine = EmbeddedEngine(deep)
    socket_path = engine.start()
    try:
        # A unix socket path holds at most 107 bytes.
        assert len(str(deep / "engine.sock")) > 107
        assert Path(socket_path).parent.parent == Path(tempfile.gettempdir())
        asyncio.run(_write_probe(socket_path))
    finally:
        engine.stop()
    assert not Path(socket_path).parent.exists()


def test_a_server_left_stopped_by_a_dead_owner_is_stopped_and_the_next_start_owns_the_files(
    tmp_path: Path,
) -> None:
    # The owner killed while its server was stopped (SIGSTOP): the parent-death signal
    # waited for the server to run again, so it stayed stopped for ever, and every
    # later start waited for it and gave up ("the previous graph engine is still running").
    script = textwrap.dedent(
        f"""
        import asyncio, time
        from pathlib import Path
        from graph import EmbeddedEngine, FalkorDBStore
        engine = EmbeddedEngine(Path({str(tmp_path)!r}))
        socket_path = engine.start()
        async def main():
            store = FalkorDBStore(socket_path, "durability")
            for n in range({WRITES}):
                await store.write("CREATE (:Probe {{n: $n}})", {{"n": n}})
            await store.close()
        asyncio.run(main())
        print(engine.server_pid, flush=True)
        time.sleep(60)
        """
    )
    with subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    ) as owner:
        assert owner.stdout is not None
        server_pid = int(owner.stdout.readline())
        os.kill(server_pid, signal.SIGSTOP)
        owner.kill()
        owner.wait(timeout=30)
    assert _alive(server_pid)
    engine = EmbeddedEngine(tmp_path)
    try:
        socket_path = engine.start()
        assert engine.owner
        assert not _alive(server_pid)
        assert asyncio.run(_count(socket_path)) == WRITES
    finally:
        engine.stop()
        with contextlib.suppress(ProcessLookupError):
            os.kill(server_pid, signal.SIGKILL)


def test_a_start_that_gives_up_on_the_previous_server_leaves_it_known_to_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A start that gave up waiting for the previous server removed engine.json, the only
    # record of that server: the next start found nothing to wait for and ran a second
    # server on the files the first still held (seen with `lcs-hub serve` twice).
    import graph.embedded

    monkeypatch.setattr(graph.embedded, "_START_TIMEOUT_S", 0.5)
    with subprocess.Popen(["/bin/bash", "-c", "exec -a redis-server sleep 60"]) as previous:
        try:
            info = {"pid": previous.pid, "socket": str(tmp_path / "engine.sock")}
            tmp_path.joinpath("engine.json").write_text(json.dumps(info))
            deadline = time.monotonic() + 10
            while (
                not _alive(previous.pid)
                or b"redis-server" not in Path(f"/proc/{previous.pid}/cmdline").read_bytes()
            ):
                assert time.monotonic() < deadline
                time.sleep(0.01)
            for _ in range(2):
                engine = EmbeddedEngine(tmp_path)
                with pytest.raises(
                    EngineLocked, match=f"previous graph engine \\(pid {previous.pid}"
                ):
                    engine.start()
                assert engine.server_pid is None
                assert json.loads(tmp_path.joinpath("engine.json").read_text()) == info
        finally:
            previous.kill()


def test_the_engine_keeps_childrens_data_out_of_its_log(tmp_path: Path) -> None:
    # A crash report (the engine's own, in var/graph/engine.log) quoted the running
    # command's arguments: a statement's parameters, with names and NHS numbers. Measured
    # on the bundled server: `argv[2]: '"Zo\xc3\xab ..."'`, and `*redacted*` with this on.
    import redis

    engine = EmbeddedEngine(tmp_path / "graph")
    socket_path = engine.start()
    try:
        with redis.Redis(unix_socket_path=socket_path, decode_responses=True) as client:
            assert client.config_get("hide-user-data-from-log") == {
                "hide-user-data-from-log": "yes"
            }
    finally:
        engine.stop()


def test_a_rewrite_cut_short_by_a_crash_leaves_no_file_behind(tmp_path: Path) -> None:
    # An engine killed (-9, the OOM killer: a rewrite forks a copy of the graph) while it
    # rewrote its append-only file left the part-written snapshot in var/graph
    # (measured on the bundled server: `temp-rewriteaof-15926.aof`, as large as the graph
    # had got), and no later start removed it: a county's worth of disk, and of the
    # record, per crash.
    engine = EmbeddedEngine(tmp_path)
    asyncio.run(_write_probe(engine.start()))
    engine.stop()
    left = [tmp_path / "temp-rewriteaof-15926.aof", tmp_path / "temp-4242.rdb"]
    for path in left:
        path.write_bytes(b"REDIS0012 part of a snapshot")
    socket_path = engine.start()
    try:
        assert not any(path.exists() for path in left)
        # The append-only file itself, the record, is read as ever.
        assert asyncio.run(_count(socket_path)) == 1
    finally:
        engine.stop()
