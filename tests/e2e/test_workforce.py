"""The workforce through GraphQL: from an empty store, an administrator creates the teams
and workers; the HR feed loads them in bulk; team managers allocate children, and the
allocation is what lets a worker see the child."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from auth.principal import INTERNAL_ROLES
from auth.tokens import LocalSigningKey, TokenIssuer
from demo import county
from graph import EmbeddedEngine, FalkorDBStore
from hub.app import token_settings
from hub.settings import Settings
from tests.helpers import add_worker, bearer, graphql
from workflow.calendar import today_in_england
from workflow.ids import now_ms
from workflow.workforce import OWN_RECORD, WorkerRole, import_feed

pytestmark = pytest.mark.anyio

REFUSED = "... on InvalidInput { problems { field rule } } ... on NotAuthorised { reason }"
MISSING = f"{REFUSED} ... on NotFound {{ kind id }}"
OUTCOMES = f"{MISSING} ... on TransitionRefused {{ currentState allowedNextSteps reason }}"
WORKER_FIELDS = (
    "id name role teamId teamName managerId managerName startDate endDate registrationNumber"
    " recordedBy recordedAt"
)
SAVE_TEAM = f"""mutation ($input: SaveTeamInput!) {{ saveTeam(input: $input) {{ __typename
  ... on Team {{ id name agencyId }} {MISSING} }} }}"""
SAVE_WORKER = f"""mutation ($input: SaveWorkerInput!) {{ saveWorker(input: $input) {{ __typename
  ... on StaffMember {{ {WORKER_FIELDS} }} {MISSING} }} }}"""
IMPORT = f"""mutation ($csv: String!) {{ importWorkforce(csv: $csv) {{ __typename
  ... on WorkforceImported {{ created updated unchanged teamsCreated
      problems {{ line field reason }} }} {REFUSED} }} }}"""
ALLOCATION_FIELDS = (
    "id childId workerId workerName teamId startDate endDate reasonForChange recordedBy"
    " recordedAt endedBy"
)
ALLOCATE = f"""mutation ($input: AllocateChildInput!) {{ allocateChild(input: $input) {{
  __typename ... on Allocation {{ {ALLOCATION_FIELDS} }} {OUTCOMES} }} }}"""
END = f"""mutation ($input: EndAllocationInput!) {{ endAllocation(input: $input) {{
  __typename ... on Allocation {{ {ALLOCATION_FIELDS} }} {OUTCOMES} }} }}"""
CHILD = "query ($id: ID!) { child(id: $id) { id allocatedWorker { id } } }"
UNALLOCATED = "{ unallocatedChildren { childId childName lastAllocatedUntil } }"


def _token(settings: Settings, subject: str, role: str, team: str | None = None) -> dict[str, str]:
    rules = token_settings(settings)
    issuer = TokenIssuer(rules, LocalSigningKey.load_or_create(rules.key_path))
    token = issuer.issue(subject, f"{role} {subject}", role, "agency-la", team)
    return {"Authorization": f"Bearer {token}"}


def _admin(settings: Settings) -> dict[str, str]:
    return _token(settings, "admin-1", "system_administrator")


async def _save_worker(
    client: httpx.AsyncClient, admin: dict[str, str], **fields: Any
) -> dict[str, Any]:
    data = {"startDate": "2020-01-06", "role": "SOCIAL_WORKER", **fields}
    result = await graphql(client, admin, SAVE_WORKER, {"input": data})
    return result["saveWorker"]  # type: ignore[no-any-return]


# The first administrator comes in with the HR feed (`lcs-hub import-workforce`, which
# runs against the store directly): no token can act before its subject is on record.
FIRST_ADMINISTRATOR = (
    "worker_id,name,role,team_id,team_name,start_date\n"
    "admin-1,Ada Admin,system_administrator,team-systems,Systems,2020-01-06\n"
)


async def _county_from_nothing(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    """Three teams, their managers and workers, made by an administrator alone."""
    report = await import_feed(store, FIRST_ADMINISTRATOR, "hr-feed", now_ms())
    assert (report.created, report.problems) == (1, ())
    admin = _admin(settings)
    authority = {
        "id": "agency-la",
        "name": "Hertfordshire County Council",
        "kind": "LOCAL_AUTHORITY",
        "phone": "0300 123 4043",
    }
    saved_agency = await graphql(
        client,
        admin,
        "mutation ($input: SaveAgencyInput!) { saveAgency(input: $input) { __typename"
        " ... on SavedAgency { id name kind phone } } }",
        {"input": authority},
    )
    assert saved_agency["saveAgency"] == {
        "__typename": "SavedAgency",
        **{key: value for key, value in authority.items()},
    }
    nowhere = await graphql(
        client, admin, SAVE_TEAM, {"input": {"id": "x", "name": "X", "agencyId": "nowhere"}}
    )
    assert nowhere["saveTeam"]["__typename"] == "NotFound"
    for team_id, name in (("front", "Front Door"), ("north", "North"), ("south", "South")):
        saved = await graphql(
            client,
            admin,
            SAVE_TEAM,
            {"input": {"id": team_id, "name": name, "agencyId": "agency-la"}},
        )
        assert saved["saveTeam"] == {
            "__typename": "Team",
            "id": team_id,
            "name": name,
            "agencyId": "agency-la",
        }
    for team_id in ("front", "north", "south"):
        manager = await _save_worker(
            client,
            admin,
            id=f"tm-{team_id}",
            name=f"Manager {team_id}",
            role="TEAM_MANAGER",
            teamId=team_id,
        )
        assert manager["__typename"] == "StaffMember", manager
        worker = await _save_worker(
            client,
            admin,
            id=f"sw-{team_id}",
            name=f"Worker {team_id}",
            teamId=team_id,
            managerId=f"tm-{team_id}",
            registrationNumber="SW123456",
        )
        assert (worker["managerId"], worker["managerName"], worker["teamName"]) == (
            f"tm-{team_id}",
            f"Manager {team_id}",
            team_id.title() if team_id != "front" else "Front Door",
        )
        assert worker["recordedBy"] == "admin-1"


async def _new_child(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    recorded = await graphql(
        client,
        headers,
        """mutation ($input: RecordContactInput!) { recordContact(input: $input) {
             __typename ... on Contact { id } } }""",
        {
            "input": {
                "receivedDate": (today_in_england() - timedelta(days=30)).isoformat(),
                "source": "SCHOOLS",
                "summary": "Bruise seen at school",
                "child": {
                    "givenName": "Ruby",
                    "familyName": "Newman",
                    "dateOfBirth": "2019-05-04",
                },
            }
        },
    )
    contact = recorded["recordContact"]
    assert contact["__typename"] == "Contact", contact
    found = await graphql(client, headers, '{ searchChildren(term: "Newman") { id } }')
    return str(found["searchChildren"][0]["id"])


def test_the_worker_roles_are_the_internal_roles() -> None:
    assert {role.value for role in WorkerRole} == INTERNAL_ROLES


async def test_an_administrator_starts_an_empty_store_and_allocation_drives_access(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    await _county_from_nothing(client, settings, store)
    front = _token(settings, "sw-front", "social_worker", "front")
    front_manager = _token(settings, "tm-front", "team_manager", "front")
    north = _token(settings, "sw-north", "social_worker", "north")
    north_manager = _token(settings, "tm-north", "team_manager", "north")
    south = _token(settings, "sw-south", "social_worker", "south")
    child_id = await _new_child(client, front)
    # The front door's manager sees the new child on the team's unallocated list.
    listed = (await graphql(client, front_manager, UNALLOCATED))["unallocatedChildren"]
    assert listed == [{"childId": child_id, "childName": "Ruby Newman", "lastAllocatedUntil": None}]
    team_work = await graphql(
        client,
        front_manager,
        "{ teamWork { ... on TeamWork { teamId unallocatedChildren { childId } } } }",
    )
    assert team_work["teamWork"] == {
        "teamId": "front",
        "unallocatedChildren": [{"childId": child_id}],
    }
    for outsider in (north, north_manager, south):
        assert (await graphql(client, outsider, CHILD, {"id": child_id}))["child"] is None

    first_day = today_in_england() - timedelta(days=20)
    allocated = (
        await graphql(
            client,
            front_manager,
            ALLOCATE,
            {
                "input": {
                    "childId": child_id,
                    "workerId": "sw-north",
                    "on": first_day.isoformat(),
                    "reason": "FCONTA_FIRST_CONTACT_OR_REREFERRAL",
                }
            },
        )
    )["allocateChild"]
    assert allocated["__typename"] == "Allocation", allocated
    assert (allocated["workerId"], allocated["teamId"], allocated["startDate"]) == (
        "sw-north",
        "north",
        first_day.isoformat(),
    )
    assert (allocated["endDate"], allocated["recordedBy"]) == (None, "tm-front")
    # The allocated worker, their team and their line manager see the child now; the
    # front door handed the case over.
    for insider in (north, north_manager):
        seen = (await graphql(client, insider, CHILD, {"id": child_id}))["child"]
        assert seen == {"id": child_id, "allocatedWorker": {"id": "sw-north"}}
    assert (await graphql(client, front, CHILD, {"id": child_id}))["child"] is None
    assert (await graphql(client, front_manager, UNALLOCATED))["unallocatedChildren"] == []
    # Nor is the child unallocated for the north team, whose worker (in post) holds it.
    assert (await graphql(client, north_manager, UNALLOCATED))["unallocatedChildren"] == []
    work = await graphql(client, north, "{ myWork { caseload { workerId children } } }")
    assert work["myWork"]["caseload"] == {"workerId": "sw-north", "children": 1}

    # Reallocation: the north worker's allocation ends the day the south one begins.
    moved_on = today_in_england() - timedelta(days=5)
    moved = (
        await graphql(
            client,
            north_manager,
            ALLOCATE,
            {
                "input": {
                    "childId": child_id,
                    "workerId": "sw-south",
                    "on": moved_on.isoformat(),
                    "reason": "TSPROC_TRANSFER_BY_STANDARD_PROCESS",
                }
            },
        )
    )["allocateChild"]
    assert moved["__typename"] == "Allocation", moved
    assert (await graphql(client, north, CHILD, {"id": child_id}))["child"] is None
    seen = (await graphql(client, south, CHILD, {"id": child_id}))["child"]
    assert seen == {"id": child_id, "allocatedWorker": {"id": "sw-south"}}
    south_manager = _token(settings, "tm-south", "team_manager", "south")
    history = await graphql(
        client,
        south_manager,
        f"query ($id: ID!) {{ allocations(childId: $id) {{ {ALLOCATION_FIELDS} }} }}",
        {"id": child_id},
    )
    assert [
        (row["workerId"], row["startDate"], row["endDate"], row["reasonForChange"])
        for row in history["allocations"]
    ] == [
        ("sw-south", moved_on.isoformat(), None, "TSPROC_TRANSFER_BY_STANDARD_PROCESS"),
        (
            "sw-north",
            first_day.isoformat(),
            moved_on.isoformat(),
            "FCONTA_FIRST_CONTACT_OR_REREFERRAL",
        ),
    ]
    assert history["allocations"][1]["endedBy"] == "tm-north"
    edges = await store.read(
        "MATCH (c:Child {id: $id})-[r:ALLOCATED_TO]->(w:Worker) RETURN w.id AS worker",
        {"id": child_id},
    )
    assert edges == [{"worker": "sw-south"}]

    # The south worker leaves (the HR end date): the child needs a worker again.
    left_on = today_in_england() - timedelta(days=1)
    leaver = await _save_worker(
        client,
        _admin(settings),
        id="sw-south",
        name="Worker south",
        teamId="south",
        managerId="tm-south",
        endDate=left_on.isoformat(),
    )
    assert leaver["endDate"] == left_on.isoformat()
    waiting = await graphql(
        client, south_manager, "{ unallocatedChildren { childId lastAllocatedUntil workerLeftOn } }"
    )
    assert waiting["unallocatedChildren"] == [
        {
            "childId": child_id,
            "lastAllocatedUntil": moved_on.isoformat(),
            "workerLeftOn": left_on.isoformat(),
        }
    ]
    # Ending the allocation: the south worker still sees the child through their team,
    # and the child waits on the team's unallocated list.
    ended = (await graphql(client, south_manager, END, {"input": {"childId": child_id}}))[
        "endAllocation"
    ]
    assert (ended["__typename"], ended["endDate"]) == ("Allocation", today_in_england().isoformat())
    listed = (await graphql(client, south_manager, UNALLOCATED))["unallocatedChildren"]
    assert listed == [
        {
            "childId": child_id,
            "childName": "Ruby Newman",
            "lastAllocatedUntil": today_in_england().isoformat(),
        }
    ]
    again = (await graphql(client, south_manager, END, {"input": {"childId": child_id}}))[
        "endAllocation"
    ]
    assert (again["__typename"], again["currentState"]) == ("TransitionRefused", "UNALLOCATED")


async def test_allocation_refuses_what_makes_no_sense_and_changes_nothing(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    await _county_from_nothing(client, settings, store)
    admin = _admin(settings)
    await _save_worker(
        client, admin, id="so-front", name="Support", role="SUPPORT_OFFICER", teamId="front"
    )
    front = _token(settings, "sw-front", "social_worker", "front")
    manager = _token(settings, "tm-front", "team_manager", "front")
    child_id = await _new_child(client, front)

    async def allocate(headers: dict[str, str], **fields: Any) -> dict[str, Any]:
        data = {"childId": child_id, "workerId": "sw-front", "reason": "MANAGE_MANAGING_CASELOADS"}
        result = await graphql(client, headers, ALLOCATE, {"input": {**data, **fields}})
        return result["allocateChild"]  # type: ignore[no-any-return]

    def problems(result: dict[str, Any]) -> list[tuple[str, str]]:
        assert result["__typename"] == "InvalidInput", result
        return [(p["field"], p["rule"]) for p in result["problems"]]

    refused = await allocate(front)
    assert refused["__typename"] == "NotAuthorised"
    tomorrow = (today_in_england() + timedelta(days=1)).isoformat()
    assert problems(await allocate(manager, on=tomorrow)) == [("on", "must not be in the future")]
    assert problems(await allocate(manager, workerId="so-front"))[0][0] == "workerId"
    assert problems(await allocate(manager, on="2019-01-01"))[0] == (
        "on",
        "the worker was not in post that day",
    )
    assert (await allocate(manager, workerId="nobody"))["__typename"] == "NotFound"
    assert (await allocate(manager, childId="C0000"))["__typename"] == "NotFound"
    assert await store.read("MATCH (a:Allocation) RETURN a.id AS id") == []

    started = today_in_england() - timedelta(days=10)
    first = await allocate(manager, on=started.isoformat())
    assert first["__typename"] == "Allocation"
    same = await allocate(manager, reason="OTHERS_OTHER_REASON")
    assert (same["__typename"], same["currentState"]) == ("TransitionRefused", "ALLOCATED")
    await _save_worker(client, admin, id="sw-front-2", name="Second", teamId="front")
    earlier = (started - timedelta(days=1)).isoformat()
    assert problems(await allocate(manager, workerId="sw-front-2", on=earlier))[0][0] == "on"
    sameday = await allocate(manager, workerId="sw-front-2", on=started.isoformat())
    assert sameday["__typename"] == "InvalidInput"
    rows = await store.read("MATCH (a:Allocation) RETURN a.endDate AS ended")
    assert rows == [{"ended": None}]
    # Ended, then allocated again: not from a day the ended allocation still covered.
    ended_on = (started + timedelta(days=5)).isoformat()
    end = {"childId": child_id, "on": ended_on}
    assert (await graphql(client, manager, END, {"input": end}))["endAllocation"]["endDate"] == (
        ended_on
    )
    back_dated = (started + timedelta(days=3)).isoformat()
    assert problems(await allocate(manager, workerId="sw-front-2", on=back_dated)) == [
        ("on", f"must not be before the last allocation ended ({ended_on})")
    ]
    rows = await store.read("MATCH (a:Allocation) RETURN a.endDate AS ended")
    assert rows == [{"ended": date.fromisoformat(ended_on)}]
    again = await allocate(manager, workerId="sw-front-2", on=ended_on)
    assert (again["__typename"], again["startDate"]) == ("Allocation", ended_on)


async def test_workers_are_checked_before_they_are_saved(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    await _county_from_nothing(client, settings, store)
    admin = _admin(settings)
    sam = _token(settings, "sw-north", "social_worker", "north")
    refused = await graphql(client, sam, SAVE_TEAM, {"input": {"id": "x", "name": "X"}})
    assert refused["saveTeam"]["__typename"] == "NotAuthorised"
    bad_dates = await graphql(
        client,
        admin,
        SAVE_WORKER,
        {
            "input": {
                "id": "x1",
                "name": "X",
                "role": "SOCIAL_WORKER",
                "teamId": "north",
                "startDate": "2024-01-01",
                "endDate": "2023-01-01",
            }
        },
    )
    assert bad_dates["saveWorker"]["problems"] == [
        {"field": "endDate", "rule": "must not be before startDate"}
    ]
    missing_team = await _save_worker(client, admin, id="x2", name="X", teamId="nowhere")
    assert missing_team == {"__typename": "NotFound", "kind": "Team", "id": "nowhere"}
    missing_manager = await _save_worker(
        client, admin, id="x3", name="X", teamId="north", managerId="nobody"
    )
    assert missing_manager == {"__typename": "NotFound", "kind": "Worker", "id": "nobody"}
    # The north manager cannot report to their own worker: a loop.
    loop = await _save_worker(
        client,
        admin,
        id="tm-north",
        name="Manager north",
        role="TEAM_MANAGER",
        teamId="north",
        managerId="sw-north",
    )
    assert loop["__typename"] == "InvalidInput"
    assert loop["problems"][0]["field"] == "managerId"
    bad_number = await _save_worker(
        client, admin, id="x4", name="X", teamId="north", registrationNumber="123"
    )
    assert bad_number["__typename"] == "InvalidInput"
    assert bad_number["problems"][0]["field"] == "registrationNumber"
    workers = await store.read("MATCH (w:Worker) RETURN w.id AS id ORDER BY id")
    assert [row["id"] for row in workers] == [
        "admin-1",
        "sw-front",
        "sw-north",
        "sw-south",
        "tm-front",
        "tm-north",
        "tm-south",
    ]
    lines = await store.read(
        "MATCH (w:Worker)-[r:REPORTS_TO]->(m:Worker) RETURN w.id AS w, m.id AS m ORDER BY w"
    )
    assert [(row["w"], row["m"]) for row in lines] == [
        ("sw-front", "tm-front"),
        ("sw-north", "tm-north"),
        ("sw-south", "tm-south"),
    ]


async def test_an_administrator_neither_changes_their_own_record_nor_reads_through_a_line(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    await _county_from_nothing(client, settings, store)
    admin = _admin(settings)
    front_manager = _token(settings, "tm-front", "team_manager", "front")
    child_id = await _new_child(client, _token(settings, "sw-front", "social_worker", "front"))
    allocation = {
        "childId": child_id,
        "workerId": "sw-north",
        "on": (today_in_england() - timedelta(days=3)).isoformat(),
        "reason": "FCONTA_FIRST_CONTACT_OR_REREFERRAL",
    }
    allocated = await graphql(client, front_manager, ALLOCATE, {"input": allocation})
    assert allocated["allocateChild"]["__typename"] == "Allocation", allocated
    before = await _workforce_snapshot(store)

    # Promoting themselves to records officer (who reads every child) is refused, through
    # the form and through the HR feed, and nothing changes.
    promoted = await _save_worker(
        client, admin, id="admin-1", name="Ada Admin", role="RECORDS_OFFICER", teamId="north"
    )
    assert promoted == {"__typename": "NotAuthorised", "reason": OWN_RECORD}
    feed = (
        "worker_id,name,role,team_id,start_date\n"
        "admin-1,Ada Admin,records_officer,north,2020-01-06\n"
    )
    imported = (await graphql(client, admin, IMPORT, {"csv": feed}))["importWorkforce"]
    assert (imported["updated"], imported["problems"]) == (
        0,
        [{"line": 2, "field": "worker_id", "reason": OWN_RECORD}],
    )
    assert await _workforce_snapshot(store) == before

    # Made the line manager of the child's worker (another administrator may record that),
    # an administrator still reads no child: the line is READ_RELATED's to read through.
    sam = await _save_worker(
        client, admin, id="sw-north", name="Worker north", teamId="north", managerId="admin-1"
    )
    assert sam["managerId"] == "admin-1", sam
    assert (await graphql(client, admin, CHILD, {"id": child_id}))["child"] is None
    found = await graphql(client, admin, '{ searchChildren(term: "Newman") { id } }')
    assert found["searchChildren"] == []

    # Nor does a worker whose role became one that holds no cases, with the caseload of
    # the role before still allocated to them.
    sam_token = _token(settings, "sw-north", "social_worker", "north")
    assert (await graphql(client, sam_token, CHILD, {"id": child_id}))["child"] is not None
    moved = await _save_worker(
        client,
        admin,
        id="sw-north",
        name="Worker north",
        teamId="north",
        role="SYSTEM_ADMINISTRATOR",
    )
    assert moved["__typename"] == "StaffMember", moved
    assert (await graphql(client, sam_token, CHILD, {"id": child_id}))["child"] is None


HEADER = (
    "worker_id,name,role,team_id,team_name,manager_id,start_date,end_date,email,registration_number"
)
FEED = f"""{HEADER}
hd-1,Helen Head,Team Manager,t-east,East Safeguarding,,01/09/2015,,helen@example.org,SW100001
sw-1,Sam One,Social Worker,t-east,,hd-1,2021-04-01,,sam@example.org,SW100002
sw-2,Sam Two,social_worker,t-east,,sw-1,2022-04-01,2026-03-31,,
sw-3,Sam Three,Wizard,t-east,,hd-1,2022-04-01,,,
sw-4,Sam Four,Social Worker,t-east,,ghost,2022-04-01,,,
sw-5,Sam Five,Social Worker,t-east,,sw-3,2022-04-01,,,
sw-6,Sam Six,Social Worker,t-east,,hd-1,31/02/2022,,,
sw-1,Sam Again,Social Worker,t-east,,hd-1,2022-04-01,,,
sw-7,Sam Seven,Social Worker,t-west,West,sw-8,2022-04-01,,,
sw-8,Sam Eight,Social Worker,t-west,West,sw-7,2022-04-01,,,
sw-9,Sam Nine,Social Worker,t-east,,hd-1,2024-04-01,2023-01-01,,
"""


async def _workforce_snapshot(store: FalkorDBStore) -> list[dict[str, Any]]:
    return await store.read(
        # Every worker but the administrator the store was started with.
        "MATCH (w:Worker) WHERE w.id <> 'admin-1' OPTIONAL MATCH (w)-[:REPORTS_TO]->(m:Worker)"
        " OPTIONAL MATCH (w)-[:MEMBER_OF_TEAM]->(t:Team)"
        " RETURN w {.*} AS worker, m.id AS manager, t {.*} AS team ORDER BY w.id"
    )


async def test_the_hr_feed_reports_bad_rows_and_loading_it_twice_changes_nothing(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    await add_worker(store, "admin-1", "system_administrator")
    admin = _admin(settings)
    first = (await graphql(client, admin, IMPORT, {"csv": FEED}))["importWorkforce"]
    assert first["__typename"] == "WorkforceImported", first
    assert (first["created"], first["updated"], first["unchanged"], first["teamsCreated"]) == (
        3,
        0,
        0,
        1,
    )
    reported = [(p["line"], p["field"]) for p in first["problems"]]
    assert reported == [
        (5, "role"),
        (6, "manager_id"),
        (7, "manager_id"),
        (8, "start_date"),
        (9, "worker_id"),
        (10, "manager_id"),
        (11, "manager_id"),
        (12, "end_date"),
    ]
    reasons = {p["line"]: p["reason"] for p in first["problems"]}
    assert reasons[6] == "ghost is not a known worker"
    assert reasons[7] == "sw-3 is not a known worker"
    assert reasons[9] == "sw-1 is already on line 3"
    assert reasons[10] == reasons[11] == "line management would go round in a loop"
    snapshot = await _workforce_snapshot(store)
    assert [(row["worker"]["id"], row["manager"], row["team"]["name"]) for row in snapshot] == [
        ("hd-1", None, "East Safeguarding"),
        ("sw-1", "hd-1", "East Safeguarding"),
        ("sw-2", "sw-1", "East Safeguarding"),
    ]
    assert snapshot[0]["worker"]["startDate"] == date(2015, 9, 1)
    assert snapshot[2]["worker"]["endDate"] == date(2026, 3, 31)
    assert snapshot[1]["worker"]["registrationNumber"] == "SW100002"
    assert {row["worker"]["recordedBy"] for row in snapshot} == {"admin-1"}

    second = (await graphql(client, admin, IMPORT, {"csv": FEED}))["importWorkforce"]
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 0, 3)
    assert second["problems"] == first["problems"]
    assert await _workforce_snapshot(store) == snapshot

    # A changed row is an update: sw-2 moves to report to the head of service.
    changed = FEED.replace(
        "sw-2,Sam Two,social_worker,t-east,,sw-1", "sw-2,Sam Two,social_worker,t-east,,hd-1"
    )
    third = (await graphql(client, admin, IMPORT, {"csv": changed}))["importWorkforce"]
    assert (third["created"], third["updated"], third["unchanged"]) == (0, 1, 2)
    lines = await store.read(
        "MATCH (:Worker {id: 'sw-2'})-[r:REPORTS_TO]->(m:Worker) RETURN m.id AS m"
    )
    assert lines == [{"m": "hd-1"}]

    header_only = await graphql(client, admin, IMPORT, {"csv": "name,role\nA,B\n"})
    assert header_only["importWorkforce"]["problems"][0]["field"] == "csv"
    worker = _token(settings, "sw-1", "social_worker", "t-east")
    refused = (await graphql(client, worker, IMPORT, {"csv": FEED}))["importWorkforce"]
    assert refused["__typename"] == "NotAuthorised"


def test_the_command_line_loads_the_hr_feed(engine: EmbeddedEngine, tmp_path: Path) -> None:
    feed = tmp_path / "workforce.csv"
    feed.write_text(FEED, encoding="utf-8")
    graph_name = f"cli-{uuid.uuid4().hex}"
    environment = {
        "LCS_HUB_VAR_DIR": str(tmp_path / "var"),
        "LCS_HUB_GRAPH_URL": f"embedded://{engine.data_dir}",
        "LCS_HUB_GRAPH_NAME": graph_name,
        "PATH": "/usr/bin:/bin",
        # This checkout's code, whichever checkout the virtualenv was installed from.
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    command = [str(Path(sys.executable).parent / "lcs-hub"), "import-workforce", str(feed)]
    first = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=120)
    assert first.returncode == 1, first.stderr
    assert first.stdout.splitlines()[0] == (
        "created 3, updated 0, unchanged 0, teams created 1, rows left out 8"
    )
    assert "line 6: manager_id: ghost is not a known worker" in first.stdout
    try:
        again = subprocess.run(
            command, capture_output=True, text=True, env=environment, timeout=120
        )
        assert again.stdout.splitlines()[0] == (
            "created 0, updated 0, unchanged 3, teams created 0, rows left out 8"
        )
    finally:
        asyncio.run(_drop(engine, graph_name))


async def _drop(engine: EmbeddedEngine, graph_name: str) -> None:
    assert engine.socket_path is not None
    graph = FalkorDBStore(engine.socket_path, graph_name)
    await graph.drop()
    await graph.close()


async def test_the_demo_county_has_a_workforce_and_allocated_caseloads(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    today = date(2026, 11, 2)
    world = county.generate("tiny", today=today)
    await county.load(store, world, show_progress=False)
    sam = bearer(settings, "social-worker")
    mine = {row["child"]: row for row in world.allocations if row["worker"] == "worker-sw-demo"}
    work = await graphql(
        client,
        sam,
        "{ myWork { allocatedChildren { childId childName allocatedOn reasonForChange } } }",
    )
    listed = work["myWork"]["allocatedChildren"]
    # The pre-birth child is allocated as the journey is driven, after the county's rows.
    assert {row["childId"] for row in listed} >= set(mine)
    assert all(row["allocatedOn"] <= today.isoformat() for row in listed)
    # The team's manager sees the reallocation of the family whose first worker left.
    manager = bearer(settings, "team-manager")
    past = world.past_allocations[0]
    history = await graphql(
        client,
        manager,
        "query ($id: ID!) { allocations(childId: $id) { workerId startDate endDate"
        " reasonForChange } }",
        {"id": past["child"]},
    )
    assert history["allocations"] == [
        {
            "workerId": "worker-sw-demo",
            "startDate": past["endDate"],
            "endDate": None,
            "reasonForChange": "LEFTRL_SOCIAL_WORKER_LEFT_ROLE",
        },
        {
            "workerId": past["worker"],
            "startDate": past["startDate"],
            "endDate": past["endDate"],
            "reasonForChange": "FCONTA_FIRST_CONTACT_OR_REREFERRAL",
        },
    ]
    teams = await graphql(client, manager, "{ teams { id members { id role managerId } } }")
    north = next(team for team in teams["teams"] if team["id"] == "team-safeguarding-north")
    members = {member["id"]: member for member in north["members"]}
    assert members["worker-sw-demo"]["managerId"] == "worker-tm-demo"
    assert members["worker-tm-demo"]["role"] == "TEAM_MANAGER"


def test_the_command_line_reads_an_hr_feed_in_the_encoding_given(
    engine: EmbeddedEngine, tmp_path: Path
) -> None:
    # A spreadsheet's CSV export is Windows-1252: the feed was refused whole as not UTF-8.
    feed = tmp_path / "workforce.csv"
    feed.write_bytes(
        f"{HEADER}\nhd-1,Siobhán Ó Súilleabháin,Team Manager,t-east,East,,2015-09-01,,,\n".encode(
            "cp1252"
        )
    )
    graph_name = f"cli-{uuid.uuid4().hex}"
    environment = {
        "LCS_HUB_VAR_DIR": str(tmp_path / "var"),
        "LCS_HUB_GRAPH_URL": f"embedded://{engine.data_dir}",
        "LCS_HUB_GRAPH_NAME": graph_name,
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    command = [str(Path(sys.executable).parent / "lcs-hub"), "import-workforce", str(feed)]
    try:
        refused = subprocess.run(
            command, capture_output=True, text=True, env=environment, timeout=120
        )
        assert refused.returncode == 2
        assert refused.stderr.splitlines()[-1].startswith(
            "the HR feed was not loaded: workforce.csv is not UTF-8 (byte 0xe1 at offset "
        )
        loaded = subprocess.run(
            [*command, "--encoding", "windows-1252"],
            capture_output=True,
            text=True,
            env=environment,
        )
        assert loaded.returncode == 0, loaded.stderr
        assert asyncio.run(_worker_name(engine, graph_name)) == "Siobhán Ó Súilleabháin"
    finally:
        asyncio.run(_drop(engine, graph_name))


async def _worker_name(engine: EmbeddedEngine, graph_name: str) -> str:
    assert engine.socket_path is not None
    graph = FalkorDBStore(engine.socket_path, graph_name)
    try:
        rows = await graph.read("MATCH (w:Worker {id: 'hd-1'}) RETURN w.name AS name")
        return str(rows[0]["name"])
    finally:
        await graph.close()
