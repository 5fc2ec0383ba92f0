"""The read audit's journal on the real engine: appended, drained exactly once by any number
of drainers, bounded, drained before every statement that reads the audit and before a
snapshot, and followed onto the record kept when the child read was merged away."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import pkgutil
import re
import uuid
from datetime import date
from typing import TYPE_CHECKING, Any

import pytest

import graph.audit_journal
import graph.cypher
from auth.audit import record_access
from auth.principal import Principal
from demo import county, personas
from graph import (
    AuditJournal,
    EmbeddedEngine,
    FalkorDBStore,
    GraphError,
    JournalDrainer,
    open_graph,
)
from graph.backup import graph_size
from graph.cypher import encompass
from graph.cypher.audit import AUDIT_WORDS, DRAIN_JOURNAL, reads_audit
from graph.migrations import backfill_access_holders

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

    from graph.standalone import StandaloneServer

pytestmark = pytest.mark.anyio

TODAY = date(2026, 11, 2)

# Counted by a statement naming no audit word: the store does not drain before it.
EVENTS_UNDRAINED = "MATCH (e) WHERE e.operation STARTS WITH 'Journal' RETURN count(e) AS n"
EVENTS = """
MATCH (e:AuditEvent)
OPTIONAL MATCH (e)-[a:ACCESSED]->(c:Child)
RETURN e.id AS id, e.operation AS operation, e.childId AS read, c.id AS child,
       a.mergedIn AS mergedIn
"""
NOTICES = """
MATCH (w:Worker)<-[:FOR_WORKER]-(n:Notice)-[:ABOUT]->(c:Child)
RETURN n.id AS id, w.id AS worker, c.id AS child
"""


def staff(subject: str = "worker-sw-demo") -> Principal:
    return Principal(
        subject=subject,
        name="Sam Social Worker",
        role="social_worker",
        agency_id=personas.LOCAL_AUTHORITY,
        token_id="t",
    )


HEALTH = Principal(
    subject="partner-health-demo",
    name="Dr Ann Lee",
    role="health_practitioner",
    agency_id=personas.HEALTH_TRUST,
    token_id="t",
    purpose="UNSCHEDULED_CARE",
)


@pytest.fixture
async def world(store: FalkorDBStore) -> county.County:
    demo = county.generate("tiny", today=TODAY)
    await county.load(store, demo, show_progress=False)
    return demo


@pytest.fixture
async def second_hub(engine: EmbeddedEngine, store: FalkorDBStore) -> AsyncIterator[FalkorDBStore]:
    """Another process's store on the same graph: its own connections, its own journal."""
    assert engine.socket_path is not None
    other = FalkorDBStore(engine.socket_path, store.graph_name)
    yield other
    await other.close()


def _allocated(world: county.County) -> list[str]:
    return [row["child"] for row in world.allocations if row["worker"] == "worker-sw-demo"]


def _journal(store: FalkorDBStore) -> AuditJournal:
    assert store.audit_journal is not None
    return store.audit_journal


async def _undrained(store: FalkorDBStore) -> int:
    [row] = await store.read(EVENTS_UNDRAINED)
    return int(row["n"])


async def test_a_read_is_journaled_and_written_to_the_graph_by_the_drain(
    store: FalkorDBStore, world: county.County
) -> None:
    child = _allocated(world)[0]
    assert await record_access(store, staff(), "JournalOne", {child: {"givenName"}}) == 1
    assert await _journal(store).pending() == 1
    assert await _undrained(store) == 0
    assert await _journal(store).drain() == 1
    assert await _journal(store).pending() == 0
    events = await store.read(EVENTS)
    assert [(e["operation"], e["read"], e["child"]) for e in events] == [
        ("JournalOne", child, child)
    ]


async def test_two_drainers_at_once_write_each_event_and_notice_exactly_once(
    store: FalkorDBStore, second_hub: FalkorDBStore, world: county.County
) -> None:
    children = _allocated(world)[:3]
    reads = [
        (HEALTH if number % 3 == 0 else staff(), {children[number % 3]: {"givenName"}})
        for number in range(30)
    ]
    await asyncio.gather(*(record_access(store, p, "JournalRace", seen) for p, seen in reads))
    # Both hubs' drainers, and each store's readers, at once: each finds the same entries.
    await asyncio.gather(
        _journal(store).drain(), _journal(second_hub).drain(), _journal(store).drain()
    )
    assert await _journal(store).pending() == 0
    events = await store.read(EVENTS)
    assert len(events) == 30 == len({event["id"] for event in events})
    notices = await store.read(NOTICES)
    # Each health read notifies the child's allocated worker once.
    assert len(notices) == 10 == len({notice["id"] for notice in notices})
    assert {notice["worker"] for notice in notices} == {"worker-sw-demo"}


async def test_background_drainers_in_two_hubs_lose_and_double_nothing(
    store: FalkorDBStore, second_hub: FalkorDBStore, world: county.County
) -> None:
    children = _allocated(world)
    drainers = [
        JournalDrainer(_journal(store), interval=0.005),
        JournalDrainer(_journal(second_hub), interval=0.005),
    ]
    for drainer in drainers:
        drainer.start()
    try:
        for round_ in range(10):
            await asyncio.gather(
                *(
                    record_access(hub, staff(f"w{round_}"), "JournalBusy", {child: {"id"}})
                    for hub in (store, second_hub)
                    for child in children
                )
            )
            await asyncio.sleep(0.002)
    finally:
        for drainer in drainers:
            await drainer.stop()
    await _journal(store).drain()
    events = [e for e in await store.read(EVENTS) if e["operation"] == "JournalBusy"]
    assert len(events) == 10 * 2 * len(children) == len({event["id"] for event in events})


async def test_a_crash_between_the_graph_write_and_the_delete_doubles_nothing(
    store: FalkorDBStore, world: county.County
) -> None:
    child = _allocated(world)[0]
    await record_access(store, HEALTH, "JournalCrash", {child: {"nhsNumber"}})
    journal = _journal(store)

    async def killed_before_the_delete(*args: Any) -> Any:
        if args[0] == "XDEL":
            raise GraphError("the process died here")
        return await journal.command(*args)

    crashed = AuditJournal(journal.key, killed_before_the_delete, journal.write)
    with pytest.raises(GraphError):
        await crashed.drain()
    # Written, and still journaled: the next drain writes it again and finds it.
    assert await _undrained(store) == 1
    assert await journal.pending() == 1
    assert await journal.drain() == 1
    assert len(await store.read(EVENTS)) == 1
    assert len(await store.read(NOTICES)) == 1


async def test_a_drain_ends_with_what_was_journaled_when_it_began(
    store: FalkorDBStore, world: county.County
) -> None:
    # Readers journaling as fast as the drain read kept it reading for as long as they
    # did: a statement that drains before it reads the audit, or a snapshot, waited on
    # every read made meanwhile. Here each page the drain reads, a page more arrives.
    child = _allocated(world)[0]
    await record_access(store, staff(), "JournalBusy", {child: {"id"}})
    journal = _journal(store)
    [(_, fields)] = await journal.command("XRANGE", journal.key, "-", "+")
    # More than a page of entries (the same read journaled again is drained once).
    for _ in range(129):
        await journal.command("XADD", journal.key, "*", *_flat(fields))
    at_start = await journal.pending()
    assert at_start == 130
    arrivals = 12

    async def busy(*args: Any) -> Any:
        nonlocal arrivals
        answer = await journal.command(*args)
        if args[0] == "XRANGE" and arrivals > 0:
            arrivals -= 1
            for _, arrived in answer:
                await journal.command("XADD", journal.key, "*", *_flat(arrived))
        return answer

    drained = await AuditJournal(journal.key, busy, journal.write).drain()

    assert drained == at_start
    assert await journal.pending() > 0  # what arrived meanwhile waits for the next drain


def _flat(fields: Any) -> list[str]:
    # A stream entry's fields, as XADD takes them (the client answers a list or a mapping).
    if isinstance(fields, dict):
        return [str(part) for pair in fields.items() for part in pair]
    return [str(part) for part in fields]


async def test_a_full_journal_is_written_through_and_never_grows_past_its_bound(
    store: FalkorDBStore, world: county.County, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(graph.audit_journal, "MOST_JOURNAL_ENTRIES", 3)
    child = _allocated(world)[0]
    most = 0
    for number in range(10):
        await record_access(store, staff(), f"JournalFull{number}", {child: {"id"}})
        most = max(most, await _journal(store).pending())
    assert most == 3
    # The seven that found it full drained it first: nothing was dropped.
    assert await _undrained(store) + await _journal(store).pending() == 10
    assert len(await store.read(EVENTS)) == 10


async def test_a_read_of_a_child_merged_away_before_the_drain_lands_on_the_record_kept(
    store: FalkorDBStore, world: county.County
) -> None:
    kept, merged = _allocated(world)[:2]
    # Merged as mergeChildren leaves it (graph/cypher/merging.py), after the read was
    # journaled by another hub: its drain finds the record merged away.
    await record_access(store, staff(), "JournalBeforeMerge", {merged: {"givenName"}})
    await store.read("RETURN 1")  # names no audit word: nothing drained
    journal = _journal(store)
    entries = await journal.pending()
    await journal.write(
        """MATCH (m:Child {id: $merged}), (k:Child {id: $kept})
           CREATE (m)-[:MERGED_INTO {eventId: 'merge-1'}]->(k)
           REMOVE m:Child:Person
           SET m:MergedChild, m.mergedInto = k.id, m.mergeEventId = 'merge-1'""",
        {"merged": merged, "kept": kept},
    )
    assert (entries, await journal.pending()) == (1, 1)
    await journal.drain()
    (event,) = await store.read(EVENTS)
    assert (event["read"], event["child"], event["mergedIn"]) == (merged, kept, "merge-1")


async def test_a_read_of_a_child_merged_away_twice_before_the_drain_carries_both_merges(
    store: FalkorDBStore, world: county.County
) -> None:
    # Tagged as the two merges would have tagged it, had it been drained before them
    # (graph/cypher/merging.py): the later merge's id, the earlier one's kept before it,
    # so undoing the later merge and then the earlier one brings it back to the record read.
    kept, middle, first = _allocated(world)[:3]
    await record_access(store, staff(), "JournalBeforeTwoMerges", {first: {"givenName"}})
    journal = _journal(store)
    for merged, into, event in ((first, middle, "merge-1"), (middle, kept, "merge-2")):
        await journal.write(
            """MATCH (m:Child {id: $merged}), (k:Child {id: $kept})
               CREATE (m)-[:MERGED_INTO {eventId: $event}]->(k)
               REMOVE m:Child:Person
               SET m:MergedChild, m.mergedInto = k.id, m.mergeEventId = $event""",
            {"merged": merged, "kept": into, "event": event},
        )
    await journal.drain()
    (event,) = await store.read(
        """MATCH (e:AuditEvent)-[a:ACCESSED]->(c:Child)
           RETURN e.childId AS read, c.id AS child, a.mergedIn AS mergedIn,
                  a.mergedInBefore AS before"""
    )
    assert event == {"read": first, "child": kept, "mergedIn": "merge-2", "before": ["merge-1"]}


async def test_a_snapshot_and_the_graph_size_take_in_every_journaled_read(
    store: FalkorDBStore, world: county.County
) -> None:
    child = _allocated(world)[0]
    await record_access(store, staff(), "JournalExported", {child: {"id"}})
    async with store.snapshot() as copy:
        assert copy.audit_journal is None
        [row] = await copy.read(EVENTS_UNDRAINED)
        assert row["n"] == 1
    await record_access(store, staff(), "JournalCounted", {child: {"id"}})
    before = await _journal(store).pending()
    await graph_size(store)
    assert (before, await _journal(store).pending(), await _undrained(store)) == (1, 0, 2)


def _statements() -> dict[str, str]:
    found: dict[str, str] = {}
    for module in pkgutil.iter_modules(graph.cypher.__path__):
        loaded = importlib.import_module(f"graph.cypher.{module.name}")
        for name, value in vars(loaded).items():
            if isinstance(value, str) and name.isupper() and ("MATCH" in value or "MERGE" in value):
                found[f"{module.name}.{name}"] = value
    return found


def test_the_audit_words_name_everything_the_drain_makes() -> None:
    # The events, the notices and their edges; ABOUT links every record to its child, and
    # a statement reading notices by it names the notice.
    nodes = set(re.findall(r"MERGE \(\w+:(\w+)", DRAIN_JOURNAL))
    edges = set(re.findall(r"MERGE \([^)]*\)-\[\w*:(\w+)", DRAIN_JOURNAL))
    assert (nodes | edges) - {"ABOUT"} == set(AUDIT_WORDS)


@pytest.mark.parametrize("name", sorted(n for n, s in _statements().items() if reads_audit(s)))
async def test_every_statement_naming_the_audit_drains_the_journal_first(
    name: str, store: FalkorDBStore, world: county.County
) -> None:
    statement = _statements()[name]
    child = _allocated(world)[0]
    await record_access(store, staff(), "JournalWalk", {child: {"id"}})
    assert await _journal(store).pending() == 1
    # Run as the store would run it (its parameters are not this test's business: an
    # engine error after the drain still shows the drain ran first).
    with contextlib.suppress(Exception):
        await store.read(statement, {"viewer": "nobody", "id": str(uuid.uuid4())})
    assert await _journal(store).pending() == 0
    assert await _undrained(store) == 1


async def test_a_standalone_server_journals_and_drains_the_audit_too(
    standalone_server: StandaloneServer, tmp_path: Path
) -> None:
    assert standalone_server.password is not None
    opened = open_graph(
        standalone_server.url,
        data_dir=tmp_path,
        graph_name=f"standalone-{uuid.uuid4().hex}",
        password=standalone_server.password,
    )
    store = opened.store
    assert isinstance(store, FalkorDBStore)
    try:
        await store.apply_schema()
        await store.write(
            "CREATE (:Child:Person {id: 'c1'})-[:ALLOCATED_TO]->(:Worker {id: 'worker-sw-demo'})"
        )
        await backfill_access_holders(store)
        await record_access(store, HEALTH, "JournalStandalone", {"c1": {"nhsNumber"}})
        assert await _journal(store).pending() == 1
        assert [(e["read"], e["child"]) for e in await store.read(EVENTS)] == [("c1", "c1")]
        assert [n["worker"] for n in await store.read(NOTICES)] == ["worker-sw-demo"]
        assert await _journal(store).pending() == 0
    finally:
        await store.drop()
        await opened.close()


def test_a_school_s_encompass_notices_are_not_the_audit_and_need_no_drain() -> None:
    # `EncompassNotice` holds the word `Notice`: only a label or type named so counts.
    assert not reads_audit(encompass.MASH_NOTICES)
    assert not reads_audit(encompass.SCHOOL_NOTICES)
    assert reads_audit("MATCH (n:`Notice`) RETURN n")
    assert reads_audit("MATCH (e)-[ :ACCESSED]->(c) RETURN e")


async def test_a_failing_drain_is_retried_logged_without_the_child_and_drops_nothing(
    store: FalkorDBStore, world: county.County, caplog: pytest.LogCaptureFixture
) -> None:
    child = _allocated(world)[0]
    name = next(c["givenName"] for c in world.children if c["id"] == child)
    await record_access(store, staff(), "JournalRetried", {child: {"givenName"}})
    journal = _journal(store)
    failures = 2

    async def refused_twice(statement: str, params: dict[str, Any]) -> Any:
        nonlocal failures
        if failures:
            failures -= 1
            # The engine's message may quote what it was sent.
            raise GraphError(f"the engine refused a write naming {name} ({child})")
        return await journal.write(statement, params)

    flaky = AuditJournal(journal.key, journal.command, refused_twice)
    drainer = JournalDrainer(flaky, interval=0.01, most_backoff=0.05)
    drainer.start()
    try:
        for _ in range(500):
            if await _undrained(store) == 1 and await journal.pending() == 0:
                break
            await asyncio.sleep(0.01)
    finally:
        await drainer.stop()
    assert (failures, await _undrained(store), await journal.pending()) == (0, 1, 0)
    logged = [r.getMessage() for r in caplog.records if r.name == "graph.audit_journal"]
    assert len(logged) == 2
    assert all("GraphError" in line for line in logged)
    assert not any(name in line or child in line for line in logged)
