"""The read audit's write-ahead journal: a request's audit appended to a stream in the engine.

Writing each request's `AuditEvent`s into the graph before its answer leaves cost 0.6-1.0
ms of a 6 ms case view (README, Performance). The journal is the engine itself: one Redis
stream per graph (`<graph>.audit-journal`), appended with `XADD` on the store's own
connections. The append is in the engine's append-only file under the same fsync rule as
a graph write, and an append the engine cannot write there is refused as a graph write is
(the request's answer is then withheld: auth/audit.py). Every hub on the engine shares
the stream, so a crash, a restart or a second process needs nothing of its own.

Entries leave the journal only by `drain`: written into the graph by an idempotent
statement (graph/cypher/audit.py, `DRAIN_JOURNAL`: events and notices found by their
ids), then deleted. Two drainers at once, or a crash between the write and the delete,
write an entry twice and find it the second time: nothing is doubled, nothing dropped.
The store drains before every statement that reads the audit (`reads_audit`) and before
a snapshot, so no reader sees the audit behind the reads; `JournalDrainer` drains in the
background of every hub process.

Bounded: a drain writes at most `MOST_DRAIN_ROWS` rows a statement; the journal holds at
most `MOST_JOURNAL_ENTRIES` entries, and a request finding it full (the engine refusing
graph writes for a while, no drainer keeping up) writes its way through: it drains the
journal itself before appending, so it waits for the graph as it did before the journal,
and fails (its answer withheld) when the graph cannot be written.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Final

from graph.cypher.audit import DRAIN_JOURNAL, JOURNAL_APPEND
from graph.store import audit_journal_of

log = logging.getLogger(__name__)

# Rows (children read) written by one drain statement: the group commit's batch bound
# (auth/audit.py), so one statement never holds the engine's write lock for long.
MOST_DRAIN_ROWS: Final = 500
# Entries read at once from the journal to make a statement of (each a request or a
# group-commit batch of them).
_ENTRIES_READ: Final = 64
# Entries the journal holds before a request writes through: ~1 MB of case views.
MOST_JOURNAL_ENTRIES: Final = 1_000

Command = Callable[..., Awaitable[Any]]
Write = Callable[[str, dict[str, Any]], Awaitable[Any]]


def journal_key(graph_name: str) -> str:
    """The stream holding `graph_name`'s journaled audit (a key beside the graph)."""
    return f"{graph_name}.audit-journal"


class AuditJournal:
    """The journal of one graph.

    Args:
        key: the stream's key (`journal_key`).
        command: runs one engine command, raising graph/'s errors (the store's).
        write: runs one graph statement, raising graph/'s errors, without draining first.
    """

    def __init__(self, key: str, command: Command, write: Write) -> None:
        self.key = key
        self.command = command
        self.write = write

    async def append(self, requests: Sequence[dict[str, Any]]) -> None:
        """Journal the audit rows of `requests` (auth/audit.py's shape), durably as a graph
        write is; if the journal is full, drain it first."""
        payload = json.dumps(list(requests), separators=(",", ":"))
        while True:
            appended = await self.command(
                "EVAL", JOURNAL_APPEND, 1, self.key, MOST_JOURNAL_ENTRIES, payload
            )
            if appended is not None:
                return
            # Full: write through. A failure here fails the request, as a failed graph
            # write did before the journal.
            await self.drain()

    async def pending(self) -> int:
        """How many entries wait to be drained."""
        return int(await self.command("XLEN", self.key))

    async def drain(self) -> int:
        """Write what the journal holds into the graph and delete it; the entries drained.

        Returns once the journal was found empty (or only entries appended since this
        drain began remain): whatever was journaled before the call is in the graph.
        """
        # As many entries as the journal held when the drain began, oldest first: with
        # readers journaling as fast as it drains, it read on for as long as they did,
        # and the statement waiting on it to read the audit (or a snapshot) with it.
        journaled = await self.pending()
        drained = 0
        while drained < journaled:
            asked = min(_ENTRIES_READ, journaled - drained)
            entries = await self.command("XRANGE", self.key, "-", "+", "COUNT", asked)
            if not entries:
                return drained
            taken: list[str] = []
            requests: list[dict[str, Any]] = []
            rows = 0
            for entry_id, fields in entries:
                batch = json.loads(_field(fields, "requests"))
                size = sum(len(request["children"]) for request in batch)
                if taken and rows + size > MOST_DRAIN_ROWS:
                    break
                taken.append(entry_id)
                requests.extend(batch)
                rows += size
            await self.write(DRAIN_JOURNAL, {"requests": requests})
            await self.command("XDEL", self.key, *taken)
            drained += len(taken)
            if len(taken) == len(entries) and len(entries) < asked:
                return drained
        return drained

    async def delete(self) -> None:
        """Remove the journal with its graph (tests drop their graphs)."""
        await self.command("DEL", self.key)


async def drain_audit_journal(store: object) -> int:
    """Drain `store`'s journal, if it keeps one: for a reader the store cannot tell reads
    the audit by its text (a count of every label, a backup's pages). Returns the entries."""
    journal = audit_journal_of(store)
    return 0 if journal is None else await journal.drain()


def _field(fields: Any, name: str) -> str:
    # The client answers a stream entry's fields as a flat list or a mapping by version.
    if isinstance(fields, dict):
        return str(fields[name])
    values = list(fields)
    return str(values[values.index(name) + 1])


class JournalDrainer:
    """Drains one journal in the background of a hub process, from start-up (a crash's
    leftovers first) until the app stops.

    Idle, it looks every `interval` seconds; a failed drain (the engine down or refusing
    writes) is logged by its kind only (the engine's message may quote a statement's
    parameters) and retried after a back-off doubling to `most_backoff`. Nothing is
    dropped: an entry leaves the journal only once written.
    """

    def __init__(
        self, journal: AuditJournal, *, interval: float = 0.2, most_backoff: float = 10.0
    ) -> None:
        self.journal = journal
        self.interval = interval
        self.most_backoff = most_backoff
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="audit-journal-drainer")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        backoff = self.interval
        while True:
            try:
                await self.journal.drain()
            except Exception as error:  # any failure: retried, never fatal
                backoff = min(max(backoff * 2, 0.5), self.most_backoff)
                log.warning(
                    "audit journal drain failed (%s); retrying in %.1f s",
                    type(error).__name__,
                    backoff,
                )
                await asyncio.sleep(backoff)
                continue
            backoff = self.interval
            await asyncio.sleep(self.interval)
