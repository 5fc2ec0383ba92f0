"""The FalkorDB store sends a statement the parameters it names, and only those.

The client writes every parameter into the text it sends; the caller's whole scope (a
manager's list of reports among it) travelled with statements that never read it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from graph import FalkorDBStore
from graph.falkordb_store import _encoded

pytestmark = pytest.mark.anyio


def test_only_the_parameters_a_statement_names_are_encoded() -> None:
    params = {"id": "c1", "ids": ["c1"], "viewerReports": ["w"] * 4500, "now": 1}
    assert _encoded("MATCH (c:Child {id: $id}) RETURN c", params) == {"id": "c1"}
    # A name inside a longer one is kept: one more is harmless, one fewer an error.
    assert set(_encoded("UNWIND $ids AS i RETURN i", params)) == {"id", "ids"}


async def test_a_parameter_the_statement_does_not_name_is_never_sent(
    store: FalkorDBStore,
) -> None:
    # An instant cannot be encoded at all (instants travel as epoch ms): sent, it would fail.
    rows = await store.read("RETURN $x AS x", {"x": 1, "unused": datetime.now(UTC)})
    assert rows == [{"x": 1}]
    with pytest.raises(TypeError):
        await store.read("RETURN $x AS x, $unused AS y", {"x": 1, "unused": datetime.now(UTC)})
