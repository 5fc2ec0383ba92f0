"""The education system (IES): pupils with their UPN, school and year group, attendance and
exclusions, and Single Service Requests, taken in and linked to the right child; a pupil
record puts the child on its school's roll (by URN, with dates); a finalised SSR opens the
child's Livelink file."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from connectors.ies.records import RECORD_TYPES
from connectors.ies.roll import end_stays_elsewhere, place_on_roll, school_agency_id, stay_days
from connectors.ies.ssr import open_file_for_finalised_ssr, open_file_on_linked
from connectors.intake import Source

if TYPE_CHECKING:
    from connectors.intake import IncomingRecord, RecordResult
    from graph import GraphStore, Row


async def after_apply(store: GraphStore, record: IncomingRecord, result: RecordResult) -> None:
    """What follows applying an IES record: the roll for a pupil, the file for an SSR."""
    await place_on_roll(store, record, result)
    await open_file_for_finalised_ssr(store, record, result)


async def on_linked(store: GraphStore, record: Row) -> None:
    """After a person links a record by hand: a finalised SSR opens the child's file, and
    a pupil record ends the child's stay at another school, as it does linked on arrival."""
    await open_file_on_linked(store, record)
    if record.get("kind") == "PUPIL" and record.get("startDate") is not None:
        await end_stays_elsewhere(
            store, record["key"], date.fromisoformat(str(record["startDate"]))
        )


SOURCE = Source("IES", RECORD_TYPES, after_apply=after_apply)

__all__ = [
    "RECORD_TYPES",
    "SOURCE",
    "on_linked",
    "open_file_for_finalised_ssr",
    "place_on_roll",
    "school_agency_id",
    "stay_days",
]
