"""The graph store: the port, its two engines, and opening the one the settings name."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import ParseResult, unquote, urlparse

from graph.audit_journal import AuditJournal, JournalDrainer, drain_audit_journal
from graph.birthdays import age_on, birthday
from graph.embedded import LOG_KEEP, LOG_MAX_BYTES, EmbeddedEngine, make_private_tree
from graph.england import ENGLAND
from graph.errors import (
    ConstraintViolation,
    EngineLocked,
    EngineRefusing,
    GraphBusy,
    GraphError,
    GraphUnavailable,
    StatementTimedOut,
)
from graph.falkordb_store import CONNECT_TIMEOUT_S, FalkorDBServer, FalkorDBStore
from graph.names import backfill_name_keys, name_key, name_key_fields, search_terms
from graph.neo4j_store import Neo4jStore
from graph.neo4j_store import check_reachable as neo4j_reachable
from graph.observe import StoreObserver, statement_name, unwatch_store, watch_store
from graph.store import GraphStore, Params, Row, audit_journal_of, encode_params
from graph.supervisor import EngineSupervisor
from graph.writable import write_refusal

NEO4J_SCHEMES = frozenset({"bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc"})
# A standalone FalkorDB server speaks the Redis protocol; the `s` schemes use TLS.
FALKORDB_SCHEMES = frozenset({"falkordb", "redis"})
FALKORDB_TLS_SCHEMES = frozenset({"falkordbs", "rediss"})
_FALKORDB_DEFAULT_PORT = 6379
_NEO4J_DEFAULT_PORT = 7687


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
    log_max_bytes: int = LOG_MAX_BYTES,
    log_keep: int = LOG_KEEP,
    tls_ca_file: str | None = None,
    pool_size: int = 16,
    pool_timeout: float = 10.0,
    connect_timeout: float = CONNECT_TIMEOUT_S,
    check_reachable: bool = False,
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
        log_max_bytes: the embedded engine's log is rotated once it holds this many bytes.
        log_keep: how many of its rotated logs are kept.
        pool_size: connections to the engine; a statement finding all in use waits for one.
        pool_timeout: how long it waits before the store raises `GraphBusy`.
        connect_timeout: FalkorDB: how long opening a connection may take (socket, TLS,
            login, handshake) before the store raises `GraphUnavailable`.
        check_reachable: connect and log in to a Neo4j database now (the FalkorDB client
            always does), so that one not up yet raises `GraphUnavailable` here, and a
            refused login `GraphError`, rather than the first statement failing.
    """
    parsed = urlparse(url or "embedded://")
    if parsed.scheme in FALKORDB_SCHEMES | FALKORDB_TLS_SCHEMES:
        server = falkordb_server(parsed, user=user, password=password, tls_ca_file=tls_ca_file)
        standalone = FalkorDBStore(
            server,
            graph_name,
            max_connections=pool_size,
            pool_timeout=pool_timeout,
            connect_timeout=connect_timeout,
        )
        return OpenGraph(store=standalone, engine=None)
    if parsed.scheme in NEO4J_SCHEMES:
        address, user, password = neo4j_address(parsed, user=user, password=password)
        if check_reachable:
            neo4j_reachable(address, user=user, password=password)
        store = Neo4jStore(
            address,
            user=user,
            password=password,
            database=graph_name or None,
            max_connections=pool_size,
            pool_timeout=pool_timeout,
        )
        return OpenGraph(store=store, engine=None)
    if parsed.scheme != "embedded":
        raise GraphError(f"LCS_HUB_GRAPH_URL: unsupported scheme {parsed.scheme!r}")
    engine = EmbeddedEngine(
        Path(parsed.path) if parsed.path else data_dir,
        appendfsync=appendfsync,
        log_max_bytes=log_max_bytes,
        log_keep=log_keep,
    )
    socket_path = engine.start()
    embedded = FalkorDBStore(
        socket_path,
        graph_name,
        max_connections=pool_size,
        pool_timeout=pool_timeout,
        connect_timeout=connect_timeout,
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
    host, port = _server_address(parsed, engine="FalkorDB", default=_FALKORDB_DEFAULT_PORT)
    if tls_ca_file and not tls:
        raise GraphError(
            "LCS_HUB_GRAPH_TLS_CA_FILE is set but the URL does not use TLS "
            "(use falkordbs:// or rediss://)"
        )
    return FalkorDBServer(
        host=host,
        port=port,
        username=unquote(parsed.username) if parsed.username else user,
        password=unquote(parsed.password) if parsed.password else password,
        tls=tls,
        tls_ca_file=tls_ca_file,
    )


def neo4j_address(
    parsed: ParseResult, *, user: str | None = None, password: str | None = None
) -> tuple[str, str | None, str | None]:
    """The Neo4j URL to give the driver, and the user and password to log in with.

    A user and password written in the URL win over the settings' and are taken out of
    it: the driver refuses a URL that carries them, with a message that repeats the
    whole URL, password included.
    """
    routing = parsed.scheme.startswith("neo4j")
    host, port = _server_address(parsed, engine="Neo4j", default=_NEO4J_DEFAULT_PORT, query=routing)
    host = f"[{host}]" if ":" in host else host
    # neo4j:// URLs may carry the driver's routing context (`?policy=eu`).
    context = f"?{parsed.query}" if parsed.query else ""
    return (
        f"{parsed.scheme}://{host}:{port}{context}",
        unquote(parsed.username) if parsed.username else user,
        unquote(parsed.password) if parsed.password else password,
    )


def _server_address(
    parsed: ParseResult, *, engine: str, default: int, query: bool = False
) -> tuple[str, int]:
    """The host and port of a graph server's URL, once the URL is only scheme://host:port.

    A mistake in the URL is refused here, naming the part that is wrong (never the
    password it may carry), rather than turning into a connection error on the first
    request or a driver's traceback.
    """
    if not parsed.hostname:
        raise GraphError(
            f"LCS_HUB_GRAPH_URL: a {engine} URL needs a host ({parsed.scheme}://host:port)"
        )
    try:
        port = parsed.port or default
    except ValueError as exc:
        raise GraphError("LCS_HUB_GRAPH_URL: the port must be a number from 1 to 65535") from exc
    extra = parsed.params or parsed.fragment or (parsed.query and not query)
    if parsed.path not in ("", "/") or extra:
        # The graph is named by LCS_HUB_GRAPH_NAME; a path here would be silently ignored.
        raise GraphError(
            f"LCS_HUB_GRAPH_URL: a {engine} URL is only scheme://host:port "
            "(name the graph with LCS_HUB_GRAPH_NAME)"
        )
    return parsed.hostname, port


__all__ = [
    "ENGLAND",
    "AuditJournal",
    "ConstraintViolation",
    "EmbeddedEngine",
    "EngineLocked",
    "EngineRefusing",
    "EngineSupervisor",
    "FalkorDBServer",
    "FalkorDBStore",
    "GraphBusy",
    "GraphError",
    "GraphStore",
    "GraphUnavailable",
    "JournalDrainer",
    "Neo4jStore",
    "OpenGraph",
    "Params",
    "Row",
    "StatementTimedOut",
    "StoreObserver",
    "age_on",
    "audit_journal_of",
    "backfill_name_keys",
    "birthday",
    "drain_audit_journal",
    "encode_params",
    "falkordb_server",
    "make_private_tree",
    "name_key",
    "name_key_fields",
    "neo4j_address",
    "open_graph",
    "search_terms",
    "statement_name",
    "unwatch_store",
    "watch_store",
    "write_refusal",
]
