"""Per-request DataLoaders: one statement per relationship per level of the query.

Each loader batches the ids a level of the query asks for into one UNWIND statement,
so round trips grow with the query's depth, never with the number of rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from strawberry.dataloader import DataLoader

from graph.cypher import children, contacts, files

if TYPE_CHECKING:
    from graph import GraphStore, Row
    from graph.cypher.access import AccessScope


def one_per_key(
    store: GraphStore,
    statement: str,
    key: str,
    *,
    value: Callable[[Row], Any] | None = None,
    default: Any = None,
    params: Mapping[str, Any] | None = None,
) -> Callable[[Sequence[str]], Awaitable[list[Any]]]:
    """A batch function: one statement for all ids, one answer per id.

    Args:
        key: the column holding the id a row answers.
        value: what of the row to answer (the whole row by default).
        default: the answer for an id no row names.
        params: further parameters (e.g. the caller's access scope).
    """

    async def load(ids: Sequence[str]) -> list[Any]:
        rows = await store.read(statement, {**(params or {}), "ids": list(ids)})
        found = {row[key]: value(row) if value else row for row in rows}
        return [found.get(item, default) for item in ids]

    return load


def many_per_key(
    store: GraphStore,
    statement: str,
    key: str,
    *,
    value: Callable[[Row], Any] | None = None,
    params: Mapping[str, Any] | None = None,
) -> Callable[[Sequence[str]], Awaitable[list[list[Any]]]]:
    """A batch function: one statement for all ids, the list of rows of each id."""

    async def load(ids: Sequence[str]) -> list[list[Any]]:
        rows = await store.read(statement, {**(params or {}), "ids": list(ids)})
        grouped: defaultdict[str, list[Any]] = defaultdict(list)
        for row in rows:
            grouped[row[key]].append(value(row) if value else row)
        return [grouped.get(item, []) for item in ids]

    return load


def _column(name: str) -> Callable[[Row], Any]:
    return lambda row: row[name]


class Loaders:
    """The loaders of one request, bound to the caller's access scope."""

    def __init__(self, store: GraphStore, scope: AccessScope) -> None:
        visible = scope.params()
        self.child = DataLoader(
            one_per_key(
                store, children.CHILDREN_BY_ID, "id", value=_column("child"), params=visible
            )
        )
        # Family members and relatives who are children pass the same row rule.
        self.family = DataLoader(one_per_key(store, children.FAMILIES_OF, "key", params=visible))
        self.family_by_id = DataLoader(
            one_per_key(store, children.FAMILIES_BY_ID, "key", params=visible)
        )
        self.person = DataLoader(
            one_per_key(
                store, children.PEOPLE_BY_ID, "key", value=_column("person"), params=visible
            )
        )
        self.relationships = DataLoader(
            many_per_key(store, children.RELATIONSHIPS_OF, "childId", params=visible)
        )
        self.address = DataLoader(
            one_per_key(store, children.ADDRESSES_OF, "personId", value=_column("address"))
        )
        self.allocated_worker = DataLoader(
            one_per_key(store, children.ALLOCATED_WORKERS_OF, "childId", value=_column("worker"))
        )
        self.school = DataLoader(
            one_per_key(
                store,
                children.SCHOOLS_OF,
                "childId",
                value=_column("school"),
                params={"now": scope.now_ms, "todayInEngland": scope.today_in_england()},
            )
        )
        self.involvements = DataLoader(many_per_key(store, children.INVOLVEMENTS_OF, "childId"))
        self.contacts = DataLoader(many_per_key(store, contacts.CONTACTS_OF, "childId"))
        self.files = DataLoader(many_per_key(store, files.FILES_OF, "childId"))
