"""The graph's shape version: start-up migrates a store in the previous shape once, however
many hubs start together, and refuses a store newer than the code."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from demo import county
from graph import EmbeddedEngine, FalkorDBStore, GraphStore
from graph.migrations import (
    MIGRATIONS,
    Migration,
    ShapeTooNew,
    current_shape_version,
    migrate,
    shape_version,
)
from hub.app import create_app
from hub.settings import Settings
from tests.canonical import canonical_graph
from tests.helpers import bearer, graphql, run_lcs_hub

pytestmark = pytest.mark.anyio

TODAY = date(2026, 11, 2)

# What migrations 1, 2 and 10 add that code before them left without: case notes' version
# history fields, the family name key of children and intake records, and the day a
# manager authorised the decision on a referral.
TO_PREVIOUS_SHAPE = """
MATCH (n:CaseNote)
REMOVE n.lineageId, n.current, n.version, n.revision
WITH count(n) AS notes
MATCH (c) WHERE (c:Child OR c:SourceRecord) AND c.familyNameKey IS NOT NULL
REMOVE c.familyNameKey, c.familyNamePrefixes, c.dateOfBirthKey
WITH notes, count(c) AS keyed
MATCH (r:Referral) WHERE r.decisionAuthorisedDate IS NOT NULL
REMOVE r.decisionAuthorisedDate
RETURN notes, keyed, count(r) AS decisions
"""
WITHOUT_HOLDERS = """
MATCH (c:Child) REMOVE c.allocatedWorkerIds, c.responsibleTeamIds RETURN count(c) AS children
"""
NOTE_OF_THE_DEMO_WORKER = """
MATCH (:Worker {id: 'worker-sw-demo'})<-[:ALLOCATED_TO]-(c:Child)<-[:ABOUT]-(n:CaseNote)
RETURN c.id AS child, n.id AS note LIMIT 1
"""
NOTE_BY_THE_DEMO_WORKER = """
MATCH (w:Worker {id: 'worker-sw-demo'})<-[:WRITTEN_BY]-(n:CaseNote)-[:ABOUT]->(c:Child)
WHERE (c)-[:ALLOCATED_TO]->(w)
RETURN c.id AS child, n.id AS note LIMIT 1
"""
NOTES = "query ($id: ID!) { child(id: $id) { caseNotes { id versions { id version current } } } }"


def _labelled(node: str, labels: tuple[str, ...]) -> bool:
    return any(label in labels for label in json.loads(node)[0])


def _without(nodes: Counter[str], *labels: str) -> Counter[str]:
    return Counter({node: n for node, n in nodes.items() if not _labelled(node, labels)})


def _without_accesses(relationships: Counter[str]) -> Counter[str]:
    return Counter({r: n for r, n in relationships.items() if json.loads(r)[1] != "ACCESSED"})


async def _previous_shape(store: FalkorDBStore) -> tuple[Counter[str], Counter[str]]:
    """The demo county as code before migrations left it; its current form, for comparing."""
    await county.load(store, county.generate("tiny", today=TODAY), show_progress=False)
    current = await canonical_graph(store)
    [removed] = await store.write(TO_PREVIOUS_SHAPE)
    assert removed["notes"] > 0
    assert removed["keyed"] > 0
    assert removed["decisions"] > 0
    assert await shape_version(store) == 0
    return current


async def _note_versions(client: httpx.AsyncClient, caller: dict[str, str], child: str) -> Any:
    data = await graphql(client, caller, NOTES, {"id": child})
    return [(note["id"], note["versions"]) for note in data["child"]["caseNotes"]]


async def test_start_up_brings_a_store_in_the_previous_shape_to_the_current_one(
    store: FalkorDBStore, settings: Settings, client: httpx.AsyncClient
) -> None:
    nodes, relationships = await _previous_shape(store)
    [written] = await store.read(NOTE_OF_THE_DEMO_WORKER)
    # The defect migration 1 mends: an old note is missing from its own version history.
    assert await _note_versions(client, bearer(settings, "social-worker"), written["child"]) == [
        (written["note"], [])
    ]

    audited = await canonical_graph(store)
    # Before migration 9 no child carried its holders (the lists the row rule reads): the
    # demo worker's children are theirs again only once the store is migrated.
    [unheld] = await store.write(WITHOUT_HOLDERS)
    assert unheld["children"] > 0

    app = create_app(settings, store=store, run_outbox=False)
    async with app.router.lifespan_context(app):
        assert await shape_version(store) == current_shape_version() == 10
    after_nodes, after_relationships = await canonical_graph(store)
    # Every record as the current code writes it, the read's audit rows kept as they were.
    assert _without(after_nodes, "GraphShape", "AuditEvent") == nodes
    migrated = ("CaseNote", "Child", "SourceRecord", "Referral")
    assert _without(after_nodes, "GraphShape") == _without(audited[0], *migrated) + Counter(
        node for node in nodes.elements() if _labelled(node, migrated)
    )
    assert _without_accesses(after_relationships) == relationships
    accesses = after_relationships - _without_accesses(after_relationships)
    # The read's audit rows kept: one per child read (the child itself now carries its key).
    assert accesses.total() == (audited[1] - _without_accesses(audited[1])).total() > 0
    [shape] = await store.read("MATCH (s:GraphShape) RETURN s.version AS v, s.leaseHolder AS h")
    assert shape == {"v": current_shape_version(), "h": None}
    assert await _note_versions(client, bearer(settings, "social-worker"), written["child"]) == [
        (written["note"], [{"id": written["note"], "version": 1, "current": True}])
    ]


async def _counting_migration(store: GraphStore) -> None:
    # Slow enough that three starting hubs overlap while it runs.
    await store.write(
        "MERGE (p:MigrationProbe {id: 'runs'}) ON CREATE SET p.runs = 0 SET p.runs = p.runs + 1"
    )
    await asyncio.sleep(0.5)


async def test_a_draft_written_before_drafts_named_their_author_is_shown_to_its_author_only(
    store: FalkorDBStore, settings: Settings, client: httpx.AsyncClient
) -> None:
    await county.load(store, county.generate("tiny", today=TODAY), show_progress=False)
    [written] = await store.read(NOTE_BY_THE_DEMO_WORKER)
    # A draft as code before migration 3 left it: no `draftBy`.
    await store.write(
        "MATCH (n:CaseNote {id: $id}) SET n.status = 'DRAFT' REMOVE n.finalisedAt, n.draftBy",
        {"id": written["note"]},
    )
    author, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    seen_by = {"author": author, "manager": manager}

    async def who_sees_it() -> list[str]:
        return [
            name
            for name, caller in seen_by.items()
            if written["note"] in dict(await _note_versions(client, caller, written["child"]))
        ]

    assert await who_sees_it() == []  # shown to nobody, not even its author
    await migrate(store)
    assert await who_sees_it() == ["author"]


async def test_three_hubs_starting_together_apply_each_migration_once(
    store: FalkorDBStore, engine: EmbeddedEngine
) -> None:
    nodes, _ = await _previous_shape(store)
    probe = len(MIGRATIONS) + 1
    migrations = (*MIGRATIONS, Migration(probe, "count the runs", _counting_migration))
    assert engine.socket_path is not None
    # Three hubs: three connection pools on the one graph, as three processes would have.
    hubs = [FalkorDBStore(engine.socket_path, store.graph_name) for _ in range(3)]
    try:
        outcomes = await asyncio.gather(
            *(migrate(hub, migrations, poll_seconds=0.05) for hub in hubs)
        )
    finally:
        for hub in hubs:
            await hub.close()
    assert [outcome.version for outcome in outcomes] == [probe] * 3
    # All three found the previous shape: they started together, and two waited.
    assert [outcome.found for outcome in outcomes] == [0, 0, 0]
    assert sorted(len(outcome.applied) for outcome in outcomes) == [0, 0, probe]
    assert await store.read("MATCH (p:MigrationProbe) RETURN p.runs AS runs") == [{"runs": 1}]
    assert await shape_version(store) == probe
    # Started again, nothing is pending.
    again = await migrate(store, migrations)
    assert (again.found, again.applied) == (probe, ())
    after, _ = await canonical_graph(store)
    assert len(_without(after, "GraphShape")) == len(nodes) + 1  # the probe


async def test_three_lcs_hub_processes_starting_together_migrate_once(
    store: FalkorDBStore, engine: EmbeddedEngine, tmp_path: Path
) -> None:
    await _previous_shape(store)
    feed = tmp_path / "feed.csv"
    feed.write_text("worker_id,name,role,team_id,start_date\n", encoding="utf-8")

    def start() -> str:
        done = run_lcs_hub(
            engine.data_dir, store.graph_name, tmp_path / "var", "import-workforce", str(feed)
        )
        assert done.returncode == 0, done.stderr
        return done.stderr

    logs = await asyncio.gather(*(asyncio.to_thread(start) for _ in range(3)))
    applying = [log.count("applying migration 1 (") for log in logs]
    assert sorted(applying) == [0, 0, 1]
    assert await shape_version(store) == current_shape_version()


async def test_a_store_newer_than_the_code_is_refused(
    store: FalkorDBStore, settings: Settings, engine: EmbeddedEngine, tmp_path: Path
) -> None:
    newer = current_shape_version() + 1
    await store.write("CREATE (:GraphShape {id: 'graph', version: $v})", {"v": newer})
    with pytest.raises(ShapeTooNew) as refused:
        await migrate(store)
    message = str(refused.value)
    assert f"version {newer}, newer than this code (version {current_shape_version()})" in message

    app = create_app(settings, store=store, run_outbox=False)
    with pytest.raises(ShapeTooNew):
        async with app.router.lifespan_context(app):
            pytest.fail("the hub served a store newer than its code")

    done = run_lcs_hub(
        engine.data_dir, store.graph_name, tmp_path / "var", "outbox", "--replay-failed"
    )
    assert done.returncode == 1
    assert f"the graph's shape is version {newer}, newer than this code" in done.stderr
    assert await shape_version(store) == newer


# What code before the rule kept on a failed item: the destination's own words after the
# status, or the file a disk error named (made of the child's id); and what it keeps now.
ERRORS_BEFORE_AND_AFTER = {
    "GET /v2/nodes/7/nodes: HTTP 403 Access denied to 'Ruby Newman - CP plan'": (
        "GET /v2/nodes/7/nodes: HTTP 403 Forbidden"
    ),
    "EHM PUT /early-help-requests: HTTP 422 Ruby Newman 2019-05-04 9997654323 exists": (
        "EHM PUT /early-help-requests: HTTP 422 Unprocessable Entity"
    ),
    "POST /v2/nodes: HTTP 401 ticket of Ruby Newman's worker expired (after logging in again)": (
        "POST /v2/nodes: HTTP 401 Unauthorized (after logging in again)"
    ),
    "the LCS form store: [Errno 28] No space left on device: '/var/forms/child-1/cp.pdf'": (
        "the LCS form store: [Errno 28] No space left on device"
    ),
    # As the current code writes them: unchanged.
    "GET /v2/holds: HTTP 503 Service Unavailable": "GET /v2/holds: HTTP 503 Service Unavailable",
    "no delivery within 120 s": "no delivery within 120 s",
}


async def test_an_item_that_failed_before_the_rule_keeps_the_call_and_status_only(
    store: FalkorDBStore, settings: Settings, client: httpx.AsyncClient
) -> None:
    await county.load(store, county.generate("tiny", today=TODAY), show_progress=False)
    rows = await store.read("MATCH (o:OutboxItem) RETURN o.id AS id ORDER BY id")
    kept = dict(zip((row["id"] for row in rows), ERRORS_BEFORE_AND_AFTER, strict=False))
    assert len(kept) == len(ERRORS_BEFORE_AND_AFTER)
    for item, error in kept.items():
        await store.write(
            "MATCH (o:OutboxItem {id: $id}) SET o.state = 'FAILED', o.lastError = $error",
            {"id": item, "error": error},
        )

    await migrate(store)

    officer = bearer(settings, "records-officer")
    listed = await graphql(
        client,
        officer,
        "{ outboxItems { ... on OutboxItemList { items { id lastError } } } }",
    )
    assert {item["id"]: item["lastError"] for item in listed["outboxItems"]["items"]} == {
        item: ERRORS_BEFORE_AND_AFTER[error] for item, error in kept.items()
    }
    # Idempotent: a hub that dies before stamping the version applies it again.
    await next(m for m in MIGRATIONS if m.version == 5).apply(store)
    again = await store.read("MATCH (o:OutboxItem) RETURN o.id AS id, o.lastError AS error")
    assert {row["id"]: row["error"] for row in again if row["id"] in kept} == {
        item: ERRORS_BEFORE_AND_AFTER[error] for item, error in kept.items()
    }
