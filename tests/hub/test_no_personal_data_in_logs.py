"""No personal data where it does not belong: the logs, the headers, the caches of others.

A representative set of requests over the demo county (reads, a GET operation, a write
with a new child's details, bad variables, refused tokens, an engine outage) runs with
every log line captured as the hub writes it; the capture must not contain any name,
NHS number or date of birth, any query text, variables or token.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from demo import county
from graph import EmbeddedEngine, FalkorDBStore
from hub.logs import JsonLines, quiet_libraries
from hub.settings import Settings
from tests.helpers import bearer
from tests.hub.conftest import sams_children

pytestmark = pytest.mark.anyio

NEW_CHILD = {
    "givenName": "Zebedee",
    "familyName": "Quartermaine",
    "dateOfBirth": "2019-05-04",
    "nhsNumber": "9434765919",
}


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLines())
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    quiet_libraries()
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


def _identifiers(world: county.County) -> set[str]:
    values: set[str] = set(NEW_CHILD.values())
    for person in world.people:
        for key in ("givenName", "familyName", "nhsNumber", "dateOfBirth", "upn"):
            if person.get(key):
                values.add(str(person[key]))
    return values


async def _representative_requests(
    http: httpx.AsyncClient, settings: Settings, world: county.County
) -> list[httpx.Response]:
    worker, health = bearer(settings, "social-worker"), bearer(settings, "health")
    child = sams_children(world)[0]
    nhs = next(p["nhsNumber"] for p in world.people if p["id"] == child)
    case_view = """query CaseView($id: ID!) { child(id: $id) { id givenName familyName
        dateOfBirth nhsNumber family { members { person { givenName } } } } }"""
    record_contact = """mutation ($input: RecordContactInput!) { recordContact(input: $input) {
        __typename ... on Contact { id } } }"""
    contact = {
        "receivedDate": "2026-10-27",
        "source": "SCHOOLS",
        "summary": "Bruise seen",
        "child": NEW_CHILD,
    }
    responses = [
        await http.post(
            "/graphql",
            json={"query": case_view, "variables": {"id": child}, "operationName": "CaseView"},
            headers=worker,
        ),
        await http.get(
            "/graphql?"
            + urlencode({"query": f'{{ cpisRecord(nhsNumber: "{nhs}") {{ plans {{ type }} }} }}'}),
            headers=health,
        ),
        await http.post(
            "/graphql",
            json={"query": record_contact, "variables": {"input": contact}},
            headers=worker,
        ),
        # Bad variables: GraphQL's message quotes the value back to the caller.
        await http.post(
            "/graphql",
            json={"query": case_view, "variables": {"id": {"name": NEW_CHILD["givenName"]}}},
            headers=worker,
        ),
        await http.post(
            "/graphql",
            json={
                "query": f'{{ searchChildren(term: "{NEW_CHILD["familyName"]}") '
                "{ id nosuchfield } }"
            },
            headers=worker,
        ),
        await http.post(
            "/graphql",
            json={"query": "{ me { name } }"},
            headers={
                "Authorization": "Bearer "
                + bearer(settings, "social-worker")["Authorization"].split()[1][:-4]
                + "AAAA"
            },
        ),
        await http.get(f"/graphql?query=%7Bchild(id:%22{NEW_CHILD['givenName']}%22)%7Bid%7D%7D"),
        await http.post(
            "/graphql",
            content=b'{"query": "' + NEW_CHILD["familyName"].encode(),
            headers={**worker, "Content-Type": "application/json"},
        ),
        # Aliases are the client's text, and an error's path is made of them: a tool that
        # names each child's part of a query after the child put names in the log.
        await http.post(
            "/graphql",
            json={
                "query": f"query ($id: ID!) {{ {NEW_CHILD['familyName']}: child(id: $id) "
                f"{{ {NEW_CHILD['givenName']}: caseNotes(latest: 0) {{ id }} }} }}",
                "variables": {"id": child},
            },
            headers=worker,
        ),
        # A path is the client's text too: names and numbers in it, served or not,
        # with a token or without.
        await http.get(f"/returns/{NEW_CHILD['familyName']}-{nhs}", headers=worker),
        await http.get(f"/returns/{NEW_CHILD['familyName']}-{nhs}"),
        await http.post(f"/ingest/{NEW_CHILD['givenName']}", content=b"{}", headers=worker),
        await http.get(f"/graphql/{NEW_CHILD['givenName']}/{nhs}"),
        await http.get(f"/children/{NEW_CHILD['familyName']}", headers=worker),
        await http.get(f"/graphiql/assets/{NEW_CHILD['givenName']}.js"),
    ]
    return responses


async def test_logs_carry_request_ids_and_no_names_identifiers_queries_or_tokens(
    client: httpx.AsyncClient,
    settings: Settings,
    demo: county.County,
    captured: io.StringIO,
    engine: EmbeddedEngine,
    store: FalkorDBStore,
    app_client: Callable[..., Any],
) -> None:
    responses = await _representative_requests(client, settings, demo)
    # An engine outage too (its errors quote statements with their parameters).
    assert engine.socket_path is not None
    busy = FalkorDBStore(engine.socket_path, store.graph_name, max_connections=1, pool_timeout=0.05)
    held = await busy._pool.get_connection()
    try:
        async with app_client(graph=busy) as http:
            responses += await _representative_requests(http, settings, demo)
    finally:
        await busy._pool.release(held)
        await busy.close()
    assert {r.status_code for r in responses} >= {200, 400, 401, 503}

    text = captured.getvalue()
    lines = [json.loads(line) for line in text.splitlines()]
    assert lines, "nothing was logged"
    leaked = sorted(
        value for value in _identifiers(demo) if re.search(rf"\b{re.escape(value)}\b", text)
    )
    assert leaked == []
    # An error's path is logged in the schema's words: an alias only as that it was one.
    errors = [line.get("path") for line in lines if line["logger"] == "lcs_hub.errors"]
    assert ["<alias>", "<alias>"] in errors
    for fragment in ("query", "cpisRecord", "searchChildren", "Bearer", "eyJ", "CaseView"):
        assert fragment not in text, fragment
    # Every request left one access line with its id, path and status, no query string.
    access = [line for line in lines if line["logger"] == "lcs_hub.access"]
    assert len(access) == len(responses)
    assert {line["request_id"] for line in access} == {r.headers["X-Request-ID"] for r in responses}
    assert all("?" not in line["path"] for line in access)
    # A path is logged as the hub declares it, whatever the client wrote in it.
    assert {line["path"] for line in access} >= {"/graphql", "/returns/{jobId}", "/returns…"}


async def test_answers_carry_security_headers_and_no_store(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    for response in [
        await client.post(
            "/graphql", json={"query": "{ me { name } }"}, headers=bearer(settings, "social-worker")
        ),
        await client.post("/graphql", json={"query": "{ me { name } }"}),
        await client.get("/graphql", headers={"Accept": "text/html"}),
        await client.get("/healthz"),
    ]:
        headers = response.headers
        assert headers["Cache-Control"] == "no-store"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["Referrer-Policy"] == "no-referrer"
        assert re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-ID"])


@pytest.mark.parametrize(
    ("trusted", "expected"), [([], "127.0.0.1"), (["127.0.0.1"], "203.0.113.9")]
)
async def test_x_forwarded_for_is_believed_only_from_configured_proxies(
    app_client: Callable[..., Any], captured: io.StringIO, trusted: list[str], expected: str
) -> None:
    async with app_client(trusted_proxies=trusted) as http:
        await http.get("/healthz", headers={"X-Forwarded-For": "203.0.113.9"})
    [access] = [
        json.loads(line)
        for line in captured.getvalue().splitlines()
        if json.loads(line)["logger"] == "lcs_hub.access"
    ]
    assert access["client"] == expected
