"""Who holds a child is kept on the child, and every write of a holder keeps it.

The internal row rule reads a child's allocated workers and responsible teams from two
lists on the child (graph/cypher/access.py `keep_holders`), not from the relationships:
one pattern read per person shown was most of the rule's cost. The relationships stay
the record, so the lists must follow every write of them. Here the statements are
walked for writers of those relationships, and the rule is run against allocations made,
moved and ended through the workflow. Every test's graph is also checked as it ends
(tests/conftest.py: no child's lists differ from its relationships).

Who holds a child follows from what stands on their record: each action undone in error
(a contact withdrawn or moved, an allocation made to the wrong worker, a merge undone, a
step up withdrawn, moved or taken off the child) leaves the child held as a child given
the same record without that action is, over the holdings that stood before it.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from datetime import date
from typing import TYPE_CHECKING, Any

import pytest

import graph.cypher
from connectors import ehm
from connectors.intake import ingest
from graph.cypher.access import AccessScope, keep_holders, only_visible
from graph.migrations import backfill_access_holders
from tests.connectors.intake.world import add_child
from tests.helpers import add_worker
from tests.holders import HOLDERS_ASTRAY
from workflow.allocation import (
    AllocateChild,
    CorrectAllocation,
    EndAllocation,
    allocate,
    correct_allocation,
    end_allocation,
)
from workflow.calendar import default_calendar
from workflow.codes import ReferralSource, SocialWorkerChangeReason
from workflow.contacts import (
    ContactOutcome,
    RecordContact,
    finalise_contact,
    move_contact,
    record_contact,
    withdraw_contact,
)
from workflow.linking import LinkedRecord, link_record, unlink_record
from workflow.merging import MergeChildren, UnmergeChildren, merge_children, unmerge_children

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


# Undone in error, an action leaves the child held as if it had never been taken: the
# child it was taken on is compared with a control child given the same standing record
# (`_STANDING`) without it. A contact's recorder is sw-1 of team-1; sw-3 is team-1 too,
# sw-2 and sw-4 team-2.
WORKERS = (("sw-1", "team-1"), ("sw-2", "team-2"), ("sw-3", "team-1"), ("sw-4", "team-2"))
RECORDER = AccessScope(viewer="sw-1", team="team-1", view_all=True, now_ms=0)
RECORDS = AccessScope(viewer="records", team=None, view_all=True, now_ms=0)
ON, LATER = date(2026, 9, 7), date(2026, 10, 1)
# Each its own identity: a step up names the child it links to.
CHILDREN = {
    "C1": ("Marsh", date(2014, 3, 9)),
    "C1-right": ("Okafor", date(2015, 6, 1)),
    "C1-other": ("Lindqvist", date(2016, 7, 2)),
    "C2": ("Brennan", date(2013, 2, 3)),
    "C2-right": ("Tanaka", date(2017, 8, 4)),
    "C2-other": ("Whitfield", date(2012, 11, 5)),
}
_HELD = """
MATCH (c:Child {id: $id})
RETURN coalesce(c.allocatedWorkerIds, []) AS workers, coalesce(c.responsibleTeamIds, []) AS teams
"""


async def _held(store: FalkorDBStore, child: str) -> tuple[list[str], list[str]]:
    [row] = await store.read(_HELD, {"id": child})
    return sorted(row["workers"]), sorted(row["teams"])


async def _contact(store: FalkorDBStore, child: str, scope: AccessScope = RECORDER) -> Any:
    data = RecordContact(
        child_id=child, received_date=ON, source=ReferralSource.SCHOOLS, summary="Concern"
    )
    made = await record_contact(store, scope, data, default_calendar())
    assert isinstance(made, dict), made
    return made


async def _allocated(store: FalkorDBStore, child: str, worker: str, on: date = ON) -> None:
    data = AllocateChild(child_id=child, worker_id=worker, on=on, reason=REASON)
    assert isinstance(await allocate(store, RECORDS, data, "records", 1), dict)


async def _nothing(store: FalkorDBStore, child: str) -> None:
    return None


async def _allocated_in_the_recorder_s_team(store: FalkorDBStore, child: str) -> None:
    await _allocated(store, child, "sw-3")


async def _allocated_in_another_team(store: FalkorDBStore, child: str) -> None:
    await _allocated(store, child, "sw-2")


async def _contact_of_the_recorder_s_team(store: FalkorDBStore, child: str) -> None:
    await _contact(store, child, AccessScope(viewer="sw-3", team="team-1", view_all=True, now_ms=0))


async def _contact_of_another_team(store: FalkorDBStore, child: str) -> None:
    await _contact(store, child, AccessScope(viewer="sw-2", team="team-2", view_all=True, now_ms=0))


_STANDING = {
    "nothing": _nothing,
    "allocated in the recorder's team": _allocated_in_the_recorder_s_team,
    "allocated in another team": _allocated_in_another_team,
    "a contact of the recorder's team": _contact_of_the_recorder_s_team,
    "a contact of another team": _contact_of_another_team,
}


async def _withdrawn_contact(store: FalkorDBStore, child: str, control: str) -> list[str]:
    contact = await _contact(store, child)
    withdrawn = await withdraw_contact(store, RECORDS, contact["id"], contact["version"], "Twice")
    assert isinstance(withdrawn, dict), withdrawn
    return []


async def _moved_contact(store: FalkorDBStore, child: str, control: str) -> list[str]:
    """Moved to another child: that child is held as if it were recorded on them."""
    contact = await _contact(store, child)
    moved = await move_contact(
        store, RECORDS, contact["id"], contact["version"], f"{child}-right", "Her brother"
    )
    assert isinstance(moved, dict), moved
    await _contact(store, f"{control}-right")
    return ["-right"]


async def _allocation_corrected(store: FalkorDBStore, child: str, control: str) -> list[str]:
    """Made to the wrong worker: held as if made to the right one."""
    await _allocated(store, child, "sw-1", LATER)
    data = CorrectAllocation(child_id=child, worker_id="sw-4", reason="The wrong worker")
    assert isinstance(await correct_allocation(store, RECORDS, data, "records", 2), dict)
    await _allocated(store, control, "sw-4", LATER)
    return []


async def _merge_undone(store: FalkorDBStore, child: str, control: str) -> list[str]:
    """Another record merged into the child and the merge undone: both held as before."""
    await _contact(store, f"{child}-other")
    await _contact(store, f"{control}-other")
    merge = MergeChildren(keep=child, merge=f"{child}-other", reason="One child", on=ON)
    assert isinstance(await merge_children(store, RECORDER, merge), dict)
    unmerge = UnmergeChildren(merged=f"{child}-other", reason="Two children")
    assert isinstance(await unmerge_children(store, RECORDER, unmerge), dict)
    return ["-other"]


async def _stepped_up(store: FalkorDBStore, child: str, version: int = 1, **more: str) -> str:
    """EHM steps `child` up (the front door team is team-1, the recorder's); the record's id."""
    family, born = CHILDREN[child]
    record = {
        "recordType": "STEP_UP",
        "recordId": f"SU-{child}",
        "version": version,
        "givenName": "Ann",
        "familyName": family,
        "dateOfBirth": born.isoformat(),
        "startDate": ON.isoformat(),
        "episodeId": "EP-1",
        "reason": "Escalating concerns at home",
        **more,
    }
    report = await ingest(store, [(1, record)], ehm.source("team-1"), by="system:ehm")
    # Withdrawn, the record is linked to no one.
    assert report.results[0].child_id == (None if more else child), report
    [row] = await store.read(
        "MATCH (r:SourceRecord {recordId: $id}) RETURN r.id AS id", {"id": f"SU-{child}"}
    )
    return str(row["id"])


async def _step_up_withdrawn(store: FalkorDBStore, child: str, control: str) -> list[str]:
    """EHM sent it about the wrong child and withdrew it."""
    await _stepped_up(store, child)
    await _stepped_up(store, child, 2, withdrawn="true", withdrawnReason="Wrong child")
    return []


async def _step_up_decided_withdrawn(store: FalkorDBStore, child: str, control: str) -> list[str]:
    """Decided, and then withdrawn by a person as about another child."""
    await _stepped_up(store, child)
    [stepped] = await store.read(
        "MATCH (k:Contact)-[:ABOUT]->(:Child {id: $id}) WHERE k.stepUpKey IS NOT NULL"
        " RETURN k.id AS id",
        {"id": child},
    )
    decided = await finalise_contact(
        store, RECORDS, stepped["id"], ContactOutcome.NO_FURTHER_ACTION, None, ON
    )
    assert isinstance(decided, dict), decided
    withdrawn = await withdraw_contact(store, RECORDS, stepped["id"], decided["version"], "Not her")
    assert isinstance(withdrawn, dict), withdrawn
    return []


async def _step_up_sent_again(store: FalkorDBStore, child: str, control: str) -> list[str]:
    """Withdrawn by EHM in error and sent again: held as if stepped up once."""
    await _step_up_withdrawn(store, child, control)
    await _stepped_up(store, child, 3)
    await _stepped_up(store, control)
    return []


async def _step_up_unlinked(store: FalkorDBStore, child: str, control: str) -> list[str]:
    """Linked to the wrong child: a person takes it off."""
    record = await _stepped_up(store, child)
    assert isinstance(await unlink_record(store, RECORDS, record, "Not her"), LinkedRecord)
    return []


async def _step_up_linked_back(store: FalkorDBStore, child: str, control: str) -> list[str]:
    """Taken off the child and linked back to them: held as if stepped up once."""
    record = await _stepped_up(store, child)
    await _relinked(store, record, child)
    await _stepped_up(store, control)
    return []


async def _relinked(store: FalkorDBStore, record: str, child: str) -> None:
    """A person takes the record off its child and links it to `child`."""
    assert isinstance(await unlink_record(store, RECORDS, record, "Not her"), LinkedRecord)
    linked = await link_record(store, RECORDS, record, child, "Checked with early help")
    assert isinstance(linked, LinkedRecord), linked
    await ehm.StepUpToContact("team-1").on_linked(store, linked.record)


async def _step_up_moved(store: FalkorDBStore, child: str, control: str) -> list[str]:
    """Linked to the wrong child and then by a person to the right one: its undecided
    contact moves with it, and the right child is held as if stepped up itself."""
    await _relinked(store, await _stepped_up(store, child), f"{child}-right")
    await _stepped_up(store, f"{control}-right")
    return ["-right"]


_UNDONE = {
    "contact withdrawn": _withdrawn_contact,
    "contact moved to another child": _moved_contact,
    "allocation made to the wrong worker": _allocation_corrected,
    "merge undone": _merge_undone,
    "step up withdrawn by EHM": _step_up_withdrawn,
    "step up withdrawn by EHM and sent again": _step_up_sent_again,
    "step up decided and withdrawn by a person": _step_up_decided_withdrawn,
    "step up taken off the child": _step_up_unlinked,
    "step up moved to another child": _step_up_moved,
    "step up taken off the child and linked back": _step_up_linked_back,
}


@pytest.mark.parametrize("standing", list(_STANDING))
@pytest.mark.parametrize("undone", list(_UNDONE))
async def test_an_action_undone_in_error_leaves_the_holders_of_what_stands(
    store: FalkorDBStore, standing: str, undone: str
) -> None:
    for worker, team in WORKERS:
        await add_worker(store, worker, "social_worker", team)
    await add_worker(store, "records", "team_manager", "team-records")
    for child, (family, born) in CHILDREN.items():
        await add_child(store, child, "Ann", family, born)
    for child in ("C1", "C2"):
        await _STANDING[standing](store, child)
    others = await _UNDONE[undone](store, "C1", "C2")
    for other in ("", *others):
        assert await _held(store, f"C1{other}") == await _held(store, f"C2{other}"), other
    assert await store.read(HOLDERS_ASTRAY) == []


async def test_a_contact_withdrawn_after_its_recorder_changed_team_lets_go_of_their_old_team(
    store: FalkorDBStore,
) -> None:
    # The contact made the team its recorder was in then responsible; their team now
    # neither held the child nor takes it.
    for worker, team in WORKERS:
        await add_worker(store, worker, "social_worker", team)
    await add_worker(store, "records", "team_manager", "team-records")
    await add_child(store, "C1", "Ann", *CHILDREN["C1"])
    contact = await _contact(store, "C1")
    await store.write(
        "MATCH (:Worker {id: 'sw-1'})-[m:MEMBER_OF_TEAM]->() DELETE m"
        " WITH 1 AS moved MATCH (w:Worker {id: 'sw-1'}), (t:Team {id: 'team-2'})"
        " CREATE (w)-[:MEMBER_OF_TEAM]->(t)"
    )
    withdrawn = await withdraw_contact(store, RECORDS, contact["id"], contact["version"], "Twice")
    assert isinstance(withdrawn, dict), withdrawn
    assert await _held(store, "C1") == ([], [])
