"""The statutory facts about a child through GraphQL: each one stored with its day and
who recorded it, each refused with the field and the DfE rule it breaks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from auth.tokens import LocalSigningKey, TokenIssuer
from graph import FalkorDBStore
from hub.app import token_settings
from hub.settings import Settings
from tests.e2e.journey_helpers import demo_child, demo_county
from tests.helpers import bearer, graphql
from workflow.calendar import today_in_england

pytestmark = pytest.mark.anyio

FACT_FIELDS = (
    "id childId factKind on recordedBy recordedAt postcode disabilities ceasedOn upnUnknownReason"
    " sex numberOfPlans permanence localAuthority orderDate upToDate sdqScore sdqReason"
    " interventionOffered interventionReceived babyBornOn"
)
OUTCOMES = (
    "... on InvalidInput { problems { field rule } } ... on NotAuthorised { reason }"
    " ... on NotFound { kind id }"
)
INPUTS = {
    "recordHomePostcode": "RecordHomePostcodeInput",
    "recordDisabilities": "RecordDisabilitiesInput",
    "recordUascStatus": "RecordUascStatusInput",
    "recordUpnUnknown": "RecordUpnUnknownInput",
    "recordPreviousChildProtectionPlans": "RecordPreviousChildProtectionPlansInput",
    "recordPreviousPermanence": "RecordPreviousPermanenceInput",
    "recordDentalCheck": "FactOnDayInput",
    "recordImmunisations": "RecordImmunisationsInput",
    "recordDevelopmentCheck": "FactOnDayInput",
    "recordSdq": "RecordSdqInput",
    "recordConviction": "FactOnDayInput",
    "recordSubstanceMisuse": "RecordSubstanceMisuseInput",
    "recordMotherhood": "RecordMotherhoodInput",
}


async def record(
    client: httpx.AsyncClient, headers: dict[str, str], mutation: str, data: dict[str, Any]
) -> dict[str, Any]:
    query = (
        f"mutation ($input: {INPUTS[mutation]}!) {{ {mutation}(input: $input) {{ __typename"
        f" ... on ChildFact {{ {FACT_FIELDS} }} {OUTCOMES} }} }}"
    )
    return (await graphql(client, headers, query, {"input": data}))[mutation]  # type: ignore[no-any-return]


def refusal(result: dict[str, Any]) -> tuple[str, str]:
    assert result["__typename"] == "InvalidInput", result
    problem = result["problems"][0]
    return problem["field"], problem["rule"]


async def _child(store: FalkorDBStore, child_id: str, **values: Any) -> None:
    await store.write(
        "MATCH (c:Child {id: $id}) SET c.dateOfBirth = date($born), c.sex = $sex, c.upn = $upn",
        {"id": child_id, **values},
    )


async def test_each_fact_is_stored_with_its_day_and_who_recorded_it(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    child_id = demo_child(world, index=0)
    await _child(store, child_id, born="2011-05-04", sex="F", upn=None)
    today = today_in_england().isoformat()
    facts = [
        ("recordHomePostcode", {"postcode": "sg1 2ab", "on": "2025-01-10"}),
        ("recordDisabilities", {"disabilities": ["HAND_HAND_FUNCTION", "AUT_AUTISM"]}),
        ("recordUascStatus", {"on": "2024-02-01", "ceasedOn": "2025-06-30"}),
        ("recordUpnUnknown", {"reason": "UN2_NEVER_ATTENDED_MAINTAINED_SCHOOL_IN_ENGLAND"}),
        ("recordPreviousChildProtectionPlans", {"numberOfPlans": 2}),
        (
            "recordPreviousPermanence",
            {
                "permanence": "P2_SPECIAL_GUARDIANSHIP_ORDER",
                "localAuthority": "919",
                "orderDate": "2018-03-01",
            },
        ),
        ("recordDentalCheck", {"on": "2025-09-01"}),
        ("recordImmunisations", {"upToDate": True}),
        ("recordSdq", {"score": 17, "on": "2025-10-01"}),
        ("recordConviction", {"on": "2025-11-20"}),
        ("recordSubstanceMisuse", {"interventionOffered": True, "interventionReceived": False}),
        ("recordMotherhood", {"babyBornOn": "2026-08-14"}),
    ]
    for mutation, data in facts:
        result = await record(client, worker, mutation, {"childId": child_id, **data})
        assert result["__typename"] == "ChildFact", (mutation, result)
        assert (result["childId"], result["recordedBy"]) == (child_id, "worker-sw-demo")
        assert result["on"] == data.get("on", today)
    found = await graphql(
        client,
        worker,
        f"query ($id: ID!) {{ childFacts(childId: $id) {{ {FACT_FIELDS} }} }}",
        {"id": child_id},
    )
    by_kind = {fact["factKind"]: fact for fact in found["childFacts"]}
    assert len(found["childFacts"]) == len(facts)
    assert by_kind["HOME_POSTCODE"]["postcode"] == "SG1 2AB"
    assert by_kind["DISABILITIES"]["disabilities"] == ["HAND_HAND_FUNCTION", "AUT_AUTISM"]
    assert (by_kind["UASC"]["on"], by_kind["UASC"]["ceasedOn"]) == ("2024-02-01", "2025-06-30")
    assert by_kind["UPN_UNKNOWN"]["upnUnknownReason"] == (
        "UN2_NEVER_ATTENDED_MAINTAINED_SCHOOL_IN_ENGLAND"
    )
    assert by_kind["PREVIOUS_CHILD_PROTECTION_PLANS"]["numberOfPlans"] == 2
    permanence = by_kind["PREVIOUS_PERMANENCE"]
    assert (permanence["permanence"], permanence["localAuthority"], permanence["orderDate"]) == (
        "P2_SPECIAL_GUARDIANSHIP_ORDER",
        "919",
        "2018-03-01",
    )
    assert by_kind["IMMUNISATIONS"]["upToDate"] is True
    assert (by_kind["SDQ"]["sdqScore"], by_kind["SDQ"]["sdqReason"]) == (17, None)
    misuse = by_kind["SUBSTANCE_MISUSE"]
    assert (misuse["interventionOffered"], misuse["interventionReceived"]) == (True, False)
    assert by_kind["MOTHERHOOD"]["babyBornOn"] == "2026-08-14"
    # Newest first, by the day each happened.
    days = [fact["on"] for fact in found["childFacts"]]
    assert days == sorted(days, reverse=True)
    only = await graphql(
        client,
        worker,
        "query ($id: ID!) { childFacts(childId: $id, kinds: [SDQ, CONVICTION]) { factKind } }",
        {"id": child_id},
    )
    assert sorted(fact["factKind"] for fact in only["childFacts"]) == ["CONVICTION", "SDQ"]
    # A later postcode replaces the earlier one as the one that holds now; both are kept.
    moved = await record(
        client, worker, "recordHomePostcode", {"childId": child_id, "postcode": "WD17 1AB"}
    )
    assert moved["on"] == today
    now = await graphql(
        client,
        worker,
        "query ($id: ID!) { childFacts(childId: $id, kinds: [HOME_POSTCODE], currentOnly: true)"
        " { postcode } }",
        {"id": child_id},
    )
    assert now["childFacts"] == [{"postcode": "WD17 1AB"}]
    current = await graphql(
        client,
        worker,
        "query ($id: ID!) { childFacts(childId: $id, currentOnly: true) { factKind } }",
        {"id": child_id},
    )
    assert len(current["childFacts"]) == len(facts)


def _partly(known: dict[str, int]) -> dict[str, Any]:
    """An order of a kind not known (P4) made by Hertfordshire, its date known in part."""
    return {"permanence": "P4_UNKNOWN", "localAuthority": "919", "orderDateKnown": known}


async def test_facts_are_checked_against_the_dfe_rules_and_bad_ones_change_nothing(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    child_id = demo_child(world, index=0)
    await _child(store, child_id, born="2021-05-04", sex="M", upn="A919212312345")
    # The demo's journeys record facts of their own: count the ones recorded here.
    facts_before = await store.read("MATCH (f:ChildFact) RETURN count(f) AS n")
    tomorrow = (today_in_england() + timedelta(days=1)).isoformat()
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("recordHomePostcode", {"postcode": "NOT A POSTCODE"}, "postcode"),
        ("recordHomePostcode", {"postcode": "SG1 2AB", "on": tomorrow}, "on"),
        ("recordHomePostcode", {"postcode": "SG1 2AB", "on": "2020-01-01"}, "on"),
        (
            "recordDisabilities",
            {"disabilities": ["NONE_NO_DISABILITY", "VIS_VISION"]},
            "disabilities",
        ),
        ("recordDisabilities", {"disabilities": []}, "disabilities"),
        ("recordUascStatus", {"on": "2025-02-01", "ceasedOn": "2025-01-01"}, "ceasedOn"),
        ("recordUpnUnknown", {"reason": "UN3_EDUCATED_OUTSIDE_ENGLAND"}, "reason"),
        ("recordPreviousChildProtectionPlans", {"numberOfPlans": -1}, "numberOfPlans"),
        (
            "recordPreviousPermanence",
            {"permanence": "Z1_NONE", "localAuthority": "919"},
            "permanence",
        ),
        (
            "recordPreviousPermanence",
            {"permanence": "P1_ADOPTION", "localAuthority": "91"},
            "localAuthority",
        ),
        # An order's date known in part (SSDA903 DATE_PERM with ZZ): a day only with its
        # month, a day the month has, one date or the other, never after it is known or
        # before the birth, and none for no order (Z1).
        ("recordPreviousPermanence", _partly({"year": 2019, "day": 5}), "orderDateKnown.day"),
        (
            "recordPreviousPermanence",
            _partly({"year": 2023, "month": 2, "day": 29}),
            "orderDateKnown.day",
        ),
        ("recordPreviousPermanence", _partly({"month": 13}), "orderDateKnown.month"),
        (
            "recordPreviousPermanence",
            {**_partly({"year": 2023}), "orderDate": "2023-02-01"},
            "orderDateKnown",
        ),
        ("recordPreviousPermanence", _partly({"year": 2099}), "orderDateKnown"),
        ("recordPreviousPermanence", _partly({"year": 2020, "month": 4}), "orderDateKnown"),
        (
            "recordPreviousPermanence",
            {"permanence": "Z1_NONE", "orderDateKnown": {"year": 2023}},
            "permanence",
        ),
        ("recordSdq", {"score": 12, "reason": "SDQ4_OTHER"}, "input"),
        ("recordSdq", {"score": 41}, "score"),
        # The child is 4 or 5 in 2025-26: an SDQ is for ages 4 to 17, so SDQ1 is wrong.
        ("recordSdq", {"reason": "SDQ1_OUTSIDE_AGE_RANGE", "on": "2025-10-01"}, "reason"),
        ("recordSdq", {"score": 10, "on": "2024-10-01"}, "score"),
        ("recordConviction", {"on": "2025-10-01"}, "on"),
        ("recordDevelopmentCheck", {"on": "2026-06-01"}, "on"),
        (
            "recordSubstanceMisuse",
            {"interventionOffered": False, "interventionReceived": True},
            "interventionOffered",
        ),
        ("recordMotherhood", {"babyBornOn": "2026-01-01"}, "childId"),
    ]
    for mutation, data, field in cases:
        result = await record(client, worker, mutation, {"childId": child_id, **data})
        assert refusal(result)[0] == field, (mutation, data, result)
    assert refusal(
        await record(client, worker, "recordSdq", {"childId": child_id, "score": 41})
    ) == ("score", "Input should be less than or equal to 40")
    assert await store.read("MATCH (f:ChildFact) RETURN count(f) AS n") == facts_before
    # A development check before the fifth birthday is fine.
    check = await record(
        client, worker, "recordDevelopmentCheck", {"childId": child_id, "on": "2025-06-01"}
    )
    assert check["__typename"] == "ChildFact"
    missing = await record(
        client, worker, "recordDentalCheck", {"childId": "C-nobody", "on": "2025-06-01"}
    )
    assert missing == {"__typename": "NotFound", "kind": "Child", "id": "C-nobody"}
    rules = token_settings(settings)
    issuer = TokenIssuer(rules, LocalSigningKey.load_or_create(rules.key_path))
    analyst = {
        "Authorization": "Bearer "
        + issuer.issue("analyst-1", "Analyst", "performance_analyst", "agency-la")
    }
    refused = await record(client, analyst, "recordDentalCheck", {"childId": child_id})
    assert refused["__typename"] == "NotAuthorised"


async def test_an_unborn_child_is_born_on_the_same_record(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    await demo_county(store)
    worker = bearer(settings, "social-worker")
    expected = today_in_england() - timedelta(days=10)
    recorded = await graphql(
        client,
        worker,
        """mutation ($input: RecordContactInput!) { recordContact(input: $input) {
             __typename ... on Contact { id } } }""",
        {
            "input": {
                "receivedDate": (expected - timedelta(days=60)).isoformat(),
                "source": "HEALTH_VISITOR",
                "summary": "Midwife concerned before the birth",
                "child": {
                    "givenName": "Baby",
                    "familyName": "Unborn-Okafor",
                    "unborn": True,
                    "expectedDateOfBirth": expected.isoformat(),
                },
            }
        },
    )
    assert recorded["recordContact"]["__typename"] == "Contact"
    found = await graphql(client, worker, '{ searchChildren(term: "Unborn-Okafor") { id } }')
    child_id = found["searchChildren"][0]["id"]
    # Facts about a born child wait for the birth; a pre-birth one does not.
    not_yet = await record(client, worker, "recordDentalCheck", {"childId": child_id})
    assert refusal(not_yet) == ("childId", "the child is not born yet: record the birth first")
    postcode = await record(
        client, worker, "recordHomePostcode", {"childId": child_id, "postcode": "WD17 1AA"}
    )
    assert postcode["__typename"] == "ChildFact"
    birth_query = f"""mutation ($input: RecordBirthInput!) {{ recordBirth(input: $input) {{
      __typename ... on ChildFact {{ {FACT_FIELDS} }} {OUTCOMES}
      ... on TransitionRefused {{ currentState reason }} }} }}"""
    born_on = (expected + timedelta(days=3)).isoformat()
    born = (
        await graphql(
            client,
            worker,
            birth_query,
            {"input": {"childId": child_id, "on": born_on, "sex": "F"}},
        )
    )["recordBirth"]
    assert (born["__typename"], born["factKind"], born["on"], born["sex"]) == (
        "ChildFact",
        "BIRTH",
        born_on,
        "F",
    )
    child = await graphql(
        client,
        worker,
        "query ($id: ID!) { child(id: $id) { id unborn dateOfBirth expectedDateOfBirth sex } }",
        {"id": child_id},
    )
    assert child["child"] == {
        "id": child_id,
        "unborn": False,
        "dateOfBirth": born_on,
        "expectedDateOfBirth": expected.isoformat(),
        "sex": "F",
    }
    children = await store.read(
        "MATCH (c:Child) WHERE c.familyName = 'Unborn-Okafor' RETURN count(c) AS n"
    )
    assert children == [{"n": 1}]
    again = (
        await graphql(client, worker, birth_query, {"input": {"childId": child_id, "on": born_on}})
    )["recordBirth"]
    assert (again["__typename"], again["currentState"]) == ("TransitionRefused", "BORN")
    dental = await record(client, worker, "recordDentalCheck", {"childId": child_id})
    assert dental["__typename"] == "ChildFact"


async def test_a_birth_comes_no_more_than_40_weeks_after_the_first_contact(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # CIN census rule 8606: a referral is never more than 40 weeks before the child's
    # date of birth, so a birth recorded later than that after the contact is refused,
    # whatever the expected date said; nothing is written.
    await demo_county(store)
    worker = bearer(settings, "social-worker")
    received = today_in_england() - timedelta(days=400)
    contact = await graphql(
        client,
        worker,
        """mutation ($input: RecordContactInput!) { recordContact(input: $input) {
             __typename ... on Contact { childId } } }""",
        {
            "input": {
                "receivedDate": received.isoformat(),
                "source": "HEALTH_VISITOR",
                "summary": "Midwife concerned before the birth",
                "child": {
                    "givenName": "Baby",
                    "familyName": "Unborn-Nowak",
                    "unborn": True,
                    "expectedDateOfBirth": (received + timedelta(days=200)).isoformat(),
                },
            }
        },
    )
    child_id = contact["recordContact"]["childId"]
    birth = """mutation ($input: RecordBirthInput!) { recordBirth(input: $input) {
      __typename ... on ChildFact { on } ... on InvalidInput { problems { field rule } } } }"""
    too_late = received + timedelta(weeks=40, days=1)
    refused = await graphql(
        client, worker, birth, {"input": {"childId": child_id, "on": too_late.isoformat()}}
    )
    assert refused["recordBirth"] == {
        "__typename": "InvalidInput",
        "problems": [
            {
                "field": "on",
                "rule": "is more than 40 weeks after the first contact about the child"
                f" ({received.isoformat()}; CIN census rule 8606)",
            }
        ],
    }
    child = "query ($id: ID!) { child(id: $id) { unborn dateOfBirth } }"
    unchanged = await graphql(client, worker, child, {"id": child_id})
    assert unchanged["child"] == {"unborn": True, "dateOfBirth": None}
    assert (
        await store.read(
            "MATCH (f:ChildFact {kind: 'BIRTH'})-[:ABOUT]->(:Child {id: $id}) RETURN f.id",
            {"id": child_id},
        )
        == []
    )
    last_day = (received + timedelta(weeks=40)).isoformat()
    born = await graphql(client, worker, birth, {"input": {"childId": child_id, "on": last_day}})
    assert born["recordBirth"] == {"__typename": "ChildFact", "on": last_day}


async def test_un1_is_refused_for_a_child_of_school_age_in_the_year_it_is_recorded_in(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # SSDA903 rule 209: a child who turned 4 by the 31 August before a collection year (1
    # April to 31 March) is of school age in it, so "not of school age" (UN1) is wrong for
    # that year, though the child is still 4 or 5 on the day.
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    child_id = demo_child(world, index=0)
    await _child(store, child_id, born="2021-05-04", sex="M", upn=None)
    facts_before = await store.read("MATCH (f:ChildFact) RETURN count(f) AS n")

    late = {"childId": child_id, "reason": "UN1_NOT_OF_SCHOOL_AGE", "on": "2026-04-15"}
    field, rule = refusal(await record(client, worker, "recordUpnUnknown", late))

    assert field == "reason"
    assert "SSDA903 rule 209" in rule
    assert "2025-05-04" in rule
    assert await store.read("MATCH (f:ChildFact) RETURN count(f) AS n") == facts_before
    # In the year before (turned 4 after 31 August 2024), the child was not of school age.
    early = {**late, "on": "2026-03-31"}
    assert (await record(client, worker, "recordUpnUnknown", early))["__typename"] == "ChildFact"
