"""A held step of care recorded in error (on the wrong child, or twice on different
days): withdrawn with `withdrawCareStep`, kept as `CANCELLED` with why, who and when,
counted by no return, and what falls due from the steps of its kind follows the ones
left, as if it had never been recorded."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from returns import CollectionYear, write_ssda903
from tests.e2e.journey_helpers import CARE_FIELDS, OUTCOMES, act, demo_child, demo_county, step
from tests.helpers import bearer, graphql
from tests.returns.test_ssda903 import rows_of

pytestmark = pytest.mark.anyio

START = f"""
mutation ($input: StartLookedAfterInput!) {{ startLookedAfter(input: $input) {{
  __typename ... on PeriodOfCare {{ {CARE_FIELDS} }} {OUTCOMES} }} }}
"""
WITHDRAW = f"""mutation ($id: ID!, $version: Int!, $input: WithdrawStepInput!) {{
  withdrawCareStep(periodOfCareId: $id, version: $version, input: $input) {{ __typename
  ... on PeriodOfCare {{ {CARE_FIELDS} steps {{ id status withdrawnReason withdrawnBy
  withdrawnAt }} }} {OUTCOMES} }} }}"""


def _held(care: dict, kind: str, on: str) -> dict:  # type: ignore[type-arg]
    return next(s for s in care["steps"] if s["kind"] == kind and s["completedDate"] == on)


async def test_a_review_recorded_in_error_is_withdrawn_and_the_next_falls_due_again(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, tmp_path: Path
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    child_id = demo_child(world, index=3)
    await store.write(
        "MATCH (c:Child {id: $id}) SET c.dateOfBirth = date('2014-06-15')", {"id": child_id}
    )
    start = {
        "childId": child_id,
        "startedOn": "2026-01-05",
        "legalStatus": "C1_INTERIM_CARE_ORDER",
        "placementType": "U6_FOSTER_OTHER_CARER_OTHER",
        "placementProvider": "PR1_OWN_PROVISION",
    }
    care = (await graphql(client, worker, START, {"input": start}))["startLookedAfter"]
    assert care["__typename"] == "PeriodOfCare", care
    review = {"participation": "PN1_ATTENDS_AND_SPEAKS"}
    care = await act(
        client, worker, "holdLookedAfterReview", care, {**review, "heldOn": "2026-01-30"}
    )
    # 3 months after the first review: 30 April.
    assert step(care, "LOOKED_AFTER_REVIEW", "OPEN")["dueDate"] == "2026-04-30"
    # The same review typed again from the chair's notes, with the day a week out: it
    # answers the second review, and the third falls due 6 months after it.
    care = await act(
        client, worker, "holdLookedAfterReview", care, {**review, "heldOn": "2026-02-06"}
    )
    assert step(care, "LOOKED_AFTER_REVIEW", "OPEN")["dueDate"] == "2026-08-06"

    copy = _held(care, "LOOKED_AFTER_REVIEW", "2026-02-06")
    data = {"stepId": copy["id"], "reason": "The 30 January review typed twice"}
    variables = {"id": care["id"], "version": care["version"], "input": data}
    care = (await graphql(client, worker, WITHDRAW, variables))["withdrawCareStep"]
    assert care["__typename"] == "PeriodOfCare", care
    gone = next(s for s in care["steps"] if s["id"] == copy["id"])
    assert (gone["status"], gone["withdrawnReason"], gone["withdrawnBy"]) == (
        "CANCELLED",
        "The 30 January review typed twice",
        "worker-sw-demo",
    )
    assert gone["withdrawnAt"]
    # The next review is due 3 months after the one review there was, as before.
    assert step(care, "LOOKED_AFTER_REVIEW", "OPEN")["dueDate"] == "2026-04-30"
    # Withdrawn once; a step that is not a held step of care is not withdrawn.
    for step_id in (copy["id"], step(care, "LOOKED_AFTER_REVIEW", "OPEN")["id"], "nope"):
        again = {"id": care["id"], "version": care["version"], "input": {**data, "stepId": step_id}}
        refused = (await graphql(client, worker, WITHDRAW, again))["withdrawCareStep"]
        assert [p["field"] for p in refused["problems"]] == ["stepId"], refused
    # The same day may be recorded again now (it is not there twice), and the 903 has
    # the one review.
    await write_ssda903(store, CollectionYear(2026), tmp_path)
    assert rows_of(tmp_path, "reviews", child_id, "REVIEW") == [("30/01/2026",)]
    # A personal education plan recorded on this child that was its sibling's: the one
    # left answers the plan due by the first review (2 February), which it was late for.
    for on in ("2026-01-20", "2026-03-10"):
        care = await act(client, worker, "recordPersonalEducationPlan", care, {"on": on})
    later = _held(care, "PERSONAL_EDUCATION_PLAN", "2026-03-10")
    assert (later["dueDate"], later["completedLate"]) == ("2026-07-21", False)
    sibling = _held(care, "PERSONAL_EDUCATION_PLAN", "2026-01-20")
    data = {"stepId": sibling["id"], "reason": "Her brother's plan"}
    variables = {"id": care["id"], "version": care["version"], "input": data}
    care = (await graphql(client, worker, WITHDRAW, variables))["withdrawCareStep"]
    later = _held(care, "PERSONAL_EDUCATION_PLAN", "2026-03-10")
    assert (later["status"], later["dueDate"], later["completedLate"]) == (
        "DONE",
        "2026-02-02",
        True,
    )
    assert step(care, "PERSONAL_EDUCATION_PLAN", "OPEN")["dueDate"] == "2026-07-21"
