"""A small world for the federation tests: two children with EHM and IES records.

Ruby is Sam's (the social-worker persona's) allocated child, a pupil of the demo school
with an open referral (so the education persona sees her too). Hugo is another team's
child at the same school with no open episode: no demo persona may see him. Both have
early help and education records, taken in through the real connectors and linked by
NHS number or UPN.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from connectors import ehm, ies
from connectors.intake import ingest
from demo import personas
from graph.migrations import backfill_access_holders
from tests.connectors.intake.world import add_child
from tests.helpers import add_worker
from workflow.identifiers import upn_check_letter

if TYPE_CHECKING:
    from graph import GraphStore

RUBY = "C-RUBY"
HUGO = "C-HUGO"
RUBY_NHS = "9434765919"
HUGO_NHS = "9434765870"
RUBY_UPN = upn_check_letter("938200112002") + "938200112002"
HUGO_UPN = upn_check_letter("938200112003") + "938200112003"
SCHOOL_URN = "117001"


@dataclass(frozen=True, slots=True)
class World:
    visible: str
    hidden: str


def _early_help(prefix: str, nhs: str) -> list[dict[str, Any]]:
    return [
        {
            "recordType": "EARLY_HELP_EPISODE",
            "recordId": f"{prefix}-EP1",
            "version": 1,
            "nhsNumber": nhs,
            "startDate": "2025-03-03",
            "endDate": "2025-09-30",
            "reason": "Parenting support after a house move",
            "leadProfessional": "Family support worker",
            "closureOutcome": "STEP_UP_TO_SOCIAL_CARE",
        },
        {
            "recordType": "EARLY_HELP_ASSESSMENT",
            "recordId": f"{prefix}-EHA1",
            "version": 1,
            "nhsNumber": nhs,
            "episodeId": f"{prefix}-EP1",
            "startDate": "2025-03-10",
            "completedDate": "2025-04-01",
            "outcome": "EARLY_HELP_PLAN",
            "needs": ["school attendance", "housing"],
        },
        {
            "recordType": "TEAM_AROUND_THE_FAMILY",
            "recordId": f"{prefix}-TAF1",
            "version": 1,
            "nhsNumber": nhs,
            "episodeId": f"{prefix}-EP1",
            "startDate": "2025-04-02",
            "leadProfessional": "Family support worker",
            "members": ["School nurse", "Housing officer"],
        },
    ]


def education_rows(prefix: str, upn: str) -> list[dict[str, Any]]:
    common = {"version": 1, "upn": upn, "schoolUrn": SCHOOL_URN}
    return [
        {
            **common,
            "recordType": "PUPIL",
            "recordId": f"{prefix}-P1",
            "schoolName": "Hertford Primary",
            "yearGroup": "4",
            "startDate": "2023-09-04",
        },
        {
            **common,
            "recordType": "ATTENDANCE",
            "recordId": f"{prefix}-A1",
            "startDate": "2025-09-01",
            "endDate": "2025-10-24",
            "sessionsPossible": 80,
            "sessionsAttended": 61,
            "unauthorisedAbsences": 12,
        },
        {
            **common,
            "recordType": "EXCLUSION",
            "recordId": f"{prefix}-X1",
            "startDate": "2025-10-06",
            "category": "SUSPENSION",
            "reason": "PD",
            "sessions": 2,
        },
        {
            **common,
            "recordType": "SSR",
            "recordId": f"{prefix}-SSR1",
            "startDate": "2025-10-07",
            "status": "SUBMITTED",
            "summary": "Worried about attendance and a bruise",
        },
    ]


async def seed(store: GraphStore) -> World:
    """The two children, Sam, the demo school and every record; returns the ids."""
    sam = "worker-sw-demo"
    await add_worker(store, sam, "social_worker", personas.SAFEGUARDING_TEAM, "Sam Patel")
    await add_worker(store, "worker-other", "social_worker", personas.FRONT_DOOR_TEAM, "Other")
    born = date(2016, 5, 4)
    await add_child(store, RUBY, "Ruby", "Newman", born, nhs=RUBY_NHS, upn=RUBY_UPN)
    await add_child(store, HUGO, "Hugo", "Ashby", born, sex="M", nhs=HUGO_NHS, upn=HUGO_UPN)
    await store.write(
        "MERGE (s:Agency {id: $school})"
        " SET s.name = 'Hertford Primary', s.kind = 'SCHOOL', s.urn = $urn"
        " WITH s UNWIND $children AS pair"
        " MATCH (c:Child {id: pair[0]}) MATCH (w:Worker {id: pair[1]})"
        " CREATE (c)-[:ALLOCATED_TO]->(w) CREATE (c)-[:ATTENDS]->(s)",
        # The school the IES pupil records name by its URN: the same school, so IES
        # reporting them does not read as a move from it (which ends the stay).
        {
            "school": personas.DEMO_SCHOOL,
            "urn": SCHOOL_URN,
            "children": [[RUBY, sam], [HUGO, "worker-other"]],
        },
    )
    await backfill_access_holders(store)
    # Ruby's open episode of need: what admits her to her school's view.
    await store.write(
        "MATCH (c:Child {id: $id})"
        " CREATE (:Referral {id: 'R-RUBY', status: 'OPEN', referralDate: date('2025-10-08')})"
        "-[:ABOUT]->(c)",
        {"id": RUBY},
    )
    for prefix, nhs, upn in (("RUBY", RUBY_NHS, RUBY_UPN), ("HUGO", HUGO_NHS, HUGO_UPN)):
        rows = _early_help(prefix, nhs)
        report = await ingest(store, list(enumerate(rows, 1)), ehm.SOURCE, by="system:ehm")
        assert not report.rejected, report.rejected
        rows = education_rows(prefix, upn)
        report = await ingest(store, list(enumerate(rows, 1)), ies.SOURCE, by="system:ies")
        assert not report.rejected, report.rejected
    linked = await store.read(
        "MATCH (r:SourceRecord)-[:LINKED_TO]->(c:Child) RETURN c.id AS child, count(r) AS n"
    )
    assert {row["child"]: row["n"] for row in linked} == {RUBY: 7, HUGO: 7}
    return World(visible=RUBY, hidden=HUGO)
