"""A looked-after child's personal education plan is reviewed each school term: the
council's own terms (`LCS_HUB_TERM_DATES`), its half terms taken together, where the
file reaches, not the typical term ends the hub falls back on beyond it."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from tests.e2e.journey_helpers import CARE_FIELDS, OUTCOMES, act, demo_child, demo_county, step
from tests.helpers import bearer, graphql

pytestmark = pytest.mark.anyio

# Autumn 1 and 2 from 2 September to 18 December 2026, spring to 26 March 2027, summer to
# 21 July 2027, each with a week's half term.
TERM_DATES = Path(__file__).parents[1] / "fixtures" / "encompass" / "term_dates_999.json"
START = f"""
mutation ($input: StartLookedAfterInput!) {{ startLookedAfter(input: $input) {{
  __typename ... on PeriodOfCare {{ {CARE_FIELDS} }} {OUTCOMES} }} }}
"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"term_dates": TERM_DATES})


async def test_a_personal_education_plan_is_due_by_the_end_of_the_council_s_next_term(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    child_id = demo_child(world, index=3)
    await store.write(
        "MATCH (c:Child {id: $id}) SET c.dateOfBirth = date('2014-06-15')", {"id": child_id}
    )
    start = {
        "childId": child_id,
        "startedOn": "2026-04-01",
        "legalStatus": "C1_INTERIM_CARE_ORDER",
        "placementType": "U6_FOSTER_OTHER_CARER_OTHER",
        "placementProvider": "PR1_OWN_PROVISION",
    }
    care = (await graphql(client, worker, START, {"input": start}))["startLookedAfter"]
    assert care["__typename"] == "PeriodOfCare", care
    # Before the file's first term, the typical end of the summer term (21 July); the
    # next term is the council's autumn term, to 18 December (not the typical 19th).
    care = await act(client, worker, "recordPersonalEducationPlan", care, {"on": "2026-04-29"})
    assert step(care, "PERSONAL_EDUCATION_PLAN", "OPEN")["dueDate"] == "2026-12-18"
    # Reviewed in the autumn half term (a week's holiday inside the autumn term): due by
    # the end of the spring term, 26 March 2027, not the typical 31 March, nor the end of
    # the second half of autumn as if each half term were a term.
    care = await act(client, worker, "recordPersonalEducationPlan", care, {"on": "2026-10-28"})
    assert step(care, "PERSONAL_EDUCATION_PLAN", "OPEN")["dueDate"] == "2027-03-26"
    # Its day corrected to the end of the summer term before the file's dates: due by the
    # end of the council's autumn term again.
    held = next(
        s
        for s in care["steps"]
        if s["kind"] == "PERSONAL_EDUCATION_PLAN" and s["completedDate"] == "2026-10-28"
    )
    data = {"stepId": held["id"], "happenedOn": "2026-07-20", "reason": "Typed from the diary"}
    care = await act(client, worker, "correctCareStepDate", care, data)
    assert care["__typename"] == "PeriodOfCare", care
    assert step(care, "PERSONAL_EDUCATION_PLAN", "OPEN")["dueDate"] == "2026-12-18"
