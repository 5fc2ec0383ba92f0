"""Working Together 2023: the assessment of a referral concludes within 45 working days of
the referral. A later assessment in the same episode (a re-assessment, or a new one as
the child's circumstances change) cannot have been due before it began: its 45 working
days run from the day it started.

Due dates checked by hand: no bank holiday of England falls from June to mid-November
2026 but Monday 31 August; 45 working days are nine weeks with none in them.
"""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from tests.e2e.journey_helpers import (
    act,
    assessed,
    decide,
    demo_child,
    demo_county,
    latest,
    referral_for,
    step,
)
from tests.helpers import bearer

pytestmark = pytest.mark.anyio


async def test_a_later_assessment_is_due_45_working_days_from_its_start(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    # Referred Monday 1 June 2026; the first assessment (started the 2nd) is due nine
    # weeks from the referral: Monday 3 August.
    case = await referral_for(client, worker, demo_child(world), date(2026, 6, 1))
    case = await assessed(
        client, worker, manager, case, decided_on=date(2026, 6, 1), completed_on=date(2026, 7, 1)
    )
    first = latest(case, "assessments")
    assert first["dueDate"] == "2026-08-03", first

    # A new assessment started Monday 7 September: due nine weeks on, Monday 9 November
    # (the summer bank holiday came before it started).
    case = await act(client, worker, "startAssessment", case, {"startedOn": "2026-09-07"})
    later = latest(case, "assessments")
    assert (later["startDate"], later["dueDate"]) == ("2026-09-07", "2026-11-09"), later
    assert step(later, "ASSESSMENT")["dueDate"] == "2026-11-09"

    # Completed and authorised on Thursday 15 October: on time, no reason asked.
    done = {"completedOn": "2026-10-15", "factors": ["NEGLECT"]}
    case = await act(client, worker, "completeAssessment", later, done)
    assert case["__typename"] == "Case", case
    case = await decide(
        client, manager, "authoriseAssessment", latest(case, "assessments"), on="2026-10-15"
    )
    authorised = latest(case, "assessments")
    assert (authorised["status"], authorised["lateReason"]) == ("AUTHORISED", None), authorised
    assert step(authorised, "ASSESSMENT")["completedLate"] is False

    # The referral's date corrected to Friday 29 May: the first assessment counts from it
    # (due Friday 31 July), the later one still from its own start.
    data = {"referralDate": "2026-05-29", "reason": "It came in on the Friday."}
    case = await act(client, manager, "correctReferralDate", case, data)
    assert case["__typename"] == "Case", case
    dues = {a["startDate"]: a["dueDate"] for a in case["assessments"]}
    assert dues == {"2026-06-02": "2026-07-31", "2026-09-07": "2026-11-09"}, dues


async def test_an_earlier_assessment_typed_later_makes_the_one_before_it_a_later_one(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    # Referred Monday 1 June 2026. The assessment started Monday 7 September is typed
    # first: as the episode's first it is due nine weeks from the referral, 3 August.
    case = await referral_for(client, worker, demo_child(world), date(2026, 6, 1))
    case = await act(client, worker, "startAssessment", case, {"startedOn": "2026-09-07"})
    assert case["__typename"] == "Case", case
    assert {a["startDate"]: a["dueDate"] for a in case["assessments"]} == {
        "2026-09-07": "2026-08-03"
    }
    # Then the paper record of the one started Tuesday 2 June: that is the assessment of
    # the referral (due 3 August), and the September one is a later assessment, due nine
    # weeks from its own start, Monday 9 November, its step with it.
    case = await act(client, worker, "startAssessment", case, {"startedOn": "2026-06-02"})
    assert case["__typename"] == "Case", case
    dues = {a["startDate"]: a["dueDate"] for a in case["assessments"]}
    assert dues == {"2026-06-02": "2026-08-03", "2026-09-07": "2026-11-09"}, dues
    september = next(a for a in case["assessments"] if a["startDate"] == "2026-09-07")
    assert step(september, "ASSESSMENT")["dueDate"] == "2026-11-09"
