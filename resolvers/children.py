"""Reading children: by id (also for federation `_entities`) and by search."""

from __future__ import annotations

from typing import TYPE_CHECKING

from graph import search_terms
from graph.cypher import children as statements
from graph.cypher import notes as note_statements
from resolvers.loaders import many_per_key
from workflow import identifiers

if TYPE_CHECKING:
    from graph import Row
    from resolvers.context import HubContext

SEARCH_LIMIT = 50


async def child(context: HubContext, child_id: str) -> Row | None:
    """The child, or None when there is no such child or the caller may not see it."""
    row: Row | None = await context.loaders.child.load(child_id)
    return row


async def case_notes(context: HubContext, child_id: str, latest: int | None) -> list[Row]:
    """The child's current notes, newest first, the `latest` newest only (None: all).

    One loader per bound asked for in the request, so the children asked with the same
    bound share one statement.
    """
    loader = context.loader(
        f"notes.latest.{latest}",
        many_per_key(
            context.store,
            note_statements.NOTES_OF,
            "childId",
            params={"latest": latest, "viewer": context.scope.viewer},
        ),
    )
    rows: list[Row] = await loader.load(child_id)
    return rows


def _as_identifier(term: str) -> str:
    """`term` as an NHS number or UPN is kept, however it was written (spaces, dashes,
    another script's digits): each is kept in one spelling, so a child recorded with one
    spelling is found with any other."""
    for canonical in (identifiers.nhs_number, identifiers.upn):
        try:
            return canonical(term)
        except ValueError:
            continue
    return term.replace(" ", "").upper()


async def search_children(context: HubContext, term: str) -> list[Row]:
    """Children whose family name starts with `term` (case and accents aside), or whose NHS
    number or UPN is `term`."""
    cleaned = term.strip()
    if not cleaned:
        return []
    rows = await context.store.read(
        statements.SEARCH_CHILDREN,
        {
            **context.scope.params(),
            **search_terms(cleaned),
            "exact": _as_identifier(cleaned),
            "limit": SEARCH_LIMIT,
        },
    )
    return [row["child"] for row in rows]
