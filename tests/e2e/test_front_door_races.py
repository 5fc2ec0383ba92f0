"""One child, one record without an NHS number: racing or repeated contacts about one new
child leave one child, whether or not the worker confirmed a new child; twins stay two."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from demo.personas import BY_NAME
from graph import FalkorDBStore
from graph.cypher import contacts as contact_statements
from graph.cypher.access import AccessScope
from hub.settings import Settings
from tests.helpers import add_worker, bearer, graphql
from workflow.calendar import default_calendar
from workflow.contacts import RecordContact, record_contact
from workflow.linking import PossibleDuplicates

pytestmark = pytest.mark.anyio

RECORD_CONTACT = """
mutation ($input: RecordContactInput!) {
  recordContact(input: $input) {
    __typename
    ... on Contact { id childId }
    ... on PossibleDuplicates { reason hiddenMatches candidates { childId givenName rule } }
  }
}
"""
NOAH = {"givenName": "Noah", "familyName": "Okafor", "dateOfBirth": "2018-02-14", "sex": "M"}
RACERS = 20
CHILDREN_NAMED = """
MATCH (c:Child) WHERE c.familyName = $family
RETURN c.givenName AS givenName, count(c) AS children ORDER BY givenName
"""


def _contact(child: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "input": {
            "receivedDate": "2026-11-27",
            "source": "SCHOOLS",
            "summary": "Said he was left alone overnight",
            "child": child,
            **extra,
        }
    }


@pytest.fixture(autouse=True)
async def front_door_worker(store: FalkorDBStore) -> None:
    persona = BY_NAME["social-worker"]
    await add_worker(store, persona.subject, persona.role, persona.team)


async def _children(store: FalkorDBStore, family: str) -> dict[str, int]:
    rows = await store.read(CHILDREN_NAMED, {"family": family})
    return {row["givenName"]: row["children"] for row in rows}


@pytest.mark.parametrize("confirmed", [True, False])
async def test_twenty_racing_contacts_without_an_nhs_number_make_one_child(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings, confirmed: bool
) -> None:
    worker = bearer(settings, "social-worker")
    extra = {"confirmNewChild": True} if confirmed else {}

    answers = await asyncio.gather(
        *(graphql(client, worker, RECORD_CONTACT, _contact(NOAH, **extra)) for _ in range(RACERS))
    )

    results = [answer["recordContact"] for answer in answers]
    created = [result for result in results if result["__typename"] == "Contact"]
    assert len(created) == 1
    assert await _children(store, "Okafor") == {"Noah": 1}
    # Every other racer is told about the child that was made, not left to guess.
    for result in results:
        if result["__typename"] != "Contact":
            assert result["__typename"] == "PossibleDuplicates"
            assert [c["childId"] for c in result["candidates"]] == [created[0]["childId"]]


async def test_a_repeated_confirmed_contact_names_the_child_instead_of_making_another(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    worker = bearer(settings, "social-worker")
    first = (await graphql(client, worker, RECORD_CONTACT, _contact(NOAH, confirmNewChild=True)))[
        "recordContact"
    ]
    # The same child typed again, in capitals and with a hyphen-free spacing slip.
    again = {**NOAH, "givenName": "NOAH", "familyName": " okafor"}
    second = (await graphql(client, worker, RECORD_CONTACT, _contact(again, confirmNewChild=True)))[
        "recordContact"
    ]

    assert first["__typename"] == "Contact"
    assert second == {
        "__typename": "PossibleDuplicates",
        "reason": "a child with these names and date of birth is already recorded; record the"
        " contact on them (childId)",
        "hiddenMatches": 0,
        "candidates": [{"childId": first["childId"], "givenName": "Noah", "rule": "SCORE"}],
    }
    assert await _children(store, "Okafor") == {"Noah": 1}


async def test_racing_contacts_about_twins_make_two_children(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    worker = bearer(settings, "social-worker")
    twin = {**NOAH, "givenName": "Nathan"}

    answers = await asyncio.gather(
        *(
            graphql(client, worker, RECORD_CONTACT, _contact(child, confirmNewChild=True))
            for child in [NOAH, twin] * 5
        )
    )

    kinds = sorted(answer["recordContact"]["__typename"] for answer in answers)
    assert kinds == ["Contact"] * 2 + ["PossibleDuplicates"] * 8
    assert await _children(store, "Okafor") == {"Nathan": 1, "Noah": 1}


async def test_racing_contacts_about_one_unborn_child_make_one_and_named_twins_make_two(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    # An unborn child has no birth date and rarely an NHS number: the names and the
    # expected date of birth are the key.
    worker = bearer(settings, "social-worker")
    unborn = {
        "givenName": "Baby",
        "familyName": "Adeyemi",
        "unborn": True,
        "expectedDateOfBirth": "2027-03-01",
    }
    twins = [{**unborn, "givenName": f"Twin {n} of"} for n in (1, 2)]

    sent = [(child, confirm) for child in [unborn, *twins] * 4 for confirm in (True, False)]

    answers = await asyncio.gather(
        *(
            graphql(client, worker, RECORD_CONTACT, _contact(child, confirmNewChild=confirm))
            for child, confirm in sent
        )
    )

    results = [answer["recordContact"] for answer in answers]
    assert (
        sorted(result["__typename"] for result in results)
        == ["Contact"] * 3 + ["PossibleDuplicates"] * 21
    )
    assert await _children(store, "Adeyemi") == {"Baby": 1, "Twin 1 of": 1, "Twin 2 of": 1}
    # Every other racer is told about the child with its own names, and only that one.
    for (child, _), result in zip(sent, results, strict=True):
        if result["__typename"] == "PossibleDuplicates":
            assert [c["givenName"] for c in result["candidates"]] == [child["givenName"]]


async def test_two_children_named_in_cyrillic_born_on_one_day_are_two_children(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    # Siblings' cousins, say: one family name, one birthday, different first names. Their
    # names must compare as written, or both would fold to nothing and share one key.
    worker = bearer(settings, "social-worker")
    born = {"familyName": "Петрова", "dateOfBirth": "2017-09-01", "sex": "F"}
    for given in ("Ольга", "Ирина"):
        answer = await graphql(
            client,
            worker,
            RECORD_CONTACT,
            _contact({**born, "givenName": given}, confirmNewChild=True),
        )
        assert answer["recordContact"]["__typename"] == "Contact", answer
    assert await _children(store, "Петрова") == {"Ирина": 1, "Ольга": 1}


async def test_two_children_with_their_own_nhs_numbers_may_share_names_and_birthday(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    worker = bearer(settings, "social-worker")
    first = {**NOAH, "familyName": "Ahmed", "nhsNumber": "9997654307"}
    made = (await graphql(client, worker, RECORD_CONTACT, _contact(first)))["recordContact"]
    assert made["__typename"] == "Contact"
    # Another boy of the same name born the same day, with an NHS number of his own: the
    # worker is asked first, and once they confirm he is recorded (his numbers say so).
    other = {**first, "nhsNumber": "9997654315"}
    asked = (await graphql(client, worker, RECORD_CONTACT, _contact(other)))["recordContact"]
    assert asked["__typename"] == "PossibleDuplicates"
    assert [c["childId"] for c in asked["candidates"]] == [made["childId"]]
    confirmed = (
        await graphql(client, worker, RECORD_CONTACT, _contact(other, confirmNewChild=True))
    )["recordContact"]
    assert confirmed["__typename"] == "Contact"
    assert confirmed["childId"] != made["childId"]
    assert await _children(store, "Ahmed") == {"Noah": 2}


class _RacedBy:
    """A store on which `other` is recorded just before this contact's write: the window
    between the duplicate check and the write, made certain instead of left to timing."""

    engine = "falkordb"

    def __init__(self, inner: FalkorDBStore, scope: AccessScope, other: RecordContact) -> None:
        self.inner, self.scope, self.other = inner, scope, other

    async def read(self, statement: str, params: dict[str, Any] | None = None) -> list[Any]:
        return await self.inner.read(statement, params)

    async def write(self, statement: str, params: dict[str, Any] | None = None) -> list[Any]:
        if statement == contact_statements.RECORD_CONTACT_FOR_NEW_CHILD and self.other:
            other, self.other = self.other, None
            made = await record_contact(self.inner, self.scope, other, default_calendar())
            assert "id" in made, made
        return await self.inner.write(statement, params)

    async def apply_schema(self) -> None:
        await self.inner.apply_schema()

    async def close(self) -> None:
        """The inner store is the test's."""


@pytest.mark.parametrize("first_numbered", [True, False])
async def test_a_contact_with_the_nhs_number_and_one_without_meet_on_one_child(
    store: FalkorDBStore, first_numbered: bool
) -> None:
    persona = BY_NAME["social-worker"]
    scope = AccessScope(persona.subject, persona.team, False, 1_800_000_000_000)
    ruby = {"givenName": "Ruby", "familyName": "Mensah", "dateOfBirth": "2019-05-04"}
    numbered = {**ruby, "nhsNumber": "9997654358"}

    def contact(child: dict[str, Any]) -> RecordContact:
        # The schema's SCHOOLS is the CIN census code 3A.
        return RecordContact.model_validate({**_contact(child)["input"], "source": "3A"})

    first, second = (numbered, ruby) if first_numbered else (ruby, numbered)
    # `first` lands between `second`'s duplicate check and its write.
    raced = _RacedBy(store, scope, contact(first))
    answer = await record_contact(raced, scope, contact(second), default_calendar())

    assert isinstance(answer, PossibleDuplicates), answer
    assert await _children(store, "Mensah") == {"Ruby": 1}
