"""The engine knows every relationship type the statements read before it serves:
FalkorDB keeps the plan of a statement made while a type was unknown, and one filtering on
that relationship's properties goes on answering nothing after the first one is written
(graph/vocabulary.py)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from graph import FalkorDBStore
from graph.vocabulary import RELATIONSHIP_TYPES

pytestmark = pytest.mark.anyio

STATEMENTS = Path(__file__).parents[2] / "graph" / "cypher"
# `[r:TYPE`, `[:A|B`, `[:A|:B*1..4` in a pattern.
_TYPES = re.compile(r"\[\w*:([A-Z][A-Z0-9_]*(?:\|:?[A-Z][A-Z0-9_]*)*)")


def _statement_text() -> str:
    """Every string the statement modules hold (f-strings' literal parts included), not
    their Python (a slice such as `[:PREFIX_LENGTH]` is not a pattern)."""
    parts = []
    for module in sorted(STATEMENTS.glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                parts.append(node.value)
    return "\n".join(parts)


def test_every_relationship_type_the_statements_read_is_declared() -> None:
    named = {
        t.lstrip(":") for m in _TYPES.finditer(_statement_text()) for t in m.group(1).split("|")
    }
    # The scan reads what it should: a type only comprehensions read, one of an alternation.
    assert {"ON_ROLL_AT", "RESPONSIBLE_TEAM"} <= named
    assert named - set(RELATIONSHIP_TYPES) == set()


@pytest.mark.parametrize("kind", RELATIONSHIP_TYPES)
async def test_a_read_planned_before_a_relationship_existed_finds_it_later(
    store: FalkorDBStore, kind: str
) -> None:
    # As the school roll is read: the relationship's own dates filter it.
    read = (
        f"MATCH (a:Child {{id: 'a'}}) RETURN [(a)-[r:{kind}]->(b) WHERE r.fromMs <= $now"
        " | b.id] AS found"
    )
    await store.write("CREATE (:Child {id: 'a'})")
    assert await store.read(read, {"now": 5}) == [{"found": []}]
    await store.write(
        f"MATCH (a:Child {{id: 'a'}}) CREATE (a)-[:{kind} {{fromMs: 1}}]->(:Child {{id: 'b'}})"
    )
    assert await store.read(read, {"now": 5}) == [{"found": ["b"]}]


async def test_declaring_leaves_nothing_behind(store: FalkorDBStore) -> None:
    assert await store.read("MATCH (n) RETURN count(n) AS nodes") == [{"nodes": 0}]
