"""Who holds a child is kept on the child, and every write of a holder keeps it.

The internal row rule reads a child's allocated workers and responsible teams from two
lists on the child (graph/cypher/access.py `keep_holders`), not from the relationships:
one pattern read per person shown was most of the rule's cost. The relationships stay
the record, so the lists must follow every write of them. Here the statements are
walked for writers of those relationships, and the rule is run against allocations made,
moved and ended through the workflow. Every test's graph is also checked as it ends
(tests/conftest.py: no child's lists differ from its relationships).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from datetime import date
from typing import TYPE_CHECKING, Any

import pytest

import graph.cypher
from graph.cypher.access import AccessScope, keep_holders, only_visible
from graph.migrations import backfill_access_holders
from tests.helpers import add_worker
from tests.holders import HOLDERS_ASTRAY
from workflow.allocation import AllocateChild, EndAllocation, allocate, end_allocation
from workflow.codes import SocialWorkerChangeReason

if TYPE_CHECKING:
    from graph import FalkorDBStore

pytestmark = pytest.mark.anyio

_HOLDER = r"(?:ALLOCATED_TO|RESPONSIBLE_TEAM)"
# Made: `CREATE`/`MERGE` of the relationship. Removed: a statement deleting what it bound
# to one (`[x:ALLOCATED_TO]` ... `DELETE`).
_MAKES_A_HOLDER = re.compile(rf"(?:CREATE|MERGE)[^\n]*\[\w*:{_HOLDER}\]")
_BINDS_A_HOLDER = re.compile(rf"\[\w+:{_HOLDER}\]")
_KEEPS = keep_holders("c").split("\n")[1].split("=")[0].strip().removeprefix("SET c.")

REASON = next(iter(SocialWorkerChangeReason))
VISIBLE = f"""
MATCH (c:Child {{id: $id}})
{only_visible("c")}
RETURN c.id AS id
"""


def _writers() -> list[tuple[str, str]]:
    found = []
    for module_info in pkgutil.iter_modules(graph.cypher.__path__):
        module = importlib.import_module(f"graph.cypher.{module_info.name}")
        for name, value in vars(module).items():
            if not (name.isupper() and isinstance(value, str)):
                continue
            if _MAKES_A_HOLDER.search(value) or (
                _BINDS_A_HOLDER.search(value) and "DELETE" in value
            ):
                found.append((f"{module_info.name}.{name}", value))
    return found


def test_every_statement_that_writes_a_holder_keeps_the_child_s_lists() -> None:
    writers = dict(_writers())
    # Allocating, ending an allocation and the bulk load; a contact's team (two ways in),
    # a step up's (two); merging and undoing it.
    assert {
        "workforce.ALLOCATE",
        "workforce.END_ALLOCATION",
        "workforce.LOAD_ALLOCATIONS",
        "early_help.STEP_UP_CONTACT",
        "merging.MERGE_CHILDREN",
        "merging.UNMERGE_CHILDREN",
    } <= set(writers), sorted(writers)
    assert len(writers) >= 9, sorted(writers)
    for name, text in writers.items():
        assert f".{_KEEPS} = CASE" in text, name


def _scope(worker: str, team: str | None, reports: tuple[str, ...] = ()) -> AccessScope:
    return AccessScope(viewer=worker, team=team, view_all=False, now_ms=0, reports=reports)


async def _sees(store: FalkorDBStore, scope: AccessScope, child: str) -> bool:
    return bool(await store.read(VISIBLE, {**scope.params(), "id": child}))


async def test_the_rule_follows_allocations_made_moved_and_ended(store: FalkorDBStore) -> None:
    for worker, team in (("sw-1", "team-1"), ("sw-2", "team-2"), ("tm-2", "team-2")):
        await add_worker(store, worker, "social_worker", team)
    await store.write("CREATE (:Person:Child {id: 'C1', givenName: 'Ann', restricted: false})")
    first, second = _scope("sw-1", "team-1"), _scope("sw-2", "team-2")
    manager, stranger = _scope("tm-2", None, ("sw-2",)), _scope("sw-9", "team-9")
    manager_of_first = _scope("tm-2", None, ("sw-1",))
    assert not await _sees(store, first, "C1")

    records = AccessScope(viewer="records", team=None, view_all=True, now_ms=0)

    async def allocated(worker: str, on: date) -> dict[str, Any]:
        data = AllocateChild(child_id="C1", worker_id=worker, on=on, reason=REASON)
        made = await allocate(store, records, data, "records", 1)
        assert isinstance(made, dict), made
        return made

    await allocated("sw-1", date(2026, 1, 5))
    assert [await _sees(store, s, "C1") for s in (first, second, manager_of_first)] == [
        True,
        False,
        True,
    ]
    await allocated("sw-2", date(2026, 2, 5))
    # The first worker and their team let go; the second, their team and manager hold.
    assert [await _sees(store, s, "C1") for s in (first, second, manager, stranger)] == [
        False,
        True,
        True,
        False,
    ]
    ended = await end_allocation(
        store, records, EndAllocation(child_id="C1", on=date(2026, 3, 1)), "records", 2
    )
    assert isinstance(ended, dict), ended
    # Unallocated, the child stays with the responsible team (the manager's team too).
    no_longer_allocated = _scope("sw-2", None)
    team_member = _scope("x", "team-2")
    assert [await _sees(store, s, "C1") for s in (no_longer_allocated, team_member)] == [
        False,
        True,
    ]
    assert await store.read(HOLDERS_ASTRAY) == []


async def test_the_backfill_writes_the_lists_a_relationship_says(store: FalkorDBStore) -> None:
    await add_worker(store, "sw-1", "social_worker", "team-1")
    await store.write(
        "CREATE (c:Person:Child {id: 'C1', restricted: false})"
        " WITH c MATCH (w:Worker {id: 'sw-1'}), (t:Team {id: 'team-1'})"
        " CREATE (c)-[:ALLOCATED_TO]->(w), (c)-[:RESPONSIBLE_TEAM]->(t)"
    )
    # Written around the statements (as code before the lists did): no one holds the child.
    [astray] = await store.read(HOLDERS_ASTRAY)
    assert astray["childId"] == "C1"
    assert not await _sees(store, _scope("sw-1", None), "C1")
    await backfill_access_holders(store)
    assert await store.read(HOLDERS_ASTRAY) == []
    assert await _sees(store, _scope("sw-1", None), "C1")
    assert await _sees(store, _scope("anyone", "team-1"), "C1")
    # Run twice, it changes nothing (a hub may die before stamping the migration).
    await backfill_access_holders(store)
    [child] = await store.read(
        "MATCH (c:Child {id: 'C1'}) RETURN c.allocatedWorkerIds AS w, c.responsibleTeamIds AS t"
    )
    assert child == {"w": ["sw-1"], "t": ["team-1"]}
