"""An engine you can lean on: kill -9 it under a running hub; requests recover by themselves.

The app here owns its embedded engine (as `lcs-hub serve` does), so the supervisor runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import stat
from pathlib import Path
from typing import Any

import httpx
import pytest

from demo import county
from graph import EngineSupervisor
from hub.settings import Settings
from tests.hub.conftest import TODAY, sams_children
from tests.hub.test_metrics import scrape, total

pytestmark = pytest.mark.anyio

ADD_NOTE = """mutation ($input: AddCaseNoteInput!) { addCaseNote(input: $input) {
  __typename ... on CaseNote { id } } }"""
NOTES = "query ($id: ID!) { child(id: $id) { caseNotes { id } } }"


async def _add_note(http: httpx.AsyncClient, headers: dict[str, str], child: str, n: int) -> Any:
    variables = {
        "input": {
            "childId": child,
            "type": "PHONE_CALL",
            "text": f"call {n}",
            "occurredAt": "2026-10-30T09:30:00Z",
        }
    }
    return await http.post(
        "/graphql", json={"query": ADD_NOTE, "variables": variables}, headers=headers
    )


async def test_a_killed_engine_is_restarted_and_no_acknowledged_write_is_lost(
    tmp_path: Path,
) -> None:
    supervisor = await _outage(tmp_path, signal.SIGKILL, retryable=(503,))
    assert supervisor.restarts == 1
    # Killed within a minute of its start, its next start was held back (a short wait).
    assert supervisor.restarts_held_back == 1


async def test_an_engine_that_stops_answering_is_restarted_and_no_acknowledged_write_is_lost(
    tmp_path: Path,
) -> None:
    # Alive but answering nothing (SIGSTOP): requests answered 504 and /readyz 503 in
    # time, but nothing restarted the engine until someone restarted the hub.
    supervisor = await _outage(
        tmp_path, signal.SIGSTOP, retryable=(503, 504), graph_hung_after_seconds=2
    )
    assert (supervisor.hangs, supervisor.restarts) == (1, 1)


async def _outage(
    tmp_path: Path, fault: signal.Signals, *, retryable: tuple[int, ...], **settings_values: Any
) -> EngineSupervisor:
    """Writes through the hub, sends `fault` to its engine, writes until a write is
    acknowledged again (each refusal one of `retryable`, a 503 with `Retry-After`), and checks
    that every acknowledged write is kept; returns the hub's supervisor."""
    from connectors.livelink.embedded_store import EmbeddedContentStore
    from hub.app import create_app, issue_persona_token

    settings = Settings(
        var_dir=tmp_path / "var",
        graph_appendfsync="always",
        _env_file=None,  # type: ignore[call-arg]
        **settings_values,
    )
    content = await EmbeddedContentStore.open(settings.content_dir)
    app = create_app(settings, content_store=content, run_outbox=False)
    supervisor: EngineSupervisor = app.state.engine_supervisor
    engine = supervisor._engine
    headers = {"Authorization": f"Bearer {issue_persona_token(settings, 'social-worker')}"}
    acknowledged: set[str] = set()
    async with app.router.lifespan_context(app):
        world = county.generate("tiny", today=TODAY)
        await county.load(app.state.hub.store, world, show_progress=False)
        child = sams_children(world)[0]
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
            for n in range(5):
                response = await _add_note(http, headers, child, n)
                acknowledged.add(response.json()["data"]["addCaseNote"]["id"])

            faulty = engine.server_pid
            os.kill(faulty, fault)
            statuses: list[int] = []
            try:
                # Bounded: attempts 0.1 s apart for 60 s (each bounded by the deadline).
                give_up = asyncio.get_running_loop().time() + 60
                for n in itertools.count():
                    if asyncio.get_running_loop().time() > give_up:
                        break
                    response = await _add_note(http, headers, child, 100 + n)
                    statuses.append(response.status_code)
                    if response.status_code == 200:
                        acknowledged.add(response.json()["data"]["addCaseNote"]["id"])
                        break
                    assert response.status_code in retryable, response.text
                    if response.status_code == 503:
                        assert response.headers["Retry-After"]
                    assert engine.socket_path is None or engine.socket_path not in response.text
                    await asyncio.sleep(0.1)
            finally:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(faulty, signal.SIGCONT)
            # The write right after the fault finds no engine: refused, not a crash or a 200.
            assert statuses[0] in retryable
            assert statuses[-1] == 200, "requests did not recover by themselves"
            assert (await http.get("/readyz")).status_code == 200
            # A request can get through while the supervisor is still finishing the
            # restart it started, so its count is waited for (bounded: 10 s).
            for _ in range(100):
                if supervisor.restarts:
                    break
                await asyncio.sleep(0.1)

            notes = await http.post(
                "/graphql", json={"query": NOTES, "variables": {"id": child}}, headers=headers
            )
            stored = {note["id"] for note in notes.json()["data"]["child"]["caseNotes"]}
            # The restarts are seen at /metrics, as the supervisor counted them.
            samples = await scrape(http)
            assert total(samples, "lcs_hub_engine_restarts") == supervisor.restarts
            assert total(samples, "lcs_hub_engine_restarts_held_back") == (
                supervisor.restarts_held_back
            )
            assert total(samples, "lcs_hub_engine_next_start_seconds") == 0
    await content.aclose()
    assert acknowledged <= stored
    # The data directory holds the whole case record: nobody else may read it.
    _assert_private(settings.var_dir)
    return supervisor


def _assert_private(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, f"{path} is {oct(mode)}"


def test_the_engines_log_is_rotated_at_start_as_the_settings_say(tmp_path: Path) -> None:
    # LCS_HUB_GRAPH_LOG_MAX_BYTES and LCS_HUB_GRAPH_LOG_KEEP reach the engine; a log left
    # over the bound (a hub that ran for months before) is rotated when a server starts.
    from hub.app import open_settings_graph

    settings = Settings(
        var_dir=tmp_path / "var",
        graph_log_max_bytes=65_536,
        graph_log_keep=1,
        _env_file=None,  # type: ignore[call-arg]
    )
    settings.graph_dir.mkdir(parents=True)
    grown = settings.graph_dir / "engine.log"
    grown.write_text("an old line\n" * 6_000)
    (settings.graph_dir / "engine.log.1").write_text("the oldest line\n")
    opened = open_settings_graph(settings)
    try:
        assert opened.engine is not None
        assert (opened.engine.log_max_bytes, opened.engine.log_keep) == (65_536, 1)
    finally:
        asyncio.run(opened.close())
    assert (settings.graph_dir / "engine.log.1").read_text() == "an old line\n" * 6_000
    assert not (settings.graph_dir / "engine.log.2").exists()
    assert "Server initialized" in grown.read_text()
