"""The graph store port: the only way the rest of the hub talks to a graph database."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol

from graph.values import PLAIN_TYPES

if TYPE_CHECKING:
    from graph.audit_journal import AuditJournal

Row = dict[str, Any]
Params = Mapping[str, Any]


class GraphStore(Protocol):
    """An async graph database that runs the hub's portable Cypher.

    One statement is the unit of atomicity on every engine (FalkorDB has no
    multi-statement transactions), so each business operation is one `write`.
    Rows come back as plain Python values: dicts, lists, str, int, float, bool,
    None and `datetime.date`.
    """

    engine: str

    async def read(self, statement: str, params: Params | None = None) -> list[Row]:
        """Run a read-only statement and return its rows as dicts keyed by column."""
        ...

    async def write(self, statement: str, params: Params | None = None) -> list[Row]:
        """Run one statement atomically and return its rows."""
        ...

    async def apply_schema(self) -> None:
        """Create the declared constraints and indexes if they are missing."""
        ...

    async def close(self) -> None:
        """Release connections (the embedded engine itself is stopped by its owner)."""
        ...


def audit_journal_of(store: object) -> AuditJournal | None:
    """The store's read-audit journal (graph/audit_journal.py), or None where the audit is
    written straight into the graph (the Neo4j store; a store wrapped for a test)."""
    journal: AuditJournal | None = getattr(store, "audit_journal", None)
    return journal


def encode_params(params: Params | None) -> dict[str, Any]:
    """Turn parameters into the JSON-like values both engines accept.

    FalkorDB's client inlines parameters into the query text, so dates travel as
    ISO strings and statements wrap them in `date($x)`. A datetime is refused:
    instants are stored as epoch milliseconds and must be converted by the caller.
    """
    return {key: _encode(value) for key, value in (params or {}).items()}


def _encode(value: Any) -> Any:
    if type(value) in PLAIN_TYPES:
        return value
    if isinstance(value, datetime):
        raise TypeError("pass instants as epoch milliseconds, not datetime")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(key): _encode(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_encode(item) for item in value]
    return value
