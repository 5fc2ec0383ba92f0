"""EHM and IES data on the `Child` entity: shaped for a worker, behind the child's row rule."""

from __future__ import annotations

import httpx
import pytest

from connectors import ies
from connectors.intake import ingest
from graph import FalkorDBStore
from hub.settings import Settings
from tests.federation.world import HUGO, RUBY, RUBY_UPN, SCHOOL_URN, education_rows, seed
from tests.helpers import add_worker, bearer, graphql

pytestmark = pytest.mark.anyio

CHILD_RECORDS = """
query ($id: ID!) { child(id: $id) { id
  earlyHelpEpisodes { recordId received startDate endDate reason leadProfessional
    closureOutcome
    assessments { recordId startDate completedDate outcome needs }
    teamsAroundTheFamily { recordId startDate endDate leadProfessional members } }
  education {
    pupilRecords { recordId upn schoolUrn schoolName yearGroup startDate endDate }
    attendance { recordId startDate endDate sessionsPossible sessionsAttended
                 unauthorisedAbsences }
    exclusions { recordId category reason sessions startDate } }
  singleServiceRequests { recordId status requestedOn finalisedOn summary } } }
"""


async def test_a_childs_early_help_and_education_records_show_on_the_child(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    await seed(store)
    data = await graphql(client, bearer(settings, "social-worker"), CHILD_RECORDS, {"id": RUBY})
    child = data["child"]
    assert child["earlyHelpEpisodes"] == [
        {
            "recordId": "RUBY-EP1",
            "received": True,
            "startDate": "2025-03-03",
            "endDate": "2025-09-30",
            "reason": "Parenting support after a house move",
            "leadProfessional": "Family support worker",
            "closureOutcome": "STEP_UP_TO_SOCIAL_CARE",
            "assessments": [
                {
                    "recordId": "RUBY-EHA1",
                    "startDate": "2025-03-10",
                    "completedDate": "2025-04-01",
                    "outcome": "EARLY_HELP_PLAN",
                    "needs": ["school attendance", "housing"],
                }
            ],
            "teamsAroundTheFamily": [
                {
                    "recordId": "RUBY-TAF1",
                    "startDate": "2025-04-02",
                    "endDate": None,
                    "leadProfessional": "Family support worker",
                    "members": ["School nurse", "Housing officer"],
                }
            ],
        }
    ]
    education = child["education"]
    assert education["pupilRecords"] == [
        {
            "recordId": "RUBY-P1",
            "upn": RUBY_UPN,
            "schoolUrn": SCHOOL_URN,
            "schoolName": "Hertford Primary",
            "yearGroup": "4",
            "startDate": "2023-09-04",
            "endDate": None,
        }
    ]
    assert education["attendance"] == [
        {
            "recordId": "RUBY-A1",
            "startDate": "2025-09-01",
            "endDate": "2025-10-24",
            "sessionsPossible": 80,
            "sessionsAttended": 61,
            "unauthorisedAbsences": 12,
        }
    ]
    assert education["exclusions"] == [
        {
            "recordId": "RUBY-X1",
            "category": "SUSPENSION",
            "reason": "PD",
            "sessions": 2,
            "startDate": "2025-10-06",
        }
    ]
    assert data["child"]["singleServiceRequests"] == [
        {
            "recordId": "RUBY-SSR1",
            "status": "SUBMITTED",
            "requestedOn": "2025-10-07",
            "finalisedOn": None,
            "summary": "Worried about attendance and a bruise",
        }
    ]


async def test_an_assessment_whose_episode_has_not_arrived_still_shows(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    await seed(store)
    await store.write(
        "MATCH (r:SourceRecord {recordId: 'RUBY-EP1'})-[l:LINKED_TO]->() DELETE l",
    )
    data = await graphql(client, bearer(settings, "social-worker"), CHILD_RECORDS, {"id": RUBY})
    [episode] = data["child"]["earlyHelpEpisodes"]
    assert (episode["recordId"], episode["received"], episode["startDate"]) == (
        "RUBY-EP1",
        False,
        None,
    )
    assert [a["recordId"] for a in episode["assessments"]] == ["RUBY-EHA1"]
    assert [t["recordId"] for t in episode["teamsAroundTheFamily"]] == ["RUBY-TAF1"]


async def test_narrative_is_empty_for_a_role_that_may_not_read_it(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    await seed(store)
    # The performance analyst reads every record but no case narrative.
    await add_worker(store, "worker-pa-demo", "performance_analyst", None, "Dev Malhotra")
    data = await graphql(client, bearer(settings, "analyst"), CHILD_RECORDS, {"id": RUBY})
    [episode] = data["child"]["earlyHelpEpisodes"]
    assert episode["reason"] is None
    assert episode["closureOutcome"] == "STEP_UP_TO_SOCIAL_CARE"
    assert episode["assessments"][0]["needs"] == []
    [request] = data["child"]["singleServiceRequests"]
    assert (request["summary"], request["status"]) == (None, "SUBMITTED")


async def test_a_child_the_worker_may_not_see_brings_none_of_its_records(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    await seed(store)
    sam = bearer(settings, "social-worker")
    assert await graphql(client, sam, CHILD_RECORDS, {"id": HUGO}) == {"child": None}
    missing = await graphql(client, sam, CHILD_RECORDS, {"id": "C-NOBODY"})
    assert missing == {"child": None}


async def test_a_move_ies_sends_as_a_new_version_keeps_the_old_school_on_the_child(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    """The child's record lists each school they were on the roll of, with the days: a
    move IES sends as a new version of the pupil record leaves the old school's stay
    (ended the day before the move), where the pupil record shows the newest only."""
    await seed(store)
    [pupil] = [row for row in education_rows("RUBY", RUBY_UPN) if row["recordType"] == "PUPIL"]
    moved = {
        **pupil,
        "version": 2,
        "schoolUrn": "117002",
        "schoolName": "Ware Juniors",
        "yearGroup": "5",
        "startDate": "2025-11-03",
    }
    report = await ingest(store, [(1, moved)], ies.SOURCE, by="system:ies")
    assert not report.rejected, report.rejected
    query = "query ($id: ID!) { child(id: $id) { education { schoolStays {"
    query += " recordId schoolUrn schoolName admittedOn leftOn } } } }"

    data = await graphql(client, bearer(settings, "social-worker"), query, {"id": RUBY})

    assert data["child"]["education"]["schoolStays"] == [
        {
            "recordId": "RUBY-P1",
            "schoolUrn": "117002",
            "schoolName": "Ware Juniors",
            "admittedOn": "2025-11-03",
            "leftOn": None,
        },
        {
            "recordId": "RUBY-P1",
            "schoolUrn": SCHOOL_URN,
            "schoolName": "Hertford Primary",
            "admittedOn": "2023-09-04",
            "leftOn": "2025-11-02",
        },
    ]
