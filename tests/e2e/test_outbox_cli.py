"""`lcs-hub outbox` as its own process: replays, two workers at once, a clean Ctrl-C.

The processes attach to the test session's running engine (as a second `lcs-hub`
process attaches to a serving hub) and work on this test's graph.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import anyio
import pytest

from connectors.livelink.form_store import FormStore
from graph import EmbeddedEngine, FalkorDBStore
from graph.embedded import _state
from tests.connectors.livelink.outbox_world import (
    CHILDREN,
    embedded_versions,
    file_item_ids,
    graph_counts,
    world_with_documents,
)

pytestmark = pytest.mark.anyio

# `python -m hub.cli` from the project root: the code of this checkout, as `lcs-hub`.
LCS_HUB = [sys.executable, "-m", "hub.cli"]
PROJECT = Path(__file__).resolve().parents[2]


def _environment(engine: EmbeddedEngine, store: FalkorDBStore, var_dir: Path) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "LCS_HUB_VAR_DIR": str(var_dir),
        "LCS_HUB_GRAPH_URL": f"embedded://{engine.data_dir}",
        "LCS_HUB_GRAPH_NAME": store.graph_name,
        "LCS_HUB_GRAPH_APPENDFSYNC": "everysec",
        "LCS_HUB_OUTBOX_POLL_SECONDS": "0.2",
        "LCS_HUB_OUTBOX_BATCH_SIZE": "2",
    }


def _outbox(environment: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*LCS_HUB, "outbox", *args],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


async def _park(store: FalkorDBStore, item_ids: list[str]) -> None:
    await store.write(
        "UNWIND $ids AS id MATCH (o:OutboxItem {id: id})"
        " SET o.state = 'FAILED', o.attempts = 1, o.lastError = 'HTTP 403'",
        {"ids": item_ids},
    )


async def test_replay_of_an_unknown_or_unparked_item_exits_non_zero_with_one_line(
    engine: EmbeddedEngine, store: FalkorDBStore, tmp_path: Path
) -> None:
    await world_with_documents(store, FormStore(tmp_path / "forms"), children=CHILDREN[:1])
    environment = _environment(engine, store, tmp_path / "var")
    item = (await file_item_ids(store))[0]

    unknown = await anyio.to_thread.run_sync(lambda: _outbox(environment, "--replay", "nope"))
    pending = await anyio.to_thread.run_sync(lambda: _outbox(environment, "--replay", item))

    assert unknown.returncode == 1
    assert unknown.stderr == "lcs-hub outbox: no outbox item 'nope'\n"
    assert unknown.stdout == ""
    assert pending.returncode == 1
    assert pending.stderr == (
        f"lcs-hub outbox: item '{item}' is PENDING, not FAILED; nothing to replay\n"
    )


async def test_replay_failed_requeues_every_parked_item_and_says_how_many(
    engine: EmbeddedEngine, store: FalkorDBStore, tmp_path: Path
) -> None:
    await world_with_documents(store, FormStore(tmp_path / "forms"), children=CHILDREN[:1])
    await _park(store, await file_item_ids(store))
    environment = _environment(engine, store, tmp_path / "var")

    first = await anyio.to_thread.run_sync(lambda: _outbox(environment, "--replay-failed"))
    again = await anyio.to_thread.run_sync(lambda: _outbox(environment, "--replay-failed"))
    one = await anyio.to_thread.run_sync(
        lambda: _outbox(environment, "--replay", "C201-contact_record-0-2")
    )

    assert (first.returncode, first.stdout, first.stderr) == (
        0,
        "replayed 3 failed outbox items\n",
        "",
    )
    assert (again.returncode, again.stdout.strip()) == (0, "replayed 0 failed outbox items")
    assert one.returncode == 1  # the OPEN_FILE item was never parked
    assert await graph_counts(store) == {"FILE_DOCUMENT:PENDING": 3, "OPEN_FILE:PENDING": 1}
    by = await store.read(
        "MATCH (o:OutboxItem {kind: 'FILE_DOCUMENT'}) RETURN DISTINCT o.replayedBy AS by"
    )
    assert len(by) == 1
    assert by[0]["by"].startswith("cli")


async def test_two_worker_processes_file_each_document_once_and_stop_cleanly_on_ctrl_c(
    engine: EmbeddedEngine, store: FalkorDBStore, tmp_path: Path
) -> None:
    var_dir = tmp_path / "var"
    # The forms' bytes where the worker processes look for them (var/forms).
    generated = await world_with_documents(store, FormStore(var_dir / "forms"))
    environment = _environment(engine, store, var_dir)
    # Each worker's log goes to a file, so the test can wait for both to have started
    # (one may file everything before the other is up) before it presses Ctrl-C.
    logs = [tmp_path / f"worker-{number}.log" for number in range(2)]

    def start(log_path: Path) -> subprocess.Popen[str]:
        with log_path.open("w") as log_file:
            return subprocess.Popen(
                [*LCS_HUB, "outbox"],
                cwd=PROJECT,
                stdout=subprocess.DEVNULL,
                stderr=log_file,
                text=True,
                env=environment,
            )

    workers = [await anyio.to_thread.run_sync(start, log_path) for log_path in logs]
    try:
        with anyio.fail_after(120):
            while await graph_counts(store) != {
                "FILE_DOCUMENT:DELIVERED": 9,
                "OPEN_FILE:DELIVERED": 3,
            } or not all("started" in log_path.read_text() for log_path in logs):
                assert all(worker.poll() is None for worker in workers)
                await anyio.sleep(0.2)
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGINT)
        for worker in workers:
            await anyio.to_thread.run_sync(lambda w=worker: w.wait(timeout=60))
    outputs = [(None, log_path.read_text()) for log_path in logs]

    filed = embedded_versions(var_dir / "content")
    assert sorted(v["delivery_key"] for v in filed) == await file_item_ids(store)
    assert sorted(v["sha256"] for v in filed) == sorted(g.version["checksumPdf"] for g in generated)
    owners = await store.read(
        "MATCH (o:OutboxItem) WHERE o.leaseOwner IS NOT NULL RETURN count(o) AS n"
    )
    assert owners == [{"n": 0}]
    for worker, (_, stderr) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, stderr
        assert "Traceback" not in stderr
        assert "stopped" in stderr.strip().splitlines()[-1]
        # Progress is logged with counts and item ids, never the child's identity.
        for child in CHILDREN:
            assert f"/{child}" not in stderr
            assert f" {child} " not in stderr
        assert "Newman" not in stderr


def test_a_worker_that_owns_the_engine_restarts_it_when_it_dies(tmp_path: Path) -> None:
    # `lcs-hub outbox` started before any hub owns the embedded engine. Killed (-9), the
    # engine was started again by nobody: the worker failed every pass, and a hub
    # attached beside it answered 503, for as long as the worker ran.
    var_dir = tmp_path / "var"
    environment = {
        "PATH": "/usr/bin:/bin",
        "LCS_HUB_VAR_DIR": str(var_dir),
        "LCS_HUB_OUTBOX_POLL_SECONDS": "0.2",
    }
    log_path = tmp_path / "worker.log"
    engine_file = var_dir / "graph" / "engine.json"
    with log_path.open("w") as log_file:
        worker = subprocess.Popen(
            [*LCS_HUB, "outbox"], cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=log_file,
            env=environment,
        )  # fmt: skip
    try:
        for _ in range(600):  # bounded: 60 s
            if "outbox worker" in log_path.read_text() or worker.poll() is not None:
                break
            time.sleep(0.1)
        assert worker.poll() is None, log_path.read_text()
        first = json.loads(engine_file.read_text())
        os.kill(first["pid"], signal.SIGKILL)
        for _ in range(600):  # bounded: 60 s
            if "graph engine restarted" in log_path.read_text():
                break
            time.sleep(0.1)
        assert "graph engine restarted" in log_path.read_text()
        restarted = json.loads(engine_file.read_text())
        assert restarted["pid"] != first["pid"]
        assert _state(restarted["socket"]) == "ready"
        assert worker.poll() is None
    finally:
        if worker.poll() is None:
            worker.send_signal(signal.SIGINT)
        worker.wait(timeout=60)
    assert worker.returncode == 0
    assert "Traceback" not in log_path.read_text()
