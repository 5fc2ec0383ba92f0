"""The statutory facts about a child that the CIN census and the SSDA903 return need.

Each fact is dated (`on`: the day it happened or applied, today by default, never in the
future, never before the child's birth) and records who recorded it and when. Codes are
checked against the DfE code lists, and the DfE's rules that tie a fact to the child
(age, sex, an unborn child) are checked here, each refusal naming the field and the rule.
"""

from __future__ import annotations

import enum
import re
from calendar import monthrange
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, Self

from pydantic import AfterValidator, Field, model_validator

from graph.cypher import facts as statements
from workflow import liberty
from workflow.calendar import (
    age_on,
    birthday,
    collection_year_start,
    school_age_in,
    today_in_england,
)
from workflow.codes import Disability, PreviousPermanence, SdqReason, UPNUnknown
from workflow.contacts import EARLIEST_DAY, EthnicityCode, PastDate, Sex
from workflow.ids import new_id
from workflow.outcomes import FieldProblem, InvalidInput, NotFound, TransitionRefused
from workflow.pregnancy import LONGEST_PREGNANCY, latest_birth
from workflow.validation import FieldRuleBroken, Input

if TYPE_CHECKING:
    from graph import GraphStore, Row
    from graph.cypher.access import AccessScope


class FactKind(enum.StrEnum):
    """What a fact is about."""

    HOME_POSTCODE = "HOME_POSTCODE"
    DISABILITIES = "DISABILITIES"
    UASC = "UASC"
    UPN_UNKNOWN = "UPN_UNKNOWN"
    BIRTH = "BIRTH"
    PREVIOUS_CHILD_PROTECTION_PLANS = "PREVIOUS_CHILD_PROTECTION_PLANS"
    PREVIOUS_PERMANENCE = "PREVIOUS_PERMANENCE"
    DENTAL_CHECK = "DENTAL_CHECK"
    IMMUNISATIONS = "IMMUNISATIONS"
    DEVELOPMENT_CHECK = "DEVELOPMENT_CHECK"
    SDQ = "SDQ"
    CONVICTION = "CONVICTION"
    SUBSTANCE_MISUSE = "SUBSTANCE_MISUSE"
    MOTHERHOOD = "MOTHERHOOD"
    ETHNICITY = "ETHNICITY"
    SEX = "SEX"
    DEPRIVATION_OF_LIBERTY = "DEPRIVATION_OF_LIBERTY"
    DATE_OF_BIRTH = "DATE_OF_BIRTH"


# A full UK postcode: outward code (area, district) and inward code (sector, unit).
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")


def postcode(value: str) -> str:
    """A full UK postcode, upper case with one space before the inward code.

    Raises:
        ValueError: not the shape of a full UK postcode.
    """
    found = _POSTCODE.fullmatch(value.strip().upper())
    if found is None:
        raise ValueError("must be a full UK postcode, e.g. SG1 2AB")
    return f"{found.group(1)} {found.group(2)}"


def urn(value: str) -> str:
    """An Ofsted unique reference number, or XXXXXXX where none applies (SSDA903 URN).

    Raises:
        ValueError: neither a URN (SC and 6 digits, or 6 to 7 digits) nor XXXXXXX.
    """
    cleaned = value.strip().upper()
    if not re.fullmatch(r"SC[0-9]{6}|[0-9]{6,7}|XXXXXXX", cleaned):
        raise ValueError("must be an Ofsted URN (SC123456 or 6-7 digits), or XXXXXXX if none")
    return cleaned


Postcode = Annotated[str, AfterValidator(postcode)]
Urn = Annotated[str, AfterValidator(urn)]
ChildId = Annotated[str, Field(min_length=1, max_length=100)]
# The DfE's three-digit local authority number (e.g. 919 Hertfordshire).
LocalAuthorityNumber = Annotated[str, Field(pattern=r"^[0-9]{3}$")]


class FactInput(Input):
    """What every fact carries: the child and the day it happened."""

    child_id: ChildId
    on: PastDate = Field(default_factory=today_in_england)


class RecordHomePostcode(FactInput):
    postcode: Postcode


class RecordDisabilities(FactInput):
    disabilities: Annotated[list[Disability], Field(min_length=1, max_length=13)]

    @model_validator(mode="after")
    def _none_alone(self) -> Self:
        if len(set(self.disabilities)) != len(self.disabilities):
            raise FieldRuleBroken("disabilities", "each code once")
        if Disability.NONE_NO_DISABILITY in self.disabilities and len(self.disabilities) > 1:
            raise FieldRuleBroken("disabilities", "NONE cannot be given with another code")
        return self


class RecordUascStatus(FactInput):
    """The child became an unaccompanied asylum-seeking child `on`; `ceasedOn` ends it."""

    ceased_on: PastDate | None = None


class RecordUpnUnknown(FactInput):
    reason: UPNUnknown


class RecordBirth(FactInput):
    sex: Sex | None = None


class RecordPreviousChildProtectionPlans(FactInput):
    number_of_plans: Annotated[int, Field(ge=0, le=99)]


class PartialDate(Input):
    """A day known only in part, each part None when it is not known (SSDA903 DATE_PERM,
    where an unknown part is returned as ZZ). A day of the month means nothing without
    its month, so a day is known only with one."""

    year: Annotated[int, Field(ge=EARLIEST_DAY.year, le=9999)] | None = None
    month: Annotated[int, Field(ge=1, le=12)] | None = None
    day: Annotated[int, Field(ge=1, le=31)] | None = None

    @model_validator(mode="after")
    def _a_day_of_a_month(self) -> Self:
        if self.day is None:
            return self
        if self.month is None:
            raise FieldRuleBroken("orderDateKnown.day", "a day is known only with its month")
        # With the year not known, 29 February may be the day (2000 was a leap year).
        if self.day > monthrange(self.year or 2000, self.month)[1]:
            raise FieldRuleBroken("orderDateKnown.day", f"month {self.month} has no day {self.day}")
        return self

    @property
    def whole(self) -> date | None:
        """The day, when every part is known."""
        if self.year is None or self.month is None or self.day is None:
            return None
        return date(self.year, self.month, self.day)

    @property
    def earliest(self) -> date | None:
        """The first day it can be, if its year is known."""
        if self.year is None:
            return None
        return date(self.year, self.month or 1, self.day or 1)

    @property
    def latest(self) -> date | None:
        """The last day it can be, if its year is known."""
        if self.year is None:
            return None
        month = self.month or 12
        return date(self.year, month, self.day or monthrange(self.year, month)[1])

    @property
    def text(self) -> str:
        """As kept: YYYY-MM-DD with each unknown part in question marks."""
        year = "????" if self.year is None else f"{self.year:04d}"
        month = "??" if self.month is None else f"{self.month:02d}"
        day = "??" if self.day is None else f"{self.day:02d}"
        return f"{year}-{month}-{day}"

    @classmethod
    def from_text(cls, text: str) -> PartialDate:
        year, month, day = (None if "?" in part else int(part) for part in text.split("-"))
        return cls(year=year, month=month, day=day)


class RecordPreviousPermanence(FactInput):
    permanence: PreviousPermanence
    local_authority: LocalAuthorityNumber | None = None
    order_date: PastDate | None = None
    # The order's date when part of it is not known (P4 orders, records from elsewhere).
    order_date_known: PartialDate | None = None


class RecordOnDay(FactInput):
    """A fact that is only its day (a dental check, a development check, a conviction)."""


class RecordImmunisations(FactInput):
    up_to_date: bool


class RecordSdq(FactInput):
    score: Annotated[int, Field(ge=0, le=40)] | None = None
    reason: SdqReason | None = None

    @model_validator(mode="after")
    def _score_or_reason(self) -> Self:
        if (self.score is None) == (self.reason is None):
            raise ValueError("give either the SDQ score or the reason it was not done")
        return self


class RecordSubstanceMisuse(FactInput):
    intervention_offered: bool | None = None
    intervention_received: bool | None = None


class RecordMotherhood(FactInput):
    baby_born_on: PastDate


class RecordEthnicity(FactInput):
    """The child's ethnicity, given after the contact that created the child or put
    right (CIN census Ethnicity, SSDA903 ETHNIC: a DfE code)."""

    ethnicity: EthnicityCode


class RecordSex(FactInput):
    """The child's sex, put right (CIN census Sex, SSDA903 SEX)."""

    sex: Sex


class RecordDateOfBirth(FactInput):
    """The child's date of birth, put right (CIN census PersonBirthDate, SSDA903 DOB):
    `on` is the day it was known (today by default)."""

    date_of_birth: PastDate


class RecordDeprivationOfLiberty(FactInput):
    """A court's order depriving the child of liberty (a DoLO) began `on`; `ceasedOn`
    ends it. The same order (the same `on`) recorded again with its end replaces it."""

    ceased_on: PastDate | None = None


@dataclass(frozen=True, slots=True)
class Child:
    """What the rules need to know about the child."""

    date_of_birth: date | None
    unborn: bool
    sex: str | None
    upn: str | None
    ethnicity: str | None = None

    def age_on(self, on: date) -> int | None:
        return age_on(self.date_of_birth, on) if self.date_of_birth else None


class Refused(Exception):
    """A fact breaks a rule: `field` and `rule` say which."""

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule


Values = dict[str, Any]
Rule = Callable[[Any, Child], tuple[Values, dict[str, date | None]]]
# A rule against the child's facts of the same kind already recorded (newest first).
type HistoryRule = Callable[[Any, list[Row]], None]
type Follows = Callable[[GraphStore, AccessScope, Any, Child], Awaitable[dict[str, Any]]]


def _age_between(child: Child, on: date, low: int, high: int, field: str, what: str) -> None:
    age = child.age_on(on)
    if age is not None and not low <= age <= high:
        raise Refused(field, f"{what} (the child was {age} on {on.isoformat()})")


def _postcode_fact(data: RecordHomePostcode, child: Child) -> tuple[Values, dict[str, Any]]:
    return {"postcode": data.postcode}, {}


def _disabilities(data: RecordDisabilities, child: Child) -> tuple[Values, dict[str, Any]]:
    return {"disabilities": [code.value for code in data.disabilities]}, {}


def _uasc(data: RecordUascStatus, child: Child) -> tuple[Values, dict[str, Any]]:
    if data.ceased_on is not None and data.ceased_on < data.on:
        raise Refused("ceasedOn", "must not be before the day the child became UASC (on)")
    if child.date_of_birth is not None:
        # SSDA903 UASC: the status ends at the latest on the 18th birthday.
        eighteenth = birthday(child.date_of_birth, 18)
        if data.on >= eighteenth:
            raise Refused("on", "a young person of 18 or over is not an unaccompanied child")
        if data.ceased_on is not None and data.ceased_on > eighteenth:
            raise Refused(
                "ceasedOn", f"UASC status ends at the latest on the 18th birthday ({eighteenth})"
            )
    return {"uasc": True}, {"ceasedOn": data.ceased_on}


def _deprivation_of_liberty(
    data: RecordDeprivationOfLiberty, child: Child
) -> tuple[Values, dict[str, Any]]:
    # SSDA903 2026-27 rule 702: an order ends after the day it began.
    if data.ceased_on is not None and data.ceased_on <= data.on:
        raise Refused("ceasedOn", "must be after the day the order began (on)")
    if child.date_of_birth is not None and data.on >= birthday(child.date_of_birth, 18):
        # An adult's liberty is the Court of Protection's; the 903 reports children's.
        raise Refused("on", "a young person of 18 or over is not a child looked after")
    return {}, {"ceasedOn": data.ceased_on}


def _one_order_at_a_time(data: RecordDeprivationOfLiberty, history: list[Row]) -> None:
    """SSDA903 2026-27 rule 705: an order depriving the child of liberty begins only when
    the one before has ended. `history` is the child's orders, newest record first; an
    order recorded again (the same day it began) is the latest record of it."""
    orders = dict(liberty.orders(row["fact"] for row in history))
    orders.pop(data.on, None)
    for began, ceased in sorted(orders.items()):
        if data.on < (ceased or date.max) and began < (data.ceased_on or date.max):
            if began < data.on:
                raise Refused("on", f"the order of {began} is in force then: record its end first")
            raise Refused(
                "ceasedOn", f"the order of {began} is in force then: end this one before it begins"
            )


async def _placements_fit_the_order(
    store: GraphStore, scope: AccessScope, data: RecordDeprivationOfLiberty, child: Child
) -> dict[str, Any]:
    """SSDA903 2026-27 rules 709, 710: the child's placements while the order is in force
    are ones an order is served in. Named `on` when the placement held the day it began,
    else `ceasedOn` (the order would run on into a placement it is not served in)."""
    rows = await store.read(statements.CARE_EPISODES, {**scope.params(), "childId": data.child_id})
    episodes = [*rows[0]["episodes"], *map(liberty.short_break_episode, rows[0]["breaks"])]
    if rule := liberty.order_over_placements((data.on, data.ceased_on), episodes):
        began = liberty.order_over_placements((data.on, data.on), episodes)
        raise Refused("on" if began else "ceasedOn", rule)
    return {}


def _upn_unknown(data: RecordUpnUnknown, child: Child) -> tuple[Values, dict[str, Any]]:
    if child.upn:
        raise Refused(
            "reason", "the child has a UPN: a reason it is unknown is for a child without"
        )
    # CIN census 8770Q: UN1 (not of school age) and UN6 (under 6, not at school) only
    # for young children.
    if data.reason is UPNUnknown.UN1_NOT_OF_SCHOOL_AGE:
        _age_between(child, data.on, 0, 5, "reason", "UN1 is for a child not of school age")
        _not_of_school_age(child, data.on, "UN1 is for a child not of school age")
    if data.reason is UPNUnknown.UN6_UNDER_SIX_NOT_YET_AT_SCHOOL:
        _age_between(child, data.on, 0, 5, "reason", "UN6 is for a child under 6")
        # The 903 has no UN6: it returns the reason as UN1 (returns/ssda903.py).
        said = "UN6 is returned in the SSDA903 as UN1 (not of school age)"
        _not_of_school_age(child, data.on, said)
    return {"reason": data.reason.value}, {}


def _not_of_school_age(child: Child, on: date, said: str) -> None:
    # SSDA903 rule 209: of school age in the whole collection year holding `on` once 4 by
    # the 31 August before it, though still 4 or 5 on the day.
    born, year_start = child.date_of_birth, collection_year_start(on)
    if born is not None and school_age_in(year_start, born):
        raise Refused(
            "reason",
            f"{said}: the child turned 4 on"
            f" {birthday(born, 4).isoformat()}, by 31 August {year_start - 1}, so is of school"
            f" age from 1 April {year_start} (SSDA903 rule 209): record the UPN or another"
            " reason it is unknown",
        )


def _previous_plans(
    data: RecordPreviousChildProtectionPlans, child: Child
) -> tuple[Values, dict[str, Any]]:
    return {"numberOfPlans": data.number_of_plans}, {}


def _permanence(data: RecordPreviousPermanence, child: Child) -> tuple[Values, dict[str, Any]]:
    # Only Z1 (no previous permanence option) names no order. P4 is an order of a kind
    # nobody now knows: SSDA903 rule 630 asks its local authority and date as for P1-P3.
    known = data.order_date_known
    if data.permanence is PreviousPermanence.Z1_NONE and (
        data.local_authority or data.order_date or known
    ):
        raise Refused(
            "permanence",
            f"{data.permanence.value} names no order: leave localAuthority, orderDate and"
            " orderDateKnown blank",
        )
    if data.order_date is not None and known is not None:
        raise Refused(
            "orderDateKnown",
            "give orderDate when the whole date is known, orderDateKnown when part of it is"
            " not; not both",
        )
    # A date given in parts, every one of them known, is a whole date.
    whole = data.order_date or (known.whole if known else None)
    partial = known if known is not None and whole is None else None
    field = "orderDate" if data.order_date is not None else "orderDateKnown"
    latest = whole or (partial.latest if partial else None)
    earliest = whole or (partial.earliest if partial else None)
    if latest is not None and child.date_of_birth is not None and latest < child.date_of_birth:
        raise Refused(field, "must not be before the child's birth")
    if earliest is not None and earliest > data.on:
        raise Refused(field, "must not be after the day it is recorded as known (on)")
    values = {
        "permanence": data.permanence.value,
        "localAuthority": data.local_authority,
        "orderDateKnown": partial.text if partial else None,
    }
    return values, {"orderDate": whole}


def _on_day(data: RecordOnDay, child: Child) -> tuple[Values, dict[str, Any]]:
    return {}, {}


def _development_check(data: RecordOnDay, child: Child) -> tuple[Values, dict[str, Any]]:
    # SSDA903 OC2 HEALTH_CHECK: development assessments are for children under 5.
    _age_between(child, data.on, 0, 4, "on", "a development check is for a child under 5")
    return {}, {}


def _conviction(data: RecordOnDay, child: Child) -> tuple[Values, dict[str, Any]]:
    # The age of criminal responsibility in England is 10.
    _age_between(child, data.on, 10, 25, "on", "a child under 10 cannot be convicted")
    return {}, {}


def _immunisations(data: RecordImmunisations, child: Child) -> tuple[Values, dict[str, Any]]:
    return {"upToDate": data.up_to_date}, {}


def _sdq(data: RecordSdq, child: Child) -> tuple[Values, dict[str, Any]]:
    # SSDA903 OC2: the SDQ is for children aged 4 to 17; SDQ1 says the child was not.
    age = child.age_on(data.on)
    in_range = age is None or 4 <= age <= 17
    if data.score is not None and not in_range:
        raise Refused("score", f"an SDQ score is for ages 4 to 17 (the child was {age}): use SDQ1")
    if data.reason is SdqReason.SDQ1_OUTSIDE_AGE_RANGE and in_range and age is not None:
        raise Refused("reason", f"SDQ1 is for a child under 4 or over 17 (the child was {age})")
    values = {"score": data.score, "reason": data.reason.value if data.reason else None}
    return values, {}


def _substance_misuse(data: RecordSubstanceMisuse, child: Child) -> tuple[Values, dict[str, Any]]:
    if data.intervention_received and data.intervention_offered is False:
        raise Refused("interventionOffered", "an intervention the child received was offered")
    values = {
        "interventionOffered": data.intervention_offered,
        "interventionReceived": data.intervention_received,
    }
    return values, {}


def _motherhood(data: RecordMotherhood, child: Child) -> tuple[Values, dict[str, Any]]:
    # SSDA903 header MOTHER and MC_DOB: a looked-after girl who is a mother.
    if child.sex == Sex.M:
        raise Refused("childId", "the child is recorded as male: MOTHER is for a girl")
    if data.baby_born_on > data.on:
        raise Refused("babyBornOn", "must not be after the day it is recorded (on)")
    age = child.age_on(data.baby_born_on)
    if age is not None and age < 10:
        raise Refused("babyBornOn", f"the young person would have been {age}: check the date")
    return {}, {"babyBornOn": data.baby_born_on}


def _characteristic(name: str, new: str, current: str | None) -> Values:
    """A characteristic the child record holds (what the returns read): the fact keeps
    the value it replaced, so the history says what was corrected."""
    if new == current:
        raise Refused(name, f"is already the child's {name} ({new})")
    previous = f"previous{name[0].upper()}{name[1:]}"
    return {name: new, previous: current}


def _ethnicity(data: RecordEthnicity, child: Child) -> tuple[Values, dict[str, Any]]:
    return _characteristic("ethnicity", data.ethnicity, child.ethnicity), {}


def _sex(data: RecordSex, child: Child) -> tuple[Values, dict[str, Any]]:
    return _characteristic("sex", data.sex.value, child.sex), {}


def _date_of_birth(data: RecordDateOfBirth, child: Child) -> tuple[Values, dict[str, Any]]:
    born, current = data.date_of_birth, child.date_of_birth
    if born == current:
        raise Refused("dateOfBirth", f"is already the child's date of birth ({born.isoformat()})")
    if data.on < born:
        raise Refused("on", f"must not be before the child's birth ({born.isoformat()})")
    return {}, {"dateOfBirth": born, "previousDateOfBirth": current}


async def _birth_date_follows(
    store: GraphStore, scope: AccessScope, data: RecordDateOfBirth, child: Child
) -> dict[str, Any]:
    """What a new date of birth must fit and moves: the child's recorded care and work
    (workflow.birth_date), and every statutory fact, each kind's rule asked again of the
    child born on the new date; the steps due anew are the write's `$retimedSteps`."""
    # workflow.birth_date reads the journey's rules of care, which import this module.
    from workflow import birth_date

    held = await birth_date.what_hangs_on_it(store, scope, data.child_id)
    born = data.date_of_birth
    previous = child.date_of_birth
    try:
        retimed = birth_date.follow(held, born, previous)
    except birth_date.BirthDateRefused as refused:
        raise Refused("dateOfBirth", refused.rule) from None
    _facts_still_hold(held["facts"], child, replace(child, date_of_birth=born), held)
    return {
        "retimedSteps": retimed,
        "previousBirthKey": previous.isoformat() if previous else "",
        "intakeKey": birth_date.intake_key(held, born, previous),
    }


def _facts_still_hold(facts: list[Row], was: Child, child: Child, held: Row) -> None:
    """Each fact's own rule asked again of the child born on the new date: refused if
    the new date alone breaks it (a rule the fact broke anyway, e.g. a UPN given since a
    reason it was unknown, is not the correction's to judge)."""
    # A fact kept before the birth is one about a child recorded unborn then.
    was_unborn = held["expectedDateOfBirth"] is not None
    born = child.date_of_birth
    assert born is not None
    for fact in facts:
        spec = _BY_KIND.get(fact["kind"])
        # What the child is (a characteristic, the birth date itself) has no rule by age.
        if spec is None or spec.on_child or spec.kind is FactKind.DATE_OF_BIRTH:
            continue
        what = f"the child's {fact['kind']} fact of {fact['on'].isoformat()}"
        if fact["on"] < born and not (spec.before_birth and was_unborn):
            raise Refused("dateOfBirth", f"{what} would come before the birth")
        recorded = _as_recorded(spec, fact)
        if recorded is None or _breaks(spec, recorded, was) is not None:
            continue
        if (broken := _breaks(spec, recorded, child)) is not None:
            raise Refused(
                "dateOfBirth", f"{what} would break its rule: {broken.field}: {broken.rule}"
            )


def _breaks(spec: FactSpec, data: FactInput, child: Child) -> Refused | None:
    try:
        spec.rule(data, child)
    except Refused as refused:
        return refused
    return None


def _as_recorded(spec: FactSpec, fact: Row) -> FactInput | None:
    """A fact as its input was given (stored under the input's own names; an order's
    date known in part as its text), to ask its rule again; None if it no longer reads
    as one (a code list since changed)."""
    given: dict[str, Any] = {"childId": "-", "on": fact["on"]}
    for name, field in spec.model.model_fields.items():
        alias = field.alias or name
        if fact.get(alias) is not None and alias not in given:
            given[alias] = fact[alias]
    if isinstance(known := given.get("orderDateKnown"), str):
        given["orderDateKnown"] = PartialDate.from_text(known)
    try:
        return spec.model.model_validate(given)
    except ValueError:
        return None


def _not_before_the_current(name: str) -> HistoryRule:
    """One dated before the value the child holds would put an older value over a later
    correction (history and child disagreeing): a correction is dated on or after it."""

    def rule(data: FactInput, history: list[Row]) -> None:
        if history and data.on < (latest := history[0]["fact"]["on"]):
            raise Refused(
                "on",
                f"must not be before the child's current {name}, recorded as of "
                f"{latest.isoformat()}",
            )

    return rule


@dataclass(frozen=True, slots=True)
class FactSpec:
    """How one kind of fact is validated and what it stores."""

    kind: FactKind
    model: type[FactInput]
    rule: Rule
    # Facts that make sense before the child is born (a pre-birth plan's history).
    before_birth: bool = False
    # Values that the child record itself holds from now on (the returns read them there).
    on_child: tuple[str, ...] = ()
    # Checked against the child's facts of the kind already recorded (read only for it).
    history_rule: HistoryRule | None = None
    # What else the fact must fit, and what moves with it: the extra parameters of its
    # own write statement (a date of birth put right re-times the steps counted from it).
    follows: Follows | None = None
    statement: str = statements.RECORD_FACT


SPECS: dict[str, FactSpec] = {
    "recordHomePostcode": FactSpec(
        FactKind.HOME_POSTCODE, RecordHomePostcode, _postcode_fact, before_birth=True
    ),
    "recordDisabilities": FactSpec(FactKind.DISABILITIES, RecordDisabilities, _disabilities),
    "recordUascStatus": FactSpec(FactKind.UASC, RecordUascStatus, _uasc),
    "recordUpnUnknown": FactSpec(FactKind.UPN_UNKNOWN, RecordUpnUnknown, _upn_unknown),
    "recordPreviousChildProtectionPlans": FactSpec(
        FactKind.PREVIOUS_CHILD_PROTECTION_PLANS,
        RecordPreviousChildProtectionPlans,
        _previous_plans,
        before_birth=True,
    ),
    "recordPreviousPermanence": FactSpec(
        FactKind.PREVIOUS_PERMANENCE, RecordPreviousPermanence, _permanence
    ),
    "recordDentalCheck": FactSpec(FactKind.DENTAL_CHECK, RecordOnDay, _on_day),
    "recordImmunisations": FactSpec(FactKind.IMMUNISATIONS, RecordImmunisations, _immunisations),
    "recordDevelopmentCheck": FactSpec(FactKind.DEVELOPMENT_CHECK, RecordOnDay, _development_check),
    "recordSdq": FactSpec(FactKind.SDQ, RecordSdq, _sdq),
    "recordConviction": FactSpec(FactKind.CONVICTION, RecordOnDay, _conviction),
    "recordSubstanceMisuse": FactSpec(
        FactKind.SUBSTANCE_MISUSE, RecordSubstanceMisuse, _substance_misuse
    ),
    "recordMotherhood": FactSpec(FactKind.MOTHERHOOD, RecordMotherhood, _motherhood),
    "recordEthnicity": FactSpec(
        FactKind.ETHNICITY,
        RecordEthnicity,
        _ethnicity,
        on_child=("ethnicity",),
        history_rule=_not_before_the_current("ethnicity"),
    ),
    "recordSex": FactSpec(
        FactKind.SEX,
        RecordSex,
        _sex,
        before_birth=True,
        on_child=("sex",),
        history_rule=_not_before_the_current("sex"),
    ),
    "recordDeprivationOfLiberty": FactSpec(
        FactKind.DEPRIVATION_OF_LIBERTY,
        RecordDeprivationOfLiberty,
        _deprivation_of_liberty,
        history_rule=_one_order_at_a_time,
        follows=_placements_fit_the_order,
    ),
    "recordDateOfBirth": FactSpec(
        FactKind.DATE_OF_BIRTH,
        RecordDateOfBirth,
        _date_of_birth,
        history_rule=_not_before_the_current("date of birth"),
        follows=_birth_date_follows,
        statement=statements.RECORD_DATE_OF_BIRTH,
    ),
}
_BY_KIND = {spec.kind.value: spec for spec in SPECS.values()}


def _child(row: Row) -> Child:
    return Child(
        date_of_birth=row["dateOfBirth"],
        unborn=bool(row["unborn"]),
        sex=row["sex"],
        upn=row["upn"],
        ethnicity=row.get("ethnicity"),
    )


def _invalid(field: str, rule: str) -> InvalidInput:
    return InvalidInput((FieldProblem(field, rule),))


async def _read_child(store: GraphStore, scope: AccessScope, child_id: str) -> Child | None:
    rows = await store.read(statements.CHILD_FOR_FACTS, {**scope.params(), "childId": child_id})
    return _child(rows[0]) if rows else None


def _params(
    scope: AccessScope,
    data: FactInput,
    kind: FactKind,
    values: Values,
    dates: dict[str, date | None],
    recorded_by: str,
) -> dict[str, Any]:
    return {
        **scope.params(),
        "childId": data.child_id,
        "factId": new_id(),
        "kind": kind.value,
        "on": data.on,
        "values": {name: value for name, value in values.items() if value is not None},
        "dates": {name: dates.get(name) for name in statements.FACT_DATES},
        "recordedBy": recorded_by,
    }


async def record_fact(
    store: GraphStore, scope: AccessScope, spec: FactSpec, data: FactInput, recorded_by: str
) -> Row | NotFound | InvalidInput:
    """Check the fact against the child and the DfE rules, then record it."""
    child = await _read_child(store, scope, data.child_id)
    if child is None:
        return NotFound(kind="Child", id=data.child_id)
    if child.unborn and not spec.before_birth:
        return _invalid("childId", "the child is not born yet: record the birth first")
    # A date of birth put right weighs `on` against the new date, in its own rule.
    born = None if spec.kind is FactKind.DATE_OF_BIRTH else child.date_of_birth
    if born is not None and data.on < born:
        return _invalid("on", f"must not be before the child's birth ({born.isoformat()})")
    try:
        values, dates = spec.rule(data, child)
        if spec.history_rule is not None:
            spec.history_rule(data, await facts_of(store, scope, data.child_id, [spec.kind]))
        followed = await spec.follows(store, scope, data, child) if spec.follows else {}
    except Refused as refused:
        return _invalid(refused.field, refused.rule)
    rows = await store.write(
        spec.statement,
        {
            **_params(scope, data, spec.kind, values, dates, recorded_by),
            "childValues": {name: values[name] for name in spec.on_child},
            **followed,
            "now": scope.now_ms,
        },
    )
    if not rows and spec.statement is not statements.RECORD_FACT:
        # The statement's guard: what it was checked against changed since it was read.
        return _invalid("childId", "the child's record changed while this was checked: retry")
    return rows[0] if rows else NotFound(kind="Child", id=data.child_id)


async def record_birth(
    store: GraphStore, scope: AccessScope, data: RecordBirth, recorded_by: str
) -> Row | NotFound | InvalidInput | TransitionRefused:
    """An unborn child is born: the same record gains its date of birth."""
    child = await _read_child(store, scope, data.child_id)
    if child is None:
        return NotFound(kind="Child", id=data.child_id)
    if not child.unborn:
        return TransitionRefused(
            current_state="BORN", allowed=(), reason="the child's birth is already recorded"
        )
    values = {"sex": data.sex.value if data.sex else None}
    params = _params(scope, data, FactKind.BIRTH, values, {}, recorded_by)
    rows = await store.write(
        statements.RECORD_BIRTH,
        {
            **params,
            "sex": values["sex"],
            "earliestContact": data.on - LONGEST_PREGNANCY,
            "now": scope.now_ms,
        },
    )
    if not rows:
        return await _after_a_pregnancy(store, scope, data) or TransitionRefused(
            current_state="BORN", allowed=(), reason="the child's birth is already recorded"
        )
    return rows[0]


async def _after_a_pregnancy(
    store: GraphStore, scope: AccessScope, data: RecordBirth
) -> InvalidInput | None:
    """Whether a birth wrote nothing because it came more than 40 weeks after the first
    contact about the child (CIN census rule 8606: a pregnancy lasts no more than 40
    weeks, so no referral comes earlier than that before the birth)."""
    found = await store.read(statements.FIRST_CONTACT, {**scope.params(), "childId": data.child_id})
    first = found[0]["firstContact"] if found else None
    if first is None or data.on <= latest_birth(first):
        return None
    return _invalid(
        "on",
        "is more than 40 weeks after the first contact about the child"
        f" ({first.isoformat()}; CIN census rule 8606)",
    )


async def facts_of(
    store: GraphStore, scope: AccessScope, child_id: str, kinds: list[FactKind]
) -> list[Row]:
    """The child's facts, newest first (empty if the child is not visible)."""
    return await store.read(
        statements.FACTS_OF,
        {**scope.params(), "childId": child_id, "kinds": [kind.value for kind in kinds]},
    )
