"""Bounded requests: each attack from issue 11 is refused with a clear answer, not run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from graphql import OperationDefinitionNode, SelectionSetNode, parse

from demo import county
from graph import EmbeddedEngine, FalkorDBStore
from hub.errors import MOST_MESSAGE_CHARS
from hub.request_limits import PLAIN_PATHS
from hub.settings import Settings
from schema import limits
from tests.helpers import bearer
from tests.hub.conftest import sams_children

pytestmark = pytest.mark.anyio


def _codes(body: dict[str, Any]) -> list[str]:
    return [error.get("extensions", {}).get("code", "") for error in body.get("errors", [])]


async def test_a_thousand_introspection_aliases_are_refused_before_running(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    aliases = " ".join(
        f"a{n}: __schema {{ types {{ name fields {{ name }} }} }}" for n in range(1000)
    )
    response = await client.post(
        "/graphql", json={"query": f"{{ {aliases} }}"}, headers=bearer(settings, "police")
    )
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    # Refused while parsing (over the token bound) or validating (over the alias bound).
    assert any(
        "tokens" in error["message"] or "aliases" in error["message"] for error in body["errors"]
    )
    assert len(response.content) < 10_000


async def test_over_a_hundred_aliases_are_refused(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    aliases = " ".join(f"a{n}: __typename" for n in range(101))
    body = (
        await client.post(
            "/graphql", json={"query": f"{{ {aliases} }}"}, headers=bearer(settings, "police")
        )
    ).json()
    assert body["data"] is None
    assert any("aliases" in error["message"] for error in body["errors"])
    assert "TOO_MANY_ALIASES" in _codes(body)


async def test_a_document_over_the_token_bound_is_refused_with_a_code(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    fields = " ".join("name" for _ in range(settings.max_tokens))
    # One token a character: short enough for the parser cache, which lost the code.
    directives = "@a" * (settings.max_tokens // 2 + 1)
    assert len(directives) < settings.max_cached_document_chars
    for document in (f"{{ me {{ {fields} }} }}", f"{{ me {directives} {{ name }} }}"):
        body = (
            await client.post(
                "/graphql", json={"query": document}, headers=bearer(settings, "social-worker")
            )
        ).json()
        assert body["data"] is None
        # The parser's own message, with the code every other bound answers with.
        assert _codes(body) == ["TOO_MANY_TOKENS"]
        assert f"more than {settings.max_tokens} tokens" in body["errors"][0]["message"]


async def test_a_few_heavy_aliases_are_refused_by_cost(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    heavy = "__schema { types { fields { args { type { fields { name } } } } } }"
    query = "{ " + " ".join(f"a{n}: {heavy}" for n in range(5)) + " }"
    body = (
        await client.post("/graphql", json={"query": query}, headers=bearer(settings, "police"))
    ).json()
    assert body["data"] is None
    assert "QUERY_TOO_COSTLY" in _codes(body)


async def test_graphiqls_own_introspection_query_is_allowed(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    from graphql import get_introspection_query

    response = await client.post(
        "/graphql",
        json={"query": get_introspection_query(descriptions=True)},
        headers=bearer(settings, "social-worker"),
    )
    assert response.status_code == 200
    assert "errors" not in response.json()


async def test_a_deep_query_is_refused(client: httpx.AsyncClient, settings: Settings) -> None:
    nested = "id"
    for _ in range(20):
        nested = f"family {{ members {{ person {{ ... on Child {{ {nested} }} }} }} }}"
    body = (
        await client.post(
            "/graphql",
            json={"query": f'{{ child(id: "x") {{ {nested} }} }}'},
            headers=bearer(settings, "social-worker"),
        )
    ).json()
    assert body["data"] is None
    assert any("depth" in error["message"] for error in body["errors"])
    assert "QUERY_TOO_DEEP" in _codes(body)


def _doubling_fragments(levels: int) -> str:
    """A document whose fragment n spreads fragment n + 1 twice: 2**levels paths through
    a few hundred tokens."""
    chain = " ".join(
        f"fragment F{level} on Query {{ ...F{level + 1} ...F{level + 1} }}"
        for level in range(levels)
    )
    return f"{{ ...F0 }} {chain} fragment F{levels} on Query {{ __typename }}"


async def test_fragments_spread_twice_at_every_level_are_answered(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    # Walked path by path, sixty levels is 2**60 walks: the request was never answered.
    # It asks for 2**60 fields, which the cost bound refuses.
    response = await client.post(
        "/graphql", json={"query": _doubling_fragments(60)}, headers=bearer(settings, "police")
    )
    assert response.status_code == 200
    assert _codes(response.json()) == ["QUERY_TOO_COSTLY"]


def test_the_bounds_walk_each_fragment_once(monkeypatch: pytest.MonkeyPatch) -> None:
    walked: list[object] = []
    walk = limits._FragmentsMeasuredOnce.of

    def counted(
        measure: limits._FragmentsMeasuredOnce,
        selection_set: SelectionSetNode,
        on_path: frozenset[str] = frozenset(),
    ) -> int:
        walked.append(selection_set)
        return walk(measure, selection_set, on_path)

    monkeypatch.setattr(limits._FragmentsMeasuredOnce, "of", counted)
    document = parse(_doubling_fragments(20))
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    for measure in (limits._depth(document), limits._aliases(document)):
        walked.clear()
        assert measure.of(operation.selection_set) == 0
        # The operation's selections and each of the 21 fragments', once (not 2**21).
        assert len(walked) == 22


@pytest.mark.parametrize(
    ("persona", "query", "problem"),
    [
        ("police", "{ me { ...Missing } }", "Unknown fragment 'Missing'."),
        ("social-worker", '{ child(id: "x") { ...Missing } }', "Unknown fragment 'Missing'."),
        # graphql-core 3.3 parses an empty selection set (graphql-spec#1227).
        ("police", "{ me { } }", None),
        ("education", "{ myPupils { ... on Child { } } }", None),
        ("health", "fragment Nothing on Query { } { ...Nothing }", None),
        ("social-worker", "{ me { name ... { } } }", None),
    ],
    ids=[
        "unknown-fragment",
        "unknown-fragment-nested",
        "empty",
        "empty-inline",
        "empty-fragment",
        "empty-untyped",
    ],
)
async def test_a_document_the_depth_bound_cannot_measure_gets_its_own_answer(
    client: httpx.AsyncClient, settings: Settings, persona: str, query: str, problem: str | None
) -> None:
    """Documents the parser accepts and validation refuses, or that select nothing, are
    answered as such: never an internal error from measuring their depth."""
    response = await client.post(
        "/graphql", json={"query": query}, headers=bearer(settings, persona)
    )

    assert response.status_code == 200
    body = response.json()
    assert "INTERNAL_SERVER_ERROR" not in _codes(body), body
    if problem is not None:
        assert body["data"] is None
        assert [error["message"] for error in body["errors"]] == [problem]


async def test_a_fifty_megabyte_body_is_refused_with_413(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    big = b'{"query": "{ me { name } }", "padding": "' + b"x" * 50_000_000 + b'"}'
    response = await client.post(
        "/graphql",
        content=big,
        headers={**bearer(settings, "social-worker"), "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert _codes(response.json()) == ["REQUEST_TOO_LARGE"]


async def test_a_huge_get_query_string_is_refused_with_414(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    response = await client.get(
        "/graphql",
        params={"query": "{ me { name } }", "padding": "x" * 40_000},
        headers=bearer(settings, "social-worker"),
    )
    assert response.status_code == 414
    assert _codes(response.json()) == ["QUERY_STRING_TOO_LONG"]


async def test_a_streamed_body_without_length_is_cut_off_too(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    async def chunks() -> Any:
        yield b'{"query": "{ me { name } }", "padding": "'
        for _ in range(40):
            yield b"x" * 65_536
        yield b'"}'

    response = await client.post(
        "/graphql",
        content=chunks(),
        headers={**bearer(settings, "social-worker"), "Content-Type": "application/json"},
    )
    assert response.status_code == 413


async def test_huge_distinct_documents_are_refused_and_not_cached(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    from strawberry.extensions.parser_cache import _get_parse_cache

    cache = _get_parse_cache(256)
    before = cache.cache_info().currsize
    for n in range(3):
        fields = " ".join(f"f{n}_{k}: me {{ name }}" for k in range(4000))
        response = await client.post(
            "/graphql", json={"query": f"{{ {fields} }}"}, headers=bearer(settings, "social-worker")
        )
        assert response.status_code == 200
        assert response.json()["data"] is None
    # Documents over the cached size are parsed (and refused) without being kept.
    assert cache.cache_info().currsize == before


async def test_a_huge_operation_name_never_reaches_the_audit(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    name = "Q" * 5000
    response = await client.post(
        "/graphql",
        json={"query": f"query {name} {{ me {{ name }} }}", "operationName": name},
        headers=bearer(settings, "social-worker"),
    )
    assert response.status_code == 400
    assert "operationName" in response.json()["errors"][0]["message"]


async def test_a_huge_operation_name_in_the_document_alone_is_refused_too(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    # Without `operationName` the document's own name is the one the audit writes: a
    # 20,000-character name reached every audit row of the request.
    response = await client.post(
        "/graphql",
        json={"query": f"query {'Q' * 20_000} {{ me {{ name }} }}"},
        headers=bearer(settings, "social-worker"),
    )
    body = response.json()
    assert body["data"] is None
    assert _codes(body) == ["OPERATION_NAME_TOO_LONG"]
    assert str(settings.max_operation_name_chars) in body["errors"][0]["message"]
    named = await client.post(
        "/graphql",
        json={"query": f"query {'Q' * settings.max_operation_name_chars} {{ me {{ name }} }}"},
        headers=bearer(settings, "social-worker"),
    )
    assert named.json() == {"data": {"me": {"name": "Sam Patel"}}}


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b"1",
        b'"query"',
        b"null",
        b"[1]",
        b"\xff\xfe{}",
        b'{"query": 5}',
        # Nested deeper than the JSON decoder recurses: 12 KB gave a 500 (RecursionError).
        b'{"query": "{ me { name } }", "variables": ' + b"[" * 6000 + b"]" * 6000 + b"}",
        b"[" * 100_000 + b"]" * 100_000,
    ],
)
async def test_malformed_bodies_answer_400_not_500(
    client: httpx.AsyncClient, settings: Settings, body: bytes
) -> None:
    response = await client.post(
        "/graphql",
        content=body,
        headers={**bearer(settings, "social-worker"), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"]
    assert "Traceback" not in response.text


async def test_a_client_over_its_rate_gets_429_with_retry_after(
    settings: Settings, app_client: Callable[..., Any]
) -> None:
    headers = bearer(settings, "social-worker")
    # Budgets per day, not per minute: the sliding window lets a request through just after
    # its window turns over (the last window's count is weighted down), so a test that crossed
    # a minute's end failed now and then.
    async with app_client(rate_limit="3/day") as http:
        statuses = [
            (await http.post("/graphql", json={"query": "{ me { name } }"}, headers=headers))
            for _ in range(5)
        ]
        other = await http.post(
            "/graphql", json={"query": "{ me { name } }"}, headers=bearer(settings, "team-manager")
        )
    assert [r.status_code for r in statuses] == [200, 200, 200, 429, 429]
    assert int(statuses[3].headers["Retry-After"]) >= 1
    assert _codes(statuses[3].json()) == ["RATE_LIMITED"]
    # The limit is per client: another caller is unaffected.
    assert other.status_code == 200


_FORGED = "eyJhbGciOiJSUzI1NiIsImtpZCI6Im5vLXN1Y2gta2V5In0.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"


@pytest.mark.parametrize(
    "credentials",
    [{}, {"Authorization": f"Bearer {_FORGED}"}, {"Authorization": "Basic dXNlcjpwYXNz"}],
    ids=["no-token", "forged-token", "other-scheme"],
)
async def test_refused_authentication_counts_against_the_clients_address(
    settings: Settings, app_client: Callable[..., Any], credentials: dict[str, str]
) -> None:
    query = {"query": "{ me { name } }"}
    async with app_client(rate_limit="3/day") as http:
        refused = [await http.post("/graphql", json=query, headers=credentials) for _ in range(5)]
        # A caller with a valid token at the same address (a gateway, a shared office
        # address) is counted by its own subject, as before: never refused for another's
        # failures.
        verified = await http.post(
            "/graphql", json=query, headers=bearer(settings, "social-worker")
        )
        # The refusals have a count of their own: the address's open paths still answer.
        health = await http.get("/healthz")
    assert [r.status_code for r in refused] == [401, 401, 401, 429, 429]
    assert health.status_code == 200
    assert int(refused[3].headers["Retry-After"]) >= 1
    assert _codes(refused[3].json()) == ["RATE_LIMITED"]
    assert "www-authenticate" not in refused[3].headers
    assert verified.status_code == 200
    assert verified.json()["data"]["me"]["name"]


async def test_refused_authentication_is_counted_per_forwarded_address_from_a_trusted_proxy(
    app_client: Callable[..., Any],
) -> None:
    def from_address(address: str) -> dict[str, str]:
        return {"X-Forwarded-For": address, "Authorization": f"Bearer {_FORGED}"}

    async with app_client(rate_limit="2/day", trusted_proxies=["127.0.0.1"]) as http:
        first = [
            (await http.get("/graphql?query={me{name}}", headers=from_address("203.0.113.9")))
            for _ in range(3)
        ]
        other = await http.get("/graphql?query={me{name}}", headers=from_address("203.0.113.10"))
    assert [r.status_code for r in first] == [401, 401, 429]
    assert other.status_code == 401


async def test_a_verified_caller_over_its_rate_leaves_its_address_alone(
    settings: Settings, app_client: Callable[..., Any]
) -> None:
    query = {"query": "{ me { name } }"}
    async with app_client(rate_limit="3/day") as http:
        verified = [
            await http.post("/graphql", json=query, headers=bearer(settings, "social-worker"))
            for _ in range(7)
        ]
        anonymous = await http.post("/graphql", json=query)
    assert [r.status_code for r in verified] == [200, 200, 200, 429, 429, 429, 429]
    # Counted by the subject only: the address's budget is untouched.
    assert anonymous.status_code == 401


async def test_a_refused_purpose_counts_against_the_rate_too(
    settings: Settings, app_client: Callable[..., Any]
) -> None:
    # The token verifies, but the gate refuses the request (two X-Purpose headers) before
    # the rate limit behind it counts anything.
    headers = [
        *bearer(settings, "police").items(),
        ("X-Purpose", "MASH_RESEARCH"),
        ("X-Purpose", "OPERATION_ENCOMPASS"),
    ]
    query = {"query": "{ me { name } }"}
    async with app_client(rate_limit="3/day") as http:
        refused = [await http.post("/graphql", json=query, headers=headers) for _ in range(5)]
    assert [r.status_code for r in refused] == [400, 400, 400, 429, 429]
    assert _codes(refused[4].json()) == ["RATE_LIMITED"]


async def test_an_operation_past_its_deadline_is_stopped_with_504(
    settings: Settings, demo: county.County, app_client: Callable[..., Any]
) -> None:
    async with app_client(
        request_deadline_seconds=0.000001, graph_pool_timeout_seconds=1e-7
    ) as http:
        response = await http.post(
            "/graphql",
            json={
                "query": "query ($id: ID!) { child(id: $id) { id contacts { id } } }",
                "variables": {"id": sams_children(demo)[0]},
            },
            headers=bearer(settings, "social-worker"),
        )
    assert response.status_code == 504
    assert "deadline" in response.json()["errors"][0]["message"]
    # Its own code: it was answered as BAD_REQUEST, which tells a client to change the
    # request (a 504 is the hub's time running out, also when the engine hangs).
    assert _codes(response.json()) == ["DEADLINE_EXCEEDED"]


async def test_the_deadline_covers_the_whole_request_not_only_the_operation(
    settings: Settings, app_client: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio
    import time

    import hub.app

    # The caller's worker record is read before the operation runs (the request's
    # context): with the engine hanging there, a request went on past its deadline for
    # as long as the engine took (25 s against 20 s, measured with the engine paused).
    read_principal = hub.app.principal_on_record

    async def engine_hangs(*args: Any) -> Any:
        await asyncio.sleep(3)
        return await read_principal(*args)

    monkeypatch.setattr(hub.app, "principal_on_record", engine_hangs)
    async with app_client(request_deadline_seconds=1.0, graph_pool_timeout_seconds=0.5) as http:
        started = time.monotonic()
        response = await http.post(
            "/graphql", json={"query": "{ me { name } }"}, headers=bearer(settings, "social-worker")
        )
        took = time.monotonic() - started
    assert response.status_code == 504
    assert _codes(response.json()) == ["DEADLINE_EXCEEDED"]
    assert took < 2.5


async def test_a_response_over_its_size_bound_is_withheld(
    settings: Settings, app_client: Callable[..., Any]
) -> None:
    async with app_client(max_response_bytes=2048) as http:
        response = await http.post(
            "/graphql",
            json={"query": "{ __schema { types { name description } } }"},
            headers=bearer(settings, "social-worker"),
        )
    assert _codes(response.json()) == ["RESPONSE_TOO_LARGE"]
    assert len(response.content) < 2048


def test_a_pool_wait_longer_than_the_deadline_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="LCS_HUB_GRAPH_POOL_TIMEOUT_SECONDS"):
        Settings(graph_pool_timeout_seconds=30, request_deadline_seconds=20, _env_file=None)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/graphql", "GET, POST"),
        ("DELETE", "/graphql", "GET, POST"),
        ("PATCH", "/graphql", "GET, POST"),
        # The GraphQL view answers no HEAD: the path must not claim it does.
        ("HEAD", "/graphql", "GET, POST"),
        ("GET", "/ingest/ehm", "POST"),
        ("POST", "/healthz", "GET, HEAD"),
        ("DELETE", "/metrics", "GET, HEAD"),
    ],
)
async def test_an_unsupported_method_is_refused_with_a_code_and_the_allowed_methods(
    client: httpx.AsyncClient, settings: Settings, method: str, path: str, allowed: str
) -> None:
    response = await client.request(method, path, headers=bearer(settings, "social-worker"))
    assert response.status_code == 405
    # Answered like every other refusal of the hub (JSON with a code), not Starlette's
    # plain-text "Method Not Allowed"; the methods the path takes are still named.
    assert response.headers["content-type"] == "application/json"
    if method != "HEAD" and path.startswith(PLAIN_PATHS):
        assert _plain_code(response) == (405, "METHOD_NOT_ALLOWED")
    elif method != "HEAD":
        assert _codes(response.json()) == ["METHOD_NOT_ALLOWED"]
    assert sorted(response.headers["allow"].split(", ")) == allowed.split(", ")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"


async def test_a_path_the_hub_does_not_serve_is_refused_with_a_code(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/no-such-path")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert _codes(response.json()) == ["NOT_FOUND"]


def _plain_code(response: httpx.Response) -> tuple[int, str]:
    """The status and code of a refusal in the shape of /ingest and /returns."""
    body = response.json()
    assert "errors" not in body, body
    assert isinstance(body["error"], str), body
    assert body["error"], body
    return response.status_code, body["code"]


async def test_ingest_and_returns_answer_every_refusal_in_their_own_shape(
    engine: EmbeddedEngine,
    settings: Settings,
    store: FalkorDBStore,
    app_client: Callable[..., Any],
) -> None:
    # A push refused by a layer every path shares (the size bound, authentication, the
    # rate, an engine outage) answered `errors[0].extensions.code`, while the push's own
    # refusals answer `{"error", "code"}`: two shapes on one path.
    worker = bearer(settings, "social-worker")
    csv = {**worker, "Content-Type": "text/csv"}
    anonymous = {"Content-Type": "text/csv"}
    async with app_client(rate_limit="3/day", max_query_string_bytes=256) as http:
        refused = [
            await http.post("/ingest/ehm", content="recordType\n", headers=anonymous),
            await http.get("/returns/job-1", headers={"Authorization": "Bearer forged"}),
            await http.post("/ingest/ies", content=b"x" * (5 * 1024 * 1024 + 1), headers=csv),
            await http.get("/returns/job-1?" + "q" * 300, headers=worker),
            await http.get("/ingest/ehm", headers=worker),
            await http.post("/ingest/ehm", content="recordType\n", headers=csv),
            await http.get("/returns/job-1", headers=worker),
            await http.get("/returns/job-1", headers=worker),
        ]  # fmt: skip
    assert [_plain_code(response) for response in refused] == [
        (401, "UNAUTHENTICATED"),
        (401, "UNAUTHENTICATED"),
        (413, "REQUEST_TOO_LARGE"),
        (414, "QUERY_STRING_TOO_LONG"),
        (405, "METHOD_NOT_ALLOWED"),
        (403, "FORBIDDEN"),
        (403, "FORBIDDEN"),
        (429, "RATE_LIMITED"),
    ]
    assert refused[-1].headers["Retry-After"]

    # No connection to the engine comes free: 503 with Retry-After, in the same shape.
    assert engine.socket_path is not None
    busy = FalkorDBStore(engine.socket_path, store.graph_name, max_connections=1, pool_timeout=0.1)
    held = await busy._pool.get_connection()
    try:
        async with app_client(graph=busy) as http:
            outage = [
                await http.post("/ingest/ehm", content="recordType\n", headers=csv),
                await http.get("/returns/job-1", headers=worker),
            ]
    finally:
        await busy._pool.release(held)
        await busy.close()
    for response in outage:
        assert _plain_code(response) == (503, "ENGINE_BUSY")
        assert response.json()["requestId"] == response.headers["X-Request-ID"]
        assert response.headers["Retry-After"]


async def test_a_document_seen_before_is_validated_once_and_looked_up_by_its_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from graphql.language.ast import DocumentNode
    from strawberry.schema import schema as strawberry_schema

    from auth.principal import Audience
    from schema import limits
    from schema.build import build_schema

    schema = build_schema(Audience.POLICE, limits=limits.RequestLimits(cache_size=1))
    valid, invalid = "query A { __typename }", "query B { nothing }"
    assert (await schema.execute(valid)).errors is None
    refused = (await schema.execute(invalid)).errors
    assert refused

    def never(*_: object) -> None:
        raise AssertionError("a document seen before was hashed or validated again")

    # Hashing a parsed document is a Python call per node: the cache reads the text.
    monkeypatch.setattr(DocumentNode, "__hash__", never)
    validated: list[str] = []
    validate = strawberry_schema.validate_document
    monkeypatch.setattr(
        limits,
        "validate_document",
        lambda schema, document, rules: (
            validated.append("once") or validate(schema, document, rules)
        ),
        raising=False,
    )
    again = await schema.execute(invalid)
    assert [error.message for error in again.errors or []] == [error.message for error in refused]
    assert validated == []
    # The cache keeps `cache_size` documents: the valid one was let go for the invalid one.
    assert (await schema.execute(valid)).errors is None
    assert validated == ["once"]


async def test_ingest_and_returns_are_stopped_at_the_deadline_in_their_own_shape(
    settings: Settings, app_client: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    import hub.app
    import hub.push

    # With the engine slow (paused, or a long write holding it), a push waited for it up
    # to the hang threshold (60 s), past the deadline every GraphQL request has.
    read_principal = hub.app.principal_on_record

    async def engine_hangs(*args: Any) -> Any:
        await asyncio.sleep(10)
        return await read_principal(*args)

    monkeypatch.setattr(hub.app, "principal_on_record", engine_hangs)
    monkeypatch.setattr(hub.push, "principal_on_record", engine_hangs)
    worker = bearer(settings, "social-worker")
    async with app_client(request_deadline_seconds=1.0, graph_pool_timeout_seconds=0.5) as http:
        stopped = [
            await http.post(
                "/ingest/ehm",
                content="recordType\n",
                headers={**worker, "Content-Type": "text/csv"},
            ),
            await http.get("/returns/job-1", headers=worker),
        ]
    for response in stopped:
        assert _plain_code(response) == (504, "DEADLINE_EXCEEDED")
        assert "1 s deadline" in response.json()["error"]


async def test_a_document_of_two_operations_names_the_one_to_run(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    # GraphQL's GetOperation: with more than one operation and no `operationName` the
    # request is an error, never the first operation run as if it had been chosen.
    document = "query First { me { name } } query Second { me { role } }"
    headers = bearer(settings, "social-worker")
    unnamed = await client.post("/graphql", json={"query": document}, headers=headers)
    unknown = await client.post(
        "/graphql", json={"query": document, "operationName": "Third"}, headers=headers
    )
    chosen = await client.post(
        "/graphql", json={"query": document, "operationName": "Second"}, headers=headers
    )
    for refused in (unnamed, unknown):
        body = refused.json()
        assert body.get("data") is None
        assert "operation" in body["errors"][0]["message"].lower()
    assert "me" in chosen.json()["data"]


async def test_an_error_does_not_echo_a_huge_value_back(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    # graphql-core quotes a value it cannot take whole: a 500 KB one came back as a 500 KB
    # message, in the variables and in the document alike.
    huge = "Z" * 500_000
    for document, variables in (
        (
            'query ($c: [ChildFactKind!]) { childFacts(childId: "x", kinds: $c) { __typename } }',
            {"c": [huge]},
        ),
        (f'{{ childFacts(childId: "x", kinds: [{huge}]) {{ __typename }} }}', {}),
    ):
        response = await client.post(
            "/graphql",
            json={"query": document, "variables": variables},
            headers=bearer(settings, "social-worker"),
        )
        body = response.json()
        assert body["data"] is None
        [error] = body["errors"]
        assert len(error["message"]) <= MOST_MESSAGE_CHARS + 1
        assert error["message"].startswith(("Variable '$c' has invalid value", "Value 'ZZZ"))
        assert len(response.content) < 5_000
