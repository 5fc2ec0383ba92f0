"""Per-request DataLoaders: one statement per relationship per level of the query.

Each loader batches the ids a level of the query asks for into one UNWIND statement,
so round trips grow with the query's depth, never with the number of rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from strawberry.dataloader import DataLoader

from graph.cypher import children, contacts, files, notes

if TYPE_CHECKING:
    from graph import GraphStore, Row
    from graph.cypher.access import AccessScope


def _one_per_key(
    store: GraphStore, statement: str, key: str, value: str, scope: dict[str, Any] | None = None
) -> Callable[[Sequence[str]], Awaitable[list[Row | None]]]:
    async def load(ids: Sequence[str]) -> list[Row | None]:
        rows = await store.read(statement, {**(scope or {}), "ids": list(ids)})
        found = {row[key]: row[value] if value else row for row in rows}
        return [found.get(item) for item in ids]

    return load


def _many_per_key(
    store: GraphStore, statement: str, key: str
) -> Callable[[Sequence[str]], Awaitable[list[list[Row]]]]:
    async def load(ids: Sequence[str]) -> list[list[Row]]:
        rows = await store.read(statement, {"ids": list(ids)})
        grouped: defaultdict[str, list[Row]] = defaultdict(list)
        for row in rows:
            grouped[row[key]].append(row)
        return [grouped.get(item, []) for item in ids]

    return load


class Loaders:
    """The loaders of one request, bound to the caller's access scope."""

    def __init__(self, store: GraphStore, scope: AccessScope) -> None:
        visible = scope.params()
        self.child = DataLoader(
            _one_per_key(store, children.CHILDREN_BY_ID, "id", "child", visible)
        )
        self.family = DataLoader(_one_per_key(store, children.FAMILIES_OF, "childId", ""))
        self.relationships = DataLoader(_many_per_key(store, children.RELATIONSHIPS_OF, "childId"))
        self.address = DataLoader(_one_per_key(store, children.ADDRESSES_OF, "personId", "address"))
        self.allocated_worker = DataLoader(
            _one_per_key(store, children.ALLOCATED_WORKERS_OF, "childId", "worker")
        )
        self.school = DataLoader(_one_per_key(store, children.SCHOOLS_OF, "childId", "school"))
        self.involvements = DataLoader(_many_per_key(store, children.INVOLVEMENTS_OF, "childId"))
        self.contacts = DataLoader(_many_per_key(store, contacts.CONTACTS_OF, "childId"))
        self.notes = DataLoader(_many_per_key(store, notes.NOTES_OF, "childId"))
        self.file = DataLoader(_one_per_key(store, files.FILES_OF, "childId", ""))
