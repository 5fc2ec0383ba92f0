"""Case journeys for the demo county, driven through the workflow engine as a worker would.

Each journey family is the demo social worker's (so "my work" and the team view have
plans, conferences, reviews and visits to show); the school-age children attend the demo
school (so the education persona sees pupils who are in need, on a plan and looked
after); the health persona can look up children on a plan or looked after, and an
unborn child with a pre-birth plan, by NHS number. Dates are counted back from the
county's `today` so the due dates are current whenever the demo is loaded.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from demo import personas
from graph import name_key_fields
from graph.cypher import bulk
from graph.cypher import workforce as workforce_statements
from graph.cypher.access import AccessScope
from workflow import facts, fostering, journey
from workflow import process as table
from workflow.calendar import birthday
from workflow.codes import (
    AdopterSex,
    AssessmentFactor,
    CareLeaverAccommodation,
    CareLeaverActivity,
    CareLeaverInTouch,
    CategoryOfAbuse,
    LegalStatus,
    PlacementProvider,
    PlacementType,
    PreviousPermanence,
    PrimaryNeedCode,
    ReasonEpisodeCeased,
    ReasonForClosure,
    ReasonPlaceChange,
    ReferralSource,
    ReviewParticipation,
    SocialWorkerChangeReason,
    UPNUnknown,
)
from workflow.contacts import (
    ContactOutcome,
    NewChild,
    RecordContact,
    finalise_contact,
    record_contact,
)
from workflow.journey import adoption, care
from workflow.journey.effects import Clock
from workflow.timescales import DEFAULT_LOCAL_STANDARDS

if TYPE_CHECKING:
    from demo.county import County
    from graph import GraphStore, Row
    from workflow.calendar import WorkingDayCalendar

WORKER = "worker-sw-demo"
MANAGER = "worker-tm-demo"


@dataclass(frozen=True, slots=True)
class JourneyChild:
    """A journey family's child: what the journey does, how old the child is, and how long
    ago the case began (the referral, or for short breaks the first allocation): the
    demo worker has held it since, so the 903's social worker episodes cover the care."""

    kind: str
    given_name: str
    family_name: str
    age_days: int
    sex: str
    began_days_ago: int


# CIN: a child in need plan; CP: a child protection plan with its first review held;
# LOOKED_AFTER: placements, reviews, visits, health and education; CARE_LEAVER: care
# ended at 16 with a pathway plan; PRE_BIRTH: an unborn child's pre-birth plan;
# ADOPTION: placed with adopters under a placement order; SHORT_BREAKS: V3 breaks with
# an approved household.
JOURNEY_CHILDREN: tuple[JourneyChild, ...] = (
    JourneyChild("CIN", "Poppy", "Ashworth", 10 * 365 + 40, "F", 120),
    JourneyChild("CP", "Jacob", "Brennan", 8 * 365 + 100, "M", 160),
    JourneyChild("LOOKED_AFTER", "Maisie", "Carter", 12 * 365 + 200, "F", 200),
    # Referred at 15, looked after until 16 and a half.
    JourneyChild("CARE_LEAVER", "Tyler", "Dunmore", 17 * 365 + 90, "M", 2 * 365 + 90),
    # Referred before her first birthday; in care for more than a year.
    JourneyChild("ADOPTION", "Rosie", "Ellery", 2 * 365 + 60, "F", 440),
    JourneyChild("SHORT_BREAKS", "Ethan", "Fairbairn", 9 * 365 + 10, "M", 90),
)
# The demo school sees pupils in need, on a plan and looked after.
AT_THE_DEMO_SCHOOL = frozenset({"CIN", "CP", "LOOKED_AFTER"})
# Due in ten weeks: a negative age.
UNBORN = JourneyChild("PRE_BIRTH", "Baby", "Brennan", -70, "U", 60)
# Real postcodes in Hertfordshire (the demo LA, 919), each a public building's, so no
# demo address is anyone's home; the DfE's validator looks up the home and placement
# postcodes of a looked-after child for the placement's LA and distance.
HOMES: tuple[tuple[str, str], ...] = (
    ("Stevenage", "SG1 1HN"),  # Daneshill House, Stevenage Borough Council
    ("Hertford", "SG13 8DQ"),  # County Hall, Hertfordshire County Council
    ("Letchworth Garden City", "SG6 3JF"),  # North Hertfordshire District Council
    ("St Albans", "AL1 3JE"),  # St Albans Civic Centre
    ("Hemel Hempstead", "HP1 1DN"),  # The Forum, Dacorum Borough Council
    ("Welwyn Garden City", "AL8 6AE"),  # Welwyn Hatfield Borough Council
)
FOSTER_CARERS = "SG13 8EQ"  # Wallfields, East Hertfordshire District Council
LONG_TERM_CARERS = "WD3 1RL"  # Three Rivers House, Three Rivers District Council
CHILDRENS_HOME = "WD6 1WA"  # Civic Offices, Hertsmere Borough Council
ADOPTERS = "WD17 3EX"  # Watford Town Hall


def plan(
    county: County,
    rng: random.Random,
    today: date,
    new_nhs_number: Callable[[random.Random], str],
    new_upn: Callable[[random.Random, int], str],
) -> None:
    """Add the journey families' rows to `county` and list the journeys to drive.

    Their allocations come after every generated family's, so the generated children
    keep their places in the demo worker's caseload.
    """
    for number, spec in enumerate(JOURNEY_CHILDREN):
        family_id = f"family-journey-{number}"
        house = rng.randint(1, 80)
        # One draw, as the postcode always took: the NHS numbers and UPNs drawn after it
        # (the README's examples) stay the same.
        town, postcode = HOMES[rng.randint(1, 9) % len(HOMES)]
        address = {
            "id": f"address-journey-{number}",
            "line1": f"{house} Mill Lane",
            "town": town,
            "postcode": postcode,
        }
        county.families.append(
            {"id": family_id, "name": f"{spec.family_name} household", "address": address}
        )
        mother_id = f"p-journey-{number}-m"
        child_id = f"CJ{number:05d}"
        for person_id, given, sex, born, is_child, role in (
            (mother_id, "Kerry", "F", today - timedelta(days=33 * 365), False, "MOTHER"),
            (
                child_id,
                spec.given_name,
                spec.sex,
                today - timedelta(days=spec.age_days),
                True,
                "CHILD",
            ),
        ):
            county.people.append(
                {
                    "id": person_id,
                    "givenName": given,
                    "familyName": spec.family_name,
                    **name_key_fields(spec.family_name),
                    "sex": sex,
                    "dateOfBirth": born.isoformat(),
                    "ethnicity": "WBRI",
                    "nhsNumber": new_nhs_number(rng),
                    "upn": new_upn(rng, 900 + number)
                    if is_child and spec.age_days > 5 * 365
                    else None,
                    "family": family_id,
                    "address": address["id"],
                    "householdRole": role,
                    "child": is_child,
                }
            )
        county.relationships.append({"from": child_id, "to": mother_id, "type": "MOTHER"})
        began = today - timedelta(days=spec.began_days_ago)
        county.allocations.append(
            {
                "child": child_id,
                "worker": WORKER,
                "team": personas.SAFEGUARDING_TEAM,
                "startDate": began.isoformat(),
            }
        )
        if spec.kind in AT_THE_DEMO_SCHOOL:
            county.school_places.append({"child": child_id, "school": personas.DEMO_SCHOOL})
        county.journeys.append(
            {
                "kind": spec.kind,
                "childId": child_id,
                "motherId": mother_id,
                "began": began,
                "homePostcode": postcode,
            }
        )
        if spec.kind == "CP":
            # The CP child's mother is expecting: the unborn sibling has a pre-birth plan.
            county.journeys.append(
                {
                    "kind": UNBORN.kind,
                    "childId": None,
                    "motherId": mother_id,
                    "siblingId": child_id,
                    "expectedDateOfBirth": today - timedelta(days=UNBORN.age_days),
                    "nhsNumber": new_nhs_number(rng),
                    "began": today - timedelta(days=UNBORN.began_days_ago),
                }
            )


class Driver:
    """Takes journey actions as the demo worker, and authorises them as their manager."""

    def __init__(self, store: GraphStore, calendar: WorkingDayCalendar, today: date) -> None:
        now_ms = int(datetime.now(UTC).timestamp() * 1000)
        team = personas.SAFEGUARDING_TEAM
        self.store = store
        self.calendar = calendar
        self.today = today
        self.worker = AccessScope(viewer=WORKER, team=team, view_all=False, now_ms=now_ms)
        self.manager = AccessScope(viewer=MANAGER, team=team, view_all=False, now_ms=now_ms)
        self.clock = Clock(today=today, calendar=calendar, standards=DEFAULT_LOCAL_STANDARDS)

    def wd(self, start: date, days: int) -> date:
        return self.calendar.add_working_days(start, days)

    async def referral(
        self,
        child_id: str | None,
        received: date,
        source: ReferralSource | None = None,
        **new: Any,
    ) -> tuple[str, str]:
        """A contact finalised as a referral: (the child's id, the referral's id)."""
        if source is None:
            source = ReferralSource.SCHOOLS if child_id else ReferralSource.OTHER_HEALTH_SERVICES
        contact = RecordContact(
            child_id=child_id,
            child=NewChild.model_validate(new) if new else None,
            received_date=received,
            source=source,
            summary="Concerns shared with the front door; see the referral.",
        )
        recorded = await record_contact(self.store, self.worker, contact, self.calendar)
        assert isinstance(recorded, dict), recorded
        finalised = await finalise_contact(
            self.store,
            self.worker,
            recorded["id"],
            ContactOutcome.REFERRAL_TO_SOCIAL_CARE,
            None,
            self.wd(received, 1),
        )
        assert isinstance(finalised, dict), finalised
        return str(finalised["childId"]), str(finalised["referralId"])

    async def fact(self, mutation: str, data: facts.FactInput) -> None:
        """Record one of the facts the returns ask for, as the worker."""
        recorded = await facts.record_fact(
            self.store, self.worker, facts.SPECS[mutation], data, WORKER
        )
        assert isinstance(recorded, dict), (mutation, recorded)

    async def looked_after_from(self, data: care.StartLookedAfter, home_postcode: str) -> str:
        """Start a period of care with what the 903 asks of it recorded first: where the
        child lived before (HOME_POST) and any previous permanence order (PREV_PERM,
        none); the period's id."""
        on = data.started_on
        await self.fact(
            "recordHomePostcode",
            facts.RecordHomePostcode(child_id=data.child_id, on=on, postcode=home_postcode),
        )
        await self.fact(
            "recordPreviousPermanence",
            facts.RecordPreviousPermanence(
                child_id=data.child_id, on=on, permanence=PreviousPermanence.Z1_NONE
            ),
        )
        started = await care.start_looked_after(self.store, self.worker, data, self.clock)
        assert isinstance(started, dict), started
        return str(started["record"]["id"])

    async def act(self, process: table.Process, record_id: str, action: str, **raw: Any) -> Row:
        done = await journey.perform(
            self.store,
            self.worker,
            process,
            record_id,
            action,
            await self._version(process, record_id),
            _plain(raw),
            self.clock,
        )
        assert isinstance(done, dict), (action, done)
        if proposed_on := done["record"].get("pendingOn"):
            # The manager authorises on the day the work was done.
            authorised = await journey.authorise(
                self.store,
                self.manager,
                process,
                record_id,
                done["record"]["version"],
                self.clock,
                date.fromisoformat(proposed_on),
            )
            assert isinstance(authorised, dict), authorised
            done = authorised
        return done

    async def _version(self, process: table.Process, record_id: str) -> int:
        # Records of an episode move when others in it do (the episode's rules may end
        # them): read the version each time.
        record = await journey.read_record(self.store, self.worker, process, record_id)
        assert record is not None, record_id
        return record.version

    async def decided(self, referral_id: str, referred: date) -> None:
        """The referral accepted the next working day (neglect), and authorised."""
        await self.act(
            table.Process.CASE,
            referral_id,
            "decideReferral",
            decidedOn=self.wd(referred, 1),
            primaryNeed=PrimaryNeedCode.N1_ABUSE_OR_NEGLECT.value,
        )

    async def open_record(
        self, referral_id: str, process: table.Process, action: str, **raw: Any
    ) -> str:
        """Take an episode action that opens a record of `process`; the new record's id."""
        row = await self.act(table.Process.CASE, referral_id, action, **raw)
        return newest(row, process)

    async def assessed(
        self, referral_id: str, referred: date, factors: list[str], completed_after: int = 25
    ) -> None:
        """Referral decided and authorised, assessment started, completed and authorised."""
        await self.decided(referral_id, referred)
        assessment = await self.open_record(
            referral_id, ASSESSMENT, "startAssessment", startedOn=self.wd(referred, 2)
        )
        await self.act(
            ASSESSMENT,
            assessment,
            "completeAssessment",
            completedOn=self.wd(referred, completed_after),
            factors=factors,
        )


ASSESSMENT = table.Process.ASSESSMENT


def newest(row: Row, process: table.Process) -> str:
    """The latest record of `process` in the episode a journey row belongs to."""
    found = [p["record"] for p in row["processes"] if p["record"]["process"] == process.value]
    return str(max(found, key=lambda record: record["createdAt"])["id"])


def _plain(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value.isoformat() if isinstance(value, date) else value for key, value in raw.items()
    }


def _due(row: Row, kind: str) -> date | None:
    open_steps = [s for s in row["steps"] if s["kind"] == kind and s["status"] == "OPEN"]
    return max((s["dueDate"] for s in open_steps if s.get("dueDate")), default=None)


async def child_in_need(driver: Driver, child_id: str, referred: date) -> None:
    _, referral = await driver.referral(child_id, referred)
    await driver.assessed(
        referral, referred, [AssessmentFactor.MENTAL_HEALTH_PARENT_OR_CARER.value]
    )
    start = driver.wd(referred, 32)
    plan = await driver.open_record(
        referral, table.Process.CHILD_IN_NEED_PLAN, "startChildInNeedPlan", startDate=start
    )
    await driver.act(
        table.Process.CHILD_IN_NEED_PLAN,
        plan,
        "recordChildInNeedVisit",
        visitedOn=driver.wd(start, 15),
        seenAlone=True,
    )


async def child_protection(driver: Driver, child_id: str, referred: date) -> None:
    """The strategy discussion, the section 47 enquiry and the assessment all start the day
    after the referral and run side by side; the conference is held (and the plan made)
    before the assessment is authorised."""
    _, referral = await driver.referral(child_id, referred)
    await driver.decided(referral, referred)
    strategy = driver.wd(referred, 1)
    assessment = await driver.open_record(
        referral, ASSESSMENT, "startAssessment", startedOn=strategy
    )
    await _protection_plan(driver, referral, strategy, CategoryOfAbuse.EMO_EMOTIONAL_ABUSE)
    await driver.act(
        ASSESSMENT,
        assessment,
        "completeAssessment",
        completedOn=driver.wd(referred, 30),
        factors=[AssessmentFactor.DOMESTIC_ABUSE_PARENT_OR_CARER.value],
    )


async def _protection_plan(
    driver: Driver, referral: str, strategy: date, category: CategoryOfAbuse
) -> Row:
    enquiry = await driver.open_record(
        referral, table.Process.SECTION_47_ENQUIRY, "holdStrategyDiscussion", heldOn=strategy
    )
    row = await driver.act(
        table.Process.SECTION_47_ENQUIRY,
        enquiry,
        "requestInitialConference",
        concludedOn=driver.wd(strategy, 8),
    )
    # Working Together 2023: the ICPC within 15 working days of the strategy discussion.
    held = driver.wd(strategy, 12)
    row = await driver.act(
        table.Process.INITIAL_CONFERENCE,
        newest(row, table.Process.INITIAL_CONFERENCE),
        "holdInitialConference",
        heldOn=held,
        planRequired=True,
        categoriesOfAbuse=[category.value],
    )
    plan_process = table.Process.CHILD_PROTECTION_PLAN
    plan = newest(row, plan_process)
    if driver.wd(held, 8) <= driver.today:
        row = await driver.act(plan_process, plan, "holdCoreGroup", heldOn=driver.wd(held, 8))
        row = await driver.act(
            plan_process,
            plan,
            "recordChildProtectionVisit",
            visitedOn=driver.wd(held, 9),
            seenAlone=True,
        )
    review_due = _due(row, "CHILD_PROTECTION_REVIEW")
    if review_due is not None and review_due <= driver.today:
        row = await driver.act(plan_process, plan, "holdReviewConference", heldOn=review_due)
    return row


async def pre_birth(driver: Driver, journey_row: dict[str, Any]) -> str:
    referred: date = journey_row["began"]
    child_id, referral = await driver.referral(
        None,
        referred,
        givenName=UNBORN.given_name,
        familyName=UNBORN.family_name,
        unborn=True,
        expectedDateOfBirth=journey_row["expectedDateOfBirth"],
        nhsNumber=journey_row["nhsNumber"],
    )
    # The unborn child joins the sibling's worker and the mother on the record.
    allocation = {
        "id": f"allocation-{child_id}",
        "child": child_id,
        "worker": WORKER,
        "team": personas.SAFEGUARDING_TEAM,
        "startDate": referred.isoformat(),
        "reason": SocialWorkerChangeReason.FCONTA_FIRST_CONTACT_OR_REREFERRAL.value,
        "recordedAt": driver.worker.now_ms,
    }
    await driver.store.write(workforce_statements.LOAD_ALLOCATIONS, {"rows": [allocation]})
    await driver.store.write(
        bulk.LOAD_RELATIONSHIPS,
        {"rows": [{"from": child_id, "to": journey_row["motherId"], "type": "MOTHER"}]},
    )
    await driver.assessed(
        referral, referred, [AssessmentFactor.DRUG_MISUSE_PARENT_OR_CARER.value], 15
    )
    await _protection_plan(driver, referral, driver.wd(referred, 16), CategoryOfAbuse.NEG_NEGLECT)
    return child_id


async def _fostered_after_assessment(
    driver: Driver, planned: dict[str, Any], source: ReferralSource | None = None
) -> tuple[date, str]:
    """Referred, assessed (neglect), then looked after on an interim care order with
    foster carers 27 working days later: (the day care began, the period of care)."""
    referred = planned["began"]
    _, referral = await driver.referral(planned["childId"], referred, source)
    await driver.assessed(referral, referred, [AssessmentFactor.NEGLECT.value])
    start = driver.wd(referred, 27)
    period = await _start_care(
        driver,
        planned,
        start,
        LegalStatus.C1_INTERIM_CARE_ORDER,
        PlacementType.U6_FOSTER_OTHER_CARER_OTHER,
    )
    return start, period


async def looked_after(driver: Driver, planned: dict[str, Any]) -> None:
    start, period = await _fostered_after_assessment(driver, planned)
    process = table.Process.CARE
    # Reg 28: within a week of the placement (2 working days stays inside it at Easter).
    await driver.act(process, period, "recordStatutoryVisit", on=driver.wd(start, 2))
    await driver.act(process, period, "recordHealthAssessment", on=driver.wd(start, 12))
    await driver.act(process, period, "recordPersonalEducationPlan", on=driver.wd(start, 15))
    await driver.act(
        process,
        period,
        "holdLookedAfterReview",
        heldOn=driver.wd(start, 18),
        participation=ReviewParticipation.PN1_ATTENDS_AND_SPEAKS.value,
    )
    moved = driver.wd(start, 30)
    await driver.act(
        process,
        period,
        "changePlacement",
        changedOn=moved,
        placementType=PlacementType.U4_FOSTER_OTHER_CARER_LONG_TERM.value,
        placementProvider=PlacementProvider.PR4_PRIVATE.value,
        reason=ReasonPlaceChange.CARPL_CARE_PLAN.value,
        longTermPlacement=True,
        placementPostcode=LONG_TERM_CARERS,
    )
    await driver.act(process, period, "recordStatutoryVisit", on=driver.wd(moved, 2))
    row = await driver.act(
        process,
        period,
        "changeLegalStatus",
        changedOn=driver.wd(moved, 20),
        legalStatus=LegalStatus.C2_FULL_CARE_ORDER.value,
    )
    review_due = _due(row, "LOOKED_AFTER_REVIEW")
    if review_due is not None and review_due <= driver.today:
        await driver.act(
            process,
            period,
            "holdLookedAfterReview",
            heldOn=review_due,
            participation=ReviewParticipation.PN1_ATTENDS_AND_SPEAKS.value,
        )


async def care_leaver(driver: Driver, planned: dict[str, Any], born: date) -> None:
    # Referred at 15 and looked after under section 20; moved to supported lodgings at 16
    # and a half, when the episode of need closed; in touch around the 17th birthday.
    child_id, referred = planned["childId"], planned["began"]
    _, referral = await driver.referral(child_id, referred)
    await driver.assessed(referral, referred, [AssessmentFactor.MENTAL_HEALTH_CHILD.value])
    start = driver.wd(referred, 27)
    data = care.StartLookedAfter(
        child_id=child_id,
        started_on=start,
        legal_status=LegalStatus.V2_SINGLE_PERIOD_OF_ACCOMMODATION,
        placement_type=PlacementType.K2_CHILDRENS_HOME,
        placement_provider=PlacementProvider.PR4_PRIVATE,
        # A children's home is Ofsted-registered: its placements carry the home's URN.
        urn="SC400123",
        placement_postcode=CHILDRENS_HOME,
    )
    period = await driver.looked_after_from(data, planned["homePostcode"])
    process = table.Process.CARE
    await driver.act(process, period, "recordStatutoryVisit", on=driver.wd(start, 2))
    await driver.act(
        process,
        period,
        "holdLookedAfterReview",
        heldOn=driver.wd(start, 19),
        participation=ReviewParticipation.PN1_ATTENDS_AND_SPEAKS.value,
    )
    # SSDA903 OC2 (rules 186, 197B): the SDQ of a child looked after for a year at 31 March.
    # Eleven months into care it falls in the year of any 31 March he had been in care a
    # year by.
    sdq = facts.RecordSdq(child_id=child_id, on=start + timedelta(days=335), score=14)
    await driver.fact("recordSdq", sdq)
    ended = born + timedelta(days=16 * 365 + 180)
    await driver.act(
        process,
        period,
        "ceaseLookedAfter",
        endedOn=ended,
        reason=ReasonEpisodeCeased.E5_INDEPENDENT_LIVING_WITH_SUPPORT.value,
        careLeaver=True,
    )
    await driver.act(
        table.Process.CASE,
        referral,
        "closeCase",
        closedOn=ended,
        reason=ReasonForClosure.RC7_SERVICES_CEASED_FOR_ANY_OTHER_REASON.value,
    )
    await driver.act(process, period, "recordPathwayPlan", on=driver.wd(ended, 10))
    # SSDA903 OC3: the contact around the 17th birthday (within two months of it).
    await driver.act(
        process,
        period,
        "recordCareLeaverContact",
        on=driver.wd(birthday(born, 17), 2),
        inTouch=CareLeaverInTouch.YES_IN_TOUCH.value,
        activity=CareLeaverActivity.F2_FULL_TIME_OTHER_EDUCATION.value,
        accommodation=CareLeaverAccommodation.E1_SUPPORTED_LODGINGS_SUITABLE.value,
    )


async def _start_care(
    driver: Driver, planned: dict[str, Any], start: date, status: LegalStatus, place: PlacementType
) -> str:
    """Placed with the council's own foster carers."""
    data = care.StartLookedAfter(
        child_id=planned["childId"],
        started_on=start,
        legal_status=status,
        placement_type=place,
        placement_provider=PlacementProvider.PR1_OWN_PROVISION,
        placement_postcode=FOSTER_CARERS,
    )
    return await driver.looked_after_from(data, planned["homePostcode"])


async def adoption_journey(driver: Driver, planned: dict[str, Any]) -> None:
    start, period = await _fostered_after_assessment(driver, planned, ReferralSource.HEALTH_VISITOR)
    care_process, process = table.Process.CARE, table.Process.ADOPTION
    await driver.act(care_process, period, "recordStatutoryVisit", on=driver.wd(start, 2))
    await driver.act(
        care_process,
        period,
        "holdLookedAfterReview",
        heldOn=driver.wd(start, 18),
        participation=ReviewParticipation.PN0_UNDER_FOUR.value,
    )
    decision = adoption.DecideAdoption(period_of_care_id=period, decided_on=driver.wd(start, 70))
    decided = await adoption.decide_adoption(driver.store, driver.worker, decision, driver.clock)
    assert isinstance(decided, dict), decided
    plan = str(decided["record"]["id"])
    order = driver.wd(start, 100)
    await driver.act(process, plan, "recordPlacementOrder", grantedOn=order)
    await driver.act(
        care_process,
        period,
        "changeLegalStatus",
        changedOn=order,
        legalStatus=LegalStatus.E1_PLACEMENT_ORDER.value,
    )
    matched = driver.today - timedelta(days=100)
    await driver.act(
        process,
        plan,
        "matchWithAdopters",
        matchedOn=matched,
        adopterSex=AdopterSex.MF_MIXED_COUPLE.value,
    )
    placed = driver.wd(matched, 20)
    await driver.act(process, plan, "placeForAdoption", placedOn=placed)
    await driver.act(
        care_process,
        period,
        "changePlacement",
        changedOn=placed,
        placementType=PlacementType.A6_PLACED_FOR_ADOPTION_WITH_PLACEMENT_ORDER_NOT_WITH_CURRENT_FOSTER_CARER.value,
        placementProvider=PlacementProvider.PR1_OWN_PROVISION.value,
        reason=ReasonPlaceChange.CARPL_CARE_PLAN.value,
        longTermPlacement=True,
        placementPostcode=ADOPTERS,
    )
    await driver.act(care_process, period, "recordStatutoryVisit", on=driver.wd(placed, 2))


async def short_breaks(driver: Driver, child_id: str) -> None:
    approval = fostering.ApproveHousehold(
        name="The Okafor household",
        approval_type=fostering.FosteringApprovalType.SHORT_BREAKS,
        approved_on=driver.today - timedelta(days=500),
        capacity=2,
    )
    household = await fostering.approve_household(driver.store, driver.manager, approval)
    # The SSDA903 asks of every child who starts to be looked after, short breaks too,
    # whether an earlier order gave them permanence (PREV_PERM; none).
    await driver.fact(
        "recordPreviousPermanence",
        facts.RecordPreviousPermanence(
            child_id=child_id,
            on=driver.today - timedelta(days=60),
            permanence=PreviousPermanence.Z1_NONE,
        ),
    )
    for days_ago in (60, 30):
        started = driver.today - timedelta(days=days_ago)
        stay = fostering.RecordShortBreak(
            child_id=child_id,
            legal_status=LegalStatus.V3_SHORT_BREAKS_EPISODES,
            started_on=started,
            ended_on=started + timedelta(days=2),
            placement_type=PlacementType.U6_FOSTER_OTHER_CARER_OTHER,
            placement_provider=PlacementProvider.PR1_OWN_PROVISION,
            household_id=household["id"],
        )
        recorded = await fostering.record_short_break(driver.store, driver.worker, stay)
        assert isinstance(recorded, dict), recorded


async def drive(store: GraphStore, county: County, calendar: WorkingDayCalendar) -> None:
    """Run every planned journey through the workflow engine."""
    driver = Driver(store, calendar, county.today)
    children = {p["id"]: p for p in county.people if p["child"]}
    for planned in county.journeys:
        kind = planned["kind"]
        child = children.get(planned["childId"])
        if child is not None and child["upn"] is None:
            # Both returns ask why a child has no UPN: too young for school.
            unknown = facts.RecordUpnUnknown(
                child_id=child["id"], on=planned["began"], reason=UPNUnknown.UN1_NOT_OF_SCHOOL_AGE
            )
            await driver.fact("recordUpnUnknown", unknown)
        if kind == "CIN":
            await child_in_need(driver, planned["childId"], planned["began"])
        elif kind == "CP":
            await child_protection(driver, planned["childId"], planned["began"])
        elif kind == "PRE_BIRTH":
            planned["childId"] = await pre_birth(driver, planned)
            # The county's rows stay the whole truth of who is allocated to whom.
            county.allocations.append(
                {"child": planned["childId"], "worker": WORKER, "team": personas.SAFEGUARDING_TEAM}
            )
        elif kind == "LOOKED_AFTER":
            await looked_after(driver, planned)
        elif kind == "CARE_LEAVER":
            assert child is not None, planned
            await care_leaver(driver, planned, date.fromisoformat(child["dateOfBirth"]))
        elif kind == "ADOPTION":
            await adoption_journey(driver, planned)
        elif kind == "SHORT_BREAKS":
            await short_breaks(driver, planned["childId"])
        else:
            raise ValueError(f"no demo journey {kind}")
