"""The append-only file stays short: rewrites fold the tail of statements into a snapshot.

A start replays the tail statement by statement (406 s on a 300,000-child county) but
loads a snapshot in seconds, so bulk loads and a day of audit writes are folded in.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from pathlib import Path

import pytest
import redis

from graph import EmbeddedEngine, EngineSupervisor, FalkorDBStore, embedded

WRITES = 300


def _current_files(data_dir: Path, kind: str) -> list[Path]:
    # The manifest names the files in use; a replaced one is deleted in the background.
    directory = data_dir / "appendonlydir"
    lines = (directory / "appendonly.aof.manifest").read_text().splitlines()
    entries = [dict(zip(words[::2], words[1::2], strict=True)) for words in map(str.split, lines)]
    return [directory / entry["file"] for entry in entries if entry.get("type") == kind]


def _tail_bytes(data_dir: Path) -> int:
    return sum(path.stat().st_size for path in _current_files(data_dir, "i"))


def _snapshots(data_dir: Path) -> list[Path]:
    return [path for path in _current_files(data_dir, "b") if path.suffix == ".rdb"]


async def _write(socket_path: str, count: int) -> None:
    store = FalkorDBStore(socket_path, "files")
    for number in range(count):
        await store.write("CREATE (:Probe {n: $n, text: $text})", {"n": number, "text": "x" * 200})
    await store.close()


async def _count(socket_path: str) -> int:
    store = FalkorDBStore(socket_path, "files")
    rows = await store.read("MATCH (n:Probe) RETURN count(n) AS n")
    await store.close()
    return int(rows[0]["n"])


def test_compact_folds_the_tail_into_a_snapshot_and_keeps_every_write(tmp_path: Path) -> None:
    engine = EmbeddedEngine(tmp_path, appendfsync="everysec")
    socket_path = engine.start()
    try:
        asyncio.run(_write(socket_path, WRITES))
        before = _tail_bytes(tmp_path)
        assert before > WRITES * 200
        engine.compact()
        assert _tail_bytes(tmp_path) < before // 10
        assert sum(path.stat().st_size for path in _snapshots(tmp_path)) > 0
    finally:
        engine.stop()
    reopened = EmbeddedEngine(tmp_path, appendfsync="everysec")
    try:
        assert asyncio.run(_count(reopened.start())) == WRITES
    finally:
        reopened.stop()


def test_a_rewrite_starts_only_once_the_tail_passes_the_threshold(tmp_path: Path) -> None:
    engine = EmbeddedEngine(tmp_path, appendfsync="everysec", rewrite_after_bytes=40_000)
    socket_path = engine.start()
    try:
        asyncio.run(_write(socket_path, 20))
        assert _tail_bytes(tmp_path) < 40_000
        assert engine.rewrite_if_grown() is False
        asyncio.run(_write(socket_path, WRITES))
        assert engine.rewrite_if_grown() is True
        engine.compact()  # waits for the rewrite just started
        assert _tail_bytes(tmp_path) < 40_000
        assert engine.rewrite_if_grown() is False
        assert asyncio.run(_count(socket_path)) == 20 + WRITES
    finally:
        engine.stop()


def _crash(engine: EmbeddedEngine) -> None:
    """Kill the server as a power cut would: no rewrite, the tail left as it is."""
    assert engine.server_pid is not None
    os.kill(engine.server_pid, signal.SIGKILL)
    for _ in range(100):
        if not engine.alive():
            break
        time.sleep(0.05)
    engine.stop()


def test_a_clean_stop_leaves_a_snapshot_and_no_tail_to_replay(tmp_path: Path) -> None:
    engine = EmbeddedEngine(tmp_path, appendfsync="everysec")
    asyncio.run(_write(engine.start(), WRITES))
    assert _tail_bytes(tmp_path) > WRITES * 200
    engine.stop()
    assert _tail_bytes(tmp_path) == 0
    reopened = EmbeddedEngine(tmp_path, appendfsync="everysec")
    try:
        assert asyncio.run(_count(reopened.start())) == WRITES
    finally:
        reopened.stop()


def test_a_start_on_a_long_tail_folds_it_for_the_next_start(tmp_path: Path) -> None:
    engine = EmbeddedEngine(tmp_path, appendfsync="everysec")
    asyncio.run(_write(engine.start(), WRITES))
    # Everysec: the last second's writes reach the file before the crash.
    time.sleep(1.5)
    _crash(engine)
    assert _tail_bytes(tmp_path) > 40_000
    # Below the threshold the start leaves the file alone.
    unchanged = EmbeddedEngine(tmp_path, appendfsync="everysec")
    try:
        unchanged.start()
        assert _rewrites(unchanged) == 0
    finally:
        _crash(unchanged)  # a clean stop would fold the tail itself
    # Past it, the next owner replays the tail, then rewrites it in the background.
    reopened = EmbeddedEngine(tmp_path, appendfsync="everysec", rewrite_after_bytes=40_000)
    try:
        socket_path = reopened.start()
        for _ in range(300):
            if _rewrites(reopened) >= 1:
                break
            time.sleep(0.1)
        assert _rewrites(reopened) == 1
        assert _tail_bytes(tmp_path) < 40_000
        assert asyncio.run(_count(socket_path)) == WRITES
    finally:
        reopened.stop()


def _rewrites(engine: EmbeddedEngine) -> int:
    """Rewrites finished since the server started."""
    assert engine.socket_path is not None
    with redis.Redis(unix_socket_path=engine.socket_path, decode_responses=True) as client:
        info = client.info("persistence")
    running = info["aof_rewrite_in_progress"] or info["aof_rewrite_scheduled"]
    return int(info["aof_rewrites"]) - (1 if running else 0)


async def _bulk(socket_path: str) -> None:
    store = FalkorDBStore(socket_path, "files")
    for batch in range(10):
        await store.write(
            "UNWIND range(1, 100000) AS i CREATE (:Bulk {n: i, batch: $batch})", {"batch": batch}
        )
    await store.close()


def test_a_start_waits_for_a_recovery_longer_than_the_start_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    engine = EmbeddedEngine(tmp_path, appendfsync="everysec")
    asyncio.run(_bulk(engine.start()))
    engine.stop()
    # Replaying a million created nodes takes seconds; opening the socket does not. The
    # start used to give up after its timeout (and a retry began the replay again).
    monkeypatch.setattr(embedded, "_START_TIMEOUT_S", 1.0)
    caplog.set_level(logging.INFO, logger="lcs_hub.graph")
    reopened = EmbeddedEngine(tmp_path, appendfsync="everysec")
    try:
        socket_path = reopened.start()

        async def count() -> int:
            store = FalkorDBStore(socket_path, "files")
            rows = await store.read("MATCH (n:Bulk) RETURN count(n) AS n")
            await store.close()
            return int(rows[0]["n"])

        assert asyncio.run(count()) == 1_000_000
    finally:
        reopened.stop()
    assert any("recovering its files" in record.getMessage() for record in caplog.records)


def test_the_supervisor_rewrites_the_file_as_audit_writes_pile_up(tmp_path: Path) -> None:
    engine = EmbeddedEngine(tmp_path, appendfsync="everysec", rewrite_after_bytes=40_000)
    socket_path = engine.start()

    async def serve_a_while() -> int:
        async def no_connections_to_drop() -> None:
            return None

        supervisor = EngineSupervisor(
            engine, no_connections_to_drop, check_every=0.05, rewrite_every=0.1
        )
        supervisor.start()
        try:
            # A day of use in small: reads that each append an audit write.
            await _write(socket_path, WRITES)
            for _ in range(300):
                if _rewrites(engine) >= 1:
                    break
                await asyncio.sleep(0.1)
            return _rewrites(engine)
        finally:
            await supervisor.stop()

    try:
        # Redis itself would not rewrite below 16 MiB: this rewrite is the supervisor's.
        assert asyncio.run(serve_a_while()) >= 1
    finally:
        engine.stop()
