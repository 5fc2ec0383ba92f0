"""Probe: an early help record unlinked from a child (it was another child's) no longer
comes out on the child's stepped-up contact."""

from __future__ import annotations

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from tests.connectors.intake.world import role_headers
from tests.e2e.test_step_up_step_down import CONTACTS, settings, stepped_up_contact
from tests.helpers import graphql

pytestmark = pytest.mark.anyio

__all__ = ["settings"]  # the step-up team fixture


async def test_an_unlinked_early_help_record_leaves_the_history_of_the_stepped_up_contact(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    contact, worker, _, _ = await stepped_up_contact(client, store, settings)
    assert ("TEAM_AROUND_THE_FAMILY", "EH-TAF-7") in {
        (r["kind"], r["recordId"]) for r in contact["earlyHelpHistory"]
    }
    # The team around the family record was another child's: a records officer unlinks it.
    [record] = await store.read("MATCH (r:SourceRecord {recordId: 'EH-TAF-7'}) RETURN r.id AS id")
    officer = await role_headers(store, settings, "records_officer", "records-officer-1")
    unlinked = await graphql(
        client,
        officer,
        """mutation ($r: ID!) { unlinkSourceRecord(recordId: $r,
             reason: "Another child's team around the family") { __typename } }""",
        {"r": record["id"]},
    )
    assert unlinked == {"unlinkSourceRecord": {"__typename": "SourceRecord"}}

    response = await client.post(
        "/graphql", json={"query": CONTACTS, "variables": {"id": "C-KAI"}}, headers=worker
    )

    [after] = response.json()["data"]["child"]["contacts"]
    assert [(r["kind"], r["recordId"]) for r in after["earlyHelpHistory"]] == [
        ("EARLY_HELP_EPISODE", "EH-EP-7"),
        ("EARLY_HELP_ASSESSMENT", "EH-AS-7"),
        ("STEP_UP", "EH-SU-7"),
    ]
    assert "EH-TAF-7" not in response.text
    assert "Family support worker" not in response.text
