"""A tiny world for the records tests: a team, a worker, children, contacts and episodes."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date
from typing import Any

from graph import GraphStore
from graph.cypher.access import AccessScope
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
) -> None:
    """A child, allocated to the test worker unless told otherwise."""
    await store.write(
        "CREATE (c:Person:Child {id: $id, givenName: 'Ruby', familyName: 'Newman',"
        " dateOfBirth: date($born), sex: 'F', unborn: false, restricted: false})"
        " FOREACH (d IN CASE WHEN $died IS NULL THEN [] ELSE [$died] END |"
        "   SET c.dateOfDeath = date(d))",
        {"id": child_id, "born": born, "died": died},
    )
    if allocated:
        await store.write(
            "MATCH (c:Child {id: $id}) MATCH (w:Worker {id: $worker})"
            " CREATE (c)-[:ALLOCATED_TO]->(w)",
            {"id": child_id, "worker": WORKER},
        )


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


async def add_episode(
    store: GraphStore,
    child_id: str,
    label: str,
    episode_id: str,
    *,
    start: date,
    end: date | None = None,
    **extra: Any,
) -> None:
    """A record of the case journey about the child (what the workflow area writes)."""
    await store.write(
        f"MATCH (c:Child {{id: $child}})"
        f" CREATE (e:`{label}` {{id: $id, startDate: date($start)}})-[:ABOUT]->(c)"
        " SET e += $extra"
        " FOREACH (d IN CASE WHEN $end IS NULL THEN [] ELSE [$end] END |"
        "   SET e.endDate = date(d))",
        {"child": child_id, "id": episode_id, "start": start, "end": end, "extra": extra},
    )
