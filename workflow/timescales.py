"""Statutory timescales as data, and the due dates and overdue flags computed from them.

Each rule says what it counts from (its anchor), how far (an `Interval`) and where the
duty comes from. National rules are fixed here; local standards (how often a child on a
plan is visited, and the like) are configuration: `LocalStandards`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from workflow.calendar import (
    WorkingDayCalendar,
    add_months,
    age_on,
    birthday,
    days_in_month,
    default_calendar,
)


class IntervalUnit(StrEnum):
    """How an interval is counted."""

    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"
    WEEKS = "weeks"
    MONTHS = "months"
    SCHOOL_TERMS = "school_terms"


@dataclass(frozen=True, slots=True)
class TermEnd:
    """The last day of a school term, the same day every year (29 February falls back to 28)."""

    month: int
    day: int

    def __post_init__(self) -> None:
        # Checked against a leap year (2000) so that 29 February is accepted.
        if not 1 <= self.month <= 12 or not 1 <= self.day <= days_in_month(2000, self.month):
            raise ValueError(f"{self.month}-{self.day} is not a day of the year")

    def in_year(self, year: int) -> date:
        return date(year, self.month, min(self.day, days_in_month(year, self.month)))


# Typical English term ends (autumn before Christmas, spring about Easter, summer late July).
# Councils set their own term dates, so they replace these in LocalStandards.
DEFAULT_SCHOOL_TERM_ENDS: Final[tuple[TermEnd, ...]] = (
    TermEnd(month=3, day=31),
    TermEnd(month=7, day=21),
    TermEnd(month=12, day=19),
)


def end_of_school_term(
    day: date, term_ends: Sequence[TermEnd], terms: Sequence[tuple[date, date]] = ()
) -> date:
    """The last day of the term `day` falls in; a holiday counts towards the term after it.

    `terms` are the council's own school terms (first and last day, in order, from
    `LCS_HUB_TERM_DATES`): where they reach, a term ends on its real last day; before and
    beyond them, on the typical day of `term_ends`.
    """
    candidates = (end.in_year(year) for year in (day.year, day.year + 1) for end in term_ends)
    typical = min(end for end in candidates if end >= day)
    # The typical term `day` falls in ends inside the council's dates: theirs decide it.
    if terms and typical >= terms[0][0] and day <= terms[-1][1]:
        return min(end for _, end in terms if end >= day)
    return typical


@dataclass(frozen=True, slots=True)
class Interval:
    """A distance in time: an amount of one unit."""

    amount: int
    unit: IntervalUnit

    def __post_init__(self) -> None:
        if self.amount < 0:
            raise ValueError(f"an interval cannot be negative (got {self.amount})")

    def after(
        self,
        anchor: date,
        *,
        calendar: WorkingDayCalendar,
        school_term_ends: Sequence[TermEnd] = DEFAULT_SCHOOL_TERM_ENDS,
        school_terms: Sequence[tuple[date, date]] = (),
    ) -> date:
        """The last day that is still within this interval of `anchor`."""
        match self.unit:
            case IntervalUnit.WORKING_DAYS:
                return calendar.add_working_days(anchor, self.amount)
            case IntervalUnit.CALENDAR_DAYS:
                return anchor + timedelta(days=self.amount)
            case IntervalUnit.WEEKS:
                return anchor + timedelta(weeks=self.amount)
            case IntervalUnit.MONTHS:
                return add_months(anchor, self.amount)
            case IntervalUnit.SCHOOL_TERMS:
                # "Reviewed each term": the term the anchor falls in is covered by it, so the
                # next review is due by the end of the following term.
                due = end_of_school_term(anchor, school_term_ends, school_terms)
                for _ in range(self.amount):
                    due = end_of_school_term(
                        due + timedelta(days=1), school_term_ends, school_terms
                    )
                return due

    def describe(self) -> str:
        """E.g. "45 working days", "1 week", "3 months"."""
        singular = {
            IntervalUnit.WORKING_DAYS: "working day",
            IntervalUnit.CALENDAR_DAYS: "day",
            IntervalUnit.WEEKS: "week",
            IntervalUnit.MONTHS: "month",
            IntervalUnit.SCHOOL_TERMS: "school term",
        }[self.unit]
        return f"{self.amount} {singular}{'' if self.amount == 1 else 's'}"


def working_days(amount: int) -> Interval:
    return Interval(amount, IntervalUnit.WORKING_DAYS)


def calendar_days(amount: int) -> Interval:
    return Interval(amount, IntervalUnit.CALENDAR_DAYS)


def weeks(amount: int) -> Interval:
    return Interval(amount, IntervalUnit.WEEKS)


def months(amount: int) -> Interval:
    return Interval(amount, IntervalUnit.MONTHS)


def school_terms(amount: int) -> Interval:
    return Interval(amount, IntervalUnit.SCHOOL_TERMS)


LocalStandardName = Literal[
    "child_protection_visit",
    "child_in_need_visit",
    "child_in_need_plan_review",
    "strategy_discussion",
    "return_home_interview",
]


class LocalStandards(BaseModel):
    """The council's own timescales, where statute sets none or sets only a floor."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    child_protection_visit: Interval = Field(
        default=working_days(10),
        description="most time between visits to a child on a child protection plan",
    )
    child_in_need_visit: Interval = Field(
        default=working_days(20),
        description="most time between visits to a child on a child in need plan",
    )
    child_in_need_plan_review: Interval = Field(
        default=months(3), description="most time between child in need plan reviews"
    )
    strategy_discussion: Interval = Field(
        default=working_days(1),
        description="from the decision that one is needed to the strategy discussion",
    )
    return_home_interview: Interval = Field(
        default=calendar_days(3),
        description="from a child's return from a missing episode to the interview (72 hours)",
    )
    school_term_ends: tuple[TermEnd, ...] = Field(
        default=DEFAULT_SCHOOL_TERM_ENDS,
        description="last day of each school term, for personal education plan reviews",
    )

    school_terms: tuple[tuple[date, date], ...] = Field(
        default=(),
        description="the council's own school terms (first and last day, in order, from "
        "LCS_HUB_TERM_DATES), which decide a term's end where they reach",
    )

    @field_validator("school_term_ends")
    @classmethod
    def _at_least_one_term(cls, value: tuple[TermEnd, ...]) -> tuple[TermEnd, ...]:
        if not value:
            raise ValueError("at least one school term end is needed")
        return value

    def interval(self, name: LocalStandardName) -> Interval:
        """The configured interval called `name`."""
        value = getattr(self, name)
        if not isinstance(value, Interval):
            raise TypeError(f"{name} is not an interval")
        return value


DEFAULT_LOCAL_STANDARDS: Final = LocalStandards()


class TimescaleKey(StrEnum):
    """Stable identifiers of the timescale rules (stored on the graph next to a due date)."""

    REFERRAL_DECISION = "referral_decision"
    STRATEGY_DISCUSSION = "strategy_discussion"
    CHILD_AND_FAMILY_ASSESSMENT = "child_and_family_assessment"
    LATER_ASSESSMENT = "later_assessment"
    INITIAL_CHILD_PROTECTION_CONFERENCE = "initial_child_protection_conference"
    TRANSFER_IN_CONFERENCE = "transfer_in_conference"
    FIRST_CORE_GROUP = "first_core_group"
    FIRST_CHILD_PROTECTION_REVIEW = "first_child_protection_review"
    CHILD_PROTECTION_REVIEW = "child_protection_review"
    CHILD_PROTECTION_VISIT = "child_protection_visit"
    CHILD_IN_NEED_VISIT = "child_in_need_visit"
    CHILD_IN_NEED_PLAN_REVIEW = "child_in_need_plan_review"
    CARE_PLAN = "care_plan"
    FIRST_LOOKED_AFTER_REVIEW = "first_looked_after_review"
    SECOND_LOOKED_AFTER_REVIEW = "second_looked_after_review"
    LOOKED_AFTER_REVIEW = "looked_after_review"
    LOOKED_AFTER_VISIT_NEW_PLACEMENT = "looked_after_visit_new_placement"
    LOOKED_AFTER_VISIT_FIRST_YEAR = "looked_after_visit_first_year"
    LOOKED_AFTER_VISIT_LONG_TERM = "looked_after_visit_long_term"
    LOOKED_AFTER_VISIT_AFTER_FIRST_YEAR = "looked_after_visit_after_first_year"
    INITIAL_HEALTH_ASSESSMENT = "initial_health_assessment"
    REVIEW_HEALTH_ASSESSMENT_UNDER_FIVE = "review_health_assessment_under_five"
    REVIEW_HEALTH_ASSESSMENT = "review_health_assessment"
    PERSONAL_EDUCATION_PLAN = "personal_education_plan"
    PERSONAL_EDUCATION_PLAN_REVIEW = "personal_education_plan_review"
    NEEDS_ASSESSMENT = "needs_assessment"
    PATHWAY_PLAN_REVIEW = "pathway_plan_review"
    RETURN_HOME_INTERVIEW = "return_home_interview"


@dataclass(frozen=True, slots=True)
class TimescaleRule:
    """One timescale: due `interval` after `anchor`, because of `source`.

    `interval` is fixed nationally, or is the name of the `LocalStandards` field through
    which the council configures it. A timescale `until_authorised` is met when a manager
    authorises the step, not when the worker completes it.
    """

    key: TimescaleKey
    name: str
    anchor: str
    source: str
    interval: Interval | LocalStandardName
    until_authorised: bool = False

    def interval_for(self, standards: LocalStandards) -> Interval:
        """The interval in force: the statutory one, or the council's configured one."""
        if isinstance(self.interval, Interval):
            return self.interval
        return standards.interval(self.interval)


_WORKING_TOGETHER = "Working Together to Safeguard Children 2023"
_CARE_PLANNING = "Care Planning, Placement and Case Review (England) Regulations 2010"

_RULE_LIST: Final[tuple[TimescaleRule, ...]] = (
    TimescaleRule(
        key=TimescaleKey.REFERRAL_DECISION,
        name="Decision on a contact or referral",
        anchor="contact or referral received",
        source=f"{_WORKING_TOGETHER}: a decision on the response to a referral is made "
        "within 1 working day of its receipt",
        interval=working_days(1),
    ),
    TimescaleRule(
        key=TimescaleKey.STRATEGY_DISCUSSION,
        name="Strategy discussion",
        anchor="decision that a strategy discussion is needed",
        source=f"{_WORKING_TOGETHER} sets no national deadline for the strategy discussion; "
        "local safeguarding procedures set one",
        interval="strategy_discussion",
    ),
    TimescaleRule(
        key=TimescaleKey.CHILD_AND_FAMILY_ASSESSMENT,
        name="Child and family assessment",
        anchor="referral received",
        source=f"{_WORKING_TOGETHER}: the assessment concludes within 45 working days of the "
        "referral; the reasons are recorded when it takes longer",
        interval=working_days(45),
        # DOMAIN: "complete (authorised)"; the CIN census measures it to the authorisation.
        until_authorised=True,
    ),
    TimescaleRule(
        key=TimescaleKey.LATER_ASSESSMENT,
        name="Later child and family assessment",
        anchor="assessment started (an assessment after the episode's first)",
        # Working Together's 45 working days from the referral are the timescale of the
        # assessment of the referral; a later one (circumstances changed, a re-assessment)
        # cannot have been due before it began, so the same 45 count from its start.
        source=f"{_WORKING_TOGETHER}: an assessment concludes within 45 working days; for "
        "the referral's that is from the referral, for a later one from its start",
        interval=working_days(45),
        until_authorised=True,
    ),
    TimescaleRule(
        key=TimescaleKey.INITIAL_CHILD_PROTECTION_CONFERENCE,
        name="Initial child protection conference",
        anchor="strategy discussion (the last one, if there were several)",
        source=f"{_WORKING_TOGETHER}: ICPC within 15 working days of the strategy discussion",
        interval=working_days(15),
    ),
    TimescaleRule(
        key=TimescaleKey.TRANSFER_IN_CONFERENCE,
        name="Transfer-in child protection conference",
        anchor="notification by the other authority of the move of a child on its plan",
        source=f"{_WORKING_TOGETHER}: the receiving authority holds a transfer-in "
        "conference within 15 working days of being notified of the move",
        interval=working_days(15),
    ),
    TimescaleRule(
        key=TimescaleKey.FIRST_CORE_GROUP,
        name="First core group meeting",
        anchor="initial child protection conference",
        source="Working Together to Safeguard Children: first core group meeting within "
        "10 working days of the initial child protection conference",
        interval=working_days(10),
    ),
    TimescaleRule(
        key=TimescaleKey.FIRST_CHILD_PROTECTION_REVIEW,
        name="First child protection review conference",
        anchor="initial child protection conference",
        source=f"{_WORKING_TOGETHER}: first review conference within 3 months of the ICPC",
        interval=months(3),
    ),
    TimescaleRule(
        key=TimescaleKey.CHILD_PROTECTION_REVIEW,
        name="Child protection review conference",
        anchor="previous review conference",
        source=f"{_WORKING_TOGETHER}: later review conferences at intervals of not more "
        "than 6 months",
        interval=months(6),
    ),
    TimescaleRule(
        key=TimescaleKey.CHILD_PROTECTION_VISIT,
        name="Child protection visit",
        anchor="previous visit (or the start of the plan)",
        source="Local standard for visits to a child on a child protection plan",
        interval="child_protection_visit",
    ),
    TimescaleRule(
        key=TimescaleKey.CHILD_IN_NEED_VISIT,
        name="Child in need visit",
        anchor="previous visit (or the start of the plan)",
        source="Local standard for visits to a child on a child in need plan",
        interval="child_in_need_visit",
    ),
    TimescaleRule(
        key=TimescaleKey.CHILD_IN_NEED_PLAN_REVIEW,
        name="Child in need plan review",
        anchor="start of the plan or previous review",
        source="Local standard for reviewing child in need plans",
        interval="child_in_need_plan_review",
    ),
    TimescaleRule(
        key=TimescaleKey.CARE_PLAN,
        name="Care plan",
        anchor="start of the first placement",
        source=f"{_CARE_PLANNING}, reg 4: the care plan is prepared before the first placement "
        "or, if that is not practicable, within 10 working days of its start",
        interval=working_days(10),
    ),
    TimescaleRule(
        key=TimescaleKey.FIRST_LOOKED_AFTER_REVIEW,
        name="First looked-after review",
        anchor="child became looked after",
        source=f"{_CARE_PLANNING}, reg 33: first review within 20 working days of the date "
        "the child becomes looked after",
        interval=working_days(20),
    ),
    TimescaleRule(
        key=TimescaleKey.SECOND_LOOKED_AFTER_REVIEW,
        name="Second looked-after review",
        anchor="first looked-after review",
        source=f"{_CARE_PLANNING}, reg 33: second review not more than 3 months after the first",
        interval=months(3),
    ),
    TimescaleRule(
        key=TimescaleKey.LOOKED_AFTER_REVIEW,
        name="Looked-after review",
        anchor="previous looked-after review",
        source=f"{_CARE_PLANNING}, reg 33: later reviews not more than 6 months after the "
        "previous one",
        interval=months(6),
    ),
    TimescaleRule(
        key=TimescaleKey.LOOKED_AFTER_VISIT_NEW_PLACEMENT,
        name="Visit after a placement starts",
        anchor="start of the placement",
        source=f"{_CARE_PLANNING}, reg 28: a visit within 1 week of the start of any placement",
        interval=weeks(1),
    ),
    TimescaleRule(
        key=TimescaleKey.LOOKED_AFTER_VISIT_FIRST_YEAR,
        name="Visit in the first year of a placement",
        anchor="previous visit",
        source=f"{_CARE_PLANNING}, reg 28: visits at intervals of not more than 6 weeks for "
        "the first year of the placement",
        interval=weeks(6),
    ),
    TimescaleRule(
        key=TimescaleKey.LOOKED_AFTER_VISIT_LONG_TERM,
        name="Visit in a long-term placement after its first year",
        anchor="previous visit",
        source=f"{_CARE_PLANNING}, reg 28: after the first year, visits at intervals of not "
        "more than 3 months where the placement is intended to last until the child is 18",
        interval=months(3),
    ),
    TimescaleRule(
        key=TimescaleKey.LOOKED_AFTER_VISIT_AFTER_FIRST_YEAR,
        name="Visit in a placement after its first year",
        anchor="previous visit",
        source=f"{_CARE_PLANNING}, reg 28: after the first year, visits at intervals of not "
        "more than 6 weeks where the placement is not intended to last until the child is 18",
        interval=weeks(6),
    ),
    TimescaleRule(
        key=TimescaleKey.INITIAL_HEALTH_ASSESSMENT,
        name="Initial health assessment",
        anchor="child became looked after",
        source=f"{_CARE_PLANNING}, reg 7, and Promoting the health and well-being of "
        "looked-after children (2015): health assessment before the first review",
        interval=working_days(20),
    ),
    TimescaleRule(
        key=TimescaleKey.REVIEW_HEALTH_ASSESSMENT_UNDER_FIVE,
        name="Review health assessment (child under 5)",
        anchor="previous health assessment",
        source=f"{_CARE_PLANNING}, reg 7: health reviewed at least every 6 months before the "
        "child's fifth birthday",
        interval=months(6),
    ),
    TimescaleRule(
        key=TimescaleKey.REVIEW_HEALTH_ASSESSMENT,
        name="Review health assessment",
        anchor="previous health assessment",
        source=f"{_CARE_PLANNING}, reg 7: health reviewed at least every 12 months from the "
        "child's fifth birthday",
        interval=months(12),
    ),
    TimescaleRule(
        key=TimescaleKey.PERSONAL_EDUCATION_PLAN,
        name="Personal education plan",
        anchor="child became looked after",
        source="Promoting the education of looked-after and previously looked-after children "
        "(DfE 2018): the PEP is in place in time for the first looked-after review",
        interval=working_days(20),
    ),
    TimescaleRule(
        key=TimescaleKey.PERSONAL_EDUCATION_PLAN_REVIEW,
        name="Personal education plan review",
        anchor="previous personal education plan or review",
        source="Promoting the education of looked-after and previously looked-after children "
        "(DfE 2018): the PEP is reviewed every school term",
        interval=school_terms(1),
    ),
    TimescaleRule(
        key=TimescaleKey.NEEDS_ASSESSMENT,
        name="Needs assessment for an eligible child",
        anchor="16th birthday, or becoming an eligible child after it",
        source=f"{_CARE_PLANNING}, reg 42: needs assessment not more than 3 months after the "
        "child reaches 16 or becomes an eligible child after that age",
        interval=months(3),
    ),
    TimescaleRule(
        key=TimescaleKey.PATHWAY_PLAN_REVIEW,
        name="Pathway plan review",
        anchor="pathway plan or its previous review",
        source="Care Leavers (England) Regulations 2010: the pathway plan is reviewed at "
        "intervals of not more than 6 months",
        interval=months(6),
    ),
    TimescaleRule(
        key=TimescaleKey.RETURN_HOME_INTERVIEW,
        name="Return home interview",
        anchor="child's return from a missing episode",
        source="Statutory guidance on children who run away or go missing from home or care "
        "(DfE 2014): return interview within 72 hours of the child's return",
        interval="return_home_interview",
    ),
)

RULES: Final[Mapping[TimescaleKey, TimescaleRule]] = MappingProxyType(
    {rule.key: rule for rule in _RULE_LIST}
)


def timescale_rule(key: TimescaleKey | str) -> TimescaleRule:
    """The rule with `key`; an unknown key is a ValueError naming it."""
    try:
        return RULES[TimescaleKey(key)]
    except ValueError:
        raise ValueError(f"{key!r} is not a timescale rule") from None


def due_date(
    key: TimescaleKey | str,
    anchor: date,
    *,
    calendar: WorkingDayCalendar | None = None,
    standards: LocalStandards | None = None,
) -> date:
    """The last day on which the event governed by rule `key` is on time.

    Args:
        key: the rule.
        anchor: the date of the event the rule counts from (see `TimescaleRule.anchor`).
        calendar: working days to count with; England and Wales by default.
        standards: the council's local standards; the defaults when not given.
    """
    rule = timescale_rule(key)
    standards = standards if standards is not None else DEFAULT_LOCAL_STANDARDS
    return rule.interval_for(standards).after(
        anchor,
        calendar=calendar or default_calendar(),
        school_term_ends=standards.school_term_ends,
        school_terms=standards.school_terms,
    )


@dataclass(frozen=True, slots=True)
class Deadline:
    """Where a due date stands on a given day: `overdue` once it has passed undone."""

    rule: TimescaleKey
    due: date
    overdue: bool
    completed_on: date | None = None

    @property
    def completed_late(self) -> bool:
        return self.completed_on is not None and self.completed_on > self.due

    @classmethod
    def as_of(
        cls, rule: TimescaleKey, due: date, *, today: date, completed_on: date | None = None
    ) -> Deadline:
        """The deadline as it stands on `today`; once completed it is no longer overdue."""
        return cls(
            rule=rule,
            due=due,
            overdue=completed_on is None and today > due,
            completed_on=completed_on,
        )


@dataclass(frozen=True, slots=True)
class DueDate:
    """The next due date of a chain of events, and the rule that set it."""

    rule: TimescaleKey
    anchor: date
    due: date

    def status(self, *, today: date, completed_on: date | None = None) -> Deadline:
        return Deadline.as_of(self.rule, self.due, today=today, completed_on=completed_on)


def _due(
    key: TimescaleKey,
    anchor: date,
    calendar: WorkingDayCalendar | None,
    standards: LocalStandards | None = None,
) -> DueDate:
    return DueDate(
        rule=key,
        anchor=anchor,
        due=due_date(key, anchor, calendar=calendar, standards=standards),
    )


def next_child_protection_review_due(
    initial_conference: date,
    previous_review: date | None,
    *,
    calendar: WorkingDayCalendar | None = None,
) -> DueDate:
    """The next review conference: 3 months after the ICPC, then 6 after the previous review."""
    if previous_review is None:
        return _due(TimescaleKey.FIRST_CHILD_PROTECTION_REVIEW, initial_conference, calendar)
    return _due(TimescaleKey.CHILD_PROTECTION_REVIEW, previous_review, calendar)


def next_looked_after_review_due(
    became_looked_after: date,
    previous_reviews: Sequence[date],
    *,
    calendar: WorkingDayCalendar | None = None,
) -> DueDate:
    """The next looked-after review of this period of care.

    20 working days after the child became looked after, then 3 months after the first
    review, then 6 months after each later one. `previous_reviews` are the reviews held in
    this period of care, in any order.
    """
    if not previous_reviews:
        return _due(TimescaleKey.FIRST_LOOKED_AFTER_REVIEW, became_looked_after, calendar)
    latest = max(previous_reviews)
    if len(previous_reviews) == 1:
        return _due(TimescaleKey.SECOND_LOOKED_AFTER_REVIEW, latest, calendar)
    return _due(TimescaleKey.LOOKED_AFTER_REVIEW, latest, calendar)


def next_looked_after_visit_due(
    placement_start: date,
    last_visit: date | None,
    long_term: bool,
    *,
    calendar: WorkingDayCalendar | None = None,
) -> DueDate:
    """The next statutory social worker visit to a looked-after child in this placement.

    A visit before `placement_start` belongs to an earlier placement and does not count.
    The interval after a visit follows the year of the placement the visit fell in: a visit
    in the first year is followed within 6 weeks even if the anniversary comes first.
    `long_term` is whether the placement is intended to last until the child is 18.
    """
    if last_visit is None or last_visit < placement_start:
        return _due(TimescaleKey.LOOKED_AFTER_VISIT_NEW_PLACEMENT, placement_start, calendar)
    if last_visit < add_months(placement_start, 12):
        return _due(TimescaleKey.LOOKED_AFTER_VISIT_FIRST_YEAR, last_visit, calendar)
    if long_term:
        return _due(TimescaleKey.LOOKED_AFTER_VISIT_LONG_TERM, last_visit, calendar)
    return _due(TimescaleKey.LOOKED_AFTER_VISIT_AFTER_FIRST_YEAR, last_visit, calendar)


def next_health_assessment_due(
    date_of_birth: date,
    last_assessment: date | None,
    became_looked_after: date,
    *,
    calendar: WorkingDayCalendar | None = None,
) -> DueDate:
    """The next health assessment of a looked-after child.

    The initial one before the first review (20 working days after the child became looked
    after); then 6 months after the last one if the child was under 5 on its date, else 12.
    An assessment before `became_looked_after` belongs to an earlier period of care.
    """
    if last_assessment is None or last_assessment < became_looked_after:
        return _due(TimescaleKey.INITIAL_HEALTH_ASSESSMENT, became_looked_after, calendar)
    if age_on(date_of_birth, last_assessment) < 5:
        return _due(TimescaleKey.REVIEW_HEALTH_ASSESSMENT_UNDER_FIVE, last_assessment, calendar)
    return _due(TimescaleKey.REVIEW_HEALTH_ASSESSMENT, last_assessment, calendar)


def next_personal_education_plan_due(
    became_looked_after: date,
    last_plan_or_review: date | None,
    *,
    calendar: WorkingDayCalendar | None = None,
    standards: LocalStandards | None = None,
) -> DueDate:
    """The PEP by the first looked-after review; then a review by the end of the next term."""
    if last_plan_or_review is None or last_plan_or_review < became_looked_after:
        return _due(TimescaleKey.PERSONAL_EDUCATION_PLAN, became_looked_after, calendar)
    return _due(
        TimescaleKey.PERSONAL_EDUCATION_PLAN_REVIEW, last_plan_or_review, calendar, standards
    )


def needs_assessment_due(date_of_birth: date, became_eligible: date | None = None) -> DueDate:
    """3 months after the 16th birthday, or after becoming an eligible child if that is later."""
    anchor = birthday(date_of_birth, 16)
    if became_eligible is not None and became_eligible > anchor:
        anchor = became_eligible
    return _due(TimescaleKey.NEEDS_ASSESSMENT, anchor, None)


@dataclass(frozen=True, slots=True)
class LateCompletionRefused:
    """Completing after the due date needs a recorded reason, and none was given."""

    rule: TimescaleKey
    rule_name: str
    due: date
    completed_on: date
    message: str


def _spoken(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def finished_on(
    rule: TimescaleKey | str, completed_on: date | None, authorised_on: date | None
) -> date | None:
    """The day a step met (or missed) its timescale: the day a manager authorised it for a
    timescale `until_authorised`, else the day it was completed."""
    if timescale_rule(rule).until_authorised and authorised_on is not None:
        return authorised_on
    return completed_on


def held_late(
    rule: TimescaleKey | str | None,
    due: date | None,
    completed: date | None,
    authorised: date | None = None,
) -> bool:
    """Whether a step was done after its due day: authorised after it, for a timescale
    met on authorisation (an assessment's 45 working days)."""
    if rule is None or due is None:
        return due is not None and completed is not None and completed > due
    finished = finished_on(rule, completed, authorised)
    return finished is not None and finished > due


def check_late_completion(
    rule: TimescaleKey | str,
    due: date,
    completed_on: date,
    reason: str | None,
    done: str = "completed",
) -> LateCompletionRefused | None:
    """Refuse a completion after `due` that gives no reason; None when it may go ahead.

    Working Together 2023 asks for the reasons to be recorded when an assessment runs past
    its 45 working days; the hub asks the same of every late timescale.
    """
    if completed_on <= due or (reason is not None and reason.strip()):
        return None
    timescale = timescale_rule(rule)
    return LateCompletionRefused(
        rule=timescale.key,
        rule_name=timescale.name,
        due=due,
        completed_on=completed_on,
        message=(
            f"{timescale.name} was due by {_spoken(due)} and is being {done} on "
            f"{_spoken(completed_on)}: record the reason it is late ({timescale.source})."
        ),
    )
