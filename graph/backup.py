"""Reading a whole graph out a page at a time, and writing one back in batches.

The file format lives with the command (hub/backup.py); this is the graph's side: nodes
and relationships as plain Python values (str, int, float, bool, lists, `datetime.date`),
each node named by a reference number that is only meaningful inside one export.
Memory stays bounded both ways: export holds one window of nodes, import a batch per node
shape and, across shapes, at most `SHAPES_HELD` batches' worth of rows.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from graph.audit_journal import drain_audit_journal
from graph.cypher import backup as statements
from graph.cypher.backup import is_plain_name
from graph.errors import GraphError
from graph.falkordb_store import FalkorDBStore
from graph.store import GraphStore, Row

__all__ = [
    "GraphImport",
    "GraphSize",
    "Node",
    "Relationship",
    "first_labels",
    "frozen",
    "graph_size",
    "is_plain_name",
    "last_node_number",
    "node_windows",
    "nodes",
    "relationships",
]

DEFAULT_WINDOW = 1_000
DEFAULT_BATCH = 1_000
# How many full batches' worth of rows an import holds at most across shapes: a file of
# many shapes (each batch filling slowly, or never) was held in memory whole until its
# end. Past this, the largest batch is written early.
SHAPES_HELD = 16
# At most ~45 doubles print alike in 15 significant digits; the search stops past this.
_MOST_ALIKE = 64


@dataclass(frozen=True)
class GraphSize:
    """How much the store holds, read before an export pages through it."""

    nodes: int
    relationships: int
    last_node: int


@dataclass(frozen=True)
class Node:
    """One node: its reference in the export, its labels, its properties."""

    ref: int
    labels: tuple[str, ...]
    properties: dict[str, Any]


@dataclass(frozen=True)
class Relationship:
    """One relationship: its type, the references of its ends, its properties."""

    start: int
    type: str
    end: int
    properties: dict[str, Any]


@contextlib.asynccontextmanager
async def frozen(store: GraphStore) -> AsyncIterator[GraphStore]:
    """`store` as it is at this moment, to read page by page while writes go on.

    FalkorDB copies the graph in one step (`FalkorDBStore.snapshot`). Neo4j runs each
    statement in its own transaction and has no such copy in its Community edition: it
    is read as it stands, and a reader compares counts to tell a change (hub/backup.py).
    """
    if isinstance(store, FalkorDBStore):
        async with store.snapshot() as copy:
            yield copy
    else:
        yield store


async def graph_size(store: GraphStore) -> GraphSize:
    """The number of nodes and relationships, and the highest node number."""
    # The counts take in the audit's events: the reads still journaled are written first.
    await drain_audit_journal(store)
    [size] = await store.read(statements.GRAPH_SIZE)
    [relationships] = await store.read(statements.RELATIONSHIP_COUNT)
    last = size["lastNode"]
    return GraphSize(
        nodes=size["nodes"],
        relationships=relationships["relationships"],
        last_node=-1 if last is None else int(last),
    )


def node_windows(last_node: int, window: int = DEFAULT_WINDOW) -> Iterator[tuple[int, int]]:
    """Windows `[from, to)` of node numbers covering 0..last_node: bounded pages."""
    for start in range(0, last_node + 1, window):
        yield start, start + window


async def last_node_number(store: GraphStore) -> int:
    """The highest node number in the store (-1 when empty): where windows stop."""
    return (await graph_size(store)).last_node


def _alike(value: float) -> list[float]:
    """`value` and the doubles next to it that print alike in 15 significant digits."""
    shown = format(value, ".15g")
    alike = [value]
    for direction in (math.inf, -math.inf):
        near = value
        for _ in range(_MOST_ALIKE):
            near = math.nextafter(near, direction)
            if format(near, ".15g") != shown:
                break
            alike.append(near)
    return alike


def _float_checks(ref: int, properties: dict[str, Any], **anchor: int) -> list[Row]:
    checks: list[Row] = []
    for key, value in properties.items():
        places = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
        for index, item in places:
            if isinstance(item, float) and math.isfinite(item):
                checks.append(
                    {"ref": ref, "key": key, "index": index, "candidates": _alike(item), **anchor}
                )
    return checks


async def _make_floats_exact(
    store: GraphStore, statement: str, checks: list[Row], properties: dict[int, dict[str, Any]]
) -> None:
    """Replace each float read with the double the engine really holds."""
    if not checks:
        return
    by_place = {(check["ref"], check["key"], check["index"]): check for check in checks}
    for row in await store.read(statement, {"rows": checks}):
        if len(row["matches"]) != 1:
            continue  # changed since the page was read; the export's count check decides
        check = by_place[(row["ref"], row["key"], row["index"])]
        exact = check["candidates"][row["matches"][0]]
        held = properties[row["ref"]]
        if row["index"] is None:
            held[row["key"]] = exact
        else:
            held[row["key"]][row["index"]] = exact


async def nodes(
    store: GraphStore, size: GraphSize, *, window: int = DEFAULT_WINDOW
) -> AsyncIterator[list[Node]]:
    """Every node, a window of node numbers at a time (a page may be empty)."""
    for start, end in node_windows(size.last_node, window):
        rows = await store.read(statements.NODES_PAGE, {"from": start, "to": end})
        properties = {row["ref"]: row["properties"] for row in rows}
        checks = [check for ref, held in properties.items() for check in _float_checks(ref, held)]
        await _make_floats_exact(store, statements.EXACT_NODE_FLOATS, checks, properties)
        yield [Node(row["ref"], tuple(row["labels"]), row["properties"]) for row in rows]


async def relationships(
    store: GraphStore, size: GraphSize, *, window: int = DEFAULT_WINDOW
) -> AsyncIterator[list[Relationship]]:
    """Every relationship, by the window of node numbers it leaves from."""
    for start, end in node_windows(size.last_node, window):
        rows = await store.read(statements.RELATIONSHIPS_PAGE, {"from": start, "to": end})
        properties = {row["relationship"]: row["properties"] for row in rows}
        checks = [
            check
            for row in rows
            for check in _float_checks(row["relationship"], row["properties"], start=row["start"])
        ]
        await _make_floats_exact(store, statements.EXACT_RELATIONSHIP_FLOATS, checks, properties)
        yield [
            Relationship(row["start"], row["type"], row["end"], row["properties"]) for row in rows
        ]


async def first_labels(store: GraphStore) -> list[tuple[str, ...]]:
    """The labels of at most two nodes: enough to tell an empty store from one in use."""
    return [tuple(row["labels"]) for row in await store.read(statements.ANY_NODE_LABELS)]


def _split_dates(properties: dict[str, Any], where: str) -> tuple[dict[str, Any], dict[str, str]]:
    plain: dict[str, Any] = {}
    dates: dict[str, str] = {}
    for key, value in properties.items():
        if isinstance(value, date):
            dates[key] = value.isoformat()
        elif isinstance(value, list) and any(isinstance(item, date) for item in value):
            # No statement here turns a list of strings into a list of dates per element;
            # the hub stores none, so one arriving is refused rather than changed.
            raise GraphError(f"{where}.{key}: a list of dates cannot be imported")
        else:
            plain[key] = value
    return plain, dates


@dataclass
class GraphImport:
    """Writes nodes and relationships into an empty store in batches of one shape each.

    Call `add_node` for every node, then `add_relationship` for every relationship, then
    `finish`. A batch is flushed when it is full; nodes are all written before the first
    relationship (`add_relationship` flushes them).
    """

    store: GraphStore
    batch_size: int = DEFAULT_BATCH
    nodes_written: int = 0
    relationships_written: int = 0
    _nodes: dict[tuple[tuple[str, ...], tuple[str, ...]], list[dict[str, Any]]] = field(
        default_factory=dict
    )
    _relationships: dict[tuple[str, tuple[str, ...]], list[dict[str, Any]]] = field(
        default_factory=dict
    )
    _queued: int = 0

    @property
    def queued_rows(self) -> int:
        """The rows waiting in memory to be written, across every shape."""
        return self._queued

    async def add_node(self, node: Node) -> None:
        """Queue one node; writes its shape's batch once full."""
        plain, dates = _split_dates(node.properties, f"node {node.ref}")
        shape = (node.labels, tuple(sorted(dates)))
        batch = self._nodes.setdefault(shape, [])
        batch.append({"ref": node.ref, "properties": plain, "dates": dates})
        self._queued += 1
        if len(batch) >= self.batch_size:
            await self._write_nodes(shape)
        while self._queued > self.batch_size * SHAPES_HELD:
            await self._write_nodes(max(self._nodes, key=lambda held: len(self._nodes[held])))

    async def add_relationship(self, relationship: Relationship) -> None:
        """Queue one relationship; writes its type's batch once full."""
        if self._nodes:
            await self._flush_nodes()
        plain, dates = _split_dates(relationship.properties, f"relationship {relationship.type}")
        shape = (relationship.type, tuple(sorted(dates)))
        batch = self._relationships.setdefault(shape, [])
        batch.append(
            {
                "start": relationship.start,
                "end": relationship.end,
                "properties": plain,
                "dates": dates,
            }
        )
        self._queued += 1
        if len(batch) >= self.batch_size:
            await self._write_relationships(shape)
        while self._queued > self.batch_size * SHAPES_HELD:
            largest = max(self._relationships, key=lambda held: len(self._relationships[held]))
            await self._write_relationships(largest)

    async def finish(self) -> None:
        """Write what is queued, then take the import's marks off every node."""
        await self._flush_nodes()
        for shape in list(self._relationships):
            await self._write_relationships(shape)
        while (await self.store.write(statements.CLEAR_IMPORT_MARKS, {"limit": self.batch_size}))[
            0
        ]["cleared"]:
            pass

    async def _flush_nodes(self) -> None:
        for shape in list(self._nodes):
            await self._write_nodes(shape)

    async def _write_nodes(self, shape: tuple[tuple[str, ...], tuple[str, ...]]) -> None:
        rows = self._nodes.pop(shape)
        self._queued -= len(rows)
        labels, date_keys = shape
        [written] = await self.store.write(
            statements.create_nodes(labels, date_keys), {"rows": rows}
        )
        self.nodes_written += written["created"]

    async def _write_relationships(self, shape: tuple[str, tuple[str, ...]]) -> None:
        rows = self._relationships.pop(shape)
        self._queued -= len(rows)
        kind, date_keys = shape
        [written] = await self.store.write(
            statements.create_relationships(kind, date_keys), {"rows": rows}
        )
        if written["created"] != len(rows):
            raise GraphError(
                f"{len(rows) - written['created']} {kind} relationship(s) name a node the "
                "file does not hold"
            )
        self.relationships_written += written["created"]
