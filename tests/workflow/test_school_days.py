"""School days for Operation Encompass: terms, half terms, INSET days, weekends, bank holidays."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest

from workflow.encompass import Due
from workflow.school_days import (
    SCHOOL_TIME_ZONE,
    SchoolCalendar,
    TermDatesError,
    read_term_dates,
    school_calendar,
)

TERM_DATES = Path(__file__).parents[1] / "fixtures" / "encompass" / "term_dates_999.json"
CALENDAR = school_calendar(TERM_DATES)


def at(day: str, clock: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=SCHOOL_TIME_ZONE)


@pytest.mark.parametrize(
    ("incident", "due", "school_days"),
    [
        # Friday evening: due when school starts on Monday.
        (at("2026-11-06", "19:40"), at("2026-11-09", "08:30"), 1),
        # In the night before a school day: due that morning.
        (at("2026-11-10", "02:15"), at("2026-11-10", "08:30"), 0),
        # During the school day: the next morning.
        (at("2026-11-10", "10:00"), at("2026-11-11", "08:30"), 1),
        # Last day before half term: the half-term week, then an INSET Monday.
        (at("2026-10-23", "21:00"), at("2026-11-03", "08:30"), 1),
        # In the half-term week itself.
        (at("2026-10-28", "13:00"), at("2026-11-03", "08:30"), 1),
        # The day before the INSET day that opens the autumn term.
        (at("2026-09-01", "18:00"), at("2026-09-03", "08:30"), 1),
        # End of term: the Christmas holidays, then the spring term's INSET day.
        (at("2026-12-18", "17:00"), at("2027-01-06", "08:30"), 1),
        # In the summer holidays before the autumn term (before what the file covers
        # nothing is known, so every working day counts).
        (at("2026-08-15", "12:00"), at("2026-08-17", "08:30"), 1),
        # Friday before the early May bank holiday: Tuesday.
        (at("2027-04-30", "22:00"), at("2027-05-04", "08:30"), 1),
        # At 08:30 exactly the day has started: the next one.
        (at("2026-11-10", "08:30"), at("2026-11-11", "08:30"), 1),
    ],
    ids=[
        "friday-night",
        "before-school",
        "school-hours",
        "half-term-then-inset",
        "in-half-term",
        "inset-day",
        "term-end",
        "before-the-file",
        "bank-holiday",
        "at-the-bell",
    ],
)
def test_a_notice_is_due_when_the_next_school_day_starts(
    incident: datetime, due: datetime, school_days: int
) -> None:
    found = Due.after(incident, CALENDAR)
    assert found.at == due
    assert found.at.utcoffset() == due.utcoffset()
    assert found.school_days == school_days


def test_due_times_keep_uk_local_time_across_the_clock_change() -> None:
    # 25 October 2026: clocks go back; the due time is 08:30 GMT, not 08:30 BST.
    due = Due.after(at("2026-11-01", "20:00"), CALENDAR).at
    assert due.isoformat() == "2026-11-03T08:30:00+00:00"
    summer = Due.after(at("2026-09-04", "20:00"), CALENDAR).at
    assert summer.isoformat() == "2026-09-07T08:30:00+01:00"


def test_an_incident_reported_in_utc_is_read_in_uk_time() -> None:
    # 23:30 UTC on Sunday 6 September is 00:30 BST on Monday: due that morning.
    incident = datetime.fromisoformat("2026-09-06T23:30:00+00:00")
    assert Due.after(incident, CALENDAR).at == at("2026-09-07", "08:30")


def test_school_days_follow_terms_inset_days_weekends_and_bank_holidays() -> None:
    assert CALENDAR.is_school_day(date(2026, 11, 3))
    assert not CALENDAR.is_school_day(date(2026, 11, 2))  # INSET
    assert not CALENDAR.is_school_day(date(2026, 10, 28))  # half term
    assert not CALENDAR.is_school_day(date(2026, 11, 7))  # Saturday
    assert not CALENDAR.is_school_day(date(2027, 5, 3))  # early May bank holiday
    assert not CALENDAR.is_school_day(date(2026, 12, 21))  # Christmas holidays
    assert CALENDAR.school_days_between(date(2026, 10, 23), date(2026, 11, 6)) == 4


def test_school_days_started_since_a_due_time() -> None:
    due = at("2026-11-09", "08:30")
    assert CALENDAR.school_days_started(due, at("2026-11-09", "08:29")) == 0
    assert CALENDAR.school_days_started(due, at("2026-11-09", "10:00")) == 1
    assert CALENDAR.school_days_started(due, at("2026-11-10", "10:00")) == 2
    # Through a weekend: Monday, Tuesday ... Friday, then the next Monday.
    assert CALENDAR.school_days_started(due, at("2026-11-16", "09:00")) == 6


def test_without_term_dates_every_working_day_is_a_school_day() -> None:
    calendar = SchoolCalendar()
    assert Due.after(at("2026-11-06", "19:40"), calendar).at == at("2026-11-09", "08:30")
    # 28 December 2026 is the substitute Boxing Day (a Monday): Tuesday.
    assert Due.after(at("2026-12-24", "20:00"), calendar).at == at("2026-12-29", "08:30")


def _write(tmp_path: Path, body: object) -> Path:
    path = tmp_path / "terms.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    return path


def test_a_term_dates_file_that_breaks_a_rule_is_refused_naming_it(tmp_path: Path) -> None:
    overlapping = {
        "localAuthority": "999",
        "terms": [
            {"start": "2026-09-02", "end": "2026-10-23"},
            {"start": "2026-10-20", "end": "2026-12-18"},
        ],
    }
    with pytest.raises(TermDatesError, match="terms overlap"):
        read_term_dates(_write(tmp_path, overlapping))
    stray_inset = {
        "localAuthority": "999",
        "terms": [{"start": "2026-09-02", "end": "2026-10-23"}],
        "insetDays": ["2026-10-26"],
    }
    with pytest.raises(TermDatesError, match="INSET day 2026-10-26 is not in a term"):
        read_term_dates(_write(tmp_path, stray_inset))
    backwards = {"localAuthority": "999", "terms": [{"start": "2026-09-02", "end": "2026-09-01"}]}
    with pytest.raises(TermDatesError, match=r"terms\.0: .*end must not be before its start"):
        read_term_dates(_write(tmp_path, backwards))
    with pytest.raises(TermDatesError, match="cannot read term dates"):
        read_term_dates(tmp_path / "missing.json")


def test_half_terms_are_taken_together_into_the_school_terms() -> None:
    # A week's half term stays inside a term; Christmas and Easter end one.
    assert CALENDAR.school_terms() == (
        (date(2026, 9, 2), date(2026, 12, 18)),
        (date(2027, 1, 5), date(2027, 3, 26)),
        (date(2027, 4, 12), date(2027, 7, 21)),
    )
    assert SchoolCalendar().school_terms() == ()
