"""A hub started before its Neo4j database waits for it, as it does for FalkorDB.

The Neo4j driver connects only at the first statement, so `lcs-hub serve` on a Neo4j not
up yet opened its store "fine" and then failed at its first statement (the schema at
start) and exited: a hub and its database starting together after a power cut, the hub
first, stayed down. It now connects and logs in before it starts, trying again with the
FalkorDB path's back-off; a database that refuses the hub's login still stops the start
at once, naming the settings and never the password.

Neo4j cannot run here: the database that comes up late is FalkorDB's Bolt server (the
driver's handshake and login are the same), the one refusing the login a Bolt listener
below that answers every login `Neo.ClientError.Security.Unauthorized`, as Neo4j does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import signal
import socket
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph import GraphError, GraphUnavailable, Neo4jStore, OpenGraph
from graph.standalone import StandaloneServer, free_bolt_port
from hub.app import open_settings_graph
from hub.settings import Settings

pytestmark = pytest.mark.anyio

# Bolt 4.4, one of the versions the driver offers in its handshake.
_BOLT_4_4 = b"\x00\x00\x04\x04"


def _string(text: str) -> bytes:
    data = text.encode()
    assert len(data) < 256
    return (bytes([0x80 + len(data)]) if len(data) < 16 else bytes([0xD0, len(data)])) + data


def _failure(code: str, message: str) -> bytes:
    # A FAILURE message (signature 0x7F) carrying {code, message}, in one chunk.
    body = b"\xb1\x7f\xa2" + _string("code") + _string(code)
    body += _string("message") + _string(message)
    return struct.pack(">H", len(body)) + body + b"\x00\x00"


@contextlib.contextmanager
def _refusing_every_login() -> Iterator[int]:
    """A Bolt listener on a free port that takes the handshake and refuses each login."""
    listener = socket.create_server(("127.0.0.1", 0))
    port: int = listener.getsockname()[1]
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                peer, _ = listener.accept()
            except TimeoutError:
                continue
            with peer:
                peer.settimeout(5)
                with contextlib.suppress(OSError):
                    peer.recv(20)  # the preamble and the versions offered
                    peer.sendall(_BOLT_4_4)
                    peer.recv(65536)  # HELLO, with the credentials
                    peer.sendall(
                        _failure(
                            "Neo.ClientError.Security.Unauthorized",
                            "The client is unauthorized due to authentication failure.",
                        )
                    )
                    peer.recv(65536)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        stop.set()
        thread.join(5)
        listener.close()


def _settings(tmp_path: Path, url: str, password: str) -> Settings:
    return Settings(  # type: ignore[call-arg]
        var_dir=tmp_path / "var",
        graph_url=url,
        graph_user="falkordb",
        graph_password=password,
        _env_file=None,
    )


async def test_a_hub_started_before_its_neo4j_waits_for_it_and_then_opens(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_bolt_port()
    password = secrets.token_urlsafe(16)
    server = StandaloneServer(tmp_path / "bolt", password=password, bolt_port=port, durable=False)
    settings = _settings(tmp_path, f"bolt://127.0.0.1:{port}", password)
    opened: list[OpenGraph] = []
    failed: list[BaseException] = []

    def start_hub() -> None:
        try:
            opened.append(open_settings_graph(settings, wait=True))
        except BaseException as error:  # reported by the test below
            failed.append(error)

    caplog.set_level(logging.WARNING, logger="lcs_hub.app")
    starting = threading.Thread(target=start_hub, daemon=True)
    starting.start()
    try:
        # Nothing listens yet: the hub waits (bounded: 30 s) and has not opened anything.
        deadline = time.monotonic() + 30
        while "not reachable" not in caplog.text:
            assert not failed, failed
            assert not opened, "the store was opened with no database to answer it"
            assert time.monotonic() < deadline
            await asyncio.sleep(0.1)
        server.start()
        starting.join(60)
        assert not failed, failed
        [graph] = opened
        assert isinstance(graph.store, Neo4jStore)
        assert await graph.store.read("RETURN 1 AS one") == [{"one": 1}]
        await graph.close()
    finally:
        server.stop()
    # The wait is logged by the error's kind, never the server's address or text.
    waits = [r.getMessage() for r in caplog.records if "not reachable" in r.getMessage()]
    assert waits
    assert all(str(port) not in wait for wait in waits)


async def test_a_hub_started_on_a_hung_neo4j_backs_off_within_seconds_and_opens_once_it_resumes(
    bolt_server: StandaloneServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A database stopped (SIGSTOP) or wedged takes the connection and answers nothing: the
    # check at start waited the driver's own acquisition wait (60 s) before backing off.
    assert bolt_server.pid is not None
    assert bolt_server.password is not None
    settings = _settings(tmp_path, bolt_server.bolt_url, bolt_server.password)
    opened: list[OpenGraph] = []
    failed: list[BaseException] = []

    def start_hub() -> None:
        try:
            opened.append(open_settings_graph(settings, wait=True))
        except BaseException as error:  # reported by the test below
            failed.append(error)

    caplog.set_level(logging.WARNING, logger="lcs_hub.app")
    os.kill(bolt_server.pid, signal.SIGSTOP)
    starting = threading.Thread(target=start_hub, daemon=True)
    try:
        starting.start()
        started = time.monotonic()
        while caplog.text.count("not reachable") < 2:
            assert not failed, failed
            assert not opened, "the store was opened on a database that answers nothing"
            # Two checks of seconds each and the back-off between them, not a minute each.
            assert time.monotonic() - started < 25, caplog.text
            await asyncio.sleep(0.1)
    finally:
        os.kill(bolt_server.pid, signal.SIGCONT)
    starting.join(60)
    assert not failed, failed
    [graph] = opened
    await graph.close()
    waits = [r.getMessage() for r in caplog.records if "not reachable" in r.getMessage()]
    assert all(str(bolt_server.bolt_port) not in wait for wait in waits)


def test_a_neo4j_refusing_the_hubs_login_stops_the_start_at_once(tmp_path: Path) -> None:
    with _refusing_every_login() as port:
        settings = _settings(tmp_path, f"bolt://127.0.0.1:{port}", "not-the-password")
        started = time.monotonic()
        with pytest.raises(GraphError) as refused:
            open_settings_graph(settings, wait=True)
    assert time.monotonic() - started < 15
    assert not isinstance(refused.value, GraphUnavailable)
    assert "LCS_HUB_GRAPH_PASSWORD" in str(refused.value)
    assert "not-the-password" not in str(refused.value)
