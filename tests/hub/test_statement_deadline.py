"""The hub's answer when the engine stopped a request's statement at its deadline: the
deadline's own (504 DEADLINE_EXCEEDED), on every path, never an internal error."""

from __future__ import annotations

import time

import pytest
from graphql import GraphQLError
from strawberry.types import ExecutionResult

from graph import FalkorDBStore
from graph.deadline import statements_end_within
from graph.errors import StatementTimedOut
from hub.errors import mask_errors
from hub.route_deadline import DeadlineExceeded, until_deadline
from tests.graph.test_statement_deadline import ENDLESS_READ

pytestmark = pytest.mark.anyio


async def test_a_request_whose_statement_the_engine_stopped_is_past_its_deadline(
    store: FalkorDBStore,
) -> None:
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        await until_deadline(0.5, store.read(ENDLESS_READ))
    assert time.monotonic() - started < 5
    # The engine is not still working on it: a statement that needs a free engine thread
    # of every kind is answered at once.
    assert await store.read("RETURN 2 AS two") == [{"two": 2}]


async def test_a_graphql_field_whose_statement_the_engine_stopped_answers_the_deadline(
    store: FalkorDBStore,
) -> None:
    with statements_end_within(0.5), pytest.raises(StatementTimedOut) as stopped:
        await store.read(ENDLESS_READ)
    # As graphql-core reports a resolver's failure: on its field, the rest answered.
    result = ExecutionResult(
        data={"child": None, "me": {"name": "Sam"}},
        errors=[GraphQLError("stopped", path=["child"], original_error=stopped.value)],
    )
    assert mask_errors(result) == 504
    assert result.data is None
    assert result.errors is not None
    [error] = result.errors
    assert error.extensions is not None
    assert error.extensions["code"] == "DEADLINE_EXCEEDED"
    assert "deadline" in error.message
