"""What a request leaves behind: nothing the garbage collector has to find.

A request's executor, context, loaders and answers are freed when the request ends, by
reference counting; a reference cycle through them would keep every object the request
made (~430 for a case view) until a collection, whose cost every later request pays.
And what start-up built is frozen while the app serves, so no collection walks it.
"""

from __future__ import annotations

import gc
import weakref
from typing import TYPE_CHECKING

import pytest

from auth.authority import principal_on_record
from auth.principal import Audience
from bench.case_view_query import CASE_VIEW, SOCIAL_WORKER
from resolvers.context import HubContext
from schema.build import build_schema
from tests.hub.conftest import sams_children
from workflow.calendar import default_calendar

if TYPE_CHECKING:
    from pathlib import Path

    from demo import county
    from graph import FalkorDBStore

pytestmark = pytest.mark.anyio


async def test_a_case_view_is_freed_when_it_ends_without_the_garbage_collector(
    store: FalkorDBStore, demo: county.County
) -> None:
    schema = build_schema(Audience.INTERNAL)
    principal = await principal_on_record(store, SOCIAL_WORKER)
    gc.collect()
    gc.disable()
    try:
        context = HubContext(
            request=None,  # type: ignore[arg-type]
            principal=principal,
            store=store,
            calendar=default_calendar(),
        )
        result = await schema.execute(
            CASE_VIEW, variable_values={"id": sams_children(demo)[0]}, context_value=context
        )
        assert result.errors is None
        assert result.data
        assert result.data["child"]
        assert context.accessed
        request = weakref.ref(context)
        del context, result
        freed = request() is None
        assert freed, "the request's context is held by a reference cycle"
    finally:
        gc.enable()


async def test_what_start_up_built_is_frozen_while_the_app_serves(
    store: FalkorDBStore, tmp_path: Path
) -> None:
    from connectors.livelink.embedded_store import EmbeddedContentStore
    from hub.app import create_app
    from hub.settings import Settings

    settings = Settings(var_dir=tmp_path / "var", _env_file=None)  # type: ignore[call-arg]
    content = await EmbeddedContentStore.open(settings.content_dir)
    app = create_app(settings, store=store, content_store=content, run_outbox=False)
    # The interpreter starts with a few objects of its own frozen.
    before = gc.get_freeze_count()
    async with app.router.lifespan_context(app):
        serving = gc.get_freeze_count()
    assert serving > before
    # Given back when the app stops: a process that builds another app collects it.
    assert gc.get_freeze_count() <= before
