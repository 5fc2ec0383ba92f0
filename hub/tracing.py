"""OpenTelemetry traces: off by default, on with `LCS_HUB_TRACING=otlp`.

Off, nothing is installed: no tracer provider, no middleware, no schema extension, no
store observer, and the SDK and exporter are not even imported. On, the hub builds its own
tracer provider (the standard `OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_SERVICE_NAME` and
friends configure the OTLP/HTTP exporter) and traces:
- each HTTP request (a span per request, continuing a caller's `traceparent`),
- the GraphQL operation and its resolvers (strawberry's extension, minus what it would
  record of the request: the query text and the resolvers' arguments),
- each graph statement, named as graph/cypher/ declares it (graph/observe.py),
- each call to OpenText Content Server (method and path, its node ids templated).

A span never carries what a request carried: no query text (its literals are names and
NHS numbers), no variables or arguments, no statement parameters, no query strings, no
exception messages (an engine error quotes the statement with its parameters inlined).
Attributes are the operation's root field (the schema's name, never the name a client gave
the operation: that is the client's own text), the caller's audience, the request id, the route,
the statement's name, and statuses. The ASGI instrumentation package is not used: it
records the query string, which for a GET operation is the query and its variables.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import httpx
from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer, TracerProvider
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from strawberry.extensions import LifecycleStep
from strawberry.extensions.tracing import OpenTelemetryExtension

from graph import unwatch_store, watch_store
from hub.logs import REQUEST_ID
from hub.metrics import root_field_label, route_label

if TYPE_CHECKING:
    from graphql import GraphQLResolveInfo
    from opentelemetry.trace import Span
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from hub.settings import Settings

_INSTRUMENTATION: Final = "lcs_hub"
_PROPAGATOR: Final = TraceContextTextMapPropagator()
# Content Server paths carry node ids (/v2/nodes/12345/versions): one span name per call
# kind, not per node.
_NODE_ID: Final = re.compile(r"/\d+(?=/|$)")


def tracer_provider_from_settings(settings: Settings) -> TracerProvider | None:
    """The provider `LCS_HUB_TRACING` asks for: None when off (nothing is imported)."""
    if settings.tracing == "off":
        return None
    # Imported only here: with tracing off the SDK and the exporter are never loaded.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider as SdkTracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    resource = Resource.create({SERVICE_NAME: os.environ.get("OTEL_SERVICE_NAME") or "lcs-hub"})
    provider = SdkTracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider


def _failed(span: Span, error: BaseException) -> None:
    # The type only: messages quote statements, parameters and URLs.
    span.set_status(Status(StatusCode.ERROR, type(error).__name__))
    span.set_attribute("error.type", type(error).__name__)


class RequestSpans:
    """A span around each HTTP request (inside the request-id middleware)."""

    def __init__(self, app: ASGIApp, tracer: Tracer) -> None:
        self.app = app
        self._tracer = tracer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        carrier = {
            name.decode("latin-1"): value.decode("latin-1")
            for name, value in scope.get("headers", [])
            if name.lower() in (b"traceparent", b"tracestate")
        }
        route = route_label(scope["path"])
        state: dict[str, object] = scope.setdefault("state", {})
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        with self._tracer.start_as_current_span(
            f"{scope['method']} {route}",
            context=_PROPAGATOR.extract(carrier),
            kind=SpanKind.SERVER,
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            span.set_attribute("http.request.method", scope["method"])
            span.set_attribute("http.route", route)
            if (request_id := REQUEST_ID.get()) is not None:
                span.set_attribute("lcs_hub.request_id", request_id)
            try:
                await self.app(scope, receive, send_status)
            except Exception as error:
                _failed(span, error)
                raise
            finally:
                span.set_attribute("http.response.status_code", status)
                audience = getattr(getattr(state.get("principal"), "audience", None), "value", None)
                if audience is not None:
                    span.set_attribute("lcs_hub.audience", str(audience))
                if status >= 500:
                    span.set_status(Status(StatusCode.ERROR))


def _no_arguments(arguments: dict[str, Any], info: GraphQLResolveInfo[Any]) -> dict[str, Any]:
    # Arguments are ids, search terms, names and NHS numbers: none goes into a span.
    return {}


class OperationSpans(OpenTelemetryExtension):
    """strawberry's spans for the operation, parsing, validation and resolvers, without the
    query text it would record on the operation's span, the resolvers' arguments, or the
    response path (its keys are the client's aliases, free text)."""

    def __init__(self, tracer_provider: TracerProvider) -> None:
        super().__init__(arg_filter=_no_arguments, tracer_provider=tracer_provider)

    def add_tags(self, span: Span, info: GraphQLResolveInfo[Any], kwargs: Any) -> None:
        span.set_attribute("component", "graphql")
        span.set_attribute("graphql.parentType", info.parent_type.name)
        span.set_attribute("graphql.field.name", info.field_name)

    def on_operation(self) -> Generator[None, None, None]:
        span = self._tracer.start_span("GraphQL operation")
        span.set_attribute("component", "graphql")
        self._span_holder[LifecycleStep.OPERATION] = span
        try:
            yield
        finally:
            root_field = root_field_label(self.execution_context)
            span.set_attribute("graphql.operation.root_field", root_field)
            span.update_name(f"GraphQL {root_field}")
            if self.execution_context.operation_type is not None:
                span.set_attribute(
                    "graphql.operation.type", self.execution_context.operation_type.value
                )
            span.end()


class _StatementSpans:
    """The store observer: a span per graph statement, by name, never its parameters."""

    def __init__(self, tracer: Tracer) -> None:
        self._tracer = tracer

    @contextlib.contextmanager
    def statement(self, name: str, *, read_only: bool, engine: str) -> Iterator[None]:
        with self._tracer.start_as_current_span(
            f"graph {name}",
            kind=SpanKind.CLIENT,
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            span.set_attribute("db.system.name", engine)
            span.set_attribute("lcs_hub.statement", name)
            span.set_attribute("lcs_hub.statement.room", name.split(".", 1)[0])
            span.set_attribute("db.operation.name", "read" if read_only else "write")
            try:
                yield
            except Exception as error:
                _failed(span, error)
                raise

    def pool_wait(self, seconds: float, *, timed_out: bool, engine: str) -> None:
        # Waits are metrics (hub/metrics.py); a span would only repeat the statement's time.
        return


class TracedTransport(httpx.AsyncBaseTransport):
    """An httpx transport that puts a span around each call to Content Server."""

    def __init__(self, inner: httpx.AsyncBaseTransport, tracer: Tracer) -> None:
        self._inner = inner
        self._tracer = tracer

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = _NODE_ID.sub("/{id}", request.url.path)
        with self._tracer.start_as_current_span(
            f"Content Server {request.method} {path}",
            kind=SpanKind.CLIENT,
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            span.set_attribute("http.request.method", request.method)
            span.set_attribute("url.template", path)
            try:
                response = await self._inner.handle_async_request(request)
            except Exception as error:
                _failed(span, error)
                raise
            span.set_attribute("http.response.status_code", response.status_code)
            if response.status_code >= 500:
                span.set_status(Status(StatusCode.ERROR))
            return response

    async def aclose(self) -> None:
        await self._inner.aclose()


@dataclass
class Tracing:
    """Tracing, switched on for one app: what it hangs on the app, the schema, the store."""

    provider: TracerProvider

    def __post_init__(self) -> None:
        self.tracer = self.provider.get_tracer(_INSTRUMENTATION)
        self._statements = _StatementSpans(self.tracer)
        watch_store(self._statements)

    def operation_spans(self) -> OperationSpans:
        """A fresh strawberry extension (one per operation: it holds the operation's spans)."""
        return OperationSpans(self.provider)

    def traced_transport(self, inner: httpx.AsyncBaseTransport) -> TracedTransport:
        """`inner`, with a span around each call."""
        return TracedTransport(inner, self.tracer)

    def close(self) -> None:
        """Stop tracing statements and flush what the provider holds."""
        unwatch_store(self._statements)
        shutdown = getattr(self.provider, "shutdown", None)
        if shutdown is not None:
            shutdown()
