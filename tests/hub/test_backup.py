"""`lcs-hub export` and `import`: the demo county, its audit trail and its documents, moved
whole from the embedded engine to a fresh one and to a standalone FalkorDB server.

Both stores are compared by a canonical dump written here, independently of the code
under test: every node (labels in order, every property with its Python type), every
relationship (type, both ends by their canonical node, properties), every document's
bytes and every Livelink record.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio

from connectors.livelink.embedded_store import EmbeddedContentStore
from connectors.livelink.form_store import FormStore
from connectors.livelink.outbox import OutboxWorker
from demo import county
from graph import EmbeddedEngine, FalkorDBStore, GraphError, open_graph
from graph.backup import first_labels, graph_size
from graph.migrations import bring_to_current_shape, current_shape_version
from graph.standalone import StandaloneServer
from hub.app import form_store_from_settings
from hub.backup import IMPORT_MARKER, ContentStores, ImportMarker, export_hub, import_hub
from hub.backup_format import ExportFileRefused
from hub.bulk_load import LEASE_FILE, BulkLoadInProgress, bulk_load_lease, load_under_way
from hub.settings import Settings
from tests.canonical import canonical_graph
from tests.graph.conftest import standalone_server  # noqa: F401  (the engine tests' server)
from tests.helpers import REPOSITORY, bearer, graphql, lcs_hub_environment, run_lcs_hub
from workflow.ids import now_ms

pytestmark = pytest.mark.anyio

TODAY = date(2026, 11, 2)
# Floats with 17 significant digits: FalkorDB's reply carries 15, the store holds all.
EXACT = {"sum": 0.1 + 0.2, "third": 1 / 3}
EXACT_FLOATS = """
MATCH (e:LinkEvent {id: 'types'})-[r:OF]->()
RETURN e.sum = $sum AND e.thirds[0] = $third AND r.weight = $third AS exact
"""

GENERATE = """
mutation ($child: ID!, $source: ID) {
  generateForm(childId: $child, templateKey: "contact_record", sourceId: $source) {
    __typename ... on GeneratedForm { version { checksumPdf } } } }
"""
CPIS = "query ($n: String!) { cpisRecord(nhsNumber: $n) { nhsNumber } }"
CHILD = "query ($id: ID!) { child(id: $id) { givenName contacts { status } } }"


def canonical_documents(content: ContentStores) -> dict[str, Any]:
    """Every form's and Livelink blob's bytes, and every Livelink record."""
    assert content.livelink is not None
    livelink = content.livelink
    return {
        "forms": {c: content.forms.read_blob(c) for c in content.forms.checksums()},
        "livelink": {c: livelink.read_blob(c) for c in livelink.blob_checksums()},
        "records": {p: livelink.read_record(p) for p in livelink.record_paths()},
    }


@pytest.fixture
async def source(
    store: FalkorDBStore, client: httpx.AsyncClient, settings: Settings
) -> ContentStores:
    """The tiny demo county with audit rows, notices, a generated form filed to Livelink and
    a record holding every property type."""
    world = county.generate("tiny", today=TODAY)
    await county.load(store, world, show_progress=False)
    await bring_to_current_shape(store)
    await store.write(
        "CREATE (:LinkEvent {id: 'types', score: 16.25, whole: 16, one: 1.0, tiny: 1e-300,"
        " sum: $sum, thirds: [$third, 2], flags: [true, 1, 1.5, 'x'], empty: [], no: false,"
        " on: date('2026-01-02'), text: 'Zoë \u0645\u0631\u064a\u0645 \"quoted\" \\\\ back'})"
        "-[:OF {weight: $third, since: date('2025-04-01')}]->(:LinkEvent {id: 'other'})",
        EXACT,
    )
    worker = bearer(settings, "social-worker")
    [contact] = await store.read(
        "MATCH (w:Worker {id: 'worker-sw-demo'})<-[:ALLOCATED_TO]-(c:Child)<-[:ABOUT]-(k:Contact)"
        " RETURN c.id AS child, k.id AS contact LIMIT 1"
    )
    generated = await graphql(
        client, worker, GENERATE, {"child": contact["child"], "source": contact["contact"]}
    )
    assert generated["generateForm"]["__typename"] == "GeneratedForm", generated
    await graphql(client, worker, CHILD, {"id": contact["child"]})
    protected = next(j for j in world.journeys if j["kind"] == "CP")["childId"]
    nhs = next(p["nhsNumber"] for p in world.people if p["id"] == protected)
    await graphql(client, bearer(settings, "health"), CPIS, {"n": nhs})
    content = await EmbeddedContentStore.open(settings.content_dir)
    forms = form_store_from_settings(settings)
    delivered = await OutboxWorker(store, content, form_store=forms).deliver_due(now_ms() + 1)
    assert delivered.delivered >= 2
    return ContentStores(forms=forms, livelink=content)


async def _target_content(root: Path) -> ContentStores:
    livelink = await EmbeddedContentStore.open(root / "content")
    return ContentStores(forms=FormStore(root / "forms"), livelink=livelink)


async def _assert_same(
    source_store: FalkorDBStore,
    source_content: ContentStores,
    target_store: FalkorDBStore,
    target_content: ContentStores,
) -> None:
    before_nodes, before_relationships = await canonical_graph(source_store)
    after_nodes, after_relationships = await canonical_graph(target_store)
    assert after_nodes == before_nodes
    assert after_relationships == before_relationships
    assert canonical_documents(target_content) == canonical_documents(source_content)
    # The dump reads floats as the engine prints them; equality in the engine is exact.
    assert await target_store.read(EXACT_FLOATS, EXACT) == [{"exact": True}]
    assert await source_store.read(EXACT_FLOATS, {"sum": 0.3, "third": 0.333333333333333}) == [
        {"exact": False}
    ]
    # The pieces the round trip is about are really in what was compared.
    labels = Counter(json.loads(node)[0][0] for node in before_nodes.elements())
    assert labels["AuditEvent"] >= 2
    assert labels["Notice"] >= 1
    assert labels["Document"] >= 1
    assert labels["DocumentVersion"] >= 1
    assert labels["GraphShape"] == 1
    documents = canonical_documents(source_content)
    assert documents["forms"]
    assert documents["livelink"]
    assert documents["records"]


@pytest.fixture(scope="module")
def fresh_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedEngine]:
    engine = EmbeddedEngine(tmp_path_factory.mktemp("fresh-engine"), appendfsync="everysec")
    engine.start()
    yield engine
    engine.stop()


async def test_a_round_trip_into_a_fresh_embedded_engine_loses_nothing(
    store: FalkorDBStore, source: ContentStores, fresh_engine: EmbeddedEngine, tmp_path: Path
) -> None:
    exported = tmp_path / "county.jsonl"
    counts = await export_hub(store, source, exported, window=50)
    assert counts.nodes > 300
    assert counts.documents >= 3
    assert counts.livelink_records >= 2
    assert fresh_engine.socket_path is not None
    target = FalkorDBStore(fresh_engine.socket_path, "restored")
    target_content = await _target_content(tmp_path / "restored")
    try:
        loaded = await import_hub(target, target_content, exported, batch_size=40)
        assert loaded == counts
        await _assert_same(store, source, target, target_content)
        # The scaffolding the import used is gone, and the constraints hold again.
        assert await target.read("MATCH (n:ImportedNode) RETURN count(n) AS n") == [{"n": 0}]
        constraints = await target.read("CALL db.constraints() YIELD label RETURN count(*) AS n")
        assert constraints[0]["n"] > 30
    finally:
        await target.drop()
        await target.close()


async def test_moving_from_the_embedded_engine_to_a_standalone_server_loses_nothing(
    store: FalkorDBStore,
    source: ContentStores,
    standalone_server: StandaloneServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    exported = tmp_path / "county.jsonl"
    counts = await export_hub(store, source, exported)
    opened = open_graph(
        standalone_server.url,
        data_dir=tmp_path,
        graph_name=f"moved-{uuid.uuid4().hex}",
        password=standalone_server.password,
    )
    assert isinstance(opened.store, FalkorDBStore)
    target_content = await _target_content(tmp_path / "moved")
    try:
        assert await import_hub(opened.store, target_content, exported) == counts
        await _assert_same(store, source, opened.store, target_content)
    finally:
        await opened.store.drop()
        await opened.close()


async def test_an_import_whose_engine_is_killed_part_way_removes_what_it_loaded(
    store: FalkorDBStore, source: ContentStores, tmp_path: Path
) -> None:
    # The removal after a failed load ran on the dead engine and failed too: what had been
    # loaded stayed in the engine's files, and the next import was refused as "not empty".
    exported = tmp_path / "county.jsonl"
    counts = await export_hub(store, source, exported)
    opened = open_graph(None, data_dir=tmp_path / "graph", graph_name="restored")
    assert opened.engine is not None
    target_content = await _target_content(tmp_path / "restored")
    engine = opened.engine

    def kill_the_engine(count: int) -> None:
        if count and engine.server_pid is not None and engine.alive():
            os.kill(engine.server_pid, signal.SIGKILL)

    try:
        with pytest.raises(GraphError, match="what it had loaded was removed"):
            await import_hub(
                opened.store,
                target_content,
                exported,
                batch_size=40,
                loaded=kill_the_engine,
                recover=opened.recover,
            )
        assert list(target_content.forms.checksums()) == []
        # Empty again: the same file is taken in whole.
        assert await import_hub(opened.store, target_content, exported) == counts
        await _assert_same(store, source, opened.store, target_content)
    finally:
        await opened.close()


async def _graphs(engine: EmbeddedEngine) -> list[str]:
    assert engine.socket_path is not None
    client = redis.asyncio.Redis(unix_socket_path=engine.socket_path, decode_responses=True)
    try:
        return list(await client.execute_command("GRAPH.LIST"))
    finally:
        await client.aclose()


async def test_an_export_while_the_hub_writes_is_the_graph_as_it_was_when_it_began(
    store: FalkorDBStore, source: ContentStores, engine: EmbeddedEngine, tmp_path: Path
) -> None:
    before = await graph_size(store)
    # A copy left by an export killed two days ago goes; the one this export makes too.
    stale = f"{store.graph_name}.snapshot.{int(time.time()) - 2 * 86_400}.0badc0de"
    left_behind = FalkorDBStore(engine.socket_path or "", stale)
    await left_behind.write("CREATE (:LinkEvent {id: 'left behind'})")
    await left_behind.close()
    writes: list[asyncio.Task[Any]] = []

    def write_once(_lines: int) -> None:
        # The first page is written: the hub records a contact-sized change meanwhile.
        if not writes:
            writes.append(
                asyncio.get_running_loop().create_task(
                    store.write("CREATE (:LinkEvent {id: 'written during the export'})")
                )
            )

    exported = tmp_path / "live.jsonl"
    counts = await export_hub(store, source, exported, progress=write_once, window=20)
    await writes[0]

    assert (counts.nodes, counts.relationships) == (before.nodes, before.relationships)
    assert b"written during the export" not in exported.read_bytes()
    assert (await graph_size(store)).nodes == before.nodes + 1
    assert [g for g in await _graphs(engine) if g.startswith(store.graph_name)] == [
        store.graph_name
    ]


async def _assert_untouched(target: FalkorDBStore, content: ContentStores) -> None:
    await target.apply_schema()
    assert await first_labels(target) == []
    assert content.livelink is not None
    assert content.livelink.is_empty()
    assert next(content.forms.checksums(), None) is None


def _rewrite_header(exported: Path, changed: Path, **fields: Any) -> None:
    lines = exported.read_bytes().splitlines(keepends=True)
    header = json.loads(lines[0]) | fields
    changed.write_bytes(json.dumps(header).encode() + b"\n" + b"".join(lines[1:]))


async def test_a_file_from_a_newer_format_or_shape_is_refused_and_nothing_written(
    store: FalkorDBStore, source: ContentStores, engine: EmbeddedEngine, tmp_path: Path
) -> None:
    exported = tmp_path / "county.jsonl"
    await export_hub(store, source, exported)
    assert engine.socket_path is not None
    target = FalkorDBStore(engine.socket_path, f"refused-{uuid.uuid4().hex}")
    content = await _target_content(tmp_path / "refused")
    try:
        newer = tmp_path / "newer.jsonl"
        _rewrite_header(exported, newer, formatVersion=2)
        with pytest.raises(ExportFileRefused) as refused:
            await import_hub(target, content, newer)
        assert "export format version 2" in str(refused.value)
        assert "(format version 1)" in str(refused.value)
        await _assert_untouched(target, content)

        shape = current_shape_version() + 1
        _rewrite_header(exported, newer, graphShapeVersion=shape)
        with pytest.raises(ExportFileRefused) as refused:
            await import_hub(target, content, newer)
        assert f"graph shape version {shape}" in str(refused.value)
        assert f"(graph shape version {current_shape_version()})" in str(refused.value)
        await _assert_untouched(target, content)
    finally:
        await target.drop()
        await target.close()


async def test_a_truncated_or_altered_file_is_refused_and_nothing_written(
    store: FalkorDBStore, source: ContentStores, engine: EmbeddedEngine, tmp_path: Path
) -> None:
    exported = tmp_path / "county.jsonl"
    await export_hub(store, source, exported)
    whole = exported.read_bytes()
    lines = whole.splitlines(keepends=True)
    assert engine.socket_path is not None
    target = FalkorDBStore(engine.socket_path, f"cut-{uuid.uuid4().hex}")
    content = await _target_content(tmp_path / "cut")
    damaged = tmp_path / "damaged.jsonl"
    cases = {
        # cut at a line boundary: every line is whole, the trailer is missing
        b"".join(lines[: len(lines) // 2]): "no trailer: it was cut short",
        # cut part-way through a line
        whole[: len(whole) // 2]: "ends part-way through a line",
        # one property changed: the trailer's hash no longer matches
        whole.replace(b'"Zo\xc3\xab ', b'"Zoe ', 1): "do not match the trailer's sha256",
        # a label that would be written into a statement as Cypher
        whole.replace(
            b'"labels":["Agency"]', b'"labels":["Agency`) DETACH DELETE n //"]', 1
        ): "is not a plain name",
    }
    try:
        for body, reason in cases.items():
            damaged.write_bytes(body)
            with pytest.raises(ExportFileRefused, match=reason):
                await import_hub(target, content, damaged)
            await _assert_untouched(target, content)
    finally:
        await target.drop()
        await target.close()


async def test_a_store_that_holds_records_is_refused(
    store: FalkorDBStore, source: ContentStores, tmp_path: Path
) -> None:
    exported = tmp_path / "county.jsonl"
    counts = await export_hub(store, source, exported)
    empty_content = await _target_content(tmp_path / "elsewhere")
    with pytest.raises(ExportFileRefused, match="the target graph is not empty"):
        await import_hub(store, empty_content, exported)
    nodes, _ = await canonical_graph(store)
    assert sum(nodes.values()) == counts.nodes
    await _assert_untouched_content(empty_content)


async def _assert_untouched_content(content: ContentStores) -> None:
    assert content.livelink is not None
    assert content.livelink.is_empty()
    assert next(content.forms.checksums(), None) is None


async def test_the_commands_move_a_store_and_refuse_a_newer_file(
    store: FalkorDBStore, engine: EmbeddedEngine, tmp_path: Path
) -> None:
    # A store from before shape versions: the import migrates it once it is loaded.
    await store.write(
        "CREATE (c:Person:Child {id: 'c1', givenName: 'Zoë', dateOfBirth: date('2019-05-04')})"
        " CREATE (n:CaseNote {id: 'n1', text: 'seen alone'})-[:ABOUT]->(c)"
    )
    exported = tmp_path / "hub.jsonl"
    done = run_lcs_hub(
        engine.data_dir, store.graph_name, tmp_path / "var", "export", "--out", str(exported)
    )
    assert done.returncode == 0, done.stderr
    assert f"exported 2 nodes, 1 relationships, 0 documents, 0 Livelink records to {exported}" in (
        done.stdout
    )
    assert json.loads(exported.read_text().splitlines()[0])["graphShapeVersion"] == 0

    target = f"{store.graph_name}-moved"
    done = run_lcs_hub(engine.data_dir, target, tmp_path / "moved", "import", str(exported))
    assert done.returncode == 0, done.stderr
    assert "imported 2 nodes, 1 relationships" in done.stdout
    assert engine.socket_path is not None
    moved = FalkorDBStore(engine.socket_path, target)
    try:
        nodes, relationships = await canonical_graph(moved)
        assert await moved.read(
            "MATCH (n:CaseNote) RETURN n.lineageId AS lineage, n.current AS current"
        ) == [{"lineage": "n1", "current": True}]
        assert sum(nodes.values()) == 3  # and the shape node the migration stamped
        assert len(relationships) == 1
        again = run_lcs_hub(engine.data_dir, target, tmp_path / "moved", "import", str(exported))
        assert again.returncode == 1
        assert "the target graph is not empty" in again.stderr
    finally:
        await moved.drop()
        await moved.close()

    newer = tmp_path / "newer.jsonl"
    _rewrite_header(exported, newer, formatVersion=99)
    refused = run_lcs_hub(engine.data_dir, f"{target}-2", tmp_path / "v2", "import", str(newer))
    assert refused.returncode == 1
    assert "export format version 99, newer than this lcs-hub reads (format version 1)" in (
        refused.stderr
    )


# `lcs-hub import` dying as under `kill -9` (no clean-up runs) once its nodes are written.
_DIES_AFTER_NODES = """import os, sys
from graph.backup import GraphImport
from hub.cli import main
flush = GraphImport._flush_nodes
async def flush_then_die(self):
    await flush(self)
    os._exit(9)
GraphImport._flush_nodes = flush_then_die
sys.exit(main(sys.argv[1:]))
"""


async def _one_child_exported(store: FalkorDBStore, engine: EmbeddedEngine, tmp_path: Path) -> Path:
    """An export file, written by `lcs-hub export`, of a store holding one child (Zoë)."""
    await store.write("CREATE (c:Person:Child {id: 'c1', givenName: 'Zoë'})")
    exported = tmp_path / "hub.jsonl"
    done = run_lcs_hub(
        engine.data_dir, store.graph_name, tmp_path / "var", "export", "--out", str(exported)
    )
    assert done.returncode == 0, done.stderr
    return exported


async def test_an_import_killed_part_way_is_removed_by_the_next_import(
    store: FalkorDBStore, engine: EmbeddedEngine, tmp_path: Path
) -> None:
    # A killed `lcs-hub import` left what it had loaded; every later import was refused
    # as "not empty" and nothing but `demo --reset` emptied the store.
    exported = await _one_child_exported(store, engine, tmp_path)
    target, var_dir = f"{store.graph_name}-killed", tmp_path / "killed"
    killed = run_lcs_hub(
        engine.data_dir, target, var_dir, "import", str(exported), entry=("-c", _DIES_AFTER_NODES)
    )
    assert killed.returncode == 9, killed.stderr
    assert engine.socket_path is not None
    moved = FalkorDBStore(engine.socket_path, target)
    try:
        assert await moved.read("MATCH (c:Child) RETURN count(c) AS n") == [{"n": 1}]
        # A store half loaded is not served (bounded: a hub that started would time out),
        # nor exported as if it were a backup of the whole record.
        for command in (("serve", "--port", "0"), ("export", "--out", str(tmp_path / "half"))):
            refused = run_lcs_hub(engine.data_dir, target, var_dir, *command, timeout=60)
            assert refused.returncode == 1
            assert "was interrupted part-way; nothing is served" in refused.stderr
        assert not (tmp_path / "half").exists()
        done = run_lcs_hub(engine.data_dir, target, var_dir, "import", str(exported))
        assert done.returncode == 0, done.stderr
        assert "imported 1 nodes, 0 relationships" in done.stdout
        assert "an interrupted import had loaded part of a file; that part was removed" in (
            done.stderr
        )
        assert "Zoë" not in done.stderr
        assert await moved.read("MATCH (c:Child) RETURN c.givenName AS name") == [{"name": "Zoë"}]
        assert not (var_dir / IMPORT_MARKER).exists()
        # Loaded whole, the store is never overwritten by a later import.
        again = run_lcs_hub(engine.data_dir, target, var_dir, "import", str(exported))
        assert again.returncode == 1
        assert "the target graph is not empty" in again.stderr
    finally:
        await moved.drop()
        await moved.close()


# `lcs-hub demo` dying as under `kill -9` part-way through the county (a tiny county is
# ~130 writes; the first few bring the empty store to its shape).
_DEMO_DIES_PART_WAY = """import os, sys
from graph.falkordb_store import FalkorDBStore
from hub.cli import main
write = FalkorDBStore.write
written = 0
async def write_then_die(self, *args, **kwargs):
    global written
    written += 1
    if written == 60:
        os._exit(9)
    return await write(self, *args, **kwargs)
FalkorDBStore.write = write_then_die
sys.exit(main(sys.argv[1:]))
"""


async def test_a_demo_load_killed_part_way_is_not_served_and_the_next_demo_replaces_it(
    engine: EmbeddedEngine, tmp_path: Path
) -> None:
    # A killed `lcs-hub demo` left part of the county and no mark: `serve` served it and
    # `export` backed it up as if whole, and the next `lcs-hub demo` refused the store as
    # holding records.
    assert engine.socket_path is not None
    target, var_dir = f"demo-killed-{uuid.uuid4().hex[:8]}", tmp_path / "killed"
    killed = run_lcs_hub(
        engine.data_dir, target, var_dir, "demo", "--size", "tiny",
        entry=("-c", _DEMO_DIES_PART_WAY),
    )  # fmt: skip
    assert killed.returncode == 9, killed.stderr
    half = FalkorDBStore(engine.socket_path, target)
    try:
        assert (await half.read("MATCH (n) RETURN count(n) AS n"))[0]["n"] > 0
        for command in (("serve", "--port", "0"), ("export", "--out", str(tmp_path / "half"))):
            refused = run_lcs_hub(engine.data_dir, target, var_dir, *command, timeout=60)
            assert refused.returncode == 1
            assert "was interrupted part-way; nothing is served" in refused.stderr
        assert not (tmp_path / "half").exists()
        done = run_lcs_hub(engine.data_dir, target, var_dir, "demo", "--size", "tiny")
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("demo county (tiny) loaded: ")
        assert "a load that was interrupted had written part of the store" in done.stderr
        assert not (var_dir / IMPORT_MARKER).exists()
        # The county whole: as a load into a graph nothing was ever loaded into left it.
        clean = run_lcs_hub(
            engine.data_dir, f"{target}-clean", tmp_path / "clean", "demo", "--size", "tiny"
        )
        assert clean.returncode == 0, clean.stderr
        counted = "MATCH (n) UNWIND labels(n) AS label RETURN label, count(*) AS n ORDER BY label"
        clean_store = FalkorDBStore(engine.socket_path, f"{target}-clean")
        assert await half.read(counted) == await clean_store.read(counted)
        await clean_store.close()
    finally:
        for name in (target, f"{target}-clean"):
            loaded = FalkorDBStore(engine.socket_path, name)
            await loaded.drop()
            await loaded.close()
        await half.close()


async def test_an_import_into_another_graph_of_the_var_directory_keeps_a_killed_ones_mark(
    store: FalkorDBStore, engine: EmbeddedEngine, tmp_path: Path
) -> None:
    # The mark named one graph per var directory: an import into a second graph (another
    # LCS_HUB_GRAPH_NAME) took it over and cleared it, so the half-loaded first graph was
    # served, and refused as "not empty" by every import after.
    exported = await _one_child_exported(store, engine, tmp_path)
    var_dir = tmp_path / "shared"
    killed_graph, other_graph = f"{store.graph_name}-killed", f"{store.graph_name}-other"
    killed = run_lcs_hub(
        engine.data_dir, killed_graph, var_dir, "import", str(exported),
        entry=("-c", _DIES_AFTER_NODES),
    )  # fmt: skip
    assert killed.returncode == 9, killed.stderr
    assert engine.socket_path is not None
    stores = [FalkorDBStore(engine.socket_path, name) for name in (killed_graph, other_graph)]
    try:
        done = run_lcs_hub(engine.data_dir, other_graph, var_dir, "import", str(exported))
        assert done.returncode == 0, done.stderr
        assert "interrupted" not in done.stderr
        marks = {
            name: ImportMarker(var_dir / IMPORT_MARKER, name)
            for name in (killed_graph, other_graph)
        }
        assert marks[killed_graph].interrupted()
        assert not marks[other_graph].left_behind()
        refused = run_lcs_hub(
            engine.data_dir, killed_graph, var_dir, "serve", "--port", "0", timeout=60
        )
        assert refused.returncode == 1
        assert "was interrupted part-way; nothing is served" in refused.stderr
        done = run_lcs_hub(engine.data_dir, killed_graph, var_dir, "import", str(exported))
        assert done.returncode == 0, done.stderr
        assert "an interrupted import had loaded part of a file" in done.stderr
        assert not (var_dir / IMPORT_MARKER).exists()
        for moved in stores:
            names = await moved.read("MATCH (c:Child) RETURN c.givenName AS name")
            assert names == [{"name": "Zoë"}]
    finally:
        for moved in stores:
            await moved.drop()
            await moved.close()


async def test_a_hub_serving_a_store_an_import_was_killed_part_way_into_stops_serving_it(
    store: FalkorDBStore, engine: EmbeddedEngine, tmp_path: Path
) -> None:
    # `serve` refused to start on the half-loaded store, but a hub already serving when
    # the import ran from its var directory went on serving it (reads, writes, ready).
    from hub.app import create_app

    exported = await _one_child_exported(store, engine, tmp_path)
    assert engine.socket_path is not None
    served = FalkorDBStore(engine.socket_path, f"{store.graph_name}-served")
    await served.apply_schema()
    settings = Settings(
        var_dir=tmp_path / "served", graph_name=served.graph_name,
        rate_limit="1000000/second", _env_file=None,
    )  # type: ignore[call-arg]  # fmt: skip
    app = create_app(settings, store=served, run_outbox=False)
    headers = bearer(settings, "social-worker")
    query = {"query": "{ __typename }"}
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://hub.test"
        ) as http:
            assert (await http.get("/readyz")).status_code == 200
            killed = run_lcs_hub(
                engine.data_dir, served.graph_name, settings.var_dir, "import", str(exported),
                entry=("-c", _DIES_AFTER_NODES),
            )  # fmt: skip
            assert killed.returncode == 9, killed.stderr
            ready = await http.get("/readyz")
            assert ready.status_code == 503
            assert ready.json() == {"status": "unavailable", "import": "interrupted"}
            answered = await http.post("/graphql", json=query, headers=headers)
            assert answered.status_code == 503
            assert answered.headers["Retry-After"] == "30"
            error = answered.json()["errors"][0]
            assert error["extensions"]["code"] == "IMPORT_INTERRUPTED"
            assert "Zoë" not in answered.text
            pushed = await http.post("/ingest/ehm", content=b"{}", headers=headers)
            assert pushed.status_code == 503
            assert pushed.json()["code"] == "IMPORT_INTERRUPTED"
            # While an import holds the var directory it is loading, not interrupted (and
            # what it loaded so far is not served either).
            with bulk_load_lease(settings.var_dir, "lcs-hub import"):
                ready = await http.get("/readyz")
                assert ready.json() == {"status": "unavailable", "import": "under way"}
            done = run_lcs_hub(
                engine.data_dir, served.graph_name, settings.var_dir, "import", str(exported)
            )
            assert done.returncode == 0, done.stderr
            # Finished, the store is served again without a restart.
            assert (await http.get("/readyz")).status_code == 200
            answered = await http.post("/graphql", json=query, headers=headers)
            assert answered.json() == {"data": {"__typename": "Query"}}
    finally:
        await served.drop()
        await served.close()


# `lcs-hub import` that stops once its nodes are written, until the file `go` beside
# `paused` appears (bounded: it goes on by itself after 120 s).
_PAUSES_AFTER_NODES = """import os, sys, time
from pathlib import Path
from graph.backup import GraphImport
from hub.cli import main
flush = GraphImport._flush_nodes
paused = Path(os.environ["LCS_HUB_TEST_PAUSED"])
async def flush_then_wait(self):
    await flush(self)
    paused.touch()
    for _ in range(1200):
        if paused.with_name("go").exists():
            break
        time.sleep(0.1)
GraphImport._flush_nodes = flush_then_wait
sys.exit(main(sys.argv[1:]))
"""


async def test_a_hub_serving_a_store_an_import_is_loading_into_serves_it_once_it_is_whole(
    store: FalkorDBStore, engine: EmbeddedEngine, tmp_path: Path
) -> None:
    # A hub serving the store an import loaded into (started before it, or while it ran)
    # served what it had loaded so far: a child without the records still to come, and
    # writes into a store the import would empty again if it failed.
    from hub.app import create_app

    exported = await _one_child_exported(store, engine, tmp_path)
    assert engine.socket_path is not None
    served = FalkorDBStore(engine.socket_path, f"{store.graph_name}-loading")
    await served.apply_schema()
    settings = Settings(
        var_dir=tmp_path / "loading", graph_name=served.graph_name,
        rate_limit="1000000/second", _env_file=None,
    )  # type: ignore[call-arg]  # fmt: skip
    app = create_app(settings, store=served, run_outbox=False)
    headers = bearer(settings, "social-worker")
    query = {"query": "{ __typename }"}
    paused = tmp_path / "paused"
    importing = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _PAUSES_AFTER_NODES, "import", str(exported),
        cwd=REPOSITORY,
        env={
            **lcs_hub_environment(engine.data_dir, served.graph_name, settings.var_dir),
            "LCS_HUB_TEST_PAUSED": str(paused),
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://hub.test"
        ) as http:
            for _ in range(1200):  # bounded: 120 s
                if paused.exists() or importing.returncode is not None:
                    break
                await asyncio.sleep(0.1)
            assert paused.exists()
            assert await served.read("MATCH (c:Child) RETURN count(c) AS n") == [{"n": 1}]
            ready = await http.get("/readyz")
            assert ready.status_code == 503
            assert ready.json() == {"status": "unavailable", "import": "under way"}
            answered = await http.post("/graphql", json=query, headers=headers)
            assert answered.status_code == 503
            assert answered.headers["Retry-After"] == "30"
            assert answered.json()["errors"][0]["extensions"]["code"] == "IMPORT_UNDER_WAY"
            # Nor is what it has loaded so far backed up.
            refused = run_lcs_hub(
                engine.data_dir, served.graph_name, settings.var_dir,
                "export", "--out", str(tmp_path / "half"),
            )  # fmt: skip
            assert refused.returncode == 1
            assert "is under way; nothing is exported or written" in refused.stderr
            assert not (tmp_path / "half").exists()
            (tmp_path / "go").touch()
            _, stderr = await asyncio.wait_for(importing.communicate(), 120)
            assert importing.returncode == 0, stderr
            # Whole, the store is served without a restart.
            assert (await http.get("/readyz")).status_code == 200
            answered = await http.post("/graphql", json=query, headers=headers)
            assert answered.json() == {"data": {"__typename": "Query"}}
    finally:
        if importing.returncode is None:
            importing.kill()
            await importing.communicate()
        await served.drop()
        await served.close()


def test_import_marks_of_two_graphs_in_one_var_directory_are_kept_apart(tmp_path: Path) -> None:
    path = tmp_path / IMPORT_MARKER
    # A mark left by a hub from before several graphs were kept names one graph.
    path.write_text(json.dumps({"graph": "lcs"}), "utf-8")
    lcs, other = ImportMarker(path, "lcs"), ImportMarker(path, "lcs-other")
    assert lcs.left_behind()
    assert not other.left_behind()
    other.set()
    assert lcs.left_behind()
    assert other.left_behind()
    lcs.clear()
    assert not lcs.left_behind()
    assert other.left_behind()
    other.clear()
    assert not path.exists()


async def test_an_import_or_demo_while_another_load_holds_the_var_directory_changes_nothing(
    store: FalkorDBStore, engine: EmbeddedEngine, tmp_path: Path
) -> None:
    # Two imports at once each saw the store empty, loaded into it together and failed on
    # each other's records; the removal of one emptied the store under the other.
    exported = await _one_child_exported(store, engine, tmp_path)
    target, var_dir = f"{store.graph_name}-busy", tmp_path / "busy"
    with bulk_load_lease(var_dir, "lcs-hub import"):
        for command in (("import", str(exported)), ("demo", "--size", "tiny")):
            refused = run_lcs_hub(engine.data_dir, target, var_dir, *command)
            assert refused.returncode == 1
            assert refused.stderr.splitlines()[-1] == (
                f"lcs-hub {command[0]}: lcs-hub import (pid {os.getpid()}) is loading into "
                f"{var_dir}; nothing was changed. Wait for it to finish (one import or demo "
                "load at a time), then try again"
            )
        # Refused before anything was opened: no graph, no document store.
        assert target not in await _graphs(engine)
        assert sorted(path.name for path in var_dir.iterdir()) == [LEASE_FILE]
    # Once it is let go, the same file is taken in whole.
    done = run_lcs_hub(engine.data_dir, target, var_dir, "import", str(exported))
    assert done.returncode == 0, done.stderr
    assert engine.socket_path is not None
    moved = FalkorDBStore(engine.socket_path, target)
    try:
        assert await moved.read("MATCH (c:Child) RETURN c.givenName AS name") == [{"name": "Zoë"}]
    finally:
        await moved.drop()
        await moved.close()


def test_the_bulk_load_lease_goes_with_a_holder_that_is_killed(tmp_path: Path) -> None:
    hold = (
        "import sys, time; from pathlib import Path; from hub.bulk_load import bulk_load_lease"
        "\nwith bulk_load_lease(Path(sys.argv[1]), 'lcs-hub demo'):"
        "\n    print('held', flush=True); time.sleep(600)"
    )
    with subprocess.Popen(
        [sys.executable, "-c", hold, str(tmp_path)], stdout=subprocess.PIPE, text=True
    ) as holder:
        try:
            assert holder.stdout is not None
            assert holder.stdout.readline() == "held\n"
            assert load_under_way(tmp_path)
            refused = rf"^lcs-hub demo \(pid {holder.pid}\) is loading into "
            with (
                pytest.raises(BulkLoadInProgress, match=refused),
                bulk_load_lease(tmp_path, "lcs-hub import"),
            ):
                pass
        finally:
            holder.kill()
    # The kernel let the lock go with the process: nobody has to clear a stale lease.
    assert not load_under_way(tmp_path)
    with bulk_load_lease(tmp_path, "lcs-hub import"):
        assert load_under_way(tmp_path)
        assert (tmp_path / LEASE_FILE).read_text() == f"lcs-hub import (pid {os.getpid()})"


async def test_an_imported_stores_return_jobs_say_their_files_were_not_carried(
    store: FalkorDBStore, fresh_engine: EmbeddedEngine, tmp_path: Path
) -> None:
    # An export carries the graph and the documents, not var/returns: a return's files are
    # the return made again from the record, and name every child in it. The jobs come
    # with the store; each says its files stayed behind, and a download says why (410),
    # not that the job does not exist (404).
    from auth.principal import Principal
    from resolvers.returns import FilesRemoved, ReturnJobs, return_file
    from returns import ReturnKind, ReturnRequest, job_of, run_job, start_job
    from returns.years import CollectionYear

    request = ReturnRequest(ReturnKind.SSDA903, CollectionYear(2026), "worker-pa-demo")

    async def audit(ids: list[str]) -> None:
        return None

    folder = tmp_path / "source-returns"
    job = await run_job(store, await start_job(store, request), request, folder, audit)
    assert job["state"] == "DONE", job
    exported = tmp_path / "hub.jsonl"
    content = ContentStores(forms=FormStore(tmp_path / "forms"), livelink=None)
    await export_hub(store, content, exported)

    assert fresh_engine.socket_path is not None
    target = FalkorDBStore(fresh_engine.socket_path, f"moved-{uuid.uuid4().hex}")
    try:
        before = now_ms()
        await import_hub(target, ContentStores(FormStore(tmp_path / "to-forms"), None), exported)
        moved = await job_of(target, job["id"], "worker-pa-demo")
        assert moved is not None
        assert (moved["state"], moved["children"], moved["file"]) == ("DONE", job["children"], None)
        assert moved["filesRemovedAt"] >= before
        analyst = Principal(
            subject="worker-pa-demo",
            name="Dev Malhotra",
            role="performance_analyst",
            agency_id="agency-la",
            token_id="token-1",
            on_record=True,
        )
        answer = await return_file(
            target, ReturnJobs(target, tmp_path / "var" / "returns", None), analyst, job["id"]
        )
        assert isinstance(answer, FilesRemoved), answer
        assert "not carried" in answer.reason
        assert "make the return again" in answer.reason
        # The source store's job is as it was.
        assert await job_of(store, job["id"], "worker-pa-demo") == job
    finally:
        await target.drop()
        await target.close()


async def test_an_import_of_many_shapes_holds_a_bounded_number_of_rows(
    store: FalkorDBStore, engine: EmbeddedEngine
) -> None:
    # Rows wait in one batch per shape (labels and date properties; a relationship's
    # type and date properties) until the batch is full: a file of many shapes, each
    # batch never filling, was held in memory whole until the end of the import.
    from graph.backup import SHAPES_HELD, GraphImport, Node, Relationship

    assert engine.socket_path is not None
    target = FalkorDBStore(engine.socket_path, f"{store.graph_name}-shapes")
    importer = GraphImport(target, batch_size=10)
    most = 0
    try:
        for ref in range(400):
            properties = {"id": f"p{ref}", f"seen{ref % 200}": date(2020, 1, 1)}
            await importer.add_node(Node(ref, ("ShapeProbe",), properties))
            most = max(most, importer.queued_rows)
        for ref in range(399):
            link = {f"since{ref % 200}": date(2021, 2, 3)}
            await importer.add_relationship(Relationship(ref, "NEXT_PROBE", ref + 1, link))
            most = max(most, importer.queued_rows)
        await importer.finish()
        assert most <= 10 * SHAPES_HELD
        counted = await target.read(
            "MATCH (n:ShapeProbe) OPTIONAL MATCH (n)-[r:NEXT_PROBE]->() "
            "RETURN count(DISTINCT n) AS nodes, count(r) AS links"
        )
        assert counted == [{"nodes": 400, "links": 399}]
        assert (importer.nodes_written, importer.relationships_written) == (400, 399)
    finally:
        await target.drop()
        await target.close()
