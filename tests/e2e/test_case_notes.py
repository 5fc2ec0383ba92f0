"""Case notes through GraphQL: drafts, finalising, corrections as kept versions, episodes."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from demo.personas import SAFEGUARDING_TEAM
from graph import FalkorDBStore
from hub.settings import Settings
from tests.connectors.intake.world import role_headers
from tests.e2e.journey_helpers import OUTCOMES, demo_child, demo_county, referral_for
from tests.helpers import add_worker, bearer, graphql

pytestmark = pytest.mark.anyio

NOTE = (
    "id type text status version revision episodeId current previousVersionId"
    " supersededById finalisedAt correctionReason author"
)
ADD = f"""mutation ($input: AddCaseNoteInput!) {{ addCaseNote(input: $input) {{
  __typename ... on CaseNote {{ {NOTE} }} ... on InvalidInput {{ problems {{ field rule }} }}
  ... on NotAuthorised {{ reason }} ... on NotFound {{ kind id }} }} }}"""
EDIT = f"""mutation ($input: EditCaseNoteDraftInput!) {{ editCaseNoteDraft(input: $input) {{
  __typename ... on CaseNote {{ {NOTE} }} {OUTCOMES} }} }}"""
FINALISE = f"""mutation ($id: ID!, $revision: Int!) {{ finaliseCaseNote(noteId: $id,
  revision: $revision) {{ __typename ... on CaseNote {{ {NOTE} }} {OUTCOMES} }} }}"""
CORRECT = f"""mutation ($input: CorrectCaseNoteInput!) {{ correctCaseNote(input: $input) {{
  __typename ... on CaseNote {{ {NOTE} versions {{ id version text current }} }}
  {OUTCOMES} }} }}"""
NOTES = """query ($id: ID!) { child(id: $id) {
  caseNotes { id text status version versions { id version text current } }
  chronology { kind title detail recordId } } }"""


async def _note_ids(client: httpx.AsyncClient, caller: dict[str, str], child_id: str) -> set[str]:
    child = (await graphql(client, caller, NOTES, {"id": child_id}))["child"]
    return {note["id"] for note in child["caseNotes"]}


async def test_a_draft_is_edited_finalised_then_corrected_as_a_new_version(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world)
    case = await referral_for(client, worker, child_id, date(2026, 3, 2))

    draft = (
        await graphql(
            client,
            worker,
            ADD,
            {
                "input": {
                    "childId": child_id,
                    "type": "PHONE_CALL",
                    "text": "Spoke to mum",
                    "occurredAt": "2026-03-03T09:30:00Z",
                    "episodeId": case["id"],
                    "draft": True,
                }
            },
        )
    )["addCaseNote"]
    assert draft["__typename"] == "CaseNote"
    assert (draft["status"], draft["version"], draft["revision"], draft["episodeId"]) == (
        "DRAFT",
        1,
        0,
        case["id"],
    )
    assert draft["finalisedAt"] is None
    # A draft is not yet on the record: the chronology does not show it, and only its
    # author reads it among the child's notes (not the manager, who reads the child).
    child = (await graphql(client, worker, NOTES, {"id": child_id}))["child"]
    assert draft["id"] not in {e["recordId"] for e in child["chronology"]}
    assert draft["id"] in {note["id"] for note in child["caseNotes"]}
    assert draft["id"] not in await _note_ids(client, manager, child_id)

    edited = (
        await graphql(
            client,
            worker,
            EDIT,
            {"input": {"noteId": draft["id"], "revision": 0, "text": "Spoke to mum by phone"}},
        )
    )["editCaseNoteDraft"]
    assert (edited["text"], edited["revision"], edited["type"]) == (
        "Spoke to mum by phone",
        1,
        "PHONE_CALL",
    )
    # The revision guards the draft: an edit from a stale copy changes nothing.
    stale = (
        await graphql(client, worker, EDIT, {"input": {"noteId": draft["id"], "revision": 0}})
    )["editCaseNoteDraft"]
    assert stale["__typename"] == "TransitionRefused"
    assert stale["allowedNextSteps"] == ["editCaseNoteDraft", "finaliseCaseNote"]
    # Only the author finalises their draft.
    theirs = (await graphql(client, manager, FINALISE, {"id": draft["id"], "revision": 1}))[
        "finaliseCaseNote"
    ]
    assert theirs["__typename"] == "NotAuthorised"
    not_yet = (
        await graphql(
            client, worker, CORRECT, {"input": {"noteId": draft["id"], "text": "x", "reason": "y"}}
        )
    )["correctCaseNote"]
    assert (not_yet["__typename"], not_yet["currentState"]) == ("TransitionRefused", "DRAFT")

    final = (await graphql(client, worker, FINALISE, {"id": draft["id"], "revision": 1}))[
        "finaliseCaseNote"
    ]
    assert (final["status"], final["current"]) == ("FINAL", True)
    assert final["finalisedAt"] is not None
    assert draft["id"] in await _note_ids(client, manager, child_id)

    # A finalised note cannot be edited in place.
    in_place = (
        await graphql(
            client,
            worker,
            EDIT,
            {"input": {"noteId": draft["id"], "revision": 2, "text": "Changed my mind"}},
        )
    )["editCaseNoteDraft"]
    assert in_place["__typename"] == "TransitionRefused"
    assert (in_place["currentState"], in_place["allowedNextSteps"]) == (
        "FINAL",
        ["correctCaseNote"],
    )

    corrected = (
        await graphql(
            client,
            worker,
            CORRECT,
            {
                "input": {
                    "noteId": draft["id"],
                    "text": "Spoke to mum and grandmother by phone",
                    "reason": "Grandmother was also on the call",
                }
            },
        )
    )["correctCaseNote"]
    assert corrected["__typename"] == "CaseNote"
    assert (corrected["version"], corrected["previousVersionId"], corrected["status"]) == (
        2,
        draft["id"],
        "FINAL",
    )
    assert (corrected["episodeId"], corrected["type"]) == (case["id"], "PHONE_CALL")
    assert corrected["correctionReason"] == "Grandmother was also on the call"
    assert corrected["versions"] == [
        {"id": draft["id"], "version": 1, "text": "Spoke to mum by phone", "current": False},
        {
            "id": corrected["id"],
            "version": 2,
            "text": "Spoke to mum and grandmother by phone",
            "current": True,
        },
    ]
    # The superseded version is kept but cannot be corrected again.
    again = (
        await graphql(
            client, worker, CORRECT, {"input": {"noteId": draft["id"], "text": "x", "reason": "y"}}
        )
    )["correctCaseNote"]
    assert (again["__typename"], again["currentState"]) == ("TransitionRefused", "SUPERSEDED")

    child = (await graphql(client, worker, NOTES, {"id": child_id}))["child"]
    mine = [note for note in child["caseNotes"] if note["id"] in (draft["id"], corrected["id"])]
    assert [(n["id"], n["version"], len(n["versions"])) for n in mine] == [(corrected["id"], 2, 2)]
    in_chronology = [e for e in child["chronology"] if e["kind"] == "CASE_NOTE"]
    ids = {e["recordId"] for e in in_chronology}
    assert corrected["id"] in ids
    assert draft["id"] not in ids


async def test_add_case_note_stays_final_and_checks_the_episode(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    child_id, other_child = demo_child(world), demo_child(world, index=1)
    other_case = await referral_for(client, worker, other_child, date(2026, 3, 2))
    note = {
        "childId": child_id,
        "type": "VISIT",
        "text": "Seen at home",
        "occurredAt": "2026-03-03T09:30:00Z",
    }

    added = (await graphql(client, worker, ADD, {"input": note}))["addCaseNote"]
    assert (added["status"], added["version"], added["episodeId"]) == ("FINAL", 1, None)
    # Another child's case is not an episode of this child.
    wrong = (
        await graphql(client, worker, ADD, {"input": {**note, "episodeId": other_case["id"]}})
    )["addCaseNote"]
    assert wrong == {"__typename": "NotFound", "kind": "Episode", "id": other_case["id"]}
    unknown = (await graphql(client, worker, FINALISE, {"id": "no-such-note", "revision": 0}))[
        "finaliseCaseNote"
    ]
    assert unknown == {"__typename": "NotFound", "kind": "CaseNote", "id": "no-such-note"}
    empty = (
        await graphql(
            client,
            worker,
            CORRECT,
            {"input": {"noteId": added["id"], "text": "", "reason": "typo"}},
        )
    )["correctCaseNote"]
    assert empty["__typename"] == "InvalidInput"
    assert [p["field"] for p in empty["problems"]] == ["text"]


LATEST = """query ($id: ID!, $latest: Int) { child(id: $id) {
  caseNotes(latest: $latest) { text occurredAt author } } }"""


async def test_latest_gives_the_newest_notes_as_they_stand_and_refuses_a_bound_out_of_range(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    child_id = demo_child(world)
    # Recorded out of order: the newest is the one that happened last, not the last typed.
    for day in (5, 2, 9, 7):
        note = {
            "childId": child_id,
            "type": "VISIT",
            "text": f"Visit on the {day}th",
            "occurredAt": f"2026-03-0{day}T09:30:00Z",
        }
        assert (await graphql(client, worker, ADD, {"input": note}))["addCaseNote"]["id"]
    every = (await graphql(client, worker, LATEST, {"id": child_id}))["child"]["caseNotes"]
    newest = (await graphql(client, worker, LATEST, {"id": child_id, "latest": 2}))["child"]
    assert [note["text"] for note in newest["caseNotes"]] == [
        "Visit on the 9th",
        "Visit on the 7th",
    ]
    assert newest["caseNotes"] == every[:2]
    assert all(note["author"] for note in newest["caseNotes"])
    many = (await graphql(client, worker, LATEST, {"id": child_id, "latest": 500}))["child"]
    assert many["caseNotes"] == every

    for bound in (0, -1, 501):
        response = await client.post(
            "/graphql",
            json={"query": LATEST, "variables": {"id": child_id, "latest": bound}},
            headers=worker,
        )
        (error,) = response.json()["errors"]
        assert "caseNotes(latest:)" in error["message"]
        assert error["extensions"]["argument"] == "latest"


async def test_a_role_that_reads_no_narrative_neither_edits_nor_corrects_a_note(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # A support officer in the child's team records at the front door but reads no case
    # notes; the answer to a correction carries the note's earlier text and versions.
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    child_id = demo_child(world)
    officer = await role_headers(store, settings, "support_officer", "support-officer-north")
    await add_worker(store, "support-officer-north", "support_officer", SAFEGUARDING_TEAM)
    note = {"childId": child_id, "type": "VISIT", "occurredAt": "2026-03-03T09:30:00Z"}
    final = (
        await graphql(client, worker, ADD, {"input": {**note, "text": "Told me in confidence"}})
    )["addCaseNote"]
    draft = (
        await graphql(client, worker, ADD, {"input": {**note, "text": "Draft", "draft": True}})
    )["addCaseNote"]
    before = (await graphql(client, worker, NOTES, {"id": child_id}))["child"]["caseNotes"]

    corrected = await graphql(
        client, officer, CORRECT, {"input": {"noteId": final["id"], "text": "x", "reason": "y"}}
    )
    edited = await graphql(
        client, officer, EDIT, {"input": {"noteId": draft["id"], "revision": 0, "text": "x"}}
    )
    for answer in (corrected["correctCaseNote"], edited["editCaseNoteDraft"]):
        assert answer["__typename"] == "NotAuthorised", answer
    assert "Told me in confidence" not in str(corrected)
    after = (await graphql(client, worker, NOTES, {"id": child_id}))["child"]["caseNotes"]
    assert after == before


async def test_correcting_a_note_is_in_the_read_audit_of_the_child_it_is_about(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    """The correction answers with every version of the note, the colleague's words in
    it: a note names no child, but it is the child's record, so the answer is audited."""
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world)
    added = (
        await graphql(
            client,
            worker,
            ADD,
            {
                "input": {
                    "childId": child_id,
                    "type": "VISIT",
                    "text": "Mum said the bruise came from a fall at the park",
                    "occurredAt": "2026-03-03T09:30:00Z",
                }
            },
        )
    )["addCaseNote"]
    assert added["status"] == "FINAL"
    await store.write("MATCH (e:AuditEvent) DETACH DELETE e")

    corrected = await graphql(
        client,
        manager,
        """mutation ($input: CorrectCaseNoteInput!) { correctCaseNote(input: $input) {
             ... on CaseNote { versions { text author } } } }""",
        {"input": {"noteId": added["id"], "text": "Fall at the park", "reason": "Shorter"}},
    )

    versions = corrected["correctCaseNote"]["versions"]
    assert versions[0]["text"] == "Mum said the bruise came from a fall at the park"
    audited = await store.read(
        "MATCH (e:AuditEvent)-[:ACCESSED]->(c:Child) RETURN e.subject AS subject, c.id AS child"
    )
    assert audited == [{"subject": "worker-tm-demo", "child": child_id}]
