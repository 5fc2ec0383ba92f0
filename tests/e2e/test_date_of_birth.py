"""A child's date of birth put right through GraphQL (`recordDateOfBirth`): a dated fact
with who recorded it and the date it replaced; the child, the search key, the school's
view and later steps read the new date; a date that cannot be right is refused, naming
the field and the rule, and changes nothing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from demo import personas
from graph import FalkorDBStore
from hub.settings import Settings
from tests.e2e.journey_helpers import demo_county, referral_for
from tests.helpers import bearer, graphql
from workflow.calendar import today_in_england

pytestmark = pytest.mark.anyio

CORRECT = """mutation ($input: RecordDateOfBirthInput!) { recordDateOfBirth(input: $input) {
  __typename
  ... on ChildFact { id childId factKind on recordedBy recordedAt dateOfBirth previousDateOfBirth }
  ... on InvalidInput { problems { field rule } }
  ... on NotFound { kind id } ... on NotAuthorised { reason } } }"""
CHILD = "query ($id: ID!) { child(id: $id) { id dateOfBirth } }"
DEPRIVE = """mutation ($input: RecordDeprivationOfLibertyInput!) {
  recordDeprivationOfLiberty(input: $input) { __typename
    ... on InvalidInput { problems { field rule } } } }"""


async def correct(
    client: httpx.AsyncClient, headers: dict[str, str], child_id: str, born: str, **more: str
) -> dict[str, Any]:
    found = await graphql(
        client, headers, CORRECT, {"input": {"childId": child_id, "dateOfBirth": born, **more}}
    )
    return found["recordDateOfBirth"]  # type: ignore[no-any-return]


async def _pupil_on_the_worker_s_caseload(store: FalkorDBStore) -> str:
    rows = await store.read(
        """MATCH (:Agency {id: $school})<-[:ATTENDS]-(c:Child)-[:ALLOCATED_TO]->
                 (:Worker {id: 'worker-sw-demo'})
           WHERE c.unborn = false RETURN c.id AS id ORDER BY c.id LIMIT 1""",
        {"school": personas.DEMO_SCHOOL},
    )
    assert rows, "the demo county gives the worker a pupil of the demo school"
    return str(rows[0]["id"])


async def test_a_corrected_date_of_birth_is_what_the_record_the_search_and_the_school_read(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    await demo_county(store)
    worker, school = bearer(settings, "social-worker"), bearer(settings, "education")
    child_id = await _pupil_on_the_worker_s_caseload(store)
    await store.write(
        "MATCH (c:Child {id: $id}) SET c.dateOfBirth = date('2015-03-04'),"
        " c.dateOfBirthKey = '2015-03-04'",
        {"id": child_id},
    )
    # Open work makes the pupil one the school sees.
    await referral_for(client, worker, child_id, date(2026, 1, 12))
    pupils = "{ myPupils { id dateOfBirth } }"
    seen = {p["id"]: p["dateOfBirth"] for p in (await graphql(client, school, pupils))["myPupils"]}
    assert seen[child_id] == "2015-03-04"

    # The mother's passport says 3 April, not 4 March: the contact had day and month swapped.
    fact = await correct(client, worker, child_id, "2015-04-03", on="2026-01-20")
    assert fact["__typename"] == "ChildFact", fact
    assert (fact["factKind"], fact["on"], fact["recordedBy"]) == (
        "DATE_OF_BIRTH",
        "2026-01-20",
        "worker-sw-demo",
    )
    assert (fact["dateOfBirth"], fact["previousDateOfBirth"]) == ("2015-04-03", "2015-03-04")
    assert fact["recordedAt"] is not None
    assert (await graphql(client, worker, CHILD, {"id": child_id}))["child"]["dateOfBirth"] == (
        "2015-04-03"
    )
    # The key search and linking seek the birth date by moves with it.
    keys = await store.read(
        "MATCH (c:Child {id: $id}) RETURN c.dateOfBirthKey AS key", {"id": child_id}
    )
    assert keys == [{"key": "2015-04-03"}]
    seen = {p["id"]: p["dateOfBirth"] for p in (await graphql(client, school, pupils))["myPupils"]}
    assert seen[child_id] == "2015-04-03"
    history = await graphql(
        client,
        worker,
        "query ($id: ID!) { childFacts(childId: $id, kinds: [DATE_OF_BIRTH])"
        " { dateOfBirth previousDateOfBirth } }",
        {"id": child_id},
    )
    assert history["childFacts"] == [
        {"dateOfBirth": "2015-04-03", "previousDateOfBirth": "2015-03-04"}
    ]


async def test_a_date_of_birth_that_cannot_be_right_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    await demo_county(store)
    worker = bearer(settings, "social-worker")
    child_id = await _pupil_on_the_worker_s_caseload(store)
    await store.write(
        "MATCH (c:Child {id: $id}) SET c.dateOfBirth = date('2012-06-01'),"
        " c.dateOfBirthKey = '2012-06-01'",
        {"id": child_id},
    )
    received = date(2025, 9, 1)
    await referral_for(client, worker, child_id, received)
    before = await store.read(
        "MATCH (c:Child {id: $id}) RETURN c.dateOfBirth AS born, c.dateOfBirthKey AS key,"
        " size([(c)<-[:ABOUT]-(f:ChildFact) | f]) AS facts",
        {"id": child_id},
    )
    tomorrow = (today_in_england() + timedelta(days=1)).isoformat()
    late = received + timedelta(weeks=40, days=1)
    cases: list[tuple[dict[str, str], str, str]] = [
        ({"dateOfBirth": tomorrow}, "dateOfBirth", "must not be in the future"),
        (
            {"dateOfBirth": "2012-06-01"},
            "dateOfBirth",
            "is already the child's date of birth (2012-06-01)",
        ),
        # A referral is never more than 40 weeks before the birth (CIN census rule 8606).
        (
            {"dateOfBirth": late.isoformat()},
            "dateOfBirth",
            f"the first contact or referral about the child ({received.isoformat()}) is more"
            f" than 40 weeks before the child's date of birth ({late.isoformat()};"
            " CIN census rule 8606)",
        ),
        # Known before the child was born is no knowing at all.
        (
            {"dateOfBirth": "2024-06-01", "on": "2024-05-01"},
            "on",
            "must not be before the child's birth (2024-06-01)",
        ),
    ]
    for data, field, rule in cases:
        given = dict(data)
        refused = await correct(client, worker, child_id, given.pop("dateOfBirth"), **given)
        assert refused["__typename"] == "InvalidInput", (data, refused)
        problem = refused["problems"][0]
        assert problem["field"] == field, (data, refused)
        assert rule in problem["rule"], (data, refused)
    after = await store.read(
        "MATCH (c:Child {id: $id}) RETURN c.dateOfBirth AS born, c.dateOfBirthKey AS key,"
        " size([(c)<-[:ABOUT]-(f:ChildFact) | f]) AS facts",
        {"id": child_id},
    )
    assert after == before
    nobody = await correct(client, worker, "C-nobody", "2012-06-02")
    assert nobody == {"__typename": "NotFound", "kind": "Child", "id": "C-nobody"}


async def test_an_unborn_child_s_birth_is_recorded_not_corrected(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    await demo_county(store)
    worker = bearer(settings, "social-worker")
    expected = today_in_england() + timedelta(days=30)
    recorded = await graphql(
        client,
        worker,
        """mutation ($input: RecordContactInput!) { recordContact(input: $input) {
             __typename ... on Contact { childId } } }""",
        {
            "input": {
                "receivedDate": (today_in_england() - timedelta(days=20)).isoformat(),
                "source": "HEALTH_VISITOR",
                "summary": "Midwife concerned before the birth",
                "child": {
                    "givenName": "Baby",
                    "familyName": "Unborn-Adeyemi",
                    "unborn": True,
                    "expectedDateOfBirth": expected.isoformat(),
                },
            }
        },
    )
    child_id = recorded["recordContact"]["childId"]
    refused = await correct(client, worker, child_id, today_in_england().isoformat())
    assert refused["problems"] == [
        {"field": "childId", "rule": "the child is not born yet: record the birth first"}
    ]


async def test_an_order_depriving_of_liberty_cannot_be_made_adult_by_a_correction(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # A DoLO began on 4 May 2026, when she was 15; a date of birth that makes her 18 then
    # would make the order an adult's (the Court of Protection's), which the 903 does not
    # take: refused naming the order and its rule. A date that keeps her a child is fine.
    await demo_county(store)
    worker = bearer(settings, "social-worker")
    child_id = await _pupil_on_the_worker_s_caseload(store)
    await store.write(
        "MATCH (c:Child {id: $id}) SET c.dateOfBirth = date('2011-03-03'),"
        " c.dateOfBirthKey = '2011-03-03'",
        {"id": child_id},
    )
    began = {"childId": child_id, "on": "2026-05-04"}
    order = await graphql(client, worker, DEPRIVE, {"input": began})
    assert order["recordDeprivationOfLiberty"]["__typename"] == "ChildFact", order
    refused = await correct(client, worker, child_id, "2008-03-03")
    assert refused["problems"] == [
        {
            "field": "dateOfBirth",
            "rule": "the child's DEPRIVATION_OF_LIBERTY fact of 2026-05-04 would break its rule:"
            " on: a young person of 18 or over is not a child looked after",
        }
    ]
    fine = await correct(client, worker, child_id, "2009-03-03")
    assert fine["__typename"] == "ChildFact", fine


NEW_CHILD_CONTACT = """mutation ($input: RecordContactInput!) { recordContact(input: $input) {
  __typename ... on Contact { childId } ... on PossibleDuplicates { reason }
  ... on InvalidInput { problems { field rule } } } }"""


async def _contact_about_amira(
    client: httpx.AsyncClient, worker: dict[str, str], born: str, *, confirm: bool
) -> dict[str, Any]:
    data = {
        "receivedDate": "2026-01-05",
        "source": "SCHOOLS",
        "summary": "Not collected from school again",
        "confirmNewChild": confirm,
        "child": {"givenName": "Amira", "familyName": "Haddad-Quinn", "dateOfBirth": born},
    }
    found = await graphql(client, worker, NEW_CHILD_CONTACT, {"input": data})
    return found["recordContact"]  # type: ignore[no-any-return]


async def test_the_front_door_knows_the_child_by_the_corrected_date_only(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # A child without an NHS number or UPN is known at the front door by names and date
    # of birth (the key racing contacts converge on). Once the date is put right, a
    # contact naming it is about this child; one naming the old, wrong date is about
    # somebody else, and a worker who confirms them new gets a new child.
    await demo_county(store)
    worker = bearer(settings, "social-worker")
    first = await _contact_about_amira(client, worker, "2016-02-03", confirm=True)
    child_id = first["childId"]
    fact = await correct(client, worker, child_id, "2016-03-02")
    assert fact["__typename"] == "ChildFact", fact
    again = await _contact_about_amira(client, worker, "2016-03-02", confirm=True)
    assert again["__typename"] == "PossibleDuplicates", again
    assert "already recorded" in again["reason"], again
    other = await _contact_about_amira(client, worker, "2016-02-03", confirm=True)
    assert other["__typename"] == "Contact", other
    assert other["childId"] != child_id
    keys = await store.read(
        "MATCH (c:Child {familyName: 'Haddad-Quinn'}) RETURN c.id AS id, c.intakeKey AS key"
        " ORDER BY key",
    )
    assert keys == [
        {"id": other["childId"], "key": "amira|haddadquinn|2016-02-03"},
        {"id": child_id, "key": "amira|haddadquinn|2016-03-02"},
    ]


async def test_a_birth_put_earlier_is_known_on_a_day_before_the_wrong_one(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # Typed as born in 2024 instead of 2020; the school's records said so on 3 January
    # 2023, before the wrong date: what is weighed is the new date, not the one it replaces.
    await demo_county(store)
    worker = bearer(settings, "social-worker")
    child_id = await _pupil_on_the_worker_s_caseload(store)
    await store.write(
        "MATCH (c:Child {id: $id}) SET c.dateOfBirth = date('2024-06-01'),"
        " c.dateOfBirthKey = '2024-06-01'",
        {"id": child_id},
    )
    fact = await correct(client, worker, child_id, "2020-06-01", on="2023-01-03")
    assert (fact["__typename"], fact["on"]) == ("ChildFact", "2023-01-03"), fact


async def test_the_child_s_file_is_kept_to_the_birthday_the_new_date_gives(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # A child in need's records are kept to the 25th birthday (or longer): counted from
    # the date of birth, so a corrected one moves the file's retention with it.
    await demo_county(store)
    worker = bearer(settings, "social-worker")
    child_id = await _pupil_on_the_worker_s_caseload(store)
    await store.write(
        "MATCH (c:Child {id: $id}) SET c.dateOfBirth = date('2015-03-04'),"
        " c.dateOfBirthKey = '2015-03-04'",
        {"id": child_id},
    )
    await referral_for(client, worker, child_id, date(2026, 1, 12))
    retention = "mutation ($id: ID!) { recomputeRetention(childId: $id) { __typename } }"
    await graphql(client, worker, retention, {"id": child_id})
    kept = "MATCH (:Child {id: $id})-[:HAS_FILE]->(f:File) RETURN f.retainUntil AS until"
    before = await store.read(kept, {"id": child_id})
    fact = await correct(client, worker, child_id, "2014-03-04")
    assert fact["__typename"] == "ChildFact", fact
    after = await store.read(kept, {"id": child_id})
    assert (before, after) == ([{"until": date(2040, 3, 4)}], [{"until": date(2039, 3, 4)}])
