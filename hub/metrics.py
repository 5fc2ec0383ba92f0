"""Prometheus metrics at `/metrics`: requests, errors, the engine, the outbox, the audit.

What is measured, and where it comes from:
- requests by route, audience, operation and status, and their latency, by the
  middleware below (just inside the proxy headers: every answer, a 500 too, passes it);
- GraphQL errors by code, noted where the hub turns an outcome into an error answer;
- engine round trips and engine time per request, and waits for a pooled connection,
  from the store's observer hook (graph/observe.py) into the request's observation;
- the outbox's depth and the age of its oldest undelivered item, read at scrape time with
  the one statement `/readyz` reads (connectors/livelink/backlog.py), bounded in time,
  and whether the engine takes writes, with `/readyz`'s probe (graph/writable.py);
- audit writes and the children they audited, and how many requests each audit
  statement carried (its group commit), from auth/audit.py's listeners.

Labels never carry personal data or anything a request carried. An operation is labelled
by the schema's name of the one field it asks at its root (`child`, `myWork`; `several`,
`other`), never by the name the client gave it: a client's operation name is its own text
(`query Poppy_Ashworth_2019 {...}`), and the first names seen became labels any scraper
read. Only names the council lists in LCS_HUB_METRICS_OPERATIONS are labelled as sent.
Statements are counted by read/write, never by their parameters.

Who may read it: the numbers say how busy the hub is and which operations partners run,
not whose record was read, but they are still the council's operational detail. With
`LCS_HUB_METRICS_TOKEN` set a scraper sends it as a bearer token (Prometheus'
`authorization.credentials_file`); unset, only a client on the loopback interface (a
scraper or sidecar on the same host) is answered. The users' JWTs are not used: a scraper
is a machine with no identity-provider login, and no user should need one to be watched.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import ipaddress
import re
import time
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from graphql import FieldNode, get_operation_ast
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.gc_collector import GCCollector
from prometheus_client.process_collector import ProcessCollector
from starlette.responses import PlainTextResponse, Response
from strawberry.extensions import SchemaExtension

from auth.audit import on_audit_batch_written, on_audit_written
from connectors.livelink.backlog import outbox_backlog
from graph import GraphError, audit_journal_of, watch_store, write_refusal

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.types import ASGIApp, Message, Receive, Scope, Send
    from strawberry.types.execution import ExecutionContext

    from graph import EngineSupervisor, GraphStore
    from hub.settings import Settings

# The hub's own registry: several apps in one process (the tests) share these metrics,
# and nothing a library registers globally is exported by accident.
REGISTRY: Final = CollectorRegistry()
ProcessCollector(registry=REGISTRY)
GCCollector(registry=REGISTRY)

_ROUTE_LABELS = ("route", "audience", "operation")
REQUESTS: Final = Counter(
    "lcs_hub_requests",
    "HTTP requests answered, by route, caller's audience, GraphQL operation and status",
    [*_ROUTE_LABELS, "status"],
    registry=REGISTRY,
)
REQUEST_SECONDS: Final = Histogram(
    "lcs_hub_request_duration_seconds",
    "Time from a request's arrival to its answer",
    _ROUTE_LABELS,
    registry=REGISTRY,
)
GRAPHQL_ERRORS: Final = Counter(
    "lcs_hub_graphql_errors",
    "Errors in GraphQL answers, by code (expected outcomes are data, not errors)",
    ["audience", "code"],
    registry=REGISTRY,
)
ENGINE_ROUND_TRIPS: Final = Histogram(
    "lcs_hub_request_engine_round_trips",
    "Graph engine statements one request ran",
    ["route", "audience"],
    buckets=(0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233),
    registry=REGISTRY,
)
ENGINE_SECONDS: Final = Histogram(
    "lcs_hub_request_engine_seconds",
    "Time one request's statements took, summed (statements run at once overlap)",
    ["route", "audience"],
    registry=REGISTRY,
)
# By the statement's name in graph/cypher/ (`contacts.FINALISE_CONTACT`, or `unnamed`):
# a bounded set the code declares (a few hundred), never anything a request sent.
STATEMENTS: Final = Counter(
    "lcs_hub_engine_statements",
    "Graph engine statements run, requests' and background work's",
    ["engine", "kind", "statement"],
    registry=REGISTRY,
)
POOL_WAIT_SECONDS: Final = Histogram(
    "lcs_hub_engine_pool_wait_seconds",
    "Time a statement waited for an engine connection (or opened one)",
    ["engine"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)
POOL_TIMEOUTS: Final = Counter(
    "lcs_hub_engine_pool_timeouts",
    "Statements that found the pool saturated for its whole timeout (answered 503)",
    ["engine"],
    registry=REGISTRY,
)
OUTBOX_ITEMS: Final = Gauge(
    "lcs_hub_outbox_items",
    "Documents not yet in Livelink, by state (PENDING retried, FAILED parked), at scrape",
    ["state"],
    registry=REGISTRY,
)
OUTBOX_ITEMS_BY_KIND: Final = Gauge(
    "lcs_hub_outbox_items_by_kind",
    "Items not yet delivered by kind, so by destination (Livelink's kinds, EHM's "
    "REQUEST_EARLY_HELP), and state, at scrape",
    ["kind", "state"],
    registry=REGISTRY,
)
OUTBOX_CIRCUIT_OPEN: Final = Gauge(
    "lcs_hub_outbox_circuit_open",
    "1 while this process's outbox worker holds calls to a destination back during an "
    "outage (its circuit breaker open, or probing with one item), else 0; at scrape",
    ["destination"],
    registry=REGISTRY,
)
OUTBOX_OLDEST_AGE: Final = Gauge(
    "lcs_hub_outbox_oldest_undelivered_age_seconds",
    "Age of the oldest document not yet in Livelink (0 when none), at scrape",
    registry=REGISTRY,
)
ENGINE_REACHABLE: Final = Gauge(
    "lcs_hub_engine_reachable",
    "1 when the scrape's backlog read answered in time, else 0 (the outbox gauges are NaN)",
    registry=REGISTRY,
)
ENGINE_REFUSES_WRITES: Final = Gauge(
    "lcs_hub_engine_refuses_writes",
    "1, labelled with the engine's code (OOM, MISCONF, READONLY, Neo4j's "
    "Neo.ClientError.Cluster.NotALeader, ...), while the engine "
    "answers reads but refuses writes (/readyz is then not ready); no sample otherwise, "
    "at scrape",
    ["reason"],
    registry=REGISTRY,
)
AUDIT_JOURNAL_ENTRIES: Final = Gauge(
    "lcs_hub_audit_journal_entries",
    "Read-audit journal entries not yet drained into the graph (a request or a batch "
    "each; growing means the drainers fail), at scrape",
    registry=REGISTRY,
)
ENGINE_RESTARTS: Final = Gauge(
    "lcs_hub_engine_restarts",
    "Times this hub started the embedded engine again after it exited or hung, at scrape",
    registry=REGISTRY,
)
ENGINE_RESTARTS_HELD_BACK: Final = Gauge(
    "lcs_hub_engine_restarts_held_back",
    "Starts of the embedded engine held back because it exited soon after a start, at scrape",
    registry=REGISTRY,
)
ENGINE_NEXT_START: Final = Gauge(
    "lcs_hub_engine_next_start_seconds",
    "How long the start of the embedded engine now held back waits (0 when none), at scrape",
    registry=REGISTRY,
)
AUDIT_WRITES: Final = Counter(
    "lcs_hub_audit_writes",
    "Read-audit writes (one per request whose answer carried a child's data)",
    ["audience"],
    registry=REGISTRY,
)
AUDITED_CHILDREN: Final = Counter(
    "lcs_hub_audited_children",
    "Children recorded by read-audit writes",
    ["audience"],
    registry=REGISTRY,
)
AUDIT_BATCH_REQUESTS: Final = Histogram(
    "lcs_hub_audit_batch_requests",
    "Requests whose read audit one write statement carried (auth/audit.py's group commit)",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
    registry=REGISTRY,
)

# Codes are the hub's own (hub/errors.py, schema/limits.py) or strawberry's; a code of
# another shape is counted as OTHER rather than trusted as a label.
_ERROR_CODE: Final = re.compile(r"[A-Z][A-Z0-9_]{0,47}")
_BACKLOG_READ_SECONDS: Final = 2.0
_NONE: Final = "none"


@dataclass
class RequestObservation:
    """What one request noted about itself, recorded when it is answered."""

    route: str
    operation: str | None = None
    root_field: str = "other"
    round_trips: int = 0
    engine_seconds: float = 0.0
    error_codes: list[str] = field(default_factory=list)


_REQUEST: ContextVar[RequestObservation | None] = ContextVar("lcs_hub_request", default=None)


def note_operation(name: str | None, root_field: str) -> None:
    """The GraphQL operation the current request ran: the client's name, its root field."""
    if (observation := _REQUEST.get()) is not None:
        observation.operation = name
        observation.root_field = root_field


def root_field_label(context: ExecutionContext) -> str:
    """The schema's name of the one field an operation asks at its root.

    `several` for more than one, `other` for none the schema has (a document that failed
    validation may name anything): bounded by the schema, and never the client's text.
    """
    if context.graphql_document is None:
        return "other"
    operation = get_operation_ast(context.graphql_document, context.operation_name)
    if operation is None:
        return "other"
    root = context.schema._schema.get_root_type(operation.operation)
    selections = operation.selection_set.selections
    if len(selections) > 1:
        return "several"
    [selection] = selections  # a document that parsed has at least one
    name = selection.name.value if isinstance(selection, FieldNode) else ""
    return name if root is not None and name in root.fields else "other"


def note_graphql_error(code: str) -> None:
    """An error the current request's GraphQL answer carries."""
    label = code if _ERROR_CODE.fullmatch(code) else "OTHER"
    if (observation := _REQUEST.get()) is not None:
        observation.error_codes.append(label)
    else:
        GRAPHQL_ERRORS.labels(_NONE, label).inc()


class NotesOperation(SchemaExtension):
    """Notes the operation a request ran (from the document once parsed)."""

    def on_operation(self) -> Iterator[None]:
        yield
        context = self.execution_context
        note_operation(context.operation_name, root_field_label(context))


class OperationLabels:
    """The operation label: a name the council listed, else the operation's root field.

    Operation names are chosen by clients, so only names listed in
    LCS_HUB_METRICS_OPERATIONS are labelled as sent; every other operation is labelled by
    its root field (bounded by the schema, see `root_field_label`).
    """

    def __init__(self, fixed: frozenset[str]) -> None:
        self._fixed = fixed

    def label(self, observation: RequestObservation) -> str:
        """The label the request's operation is counted under."""
        if observation.operation in self._fixed:
            return observation.operation
        return observation.root_field


def route_label(path: str) -> str:
    """The route a path is counted under, from a fixed set."""
    # A fixed set: paths carry job ids and file names, never a label.
    if path == "/graphql":
        return "graphql"
    first = path.strip("/").split("/", 1)[0]
    known = {"ingest", "returns", "healthz", "readyz", "metrics", ".well-known", "graphiql"}
    return first if first in known else "other"


class MetricsMiddleware:
    """Observes each HTTP request and records it when it has been answered."""

    def __init__(self, app: ASGIApp, operations: OperationLabels) -> None:
        self.app = app
        self._operations = operations

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        observation = RequestObservation(route=route_label(scope["path"]))
        token = _REQUEST.set(observation)
        # The authentication middleware puts the caller in this dict; keep it shared.
        state: dict[str, object] = scope.setdefault("state", {})
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            _REQUEST.reset(token)
            principal = state.get("principal")
            audience = getattr(getattr(principal, "audience", None), "value", _NONE)
            self._record(observation, str(audience), status, time.perf_counter() - started)

    def _record(
        self, observation: RequestObservation, audience: str, status: int, seconds: float
    ) -> None:
        route = observation.route
        operation = self._operations.label(observation) if route == "graphql" else _NONE
        REQUESTS.labels(route, audience, operation, str(status)).inc()
        REQUEST_SECONDS.labels(route, audience, operation).observe(seconds)
        ENGINE_ROUND_TRIPS.labels(route, audience).observe(observation.round_trips)
        ENGINE_SECONDS.labels(route, audience).observe(observation.engine_seconds)
        for code in observation.error_codes:
            GRAPHQL_ERRORS.labels(audience, code).inc()


class _EngineMetrics:
    """The store observer: counts statements into the current request and the pool waits."""

    @contextlib.contextmanager
    def statement(self, name: str, *, read_only: bool, engine: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            STATEMENTS.labels(engine, "read" if read_only else "write", name).inc()
            if (observation := _REQUEST.get()) is not None:
                observation.round_trips += 1
                observation.engine_seconds += time.perf_counter() - started

    def pool_wait(self, seconds: float, *, timed_out: bool, engine: str) -> None:
        POOL_WAIT_SECONDS.labels(engine).observe(seconds)
        if timed_out:
            POOL_TIMEOUTS.labels(engine).inc()


_ENGINE_METRICS: Final = _EngineMetrics()


def _count_audit(audience: str, children: int) -> None:
    AUDIT_WRITES.labels(audience).inc()
    AUDITED_CHILDREN.labels(audience).inc(children)


def _count_audit_batch(requests: int) -> None:
    AUDIT_BATCH_REQUESTS.observe(requests)


def install_metrics() -> None:
    """Hang the hub's observers on the store and the audit (idempotent)."""
    watch_store(_ENGINE_METRICS)
    on_audit_written(_count_audit)
    on_audit_batch_written(_count_audit_batch)


def _may_read(request: Request, token: str | None) -> bool:
    if token is not None:
        scheme, _, presented = request.headers.get("authorization", "").partition(" ")
        # Compared in constant time: the token is a credential.
        return scheme.lower() == "bearer" and hmac.compare_digest(
            presented.encode(), token.encode()
        )
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def _read_backlog(store: GraphStore, alert_after_seconds: float) -> None:
    try:
        async with asyncio.timeout(_BACKLOG_READ_SECONDS):
            backlog = await outbox_backlog(
                store, now_ms=time.time_ns() // 1_000_000, alert_after_seconds=alert_after_seconds
            )
    except (GraphError, TimeoutError):
        ENGINE_REACHABLE.set(0)
        for state in ("PENDING", "FAILED"):
            OUTBOX_ITEMS.labels(state).set(float("nan"))
        OUTBOX_OLDEST_AGE.set(float("nan"))
        # Unknown now: no kind is reported rather than the last scrape's counts.
        OUTBOX_ITEMS_BY_KIND.clear()
        return
    ENGINE_REACHABLE.set(1)
    await _read_write_refusal(store)
    await _read_journal(store)
    OUTBOX_ITEMS.labels("PENDING").set(backlog.pending)
    OUTBOX_ITEMS.labels("FAILED").set(backlog.failed)
    OUTBOX_OLDEST_AGE.set(backlog.oldest_age_seconds or 0.0)
    # A kind all delivered since the last scrape leaves the family (kinds are the hub's own).
    OUTBOX_ITEMS_BY_KIND.clear()
    for kind, waiting in backlog.by_kind.items():
        for state, items in waiting.items():
            OUTBOX_ITEMS_BY_KIND.labels(kind, state.upper()).set(items)


async def _read_write_refusal(store: GraphStore) -> None:
    # The reason now, or none: a refusal ended since the last scrape leaves the family.
    ENGINE_REFUSES_WRITES.clear()
    try:
        async with asyncio.timeout(_BACKLOG_READ_SECONDS):
            refusal = await write_refusal(store)
    except (GraphError, TimeoutError):
        return
    if refusal is not None:
        ENGINE_REFUSES_WRITES.labels(refusal).set(1)


def _read_circuits(circuits: Callable[[], dict[str, str]] | None) -> None:
    if circuits is None:
        return
    for destination, state in circuits().items():
        OUTBOX_CIRCUIT_OPEN.labels(destination).set(0 if state == "CLOSED" else 1)


async def _read_journal(store: GraphStore) -> None:
    journal = audit_journal_of(store)
    if journal is None:
        return
    try:
        async with asyncio.timeout(_BACKLOG_READ_SECONDS):
            AUDIT_JOURNAL_ENTRIES.set(await journal.pending())
    except (GraphError, TimeoutError):
        AUDIT_JOURNAL_ENTRIES.set(float("nan"))


def _read_supervisor(supervisor: EngineSupervisor | None) -> None:
    if supervisor is None:
        return
    ENGINE_RESTARTS.set(supervisor.restarts)
    ENGINE_RESTARTS_HELD_BACK.set(supervisor.restarts_held_back)
    ENGINE_NEXT_START.set(supervisor.next_start_in)


def metrics_endpoint(
    store: GraphStore,
    settings: Settings,
    supervisor: EngineSupervisor | None = None,
    circuits: Callable[[], dict[str, str]] | None = None,
) -> Callable[[Request], Awaitable[Response]]:
    """The `/metrics` handler: reads the backlog (bounded in time), the embedded
    engine's supervisor and the in-process outbox worker's `circuits`, exports the
    registry."""
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    alert_after_seconds = settings.outbox_alert_after_seconds

    async def metrics(request: Request) -> Response:
        if not _may_read(request, token):
            if token is None:
                return PlainTextResponse(
                    "/metrics is answered on the loopback interface only; "
                    "set LCS_HUB_METRICS_TOKEN to scrape it from elsewhere",
                    status_code=403,
                )
            return PlainTextResponse(
                "/metrics needs the bearer token LCS_HUB_METRICS_TOKEN names",
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
        await _read_backlog(store, alert_after_seconds)
        _read_supervisor(supervisor)
        _read_circuits(circuits)
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    return metrics
