"""A synthetic county: agencies, teams, workers, families, children, contacts, notes, documents.

Deterministic for a seed, so a benchmark or a demo is the same every time. Records are
synthetic; identifiers are valid (NHS check digits, UPN check letters) but invented.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import random
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from connectors.livelink.filing import document_key
from connectors.livelink.templates import FORM_TEMPLATES
from demo import journeys, personas
from graph import name_key_fields
from graph.cypher import bulk
from graph.cypher import documents as document_statements
from graph.cypher import notes as note_statements
from graph.cypher import workforce as workforce_statements
from graph.cypher.access import AccessScope
from workflow import identifiers
from workflow.calendar import default_calendar, today_in_england
from workflow.codes import ReferralSource, SocialWorkerChangeReason
from workflow.contacts import ContactOutcome, RecordContact, finalise_contact, record_contact
from workflow.enquiries import EnquiryKind, OpenEnquiry, open_enquiry
from workflow.notes import AddCaseNote, CaseNoteType, add_case_note

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from connectors.livelink.content_store import ContentStore
    from graph import GraphStore
    from workflow.calendar import WorkingDayCalendar

# Families; a family has 2.5 children on average, so `county` is ~300,000 children (a
# large English county). The demo uses the small sizes; `county` is for the benchmarks.
SIZES = {"tiny": 6, "small": 40, "medium": 600, "large": 10_000, "county": 120_000}

# The workforce grows with the county as a real one does: a social worker holds ~15-25
# children and a team has 6-10 of them under one manager. Roughly a third of families
# (2.5 children each on average) are open to a social worker (`generate`).
CASELOAD = 20
TEAM_SIZE = 8
_ALLOCATED_CHILDREN_PER_FAMILY = 0.3 * 2.5
# The demo's four teams keep at least three social workers each, whatever the size.
_FEWEST_PER_TEAM = 3


def team_sizes(family_count: int, named_teams: int) -> tuple[int, int]:
    """Social workers in each of the `named_teams`, and how many more teams a county needs.

    Every team then holds about TEAM_SIZE workers of about CASELOAD children each; a
    small county keeps its named teams at _FEWEST_PER_TEAM.
    """
    needed = math.ceil(family_count * _ALLOCATED_CHILDREN_PER_FAMILY / CASELOAD)
    per_team = min(TEAM_SIZE, max(_FEWEST_PER_TEAM, math.ceil(needed / named_teams)))
    extra_teams = max(0, math.ceil((needed - per_team * named_teams) / TEAM_SIZE))
    return per_team, extra_teams


BATCH = 2_000
CONCURRENT_CONTACTS = 8
FILING_WORKERS = 4

GIVEN = [
    "Amelia",
    "Noah",
    "Olivia",
    "Leo",
    "Isla",
    "Oscar",
    "Ava",
    "Arthur",
    "Mia",
    "Freddie",
    "Ivy",
    "Theo",
    "Grace",
    "Alfie",
    "Lily",
    "Jack",
    "Sophia",
    "Harry",
    "Ella",
    "Muhammad",
]
ADULT_GIVEN = [
    "Sarah",
    "James",
    "Emma",
    "David",
    "Laura",
    "Michael",
    "Rachel",
    "Daniel",
    "Claire",
    "Paul",
    "Aisha",
    "Tom",
]
FAMILY = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Khan",
    "Clarke",
]
TOWNS = [
    ("Stevenage", "SG1"),
    ("Watford", "WD17"),
    ("Hemel Hempstead", "HP1"),
    ("St Albans", "AL1"),
    ("Hitchin", "SG5"),
    ("Hertford", "SG14"),
]
STREETS = [
    "High Street",
    "Church Road",
    "Station Road",
    "Victoria Road",
    "Green Lane",
    "Manor Road",
    "Park Avenue",
    "Queens Road",
]
ETHNICITIES = ["WBRI", "WOTH", "MWBC", "AIND", "APKN", "BAFR", "BCRB", "CHNE", "OOTH"]
SUMMARIES = [
    "School reports the child arrived hungry and with an unexplained bruise.",
    "Police attended a domestic incident at the home overnight; children present.",
    "Health visitor concerned about home conditions and missed appointments.",
    "Neighbour reports children left alone in the evenings.",
    "Parent asks for support with the child's behaviour and sleep.",
]


# The NHS keeps 999 000 0000 - 999 999 9999 for testing: no patient is ever given one.
NHS_TEST_RANGE = "999"
# Characters 2-4 of a UPN are the DfE number of the LA that issued it. English LAs are
# numbered 201-938 (Welsh 660-681, DfE "pseudo LAs" 001-005: the codes the DfE's own
# validators recognise); 999 was never allocated, so no real pupil's UPN starts with it.
# The DfE validators report it (CIN rule 1530) - a demo return is not a real one.
UPN_TEST_LA_CODE = "999"


class DemoIdentifiers:
    """NHS numbers and UPNs for a synthetic county: valid check digits and letters, from
    ranges no real child has, each issued once.

    Each call takes from the county's random stream exactly the values it always took
    (nine digits until they carry a check digit; an establishment and a year), so the rest
    of a seed's county is what it was; a number that collides, or whose test-range body
    has no check digit, is redrawn from a stream of its own.
    """

    def __init__(self, seed: int | str) -> None:
        self._issued: set[str] = set()
        self._spare = random.Random(f"{seed}:identifiers")

    def _once(self, first: str | None, redraw: Callable[[], str | None]) -> str:
        value = first
        while value is None or value in self._issued:
            value = redraw()
        self._issued.add(value)
        return value

    def nhs_number(self, rng: random.Random) -> str:
        """An NHS number from the range reserved for testing, with its modulus-11 check."""
        digits = _digits(rng, 9)
        while _with_check_digit(digits) is None:
            digits = _digits(rng, 9)
        return self._once(
            _with_check_digit(NHS_TEST_RANGE + digits[3:]),
            lambda: _with_check_digit(NHS_TEST_RANGE + _digits(self._spare, 6)),
        )

    def upn(self, rng: random.Random, serial: int) -> str:
        """A permanent UPN with an LA number the DfE never allocated, and its check letter."""

        def draw(source: random.Random) -> str:
            establishment, year = source.randint(2000, 2999), source.randint(10, 25)
            body = f"{UPN_TEST_LA_CODE}{establishment:04d}{year:02d}{serial % 1000:03d}"
            return identifiers.upn_check_letter(body) + body

        return self._once(draw(rng), lambda: draw(self._spare))


def _digits(rng: random.Random, count: int) -> str:
    return "".join(str(rng.randint(0, 9)) for _ in range(count))


def _with_check_digit(body: str) -> str | None:
    """`body` and its NHS check digit, or None for a body the NHS never issues (check 10)."""
    for check in range(10):
        try:
            return identifiers.nhs_number(body + str(check))
        except ValueError:
            continue
    return None


@dataclass
class County:
    """Rows for the bulk statements, plus the case activity to run through the workflow."""

    agencies: list[dict[str, Any]] = field(default_factory=list)
    teams: list[dict[str, Any]] = field(default_factory=list)
    workers: list[dict[str, Any]] = field(default_factory=list)
    reporting: list[dict[str, Any]] = field(default_factory=list)
    families: list[dict[str, Any]] = field(default_factory=list)
    people: list[dict[str, Any]] = field(default_factory=list)
    relationships: list[dict[str, Any]] = field(default_factory=list)
    allocations: list[dict[str, Any]] = field(default_factory=list)
    # Allocations that ended before the current one began (SSDA903 social worker episodes).
    past_allocations: list[dict[str, Any]] = field(default_factory=list)
    school_places: list[dict[str, Any]] = field(default_factory=list)
    contacts: list[dict[str, Any]] = field(default_factory=list)
    enquiries: list[dict[str, Any]] = field(default_factory=list)
    # Case journeys driven through the workflow engine after the bulk rows (demo/journeys.py).
    journeys: list[dict[str, Any]] = field(default_factory=list)
    today: date = field(default_factory=today_in_england)

    @property
    def children(self) -> list[dict[str, Any]]:
        return [person for person in self.people if person["child"]]


def _organisation(county: County, rng: random.Random, school_count: int, family_count: int) -> None:
    county.agencies += [
        {
            "id": personas.LOCAL_AUTHORITY,
            "name": "Hertfordshire County Council",
            "kind": "LOCAL_AUTHORITY",
            "phone": "0300 123 4043",
            "outOfHoursPhone": "0300 123 4040",
        },
        {
            "id": personas.POLICE_FORCE,
            "name": "Hertfordshire Constabulary",
            "kind": "POLICE",
            "phone": "101",
            "outOfHoursPhone": "999",
        },
        {
            "id": personas.HEALTH_TRUST,
            "name": "Hertfordshire Community NHS Trust",
            "kind": "NHS",
            "phone": "01707 388000",
            "outOfHoursPhone": "111",
        },
    ]
    for number in range(1, school_count + 1):
        county.agencies.append(
            {
                "id": f"agency-school-{number:02d}",
                "name": f"{rng.choice(FAMILY)} Park School",
                "kind": "SCHOOL",
                "phone": f"01438 {rng.randint(100000, 999999)}",
                "outOfHoursPhone": None,
            }
        )
    teams = [
        (personas.FRONT_DOOR_TEAM, "Front Door (MASH)"),
        (personas.SAFEGUARDING_TEAM, "Safeguarding and Family Support North"),
        ("team-safeguarding-south", "Safeguarding and Family Support South"),
        ("team-looked-after", "Children Looked After"),
    ]
    per_team, extra_teams = team_sizes(family_count, len(teams))
    teams += [
        (f"team-safeguarding-{number:03d}", f"Safeguarding and Family Support {number}")
        for number in range(1, extra_teams + 1)
    ]
    for team_id, name in teams:
        county.teams.append({"id": team_id, "name": name, "agency": personas.LOCAL_AUTHORITY})
        manager_id = "worker-tm-demo" if team_id == personas.SAFEGUARDING_TEAM else f"{team_id}-tm"
        manager_name = (
            "Alex Morgan"
            if manager_id == "worker-tm-demo"
            else (f"{rng.choice(ADULT_GIVEN)} {rng.choice(FAMILY)}")
        )
        county.workers.append(
            _worker(manager_id, manager_name, "team_manager", team_id, len(county.workers))
        )
        for number in range(1, per_team + 1):
            worker_id = (
                "worker-sw-demo"
                if team_id == personas.SAFEGUARDING_TEAM and number == 1
                else f"{team_id}-sw{number}"
            )
            name = (
                "Sam Patel"
                if worker_id == "worker-sw-demo"
                else (f"{rng.choice(ADULT_GIVEN)} {rng.choice(FAMILY)}")
            )
            county.workers.append(
                _worker(worker_id, name, "social_worker", team_id, len(county.workers))
            )
            county.reporting.append({"worker": worker_id, "manager": manager_id})
    # The staff who keep the record itself (records, performance, systems: no caseload),
    # and a children's practitioner in the safeguarding team.
    county.teams.append(
        {
            "id": personas.BUSINESS_SUPPORT_TEAM,
            "name": "Business Support (records and performance)",
            "agency": personas.LOCAL_AUTHORITY,
        }
    )
    generated = {worker["id"] for worker in county.workers}
    for persona in personas.PERSONAS:
        # Every internal persona not made above (practitioner, records, performance, systems).
        if persona.team is not None and persona.subject not in generated:
            county.workers.append(
                _worker(
                    persona.subject,
                    persona.display_name,
                    persona.role,
                    persona.team,
                    len(county.workers),
                )
            )


def _worker(worker_id: str, name: str, role: str, team: str, number: int) -> dict[str, Any]:
    email = name.lower().replace(" ", ".") + "@hertfordshire.gov.uk"
    return {
        "id": worker_id,
        "name": name,
        "role": role,
        "team": team,
        "email": email,
        "phone": f"01992 {555_000 + number}",
        # Social Work England registration: the SSDA903 SW_ID of their allocations.
        "registrationNumber": f"SW{100_000 + number}",
        "startDate": date(2019, 9, 2).isoformat(),
    }


def _workforce(county: County) -> dict[str, Any]:
    """The county's teams, workers and line management as the HR feed would load them."""
    managers = {row["worker"]: row["manager"] for row in county.reporting}
    return {
        "teams": [
            {"id": team["id"], "name": team["name"], "agencyId": team["agency"]}
            for team in county.teams
        ],
        "workers": [
            {
                "id": worker["id"],
                "teamId": worker["team"],
                "managerId": managers.get(worker["id"]),
                "properties": {
                    key: worker[key]
                    for key in ("name", "role", "email", "phone", "registrationNumber")
                },
                "startDate": worker["startDate"],
                "endDate": None,
            }
            for worker in county.workers
        ],
        "recordedBy": "demo",
        "now": int(datetime.now(UTC).timestamp() * 1000),
    }


def generate(size: str = "small", seed: int = 42, today: date | None = None) -> County:
    """A county of `size` (tiny, small, medium, large) families."""
    rng = random.Random(seed)
    today = today or today_in_england()
    county = County(today=today)
    family_count = SIZES[size]
    _organisation(county, rng, school_count=max(2, family_count // 20), family_count=family_count)
    schools = [a["id"] for a in county.agencies if a["kind"] == "SCHOOL"]
    social_workers = [w for w in county.workers if w["role"] == "social_worker"]
    demo_worker = next(w for w in social_workers if w["id"] == "worker-sw-demo")
    issued = DemoIdentifiers(seed)
    upn_serial = 0
    for number in range(family_count):
        family_name = rng.choice(FAMILY)
        town, district = rng.choice(TOWNS)
        family_id = f"family-{number:05d}"
        address = {
            "id": f"address-{number:05d}",
            "line1": f"{rng.randint(1, 120)} {rng.choice(STREETS)}",
            "town": town,
            "postcode": f"{district} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
            f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}",
        }
        county.families.append(
            {"id": family_id, "name": f"{family_name} household", "address": address}
        )
        mother = _person(
            f"p-{number:05d}-m",
            rng.choice(ADULT_GIVEN),
            family_name,
            "F",
            today - timedelta(days=rng.randint(20, 45) * 365),
            family_id,
            address,
            rng,
            issued.nhs_number,
            child=False,
            role="MOTHER",
        )
        county.people.append(mother)
        father = None
        if rng.random() < 0.6:
            father = _person(
                f"p-{number:05d}-f",
                rng.choice(ADULT_GIVEN),
                family_name,
                "M",
                today - timedelta(days=rng.randint(22, 50) * 365),
                family_id,
                address,
                rng,
                issued.nhs_number,
                child=False,
                role="FATHER",
            )
            county.people.append(father)
        children = []
        for index in range(rng.randint(1, 4)):
            upn_serial += 1
            born = today - timedelta(days=rng.randint(60, 17 * 365))
            child = _person(
                f"C{number:05d}{index:02d}",
                rng.choice(GIVEN),
                family_name,
                rng.choice("MF"),
                born,
                family_id,
                address,
                rng,
                issued.nhs_number,
                child=True,
                role="CHILD",
            )
            if (today - born).days > 5 * 365:
                child["upn"] = issued.upn(rng, upn_serial)
                # The demo school (the education persona's) teaches the demo social
                # worker's children, so its safeguarding lead has pupils to look up.
                school = schools[0] if number < 4 else rng.choice(schools)
                county.school_places.append({"child": child["id"], "school": school})
            children.append(child)
        county.people += children
        for child in children:
            county.relationships.append({"from": child["id"], "to": mother["id"], "type": "MOTHER"})
            if father:
                county.relationships.append(
                    {"from": child["id"], "to": father["id"], "type": "FATHER"}
                )
            for sibling in children:
                if sibling is not child:
                    county.relationships.append(
                        {"from": child["id"], "to": sibling["id"], "type": "SIBLING"}
                    )
        # Roughly a third of families are open to a social worker; the demo social
        # worker gets the first few so their caseload is never empty.
        if number < 4 or rng.random() < 0.3:
            worker = demo_worker if number < 4 else rng.choice(social_workers)
            received = today - timedelta(days=rng.randint(3, 200))
            allocated_on = received
            if number == 2:
                # A reallocation to show: a colleague held the case for a day, then left.
                allocated_on = received + timedelta(days=1)
                colleague = f"{personas.SAFEGUARDING_TEAM}-sw2"
                county.past_allocations += [
                    {
                        "child": child["id"],
                        "worker": colleague,
                        "startDate": received.isoformat(),
                        "endDate": allocated_on.isoformat(),
                        "reason": SocialWorkerChangeReason.FCONTA_FIRST_CONTACT_OR_REREFERRAL,
                    }
                    for child in children
                ]
            for child in children:
                county.allocations.append(
                    {
                        "child": child["id"],
                        "worker": worker["id"],
                        "team": worker["team"],
                        "startDate": allocated_on.isoformat(),
                        "reason": SocialWorkerChangeReason.LEFTRL_SOCIAL_WORKER_LEFT_ROLE
                        if number == 2
                        else SocialWorkerChangeReason.FCONTA_FIRST_CONTACT_OR_REREFERRAL,
                    }
                )
            if number == 1:
                # An open MASH enquiry the demo police force is party to.
                county.enquiries.append(
                    {
                        "childIds": [child["id"] for child in children],
                        "worker": worker["id"],
                        "team": worker["team"],
                        "agencyIds": [personas.POLICE_FORCE, personas.LOCAL_AUTHORITY],
                    }
                )
            county.contacts.append(
                {
                    "childId": children[0]["id"],
                    "worker": worker["id"],
                    "team": worker["team"],
                    "receivedDate": received,
                    "summary": rng.choice(SUMMARIES),
                    "source": rng.choice(list(ReferralSource)),
                    "outcome": None if number % 5 == 0 else ContactOutcome.REFERRAL_TO_SOCIAL_CARE,
                }
            )
    # Its own random stream, so the generated families are the same with or without it.
    journeys.plan(county, random.Random(f"{seed}:journeys"), today, issued.nhs_number, issued.upn)
    return county


def _person(
    person_id: str,
    given: str,
    family: str,
    sex: str,
    born: date,
    family_id: str,
    address: dict[str, Any],
    rng: random.Random,
    new_nhs_number: Callable[[random.Random], str],
    *,
    child: bool,
    role: str,
) -> dict[str, Any]:
    return {
        "id": person_id,
        "givenName": given,
        "familyName": family,
        **name_key_fields(family),
        "sex": sex,
        "dateOfBirth": born.isoformat(),
        "ethnicity": rng.choice(ETHNICITIES),
        "nhsNumber": new_nhs_number(rng),
        "upn": None,
        "family": family_id,
        "address": address["id"],
        "householdRole": role,
        "child": child,
    }


# Children whose allocation the generator does not date (the journey families) were
# allocated this long before the demo's today, or at birth if later.
DEFAULT_ALLOCATION_AGE = timedelta(days=90)


def _allocation_rows(county: County, *, past: bool) -> list[dict[str, Any]]:
    """Allocations as the workforce statements load them: dated, with the SW_REASON code."""
    born = {person["id"]: person["dateOfBirth"] for person in county.people}
    recorded_at = int(datetime.now(UTC).timestamp() * 1000)
    rows = []
    for number, row in enumerate(county.past_allocations if past else county.allocations):
        earliest = (county.today - DEFAULT_ALLOCATION_AGE).isoformat()
        start = row.get("startDate") or max(earliest, born.get(row["child"]) or earliest)
        reason = row.get("reason") or SocialWorkerChangeReason.FCONTA_FIRST_CONTACT_OR_REREFERRAL
        rows.append(
            {
                **row,
                "id": f"allocation-{'past-' if past else ''}{number:05d}-{row['child']}",
                "startDate": start,
                "reason": reason.value,
                "recordedAt": recorded_at,
            }
        )
    return rows


NOTE_TEXTS = [
    "Home visit: saw the child alone; views recorded.",
    "Phone call with the school's safeguarding lead about attendance.",
    "Supervision: plan reviewed, actions agreed with the team manager.",
    "Direct work session: the child drew their family and talked about home.",
    "Strategy meeting notes shared with police and health.",
    "Letter to the parents confirming the date of the review.",
]


def case_note_rows(county: County, seed: int, per_child: int) -> Iterator[dict[str, Any]]:
    """A year of case notes for every allocated child, about `per_child` each on average.

    Rows are made as they are loaded (a county's notes run to millions), from their own
    random stream, so the county is the same with or without them.
    """
    rng = random.Random(f"{seed}:notes")
    year_ago = datetime.combine(county.today - timedelta(days=365), datetime.min.time(), UTC)
    start_ms = int(year_ago.timestamp() * 1000)
    year_ms = 365 * 24 * 3600 * 1000
    types = [note_type.value for note_type in CaseNoteType]
    for allocation in county.allocations:
        for number in range(rng.randint(0, 2 * per_child)):
            occurred = start_ms + rng.randrange(year_ms)
            yield {
                "id": f"note-{allocation['child']}-{number:03d}",
                "childId": allocation["child"],
                "workerId": allocation["worker"],
                "type": rng.choice(types),
                "text": rng.choice(NOTE_TEXTS),
                "occurredAt": occurred,
                "recordedAt": occurred + rng.randrange(3 * 24 * 3600 * 1000),
            }


async def load_case_notes(
    store: GraphStore, rows: Iterator[dict[str, Any]], *, show_progress: bool = True
) -> int:
    """Write notes through the bulk statement in batches; return how many."""
    progress = Progress(0, "case notes", enabled=show_progress)
    written = 0
    while batch := list(itertools.islice(rows, BATCH)):
        await store.write(note_statements.LOAD_CASE_NOTES, {"rows": batch})
        written += len(batch)
        progress.advance(len(batch))
    progress.finish()
    return written


# The forms the old system filed about a child open to social care, and how often each
# turns up in a file (a contact record and an assessment in most, a conference's minutes
# in few). Looked-after and leaving-care forms are left out: the generated children have
# no period of care, and such a form would make their files looked-after records.
LEGACY_FORMS = {
    "contact_record": 6,
    "child_and_family_assessment": 5,
    "child_in_need_plan": 4,
    "strategy_discussion_record": 2,
    "section_47_enquiry_outcome": 2,
    "icpc_minutes": 1,
    "child_protection_plan": 1,
    "case_closure_summary": 1,
    # The education system's referral: children of school age only (they have a UPN).
    "ssr_summary": 2,
}
# Livelink numbers its nodes (DataID); the migrated documents take numbers from here.
LEGACY_NODE_BASE = 40_000_000


def document_rows(county: County, seed: int, per_file: int) -> Iterator[dict[str, Any]]:
    """Documents the old system filed in the Livelink files the county opens, about
    `per_file` each on average, dated in the year before `county.today`.

    A file is opened by a finalised contact, so its child is the contact's. Each document
    is a form of a real template, filed where the hub would file it. Rows are made as
    they are loaded, from their own random stream, so the county is the same with or
    without them.
    """
    rng = random.Random(f"{seed}:documents")
    today = datetime.combine(county.today, datetime.min.time(), UTC)
    year_ago_ms = int((today - timedelta(days=365)).timestamp() * 1000)
    today_ms = int(today.timestamp() * 1000)
    names = {worker["id"]: worker["name"] for worker in county.workers}
    children = {person["id"]: person for person in county.people if person["child"]}
    node_id = LEGACY_NODE_BASE
    for contact in county.contacts:
        if contact["outcome"] is None:
            continue
        child = children[contact["childId"]]
        born = datetime.combine(date.fromisoformat(child["dateOfBirth"]), datetime.min.time(), UTC)
        earliest = max(year_ago_ms, int(born.timestamp() * 1000))
        forms = [key for key in LEGACY_FORMS if key != "ssr_summary" or child["upn"]]
        weights = [LEGACY_FORMS[key] for key in forms]
        for number in range(rng.randint(0, 2 * per_file)):
            template = FORM_TEMPLATES[rng.choices(forms, weights)[0]]
            source_id = f"legacy-{child['id']}-{number:03d}"
            document_id = f"document-{child['id']}-{number:03d}"
            node_id += 1
            yield {
                "key": document_key(child["id"], template.key, source_id),
                "id": document_id,
                "versionId": f"{document_id}-v1",
                "childId": child["id"],
                "templateKey": template.key,
                "title": template.title,
                "folderKey": template.folder_key,
                "recordClass": template.record_class.value,
                "sourceId": source_id,
                "generatedAt": earliest + rng.randrange(today_ms - earliest),
                "generatedBy": contact["worker"],
                "generatedByName": names[contact["worker"]],
                # The old system's bytes are in Livelink, not in the LCS form store.
                "checksumHtml": rng.randbytes(32).hex(),
                "checksumPdf": rng.randbytes(32).hex(),
                "sizeHtml": rng.randint(6_000, 60_000),
                "sizePdf": rng.randint(40_000, 400_000),
                "filename": f"{template.filename_stem}.pdf",
                "remoteNodeId": str(node_id),
            }


async def load_documents(
    store: GraphStore, rows: Iterator[dict[str, Any]], *, show_progress: bool = True
) -> int:
    """Write the old system's documents through the bulk statement in batches; return how
    many the files hold (a row whose child has no file writes nothing)."""
    progress = Progress(0, "documents", enabled=show_progress)
    recorded_at = int(datetime.now(UTC).timestamp() * 1000)
    written = 0
    while batch := list(itertools.islice(rows, BATCH)):
        landed = await store.write(
            document_statements.LOAD_LEGACY_DOCUMENTS,
            {"rows": batch, "recordedBy": "migration", "recordedAt": recorded_at},
        )
        written += int(landed[0]["documents"])
        progress.advance(len(batch))
    progress.finish()
    return written


async def file_in_livelink(
    store: GraphStore, content_store: ContentStore, *, show_progress: bool = True
) -> int:
    """Deliver what the load queued for Livelink (a file per finalised contact); return how many.

    Run as part of the load: left to the hub, the first serve of a county spent ~14
    minutes filing 29,005 files while answering its first users.
    """
    from connectors.livelink.outbox import OutboxWorker

    pending = "MATCH (o:OutboxItem) WHERE o.state = 'PENDING' RETURN count(o) AS n"
    total = int((await store.read(pending))[0]["n"])
    progress = Progress(total, "Livelink files", enabled=show_progress and total > 0)
    # Several workers at once (each claims its own batches under a lease): a delivery
    # mostly waits on the content store's disk or network.
    now = int(datetime.now(UTC).timestamp() * 1000)
    deliveries = [
        asyncio.create_task(OutboxWorker(store, content_store, owner=f"load-{n}").deliver_due(now))
        for n in range(FILING_WORKERS)
    ]
    while not all(delivery.done() for delivery in deliveries):
        await asyncio.wait(deliveries, timeout=2.0, return_when=asyncio.ALL_COMPLETED)
        left = int((await store.read(pending))[0]["n"])
        progress.advance(total - left - progress.done)
    reports = [await delivery for delivery in deliveries]
    if any(report.failed or report.retried for report in reports):
        raise RuntimeError(f"Livelink filing after the load did not finish: {reports}")
    return sum(report.delivered for report in reports)


class Progress:
    """A one-line progress bar on stderr (long jobs show progress)."""

    # Whether a bar left stderr in the middle of its line (a job stopped part-way): a
    # message printed then starts a line of its own (`end_open_line`).
    _line_open = False

    def __init__(self, total: int, label: str, *, enabled: bool = True) -> None:
        # A total of 0 is unknown (a stream): the line then counts without a bar.
        self.total, self.label, self.done, self.enabled = total, label, 0, enabled

    def advance(self, count: int = 1) -> None:
        self.done += count
        if not self.enabled:
            return
        if self.total <= 0:
            sys.stderr.write(f"\r{self.label} {self.done}")
        else:
            filled = int(30 * self.done / self.total)
            sys.stderr.write(
                f"\r{self.label} [{'#' * filled}{'.' * (30 - filled)}] {self.done}/{self.total}"
            )
        Progress._line_open = True
        if self.total > 0 and self.done >= self.total:
            Progress.end_open_line()
        sys.stderr.flush()

    def finish(self) -> None:
        """End the line of a stream whose total was unknown."""
        if self.enabled and self.total <= 0:
            Progress.end_open_line()

    @staticmethod
    def end_open_line() -> None:
        """End the line a bar is drawing, if one is: what is printed next is not glued
        to the bar."""
        if Progress._line_open:
            sys.stderr.write("\n")
            sys.stderr.flush()
            Progress._line_open = False


async def load(store: GraphStore, county: County, *, show_progress: bool = True) -> None:
    """Write the county: bulk rows first, then contacts, notes and case journeys through
    the workflow."""
    steps = [
        (bulk.LOAD_FAMILIES, county.families),
        (bulk.LOAD_PEOPLE, county.people),
        (bulk.LOAD_RELATIONSHIPS, county.relationships),
        (workforce_statements.LOAD_PAST_ALLOCATIONS, _allocation_rows(county, past=True)),
        (workforce_statements.LOAD_ALLOCATIONS, _allocation_rows(county, past=False)),
        (bulk.LOAD_SCHOOL_PLACES, county.school_places),
    ]
    total = (
        sum(len(rows) for _, rows in steps)
        + len(county.contacts)
        + len(county.enquiries)
        + len(county.journeys)
    )
    progress = Progress(
        total + len(county.agencies) + len(county.workers),
        "demo county",
        enabled=show_progress,
    )
    await store.write(bulk.LOAD_AGENCIES, {"rows": county.agencies})
    progress.advance(len(county.agencies))
    # The workforce loads as the HR feed would: teams in their agency, line management.
    await store.write(workforce_statements.SAVE_WORKFORCE, _workforce(county))
    progress.advance(len(county.workers))
    for statement, rows in steps:
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            await store.write(statement, {"rows": batch})
            progress.advance(len(batch))
    calendar = default_calendar()
    # Each contact is about a child of its own family, so several run at once: the
    # engine serialises the writes, and their reads overlap (a county has 36,000).
    for first in range(0, len(county.contacts), CONCURRENT_CONTACTS):
        batch = county.contacts[first : first + CONCURRENT_CONTACTS]
        await asyncio.gather(*(_contact(store, contact, calendar) for contact in batch))
        progress.advance(len(batch))
    for enquiry in county.enquiries:
        scope = AccessScope(
            viewer=enquiry["worker"],
            team=enquiry["team"],
            view_all=False,
            now_ms=int(datetime.now(UTC).timestamp() * 1000),
        )
        opened = await open_enquiry(
            store,
            scope,
            OpenEnquiry(
                child_ids=enquiry["childIds"],
                kind=EnquiryKind.MASH,
                agency_ids=enquiry["agencyIds"],
                reason="Police report of a domestic incident; MASH research",
            ),
        )
        assert isinstance(opened, dict), opened
        progress.advance()
    await journeys.drive(store, county, calendar)
    progress.advance(len(county.journeys))


async def _contact(
    store: GraphStore, contact: dict[str, Any], calendar: WorkingDayCalendar
) -> None:
    """Record a contact through the workflow; finalise it and add a note if it was decided."""
    scope = AccessScope(
        viewer=contact["worker"],
        team=contact["team"],
        view_all=False,
        now_ms=int(datetime.now(UTC).timestamp() * 1000),
    )
    data = RecordContact(
        child_id=contact["childId"],
        received_date=contact["receivedDate"],
        source=contact["source"],
        summary=contact["summary"],
    )
    recorded = await record_contact(store, scope, data, calendar)
    assert isinstance(recorded, dict), recorded
    if contact["outcome"] is not None:
        decided = calendar.add_working_days(contact["receivedDate"], 1)
        finalised = await finalise_contact(
            store, scope, recorded["id"], contact["outcome"], None, decided
        )
        # A refused decision (an episode overlapping another) must not pass unseen.
        assert isinstance(finalised, dict), finalised
        note = AddCaseNote(
            child_id=contact["childId"],
            type=CaseNoteType.VISIT,
            text="Home visit: saw the child alone; views recorded.",
            occurred_at=datetime.combine(decided, datetime.min.time(), UTC),
        )
        await add_case_note(store, scope, note)
