"""An engine that is up but refuses statements for now is an outage, not an internal error.

A FalkorDB server past its `maxmemory` answers every write (and the audit's append before
each read is answered) `OOM`; a standalone server whose disk is full answers `MISCONF`,
a replica `READONLY`. Each was answered "internal error" with HTTP 200 and no
`Retry-After`, as if the hub were broken; it is the engine's trouble, gone once memory
or disk is freed, so it answers as the engine being away does: 503 with `Retry-After`,
no data, and requests recover by themselves.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
import pytest

from demo import county
from graph import FalkorDBStore
from hub.settings import Settings
from tests.helpers import bearer
from tests.hub.conftest import sams_children

pytestmark = pytest.mark.anyio

ADD_NOTE = """mutation ($input: AddCaseNoteInput!) { addCaseNote(input: $input) {
  __typename ... on CaseNote { id } } }"""
CASE_VIEW = "query ($id: ID!) { child(id: $id) { id givenName caseNotes { id } } }"


@contextlib.asynccontextmanager
async def _out_of_memory(store: FalkorDBStore) -> AsyncIterator[None]:
    """The engine (shared by the session's tests) refusing for memory, then put back."""
    (previous,) = (await store._command("CONFIG", "GET", "maxmemory")).values()
    await store._command("CONFIG", "SET", "maxmemory", "1")
    try:
        yield
    finally:
        await store._command("CONFIG", "SET", "maxmemory", previous)


def _assert_unavailable(answer: httpx.Response) -> None:
    assert answer.status_code == 503, answer.text
    assert answer.headers["Retry-After"]
    body = answer.json()
    assert body.get("data") is None
    assert [error["extensions"]["code"] for error in body["errors"]] == ["ENGINE_UNAVAILABLE"]


async def test_an_engine_refusing_for_memory_answers_503_and_requests_recover(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings, demo: county.County
) -> None:
    worker = bearer(settings, "social-worker")
    child = sams_children(demo)[0]
    note = {
        "input": {
            "childId": child,
            "type": "PHONE_CALL",
            "text": "written while the engine was full",
            "occurredAt": "2026-10-30T09:30:00Z",
        }
    }
    read = {"query": CASE_VIEW, "variables": {"id": child}}

    async with _out_of_memory(store):
        refused_write = await client.post(
            "/graphql", json={"query": ADD_NOTE, "variables": note}, headers=worker
        )
        refused_read = await client.post("/graphql", json=read, headers=worker)

    _assert_unavailable(refused_write)
    _assert_unavailable(refused_read)
    # Nothing was written by the refused request; once memory is freed, requests recover.
    after = await client.post("/graphql", json=read, headers=worker)
    assert after.status_code == 200, after.text
    assert after.json()["data"]["child"]["id"] == child
    notes = await store.read(
        "MATCH (n:CaseNote) WHERE n.text = $text RETURN count(n) AS n",
        {"text": note["input"]["text"]},
    )
    assert notes == [{"n": 0}]
