"""The graph store: the port, its two engines, and opening the one the settings name."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import ParseResult, unquote, urlparse

from graph.embedded import EmbeddedEngine, make_private_tree
from graph.errors import (
    ConstraintViolation,
    EngineLocked,
    GraphBusy,
    GraphError,
    GraphUnavailable,
)
from graph.falkordb_store import FalkorDBServer, FalkorDBStore
from graph.names import backfill_name_keys, name_key, name_key_fields, search_terms
from graph.neo4j_store import Neo4jStore
from graph.observe import StoreObserver, statement_name, unwatch_store, watch_store
from graph.store import GraphStore, Params, Row, encode_params
from graph.supervisor import EngineSupervisor

NEO4J_SCHEMES = frozenset({"bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc"})
# A standalone FalkorDB server speaks the Redis protocol; the `s` schemes use TLS.
FALKORDB_SCHEMES = frozenset({"falkordb", "redis"})
FALKORDB_TLS_SCHEMES = frozenset({"falkordbs", "rediss"})
_FALKORDB_DEFAULT_PORT = 6379


@dataclass
class OpenGraph:
    """A store and, for the embedded engine, the server process behind it."""

    store: GraphStore
    engine: EmbeddedEngine | None

    async def recover(self) -> None:
        """Bring back the embedded server this process started after it died (killed, or
        crashed) under a command, so the command can undo what it wrote.

        Raises:
            GraphUnavailable: there is no server of this process's to start again.
        """
        if self.engine is None or not self.engine.owner:
            raise GraphUnavailable("the graph engine is not this process's to restart")
        if isinstance(self.store, FalkorDBStore):
            await self.store.drop_connections()
        await self.engine.restart()

    async def close(self) -> None:
        """Close connections, then stop the embedded server if this process started it."""
        await self.store.close()
        if self.engine is not None:
            self.engine.stop()


def open_graph(
    url: str | None,
    *,
    data_dir: Path,
    graph_name: str,
    user: str | None = None,
    password: str | None = None,
    appendfsync: str = "always",
    tls_ca_file: str | None = None,
    pool_size: int = 16,
    pool_timeout: float = 10.0,
) -> OpenGraph:
    """Open the store named by `url`: unset or `embedded://` is the embedded FalkorDB.

    Args:
        url: `embedded:///path/to/dir`; a standalone FalkorDB server
            (`falkordb://host:port`, or `falkordbs://`/`rediss://` with TLS); or a Neo4j URL
            (`bolt://`, `neo4j://`, `neo4j+s://`).
        data_dir: where the embedded engine keeps its files when the URL names none.
        graph_name: the FalkorDB graph key, or the Neo4j database (empty for the default).
        user: the Neo4j user, or the Redis ACL user of a standalone FalkorDB server.
        password: its password (one written in the URL wins).
        tls_ca_file: the authority that signed the FalkorDB server's certificate (TLS
            schemes only; the system's authorities when unset).
        pool_size: connections to the engine; a statement finding all in use waits for one.
        pool_timeout: how long it waits before the store raises `GraphBusy`.
    """
    parsed = urlparse(url or "embedded://")
    if parsed.scheme in FALKORDB_SCHEMES | FALKORDB_TLS_SCHEMES:
        server = falkordb_server(parsed, user=user, password=password, tls_ca_file=tls_ca_file)
        standalone = FalkorDBStore(
            server, graph_name, max_connections=pool_size, pool_timeout=pool_timeout
        )
        return OpenGraph(store=standalone, engine=None)
    if parsed.scheme in NEO4J_SCHEMES:
        store = Neo4jStore(
            url or "",
            user=user,
            password=password,
            database=graph_name or None,
            max_connections=pool_size,
            pool_timeout=pool_timeout,
        )
        return OpenGraph(store=store, engine=None)
    if parsed.scheme != "embedded":
        raise GraphError(f"LCS_HUB_GRAPH_URL: unsupported scheme {parsed.scheme!r}")
    engine = EmbeddedEngine(Path(parsed.path) if parsed.path else data_dir, appendfsync=appendfsync)
    socket_path = engine.start()
    embedded = FalkorDBStore(
        socket_path, graph_name, max_connections=pool_size, pool_timeout=pool_timeout
    )
    return OpenGraph(store=embedded, engine=engine)


def falkordb_server(
    parsed: ParseResult,
    *,
    user: str | None = None,
    password: str | None = None,
    tls_ca_file: str | None = None,
) -> FalkorDBServer:
    """Read a standalone FalkorDB server's address from its parsed URL.

    A mistake in the URL is refused here, naming the part that is wrong, rather than
    turning into a connection error on the first request.
    """
    tls = parsed.scheme in FALKORDB_TLS_SCHEMES
    if not parsed.hostname:
        raise GraphError("LCS_HUB_GRAPH_URL: a FalkorDB URL needs a host (falkordb://host:port)")
    try:
        port = parsed.port or _FALKORDB_DEFAULT_PORT
    except ValueError as exc:
        raise GraphError("LCS_HUB_GRAPH_URL: the port must be a number from 1 to 65535") from exc
    if parsed.path not in ("", "/") or parsed.query or parsed.fragment:
        # The graph is named by LCS_HUB_GRAPH_NAME; a path here would be silently ignored.
        raise GraphError(
            "LCS_HUB_GRAPH_URL: a FalkorDB URL is only scheme://host:port "
            "(name the graph with LCS_HUB_GRAPH_NAME)"
        )
    if tls_ca_file and not tls:
        raise GraphError(
            "LCS_HUB_GRAPH_TLS_CA_FILE is set but the URL does not use TLS "
            "(use falkordbs:// or rediss://)"
        )
    return FalkorDBServer(
        host=parsed.hostname,
        port=port,
        username=unquote(parsed.username) if parsed.username else user,
        password=unquote(parsed.password) if parsed.password else password,
        tls=tls,
        tls_ca_file=tls_ca_file,
    )


__all__ = [
    "ConstraintViolation",
    "EmbeddedEngine",
    "EngineLocked",
    "EngineSupervisor",
    "FalkorDBServer",
    "FalkorDBStore",
    "GraphBusy",
    "GraphError",
    "GraphStore",
    "GraphUnavailable",
    "Neo4jStore",
    "OpenGraph",
    "Params",
    "Row",
    "StoreObserver",
    "backfill_name_keys",
    "encode_params",
    "falkordb_server",
    "make_private_tree",
    "name_key",
    "name_key_fields",
    "open_graph",
    "search_terms",
    "statement_name",
    "unwatch_store",
    "watch_store",
]
