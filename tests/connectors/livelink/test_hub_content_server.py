"""The hub wired to OpenText Content Server by its settings alone, over real loopback HTTP.

No real Content Server is exercised: the fake in this folder speaks its wire format.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import anyio
import httpx
import pytest

from connectors.livelink.content_server import ContentServerStore
from connectors.livelink.file_plan import FILE_PLAN
from graph import FalkorDBStore
from hub.app import create_app, token_settings
from hub.settings import Settings
from tests.connectors.livelink import records_world as world
from tests.connectors.livelink.conftest import CATEGORY
from tests.connectors.livelink.fake_content_server import (
    FAKE_PASSWORD,
    FAKE_USERNAME,
    FakeContentServer,
)
from tests.helpers import graphql
from tests.live_server import serve_in_thread

pytestmark = pytest.mark.anyio

CHILD = "C900"
GENERATE = """
mutation { generateForm(childId: "C900", templateKey: "contact_record", sourceId: "K900") {
  __typename ... on GeneratedForm { document { id } version { checksumPdf } } } }
"""


def _environment(url: str, root_folder_id: int) -> dict[str, str]:
    attributes = {
        "CHILD_ID": CATEGORY.child_id_attribute,
        "RECORD_CLASS": CATEGORY.record_class_attribute,
        "TEMPLATE_KEY": CATEGORY.template_key_attribute,
        "DOCUMENT_VERSION": CATEGORY.document_version_attribute,
        "DELIVERY_KEY": CATEGORY.delivery_key_attribute,
        "CHECKSUM": CATEGORY.checksum_attribute,
    }
    return {
        "LCS_HUB_CONTENT_STORE": "content-server",
        "LCS_HUB_CONTENT_SERVER_BASE_URL": f"{url}/otcs/cs.exe",
        "LCS_HUB_CONTENT_SERVER_USERNAME": FAKE_USERNAME,
        "LCS_HUB_CONTENT_SERVER_PASSWORD": FAKE_PASSWORD,
        "LCS_HUB_CONTENT_SERVER_ROOT_FOLDER_ID": str(root_folder_id),
        "LCS_HUB_CONTENT_SERVER_CATEGORY_ID": str(CATEGORY.category_id),
        **{
            f"LCS_HUB_CONTENT_SERVER_{name}_ATTRIBUTE": str(value)
            for name, value in attributes.items()
        },
        "LCS_HUB_CONTENT_SERVER_TIMEOUT_SECONDS": "5",
        "LCS_HUB_OUTBOX_POLL_SECONDS": "0.05",
    }


def test_content_server_settings_come_from_the_environment_and_keep_the_password_secret(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name, value in _environment("https://otcs.example", 2001).items():
        monkeypatch.setenv(name, value)
    settings = Settings(var_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    server = settings.content_server()
    assert server.base_url == "https://otcs.example/otcs/cs.exe"
    assert server.password.get_secret_value() == FAKE_PASSWORD
    assert server.category == CATEGORY
    assert server.most_listing_pages == 100
    monkeypatch.setenv("LCS_HUB_CONTENT_SERVER_MOST_LISTING_PAGES", "7")
    listing_capped = Settings(var_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    assert listing_capped.content_server().most_listing_pages == 7
    assert FAKE_PASSWORD not in repr(settings)
    assert FAKE_PASSWORD not in str(settings.model_dump())

    monkeypatch.delenv("LCS_HUB_CONTENT_SERVER_PASSWORD")
    monkeypatch.delenv("LCS_HUB_CONTENT_SERVER_CHECKSUM_ATTRIBUTE")
    # Refused as the settings are read, before anything starts.
    with pytest.raises(ValueError, match="needs") as refused:
        Settings(var_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    assert (
        "LCS_HUB_CONTENT_STORE=content-server needs LCS_HUB_CONTENT_SERVER_PASSWORD, "
        "LCS_HUB_CONTENT_SERVER_CHECKSUM_ATTRIBUTE"
    ) in str(refused.value)


def _worker_headers(settings: Settings, role: str = "social_worker") -> dict[str, str]:
    from auth.tokens import LocalSigningKey, TokenIssuer

    rules = token_settings(settings)
    key = LocalSigningKey.load_or_create(rules.key_path)
    token = TokenIssuer(rules, key).issue(
        world.WORKER, world.WORKER_NAME, role, "agency-la", world.TEAM
    )
    return {"Authorization": f"Bearer {token}"}


async def _acting_as(store: FalkorDBStore, settings: Settings, role: str) -> dict[str, str]:
    """The test worker's headers once its worker record holds `role` (read per request)."""
    await store.write(
        "MATCH (w:Worker {id: $worker}) SET w.role = $role", {"worker": world.WORKER, "role": role}
    )
    return _worker_headers(settings, role)


async def _until_every_item_delivered(store: FalkorDBStore) -> None:
    """Wait for the app's own worker to deliver every outbox item on its polls."""
    with anyio.fail_after(30):
        while True:
            states = await store.read("MATCH (o:OutboxItem) RETURN o.state AS state")
            if states and {row["state"] for row in states} == {"DELIVERED"}:
                return
            await anyio.sleep(0.05)


async def test_the_hub_built_from_its_settings_files_forms_to_content_server(
    store: FalkorDBStore,
    fake: FakeContentServer,
    root_folder_id: int,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    await world.add_worker(store)
    await world.add_child(store, CHILD)
    await world.add_contact(store, CHILD, "K900")
    with serve_in_thread(fake.app) as url:
        for name, value in _environment(url, root_folder_id).items():
            monkeypatch.setenv(name, value)
        settings = Settings(var_dir=tmp_path / "var", _env_file=None)  # type: ignore[call-arg]
        # The app as `lcs-hub serve` builds it: its own content store and outbox worker.
        app = create_app(settings, store=store)
        async with app.router.lifespan_context(app):
            assert isinstance(app.state.hub.content_store, ContentServerStore)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
                generated = (await graphql(http, _worker_headers(settings), GENERATE))[
                    "generateForm"
                ]
            assert generated["__typename"] == "GeneratedForm", generated
            # The app's own worker delivers both items (the file, the form) on its polls.
            await _until_every_item_delivered(store)

    file_folder = fake.child_named(root_folder_id, CHILD)
    assert sorted(node.name for node in fake.children(file_folder.id)) == sorted(
        folder.name for folder in FILE_PLAN
    )
    subfolder = fake.child_named(file_folder.id, "01 Referral and assessment")
    [document] = fake.documents()
    assert document.parent_id == subfolder.id
    [version] = document.versions
    assert hashlib.sha256(version.content).hexdigest() == generated["version"]["checksumPdf"]
    assert fake.logins >= 1


FILE_DOCUMENTS = """
{ child(id: "C900") { file { documents { id sourceId misfiled { at byName reason } }
  folders { key documents { id } } } } }
"""
WITHDRAW = """
mutation { withdrawContact(contactId: "K900", version: 2,
  reason: "Recorded on the wrong child: the concern is about a cousin of the same name") {
  __typename } }
"""


async def test_a_contact_withdrawn_as_recorded_in_error_takes_its_form_off_the_childs_file(
    store: FalkorDBStore,
    fake: FakeContentServer,
    root_folder_id: int,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    await world.add_worker(store)
    await world.add_child(store, CHILD)
    await world.add_contact(store, CHILD, "K900")
    with serve_in_thread(fake.app) as url:
        for name, value in _environment(url, root_folder_id).items():
            monkeypatch.setenv(name, value)
        settings = Settings(var_dir=tmp_path / "var", _env_file=None)  # type: ignore[call-arg]
        app = create_app(settings, store=store)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
                worker = _worker_headers(settings)
                generated = (await graphql(http, worker, GENERATE))["generateForm"]
                assert generated["__typename"] == "GeneratedForm", generated
                await _until_every_item_delivered(store)
                manager = await _acting_as(store, settings, "team_manager")
                withdrawn = (await graphql(http, manager, WITHDRAW))["withdrawContact"]
                assert withdrawn["__typename"] == "Contact", withdrawn
                await _until_every_item_delivered(store)
                worker = await _acting_as(store, settings, "social_worker")
                seen_by_worker = (await graphql(http, worker, FILE_DOCUMENTS))["child"]
                records = await _acting_as(store, settings, "records_officer")
                seen_by_records = (await graphql(http, records, FILE_DOCUMENTS))["child"]

    # In Livelink the document is under the misfiled hold: kept for the records officer
    # to review and take off the file, never disposed of or edited meanwhile.
    [document] = fake.documents()
    holds = [fake.hold_registry[hold_id] for hold_id in document.holds]
    assert [hold.name for hold in holds] == ["LCS-MISFILED"]
    assert "recorded in error" in holds[0].comment
    assert "cousin" not in holds[0].comment  # the worker's words name people: not sent
    # The file itself is held by nothing: the hold is the document's alone.
    assert fake.child_named(root_folder_id, CHILD).holds == set()
    # The hub's listing of the file no longer shows it, but to records staff.
    assert seen_by_worker["file"]["documents"] == []
    assert all(folder["documents"] == [] for folder in seen_by_worker["file"]["folders"])
    [listed] = seen_by_records["file"]["documents"]
    assert listed["id"] == generated["document"]["id"]
    assert listed["sourceId"] == "K900"
    assert listed["misfiled"]["byName"] == world.WORKER_NAME
    assert listed["misfiled"]["reason"] == "RECORDED_IN_ERROR"
    assert listed["misfiled"]["at"] is not None
