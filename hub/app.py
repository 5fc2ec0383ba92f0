"""The Starlette application: authentication, the audience dispatch, the lifespan."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.http.ides import get_graphql_ide_html

from auth.middleware import BearerAuthMiddleware
from auth.principal import Principal
from auth.purposes import purpose_problem
from auth.tokens import LocalSigningKey, TokenIssuer, TokenSettings, TokenVerifier
from connectors.livelink.backlog import outbox_backlog
from connectors.livelink.content_server import ContentServerStore
from connectors.livelink.embedded_store import EmbeddedContentStore
from connectors.livelink.form_store import FormStore
from connectors.livelink.outbox import OutboxWorker
from graph import GraphError, GraphStore, OpenGraph, open_graph
from hub.push import push_records
from resolvers.context import HubContext
from schema import build_schemas
from workflow.calendar import WorkingDayCalendar, default_calendar

if TYPE_CHECKING:
    from starlette.types import Receive, Scope, Send
    from strawberry.schema import BaseSchema

    from connectors.livelink.content_store import ContentStore
    from hub.settings import Settings


log = logging.getLogger("lcs_hub.app")


@dataclass
class Hub:
    """What the running app holds: the store, the calendar, the outbox worker."""

    store: GraphStore
    calendar: WorkingDayCalendar = field(default_factory=default_calendar)
    content_store: ContentStore | None = None
    outbox_worker: OutboxWorker | None = None
    # Generated forms stay with the LCS record here; the outbox files copies to Livelink.
    form_store: FormStore | None = None
    local_authority: str = ""
    outbox_alert_after_seconds: float = 3600.0


class _AudienceGraphQL(GraphQL[HubContext, None]):
    def __init__(self, schema: BaseSchema, hub: Hub) -> None:
        super().__init__(schema, graphql_ide="graphiql")
        self._hub = hub

    async def get_context(self, request: Any, response: Any) -> HubContext:
        principal: Principal = request.state.principal
        return HubContext(
            request=request,
            principal=principal,
            store=self._hub.store,
            calendar=self._hub.calendar,
            outbox_alert_after_seconds=self._hub.outbox_alert_after_seconds,
        )


class GraphQLDispatch:
    """Sends each request to the schema of its caller's audience.

    A request without a principal only gets here when it is a browser asking for the
    GraphiQL page (the middleware lets nothing else through); the page is the same for
    everyone and every query it sends carries a token.
    """

    def __init__(self, hub: Hub) -> None:
        self._apps = {
            audience: _AudienceGraphQL(schema, hub) for audience, schema in build_schemas().items()
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        principal: Principal | None = scope.get("state", {}).get("principal")
        if principal is None:
            # Never a schema without a verified caller: only the static page is served.
            page = HTMLResponse(get_graphql_ide_html(graphql_ide="graphiql"))
            await page(scope, receive, send)
            return
        if problem := purpose_problem(principal.audience, principal.purpose):
            refusal = JSONResponse(
                {"errors": [{"message": problem, "extensions": {"code": "PURPOSE_REQUIRED"}}]},
                status_code=403,
            )
            await refusal(scope, receive, send)
            return
        await self._apps[principal.audience](scope, receive, send)


def token_settings(settings: Settings) -> TokenSettings:
    """The token rules the hub's settings describe."""
    values: dict[str, Any] = {
        "issuer": settings.issuer,
        "audience": settings.token_audience,
        "key_path": settings.key_path,
    }
    if settings.jwks_url:
        values["jwks_url"] = settings.jwks_url
    return TokenSettings(**values)


def build_verifier(settings: Settings) -> tuple[TokenVerifier, LocalSigningKey | None]:
    """The verifier, and in local mode the key the hub signs its own tokens with."""
    rules = token_settings(settings)
    if rules.jwks_url:
        return TokenVerifier(rules), None
    key = LocalSigningKey.load_or_create(rules.key_path)
    return TokenVerifier(rules, key), key


def open_settings_graph(settings: Settings) -> OpenGraph:
    """Open the graph store the settings name."""
    return open_graph(
        settings.graph_url,
        data_dir=settings.graph_dir,
        graph_name=settings.graph_name,
        user=settings.graph_user,
        password=settings.graph_password,
        appendfsync=settings.graph_appendfsync,
    )


def form_store_from_settings(settings: Settings) -> FormStore:
    """Where the LCS keeps the bytes of generated forms (under the var directory)."""
    return FormStore(settings.var_dir / "forms")


async def content_store_from_settings(settings: Settings) -> ContentStore:
    """The content store the outbox delivers to: the embedded one under var/, or
    OpenText Content Server (`LCS_HUB_CONTENT_STORE=content-server`)."""
    if settings.content_store == "content-server":
        return ContentServerStore(settings.content_server())
    return await EmbeddedContentStore.open(settings.content_dir)


async def _load_demo_if_empty(store: GraphStore, size: str) -> None:
    from bench import county
    from graph.cypher.bulk import STORE_IS_EMPTY

    rows = await store.read(STORE_IS_EMPTY)
    if rows[0]["nodes"] == 0:
        await county.load(store, county.generate(size))


def persona_token(issuer: TokenIssuer, persona_name: str) -> str:
    """A token for one of the demo personas."""
    from bench.personas import BY_NAME

    persona = BY_NAME[persona_name]
    return issuer.issue(
        persona.subject, persona.display_name, persona.role, persona.agency, persona.team
    )


def issue_persona_token(settings: Settings, persona_name: str) -> str:
    """A local token for one of the demo personas (`lcs-hub token --as NAME`)."""
    rules = token_settings(settings)
    return persona_token(
        TokenIssuer(rules, LocalSigningKey.load_or_create(rules.key_path)), persona_name
    )


async def _print_tokens(issuer: TokenIssuer, store: GraphStore, address: str) -> None:
    from auth.principal import ROLE_AUDIENCE
    from auth.purposes import ALLOWED_PURPOSES
    from bench.personas import PERSONAS
    from graph.cypher.partners import NHS_NUMBERS_ON_PLANS

    lines = [
        f"\nGraphiQL: {address}  (add the header Authorization: Bearer <token>;",
        "partners also add X-Purpose: <purpose>)",
    ]
    for persona in PERSONAS:
        audience = ROLE_AUDIENCE[persona.role]
        purposes = ", ".join(ALLOWED_PURPOSES.get(audience, {}))
        lines.append(f"\n{persona.name} ({persona.display_name}, {persona.role}):")
        if purposes:
            lines.append(f"  X-Purpose one of: {purposes}")
        lines.append(persona_token(issuer, persona.name))
    numbers = await store.read(NHS_NUMBERS_ON_PLANS, {"limit": 5})
    if numbers:
        listed = ", ".join(row["nhsNumber"] for row in numbers)
        lines.append(f"\nhealth: try cpisRecord(nhsNumber: ...) with one of {listed}")
    print("\n".join(lines), flush=True)


def create_app(
    settings: Settings,
    *,
    store: GraphStore | None = None,
    content_store: ContentStore | None = None,
    run_outbox: bool | None = None,
    demo_if_empty: str | None = None,
    print_tokens: bool = False,
    close_store: bool = False,
    public_address: str = "http://127.0.0.1:8000/graphql",
) -> Starlette:
    """The hub as an ASGI app.

    Args:
        settings: where things are and how tokens are checked.
        store: an already open store (tests share one engine); otherwise the app opens
            the one the settings name for its lifetime.
        close_store: close the given store when the app shuts down (its connections live
            in the app's event loop, so only the app can close them).
        content_store: where the outbox files documents; the settings' choice by default.
        run_outbox: deliver the filing outbox in-process (off when it runs on its own);
            `outbox_enabled` in the settings by default.
    """
    verifier, signing_key = build_verifier(settings)
    opened: OpenGraph | None = None
    if store is None:
        # Started here, in the thread that runs the app, so the engine lives as long as it.
        opened = open_settings_graph(settings)
        store = opened.store
    hub = Hub(
        store=store,
        content_store=content_store,
        form_store=form_store_from_settings(settings),
        local_authority=settings.local_authority_name,
        outbox_alert_after_seconds=settings.outbox_alert_after_seconds,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await hub.store.apply_schema()
        if hub.content_store is None:
            hub.content_store = await content_store_from_settings(settings)
        if demo_if_empty:
            await _load_demo_if_empty(hub.store, demo_if_empty)
        if settings.outbox_enabled if run_outbox is None else run_outbox:
            hub.outbox_worker = OutboxWorker.from_settings(
                hub.store, settings, hub.content_store, hub.form_store
            )
            hub.outbox_worker.start()
        if print_tokens:
            if signing_key is None:
                # Tokens come from the identity provider; a locally signed one would be
                # refused by this very hub.
                log.info("JWKS mode: demo tokens are not printed")
            else:
                issuer = TokenIssuer(token_settings(settings), signing_key)
                await _print_tokens(issuer, hub.store, public_address)
        try:
            yield
        finally:
            if hub.outbox_worker is not None:
                await hub.outbox_worker.stop()
            if hub.content_store is not None:
                await hub.content_store.aclose()
            if opened is not None:
                await opened.close()
            elif close_store:
                await hub.store.close()

    async def jwks(request: Request) -> Response:
        return JSONResponse(signing_key.jwks if signing_key else {"keys": []})

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok", "engine": hub.store.engine})

    async def readyz(request: Request) -> Response:
        try:
            backlog = await outbox_backlog(
                hub.store,
                now_ms=time.time_ns() // 1_000_000,
                alert_after_seconds=settings.outbox_alert_after_seconds,
            )
        except GraphError:
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ready", "outbox": backlog.as_dict()})

    app = Starlette(
        routes=[
            Route("/.well-known/jwks.json", jwks),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/graphql", GraphQLDispatch(hub), methods=["GET", "POST"]),
            # EHM and IES push records here (hub/push.py); a system client's token only.
            Route("/ingest/{source}", push_records, methods=["POST"]),
        ],
        middleware=[
            Middleware(
                BearerAuthMiddleware, verifier=verifier, protected_prefixes=("/graphql", "/ingest")
            )
        ],
        lifespan=lifespan,
    )
    app.state.hub = hub
    return app
