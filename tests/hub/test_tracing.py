"""Tracing: off installs nothing; on, spans for requests, GraphQL, statements and Content
Server calls, none carrying a name, an NHS number, variables, arguments or query text.

Spans go to the SDK's in-memory exporter through the real app (the same code path as
OTLP, which only the exporter differs from).
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from connectors.livelink.content_server import ContentServerSettings, ContentServerStore
from demo import county
from graph import FalkorDBStore
from graph.cypher.partners import NHS_NUMBERS_ON_PLANS
from hub.app import content_store_from_settings
from hub.settings import Settings
from hub.tracing import TracedTransport, Tracing, tracer_provider_from_settings
from tests.connectors.livelink.conftest import CATEGORY, _make_delivery
from tests.connectors.livelink.fake_content_server import (
    FAKE_PASSWORD,
    FAKE_USERNAME,
    FakeContentServer,
)
from tests.helpers import bearer, graphql
from tests.hub.conftest import sams_children

pytestmark = pytest.mark.anyio

NEW_CHILD = {
    "givenName": "Wilhelmina",
    "familyName": "Ashcombe-Tull",
    "dateOfBirth": "2017-08-21",
    "nhsNumber": "9434765862",
}
SUMMARY = "Seen with a bruise at the bus stop"


def in_memory() -> tuple[TracerProvider, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter


def everything_said(spans: Iterable[ReadableSpan]) -> str:
    """Every name, attribute, event and status a span carries, as one text."""
    return json.dumps(
        [
            {
                "name": span.name,
                "attributes": dict(span.attributes or {}),
                "events": [(event.name, dict(event.attributes or {})) for event in span.events],
                "status": span.status.description,
            }
            for span in spans
        ],
        default=str,
    )


async def test_spans_cover_the_request_graphql_and_statements_and_carry_no_values(
    settings: Settings,
    store: FalkorDBStore,
    demo: county.County,
    app_client: Callable[..., Any],
) -> None:
    provider, exporter = in_memory()
    worker, health = bearer(settings, "social-worker"), bearer(settings, "health")
    nhs = (await store.read(NHS_NUMBERS_ON_PLANS, {"limit": 1}))[0]["nhsNumber"]
    child = sams_children(demo)[0]
    async with app_client(tracer_provider=provider) as http:
        recorded = await http.post(
            "/graphql",
            json={
                "query": """mutation RecordContact($input: RecordContactInput!) {
                    recordContact(input: $input) { __typename ... on Contact { id } } }""",
                "variables": {
                    "input": {
                        "receivedDate": "2026-10-27",
                        "source": "SCHOOLS",
                        "summary": SUMMARY,
                        "child": NEW_CHILD,
                    }
                },
            },
            headers=worker,
        )
        assert recorded.json()["data"]["recordContact"]["__typename"] == "Contact"
        # Literals in the query text itself, sent as a GET (the query string is the query).
        looked_up = await http.get(
            "/graphql",
            params={"query": f'query Cpis {{ cpisRecord(nhsNumber: "{nhs}") {{ nhsNumber }} }}'},
            headers=health,
        )
        assert looked_up.json()["data"]["cpisRecord"]["nhsNumber"] == nhs
        # An alias is free text a client chooses.
        read = await graphql(
            http,
            worker,
            "query CaseView($id: ID!) { rubyNewmansFile: child(id: $id) { givenName } }",
            {"id": child},
        )
        assert read["rubyNewmansFile"]["givenName"]
    spans = exporter.get_finished_spans()

    requests = [span for span in spans if span.kind is SpanKind.SERVER]
    assert {span.name for span in requests} >= {"POST graphql", "GET graphql"}
    request_ids = {span.attributes["lcs_hub.request_id"] for span in requests if span.attributes}
    assert recorded.headers["x-request-id"] in request_ids
    assert {span.attributes["lcs_hub.audience"] for span in requests if span.attributes} >= {
        "internal",
        "health",
    }
    operations = {span.name for span in spans if span.name.startswith("GraphQL ")}
    # Named by the root field, never by the client's operation name (its own text).
    assert {"GraphQL recordContact", "GraphQL cpisRecord", "GraphQL child"} <= operations
    assert not {"GraphQL RecordContact", "GraphQL Cpis", "GraphQL CaseView"} & operations
    assert "GraphQL Resolving: recordContact" in operations
    statements = {
        span.attributes["lcs_hub.statement"]
        for span in spans
        if span.attributes and "lcs_hub.statement" in span.attributes
    }
    assert any(name.startswith("contacts.") for name in statements)
    # The read audit's append to its journal (graph/audit_journal.py), named as a statement.
    assert "audit.JOURNAL_APPEND" in statements
    # One trace per request: the statements hang under the request that ran them.
    record_trace = next(
        span.context.trace_id
        for span in requests
        if span.attributes
        and span.attributes["lcs_hub.request_id"] == recorded.headers["x-request-id"]
    )
    assert any(
        span.context.trace_id == record_trace
        for span in spans
        if span.attributes
        and str(span.attributes.get("lcs_hub.statement", "")).startswith("contacts.")
    )

    said = everything_said(spans)
    sent = [*NEW_CHILD.values(), SUMMARY, nhs, child, "rubyNewmansFile"]
    for value in [*sent, "cpisRecord(", "recordContact("]:
        assert value not in said, value
    assert not [
        key
        for span in spans
        for key in (span.attributes or {})
        if key in ("query", "db.statement", "db.query.text") or key.startswith("graphql.param")
    ]


async def test_content_server_calls_are_spans_without_names_or_query_strings(
    tmp_path: Path,
) -> None:
    provider, exporter = in_memory()
    fake = FakeContentServer()
    fake.define_category(CATEGORY.category_id, "LCS hub document", range(2, 8))
    fake.add_folder(2000, "Children's Social Care")
    server = ContentServerSettings(
        base_url="http://otcs.test/otcs/cs.exe/",
        username=FAKE_USERNAME,
        password=FAKE_PASSWORD,
        root_folder_id=fake.child_named(2000, "Children's Social Care").id,
        category=CATEGORY,
    )
    tracing = Tracing(provider)
    try:
        transport = tracing.traced_transport(httpx.ASGITransport(app=fake.app))
        async with ContentServerStore(server, transport=transport) as client:
            await client.put_document(_make_delivery(child_id="C-TRACE-77"))
    finally:
        tracing.close()
    spans = exporter.get_finished_spans()
    names = {span.name for span in spans}
    assert "Content Server POST /otcs/cs.exe/api/v1/auth" in names
    assert any(name.startswith("Content Server POST /otcs/cs.exe/api/v2/nodes") for name in names)
    assert all(span.kind is SpanKind.CLIENT for span in spans)
    said = everything_said(spans)
    assert "C-TRACE-77" not in said
    assert FAKE_PASSWORD not in said


async def test_with_tracing_on_the_content_server_client_is_traced(tmp_path: Path) -> None:
    settings = Settings(
        var_dir=tmp_path,
        content_store="content-server",
        content_server_base_url="https://otcs.invalid/otcs/cs.exe",
        content_server_username="lcs",
        content_server_password="not-used",
        content_server_root_folder_id=2000,
        content_server_category_id=9001,
        content_server_child_id_attribute=2,
        content_server_record_class_attribute=3,
        content_server_template_key_attribute=4,
        content_server_document_version_attribute=5,
        content_server_delivery_key_attribute=6,
        content_server_checksum_attribute=7,
        _env_file=None,
    )  # type: ignore[call-arg]
    provider, _ = in_memory()
    tracing = Tracing(provider)
    try:
        traced = await content_store_from_settings(settings, tracing)
        untraced = await content_store_from_settings(settings)
    finally:
        tracing.close()
    assert isinstance(traced, ContentServerStore)
    assert isinstance(traced._client._transport, TracedTransport)
    assert isinstance(untraced, ContentServerStore)
    assert not isinstance(untraced._client._transport, TracedTransport)
    await traced.aclose()
    await untraced.aclose()


class _Collector(BaseHTTPRequestHandler):
    """An OTLP/HTTP trace receiver on loopback: keeps each request's path and body."""

    received: ClassVar[list[tuple[str, bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        self.received.append((self.path, body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def collector() -> Iterator[str]:
    _Collector.received.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


async def test_otlp_sends_the_spans_to_the_standard_endpoint_and_no_values(
    collector: str,
    settings: Settings,
    store: FalkorDBStore,
    monkeypatch: pytest.MonkeyPatch,
    app_client: Callable[..., Any],
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector)
    monkeypatch.setenv("OTEL_SERVICE_NAME", "lcs-hub-test")
    provider = tracer_provider_from_settings(settings.model_copy(update={"tracing": "otlp"}))
    assert isinstance(provider, TracerProvider)
    search = "query Search($t: String!) { searchChildren(term: $t) { id } }"
    async with app_client(tracer_provider=provider) as http:
        await graphql(http, bearer(settings, "social-worker"), search, {"t": "Wilhelmina"})
        # The app's tracing is closed with the client: its spans are flushed then.
    paths = {path for path, _ in _Collector.received}
    assert paths == {"/v1/traces"}
    exported = ExportTraceServiceRequest()
    names: set[str] = set()
    services: set[str] = set()
    for _, body in _Collector.received:
        exported.ParseFromString(body)
        for resource_spans in exported.resource_spans:
            services.update(
                attribute.value.string_value
                for attribute in resource_spans.resource.attributes
                if attribute.key == "service.name"
            )
            for scope_spans in resource_spans.scope_spans:
                names.update(span.name for span in scope_spans.spans)
        assert b"Wilhelmina" not in body
    assert services == {"lcs-hub-test"}
    assert {"POST graphql", "GraphQL searchChildren"} <= names
    assert any(name.startswith("graph ") for name in names)


def test_off_by_default_installs_and_imports_nothing(tmp_path: Path) -> None:
    # A fresh process: this one has imported the SDK for the tests above.
    probe = """
import sys
from hub.app import create_app
from hub.settings import Settings
from hub.tracing import tracer_provider_from_settings
from opentelemetry import trace
assert tracer_provider_from_settings(Settings(_env_file=None)) is None
# redis-py imports the SDK's metrics package when it is installed (only to offer its
# own metrics, which nothing here turns on); the tracing SDK and exporter stay unloaded.
unwanted = ("opentelemetry.sdk.trace", "opentelemetry.exporter")
loaded = sorted(m for m in sys.modules if m.startswith(unwanted))
assert not loaded, loaded
assert type(trace.get_tracer_provider()).__name__ == "ProxyTracerProvider"
from opentelemetry import metrics
assert type(metrics.get_meter_provider()).__name__ == "_ProxyMeterProvider"
print("off")
"""
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        # Set, but tracing is off: it must be ignored.
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9",
        "LCS_HUB_VAR_DIR": str(tmp_path),
    }
    finished = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.strip() == "off"


async def test_an_app_with_default_settings_has_no_tracing(
    store: FalkorDBStore, app_client: Callable[..., Any]
) -> None:
    before = trace.get_tracer_provider()
    async with app_client() as http:
        app: Any = http._transport.app  # type: ignore[attr-defined]
        assert app.state.tracing is None
        assert not [m for m in app.user_middleware if m.cls.__name__ == "RequestSpans"]
        assert (await http.get("/healthz")).status_code == 200
    assert trace.get_tracer_provider() is before
