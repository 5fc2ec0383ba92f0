"""The placements the SSDA903 allows only from a birthday (rules 371 to 374).

The DfE's validator flags an episode that began in such a placement before the child
reached its age, so the hub refuses one at entry: starting care, a move, a placement
corrected, and a date of birth put right after them (workflow/birth_date.py) all ask here.
"""

from __future__ import annotations

from datetime import date

from workflow.calendar import birthday
from workflow.codes import PlacementType

# SSDA903 2024-25 onwards (unchanged in 2025-26 and 2026-27): the placement, the age from
# which it is allowed, and the rule that says so.
_FROM_AGE: dict[PlacementType, tuple[int, int]] = {
    PlacementType.K3_REGISTERED_SUPPORTED_ACCOMMODATION: (16, 371),
    PlacementType.R5_YOUNG_OFFENDER_INSTITUTION: (10, 372),
    PlacementType.S1_RESIDENTIAL_SCHOOL: (4, 373),
    PlacementType.P3_RESIDENTIAL_EMPLOYMENT: (14, 374),
}


def too_young_for(placement: PlacementType | str, born: date | None, start: date) -> str | None:
    """Why a child born on `born` cannot begin an episode in `placement` on `start` (None:
    they can, or the birth date is not known)."""
    if isinstance(placement, str):
        try:
            placement = PlacementType.from_code(placement)
        except ValueError:
            return None
    rule = _FROM_AGE.get(placement)
    if rule is None or born is None:
        return None
    age, number = rule
    # The DfE counts the birthday itself as old enough (DECOM < DOB + age is the error).
    turns = birthday(born, age)
    if start >= turns:
        return None
    return (
        f"a {placement.value} placement is for a child aged {age} or over: the child"
        f" turns {age} on {turns.isoformat()} (SSDA903 rule {number})"
    )
