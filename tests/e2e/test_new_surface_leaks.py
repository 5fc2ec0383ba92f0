"""Probes: a child must not come out where a row rule forbids it on the surfaces added with
EHM, IES, merging and the audience-cut access rule. Each test fails if the leak exists."""

from __future__ import annotations

import json
import logging
from datetime import date
from typing import Any

import httpx
import pytest

from connectors import ehm
from connectors.intake import IncomingRecord, apply_record
from demo import county
from graph import FalkorDBStore
from graph.cypher import data_warnings
from hub.settings import Settings
from tests.connectors.intake.world import add_child, role_headers
from tests.e2e.journey_helpers import demo_child, demo_county
from tests.e2e.test_cpis_across_records import CPIS, RECORD_CONTACT, _new_child, _on_a_plan
from tests.e2e.test_merge_children import MERGE, _new_record
from tests.helpers import bearer, graphql

pytestmark = pytest.mark.anyio

ADAM_NHS = "9434765919"
BEN_NHS = "9434765870"


ADAM = {"givenName": "Adam", "familyName": "Quennell", "dateOfBirth": "2019-03-04", "sex": "M"}
BEN = {"givenName": "Ben", "familyName": "Lister", "dateOfBirth": "2018-07-09", "sex": "M"}


async def _adams_record_linked_to_ben_on_a_plan(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> tuple[str, str]:
    """Adam holds NHS number X and has no plan; Ben holds his own number Y and is on a
    plan; an early help record carrying X is linked by mistake to Ben. Their child ids."""
    await demo_county(store)
    worker = bearer(settings, "social-worker")
    adam, ben = ADAM, BEN
    numbered = (
        await graphql(client, worker, RECORD_CONTACT, _new_child(adam | {"nhsNumber": ADAM_NHS}))
    )["recordContact"]
    planned = (
        await graphql(client, worker, RECORD_CONTACT, _new_child(ben | {"nhsNumber": BEN_NHS}))
    )["recordContact"]
    assert numbered["__typename"] == planned["__typename"] == "Contact"
    await _on_a_plan(client, worker, planned["childId"], date(2026, 9, 1))
    record = ehm.SOURCE.parse(
        {
            "recordType": "EARLY_HELP_EPISODE",
            "recordId": "EP-WRONG",
            "version": 1,
            **adam,
            "nhsNumber": ADAM_NHS,
            "startDate": "2025-09-01",
            "reason": "Parenting support",
        }
    )
    assert isinstance(record, IncomingRecord)
    await apply_record(store, record, by="system:ehm")
    record_id = (await store.read("MATCH (r:SourceRecord) RETURN r.id AS id"))[0]["id"]
    officer = await role_headers(store, settings, "records_officer", "records-officer-1")
    await graphql(
        client,
        officer,
        """mutation ($r: ID!) { unlinkSourceRecord(recordId: $r, reason: "checking")
             { __typename } }""",
        {"r": record_id},
    )
    linked = await graphql(
        client,
        officer,
        """mutation ($r: ID!, $c: ID!) { linkSourceRecord(recordId: $r, childId: $c,
             reason: "Wrong child picked from the list") { __typename } }""",
        {"r": record_id, "c": planned["childId"]},
    )
    assert linked == {"linkSourceRecord": {"__typename": "SourceRecord"}}
    wrongly = await store.read(
        "MATCH (:SourceRecord {nhsNumber: $n})-[:LINKED_TO]->(c:Child) RETURN c.id AS id",
        {"n": ADAM_NHS},
    )
    assert wrongly == [{"id": planned["childId"]}]
    return numbered["childId"], planned["childId"]


async def test_health_never_sees_the_plan_of_a_child_a_record_with_the_number_was_wrongly_linked_to(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    # Health, asking about X, must be told about Adam only: Ben is not a record of X's
    # person (he has a number of his own), so his plan must not leave the hub on X.
    _, planned_id = await _adams_record_linked_to_ben_on_a_plan(client, store, settings)
    health = bearer(settings, "health")

    by_adams_number = await graphql(client, health, CPIS, {"n": ADAM_NHS})
    by_bens_number = await graphql(client, health, CPIS, {"n": BEN_NHS})

    assert by_adams_number == {"cpisRecord": None}
    # Ben's plan still answers on Ben's own number.
    assert by_bens_number["cpisRecord"]["plans"] == [
        {"type": "CHILD_PROTECTION_PLAN", "startDate": "2026-09-21", "endDate": None}
    ]
    audited = await store.read(
        "MATCH (e:AuditEvent {audience: 'health'})-[:ACCESSED]->(c:Child)"
        " RETURN DISTINCT c.id AS id"
    )
    assert {row["id"] for row in audited} <= {planned_id}


MERGED_ROOTS = [
    ("query ($id: ID!) { child(id: $id) { id } }", {}),
    (
        """query ($reps: [_Any!]!) { _entities(representations: $reps) {
             ... on Child { id givenName } ... on Person { id givenName } } }""",
        {"reps": "entities"},
    ),
    ("query ($id: ID!) { childFacts(childId: $id) { id childId } }", {}),
    ("query ($id: ID!) { childSourceRecords(childId: $id) { id } }", {}),
    ("query ($id: ID!) { allocations(childId: $id) { childId workerId } }", {}),
    (
        """query ($id: ID!) { accessTrail(childId: $id) { __typename
             ... on AccessTrail { childId events { subject } } } }""",
        {},
    ),
]


async def test_a_merged_away_record_comes_out_of_no_root_for_anyone(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    world = county.generate("tiny", today=date(2026, 11, 2))
    await county.load(store, world, show_progress=False)
    worker, officer = bearer(settings, "social-worker"), bearer(settings, "records-officer")
    kept_id = next(row["child"] for row in world.allocations if row["worker"] == "worker-sw-demo")
    kept = next(child for child in world.children if child["id"] == kept_id)
    typo_name = kept["givenName"] + "zq"
    typo = {
        "givenName": typo_name,
        "familyName": kept["familyName"],
        "dateOfBirth": str(kept["dateOfBirth"]),
        "sex": kept["sex"],
    }
    merged_id = (await _new_record(client, worker, typo))["childId"]
    # A DfE warning raised on a record of the duplicate, as a save of its case would.
    await store.write(
        data_warnings.REPLACE_RECORD_WARNINGS,
        {
            "childId": merged_id,
            "recordId": "R-OF-THE-DUPLICATE",
            "keys": ["R-OF-THE-DUPLICATE|CIN 8825Q|"],
            "warnings": [
                {
                    "key": "R-OF-THE-DUPLICATE|CIN 8825Q|",
                    "code": "CIN 8825Q",
                    "field": "referralSource",
                    "message": "referralSource: probe",
                    "subject": None,
                }
            ],
            "recordedBy": "worker-sw-demo",
            "recordedAt": 1_790_000_000_000,
        },
    )
    done = await graphql(
        client, officer, MERGE, {"keep": kept_id, "merge": merged_id, "reason": "Same child"}
    )
    assert done["mergeChildren"]["__typename"] == "ChildMerge"
    # The probe can fail: before the merge the record came out of `child`.
    assert await store.read("MATCH (m:MergedChild {id: $id}) RETURN m.id AS id", {"id": merged_id})

    readers = {
        persona: bearer(settings, persona)
        for persona in (
            "social-worker",
            "team-manager",
            "practitioner",
            "records-officer",
            "analyst",
            "administrator",
        )
    }
    leaked: list[tuple[str, str]] = []
    for persona, headers in readers.items():
        for query, extra in MERGED_ROOTS:
            variables: dict[str, object] = {"id": merged_id}
            if extra:
                variables = {
                    "reps": [
                        {"__typename": "Child", "id": merged_id},
                        {"__typename": "Person", "id": merged_id},
                    ]
                }
            response = await client.post(
                "/graphql", json={"query": query, "variables": variables}, headers=headers
            )
            body = response.json()
            assert "errors" not in body, (persona, query, body)
            if merged_id in json.dumps(body.get("data")) or typo_name in response.text:
                leaked.append((persona, query.split("(")[1].split("{")[-1].strip()))
        searched = await client.post(
            "/graphql",
            json={
                "query": "query ($t: String!) { searchChildren(term: $t) { id givenName } }",
                "variables": {"t": typo_name},
            },
            headers=headers,
        )
        assert "errors" not in searched.json(), searched.text
        if merged_id in searched.text or typo_name in searched.text:
            leaked.append((persona, "searchChildren"))
        for listing in (
            "{ suspectedDuplicateChildren { ... on SuspectedDuplicateList {"
            " pairs { first { childId } second { childId } } } } }",
            "{ linkReviewQueue { ... on LinkReviewQueue {"
            " records { id candidateChildIds childId } } } }",
            "{ myWork { allocatedChildren { childId } dataWarnings { childId }"
            " items { childId } } }",
        ):
            answered = await client.post("/graphql", json={"query": listing}, headers=headers)
            assert "errors" not in answered.json(), (persona, listing, answered.text)
            if merged_id in answered.text:
                leaked.append((persona, listing[:30]))
    for persona in ("police", "health", "education"):
        headers = bearer(settings, persona)
        for listing in ("{ enquiryChildren { id } }", "{ myPupils { id } }"):
            answered = await client.post("/graphql", json={"query": listing}, headers=headers)
            if merged_id in answered.text or typo_name in answered.text:
                leaked.append((persona, listing))
        answered = await client.post(
            "/graphql",
            json={
                "query": "query ($id: ID!) { child(id: $id) { id } }",
                "variables": {"id": merged_id},
            },
            headers=headers,
        )
        if merged_id in json.dumps(answered.json().get("data")):
            leaked.append((persona, "child"))

    assert leaked == []
    # The duplicate's warning now stands on the record kept, under its id.
    work = await graphql(client, worker, "{ myWork { dataWarnings { childId code } } }")
    assert {"childId": kept_id, "code": "CIN 8825Q"} in work["myWork"]["dataWarnings"]
    # The same roots answer about the record kept, so a wrong query cannot pass silently.
    kept_seen = await graphql(client, worker, MERGED_ROOTS[0][0], {"id": kept_id})
    assert kept_seen == {"child": {"id": kept_id}}
    entities = await graphql(
        client, worker, MERGED_ROOTS[1][0], {"reps": [{"__typename": "Child", "id": kept_id}]}
    )
    assert entities["_entities"][0]["id"] == kept_id


async def test_logs_and_metrics_carry_no_name_number_or_child_id_after_the_new_flows(
    client: httpx.AsyncClient,
    store: FalkorDBStore,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    adam_id, ben_id = await _adams_record_linked_to_ben_on_a_plan(client, store, settings)
    health = bearer(settings, "health")
    for number in (ADAM_NHS, BEN_NHS, "9434765927"):
        await graphql(client, health, CPIS, {"n": number})
    officer = bearer(settings, "records-officer")
    merged = await graphql(
        client, officer, MERGE, {"keep": ben_id, "merge": adam_id, "reason": "Probe"}
    )
    # Refused (two NHS numbers): the refusal is logged or not, but names nobody.
    assert merged["mergeChildren"]["__typename"] == "TransitionRefused"
    await graphql(client, officer, "{ suspectedDuplicateChildren { __typename } }")

    scraped = (await client.get("/metrics")).text

    assert "lcs_hub" in scraped or "graphql" in scraped  # a real scrape, not an error page
    assert caplog.records, "the flows logged nothing: the probe would pass vacuously"
    logged = "\n".join(
        f"{record.getMessage()} {sorted(map(str, vars(record).values()))}"
        for record in caplog.records
    )
    secrets = [ADAM_NHS, BEN_NHS, "9434765927", adam_id, ben_id]
    secrets += [ADAM["givenName"], ADAM["familyName"], BEN["givenName"], BEN["familyName"]]
    for secret in secrets:
        assert secret not in scraped, secret
        assert secret not in logged, secret


async def _a_restricted_childs_record_in_review(
    store: FalkorDBStore, settings: Settings
) -> tuple[str, dict[str, str]]:
    """A restricted child, an EHM record about her waiting for review (her first name spelt
    differently, no NHS number), and a records officer without a grant."""
    await add_child(store, "C-SEALED", "Maisie", "Thornbury", date(2016, 4, 12))
    await store.write("MATCH (c:Child {id: 'C-SEALED'}) SET c.restricted = true")
    record = ehm.SOURCE.parse(
        {
            "recordType": "EARLY_HELP_EPISODE",
            "recordId": "EP-SEALED",
            "version": 1,
            "givenName": "Maisy",
            "familyName": "Thornbury",
            "dateOfBirth": "2016-04-12",
            "startDate": "2025-09-01",
            "reason": "Parenting support",
        }
    )
    assert isinstance(record, IncomingRecord)
    applied = await apply_record(store, record, by="system:ehm")
    assert applied.link_state == "REVIEW"
    officer = await role_headers(store, settings, "records_officer", "records-officer-1")
    [row] = await store.read("MATCH (r:SourceRecord) RETURN r.id AS id")
    return row["id"], officer


async def test_a_records_officer_without_a_grant_is_not_offered_a_restricted_candidate(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    record_id, officer = await _a_restricted_childs_record_in_review(store, settings)

    response = await client.post(
        "/graphql",
        json={
            "query": """query ($r: ID!) { sourceRecordCandidates(recordId: $r) { __typename
                ... on RecordCandidates { record { id } candidates { childId } } } }""",
            "variables": {"r": record_id},
        },
        headers=officer,
    )

    answer = response.json()["data"]["sourceRecordCandidates"]
    assert answer["__typename"] == "RecordCandidates", answer
    assert answer["record"] == {"id": record_id}
    assert "C-SEALED" not in response.text
    assert "Maisie" not in response.text


async def test_the_link_review_queue_does_not_name_a_restricted_candidate(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    _, officer = await _a_restricted_childs_record_in_review(store, settings)

    queue = await client.post(
        "/graphql",
        json={
            "query": "{ linkReviewQueue { ... on LinkReviewQueue { records { id"
            " candidateChildIds hiddenCandidates } } } }"
        },
        headers=officer,
    )

    records = queue.json()["data"]["linkReviewQueue"]["records"]
    assert records, queue.text
    assert "C-SEALED" not in queue.text
    # Counted, never named: the officer knows a restricted record matches.
    assert sum(record["hiddenCandidates"] for record in records) >= 1


async def _a_record_linked_to_the_restricted_child(
    store: FalkorDBStore, settings: Settings
) -> tuple[str, dict[str, str]]:
    """The record in review linked by another records officer to the restricted child,
    and the headers of a records officer with no grant to her."""
    record_id, officer = await _a_restricted_childs_record_in_review(store, settings)
    await store.write(
        "MATCH (r:SourceRecord {id: $r}), (c:Child {id: 'C-SEALED'})"
        " CREATE (r)-[:LINKED_TO {rule: 'MANUAL', by: 'records-officer-2', at: 1}]->(c)"
        " SET r.linkState = 'LINKED'",
        {"r": record_id},
    )
    return record_id, officer


async def test_a_record_linked_to_a_restricted_child_does_not_name_her(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    record_id, officer = await _a_record_linked_to_the_restricted_child(store, settings)

    response = await client.post(
        "/graphql",
        json={
            "query": """query ($r: ID!) { sourceRecord(recordId: $r) { __typename
                ... on SourceRecord { id childId link { childId } } } }""",
            "variables": {"r": record_id},
        },
        headers=officer,
    )

    assert response.json()["data"]["sourceRecord"]["__typename"] == "SourceRecord"
    assert "C-SEALED" not in response.text


CANDIDATES_OF_RECORD = """query ($r: ID!) { sourceRecordCandidates(recordId: $r) { __typename
    ... on RecordCandidates { record { id candidateChildIds hiddenCandidates childId
        link { childId } } candidates { childId } } } }"""


async def test_the_record_a_records_officer_is_matching_names_no_restricted_candidate(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    record_id, officer = await _a_restricted_childs_record_in_review(store, settings)

    response = await client.post(
        "/graphql",
        json={"query": CANDIDATES_OF_RECORD, "variables": {"r": record_id}},
        headers=officer,
    )

    record = response.json()["data"]["sourceRecordCandidates"]["record"]
    assert record["id"] == record_id
    assert "C-SEALED" not in response.text
    # Counted, never named, as in the review queue.
    assert record["hiddenCandidates"] >= 1


async def test_the_candidates_of_a_record_linked_to_a_restricted_child_do_not_name_her(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    record_id, officer = await _a_record_linked_to_the_restricted_child(store, settings)

    response = await client.post(
        "/graphql",
        json={"query": CANDIDATES_OF_RECORD, "variables": {"r": record_id}},
        headers=officer,
    )

    record = response.json()["data"]["sourceRecordCandidates"]["record"]
    assert record["id"] == record_id
    assert record["link"] == {"childId": None}
    assert "C-SEALED" not in response.text


async def test_reading_a_record_linked_to_a_restricted_child_is_in_her_read_audit(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    """The officer is not told whose the record is, but what it says about her (her names,
    date of birth, what early help found) left the hub: her access trail records it."""
    record_id, officer = await _a_record_linked_to_the_restricted_child(store, settings)

    read = await graphql(
        client,
        officer,
        """query ($r: ID!) { sourceRecord(recordId: $r) { ... on SourceRecord {
             givenName familyName dateOfBirth childId } } }""",
        {"r": record_id},
    )

    assert read["sourceRecord"]["familyName"] == "Thornbury"
    assert read["sourceRecord"]["childId"] is None
    audited = await store.read(
        "MATCH (e:AuditEvent)-[:ACCESSED]->(:Child {id: 'C-SEALED'})"
        " RETURN e.subject AS subject, e.fields AS fields"
    )
    assert audited == [
        {
            "subject": "records-officer-1",
            "fields": ["childId", "dateOfBirth", "familyName", "givenName"],
        }
    ]


@pytest.mark.parametrize(
    "query",
    [
        """query ($r: ID!) { sourceRecord(recordId: $r) { ... on SourceRecord {
             givenName familyName dateOfBirth } } }""",
        """query ($r: ID!) { sourceRecordCandidates(recordId: $r) {
             ... on RecordCandidates { record { givenName familyName dateOfBirth } } } }""",
        """query { linkReviewQueue { ... on LinkReviewQueue { records {
             givenName familyName dateOfBirth } } } }""",
    ],
    ids=["sourceRecord", "sourceRecordCandidates", "linkReviewQueue"],
)
async def test_reading_a_record_in_review_is_in_the_read_audit_of_each_child_it_may_be_about(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings, query: str
) -> None:
    """A record waiting for review is linked to nobody, but it is about one of its
    candidates (here the restricted child, counted and not named): what it says of her
    left the hub, so her access trail records the read, as it would once linked."""
    record_id, officer = await _a_restricted_childs_record_in_review(store, settings)

    read = await graphql(client, officer, query, {"r": record_id} if "$r" in query else None)

    assert "Thornbury" in json.dumps(read)
    assert "C-SEALED" not in json.dumps(read)
    audited = await store.read(
        "MATCH (e:AuditEvent)-[:ACCESSED]->(:Child {id: 'C-SEALED'})"
        " RETURN e.subject AS subject, e.fields AS fields"
    )
    assert audited == [
        {"subject": "records-officer-1", "fields": ["dateOfBirth", "familyName", "givenName"]}
    ]


async def _read_by_key_alone(
    client: httpx.AsyncClient,
    store: FalkorDBStore,
    caller: dict[str, str],
    typename: str,
    key: str,
    field: str,
) -> tuple[list[dict[str, Any]], set[str]]:
    """`_entities` for one entity by its key, with the audit emptied first: what it
    answered, and the children the read was audited against."""
    await store.write("MATCH (e:AuditEvent) DETACH DELETE e")
    read = await graphql(
        client,
        caller,
        f"""query ($reps: [_Any!]!) {{ _entities(representations: $reps) {{
             ... on {typename} {{ {field} }} }} }}""",
        {"reps": [{"__typename": typename, "id": key}]},
    )
    audited = await store.read(
        "MATCH (e:AuditEvent)-[:ACCESSED]->(c:Child) RETURN DISTINCT c.id AS child"
    )
    return read["_entities"], {row["child"] for row in audited}


async def test_a_household_read_by_its_federation_key_is_in_its_children_s_read_audit(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    """The gateway may ask for a household by its key alone: its name is the child's
    family name, found only through a child the caller may see, so the read is in the
    audit of the household's children, as `Child.family` is."""
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    child_id = demo_child(world)
    [family] = await store.read(
        "MATCH (:Child {id: $c})-[:MEMBER_OF]->(f:Family) RETURN f.id AS id, f.name AS name",
        {"c": child_id},
    )
    children = {
        row["id"]
        for row in await store.read(
            "MATCH (f:Family {id: $f})<-[:MEMBER_OF]-(c:Child) RETURN c.id AS id",
            {"f": family["id"]},
        )
    }
    read, audited = await _read_by_key_alone(client, store, worker, "Family", family["id"], "name")

    assert read == [{"name": family["name"]}]
    assert child_id in audited
    assert audited <= children


async def test_an_adult_read_by_their_federation_key_is_in_the_read_audit_of_their_child(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    """An adult is found by key only through a child the caller may see (their household
    or a child related to them): what is read of them is part of that child's record."""
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    child_id = demo_child(world)
    adults = await store.read(
        "MATCH (:Child {id: $c})-[:MEMBER_OF]->(:Family)<-[:MEMBER_OF]-(p:Person)"
        " WHERE NOT p:Child RETURN p.id AS id, p.familyName AS familyName",
        {"c": child_id},
    )
    assert adults
    adult = adults[0]
    read, audited = await _read_by_key_alone(
        client, store, worker, "Person", adult["id"], "familyName"
    )

    assert read == [{"familyName": adult["familyName"]}]
    assert child_id in audited


async def test_a_merge_whose_retention_recompute_fails_logs_neither_record(
    client: httpx.AsyncClient,
    store: FalkorDBStore,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A merge, an unmerge or a correction of a child's status recomputes the child's
    # retention once committed; the engine failing at that moment was logged naming the
    # child ("child C-... : retention not recomputed"), where every other log line names
    # the request only.
    from connectors.livelink import records as livelink_records
    from graph import GraphUnavailable
    from hub.logs import JsonLines

    async def engine_gone(*args: object, **kwargs: object) -> None:
        raise GraphUnavailable("the graph engine gave no answer within 300 s")

    monkeypatch.setattr(livelink_records, "recompute_retention", engine_gone)
    caplog.set_level(logging.DEBUG)
    await demo_county(store)
    worker, officer = bearer(settings, "social-worker"), bearer(settings, "records-officer")
    kept_id = (await _new_record(client, worker, ADAM))["childId"]
    merged_id = (await _new_record(client, worker, ADAM | {"givenName": "Adma"}))["childId"]
    done = await graphql(
        client, officer, MERGE, {"keep": kept_id, "merge": merged_id, "reason": "Same child"}
    )
    assert done["mergeChildren"]["__typename"] == "ChildMerge"

    formatted = [JsonLines().format(record) for record in caplog.records]
    # The failure is logged (the probe would pass vacuously otherwise), by its kind.
    assert any("retention not recomputed" in line for line in formatted), formatted
    logged = "\n".join(formatted)
    for secret in (kept_id, merged_id, ADAM["givenName"], "Adma", ADAM["familyName"]):
        assert secret not in logged, secret
