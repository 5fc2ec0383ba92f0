"""The store's observer hook: statements by name (never parameters), and connection waits."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from graph import FalkorDBStore, GraphError
from graph.cypher import journey, workforce
from graph.observe import UNNAMED, statement_name, unwatch_store, watch_store

pytestmark = pytest.mark.anyio


class Recorder:
    def __init__(self) -> None:
        self.statements: list[tuple[str, bool, str, str]] = []
        self.waits: list[tuple[float, bool]] = []

    @contextlib.contextmanager
    def statement(self, name: str, *, read_only: bool, engine: str) -> Iterator[None]:
        try:
            yield
        except Exception as error:
            self.statements.append((name, read_only, engine, type(error).__name__))
            raise
        self.statements.append((name, read_only, engine, "ok"))

    def pool_wait(self, seconds: float, *, timed_out: bool, engine: str) -> None:
        self.waits.append((seconds, timed_out))


def test_statements_are_named_as_graph_cypher_declares_them() -> None:
    assert statement_name(workforce.AGENCY_EXISTS) == "workforce.AGENCY_EXISTS"
    assert statement_name(journey.TRANSITIONS["Referral"]) == "journey.TRANSITIONS[Referral]"
    assert statement_name("MATCH (n) RETURN n") == UNNAMED


async def test_an_observer_sees_each_statement_and_wait_but_no_parameter(
    store: FalkorDBStore,
) -> None:
    recorder = Recorder()
    watch_store(recorder)
    watch_store(recorder)  # idempotent: told once
    try:
        await store.read(workforce.AGENCY_EXISTS, {"id": "Philippa Quennell"})
        with pytest.raises(GraphError):
            await store.write("THIS IS NOT CYPHER", {"name": "Philippa Quennell"})
    finally:
        unwatch_store(recorder)
    await store.read(workforce.AGENCY_EXISTS, {"id": "after"})
    assert recorder.statements == [
        ("workforce.AGENCY_EXISTS", True, "falkordb", "ok"),
        (UNNAMED, False, "falkordb", "GraphError"),
    ]
    assert len(recorder.waits) == 2
    assert not any(timed_out for _, timed_out in recorder.waits)
