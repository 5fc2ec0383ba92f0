"""A pupil record puts its child on a school's roll: by the school's URN, with dates.

The roll hangs from the pupil record (`ON_ROLL_AT`), not from the child: whichever child
the record is linked to (now or after a person links it) is on the roll, and unlinking
a wrongly linked record takes that child off it. The education audience's "own pupils"
(graph/cypher/access.py `on_roll`) and Operation Encompass's school on an incident date
(graph/cypher/encompass.py) both read it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from connectors.ies.records import Pupil
from graph import ConstraintViolation
from graph.cypher import encompass as statements
from workflow.calendar import day_in_england, day_starts_ms
from workflow.ids import now_ms

if TYPE_CHECKING:
    from connectors.intake import IncomingRecord, RecordResult
    from graph import GraphStore


def school_agency_id(urn: str) -> str:
    """The agency id of a school the hub first met in an IES record (its token's `agency`)."""
    return f"school-urn-{urn}"


async def place_on_roll(store: GraphStore, record: IncomingRecord, result: RecordResult) -> bool:
    """Put a pupil record on its school's roll (idempotent: a replay sets the same).

    Returns:
        Whether the version corrected the school (a stay it replaced was at another).
    """
    row = record.row
    if not isinstance(row, Pupil):
        return False
    params = {
        "key": record.key,
        "version": row.version,
        "urn": row.school_urn,
        "schoolId": school_agency_id(row.school_urn),
        "schoolName": row.school_name,
        # On roll from the start of the day of admission to the end of the day of leaving.
        "fromMs": day_starts_ms(row.start_date),
        "untilMs": day_starts_ms(row.end_date + timedelta(days=1)) if row.end_date else None,
    }
    try:
        placed = await store.write(statements.PLACE_ON_ROLL, params)
    except ConstraintViolation:
        # Another batch made the school first: the second try finds it.
        placed = await store.write(statements.PLACE_ON_ROLL, params)
    await end_stays_elsewhere(store, record.key, row.start_date)
    return bool(placed and placed[0]["schoolCorrected"])


async def end_stays_elsewhere(store: GraphStore, key: str, admitted: date) -> None:
    """A move IES reports ends the stay the authority recorded at the old school.

    The child the pupil record `key` is linked to (none yet: nothing, until a person links
    it) leaves any other school they attend by the authority's own record, dated or not,
    the day before the record admits them (`END_STAYS_ELSEWHERE`).
    """
    record = {
        "key": key,
        "fromMs": day_starts_ms(admitted),
        "admitted": admitted.isoformat(),
        "lastDay": (admitted - timedelta(days=1)).isoformat(),
    }
    await store.write(statements.END_STAYS_ELSEWHERE, {"records": [record], "now": now_ms()})


def stay_days(from_ms: int, until_ms: int | None) -> tuple[date, date | None]:
    """A stay on the roll as `place_on_roll` keeps it, as days in England: the day of
    admission, and the day of leaving (the last day before the stay's end), if it ended."""
    admitted = day_in_england(datetime.fromtimestamp(from_ms / 1000, UTC))
    if until_ms is None:
        return admitted, None
    return admitted, day_in_england(datetime.fromtimestamp((until_ms - 1) / 1000, UTC))
