"""Working days, months and ages: the date arithmetic behind every statutory timescale.

The graph store cannot do date arithmetic, so all of it lives here, in Python.
"""

from __future__ import annotations

import functools
import threading
from datetime import date, datetime, time, timedelta

import holidays

# A day in the record is a day in England, the zone the graph room declares for every room;
# birthdays and ages are declared there too, so a migration counts them as the workflow does.
from graph import ENGLAND
from graph import age_on as age_on
from graph import birthday as birthday

_SATURDAY = 5


def day_starts_ms(day: date) -> int:
    """The instant `day` begins in England, in epoch milliseconds (the graph's instants)."""
    return int(datetime.combine(day, time(0), tzinfo=ENGLAND).timestamp() * 1000)


def today_in_england() -> date:
    """The day it is now in England: the one "today" of every rule in the hub (tests set
    the clock by putting their own `datetime` in place of this module's)."""
    return datetime.now(ENGLAND).date()


def day_in_england(instant: datetime) -> date:
    """The day in England on which `instant` (an aware time) fell."""
    return instant.astimezone(ENGLAND).date()


def collection_year_start(day: date) -> int:
    """The year of the 1 April that began the DfE collection year holding `day` (a year
    runs from 1 April to 31 March)."""
    return day.year if day.month >= 4 else day.year - 1


def school_age_in(year_start: int, born: date) -> bool:
    """Whether a child born on `born` is of school age in the collection year from 1 April
    `year_start` to 31 March."""
    # SSDA903 rule 209: a child who turned 4 by the 31 August before the collection year
    # began school by then.
    return birthday(born, 4) <= date(year_start - 1, 8, 31)


def days_in_month(year: int, month: int) -> int:
    """The number of days in `month` of `year` (28 to 31)."""
    if month == 12:
        return 31
    return (date(year, month + 1, 1) - timedelta(days=1)).day


def add_months(start: date, months: int) -> date:
    """The same day `months` calendar months later (or earlier, if negative).

    A day that the target month lacks is clamped to its last day: 31 January plus one
    month is 28 February (29 in a leap year). This is how "within 3 months of" is read
    for conferences and reviews: the deadline never spills into the following month.
    """
    month_index = start.year * 12 + (start.month - 1) + months
    year, month_zero_based = divmod(month_index, 12)
    month = month_zero_based + 1
    return date(year, month, min(start.day, days_in_month(year, month)))


class WorkingDayCalendar:
    """Working days in England and Wales: Monday to Friday except bank holidays.

    Bank holidays come from the maintained `holidays` package (England and Wales share
    one list, including substitute days and one-off holidays such as the 2022 state
    funeral and the 2023 coronation); each year's list is fetched once and cached.
    """

    def __init__(self, *, country: str = "GB", subdivision: str = "ENG") -> None:
        self._country = country
        self._subdivision = subdivision
        self._by_year: dict[int, frozenset[date]] = {}
        self._lock = threading.Lock()

    def bank_holidays(self, year: int) -> frozenset[date]:
        """The bank holidays of `year` (some fall at weekends, with a substitute day)."""
        cached = self._by_year.get(year)
        if cached is not None:
            return cached
        with self._lock:
            cached = self._by_year.get(year)
            if cached is None:
                source = holidays.country_holidays(
                    self._country, subdiv=self._subdivision, years=year
                )
                cached = frozenset(day for day in source if day.year == year)
                self._by_year[year] = cached
            return cached

    def is_working_day(self, day: date) -> bool:
        """Whether `day` is a weekday and not a bank holiday."""
        return day.weekday() < _SATURDAY and day not in self.bank_holidays(day.year)

    def add_working_days(self, start: date, working_days: int) -> date:
        """The day on which `working_days` working days after `start` have passed.

        `start` itself is never counted, and when it is not a working day counting begins
        with the next working day: a decision due "within 1 working day" of a referral
        received on Friday (or at the weekend) is due on Monday, or on Tuesday when Monday
        is a bank holiday. A negative count walks back the same way; zero returns `start`.
        """
        step = timedelta(days=1 if working_days >= 0 else -1)
        remaining = abs(working_days)
        day = start
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (negative if `end` is earlier).

        The inverse of `add_working_days`: for a working day `start`,
        `working_days_between(start, add_working_days(start, n)) == n`.
        """
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count

    def add_months(self, start: date, months: int) -> date:
        """`add_months` (calendar months with end-of-month clamping), for a calendar in hand."""
        return add_months(start, months)


@functools.cache
def default_calendar() -> WorkingDayCalendar:
    """The process-wide calendar of England and Wales (one cache shared by all callers)."""
    return WorkingDayCalendar()
