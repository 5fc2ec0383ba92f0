"""Fixtures for the hub's own tests: the tiny demo county in the test's graph."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from demo import county
from graph import FalkorDBStore
from hub.settings import Settings

if TYPE_CHECKING:
    from opentelemetry.trace import TracerProvider

TODAY = date(2026, 11, 2)


@pytest.fixture
async def demo(store: FalkorDBStore) -> county.County:
    world = county.generate("tiny", today=TODAY)
    await county.load(store, world, show_progress=False)
    return world


def sams_children(world: county.County) -> list[str]:
    """Children allocated to the demo social worker (who may read them)."""
    return [row["child"] for row in world.allocations if row["worker"] == "worker-sw-demo"]


@pytest.fixture
def app_client(
    store: FalkorDBStore, tmp_path: Path
) -> Callable[..., contextlib.AbstractAsyncContextManager[httpx.AsyncClient]]:
    """A client for an app built with some settings changed (and the test's store)."""

    @contextlib.asynccontextmanager
    async def open_client(
        graph: FalkorDBStore | None = None,
        tracer_provider: TracerProvider | None = None,
        **changes: object,
    ) -> AsyncIterator[httpx.AsyncClient]:
        from connectors.livelink.embedded_store import EmbeddedContentStore
        from hub.app import create_app

        settings = Settings(var_dir=tmp_path / "var", _env_file=None, **changes)  # type: ignore[call-arg]
        content = await EmbeddedContentStore.open(settings.content_dir)
        app = create_app(
            settings,
            store=graph or store,
            content_store=content,
            run_outbox=False,
            tracer_provider=tracer_provider,
        )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
            yield http
        await content.aclose()
        if app.state.tracing is not None:
            app.state.tracing.close()

    return open_client
