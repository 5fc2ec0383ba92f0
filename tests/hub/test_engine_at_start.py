"""A hub started while its standalone engine is away waits for it, unattended.

`lcs-hub serve` (and the `lcs-hub outbox` worker) on a FalkorDB server that was not up
yet exited at once ("cannot reach the graph engine"), so a hub and its engine starting
together after a power cut, the hub first, stayed down until someone started it again.
It now tries again with back-off (logging the wait, never the server's text) and serves
once the server answers; a server that refuses the hub's credentials is not an outage
and still stops the start at once, saying so.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from graph.standalone import StandaloneServer, free_port

LCS_HUB = [sys.executable, "-m", "hub.cli"]
PROJECT = Path(__file__).resolve().parents[2]
PASSWORD = "start-order-test"


def _environment(tmp_path: Path, engine_port: int, password: str) -> dict[str, str]:
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LCS_HUB_VAR_DIR": str(tmp_path / "var"),
        "LCS_HUB_GRAPH_URL": f"falkordb://127.0.0.1:{engine_port}",
        "LCS_HUB_GRAPH_PASSWORD": password,
    }
    if "PYTHONPATH" in os.environ:  # a worktree run against a shared virtualenv
        environment["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return environment


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=5).status_code == 200
    except httpx.TransportError:
        return False


def test_a_hub_started_before_its_engine_waits_for_it_and_then_serves(tmp_path: Path) -> None:
    engine_port, hub_port = free_port(), free_port()
    log = tmp_path / "hub.log"
    with log.open("ab") as out:
        hub = subprocess.Popen(
            [*LCS_HUB, "serve", "--no-outbox", "--port", str(hub_port)],
            cwd=PROJECT,
            env=_environment(tmp_path, engine_port, PASSWORD),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = StandaloneServer(tmp_path / "engine", password=PASSWORD, port=engine_port)
    try:
        # Until the hub has found no engine once (bounded: 60 s), or has given up.
        deadline = time.monotonic() + 60
        while hub.poll() is None and "not reachable" not in log.read_text():
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        time.sleep(1)
        assert hub.poll() is None, log.read_text()
        server.start()
        url = f"http://127.0.0.1:{hub_port}"
        deadline = time.monotonic() + 90
        while not _ready(url):
            assert hub.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the hub did not serve once its engine was up"
            time.sleep(0.2)
    finally:
        hub.terminate()
        try:
            hub.wait(30)
        except subprocess.TimeoutExpired:
            hub.kill()
            hub.wait()
        server.stop()
    waits = [
        entry
        for entry in map(json.loads, filter(None, log.read_text().splitlines()))
        if entry.get("logger") == "lcs_hub.app" and "not reachable" in entry["message"]
    ]
    assert waits, log.read_text()
    # The wait is logged by the error's kind, without the server's own text.
    assert all(str(engine_port) not in json.dumps(entry) for entry in waits)


def _waits_logged(log: Path) -> list[dict[str, object]]:
    return [
        entry
        for entry in map(json.loads, filter(None, log.read_text().splitlines()))
        if entry.get("logger") == "lcs_hub.app" and "not reachable" in entry["message"]
    ]


def test_a_hub_started_on_a_hung_server_backs_off_within_seconds_and_serves_once_it_resumes(
    tmp_path: Path,
) -> None:
    # A server stopped (SIGSTOP) or wedged takes the connection and answers nothing. The
    # start's first question to it (whether it is a cluster) waited the statement timeout
    # (300 s) and then failed the start outright; it is bounded now by seconds, and the
    # start waits with back-off, as for a server not up yet.
    server = StandaloneServer(tmp_path / "engine", password=PASSWORD)
    server.start()
    assert server.pid is not None
    os.kill(server.pid, signal.SIGSTOP)
    log = tmp_path / "hub.log"
    hub_port = free_port()
    with log.open("ab") as out:
        hub = subprocess.Popen(
            [*LCS_HUB, "serve", "--no-outbox", "--port", str(hub_port)],
            cwd=PROJECT,
            env=_environment(tmp_path, server.port, PASSWORD),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        started = time.monotonic()
        while len(_waits_logged(log)) < 2:
            assert hub.poll() is None, log.read_text()
            # Two probes of seconds each and the back-off between them, not 300 s.
            assert time.monotonic() - started < 40, log.read_text()
            time.sleep(0.2)
        os.kill(server.pid, signal.SIGCONT)
        url = f"http://127.0.0.1:{hub_port}"
        deadline = time.monotonic() + 90
        while not _ready(url):
            assert hub.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the hub did not serve once its engine resumed"
            time.sleep(0.2)
    finally:
        os.kill(server.pid, signal.SIGCONT)
        hub.terminate()
        try:
            hub.wait(30)
        except subprocess.TimeoutExpired:
            hub.kill()
            hub.wait()
        server.stop()
    # The wait is logged by the error's kind, without the server's address or text.
    assert all(str(server.port) not in json.dumps(entry) for entry in _waits_logged(log))


def test_a_server_refusing_the_hubs_password_stops_the_start_at_once(tmp_path: Path) -> None:
    server = StandaloneServer(tmp_path / "engine", password=PASSWORD)
    server.start()
    try:
        result = subprocess.run(
            [*LCS_HUB, "serve", "--no-outbox", "--port", str(free_port())],
            cwd=PROJECT,
            env=_environment(tmp_path, server.port, "not-the-password"),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        server.stop()
    assert result.returncode == 1
    assert "refused to authenticate the hub" in result.stderr
    assert "LCS_HUB_GRAPH_PASSWORD" in result.stderr
    assert "not-the-password" not in result.stderr + result.stdout


pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")
