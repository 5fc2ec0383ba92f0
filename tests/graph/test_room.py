"""The graph room is the bottom of the rooms (DESIGN.md): it imports nothing of ours.

The zone days are in (ENGLAND) was declared twice, in graph/ and in workflow/; it is
declared once, in graph/, which every room may import, and never the other way round.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The project's own top-level packages (the rooms of DESIGN.md, tests and tools aside).
OURS = frozenset({"auth", "bench", "connectors", "demo", "hub", "resolvers", "returns", "schema",
                  "workflow"})  # fmt: skip


def _imported(module: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_the_graph_room_imports_nothing_of_ours() -> None:
    reaching = {
        f"{module.relative_to(ROOT)}: {name}"
        for module in sorted((ROOT / "graph").rglob("*.py"))
        for name in _imported(module)
        if name.split(".")[0] in OURS
    }
    assert not reaching


def test_days_in_england_are_declared_once() -> None:
    declaring = [
        str(module.relative_to(ROOT))
        for room in ("graph", "workflow", "auth", "connectors", "returns", "hub")
        for module in sorted((ROOT / room).rglob("*.py"))
        if 'ZoneInfo("Europe/London")' in module.read_text("utf-8")
    ]
    assert declaring == ["graph/england.py"]
