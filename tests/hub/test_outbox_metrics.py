"""What is waiting for which destination, and whether its calls are held back, at
`/metrics` and `/readyz`.

During an outage of one destination (Livelink down for hours, EHM failing) the metrics
showed only how many items waited in all and the oldest one's age: an EHM outage and a
Livelink one looked the same, and that the worker had stopped calling a destination
(its circuit breaker open) was in the log only.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from connectors.livelink.embedded_store import EmbeddedContentStore
from demo import county
from graph import FalkorDBStore
from hub.settings import Settings
from tests.helpers import bearer, graphql
from tests.hub.test_metrics import FINALISE_CONTACT, NEW_CHILD, RECORD_CONTACT, scrape, total

pytestmark = pytest.mark.anyio


async def test_waiting_items_by_kind_and_an_open_circuit_are_reported(
    store: FalkorDBStore, tmp_path: Path, demo: county.County
) -> None:
    from hub.app import create_app

    settings = Settings(  # type: ignore[call-arg]
        var_dir=tmp_path / "var",
        outbox_poll_seconds=0.1,
        outbox_breaker_threshold=1,
        outbox_breaker_cooldown_seconds=600,
        _env_file=None,
    )
    # Livelink's store is away (its volume not mounted): every delivery fails, for now.
    unmounted = EmbeddedContentStore(tmp_path / "unmounted")
    app = create_app(settings, store=store, content_store=unmounted, run_outbox=True)
    worker = bearer(settings, "social-worker")
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://hub.test"
        ) as http,
    ):
        contact = {"receivedDate": "2026-10-27", "source": "SCHOOLS", "summary": "Bruise seen"}
        recorded = await graphql(
            http, worker, RECORD_CONTACT, {"input": {**contact, "child": NEW_CHILD}}
        )
        await graphql(http, worker, FINALISE_CONTACT, {"id": recorded["recordContact"]["id"]})
        # Bounded: the worker polls every 0.1 s; its first failure opens the circuit.
        for _ in range(200):
            samples = await scrape(http)
            if total(samples, "lcs_hub_outbox_circuit_open", destination="livelink"):
                break
            await asyncio.sleep(0.1)
        ready = (await http.get("/readyz")).json()
    assert total(samples, "lcs_hub_outbox_circuit_open", destination="livelink") == 1
    # The demo county's files wait too, with the new child's: nothing reaches Livelink.
    waiting = ready["outbox"]["byKind"]["OPEN_FILE"]
    assert waiting["pending"] >= 1
    assert (
        total(samples, "lcs_hub_outbox_items_by_kind", kind="OPEN_FILE", state="PENDING")
        == (waiting["pending"])
    )
    assert total(samples, "lcs_hub_outbox_items_by_kind", kind="OPEN_FILE", state="FAILED") == 0
    assert ready["outbox"]["circuits"] == {"livelink": "OPEN"}
