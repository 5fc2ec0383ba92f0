"""The graph store: the port, its two engines, and opening the one the settings name."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from graph.embedded import EmbeddedEngine, make_private_tree
from graph.errors import (
    ConstraintViolation,
    EngineLocked,
    GraphBusy,
    GraphError,
    GraphUnavailable,
)
from graph.falkordb_store import FalkorDBStore
from graph.neo4j_store import Neo4jStore
from graph.store import GraphStore, Params, Row, encode_params
from graph.supervisor import EngineSupervisor

NEO4J_SCHEMES = frozenset({"bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc"})


@dataclass
class OpenGraph:
    """A store and, for the embedded engine, the server process behind it."""

    store: GraphStore
    engine: EmbeddedEngine | None

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
    pool_size: int = 16,
    pool_timeout: float = 10.0,
) -> OpenGraph:
    """Open the store named by `url`: unset or `embedded://` is the embedded FalkorDB.

    Args:
        url: `embedded:///path/to/dir`, or a Neo4j URL (`bolt://`, `neo4j://`, `neo4j+s://`).
        data_dir: where the embedded engine keeps its files when the URL names none.
        graph_name: the FalkorDB graph key, or the Neo4j database (empty for the default).
        pool_size: connections to the engine; a statement finding all in use waits for one.
        pool_timeout: how long it waits before the store raises `GraphBusy`.
    """
    parsed = urlparse(url or "embedded://")
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


__all__ = [
    "ConstraintViolation",
    "EmbeddedEngine",
    "EngineLocked",
    "EngineSupervisor",
    "FalkorDBStore",
    "GraphBusy",
    "GraphError",
    "GraphStore",
    "GraphUnavailable",
    "Neo4jStore",
    "OpenGraph",
    "Params",
    "Row",
    "encode_params",
    "make_private_tree",
    "open_graph",
]
