from __future__ import annotations

from datetime import date

import pytest

from workflow.calendar import (
    WorkingDayCalendar,
    add_months,
    age_on,
    birthday,
    days_in_month,
    default_calendar,
)

CALENDAR = WorkingDayCalendar()


@pytest.mark.parametrize(
    "day",
    [
        date(2022, 9, 19),  # state funeral of Queen Elizabeth II (one-off)
        date(2023, 5, 8),  # coronation of King Charles III (one-off)
        date(2022, 6, 2),  # spring bank holiday moved to Thursday for the jubilee
        date(2022, 6, 3),  # Platinum Jubilee (one-off Friday)
        date(2025, 4, 18),  # Good Friday 2025
        date(2025, 4, 21),  # Easter Monday 2025
        date(2025, 5, 5),  # early May: first Monday of May 2025
        date(2025, 5, 26),  # spring: last Monday of May 2025
        date(2025, 8, 25),  # summer: last Monday of August 2025 (31 Aug is a Sunday)
        date(2025, 12, 25),  # Christmas Day, a Thursday
        date(2025, 12, 26),  # Boxing Day, a Friday
        date(2026, 1, 1),  # New Year's Day, a Thursday
        date(2026, 8, 31),  # summer: 31 August 2026 is itself the last Monday
        date(2026, 12, 28),  # Boxing Day 2026 is a Saturday: substitute Monday 28th
        date(2027, 12, 27),  # Christmas 2027 is a Saturday: substitute Monday 27th
        date(2027, 12, 28),  # Boxing Day 2027 is a Sunday: substitute Tuesday 28th
    ],
)
def test_bank_holidays_of_england_and_wales_are_not_working_days(day: date) -> None:
    assert day.weekday() < 5
    assert not CALENDAR.is_working_day(day)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2023, 5, 9), True),  # Tuesday after the coronation
        (date(2026, 12, 24), True),  # Christmas Eve is not a bank holiday
        (date(2022, 6, 6), True),  # Monday after the jubilee weekend
        (date(2026, 5, 23), False),  # Saturday
        (date(2026, 5, 24), False),  # Sunday
        (date(2026, 5, 22), True),  # ordinary Friday
    ],
)
def test_ordinary_days(day: date, working: bool) -> None:
    assert CALENDAR.is_working_day(day) is working


def test_2026_weekday_bank_holidays_are_the_published_eight() -> None:
    # gov.uk list for England and Wales 2026; Boxing Day (Saturday 26th) is observed on the 28th.
    weekday_holidays = {d for d in CALENDAR.bank_holidays(2026) if d.weekday() < 5}
    assert weekday_holidays == {
        date(2026, 1, 1),
        date(2026, 4, 3),
        date(2026, 4, 6),
        date(2026, 5, 4),
        date(2026, 5, 25),
        date(2026, 8, 31),
        date(2026, 12, 25),
        date(2026, 12, 28),
    }


@pytest.mark.parametrize(
    ("start", "count", "expected"),
    [
        # Fri 22 May 2026, Mon 25th is spring bank holiday: next working day Tue 26th.
        (date(2026, 5, 22), 1, date(2026, 5, 26)),
        # Fri 15 May 2026, ordinary weekend: Mon 18th.
        (date(2026, 5, 15), 1, date(2026, 5, 18)),
        # Sat 23 May: counting starts at the next working day, Tue 26th (Mon is a holiday).
        (date(2026, 5, 23), 1, date(2026, 5, 26)),
        # Sun 17 May: Mon 18th.
        (date(2026, 5, 17), 1, date(2026, 5, 18)),
        # Wed 24 Dec 2025: 25/26 holidays, 27/28 weekend, so Mon 29th.
        (date(2025, 12, 24), 1, date(2025, 12, 29)),
        # Fri 16 Sep 2022: Mon 19th was the state funeral, so Tue 20th.
        (date(2022, 9, 16), 1, date(2022, 9, 20)),
        # Fri 5 May 2023: Mon 8th was the coronation, so Tue 9th.
        (date(2023, 5, 5), 1, date(2023, 5, 9)),
        # Thu 20 Nov 2025 + 45: Nov 21=1, Nov 24-28=2-6, Dec 1-5=7-11, 8-12=12-16, 15-19=17-21,
        # 22-24=22-24, (25, 26 holidays), 29-31=25-27, (1 Jan holiday), 2 Jan=28, 5-9=29-33,
        # 12-16=34-38, 19-23=39-43, 26=44, Tue 27 Jan 2026=45.
        (date(2025, 11, 20), 45, date(2026, 1, 27)),
        # Mon 2 Mar 2026 + 45: Mar 3-6=1-4, 9-13=5-9, 16-20=10-14, 23-27=15-19, 30 Mar-2 Apr=20-23,
        # (3 Apr Good Friday, 6 Apr Easter Monday), 7-10=24-27, 13-17=28-32, 20-24=33-37,
        # 27 Apr-1 May=38-42, (4 May early May), 5-7 May=43-45: Thu 7 May.
        (date(2026, 3, 2), 45, date(2026, 5, 7)),
        # Fri 22 May 2026 + 15: (25 May holiday), 26-29=1-4, Jun 1-5=5-9, 8-12=10-14, Mon 15 Jun=15.
        (date(2026, 5, 22), 15, date(2026, 6, 15)),
        # Zero working days: the start itself.
        (date(2026, 5, 26), 0, date(2026, 5, 26)),
        # Backwards from Tue 26 May 2026: skip Mon 25 (holiday) and the weekend to Fri 22nd.
        (date(2026, 5, 26), -1, date(2026, 5, 22)),
        # Backwards from Mon 29 Dec 2025: skip the weekend and 25/26 Dec to Wed 24th.
        (date(2025, 12, 29), -1, date(2025, 12, 24)),
    ],
)
def test_add_working_days(start: date, count: int, expected: date) -> None:
    assert CALENDAR.add_working_days(start, count) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2025, 11, 20), date(2026, 1, 27), 45),  # the Christmas row above
        (date(2026, 3, 2), date(2026, 5, 7), 45),  # the Easter row above
        (date(2026, 1, 27), date(2025, 11, 20), -45),  # reversed
        (date(2025, 12, 24), date(2025, 12, 29), 1),  # only Mon 29th counts
        (date(2026, 5, 22), date(2026, 5, 22), 0),  # same day
        (date(2026, 5, 22), date(2026, 5, 25), 0),  # Sat, Sun, bank holiday Mon
    ],
)
def test_working_days_between(start: date, end: date, expected: int) -> None:
    assert CALENDAR.working_days_between(start, end) == expected


def test_working_days_between_inverts_add_working_days_through_2026() -> None:
    day = date(2026, 1, 2)
    while day.year == 2026:
        if CALENDAR.is_working_day(day):
            for count in (1, 10, 15, 20, 45):
                later = CALENDAR.add_working_days(day, count)
                assert CALENDAR.working_days_between(day, later) == count
        day = CALENDAR.add_working_days(day, 1)


@pytest.mark.parametrize(
    ("start", "count", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),  # 2025 is not a leap year
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # 2024 is
        (date(2025, 8, 31), 6, date(2026, 2, 28)),  # Aug+6 = Feb 2026, 28 days
        (date(2025, 3, 31), -1, date(2025, 2, 28)),  # backwards, clamped
        (date(2025, 11, 30), 3, date(2026, 2, 28)),  # across the year end, clamped
        (date(2024, 2, 29), 12, date(2025, 2, 28)),  # leap day a year on
        (date(2025, 5, 31), 1, date(2025, 6, 30)),  # June has 30 days
        (date(2025, 12, 15), 1, date(2026, 1, 15)),  # December to January
        (date(2026, 1, 15), -1, date(2025, 12, 15)),  # January back to December
        (date(2025, 10, 31), 0, date(2025, 10, 31)),  # no change
    ],
)
def test_add_months_clamps_to_month_end(start: date, count: int, expected: date) -> None:
    assert add_months(start, count) == expected
    assert CALENDAR.add_months(start, count) == expected


@pytest.mark.parametrize(
    ("year", "month", "expected"),
    [(2024, 2, 29), (2025, 2, 28), (2000, 2, 29), (2100, 2, 28), (2025, 12, 31), (2025, 4, 30)],
)
def test_days_in_month(year: int, month: int, expected: int) -> None:
    assert days_in_month(year, month) == expected


@pytest.mark.parametrize(
    ("born", "on", "expected"),
    [
        (date(2021, 3, 15), date(2026, 3, 14), 4),  # day before the fifth birthday
        (date(2021, 3, 15), date(2026, 3, 15), 5),  # on the fifth birthday
        (date(2020, 2, 29), date(2025, 2, 28), 4),  # leap-day birth, common year: not yet
        (date(2020, 2, 29), date(2025, 3, 1), 5),  # ...reached on 1 March
        (date(2020, 2, 29), date(2024, 2, 29), 4),  # leap year: on the day itself
    ],
)
def test_age_on(born: date, on: date, expected: int) -> None:
    assert age_on(born, on) == expected


@pytest.mark.parametrize(
    ("born", "age", "expected"),
    [
        (date(2010, 4, 15), 16, date(2026, 4, 15)),
        (date(2008, 2, 29), 16, date(2024, 2, 29)),  # 2024 is a leap year
        (date(2008, 2, 29), 17, date(2025, 3, 1)),  # 2025 is not: 1 March, as age_on counts
    ],
)
def test_birthday(born: date, age: int, expected: date) -> None:
    assert birthday(born, age) == expected
    assert age_on(born, expected) == age


def test_default_calendar_is_shared() -> None:
    assert default_calendar() is default_calendar()


def test_bank_holidays_are_those_of_the_year_asked() -> None:
    assert all(day.year == 2027 for day in CALENDAR.bank_holidays(2027))
