"""The search key of a child's family name: how a name is found, never how it is kept.

A worker types the start of a family name as they heard it: in any case, with or without
its accents, in any script. The key folds, the same way for every script, what a search
should not tell apart: case (full Unicode case folding, so `Straße` is `strasse`, a final
sigma is a sigma and `İ` is `i`), compatibility forms (fullwidth letters, ligatures) and
every nonspacing mark (Latin accents, Greek tonos, Cyrillic breve, Arabic harakat, Hebrew
points, Devanagari nukta). Letters, spacing marks, spaces, hyphens and apostrophes are
kept, so a term finds what it found before the key, and more only where it differed from
the name in case, compatibility form or marks alone. The name itself is stored exactly as
given; the key is separate and written beside it by every statement that writes a child's
name.

No engine can fold Unicode (FalkorDB's `toLower` is a simple case map), so the key is
made here. A string range on an index is not trusted (FalkorDB 4.22 answered
`v >= 'S' AND v < 'T'` wrongly), so a prefix is sought by equality: each child carries
the first one to `PREFIX_LENGTH` characters of its key in an indexed list, and a longer
term is sought by its first `PREFIX_LENGTH` and then compared with the whole key.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Any

from graph.cypher import children as statements

if TYPE_CHECKING:
    from graph.store import GraphStore

PREFIX_LENGTH = 6
BACKFILL_BATCH = 2_000


def name_key(name: str) -> str:
    """`name` as a search compares it: case, compatibility forms and marks folded."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    # Not recomposed: each character folds on its own, so the key of the start of a name
    # is the start of the name's key (a name stored decomposed is still found by a term
    # cut inside a letter, as before the key). Hangul stays as its letters (jamo).
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


def name_key_fields(family_name: str | None) -> dict[str, Any]:
    """The properties a statement writes beside a child's `familyName`."""
    if family_name is None:
        return {"familyNameKey": None, "familyNamePrefixes": None}
    key = name_key(family_name)
    return {
        "familyNameKey": key,
        "familyNamePrefixes": [
            key[:length] for length in range(1, min(len(key), PREFIX_LENGTH) + 1)
        ],
    }


def search_terms(term: str) -> dict[str, str]:
    """The parameters of `SEARCH_CHILDREN` for what a worker typed.

    `seek` is looked up in the prefix index and `prefix` compared with the whole key. A
    term that folds to nothing (a lone accent) seeks the empty string, which no child
    carries: the statement must never seek null, which the engine plans as a scan.
    """
    prefix = name_key(term.strip())
    return {"seek": prefix[:PREFIX_LENGTH], "prefix": prefix}


async def backfill_name_keys(store: GraphStore, batch: int = BACKFILL_BATCH) -> int:
    """Write the family name key of every child and intake record that has a name but no key.

    For stores written before the key existed (and after an import that did not carry
    it). Idempotent: only what lacks a key is read, a batch at a time, and each write is
    guarded by the name it was made from. Returns how many keys were written.

    Args:
        batch: children (or records) read and written per statement.
    """
    written = 0
    for missing, write in (
        (statements.CHILDREN_WITHOUT_NAME_KEY, statements.SET_CHILD_NAME_KEYS),
        (statements.RECORDS_WITHOUT_NAME_KEY, statements.SET_RECORD_NAME_KEYS),
    ):
        while rows := await store.read(missing, {"limit": batch}):
            keyed = [
                {
                    "id": row["id"],
                    "familyName": row["familyName"],
                    **name_key_fields(row["familyName"]),
                }
                for row in rows
                if isinstance(row["familyName"], str)
            ]
            done = await store.write(write, {"rows": keyed})
            count = int(done[0]["written"]) if done else 0
            written += count
            # A batch that wrote nothing would be read again for ever (a name that is not
            # text, or renamed meanwhile by a path that wrote its key): stop here.
            if count == 0:
                break
    return written
