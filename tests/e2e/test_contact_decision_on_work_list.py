"""A contact about an allocated child waiting for its decision is on the worker's and the
team's work lists, due one working day after it came in and overdue after that, until it
is decided (Working Together 2023: a decision within 1 working day of receipt)."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from tests.e2e.journey_helpers import (
    MY_WORK,
    TEAM_WORK,
    demo_child,
    demo_county,
    recorded_contact,
)
from tests.helpers import bearer, graphql
from workflow.calendar import today_in_england

pytestmark = pytest.mark.anyio

FINALISE = """mutation ($id: ID!, $on: Date, $late: String) {
  finaliseContact(contactId: $id, outcome: NO_FURTHER_ACTION, on: $on, lateReason: $late) {
  __typename } }"""


async def test_an_undecided_contact_is_due_on_the_work_lists_until_it_is_decided(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world, index=4)
    # Friday 28 August 2026, before the summer bank holiday (Monday 31 August): the
    # decision is due on Tuesday 1 September, and has been overdue since.
    friday = await recorded_contact(client, worker, child_id, date(2026, 8, 28))
    today = today_in_england()
    fresh = await recorded_contact(client, worker, child_id, today)

    def contact_items(items: list[dict[str, object]]) -> dict[object, tuple[object, ...]]:
        return {
            item["recordId"]: (item["kind"], item["dueDate"], item["overdue"])
            for item in items
            if item["recordId"] in (friday["id"], fresh["id"])
        }

    mine = contact_items((await graphql(client, worker, MY_WORK))["myWork"]["items"])
    assert mine[friday["id"]] == ("CONTACT_DECISION", "2026-09-01", True)
    kind, due, overdue = mine[fresh["id"]]
    assert (kind, overdue) == ("CONTACT_DECISION", False)
    assert isinstance(due, str)
    assert date.fromisoformat(due) > today
    team = (await graphql(client, manager, TEAM_WORK))["teamWork"]["items"]
    assert contact_items(team) == mine

    decided = {"id": friday["id"], "on": "2026-09-02", "late": "Bank holiday cover"}
    assert (await graphql(client, worker, FINALISE, decided))["finaliseContact"] == {
        "__typename": "FinalisedContact"
    }
    mine = contact_items((await graphql(client, worker, MY_WORK))["myWork"]["items"])
    assert list(mine) == [fresh["id"]]
