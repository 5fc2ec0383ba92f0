"""A tiny world for the records tests: a team, a worker, children, contacts and episodes."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from graph import GraphStore
from graph.cypher.access import AccessScope
from graph.migrations import backfill_access_holders
from workflow.ids import now_ms

WORKER = "worker-records-test"
WORKER_NAME = "Sam Patel"
TEAM = "team-records-test"


def scope(*, view_all: bool = False, viewer: str = WORKER) -> AccessScope:
    """The worker's scope (allocated children), or a county-wide one."""
    return AccessScope(viewer=viewer, team=TEAM, view_all=view_all, now_ms=now_ms())


def counter(prefix: str) -> Callable[[], str]:
    """Readable, predictable ids for records the code under test creates."""
    numbers = itertools.count(1)
    return lambda: f"{prefix}-{next(numbers)}"


async def add_worker(store: GraphStore) -> None:
    await store.write(
        "MERGE (t:Team {id: $team}) SET t.name = 'Safeguarding'"
        " MERGE (w:Worker {id: $worker}) SET w.name = $name, w.role = 'social_worker'"
        " MERGE (w)-[:MEMBER_OF_TEAM]->(t)",
        {"team": TEAM, "worker": WORKER, "name": WORKER_NAME},
    )


async def add_child(
    store: GraphStore,
    child_id: str,
    *,
    born: date = date(2012, 3, 4),
    died: date | None = None,
    allocated: bool = True,
    given: str = "Ruby",
    family: str = "Newman",
) -> None:
    """A child, allocated to the test worker unless told otherwise."""
    await store.write(
        "CREATE (c:Person:Child {id: $id, givenName: $given, familyName: $family,"
        " dateOfBirth: date($born), sex: 'F', unborn: false, restricted: false})"
        " FOREACH (d IN CASE WHEN $died IS NULL THEN [] ELSE [$died] END |"
        "   SET c.dateOfDeath = date(d))",
        {"id": child_id, "born": born, "died": died, "given": given, "family": family},
    )
    if allocated:
        await store.write(
            "MATCH (c:Child {id: $id}) MATCH (w:Worker {id: $worker})"
            " CREATE (c)-[:ALLOCATED_TO]->(w)",
            {"id": child_id, "worker": WORKER},
        )
        await backfill_access_holders(store)


async def add_contact(
    store: GraphStore, child_id: str, contact_id: str, *, received: date = date(2024, 4, 30)
) -> None:
    """A contact about the child, finalised by the test worker."""
    await store.write(
        "MATCH (c:Child {id: $child}) MATCH (w:Worker {id: $worker})"
        " CREATE (k:Contact {id: $id, receivedDate: date($received), source: '2A',"
        " summary: 'Bruise seen on arm.', status: 'FINALISED', outcome: 'NO_FURTHER_ACTION',"
        " decisionDate: date($received), recordedAt: 1, version: 2})"
        " CREATE (k)-[:ABOUT]->(c) CREATE (k)-[:FINALISED_BY]->(w)",
        {"child": child_id, "worker": WORKER, "id": contact_id, "received": received},
    )


def _dates(variable: str, source: str, names: Iterable[str]) -> str:
    return " ".join(f"SET {variable}.{name} = date({source}.{name})" for name in names)


async def add_record(
    store: GraphStore,
    child_id: str,
    label: str,
    record_id: str,
    *,
    status: str,
    dates: Mapping[str, date],
    facts: Mapping[str, Any] | None = None,
    steps: Sequence[Mapping[str, Any]] = (),
    events: Sequence[tuple[str, date]] = (),
) -> None:
    """A record of the case journey about the child, shaped as workflow/journey writes it.

    Args:
        label: `Referral` (a case) or `PeriodOfCare`.
        dates: the record's own dates (referralDate, closureDate, startDate, endDate).
        steps: each with `id`, `kind`, `status` and any of startDate/completedDate.
        events: (toState, occurredOn) of the journey events that moved it.
    """
    await store.write(
        f"MATCH (c:Child {{id: $child}})"
        f" CREATE (r:`{label}` {{id: $id, status: $status, version: 1}})-[:ABOUT]->(c)"
        f" SET r += $facts {_dates('r', '$dates', dates)}",
        {
            "child": child_id,
            "id": record_id,
            "status": status,
            "dates": dict(dates),
            "facts": dict(facts or {}),
        },
    )
    for step in steps:
        step_dates = [name for name in ("startDate", "completedDate") if name in step]
        await store.write(
            f"MATCH (r:`{label}` {{id: $record}})-[:ABOUT]->(c:Child)"
            f" CREATE (s:Step {{id: $step.id, kind: $step.kind, status: $step.status}})"
            " CREATE (s)-[:PART_OF]->(r) CREATE (s)-[:ABOUT]->(c)"
            f" {_dates('s', '$step', step_dates)}",
            {"record": record_id, "step": dict(step)},
        )
    for number, (state, on) in enumerate(events):
        await store.write(
            f"MATCH (r:`{label}` {{id: $record}})-[:ABOUT]->(c:Child)"
            f" CREATE (e:JourneyEvent {{id: $id, toState: $state, occurredOn: date($on)}})"
            " CREATE (e)-[:OF]->(r) CREATE (e)-[:ABOUT]->(c)",
            {"record": record_id, "id": f"{record_id}-event-{number}", "state": state, "on": on},
        )


async def add_period_of_care(
    store: GraphStore,
    child_id: str,
    period_id: str,
    *,
    start: date,
    end: date | None = None,
    status: str | None = None,
    **facts: Any,
) -> None:
    """A period of care: looked after from `start`; ceased on `end` if given."""
    dates = {"startDate": start, **({"endDate": end} if end else {})}
    await add_record(
        store,
        child_id,
        "PeriodOfCare",
        period_id,
        status=status or ("CEASED" if end else "LOOKED_AFTER"),
        dates=dates,
        facts=facts,
        events=[("LOOKED_AFTER", start)],
    )
