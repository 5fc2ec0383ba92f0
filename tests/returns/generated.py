"""Seeded random case journeys, recorded through the GraphQL API as workers record them,
for checking the statutory returns against the DfE's rules on journeys nobody wrote down.

Each child gets one of the journeys below with random but legal dates over the 2024-25
and 2025-26 collection years (and on past 31 March 2026, up to the summer, to prove a
return reads only what was known by its year end): contacts and referrals, NFA at
referral, assessments, strategy discussions and section 47 enquiries, conferences and
child protection plans with reviews and ends, child in need plans, periods of care with
placement and legal status changes, reviews, missing and away episodes (one over 31
March), adoption steps, closures and re-referrals, unborn children born in the year, young
people turning 18 in care, young people (an asylum seeker among them) leaving care before
18 with birthday contacts from 17 (in touch or not, back home), a previous permanence
order that broke down (its date now and then known only in part), a girl who becomes a
mother in care, and assessments and plans started in error and withdrawn.
Some steps are recorded late: after steps that happened later (a review or a missing
episode written up once the next placement move is on record).

Dates follow what the statutory guidance and the workflow ask: nothing before the step
it follows, conferences and reviews on working days, a first looked-after review within
20 working days, a child protection plan reviewed within 3 then 6 months. A generated
journey that the hub refuses fails loudly (the driver asserts each answer).
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import httpx

from hub.settings import Settings
from tests.e2e.scenarios.county import ETHNICITIES, RC7
from tests.e2e.scenarios.driver import Child
from tests.returns.journeys import Recorder, hertfordshire_upn
from workflow.calendar import default_calendar

# The window journeys begin in, and the last day anything is recorded as having happened
# (after the 2025-26 year end: a return is as known on its 31 March).
FIRST_REFERRAL = date(2024, 4, 8)
LAST_REFERRAL = date(2026, 2, 27)
HORIZON = date(2026, 8, 31)
SCHOOL_AGE = 5
CALENDAR = default_calendar()
add_working_days = CALENDAR.add_working_days
is_working_day = CALENDAR.is_working_day

CATEGORIES = ("NEG_NEGLECT", "PHY_PHYSICAL_ABUSE", "EMO_EMOTIONAL_ABUSE", "SAB_SEXUAL_ABUSE")
NEEDS = (
    "N1_ABUSE_OR_NEGLECT",
    "N2_CHILD_DISABILITY",
    "N3_PARENTAL_DISABILITY_OR_ILLNESS",
    "N4_FAMILY_IN_ACUTE_STRESS",
    "N5_FAMILY_DYSFUNCTION",
    "N6_SOCIALLY_UNACCEPTABLE_BEHAVIOUR",
    "N8_ABSENT_PARENTING",
)
SOURCES = (
    "SCHOOLS",
    "POLICE",
    "HEALTH_VISITOR",
    "GENERAL_PRACTITIONER",
    "FAMILY_MEMBER_RELATIVE_OR_CARER",
    "HOUSING",
    "ANONYMOUS",
    "ACCIDENT_AND_EMERGENCY",
)
FACTORS = (
    "NEGLECT",
    "EMOTIONAL_ABUSE",
    "ALCOHOL_MISUSE_PARENT_OR_CARER",
    "DOMESTIC_ABUSE_PARENT_OR_CARER",
    "MENTAL_HEALTH_PARENT_OR_CARER",
    "MENTAL_HEALTH_CHILD",
    "OTHER",
)
# Placements a child starts care in, with their provider and whether they carry a URN.
FOSTER = (
    ("U6_FOSTER_OTHER_CARER_OTHER", "PR1_OWN_PROVISION", None),
    ("U3_FOSTER_RELATIVE_OR_FRIEND_OTHER", "PR1_OWN_PROVISION", None),
    ("U6_FOSTER_OTHER_CARER_OTHER", "PR4_PRIVATE", None),
    ("K2_CHILDRENS_HOME", "PR4_PRIVATE", "SC483921"),
)
MOVE_REASONS = (
    "CARPL_CARE_PLAN",
    "CREQB_CARER_REQUEST_CHILD_BEHAVIOUR",
    "CREQO_CARER_REQUEST_OTHER",
    "STAND_STANDARDS_OF_CARE",
    "CHILD_CHILD_REQUEST",
)
# The order that follows another in care proceedings.
NEXT_ORDER = {
    "L1_POLICE_PROTECTION": "C1_INTERIM_CARE_ORDER",
    "L2_EMERGENCY_PROTECTION_ORDER": "C1_INTERIM_CARE_ORDER",
    "C1_INTERIM_CARE_ORDER": "C2_FULL_CARE_ORDER",
}
PARTICIPATION = ("PN1_ATTENDS_AND_SPEAKS", "PN5_ABSENT_ADVOCATE_BRIEFED")
# A care leaver's birthday contacts: in touch (and how they are doing), or not.
CONTACTS = (
    ("YES_IN_TOUCH", "F2_FULL_TIME_OTHER_EDUCATION", "D1_SEMI_INDEPENDENT_SUITABLE"),
    ("YES_IN_TOUCH", "G5_NEET_OTHER", "K2_ORDINARY_LODGINGS_NOT_SUITABLE"),
    ("YES_IN_TOUCH", "F5_FULL_TIME_TRAINING_OR_EMPLOYMENT", "E1_SUPPORTED_LODGINGS_SUITABLE"),
    ("NO_NOT_IN_TOUCH", "NOT_KNOWN", "NOT_KNOWN"),
    ("REFU_REFUSES_CONTACT", "NOT_KNOWN", "NOT_KNOWN"),
    ("RHOM_RETURNED_HOME", "NOT_KNOWN", "NOT_KNOWN"),
)
# The permanence a child had before care, which broke down.
PERMANENCE = (
    "P1_ADOPTION",
    "P2_SPECIAL_GUARDIANSHIP_ORDER",
    "P3_RESIDENCE_OR_CHILD_ARRANGEMENTS_ORDER",
    "P4_UNKNOWN",
)


class Horizon(Exception):
    """The journey has reached the last day anything is recorded: it stops there, with
    whatever is open still open."""


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _birthday(born: date, age: int) -> date:
    try:
        return born.replace(year=born.year + age)
    except ValueError:  # 29 February
        return date(born.year + age, 3, 1)


@dataclass
class Journey:
    """One child's journey as it is generated: the child driver, a random source of its
    own, the day the story has reached, and the steps recorded late (each a coroutine
    factory, played after the step that follows it)."""

    child: Child
    rng: random.Random
    day: date
    late: list[Callable[[], Awaitable[object]]] = field(default_factory=list)
    log: list[str] = field(default_factory=list)

    def after(self, low: int, high: int, *, working: bool = False) -> date:
        """The next step's day, `low` to `high` days on (a working day if asked)."""
        day = self.day + timedelta(days=self.rng.randint(low, high))
        # The year's edges are where returns go wrong: now and then a step falls on the
        # last day of a collection year or the first of the next.
        edges = [
            date(year, month, dd)
            for year in (2025, 2026)
            for month, dd in ((3, 31), (4, 1))
            if low <= (date(year, month, dd) - self.day).days <= high
        ]
        if edges and self.chance(0.3):
            day = self.rng.choice(edges)
        while working and not is_working_day(day):
            day += timedelta(days=1)
        if day > HORIZON:
            raise Horizon
        self.day = day
        return day

    def working_days(self, low: int, high: int) -> date:
        day = add_working_days(self.day, self.rng.randint(low, high))
        if day > HORIZON:
            raise Horizon
        self.day = day
        return day

    def note(self, text: str) -> None:
        self.log.append(f"{self.day.isoformat()} {text}")

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    async def catch_up(self) -> None:
        """The steps recorded late are written up now."""
        pending, self.late = self.late, []
        for record in pending:
            await record()

    @property
    def eighteenth(self) -> date:
        return _birthday(self.child.born, 18)


# ---- the parts of a journey --------------------------------------------------------------


async def referral(j: Journey) -> None:
    j.note("referral")
    await j.child.referred(j.day, j.rng.choice(SOURCES))


async def accepted(j: Journey) -> None:
    j.after(0, 1)
    j.note("accepted")
    await j.child.accepted(j.day, j.rng.choice(NEEDS))


async def assessment(j: Journey, *, factors: tuple[str, ...] | None = None) -> None:
    j.after(0, 3)
    j.note("assessment started")
    await j.child.assessment_started(j.day)
    completed = j.working_days(10, 44)
    authorised = add_working_days(completed, j.rng.randint(0, 1))
    if authorised > HORIZON:
        raise Horizon
    chosen = factors or tuple(j.rng.sample(FACTORS, j.rng.randint(1, 3)))
    j.note(f"assessment authorised {authorised} {chosen}")
    await j.child.assessment_authorised(completed, authorised, chosen)
    j.day = authorised


async def child_in_need_plan(j: Journey, *, on: date | None = None) -> None:
    if on is None:
        j.after(1, 14)
    j.note("CIN plan")
    await j.child.child_in_need_plan(on or j.day)
    for _ in range(j.rng.randint(0, 2)):
        j.after(20, 60)
        if j.chance(0.5):
            j.note("CIN visit")
            await j.child.visited(j.day, "childInNeedPlans")
        else:
            j.note("CIN review")
            await j.child.child_in_need_plan_reviewed(j.day)


async def close(j: Journey, reason: str = RC7) -> None:
    j.after(7, 90)
    if j.day >= j.eighteenth:
        j.day = j.eighteenth
    j.note(f"closed {reason}")
    await j.child.closed(j.day, reason, add_working_days(j.day, j.rng.randint(0, 2)))


async def closed_after_assessment(j: Journey, reason: str) -> None:
    """An RC8 or RC9 closure within days of the assessment's authorisation, in the same
    collection year (across 31 March the return holds the closure and not the assessment
    authorised before it, which CIN queries 8825Q and 8873Q ask a reason for)."""
    authorised = j.day
    j.after(0, 5)
    year_end = date(authorised.year + (authorised.month > 3), 3, 31)
    j.day = min(j.day, year_end)
    j.note(f"closed {reason}")
    await j.child.closed(j.day, reason)


async def protection(j: Journey) -> bool:
    """A strategy discussion, the enquiry beside an assessment, and a conference; True if
    a child protection plan was made."""
    j.after(0, 2, working=True)
    j.note("strategy discussion")
    await j.child.strategy_discussion(j.day)
    discussed = j.day
    await j.child.assessment_started(j.day)
    j.after(2, 8, working=True)
    conference = j.chance(0.75)
    j.note(f"enquiry concluded, conference {conference}")
    await j.child.enquiry_concluded(j.day, conference=conference)
    if not conference:
        completed = add_working_days(discussed, j.rng.randint(15, 40))
        j.day = max(j.day, completed)
        if j.day > HORIZON:
            raise Horizon
        await j.child.assessment_authorised(j.day, j.day, tuple(j.rng.sample(FACTORS, 2)))
        return False
    held = add_working_days(discussed, j.rng.randint(8, 15))
    j.day = max(j.day + timedelta(days=1), held)
    while not is_working_day(j.day):
        j.day += timedelta(days=1)
    if j.day > HORIZON:
        raise Horizon
    plan = j.chance(0.8)
    categories = (j.rng.choice(CATEGORIES),) if plan else ()
    j.note(f"ICPC plan {plan} {categories}")
    await j.child.conference(j.day, *categories)
    completed = max(j.day, add_working_days(discussed, j.rng.randint(20, 44)))
    if completed > HORIZON:
        raise Horizon
    await j.child.assessment_authorised(completed, completed, tuple(j.rng.sample(FACTORS, 2)))
    j.day = completed
    return plan


async def plan_reviews(j: Journey, started: date) -> None:
    """Core groups, visits and review conferences of a child protection plan, until it
    ends at a review (or the story stops, the plan still open)."""
    review_due = started + timedelta(days=90)
    for number in range(j.rng.randint(1, 3)):
        j.day = max(j.day, started)
        j.after(5, 20, working=True)
        if j.chance(0.5):
            j.note("core group")
            await j.child.core_group(j.day)
        else:
            visit = j.day
            j.note("CP visit (recorded late)")
            j.late.append(lambda visit=visit: j.child.visited(visit))
        j.day = review_due - timedelta(days=j.rng.randint(0, 20))
        while not is_working_day(j.day):
            j.day -= timedelta(days=1)
        if j.day > HORIZON or j.day >= j.eighteenth:
            raise Horizon
        await j.catch_up()
        if number and j.chance(0.5):
            j.note("plan ended at review")
            await j.child.protection_plan_ended(j.day)
            return
        category = (j.rng.choice(CATEGORIES),) if j.chance(0.3) else ()
        j.note(f"review conference {category}")
        await j.child.review_conference(j.day, *category)
        review_due = j.day + timedelta(days=180)
    await j.catch_up()


# ---- looked after ----------------------------------------------------------------------------


async def looked_after(j: Journey, legal_status: str) -> date:
    place, provider, urn = j.rng.choice(FOSTER)
    j.note(f"looked after {legal_status} {place}")
    details = {"urn": urn} if urn else {}
    await j.child.looked_after_in(j.day, legal_status, place, provider, **details)
    return j.day


async def care_year(j: Journey, started: date, *, until: date | None = None) -> None:
    """What happens while a child is looked after: reviews on time, placement moves,
    legal status changes, missing episodes; some written up after the next move."""
    reviews = [add_working_days(started, j.rng.randint(10, 20))]
    reviews.append(reviews[0] + timedelta(days=j.rng.randint(60, 90)))
    while reviews[-1] < HORIZON:
        reviews.append(reviews[-1] + timedelta(days=j.rng.randint(120, 180)))
    events: list[tuple[date, str]] = [(d, "review") for d in reviews]
    events += [(started + timedelta(days=j.rng.randint(20, 400)), "move") for _ in range(2)]
    if j.chance(0.3):
        events.append((started + timedelta(days=j.rng.randint(10, 300)), "missing"))
    # Police protection lasts 72 hours and an emergency protection order days (SSDA903
    # rules 361, 362): an interim care order follows; a full order may follow an interim.
    first = {"L1_POLICE_PROTECTION": (1, 3), "L2_EMERGENCY_PROTECTION_ORDER": (3, 15)}
    status = j.child.care["legalStatus"]
    if status in first:
        events.append((started + timedelta(days=j.rng.randint(*first[status])), "order"))
    if status != "V2_SINGLE_PERIOD_OF_ACCOMMODATION" and j.chance(0.5):
        events.append((started + timedelta(days=j.rng.randint(60, 300)), "order"))
    limit = min(until or HORIZON, HORIZON, j.eighteenth - timedelta(days=1))
    placement = j.child.care["placementType"]
    for day, kind in sorted(events):
        if day > limit or (day <= j.day and kind != "review"):
            continue
        if day < j.day:
            continue
        j.day = day
        if kind == "review":
            # Reviews follow each other (a review is never dated before the last one on
            # record): one written up late is on record before the next is held.
            await j.catch_up()
            while not is_working_day(j.day):
                j.day += timedelta(days=1)
            if j.day > limit:
                break
            participation = j.rng.choice(PARTICIPATION)
            if _age(j.child.born, j.day) < 4:
                participation = "PN0_UNDER_FOUR"
            held = j.day
            if j.chance(0.3):
                j.note("LA review (recorded late)")
                j.late.append(
                    lambda held=held, p=participation: j.child.looked_after_review(held, p)
                )
            else:
                j.note("LA review")
                await j.child.looked_after_review(held, participation)
        elif kind == "move":
            await j.catch_up()
            place, provider, urn = j.rng.choice(FOSTER)
            if place == placement:
                place, provider, urn = "U4_FOSTER_OTHER_CARER_LONG_TERM", "PR1_OWN_PROVISION", None
            placement = place
            details: dict[str, object] = {"urn": urn} if urn else {}
            if place.startswith("U4"):
                details["longTermPlacement"] = True
            j.note(f"placement {place}")
            await j.child.placement_changed(
                j.day, place, provider, j.rng.choice(MOVE_REASONS), **details
            )
        elif kind == "missing":
            returned = j.day + timedelta(days=j.rng.randint(0, 3))
            if returned > limit:
                continue
            start = j.day
            j.note("missing (recorded late)")
            j.late.append(lambda s=start, r=returned: j.child.went_missing(s, r))
        else:
            status = NEXT_ORDER.get(j.child.care["legalStatus"])
            if status is None:
                continue
            j.note(f"legal status {status}")
            await j.child.legal_status_changed(j.day, status)
    await j.catch_up()
    j.day = max(j.day, started)


async def outcomes(j: Journey, started: date) -> None:
    """The year's health and SDQ facts of a child in care a year at 31 March."""
    for year_end in (date(2025, 3, 31), date(2026, 3, 31)):
        # In care on 1 April and still on 31 March (the hub's and the DfE's OC2 cohort).
        if started > date(year_end.year - 1, 4, 1) or year_end > HORIZON:
            continue
        on = year_end - timedelta(days=j.rng.randint(30, 150))
        if on < started:
            continue
        await j.child.fact("recordDentalCheck", on=on)
        await j.child.fact("recordImmunisations", upToDate=True, on=on)
        if not 4 <= _age(j.child.born, year_end) <= 17:
            continue
        if _age(j.child.born, on) >= 4:
            await j.child.fact("recordSdq", score=j.rng.randint(5, 25), on=on)
        else:  # 4 by 31 March, not yet at the assessment
            await j.child.fact("recordSdq", reason="SDQ1_OUTSIDE_AGE_RANGE", on=on)


# ---- whole journeys ----------------------------------------------------------------------


async def no_further_action(j: Journey) -> None:
    await referral(j)
    j.after(0, 1)
    j.note("NFA")
    await j.child.no_further_action(j.day)
    if j.chance(0.5):
        j.after(30, 200)
        await referral(j)
        await accepted(j)
        await assessment(j, factors=("NO_FACTORS_IDENTIFIED",))
        await closed_after_assessment(j, "RC8_CLOSED_AFTER_ASSESSMENT_NO_FURTHER_ACTION")


async def assessed_and_closed(j: Journey) -> None:
    await referral(j)
    await accepted(j)
    if j.chance(0.5):
        await assessment(j, factors=("NO_FACTORS_IDENTIFIED",))
        reason = j.rng.choice(
            (
                "RC8_CLOSED_AFTER_ASSESSMENT_NO_FURTHER_ACTION",
                "RC9_CLOSED_AFTER_ASSESSMENT_REFERRED_TO_EARLY_HELP",
            )
        )
        await closed_after_assessment(j, reason)
        return
    else:
        await assessment(j)
        reason = RC7
    await close(j, reason)


async def child_in_need(j: Journey) -> None:
    await referral(j)
    await accepted(j)
    await assessment(j)
    await child_in_need_plan(j)
    if j.chance(0.6):
        j.after(30, 200)
        j.note("CIN plan ended")
        await j.child.child_in_need_plan_ended(j.day)
        await close(j)
        if j.chance(0.4):
            j.after(20, 200)
            await referral(j)
            await accepted(j)
            await assessment(j)
            await close(j)


async def child_protection(j: Journey) -> None:
    await referral(j)
    await accepted(j)
    planned = await protection(j)
    if not planned:
        await close(j)
        return
    started = j.child.case["childProtectionPlans"][-1]["startDate"]
    await plan_reviews(j, date.fromisoformat(started))
    if j.child.case["childProtectionPlans"][-1]["status"] == "ENDED":
        ended = date.fromisoformat(j.child.case["childProtectionPlans"][-1]["endDate"])
        await child_in_need_plan(j, on=ended + timedelta(days=j.rng.randint(0, 1)))
        j.after(30, 150)
        j.note("CIN plan ended")
        await j.child.child_in_need_plan_ended(j.day)
        await close(j)


async def looked_after_and_home(j: Journey) -> None:
    await referral(j)
    await accepted(j)
    j.after(0, 10)
    status = j.rng.choice(("V2_SINGLE_PERIOD_OF_ACCOMMODATION", "C1_INTERIM_CARE_ORDER"))
    if j.chance(0.2):
        status = "L1_POLICE_PROTECTION"
    started = await looked_after(j, status)
    ends = started + timedelta(days=j.rng.randint(30, 500))
    await care_year(j, started, until=ends - timedelta(days=1))
    await outcomes(j, started)
    if ends > HORIZON or ends >= j.eighteenth:
        return
    j.day = ends
    reason = j.rng.choice(
        (
            "E4A_RETURNED_HOME_AS_PLANNED",
            "E13_LEFT_TO_LIVE_WITH_PERSON_WITHOUT_PARENTAL_RESPONSIBILITY",
            "E41_CHILD_ARRANGEMENTS_ORDER",
        )
    )
    j.note(f"care ended {reason}")
    await j.child.left_care(j.day, reason)
    await close(j, "RC3_CHILD_ARRANGEMENTS_ORDER" if reason.startswith("E41") else RC7)


async def turning_eighteen_in_care(j: Journey) -> None:
    """A teenager in care since before the years, who turns 18 in them and leaves care
    on the birthday as a care leaver; birthday contacts after."""
    await referral(j)
    await accepted(j)
    j.after(0, 5)
    started = await looked_after(j, "C2_FULL_CARE_ORDER")
    await care_year(j, started, until=j.eighteenth - timedelta(days=1))
    await outcomes(j, started)
    j.day = j.eighteenth
    if j.day > HORIZON:
        return
    reason = j.rng.choice(("E17_STAYED_WITH_CARERS_AT_18", "E5_INDEPENDENT_LIVING_WITH_SUPPORT"))
    j.note(f"left care at 18 {reason}")
    await j.child.left_care(j.day, reason, care_leaver=True)
    await j.child.closed(j.day, RC7)
    for age in (18, 19):
        contact = _birthday(j.child.born, age) + timedelta(days=j.rng.randint(-20, 20))
        if j.day <= contact <= HORIZON:
            j.day = contact
            j.note("care leaver contact")
            await j.child.care_leaver_contact(contact)


async def adopted(j: Journey) -> None:
    await referral(j)
    await accepted(j)
    j.after(0, 5)
    started = await looked_after(j, "C1_INTERIM_CARE_ORDER")
    j.after(60, 150)
    j.note("adoption decided")
    await j.child.adoption_decided(j.day)
    j.after(30, 120)
    j.note("placement order")
    await j.child.adoption_step("recordPlacementOrder", grantedOn=j.day)
    await j.child.legal_status_changed(j.day, "E1_PLACEMENT_ORDER")
    j.after(30, 90)
    await j.child.adoption_step(
        "matchWithAdopters",
        matchedOn=j.day,
        adopterSex="MF_MIXED_COUPLE",
        adoptersLegalStatus="L11_MARRIED_DIFFERENT_SEX",
    )
    j.after(7, 40)
    j.note("placed for adoption")
    await j.child.adoption_step("placeForAdoption", placedOn=j.day)
    await j.child.placement_changed(
        j.day, "A6_PLACED_FOR_ADOPTION_WITH_PLACEMENT_ORDER_NOT_WITH_CURRENT_FOSTER_CARER"
    )
    await outcomes(j, started)
    j.after(70, 200)
    j.note("adoption order")
    await j.child.adoption_step("grantAdoptionOrder", grantedOn=j.day)
    await j.child.left_care(j.day, "E11_ADOPTED_UNOPPOSED")
    await j.child.closed(j.day, "RC1_ADOPTED")


async def pre_birth(j: Journey) -> None:
    """An unborn child referred before the birth, a pre-birth conference, born."""
    await referral(j)
    await accepted(j)
    planned = await protection(j)
    born = j.child.born
    if born > HORIZON:
        return
    j.day = max(j.day, born)
    j.note("born")
    await j.child.fact("recordBirth", on=born, sex=j.rng.choice(("M", "F")))
    await j.child.fact("recordUpnUnknown", reason="UN1_NOT_OF_SCHOOL_AGE", on=born)
    if planned:
        started = date.fromisoformat(j.child.case["childProtectionPlans"][-1]["startDate"])
        await plan_reviews(j, started)
    else:
        await close(j)


async def protection_then_care(j: Journey) -> None:
    """A child in need plan, a child protection plan that ends it, then care (which ends
    the protection plan the day it starts)."""
    await referral(j)
    await accepted(j)
    await assessment(j)
    await child_in_need_plan(j)
    j.after(20, 120)
    planned = await protection(j)
    if not planned:
        await close(j)
        return
    j.after(10, 80)
    status = j.rng.choice(("L2_EMERGENCY_PROTECTION_ORDER", "C1_INTERIM_CARE_ORDER"))
    started = await looked_after(j, status)
    plan = (await j.child.refreshed())["childProtectionPlans"][-1]
    assert (plan["endDate"], plan["endReason"]) == (started.isoformat(), "BECAME_LOOKED_AFTER")
    await care_year(j, started)
    await outcomes(j, started)


async def transferred_in(j: Journey) -> None:
    """Arrives on another authority's plan: a transfer-in conference; moves away later."""
    await j.child.referred(j.day, "LOCAL_AUTHORITY_EXTERNAL")
    j.note("referral (transfer in)")
    await accepted(j)
    j.after(5, 15, working=True)
    planned = j.chance(0.8)
    categories = (j.rng.choice(CATEGORIES),) if planned else ()
    j.note(f"transfer-in conference {categories}")
    await j.child.transfer_in_conference(j.day, *categories)
    if not planned:
        await close(j)
        return
    if j.chance(0.5):
        started = date.fromisoformat(j.child.case["childProtectionPlans"][-1]["startDate"])
        await plan_reviews(j, started)
        return
    j.after(30, 200)
    j.note("transferred out")
    await j.child.protection_plan_ended(j.day, "TRANSFERRED_OUT")
    await j.child.closed(j.day, "RC5_TRANSFERRED_TO_ANOTHER_LOCAL_AUTHORITY")


async def eighteen_on_a_plan(j: Journey) -> None:
    """A 17-year-old on a child protection plan that ends on the 18th birthday; the case
    moves to adult social care."""
    await referral(j)
    await accepted(j)
    planned = await protection(j)
    if not planned:
        await close(j)
        return
    day = j.eighteenth
    if day > HORIZON:
        return
    j.day = max(j.day, day)
    j.note("plan ended at 18")
    await j.child.protection_plan_ended(day, "REACHED_EIGHTEEN")
    await j.child.closed(day, "RC6_TRANSFERRED_TO_ADULT_SOCIAL_CARE")


async def short_breaks(j: Journey) -> None:
    """A disabled child in need, with short breaks (V3) at an approved household."""
    await referral(j)
    await accepted(j)
    await j.child.fact("recordDisabilities", disabilities=["LD_LEARNING", "AUT_AUTISM"])
    await assessment(j)
    await child_in_need_plan(j)
    recorder = Recorder(j.child.client, None, j.child.worker, j.child.manager)  # type: ignore[arg-type]
    household = await recorder.short_breaks_household((j.day - timedelta(days=30)).isoformat())
    # The SSDA903 asks of every child who starts to be looked after, short breaks too.
    await j.child.fact("recordPreviousPermanence", on=j.day, permanence="Z1_NONE")
    for _ in range(j.rng.randint(1, 4)):
        j.after(14, 60)
        ended = j.day + timedelta(days=j.rng.randint(1, 3))
        if ended > HORIZON:
            break
        j.note(f"short break to {ended}")
        await recorder.short_break(
            j.child.child_id, "V3", j.day.isoformat(), ended.isoformat(), household
        )
        j.day = ended


async def asylum_seeker(j: Journey) -> None:
    """An unaccompanied asylum-seeking child of 15 to 17, accommodated on arrival."""
    await j.child.referred(j.day, "POLICE")
    j.note("referral (UASC)")
    await j.child.accepted(j.day, "N8_ABSENT_PARENTING")
    started = await looked_after(j, "V2_SINGLE_PERIOD_OF_ACCOMMODATION")
    await j.child.fact("recordUascStatus", on=started)
    await j.child.fact("recordUpnUnknown", reason="UN3_EDUCATED_OUTSIDE_ENGLAND", on=started)
    await care_year(j, started, until=j.eighteenth - timedelta(days=1))
    await outcomes(j, started)
    if j.eighteenth > HORIZON:
        return
    j.day = j.eighteenth
    j.note("18: UASC ceased, left care")
    await j.child.fact("recordUascStatus", on=started, ceasedOn=j.day)
    await j.child.left_care(j.day, "E5_INDEPENDENT_LIVING_WITH_SUPPORT", care_leaver=True)
    await j.child.closed(j.day, RC7)


async def adoption_reversed(j: Journey) -> None:
    """Should be placed for adoption, a placement order, no adopters found: the decision
    reversed, the order revoked for a care order, long-term fostering."""
    await referral(j)
    await accepted(j)
    j.after(0, 5)
    started = await looked_after(j, "C1_INTERIM_CARE_ORDER")
    j.after(60, 150)
    await j.child.adoption_decided(j.day)
    j.after(30, 120)
    j.note("placement order")
    await j.child.adoption_step("recordPlacementOrder", grantedOn=j.day)
    await j.child.legal_status_changed(j.day, "E1_PLACEMENT_ORDER")
    j.after(60, 200)
    j.note("decision reversed")
    await j.child.adoption_plan_ceased(j.day, "RD3_NO_ADOPTERS_FOUND", j.day)
    # The placement order stands until the court revokes it, days later (the return
    # reports an order standing on 31 March after the reversal: SSDA903 rule 553, which
    # the hub warns of); the story does not stop before it.
    j.day = min(j.day + timedelta(days=j.rng.randint(0, 5)), HORIZON)
    j.note("placement order revoked, care order")
    await j.child.legal_status_changed(j.day, "C2_FULL_CARE_ORDER")
    await outcomes(j, started)


async def died(j: Journey) -> None:
    await referral(j)
    await accepted(j)
    j.after(0, 10)
    await looked_after(j, "V2_SINGLE_PERIOD_OF_ACCOMMODATION")
    j.after(20, 200)
    j.note("died")
    await j.child.left_care(j.day, "E2_DIED")
    await j.child.closed(j.day, "RC2_DIED")


async def care_twice(j: Journey) -> None:
    """Accommodated, home, a child in need plan, back in care in the same episode; a
    hospital stay (T1) and back to the same carer, reallocated to a colleague."""
    await referral(j)
    await accepted(j)
    j.after(0, 3)
    await looked_after(j, "V2_SINGLE_PERIOD_OF_ACCOMMODATION")
    j.after(20, 120)
    j.note("home")
    await j.child.left_care(j.day, "E4A_RETURNED_HOME_AS_PLANNED")
    await child_in_need_plan(j)
    j.after(20, 120)
    j.note("CIN plan ended, back in care")
    await j.child.child_in_need_plan_ended(j.day)
    started = await looked_after(j, "C1_INTERIM_CARE_ORDER")
    j.after(10, 60)
    j.note("reallocated")
    await j.child.allocated_to("worker-sw-cover", j.day, "MANAGE_MANAGING_CASELOADS")
    j.after(1, 30)
    place = j.child.care["placementType"]
    j.note("hospital")
    await j.child.placement_changed(
        j.day, "T1_TEMPORARY_HOSPITAL", "PR3_OTHER_PUBLIC", "OTHER_REASON"
    )
    j.after(2, 20)
    urn = {"urn": "SC483921"} if place.startswith("K") else {}
    provider = "PR4_PRIVATE" if place.startswith("K") else "PR1_OWN_PROVISION"
    await j.child.placement_changed(j.day, place, provider, sameCarer=True, **urn)
    await care_year(j, started)
    await outcomes(j, started)


async def missing_over_the_year_end(j: Journey) -> None:
    """In care over 31 March 2026, missing from late March; the return written up in
    April, after the year end."""
    j.day = min(j.day, date(2025, 12, 1))
    await referral(j)
    await accepted(j)
    j.after(0, 3)
    started = await looked_after(j, "C1_INTERIM_CARE_ORDER")
    await care_year(j, started, until=date(2026, 3, 20))
    await outcomes(j, started)
    gone = date(2026, 3, j.rng.randint(21, 31))
    back = gone + timedelta(days=j.rng.randint(1, 12))
    j.day = back
    j.note(f"missing {gone} to {back}, the return recorded later")
    await j.child.went_missing(gone)
    await j.child.went_missing(gone, back)


async def fostered_for_adoption(j: Journey) -> None:
    """Placed with foster carers approved as adopters (U5); the placement order, then
    placed for adoption with them (A5, same carer)."""
    await referral(j)
    await accepted(j)
    j.after(0, 5)
    j.note("looked after U5")
    await j.child.looked_after_in(
        j.day, "C1_INTERIM_CARE_ORDER", "U5_FOSTER_OTHER_CARER_FOSTERING_FOR_ADOPTION"
    )
    started = j.day
    j.after(40, 120)
    await j.child.adoption_decided(j.day)
    j.after(30, 120)
    j.note("placement order")
    await j.child.adoption_step("recordPlacementOrder", grantedOn=j.day)
    await j.child.legal_status_changed(j.day, "E1_PLACEMENT_ORDER")
    j.after(10, 60)
    await j.child.adoption_step(
        "matchWithAdopters",
        matchedOn=j.day,
        adopterSex="F1_SINGLE_FEMALE",
        adoptedByFosterCarer=True,
    )
    j.after(7, 30)
    j.note("placed A5")
    await j.child.adoption_step("placeForAdoption", placedOn=j.day)
    await j.child.placement_changed(
        j.day,
        "A5_PLACED_FOR_ADOPTION_WITH_PLACEMENT_ORDER_WITH_CURRENT_FOSTER_CARER",
        reason="PLACE_STATUS_CHANGE_ONLY",
        sameCarer=True,
    )
    await outcomes(j, started)


async def closed_and_referred_the_same_day(j: Journey) -> None:
    """A child in need plan closed, and a new referral the same day (a new episode may
    start the day the last one closed)."""
    await referral(j)
    await accepted(j)
    await assessment(j)
    await child_in_need_plan(j)
    j.after(30, 150)
    j.note("closed and referred again")
    await j.child.closed(j.day, RC7)
    await j.child.referred(j.day, j.rng.choice(SOURCES))
    await accepted(j)
    if j.chance(0.5):
        planned = await protection(j)
        if planned:
            started = date.fromisoformat(j.child.case["childProtectionPlans"][-1]["startDate"])
            await plan_reviews(j, started)
    else:
        await assessment(j)


async def started_in_error(j: Journey) -> None:
    """An assessment and a child in need plan started in error (the wrong child, twice)
    and withdrawn with the manager's agreement, some across 31 March; the real work goes
    on. A withdrawn record is in no return and holds nothing open."""
    await referral(j)
    await accepted(j)
    j.after(0, 3)
    j.note("assessment started in error")
    await j.child.assessment_started(j.day)
    j.after(0, 20)
    j.note("assessment withdrawn")
    await j.child.withdrawn_in_error("assessments", j.day)
    await assessment(j)
    if j.chance(0.5):
        j.after(1, 10)
        j.note("CIN plan started in error")
        await j.child.child_in_need_plan(j.day)
        j.after(0, 10)
        j.note("CIN plan withdrawn")
        await j.child.withdrawn_in_error("childInNeedPlans", j.day)
    await child_in_need_plan(j)
    j.after(30, 150)
    j.note("CIN plan ended")
    await j.child.child_in_need_plan_ended(j.day)
    await close(j)


async def left_care_before_eighteen(j: Journey) -> None:
    """A young person accommodated at 16 who leaves care before 18 as a care leaver (to
    live independently, or with relatives), then the birthday contacts from 17: in
    touch, not in touch, or back home for good."""
    await referral(j)
    await accepted(j)
    j.after(0, 5)
    status = j.rng.choice(("V2_SINGLE_PERIOD_OF_ACCOMMODATION", "C2_FULL_CARE_ORDER"))
    started = await looked_after(j, status)
    # Eligible for leaving care support: 13 weeks looked after since the 14th birthday.
    leaves = started + timedelta(days=j.rng.randint(100, 400))
    leaves = min(max(leaves, _birthday(j.child.born, 16)), j.eighteenth - timedelta(days=1))
    await care_year(j, started, until=leaves - timedelta(days=1))
    await outcomes(j, started)
    if leaves > HORIZON:
        return
    j.day = max(j.day, leaves)
    if j.day >= j.eighteenth:
        return
    reason = j.rng.choice(
        (
            "E5_INDEPENDENT_LIVING_WITH_SUPPORT",
            "E6_INDEPENDENT_LIVING_WITHOUT_SUPPORT",
            "E13_LEFT_TO_LIVE_WITH_PERSON_WITHOUT_PARENTAL_RESPONSIBILITY",
        )
    )
    j.note(f"left care before 18 {reason}")
    await j.child.left_care(j.day, reason, care_leaver=True)
    await j.child.closed(j.day, RC7)
    for age in (17, 18, 19):
        contact = _birthday(j.child.born, age) + timedelta(days=j.rng.randint(-20, 20))
        # Not before care ended (a birthday just after it is seen just after it).
        contact = max(contact, j.day + timedelta(days=1))
        if contact > HORIZON or contact - _birthday(j.child.born, age) > timedelta(days=60):
            continue
        j.day = contact
        coded = j.rng.choice(CONTACTS)
        j.note(f"care leaver contact {coded}")
        await j.child.care_leaver_contact(contact, coded[1], coded[2], in_touch=coded[0])


async def away_and_missing(j: Journey) -> None:
    """Looked after and now and then away from placement (A) or missing (M), one of
    them over 31 March 2026, its return recorded in April."""
    j.day = min(j.day, date(2025, 11, 1))
    await referral(j)
    await accepted(j)
    j.after(0, 3)
    started = await looked_after(j, "C1_INTERIM_CARE_ORDER")
    await care_year(j, started, until=date(2026, 3, 1))
    for kind in ("A_AWAY", "M_MISSING"):
        j.after(1, 10)
        if j.day >= date(2026, 3, 20):
            break
        back = j.day + timedelta(days=j.rng.randint(0, 2))
        j.note(f"{kind} to {back}")
        await j.child.went_missing(j.day, back, kind=kind)
        j.day = back
    gone = date(2026, 3, j.rng.randint(25, 31))
    back = date(2026, 4, j.rng.randint(1, 6))
    kind = j.rng.choice(("A_AWAY", "M_MISSING"))
    j.day = back
    j.note(f"{kind} {gone} to {back}, recorded after")
    await j.child.went_missing(gone, back, kind=kind)
    await outcomes(j, started)


async def permanence_broke_down(j: Journey) -> None:
    """A child adopted, under a special guardianship or child arrangements order, or an
    order of a kind nobody now knows (P4), comes into care when it breaks down: the
    order's authority and date (only its month or year on file, now and then) are
    recorded as care begins; then home."""
    await referral(j)
    await accepted(j)
    j.after(0, 5)
    started = await looked_after(
        j, j.rng.choice(("V2_SINGLE_PERIOD_OF_ACCOMMODATION", "C1_INTERIM_CARE_ORDER"))
    )
    ordered = j.child.born + timedelta(
        days=j.rng.randint(30, max(31, (started - j.child.born).days - 30))
    )
    permanence = j.rng.choice(PERMANENCE)
    known: dict[str, object] = {"orderDate": ordered}
    if permanence == "P4_UNKNOWN" or j.chance(0.3):
        parts = {"year": ordered.year, "month": ordered.month}
        # A month or a year that may hold the start of care is no date the return can
        # give (the hub warns of it, 903 rule 632): then the day is found.
        choices: list[dict[str, int]] = [{}]
        if (ordered.year, ordered.month) < (started.year, started.month):
            choices.append(parts)
        if ordered.year < started.year:
            choices.append({"year": ordered.year})
        known = {"orderDateKnown": j.rng.choice(choices)}
    j.note(f"previous permanence {permanence} {known}")
    await j.child.fact(
        "recordPreviousPermanence", on=started, permanence=permanence, localAuthority="919", **known
    )
    ends = started + timedelta(days=j.rng.randint(30, 400))
    await care_year(j, started, until=ends - timedelta(days=1))
    await outcomes(j, started)
    if ends > HORIZON or ends >= j.eighteenth:
        return
    j.day = max(j.day, ends)
    j.note("home")
    await j.child.left_care(j.day, "E4A_RETURNED_HOME_AS_PLANNED")
    await close(j)


async def young_mother_in_care(j: Journey) -> None:
    """A girl of 15 to 17 in care who has a baby while looked after (SSDA903 MOTHER and
    MC_DOB), recorded some days later."""
    await referral(j)
    await accepted(j)
    j.after(0, 5)
    started = await looked_after(j, "C2_FULL_CARE_ORDER")
    limit = min(HORIZON, j.eighteenth - timedelta(days=1))
    baby = started + timedelta(days=j.rng.randint(30, 300))
    await care_year(j, started, until=min(baby, limit))
    await outcomes(j, started)
    if baby > limit:
        return
    j.day = max(j.day, baby) + timedelta(days=j.rng.randint(0, 20))
    if j.day > HORIZON:
        return
    j.note(f"became a mother {baby}")
    await j.child.fact("recordMotherhood", on=j.day, babyBornOn=baby)
    if j.eighteenth > HORIZON:
        return
    j.day = max(j.day, j.eighteenth)
    j.note("left care at 18, with her baby")
    await j.child.left_care(j.eighteenth, "E5_INDEPENDENT_LIVING_WITH_SUPPORT", care_leaver=True)
    await j.child.closed(j.eighteenth, RC7)


async def asylum_seeker_leaving_at_seventeen(j: Journey) -> None:
    """An unaccompanied asylum-seeking child of 16, accommodated on arrival, granted leave
    to remain and moving to supported lodgings at 17 as a care leaver; the 18th birthday
    contact."""
    await j.child.referred(j.day, "POLICE")
    j.note("referral (UASC)")
    await j.child.accepted(j.day, "N8_ABSENT_PARENTING")
    started = await looked_after(j, "V2_SINGLE_PERIOD_OF_ACCOMMODATION")
    await j.child.fact("recordUascStatus", on=started)
    await j.child.fact("recordUpnUnknown", reason="UN3_EDUCATED_OUTSIDE_ENGLAND", on=started)
    leaves = max(started + timedelta(days=j.rng.randint(100, 300)), _birthday(j.child.born, 17))
    leaves = min(leaves, j.eighteenth - timedelta(days=1))
    await care_year(j, started, until=leaves - timedelta(days=1))
    await outcomes(j, started)
    if leaves > HORIZON:
        return
    j.day = max(j.day, leaves)
    if j.day >= j.eighteenth:
        return
    j.note("leave to remain, left care at 17")
    await j.child.fact("recordUascStatus", on=started, ceasedOn=j.day)
    await j.child.left_care(j.day, "E5_INDEPENDENT_LIVING_WITH_SUPPORT", care_leaver=True)
    await j.child.closed(j.day, RC7)
    contact = j.eighteenth + timedelta(days=j.rng.randint(-20, 20))
    if j.day < contact <= HORIZON:
        j.day = contact
        j.note("care leaver contact at 18")
        await j.child.care_leaver_contact(contact)


JOURNEYS: tuple[tuple[Callable[[Journey], Awaitable[None]], int], ...] = (
    (no_further_action, 2),
    (assessed_and_closed, 2),
    (child_in_need, 3),
    (child_protection, 3),
    (looked_after_and_home, 3),
    (turning_eighteen_in_care, 1),
    (adopted, 1),
    (pre_birth, 1),
    (protection_then_care, 2),
    (transferred_in, 1),
    (eighteen_on_a_plan, 1),
    (short_breaks, 1),
    (asylum_seeker, 1),
    (adoption_reversed, 1),
    (died, 1),
    (care_twice, 1),
    (missing_over_the_year_end, 1),
    (fostered_for_adoption, 1),
    (closed_and_referred_the_same_day, 1),
    (started_in_error, 1),
    (left_care_before_eighteen, 1),
    (away_and_missing, 1),
    (permanence_broke_down, 1),
    (young_mother_in_care, 1),
    (asylum_seeker_leaving_at_seventeen, 1),
)
ASYLUM = (asylum_seeker, asylum_seeker_leaving_at_seventeen)
SYLLABLES = ("ka", "lo", "mi", "ra", "te", "zu", "no", "vi", "sa", "be", "dö", "ré")
FAMILIES = ("Stone", "Reyes", "Okafor", "Nowak", "Singh", "Ó Briain", "Łukasz", "Müller")


@dataclass
class Generated:
    """What was generated for one child: its journey's name and the steps, dated."""

    name: str
    journey: str
    child_id: str
    log: list[str]


async def generate(
    client: httpx.AsyncClient, settings: Settings, seed: int, children: int
) -> list[Generated]:
    """Record `children` random journeys (seeded) through the API; what each was."""
    rng = random.Random(seed)
    played = []
    kinds = [kind for kind, weight in JOURNEYS for _ in range(weight)]
    window = (LAST_REFERRAL - FIRST_REFERRAL).days
    for number in range(children):
        # Every kind of journey once, then as often as its weight says.
        kind = JOURNEYS[number][0] if number < len(JOURNEYS) else rng.choice(kinds)
        first = FIRST_REFERRAL + timedelta(days=rng.randint(0, window))
        unborn = kind is pre_birth
        if unborn:
            born = first + timedelta(days=rng.randint(40, 150))
        elif kind in (turning_eighteen_in_care, eighteen_on_a_plan, asylum_seeker):
            born = _birthday(first, -17) + timedelta(days=rng.randint(30, 300))
        elif kind in (left_care_before_eighteen, asylum_seeker_leaving_at_seventeen):
            born = _birthday(first, -16) - timedelta(days=rng.randint(0, 250))
        elif kind is young_mother_in_care:
            born = _birthday(first, -15) - timedelta(days=rng.randint(0, 700))
        elif kind in (adopted, adoption_reversed, fostered_for_adoption):
            born = first - timedelta(days=rng.randint(20, 900))
        else:
            born = first - timedelta(days=rng.randint(200, 365 * 16))
        # Names of different children should not read as one child's: a given name of its
        # own, the number in the family's; with hundreds of children two may still share a
        # given name and a birthday, and the worker confirms each is new.
        given = "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize()
        name = f"{given} {rng.choice(FAMILIES)}-{seed}-{number}"
        school_age = not unborn and _age(born, date(2026, 3, 31)) >= SCHOOL_AGE
        sex = rng.choice(("M", "F"))
        child = Child(
            client,
            settings,
            name,
            born,
            unborn=unborn,
            sex="F" if kind is young_mother_in_care else sex,
            ethnicity=rng.choice(ETHNICITIES),
            # An asylum-seeking child arrives with no UPN (educated outside England).
            upn=hertfordshire_upn(name) if school_age and kind not in ASYLUM else None,
            upn_unknown=None if school_age or unborn else "UN1_NOT_OF_SCHOOL_AGE",
            confirm_new=True,
        )
        journey = Journey(child, random.Random(rng.random()), first)
        try:
            await kind(journey)
        except Horizon:
            await journey.catch_up()
        except AssertionError as problem:
            raise AssertionError(
                f"seed {seed} child {number} ({kind.__name__}) refused after:\n"
                + "\n".join(journey.log)
            ) from problem
        played.append(Generated(name, kind.__name__, child.child_id, journey.log))
    return played
