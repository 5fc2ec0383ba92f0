"""An authorised assessment whose start, completion or authorisation was typed with the
wrong day, corrected by a team manager with `correctAssessmentDates`: the CIN census
assessment row, its 45 working days (for a later assessment, from its corrected start)
and whether it was late follow the corrected days; a day that would break the rules of
recording it is refused naming the field and changes nothing.

Due dates checked by hand: no bank holiday of England falls from June to mid-November
2026 but Monday 31 August; 45 working days are nine weeks with none in them.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from returns import CollectionYear, write_cin_census
from tests.e2e.journey_helpers import (
    CHRONOLOGY,
    act,
    assessed,
    case_now,
    decide,
    demo_child,
    demo_county,
    latest,
    referral_for,
    step,
)
from tests.helpers import bearer, graphql

pytestmark = pytest.mark.anyio

CORRECT = "correctAssessmentDates"


def _problem(result: dict[str, Any]) -> tuple[str, str]:
    assert result["__typename"] == "InvalidInput", result
    problem = result["problems"][0]
    return problem["field"], problem["rule"]


async def test_an_authorised_assessment_s_days_are_corrected_and_the_census_follows(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, tmp_path: Path
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world)
    # Referred Monday 1 June 2026: the assessment of the referral is due Monday 3 August;
    # started the 2nd, completed and authorised on 1 July.
    case = await referral_for(client, worker, child_id, date(2026, 6, 1))
    case = await assessed(
        client, worker, manager, case, decided_on=date(2026, 6, 1), completed_on=date(2026, 7, 1)
    )
    assessment = latest(case, "assessments")
    fix = {
        "startedOn": "2026-06-03",
        "completedOn": "2026-06-29",
        "authorisedOn": "2026-06-30",
        "reason": "Dates taken from the signed assessment",
    }
    # A worker does not correct what a manager authorised.
    by_worker = await act(client, worker, CORRECT, assessment, fix)
    assert by_worker["__typename"] == "NotAuthorised", by_worker
    for problem, field, rule in (
        ({"startedOn": "2026-05-29"}, "startedOn", "must not be before the referral (2026-06-01)"),
        (
            {"completedOn": "2026-06-02"},
            "completedOn",
            "must not be before its start (2026-06-03)",
        ),
        (
            {"authorisedOn": "2026-06-28"},
            "authorisedOn",
            "must not be before its completion (2026-06-29)",
        ),
        ({"authorisedOn": "2099-01-01"}, "authorisedOn", None),
        (
            {"startedOn": "2026-06-02", "completedOn": "2026-07-01", "authorisedOn": None},
            "startedOn",
            "is the assessment as already recorded",
        ),
        # Past 3 August, its 45 working days, only with the reason why.
        ({"completedOn": "2026-08-03", "authorisedOn": "2026-08-04"}, "lateReason", None),
    ):
        refused = await act(client, manager, CORRECT, assessment, fix | problem)
        assert _problem(refused)[0] == field, (problem, refused)
        assert rule is None or _problem(refused)[1] == rule, refused
    assert await case_now(client, worker, case["id"]) == {"__typename": "Case", **case}

    case = await act(client, manager, CORRECT, assessment, fix)
    assert case["__typename"] == "Case", case
    assessment = latest(case, "assessments")
    assert (
        assessment["startDate"],
        assessment["completedDate"],
        assessment["authorisedDate"],
        assessment["dueDate"],
        assessment["status"],
    ) == ("2026-06-03", "2026-06-29", "2026-06-30", "2026-08-03", "AUTHORISED")
    timed = step(assessment, "ASSESSMENT")
    assert (
        timed["startDate"],
        timed["completedDate"],
        timed["authorisedDate"],
        timed["correctedFrom"],
        timed["correctionReason"],
        timed["correctedBy"],
        timed["completedLate"],
    ) == (
        "2026-06-03",
        "2026-06-29",
        "2026-06-30",
        "2026-07-01",
        "Dates taken from the signed assessment",
        "worker-tm-demo",
        False,
    )
    chronology = (await graphql(client, worker, CHRONOLOGY, {"id": child_id}))["child"]
    said = " ".join(f"{e['title']} {e['detail']}" for e in chronology["chronology"])
    assert "2026-06-02 to 2026-07-01 (authorised 2026-07-01) corrected" in said, said

    # Authorised late after all (the manager was away): the reason is kept, then taken
    # away when the days are put back on time.
    late = {
        "authorisedOn": "2026-08-05",
        "reason": "Authorised on return from leave",
        "lateReason": "The manager was on leave",
    }
    case = await act(client, manager, CORRECT, assessment, late)
    assessment = latest(case, "assessments")
    assert (assessment["lateReason"], step(assessment, "ASSESSMENT")["completedLate"]) == (
        "The manager was on leave",
        True,
    )
    back = {"authorisedOn": "2026-06-30", "reason": "The leave was in September"}
    case = await act(client, manager, CORRECT, assessment, back)
    assessment = latest(case, "assessments")
    timed = step(assessment, "ASSESSMENT")
    assert (assessment["lateReason"], timed["lateReason"], timed["completedLate"]) == (
        None,
        None,
        False,
    )

    out = tmp_path / "cin.xml"
    await write_cin_census(store, CollectionYear(2027), out, "919")
    child = next(
        c
        for c in ET.parse(out).getroot().iter("Child")  # noqa: S314 - the hub's own output
        if c.findtext("ChildIdentifiers/LAchildID") == child_id
    )
    assert [
        (a.findtext("AssessmentActualStartDate"), a.findtext("AssessmentAuthorisationDate"))
        for a in child.iter("Assessments")
    ] == [("2026-06-03", "2026-06-30")]


async def test_a_later_assessment_s_start_corrected_moves_its_due_day(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    case = await referral_for(client, worker, demo_child(world), date(2026, 6, 1))
    case = await assessed(
        client, worker, manager, case, decided_on=date(2026, 6, 1), completed_on=date(2026, 7, 1)
    )
    # A new assessment from Monday 7 September, due Monday 9 November.
    case = await act(client, worker, "startAssessment", case, {"startedOn": "2026-09-07"})
    done = {"completedOn": "2026-10-15", "factors": ["NEGLECT"]}
    case = await act(client, worker, "completeAssessment", latest(case, "assessments"), done)
    case = await decide(
        client, manager, "authoriseAssessment", latest(case, "assessments"), on="2026-10-15"
    )
    later = latest(case, "assessments")
    assert later["dueDate"] == "2026-11-09"
    # Started a week earlier: due a week earlier, Monday 2 November.
    fix = {"startedOn": "2026-08-31", "reason": "Typo"}
    case = await act(client, manager, CORRECT, later, fix)
    later = latest(case, "assessments")
    assert (later["startDate"], later["dueDate"], step(later, "ASSESSMENT")["dueDate"]) == (
        "2026-08-31",
        "2026-11-02",
        "2026-11-02",
    )
    # Not started before the assessment of the referral, nor the day it started: which
    # one assessed the referral is not changed by a correction.
    for day, rule in (
        (
            "2026-06-01",
            "must be after the start of the assessment of the referral (2026-06-02): "
            "withdraw the one recorded in error instead",
        ),
        (
            "2026-06-02",
            "an assessment started on 2026-06-02 is already recorded in this episode: it "
            "is not recorded twice",
        ),
    ):
        refused = await act(client, manager, CORRECT, later, fix | {"startedOn": day})
        assert _problem(refused) == ("startedOn", rule)
