"""How long a child's records are kept: retention rules as data, each with its source.

A record is kept until the *latest* date any applicable rule gives: a child who was
both in need and looked after keeps the looked-after period. Statutory rules are
fixed here; rules that rest on local practice (child protection, child in need,
general) are configuration, because councils' schedules differ.

Date conventions, chosen so that a record is never eligible for disposal early:

* Periods are whole years and months added to a trigger date. When the result
  falls on a day the target month lacks (29 February in a common year, 31 April),
  the period ends on the **first day of the next month** (1 March), the later of
  the two readings courts and schedules use.
* The looked-after rule shortens retention when a child dies "before attaining the
  age of 18". Here the opposite reading is the cautious one, so a child born on
  29 February attains 18 on **28 February** of a common year: a death on that day
  is an adult's death, and the 75th-birthday period applies.
* `retain_until` is the last day the record must be kept; disposal may be
  reviewed from the day after. Disposal itself stays a reviewed, audited act, and a
  legal hold blocks it whatever this module says.

When an applicable rule lacks its trigger (no adoption order date yet, a case still
open so no last contact), the retention cannot be computed: the decision says so
and names the missing facts, and the record is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "STATUTORY_RULES",
    "LocalPeriod",
    "RecordClass",
    "RetentionDecision",
    "RetentionFacts",
    "RetentionRule",
    "RetentionSettings",
    "RuleCondition",
    "RuleOutcome",
    "Trigger",
    "add_months",
    "add_years",
    "retention_rules",
    "retention_until",
]


class RecordClass(StrEnum):
    """The retention classes of children's social care records."""

    LOOKED_AFTER = "looked_after"
    CARE_LEAVER = "care_leaver"
    ADOPTION = "adoption"
    FOSTER_CARER = "foster_carer"
    CHILD_PROTECTION = "child_protection"
    CHILD_IN_NEED = "child_in_need"
    GENERAL = "general"


class Trigger(StrEnum):
    """The fact a retention period runs from."""

    DATE_OF_BIRTH = "date_of_birth"
    DATE_OF_DEATH = "date_of_death"
    ADOPTION_ORDER = "adoption_order_date"
    LAST_CONTACT = "last_contact_date"
    APPROVAL_ENDED = "approval_ended_date"


class RuleCondition(StrEnum):
    """When a rule applies, beyond its record class being present."""

    ALWAYS = "always"
    DIED_BEFORE_18 = "died_before_18"
    NOT_DIED_BEFORE_18 = "not_died_before_18"


@dataclass(frozen=True, slots=True)
class RetentionRule:
    """One retention rule: keep records of `record_class` for a period after `trigger`."""

    key: str
    record_class: RecordClass
    trigger: Trigger
    years: int
    months: int
    condition: RuleCondition
    statutory: bool
    citation: str


# Care Planning, Placement and Case Review (England) Regulations 2010, reg 50.
_LOOKED_AFTER_CITATION = (
    "Care Planning, Placement and Case Review (England) Regulations 2010, reg 50: "
    "keep until the 75th anniversary of the child's date of birth, or for 15 years "
    "from the date of death if the child dies before attaining the age of 18"
)

STATUTORY_RULES: tuple[RetentionRule, ...] = (
    RetentionRule(
        key="looked_after",
        record_class=RecordClass.LOOKED_AFTER,
        trigger=Trigger.DATE_OF_BIRTH,
        years=75,
        months=0,
        condition=RuleCondition.NOT_DIED_BEFORE_18,
        statutory=True,
        citation=_LOOKED_AFTER_CITATION,
    ),
    RetentionRule(
        key="looked_after_died_before_18",
        record_class=RecordClass.LOOKED_AFTER,
        trigger=Trigger.DATE_OF_DEATH,
        years=15,
        months=0,
        condition=RuleCondition.DIED_BEFORE_18,
        statutory=True,
        citation=_LOOKED_AFTER_CITATION,
    ),
    RetentionRule(
        key="care_leaver",
        record_class=RecordClass.CARE_LEAVER,
        trigger=Trigger.DATE_OF_BIRTH,
        years=75,
        months=0,
        condition=RuleCondition.ALWAYS,
        statutory=True,
        citation=(
            "Children (Leaving Care) Act 2000, as applied in local authority retention "
            "schedules: keep care leaver and after-care records 75 years from date of birth"
        ),
    ),
    RetentionRule(
        key="adoption",
        record_class=RecordClass.ADOPTION,
        trigger=Trigger.ADOPTION_ORDER,
        years=100,
        months=0,
        condition=RuleCondition.ALWAYS,
        statutory=True,
        citation=(
            "Disclosure of Adoption Information (Post-Commencement Adoptions) Regulations "
            "2005, reg 6: keep the adoption case record at least 100 years from the date "
            "of the adoption order"
        ),
    ),
    RetentionRule(
        key="foster_carer",
        record_class=RecordClass.FOSTER_CARER,
        trigger=Trigger.APPROVAL_ENDED,
        years=10,
        months=0,
        condition=RuleCondition.ALWAYS,
        statutory=True,
        citation=(
            "Fostering Services (England) Regulations 2011, reg 32: keep an approved "
            "foster carer's case record at least 10 years from the date approval ends"
        ),
    ),
)


class LocalPeriod(BaseModel):
    """A retention period set by the council's own schedule, with the citation it rests on."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    trigger: Trigger
    years: int = Field(ge=0, le=150)
    months: int = Field(default=0, ge=0, le=11)
    citation: str = Field(min_length=1)


class RetentionSettings(BaseModel):
    """The locally set periods. Defaults follow DOMAIN.md and common English schedules."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    child_protection: LocalPeriod = LocalPeriod(
        trigger=Trigger.LAST_CONTACT,
        years=35,
        citation=(
            "Local retention schedule (no statutory period): child protection records and "
            "conference minutes 35 years after last contact"
        ),
    )
    child_in_need: LocalPeriod = LocalPeriod(
        trigger=Trigger.DATE_OF_BIRTH,
        years=25,
        citation=(
            "Local retention schedule: children's social care records other than looked-after "
            "and adoption records are kept to the 25th birthday"
        ),
    )
    general: LocalPeriod = LocalPeriod(
        trigger=Trigger.DATE_OF_BIRTH,
        years=25,
        citation=(
            "Local retention schedule: children's social care records are kept to the 25th "
            "birthday unless a longer period applies"
        ),
    )


def retention_rules(settings: RetentionSettings | None = None) -> tuple[RetentionRule, ...]:
    """Return the full rule table: the statutory rules, then the configured local ones."""
    settings = settings or RetentionSettings()
    local = (
        ("child_protection", RecordClass.CHILD_PROTECTION, settings.child_protection),
        ("child_in_need", RecordClass.CHILD_IN_NEED, settings.child_in_need),
        ("general", RecordClass.GENERAL, settings.general),
    )
    return STATUTORY_RULES + tuple(
        RetentionRule(
            key=key,
            record_class=record_class,
            trigger=period.trigger,
            years=period.years,
            months=period.months,
            condition=RuleCondition.ALWAYS,
            statutory=False,
            citation=period.citation,
        )
        for key, record_class, period in local
    )


@dataclass(frozen=True, slots=True)
class RetentionFacts:
    """What is known about a child's record that retention depends on."""

    record_classes: frozenset[RecordClass]
    date_of_birth: date | None = None
    date_of_death: date | None = None
    adoption_order_date: date | None = None
    last_contact_date: date | None = None
    approval_ended_date: date | None = None

    def __post_init__(self) -> None:
        if not self.record_classes:
            raise ValueError("at least one record class must apply")
        birth = self.date_of_birth
        for name in ("date_of_death", "adoption_order_date", "last_contact_date"):
            value: date | None = getattr(self, name)
            if birth is not None and value is not None and value < birth:
                raise ValueError(f"{name} {value} is before the date of birth {birth}")

    def trigger_date(self, trigger: Trigger) -> date | None:
        """Return the date a trigger names, or None if it is not known (yet)."""
        value: date | None = getattr(self, trigger.value)
        return value


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    """One applicable rule and what it gives: a date, or the fact it is waiting for."""

    rule: RetentionRule
    retain_until: date | None
    missing: Trigger | None


@dataclass(frozen=True, slots=True)
class RetentionDecision:
    """How long the record is kept, which rule decided it, and every rule considered.

    `retain_until` is None when an applicable rule cannot be computed yet; `rule` is
    then the first such rule and `missing` names every fact that is needed.
    """

    retain_until: date | None
    rule: RetentionRule
    missing: tuple[Trigger, ...]
    considered: tuple[RuleOutcome, ...]


def retention_until(
    facts: RetentionFacts, settings: RetentionSettings | None = None
) -> RetentionDecision:
    """Decide how long a record is kept: the latest date of every applicable rule.

    On equal dates a statutory rule is reported over a local one (its citation
    carries more weight), then the earlier rule in the table.
    """
    outcomes: list[RuleOutcome] = []
    for rule in retention_rules(settings):
        if rule.record_class not in facts.record_classes:
            continue
        outcome = _evaluate(rule, facts)
        if outcome is not None:
            outcomes.append(outcome)
    undetermined = [outcome for outcome in outcomes if outcome.missing is not None]
    if undetermined:
        missing = tuple(dict.fromkeys(o.missing for o in undetermined if o.missing is not None))
        return RetentionDecision(
            retain_until=None,
            rule=undetermined[0].rule,
            missing=missing,
            considered=tuple(outcomes),
        )
    # Every record class has at least one unconditional rule or a complementary
    # pair (looked after), so with no undetermined outcome there is a winner.
    dated = [(o.retain_until, o) for o in outcomes if o.retain_until is not None]
    best = max(
        range(len(dated)),
        key=lambda index: (dated[index][0], dated[index][1].rule.statutory, -index),
    )
    winner = dated[best][1]
    return RetentionDecision(
        retain_until=winner.retain_until,
        rule=winner.rule,
        missing=(),
        considered=tuple(outcomes),
    )


def _evaluate(rule: RetentionRule, facts: RetentionFacts) -> RuleOutcome | None:
    """Return the rule's outcome, or None when its condition rules it out."""
    if rule.condition is not RuleCondition.ALWAYS:
        if facts.date_of_death is None:
            died_before_18: bool | None = False
        elif facts.date_of_birth is None:
            died_before_18 = None
        else:
            # The cautious reading of "before attaining 18": see the module docstring.
            eighteenth = add_months(facts.date_of_birth, 18 * 12, roll_forward=False)
            died_before_18 = facts.date_of_death < eighteenth
        if died_before_18 is None:
            return RuleOutcome(rule=rule, retain_until=None, missing=Trigger.DATE_OF_BIRTH)
        wanted = rule.condition is RuleCondition.DIED_BEFORE_18
        if died_before_18 is not wanted:
            return None
    start = facts.trigger_date(rule.trigger)
    if start is None:
        return RuleOutcome(rule=rule, retain_until=None, missing=rule.trigger)
    until = add_months(start, rule.years * 12 + rule.months, roll_forward=True)
    return RuleOutcome(rule=rule, retain_until=until, missing=None)


def add_years(start: date, years: int) -> date:
    """Add whole years; 29 February in a common year becomes 1 March."""
    return add_months(start, years * 12, roll_forward=True)


def add_months(start: date, months: int, *, roll_forward: bool = True) -> date:
    """Add calendar months to a date.

    When the target month has no such day (31 January + 1 month, 29 February + 1
    year), `roll_forward` gives the first day of the following month; otherwise the
    last day of the target month.
    """
    index = start.year * 12 + (start.month - 1) + months
    year, month_index = divmod(index, 12)
    month = month_index + 1
    length = _days_in_month(year, month)
    if start.day <= length:
        return date(year, month, start.day)
    if not roll_forward:
        return date(year, month, length)
    # December has 31 days, so a missing day is never in December: no year change.
    return date(year, month + 1, 1)


def _is_leap_year(year: int) -> bool:
    # Gregorian rule: 2000 was a leap year, 2100 will not be.
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        return 29 if _is_leap_year(year) else 28
    if month in (4, 6, 9, 11):
        return 30
    return 31
