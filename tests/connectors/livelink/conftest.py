from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from connectors.livelink.content_server import (
    ContentServerCategory,
    ContentServerSettings,
    ContentServerStore,
)
from connectors.livelink.content_store import DocumentDelivery
from connectors.livelink.form_store import FormStore
from tests.connectors.livelink.fake_content_server import (
    FAKE_PASSWORD,
    FAKE_USERNAME,
    FakeContentServer,
)

CATEGORY = ContentServerCategory(
    category_id=9001,
    child_id_attribute=2,
    record_class_attribute=3,
    template_key_attribute=4,
    document_version_attribute=5,
    delivery_key_attribute=6,
    checksum_attribute=7,
)


@pytest.fixture
def fake() -> FakeContentServer:
    server = FakeContentServer()
    server.define_category(CATEGORY.category_id, "LCS hub document", range(2, 8))
    server.add_folder(2000, "Children's Social Care")
    return server


@pytest.fixture
def root_folder_id(fake: FakeContentServer) -> int:
    return fake.child_named(2000, "Children's Social Care").id


@pytest.fixture
def server_settings(root_folder_id: int) -> ContentServerSettings:
    return ContentServerSettings(
        base_url="http://otcs.test/otcs/cs.exe/",
        username=FAKE_USERNAME,
        password=FAKE_PASSWORD,
        root_folder_id=root_folder_id,
        category=CATEGORY,
        # Short, so the hang and lost-response tests stay fast.
        timeout_seconds=0.3,
    )


@pytest.fixture
async def content_server(
    fake: FakeContentServer, server_settings: ContentServerSettings
) -> AsyncIterator[ContentServerStore]:
    transport = httpx.ASGITransport(app=fake.app)
    async with ContentServerStore(server_settings, transport=transport) as client:
        yield client


@pytest.fixture
def forms(tmp_path: Path) -> FormStore:
    """The LCS form store the generated forms' bytes are kept in."""
    return FormStore(tmp_path / "forms")


@pytest.fixture
def make_delivery() -> Callable[..., DocumentDelivery]:
    """A factory of valid deliveries; tests override only what they are about."""
    return _make_delivery


def _make_delivery(
    key: str = "outbox-1",
    *,
    content: bytes = b"%PDF-1.7 first version\r\n\x00\xff",
    version: int = 1,
    child_id: str = "C1001",
    folder_key: str = "looked_after",
    document_id: str = "doc-1",
    checksum: str | None = None,
) -> DocumentDelivery:
    return DocumentDelivery(
        delivery_key=key,
        child_id=child_id,
        folder_key=folder_key,
        document_id=document_id,
        version=version,
        template_key="cla_review_record",
        record_class="looked_after",
        filename="cla-review-record.pdf",
        mime_type="application/pdf",
        content=content,
        checksum_sha256=checksum or hashlib.sha256(content).hexdigest(),
    )
