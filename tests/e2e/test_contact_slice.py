"""The contact slice end to end: through the ASGI app, on the real embedded engine."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from connectors.livelink import FILE_PLAN
from connectors.livelink.embedded_store import EmbeddedContentStore
from connectors.livelink.outbox import OutboxWorker
from demo import county
from graph import FalkorDBStore
from hub.settings import Settings
from tests.helpers import bearer, graphql
from workflow.calendar import today_in_england
from workflow.ids import now_ms

pytestmark = pytest.mark.anyio

CHILD_VIEW = """
query ($id: ID!) {
  child(id: $id) {
    id givenName familyName dateOfBirth nhsNumber
    address { line1 town postcode }
    family { name members { householdRole person { id givenName kind } } }
    relationships { type person { id givenName } }
    allocatedWorker { name team }
    contacts { id status outcome receivedDate decisionDue referralId }
    caseNotes { type text author }
    file { id openedBy filingState folders { key name } }
  }
}
"""

RECORD_CONTACT = """
mutation ($input: RecordContactInput!) {
  recordContact(input: $input) {
    __typename
    ... on Contact { id childId status decisionDue receivedDate }
    ... on InvalidInput { problems { field rule } }
    ... on NotFound { kind id }
    ... on NotAuthorised { reason }
  }
}
"""

FINALISE = """
mutation ($id: ID!, $outcome: ContactOutcome!, $version: Int) {
  finaliseContact(contactId: $id, outcome: $outcome, version: $version,
    lateReason: "Decided after its working day") {
    __typename
    ... on FinalisedContact {
      fileOpened joinedOpenEpisode contact { id status outcome referralId version }
    }
    ... on TransitionRefused { currentState allowedNextSteps reason }
    ... on NotFound { kind id }
    ... on NotAuthorised { reason }
  }
}
"""

NEW_CHILD = {
    "givenName": "Ruby",
    "familyName": "Newman",
    "dateOfBirth": "2019-05-04",
    "sex": "F",
    "nhsNumber": "943 476 5919",
    "upn": "E873251001001",
}


@pytest.fixture
async def demo(store: FalkorDBStore) -> county.County:
    world = county.generate("tiny", today=date(2026, 11, 2))
    await county.load(store, world, show_progress=False)
    return world


def _first_allocated(world: county.County, worker: str) -> str:
    return next(row["child"] for row in world.allocations if row["worker"] == worker)


async def _new_contact(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    data = await graphql(
        client,
        headers,
        RECORD_CONTACT,
        {
            "input": {
                "receivedDate": "2026-11-27",
                "source": "SCHOOLS",
                "summary": "Teacher saw bruising on the child's arm.",
                "child": NEW_CHILD,
            }
        },
    )
    contact: dict[str, Any] = data["recordContact"]
    assert contact["__typename"] == "Contact", contact
    return contact


async def test_social_worker_sees_their_child_with_family_contacts_notes_and_file(
    client: httpx.AsyncClient, settings: Settings, demo: county.County
) -> None:
    child_id = next(
        c["childId"] for c in demo.contacts if c["worker"] == "worker-sw-demo" and c["outcome"]
    )
    data = await graphql(client, bearer(settings, "social-worker"), CHILD_VIEW, {"id": child_id})
    child = data["child"]
    assert child["id"] == child_id
    assert child["allocatedWorker"]["name"] == "Sam Patel"
    assert {m["householdRole"] for m in child["family"]["members"]} >= {"MOTHER", "CHILD"}
    assert "MOTHER" in {r["type"] for r in child["relationships"]}
    assert child["address"]["postcode"]
    assert child["contacts"][0]["status"] == "FINALISED"
    assert child["contacts"][0]["referralId"]
    assert child["caseNotes"][0]["author"] == "Sam Patel"
    assert [f["key"] for f in child["file"]["folders"]] == [f.key for f in FILE_PLAN]


async def test_a_child_without_a_relationship_is_indistinguishable_from_a_missing_one(
    client: httpx.AsyncClient, settings: Settings, demo: county.County
) -> None:
    others = {row["child"] for row in demo.allocations if row["team"] != "team-safeguarding-north"}
    unallocated = {c["id"] for c in demo.children} - {row["child"] for row in demo.allocations}
    headers = bearer(settings, "social-worker")
    for child_id in [*sorted(others)[:2], *sorted(unallocated)[:2], "no-such-child"]:
        data = await graphql(client, headers, CHILD_VIEW, {"id": child_id})
        assert data["child"] is None
        note = await graphql(
            client,
            headers,
            """mutation ($id: ID!) { addCaseNote(input: {childId: $id, type: VISIT, text: "x",
               occurredAt: "2026-11-01T10:00:00Z"}) { __typename ... on NotFound { kind id } } }""",
            {"id": child_id},
        )
        assert note["addCaseNote"] == {"__typename": "NotFound", "kind": "Child", "id": child_id}


async def test_record_and_finalise_a_contact_opens_the_file_with_the_whole_plan(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, demo: county.County
) -> None:
    headers = bearer(settings, "social-worker")
    contact = await _new_contact(client, headers)
    # Friday 27 November 2026: one working day later is Monday 30 November.
    assert contact["decisionDue"] == "2026-11-30"
    data = await graphql(
        client, headers, FINALISE, {"id": contact["id"], "outcome": "REFERRAL_TO_SOCIAL_CARE"}
    )
    result = data["finaliseContact"]
    assert result["__typename"] == "FinalisedContact"
    assert result["fileOpened"] is True
    assert result["contact"]["status"] == "FINALISED"
    assert result["contact"]["referralId"]
    assert result["contact"]["version"] == 2

    child = (await graphql(client, headers, CHILD_VIEW, {"id": contact["childId"]}))["child"]
    assert child["nhsNumber"] == "9434765919"
    assert child["file"]["filingState"] == "PENDING"
    assert [f["key"] for f in child["file"]["folders"]] == [f.key for f in FILE_PLAN]

    # The outbox opens the file in the content store, once (the demo's files too).
    pending = await store.read(
        "MATCH (o:OutboxItem) WHERE o.state = 'PENDING' RETURN count(o) AS n"
    )
    content = await EmbeddedContentStore.open(settings.content_dir)
    worker = OutboxWorker(store, content)
    report = await worker.deliver_due(now_ms())
    assert (report.delivered, report.failed) == (pending[0]["n"], 0)
    assert (await worker.deliver_due(now_ms())).delivered == 0
    child = (await graphql(client, headers, CHILD_VIEW, {"id": contact["childId"]}))["child"]
    assert child["file"]["filingState"] == "DELIVERED"
    opened = await content.ensure_child_file(contact["childId"])
    assert set(opened.subfolders) == {f.key for f in FILE_PLAN}
    await content.aclose()


async def test_finalising_twice_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, settings: Settings, demo: county.County
) -> None:
    headers = bearer(settings, "social-worker")
    contact = await _new_contact(client, headers)
    first = await graphql(
        client, headers, FINALISE, {"id": contact["id"], "outcome": "NO_FURTHER_ACTION"}
    )
    assert first["finaliseContact"]["contact"]["outcome"] == "NO_FURTHER_ACTION"
    second = await graphql(
        client, headers, FINALISE, {"id": contact["id"], "outcome": "REFERRAL_TO_SOCIAL_CARE"}
    )
    assert second["finaliseContact"]["__typename"] == "TransitionRefused"
    assert second["finaliseContact"]["currentState"] == "FINALISED"
    child = (await graphql(client, headers, CHILD_VIEW, {"id": contact["childId"]}))["child"]
    assert child["contacts"][0]["outcome"] == "NO_FURTHER_ACTION"
    assert child["contacts"][0]["referralId"] is None


async def test_a_stale_version_is_refused(
    client: httpx.AsyncClient, settings: Settings, demo: county.County
) -> None:
    headers = bearer(settings, "social-worker")
    contact = await _new_contact(client, headers)
    data = await graphql(
        client,
        headers,
        FINALISE,
        {"id": contact["id"], "outcome": "NO_FURTHER_ACTION", "version": 7},
    )
    refused = data["finaliseContact"]
    assert refused["__typename"] == "TransitionRefused"
    assert refused["allowedNextSteps"] == ["finaliseContact"]


async def test_racing_finalisations_open_exactly_one_file(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, demo: county.County
) -> None:
    headers = bearer(settings, "social-worker")
    child_id = next(
        c["childId"] for c in demo.contacts if c["worker"] == "worker-sw-demo" and c["outcome"]
    )
    contacts = []
    for _ in range(3):
        data = await graphql(
            client,
            headers,
            RECORD_CONTACT,
            {
                "input": {
                    "receivedDate": "2026-11-20",
                    "source": "POLICE",
                    "summary": "Incident",
                    "childId": child_id,
                }
            },
        )
        contacts.append(data["recordContact"]["id"])
    fresh = await _new_contact(client, headers)
    racers = [
        graphql(client, headers, FINALISE, {"id": contact_id, "outcome": "REFERRAL_TO_SOCIAL_CARE"})
        for contact_id in [*contacts, fresh["id"], fresh["id"], fresh["id"]]
    ]
    results = [r["finaliseContact"] for r in await asyncio.gather(*racers)]
    kinds = sorted(r["__typename"] for r in results)
    assert kinds == ["FinalisedContact"] * 4 + ["TransitionRefused"] * 2
    # The demo child already had a file: none of its finalisations opened another. It
    # also had an open episode of need (its demo referral): each referral joined that
    # episode rather than opening a second one.
    assert sum(r.get("fileOpened", False) for r in results[:3]) == 0
    assert [r["joinedOpenEpisode"] for r in results[:3]] == [True] * 3
    episodes = await store.read(
        "MATCH (r:Referral)-[:ABOUT]->(:Child {id: $id}) RETURN r.id AS id", {"id": child_id}
    )
    assert len(episodes) == 1, episodes
    assert {r["contact"]["referralId"] for r in results[:3]} == {episodes[0]["id"]}
    assert sum(r.get("fileOpened", False) for r in results[3:]) == 1
    for child in (child_id, fresh["childId"]):
        rows = await store.read(
            "MATCH (:Child {id: $id})-[h:HAS_FILE]->(f:File)-[r:HAS_FOLDER]->(d:Folder) "
            "RETURN count(DISTINCT f) AS files, count(r) AS folders, count(h) AS links",
            {"id": child},
        )
        assert rows[0]["files"] == 1
        assert rows[0]["folders"] == len(FILE_PLAN)
    outbox = await store.read(
        "MATCH (o:OutboxItem)-[d:DELIVERS]->(:File {childId: $id}) RETURN count(d) AS n",
        {"id": fresh["childId"]},
    )
    assert outbox[0]["n"] == 1


async def _contact_about(
    client: httpx.AsyncClient, headers: dict[str, str], child: dict[str, Any]
) -> dict[str, Any]:
    """recordContact about a new child: its answer."""
    contact = {"receivedDate": "2026-11-20", "source": "SCHOOLS", "summary": "s", "child": child}
    data = await graphql(client, headers, RECORD_CONTACT, {"input": contact})
    return data["recordContact"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("field", "value", "problem_field", "rule"),
    [
        ("nhsNumber", "943 476 5918", "child.nhsNumber", "modulus-11"),
        ("nhsNumber", "12345", "child.nhsNumber", "10 digits"),
        # A superscript is a digit to str.isdigit, not to int(): the rule, not Python's.
        ("nhsNumber", "943476591\u00b2", "child.nhsNumber", "an NHS number is 10 digits"),
        ("upn", "A87325100100\u00b2", "child.upn", "a UPN is a check letter"),
        ("upn", "A873251001001", "child.upn", "check letter"),
        (
            "dateOfBirth",
            (today_in_england() + timedelta(days=3)).isoformat(),
            "child.dateOfBirth",
            "future",
        ),
        # CIN census Ethnicity, 903 ETHNIC (rule 103): one of the DfE's codes.
        ("ethnicity", "WB", "child.ethnicity", "Ethnicity code list"),
        ("ethnicity", "XXXX", "child.ethnicity", "Ethnicity code list"),
        ("givenName", "", "child.givenName", "at least 1 character"),
        ("givenName", "   ", "child.givenName", "at least 1 character"),
        # The engine would keep "A\ufffdB": a name silently changed.
        ("givenName", "A\u0000B", "child.givenName", "U+0000"),
        ("givenName", "Ann\nMarie", "child.givenName", "U+000A"),
        ("familyName", "Bo\u001b[31mb", "child.familyName", "U+001B"),
        ("familyName", "Abc\u202edef", "child.familyName", "U+202E"),
    ],
)
async def test_bad_identifiers_are_refused_naming_the_field_and_rule(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    field: str,
    value: str,
    problem_field: str,
    rule: str,
) -> None:
    headers = bearer(settings, "social-worker")
    await county.load(store, county.generate("tiny"), show_progress=False)
    before = await store.read("MATCH (n) RETURN count(n) AS n")
    result = await _contact_about(client, headers, {**NEW_CHILD, field: value})
    assert result["__typename"] == "InvalidInput"
    assert any(p["field"] == problem_field and rule in p["rule"] for p in result["problems"]), (
        result
    )
    assert await store.read("MATCH (n) RETURN count(n) AS n") == before


async def test_names_that_need_joiners_and_marks_are_kept_exactly(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # What the control-character rule must not refuse: a Persian name written with a
    # zero-width non-joiner, a combining diaeresis (not normalised), an apostrophe.
    given, family = "ریحانه\u200cسادات", "O'Brien-Zoe\u0308"
    await county.load(store, county.generate("tiny"), show_progress=False)
    headers = bearer(settings, "social-worker")
    child = {"givenName": given, "familyName": family, "dateOfBirth": "2019-05-04"}
    contact = await _contact_about(client, headers, child)
    assert contact["__typename"] == "Contact", contact
    found = await graphql(
        client,
        headers,
        "query ($id: ID!) { child(id: $id) { givenName familyName } }",
        {"id": contact["childId"]},
    )
    assert found["child"] == {"givenName": given, "familyName": family}


async def test_roles_without_write_capability_are_not_authorised(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    from auth.tokens import LocalSigningKey, TokenIssuer
    from hub.app import token_settings

    rules = token_settings(settings)
    issuer = TokenIssuer(rules, LocalSigningKey.load_or_create(rules.key_path))
    token = issuer.issue("analyst-1", "Pat Analyst", "performance_analyst", "agency-la")
    data = await graphql(
        client,
        {"Authorization": f"Bearer {token}"},
        FINALISE,
        {"id": "whatever", "outcome": "NO_FURTHER_ACTION"},
    )
    assert data["finaliseContact"]["__typename"] == "NotAuthorised"


@pytest.mark.parametrize(
    ("persona", "roots", "mutations"),
    [
        ("police", {"me", "enquiryChildren"}, {"notifyDomesticAbuseIncident"}),
        # cpisRecord is deprecated (a mistyped NHS number answers null): cpisLookup.
        ("health", {"me", "cpisRecord", "cpisLookup"}, None),
        ("education", {"me", "myPupils", "myEncompassNotices"}, {"acknowledgeEncompassNotice"}),
    ],
)
async def test_partner_schemas_have_only_their_own_mutations_and_dataset(
    client: httpx.AsyncClient,
    settings: Settings,
    persona: str,
    roots: set[str],
    mutations: set[str] | None,
) -> None:
    # A partner writes nothing of the case record: police report an incident and a school
    # acknowledges a notice (Operation Encompass); health has no Mutation at all.
    response = await client.post(
        "/graphql",
        json={
            "query": "{ __schema { mutationType { ...names } queryType { ...names } } }"
            " fragment names on __Type { fields(includeDeprecated: true) { name } }"
        },
        headers=bearer(settings, persona),
    )
    schema = response.json()["data"]["__schema"]
    mutation_type = schema["mutationType"]
    assert (mutation_type and {f["name"] for f in mutation_type["fields"]}) == mutations
    assert {f["name"] for f in schema["queryType"]["fields"]} == roots
