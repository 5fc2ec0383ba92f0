from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from workflow.calendar import WorkingDayCalendar
from workflow.timescales import (
    RULES,
    Deadline,
    DueDate,
    Interval,
    IntervalUnit,
    LateCompletionRefused,
    LocalStandards,
    TermEnd,
    TimescaleKey,
    check_late_completion,
    due_date,
    months,
    needs_assessment_due,
    next_child_protection_review_due,
    next_health_assessment_due,
    next_looked_after_review_due,
    next_looked_after_visit_due,
    next_personal_education_plan_due,
    timescale_rule,
    weeks,
    working_days,
)

CALENDAR = WorkingDayCalendar()
K = TimescaleKey


@pytest.mark.parametrize(
    ("key", "anchor", "expected"),
    [
        # Fri 22 May 2026 referral; Mon 25th spring bank holiday: decide by Tue 26th.
        (K.REFERRAL_DECISION, date(2026, 5, 22), date(2026, 5, 26)),
        # Wed 24 Dec 2025: 25/26 holidays, weekend: Mon 29th.
        (K.REFERRAL_DECISION, date(2025, 12, 24), date(2025, 12, 29)),
        # 45 WD over Christmas/New Year (worked day by day in test_calendar): Tue 27 Jan 2026.
        (K.CHILD_AND_FAMILY_ASSESSMENT, date(2025, 11, 20), date(2026, 1, 27)),
        # 45 WD over Easter and early May (worked in test_calendar): Thu 7 May 2026.
        (K.CHILD_AND_FAMILY_ASSESSMENT, date(2026, 3, 2), date(2026, 5, 7)),
        # Strategy discussion Fri 22 May 2026; skip Mon 25th; 26-29=1-4, Jun 1-5=5-9,
        # 8-12=10-14, Mon 15 Jun=15.
        (K.INITIAL_CHILD_PROTECTION_CONFERENCE, date(2026, 5, 22), date(2026, 6, 15)),
        # ICPC Mon 15 Jun 2026: 16-19=1-4, 22-26=5-9, Mon 29th=10.
        (K.FIRST_CORE_GROUP, date(2026, 6, 15), date(2026, 6, 29)),
        # Decision Fri 22 May 2026, default 1 WD, Mon 25th holiday: Tue 26th.
        (K.STRATEGY_DISCUSSION, date(2026, 5, 22), date(2026, 5, 26)),
        # 3 months from 30 Nov 2025 clamps to 28 Feb 2026.
        (K.FIRST_CHILD_PROTECTION_REVIEW, date(2025, 11, 30), date(2026, 2, 28)),
        # 6 months from 31 Aug 2026 clamps to 28 Feb 2027.
        (K.CHILD_PROTECTION_REVIEW, date(2026, 8, 31), date(2027, 2, 28)),
        # First placement Fri 22 May 2026 + 10 WD: 26-29=1-4, Jun 1-5=5-9, Mon 8 Jun=10.
        (K.CARE_PLAN, date(2026, 5, 22), date(2026, 6, 8)),
        # Last CP visit Fri 19 Dec 2025 + 10 WD: 22-24=1-3, (25, 26), 29-31=4-6, (1 Jan),
        # 2 Jan=7, 5-7 Jan=8-10: Wed 7 Jan 2026.
        (K.CHILD_PROTECTION_VISIT, date(2025, 12, 19), date(2026, 1, 7)),
        # Last CIN visit Wed 10 Dec 2025 + 20 WD: 11-12=1-2, 15-19=3-7, 22-24=8-10, 29-31=11-13,
        # 2 Jan=14, 5-9=15-19, Mon 12 Jan=20.
        (K.CHILD_IN_NEED_VISIT, date(2025, 12, 10), date(2026, 1, 12)),
        # CIN plan reviewed every 3 months: 30 Nov 2025 -> 28 Feb 2026 (clamped).
        (K.CHILD_IN_NEED_PLAN_REVIEW, date(2025, 11, 30), date(2026, 2, 28)),
        # Pathway plan 31 Aug 2025 + 6 months -> 28 Feb 2026 (clamped).
        (K.PATHWAY_PLAN_REVIEW, date(2025, 8, 31), date(2026, 2, 28)),
        # Return Fri 22 May 2026 + 72 hours = Mon 25th, bank holiday or not (calendar days).
        (K.RETURN_HOME_INTERVIEW, date(2026, 5, 22), date(2026, 5, 25)),
    ],
)
def test_due_date(key: TimescaleKey, anchor: date, expected: date) -> None:
    assert due_date(key, anchor, calendar=CALENDAR) == expected


def test_due_date_accepts_the_key_as_text() -> None:
    assert due_date("child_and_family_assessment", date(2025, 11, 20)) == date(2026, 1, 27)


def test_unknown_rule_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="'no_such_rule' is not a timescale rule"):
        due_date("no_such_rule", date(2026, 1, 1))


def test_every_key_has_a_rule_with_a_source() -> None:
    assert set(RULES) == set(TimescaleKey)
    for key, rule in RULES.items():
        assert rule.key is key
        assert rule.name
        assert rule.anchor
        assert rule.source
        assert isinstance(rule.interval_for(LocalStandards()), Interval)


def test_icpc_rule_cites_working_together() -> None:
    assert timescale_rule(K.INITIAL_CHILD_PROTECTION_CONFERENCE).source == (
        "Working Together to Safeguard Children 2023: ICPC within 15 working days of the "
        "strategy discussion"
    )


@pytest.mark.parametrize(
    ("standards", "key", "anchor", "expected"),
    [
        # CP visits every 5 WD from Fri 19 Dec 2025: 22, 23, 24, (25, 26 holidays), 29, Tue 30.
        (
            LocalStandards(child_protection_visit=working_days(5)),
            K.CHILD_PROTECTION_VISIT,
            date(2025, 12, 19),
            date(2025, 12, 30),
        ),
        # CP visits every 2 weeks (calendar): 19 Dec 2025 + 14 days = Fri 2 Jan 2026.
        (
            LocalStandards(child_protection_visit=weeks(2)),
            K.CHILD_PROTECTION_VISIT,
            date(2025, 12, 19),
            date(2026, 1, 2),
        ),
        # CIN plan reviews every 6 months: 31 Aug 2025 -> 28 Feb 2026.
        (
            LocalStandards(child_in_need_plan_review=months(6)),
            K.CHILD_IN_NEED_PLAN_REVIEW,
            date(2025, 8, 31),
            date(2026, 2, 28),
        ),
        # Local standards leave statutory rules alone: ICPC still 15 WD (Mon 15 Jun 2026).
        (
            LocalStandards(child_protection_visit=working_days(5)),
            K.INITIAL_CHILD_PROTECTION_CONFERENCE,
            date(2026, 5, 22),
            date(2026, 6, 15),
        ),
    ],
)
def test_local_standards_are_configuration(
    standards: LocalStandards, key: TimescaleKey, anchor: date, expected: date
) -> None:
    assert due_date(key, anchor, calendar=CALENDAR, standards=standards) == expected


def test_local_standards_load_from_plain_configuration() -> None:
    standards = LocalStandards.model_validate(
        {
            "child_protection_visit": {"amount": 15, "unit": "calendar_days"},
            "school_term_ends": [{"month": 4, "day": 2}, {"month": 7, "day": 22}],
        }
    )
    assert standards.child_protection_visit == Interval(15, IntervalUnit.CALENDAR_DAYS)
    assert standards.child_in_need_visit == working_days(20)  # default kept
    assert standards.school_term_ends == (TermEnd(4, 2), TermEnd(7, 22))


@pytest.mark.parametrize(
    "configuration",
    [
        {"child_protection_visit": {"amount": -1, "unit": "working_days"}},
        {"child_protection_visit": {"amount": 10, "unit": "fortnights"}},
        {"school_term_ends": []},
        {"school_term_ends": [{"month": 2, "day": 30}]},
        {"visits_per_year": 12},
    ],
)
def test_bad_local_standards_are_refused(configuration: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        LocalStandards.model_validate(configuration)


@pytest.mark.parametrize(
    ("icpc", "previous_review", "expected"),
    [
        # First review within 3 months of the ICPC: 30 Nov 2025 -> 28 Feb 2026 (clamped).
        (
            date(2025, 11, 30),
            None,
            DueDate(K.FIRST_CHILD_PROTECTION_REVIEW, date(2025, 11, 30), date(2026, 2, 28)),
        ),
        # ICPC Mon 15 Jun 2026 -> 15 Sep 2026.
        (
            date(2026, 6, 15),
            None,
            DueDate(K.FIRST_CHILD_PROTECTION_REVIEW, date(2026, 6, 15), date(2026, 9, 15)),
        ),
        # Then 6 months after the review actually held (10 Sep 2026) -> 10 Mar 2027.
        (
            date(2026, 6, 15),
            date(2026, 9, 10),
            DueDate(K.CHILD_PROTECTION_REVIEW, date(2026, 9, 10), date(2027, 3, 10)),
        ),
        # Review on 31 Aug 2026 -> 28 Feb 2027 (clamped).
        (
            date(2026, 6, 15),
            date(2026, 8, 31),
            DueDate(K.CHILD_PROTECTION_REVIEW, date(2026, 8, 31), date(2027, 2, 28)),
        ),
    ],
)
def test_child_protection_review_chain(
    icpc: date, previous_review: date | None, expected: DueDate
) -> None:
    assert next_child_protection_review_due(icpc, previous_review, calendar=CALENDAR) == expected


@pytest.mark.parametrize(
    ("became_looked_after", "reviews", "expected"),
    [
        # Fri 22 May 2026 + 20 WD: (25 May), 26-29=1-4, Jun 1-5=5-9, 8-12=10-14, 15-19=15-19,
        # Mon 22 Jun=20.
        (
            date(2026, 5, 22),
            [],
            DueDate(K.FIRST_LOOKED_AFTER_REVIEW, date(2026, 5, 22), date(2026, 6, 22)),
        ),
        # Wed 10 Dec 2025 + 20 WD over Christmas (as the CIN visit row): Mon 12 Jan 2026.
        (
            date(2025, 12, 10),
            [],
            DueDate(K.FIRST_LOOKED_AFTER_REVIEW, date(2025, 12, 10), date(2026, 1, 12)),
        ),
        # Second review 3 months after the first (19 Jun 2026): 19 Sep 2026.
        (
            date(2026, 5, 22),
            [date(2026, 6, 19)],
            DueDate(K.SECOND_LOOKED_AFTER_REVIEW, date(2026, 6, 19), date(2026, 9, 19)),
        ),
        # Third: 6 months after the second (10 Sep 2026): 10 Mar 2027.
        (
            date(2026, 5, 22),
            [date(2026, 6, 19), date(2026, 9, 10)],
            DueDate(K.LOOKED_AFTER_REVIEW, date(2026, 9, 10), date(2027, 3, 10)),
        ),
        # Same, given out of order.
        (
            date(2026, 5, 22),
            [date(2026, 9, 10), date(2026, 6, 19)],
            DueDate(K.LOOKED_AFTER_REVIEW, date(2026, 9, 10), date(2027, 3, 10)),
        ),
        # Fourth: 6 months after 1 Mar 2027: 1 Sep 2027.
        (
            date(2026, 5, 22),
            [date(2026, 6, 19), date(2026, 9, 10), date(2027, 3, 1)],
            DueDate(K.LOOKED_AFTER_REVIEW, date(2027, 3, 1), date(2027, 9, 1)),
        ),
    ],
)
def test_looked_after_review_chain(
    became_looked_after: date, reviews: list[date], expected: DueDate
) -> None:
    assert next_looked_after_review_due(became_looked_after, reviews, calendar=CALENDAR) == expected


@pytest.mark.parametrize(
    ("placement_start", "last_visit", "long_term", "expected"),
    [
        # New placement Mon 2 Mar 2026: within 1 week, Mon 9 Mar.
        (
            date(2026, 3, 2),
            None,
            False,
            DueDate(K.LOOKED_AFTER_VISIT_NEW_PLACEMENT, date(2026, 3, 2), date(2026, 3, 9)),
        ),
        # A visit before this placement started was in the last one: still 9 Mar.
        (
            date(2026, 3, 2),
            date(2026, 2, 20),
            True,
            DueDate(K.LOOKED_AFTER_VISIT_NEW_PLACEMENT, date(2026, 3, 2), date(2026, 3, 9)),
        ),
        # First year: 5 Mar + 42 days = 16 Apr (26 days to 31 Mar, 16 more).
        (
            date(2026, 3, 2),
            date(2026, 3, 5),
            False,
            DueDate(K.LOOKED_AFTER_VISIT_FIRST_YEAR, date(2026, 3, 5), date(2026, 4, 16)),
        ),
        # 9 Jan 2026 is still in the first year of a placement from 10 Jan 2025: 6 weeks,
        # 9 Jan + 42 days = 20 Feb (22 days to 31 Jan, 20 more), even though long-term.
        (
            date(2025, 1, 10),
            date(2026, 1, 9),
            True,
            DueDate(K.LOOKED_AFTER_VISIT_FIRST_YEAR, date(2026, 1, 9), date(2026, 2, 20)),
        ),
        # On the anniversary, long-term: 3 months, 10 Jan -> 10 Apr 2026.
        (
            date(2025, 1, 10),
            date(2026, 1, 10),
            True,
            DueDate(K.LOOKED_AFTER_VISIT_LONG_TERM, date(2026, 1, 10), date(2026, 4, 10)),
        ),
        # After the first year, long-term: 1 Feb -> 1 May 2026.
        (
            date(2025, 1, 10),
            date(2026, 2, 1),
            True,
            DueDate(K.LOOKED_AFTER_VISIT_LONG_TERM, date(2026, 2, 1), date(2026, 5, 1)),
        ),
        # After the first year, not long-term: 6 weeks, 1 Feb + 42 days = 15 Mar
        # (27 days to 28 Feb, 15 more).
        (
            date(2025, 1, 10),
            date(2026, 2, 1),
            False,
            DueDate(K.LOOKED_AFTER_VISIT_AFTER_FIRST_YEAR, date(2026, 2, 1), date(2026, 3, 15)),
        ),
    ],
)
def test_looked_after_visit_intervals(
    placement_start: date, last_visit: date | None, long_term: bool, expected: DueDate
) -> None:
    assert (
        next_looked_after_visit_due(placement_start, last_visit, long_term, calendar=CALENDAR)
        == expected
    )


@pytest.mark.parametrize(
    ("born", "last_assessment", "became_looked_after", "expected"),
    [
        # No assessment yet: before the first review, 20 WD from Fri 22 May 2026 = Mon 22 Jun.
        (
            date(2022, 3, 15),
            None,
            date(2026, 5, 22),
            DueDate(K.INITIAL_HEALTH_ASSESSMENT, date(2026, 5, 22), date(2026, 6, 22)),
        ),
        # An assessment from an earlier period of care does not count: initial again.
        (
            date(2015, 1, 1),
            date(2025, 12, 1),
            date(2026, 5, 22),
            DueDate(K.INITIAL_HEALTH_ASSESSMENT, date(2026, 5, 22), date(2026, 6, 22)),
        ),
        # Aged 3 on 10 Mar 2026: every 6 months, 10 Sep 2026.
        (
            date(2022, 3, 15),
            date(2026, 3, 10),
            date(2025, 1, 1),
            DueDate(K.REVIEW_HEALTH_ASSESSMENT_UNDER_FIVE, date(2026, 3, 10), date(2026, 9, 10)),
        ),
        # Born 16 Mar 2021, assessed 15 Mar 2026: 4 (the day before turning 5), so 6 months.
        (
            date(2021, 3, 16),
            date(2026, 3, 15),
            date(2025, 1, 1),
            DueDate(K.REVIEW_HEALTH_ASSESSMENT_UNDER_FIVE, date(2026, 3, 15), date(2026, 9, 15)),
        ),
        # Born 15 Mar 2021, assessed on the fifth birthday: 12 months, 15 Mar 2027.
        (
            date(2021, 3, 15),
            date(2026, 3, 15),
            date(2025, 1, 1),
            DueDate(K.REVIEW_HEALTH_ASSESSMENT, date(2026, 3, 15), date(2027, 3, 15)),
        ),
        # Leap-day birth, assessed 28 Feb 2025: still 4 (turns 5 on 1 Mar), so 28 Aug 2025.
        (
            date(2020, 2, 29),
            date(2025, 2, 28),
            date(2024, 6, 1),
            DueDate(K.REVIEW_HEALTH_ASSESSMENT_UNDER_FIVE, date(2025, 2, 28), date(2025, 8, 28)),
        ),
        # Assessed 1 Mar 2025, now 5: 12 months, 1 Mar 2026.
        (
            date(2020, 2, 29),
            date(2025, 3, 1),
            date(2024, 6, 1),
            DueDate(K.REVIEW_HEALTH_ASSESSMENT, date(2025, 3, 1), date(2026, 3, 1)),
        ),
    ],
)
def test_health_assessments(
    born: date, last_assessment: date | None, became_looked_after: date, expected: DueDate
) -> None:
    assert (
        next_health_assessment_due(born, last_assessment, became_looked_after, calendar=CALENDAR)
        == expected
    )


def test_initial_health_assessment_and_pep_are_due_with_the_first_review() -> None:
    # Both must be in place for the first review, 20 WD after becoming looked after.
    started = date(2026, 5, 22)
    first_review = next_looked_after_review_due(started, [], calendar=CALENDAR).due
    assert next_health_assessment_due(date(2015, 1, 1), None, started).due == first_review
    assert next_personal_education_plan_due(started, None).due == first_review


@pytest.mark.parametrize(
    ("last", "expected"),
    [
        # No PEP yet: by the first review, Mon 22 Jun 2026.
        (None, DueDate(K.PERSONAL_EDUCATION_PLAN, date(2026, 5, 22), date(2026, 6, 22))),
        # PEP 10 Jun, in the summer term (ends 21 Jul): reviewed in autumn, by 19 Dec 2026.
        (
            date(2026, 6, 10),
            DueDate(K.PERSONAL_EDUCATION_PLAN_REVIEW, date(2026, 6, 10), date(2026, 12, 19)),
        ),
        # 25 Jul is in the summer holiday, which counts to the autumn term: by 31 Mar 2027.
        (
            date(2026, 7, 25),
            DueDate(K.PERSONAL_EDUCATION_PLAN_REVIEW, date(2026, 7, 25), date(2027, 3, 31)),
        ),
        # 19 Dec, the last day of the autumn term: next in spring, by 31 Mar 2027.
        (
            date(2026, 12, 19),
            DueDate(K.PERSONAL_EDUCATION_PLAN_REVIEW, date(2026, 12, 19), date(2027, 3, 31)),
        ),
        # 20 Dec counts to the spring term: next in summer, by 21 Jul 2027.
        (
            date(2026, 12, 20),
            DueDate(K.PERSONAL_EDUCATION_PLAN_REVIEW, date(2026, 12, 20), date(2027, 7, 21)),
        ),
    ],
)
def test_personal_education_plan_each_term(last: date | None, expected: DueDate) -> None:
    assert next_personal_education_plan_due(date(2026, 5, 22), last, calendar=CALENDAR) == expected


def test_personal_education_plan_uses_the_councils_term_dates() -> None:
    standards = LocalStandards(school_term_ends=(TermEnd(4, 2), TermEnd(7, 22), TermEnd(12, 18)))
    # Review 1 Apr 2026 is in the spring term ending 2 Apr; next by the end of summer, 22 Jul.
    due = next_personal_education_plan_due(date(2026, 1, 5), date(2026, 4, 1), standards=standards)
    assert due.due == date(2026, 7, 22)


@pytest.mark.parametrize(
    ("born", "became_eligible", "expected"),
    [
        # 16 on 15 Apr 2026: within 3 months, 15 Jul 2026.
        (
            date(2010, 4, 15),
            None,
            DueDate(K.NEEDS_ASSESSMENT, date(2026, 4, 15), date(2026, 7, 15)),
        ),
        # Eligible before 16 still counts from the 16th birthday.
        (
            date(2010, 4, 15),
            date(2025, 12, 1),
            DueDate(K.NEEDS_ASSESSMENT, date(2026, 4, 15), date(2026, 7, 15)),
        ),
        # Eligible after 16 (1 Sep 2026): 3 months from then, 1 Dec 2026.
        (
            date(2010, 4, 15),
            date(2026, 9, 1),
            DueDate(K.NEEDS_ASSESSMENT, date(2026, 9, 1), date(2026, 12, 1)),
        ),
        # 16 on 30 Nov 2026: 30 Feb does not exist, 28 Feb 2027.
        (
            date(2010, 11, 30),
            None,
            DueDate(K.NEEDS_ASSESSMENT, date(2026, 11, 30), date(2027, 2, 28)),
        ),
        # Leap-day birth: 16 on 29 Feb 2024 (a leap year), then 29 May 2024.
        (
            date(2008, 2, 29),
            None,
            DueDate(K.NEEDS_ASSESSMENT, date(2024, 2, 29), date(2024, 5, 29)),
        ),
    ],
)
def test_needs_assessment_for_an_eligible_child(
    born: date, became_eligible: date | None, expected: DueDate
) -> None:
    assert needs_assessment_due(born, became_eligible) == expected


@pytest.mark.parametrize(
    ("today", "completed_on", "overdue", "completed_late"),
    [
        (date(2026, 1, 27), None, False, False),  # the due date itself is still on time
        (date(2026, 1, 28), None, True, False),  # a day past and not done
        (date(2026, 2, 10), date(2026, 1, 26), False, False),  # done early
        (date(2026, 2, 10), date(2026, 1, 27), False, False),  # done on the day
        (date(2026, 2, 10), date(2026, 1, 29), False, True),  # done late: no longer overdue
    ],
)
def test_deadline_status(
    today: date, completed_on: date | None, overdue: bool, completed_late: bool
) -> None:
    due = DueDate(K.CHILD_AND_FAMILY_ASSESSMENT, date(2025, 11, 20), date(2026, 1, 27))
    status = due.status(today=today, completed_on=completed_on)
    assert status == Deadline(
        K.CHILD_AND_FAMILY_ASSESSMENT, date(2026, 1, 27), overdue, completed_on
    )
    assert status.completed_late is completed_late


@pytest.mark.parametrize("reason", [None, "", "   \n"])
def test_late_completion_without_a_reason_is_refused(reason: str | None) -> None:
    refused = check_late_completion(
        K.CHILD_AND_FAMILY_ASSESSMENT, date(2026, 1, 27), date(2026, 1, 28), reason
    )
    assert isinstance(refused, LateCompletionRefused)
    assert refused.rule is K.CHILD_AND_FAMILY_ASSESSMENT
    assert refused.rule_name == "Child and family assessment"
    assert (refused.due, refused.completed_on) == (date(2026, 1, 27), date(2026, 1, 28))
    assert refused.message.startswith(
        "Child and family assessment was due by 27 January 2026 and is being completed on "
        "28 January 2026: record the reason it is late (Working Together to Safeguard Children "
        "2023: the assessment concludes within 45 working days"
    )


@pytest.mark.parametrize(
    ("completed_on", "reason"),
    [
        (
            date(2026, 1, 28),
            "Awaiting the police checks requested on 15 January",
        ),  # late, explained
        (date(2026, 1, 27), None),  # on the due date
        (date(2026, 1, 20), None),  # early
    ],
)
def test_timely_or_explained_completion_is_accepted(completed_on: date, reason: str | None) -> None:
    assert (
        check_late_completion(
            "child_and_family_assessment", date(2026, 1, 27), completed_on, reason
        )
        is None
    )


def test_intervals_are_never_negative() -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        Interval(-1, IntervalUnit.WEEKS)


def test_term_end_on_29_february_falls_back_in_common_years() -> None:
    assert TermEnd(2, 29).in_year(2026) == date(2026, 2, 28)
    assert TermEnd(2, 29).in_year(2028) == date(2028, 2, 29)
    with pytest.raises(ValueError, match="not a day of the year"):
        TermEnd(4, 31)


@pytest.mark.parametrize(
    ("interval", "text"),
    [
        (working_days(1), "1 working day"),
        (working_days(45), "45 working days"),
        (months(3), "3 months"),
        (weeks(1), "1 week"),
    ],
)
def test_interval_describes_itself(interval: Interval, text: str) -> None:
    assert interval.describe() == text
