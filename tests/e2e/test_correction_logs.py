"""The logs and metrics of the corrections added in sessions 17-18 name no child.

A correction's refusal quotes what the record holds (the day the child was born, the day
an allocation began) back to the worker who may read it; none of that, nor the child's
name, id or NHS number, may reach a log line or a scrape. Each flow here is a real
correction through GraphQL, made and refused, with every log record formatted as the
hub writes it (hub/logs.py).
"""

from __future__ import annotations

import logging

import httpx
import pytest

from graph import FalkorDBStore
from hub.logs import JsonLines
from hub.settings import Settings
from tests.e2e.journey_helpers import demo_child, demo_county
from tests.e2e.test_allocation_in_error import ALLOCATE, CORRECT, TEAM_OF
from tests.helpers import add_worker, bearer, graphql

pytestmark = pytest.mark.anyio

PERSON = """MATCH (c:Child {id: $id})
RETURN c.givenName AS given, c.familyName AS family, toString(c.dateOfBirth) AS born,
       c.nhsNumber AS nhs, c.upn AS upn"""


async def test_allocation_corrections_made_and_refused_log_nothing_of_the_child(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    world = await demo_county(store)
    manager = bearer(settings, "team-manager")
    child_id = demo_child(world, index=3)
    [person] = await store.read(PERSON, {"id": child_id})
    team = (await store.read(TEAM_OF, {}))[0]["id"]
    for subject in ("sw-wrong", "sw-right"):
        await add_worker(store, subject, "social_worker", team, name=f"Sam {subject}")
    moved = {
        "childId": child_id,
        "workerId": "sw-wrong",
        "on": "2026-02-10",
        "reason": "MANAGE_MANAGING_CASELOADS",
    }
    made = (await graphql(client, manager, ALLOCATE, {"input": moved}))["allocateChild"]
    assert made["__typename"] == "Allocation", made
    fix = {"childId": child_id, "workerId": "sw-right", "reason": "Picked the wrong Sam"}
    right = (await graphql(client, manager, CORRECT, {"input": fix}))["correctAllocation"]
    assert right["__typename"] == "Allocation", right
    # Refused with the day the child was born quoted back to the manager.
    before_birth = {"childId": child_id, "startedOn": "1990-01-01", "reason": "Typed wrongly"}
    refused = await graphql(
        client,
        manager,
        """mutation ($input: CorrectAllocationInput!) { correctAllocation(input: $input) {
             __typename ... on InvalidInput { problems { field rule } } } }""",
        {"input": before_birth},
    )
    problems = refused["correctAllocation"]["problems"]
    assert person["born"] in problems[0]["rule"], problems  # the probe's secret is real
    moved_on = {"childId": child_id, "startedOn": "2026-02-12", "reason": "Began on the 12th"}
    started = (await graphql(client, manager, CORRECT, {"input": moved_on}))["correctAllocation"]
    assert started["__typename"] == "Allocation", started

    scraped = (await client.get("/metrics")).text
    assert "graphql" in scraped, scraped[:200]
    assert caplog.records, "nothing was logged: the check would pass vacuously"
    logged = "\n".join(JsonLines().format(record) for record in caplog.records)
    secrets = [child_id, person["given"], person["family"], person["born"]]
    secrets += [value for value in (person["nhs"], person["upn"]) if value]
    for secret in secrets:
        assert secret not in logged, secret
        assert secret not in scraped, secret
