"""The Neo4j adapter hands the database each statement's time (graph/deadline.py) as the
transaction's timeout, and reads the database's timeout as the statement stopped.

No Neo4j server runs here: the Bolt peer (tests/graph/bolt_peer.py) acknowledges BEGIN and
ignores its timeout, so what is proved is what the driver sends, read off the wire between
the real driver and the peer; that Neo4j then ends the transaction is its documented
behaviour (the driver's `unit_of_work(timeout=...)`), not tested here.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import struct
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import neo4j.exceptions
import pytest

from graph import Neo4jStore
from graph.deadline import MOST_STATEMENT_SECONDS, statements_end_within
from graph.errors import GraphError, GraphUnavailable, StatementTimedOut
from graph.neo4j_store import _graph_errors
from graph.standalone import StandaloneServer

pytestmark = pytest.mark.anyio


@contextlib.asynccontextmanager
async def _recording_relay(port: int, sent: bytearray) -> AsyncIterator[int]:
    """A TCP relay to `port` on loopback, keeping what the client sends; yields its port."""
    writers: list[asyncio.StreamWriter] = []
    pumps: list[asyncio.Task[None]] = []

    async def pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, keep: bool) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                if keep:
                    sent.extend(data)
                writer.write(data)
                await writer.drain()
        writer.close()

    async def relay(client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter) -> None:
        server_in, server_out = await asyncio.open_connection("127.0.0.1", port)
        writers.extend((client_out, server_out))
        pumps.append(asyncio.create_task(pump(client_in, server_out, keep=True)))
        pumps.append(asyncio.create_task(pump(server_in, client_out, keep=False)))

    server = await asyncio.start_server(relay, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        for writer in writers:
            writer.close()
        for task in pumps:
            task.cancel()
        await asyncio.gather(*pumps, return_exceptions=True)
        for writer in writers:
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
        await server.wait_closed()


def _tx_timeouts(sent: bytes) -> list[int]:
    """Every `tx_timeout` (milliseconds) in the BEGIN messages the client sent: PackStream
    writes the key as a tiny string and the value as an integer of 1 to 8 bytes."""
    key = b"\x8atx_timeout"
    found = []
    at = sent.find(key)
    while at >= 0:
        marker = sent[at + len(key)]
        value = sent[at + len(key) + 1 :]
        if marker < 0x80:
            found.append(marker)
        else:
            size, form = {0xC8: (1, ">b"), 0xC9: (2, ">h"), 0xCA: (4, ">i"), 0xCB: (8, ">q")}[
                marker
            ]
            found.append(struct.unpack(form, value[:size])[0])
        at = sent.find(key, at + 1)
    return found


async def test_each_transaction_is_given_the_statements_time(
    bolt_server: StandaloneServer,
) -> None:
    assert bolt_server.bolt_port is not None
    sent = bytearray()
    async with _recording_relay(bolt_server.bolt_port, sent) as port:
        store = Neo4jStore(
            f"bolt://127.0.0.1:{port}",
            user="falkordb",
            password=bolt_server.password,
            database=None,
            pool_timeout=3,
        )
        try:
            with statements_end_within(7):
                assert await store.read("RETURN 1 AS one") == [{"one": 1}]
            with statements_end_within(3):
                await store.write("CREATE (:DeadlineProbe)")
            # Outside a request: the longest a statement may run.
            assert await store.read("RETURN 2 AS two") == [{"two": 2}]
        finally:
            await store.close()
    first, second, third = _tx_timeouts(bytes(sent))
    assert 6_000 < first <= 7_000
    assert 2_000 < second <= 3_000
    assert third == MOST_STATEMENT_SECONDS * 1000


@pytest.mark.parametrize(
    "code",
    [
        "Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration",
        "Neo.ClientError.Transaction.TransactionTimedOut",
        "Neo.TransientError.Transaction.TransactionTimedOut",
    ],
)
def test_the_databases_timeout_is_the_statement_stopped(code: str) -> None:
    error = neo4j.exceptions.Neo4jError._hydrate_neo4j(code=code, message="terminated")
    with pytest.raises(StatementTimedOut), _graph_errors():
        raise error


def test_other_database_errors_keep_their_meaning() -> None:
    for code, expected in (
        ("Neo.ClientError.Statement.SyntaxError", GraphError),
        ("Neo.TransientError.Transaction.DeadlockDetected", GraphUnavailable),
    ):
        error = neo4j.exceptions.Neo4jError._hydrate_neo4j(code=code, message="no")
        with pytest.raises(expected) as raised, _graph_errors():
            raise error
        assert not isinstance(raised.value, StatementTimedOut)


# A database stopped (SIGSTOP) or wedged never ends the transaction at its timeout, and
# the driver has no read timeout of its own: a statement waited for ever (the outbox
# worker's, an import's, where no request deadline cancels it), and so did the schema at
# start, in sessions of its own. FalkorDB's client stops at its socket timeout; these now
# stop once the statement's time, the pool's wait and the driver's retries are past, the
# engine unavailable, as there.
@pytest.mark.parametrize(
    "stalled",
    [
        pytest.param(lambda store: store.read("RETURN 1 AS one"), id="a statement"),
        pytest.param(lambda store: store.apply_schema(), id="the schema at start"),
    ],
)
async def test_work_on_a_hung_database_waits_no_longer_than_a_statement_may_take(
    bolt_server: StandaloneServer, stalled: Callable[[Neo4jStore], Awaitable[object]]
) -> None:
    assert bolt_server.pid is not None
    store = Neo4jStore(
        bolt_server.bolt_url,
        user="falkordb",
        password=bolt_server.password,
        database=None,
        pool_timeout=1,
    )
    try:
        assert await store.read("RETURN 1 AS one") == [{"one": 1}]
        os.kill(bolt_server.pid, signal.SIGSTOP)
        try:
            started = time.monotonic()
            with statements_end_within(1), pytest.raises(GraphUnavailable):
                async with asyncio.timeout(20):  # the test's own bound, not the store's
                    await stalled(store)
            assert time.monotonic() - started < 1 + 2 * 1 + 2
        finally:
            os.kill(bolt_server.pid, signal.SIGCONT)
        # Resumed: the store answers again.
        assert await store.read("RETURN 1 AS one") == [{"one": 1}]
    finally:
        await store.close()
