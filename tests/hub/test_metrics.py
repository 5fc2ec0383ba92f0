"""`/metrics`, scraped through the real app before and after a small journey.

Every family the hub exports must move when the journey does what it counts (requests,
latency, errors, engine round trips and time, pool waits and a saturation, the outbox's
depth and age, audit writes), and the scrape must carry no child's name or NHS number.
The metrics are the process's, so each test compares its own before and after.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from demo import county
from graph import EmbeddedEngine, FalkorDBStore
from graph.cypher.partners import NHS_NUMBERS_ON_PLANS
from hub.settings import Settings
from tests.helpers import bearer, graphql
from tests.hub.conftest import sams_children

pytestmark = pytest.mark.anyio

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]

NEW_CHILD = {
    "givenName": "Philomena",
    "familyName": "Brackenbury",
    "dateOfBirth": "2018-03-09",
    "nhsNumber": "9434765870",
}
RECORD_CONTACT = """mutation RecordContact($input: RecordContactInput!) {
  recordContact(input: $input) { __typename ... on Contact { id } } }"""
FINALISE_CONTACT = """mutation FinaliseContact($id: ID!) {
  finaliseContact(contactId: $id, outcome: REFERRAL_TO_SOCIAL_CARE,
    lateReason: "Decided after its working day") {
    __typename ... on FinalisedContact { fileOpened } } }"""
CASE_VIEW = """query CaseView($id: ID!) { child(id: $id) { id givenName familyName nhsNumber
  contacts { status } } }"""


async def scrape(http: httpx.AsyncClient, headers: dict[str, str] | None = None) -> Samples:
    response = await http.get("/metrics", headers=headers or {})
    assert response.status_code == 200, response.text
    return parse(response.text)


def parse(text: str) -> Samples:
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum of `name`'s samples whose labels include `labels` (0 when none yet)."""
    wanted = set(labels.items())
    return sum(
        value for (sample, got), value in samples.items() if sample == name and wanted <= got
    )


def label_values(samples: Samples, name: str, label: str) -> set[str]:
    return {dict(got)[label] for (sample, got) in samples if sample == name and label in dict(got)}


async def test_each_family_moves_after_a_journey_and_the_scrape_names_no_child(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    engine: EmbeddedEngine,
    demo: county.County,
    app_client: Callable[..., Any],
) -> None:
    worker = bearer(settings, "social-worker")
    before = await scrape(client)

    # A contact recorded for a new child and finalised: a write, a File and an outbox item.
    contact = {"receivedDate": "2026-10-27", "source": "SCHOOLS", "summary": "Bruise seen"}
    recorded = await graphql(
        client, worker, RECORD_CONTACT, {"input": {**contact, "child": NEW_CHILD}}
    )
    contact_id = recorded["recordContact"]["id"]
    finalised = await graphql(client, worker, FINALISE_CONTACT, {"id": contact_id})
    assert finalised["finaliseContact"]["fileOpened"] is True
    # A case read by the allocated worker (audited), and a partner's read (audited too).
    child = sams_children(demo)[0]
    read = await graphql(client, worker, CASE_VIEW, {"id": child})
    assert read["child"]["id"] == child
    on_plans = await store.read(NHS_NUMBERS_ON_PLANS, {"limit": 1})
    nhs = on_plans[0]["nhsNumber"]
    cpis = await graphql(
        client,
        bearer(settings, "health"),
        "query Cpis($n: String!) { cpisRecord(nhsNumber: $n) { nhsNumber } }",
        {"n": nhs},
    )
    assert cpis["cpisRecord"]["nhsNumber"] == nhs
    # Errors: a query that does not validate, a partner without a stated purpose.
    invalid = await client.post(
        "/graphql", json={"query": "{ me { nosuchfield } }"}, headers=worker
    )
    assert invalid.json()["errors"]
    no_purpose = {"Authorization": bearer(settings, "police")["Authorization"]}
    refused = await client.post("/graphql", json={"query": "{ __typename }"}, headers=no_purpose)
    assert refused.status_code == 403
    # A saturated pool: its only connection held, a statement times out waiting (503).
    assert engine.socket_path is not None
    busy = FalkorDBStore(engine.socket_path, store.graph_name, max_connections=1, pool_timeout=0.05)
    held = await busy._pool.get_connection()
    try:
        async with app_client(graph=busy) as saturated:
            answer = await saturated.post(
                "/graphql", json={"query": CASE_VIEW, "variables": {"id": child}}, headers=worker
            )
    finally:
        await busy._pool.release(held)
        await busy.close()
    assert answer.status_code == 503
    # The oldest undelivered item's age is read at scrape time: let the clock move on.
    await asyncio.sleep(0.01)

    response = await client.get("/metrics")
    after = parse(response.text)

    def moved(name: str, **labels: str) -> bool:
        return total(after, name, **labels) > total(before, name, **labels)

    internal = {"route": "graphql", "audience": "internal"}
    assert moved("lcs_hub_requests_total", **internal, operation="recordContact", status="200")
    assert moved("lcs_hub_requests_total", **internal, operation="child", status="200")
    assert moved("lcs_hub_requests_total", audience="health", operation="cpisRecord")
    assert moved("lcs_hub_requests_total", audience="police", status="403")
    assert moved("lcs_hub_request_duration_seconds_count", **internal, operation="child")
    assert moved("lcs_hub_request_duration_seconds_sum", **internal)
    assert moved("lcs_hub_graphql_errors_total", audience="internal", code="ENGINE_BUSY")
    assert moved(
        "lcs_hub_graphql_errors_total", audience="internal", code="GRAPHQL_VALIDATION_FAILED"
    )
    assert moved("lcs_hub_graphql_errors_total", audience="police", code="PURPOSE_REQUIRED")
    assert moved("lcs_hub_request_engine_round_trips_count", **internal)
    # The case view alone runs a statement per level of the query, and the principal read.
    assert (
        total(after, "lcs_hub_request_engine_round_trips_sum", **internal)
        - total(before, "lcs_hub_request_engine_round_trips_sum", **internal)
        >= 5
    )
    assert moved("lcs_hub_request_engine_seconds_sum", **internal)
    assert moved("lcs_hub_engine_statements_total", engine="falkordb", kind="write")
    assert moved("lcs_hub_engine_statements_total", engine="falkordb", kind="read")
    # By the statement's name in graph/cypher/ (the README's promise).
    assert moved(
        "lcs_hub_engine_statements_total",
        engine="falkordb",
        kind="write",
        statement="contacts.RECORD_CONTACT_FOR_NEW_CHILD",
    )
    assert moved(
        "lcs_hub_engine_statements_total", kind="read", statement="partners.CPIS_BY_NHS_NUMBER"
    )
    assert moved("lcs_hub_engine_pool_wait_seconds_count", engine="falkordb")
    assert moved("lcs_hub_engine_pool_timeouts_total", engine="falkordb")
    assert moved("lcs_hub_outbox_items", state="PENDING")
    assert moved("lcs_hub_outbox_oldest_undelivered_age_seconds")
    assert total(after, "lcs_hub_engine_reachable") == 1
    assert moved("lcs_hub_audit_writes_total", audience="internal")
    assert moved("lcs_hub_audit_writes_total", audience="health")
    assert (
        total(after, "lcs_hub_audited_children_total", audience="internal")
        - total(before, "lcs_hub_audited_children_total", audience="internal")
        >= 2
    )  # the case view's child, and the new child the contact's answer named

    identifiers = {*NEW_CHILD.values(), nhs}
    for person in demo.people:
        identifiers.update(str(person[key]) for key in ("givenName", "familyName", "nhsNumber")
                           if person.get(key))  # fmt: skip
    leaked = {value for value in identifiers if value in response.text}
    assert not leaked
    assert contact_id not in response.text
    assert child not in response.text


@contextlib.asynccontextmanager
async def _client_from(
    app_client: Callable[..., Any], address: str, **changes: object
) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(**changes) as http:
        # The same app, reached from another address (the fixture's transport is loopback).
        transport = httpx.ASGITransport(app=http._transport.app, client=(address, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as other:
            yield other


async def test_an_operation_is_labelled_by_its_root_field_never_by_the_clients_name(
    settings: Settings, store: FalkorDBStore, app_client: Callable[..., Any]
) -> None:
    # A client names its operations as it likes: a tool naming each query after the child
    # it reads put children's names into every scrape.
    worker = bearer(settings, "social-worker")
    queries = {
        "Poppy_Ashworth_born_2019_05_04": "{ me { name } }",
        "Jamie_Smith_9990001234": "{ me { name } myWork { items { kind } } }",
        "Ola_Nowak": "{ __typename }",
        "Zoe_Brown": "{ Zoe_Brown_field }",
    }
    async with app_client(rate_limit="1000000/second") as http:
        for name, selection in queries.items():
            query = {"query": f"query {name} {selection}", "operationName": name}
            await http.post("/graphql", json=query, headers=worker)
        text = (await http.get("/metrics")).text
    assert not [name for name in queries if name.split("_")[0] in text]
    after = parse(text)
    labels = label_values(after, "lcs_hub_requests_total", "operation")
    assert {"me", "several", "other"} <= labels


async def test_a_fixed_operation_list_labels_only_those_names(
    settings: Settings, store: FalkorDBStore, app_client: Callable[..., Any]
) -> None:
    worker = bearer(settings, "social-worker")
    async with app_client(metrics_operations="FixedAlpha", rate_limit="1000000/second") as http:
        for name in ("FixedAlpha", "FixedBeta"):
            query = {"query": f"query {name} {{ __typename }}", "operationName": name}
            assert (await http.post("/graphql", json=query, headers=worker)).status_code == 200
        after = await scrape(http)
    labels = label_values(after, "lcs_hub_requests_total", "operation")
    assert "FixedAlpha" in labels
    assert "FixedBeta" not in labels
    assert "other" in labels


def test_an_operation_list_with_a_name_graphql_would_refuse_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a GraphQL operation name"):
        Settings(var_dir=tmp_path, metrics_operations="Good, bad name", _env_file=None)  # type: ignore[call-arg]


async def test_only_loopback_reads_metrics_without_a_token(
    store: FalkorDBStore, app_client: Callable[..., Any]
) -> None:
    async with app_client() as local:
        assert (await local.get("/metrics")).status_code == 200
    async with _client_from(app_client, "192.0.2.10") as remote:
        refused = await remote.get("/metrics")
    assert refused.status_code == 403
    assert "lcs_hub" not in refused.text


async def test_with_a_token_set_metrics_needs_it_from_everywhere(
    store: FalkorDBStore, app_client: Callable[..., Any]
) -> None:
    token = "scrape-secret-for-tests-only"
    async with _client_from(app_client, "192.0.2.10", metrics_token=token) as remote:
        missing = await remote.get("/metrics")
        wrong = await remote.get("/metrics", headers={"Authorization": "Bearer not-it"})
        right = await scrape(remote, {"Authorization": f"Bearer {token}"})
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert wrong.status_code == 401
    assert total(right, "lcs_hub_engine_reachable") == 1


async def test_refusals_before_graphql_runs_are_counted_by_code(
    settings: Settings, store: FalkorDBStore, app_client: Callable[..., Any]
) -> None:
    worker = bearer(settings, "social-worker")
    async with app_client(rate_limit="2/day", max_body_bytes=2048) as http:
        before = await scrape(http)
        oversized = {"query": "{ me { name } }", "variables": {"padding": "x" * 4096}}
        too_large = await http.post("/graphql", json=oversized, headers=worker)
        answers = [
            await http.post("/graphql", json={"query": "{ me { name } }"}, headers=worker)
            for _ in range(3)
        ]
        after = await scrape(http)
    assert too_large.status_code == 413
    assert [answer.status_code for answer in answers] == [200, 200, 429]
    for code in ("REQUEST_TOO_LARGE", "RATE_LIMITED"):
        assert total(after, "lcs_hub_graphql_errors_total", code=code) > total(
            before, "lcs_hub_graphql_errors_total", code=code
        )
