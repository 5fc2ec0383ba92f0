from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from connectors.livelink.retention import (
    LocalPeriod,
    RecordClass,
    RetentionFacts,
    RetentionSettings,
    Trigger,
    add_months,
    add_years,
    retention_rules,
    retention_until,
)

LAC = RecordClass.LOOKED_AFTER
CIN = RecordClass.CHILD_IN_NEED
CP = RecordClass.CHILD_PROTECTION
GENERAL = RecordClass.GENERAL
ADOPTION = RecordClass.ADOPTION
CARE_LEAVER = RecordClass.CARE_LEAVER
FOSTER = RecordClass.FOSTER_CARER


def facts(*classes: RecordClass, **dates: date) -> RetentionFacts:
    return RetentionFacts(record_classes=frozenset(classes), **dates)


# Each row: the facts, the date worked out by hand, the rule that should win.
DECIDED = [
    pytest.param(
        facts(GENERAL, date_of_birth=date(2010, 3, 15)),
        date(2035, 3, 15),
        "general",
        # 15 Mar 2010 + 25 years = 15 Mar 2035 (the 25th birthday).
        id="general-25th-birthday",
    ),
    pytest.param(
        facts(CIN, date_of_birth=date(2010, 3, 15)),
        date(2035, 3, 15),
        "child_in_need",
        # Local default for child in need: the 25th birthday, 15 Mar 2035.
        id="cin-25th-birthday",
    ),
    pytest.param(
        facts(CIN, LAC, date_of_birth=date(2010, 3, 15)),
        date(2085, 3, 15),
        "looked_after",
        # CIN gives 15 Mar 2035, LAC the 75th birthday 15 Mar 2085: the later wins.
        id="cin-and-lac-keeps-lac-period",
    ),
    pytest.param(
        facts(LAC, date_of_birth=date(2008, 2, 29)),
        date(2083, 3, 1),
        "looked_after",
        # 29 Feb 2008 + 75 = 2083, not divisible by 4, so no 29 Feb: roll to 1 Mar 2083.
        id="lac-leap-day-birth",
    ),
    pytest.param(
        facts(LAC, date_of_birth=date(2010, 6, 1), date_of_death=date(2020, 1, 10)),
        date(2035, 1, 10),
        "looked_after_died_before_18",
        # Died aged 9 (before 18 on 1 Jun 2028): 15 years from 10 Jan 2020 = 10 Jan 2035.
        id="lac-died-in-childhood",
    ),
    pytest.param(
        facts(LAC, CIN, date_of_birth=date(2010, 6, 1), date_of_death=date(2020, 1, 10)),
        date(2035, 6, 1),
        "child_in_need",
        # LAC death rule: 10 Jan 2035; CIN 25th birthday: 1 Jun 2035, later, so CIN wins.
        id="lac-and-cin-died-in-childhood-cin-outlasts",
    ),
    pytest.param(
        facts(LAC, date_of_birth=date(2006, 5, 10), date_of_death=date(2024, 5, 10)),
        date(2081, 5, 10),
        "looked_after",
        # Died on the 18th birthday, so had attained 18: 75th birthday, 10 May 2081.
        id="lac-died-on-18th-birthday",
    ),
    pytest.param(
        facts(LAC, date_of_birth=date(2006, 5, 10), date_of_death=date(2024, 5, 9)),
        date(2039, 5, 9),
        "looked_after_died_before_18",
        # Died the day before the 18th birthday: 9 May 2024 + 15 years = 9 May 2039.
        id="lac-died-day-before-18th-birthday",
    ),
    pytest.param(
        facts(LAC, date_of_birth=date(2004, 2, 29), date_of_death=date(2022, 2, 28)),
        date(2079, 3, 1),
        "looked_after",
        # Born 29 Feb; 2022 has no 29 Feb. The cautious reading says 18 was attained on
        # 28 Feb 2022, so this is an adult's death: 75th birthday in 2079 (common year)
        # rolls to 1 Mar 2079.
        id="lac-leap-day-child-died-28-feb-of-18th-year",
    ),
    pytest.param(
        facts(LAC, date_of_birth=date(2004, 2, 29), date_of_death=date(2022, 2, 27)),
        date(2037, 2, 27),
        "looked_after_died_before_18",
        # 27 Feb 2022 is before any reading of the 18th birthday: 27 Feb 2037.
        id="lac-leap-day-child-died-27-feb-of-18th-year",
    ),
    pytest.param(
        facts(LAC, ADOPTION, date_of_birth=date(2015, 1, 1), adoption_order_date=date(2017, 6, 30)),
        date(2117, 6, 30),
        "adoption",
        # LAC: 1 Jan 2090. Adoption: 100 years from the order, 30 Jun 2117: later.
        id="adopted-after-care",
    ),
    pytest.param(
        facts(ADOPTION, adoption_order_date=date(2000, 2, 29)),
        date(2100, 3, 1),
        "adoption",
        # 2100 is a century not divisible by 400, so not a leap year: 1 Mar 2100.
        id="adoption-order-on-leap-day-into-2100",
    ),
    pytest.param(
        facts(ADOPTION, adoption_order_date=date(2004, 2, 29)),
        date(2104, 2, 29),
        "adoption",
        # 2104 is divisible by 4 and not a century: 29 Feb 2104 exists.
        id="adoption-order-on-leap-day-into-leap-year",
    ),
    pytest.param(
        facts(CP, GENERAL, date_of_birth=date(2005, 1, 1), last_contact_date=date(2020, 9, 1)),
        date(2055, 9, 1),
        "child_protection",
        # General: 1 Jan 2030. Child protection: 35 years after 1 Sep 2020 = 1 Sep 2055.
        id="child-protection-35-years-after-last-contact",
    ),
    pytest.param(
        facts(FOSTER, approval_ended_date=date(2019, 12, 31)),
        date(2029, 12, 31),
        "foster_carer",
        # Approval ended 31 Dec 2019; at least 10 years: 31 Dec 2029.
        id="foster-carer-10-years-after-approval-ends",
    ),
    pytest.param(
        facts(CARE_LEAVER, date_of_birth=date(2003, 7, 31)),
        date(2078, 7, 31),
        "care_leaver",
        # 75 years from 31 Jul 2003 = 31 Jul 2078.
        id="care-leaver-75-years",
    ),
    pytest.param(
        facts(LAC, CARE_LEAVER, date_of_birth=date(2003, 7, 31)),
        date(2078, 7, 31),
        "looked_after",
        # Both statutory rules give 31 Jul 2078; the tie goes to the earlier table row.
        id="tie-between-statutory-rules",
    ),
    pytest.param(
        facts(CIN, GENERAL, date_of_birth=date(2010, 3, 15)),
        date(2035, 3, 15),
        "child_in_need",
        # Both local rules give 15 Mar 2035; the tie goes to the earlier table row.
        id="tie-between-local-rules",
    ),
]


@pytest.mark.parametrize(("given", "expected", "rule_key"), DECIDED)
def test_hand_checked_retention_dates(given: RetentionFacts, expected: date, rule_key: str) -> None:
    decision = retention_until(given)

    assert decision.retain_until == expected
    assert decision.rule.key == rule_key
    assert decision.missing == ()
    assert decision.rule.citation


UNDETERMINED = [
    pytest.param(
        facts(LAC, ADOPTION, date_of_birth=date(2015, 1, 1)),
        "adoption",
        (Trigger.ADOPTION_ORDER,),
        # No order yet: 100 years from an unknown date could be later than anything else.
        id="adoption-without-order",
    ),
    pytest.param(
        facts(CP, date_of_birth=date(2015, 1, 1)),
        "child_protection",
        (Trigger.LAST_CONTACT,),
        # The case is open, so the 35 years have not started.
        id="child-protection-still-open",
    ),
    pytest.param(
        facts(LAC, date_of_death=date(2020, 1, 10)),
        "looked_after",
        (Trigger.DATE_OF_BIRTH,),
        # Without a date of birth we cannot tell whether the child died before 18.
        id="lac-death-without-birth-date",
    ),
    pytest.param(
        facts(GENERAL),
        "general",
        (Trigger.DATE_OF_BIRTH,),
        # The 25th birthday is unknown without a date of birth.
        id="general-without-birth-date",
    ),
]


@pytest.mark.parametrize(("given", "rule_key", "missing"), UNDETERMINED)
def test_a_missing_trigger_keeps_the_record_and_says_what_is_needed(
    given: RetentionFacts, rule_key: str, missing: tuple[Trigger, ...]
) -> None:
    decision = retention_until(given)

    assert decision.retain_until is None
    assert decision.rule.key == rule_key
    assert decision.missing == missing


def test_every_applicable_rule_is_reported_for_the_audit() -> None:
    decision = retention_until(
        facts(LAC, CIN, date_of_birth=date(2010, 6, 1), date_of_death=date(2020, 1, 10))
    )

    # The 75th-birthday rule is ruled out by the death before 18, so it is not listed.
    assert [(o.rule.key, o.retain_until) for o in decision.considered] == [
        ("looked_after_died_before_18", date(2035, 1, 10)),
        ("child_in_need", date(2035, 6, 1)),
    ]


def test_local_periods_are_configuration_with_their_citation() -> None:
    settings = RetentionSettings(
        child_protection=LocalPeriod(
            trigger=Trigger.LAST_CONTACT, years=40, months=6, citation="Council schedule 4.2"
        ),
        child_in_need=LocalPeriod(
            trigger=Trigger.DATE_OF_BIRTH, years=21, citation="Council schedule 3.1"
        ),
    )

    protection = retention_until(facts(CP, last_contact_date=date(2020, 8, 31)), settings)
    in_need = retention_until(facts(CIN, date_of_birth=date(2010, 3, 15)), settings)

    # 31 Aug 2020 + 40 years 6 months = "31 Feb 2061", which does not exist: 1 Mar 2061.
    assert (protection.retain_until, protection.rule.citation) == (
        date(2061, 3, 1),
        "Council schedule 4.2",
    )
    # 15 Mar 2010 + 21 years = 15 Mar 2031 (18th birthday plus three years).
    assert (in_need.retain_until, in_need.rule.citation) == (
        date(2031, 3, 15),
        "Council schedule 3.1",
    )


def test_statutory_rules_cite_their_regulations() -> None:
    citations = {rule.key: rule.citation for rule in retention_rules() if rule.statutory}

    assert (
        "Care Planning, Placement and Case Review (England) Regulations 2010, reg 50"
        in (citations["looked_after"])
    )
    assert citations["looked_after_died_before_18"] == citations["looked_after"]
    assert "Post-Commencement Adoptions) Regulations 2005, reg 6" in citations["adoption"]
    assert "Fostering Services (England) Regulations 2011, reg 32" in citations["foster_carer"]
    assert not any(
        rule.statutory for rule in retention_rules() if rule.record_class in {CP, CIN, GENERAL}
    )


@pytest.mark.parametrize(
    ("start", "months", "forward", "back"),
    [
        # 31 Jan + 1 month in a leap year: Feb has 29 days.
        (date(2024, 1, 31), 1, date(2024, 3, 1), date(2024, 2, 29)),
        # 31 Jan + 1 month in a common year: Feb has 28 days.
        (date(2023, 1, 31), 1, date(2023, 3, 1), date(2023, 2, 28)),
        # Across a year end with the day present.
        (date(2024, 12, 15), 1, date(2025, 1, 15), date(2025, 1, 15)),
        # 30 Nov + 3 months = "30 Feb 2025".
        (date(2024, 11, 30), 3, date(2025, 3, 1), date(2025, 2, 28)),
        # 31 Oct + 1 month = "31 Nov".
        (date(2024, 10, 31), 1, date(2024, 12, 1), date(2024, 11, 30)),
        # 29 Feb + 48 months lands on 29 Feb 2000 (divisible by 400: leap).
        (date(1996, 2, 29), 48, date(2000, 2, 29), date(2000, 2, 29)),
    ],
)
def test_month_arithmetic(start: date, months: int, forward: date, back: date) -> None:
    assert add_months(start, months) == forward
    assert add_months(start, months, roll_forward=False) == back


def test_year_arithmetic_moves_29_february_to_1_march_in_common_years() -> None:
    assert add_years(date(2000, 2, 29), 100) == date(2100, 3, 1)
    assert add_years(date(2000, 2, 29), 400) == date(2400, 2, 29)
    assert add_years(date(2023, 3, 1), 1) == date(2024, 3, 1)


def test_facts_that_contradict_themselves_are_refused() -> None:
    with pytest.raises(ValueError, match="at least one record class"):
        RetentionFacts(record_classes=frozenset())
    with pytest.raises(ValueError, match="before the date of birth"):
        facts(LAC, date_of_birth=date(2010, 1, 1), date_of_death=date(2009, 12, 31))


def test_local_periods_are_validated() -> None:
    with pytest.raises(ValidationError):
        LocalPeriod(trigger=Trigger.DATE_OF_BIRTH, years=25, months=12, citation="x")
    with pytest.raises(ValidationError):
        LocalPeriod(trigger=Trigger.DATE_OF_BIRTH, years=25, citation="")
    with pytest.raises(ValidationError):
        RetentionSettings.model_validate({"looked_after": {"years": 10}})
