"""A contact is decided within a working day of coming in (Working Together 2023),
whoever holds the child: the team's work list shows the decision due for every undecided
contact about a child of the team, allocated to a worker or not.

Due dates checked by hand: Monday 31 August 2026 is the summer bank holiday.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from tests.e2e.journey_helpers import TEAM_WORK, demo_county
from tests.helpers import bearer, graphql

pytestmark = pytest.mark.anyio

RECORD_CONTACT = """mutation ($input: RecordContactInput!) { recordContact(input: $input) {
    __typename ... on Contact { id decisionDue } } }"""


async def test_a_contact_about_an_unallocated_child_is_due_on_the_team_work_list(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    # In on Friday 28 August 2026: the Monday is a bank holiday, so due Tuesday 1 September.
    recorded = await graphql(
        client,
        worker,
        RECORD_CONTACT,
        {
            "input": {
                "receivedDate": "2026-08-28",
                "source": "SCHOOLS",
                "summary": "Bruise seen at school",
                "child": {
                    "givenName": "Zofia",
                    "familyName": "Quennell-Ashby",
                    "dateOfBirth": "2018-02-11",
                },
            }
        },
    )
    contact = recorded["recordContact"]
    assert contact["__typename"] == "Contact", contact
    unallocated = await graphql(
        client, manager, "{ teamWork { ... on TeamWork { unallocatedChildren { childName } } } }"
    )
    assert {"childName": "Zofia Quennell-Ashby"} in unallocated["teamWork"]["unallocatedChildren"]

    team: dict[str, Any] = (await graphql(client, manager, TEAM_WORK))["teamWork"]
    listed = [
        (item["kind"], item["awaitingAction"], item["dueDate"], item["overdue"], item["workerId"])
        for item in team["items"]
        if item["recordId"] == contact["id"]
    ]
    assert listed == [("CONTACT_DECISION", "finaliseContact", "2026-09-01", True, None)]
