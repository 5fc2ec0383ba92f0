"""Livelink records through GraphQL: forms, browsing, audited downloads, holds, disposal.

Everything runs through the ASGI app on the real embedded engine, with the outbox
worker run in the test (the app's own worker is off) so each step can be observed.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import date
from typing import Any

import httpx
import pytest
from markupsafe import escape

from connectors.livelink.embedded_store import EmbeddedContentStore
from connectors.livelink.outbox import OutboxWorker
from graph import FalkorDBStore
from graph.migrations import backfill_access_holders
from hub.app import form_store_from_settings, token_settings
from hub.settings import Settings
from tests.connectors.livelink import records_world as world
from tests.helpers import add_worker, graphql
from workflow.codes import ReferralSource
from workflow.ids import now_ms

pytestmark = pytest.mark.anyio

WORKER = "worker-sw-demo"
CHILD = "C-records-1"
OLD_CHILD = "C-records-old"

GENERATE = """
mutation ($child: ID!, $template: String!, $source: ID) {
  generateForm(childId: $child, templateKey: $template, sourceId: $source) {
    __typename
    ... on GeneratedForm { fileOpened document { id title folderKey }
                           version { id version checksumPdf filingState outboxItemId } }
    ... on NotFound { kind id }
    ... on NotAuthorised { reason }
    ... on InvalidInput { problems { field rule } }
  }
}
"""

BROWSE = """
query ($id: ID!) {
  child(id: $id) {
    file {
      id openedBy disposedAt
      retention { retainUntil rule citation recordClasses missing }
      folders { key documents { id title } }
      documents { id title templateKey latestVersion
                  versions { id version checksumPdf checksumHtml filingState filingAttempts
                             remoteNodeId remoteVersion generatedBy } }
      holds { key reason active appliedVia appliedBy liftedBy liftReason filingState }
    }
  }
}
"""

DOWNLOAD = """
query ($id: ID!, $format: DocumentFormat!) {
  documentContent(versionId: $id, format: $format) {
    __typename
    ... on DocumentContent { filename mimeType checksumSha256 sizeBytes contentBase64 }
    ... on NotFound { kind id }
  }
}
"""

HOLD_FIELDS = """
    __typename
    ... on HoldChanged { key fileIds }
    ... on NotAuthorised { reason }
    ... on TransitionRefused { currentState allowedNextSteps reason }
    ... on InvalidInput { problems { field rule } }
    ... on NotFound { kind id }
"""


def _token(settings: Settings, subject: str, name: str, role: str, team: str | None) -> str:
    from auth.tokens import LocalSigningKey, TokenIssuer

    rules = token_settings(settings)
    key = LocalSigningKey.load_or_create(rules.key_path)
    return TokenIssuer(rules, key).issue(subject, name, role, "agency-la", team)


def _as(settings: Settings, who: str) -> dict[str, str]:
    people = {
        "social-worker": (WORKER, "Sam Patel", "social_worker", world.TEAM),
        "other-worker": ("worker-elsewhere", "Kim Other", "social_worker", "team-elsewhere"),
        "records-officer": ("worker-records", "Rita Records", "records_officer", None),
    }
    return {"Authorization": f"Bearer {_token(settings, *people[who])}"}


@pytest.fixture
async def seeded(store: FalkorDBStore) -> FalkorDBStore:
    await store.write(
        "MERGE (t:Team {id: $team}) MERGE (w:Worker {id: $worker})"
        " SET w.name = 'Sam Patel', w.role = 'social_worker' MERGE (w)-[:MEMBER_OF_TEAM]->(t)",
        {"team": world.TEAM, "worker": WORKER},
    )
    # Internal staff act only through a worker record (auth/authority.py).
    await add_worker(store, "worker-elsewhere", "social_worker", "team-elsewhere", "Kim Other")
    await add_worker(store, "worker-records", "records_officer", name="Rita Records")
    for child, born in ((CHILD, date(2012, 3, 4)), (OLD_CHILD, date(1990, 1, 1))):
        await store.write(
            "MATCH (w:Worker {id: $worker})"
            " CREATE (c:Person:Child {id: $id, givenName: 'Ruby', familyName: 'Newman',"
            " dateOfBirth: date($born), sex: 'F', unborn: false, restricted: false})"
            " CREATE (c)-[:ALLOCATED_TO]->(w)"
            " CREATE (k:Contact {id: $contact, receivedDate: date('2014-06-01'), source: '2A',"
            " summary: 'Teacher saw bruising.', status: 'FINALISED', outcome: 'NO_FURTHER_ACTION',"
            " decisionDate: date('2014-06-01'), recordedAt: 1, version: 2})"
            " CREATE (k)-[:ABOUT]->(c) CREATE (k)-[:FINALISED_BY]->(w)",
            {"worker": WORKER, "id": child, "born": born, "contact": f"K-{child}"},
        )
        await backfill_access_holders(store)
    return store


async def _generate(
    client: httpx.AsyncClient, headers: dict[str, str], child: str = CHILD, **extra: Any
) -> dict[str, Any]:
    variables = {"child": child, "template": "contact_record", "source": f"K-{child}", **extra}
    data = await graphql(client, headers, GENERATE, variables)
    result: dict[str, Any] = data["generateForm"]
    return result


async def test_generate_browse_file_and_download_a_form(
    client: httpx.AsyncClient, settings: Settings, seeded: FalkorDBStore
) -> None:
    worker_headers = _as(settings, "social-worker")
    first = await _generate(client, worker_headers)
    second = await _generate(client, worker_headers)

    assert first["__typename"] == "GeneratedForm", first
    assert first["fileOpened"] is True
    assert second["fileOpened"] is False
    assert first["document"] == second["document"]
    assert first["document"]["folderKey"] == "referral_and_assessment"
    assert (first["version"]["version"], second["version"]["version"]) == (1, 2)
    assert first["version"]["checksumPdf"] != second["version"]["checksumPdf"]

    file = (await graphql(client, worker_headers, BROWSE, {"id": CHILD}))["child"]["file"]
    assert file["openedBy"] == "FORM"
    [document] = file["documents"]
    assert [v["version"] for v in document["versions"]] == [2, 1]
    assert {v["filingState"] for v in document["versions"]} == {"PENDING"}
    folders = {folder["key"]: folder["documents"] for folder in file["folders"]}
    assert folders["referral_and_assessment"] == [{"id": document["id"], "title": "Contact record"}]
    assert folders["looked_after"] == []
    # Generating recomputed the retention: a general record, to the 25th birthday.
    assert file["retention"]["retainUntil"] == "2037-03-04"
    assert file["retention"]["rule"] == "general"

    content = await EmbeddedContentStore.open(settings.content_dir)
    worker = OutboxWorker(seeded, content, form_store=form_store_from_settings(settings))
    assert (await worker.deliver_due(now_ms() + 1)).delivered == 3
    file = (await graphql(client, worker_headers, BROWSE, {"id": CHILD}))["child"]["file"]
    versions = file["documents"][0]["versions"]
    assert [(v["filingState"], v["remoteVersion"]) for v in versions] == [
        ("DELIVERED", 2),
        ("DELIVERED", 1),
    ]
    assert versions[0]["generatedBy"] == "Sam Patel"

    for format_, mime in (("PDF", "application/pdf"), ("HTML", "text/html; charset=utf-8")):
        data = await graphql(
            client, worker_headers, DOWNLOAD, {"id": versions[0]["id"], "format": format_}
        )
        download = data["documentContent"]
        assert download["__typename"] == "DocumentContent"
        assert download["mimeType"] == mime
        body = base64.b64decode(download["contentBase64"])
        assert hashlib.sha256(body).hexdigest() == download["checksumSha256"]
        assert len(body) == download["sizeBytes"]
    assert download["checksumSha256"] == versions[0]["checksumHtml"]
    assert "Teacher saw bruising." in body.decode()
    # The contact's DfE source code is shown as what it means, not as the code.
    assert f"<td>{escape(ReferralSource.SCHOOLS.description)}</td>" in body.decode()
    assert "<td>2A</td>" not in body.decode()

    # Records officers may download; a worker with no relationship sees nothing.
    officer = await graphql(
        client,
        _as(settings, "records-officer"),
        DOWNLOAD,
        {"id": versions[1]["id"], "format": "PDF"},
    )
    assert officer["documentContent"]["__typename"] == "DocumentContent"
    stranger = await graphql(
        client, _as(settings, "other-worker"), DOWNLOAD, {"id": versions[1]["id"], "format": "PDF"}
    )
    assert stranger["documentContent"] == {
        "__typename": "NotFound",
        "kind": "DocumentVersion",
        "id": versions[1]["id"],
    }
    reads = await seeded.read(
        "MATCH (r:DocumentRead)-[:READ_OF]->(v:DocumentVersion)"
        " RETURN r.by AS by, r.format AS format, v.version AS version ORDER BY r.at"
    )
    assert reads == [
        {"by": WORKER, "format": "PDF", "version": 2},
        {"by": WORKER, "format": "HTML", "version": 2},
        {"by": "worker-records", "format": "PDF", "version": 1},
    ]


async def test_form_generation_needs_write_access_a_visible_child_and_a_known_template(
    client: httpx.AsyncClient, settings: Settings, seeded: FalkorDBStore
) -> None:
    officer = await _generate(client, _as(settings, "records-officer"))
    assert officer["__typename"] == "NotAuthorised"
    stranger = await _generate(client, _as(settings, "other-worker"))
    assert stranger == {"__typename": "NotFound", "kind": "Child", "id": CHILD}
    unknown = await _generate(client, _as(settings, "social-worker"), template="no_such_form")
    assert unknown["__typename"] == "InvalidInput"
    assert unknown["problems"][0]["field"] == "templateKey"
    assert await seeded.read("MATCH (v:DocumentVersion) RETURN v.id AS id") == []


async def test_a_hold_blocks_disposal_until_lifted_and_disposal_is_audited(
    client: httpx.AsyncClient, settings: Settings, seeded: FalkorDBStore
) -> None:
    worker_headers = _as(settings, "social-worker")
    officer = _as(settings, "records-officer")
    generated = await _generate(client, worker_headers, child=OLD_CHILD)
    file_id = (await graphql(client, worker_headers, BROWSE, {"id": OLD_CHILD}))["child"]["file"][
        "id"
    ]
    review_query = """query { disposalReviewList(asOf: "2026-01-01") { __typename
        ... on DisposalReview { files { fileId childId retainUntil rule } }
        ... on NotAuthorised { reason } } }"""
    review = await graphql(client, officer, review_query)
    assert review["disposalReviewList"]["files"] == [
        {"fileId": file_id, "childId": OLD_CHILD, "retainUntil": "2015-01-01", "rule": "general"}
    ]
    assert (await graphql(client, worker_headers, review_query))["disposalReviewList"][
        "__typename"
    ] == "NotAuthorised"

    apply = f"""mutation ($file: ID!) {{ applyHold(fileId: $file, key: "LIT-7",
        reason: "Civil claim notified") {{ {HOLD_FIELDS} }} }}"""
    refused = await graphql(client, worker_headers, apply, {"file": file_id})
    assert refused["applyHold"]["__typename"] == "NotAuthorised"
    held = await graphql(client, officer, apply, {"file": file_id})
    assert held["applyHold"] == {"__typename": "HoldChanged", "key": "LIT-7", "fileIds": [file_id]}
    assert (await graphql(client, officer, review_query))["disposalReviewList"]["files"] == []

    dispose = """mutation ($file: ID!) { disposeFile(fileId: $file,
        reason: "Retention ended; reviewed by records") { __typename
        ... on FileDisposed { fileId childId disposedBy reason rule retainUntil }
        ... on TransitionRefused { currentState allowedNextSteps reason } } }"""
    blocked = await graphql(client, officer, dispose, {"file": file_id})
    assert blocked["disposeFile"] == {
        "__typename": "TransitionRefused",
        "currentState": "HELD",
        "allowedNextSteps": ["liftHold"],
        "reason": "the file is under legal hold (LIT-7); lift every hold first",
    }

    lift = f"""mutation ($file: ID!) {{ liftHold(fileId: $file, key: "LIT-7",
        reason: "Claim settled") {{ {HOLD_FIELDS} }} }}"""
    lifted = await graphql(client, officer, lift, {"file": file_id})
    assert lifted["liftHold"] == {"__typename": "HoldChanged", "key": "LIT-7", "fileIds": [file_id]}
    again = await graphql(client, officer, lift, {"file": file_id})
    assert again["liftHold"]["__typename"] == "TransitionRefused"
    holds = (await graphql(client, officer, BROWSE, {"id": OLD_CHILD}))["child"]["file"]["holds"]
    assert holds == [
        {
            "key": "LIT-7",
            "reason": "Civil claim notified",
            "active": False,
            "appliedVia": "FILE",
            "appliedBy": "Rita Records",
            "liftedBy": "Rita Records",
            "liftReason": "Claim settled",
            "filingState": "PENDING",
        }
    ]

    disposed = await graphql(client, officer, dispose, {"file": file_id})
    assert disposed["disposeFile"] == {
        "__typename": "FileDisposed",
        "fileId": file_id,
        "childId": OLD_CHILD,
        "disposedBy": "Rita Records",
        "reason": "Retention ended; reviewed by records",
        "rule": "general",
        "retainUntil": "2015-01-01",
    }
    records = await seeded.read(
        "MATCH (e:DisposalRecord)-[:DISPOSED]->(f:File {id: $id})"
        " RETURN e.by AS by, e.role AS role, e.reason AS reason",
        {"id": file_id},
    )
    assert records == [
        {
            "by": "worker-records",
            "role": "records_officer",
            "reason": "Retention ended; reviewed by records",
        }
    ]
    gone = await graphql(
        client, officer, DOWNLOAD, {"id": generated["version"]["id"], "format": "PDF"}
    )
    assert gone["documentContent"]["__typename"] == "NotFound"
    regenerate = await _generate(client, worker_headers, child=OLD_CHILD)
    assert regenerate["__typename"] == "TransitionRefused"


async def test_why_a_file_is_held_is_narrative_read_with_the_case_notes_capability(
    client: httpx.AsyncClient, settings: Settings, seeded: FalkorDBStore
) -> None:
    """A records officer's reason for a hold is free text ("claim by the mother's
    solicitor"): a performance analyst, who reads every file but not the narrative, and a
    support officer of the child's team are shown the hold and not why, as with a
    contact's summary; the allocated worker and records staff read it."""
    await _generate(client, _as(settings, "social-worker"), child=OLD_CHILD)
    officer = _as(settings, "records-officer")
    file_id = (await graphql(client, officer, BROWSE, {"id": OLD_CHILD}))["child"]["file"]["id"]
    for step, why in (("applyHold", "Claim by the mother's solicitor"), ("liftHold", "Settled")):
        changed = await graphql(
            client,
            officer,
            f'mutation ($file: ID!, $why: String!) {{ {step}(fileId: $file, key: "LIT-8",'
            f" reason: $why) {{ {HOLD_FIELDS} }} }}",
            {"file": file_id, "why": why},
        )
        assert changed[step]["__typename"] == "HoldChanged", changed
    await add_worker(seeded, "analyst-1", "performance_analyst")
    await add_worker(seeded, "support-1", "support_officer", world.TEAM)
    await seeded.write(
        "MATCH (c:Child {id: $id}), (t:Team {id: $team}) CREATE (c)-[:RESPONSIBLE_TEAM]->(t)",
        {"id": OLD_CHILD, "team": world.TEAM},
    )
    await backfill_access_holders(seeded)
    readers = {
        "analyst": _token(settings, "analyst-1", "Ann Analyst", "performance_analyst", None),
        "support": _token(settings, "support-1", "Sue Support", "support_officer", world.TEAM),
    }
    seen = {
        reader: [
            (hold["key"], hold["reason"], hold["liftReason"])
            for hold in (
                await graphql(
                    client, {"Authorization": f"Bearer {token}"}, BROWSE, {"id": OLD_CHILD}
                )
            )["child"]["file"]["holds"]
        ]
        for reader, token in readers.items()
    }
    for reader in ("social-worker", "records-officer"):
        holds = (await graphql(client, _as(settings, reader), BROWSE, {"id": OLD_CHILD}))["child"][
            "file"
        ]["holds"]
        seen[reader] = [(hold["key"], hold["reason"], hold["liftReason"]) for hold in holds]

    assert seen == {
        "analyst": [("LIT-8", None, None)],
        "support": [("LIT-8", None, None)],
        "social-worker": [("LIT-8", "Claim by the mother's solicitor", "Settled")],
        "records-officer": [("LIT-8", "Claim by the mother's solicitor", "Settled")],
    }


async def test_a_hold_on_a_file_not_found_or_not_seen_writes_nothing(
    client: httpx.AsyncClient, settings: Settings, seeded: FalkorDBStore
) -> None:
    """`applyHold` on a file no one has, or one of a restricted child the officer holds no
    grant to, answers NotFound alike and leaves no hold behind: the hold is made by the
    first call that holds a file, with that call's reason."""
    await _generate(client, _as(settings, "social-worker"), child=OLD_CHILD)
    officer = _as(settings, "records-officer")
    file_id = (await graphql(client, officer, BROWSE, {"id": OLD_CHILD}))["child"]["file"]["id"]
    await seeded.write("MATCH (c:Child {id: $id}) SET c.restricted = true", {"id": OLD_CHILD})
    apply = f"""mutation ($file: ID!, $why: String!) {{ applyHold(fileId: $file, key: "LIT-9",
        reason: $why) {{ {HOLD_FIELDS} }} }}"""
    answers = [
        (await graphql(client, officer, apply, {"file": file, "why": "Probing"}))["applyHold"]
        for file in (file_id, "F-nobody")
    ]
    assert answers == [
        {"__typename": "NotFound", "kind": "File", "id": file_id},
        {"__typename": "NotFound", "kind": "File", "id": "F-nobody"},
    ]
    assert await seeded.read("MATCH (h:LegalHold) RETURN h.key AS key") == []
    await seeded.write("MATCH (c:Child {id: $id}) SET c.restricted = false", {"id": OLD_CHILD})
    held = await graphql(client, officer, apply, {"file": file_id, "why": "Civil claim"})
    assert held["applyHold"]["__typename"] == "HoldChanged"
    holds = (await graphql(client, officer, BROWSE, {"id": OLD_CHILD}))["child"]["file"]["holds"]
    assert [(hold["key"], hold["reason"]) for hold in holds] == [("LIT-9", "Civil claim")]


async def test_hold_by_query_recompute_and_replay_through_graphql(
    client: httpx.AsyncClient, settings: Settings, seeded: FalkorDBStore
) -> None:
    worker_headers = _as(settings, "social-worker")
    officer = _as(settings, "records-officer")
    await _generate(client, worker_headers)
    await world.add_period_of_care(
        seeded, CHILD, "POC-1", start=date(2013, 1, 1), end=date(2014, 1, 1)
    )
    recompute = """mutation ($child: ID!) { recomputeRetention(childId: $child) { __typename
        ... on RetentionRecomputed { retainUntil rule recordClasses holdsApplied } } }"""
    recomputed = await graphql(client, worker_headers, recompute, {"child": CHILD})
    assert recomputed["recomputeRetention"] == {
        "__typename": "RetentionRecomputed",
        "retainUntil": "2087-03-04",
        "rule": "looked_after",
        "recordClasses": ["general", "looked_after"],
        "holdsApplied": [],
    }

    query = f"""mutation {{ holdByQuery(key: "INQUIRY-2015", reason: "Inquiry moratorium",
        criteria: {{recordClass: LOOKED_AFTER, startedBefore: "2015-01-01"}},
        standing: true) {{ {HOLD_FIELDS} }} }}"""
    held = await graphql(client, officer, query)
    file_id = (await graphql(client, worker_headers, BROWSE, {"id": CHILD}))["child"]["file"]["id"]
    assert held["holdByQuery"] == {
        "__typename": "HoldChanged",
        "key": "INQUIRY-2015",
        "fileIds": [file_id],
    }
    unbounded = f"""mutation {{ holdByQuery(key: "X", reason: "r", criteria: {{}})
        {{ {HOLD_FIELDS} }} }}"""
    bad = await graphql(client, officer, unbounded)
    assert bad["holdByQuery"]["__typename"] == "InvalidInput"

    item = (await seeded.read("MATCH (o:OutboxItem {kind: 'OPEN_FILE'}) RETURN o.id AS id"))[0][
        "id"
    ]
    await seeded.write(
        "MATCH (o:OutboxItem {id: $id}) SET o.state = 'FAILED', o.attempts = 8", {"id": item}
    )
    failed = await graphql(
        client, officer, "query { outboxItems { ... on OutboxItemList { items { id kind } } } }"
    )
    assert failed["outboxItems"]["items"] == [{"id": item, "kind": "OPEN_FILE"}]
    replay = """mutation ($id: ID!) { replayOutboxItem(itemId: $id) { __typename
        ... on OutboxItem { id state attempts } ... on TransitionRefused { currentState }
        ... on NotFound { kind } ... on NotAuthorised { reason } } }"""
    assert (await graphql(client, worker_headers, replay, {"id": item}))["replayOutboxItem"][
        "__typename"
    ] == "NotAuthorised"
    replayed = await graphql(client, officer, replay, {"id": item})
    assert replayed["replayOutboxItem"] == {
        "__typename": "OutboxItem",
        "id": item,
        "state": "PENDING",
        "attempts": 0,
    }
    twice = await graphql(client, officer, replay, {"id": item})
    assert twice["replayOutboxItem"] == {
        "__typename": "TransitionRefused",
        "currentState": "PENDING",
    }
    missing = await graphql(client, officer, replay, {"id": "no-such-item"})
    assert missing["replayOutboxItem"] == {"__typename": "NotFound", "kind": "OutboxItem"}


async def test_a_hold_on_one_file_of_a_merged_child_keeps_every_file_of_theirs(
    client: httpx.AsyncClient, settings: Settings, seeded: FalkorDBStore
) -> None:
    # Two records of one woman born in 1990, each with a file long past its retention; a
    # civil claim put a hold on one. Merged, they are one child's records: the hold keeps
    # both files (the kept record's own too) until it is lifted.
    worker_headers = _as(settings, "social-worker")
    officer = _as(settings, "records-officer")
    await seeded.write(
        "MATCH (w:Worker {id: $worker})"
        " CREATE (c:Person:Child {id: 'C-OLD-2', givenName: 'Rubie', familyName: 'Newman',"
        " dateOfBirth: date('1990-01-01'), sex: 'F', unborn: false, restricted: false})"
        " CREATE (c)-[:ALLOCATED_TO]->(w)"
        " CREATE (k:Contact {id: 'K-C-OLD-2', receivedDate: date('2004-06-01'), source: '2A',"
        " summary: 'School nurse concerned.', status: 'FINALISED',"
        " outcome: 'NO_FURTHER_ACTION', decisionDate: date('2004-06-01'), recordedAt: 1,"
        " version: 2})"
        " CREATE (k)-[:ABOUT]->(c) CREATE (k)-[:FINALISED_BY]->(w)",
        {"worker": WORKER},
    )
    await backfill_access_holders(seeded)
    await _generate(client, worker_headers, child=OLD_CHILD)
    await _generate(client, worker_headers, child="C-OLD-2")
    kept_file = (await graphql(client, worker_headers, BROWSE, {"id": OLD_CHILD}))["child"]["file"][
        "id"
    ]
    held_file = (await graphql(client, worker_headers, BROWSE, {"id": "C-OLD-2"}))["child"]["file"][
        "id"
    ]
    apply = f"""mutation ($file: ID!) {{ applyHold(fileId: $file, key: "LIT-9",
        reason: "Civil claim notified") {{ {HOLD_FIELDS} }} }}"""
    assert (await graphql(client, officer, apply, {"file": held_file}))["applyHold"][
        "__typename"
    ] == "HoldChanged"
    merge = """mutation { mergeChildren(keep: "%s", merge: "C-OLD-2",
        reason: "One woman: the same NHS record", on: "2026-01-01") { __typename } }"""
    merged = await graphql(client, officer, merge % OLD_CHILD)
    assert merged == {"mergeChildren": {"__typename": "ChildMerge"}}

    review_query = """query { disposalReviewList(asOf: "2026-01-01") { __typename
        ... on DisposalReview { files { fileId } } } }"""
    review = await graphql(client, officer, review_query)
    dispose = """mutation ($file: ID!) { disposeFile(fileId: $file,
        reason: "Retention ended") { __typename
        ... on TransitionRefused { currentState reason } } }"""
    refused = await graphql(client, officer, dispose, {"file": kept_file})

    assert review["disposalReviewList"]["files"] == []
    assert refused["disposeFile"] == {
        "__typename": "TransitionRefused",
        "currentState": "HELD",
        "reason": "the file is under legal hold (LIT-9); lift every hold first",
    }


async def test_a_form_store_that_cannot_write_answers_503_and_records_nothing(
    client: httpx.AsyncClient, settings: Settings, seeded: FalkorDBStore
) -> None:
    # A full (or read-only) disk under var/forms answered INTERNAL_SERVER_ERROR, an
    # unexpected error, where an engine outage answers 503 with a code to retry on.
    forms = form_store_from_settings(settings).root
    forms.mkdir(parents=True, exist_ok=True)
    # Something not a folder where the blobs' folders go: every write fails (ENOTDIR).
    (forms / "sha256").write_bytes(b"")
    response = await client.post(
        "/graphql",
        json={
            "query": GENERATE,
            "variables": {"child": CHILD, "template": "contact_record", "source": f"K-{CHILD}"},
        },
        headers=_as(settings, "social-worker"),
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    body = response.json()
    assert body["data"] is None
    assert [error["extensions"]["code"] for error in body["errors"]] == ["STORAGE_UNAVAILABLE"]
    assert str(forms) not in response.text
    assert await seeded.read("MATCH (v:DocumentVersion) RETURN v.id AS id") == []


async def test_a_misfiled_form_outlives_the_disposal_of_the_file_it_was_misfiled_on(
    client: httpx.AsyncClient, settings: Settings, seeded: FalkorDBStore
) -> None:
    # The contact was another child's, withdrawn as recorded in error: its form is under
    # the LCS-MISFILED hold for a records officer to review. Disposing of this child's
    # file when its retention ends disposes of this child's record, not of the evidence
    # held for review.
    worker_headers = _as(settings, "social-worker")
    officer = _as(settings, "records-officer")
    await add_worker(seeded, "worker-tm", "team_manager", world.TEAM, "Tam Manager")
    await seeded.write(
        "MATCH (w:Worker {id: $worker}), (m:Worker {id: 'worker-tm'}) MERGE (w)-[:REPORTS_TO]->(m)",
        {"worker": WORKER},
    )
    manager = {
        "Authorization": "Bearer "
        + _token(settings, "worker-tm", "Tam Manager", "team_manager", world.TEAM)
    }
    generated = await _generate(client, worker_headers, child=OLD_CHILD)
    withdraw = """mutation { withdrawContact(contactId: "K-C-records-old", version: 2,
        reason: "Another child's contact") { __typename } }"""
    withdrawn = await graphql(client, manager, withdraw)
    assert withdrawn["withdrawContact"] == {"__typename": "Contact"}, withdrawn
    file_id = (await graphql(client, officer, BROWSE, {"id": OLD_CHILD}))["child"]["file"]["id"]

    dispose = """mutation ($file: ID!) { disposeFile(fileId: $file,
        reason: "Retention ended; reviewed by records") { __typename } }"""
    disposed = await graphql(client, officer, dispose, {"file": file_id})
    assert disposed["disposeFile"] == {"__typename": "FileDisposed"}, disposed

    kept = await graphql(
        client, officer, DOWNLOAD, {"id": generated["version"]["id"], "format": "PDF"}
    )
    assert kept["documentContent"]["__typename"] == "DocumentContent", kept
