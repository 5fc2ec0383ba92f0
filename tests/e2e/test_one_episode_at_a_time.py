"""A child has one episode of need at a time (DfE CIN census rule 8820: a child's episodes
may not overlap), through the ASGI app on the real embedded engine.

A referral about a child whose episode is still open joins that episode as a further
contact; racing referrals about one child open one episode; a referral dated inside (or
before) a closed episode is refused and writes nothing.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from demo.personas import BY_NAME
from graph import FalkorDBStore
from hub.settings import Settings
from tests.e2e.journey_helpers import CASE_FIELDS, act, decide
from tests.helpers import add_worker, bearer, graphql

pytestmark = pytest.mark.anyio

RECORD_CONTACT = """
mutation ($input: RecordContactInput!) { recordContact(input: $input) { __typename
  ... on Contact { id childId version } } }
"""
FINALISE = """
mutation ($id: ID!, $outcome: ContactOutcome!, $on: Date) {
  finaliseContact(contactId: $id, outcome: $outcome, on: $on,
    lateReason: "Decided after its working day") { __typename
    ... on FinalisedContact { fileOpened joinedOpenEpisode
        contact { id status outcome referralId decisionDate version } }
    ... on TransitionRefused { currentState allowedNextSteps reason }
    ... on InvalidInput { problems { field rule } } } }
"""
CASE = f"query ($id: ID!) {{ case(id: $id) {{ {CASE_FIELDS} }} }}"
CHILD_CONTACTS = """
query ($id: ID!) { child(id: $id) { contacts { id status outcome referralId } } }
"""
EPISODES = """
MATCH (r:Referral)-[:ABOUT]->(:Child {id: $id})
RETURN r.id AS id, r.status AS status, toString(r.referralDate) AS referralDate
ORDER BY referralDate
"""
EVERYTHING = """
MATCH (n) OPTIONAL MATCH (n)-[r]->()
RETURN count(DISTINCT n) AS nodes, count(r) AS relationships
"""
NEW_CHILD = {"givenName": "Ruby", "familyName": "Newman", "dateOfBirth": "2019-05-04"}
REFERRAL = "REFERRAL_TO_SOCIAL_CARE"
RACERS = 6


@pytest.fixture(autouse=True)
async def front_door(store: FalkorDBStore) -> None:
    for name in ("social-worker", "team-manager"):
        persona = BY_NAME[name]
        await add_worker(store, persona.subject, persona.role, persona.team)


@pytest.fixture
def worker(settings: Settings) -> dict[str, str]:
    return bearer(settings, "social-worker")


async def _contact(
    client: httpx.AsyncClient, worker: dict[str, str], received: str, child_id: str | None
) -> dict[str, Any]:
    about: dict[str, Any] = {"childId": child_id} if child_id else {"child": NEW_CHILD}
    data = {"receivedDate": received, "source": "SCHOOLS", "summary": "Bruise seen.", **about}
    answer = (await graphql(client, worker, RECORD_CONTACT, {"input": data}))["recordContact"]
    assert answer["__typename"] == "Contact", answer
    return answer  # type: ignore[no-any-return]


async def _finalise(
    client: httpx.AsyncClient,
    worker: dict[str, str],
    contact_id: str,
    on: str,
    outcome: str = REFERRAL,
) -> dict[str, Any]:
    variables = {"id": contact_id, "outcome": outcome, "on": on}
    return (await graphql(client, worker, FINALISE, variables))["finaliseContact"]  # type: ignore[no-any-return]


async def _episodes(store: FalkorDBStore, child_id: str) -> list[dict[str, Any]]:
    return await store.read(EPISODES, {"id": child_id})


async def test_a_referral_about_a_child_with_an_open_episode_joins_that_episode(
    client: httpx.AsyncClient, store: FalkorDBStore, worker: dict[str, str]
) -> None:
    first = await _contact(client, worker, "2025-06-02", None)
    child_id = first["childId"]
    opened = await _finalise(client, worker, first["id"], "2025-06-02")
    assert opened["__typename"] == "FinalisedContact", opened
    assert opened["joinedOpenEpisode"] is False
    episode_id = opened["contact"]["referralId"]

    second = await _contact(client, worker, "2025-06-20", child_id)
    joined = await _finalise(client, worker, second["id"], "2025-06-20")
    assert joined["__typename"] == "FinalisedContact", joined
    assert joined["joinedOpenEpisode"] is True
    assert joined["fileOpened"] is False
    assert (joined["contact"]["status"], joined["contact"]["outcome"]) == ("FINALISED", REFERRAL)
    assert joined["contact"]["referralId"] == episode_id

    # One episode, still dated by the referral that opened it (the census's CINreferralDate).
    assert await _episodes(store, child_id) == [
        {"id": episode_id, "status": "OPEN", "referralDate": "2025-06-02"}
    ]
    case = (await graphql(client, worker, CASE, {"id": episode_id}))["case"]
    assert (case["referralDate"], case["status"], case["version"]) == ("2025-06-02", "OPEN", 1)
    contacts = (await graphql(client, worker, CHILD_CONTACTS, {"id": child_id}))["child"]
    assert {c["id"]: c["referralId"] for c in contacts["contacts"]} == {
        first["id"]: episode_id,
        second["id"]: episode_id,
    }


async def test_racing_referrals_about_one_child_open_one_episode(
    client: httpx.AsyncClient, store: FalkorDBStore, worker: dict[str, str]
) -> None:
    first = await _contact(client, worker, "2025-09-01", None)
    child_id = first["childId"]
    others = [await _contact(client, worker, "2025-09-01", child_id) for _ in range(RACERS - 1)]
    contact_ids = [first["id"], *(other["id"] for other in others)]
    answers = await asyncio.gather(
        *(_finalise(client, worker, contact_id, "2025-09-02") for contact_id in contact_ids)
    )
    assert [a["__typename"] for a in answers] == ["FinalisedContact"] * RACERS, answers
    assert sorted(a["joinedOpenEpisode"] for a in answers) == [False] + [True] * (RACERS - 1)
    episodes = await _episodes(store, child_id)
    assert len(episodes) == 1, episodes
    assert {a["contact"]["referralId"] for a in answers} == {episodes[0]["id"]}
    assert sum(a["fileOpened"] for a in answers) == 1


async def _closed_episode(
    client: httpx.AsyncClient, settings: Settings, worker: dict[str, str]
) -> tuple[str, str]:
    """A child whose episode was referred on 2 June 2025 and closed (no further action) on
    10 June: (the child's id, the episode's id)."""
    contact = await _contact(client, worker, "2025-06-02", None)
    opened = await _finalise(client, worker, contact["id"], "2025-06-02")
    case = (await graphql(client, worker, CASE, {"id": opened["contact"]["referralId"]}))["case"]
    # Decided a week after its due day (3 June): late, so it says why.
    late = {"on": "2025-06-10", "lateReason": "Waited for the school's account."}
    case = await act(client, worker, "closeWithNoFurtherAction", case, late)
    manager = bearer(settings, "team-manager")
    case = await decide(client, manager, "authoriseCase", case, on="2025-06-10")
    assert (case["status"], case["closureDate"]) == ("CLOSED", "2025-06-10"), case
    return contact["childId"], case["id"]


@pytest.mark.parametrize("received", ["2025-06-09", "2025-06-02", "2025-05-20"])
async def test_a_referral_dated_inside_or_before_a_closed_episode_is_refused_writing_nothing(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    worker: dict[str, str],
    received: str,
) -> None:
    child_id, episode_id = await _closed_episode(client, settings, worker)
    # Recorded late, after the episode closed: it came in while the episode was open.
    late = await _contact(client, worker, received, child_id)
    before = await store.read(EVERYTHING)

    refused = await _finalise(client, worker, late["id"], "2025-06-12")
    assert refused["__typename"] == "TransitionRefused", refused
    assert (refused["currentState"], refused["allowedNextSteps"]) == ("OPEN", ["finaliseContact"])
    for named in (episode_id, received, "2025-06-10", "rule 8820", "another outcome"):
        assert named in refused["reason"], (named, refused["reason"])
    assert await store.read(EVERYTHING) == before
    assert await _episodes(store, child_id) == [
        {"id": episode_id, "status": "CLOSED", "referralDate": "2025-06-02"}
    ]

    # The way the refusal names: the contact is decided with another outcome.
    advised = await _finalise(client, worker, late["id"], "2025-06-12", "INFORMATION_AND_ADVICE")
    assert advised["__typename"] == "FinalisedContact", advised
    assert advised["contact"]["referralId"] is None


async def test_a_late_referral_from_inside_a_closed_episode_does_not_join_the_open_one(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, worker: dict[str, str]
) -> None:
    child_id, closed_id = await _closed_episode(client, settings, worker)
    later = await _contact(client, worker, "2025-07-01", child_id)
    opened = await _finalise(client, worker, later["id"], "2025-07-01")
    open_id = opened["contact"]["referralId"]
    # Recorded late while the July episode is open, it came in during the June one: it
    # belongs to that closed episode, not to July's (whose referral date it would precede).
    late = await _contact(client, worker, "2025-06-05", child_id)
    before = await store.read(EVERYTHING)
    refused = await _finalise(client, worker, late["id"], "2025-07-02")
    assert refused["__typename"] == "TransitionRefused", refused
    for named in (closed_id, "2025-06-05", "rule 8820"):
        assert named in refused["reason"], (named, refused["reason"])
    assert await store.read(EVERYTHING) == before
    # One that came in after June's closed, before July's referral, joins July's.
    between = await _contact(client, worker, "2025-06-20", child_id)
    joined = await _finalise(client, worker, between["id"], "2025-07-02")
    assert (joined["joinedOpenEpisode"], joined["contact"]["referralId"]) == (True, open_id)


async def test_a_referral_on_the_day_the_previous_episode_closed_opens_the_next(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, worker: dict[str, str]
) -> None:
    child_id, episode_id = await _closed_episode(client, settings, worker)
    # DfE rule 8820: an episode may start on the day the previous one closed.
    contact = await _contact(client, worker, "2025-06-10", child_id)
    opened = await _finalise(client, worker, contact["id"], "2025-06-11")
    assert opened["__typename"] == "FinalisedContact", opened
    assert opened["joinedOpenEpisode"] is False
    next_episode = opened["contact"]["referralId"]
    assert next_episode != episode_id
    assert await _episodes(store, child_id) == [
        {"id": episode_id, "status": "CLOSED", "referralDate": "2025-06-02"},
        {"id": next_episode, "status": "OPEN", "referralDate": "2025-06-10"},
    ]
