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
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bench import personas
from graph.cypher import bulk
from graph.cypher.access import AccessScope
from workflow import journey
from workflow import process as table
from workflow.codes import (
    AssessmentFactor,
    CategoryOfAbuse,
    LegalStatus,
    PlacementProvider,
    PlacementType,
    PrimaryNeedCode,
    ReasonEpisodeCeased,
    ReasonPlaceChange,
    ReferralSource,
    ReviewParticipation,
)
from workflow.contacts import (
    ContactOutcome,
    NewChild,
    RecordContact,
    finalise_contact,
    record_contact,
)
from workflow.journey import care
from workflow.journey.effects import Clock
from workflow.timescales import DEFAULT_LOCAL_STANDARDS

if TYPE_CHECKING:
    from graph import GraphStore, Row
    from workflow.calendar import WorkingDayCalendar

WORKER = "worker-sw-demo"
MANAGER = "worker-tm-demo"


@dataclass(frozen=True, slots=True)
class JourneyChild:
    """A journey family's child: what the journey does and how old the child is."""

    kind: str
    given_name: str
    family_name: str
    age_days: int
    sex: str


# CIN: a child in need plan; CP: a child protection plan with its first review held;
# LOOKED_AFTER: placements, reviews, visits, health and education; CARE_LEAVER: care
# ended at 16 with a pathway plan; PRE_BIRTH: an unborn child's pre-birth plan.
JOURNEY_CHILDREN: tuple[JourneyChild, ...] = (
    JourneyChild("CIN", "Poppy", "Ashworth", 10 * 365 + 40, "F"),
    JourneyChild("CP", "Jacob", "Brennan", 8 * 365 + 100, "M"),
    JourneyChild("LOOKED_AFTER", "Maisie", "Carter", 12 * 365 + 200, "F"),
    JourneyChild("CARE_LEAVER", "Tyler", "Dunmore", 17 * 365 + 90, "M"),
)
UNBORN = JourneyChild("PRE_BIRTH", "Baby", "Brennan", -70, "U")


def plan(
    county: Any, rng: random.Random, today: date, new_nhs_number: Any, new_upn: Any
) -> None:
    """Add the journey families' rows to `county` and list the journeys to drive.

    Their allocations come after every generated family's, so the generated children
    keep their places in the demo worker's caseload.
    """
    for number, spec in enumerate(JOURNEY_CHILDREN):
        family_id = f"family-journey-{number}"
        address = {
            "id": f"address-journey-{number}",
            "line1": f"{rng.randint(1, 80)} Mill Lane",
            "town": "Stevenage",
            "postcode": f"SG2 {rng.randint(1, 9)}JX",
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
                    "sex": sex,
                    "dateOfBirth": born.isoformat(),
                    "ethnicity": "WBRI",
                    "nhsNumber": new_nhs_number(rng),
                    "upn": new_upn(rng, 900 + number) if is_child and spec.age_days > 5 * 365 else None,
                    "family": family_id,
                    "address": address["id"],
                    "householdRole": role,
                    "child": is_child,
                }
            )
        county.relationships.append({"from": child_id, "to": mother_id, "type": "MOTHER"})
        county.allocations.append(
            {"child": child_id, "worker": WORKER, "team": personas.SAFEGUARDING_TEAM}
        )
        if spec.age_days > 5 * 365 and spec.kind != "CARE_LEAVER":
            county.school_places.append({"child": child_id, "school": personas.DEMO_SCHOOL})
        county.journeys.append({"kind": spec.kind, "childId": child_id, "motherId": mother_id})
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

    async def referral(self, child_id: str | None, received: date, **new: Any) -> tuple[str, str]:
        """A contact finalised as a referral: (the child's id, the referral's id)."""
        contact = RecordContact(
            child_id=child_id,
            child=NewChild.model_validate(new) if new else None,
            received_date=received,
            source=ReferralSource.SCHOOLS if child_id else ReferralSource.OTHER_HEALTH_SERVICES,
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

    async def act(
        self, process: table.Process, record_id: str, action: str, **raw: Any
    ) -> Row:
        record = await journey.read_record(self.store, self.worker, process, record_id)
        assert record is not None, record_id
        done = await journey.perform(
            self.store,
            self.worker,
            process,
            record_id,
            action,
            record.version,
            _plain(raw),
            self.clock,
        )
        assert isinstance(done, dict), (action, done)
        if table.transition(process, action) and done["record"].get("pendingAction"):
            done = await self.authorise(process, record_id)
        return done

    async def authorise(self, process: table.Process, record_id: str) -> Row:
        record = await journey.read_record(self.store, self.manager, process, record_id)
        assert record is not None, record_id
        done = await journey.authorise(
            self.store, self.manager, process, record_id, record.version, self.clock
        )
        assert isinstance(done, dict), done
        return done

    async def assessed(self, referral_id: str, referred: date, factors: list[str]) -> None:
        """Referral decided and authorised, assessment started, completed and authorised."""
        case = table.Process.CASE
        await self.act(
            case,
            referral_id,
            "decideReferral",
            decidedOn=self.wd(referred, 1),
            primaryNeed=PrimaryNeedCode.N1_ABUSE_OR_NEGLECT.value,
        )
        await self.act(case, referral_id, "startAssessment", startedOn=self.wd(referred, 2))
        await self.act(
            case,
            referral_id,
            "completeAssessment",
            completedOn=self.wd(referred, 25),
            factors=factors,
        )


def _plain(raw: dict[str, Any]) -> dict[str, Any]:
    return {key: value.isoformat() if isinstance(value, date) else value for key, value in raw.items()}


def _due(row: Row, kind: str) -> date | None:
    open_steps = [s for s in row["steps"] if s["kind"] == kind and s["status"] == "OPEN"]
    return max((s["dueDate"] for s in open_steps if s.get("dueDate")), default=None)


async def child_in_need(driver: Driver, child_id: str) -> None:
    referred = driver.today - timedelta(days=120)
    _, referral = await driver.referral(child_id, referred)
    await driver.assessed(
        referral, referred, [AssessmentFactor.MENTAL_HEALTH_PARENT_OR_CARER.value]
    )
    case = table.Process.CASE
    start = driver.wd(referred, 32)
    await driver.act(case, referral, "startChildInNeedPlan", startDate=start)
    await driver.act(
        case, referral, "recordVisit", visitedOn=driver.wd(start, 15), seenAlone=True
    )


async def child_protection(driver: Driver, child_id: str) -> None:
    referred = driver.today - timedelta(days=160)
    _, referral = await driver.referral(child_id, referred)
    await driver.assessed(
        referral, referred, [AssessmentFactor.DOMESTIC_ABUSE_PARENT_OR_CARER.value]
    )
    await _protection_plan(driver, referral, driver.wd(referred, 27), CategoryOfAbuse.EMO_EMOTIONAL_ABUSE)


async def _protection_plan(
    driver: Driver, referral: str, strategy: date, category: CategoryOfAbuse
) -> Row:
    case = table.Process.CASE
    await driver.act(case, referral, "holdStrategyDiscussion", heldOn=strategy)
    await driver.act(
        case, referral, "requestInitialConference", concludedOn=driver.wd(strategy, 8)
    )
    # Working Together 2023: the ICPC within 15 working days of the strategy discussion.
    conference = driver.wd(strategy, 12)
    row = await driver.act(
        case,
        referral,
        "holdInitialConference",
        heldOn=conference,
        planRequired=True,
        categoriesOfAbuse=[category.value],
    )
    if driver.wd(conference, 8) <= driver.today:
        row = await driver.act(case, referral, "holdCoreGroup", heldOn=driver.wd(conference, 8))
        row = await driver.act(
            case, referral, "recordVisit", visitedOn=driver.wd(conference, 9), seenAlone=True
        )
    review_due = _due(row, "CHILD_PROTECTION_REVIEW")
    if review_due is not None and review_due <= driver.today:
        row = await driver.act(case, referral, "holdReviewConference", heldOn=review_due)
    return row


async def pre_birth(driver: Driver, journey_row: dict[str, Any]) -> str:
    referred = driver.today - timedelta(days=60)
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
    await driver.store.write(
        bulk.LOAD_ALLOCATIONS,
        {"rows": [{"child": child_id, "worker": WORKER, "team": personas.SAFEGUARDING_TEAM}]},
    )
    await driver.store.write(
        bulk.LOAD_RELATIONSHIPS,
        {"rows": [{"from": child_id, "to": journey_row["motherId"], "type": "MOTHER"}]},
    )
    case = table.Process.CASE
    await driver.act(
        case,
        referral,
        "decideReferral",
        decidedOn=driver.wd(referred, 1),
        primaryNeed=PrimaryNeedCode.N1_ABUSE_OR_NEGLECT.value,
    )
    await driver.act(case, referral, "startAssessment", startedOn=driver.wd(referred, 2))
    await driver.act(
        case,
        referral,
        "completeAssessment",
        completedOn=driver.wd(referred, 15),
        factors=[AssessmentFactor.DRUG_MISUSE_PARENT_OR_CARER.value],
    )
    await _protection_plan(driver, referral, driver.wd(referred, 16), CategoryOfAbuse.NEG_NEGLECT)
    return child_id


async def looked_after(driver: Driver, child_id: str) -> None:
    referred = driver.today - timedelta(days=200)
    _, referral = await driver.referral(child_id, referred)
    await driver.assessed(referral, referred, [AssessmentFactor.NEGLECT.value])
    start = driver.wd(referred, 27)
    data = care.StartLookedAfter(
        child_id=child_id,
        started_on=start,
        legal_status=LegalStatus.C1_INTERIM_CARE_ORDER,
        placement_type=PlacementType.U6_FOSTER_OTHER_CARER_OTHER,
        placement_provider=PlacementProvider.PR1_OWN_PROVISION,
    )
    started = await care.start_looked_after(driver.store, driver.worker, data, driver.clock)
    assert isinstance(started, dict), started
    period = str(started["record"]["id"])
    process = table.Process.CARE
    await driver.act(process, period, "recordStatutoryVisit", on=driver.wd(start, 3))
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
    )
    await driver.act(process, period, "recordStatutoryVisit", on=driver.wd(moved, 4))
    await driver.act(
        process,
        period,
        "changeLegalStatus",
        changedOn=driver.wd(moved, 20),
        legalStatus=LegalStatus.C2_FULL_CARE_ORDER.value,
    )


async def care_leaver(driver: Driver, child_id: str, born: date) -> None:
    # Looked after from 15 under section 20; moved to supported lodgings at 16 and a half.
    start = driver.wd(born + timedelta(days=15 * 365 + 30), 0)
    while not driver.calendar.is_working_day(start):
        start += timedelta(days=1)
    data = care.StartLookedAfter(
        child_id=child_id,
        started_on=start,
        legal_status=LegalStatus.V2_SINGLE_PERIOD_OF_ACCOMMODATION,
        placement_type=PlacementType.K2_CHILDRENS_HOME,
        placement_provider=PlacementProvider.PR4_PRIVATE,
    )
    started = await care.start_looked_after(driver.store, driver.worker, data, driver.clock)
    assert isinstance(started, dict), started
    period = str(started["record"]["id"])
    process = table.Process.CARE
    await driver.act(process, period, "recordStatutoryVisit", on=driver.wd(start, 4))
    await driver.act(
        process,
        period,
        "holdLookedAfterReview",
        heldOn=driver.wd(start, 19),
        participation=ReviewParticipation.PN1_ATTENDS_AND_SPEAKS.value,
    )
    ended = born + timedelta(days=16 * 365 + 180)
    await driver.act(
        process,
        period,
        "ceaseLookedAfter",
        endedOn=ended,
        reason=ReasonEpisodeCeased.E5_INDEPENDENT_LIVING_WITH_SUPPORT.value,
        careLeaver=True,
    )
    await driver.act(process, period, "recordPathwayPlan", on=driver.wd(ended, 10))


async def drive(store: GraphStore, county: Any, calendar: WorkingDayCalendar) -> None:
    """Run every planned journey through the workflow engine."""
    driver = Driver(store, calendar, county.today)
    births = {p["id"]: date.fromisoformat(p["dateOfBirth"]) for p in county.people if p["child"]}
    for planned in county.journeys:
        kind = planned["kind"]
        if kind == "CIN":
            await child_in_need(driver, planned["childId"])
        elif kind == "CP":
            await child_protection(driver, planned["childId"])
        elif kind == "PRE_BIRTH":
            planned["childId"] = await pre_birth(driver, planned)
        elif kind == "LOOKED_AFTER":
            await looked_after(driver, planned["childId"])
        elif kind == "CARE_LEAVER":
            await care_leaver(driver, planned["childId"], births[planned["childId"]])
        else:
            raise ValueError(f"no demo journey {kind}")
