"""The read audit's journal through the hub: a read is journaled before its answer leaves,
every reader of the audit sees it at once, an append the engine refuses withholds the
answer, a hub killed before its drain loses nothing, and a merge takes the read along."""

from __future__ import annotations

import asyncio
import signal
import sys
import textwrap
from typing import TYPE_CHECKING

import pytest
import redis.asyncio

from connectors.livelink.embedded_store import EmbeddedContentStore
from graph import AuditJournal, EmbeddedEngine, FalkorDBStore
from graph.migrations import bring_to_current_shape
from hub.app import create_app
from tests.e2e.test_merge_children import UNMERGE, _merge, _recorded_again_with_a_typo
from tests.helpers import REPOSITORY, bearer, graphql
from tests.hub.conftest import sams_children
from tests.hub.test_metrics import parse, total

if TYPE_CHECKING:
    import httpx

    from demo import county
    from hub.settings import Settings

pytestmark = pytest.mark.anyio

VISIT = "query Visit($id: ID!) { child(id: $id) { givenName } }"
TRAIL = """query ($id: ID!) { accessTrail(childId: $id) { __typename
  ... on AccessTrail { events { subject operation fields } } } }"""
CPIS = "query ($n: String!) { cpisRecord(nhsNumber: $n) { nhsNumber } }"
MY_WORK = "{ myWork { notices { id kind childId acknowledged } } }"
ACKNOWLEDGE = """mutation ($id: ID!) { acknowledgeNotice(noticeId: $id) { __typename
  ... on WorkNotice { acknowledged } } }"""
# Counted without naming the audit: the store does not drain before it.
EVENTS_UNDRAINED = "MATCH (e) WHERE e.operation = $operation RETURN count(e) AS n"


def _journal(store: FalkorDBStore) -> AuditJournal:
    assert store.audit_journal is not None
    return store.audit_journal


async def _undrained(store: FalkorDBStore, operation: str) -> int:
    [row] = await store.read(EVENTS_UNDRAINED, {"operation": operation})
    return int(row["n"])


async def test_a_read_is_in_the_access_trail_as_soon_as_it_is_answered(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings, demo: county.County
) -> None:
    child = sams_children(demo)[0]
    await graphql(client, bearer(settings, "social-worker"), VISIT, {"id": child})
    # Journaled, not yet in the graph: the hub answered on the append.
    assert (await _journal(store).pending(), await _undrained(store, "Visit")) == (1, 0)
    trail = await graphql(client, bearer(settings, "team-manager"), TRAIL, {"id": child})
    assert {
        "subject": "worker-sw-demo",
        "operation": "Visit",
        "fields": ["givenName"],
    } in trail["accessTrail"]["events"]
    # Drained by the trail's read (whose own audit is journaled in turn).
    assert await _undrained(store, "Visit") == 1


async def test_a_health_read_reaches_the_allocated_worker_at_once(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings, demo: county.County
) -> None:
    protected = next(j for j in demo.journeys if j["kind"] == "CP")["childId"]
    nhs = next(p["nhsNumber"] for p in demo.people if p["id"] == protected)
    worker = bearer(settings, "social-worker")
    await graphql(client, bearer(settings, "health"), CPIS, {"n": nhs})
    assert await _journal(store).pending() == 1
    (notice,) = (await graphql(client, worker, MY_WORK))["myWork"]["notices"]
    assert (notice["kind"], notice["childId"]) == ("PARTNER_ACCESS", protected)
    # A second look, journaled, then acknowledged at once: the new notice is found too.
    await graphql(client, bearer(settings, "health"), CPIS, {"n": nhs})
    listed = await graphql(client, worker, "{ myPartnerAccessNotices { id } }")
    assert len(listed["myPartnerAccessNotices"]) == 2
    for each in listed["myPartnerAccessNotices"]:
        done = await graphql(client, worker, ACKNOWLEDGE, {"id": each["id"]})
        assert done["acknowledgeNotice"] == {"__typename": "WorkNotice", "acknowledged": True}


async def test_an_append_the_engine_refuses_withholds_the_answer(
    client: httpx.AsyncClient,
    store: FalkorDBStore,
    engine: EmbeddedEngine,
    settings: Settings,
    demo: county.County,
) -> None:
    child = sams_children(demo)[0]
    assert engine.socket_path is not None
    other = redis.asyncio.Redis(unix_socket_path=engine.socket_path, decode_responses=True)
    try:
        # The journal's key holding something else: the engine refuses the XADD.
        await other.set(_journal(store).key, "not a stream")
        response = await client.post(
            "/graphql",
            json={"query": VISIT, "variables": {"id": child}},
            headers=bearer(settings, "social-worker"),
        )
        await other.delete(_journal(store).key)
    finally:
        await other.aclose()
    body = response.json()
    assert body["data"] is None
    # Withheld as any failed audit is: no data, an error naming only the request.
    assert body["errors"][0]["message"].startswith("internal error (request ")
    assert demo.children[0]["givenName"] not in response.text
    trail = await graphql(client, bearer(settings, "team-manager"), TRAIL, {"id": child})
    assert [e for e in trail["accessTrail"]["events"] if e["operation"] == "Visit"] == []


_JOURNAL_AND_HANG = textwrap.dedent(
    """
    import asyncio, sys
    from auth.audit import record_access
    from auth.principal import Principal
    from demo import personas
    from graph import FalkorDBStore

    async def main() -> None:
        store = FalkorDBStore(sys.argv[1], sys.argv[2])
        principal = Principal(subject="worker-sw-demo", name="Sam", role="social_worker",
                              agency_id=personas.LOCAL_AUTHORITY, token_id="t")
        await record_access(store, principal, "BeforeTheKill", {sys.argv[3]: {"givenName"}})
        print("journaled", flush=True)
        await asyncio.sleep(600)

    asyncio.run(main())
    """
)


async def test_a_hub_killed_after_the_append_loses_nothing_and_the_next_start_drains_it(
    store: FalkorDBStore, engine: EmbeddedEngine, settings: Settings, demo: county.County
) -> None:
    child = sams_children(demo)[0]
    # Nothing left for the start to migrate (a migration reading notices would drain too).
    await bring_to_current_shape(store)
    assert engine.socket_path is not None
    killed = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _JOURNAL_AND_HANG,
        engine.socket_path,
        store.graph_name,
        child,
        cwd=REPOSITORY,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert killed.stdout is not None
        assert (await asyncio.wait_for(killed.stdout.readline(), 120)).strip() == b"journaled"
    finally:
        killed.send_signal(signal.SIGKILL)
        await killed.wait()
    assert killed.returncode == -signal.SIGKILL
    assert (await _journal(store).pending(), await _undrained(store, "BeforeTheKill")) == (1, 0)

    content = await EmbeddedContentStore.open(settings.content_dir)
    app = create_app(settings, store=store, content_store=content, run_outbox=False)
    try:
        async with app.router.lifespan_context(app):
            # Drained as the hub started, before it served anything.
            assert await _undrained(store, "BeforeTheKill") == 1
    finally:
        await content.aclose()
    assert await _journal(store).pending() == 0
    assert await _undrained(store, "BeforeTheKill") == 1


async def test_a_read_journaled_before_a_merge_moves_with_it_and_back(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings, demo: county.County
) -> None:
    worker, officer = bearer(settings, "social-worker"), bearer(settings, "records-officer")
    kept, contact = await _recorded_again_with_a_typo(client, worker, demo)
    merged_id = contact["childId"]
    await graphql(
        client, worker, "query BeforeMerge($id: ID!) { child(id: $id) { id } }", {"id": merged_id}
    )
    assert await _journal(store).pending() >= 1
    done = await _merge(client, officer, kept["id"], merged_id)
    assert done["__typename"] == "ChildMerge"
    trail = await graphql(client, officer, TRAIL, {"id": kept["id"]})
    assert "BeforeMerge" in {e["operation"] for e in trail["accessTrail"]["events"]}
    undone = await graphql(
        client, officer, UNMERGE, {"merged": merged_id, "reason": "Two children"}
    )
    assert undone["unmergeChildren"]["__typename"] == "ChildMerge"
    back = await graphql(client, officer, TRAIL, {"id": merged_id})
    assert "BeforeMerge" in {e["operation"] for e in back["accessTrail"]["events"]}
    again = await graphql(client, officer, TRAIL, {"id": kept["id"]})
    assert "BeforeMerge" not in {e["operation"] for e in again["accessTrail"]["events"]}


async def test_the_journal_s_depth_is_a_metric(
    client: httpx.AsyncClient, settings: Settings, demo: county.County
) -> None:
    child = sams_children(demo)[0]
    for _ in range(3):
        await graphql(client, bearer(settings, "social-worker"), VISIT, {"id": child})
    samples = parse((await client.get("/metrics")).text)
    assert total(samples, "lcs_hub_audit_journal_entries") == 3
    # A reader of the audit drains it: the trail's own read is the one left.
    await graphql(client, bearer(settings, "team-manager"), TRAIL, {"id": child})
    samples = parse((await client.get("/metrics")).text)
    assert total(samples, "lcs_hub_audit_journal_entries") == 1
