"""Birthdays and ages: declared in the graph room, the bottom of the rooms (DESIGN.md), so
a migration putting right what hangs on a birthday counts them as the workflow does."""

from __future__ import annotations

from calendar import isleap
from datetime import date


def birthday(date_of_birth: date, age: int) -> date:
    """The day a person born on `date_of_birth` reaches `age` years.

    Someone born on 29 February reaches a new age on 1 March in a common year, which is
    also what `age_on` counts (the anniversary has not passed on 28 February).
    """
    year = date_of_birth.year + age
    if date_of_birth.month == 2 and date_of_birth.day == 29 and not isleap(year):
        return date(year, 3, 1)
    return date(year, date_of_birth.month, date_of_birth.day)


def age_on(date_of_birth: date, on: date) -> int:
    """Age in completed years on the day `on`."""
    years = on.year - date_of_birth.year
    if (on.month, on.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years
