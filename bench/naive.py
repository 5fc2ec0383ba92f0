"""The case view as a team would first write it, and the hub's throughput against it.

A plain strawberry schema whose every nested field asks the store on its own, once per
parent object (no DataLoaders, no batching): the members of a household, each member's
person, each note's author, each folder... It checks the child's row rule at the root
(a team would), and nothing after, and writes no audit; the hub does both, so the
comparison favours the naive side. Its statements live here, not in `graph/cypher/`:
they are the thing being compared against, never used by the hub.

Both answer the same case view query; before timing, their answers are compared child
by child, so the two do the same work. Then each serves the same requests from
`--clients` concurrent callers in process, and the throughput ratio is printed (the
goal in issue 14: the hub at least 5x the naive server).

    python -m bench.naive --size large [--requests 400] [--clients 8]
    python -m bench.naive --reuse var/bench-county
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import strawberry
from strawberry.types import Info

from bench import case_view
from bench.case_view_query import CASE_VIEW, SOCIAL_WORKER, caseload
from bench.county_store import county_store
from bench.recording import RecordingStore
from demo import county
from graph import FalkorDBStore
from graph.cypher.access import AccessScope, only_visible
from workflow.calendar import default_calendar, today_in_england
from workflow.journey.case import referral_decision_due
from workflow.journey.effects import Clock
from workflow.timescales import DEFAULT_LOCAL_STANDARDS

# Each statement seeks an index (tests/bench checks their plans): the comparison is
# about round trips, not about a naive server scanning where the hub does not.
CHILD = f"""
MATCH (c:Child {{id: $id}})
{only_visible("c")}
RETURN c {{.id, .givenName, .familyName, .dateOfBirth, .nhsNumber}} AS child
"""
ADDRESS = """
MATCH (:Person {id: $id})-[l:LIVES_AT]->(a:Address) WHERE l.until IS NULL
RETURN a {.line1, .town, .postcode} AS address
"""
FAMILY = "MATCH (:Child {id: $id})-[:MEMBER_OF]->(f:Family) RETURN f {.id, .name} AS family"
MEMBERS = """
MATCH (:Family {id: $id})<-[m:MEMBER_OF]-(p:Person)
RETURN p.id AS personId, m.role AS householdRole ORDER BY p.dateOfBirth
"""
PERSON = """
MATCH (p:Person {id: $id})
RETURN p {.id, .givenName, kind: CASE WHEN p:Child THEN 'CHILD' ELSE 'ADULT' END} AS person
"""
RELATIONSHIPS = """
MATCH (:Child {id: $id})-[r:RELATED_TO]->(p:Person)
RETURN r.type AS type, p.id AS personId ORDER BY r.type, p.familyName, p.givenName
"""
WORKER = """
MATCH (:Child {id: $id})-[:ALLOCATED_TO]->(w:Worker)
OPTIONAL MATCH (w)-[:MEMBER_OF_TEAM]->(t:Team)
RETURN w.name AS name, t.name AS team
"""
CONTACTS = """
MATCH (:Child {id: $id})<-[:ABOUT]-(k:Contact)
RETURN k {.id, .status, .outcome, .receivedDate, .decisionDue} AS contact
ORDER BY k.receivedDate DESC, k.recordedAt DESC
"""
NOTES = """
MATCH (c:Child {id: $id})
WITH c
MATCH (c)<-[:ABOUT]-(n:CaseNote) WHERE coalesce(n.current, true) = true
RETURN n {.id, .type, .text, .occurredAt} AS note ORDER BY n.occurredAt DESC, n.recordedAt DESC
LIMIT $latest
"""
AUTHOR = "MATCH (:CaseNote {id: $id})-[:WRITTEN_BY]->(w:Worker) RETURN w.name AS name"
FILE = "MATCH (:Child {id: $id})-[:HAS_FILE]->(f:File) RETURN f.id AS id"
FOLDERS = """
MATCH (:File {id: $id})-[:HAS_FOLDER]->(d:Folder) RETURN d {.id, .key, .name} AS folder
ORDER BY d.position
"""
DOCUMENTS = """
MATCH (:Folder {id: $id})-[:HOLDS]->(doc:Document)
RETURN doc {.id, .title, .createdAt, .latestVersion} AS document ORDER BY doc.createdAt
"""
CASES = """
MATCH (:Child {id: $id})<-[:ABOUT]-(ep:Referral)
RETURN ep {.id, .status, .referralDate, .closureDate} AS case
ORDER BY ep.referralDate DESC, ep.createdAt DESC
"""


def _processes(label: str) -> str:
    # One statement per kind of process, run once per case.
    return f"""
MATCH (:Referral {{id: $id}})<-[:IN_EPISODE]-(p:{label})
RETURN p {{.*}} AS record ORDER BY p.createdAt
"""


ASSESSMENTS = _processes("Assessment")
ENQUIRIES = _processes("Section47Enquiry")
CONFERENCES = _processes("InitialChildProtectionConference")
PROTECTION_PLANS = _processes("ChildProtectionPlan")
IN_NEED_PLANS = _processes("ChildInNeedPlan")


async def _read(info: Info, statement: str, **params: Any) -> list[dict[str, Any]]:
    store: FalkorDBStore = info.context["store"]
    return await store.read(statement, params)


@strawberry.type
class Address:
    line1: str | None
    town: str | None
    postcode: str | None


@strawberry.type
class Person:
    id: strawberry.ID
    given_name: str | None
    kind: str


async def _person(info: Info, person_id: str) -> Person:
    row = (await _read(info, PERSON, id=person_id))[0]["person"]
    return Person(id=row["id"], given_name=row["givenName"], kind=row["kind"])


@strawberry.type
class Member:
    person_id: strawberry.Private[str]
    household_role: str | None

    @strawberry.field
    async def person(self, info: Info) -> Person:
        return await _person(info, self.person_id)


@strawberry.type
class Family:
    id: strawberry.Private[str]
    name: str | None

    @strawberry.field
    async def members(self, info: Info) -> list[Member]:
        rows = await _read(info, MEMBERS, id=self.id)
        return [Member(person_id=r["personId"], household_role=r["householdRole"]) for r in rows]


@strawberry.type
class Relationship:
    type: str
    person_id: strawberry.Private[str]

    @strawberry.field
    async def person(self, info: Info) -> Person:
        return await _person(info, self.person_id)


@strawberry.type
class Worker:
    name: str | None
    team: str | None


@strawberry.type
class Contact:
    id: strawberry.ID
    status: str | None
    outcome: str | None
    received_date: date | None
    decision_due: date | None


@strawberry.type
class CaseNote:
    id: strawberry.Private[str]
    type: str
    text: str
    occurred_at: datetime

    @strawberry.field
    async def author(self, info: Info) -> str | None:
        rows = await _read(info, AUTHOR, id=self.id)
        return rows[0]["name"] if rows else None


@strawberry.type
class Document:
    id: strawberry.ID
    title: str
    created_at: datetime
    latest_version: int


@strawberry.type
class Folder:
    id: strawberry.Private[str]
    key: str
    name: str

    @strawberry.field
    async def documents(self, info: Info) -> list[Document]:
        rows = await _read(info, DOCUMENTS, id=self.id)
        return [
            Document(
                id=r["document"]["id"],
                title=r["document"]["title"],
                created_at=_instant(r["document"]["createdAt"]),
                latest_version=r["document"]["latestVersion"],
            )
            for r in rows
        ]


@strawberry.type
class Assessment:
    id: strawberry.ID
    status: str
    start_date: date
    due_date: date | None
    completed_date: date | None


@strawberry.type
class Section47Enquiry:
    id: strawberry.ID
    status: str
    strategy_discussion_date: date
    initial_conference_target: date | None


@strawberry.type
class InitialConference:
    id: strawberry.ID
    status: str
    due_date: date | None
    held_date: date | None


@strawberry.type
class Plan:
    id: strawberry.ID
    status: str
    start_date: date
    end_date: date | None


async def _records(info: Info, statement: str, case_id: str) -> list[dict[str, Any]]:
    return [row["record"] for row in await _read(info, statement, id=case_id)]


@strawberry.type
class Case:
    id: strawberry.ID
    status: str
    referral_date: date
    closure_date: date | None

    @strawberry.field
    def decision_due(self) -> date:
        # The same working-day rule the hub applies (a team would call it too).
        return referral_decision_due(self.referral_date, _clock())

    @strawberry.field
    async def assessments(self, info: Info) -> list[Assessment]:
        return [
            Assessment(
                id=r["id"],
                status=r["status"],
                start_date=r["startDate"],
                due_date=r.get("dueDate"),
                completed_date=r.get("completedDate"),
            )
            for r in await _records(info, ASSESSMENTS, self.id)
        ]

    @strawberry.field
    async def section47_enquiries(self, info: Info) -> list[Section47Enquiry]:
        return [
            Section47Enquiry(
                id=r["id"],
                status=r["status"],
                strategy_discussion_date=r["startDate"],
                initial_conference_target=r.get("conferenceTarget"),
            )
            for r in await _records(info, ENQUIRIES, self.id)
        ]

    @strawberry.field
    async def initial_conferences(self, info: Info) -> list[InitialConference]:
        return [
            InitialConference(
                id=r["id"],
                status=r["status"],
                due_date=r.get("dueDate"),
                held_date=r.get("heldDate"),
            )
            for r in await _records(info, CONFERENCES, self.id)
        ]

    @strawberry.field
    async def child_protection_plans(self, info: Info) -> list[Plan]:
        return _plans(await _records(info, PROTECTION_PLANS, self.id))

    @strawberry.field
    async def child_in_need_plans(self, info: Info) -> list[Plan]:
        return _plans(await _records(info, IN_NEED_PLANS, self.id))


def _plans(records: list[dict[str, Any]]) -> list[Plan]:
    return [
        Plan(id=r["id"], status=r["status"], start_date=r["startDate"], end_date=r.get("endDate"))
        for r in records
    ]


def _clock() -> Clock:
    return Clock(today_in_england(), default_calendar(), DEFAULT_LOCAL_STANDARDS)


def _instant(epoch_ms: int) -> datetime:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC)


@strawberry.type
class File:
    id: strawberry.ID

    @strawberry.field
    async def folders(self, info: Info) -> list[Folder]:
        rows = await _read(info, FOLDERS, id=self.id)
        return [Folder(**r["folder"]) for r in rows]


@strawberry.type
class Child:
    id: strawberry.ID
    given_name: str | None
    family_name: str | None
    date_of_birth: date | None
    nhs_number: str | None

    @strawberry.field
    async def address(self, info: Info) -> Address | None:
        rows = await _read(info, ADDRESS, id=self.id)
        return Address(**rows[0]["address"]) if rows else None

    @strawberry.field
    async def family(self, info: Info) -> Family | None:
        rows = await _read(info, FAMILY, id=self.id)
        return Family(**rows[0]["family"]) if rows else None

    @strawberry.field
    async def relationships(self, info: Info) -> list[Relationship]:
        rows = await _read(info, RELATIONSHIPS, id=self.id)
        return [Relationship(type=r["type"], person_id=r["personId"]) for r in rows]

    @strawberry.field
    async def allocated_worker(self, info: Info) -> Worker | None:
        rows = await _read(info, WORKER, id=self.id)
        return Worker(name=rows[0]["name"], team=rows[0]["team"]) if rows else None

    @strawberry.field
    async def contacts(self, info: Info) -> list[Contact]:
        rows = await _read(info, CONTACTS, id=self.id)
        return [
            Contact(
                id=r["contact"]["id"],
                status=r["contact"]["status"],
                outcome=r["contact"]["outcome"],
                received_date=r["contact"]["receivedDate"],
                decision_due=r["contact"]["decisionDue"],
            )
            for r in rows
        ]

    @strawberry.field
    async def cases(self, info: Info) -> list[Case]:
        rows = await _read(info, CASES, id=self.id)
        return [
            Case(
                id=r["case"]["id"],
                status=r["case"]["status"],
                referral_date=r["case"]["referralDate"],
                closure_date=r["case"].get("closureDate"),
            )
            for r in rows
        ]

    @strawberry.field
    async def case_notes(self, info: Info, latest: int) -> list[CaseNote]:
        rows = await _read(info, NOTES, id=self.id, latest=latest)
        return [
            CaseNote(
                id=r["note"]["id"],
                type=r["note"]["type"],
                text=r["note"]["text"],
                occurred_at=_instant(r["note"]["occurredAt"]),
            )
            for r in rows
        ]

    @strawberry.field
    async def file(self, info: Info) -> File | None:
        rows = await _read(info, FILE, id=self.id)
        return File(id=rows[0]["id"]) if rows else None


@strawberry.type
class Query:
    @strawberry.field
    async def child(self, info: Info, id: strawberry.ID) -> Child | None:
        scope: AccessScope = info.context["scope"]
        rows = await _read(info, CHILD, id=str(id), **scope.params())
        if not rows:
            return None
        row = rows[0]["child"]
        return Child(
            id=row["id"],
            given_name=row["givenName"],
            family_name=row["familyName"],
            date_of_birth=row["dateOfBirth"],
            nhs_number=row["nhsNumber"],
        )


NAIVE_SCHEMA = strawberry.Schema(query=Query)
STATEMENTS = (
    CHILD,
    ADDRESS,
    FAMILY,
    MEMBERS,
    PERSON,
    RELATIONSHIPS,
    WORKER,
    CONTACTS,
    NOTES,
    AUTHOR,
    FILE,
    FOLDERS,
    DOCUMENTS,
    CASES,
    ASSESSMENTS,
    ENQUIRIES,
    CONFERENCES,
    PROTECTION_PLANS,
    IN_NEED_PLANS,
)


async def naive_case_view(store: Any, scope: AccessScope, child_id: str) -> dict[str, Any]:
    """The case view on the naive schema."""
    result = await NAIVE_SCHEMA.execute(
        CASE_VIEW,
        variable_values={"id": child_id},
        context_value={"store": store, "scope": scope},
    )
    if result.errors or not result.data or not result.data["child"]:
        raise SystemExit(f"the naive case view of {child_id} failed: {result.errors}")
    return result.data


async def _throughput(serve: Any, child_ids: list[str], requests: int, clients: int) -> float:
    """Requests per second for `requests` case views from `clients` concurrent callers."""
    queue = list(range(requests))

    async def client() -> None:
        while queue:
            number = queue.pop()
            await serve(child_ids[number % len(child_ids)])

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return requests / (time.perf_counter() - started)


async def compare(
    store: FalkorDBStore, child_ids: list[str], requests: int, clients: int
) -> dict[str, float]:
    """Check both answer alike, then measure both; the hub's side runs with policy and audit."""
    from auth.authority import principal_on_record
    from auth.capabilities import access_scope

    scope = access_scope(await principal_on_record(store, SOCIAL_WORKER))
    trips_naive = RecordingStore(store)
    trips_hub = RecordingStore(store)
    for child_id in child_ids[:20]:
        naive = await naive_case_view(trips_naive, scope, child_id)
        hub = await case_view.case_view(trips_hub, SOCIAL_WORKER, child_id)
        if naive != hub:
            raise SystemExit(f"the naive server answers differently for {child_id}")
    figures = {
        "naive_trips": len(trips_naive.calls) / min(20, len(child_ids)),
        "hub_trips": len(trips_hub.calls) / min(20, len(child_ids)),
    }
    figures["naive_rps"] = await _throughput(
        lambda child: naive_case_view(store, scope, child), child_ids, requests, clients
    )
    figures["hub_rps"] = await _throughput(
        lambda child: case_view.case_view(store, SOCIAL_WORKER, child),
        child_ids,
        requests,
        clients,
    )
    figures["ratio"] = figures["hub_rps"] / figures["naive_rps"]
    return figures


async def run(size: str, requests: int, clients: int, reuse: Path | None) -> str:
    """Load (or reuse) a county and compare; return the report line."""
    async with county_store(size, reuse, with_notes=True) as loaded:
        child_ids = await caseload(loaded.store)
        figures = await compare(loaded.store, child_ids, requests, clients)
    return (
        f"nested case view, {requests} requests from {clients} concurrent callers: "
        f"hub {figures['hub_rps']:.0f} req/s ({figures['hub_trips']:.0f} statements each, "
        f"with policy and audit); naive strawberry {figures['naive_rps']:.0f} req/s "
        f"({figures['naive_trips']:.0f} statements each); ratio {figures['ratio']:.2f} "
        f"(goal >= 5)"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="medium", choices=sorted(county.SIZES))
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--reuse", type=Path, help="a data directory from bench.county_load")
    args = parser.parse_args(argv)
    print(asyncio.run(run(args.size, args.requests, args.clients, args.reuse)))


if __name__ == "__main__":
    main()
