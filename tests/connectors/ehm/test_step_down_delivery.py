"""Step down: a contact finalised as "step down to early help" sends EHM one request.

The request is written with the decision and delivered by the outbox's EHM port: with
EHM unconfigured it waits in the backlog; through 500s, a hang and a lost reply it
reaches EHM exactly once; a refusal parks it FAILED until a records officer replays it.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from connectors.ehm.client import EhmClient, EhmSettings
from connectors.ehm.delivery import EarlyHelpRequests
from connectors.livelink.backlog import outbox_backlog
from connectors.livelink.embedded_store import EmbeddedContentStore
from connectors.livelink.outbox import OutboxPolicy, OutboxWorker, replay_item
from graph import FalkorDBStore
from hub.settings import Settings
from tests.connectors.ehm.fake_ehm import FakeEhm
from tests.connectors.intake.world import role_headers
from tests.helpers import add_worker, graphql
from workflow.ids import now_ms

pytestmark = pytest.mark.anyio

HOUR = 3_600_000
RECORD_CONTACT = """
mutation ($input: RecordContactInput!) {
  recordContact(input: $input) { __typename ... on Contact { id childId } } }
"""
FINALISE = """
mutation ($id: ID!, $outcome: ContactOutcome!) {
  finaliseContact(contactId: $id, outcome: $outcome, on: "2026-11-02") {
    __typename ... on FinalisedContact { contact { status outcome } } } }
"""
REQUESTS = """
MATCH (h:EarlyHelpRequest)-[:ABOUT]->(c:Child)
OPTIONAL MATCH (o:OutboxItem)-[:DELIVERS]->(h)
RETURN h {.id, .origin, .reasonCode, .happenedOn, .requestedBy, .ehmReference} AS request,
       c.id AS childId, o {.id, .kind, .state, .attempts, .lastError} AS item
"""


async def step_down_contact(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> str:
    """A social worker records a contact about a new child and steps it down; its child."""
    headers = await role_headers(store, settings, "social_worker", "sw-ehm")
    await add_worker(store, "sw-ehm", "social_worker", team="T-FRONT", name="Sam Worker")
    await store.write("MATCH (t:Team {id: 'T-FRONT'}) SET t.name = 'Front Door'")
    recorded = await graphql(
        client,
        headers,
        RECORD_CONTACT,
        {
            "input": {
                "receivedDate": "2026-11-02",
                "source": "SCHOOLS",
                "summary": "Attendance falling; family asked for help with routines",
                "child": {
                    "givenName": "Mia",
                    "familyName": "Okafor",
                    "dateOfBirth": "2016-07-14",
                    "sex": "F",
                    "nhsNumber": "9434765919",
                },
            }
        },
    )
    contact = recorded["recordContact"]
    assert contact["__typename"] == "Contact", contact
    finalised = await graphql(
        client, headers, FINALISE, {"id": contact["id"], "outcome": "STEP_DOWN_TO_EARLY_HELP"}
    )
    assert finalised["finaliseContact"]["contact"] == {
        "status": "FINALISED",
        "outcome": "STEP_DOWN_TO_EARLY_HELP",
    }
    return str(contact["childId"])


async def requests(store: FalkorDBStore) -> list[dict[str, Any]]:
    return await store.read(REQUESTS)


def ehm_worker(
    store: FalkorDBStore, fake: FakeEhm, **policy: Any
) -> tuple[OutboxWorker, EhmClient]:
    client = EhmClient(
        EhmSettings(base_url="http://ehm.test", token="t0ken", timeout_seconds=0.5),
        transport=httpx.ASGITransport(app=fake.app),
    )
    worker = OutboxWorker(
        store,
        ports=[EarlyHelpRequests(store, client)],
        policy=OutboxPolicy(**policy),
        monotonic=lambda: 0.0,
    )
    return worker, client


async def test_with_ehm_unconfigured_the_request_waits_in_the_backlog(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings, tmp_path: Any
) -> None:
    child_id = await step_down_contact(client, store, settings)

    [row] = await requests(store)
    assert row["childId"] == child_id
    assert row["request"]["origin"] == "CONTACT"
    assert row["request"]["reasonCode"] == "CONTACT_STEP_DOWN"
    assert str(row["request"]["happenedOn"]) == "2026-11-02"
    assert row["request"]["requestedBy"] == "sw-ehm"
    assert (row["item"]["kind"], row["item"]["state"]) == ("REQUEST_EARLY_HELP", "PENDING")
    # A worker with Livelink only files what is Livelink's and leaves EHM's item alone.
    content = await EmbeddedContentStore.open(tmp_path / "content")
    report = await OutboxWorker(store, content).deliver_due(now_ms() + HOUR)
    await content.aclose()
    assert (report.delivered, report.retried, report.failed) == (1, 0, 0)  # the file
    [row] = await requests(store)
    assert (row["item"]["state"], row["item"]["attempts"]) == ("PENDING", 0)
    backlog = await outbox_backlog(store, now_ms=now_ms(), alert_after_seconds=3600)
    assert (backlog.pending, backlog.failed) == (1, 0)
    assert backlog.as_dict()["byKind"] == {"REQUEST_EARLY_HELP": {"pending": 1, "failed": 0}}


async def test_through_an_outage_ehm_receives_the_request_exactly_once(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    child_id = await step_down_contact(client, store, settings)
    fake = FakeEhm(token="t0ken")
    fake.fail_next(2, 500)
    fake.fail_next(1, 503)
    fake.hang_next(1)
    fake.lose_next_responses(1)
    worker, ehm = ehm_worker(store, fake)
    at = now_ms()
    reports = []
    async with ehm:
        for attempt in range(8):
            reports.append(await worker.deliver_due(at + attempt * HOUR))
    assert [r.delivered for r in reports[:6]] == [0, 0, 0, 0, 0, 1]
    assert sum(r.delivered for r in reports) == 1
    assert fake.calls == 6

    [body] = fake.requests.values()
    [row] = await requests(store)
    assert body["requestId"] == row["request"]["id"]
    assert body["child"]["lcsChildId"] == child_id
    assert body["child"]["nhsNumber"] == "9434765919"
    assert (body["child"]["givenName"], body["child"]["dateOfBirth"]) == ("Mia", "2016-07-14")
    assert body["origin"] == "CONTACT"
    assert body["happenedOn"] == "2026-11-02"
    assert body["reason"]["code"] == "CONTACT_STEP_DOWN"
    assert body["summary"] == "Attendance falling; family asked for help with routines"
    assert body["worker"] == {
        "id": "sw-ehm",
        "name": "Sam Worker",
        "email": None,
        "phone": None,
        "team": "Front Door",
    }
    assert (row["item"]["state"], row["item"]["attempts"]) == ("DELIVERED", 6)
    assert row["request"]["ehmReference"] == "EH-00001"


async def test_a_refusal_parks_the_request_and_a_replay_delivers_it(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    await step_down_contact(client, store, settings)
    fake = FakeEhm(token="t0ken")
    fake.fail_next(1, 422)
    worker, ehm = ehm_worker(store, fake)
    at = now_ms()
    async with ehm:
        assert (await worker.deliver_due(at)).failed == 1
        assert (await worker.deliver_due(at + HOUR)).delivered == 0
        [row] = await requests(store)
        assert row["item"]["state"] == "FAILED"
        assert "HTTP 422" in row["item"]["lastError"]

        replayed = await replay_item(store, row["item"]["id"], at + HOUR, by="records-officer")
        assert replayed.replayed
        assert (await worker.deliver_due(at + 2 * HOUR)).delivered == 1
    assert len(fake.requests) == 1


async def test_ehm_s_own_words_about_the_child_stay_out_of_the_item_and_the_log(
    client: httpx.AsyncClient,
    store: FalkorDBStore,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """EHM's refusal may repeat what it was sent (the child's names, birth date, NHS
    number); records officers read the parked item's error, so it keeps the status and a
    description of it, never EHM's text."""
    await step_down_contact(client, store, settings)
    fake = FakeEhm(token="t0ken")
    fake.refusal = "Mia Okafor (born 2016-07-14, NHS 9434765919) is already open to EHM"
    fake.fail_next(1, 422)
    worker, ehm = ehm_worker(store, fake)
    caplog.set_level(logging.DEBUG)
    async with ehm:
        assert (await worker.deliver_due(now_ms())).failed == 1
    [row] = await requests(store)

    error = row["item"]["lastError"]
    assert row["item"]["state"] == "FAILED"
    assert "HTTP 422 Unprocessable" in error
    for secret in ("Mia", "Okafor", "2016-07-14", "9434765919", "already open"):
        assert secret not in error, error
        assert secret not in caplog.text, secret


async def test_an_ehm_outage_holds_up_only_ehm(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings, tmp_path: Any
) -> None:
    await step_down_contact(client, store, settings)  # an OPEN_FILE item and EHM's request
    fake = FakeEhm(token="t0ken")
    fake.fail_next(10, 503)
    content = await EmbeddedContentStore.open(tmp_path / "content")
    ehm = EhmClient(
        EhmSettings(base_url="http://ehm.test", token="t0ken", timeout_seconds=0.5),
        transport=httpx.ASGITransport(app=fake.app),
    )
    worker = OutboxWorker(
        store,
        content,
        ports=[EarlyHelpRequests(store, ehm)],
        policy=OutboxPolicy(breaker_threshold=1),
        monotonic=lambda: 0.0,
    )
    async with ehm:
        report = await worker.deliver_due(now_ms())
    await content.aclose()

    assert (report.delivered, report.retried) == (1, 1)
    assert worker.breakers["ehm"].state.value == "OPEN"
    assert worker.breakers["livelink"].state.value == "CLOSED"
    [row] = await requests(store)
    assert row["item"]["state"] == "PENDING"
