"""The education system (IES): pupils with their UPN, school and year group, attendance and
exclusions, and Single Service Requests, taken in and linked to the right child; a pupil
record puts the child on its school's roll (by URN, with dates); a finalised SSR opens the
child's Livelink file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from connectors.ies.records import RECORD_TYPES, Pupil
from connectors.ies.roll import end_stays_elsewhere, place_on_roll, school_agency_id, stay_days
from connectors.ies.ssr import open_file_for_finalised_ssr, open_file_on_linked
from connectors.intake import Source
from workflow import encompass
from workflow.school_days import SchoolCalendar

if TYPE_CHECKING:
    from connectors.intake import IncomingRecord, RecordResult
    from graph import GraphStore, Row


@dataclass(frozen=True, slots=True)
class AfterApply:
    """What follows applying an IES record: the roll for a pupil, the file for an SSR.

    A pupil record correcting the school (a version naming another school from the same
    admission) leaves the child on no roll of the school first named: the Operation
    Encompass notices sent there are withdrawn and each incident sent where it should
    have gone, due by the authority's school days (`calendar`).
    """

    calendar: SchoolCalendar

    async def __call__(
        self, store: GraphStore, record: IncomingRecord, result: RecordResult
    ) -> None:
        school_corrected = await place_on_roll(store, record, result)
        await open_file_for_finalised_ssr(store, record, result)
        # Only a version naming another school can leave notices with a school that
        # never had the child (one write a pupil record spared otherwise).
        if school_corrected and isinstance(record.row, Pupil) and result.child_id is not None:
            await encompass.withdraw_unfounded(
                store,
                self.calendar,
                child_id=result.child_id,
                by=f"system:{record.source.lower()}",
                by_name=record.source,
                reason=f"{record.key} version {record.row.version} corrected the pupil's school",
            )


def source(calendar: SchoolCalendar | None = None) -> Source:
    """IES as a source, its notices due by `calendar` (working days when not given)."""
    return Source("IES", RECORD_TYPES, after_apply=AfterApply(calendar or SchoolCalendar()))


async def on_linked(store: GraphStore, record: Row) -> None:
    """After a person links a record by hand: a finalised SSR opens the child's file, and
    a pupil record ends the child's stay at another school, as it does linked on arrival."""
    await open_file_on_linked(store, record)
    if record.get("kind") == "PUPIL" and record.get("startDate") is not None:
        await end_stays_elsewhere(
            store, record["key"], date.fromisoformat(str(record["startDate"]))
        )


SOURCE = source()

__all__ = [
    "RECORD_TYPES",
    "SOURCE",
    "on_linked",
    "open_file_for_finalised_ssr",
    "place_on_roll",
    "school_agency_id",
    "source",
    "stay_days",
]
