"""How long a statement may run on the engine: what is left of its request's time, bounded.

A request stopped at its deadline stopped waiting, but the statement it had sent went on
running on the engine, holding one of its threads (and, for a write, the graph's one
writer) for nothing. Each engine is told how long a statement may run (FalkorDB's
per-query `timeout`, Neo4j's transaction timeout) and stops it itself; a write stopped
this way is rolled back whole. Work with no request around it (the outbox worker, returns,
imports) gets the longest a statement may run, `MOST_STATEMENT_SECONDS`.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Final

# The longest any statement runs, and how long the client waits for an answer: redis-py's
# own default (5 s) cut county-scale statements off mid-run (a team's work list, a return's
# id scan under load). A request's statements end sooner, by its deadline.
MOST_STATEMENT_SECONDS: Final = 300.0
# What a statement is given when its request's time is (all but) gone: the engine refuses
# at once rather than being handed no bound at all.
_LEAST_SECONDS: Final = 0.001

_ENDS_AT: ContextVar[float | None] = ContextVar("lcs_hub_statements_end_at", default=None)


@contextlib.contextmanager
def statements_end_within(seconds: float) -> Iterator[None]:
    """Within this block (and the tasks it starts), statements end within `seconds` of now,
    or sooner if an outer block says so."""
    ends_at = time.monotonic() + seconds
    outer = _ENDS_AT.get()
    token = _ENDS_AT.set(ends_at if outer is None else min(outer, ends_at))
    try:
        yield
    finally:
        _ENDS_AT.reset(token)


def statement_seconds() -> float:
    """How long the statement about to be sent may run on the engine."""
    ends_at = _ENDS_AT.get()
    if ends_at is None:
        return MOST_STATEMENT_SECONDS
    return max(_LEAST_SECONDS, min(MOST_STATEMENT_SECONDS, ends_at - time.monotonic()))
