"""A canonical dump of a graph, written apart from the code it checks (export, migrations).

Every node as its labels in order and every property with its Python type; every
relationship as its type, its ends (their canonical text) and its properties. The
engine's node numbers do not appear, so two stores holding the same records compare equal.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from typing import TYPE_CHECKING, Any

from graph import drain_audit_journal

if TYPE_CHECKING:
    from graph import GraphStore

ALL_NODES = "MATCH (n) RETURN id(n) AS ref, labels(n) AS labels, properties(n) AS properties"
ALL_RELATIONSHIPS = (
    "MATCH (a)-[r]->(b) RETURN id(a) AS start, type(r) AS type, id(b) AS end,"
    " properties(r) AS properties"
)


def _typed(value: Any) -> Any:
    # bool before int: True == 1 in Python, and the dump must tell them apart.
    if isinstance(value, bool):
        return ["bool", value]
    if isinstance(value, int):
        return ["int", value]
    if isinstance(value, float):
        return ["float", repr(value)]
    if isinstance(value, str):
        return ["str", value]
    if isinstance(value, date):
        return ["date", value.isoformat()]
    if isinstance(value, list):
        return ["list", [_typed(item) for item in value]]
    raise AssertionError(f"unexpected value {value!r}")


def _canonical(labels: list[str], properties: dict[str, Any]) -> str:
    typed = {key: _typed(value) for key, value in properties.items()}
    return json.dumps([labels, typed], sort_keys=True, ensure_ascii=False)


async def canonical_graph(store: GraphStore) -> tuple[Counter[str], Counter[str]]:
    """Every node and relationship as text, independent of the engine's node numbers."""
    # The audit's events too: the reads still journaled are written first.
    await drain_audit_journal(store)
    nodes = {
        row["ref"]: _canonical(row["labels"], row["properties"])
        for row in await store.read(ALL_NODES)
    }
    relationships = Counter(
        json.dumps(
            [
                nodes[row["start"]],
                row["type"],
                nodes[row["end"]],
                _canonical([], row["properties"]),
            ],
            ensure_ascii=False,
        )
        for row in await store.read(ALL_RELATIONSHIPS)
    )
    return Counter(nodes.values()), relationships
