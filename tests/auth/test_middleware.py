from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from auth.middleware import BearerAuthMiddleware
from auth.principal import Principal
from auth.tokens import LocalSigningKey, TokenIssuer, TokenSettings, TokenVerifier

CLIENT = ("203.0.113.7", 50123)
MISSING = {
    "errors": [{"message": "Authentication required", "extensions": {"code": "UNAUTHENTICATED"}}]
}
INVALID = {
    "errors": [{"message": "Invalid or expired token", "extensions": {"code": "UNAUTHENTICATED"}}]
}


class Hub:
    """A stand-in for the GraphQL app that records every request that reached it."""

    def __init__(self) -> None:
        self.calls: list[str] = []

        async def endpoint(request: Request) -> JSONResponse:
            self.calls.append(f"{request.method} {request.url.path}")
            principal: Principal | None = getattr(request.state, "principal", None)
            if principal is None:
                return JSONResponse({"principal": None})
            return JSONResponse(
                {
                    "principal": {
                        "subject": principal.subject,
                        "role": principal.role,
                        "audience": principal.audience,
                        "purpose": principal.purpose,
                    }
                }
            )

        self.app = Starlette(
            routes=[
                Route("/graphql", endpoint, methods=["GET", "POST"]),
                Route("/health", endpoint),
            ]
        )


@pytest.fixture
def hub() -> Hub:
    return Hub()


def _client(app: Any, root_path: str = "") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=CLIENT, root_path=root_path)
    return httpx.AsyncClient(transport=transport, base_url="http://hub.test")


@pytest.fixture
def gated(hub: Hub, verifier: TokenVerifier) -> BearerAuthMiddleware:
    return BearerAuthMiddleware(hub.app, verifier)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _auth_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "lcs_hub.auth"]


@pytest.mark.anyio
async def test_no_token_is_refused_before_the_app_runs(
    hub: Hub, gated: BearerAuthMiddleware, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="lcs_hub.auth"):
        async with _client(gated) as client:
            response = await client.post("/graphql", json={"query": "{ __typename }"})

    assert response.status_code == 401
    assert response.json() == MISSING
    # RFC 6750 §3.1: no error code when no credentials were sent at all.
    assert response.headers["www-authenticate"] == 'Bearer realm="lcs-hub"'
    assert response.headers["cache-control"] == "no-store"
    assert hub.calls == []
    (record,) = _auth_records(caplog)
    assert record.getMessage() == (
        "authentication refused: missing bearer token (client 203.0.113.7, POST '/graphql')"
    )


@pytest.mark.anyio
async def test_bad_token_is_refused_and_logged_without_the_token(
    hub: Hub, gated: BearerAuthMiddleware, caplog: pytest.LogCaptureFixture
) -> None:
    token = "this-is-not-a-real-token"

    with caplog.at_level(logging.INFO, logger="lcs_hub.auth"):
        async with _client(gated) as client:
            response = await client.post(
                "/graphql", json={"query": "{ x }"}, headers=_bearer(token)
            )

    assert response.status_code == 401
    assert response.json() == INVALID
    assert response.headers["www-authenticate"] == 'Bearer realm="lcs-hub", error="invalid_token"'
    assert hub.calls == []
    (record,) = _auth_records(caplog)
    assert record.levelno == logging.WARNING
    assert "malformed token" in record.getMessage()
    assert "203.0.113.7" in record.getMessage()
    assert "not-a-real-token" not in caplog.text


@pytest.mark.anyio
async def test_expired_token_is_refused_with_its_reason_in_the_log(
    hub: Hub,
    gated: BearerAuthMiddleware,
    token_settings: TokenSettings,
    signing_key: LocalSigningKey,
    caplog: pytest.LogCaptureFixture,
) -> None:
    then = datetime.now(UTC) - timedelta(days=1)
    token = TokenIssuer(token_settings, signing_key, clock=lambda: then).issue(
        "w", "W", "social_worker", "a"
    )

    with caplog.at_level(logging.INFO, logger="lcs_hub.auth"):
        async with _client(gated) as client:
            response = await client.post("/graphql", json={}, headers=_bearer(token))

    assert response.status_code == 401
    assert response.json() == INVALID
    assert hub.calls == []
    (record,) = _auth_records(caplog)
    assert "token expired" in record.getMessage()
    assert token not in caplog.text


@pytest.mark.anyio
async def test_good_token_puts_the_principal_in_request_state(
    hub: Hub, gated: BearerAuthMiddleware, issuer: TokenIssuer
) -> None:
    token = issuer.issue("worker-17", "Sam Okafor", "social_worker", "county-council")

    async with _client(gated) as client:
        response = await client.post("/graphql", json={}, headers=_bearer(token))

    assert response.status_code == 200
    assert response.json() == {
        "principal": {
            "subject": "worker-17",
            "role": "social_worker",
            "audience": "internal",
            "purpose": None,
        }
    }
    assert hub.calls == ["POST /graphql"]


@pytest.mark.anyio
async def test_purpose_header_is_carried_into_the_principal(
    gated: BearerAuthMiddleware, issuer: TokenIssuer
) -> None:
    token = issuer.issue("pc-204", "PC Rees", "police_officer", "constabulary")
    headers = {**_bearer(token), "X-Purpose": "  Strategy discussion for a missing child "}

    async with _client(gated) as client:
        response = await client.post("/graphql", json={}, headers=headers)

    assert response.json()["principal"] == {
        "subject": "pc-204",
        "role": "police_officer",
        "audience": "police",
        "purpose": "Strategy discussion for a missing child",
    }


@pytest.mark.anyio
async def test_unusable_purpose_is_refused_after_authentication(
    hub: Hub, gated: BearerAuthMiddleware, issuer: TokenIssuer
) -> None:
    token = issuer.issue("pc-204", "PC Rees", "police_officer", "constabulary")

    async with _client(gated) as client:
        too_long = await client.post(
            "/graphql", json={}, headers={**_bearer(token), "X-Purpose": "x" * 501}
        )
        twice = await client.post(
            "/graphql",
            json={},
            headers=[*_bearer(token).items(), ("X-Purpose", "one"), ("X-Purpose", "two")],
        )
        anonymous = await client.post("/graphql", json={}, headers={"X-Purpose": "x" * 501})

    assert too_long.status_code == 400
    assert too_long.json() == {
        "errors": [{"message": "X-Purpose header too long", "extensions": {"code": "BAD_REQUEST"}}]
    }
    assert twice.status_code == 400
    assert anonymous.status_code == 401
    assert hub.calls == []


@pytest.mark.anyio
async def test_graphiql_page_loads_without_a_token(hub: Hub, gated: BearerAuthMiddleware) -> None:
    async with _client(gated) as client:
        response = await client.get(
            "/graphql", headers={"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}
        )

    assert response.status_code == 200
    assert response.json() == {"principal": None}
    assert hub.calls == ["GET /graphql"]


@pytest.mark.anyio
@pytest.mark.parametrize(
    "query_string",
    [
        "query=%7B__typename%7D",
        "query=",
        "extensions=%7B%22persistedQuery%22%3A%7B%7D%7D",
        "operationName=Children&variables=%7B%7D",
    ],
)
async def test_get_carrying_an_operation_needs_a_token(
    query_string: str, hub: Hub, gated: BearerAuthMiddleware
) -> None:
    async with _client(gated) as client:
        response = await client.get(f"/graphql?{query_string}", headers={"Accept": "text/html"})

    assert response.status_code == 401
    assert hub.calls == []


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("method", "accept"),
    [("GET", "application/json"), ("GET", "*/*"), ("POST", "text/html"), ("HEAD", "text/html")],
)
async def test_only_a_browser_page_request_skips_the_token(
    method: str, accept: str, hub: Hub, gated: BearerAuthMiddleware
) -> None:
    async with _client(gated) as client:
        response = await client.request(method, "/graphql", headers={"Accept": accept})

    assert response.status_code == 401
    assert hub.calls == []


@pytest.mark.anyio
async def test_graphiql_page_with_a_bad_token_is_still_refused(
    hub: Hub, gated: BearerAuthMiddleware
) -> None:
    async with _client(gated) as client:
        response = await client.get(
            "/graphql", headers={"Accept": "text/html", **_bearer("forged")}
        )

    assert response.status_code == 401
    assert hub.calls == []


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("headers", "reason", "challenge"),
    [
        ([("Authorization", "Basic dXNlcjpwYXNz")], "unsupported authorization scheme", False),
        ([("Authorization", "Bearer")], "empty bearer token", True),
        ([("Authorization", "Bearer   ")], "empty bearer token", True),
        (
            [("Authorization", "Bearer a.b.c"), ("Authorization", "Bearer d.e.f")],
            "several authorization headers",
            True,
        ),
    ],
)
async def test_malformed_authorization_is_refused(
    headers: list[tuple[str, str]],
    reason: str,
    challenge: bool,
    hub: Hub,
    gated: BearerAuthMiddleware,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="lcs_hub.auth"):
        async with _client(gated) as client:
            response = await client.post("/graphql", json={}, headers=headers)

    assert response.status_code == 401
    assert ("error=" in response.headers["www-authenticate"]) is challenge
    assert hub.calls == []
    (record,) = _auth_records(caplog)
    assert reason in record.getMessage()


@pytest.mark.anyio
async def test_bearer_scheme_is_case_insensitive(
    gated: BearerAuthMiddleware, issuer: TokenIssuer
) -> None:
    token = issuer.issue("w", "W", "records_officer", "a")
    async with _client(gated) as client:
        response = await client.post(
            "/graphql", json={}, headers={"Authorization": f"bearer {token}"}
        )
    assert response.json()["principal"]["role"] == "records_officer"


@pytest.mark.anyio
async def test_unexpected_verifier_failure_is_a_401_not_a_500(
    hub: Hub,
    token_settings: TokenSettings,
    signing_key: LocalSigningKey,
    caplog: pytest.LogCaptureFixture,
) -> None:
    class BrokenVerifier(TokenVerifier):
        async def verify_async(self, token: str, *, purpose: str | None = None) -> Principal:
            raise RuntimeError(f"choked on {token}")

    gated = BearerAuthMiddleware(hub.app, BrokenVerifier(token_settings, signing_key))

    with caplog.at_level(logging.INFO, logger="lcs_hub.auth"):
        async with _client(gated) as client:
            response = await client.post("/graphql", json={}, headers=_bearer("secret-ish"))

    assert response.status_code == 401
    assert response.json() == INVALID
    assert hub.calls == []
    (record,) = _auth_records(caplog)
    assert record.levelno == logging.ERROR
    assert "verification failed (RuntimeError)" in record.getMessage()
    assert "secret-ish" not in caplog.text


@pytest.mark.anyio
async def test_unprotected_paths_pass_untouched(hub: Hub, gated: BearerAuthMiddleware) -> None:
    async with _client(gated) as client:
        response = await client.get("/health")
    assert response.status_code == 200
    assert hub.calls == ["GET /health"]


@pytest.mark.anyio
@pytest.mark.parametrize("path", ["/graphql/", "/graphql/batch", "/graphqlx"])
async def test_everything_under_a_protected_prefix_is_guarded(
    path: str, hub: Hub, gated: BearerAuthMiddleware
) -> None:
    async with _client(gated) as client:
        response = await client.post(path, json={})
    assert response.status_code == 401


@pytest.mark.anyio
async def test_mounting_under_a_root_path_keeps_the_gate(
    hub: Hub, gated: BearerAuthMiddleware
) -> None:
    async with _client(gated, root_path="/hub") as client:
        response = await client.post("/hub/graphql", json={})
    assert response.status_code == 401
    assert hub.calls == []


def test_protected_prefixes_must_be_paths(hub: Hub, verifier: TokenVerifier) -> None:
    with pytest.raises(TypeError, match="not a string"):
        BearerAuthMiddleware(hub.app, verifier, protected_prefixes="/graphql")
    with pytest.raises(ValueError, match="must start with '/'"):
        BearerAuthMiddleware(hub.app, verifier, protected_prefixes=("graphql",))


# Direct ASGI calls, for what an HTTP client cannot show


class Recorder:
    def __init__(self) -> None:
        self.scopes: list[Scope] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.scopes.append(scope)


async def _call(app: BearerAuthMiddleware, scope: Scope) -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "websocket.connect"}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


def _scope(kind: str, headers: list[tuple[bytes, bytes]], **extra: Any) -> Scope:
    return {
        "type": kind,
        "path": "/graphql",
        "raw_path": b"/graphql",
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": CLIENT,
        "server": ("hub.test", 80),
        "scheme": "http" if kind == "http" else "ws",
        **extra,
    }


@pytest.mark.anyio
async def test_websocket_without_token_is_closed_before_accept(verifier: TokenVerifier) -> None:
    inner = Recorder()

    sent = await _call(BearerAuthMiddleware(inner, verifier), _scope("websocket", []))

    assert sent == [{"type": "websocket.close", "code": 1008}]
    assert inner.scopes == []


@pytest.mark.anyio
async def test_existing_state_is_kept_and_principal_added(
    verifier: TokenVerifier, issuer: TokenIssuer
) -> None:
    inner = Recorder()
    token = issuer.issue("w", "W", "performance_analyst", "a")
    lifespan_state = {"store": "the graph store"}
    scope = _scope(
        "http",
        [(b"authorization", f"Bearer {token}".encode())],
        method="POST",
        state=lifespan_state,
    )

    await _call(BearerAuthMiddleware(inner, verifier), scope)

    (seen,) = inner.scopes
    assert seen["state"]["store"] == "the graph store"
    assert seen["state"]["principal"].role == "performance_analyst"


@pytest.mark.anyio
async def test_graphiql_passthrough_never_carries_a_principal(verifier: TokenVerifier) -> None:
    inner = Recorder()
    planted = Principal(
        subject="x", name="X", role="system_administrator", agency_id="a", token_id="t"
    )
    scope = _scope("http", [(b"accept", b"text/html")], method="GET", state={"principal": planted})

    await _call(BearerAuthMiddleware(inner, verifier), scope)

    (seen,) = inner.scopes
    assert "principal" not in seen["state"]


@pytest.mark.anyio
async def test_lifespan_and_other_scopes_pass_through(verifier: TokenVerifier) -> None:
    inner = Recorder()
    await _call(BearerAuthMiddleware(inner, verifier), {"type": "lifespan"})
    assert inner.scopes == [{"type": "lifespan"}]
