"""A Single Service Request from IES: pushed by the education system, it shows on the
child's record and in the chronology, and once finalised it opens the child's Livelink
file (delivered to the content store by the outbox), once however often it is replayed.
"""

from __future__ import annotations

import base64
import json
from datetime import date
from pathlib import Path

import httpx
import pytest

from connectors.livelink import FILE_PLAN
from connectors.livelink.embedded_store import EmbeddedContentStore
from connectors.livelink.outbox import OutboxWorker
from graph import FalkorDBStore
from graph.migrations import backfill_access_holders
from hub.settings import Settings
from tests.connectors.intake.world import add_child, link, role_headers, unlink
from tests.e2e.journey_helpers import (
    FILE_DOCUMENTS,
    deliver_outbox,
    generated_form,
    held_as_misfiled,
)
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


async def education_team(
    store: FalkorDBStore, settings: Settings, child_id: str
) -> tuple[dict[str, str], dict[str, str]]:
    """A social worker of the team responsible for the child, and IES's system client."""
    worker = await role_headers(store, settings, "social_worker", "sw-ed")
    await add_worker(store, "sw-ed", "social_worker", team="T-ED")
    await store.write(
        "MATCH (c:Child {id: $id}), (t:Team {id: 'T-ED'}) MERGE (c)-[:RESPONSIBLE_TEAM]->(t)",
        {"id": child_id},
    )
    await backfill_access_holders(store)
    ies_system = await role_headers(store, settings, "system_client", "ies-system", "herts-ies")
    return worker, ies_system


async def test_a_finalised_ssr_is_on_the_record_in_the_chronology_and_opens_the_file_once(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings, tmp_path: Path
) -> None:
    await add_child(store, "C-LEO", "Leo", "Marsh", date(2014, 3, 9), sex="M", upn=UPN)
    worker, ies_system = await education_team(store, settings, "C-LEO")

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


SSR_IDS = "query ($id: ID!) { child(id: $id) { singleServiceRequests { id } } }"
DOWNLOAD = """query ($id: ID!) { documentContent(versionId: $id, format: HTML) {
  ... on DocumentContent { contentBase64 } } }"""
GENERATE = """mutation ($child: ID!, $source: ID) {
  generateForm(childId: $child, templateKey: "ssr_summary", sourceId: $source) {
    __typename ... on GeneratedForm { version { id } } ... on NotFound { kind id } } }"""


async def test_an_ssr_summary_is_made_of_the_ssr_as_ies_sent_it(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    # The SSR is kept as IES sent it (a source record linked to the child): its summary
    # form shows what IES said, and the child's name exactly as recorded.
    await add_child(store, "C-ZOE", "Zoë", "Ó Súilleabháin", date(2014, 3, 9), upn=UPN)
    worker, ies_system = await education_team(store, settings, "C-ZOE")
    named = {"givenName": "Zoë", "familyName": "Ó Súilleabháin"}
    await push(client, ies_system, {**SSR, **named}, {**FINALISED, **named})
    [ssr] = (await graphql(client, worker, SSR_IDS, {"id": "C-ZOE"}))["child"][
        "singleServiceRequests"
    ]

    made = (await graphql(client, worker, GENERATE, {"child": "C-ZOE", "source": ssr["id"]}))[
        "generateForm"
    ]
    assert made["__typename"] == "GeneratedForm", made
    content = await graphql(client, worker, DOWNLOAD, {"id": made["version"]["id"]})
    html = base64.b64decode(content["documentContent"]["contentBase64"]).decode()
    for shown in (
        "Zoë Ó Súilleabháin",
        "IES-SSR-40",
        UPN,
        "117000",
        "20 October 2026",
        "22 October 2026",
        "Concerns about neglect: often hungry, same clothes all week",
        "<td>Finalised</td>",
    ):
        assert shown in html, shown
    # The request is withdrawn in IES: the summary made again says so.
    await push(client, ies_system, {**SSR, **named, "version": 3, "status": "WITHDRAWN"})
    again = (await graphql(client, worker, GENERATE, {"child": "C-ZOE", "source": ssr["id"]}))[
        "generateForm"
    ]
    content = await graphql(client, worker, DOWNLOAD, {"id": again["version"]["id"]})
    html = base64.b64decode(content["documentContent"]["contentBase64"]).decode()
    assert "<td>Withdrawn in IES</td>" in html

    # Another kind of IES record is not an SSR.
    pupil = {**SSR, **named, "recordType": "PUPIL", "recordId": "P-1", "schoolName": "Oak"}
    pupil.update(yearGroup="9", startDate="2024-09-04")
    for field in ("status", "summary"):
        del pupil[field]
    await push(client, ies_system, pupil)
    [record] = await store.read("MATCH (r:SourceRecord {recordId: 'P-1'}) RETURN r.id AS id")
    refused = await graphql(client, worker, GENERATE, {"child": "C-ZOE", "source": record["id"]})
    assert refused["generateForm"] == {
        "__typename": "NotFound",
        "kind": "SingleServiceRequest",
        "id": record["id"],
    }


async def test_an_ssr_withdrawn_or_unlinked_takes_its_summary_off_the_childs_file(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    # IES withdraws the SSR (sent about the wrong child), or a records officer takes it
    # off the child: its summary on the child's file is another child's record there,
    # misfiled as a withdrawn record's form is. Sent again, or linked back, it is theirs.
    await add_child(store, "C-LEO", "Leo", "Marsh", date(2014, 3, 9), sex="M", upn=UPN)
    worker, ies_system = await education_team(store, settings, "C-LEO")
    await push(client, ies_system, SSR, FINALISED)
    [ssr] = (await graphql(client, worker, SSR_IDS, {"id": "C-LEO"}))["child"][
        "singleServiceRequests"
    ]
    form = await generated_form(client, worker, "C-LEO", "ssr_summary", ssr["id"])
    officer = await role_headers(store, settings, "records_officer", "records-officer-1")

    async def misfiled() -> list[tuple[str, str | None]]:
        assert (await deliver_outbox(store, settings)).failed == 0
        held = await held_as_misfiled(settings)
        file = (await graphql(client, officer, FILE_DOCUMENTS, {"id": "C-LEO"}))["child"]["file"]
        reasons = [(d["id"], (d["misfiled"] or {}).get("reason")) for d in file["documents"]]
        assert {d for d, reason in reasons if reason} == held, (reasons, held)
        return reasons

    assert await misfiled() == [(form, None)]
    wrong = {**FINALISED, "version": 3, "withdrawn": True, "withdrawnReason": "Wrong child"}
    await push(client, ies_system, wrong)
    assert await misfiled() == [(form, "RECORDED_IN_ERROR")]
    seen = (await graphql(client, worker, FILE_DOCUMENTS, {"id": "C-LEO"}))["child"]["file"]
    assert seen["documents"] == [], seen
    await push(client, ies_system, {**FINALISED, "version": 4})
    assert await misfiled() == [(form, None)]

    await unlink(client, officer, ssr["id"])
    assert await misfiled() == [(form, "MOVED")]
    await link(client, officer, ssr["id"], "C-LEO")
    assert await misfiled() == [(form, None)]
