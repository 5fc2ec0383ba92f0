"""Scale-out: one standalone engine, three hub processes and one outbox worker process.

Each hub is `lcs-hub serve --no-outbox` on its own loopback port; one `lcs-hub outbox`
files the documents. A journey (record a contact about a new child, finalise it as a
referral, which opens the child's file, and generate the contact record) is driven
through the three hubs in turn, then concurrently, then while one hub is killed (SIGKILL)
in the middle of a stream of its own requests, and after. Every write must be visible
from every hub at once (the hubs keep no state of their own), every document filed
exactly once, the killed hub must lose nothing it acknowledged, and what it had not
acknowledged is there whole or not at all.
The hubs share one var directory: its signing key (local tokens) and its forms' bytes,
which the outbox worker reads; in production those are the identity provider and a shared
form store.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import secrets
import signal
import string
import subprocess
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph import FalkorDBServer, FalkorDBStore
from graph.standalone import StandaloneServer, free_port
from hub.settings import Settings
from tests.connectors.livelink.outbox_world import embedded_versions, file_item_ids, graph_counts
from tests.helpers import bearer

pytestmark = pytest.mark.anyio

LCS_HUB = [sys.executable, "-m", "hub.cli"]
PROJECT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 120.0
DELIVERY_TIMEOUT_S = 120.0

RECORD = """mutation ($input: RecordContactInput!) { recordContact(input: $input) {
  __typename ... on Contact { id childId } } }"""
FINALISE = """mutation ($id: ID!) { finaliseContact(contactId: $id,
  outcome: REFERRAL_TO_SOCIAL_CARE, lateReason: "Decided after its working day") {
  __typename ... on FinalisedContact {
  fileOpened contact { id status referralId } } } }"""
GENERATE = """mutation ($child: ID!, $source: ID) {
  generateForm(childId: $child, templateKey: "contact_record", sourceId: $source) {
  __typename ... on GeneratedForm { document { id } version { id checksumPdf } } } }"""
CHILD = """query ($id: ID!) { child(id: $id) { id familyName
  contacts { id status referralId } file { id documents { id } } } }"""


class Hub:
    """One `lcs-hub serve --no-outbox` process and an HTTP client for it."""

    def __init__(self, environment: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [*LCS_HUB, "serve", "--no-outbox", "--port", str(self.port)],
                cwd=PROJECT,
                env=environment,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.http = httpx.AsyncClient(base_url=self.url, timeout=30)

    async def ready(self, deadline: float) -> None:
        while True:
            assert self.process.poll() is None, f"hub on {self.port} exited while starting"
            assert time.monotonic() < deadline, f"hub on {self.port} not ready in time"
            try:
                if (await self.http.get("/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)

    async def graphql(
        self, headers: dict[str, str], query: str, variables: dict[str, Any]
    ) -> dict[str, Any]:
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    async def stop(self, sig: signal.Signals = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                await asyncio.to_thread(self.process.wait, 30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                await asyncio.to_thread(self.process.wait)
        await self.http.aclose()


_BIRTHS = itertools.count()


def _unlike_any_other_name() -> str:
    # Each journey is about a different child: names and dates of birth that no
    # duplicate check could take for another child's (random letters, a week apart).
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(10)).capitalize()


def _new_child_contact(family_name: str) -> dict[str, Any]:
    born = date(2008, 1, 1) + timedelta(days=7 * next(_BIRTHS))
    return {
        "input": {
            "child": {
                "givenName": _unlike_any_other_name(),
                "familyName": family_name,
                "dateOfBirth": born.isoformat(),
                "sex": "F",
            },
            "receivedDate": "2026-11-02",
            "source": "SCHOOLS",
            "summary": "Teacher saw bruising on her arm.",
        }
    }


async def _record_until_killed(
    hub: Hub,
    headers: dict[str, str],
    acknowledged: dict[str, tuple[str, str]],
    attempted: list[str],
) -> None:
    """Record contacts on `hub` one after another until it stops answering (at most 500)."""
    for _ in range(500):
        family_name = _unlike_any_other_name()
        attempted.append(family_name)
        try:
            recorded = (await hub.graphql(headers, RECORD, _new_child_contact(family_name)))[
                "recordContact"
            ]
        except httpx.TransportError:
            return
        acknowledged[family_name] = (recorded["childId"], recorded["id"])


def _start_outbox_worker(environment: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [*LCS_HUB, "outbox"], cwd=PROJECT, env=environment, stdout=out, stderr=out
        )


async def _journey(hubs: list[Hub], headers: dict[str, str], family_name: str) -> tuple[str, str]:
    """Each step on the next hub; after each, every hub sees it. Returns (child, contact)."""
    recorded = (await hubs[0].graphql(headers, RECORD, _new_child_contact(family_name)))[
        "recordContact"
    ]
    assert recorded["__typename"] == "Contact", recorded
    child, contact = recorded["childId"], recorded["id"]
    for hub in hubs:
        seen = (await hub.graphql(headers, CHILD, {"id": child}))["child"]
        assert seen["contacts"] == [{"id": contact, "status": "OPEN", "referralId": None}]

    finalised = (await hubs[1 % len(hubs)].graphql(headers, FINALISE, {"id": contact}))[
        "finaliseContact"
    ]
    assert finalised["__typename"] == "FinalisedContact", finalised
    assert finalised["fileOpened"] is True
    for hub in hubs:
        seen = (await hub.graphql(headers, CHILD, {"id": child}))["child"]
        assert seen["contacts"][0]["referralId"] == finalised["contact"]["referralId"]
        assert seen["file"]["documents"] == []

    generated = (
        await hubs[2 % len(hubs)].graphql(headers, GENERATE, {"child": child, "source": contact})
    )["generateForm"]
    assert generated["__typename"] == "GeneratedForm", generated
    for hub in hubs:
        seen = (await hub.graphql(headers, CHILD, {"id": child}))["child"]
        assert seen["file"]["documents"] == [{"id": generated["document"]["id"]}]
    return child, contact


async def test_three_hubs_and_an_outbox_worker_share_one_engine_and_lose_nothing(
    standalone_server: StandaloneServer, tmp_path: Path
) -> None:
    graph_name = f"scale-{uuid.uuid4().hex}"
    var_dir = tmp_path / "var"
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(PROJECT),
        "LCS_HUB_VAR_DIR": str(var_dir),
        "LCS_HUB_GRAPH_URL": standalone_server.url,
        "LCS_HUB_GRAPH_PASSWORD": standalone_server.password or "",
        "LCS_HUB_GRAPH_NAME": graph_name,
        "LCS_HUB_RATE_LIMIT": "1000000/second",
        "LCS_HUB_OUTBOX_POLL_SECONDS": "0.2",
    }
    settings = Settings(var_dir=var_dir, _env_file=None)  # type: ignore[call-arg]
    headers = bearer(settings, "social-worker")  # creates the shared signing key first
    store = FalkorDBStore(
        FalkorDBServer("127.0.0.1", standalone_server.port, password=standalone_server.password),
        graph_name,
    )
    await store.apply_schema()
    await store.write(
        "MERGE (t:Team {id: 'team-safeguarding-north'})"
        " MERGE (w:Worker {id: 'worker-sw-demo'}) SET w.name = 'Sam Patel',"
        "   w.role = 'social_worker' MERGE (w)-[:MEMBER_OF_TEAM]->(t)"
        " MERGE (m:Worker {id: 'worker-tm-demo'}) SET m.name = 'Alex Morgan',"
        "   m.role = 'team_manager' MERGE (m)-[:MEMBER_OF_TEAM]->(t)"
        " MERGE (w)-[:REPORTS_TO]->(m)"
    )
    hubs = [Hub(environment, tmp_path / f"hub-{n}.log") for n in range(3)]
    worker = _start_outbox_worker(environment, tmp_path / "outbox.log")
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        for hub in hubs:
            await hub.ready(deadline)

        # In turn: each journey starts on a different hub and moves on hub by hub.
        children = [
            await _journey(hubs[n:] + hubs[:n], headers, _unlike_any_other_name()) for n in range(3)
        ]
        # Concurrently: six journeys at once, spread over the three hubs.
        children += await asyncio.gather(
            *(
                _journey(hubs[n % 3 :] + hubs[: n % 3], headers, _unlike_any_other_name())
                for n in range(6)
            )
        )
        # One hub dies without warning in the middle of its requests, while journeys run
        # on the other two. What it acknowledged is kept; what it was doing is all or
        # nothing (one statement); the other two carry on and have everything.
        survivors = hubs[1:]
        acknowledged: dict[str, tuple[str, str]] = {}
        attempted: list[str] = []
        recording = asyncio.create_task(
            _record_until_killed(hubs[0], headers, acknowledged, attempted)
        )
        during = asyncio.gather(
            *(
                _journey(survivors[n % 2 :] + survivors[: n % 2], headers, _unlike_any_other_name())
                for n in range(2)
            )
        )
        give_up = time.monotonic() + START_TIMEOUT_S
        while len(acknowledged) < 5:
            assert not recording.done(), "the hub stopped answering before it was killed"
            assert time.monotonic() < give_up
            await asyncio.sleep(0.01)
        await hubs[0].stop(signal.SIGKILL)
        await asyncio.wait_for(recording, 60)
        children += await during
        children.append(await _journey(survivors, headers, _unlike_any_other_name()))
        assert len(attempted) > len(acknowledged) >= 5
        for family_name in attempted:
            found = await store.read(
                "MATCH (c:Child {familyName: $name}) OPTIONAL MATCH (k:Contact)-[r]-(c)"
                " RETURN c.id AS child, collect(DISTINCT k.id) AS contacts",
                {"name": family_name},
            )
            if family_name in acknowledged:
                assert [row["contacts"] for row in found] == [[acknowledged[family_name][1]]]
            else:
                assert [len(row["contacts"]) for row in found] in ([], [1])
        for child, contact in acknowledged.values():
            for hub in survivors:
                seen = (await hub.graphql(headers, CHILD, {"id": child}))["child"]
                assert seen["contacts"] == [{"id": contact, "status": "OPEN", "referralId": None}]

        # The one worker files each document exactly once, and opens each file once.
        expected = {"FILE_DOCUMENT:DELIVERED": 12, "OPEN_FILE:DELIVERED": 12}
        give_up = time.monotonic() + DELIVERY_TIMEOUT_S
        while (counts := await graph_counts(store)) != expected:
            assert worker.poll() is None, "the outbox worker exited"
            assert time.monotonic() < give_up, counts
            await asyncio.sleep(0.3)
        filed = embedded_versions(var_dir / "content")
        assert sorted(v["delivery_key"] for v in filed) == await file_item_ids(store)
        assert len(filed) == len(children)
    finally:
        for hub in hubs:
            await hub.stop()
        if worker.poll() is None:
            worker.send_signal(signal.SIGINT)
            try:
                await asyncio.to_thread(worker.wait, 30)
            except subprocess.TimeoutExpired:
                worker.kill()
        await store.drop()
        await store.close()
