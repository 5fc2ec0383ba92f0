"""The outbox as records officers and operators see it: backlog, alert, bulk replay, /readyz.

Through the ASGI app on the real embedded engine; the app's own worker is off, so
the outbox stands still while it is looked at.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from connectors.livelink.form_store import FormStore
from graph import EmbeddedEngine, FalkorDBStore
from hub.app import create_app, token_settings
from hub.settings import Settings
from tests.connectors.livelink.outbox_world import (
    START,
    file_item_ids,
    graph_counts,
    world_with_documents,
)
from tests.helpers import graphql
from tests.live_server import serve_in_thread

pytestmark = pytest.mark.anyio

OFFICER = ("worker-records", "Rita Records", "records_officer")
SOCIAL_WORKER = ("worker-records-test", "Sam Patel", "social_worker")

BACKLOG = """{ outboxBacklog { __typename
    ... on OutboxBacklog { pending failed oldestQueuedAt alert }
    ... on NotAuthorised { reason } } }"""
ALERTS = "{ myWork { recordsAlerts { kind since items detail } } }"
REPLAY_FAILED = """mutation { replayFailedOutboxItems { __typename
    ... on OutboxReplayed { replayed } ... on NotAuthorised { reason } } }"""


def _as(settings: Settings, who: tuple[str, str, str]) -> dict[str, str]:
    from auth.tokens import LocalSigningKey, TokenIssuer

    rules = token_settings(settings)
    key = LocalSigningKey.load_or_create(rules.key_path)
    subject, name, role = who
    token = TokenIssuer(rules, key).issue(subject, name, role, "agency-la", "team-records-test")
    return {"Authorization": f"Bearer {token}"}


async def _officer_on_record(store: FalkorDBStore) -> None:
    # Role and team come from the worker record, not the token (auth.authority).
    await store.write(
        "MERGE (w:Worker {id: $id}) SET w.name = $name, w.role = $role",
        dict(zip(("id", "name", "role"), OFFICER, strict=True)),
    )


@pytest.fixture
async def parked(store: FalkorDBStore, tmp_path: Path) -> FalkorDBStore:
    """The three children's items, the documents parked FAILED (queued in 2024)."""
    await world_with_documents(store, FormStore(tmp_path / "forms"))
    await _officer_on_record(store)
    await store.write(
        "UNWIND $ids AS id MATCH (o:OutboxItem {id: id})"
        " SET o.state = 'FAILED', o.attempts = 1, o.lastError = 'HTTP 403 Forbidden'",
        {"ids": await file_item_ids(store)},
    )
    return store


async def test_records_officers_see_the_backlog_and_a_work_list_alert_others_do_not(
    client: httpx.AsyncClient, settings: Settings, parked: FalkorDBStore
) -> None:
    officer = _as(settings, OFFICER)
    worker = _as(settings, SOCIAL_WORKER)

    backlog = (await graphql(client, officer, BACKLOG))["outboxBacklog"]
    alerts = (await graphql(client, officer, ALERTS))["myWork"]["recordsAlerts"]

    assert backlog["__typename"] == "OutboxBacklog"
    assert (backlog["pending"], backlog["failed"], backlog["alert"]) == (3, 9, True)
    # The oldest item was queued with the first form, in 2024: long past the hour.
    assert datetime.fromisoformat(backlog["oldestQueuedAt"]) == START
    assert [(alert["kind"], alert["items"]) for alert in alerts] == [
        ("LIVELINK_FILING_BEHIND", 12),
        ("LIVELINK_FILING_FAILED", 9),
    ]
    assert datetime.fromisoformat(alerts[0]["since"]) == START
    assert (await graphql(client, worker, BACKLOG))["outboxBacklog"]["__typename"] == (
        "NotAuthorised"
    )
    assert (await graphql(client, worker, ALERTS))["myWork"]["recordsAlerts"] == []


async def test_no_alert_while_the_oldest_item_is_younger_than_the_threshold(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, tmp_path: Path
) -> None:
    await world_with_documents(store, FormStore(tmp_path / "forms"), children=("C201",))
    await _officer_on_record(store)
    just_now = int(datetime.now(UTC).timestamp() * 1000)
    await store.write("MATCH (o:OutboxItem) SET o.createdAt = $t", {"t": just_now})

    backlog = (await graphql(client, _as(settings, OFFICER), BACKLOG))["outboxBacklog"]
    alerts = (await graphql(client, _as(settings, OFFICER), ALERTS))["myWork"]["recordsAlerts"]

    assert (backlog["pending"], backlog["failed"], backlog["alert"]) == (4, 0, False)
    assert alerts == []


async def test_a_records_officer_replays_every_failed_item_at_once(
    client: httpx.AsyncClient, settings: Settings, parked: FalkorDBStore
) -> None:
    refused = await graphql(client, _as(settings, SOCIAL_WORKER), REPLAY_FAILED)
    assert refused["replayFailedOutboxItems"]["__typename"] == "NotAuthorised"
    assert await graph_counts(parked) == {"FILE_DOCUMENT:FAILED": 9, "OPEN_FILE:PENDING": 3}

    replayed = await graphql(client, _as(settings, OFFICER), REPLAY_FAILED)
    again = await graphql(client, _as(settings, OFFICER), REPLAY_FAILED)

    assert replayed["replayFailedOutboxItems"] == {"__typename": "OutboxReplayed", "replayed": 9}
    assert again["replayFailedOutboxItems"]["replayed"] == 0
    assert await graph_counts(parked) == {"FILE_DOCUMENT:PENDING": 9, "OPEN_FILE:PENDING": 3}
    by = await parked.read(
        "MATCH (o:OutboxItem {kind: 'FILE_DOCUMENT'}) RETURN DISTINCT o.replayedBy AS by"
    )
    assert by == [{"by": OFFICER[0]}]
    pending = await graphql(
        client,
        _as(settings, OFFICER),
        '{ outboxItems(state: "PENDING") { ... on OutboxItemList { items { state nextAttemptAt'
        " leasedUntil } } } }",
    )
    items = pending["outboxItems"]["items"]
    assert len(items) == 12
    assert all(item["nextAttemptAt"] and item["leasedUntil"] is None for item in items)


async def test_a_state_no_outbox_item_can_be_in_is_refused_naming_it(
    client: httpx.AsyncClient, settings: Settings, parked: FalkorDBStore
) -> None:
    # A typing slip ("Failed", "FAIL") answered an empty list, which reads as nothing waiting.
    query = """query ($state: String!) { outboxItems(state: $state) { __typename
        ... on OutboxItemList { items { state } }
        ... on InvalidInput { problems { field rule } } } }"""
    for slip in ("Failed", "FAIL", "", "x" * 10_000):
        refused = await graphql(client, _as(settings, OFFICER), query, {"state": slip})
        assert refused["outboxItems"] == {
            "__typename": "InvalidInput",
            "problems": [{"field": "state", "rule": "one of PENDING, FAILED, DELIVERED"}],
        }
    failed = await graphql(client, _as(settings, OFFICER), query, {"state": "FAILED"})
    assert len(failed["outboxItems"]["items"]) == 9


async def test_readyz_reports_the_outbox_backlog_as_data(
    client: httpx.AsyncClient, parked: FalkorDBStore
) -> None:
    response = await client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["outbox"]["pending"] == 3
    assert body["outbox"]["failed"] == 9
    assert body["outbox"]["alert"] is True
    assert body["outbox"]["oldestUndeliveredAgeSeconds"] > body["outbox"]["alertAfterSeconds"]


@pytest.mark.parametrize("enabled", [True, False])
def test_the_app_runs_the_outbox_worker_only_when_the_settings_say_so(
    engine: EmbeddedEngine, tmp_path: Path, enabled: bool
) -> None:
    assert engine.socket_path is not None
    settings = Settings(var_dir=tmp_path / "var", outbox_enabled=enabled, _env_file=None)  # type: ignore[call-arg]
    store = FalkorDBStore(engine.socket_path, f"outbox-{uuid.uuid4().hex}")
    app = create_app(settings, store=store, close_store=True)
    with serve_in_thread(app, lifespan="on") as url:
        assert (app.state.hub.outbox_worker is not None) is enabled
        assert httpx.get(f"{url}/readyz").json()["outbox"]["pending"] == 0
