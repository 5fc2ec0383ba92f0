"""The graph's shape version and the migrations that bring a store up to it, as data.

A migration is a version, a name and an `apply` coroutine; `MIGRATIONS` lists them in
order and the last version is the shape this code reads and writes. To add one, append
`Migration(N + 1, "what it does", apply)` where `apply` is idempotent (running it twice
changes nothing the second time: a hub may die after applying and before stamping) and
batched (bounded statements, e.g. over `node_windows`), and put its statements in
`graph/cypher/`.

Every process that opens a store for use (the hub's start-up, the `lcs-hub` commands)
calls `bring_to_current_shape`. Of several starting at once, one takes the lease (one
guarded statement on the shape node) and migrates; the others wait and then see the new
version. A store whose version is newer than the code is refused: the code would read a
shape it does not know.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from graph.backup import last_node_number, node_windows
from graph.birthdays import age_on, birthday
from graph.cypher import encompass
from graph.cypher import shape as statements
from graph.england import ENGLAND
from graph.errors import GraphError
from graph.kept_errors import reduced_error
from graph.names import backfill_name_keys
from graph.store import GraphStore

log = logging.getLogger("lcs_hub.graph.migrations")
SHAPE_ID = "graph"
SHAPE_LABEL = "GraphShape"
WINDOW = 10_000
LEASE_SECONDS = 600.0
POLL_SECONDS = 0.25


class ShapeTooNew(GraphError):
    """The store was migrated by newer code than this; serving it could corrupt it."""

    def __init__(self, store_version: int, code_version: int) -> None:
        super().__init__(
            f"the graph's shape is version {store_version}, newer than this code "
            f"(version {code_version}); run the lcs-hub release that migrated it, or newer"
        )
        self.store_version = store_version
        self.code_version = code_version


@dataclass(frozen=True)
class Migration:
    """One step of the graph's shape: `apply` brings version - 1 to `version`."""

    version: int
    name: str
    apply: Callable[[GraphStore], Awaitable[None]]


async def _backfill_case_note_versions(store: GraphStore) -> None:
    for start, end in node_windows(await last_node_number(store), WINDOW):
        await store.write(statements.BACKFILL_CASE_NOTE_VERSIONS, {"from": start, "to": end})


async def _backfill_draft_authors(store: GraphStore) -> None:
    for start, end in node_windows(await last_node_number(store), WINDOW):
        await store.write(statements.BACKFILL_DRAFT_AUTHORS, {"from": start, "to": end})


async def _backfill_birth_date_keys(store: GraphStore) -> None:
    for start, end in node_windows(await last_node_number(store), WINDOW):
        await store.write(statements.BACKFILL_BIRTH_DATE_KEYS, {"from": start, "to": end})


async def backfill_access_holders(store: GraphStore) -> None:
    """Writes on every child who holds them, from their relationships (the lists the
    internal row rule reads): the migration, and what a bulk write of those
    relationships outside `graph/cypher` runs after it."""
    for start, end in node_windows(await last_node_number(store), WINDOW):
        await store.write(statements.BACKFILL_ACCESS_HOLDERS, {"from": start, "to": end})


async def _reduce_outbox_errors(store: GraphStore) -> None:
    for start, end in node_windows(await last_node_number(store), WINDOW):
        rows = await store.read(statements.OUTBOX_ERRORS, {"from": start, "to": end})
        changes = [
            {"id": row["id"], "was": row["error"], "error": reduced}
            for row in rows
            if (reduced := reduced_error(row["error"])) != row["error"]
        ]
        if changes:
            await store.write(statements.REDUCE_OUTBOX_ERRORS, {"changes": changes})


async def _backfill_notice_pupils(store: GraphStore) -> None:
    at = int(time.time() * 1000)
    for start, end in node_windows(await last_node_number(store), WINDOW):
        await store.write(statements.BACKFILL_NOTICE_PUPILS, {"from": start, "to": end, "now": at})


async def _end_stays_before_pupil_records(store: GraphStore) -> None:
    # A stay at a school the authority recorded (undated, as the bulk load writes it)
    # ends the day before the newest stay of a linked IES pupil record at another school.
    at = int(time.time() * 1000)
    for start, end in node_windows(await last_node_number(store), WINDOW):
        rows = await store.read(statements.NEWEST_PUPIL_STAYS, {"from": start, "to": end})
        records = []
        for row in rows:
            # The day a stay begins is a day in England (the graph keeps instants).
            admitted = datetime.fromtimestamp(row["fromMs"] / 1000, ENGLAND).date()
            records.append(
                {
                    "key": row["key"],
                    "fromMs": row["fromMs"],
                    "admitted": admitted.isoformat(),
                    "lastDay": (admitted - timedelta(days=1)).isoformat(),
                }
            )
        if records:
            await store.write(encompass.END_STAYS_ELSEWHERE, {"records": records, "now": at})


# Children Act 1989 s23CZB: the local authority keeps in touch with a care leaver until
# they reach 25 (workflow/journey/care.py asks for no contact after that birthday).
LAST_SUPPORTED_AGE = 25


def _care_leaver_contact_change(row: dict[str, Any]) -> dict[str, Any] | None:
    """What a care leaver's contact due on the day care ended becomes, when that day was a
    birthday: the one still due falls due on the next birthday (none past the 25th),
    and one recorded is a contact answering no birthday (the one due is the next)."""
    born, was = row["born"], row["due"]
    age = age_on(born, was)
    if birthday(born, age) != was:
        return None
    change = {"id": row["id"], "status": row["status"], "was": was.isoformat()}
    if row["status"] == "DONE":
        return {**change, "to": "DONE", "due": None}
    following = birthday(born, age + 1)
    if following > birthday(born, LAST_SUPPORTED_AGE):
        return {**change, "to": "CANCELLED", "due": was.isoformat()}
    return {**change, "to": "OPEN", "due": following.isoformat()}


async def _care_leaver_contacts_after_the_birthday_care_ended(store: GraphStore) -> None:
    at = int(time.time() * 1000)
    for start, end in node_windows(await last_node_number(store), WINDOW):
        rows = await store.read(statements.CONTACTS_DUE_WHEN_CARE_ENDED, {"from": start, "to": end})
        changes = [change for row in rows if (change := _care_leaver_contact_change(row))]
        if changes:
            await store.write(
                statements.RETIME_CARE_LEAVER_CONTACTS, {"changes": changes, "now": at}
            )


# The states a decision on a referral awaits a manager in (workflow/process.py CaseState;
# graph/ may not import workflow/).
_REFERRAL_DECISION_STATES = (
    "REFERRAL_DECISION_AWAITING_AUTHORISATION",
    "NO_FURTHER_ACTION_AWAITING_AUTHORISATION",
)


async def _backfill_decision_authorised_dates(store: GraphStore) -> None:
    for start, end in node_windows(await last_node_number(store), WINDOW):
        await store.write(
            statements.BACKFILL_DECISION_AUTHORISED_DATES,
            {"from": start, "to": end, "decisionStates": list(_REFERRAL_DECISION_STATES)},
        )


async def _backfill_name_keys(store: GraphStore) -> None:
    await backfill_name_keys(store)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1, "case notes carry lineage, currency, version and revision", _backfill_case_note_versions
    ),
    # searchChildren seeks the folded family name key; children written before it have none.
    Migration(2, "children and intake records carry their family name key", _backfill_name_keys),
    Migration(
        3,
        "a draft case note names its author, the one person it is shown to",
        _backfill_draft_authors,
    ),
    # Matching seeks a birth date by its text key; children written before it have none.
    Migration(4, "children carry their birth date as a text key", _backfill_birth_date_keys),
    # Items that failed before the rule kept the destination's own words, or a path.
    Migration(
        5,
        "outbox errors keep the call and status only, never the text a destination sent",
        _reduce_outbox_errors,
    ),
    # A school's notice read the child's record as it is now, after a move too.
    Migration(
        6,
        "an Encompass notice names the pupil as the school was told when it was sent",
        _backfill_notice_pupils,
    ),
    # An undated stay at a school never ended, even after IES reported a move.
    Migration(
        7,
        "a stay the authority recorded at a school ends when an IES pupil record moves the child",
        _end_stays_before_pupil_records,
    ),
    # Care ending on a birthday made that birthday's contact due (e5e10fc: the next one's).
    Migration(
        8,
        "the first contact of a care leaver is due on the birthday after the one care ended on",
        _care_leaver_contacts_after_the_birthday_care_ended,
    ),
    # The internal row rule reads a child's holders from lists on the child, not their
    # relationships (one pattern read per person shown was most of a case view's rule).
    Migration(
        9,
        "a child carries the ids of the worker and team holding it, for the row rule",
        backfill_access_holders,
    ),
    # The day was kept only for accepted referrals authorised since cd5097e, never for no
    # further action: correctReferralDecisionDate could not check a correction against it.
    Migration(
        10,
        "the decision on a referral carries the day a manager authorised it",
        _backfill_decision_authorised_dates,
    ),
)


def current_shape_version(migrations: tuple[Migration, ...] = MIGRATIONS) -> int:
    """The shape this code reads and writes: the last migration's version."""
    return migrations[-1].version if migrations else 0


@dataclass(frozen=True)
class MigrationOutcome:
    """What one call did: the version found, the version left, the migrations it applied."""

    found: int
    version: int
    applied: tuple[str, ...]


async def shape_version(store: GraphStore) -> int:
    """The store's shape version; 0 for a store never migrated (or empty)."""
    rows = await store.read(statements.SHAPE, {"id": SHAPE_ID})
    return int(rows[0]["version"]) if rows else 0


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


async def migrate(
    store: GraphStore,
    migrations: tuple[Migration, ...] = MIGRATIONS,
    *,
    lease_seconds: float = LEASE_SECONDS,
    poll_seconds: float = POLL_SECONDS,
) -> MigrationOutcome:
    """Apply the pending migrations once, whoever else is starting at the same time.

    Raises:
        ShapeTooNew: the store's version is newer than the last of `migrations`.
    """
    versions = [migration.version for migration in migrations]
    if versions != list(range(1, len(versions) + 1)):
        raise ValueError(f"migration versions must be 1, 2, 3, ... in order; got {versions}")
    code = current_shape_version(migrations)
    holder = _holder()
    lease_ms = int(lease_seconds * 1000)
    found: int | None = None
    waited = False
    while True:
        version = await shape_version(store)
        found = version if found is None else found
        if version > code:
            raise ShapeTooNew(version, code)
        if version == code:
            return MigrationOutcome(found=found, version=version, applied=())
        now = _now_ms()
        taken = await store.write(
            statements.TAKE_MIGRATION_LEASE,
            {
                "id": SHAPE_ID,
                "version": version,
                "holder": holder,
                "now": now,
                "until": now + lease_ms,
            },
        )
        if taken:
            break
        if not waited:
            log.info("graph shape %d: another process is migrating it; waiting", version)
            waited = True
        await asyncio.sleep(poll_seconds)
    applied: list[str] = []
    try:
        for migration in migrations[version:]:
            log.info("graph shape: applying migration %d (%s)", migration.version, migration.name)
            await migration.apply(store)
            now = _now_ms()
            stamped = await store.write(
                statements.STAMP_SHAPE_VERSION,
                {
                    "id": SHAPE_ID,
                    "holder": holder,
                    "from": migration.version - 1,
                    "to": migration.version,
                    "until": now + lease_ms,
                    "now": now,
                    "name": migration.name,
                },
            )
            if not stamped:
                raise GraphError(
                    f"migration {migration.version} was applied but its lease had passed to "
                    "another process; start again (migrations are idempotent)"
                )
            applied.append(migration.name)
    finally:
        await store.write(statements.RELEASE_MIGRATION_LEASE, {"id": SHAPE_ID, "holder": holder})
    return MigrationOutcome(found=found, version=code, applied=tuple(applied))


async def forget_shape(store: GraphStore) -> None:
    """Remove the shape node (an import into an empty store brings its own)."""
    await store.write(statements.DELETE_SHAPE, {"id": SHAPE_ID})


async def bring_to_current_shape(store: GraphStore) -> MigrationOutcome:
    """Create missing constraints and indexes, then apply pending migrations (start-up)."""
    await store.apply_schema()
    return await migrate(store)
