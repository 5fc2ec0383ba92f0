from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable, Iterator

import anyio
import httpx
import pytest
from pydantic import ValidationError
from starlette.types import ASGIApp

from connectors.livelink.content_server import ContentServerSettings, ContentServerStore
from connectors.livelink.content_store import (
    MISFILED_HOLD,
    ContentIntegrityError,
    ContentStoreRejected,
    ContentStoreUnavailable,
    DocumentDelivery,
    LegalHold,
)
from connectors.livelink.file_plan import FILE_PLAN
from tests.connectors.livelink.fake_content_server import DOCUMENT, FOLDER, FakeContentServer
from tests.live_server import serve_in_thread

pytestmark = pytest.mark.anyio

Deliveries = Callable[..., DocumentDelivery]

CATEGORY_ID = 9001


def document_in(fake: FakeContentServer, folder_id: str) -> int:
    [document] = [node for node in fake.children(int(folder_id)) if node.type == DOCUMENT]
    return document.id


# -- tickets -------------------------------------------------------------------------


async def test_logs_in_with_form_credentials_and_sends_the_ticket(
    fake: FakeContentServer, content_server: ContentServerStore
) -> None:
    await content_server.ping()

    login, ping = fake.calls
    assert (login.method, login.path, login.ticket) == ("POST", "/otcs/cs.exe/api/v1/auth", None)
    assert (ping.method, ping.status) == ("GET", 200)
    assert ping.ticket == fake.issued_tickets[0]


async def test_each_call_uses_the_ticket_renewed_by_the_previous_reply(
    fake: FakeContentServer, content_server: ContentServerStore
) -> None:
    await content_server.ping()
    await content_server.ping()
    await content_server.ping()

    tickets = [call.ticket for call in fake.calls[1:]]
    # issued_tickets: the login ticket, then one renewal per authenticated reply.
    assert tickets == fake.issued_tickets[:3]
    assert len(set(tickets)) == 3


async def test_renewal_keeps_the_session_alive_past_the_first_tickets_lifetime(
    fake: FakeContentServer, content_server: ContentServerStore
) -> None:
    fake.ticket_lifetime = 100.0
    await content_server.ping()
    fake.advance_clock(80)
    await content_server.ping()
    fake.advance_clock(80)  # the login ticket expired at 100; the renewed one lives to 180

    await content_server.ping()

    assert fake.logins == 1
    assert all(call.status == 200 for call in fake.calls)


async def test_an_expired_session_logs_in_again_once_and_repeats_the_call(
    fake: FakeContentServer, content_server: ContentServerStore
) -> None:
    await content_server.ping()
    fake.revoke_tickets()

    await content_server.ping()

    assert fake.logins == 2
    assert [(call.method, call.status) for call in fake.calls[2:]] == [
        ("GET", 401),
        ("POST", 200),
        ("GET", 200),
    ]


async def test_a_second_401_after_logging_in_again_is_not_retried_for_ever(
    fake: FakeContentServer, content_server: ContentServerStore, root_folder_id: int
) -> None:
    fake.fail_next(2, 401, method="GET", path=f"/v2/nodes/{root_folder_id}")

    with pytest.raises(ContentStoreUnavailable, match="after logging in again"):
        await content_server.ping()

    assert fake.logins == 2
    assert len(fake.calls_to("GET", f"/v2/nodes/{root_folder_id}")) == 2


async def test_refused_credentials_make_the_store_unavailable_not_the_delivery_poison(
    fake: FakeContentServer, content_server: ContentServerStore, make_delivery: Deliveries
) -> None:
    await content_server.ping()
    fake.revoke_tickets()
    fake.password = "rotated-by-the-administrator"

    with pytest.raises(ContentStoreUnavailable, match="refused the credentials"):
        await content_server.put_document(make_delivery())

    assert [call.status for call in fake.calls_to("POST", "/v1/auth")] == [200, 401]


# -- the child's file ----------------------------------------------------------------


async def test_opening_a_file_creates_the_plan_once_and_finds_it_again(
    fake: FakeContentServer,
    content_server: ContentServerStore,
    server_settings: ContentServerSettings,
    root_folder_id: int,
) -> None:
    opened = await content_server.ensure_child_file("C1001")

    file_node = fake.child_named(root_folder_id, "C1001")
    assert opened.remote_id == str(file_node.id)
    assert sorted(node.name for node in fake.children(file_node.id)) == sorted(
        folder.name for folder in FILE_PLAN
    )
    for folder in FILE_PLAN:
        subfolder = fake.child_named(file_node.id, folder.name)
        assert (opened.subfolders[folder.key], subfolder.type) == (str(subfolder.id), FOLDER)

    nodes_before = len(fake.nodes)
    transport = httpx.ASGITransport(app=fake.app)
    async with ContentServerStore(server_settings, transport=transport) as fresh:
        assert await fresh.ensure_child_file("C1001") == opened
    assert len(fake.nodes) == nodes_before


async def test_names_are_matched_exactly_although_where_name_is_a_contains_match(
    fake: FakeContentServer, content_server: ContentServerStore, root_folder_id: int
) -> None:
    lookalike = fake.add_folder(root_folder_id, "C10010")

    opened = await content_server.ensure_child_file("C1001")

    assert opened.remote_id != str(lookalike)
    assert fake.child_named(root_folder_id, "C1001").id == int(opened.remote_id)
    assert fake.children(lookalike) == []


async def test_an_existing_file_on_a_later_page_of_matches_is_found(
    fake: FakeContentServer, content_server: ContentServerStore, root_folder_id: int
) -> None:
    # 120 names that contain "C77" and sort before it push it onto the second page.
    for number in range(120):
        fake.add_folder(root_folder_id, f"AC77{number:03d}")
    existing = fake.add_folder(root_folder_id, "C77")

    opened = await content_server.ensure_child_file("C77")

    assert opened.remote_id == str(existing)
    assert fake.child_named(root_folder_id, "C77").id == existing
    pages = [call for call in fake.calls_to("GET", f"/v2/nodes/{root_folder_id}/nodes")]
    assert len(pages) == 2


async def test_the_search_for_a_file_stops_at_the_page_that_holds_it(
    fake: FakeContentServer, content_server: ContentServerStore, root_folder_id: int
) -> None:
    # "where_name" matches on "contains": in a county's root folder one id matches
    # thousands (C1 in C10..C19999), and every page of them was read to find the one on
    # the first. 250 names that contain "C88" sort after it: three pages, one needed.
    existing = fake.add_folder(root_folder_id, "C88")
    for number in range(250):
        fake.add_folder(root_folder_id, f"C88{number:03d}")

    opened = await content_server.ensure_child_file("C88")

    assert opened.remote_id == str(existing)
    pages = fake.calls_to("GET", f"/v2/nodes/{root_folder_id}/nodes")
    assert len(pages) == 1


async def test_a_listing_that_never_ends_is_given_up_as_retryable_and_nothing_is_made(
    fake: FakeContentServer, server_settings: ContentServerSettings, root_folder_id: int
) -> None:
    # The listing read page after page for as long as the server said another followed:
    # a server whose paging never ends kept the delivery (and the child's lock) busy for
    # ever. It stops at a cap, and a listing cut short is never taken for "not there",
    # which would make a second folder for the child.
    fake.endless_listing(root_folder_id, pages=200)
    settings = server_settings.model_copy(update={"most_listing_pages": 3})
    transport = httpx.ASGITransport(app=fake.app)
    async with ContentServerStore(settings, transport=transport) as client:
        with pytest.raises(ContentStoreUnavailable, match="more than 3 pages") as refused:
            await client.ensure_child_file("C1001")
    assert "not found" not in str(refused.value).lower()
    assert len(fake.calls_to("GET", f"/v2/nodes/{root_folder_id}/nodes")) == 3
    assert fake.children(root_folder_id) == []


async def test_a_file_past_the_page_cap_is_not_made_again(
    fake: FakeContentServer, server_settings: ContentServerSettings, root_folder_id: int
) -> None:
    # 350 names that contain "C77" and sort before it put the child's file on page 4:
    # with a cap of 3 pages it is not found, and must not then be made a second time.
    for number in range(350):
        fake.add_folder(root_folder_id, f"AC77{number:03d}")
    existing = fake.add_folder(root_folder_id, "C77")
    settings = server_settings.model_copy(update={"most_listing_pages": 3})
    transport = httpx.ASGITransport(app=fake.app)
    async with ContentServerStore(settings, transport=transport) as client:
        with pytest.raises(ContentStoreUnavailable, match="more than 3 pages"):
            await client.ensure_child_file("C77")
        # A records officer tidies the folder (or the cap is raised): found, not made.
        for node in fake.children(root_folder_id):
            if node.name.startswith("AC77"):
                fake.delete_node(node.id)
        opened = await client.ensure_child_file("C77")
    assert opened.remote_id == str(existing)
    assert fake.child_named(root_folder_id, "C77").id == existing


def test_the_listing_page_cap_is_a_positive_setting(
    server_settings: ContentServerSettings,
) -> None:
    assert server_settings.most_listing_pages == 100
    with pytest.raises(ValidationError, match="most_listing_pages"):
        ContentServerSettings.model_validate(
            server_settings.model_dump() | {"most_listing_pages": 0}
        )


async def test_two_workers_opening_the_same_file_at_once_make_one_of_each_folder(
    fake: FakeContentServer, server_settings: ContentServerSettings, root_folder_id: int
) -> None:
    # The first worker's look-up answers late with what it saw before the second
    # worker created the folder, so the first worker's create is refused as a duplicate.
    fake.lose_next_responses(1, 0.1, method="GET", path=f"/v2/nodes/{root_folder_id}/nodes")
    transport = httpx.ASGITransport(app=fake.app)
    async with (
        ContentServerStore(server_settings, transport=transport) as first,
        ContentServerStore(server_settings, transport=transport) as second,
    ):
        await first.ping()
        await second.ping()
        async with anyio.create_task_group() as group:
            group.start_soon(first.ensure_child_file, "C1001")
            await anyio.sleep(0.03)
            group.start_soon(second.ensure_child_file, "C1001")
        assert await first.ensure_child_file("C1001") == await second.ensure_child_file("C1001")

    assert [call.status for call in fake.calls_to("POST", "/api/v2/nodes")].count(400) >= 1
    file_node = fake.child_named(root_folder_id, "C1001")
    for folder in FILE_PLAN:
        fake.child_named(file_node.id, folder.name)
    assert len(fake.children(file_node.id)) == len(FILE_PLAN)


async def test_a_name_content_server_would_refuse_is_rejected_before_any_call(
    fake: FakeContentServer, content_server: ContentServerStore
) -> None:
    with pytest.raises(ContentStoreRejected, match="cannot be a Content Server name"):
        await content_server.ensure_child_file("C:1001")

    assert fake.calls == []


# -- documents and versions ------------------------------------------------------------


async def test_upload_then_version_two_with_metadata_in_the_category(
    fake: FakeContentServer, content_server: ContentServerStore, make_delivery: Deliveries
) -> None:
    first = make_delivery("outbox-1", content=b"%PDF-1.7 one\r\n\x00\xff")
    second = make_delivery("outbox-2", content=b"%PDF-1.7 two\n\r\x00", version=2)

    filed_first = await content_server.put_document(first)
    filed_second = await content_server.put_document(second)

    folder_id = (await content_server.ensure_child_file("C1001")).subfolders["looked_after"]
    node = fake.node(document_in(fake, folder_id))
    assert node.name == "cla-review-record (doc-1).pdf"
    assert (filed_first.remote_node_id, filed_first.remote_version) == (str(node.id), 1)
    assert (filed_second.remote_node_id, filed_second.remote_version) == (str(node.id), 2)
    assert [(v.version_number, v.file_name, v.mime_type, v.content) for v in node.versions] == [
        (1, "cla-review-record.pdf", "application/pdf", first.content),
        (2, "cla-review-record.pdf", "application/pdf", second.content),
    ]
    assert f"delivery=outbox-1; sha256={first.checksum_sha256}" in node.description
    assert f"delivery=outbox-2; sha256={second.checksum_sha256}" in node.versions[1].description
    assert node.categories == {
        CATEGORY_ID: {
            "9001_2": "C1001",
            "9001_3": "looked_after",
            "9001_4": "cla_review_record",
            "9001_5": 2,
            "9001_6": "outbox-2",
            "9001_7": second.checksum_sha256,
        }
    }
    assert await content_server.fetch_document(str(node.id), 1) == first.content
    assert await content_server.fetch_document(str(node.id), 2) == second.content


async def test_retrying_a_filed_delivery_adds_no_version(
    fake: FakeContentServer, content_server: ContentServerStore, make_delivery: Deliveries
) -> None:
    delivery = make_delivery()
    filed = await content_server.put_document(delivery)

    again = await content_server.put_document(delivery)

    assert (again.remote_node_id, again.remote_version) == (filed.remote_node_id, 1)
    assert again.already_filed is True
    assert len(fake.node(int(filed.remote_node_id)).versions) == 1
    assert fake.calls_to("POST", "/versions") == []
    assert fake.calls_to("PUT", f"/categories/{CATEGORY_ID}") == []


async def test_a_lost_reply_to_the_upload_does_not_duplicate_on_retry(
    fake: FakeContentServer, content_server: ContentServerStore, make_delivery: Deliveries
) -> None:
    folder_id = (await content_server.ensure_child_file("C1001")).subfolders["looked_after"]
    fake.lose_next_responses(1, 5.0, method="POST", path="/api/v2/nodes")
    delivery = make_delivery()

    with pytest.raises(ContentStoreUnavailable, match="no answer"):
        await content_server.put_document(delivery)
    node = fake.node(document_in(fake, folder_id))
    assert len(node.versions) == 1  # the server did the work

    retried = await content_server.put_document(delivery)

    assert (retried.remote_node_id, retried.remote_version) == (str(node.id), 1)
    assert retried.already_filed is True
    assert len(fake.children(int(folder_id))) == 1
    assert len(node.versions) == 1
    assert node.categories[CATEGORY_ID]["9001_6"] == delivery.delivery_key


async def test_a_lost_reply_to_a_new_version_does_not_duplicate_on_retry(
    fake: FakeContentServer, content_server: ContentServerStore, make_delivery: Deliveries
) -> None:
    first = await content_server.put_document(make_delivery("outbox-1", content=b"one"))
    node = fake.node(int(first.remote_node_id))
    second = make_delivery("outbox-2", content=b"two", version=2)
    fake.lose_next_responses(1, 5.0, method="POST", path="/versions")

    with pytest.raises(ContentStoreUnavailable):
        await content_server.put_document(second)
    assert len(node.versions) == 2
    assert node.categories[CATEGORY_ID]["9001_5"] == 1  # metadata not reached yet

    retried = await content_server.put_document(second)

    assert (retried.remote_version, retried.already_filed) == (2, True)
    assert len(node.versions) == 2
    assert node.categories[CATEGORY_ID]["9001_5"] == 2


async def test_a_lost_reply_to_the_category_is_repaired_by_the_retry(
    fake: FakeContentServer, content_server: ContentServerStore, make_delivery: Deliveries
) -> None:
    fake.lose_next_responses(1, 5.0, method="POST", path="/categories")
    delivery = make_delivery()

    with pytest.raises(ContentStoreUnavailable):
        await content_server.put_document(delivery)
    retried = await content_server.put_document(delivery)

    node = fake.node(int(retried.remote_node_id))
    assert retried.already_filed is True
    assert node.categories[CATEGORY_ID]["9001_6"] == delivery.delivery_key
    assert [call.status for call in fake.calls_to("POST", "/categories")] == [200]


async def test_a_late_retry_of_an_older_version_keeps_the_newer_metadata(
    fake: FakeContentServer, content_server: ContentServerStore, make_delivery: Deliveries
) -> None:
    older = make_delivery("outbox-1", content=b"one")
    await content_server.put_document(older)
    newer = await content_server.put_document(make_delivery("outbox-2", content=b"two", version=2))

    retried = await content_server.put_document(older)

    assert (retried.remote_version, retried.already_filed) == (1, True)
    values = fake.node(int(newer.remote_node_id)).categories[CATEGORY_ID]
    assert (values["9001_5"], values["9001_6"]) == (2, "outbox-2")


async def test_a_key_reused_for_different_content_is_rejected(
    content_server: ContentServerStore, make_delivery: Deliveries
) -> None:
    await content_server.put_document(make_delivery("outbox-1", content=b"one"))

    with pytest.raises(ContentStoreRejected, match="different content"):
        await content_server.put_document(make_delivery("outbox-1", content=b"not one"))


async def test_bytes_that_do_not_match_their_checksum_are_never_sent(
    fake: FakeContentServer, content_server: ContentServerStore, make_delivery: Deliveries
) -> None:
    delivery = make_delivery(content=b"tampered", checksum="0" * 64)

    with pytest.raises(ContentStoreRejected, match="does not match"):
        await content_server.put_document(delivery)

    assert fake.calls == []


async def test_reading_back_detects_content_changed_on_the_server(
    fake: FakeContentServer, content_server: ContentServerStore, make_delivery: Deliveries
) -> None:
    filed = await content_server.put_document(make_delivery())
    fake.node(int(filed.remote_node_id)).versions[0].content = b"edited outside the hub"

    with pytest.raises(ContentIntegrityError, match="does not match"):
        await content_server.fetch_document(filed.remote_node_id, 1)


async def test_a_folder_deleted_on_the_server_is_found_again_on_retry(
    fake: FakeContentServer, content_server: ContentServerStore, make_delivery: Deliveries
) -> None:
    opened = await content_server.ensure_child_file("C1001")
    fake.delete_node(int(opened.subfolders["looked_after"]))

    with pytest.raises(ContentStoreUnavailable, match="has gone"):
        await content_server.put_document(make_delivery())
    filed = await content_server.put_document(make_delivery())

    reopened = await content_server.ensure_child_file("C1001")
    assert reopened.subfolders["looked_after"] != opened.subfolders["looked_after"]
    assert fake.node(int(filed.remote_node_id)).parent_id == int(
        reopened.subfolders["looked_after"]
    )


# -- faults ----------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 408, 429])
async def test_server_errors_and_throttling_are_unavailable(
    fake: FakeContentServer, content_server: ContentServerStore, status: int
) -> None:
    fake.fail_next(1, status)

    with pytest.raises(ContentStoreUnavailable, match=f"HTTP {status}"):
        await content_server.ping()
    await content_server.ping()


async def test_a_failed_upload_is_unavailable_and_the_retry_files_once(
    fake: FakeContentServer, content_server: ContentServerStore, make_delivery: Deliveries
) -> None:
    await content_server.ensure_child_file("C1001")
    fake.fail_next(3, 500, method="POST", path="/api/v2/nodes")
    delivery = make_delivery()

    for _ in range(3):
        with pytest.raises(ContentStoreUnavailable):
            await content_server.put_document(delivery)
    filed = await content_server.put_document(delivery)

    assert (filed.remote_version, filed.already_filed) == (1, False)
    assert len(fake.node(int(filed.remote_node_id)).versions) == 1


async def test_a_server_that_hangs_past_the_deadline_is_unavailable(
    fake: FakeContentServer, content_server: ContentServerStore
) -> None:
    fake.hang_next(1, 10.0)

    with pytest.raises(ContentStoreUnavailable, match=r"no answer within 0\.3 s"):
        await content_server.ping()
    await content_server.ping()


async def test_other_client_errors_are_rejected(
    fake: FakeContentServer,
    server_settings: ContentServerSettings,
    make_delivery: Deliveries,
) -> None:
    # A category id the server does not have: every retry would fail the same way.
    misconfigured = server_settings.model_copy(
        update={"category": server_settings.category.model_copy(update={"category_id": 4242})}
    )
    transport = httpx.ASGITransport(app=fake.app)
    async with ContentServerStore(misconfigured, transport=transport) as client:
        # The call and the status say what failed; the server's own words are not kept
        # (they may repeat a name or a title), so the error names no more than that.
        with pytest.raises(
            ContentStoreRejected, match=r"^POST /v2/nodes/\d+/categories: HTTP 400 Bad Request$"
        ):
            await client.put_document(make_delivery())
        with pytest.raises(ContentStoreRejected, match="HTTP 404"):
            await client.fetch_document("999999", 1)
        with pytest.raises(ContentStoreRejected, match="not a Content Server node id"):
            await client.fetch_document("C1001/looked_after/doc-1", 1)


async def test_an_unreachable_server_is_unavailable(
    server_settings: ContentServerSettings,
) -> None:
    # A port that was free a moment ago: nothing listens, the connection is refused.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    unreachable = server_settings.model_copy(
        update={"base_url": f"http://127.0.0.1:{port}/otcs/cs.exe"}
    )
    async with ContentServerStore(unreachable) as client:
        with pytest.raises(ContentStoreUnavailable):
            await client.ping()


# -- holds -----------------------------------------------------------------------------


async def test_holds_are_created_once_applied_listed_and_lifted(
    fake: FakeContentServer, content_server: ContentServerStore, root_folder_id: int
) -> None:
    hold = LegalHold("IICSA-2015", "Independent Inquiry into Child Sexual Abuse moratorium")

    await content_server.apply_hold("C1001", hold)
    await content_server.apply_hold("C1001", hold)
    await content_server.apply_hold("C2002", hold)

    [registered] = fake.hold_registry.values()
    assert (registered.name, registered.type, registered.comment) == (
        "IICSA-2015",
        "Legal",
        hold.reason,
    )
    first_file = fake.child_named(root_folder_id, "C1001")
    second_file = fake.child_named(root_folder_id, "C2002")
    assert first_file.holds == second_file.holds == {registered.id}
    assert await content_server.holds("C1001") == frozenset({"IICSA-2015"})

    await content_server.lift_hold("C1001", "IICSA-2015")
    await content_server.lift_hold("C1001", "IICSA-2015")

    assert first_file.holds == set()
    assert second_file.holds == {registered.id}
    assert await content_server.holds("C1001") == frozenset()


async def test_two_workers_creating_the_same_hold_at_once_make_one_hold(
    fake: FakeContentServer, server_settings: ContentServerSettings, root_folder_id: int
) -> None:
    hold = LegalHold("IICSA-2015", "Inquiry moratorium")
    transport = httpx.ASGITransport(app=fake.app)
    async with (
        ContentServerStore(server_settings, transport=transport) as first,
        ContentServerStore(server_settings, transport=transport) as second,
    ):
        await first.ensure_child_file("C1001")
        await second.ensure_child_file("C2002")
        # The first worker's hold listing answers late, and stale.
        fake.lose_next_responses(1, 0.1, method="GET", path="/api/v2/holds")
        async with anyio.create_task_group() as group:
            group.start_soon(first.apply_hold, "C1001", hold)
            await anyio.sleep(0.03)
            group.start_soon(second.apply_hold, "C2002", hold)

    [registered] = fake.hold_registry.values()
    assert [call.status for call in fake.calls_to("POST", "/api/v1/holds")] == [200, 400]
    assert fake.child_named(root_folder_id, "C1001").holds == {registered.id}
    assert fake.child_named(root_folder_id, "C2002").holds == {registered.id}


async def test_a_document_is_held_and_released_alone(
    fake: FakeContentServer,
    content_server: ContentServerStore,
    make_delivery: Deliveries,
    root_folder_id: int,
) -> None:
    delivery = make_delivery()
    filed = await content_server.put_document(delivery)
    await content_server.apply_hold("C1001", LegalHold("IICSA-2015", "Inquiry moratorium"))
    file_holds = set(fake.child_named(root_folder_id, "C1001").holds)
    node = fake.node(int(filed.remote_node_id))

    assert await content_server.hold_document(delivery.place, MISFILED_HOLD) is True
    [misfiled] = [h.id for h in fake.hold_registry.values() if h.name == MISFILED_HOLD.key]
    assert node.holds == {misfiled}

    # The record it was made of stands after all: released, twice as once.
    assert await content_server.release_document(delivery.place, MISFILED_HOLD.key) is True
    assert await content_server.release_document(delivery.place, MISFILED_HOLD.key) is True
    assert node.holds == set()
    # The file's own hold is not the document's to release.
    assert fake.child_named(root_folder_id, "C1001").holds == file_holds
    # Nothing filed there: nothing released, and no file opened to find nothing.
    elsewhere = make_delivery(child_id="C3003").place
    assert await content_server.release_document(elsewhere, MISFILED_HOLD.key) is False
    assert [node.name for node in fake.children(root_folder_id)] == ["C1001"]


async def test_lifting_or_listing_holds_never_opens_a_file(
    fake: FakeContentServer, content_server: ContentServerStore, root_folder_id: int
) -> None:
    await content_server.lift_hold("C3003", "IICSA-2015")

    assert await content_server.holds("C3003") == frozenset()
    assert fake.children(root_folder_id) == []


# -- settings and real HTTP ------------------------------------------------------------


def test_settings_require_an_http_url_and_drop_the_trailing_slash(
    server_settings: ContentServerSettings,
) -> None:
    assert server_settings.base_url == "http://otcs.test/otcs/cs.exe"
    with pytest.raises(ValidationError, match="http"):
        server_settings.model_validate(
            {**server_settings.model_dump(), "base_url": "otcs.test/otcs/cs.exe"}
        )


@contextlib.contextmanager
def served_on_loopback(app: ASGIApp) -> Iterator[str]:
    with serve_in_thread(app) as url:
        yield f"{url}/otcs/cs.exe"


async def test_over_real_http_uploads_round_trip_and_hangs_time_out(
    fake: FakeContentServer,
    server_settings: ContentServerSettings,
    make_delivery: Deliveries,
) -> None:
    delivery = make_delivery(content=bytes(range(256)) * 64)
    with served_on_loopback(fake.app) as base_url:
        over_http = server_settings.model_copy(update={"base_url": base_url})
        async with ContentServerStore(over_http) as client:
            filed = await client.put_document(delivery)
            assert await client.fetch_document(filed.remote_node_id, 1) == delivery.content

            fake.hang_next(1, 0.6)
            with pytest.raises(ContentStoreUnavailable):
                await client.ping()


async def test_the_child_files_it_knows_are_bounded_and_one_forgotten_is_found_again(
    fake: FakeContentServer,
    content_server: ContentServerStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # One entry a child filed for, for as long as the hub runs: a county's every child.
    from connectors.livelink import content_server as module

    monkeypatch.setattr(module, "MOST_KNOWN_FILES", 2)
    first = await content_server.ensure_child_file("C1")
    await content_server.ensure_child_file("C2")
    await content_server.ensure_child_file("C1")  # the most recently used is kept
    await content_server.ensure_child_file("C3")
    calls = len(fake.calls)
    assert await content_server.ensure_child_file("C1") == first
    assert await content_server.ensure_child_file("C3") is not None
    assert len(fake.calls) == calls, "C1 and C3 are known"
    assert (await content_server.ensure_child_file("C2")).child_id == "C2"
    assert len(fake.calls) > calls, "C2 was forgotten and is found again"
    assert len(fake.children(int(first.remote_id))) == len(FILE_PLAN)
