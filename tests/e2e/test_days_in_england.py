"""A day in the hub is a day in England, whatever zone its clock is set to.

At 23:30 UTC on 5 June it is 00:30 on 6 June in London (British Summer Time): a step
happening "today" happens on 6 June, a child born on 6 June 2008 is 18, and a note made
at that instant is in the chronology under 6 June.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from tests.e2e.journey_helpers import CHRONOLOGY, demo_child, demo_county, referral_for
from tests.e2e.test_case_notes import ADD
from tests.e2e.test_child_facts import record
from tests.e2e.test_contact_dating import FINALISE, NEW_CHILD, RECORD_CONTACT
from tests.helpers import bearer, clock_at, graphql
from workflow import calendar

pytestmark = pytest.mark.anyio

# 00:30 on 6 June 2026 in London; still 5 June in UTC.
SUMMER_MIDNIGHT = datetime(2026, 6, 5, 23, 30, tzinfo=UTC)


@pytest.fixture
def past_midnight_in_london(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(calendar, "datetime", clock_at(SUMMER_MIDNIGHT))


@pytest.mark.usefixtures("past_midnight_in_london")
async def test_a_contact_received_today_in_england_is_accepted_and_decided_today(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    await demo_county(store)
    worker = bearer(settings, "social-worker")
    received = {**NEW_CHILD, "receivedDate": "2026-06-06"}

    contact = (await graphql(client, worker, RECORD_CONTACT, {"input": received}))["recordContact"]
    assert contact["__typename"] == "Contact", contact
    done = await graphql(client, worker, FINALISE, {"id": contact["id"], "on": None})

    assert done["finaliseContact"]["contact"]["decisionDate"] == "2026-06-06"


@pytest.mark.parametrize(
    ("instant", "refused"),
    [
        (datetime(2026, 6, 5, 22, 59, tzinfo=UTC), False),
        (SUMMER_MIDNIGHT, True),
    ],
    ids=["last-minute-of-17", "first-hour-of-18"],
)
async def test_an_18th_birthday_takes_effect_at_midnight_in_england(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    monkeypatch: pytest.MonkeyPatch,
    instant: datetime,
    refused: bool,
) -> None:
    """UASC status recorded "today" (no `on`) ends at the 18th birthday (SSDA903)."""
    world = await demo_county(store)
    child_id = demo_child(world)
    await store.write(
        "MATCH (c:Child {id: $id}) SET c.dateOfBirth = date('2008-06-06')", {"id": child_id}
    )
    monkeypatch.setattr(calendar, "datetime", clock_at(instant))

    result = await record(
        client, bearer(settings, "social-worker"), "recordUascStatus", {"childId": child_id}
    )

    if refused:
        assert result["__typename"] == "InvalidInput", result
        assert result["problems"][0]["field"] == "on"
    else:
        assert (result["__typename"], result["on"]) == ("ChildFact", "2026-06-05")


@pytest.mark.usefixtures("past_midnight_in_london")
async def test_a_note_made_after_midnight_in_london_is_in_the_chronology_under_that_day(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    child_id = demo_child(world)
    case = await referral_for(client, worker, child_id, date(2026, 6, 1))
    note = {
        "childId": child_id,
        "type": "PHONE_CALL",
        "text": "Called back after midnight",
        "occurredAt": "2026-06-05T23:15:00Z",
        "episodeId": case["id"],
    }
    added = (await graphql(client, worker, ADD, {"input": note}))["addCaseNote"]
    assert added["__typename"] == "CaseNote", added

    child = (await graphql(client, worker, CHRONOLOGY, {"id": child_id}))["child"]

    days = [entry["on"] for entry in child["chronology"] if entry["kind"] == "CASE_NOTE"]
    assert days == ["2026-06-06"]
