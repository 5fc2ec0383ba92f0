"""Settings, read once from the environment (prefix LCS_HUB_) or a `.env` file."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything the hub can be told. Defaults run it on a bare machine."""

    model_config = SettingsConfigDict(env_prefix="LCS_HUB_", env_file=".env", extra="ignore")

    var_dir: Path = Field(Path("var"), description="where local state lives (graph, keys, content)")
    graph_url: str | None = Field(
        None,
        description="unset or embedded:///dir for the embedded engine; bolt:// or neo4j:// URLs",
    )
    graph_name: str = Field("lcs", description="FalkorDB graph key, or the Neo4j database")
    graph_user: str | None = None
    graph_password: str | None = None
    graph_appendfsync: str = Field(
        "always", description="embedded engine: fsync the append-only file on every write"
    )
    issuer: str = "lcs-hub-local"
    token_audience: str = "lcs-hub"  # noqa: S105 - the JWT aud claim, not a secret
    jwks_url: str | None = Field(None, description="verify tokens against this JWKS (OIDC)")
    content_store: str = Field("embedded", description="embedded | content-server")
    outbox_poll_seconds: float = 2.0
    outbox_max_attempts: int = 8
    local_authority_name: str = "Hertfordshire County Council"

    @property
    def graph_dir(self) -> Path:
        return self.var_dir / "graph"

    @property
    def key_path(self) -> Path:
        return self.var_dir / "keys" / "signing-key.pem"

    @property
    def content_dir(self) -> Path:
        return self.var_dir / "content"
