"""A FalkorDB server that keeps no append-only file is named at start, not trusted silently.

The hub acknowledges a write once the engine has it; the embedded engine keeps every
write in its append-only file, fsynced. A standalone server started without one
(`appendonly no`) acknowledges writes it holds in memory only, and a restart of that
server lost the whole record while the hub carried on as if nothing had happened.
"""

from __future__ import annotations

import io
import json
import secrets
from pathlib import Path

import httpx
import pytest

from graph import open_graph
from graph.standalone import StandaloneServer
from hub.settings import Settings
from tests.hub.test_no_personal_data_in_logs import captured

pytestmark = pytest.mark.anyio

__all__ = ["captured"]


@pytest.mark.parametrize("durable", [False, True])
async def test_a_server_without_an_append_only_file_is_warned_of_at_start(
    tmp_path: Path, captured: io.StringIO, durable: bool
) -> None:
    from hub.app import create_app

    password = secrets.token_urlsafe(12)
    server = StandaloneServer(tmp_path / "engine", password=password, durable=durable)
    server.start()
    opened = open_graph(server.url, data_dir=tmp_path, graph_name="lcs", password=password)
    try:
        settings = Settings(var_dir=tmp_path / "var", _env_file=None)  # type: ignore[call-arg]
        app = create_app(settings, store=opened.store, run_outbox=False)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://hub.test"
            ) as http,
        ):
            assert (await http.get("/readyz")).status_code == 200
    finally:
        await opened.close()
        server.stop()
    warnings = [
        entry
        for entry in map(json.loads, captured.getvalue().splitlines())
        if entry["level"] == "warning" and "append-only file" in entry["message"]
    ]
    assert len(warnings) == (0 if durable else 1), warnings
