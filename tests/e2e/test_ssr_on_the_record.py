"""A Single Service Request from IES: pushed by the education system, it shows on the
child's record and in the chronology, and once finalised it opens the child's Livelink
file (delivered to the content store by the outbox), once however often it is replayed.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import httpx
import pytest

from connectors.livelink import FILE_PLAN
from connectors.livelink.embedded_store import EmbeddedContentStore
from connectors.livelink.outbox import OutboxWorker
from graph import FalkorDBStore
from hub.settings import Settings
from tests.connectors.intake.world import add_child, role_headers
from tests.helpers import add_worker, graphql
from workflow.ids import now_ms

pytestmark = pytest.mark.anyio

UPN = "E938200112001"
SSR = {
    "recordType": "SSR",
    "recordId": "IES-SSR-40",
    "version": 1,
    "givenName": "Leo",
    "familyName": "Marsh",
    "dateOfBirth": "2014-03-09",
    "upn": UPN,
    "schoolUrn": "117000",
    "status": "SUBMITTED",
    "summary": "Concerns about neglect: often hungry, same clothes all week",
    "startDate": "2026-10-20",
}
FINALISED = {**SSR, "version": 2, "status": "FINALISED", "finalisedDate": "2026-10-22"}
CHILD = """
query ($id: ID!) { child(id: $id) {
  singleServiceRequests { recordId version schoolUrn status requestedOn finalisedOn summary }
  file { openedBy filingState folders { key } }
  chronology { on kind title detail } } }
"""


async def push(client: httpx.AsyncClient, headers: dict[str, str], *rows: object) -> None:
    body = "\n".join(json.dumps(row) for row in rows)
    response = await client.post(
        "/ingest/ies", content=body, headers={**headers, "Content-Type": "application/x-ndjson"}
    )
    assert response.status_code == 200, response.text
    assert not response.json()["rejected"], response.json()


async def test_a_finalised_ssr_is_on_the_record_in_the_chronology_and_opens_the_file_once(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings, tmp_path: Path
) -> None:
    await add_child(store, "C-LEO", "Leo", "Marsh", date(2014, 3, 9), sex="M", upn=UPN)
    worker = await role_headers(store, settings, "social_worker", "sw-ed")
    await add_worker(store, "sw-ed", "social_worker", team="T-ED")
    await store.write(
        "MATCH (c:Child {id: 'C-LEO'}), (t:Team {id: 'T-ED'}) MERGE (c)-[:RESPONSIBLE_TEAM]->(t)"
    )
    ies_system = await role_headers(store, settings, "system_client", "ies-system", "herts-ies")

    await push(client, ies_system, SSR)
    child = (await graphql(client, worker, CHILD, {"id": "C-LEO"}))["child"]
    assert child["singleServiceRequests"] == [
        {
            "recordId": "IES-SSR-40",
            "version": 1,
            "schoolUrn": "117000",
            "status": "SUBMITTED",
            "requestedOn": "2026-10-20",
            "finalisedOn": None,
            "summary": "Concerns about neglect: often hungry, same clothes all week",
        }
    ]
    assert child["file"] is None
    assert [(e["on"], e["kind"], e["title"]) for e in child["chronology"]] == [
        ("2026-10-20", "SSR", "SSR")
    ]

    await push(client, ies_system, FINALISED)
    await push(client, ies_system, FINALISED)  # a replay
    child = (await graphql(client, worker, CHILD, {"id": "C-LEO"}))["child"]
    [ssr] = child["singleServiceRequests"]
    assert (ssr["version"], ssr["status"], ssr["finalisedOn"]) == (2, "FINALISED", "2026-10-22")
    assert [(e["on"], e["kind"], e["title"]) for e in child["chronology"]] == [
        ("2026-10-20", "SSR", "SSR"),
        ("2026-10-22", "SSR", "SSR_FINALISED"),
    ]
    assert child["file"]["openedBy"] == "SSR"
    assert child["file"]["filingState"] == "PENDING"
    assert [f["key"] for f in child["file"]["folders"]] == [f.key for f in FILE_PLAN]

    content = await EmbeddedContentStore.open(tmp_path / "content")
    outbox = OutboxWorker(store, content)
    assert (await outbox.deliver_due(now_ms())).delivered == 1
    assert (await outbox.deliver_due(now_ms())).delivered == 0
    opened = await content.ensure_child_file("C-LEO")
    assert set(opened.subfolders) == {f.key for f in FILE_PLAN}
    await content.aclose()
    child = (await graphql(client, worker, CHILD, {"id": "C-LEO"}))["child"]
    assert child["file"]["filingState"] == "DELIVERED"

    # The narrative is for those who may read case notes: an analyst sees that there was
    # an SSR, never what the school said.
    analyst = await role_headers(store, settings, "performance_analyst", "analyst-ed")
    seen = (await graphql(client, analyst, CHILD, {"id": "C-LEO"}))["child"]
    assert [s["summary"] for s in seen["singleServiceRequests"]] == [None]
