"""One child, one record at the front door: recording a "new" child the hub already knows
answers with the candidates, and racing contacts never make two children."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import httpx
import pytest

from demo import county
from graph import ConstraintViolation, FalkorDBStore
from hub.settings import Settings
from tests.connectors.intake.world import add_child
from tests.helpers import bearer, graphql

pytestmark = pytest.mark.anyio

RECORD_CONTACT = """
mutation ($input: RecordContactInput!) {
  recordContact(input: $input) {
    __typename
    ... on Contact { id childId }
    ... on PossibleDuplicates { reason hiddenMatches
      candidates { childId givenName familyName dateOfBirth score rule } }
    ... on InvalidInput { problems { field rule } }
  }
}
"""
RUBY = {
    "givenName": "Ruby",
    "familyName": "Newman",
    "dateOfBirth": "2019-05-04",
    "sex": "F",
    "nhsNumber": "943 476 5919",
}
RACERS = 8
CHILDREN_WITH_NHS = "MATCH (c:Child {nhsNumber: $nhs}) RETURN count(c) AS children"


def _contact(child: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "input": {
            "receivedDate": "2026-11-27",
            "source": "SCHOOLS",
            "summary": "Bruise seen at school",
            "child": child,
            **extra,
        }
    }


@pytest.fixture
async def demo(store: FalkorDBStore) -> county.County:
    world = county.generate("tiny", today=date(2026, 11, 2))
    await county.load(store, world, show_progress=False)
    return world


async def test_the_readme_example_twice_makes_one_child_and_offers_it_the_second_time(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings, demo: county.County
) -> None:
    worker = bearer(settings, "social-worker")

    first = (await graphql(client, worker, RECORD_CONTACT, _contact(RUBY)))["recordContact"]
    second = (await graphql(client, worker, RECORD_CONTACT, _contact(RUBY)))["recordContact"]
    confirmed = (
        await graphql(client, worker, RECORD_CONTACT, _contact(RUBY, confirmNewChild=True))
    )["recordContact"]

    assert first["__typename"] == "Contact"
    for answer in (second, confirmed):
        assert answer["__typename"] == "PossibleDuplicates"
        assert answer["reason"] == "a child with this NHS_NUMBER is already recorded"
        assert answer["hiddenMatches"] == 0
        assert [(c["childId"], c["givenName"], c["rule"]) for c in answer["candidates"]] == [
            (first["childId"], "Ruby", "NHS_NUMBER")
        ]
    assert (await store.read(CHILDREN_WITH_NHS, {"nhs": "9434765919"}))[0]["children"] == 1


@pytest.mark.parametrize("digits", ["\u0660\u0669", "\uff10\uff19", "\u0966\u096f"])
async def test_an_nhs_number_or_upn_in_another_scripts_digits_is_the_same_number(
    client: httpx.AsyncClient,
    store: FalkorDBStore,
    settings: Settings,
    demo: county.County,
    digits: str,
) -> None:
    # Arabic-Indic, full-width or Devanagari digits are the same number, kept as 0-9: as
    # typed, they made a second child beside the one the number names, out of reach of
    # its NHS-number key, of CP-IS and of the returns.
    worker = bearer(settings, "social-worker")
    script = str.maketrans("0123456789", "".join(chr(ord(digits[0]) + n) for n in range(10)))
    first = (await graphql(client, worker, RECORD_CONTACT, _contact(RUBY)))["recordContact"]
    retyped = {**RUBY, "nhsNumber": RUBY["nhsNumber"].translate(script)}
    again = (
        await graphql(client, worker, RECORD_CONTACT, _contact(retyped, confirmNewChild=True))
    )["recordContact"]

    assert again["__typename"] == "PossibleDuplicates", again
    assert [c["childId"] for c in again["candidates"]] == [first["childId"]]
    assert (
        await store.read(
            "MATCH (c:Child) WHERE c.nhsNumber STARTS WITH '9434' RETURN c.nhsNumber AS n", {}
        )
    ) == [{"n": "9434765919"}]
    pupil = {
        **RUBY,
        "givenName": "Rosa",
        "nhsNumber": None,
        "upn": "U873251001002".translate(script),
    }
    made = (await graphql(client, worker, RECORD_CONTACT, _contact(pupil)))["recordContact"]
    assert made["__typename"] == "Contact", made
    kept = await store.read(
        "MATCH (c:Child {id: $id}) RETURN c.upn AS upn", {"id": made["childId"]}
    )
    assert kept == [{"upn": "U873251001002"}]


async def test_a_child_is_found_by_their_nhs_number_or_upn_however_it_is_written(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings, demo: county.County
) -> None:
    # Every spelling recordContact takes for the number finds the child it recorded.
    worker = bearer(settings, "social-worker")
    pupil = {**RUBY, "upn": "U873251001002"}
    made = (await graphql(client, worker, RECORD_CONTACT, _contact(pupil)))["recordContact"]
    search = "query ($term: String!) { searchChildren(term: $term) { id } }"
    arabic = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
    for term in (
        "9434765919",
        "943 476 5919",
        "943-476-5919",
        "9434765919".translate(arabic),
        " u873251001002 ",
        "U873251001002".translate(arabic),
    ):
        found = await graphql(client, worker, search, {"term": term})
        assert found["searchChildren"] == [{"id": made["childId"]}], term


async def test_racing_contacts_about_one_new_child_make_one_child(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings, demo: county.County
) -> None:
    worker = bearer(settings, "social-worker")

    # Eight at once stays inside the store's connection pool (16) on this engine.
    answers = await asyncio.gather(
        *(graphql(client, worker, RECORD_CONTACT, _contact(RUBY)) for _ in range(RACERS))
    )

    kinds = sorted(answer["recordContact"]["__typename"] for answer in answers)
    assert kinds == ["Contact"] + ["PossibleDuplicates"] * (RACERS - 1)
    assert (await store.read(CHILDREN_WITH_NHS, {"nhs": "9434765919"}))[0]["children"] == 1


async def test_a_likely_match_without_identifiers_asks_first_and_a_twin_is_confirmed_new(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings, demo: county.County
) -> None:
    worker = bearer(settings, "social-worker")
    no_numbers = {key: value for key, value in RUBY.items() if key != "nhsNumber"}
    first = (await graphql(client, worker, RECORD_CONTACT, _contact(no_numbers)))["recordContact"]

    # Day and month swapped, name in capitals: the same Ruby, most likely.
    again = {**no_numbers, "givenName": "RUBY", "dateOfBirth": "2019-04-05"}
    asked = (await graphql(client, worker, RECORD_CONTACT, _contact(again)))["recordContact"]
    # Her twin sister shares everything but her first name: a new child at once.
    twin = {**no_numbers, "givenName": "Rosa"}
    sister = (await graphql(client, worker, RECORD_CONTACT, _contact(twin)))["recordContact"]
    confirmed = (
        await graphql(client, worker, RECORD_CONTACT, _contact(again, confirmNewChild=True))
    )["recordContact"]

    assert asked["__typename"] == "PossibleDuplicates"
    assert [c["childId"] for c in asked["candidates"]] == [first["childId"]]
    assert asked["candidates"][0]["rule"] == "SCORE"
    assert sister["__typename"] == "Contact"
    assert sister["childId"] != first["childId"]
    assert confirmed["__typename"] == "Contact"


async def test_a_match_the_worker_may_not_see_is_counted_not_shown(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings, demo: county.County
) -> None:
    # Known to another team: the worker has no relationship with this child.
    await add_child(store, "C-ELSEWHERE", "Ruby", "Newman", date(2019, 5, 4), nhs="9434765919")
    worker = bearer(settings, "social-worker")

    answer = (await graphql(client, worker, RECORD_CONTACT, _contact(RUBY)))["recordContact"]

    assert answer["__typename"] == "PossibleDuplicates"
    assert (answer["candidates"], answer["hiddenMatches"]) == ([], 1)


async def test_the_store_refuses_a_second_child_with_one_nhs_number(store: FalkorDBStore) -> None:
    await add_child(store, "C-ONE", "Ruby", "Newman", date(2019, 5, 4), nhs="9434765919")

    with pytest.raises(ConstraintViolation):
        await add_child(store, "C-TWO", "Rubie", "Newman", date(2019, 5, 4), nhs="9434765919")
