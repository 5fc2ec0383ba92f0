"""The education system (IES): pupils with their UPN, school and year group, attendance and
exclusions, and Single Service Requests, taken in and linked to the right child; a pupil
record puts the child on its school's roll (by URN, with dates); a finalised SSR opens the
child's Livelink file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from connectors.ies.records import RECORD_TYPES
from connectors.ies.roll import place_on_roll, school_agency_id, stay_days
from connectors.ies.ssr import on_linked, open_file_for_finalised_ssr
from connectors.intake import Source

if TYPE_CHECKING:
    from connectors.intake import IncomingRecord, RecordResult
    from graph import GraphStore


async def after_apply(store: GraphStore, record: IncomingRecord, result: RecordResult) -> None:
    """What follows applying an IES record: the roll for a pupil, the file for an SSR."""
    await place_on_roll(store, record, result)
    await open_file_for_finalised_ssr(store, record, result)


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
