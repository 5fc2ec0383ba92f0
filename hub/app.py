"""The Starlette application: authentication, the audience dispatch, the lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import math
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from auth.authority import principal_on_record
from auth.middleware import BearerAuthMiddleware
from auth.principal import Principal
from auth.purposes import purpose_problem
from auth.tokens import LocalSigningKey, TokenIssuer, TokenSettings, TokenVerifier
from connectors.ehm.client import EhmClient
from connectors.ehm.delivery import EarlyHelpRequests
from connectors.livelink.backlog import outbox_backlog
from connectors.livelink.content_server import ContentServerStore
from connectors.livelink.content_store import ContentStoreUnavailable
from connectors.livelink.embedded_store import EmbeddedContentStore
from connectors.livelink.filing_delivery import LIVELINK_KINDS
from connectors.livelink.form_store import FormStore
from connectors.livelink.outbox import OutboxWorker
from graph import (
    EngineSupervisor,
    FalkorDBStore,
    GraphError,
    GraphStore,
    GraphUnavailable,
    JournalDrainer,
    OpenGraph,
    audit_journal_of,
    make_private_tree,
    open_graph,
    write_refusal,
)
from graph.cypher.files import ANYTHING_FILED
from graph.migrations import bring_to_current_shape
from hub.backup import ImportMarker
from hub.errors import ENGINE_RETRY_AFTER_SECONDS
from hub.graphiql import GraphiQL
from hub.graphql_view import BoundedGraphQL, ViewLimits
from hub.import_guard import RETRY_AFTER_SECONDS as IMPORT_RETRY_AFTER_SECONDS
from hub.import_guard import InterruptedImportMiddleware
from hub.metrics import (
    MetricsMiddleware,
    NotesOperation,
    OperationLabels,
    install_metrics,
    metrics_endpoint,
    note_graphql_error,
)
from hub.push import MAX_BODY_BYTES as MAX_PUSH_BYTES
from hub.push import PUSH_STOPPED, push_records
from hub.rate_limit import ClientRates, RateLimitMiddleware, RefusedAuthenticationLimitMiddleware
from hub.request_context import RequestContextMiddleware
from hub.request_limits import (
    PlainRefusalsMiddleware,
    RequestSizeLimitMiddleware,
    routing_refusal,
)
from hub.route_deadline import within_deadline
from hub.tracing import RequestSpans, Tracing, tracer_provider_from_settings
from resolvers.context import HubContext
from resolvers.returns import FilesRemoved, ReturnJobs, return_file
from schema import RequestLimits, build_schemas
from workflow.calendar import WorkingDayCalendar, default_calendar
from workflow.outcomes import NotAuthorised, NotFound
from workflow.school_days import SchoolCalendar, school_calendar

if TYPE_CHECKING:
    from opentelemetry.trace import TracerProvider
    from starlette.types import Receive, Scope, Send
    from strawberry.extensions import SchemaExtension
    from strawberry.schema import BaseSchema

    from connectors.livelink.content_store import ContentStore
    from connectors.livelink.delivery_port import DeliveryPort
    from hub.settings import Settings


log = logging.getLogger("lcs_hub.app")


@dataclass
class Hub:
    """What the running app holds: the store, the calendar, the outbox worker."""

    store: GraphStore
    calendar: WorkingDayCalendar = field(default_factory=default_calendar)
    content_store: ContentStore | None = None
    outbox_worker: OutboxWorker | None = None
    # EHM's receiving end, when configured: the outbox sends requests for early help.
    ehm_client: EhmClient | None = None
    # The front door team that takes contacts stepped up from EHM (LCS_HUB_STEP_UP_TEAM).
    step_up_team: str | None = None
    # Generated forms stay with the LCS record here; the outbox files copies to Livelink.
    form_store: FormStore | None = None
    local_authority: str = ""
    outbox_alert_after_seconds: float = 3600.0
    # The statutory returns the performance role starts from GraphQL, run in the background.
    return_jobs: ReturnJobs | None = None
    # Operation Encompass: school days from the term dates file, and who the MASH is.
    school_calendar: SchoolCalendar | None = None
    mash_team: str | None = None


class _AudienceGraphQL(BoundedGraphQL):
    def __init__(self, schema: BaseSchema, hub: Hub, limits: ViewLimits) -> None:
        # strawberry's IDE page loads from a CDN; the hub serves its own (hub/graphiql.py).
        super().__init__(schema, limits, engine=hub.store, graphql_ide=None)
        self._hub = hub

    async def get_context(self, request: Any, response: Any) -> HubContext:
        # One read per request: role and team come from the worker record, not the token.
        principal = await principal_on_record(self._hub.store, request.state.principal)
        return HubContext(
            request=request,
            principal=principal,
            store=self._hub.store,
            calendar=self._hub.calendar,
            outbox_alert_after_seconds=self._hub.outbox_alert_after_seconds,
            return_jobs=self._hub.return_jobs,
            school_calendar=self._hub.school_calendar,
            mash_team=self._hub.mash_team,
            step_up_team=self._hub.step_up_team,
        )


class GraphQLDispatch:
    """Sends each request to the schema of its caller's audience.

    A request without a principal only gets here when it is a browser asking for the
    GraphiQL page (the middleware lets nothing else through); the page is the same for
    everyone and every query it sends carries a token.
    """

    def __init__(
        self, hub: Hub, settings: Settings, graphiql: GraphiQL, tracing: Tracing | None = None
    ) -> None:
        self._graphiql = graphiql
        observers: list[Callable[[], SchemaExtension]] = [NotesOperation]
        if tracing is not None:
            observers.append(tracing.operation_spans)
        schemas = build_schemas(request_limits(settings), observers=observers)
        limits = view_limits(settings)
        self._apps = {
            audience: _AudienceGraphQL(schema, hub, limits) for audience, schema in schemas.items()
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        principal: Principal | None = scope.get("state", {}).get("principal")
        if principal is None:
            # Never a schema without a verified caller: only the static page is served.
            await self._graphiql.page()(scope, receive, send)
            return
        if problem := purpose_problem(principal.audience, principal.purpose):
            note_graphql_error("PURPOSE_REQUIRED")
            refusal = JSONResponse(
                {"errors": [{"message": problem, "extensions": {"code": "PURPOSE_REQUIRED"}}]},
                status_code=403,
            )
            await refusal(scope, receive, send)
            return
        await self._apps[principal.audience](scope, receive, send)


def token_settings(settings: Settings) -> TokenSettings:
    """The token rules the hub's settings describe."""
    longest = timedelta(hours=settings.token_max_lifetime_hours)
    values: dict[str, Any] = {
        "issuer": settings.issuer,
        "audience": settings.token_audience,
        "key_path": settings.key_path,
        "max_token_lifetime": longest,
        # The hub's own (local mode) tokens never outlive what it accepts.
        "token_lifetime": min(TokenSettings().token_lifetime, longest),
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


def request_limits(settings: Settings) -> RequestLimits:
    """The GraphQL document limits the settings describe."""
    return RequestLimits(
        max_tokens=settings.max_tokens,
        max_aliases=settings.max_aliases,
        max_depth=settings.max_depth,
        max_cost=settings.max_cost,
        max_operation_name_chars=settings.max_operation_name_chars,
        max_repeated_fields=settings.max_repeated_fields,
        cache_size=settings.query_cache_size,
        max_cached_document_chars=settings.max_cached_document_chars,
    )


def view_limits(settings: Settings) -> ViewLimits:
    """The bounds the GraphQL view enforces, from the settings."""
    return ViewLimits(
        deadline_seconds=settings.request_deadline_seconds,
        max_response_bytes=settings.max_response_bytes,
        max_operation_name_chars=settings.max_operation_name_chars,
    )


def private_var_dir(settings: Settings) -> None:
    """Make everything the hub keeps under var/ readable by its own user only.

    The graph's append-only file is the whole case record, the forms and the content
    store hold children's documents: files 0600, directories 0700, from now on (umask)
    and for what earlier runs left behind.
    """
    os.umask(0o077)
    make_private_tree(settings.var_dir)


# A server not reachable when a long-running command starts is tried again after this
# wait, doubled at each try up to the most (the embedded engine's supervisor's back-off).
_FIRST_ENGINE_WAIT_S = 0.5
_MOST_ENGINE_WAIT_S = 30.0


def open_settings_graph(settings: Settings, *, wait: bool = False) -> OpenGraph:
    """Open the graph store the settings name.

    Args:
        wait: a server (not the embedded engine; a FalkorDB server or a Neo4j database)
            that cannot be reached is tried again, with back-off, until it answers
            (`serve` and the outbox worker: a hub and its engine starting together, the
            hub first, would otherwise stay down); one-shot commands fail at once instead.
    """
    pause = _FIRST_ENGINE_WAIT_S
    while True:
        try:
            return _open_settings_graph(settings, check_reachable=wait)
        except GraphUnavailable as error:
            # The embedded engine is the hub's own to start: failing to is not an outage.
            if not wait or urlparse(settings.graph_url or "embedded://").scheme == "embedded":
                raise
            # The kind only: the error's text names the server's address.
            log.warning(
                "graph engine not reachable (%s); trying again in %.1f s",
                type(error).__name__,
                pause,
            )
            time.sleep(pause)
            pause = min(pause * 2, _MOST_ENGINE_WAIT_S)


def _open_settings_graph(settings: Settings, *, check_reachable: bool = False) -> OpenGraph:
    private_var_dir(settings)
    return open_graph(
        settings.graph_url,
        data_dir=settings.graph_dir,
        graph_name=settings.graph_name,
        user=settings.graph_user,
        password=settings.graph_password.get_secret_value() if settings.graph_password else None,
        tls_ca_file=str(settings.graph_tls_ca_file) if settings.graph_tls_ca_file else None,
        appendfsync=settings.graph_appendfsync,
        log_max_bytes=settings.graph_log_max_bytes,
        log_keep=settings.graph_log_keep,
        pool_size=settings.graph_pool_size,
        pool_timeout=settings.graph_pool_timeout_seconds,
        connect_timeout=settings.graph_connect_timeout_seconds,
        check_reachable=check_reachable,
    )


def form_store_from_settings(settings: Settings) -> FormStore:
    """Where the LCS keeps the bytes of generated forms (under the var directory)."""
    return FormStore(settings.var_dir / "forms")


async def content_store_from_settings(
    settings: Settings, tracing: Tracing | None = None, *, graph: GraphStore | None = None
) -> ContentStore:
    """The content store the outbox delivers to: the embedded one under var/, or
    OpenText Content Server (`LCS_HUB_CONTENT_STORE=content-server`), its calls traced
    when `tracing` is on.

    The embedded store is made (its tree and marker) only while `graph` has filed nothing
    to Livelink: once it has, a store without its marker is a volume that is not mounted,
    and making a new one there would file documents where Livelink's store never sees
    them. Deliveries then wait (retried, counted in the backlog) until it is back.
    """
    if settings.content_store == "content-server":
        server = settings.content_server()
        if tracing is None:
            return ContentServerStore(server)
        # Given a transport, httpx ignores the client's `verify`: the transport gets it.
        network = httpx.AsyncHTTPTransport(verify=server.verify_tls)
        return ContentServerStore(server, transport=tracing.traced_transport(network))
    if graph is None or not await graph.read(ANYTHING_FILED, {"kinds": sorted(LIVELINK_KINDS)}):
        return await EmbeddedContentStore.open(settings.content_dir)
    try:
        return await EmbeddedContentStore.open(settings.content_dir, create=False)
    except ContentStoreUnavailable:
        log.error(
            "the Livelink content store at %s is missing (is its volume mounted?); "
            "documents wait in the outbox until it is back",
            settings.content_dir,
        )
        return EmbeddedContentStore(settings.content_dir)


async def _load_demo_if_empty(
    store: GraphStore, size: str, var_dir: Path, marker: ImportMarker
) -> None:
    from demo import county
    from hub.bulk_load import BulkLoadInProgress, bulk_load_lease
    from hub.demo import load_demo, nodes_by_label

    try:
        with bulk_load_lease(var_dir, "lcs-hub serve --demo-if-empty"):
            if not await nodes_by_label(store):
                demo = county.generate(size)
                summary = await load_demo(
                    store, demo, size, reset=False, confirm_reset=lambda _: False, marker=marker
                )
                log.info(summary.lines()[0])
    except BulkLoadInProgress:
        # Another process is loading this store (a hub started beside this one, or
        # `lcs-hub demo`/`import`): this hub serves what it loads.
        log.warning("another process is loading the store; no demo county loaded here")


def persona_token(issuer: TokenIssuer, persona_name: str) -> str:
    """A token for one of the demo personas."""
    from demo.personas import BY_NAME

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
    from demo.personas import PERSONAS
    from graph.cypher.partners import NHS_NUMBERS_ON_PLANS

    lines = [
        f"\nGraphiQL: {address}  (paste a token below into the page's Bearer token field;",
        "partners also fill X-Purpose. Other clients: Authorization: Bearer <token>)",
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
        lines.append(f"\nhealth: try cpisLookup(nhsNumber: ...) with one of {listed}")
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
    tracer_provider: TracerProvider | None = None,
    wait_for_engine: bool = False,
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
        wait_for_engine: open the settings' store once its server answers, however long
            that takes (`open_settings_graph`), instead of failing at once.
        tracer_provider: trace into this provider (tests); otherwise `LCS_HUB_TRACING`
            decides, and off installs nothing.
    """
    private_var_dir(settings)
    # A broken term dates file stops the start, naming the file and the rule, before the
    # engine is opened.
    school_days = school_calendar(settings.term_dates)
    install_metrics()
    provider = tracer_provider or tracer_provider_from_settings(settings)
    tracing = Tracing(provider) if provider is not None else None
    verifier, signing_key = build_verifier(settings)
    opened: OpenGraph | None = None
    if store is None:
        # Started here, in the thread that runs the app, so the engine lives as long as it.
        opened = open_settings_graph(settings, wait=wait_for_engine)
        store = opened.store
    hub = Hub(
        store=store,
        content_store=content_store,
        form_store=form_store_from_settings(settings),
        local_authority=settings.local_authority_name,
        outbox_alert_after_seconds=settings.outbox_alert_after_seconds,
        school_calendar=school_days,
        mash_team=settings.mash_team,
        step_up_team=settings.step_up_team,
    )
    # A store an import was killed part-way into is not served (hub/import_guard.py).
    import_marker = ImportMarker.of(settings.var_dir, settings.graph_name)
    return_jobs = ReturnJobs(
        store,
        settings.returns_dir,
        settings.la_number,
        settings.return_files_keep_days,
        # Nothing swept from a store a load has not finished.
        held=import_marker.left_behind,
    )
    hub.return_jobs = return_jobs

    supervisor = engine_supervisor(opened, settings) if opened is not None else None

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if supervisor is not None:
            supervisor.start()
        # Indexes, then pending migrations; a store newer than this code is refused here.
        await bring_to_current_shape(hub.store)
        await _warn_if_writes_are_not_kept(hub.store)
        drainer = await _start_draining(hub.store)
        if hub.content_store is None:
            hub.content_store = await content_store_from_settings(
                settings, tracing, graph=hub.store
            )
        if demo_if_empty:
            await _load_demo_if_empty(hub.store, demo_if_empty, settings.var_dir, import_marker)
        # Return files naming every child are kept LCS_HUB_RETURN_FILES_KEEP_DAYS, no longer.
        return_jobs.start_sweeping()
        if settings.outbox_enabled if run_outbox is None else run_outbox:
            hub.ehm_client = ehm_client_from_settings(settings)
            hub.outbox_worker = OutboxWorker.from_settings(
                hub.store,
                settings,
                hub.content_store,
                hub.form_store,
                ports=delivery_ports(hub.store, hub.ehm_client),
                # Nothing delivered from a store a load has not finished.
                held=import_marker.left_behind,
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
        # What start-up built (every audience's schema, the modules, the settings) lives
        # as long as the app: frozen, a full collection no longer walks its ~200,000
        # objects (~80 ms, every ~1,000 case views); given back when the app stops.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()
            if drainer is not None:
                await _stop_draining(drainer)
            await return_jobs.stop()
            if supervisor is not None:
                await supervisor.stop()
            if hub.outbox_worker is not None:
                await hub.outbox_worker.stop()
            if hub.ehm_client is not None:
                await hub.ehm_client.aclose()
            if hub.content_store is not None:
                await hub.content_store.aclose()
            if opened is not None:
                await opened.close()
            elif close_store:
                await hub.store.close()
            if tracing is not None:
                tracing.close()

    async def jwks(request: Request) -> Response:
        return JSONResponse(signing_key.jwks if signing_key else {"keys": []})

    async def healthz(request: Request) -> Response:
        # Live: the process answers. Whether it can serve is /readyz.
        return JSONResponse({"status": "ok", "engine": hub.store.engine})

    async def readyz(request: Request) -> Response:
        if unfinished := import_marker.unfinished():
            # The store holds part of a load (hub/import_guard.py): not to be served.
            return JSONResponse(
                {"status": "unavailable", "import": unfinished},
                status_code=503,
                headers={"Retry-After": str(IMPORT_RETRY_AFTER_SECONDS)},
            )
        # One read answers both questions: the backlog's statement reaches the engine, so
        # an engine that cannot answer it in time is not ready; then one write that writes
        # nothing says whether the engine takes writes.
        try:
            async with asyncio.timeout(2):
                backlog = await outbox_backlog(
                    hub.store,
                    now_ms=time.time_ns() // 1_000_000,
                    alert_after_seconds=settings.outbox_alert_after_seconds,
                )
                refusal = await write_refusal(hub.store)
        except (GraphError, TimeoutError):
            body: dict[str, object] = {"status": "unavailable", "engine": "unreachable"}
            retry_after = 2
            if supervisor is not None and supervisor.next_start_in > 0:
                # The engine exited soon after its last start and its next is held back.
                body["engineStartsIn"] = supervisor.next_start_in
                retry_after = max(retry_after, math.ceil(supervisor.next_start_in))
            return JSONResponse(body, status_code=503, headers={"Retry-After": str(retry_after)})
        if refusal is not None:
            # Reads are answered, writes are not (OOM, MISCONF, READONLY): not ready either,
            # or a load balancer keeps sending writers here (graph/writable.py).
            return JSONResponse(
                {"status": "unavailable", "engine": "refuses writes", "reason": refusal},
                status_code=503,
                headers={"Retry-After": str(ENGINE_RETRY_AFTER_SECONDS)},
            )
        outbox = backlog.as_dict()
        if hub.outbox_worker is not None:
            outbox["circuits"] = outbox_circuits()
        return JSONResponse({"status": "ready", "engine": "reachable", "outbox": outbox})

    def outbox_circuits() -> dict[str, str]:
        # The worker running in this process, if any (`lcs-hub outbox` logs its own).
        return hub.outbox_worker.circuits() if hub.outbox_worker is not None else {}

    async def return_download(request: Request) -> Response:
        # Bearer-checked by the middleware; the job must be the caller's own.
        principal = await principal_on_record(hub.store, request.state.principal)
        found = await return_file(hub.store, return_jobs, principal, request.path_params["jobId"])
        if isinstance(found, Path):
            # A return names every child in it: never kept by a browser or a proxy.
            return FileResponse(found, filename=found.name, headers={"Cache-Control": "no-store"})
        match found:
            case NotAuthorised(reason=reason):
                status, code, message = 403, "FORBIDDEN", reason
            case NotFound():
                status, code, message = 404, "NOT_FOUND", "no such return job"
            case FilesRemoved(reason=reason):
                status, code, message = 410, "RETURN_FILES_REMOVED", reason
            case _:
                status, code, message = 409, "RETURN_NOT_READY", found.reason
        return JSONResponse(
            {"error": message, "code": code},
            status_code=status,
            headers={"Cache-Control": "no-store"},
        )

    protected_prefixes = ("/graphql", "/ingest", "/returns")
    # One set of counters: a client refused by authentication is counted by its address,
    # as an anonymous request to an open path is.
    rates = ClientRates(settings.rate_limit)
    deadline = settings.request_deadline_seconds
    graphiql = GraphiQL()
    if missing := graphiql.missing():
        log.warning("GraphiQL's npm files are missing (run `make node`): %s", ", ".join(missing))
    app = Starlette(
        routes=[
            Route("/.well-known/jwks.json", jwks),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            # Loopback only, or with LCS_HUB_METRICS_TOKEN (hub/metrics.py says why).
            Route("/metrics", metrics_endpoint(hub.store, settings, supervisor, outbox_circuits)),
            _graphql_route(GraphQLDispatch(hub, settings, graphiql, tracing)),
            *graphiql.routes(),
            # EHM and IES push records here (hub/push.py); a system client's token only.
            Route(
                "/ingest/{source}",
                within_deadline(push_records, deadline, after=PUSH_STOPPED, engine=hub.store),
                methods=["POST"],
            ),
            # A finished statutory return, for the analyst who asked for it.
            Route(
                "/returns/{jobId}",
                within_deadline(return_download, deadline, engine=hub.store),
                methods=["GET"],
            ),
        ],
        middleware=[
            # Outermost first: the real client address, the metrics every answer counts
            # in, then the request id and headers every answer gets, then the size
            # bounds, the caller (refusals counted by address), the caller's rate.
            Middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies),
            Middleware(
                MetricsMiddleware,
                operations=OperationLabels(settings.metrics_operation_names),
            ),
            # /ingest and /returns answer every refusal in their own shape, those of
            # the layers below too (an outage's 503 and a 500 come from the next one).
            Middleware(PlainRefusalsMiddleware),
            Middleware(RequestContextMiddleware),
            # Only when tracing is on: off, a request passes through nothing of it.
            *([Middleware(RequestSpans, tracer=tracing.tracer)] if tracing else []),
            Middleware(
                RequestSizeLimitMiddleware,
                max_body_bytes=settings.max_body_bytes,
                max_query_bytes=settings.max_query_string_bytes,
                # A push is a batch of records, bounded by its own rule (hub/push.py).
                larger_bodies=(("/ingest/", MAX_PUSH_BYTES),),
            ),
            # Requests authentication refuses are counted by address (hub/rate_limit.py).
            Middleware(RefusedAuthenticationLimitMiddleware, rates=rates),
            Middleware(
                BearerAuthMiddleware,
                verifier=verifier,
                protected_prefixes=protected_prefixes,
            ),
            Middleware(RateLimitMiddleware, rates=rates),
            Middleware(
                InterruptedImportMiddleware,
                marker=import_marker,
                guarded_prefixes=protected_prefixes,
            ),
        ],
        # A path or method the routes do not take answers JSON with a code, as every
        # other refusal does, not Starlette's plain text.
        exception_handlers={HTTPException: routing_refusal},
        lifespan=lifespan,
    )
    app.state.hub = hub
    app.state.engine_supervisor = supervisor
    app.state.tracing = tracing
    return app


def _graphql_route(dispatch: GraphQLDispatch) -> Route:
    route = Route("/graphql", dispatch, methods=["GET", "POST"])
    # Starlette adds HEAD to any route that takes GET, but the GraphQL view answers HEAD
    # 405 (without `Allow`): the route refuses it itself, and `Allow` names what it takes.
    if route.methods is not None:
        route.methods.discard("HEAD")
    return route


def ehm_client_from_settings(settings: Settings) -> EhmClient | None:
    """A client of EHM's receiving end, or None when `LCS_HUB_EHM_URL` is not set (the
    requests for early help then wait in the outbox, counted in its backlog)."""
    ehm = settings.ehm()
    return None if ehm is None else EhmClient(ehm)


async def _warn_if_writes_are_not_kept(store: GraphStore) -> None:
    # A standalone server is the operator's to configure; the hub can only say so.
    if isinstance(store, FalkorDBStore) and not await store.keeps_writes():
        log.warning(
            "the graph server keeps no append-only file: every write the hub is told it "
            "has made is lost when the server stops; start it with appendonly yes and "
            "appendfsync always"
        )


async def _start_draining(store: GraphStore) -> JournalDrainer | None:
    """Drain the read audit's journal now (what a crash left in it), then in the background
    (graph/audit_journal.py). A store writing its audit straight into the graph has none."""
    journal = audit_journal_of(store)
    if journal is None:
        return None
    try:
        await journal.drain()
    except Exception as error:  # the drainer retries; readers drain first
        log.warning("audit journal not drained at start (%s); retrying", type(error).__name__)
    drainer = JournalDrainer(journal)
    drainer.start()
    return drainer


async def _stop_draining(drainer: JournalDrainer) -> None:
    await drainer.stop()
    # What this process journaled last goes into the graph now if it can; if not, the
    # next drain of any hub on the engine writes it.
    with contextlib.suppress(Exception):
        await drainer.journal.drain()


def delivery_ports(store: GraphStore, ehm_client: EhmClient | None) -> tuple[DeliveryPort, ...]:
    """The outbox's destinations besides Livelink filing."""
    return () if ehm_client is None else (EarlyHelpRequests(store, ehm_client),)


def engine_supervisor(opened: OpenGraph, settings: Settings) -> EngineSupervisor | None:
    """The supervisor of the embedded engine `opened` started or attached to (None for a
    server the hub does not run): it restarts the engine if it dies or stops answering,
    or takes it over when the process that ran it is gone, dropping the store's
    connections to the old one. Started by whoever runs for as long as it is left to
    (`serve`, the `outbox` worker)."""
    if opened.engine is None:
        return None
    return EngineSupervisor(
        opened.engine,
        _drop_connections(opened.store),
        hung_after=settings.graph_hung_after_seconds,
    )


def _drop_connections(store: GraphStore) -> Callable[[], Awaitable[None]]:
    async def drop_connections() -> None:
        if isinstance(store, FalkorDBStore):
            await store.drop_connections()

    return drop_connections
