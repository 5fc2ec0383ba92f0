"""School days: the calendar Operation Encompass notices are due by.

A school day is a working day (Monday to Friday, not a bank holiday of England and
Wales) inside one of the local authority's terms and not an INSET (training) day. The
terms and INSET days are configuration (`LCS_HUB_TERM_DATES`, a JSON file per local
authority), because each council sets its own. Outside the dates a file covers, and
when no file is configured, every working day counts as a school day: a notice is then
due earlier, never later, than the school's real calendar would make it.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic.alias_generators import to_camel

from graph import ENGLAND
from workflow.calendar import WorkingDayCalendar, default_calendar

# Schools in England keep local (UK) time; the due time is the start of a school day there.
SCHOOL_TIME_ZONE = ENGLAND
DEFAULT_SCHOOL_DAY_STARTS = time(8, 30)
# A holiday of a week (a half term: the Friday before to the Monday after, ten days, an
# INSET day after it included) stays inside a school term; a longer one (Christmas,
# Easter, summer) ends the term: what "reviewed each term" counts.
_HALF_TERM_GAP = timedelta(days=12)
# No term is longer than this; a walk to the next school day that finds none in it means
# the configuration is broken, not that the child's school never opens.
_LONGEST_SEARCH = timedelta(days=400)


class Term(BaseModel):
    """One term (or half term) from its first to its last day, both school days."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=60)] | None = None
    start: date
    end: date

    @model_validator(mode="after")
    def _in_order(self) -> Self:
        if self.end < self.start:
            raise ValueError("a term's end must not be before its start")
        return self


class TermDates(BaseModel):
    """The term dates file of one local authority (`LCS_HUB_TERM_DATES`)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    local_authority: Annotated[str, Field(min_length=1, max_length=100)]
    school_day_starts: time = DEFAULT_SCHOOL_DAY_STARTS
    terms: Annotated[list[Term], Field(min_length=1, max_length=200)]
    inset_days: Annotated[list[date], Field(max_length=500)] = []

    @model_validator(mode="after")
    def _terms_apart(self) -> Self:
        ordered = sorted(self.terms, key=lambda term: term.start)
        for before, after in itertools.pairwise(ordered):
            if after.start <= before.end:
                raise ValueError(f"terms overlap: {before.start} to {before.end} and {after.start}")
        for day in self.inset_days:
            if not any(term.start <= day <= term.end for term in self.terms):
                raise ValueError(f"INSET day {day} is not in a term")
        return self


class TermDatesError(ValueError):
    """A term dates file that cannot be used; the message names the file, field and rule."""


def read_term_dates(path: Path) -> TermDates:
    """The term dates in `path`.

    Raises:
        TermDatesError: the file is missing, not JSON, or breaks a rule.
    """
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TermDatesError(f"{path}: cannot read term dates ({type(exc).__name__})") from None
    try:
        return TermDates.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'file'}: "
            f"{error['msg'].removeprefix('Value error, ')}"
            for error in exc.errors()
        )
        raise TermDatesError(f"{path}: {problems}") from None


@dataclass(frozen=True, slots=True)
class SchoolCalendar:
    """Which days are school days, and when a school day starts."""

    terms: tuple[Term, ...] = ()
    inset_days: frozenset[date] = frozenset()
    day_starts: time = DEFAULT_SCHOOL_DAY_STARTS
    working: WorkingDayCalendar = field(default_factory=default_calendar)

    @classmethod
    def from_term_dates(
        cls, dates: TermDates, working: WorkingDayCalendar | None = None
    ) -> SchoolCalendar:
        return cls(
            terms=tuple(sorted(dates.terms, key=lambda term: term.start)),
            inset_days=frozenset(dates.inset_days),
            day_starts=dates.school_day_starts,
            working=working or default_calendar(),
        )

    def school_terms(self) -> tuple[tuple[date, date], ...]:
        """The school terms (autumn, spring, summer) of the configured dates, first and
        last day of each: half terms listed apart are taken together."""
        terms: list[tuple[date, date]] = []
        for term in self.terms:
            if terms and term.start - terms[-1][1] <= _HALF_TERM_GAP:
                terms[-1] = (terms[-1][0], term.end)
            else:
                terms.append((term.start, term.end))
        return tuple(terms)

    def _covered(self, day: date) -> bool:
        return bool(self.terms) and self.terms[0].start <= day <= self.terms[-1].end

    def is_school_day(self, day: date) -> bool:
        """A working day in a term that is not an INSET day (any working day where the
        configured terms do not reach)."""
        if not self.working.is_working_day(day):
            return False
        if not self._covered(day):
            return True
        return day not in self.inset_days and any(
            term.start <= day <= term.end for term in self.terms
        )

    def starts_at(self, day: date) -> datetime:
        """The moment `day`'s school day starts (UK local time)."""
        return datetime.combine(day, self.day_starts, tzinfo=SCHOOL_TIME_ZONE)

    def next_school_day_start(self, after: datetime) -> datetime:
        """The start of the first school day that starts after `after`.

        An incident on a school day before school starts is due that morning; one later
        in the day, on a Friday evening, at a weekend or in the holidays is due when the
        next school day starts (Monday, or the first day of the next term).
        """
        day = after.astimezone(SCHOOL_TIME_ZONE).date()
        last = day + _LONGEST_SEARCH
        while day <= last:
            if self.is_school_day(day) and self.starts_at(day) > after:
                return self.starts_at(day)
            day += timedelta(days=1)
        raise TermDatesError(f"no school day within {_LONGEST_SEARCH.days} days of {day}")

    def school_days_started(self, since: datetime, until: datetime) -> int:
        """How many school days started from `since` up to and including `until`."""
        if until < since:
            return 0
        day = since.astimezone(SCHOOL_TIME_ZONE).date()
        last = until.astimezone(SCHOOL_TIME_ZONE).date()
        count = 0
        while day <= last:
            if self.is_school_day(day) and since <= self.starts_at(day) <= until:
                count += 1
            day += timedelta(days=1)
        return count

    def school_days_between(self, start: date, end: date) -> int:
        """School days after `start` up to and including `end` (0 if `end` is not later)."""
        count = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            if self.is_school_day(day):
                count += 1
        return count


def school_calendar(path: Path | None, working: WorkingDayCalendar | None = None) -> SchoolCalendar:
    """The school calendar the settings describe (working days only when `path` is None).

    Raises:
        TermDatesError: the term dates file cannot be used.
    """
    if path is None:
        return SchoolCalendar(working=working or default_calendar())
    return SchoolCalendar.from_term_dates(read_term_dates(path), working)


__all__: Sequence[str] = (
    "SchoolCalendar",
    "Term",
    "TermDates",
    "TermDatesError",
    "read_term_dates",
    "school_calendar",
)
