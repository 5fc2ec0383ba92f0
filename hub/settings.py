"""Settings, read once from the environment (prefix LCS_HUB_) or a `.env` file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from connectors.livelink.content_server import ContentServerCategory, ContentServerSettings
from graph import NEO4J_SCHEMES

GRAPH_URL_SCHEMES = ("embedded", *sorted(NEO4J_SCHEMES))


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
    graph_password: SecretStr | None = None
    graph_appendfsync: Literal["always", "everysec", "no"] = Field(
        "always", description="embedded engine: fsync the append-only file on every write"
    )
    issuer: str = "lcs-hub-local"
    token_audience: str = "lcs-hub"  # noqa: S105 - the JWT aud claim, not a secret
    jwks_url: str | None = Field(None, description="verify tokens against this JWKS (OIDC)")
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
    content_server_verify_tls: bool = True
    outbox_poll_seconds: float = 2.0
    outbox_max_attempts: int = 8
    local_authority_name: str = "Hertfordshire County Council"

    @field_validator("graph_url")
    @classmethod
    def _known_engine(cls, url: str | None) -> str | None:
        # Refused here, with the allowed values, rather than as an engine error at start-up.
        if url is not None and urlparse(url).scheme not in GRAPH_URL_SCHEMES:
            allowed = ", ".join(f"{scheme}://" for scheme in GRAPH_URL_SCHEMES)
            raise ValueError(f"the URL must start with one of {allowed}")
        return url

    @property
    def graph_dir(self) -> Path:
        return self.var_dir / "graph"

    @property
    def key_path(self) -> Path:
        return self.var_dir / "keys" / "signing-key.pem"

    @property
    def content_dir(self) -> Path:
        return self.var_dir / "content"

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
            verify_tls=self.content_server_verify_tls,
        )
