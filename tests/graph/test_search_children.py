"""Searching children by the folded family name key answers as the old full scan did.

The old statement (kept here as it was) lower-cased the family name of every child and
compared it with the lower-cased term. The new one seeks the folded key's prefixes in an
index. On a messy set of names (accents, non-Latin scripts, hyphens, apostrophes,
compatibility forms, a restricted child, a child with no name) every child the old
search found is still found, in the same order; what is found besides differs from the
term in case, compatibility form or marks alone, and for every term the answer is
exactly what the key's rule says.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Any

import pytest

from bench.search import SEARCH_BEFORE
from graph import backfill_name_keys, name_key, name_key_fields, search_terms
from graph.cypher import bulk
from graph.cypher import children as statements
from graph.cypher.access import AccessScope

if TYPE_CHECKING:
    from graph import FalkorDBStore

pytestmark = pytest.mark.anyio


# (given name, family name): each family name is stored exactly as written here.
MESSY = [
    ("Amelia", "Smith"),
    ("Ben", "smith"),
    ("Cara", "SMITH"),
    ("Dan", "Smith-Jones"),
    ("Eve", "Smithson"),
    ("Finn", "Smyth"),
    ("Gus", "O'Brien"),
    ("Hana", "O\u2019Brien"),  # a typographic apostrophe
    ("Ivy", "D'Souza"),
    ("Jon", "van der Berg"),
    ("Kai", "Müller"),
    ("Lea", "Muller"),
    ("Max", "MÜLLER"),
    ("Mu\u0308", "Mu\u0308ller"),  # the same name stored decomposed
    ("Nia", "Núñez"),
    ("Ola", "Nunez"),
    ("Pia", "Zoë"),
    ("Quin", "Zoe"),
    ("Rae", "Straße"),
    ("Sol", "Strasse"),
    ("Tia", "İnce"),
    ("Uma", "Ince"),
    ("Val", "Işık"),
    ("Wes", "Οδυσσεύς"),
    ("Xan", "ΟΔΥΣΣΕΥΣ"),
    ("Yan", "Иванов"),
    ("Zak", "ИВАНОВ"),
    ("Abi", "Ёлкин"),
    ("Bea", "Елкин"),
    ("Cal", "Йорданов"),
    ("Dee", "Nguyễn"),
    ("Eli", "Nguyen"),
    ("Fay", "Đặng"),
    ("Gia", "김철수"),
    ("Hal", "王"),
    ("Ida", "王小明"),
    ("Jem", "مُحَمَّد"),
    ("Kit", "محمد"),
    ("Lou", "כֹּהֵן"),
    ("Mo", "כהן"),
    ("Ned", "Ａｂｅ"),
    ("Oz", "Abe"),
    ("Pat", "Ó Súilleabháin"),
    ("Roy", "O Suilleabhain"),
]
NHS = "9434765919"
UPN = "A123456789012"


def _rows() -> list[dict[str, Any]]:
    rows = [
        {
            "id": f"S{number:03d}",
            "givenName": given,
            "familyName": family,
            **name_key_fields(family),
            "dateOfBirth": "2015-06-01",
            "sex": "F",
            "ethnicity": None,
            "nhsNumber": NHS if number == 0 else None,
            "upn": UPN if number == 1 else None,
            "family": "F-search",
            "address": "A-search",
            "householdRole": "CHILD",
            "child": True,
        }
        for number, (given, family) in enumerate(MESSY)
    ]
    return rows


async def _load(store: FalkorDBStore) -> None:
    family = {"id": "F-search", "name": "h", "address": {"id": "A-search", "line1": "1 High St"}}
    await store.write(bulk.LOAD_FAMILIES, {"rows": [family]})
    await store.write(bulk.LOAD_PEOPLE, {"rows": _rows()})
    # A restricted child (found by neither) and one with no name (as the returns'
    # synthetic cohort is: never found by a name).
    await store.write(
        "CREATE (:Person:Child {id: 'S-restricted', givenName: 'Ann', familyName: 'Smith',"
        " familyNameKey: 'smith', familyNamePrefixes: ['s', 'sm', 'smi', 'smit', 'smith'],"
        " restricted: true}), (:Person:Child {id: 'S-nameless', restricted: false})"
    )


def _scope() -> dict[str, Any]:
    return AccessScope(viewer="records", team=None, view_all=True, now_ms=0).params()


async def _old(store: FalkorDBStore, term: str, limit: int) -> list[str]:
    cleaned = term.strip()
    if not cleaned:  # the resolver answers a blank term with nobody, as before
        return []
    params = {
        **_scope(),
        "prefix": cleaned.lower(),
        "exact": cleaned.replace(" ", "").upper(),
        "limit": limit,
    }
    return [row["child"]["id"] for row in await store.read(SEARCH_BEFORE, params)]


async def _new(store: FalkorDBStore, term: str, limit: int) -> list[str]:
    cleaned = term.strip()
    if not cleaned:  # the resolver answers a blank term with nobody, as before
        return []
    params = {
        **_scope(),
        **search_terms(cleaned),
        "exact": cleaned.replace(" ", "").upper(),
        "limit": limit,
    }
    return [row["child"]["id"] for row in await store.read(statements.SEARCH_CHILDREN, params)]


def _by_rule(term: str, limit: int) -> list[str]:
    """What the key's rule finds, worked out here without the engine."""
    cleaned = term.strip()
    if not cleaned:
        return []
    key = name_key(cleaned)
    exact = cleaned.replace(" ", "").upper()
    found = [
        (family, given, row["id"])
        for row, (given, family) in zip(_rows(), MESSY, strict=True)
        if (key and name_key(family).startswith(key)) or exact in (row["nhsNumber"], row["upn"])
    ]
    return [child_id for *_, child_id in sorted(found)[:limit]]


def _terms() -> list[str]:
    terms = {" ", "'", "-", "\u0301", "x", "zz", NHS, f"{NHS[:3]} {NHS[3:6]} {NHS[6:]}"}
    terms |= {UPN, UPN.lower(), "Smith ", "  smi", "smith-", "smith jones", "obrien", "ob"}
    for _, family in MESSY:
        for end in range(1, len(family) + 1):
            start = family[:end]
            terms |= {start, start.lower(), start.upper(), unicodedata.normalize("NFD", start)}
    return sorted(terms)


async def test_the_key_finds_every_child_the_old_search_found_in_the_same_order(
    store: FalkorDBStore,
) -> None:
    await _load(store)
    terms = _terms()
    assert len(terms) > 500
    widened = {}
    for term in terms:
        old, new = await _old(store, term, 100), await _new(store, term, 100)
        assert new == _by_rule(term, 100), term
        assert [child for child in new if child in old] == old, term
        if new != old:
            widened[term] = sorted(set(new) - set(old))
    names = {f"S{number:03d}": family for number, (_, family) in enumerate(MESSY)}
    # What the old search missed, it missed only because of case, compatibility or marks
    # (its own case rules differed: Python's lower() for the term, the engine's for the
    # name, so `İ` never found `İnce`).
    assert widened
    for term, extra in widened.items():
        for child in extra:
            assert name_key(names[child]).startswith(name_key(term.strip()))
    # And only there: a plain ASCII term against plain ASCII names is answered as before.
    for term in terms:
        if term.isascii() and term in widened:
            assert all(not names[child].isascii() for child in widened[term]), term


async def test_the_widened_answers_are_the_ones_a_worker_expects(store: FalkorDBStore) -> None:
    await _load(store)
    names = {f"S{number:03d}": family for number, (_, family) in enumerate(MESSY)}

    async def found(term: str) -> set[str]:
        return {names[child] for child in await _new(store, term, 50)}

    assert await found("zoe") == {"Zoë", "Zoe"}
    assert await found("MULLER") == {"Müller", "Muller", "MÜLLER", "Mu\u0308ller"}
    assert await found("strasse") == await found("STRAßE") == {"Straße", "Strasse"}
    assert await found("ince") == await found("İNCE") == {"İnce", "Ince"}
    # Python's lower() made a final sigma of the term's last letter; the key does not.
    assert await found("ΟΔΥΣ") == {"Οδυσσεύς", "ΟΔΥΣΣΕΥΣ"}
    assert await found("елкин") == {"Ёлкин", "Елкин"}
    assert await found("محمد") == {"مُحَمَّد", "محمد"}
    assert await found("כהן") == {"כֹּהֵן", "כהן"}
    assert await found("abe") == {"Ａｂｅ", "Abe"}
    assert await found("o suil") == {"Ó Súilleabháin", "O Suilleabhain"}
    assert await found("王") == {"王", "王小明"}
    assert await found("김철") == {"김철수"}
    # Hyphens, spaces and apostrophes are part of the name, as before.
    assert await found("smith-") == {"Smith-Jones"}
    assert await found("smith jones") == set()
    assert await found("obrien") == set()
    assert await found("o'b") == {"O'Brien"}
    # Letters that are not a letter plus a mark stay themselves.
    assert await found("dang") == set()
    assert await found("isik") == set()
    # A term that folds to nothing finds nobody (and is not a scan of everybody).
    assert await found("\u0301") == set()
    # The restricted Smith is found by neither search, the nameless child by no name.
    assert "S-restricted" not in await _new(store, "smith", 50)
    assert await _new(store, NHS, 50) == await _old(store, NHS, 50) == ["S000"]


async def test_the_limit_cuts_the_same_ordered_list(store: FalkorDBStore) -> None:
    await _load(store)
    for term in ("s", "m", "o", "i"):
        assert await _new(store, term, 3) == (await _new(store, term, 100))[:3]
        assert await _old(store, term, 3) == (await _old(store, term, 100))[:3]


async def test_the_backfill_keys_a_store_written_before_the_key(store: FalkorDBStore) -> None:
    rows = [
        {key: value for key, value in row.items() if not key.startswith("familyName")}
        | {"familyName": row["familyName"]}
        for row in _rows()
    ]
    family = {"id": "F-search", "name": "h", "address": {"id": "A-search", "line1": "1 High St"}}
    await store.write(bulk.LOAD_FAMILIES, {"rows": [family]})
    await store.write(bulk.LOAD_PEOPLE, {"rows": rows})
    await store.write(
        "CREATE (:SourceRecord {id: 'R1', key: 'ehm:1', familyName: 'Núñez'}),"
        " (:Person:Child {id: 'S-nameless', restricted: false})"
    )
    assert await _new(store, "smith", 50) == []
    # Small batches, so the loop runs many times.
    assert await backfill_name_keys(store, batch=7) == len(MESSY) + 1
    # Idempotent: a second run finds nothing to do.
    assert await backfill_name_keys(store, batch=7) == 0
    for term in ("smith", "zoe", "ΟΔΥΣ", "ab", NHS):
        assert await _new(store, term, 50) == _by_rule(term, 50), term
    stored = await store.read(
        "MATCH (c:Child) WHERE c.id STARTS WITH 'S0' RETURN c.familyName AS name,"
        " c.familyNameKey AS key, c.familyNamePrefixes AS prefixes ORDER BY c.id"
    )
    # The name itself is kept exactly as it was written.
    assert [row["name"] for row in stored] == [family for _, family in MESSY]
    assert [{"familyNameKey": r["key"], "familyNamePrefixes": r["prefixes"]} for r in stored] == [
        name_key_fields(family) for _, family in MESSY
    ]
    record = await store.read("MATCH (s:SourceRecord {id: 'R1'}) RETURN s.familyNameKey AS key")
    assert record == [{"key": "nunez"}]


def test_the_key_is_its_own_key_and_the_start_of_a_name_keys_to_the_start_of_its_key() -> None:
    for _, family in MESSY:
        key = name_key(family)
        assert name_key(key) == key, family
        for end in range(len(family) + 1):
            assert key.startswith(name_key(family[:end])), (family, end)
        prefixes = name_key_fields(family)["familyNamePrefixes"]
        assert prefixes == [key[:n] for n in range(1, min(len(key), 6) + 1)]
    assert name_key_fields(None) == {"familyNameKey": None, "familyNamePrefixes": None}
    assert search_terms("  MÜLLERSON ") == {"seek": "muller", "prefix": "mullerson"}
    assert search_terms("\u0301") == {"seek": "", "prefix": ""}
