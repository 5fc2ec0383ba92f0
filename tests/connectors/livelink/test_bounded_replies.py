"""A peer answering a huge body (a fault, a proxy's error page, an attack on the hub through
a peer it trusts) is refused once the body passes the bound, read no further, and the call
fails as an outage the outbox retries, never by the hub holding the whole body in memory."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from connectors.ehm import client as ehm_client
from connectors.ehm.client import EhmClient, EhmSettings
from connectors.livelink import content_server
from connectors.livelink.content_server import ContentServerSettings, ContentServerStore
from connectors.livelink.content_store import ContentStoreUnavailable
from connectors.livelink.delivery_port import DeliveryUnavailable
from tests.connectors.livelink.conftest import CATEGORY

pytestmark = pytest.mark.anyio

BOUND = 1024 * 1024
CHUNK = 64 * 1024


class HugeReplies:
    """Answers every call but a login with an endless JSON body, counting what it sent."""

    def __init__(self, *, declare_length: bool = False) -> None:
        self.sent = 0
        self.declare_length = declare_length

    async def _body(self) -> AsyncIterator[bytes]:
        yield b'{"data": ['
        while self.sent < 16 * BOUND:
            self.sent += CHUNK
            yield b'"x",' * (CHUNK // 4)
        yield b'"x"]}'

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/v1/auth"):
            return httpx.Response(200, json={"ticket": "ticket-1"})
        headers = {"Content-Length": str(16 * BOUND)} if self.declare_length else {}
        return httpx.Response(200, headers=headers, content=self._body())


@pytest.fixture(autouse=True)
def small_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    # Small, so the test sends megabytes, not the real bounds' tens of them.
    monkeypatch.setattr(content_server, "CONTENT_SERVER_MOST_BYTES", BOUND)
    monkeypatch.setattr(ehm_client, "EHM_MOST_BYTES", BOUND)


@pytest.mark.parametrize("declare_length", [False, True])
async def test_a_content_server_reply_past_the_bound_is_an_outage_read_no_further(
    declare_length: bool,
) -> None:
    peer = HugeReplies(declare_length=declare_length)
    settings = ContentServerSettings(
        base_url="http://otcs.test/otcs/cs.exe",
        username="hub",
        password="secret",
        root_folder_id=2000,
        category=CATEGORY,
    )
    async with ContentServerStore(settings, transport=httpx.MockTransport(peer)) as store:
        with pytest.raises(ContentStoreUnavailable) as refused:
            await store.ping()
    assert f"reply over {BOUND} bytes" in str(refused.value)
    assert peer.sent <= BOUND + CHUNK


@pytest.mark.parametrize("declare_length", [False, True])
async def test_an_ehm_reply_past_the_bound_is_an_outage_read_no_further(
    declare_length: bool,
) -> None:
    peer = HugeReplies(declare_length=declare_length)
    settings = EhmSettings(base_url="http://ehm.test/api")
    async with EhmClient(settings, transport=httpx.MockTransport(peer)) as client:
        with pytest.raises(DeliveryUnavailable) as refused:
            await client.put_early_help_request("request-1", {"childId": "C1"})
    assert f"reply over {BOUND} bytes" in str(refused.value)
    assert peer.sent <= BOUND + CHUNK


async def test_a_reply_inside_the_bound_reads_as_it_did() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(201, json={"ehmReference": "EHM-1"})

    settings = EhmSettings(base_url="http://ehm.test/api")
    async with EhmClient(settings, transport=httpx.MockTransport(answer)) as client:
        assert await client.put_early_help_request("request-1", {"childId": "C1"}) == "EHM-1"
