"""Settings, read once from the environment (prefix LCS_HUB_) or a `.env` file."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Final, Literal
from urllib.parse import urlparse

from limits import parse_many
from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    field_serializer,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from auth.tokens import check_jwks_url
from connectors.ehm.client import EhmSettings
from connectors.livelink.content_server import ContentServerCategory, ContentServerSettings
from graph import FALKORDB_SCHEMES, FALKORDB_TLS_SCHEMES, NEO4J_SCHEMES

GRAPH_URL_SCHEMES = (
    "embedded",
    *sorted(FALKORDB_SCHEMES | FALKORDB_TLS_SCHEMES),
    *sorted(NEO4J_SCHEMES),
)

# A GraphQL name (the spec's Name), at most 64 characters: what an operation label may be.
GRAPHQL_NAME: Final = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")


def masked_url(url: str) -> str:
    """`url` with the password it may carry shown as `***` (it wins over
    LCS_HUB_GRAPH_PASSWORD, so it is as secret)."""
    parsed = urlparse(url)
    if parsed.password is None:
        return url
    host = parsed.netloc.rsplit("@", 1)[1]
    return parsed._replace(netloc=f"{parsed.username or ''}:***@{host}").geturl()


class GraphUrl(str):
    """The graph URL as the engine is opened with it, shown with its password masked
    wherever the settings are (repr, the settings' repr and JSON)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return str.__repr__(masked_url(self))


class Settings(BaseSettings):
    """Everything the hub can be told. Defaults run it on a bare machine."""

    model_config = SettingsConfigDict(env_prefix="LCS_HUB_", env_file=".env", extra="ignore")

    var_dir: Path = Field(Path("var"), description="where local state lives (graph, keys, content)")
    graph_url: str | None = Field(
        None,
        description=(
            "unset or embedded:///dir for the embedded engine; falkordb://host:port for a "
            "standalone FalkorDB server (falkordbs:// or rediss:// with TLS); bolt:// or "
            "neo4j:// URLs for Neo4j"
        ),
    )
    graph_name: str = Field(
        "lcs", min_length=1, description="FalkorDB graph key, or the Neo4j database"
    )
    graph_user: str | None = Field(
        None, description="the Neo4j user, or the Redis ACL user of a standalone FalkorDB"
    )
    graph_password: SecretStr | None = Field(
        None, description="the graph server's password (kept out of the URL and the logs)"
    )
    graph_tls_ca_file: Path | None = Field(
        None,
        description="falkordbs:// only: the authority that signed the server's certificate",
    )
    graph_appendfsync: Literal["always", "everysec", "no"] = Field(
        "always", description="embedded engine: fsync the append-only file on every write"
    )
    graph_pool_size: int = Field(
        16, ge=1, description="connections to the graph engine; more only queue inside it"
    )
    # Half the request deadline: a burst is ridden out, while a hub that stays saturated
    # sheds load with 503 before requests run into the deadline.
    graph_pool_timeout_seconds: float = Field(
        10.0,
        gt=0,
        description="how long a statement waits for a free connection before HTTP 503",
    )
    # Opening a connection (socket, TLS, login, the client's handshake) is bounded apart
    # from a statement's time: work with no request around it (the outbox and audit
    # drainers, a health probe) waited up to 300 s on a server that took the socket and
    # answered nothing (graph/falkordb_store.py, CONNECT_TIMEOUT_S).
    graph_connect_timeout_seconds: float = Field(
        5.0,
        gt=0,
        le=60,
        description="FalkorDB: how long opening a connection to the engine may take",
    )
    # Above the longest pause of the engine's main thread measured (12.6 s, taking in a
    # finished GRAPH.COPY of the 300,000-child county); see graph/supervisor.py.
    graph_hung_after_seconds: float = Field(
        60.0,
        ge=1,
        description="embedded engine: no ping answered for this long, it is killed and restarted",
    )
    # The engine's own log (var/graph/engine.log) is renamed aside past this size, and this
    # many old ones are kept (graph/embedded.py).
    graph_log_max_bytes: int = Field(
        10_485_760,
        ge=65_536,
        description="embedded engine: its log is rotated once it holds this many bytes",
    )
    graph_log_keep: int = Field(
        5, ge=1, le=100, description="embedded engine: how many rotated logs are kept"
    )
    # Bounds on one request (see schema/limits.py and hub/request_limits.py).
    max_body_bytes: int = Field(1_048_576, ge=1024, description="largest request body")
    max_query_string_bytes: int = Field(32_768, ge=256, description="largest GET query string")
    max_response_bytes: int = Field(10_485_760, ge=1024, description="largest response body")
    request_deadline_seconds: float = Field(
        20.0, gt=0, description="a GraphQL operation running longer is stopped (HTTP 504)"
    )
    max_tokens: int = Field(10_000, ge=100, description="GraphQL tokens in one document")
    max_aliases: int = Field(100, ge=1, description="aliases in one document")
    max_depth: int = Field(15, ge=1, description="nesting depth of one operation")
    max_cost: int = Field(
        50_000, ge=100, description="fields asked for, each list counting ten items"
    )
    max_operation_name_chars: int = Field(
        100, ge=1, description="longest operation name (it is written to every audit row)"
    )
    max_repeated_fields: int = Field(
        50, ge=1, le=1000, description="times one field may be selected in one selection set"
    )
    query_cache_size: int = Field(256, ge=0, description="parsed documents kept")
    max_cached_document_chars: int = Field(16_384, ge=0, description="largest document kept")
    rate_limit: str = Field(
        "20/second;600/minute",
        description="per client (token subject, else address), in the `limits` notation",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="addresses or networks whose X-Forwarded-For is believed (none by default)",
    )
    # uvicorn's guards against slow or greedy clients (`lcs-hub serve`).
    keep_alive_seconds: int = Field(5, ge=1, description="idle keep-alive before closing")
    request_read_seconds: float = Field(
        15.0, gt=0, description="time a client has to send one request (headers and body)"
    )
    max_concurrent_connections: int = Field(
        256, ge=1, description="connections and tasks at once; more answer 503"
    )
    # A gateway carries many clients' connections: one in LCS_HUB_TRUSTED_PROXIES is not
    # bounded by this (its clients are the gateway's to bound).
    max_connections_per_address: int = Field(
        128,
        ge=0,
        description="connections at once from one address, not a trusted proxy (0: no bound)",
    )
    h11_max_incomplete_event_bytes: int = Field(
        65_536, ge=4096, description="largest request line and headers"
    )
    issuer: str = Field("lcs-hub-local", min_length=1)
    token_audience: str = Field("lcs-hub", min_length=1)  # the JWT aud claim, not a secret
    jwks_url: str | None = Field(None, description="verify tokens against this JWKS (OIDC)")
    token_max_lifetime_hours: float = Field(
        12, gt=0, description="refuse tokens whose exp - iat is longer than this"
    )
    content_store: Literal["embedded", "content-server"] = Field(
        "embedded", description="where the outbox files documents: embedded | content-server"
    )
    # OpenText Content Server (LCS_HUB_CONTENT_STORE=content-server): see
    # connectors/livelink/content_server.py for what each one means.
    content_server_base_url: str | None = Field(
        None, description="e.g. https://otcs.example/otcs/cs.exe (without /api)"
    )
    content_server_username: str | None = None
    content_server_password: SecretStr | None = None
    content_server_root_folder_id: int | None = Field(
        None, description="the folder that holds one folder per child"
    )
    content_server_category_id: int | None = Field(
        None, description="the category carrying the hub's metadata on each document"
    )
    content_server_child_id_attribute: int | None = None
    content_server_record_class_attribute: int | None = None
    content_server_template_key_attribute: int | None = None
    content_server_document_version_attribute: int | None = None
    content_server_delivery_key_attribute: int | None = None
    content_server_checksum_attribute: int | None = None
    content_server_hold_type: str = "Legal"
    content_server_timeout_seconds: float = 30.0
    content_server_most_listing_pages: int = Field(100, ge=1, le=10_000)
    content_server_verify_tls: bool = True
    # EHM's receiving end for requests for early help (step down; the protocol is in
    # connectors/ehm/client.py). Unset: the requests wait in the outbox, never lost.
    ehm_url: str | None = Field(
        None, description="e.g. https://ehm.example/api/lcs (PUT .../early-help-requests/{id})"
    )
    ehm_token: SecretStr | None = Field(None, description="bearer token EHM gave the hub")
    ehm_timeout_seconds: float = Field(30.0, gt=0, le=600)
    ehm_verify_tls: bool = True
    step_up_team: str | None = Field(
        None, description="the team (id) that takes contacts stepped up from EHM (the front door)"
    )
    # The Livelink filing outbox (connectors/livelink/outbox.py). Transient failures are
    # retried for as long as it takes; every wait below is bounded.
    outbox_enabled: bool = Field(
        True, description="`serve` runs the outbox worker (false: run `lcs-hub outbox` instead)"
    )
    outbox_poll_seconds: float = Field(2.0, gt=0, le=300)
    outbox_batch_size: int = Field(20, ge=1, le=500, description="items claimed per lease")
    outbox_lease_seconds: float = Field(
        300.0, ge=1, le=3600, description="how long a worker holds claimed items"
    )
    outbox_delivery_deadline_seconds: float = Field(
        120.0, gt=0, le=1800, description="one delivery's deadline; below the lease"
    )
    outbox_backoff_base_seconds: float = Field(2.0, gt=0, le=600)
    outbox_backoff_cap_seconds: float = Field(
        600.0, gt=0, le=86_400, description="the longest wait between attempts of an item"
    )
    outbox_retry_after_cap_seconds: float = Field(
        3600.0, ge=0, le=86_400, description="the longest Retry-After honoured"
    )
    outbox_breaker_threshold: int = Field(
        5, ge=1, le=1000, description="transient failures in a row that open the circuit"
    )
    outbox_breaker_cooldown_seconds: float = Field(60.0, ge=0, le=3600)
    outbox_alert_after_seconds: float = Field(
        3600.0, gt=0, description="warn records officers when an item is undelivered this long"
    )
    outbox_delivered_keep_days: int = Field(
        90,
        ge=1,
        le=3650,
        description="days a delivered filing item is kept before it is removed (what was "
        "filed where stays on the document's version)",
    )
    return_files_keep_days: int = Field(
        120,
        ge=1,
        le=3660,
        description="a statutory return's files (var/returns/<job>) are removed this many days"
        " after its job ended: a collection is worked on and resubmitted for about four months",
    )
    local_authority_name: str = "Hertfordshire County Council"
    term_dates: Path | None = Field(
        None,
        description="Operation Encompass: the JSON file of the authority's term dates and"
        " INSET days (unset: every working day is a school day)",
    )
    mash_team: str = Field(
        "team-front-door",
        min_length=1,
        max_length=100,
        description="the team id of the MASH (front door), who see Encompass notices no"
        " school has acknowledged in time",
    )
    la_number: str | None = Field(
        None,
        pattern=r"^[0-9]{3}$",
        description="the LA's three-digit DfE number, which the CIN census names it by",
    )
    # Observability (hub/metrics.py, hub/tracing.py).
    metrics_token: SecretStr | None = Field(
        None,
        description=(
            "the bearer token a scraper sends to read /metrics; unset: only clients on "
            "the loopback interface may read it"
        ),
    )
    metrics_operations: str = Field(
        "",
        description=(
            "comma-separated GraphQL operation names /metrics labels by name; any other "
            "operation is labelled by the schema's name of its root field, never by the "
            "name a client gave it"
        ),
    )
    tracing: Literal["off", "otlp"] = Field(
        "off",
        description=(
            "otlp: send OpenTelemetry traces to OTEL_EXPORTER_OTLP_ENDPOINT (OTLP over "
            "HTTP); off: no tracer is installed and nothing is sent"
        ),
    )

    @model_validator(mode="after")
    def _outbox_waits_fit(self) -> Settings:
        if self.outbox_delivery_deadline_seconds >= self.outbox_lease_seconds:
            # A lease that can run out under a delivery lets a second worker start it.
            raise ValueError(
                "LCS_HUB_OUTBOX_DELIVERY_DEADLINE_SECONDS must be below"
                " LCS_HUB_OUTBOX_LEASE_SECONDS"
            )
        if self.outbox_backoff_base_seconds > self.outbox_backoff_cap_seconds:
            raise ValueError(
                "LCS_HUB_OUTBOX_BACKOFF_BASE_SECONDS must not exceed"
                " LCS_HUB_OUTBOX_BACKOFF_CAP_SECONDS"
            )
        return self

    @model_validator(mode="after")
    def _pool_wait_within_deadline(self) -> Settings:
        if self.graph_pool_timeout_seconds >= self.request_deadline_seconds:
            raise ValueError(
                "LCS_HUB_GRAPH_POOL_TIMEOUT_SECONDS must be shorter than "
                "LCS_HUB_REQUEST_DEADLINE_SECONDS (a request would time out waiting for a "
                "connection instead of answering 503)"
            )
        return self

    @field_validator("metrics_operations")
    @classmethod
    def _operation_names(cls, names: str) -> str:
        for name in (part.strip() for part in names.split(",")):
            if name and not GRAPHQL_NAME.fullmatch(name):
                raise ValueError(f"{name[:40]!r} is not a GraphQL operation name")
        return names

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses(cls, proxies: list[str]) -> list[str]:
        # uvicorn takes anything else as a literal that no client address ever equals, so
        # a typo (10.0.0.0/33) silently believed no proxy.
        for proxy in proxies:
            if proxy != "*":
                try:
                    ipaddress.ip_network(proxy, strict=False)
                except ValueError:
                    raise ValueError(
                        "each entry must be an IP address or network (e.g. 10.0.0.0/8)"
                    ) from None
        return proxies

    @field_validator("jwks_url")
    @classmethod
    def _keys_over_tls(cls, url: str | None) -> str | None:
        return None if url is None else check_jwks_url(url)

    @model_validator(mode="after")
    def _identity_provider_named(self) -> Settings:
        # Otherwise tokens from the identity provider are checked against the local
        # default issuer, which a production deployment must never trust.
        if self.jwks_url is not None and "issuer" not in self.model_fields_set:
            raise ValueError(
                "LCS_HUB_ISSUER must be set when LCS_HUB_JWKS_URL is (the `iss` of the "
                "identity provider's tokens)"
            )
        return self

    @model_validator(mode="after")
    def _connectors_usable(self) -> Settings:
        # Otherwise found by the app's start-up, after the engine had started.
        if self.content_store == "content-server":
            try:
                self.content_server()  # names every setting it still needs
            except ValidationError as error:
                problems = (
                    (str(problem["loc"][0]).upper(), problem["msg"]) for problem in error.errors()
                )
                raise ValueError(
                    "; ".join(f"LCS_HUB_CONTENT_SERVER_{name}: {rule}" for name, rule in problems)
                ) from None
        self.ehm()
        return self

    @field_validator("rate_limit")
    @classmethod
    def _a_rate(cls, rate: str) -> str:
        # Checked here, with the other settings: the middleware that parses it is built
        # at the first request, so a typo started a hub that answered everything with 500.
        try:
            items = parse_many(rate)
        except ValueError:
            items = []
        if not items or any(item.amount < 1 for item in items):
            raise ValueError(
                "must be a rate in the limits notation, at least 1 request per period "
                "(e.g. 20/second;600/minute)"
            )
        return rate

    @field_validator("graph_url")
    @classmethod
    def _known_engine(cls, url: str | None) -> str | None:
        # Refused here, with the allowed values, rather than as an engine error at start-up.
        if url is not None and urlparse(url).scheme not in GRAPH_URL_SCHEMES:
            allowed = ", ".join(f"{scheme}://" for scheme in GRAPH_URL_SCHEMES)
            raise ValueError(f"the URL must start with one of {allowed}")
        if url is not None and urlparse(url).scheme == "embedded" and urlparse(url).netloc:
            # `embedded://var/graph` reads "var" as a host: the graph would go to /graph.
            raise ValueError(
                "an embedded URL names an absolute directory after three slashes, "
                "e.g. embedded:///srv/lcs/graph (or leave it unset for LCS_HUB_VAR_DIR/graph)"
            )
        return None if url is None else GraphUrl(url)

    @field_serializer("graph_url")
    def _graph_url_masked(self, url: str | None) -> str | None:
        return None if url is None else masked_url(url)

    @property
    def graph_location(self) -> str:
        """Where the graph is, to show a person: the URL (password masked) or the
        embedded engine's directory."""
        return masked_url(self.graph_url) if self.graph_url else str(self.graph_dir)

    @property
    def metrics_operation_names(self) -> frozenset[str]:
        """The operation names /metrics labels by name, when the set is fixed."""
        parts = (part.strip() for part in self.metrics_operations.split(","))
        return frozenset(part for part in parts if part)

    @property
    def graph_dir(self) -> Path:
        return self.var_dir / "graph"

    @property
    def key_path(self) -> Path:
        return self.var_dir / "keys" / "signing-key.pem"

    @property
    def content_dir(self) -> Path:
        return self.var_dir / "content"

    @property
    def returns_dir(self) -> Path:
        """Where the statutory returns made from GraphQL are kept, one folder per job."""
        return self.var_dir / "returns"

    def ehm(self) -> EhmSettings | None:
        """EHM's receiving end, or None when `LCS_HUB_EHM_URL` is not set."""
        if self.ehm_url is None:
            return None
        return EhmSettings(
            base_url=self.ehm_url,
            token=self.ehm_token.get_secret_value() if self.ehm_token else None,
            timeout_seconds=self.ehm_timeout_seconds,
            verify_tls=self.ehm_verify_tls,
        )

    def content_server(self) -> ContentServerSettings:
        """The Content Server connection these settings describe.

        Raises:
            ValueError: a setting Content Server needs is missing (all are named).
        """
        required = {
            "base_url": self.content_server_base_url,
            "username": self.content_server_username,
            "password": self.content_server_password,
            "root_folder_id": self.content_server_root_folder_id,
            "category_id": self.content_server_category_id,
            "child_id_attribute": self.content_server_child_id_attribute,
            "record_class_attribute": self.content_server_record_class_attribute,
            "template_key_attribute": self.content_server_template_key_attribute,
            "document_version_attribute": self.content_server_document_version_attribute,
            "delivery_key_attribute": self.content_server_delivery_key_attribute,
            "checksum_attribute": self.content_server_checksum_attribute,
        }
        missing = [
            f"LCS_HUB_CONTENT_SERVER_{name.upper()}" for name, v in required.items() if v is None
        ]
        if missing:
            raise ValueError(f"LCS_HUB_CONTENT_STORE=content-server needs {', '.join(missing)}")
        return ContentServerSettings(
            base_url=required["base_url"],
            username=required["username"],
            password=required["password"],
            root_folder_id=required["root_folder_id"],
            category=ContentServerCategory(
                category_id=required["category_id"],
                child_id_attribute=required["child_id_attribute"],
                record_class_attribute=required["record_class_attribute"],
                template_key_attribute=required["template_key_attribute"],
                document_version_attribute=required["document_version_attribute"],
                delivery_key_attribute=required["delivery_key_attribute"],
                checksum_attribute=required["checksum_attribute"],
            ),
            hold_type=self.content_server_hold_type,
            timeout_seconds=self.content_server_timeout_seconds,
            most_listing_pages=self.content_server_most_listing_pages,
            verify_tls=self.content_server_verify_tls,
        )
