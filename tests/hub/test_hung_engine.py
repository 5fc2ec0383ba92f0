"""A standalone engine that hangs is an outage (503), not a query asking too much (504).

A standalone FalkorDB server stopped with SIGSTOP (or wedged) takes connections and
statements and answers nothing; nobody in the hub restarts it (it is not the hub's
process). Each request waited for its deadline and was answered 504 `DEADLINE_EXCEEDED`,
"ask for less": the user was told to narrow a case view that had asked for nothing
unusual. A hung engine answers no ping either, where an engine busy with a long statement
still does (statements run on its worker threads, the ping on its main thread), so at the
deadline the hub asks, and the two are answered apart.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from demo import county
from graph import FalkorDBServer, FalkorDBStore, GraphUnavailable, open_graph
from graph.falkordb_store import CONNECT_TIMEOUT_S
from graph.liveness import engine_answers
from graph.standalone import StandaloneServer
from hub.route_deadline import DeadlineExceeded, EngineHung, until_deadline
from hub.settings import Settings
from tests.graph.test_statement_deadline import ENDLESS_READ
from tests.hub.conftest import TODAY, sams_children
from tests.hub.test_engine_recovery import NOTES, _add_note

pytestmark = pytest.mark.anyio


@pytest.fixture
def server(tmp_path: Path) -> Iterator[StandaloneServer]:
    # A server of the test's own: it is stopped (SIGSTOP) in the middle of the test.
    running = StandaloneServer(tmp_path / "server", password=secrets.token_urlsafe(16))
    running.start()
    yield running
    if running.pid is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(running.pid, signal.SIGCONT)
    running.stop()


@contextlib.contextmanager
def _stopped(server: StandaloneServer) -> Iterator[None]:
    assert server.pid is not None
    os.kill(server.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(server.pid, signal.SIGCONT)


@contextlib.asynccontextmanager
async def _store(server: StandaloneServer, tmp_path: Path) -> AsyncIterator[FalkorDBStore]:
    opened = open_graph(
        server.url,
        data_dir=tmp_path,
        graph_name=f"hung-{uuid.uuid4().hex}",
        password=server.password,
    )
    assert isinstance(opened.store, FalkorDBStore)
    try:
        yield opened.store
    finally:
        await opened.close()


async def test_a_slow_statement_is_past_its_deadline_and_a_hung_engine_is_an_outage(
    server: StandaloneServer, tmp_path: Path
) -> None:
    async with _store(server, tmp_path) as store:
        await store.write("CREATE (:HangProbe)")  # a graph to read (an empty key is refused)
        # Up and busy with a statement too long for the request: the deadline (ask for less).
        with pytest.raises(DeadlineExceeded):
            await until_deadline(0.5, store.read(ENDLESS_READ), engine=store)
        with _stopped(server), pytest.raises(EngineHung):
            await until_deadline(0.5, store.read("RETURN 1 AS one"), engine=store)
        # Resumed: the same store answers at once, on connections that are not left
        # waiting for the answers given up on.
        answers = await asyncio.gather(*(store.read("RETURN 1 AS one") for _ in range(20)))
        assert answers == [[{"one": 1}]] * 20


async def test_requests_to_a_hung_standalone_engine_answer_503_and_recover_when_it_resumes(
    server: StandaloneServer, tmp_path: Path
) -> None:
    from connectors.livelink.embedded_store import EmbeddedContentStore
    from hub.app import create_app, issue_persona_token

    settings = Settings(  # type: ignore[call-arg]
        var_dir=tmp_path / "var",
        graph_url=server.url,
        graph_password=server.password,
        graph_name=f"hung-{uuid.uuid4().hex}",
        request_deadline_seconds=3,
        graph_pool_timeout_seconds=1,
        # More requests than connections: those waiting for one are refused by the pool's
        # wait (ENGINE_BUSY, "too busy") unless it too asks whether the engine answers.
        graph_pool_size=2,
        rate_limit="1000000/second",
        _env_file=None,
    )
    content = await EmbeddedContentStore.open(settings.content_dir)
    app = create_app(settings, content_store=content, run_outbox=False)
    headers = {"Authorization": f"Bearer {issue_persona_token(settings, 'social-worker')}"}
    acknowledged: set[str] = set()
    async with app.router.lifespan_context(app):
        world = county.generate("tiny", today=TODAY)
        await county.load(app.state.hub.store, world, show_progress=False)
        child = sams_children(world)[0]
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
            for n in range(3):
                answer = await _add_note(http, headers, child, n)
                acknowledged.add(answer.json()["data"]["addCaseNote"]["id"])

            with _stopped(server):
                refused: list[httpx.Response] = await asyncio.gather(
                    _add_note(http, headers, child, 100),
                    *(_read_notes(http, headers, child) for _ in range(4)),
                )
                not_ready = await http.get("/readyz")
            for answer in refused:
                assert answer.status_code == 503, answer.text
                assert answer.headers["Retry-After"]
                body = answer.json()
                assert body["data"] is None
                assert [e["extensions"]["code"] for e in body["errors"]] == ["ENGINE_UNAVAILABLE"]
            assert not_ready.status_code == 503

            # Resumed: requests are answered again by themselves, the hub never restarted.
            after = await _add_note(http, headers, child, 200)
            assert after.status_code == 200, after.text
            acknowledged.add(after.json()["data"]["addCaseNote"]["id"])
            assert (await http.get("/readyz")).status_code == 200
            notes = await _read_notes(http, headers, child)
            stored = {note["id"] for note in notes.json()["data"]["child"]["caseNotes"]}
    await content.aclose()
    assert acknowledged <= stored


async def _read_notes(http: httpx.AsyncClient, headers: dict[str, str], child: str) -> Any:
    return await http.post(
        "/graphql", json={"query": NOTES, "variables": {"id": child}}, headers=headers
    )


async def _connections_received(store: FalkorDBStore) -> int:
    stats = await store._command("INFO", "stats")
    return int(stats["total_connections_received"])


async def test_requests_at_their_deadline_together_share_one_ping(
    server: StandaloneServer, tmp_path: Path
) -> None:
    async with _store(server, tmp_path) as store:
        before = await _connections_received(store)
        with _stopped(server):
            answers = await asyncio.gather(*(engine_answers(store, 1.0) for _ in range(40)))
        assert answers == [False] * 40
        # Resumed, the server takes in what waited in its backlog (bounded: 5 s).
        for _ in range(50):
            await asyncio.sleep(0.1)
            received = await _connections_received(store) - before
            if received:
                break
        # One ping's connection (and the INFO's own, if the pool opened one), not 40.
        assert received <= 2, received
        assert await engine_answers(store, 1.0) is True


async def test_work_outside_a_request_gives_up_opening_a_connection_to_a_hung_server(
    server: StandaloneServer, tmp_path: Path
) -> None:
    # A new connection logs in (AUTH) and tells the server the client's name before any
    # statement: on a server that takes the socket and answers nothing, the audit
    # journal's drain, the outbox worker or a probe waited up to the statement timeout
    # (300 s) there, with no request's deadline around them to cut it short.
    from hub.app import open_settings_graph

    settings = Settings(  # type: ignore[call-arg]
        var_dir=tmp_path / "var",
        graph_url=server.url,
        graph_password=server.password,
        graph_name=f"hung-{uuid.uuid4().hex}",
        graph_connect_timeout_seconds=0.5,
        _env_file=None,
    )
    opened = open_settings_graph(settings)
    store = opened.store
    assert isinstance(store, FalkorDBStore)
    try:
        await store.write("CREATE (:HangProbe)")
        await store.drop_connections()
        with _stopped(server):
            started = time.monotonic()
            with pytest.raises(GraphUnavailable, match=r"no new connection within 0\.5 s"):
                # Bounded: the test fails in 20 s rather than waiting 300 s.
                async with asyncio.timeout(20):
                    await store.read("MATCH (n:HangProbe) RETURN count(n) AS n")
            assert time.monotonic() - started < 3
        assert await store.read("MATCH (n:HangProbe) RETURN count(n) AS n") == [{"n": 1}]
    finally:
        await store.drop()
        await opened.close()


async def test_building_a_store_on_a_hung_server_gives_up_within_seconds_and_statements_wait(
    server: StandaloneServer,
) -> None:
    address = FalkorDBServer("127.0.0.1", server.port, password=server.password)
    # The client's first question at start waited the statement timeout (300 s) and its
    # retries: the start's back-off (hub/app.py) never came into play.
    with _stopped(server):
        started = time.monotonic()
        with pytest.raises(GraphUnavailable):
            FalkorDBStore(address, f"hung-{uuid.uuid4().hex}")
        assert time.monotonic() - started < CONNECT_TIMEOUT_S + 3

    # The start's short wait is the start's alone: a statement waits on an engine paused
    # for longer than that, as long as a statement may run.
    store = FalkorDBStore(address, f"hung-{uuid.uuid4().hex}")
    try:
        await store.write("CREATE (:HangProbe)")  # a graph to read (an empty key is refused)
        with _stopped(server):
            answer = asyncio.ensure_future(store.read("RETURN 1 AS one"))
            await asyncio.sleep(CONNECT_TIMEOUT_S + 1.5)
            assert not answer.done()
        assert await answer == [{"one": 1}]
    finally:
        await store.drop()
        await store.close()
