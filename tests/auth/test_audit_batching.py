"""The read audit by group commit: concurrent requests share write statements, each
request still gets exactly its own rows, and a failed batch fails every request in it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from auth.audit import MAX_BATCH_ROWS, MAX_QUEUED_ROWS, record_access
from auth.principal import Principal
from demo import county, personas
from graph import EmbeddedEngine, FalkorDBStore, GraphStore
from graph.cypher.audit import RECORD_ACCESS, RECORD_ACCESS_NOTIFYING
from hub.errors import engine_unavailable
from hub.metrics import REGISTRY
from tests.helpers import bearer

if TYPE_CHECKING:
    from graph.store import Params, Row
    from hub.settings import Settings

pytestmark = pytest.mark.anyio

TODAY = date(2026, 11, 2)

EVENTS = """
MATCH (e:AuditEvent)-[:ACCESSED]->(c:Child)
RETURN e.operation AS operation, c.id AS child, e.subject AS subject,
       e.audience AS audience, e.purpose AS purpose, e.fields AS fields, e.at AS at
"""


@dataclass
class CountingStore:
    """The real store, counting the audit statements that reach it; `gate`, when set,
    holds every audit write until it opens."""

    inner: GraphStore
    engine: str = "falkordb"
    audit_writes: list[int] = field(default_factory=list)
    # Each audit statement as sent, with its parameters.
    audit_statements: list[tuple[str, Params]] = field(default_factory=list)
    gate: asyncio.Event | None = None
    reads: int = 0

    async def read(self, statement: str, params: Params | None = None) -> list[Row]:
        rows = await self.inner.read(statement, params)
        self.reads += 1
        return rows

    async def write(self, statement: str, params: Params | None = None) -> list[Row]:
        if statement in (RECORD_ACCESS, RECORD_ACCESS_NOTIFYING):
            sent = params or {}
            self.audit_statements.append((statement, sent))
            self.audit_writes.append(sum(len(request["children"]) for request in sent["requests"]))
            if self.gate is not None:
                await self.gate.wait()
        return await self.inner.write(statement, params)

    async def apply_schema(self) -> None:
        await self.inner.apply_schema()

    async def close(self) -> None:
        """The inner store is closed by its owner."""


def staff(subject: str) -> Principal:
    return Principal(
        subject=subject,
        name=subject,
        role="social_worker",
        agency_id=personas.LOCAL_AUTHORITY,
        token_id="t",
    )


POLICE = Principal(
    subject="partner-police-demo",
    name="DC Jo Reid",
    role="police_officer",
    agency_id=personas.POLICE_FORCE,
    token_id="t",
    purpose="MASH_RESEARCH",
)


@pytest.fixture
async def world(store: FalkorDBStore) -> county.County:
    demo = county.generate("tiny", today=TODAY)
    await county.load(store, demo, show_progress=False)
    return demo


async def test_concurrent_audits_share_statements_and_each_keeps_its_own_rows(
    store: FalkorDBStore, world: county.County
) -> None:
    counting = CountingStore(store)
    children = [child["id"] for child in world.children]
    calls = []
    for number in range(40):
        principal = POLICE if number % 4 == 0 else staff(f"worker-{number}")
        accessed = {
            children[(number + k) % len(children)]: {"givenName", f"field{k}"} for k in range(3)
        }
        calls.append((principal, f"Request{number}", accessed))

    audited = await asyncio.gather(
        *(record_access(counting, principal, op, seen) for principal, op, seen in calls)
    )

    assert audited == [3] * 40
    # The first writes alone; the 39 that finished while it was in flight, in one batch.
    assert counting.audit_writes == [3, 39 * 3]
    events = await store.read(EVENTS)
    assert len(events) == 40 * 3
    by_request = {(e["operation"], e["child"]): e for e in events}
    assert len(by_request) == 40 * 3, "a (request, child) was audited twice"
    for principal, operation, accessed in calls:
        for child, fields in accessed.items():
            event = by_request[(operation, child)]
            assert event["subject"] == principal.subject
            assert event["audience"] == principal.audience.value
            assert event["purpose"] == principal.purpose
            assert event["fields"] == sorted(fields)
    # Partner reads still tell the allocated worker, once per read, and only they do.
    notices = await store.read(
        "MATCH (n:Notice {kind: 'PARTNER_ACCESS'})-[:ABOUT]->(c:Child)"
        " MATCH (n)-[:FOR_WORKER]->(w:Worker) RETURN c.id AS child, count(n) AS notices"
    )
    workers = {
        row["child"]: row["workers"]
        for row in await store.read(
            "MATCH (c:Child)-[:ALLOCATED_TO]->(w:Worker) RETURN c.id AS child, count(w) AS workers"
        )
    }
    expected: dict[str, int] = {}
    for principal, _, accessed in calls:
        for child in accessed:
            if principal.is_partner and child in workers:
                expected[child] = expected.get(child, 0) + workers[child]
    assert expected
    assert {row["child"]: row["notices"] for row in notices} == expected


async def test_internal_reads_are_audited_without_a_notice_look_up_and_share_their_caller(
    store: FalkorDBStore, world: county.County
) -> None:
    """The statement costs the engine per value it parses and per pattern it reads: a
    batch of internal reads only raises no notice, so it reads no allocated worker; and
    what a request's children share (caller, time, operation) is sent once."""
    counting = CountingStore(store)
    children = [child["id"] for child in world.children][:8]
    accessed = {child: {"id", "givenName"} for child in children}

    assert await record_access(counting, staff("worker-a"), "CaseView", accessed) == 8
    (allocated,) = await store.read(
        "MATCH (c:Child)-[:ALLOCATED_TO]->(:Worker) RETURN c.id AS id ORDER BY id LIMIT 1"
    )
    assert await record_access(counting, POLICE, "PoliceView", {allocated["id"]: {"id"}}) == 1

    (internal, internal_params), (partner, _) = counting.audit_statements
    assert internal == RECORD_ACCESS
    assert "ALLOCATED_TO" not in internal
    assert "Notice" not in internal
    assert partner == RECORD_ACCESS_NOTIFYING
    (request,) = internal_params["requests"]
    assert request["subject"] == "worker-a"
    assert [set(child) for child in request["children"]] == [{"id", "childId", "fields"}] * 8
    events = await store.read(EVENTS)
    assert sorted(e["child"] for e in events if e["operation"] == "CaseView") == sorted(children)
    assert {e["subject"] for e in events if e["operation"] == "CaseView"} == {"worker-a"}
    notices = await store.read("MATCH (n:Notice {kind: 'PARTNER_ACCESS'}) RETURN n.agency AS a")
    assert notices
    assert {row["a"] for row in notices} == {personas.POLICE_FORCE}


async def test_a_request_larger_than_a_batch_goes_alone_and_whole(
    store: FalkorDBStore, world: county.County
) -> None:
    counting = CountingStore(store)
    children = [child["id"] for child in world.children]
    many = MAX_BATCH_ROWS + 1
    # More children than the county holds: the ones that do not exist record nothing.
    large = {child: {"id"} for child in children} | {f"none-{n}": {"id"} for n in range(many)}
    small = {children[0]: {"id"}}

    audited = await asyncio.gather(
        record_access(counting, staff("first"), "First", small),
        record_access(counting, staff("large"), "Large", large),
        record_access(counting, staff("after"), "After", small),
    )

    assert audited == [1, len(children), 1]
    assert counting.audit_writes == [1, len(large), 1]


async def test_a_full_queue_makes_a_request_wait_never_drops_it(
    store: FalkorDBStore, world: county.County
) -> None:
    counting = CountingStore(store, gate=asyncio.Event())
    child = world.children[0]["id"]
    batches = MAX_QUEUED_ROWS // MAX_BATCH_ROWS
    # Each fills a batch: children not in the graph still take their place in the queue.
    full = [
        {child: {"id"}} | {f"none-{n}-{k}": {"id"} for k in range(MAX_BATCH_ROWS - 1)}
        for n in range(batches + 2)
    ]
    tasks = [
        asyncio.create_task(record_access(counting, staff(f"w{n}"), f"Request{n}", accessed))
        for n, accessed in enumerate(full)
    ]
    for _ in range(100):
        if counting.audit_writes:
            break
        await asyncio.sleep(0.01)
    # One in flight, `batches` queued, the last waiting for room.
    assert counting.audit_writes == [MAX_BATCH_ROWS]
    counting.gate.set()  # type: ignore[union-attr]

    assert await asyncio.gather(*tasks) == [1] * len(full)
    assert counting.audit_writes == [MAX_BATCH_ROWS] * len(full)
    events = await store.read(EVENTS)
    assert sorted(e["operation"] for e in events) == sorted(f"Request{n}" for n in range(len(full)))


async def test_concurrent_requests_through_the_app_are_each_audited_once(
    store: FalkorDBStore, world: county.County, settings: Settings
) -> None:
    from connectors.livelink.embedded_store import EmbeddedContentStore
    from hub.app import create_app

    counting = CountingStore(store)
    content = await EmbeddedContentStore.open(settings.content_dir)
    app = create_app(settings, store=counting, content_store=content, run_outbox=False)
    sams = [row["child"] for row in world.allocations if row["worker"] == "worker-sw-demo"]
    headers = bearer(settings, "social-worker")
    before = REGISTRY.get_sample_value("lcs_hub_audit_writes_total", {"audience": "internal"})
    statements_before = REGISTRY.get_sample_value("lcs_hub_audit_batch_requests_count") or 0
    requests_before = REGISTRY.get_sample_value("lcs_hub_audit_batch_requests_sum") or 0

    async def look(number: int) -> httpx.Response:
        query = f"query Look{number} ($id: ID!) {{ child(id: $id) {{ id givenName }} }}"
        variables = {"id": sams[number % len(sams)]}
        return await http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
            answers = await asyncio.gather(*(look(n) for n in range(40)))
    await content.aclose()

    for number, answer in enumerate(answers):
        assert answer.status_code == 200, answer.text
        assert answer.json()["data"]["child"]["id"] == sams[number % len(sams)]
    events = await store.read(EVENTS)
    assert sorted((e["operation"], e["child"]) for e in events) == sorted(
        (f"Look{n}", sams[n % len(sams)]) for n in range(40)
    )
    assert {e["subject"] for e in events} == {"worker-sw-demo"}
    assert all(e["fields"] == ["givenName", "id"] for e in events)
    assert sum(counting.audit_writes) == 40
    assert len(counting.audit_writes) < 40
    # /metrics still counts one audit write per request.
    after = REGISTRY.get_sample_value("lcs_hub_audit_writes_total", {"audience": "internal"})
    assert (after or 0) - (before or 0) == 40
    # ...and how many requests each statement carried.
    statements = REGISTRY.get_sample_value("lcs_hub_audit_batch_requests_count") or 0
    requests = REGISTRY.get_sample_value("lcs_hub_audit_batch_requests_sum") or 0
    assert statements - statements_before == len(counting.audit_writes)
    assert requests - requests_before == 40


async def test_an_engine_outage_fails_every_request_in_the_batch_and_commits_nothing(
    tmp_path: Path,
) -> None:
    engine = EmbeddedEngine(tmp_path / "graph", appendfsync="always")
    socket_path = engine.start()
    store = FalkorDBStore(socket_path, "batch-outage")
    try:
        await store.apply_schema()
        await store.write("CREATE (:Child {id: 'c1'}), (:Child {id: 'c2'})")
        counting = CountingStore(store, gate=asyncio.Event())
        tasks = [
            asyncio.create_task(
                record_access(counting, staff(f"w{n}"), f"Request{n}", {f"c{n % 2 + 1}": {"id"}})
            )
            for n in range(10)
        ]
        # Bounded: the first audit write reaches the gate within a few turns of the loop.
        for _ in range(100):
            if counting.audit_writes:
                break
            await asyncio.sleep(0.01)
        assert counting.audit_writes == [1]
        engine.stop()
        counting.gate.set()  # type: ignore[union-attr]
        outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        await store.close()
        engine.stop()

    # One write alone, then one batch of the nine queued behind it: both failed.
    assert counting.audit_writes == [1, 9]
    assert all(isinstance(outcome, Exception) for outcome in outcomes), outcomes
    # Each answers 503 (hub/errors.py follows the cause to the outage).
    assert all(engine_unavailable(outcome) for outcome in outcomes)  # type: ignore[arg-type]

    engine = EmbeddedEngine(tmp_path / "graph", appendfsync="always")
    store = FalkorDBStore(engine.start(), "batch-outage")
    try:
        assert await store.read("MATCH (e:AuditEvent) RETURN count(e) AS n") == [{"n": 0}]
        # The queue is not left waiting on the failed write: the next request writes.
        assert await record_access(store, staff("later"), "Later", {"c1": {"id"}}) == 1
    finally:
        await store.close()
        engine.stop()


async def test_an_outage_under_a_batch_withholds_every_answer_through_the_app(
    tmp_path: Path, settings: Settings
) -> None:
    from connectors.livelink.embedded_store import EmbeddedContentStore
    from hub.app import create_app

    engine = EmbeddedEngine(tmp_path / "graph", appendfsync="always")
    store = FalkorDBStore(engine.start(), "app-outage")
    counting = CountingStore(store)
    content = await EmbeddedContentStore.open(settings.content_dir)
    app = create_app(settings, store=counting, content_store=content, run_outbox=False)
    headers = bearer(settings, "social-worker")
    query = "query ($id: ID!) { child(id: $id) { id givenName } }"
    try:
        async with app.router.lifespan_context(app):
            world = county.generate("tiny", today=TODAY)
            await county.load(store, world, show_progress=False)
            child = next(r["child"] for r in world.allocations if r["worker"] == "worker-sw-demo")
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:

                async def look() -> httpx.Response:
                    body = {"query": query, "variables": {"id": child}}
                    return await http.post("/graphql", json=body, headers=headers)

                # One request alone shows how many reads a request makes.
                reads = counting.reads
                assert (await look()).status_code == 200
                reads_each = counting.reads - reads
                counting.gate = asyncio.Event()
                counting.audit_writes.clear()
                reads = counting.reads
                answers = [asyncio.create_task(look()) for _ in range(10)]
                # Bounded: every request has read what it answers (then only the audit
                # is left to it) within 10 s.
                for _ in range(1000):
                    if counting.reads - reads >= 10 * reads_each:
                        break
                    await asyncio.sleep(0.01)
                for _ in range(50):
                    await asyncio.sleep(0)
                assert counting.audit_writes == [1]
                engine.stop()
                counting.gate.set()
                responses = await asyncio.gather(*answers)
    finally:
        await content.aclose()
        await store.close()
        engine.stop()

    # One alone, nine in one batch; every answer withheld as an outage, no data at all.
    assert counting.audit_writes == [1, 9]
    for response in responses:
        assert response.status_code == 503, response.text
        assert response.headers["Retry-After"]
        assert response.json()["data"] is None
        assert response.json()["errors"][0]["extensions"]["code"] == "ENGINE_UNAVAILABLE"
    engine = EmbeddedEngine(tmp_path / "graph", appendfsync="always")
    store = FalkorDBStore(engine.start(), "app-outage")
    try:
        # Only the first request's audit, from before the outage.
        assert await store.read("MATCH (e:AuditEvent) RETURN count(e) AS n") == [{"n": 1}]
    finally:
        await store.close()
        engine.stop()
