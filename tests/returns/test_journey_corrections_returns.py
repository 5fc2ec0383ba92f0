"""Journeys with corrections and ends a plan for adoption does not outlive, recorded
through GraphQL and checked by the DfE's own 903 validator: a child who died while placed
for adoption (E2, the plan ceased RD4 the same day), one whose care another authority took
over (E3), a plan whose match and decision were typed with the wrong days and corrected,
and a child allocated to the wrong social worker and corrected the same day."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from returns import CollectionYear, write_ssda903
from tests.e2e.journey_helpers import OUTCOMES
from tests.helpers import add_worker, graphql
from tests.returns.conftest import DfeRules
from tests.returns.journeys import county_to_record_on
from tests.returns.known_broken import unexplained_failures
from tests.returns.test_ssda903 import rows_of

pytestmark = pytest.mark.anyio

YEAR = CollectionYear(2026)
CORRECT_PLAN = f"""mutation ($id: ID!, $version: Int!, $input: CorrectAdoptionPlanDateInput!) {{
  correctAdoptionPlanDate(adoptionPlanId: $id, version: $version, input: $input) {{
  __typename ... on AdoptionPlan {{ id version decisionDate matchedDate }} {OUTCOMES} }} }}"""
ALLOCATE = f"""mutation ($input: AllocateChildInput!) {{ allocateChild(input: $input) {{
  __typename ... on Allocation {{ id }} {OUTCOMES} }} }}"""
CORRECT_ALLOCATION = f"""mutation ($input: CorrectAllocationInput!) {{
  correctAllocation(input: $input) {{ __typename ... on Allocation {{ id workerId }} {OUTCOMES} }}
}}"""
TEAM_OF = """MATCH (:Worker {id: 'worker-sw-demo'})-[:MEMBER_OF_TEAM]->(t:Team)
RETURN t.id AS id"""


async def test_ends_and_corrections_of_adoption_and_allocation_pass_the_dfe_rules(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    tmp_path: Path,
    dfe_rules: DfeRules,
) -> None:
    record, children = await county_to_record_on(client, settings, store)
    died, taken_over, corrected = children[:3]

    async def placed_for_adoption(child_id: str, born: str) -> tuple[dict, dict]:  # type: ignore[type-arg]
        await record.born(child_id, born, "F", allocated_from="2024-05-01")
        await record.referred(child_id, "2024-05-01", "N1")
        care = await record.start(child_id, "2024-05-08", "C2", "U4")
        care = await record.review(care, "2024-06-03", "PN0")
        plan = await record.adoption(care, "2025-05-12")
        care = await record.legal_status(care, "2025-06-16", "E1")
        plan = await record.adopt("recordPlacementOrder", plan, grantedOn="2025-06-16")
        plan = await record.adopt(
            "matchWithAdopters", plan, matchedOn="2025-09-15", adopterSex="F1_SINGLE_FEMALE"
        )
        plan = await record.adopt("placeForAdoption", plan, placedOn="2025-10-06")
        care = await record.move(care, "2025-10-06", "A6")
        return care, plan

    care, _ = await placed_for_adoption(died, "2023-02-10")
    await record.cease(care, "2026-01-19", "E2")
    care, _ = await placed_for_adoption(taken_over, "2022-07-04")
    await record.cease(care, "2026-02-23", "E3")

    care, plan = await placed_for_adoption(corrected, "2023-11-20")
    for step, day in (("MATCH", "2025-09-08"), ("DECISION", "2025-05-05")):
        fixed = await graphql(
            client,
            record.worker,
            CORRECT_PLAN,
            {
                "id": plan["id"],
                "version": plan["version"],
                "input": {"step": step, "happenedOn": day, "reason": "Typed from the minutes"},
            },
        )
        plan = fixed["correctAdoptionPlanDate"]
        assert plan["__typename"] == "AdoptionPlan", plan
    # The child's social worker changes on 1 December 2025, to the wrong Sam first.
    team = (await store.read(TEAM_OF, {}))[0]["id"]
    for subject in ("sw-wrong-sam", "sw-right-sam"):
        await add_worker(store, subject, "social_worker", team, name="Sam")
    moved = {
        "childId": corrected,
        "workerId": "sw-wrong-sam",
        "on": "2025-12-01",
        "reason": "MANAGE_MANAGING_CASELOADS",
    }
    allocated = await graphql(client, record.manager, ALLOCATE, {"input": moved})
    assert allocated["allocateChild"]["__typename"] == "Allocation", allocated
    fix = {"childId": corrected, "workerId": "sw-right-sam", "reason": "The other Sam"}
    right = await graphql(client, record.manager, CORRECT_ALLOCATION, {"input": fix})
    assert right["correctAllocation"]["workerId"] == "sw-right-sam", right

    out = tmp_path / "903"
    await write_ssda903(store, YEAR, out)
    columns = ("DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED")
    assert rows_of(out, "placed_for_adoption", died, *columns) == [
        ("12/05/2025", "19/01/2026", "RD4")
    ]
    assert rows_of(out, "placed_for_adoption", taken_over, *columns) == [
        ("12/05/2025", "23/02/2026", "RD4")
    ]
    assert rows_of(out, "placed_for_adoption", corrected, *columns) == [("05/05/2025", "", "")]
    workers = rows_of(out, "sw_episodes", corrected, "SW_ID", "SW_DECOM", "SW_DEC")
    assert [row[1:] for row in workers] == [("01/05/2024", "01/12/2025"), ("01/12/2025", "")]
    assert workers[-1][0].endswith("SWRIGHTSAM"), workers

    report = dfe_rules("903", out, year=2026, prev=out / "previous")
    assert report["ran"] >= 300, report
    assert unexplained_failures(report, out, out / "previous", YEAR.end) == {}
    last = dfe_rules("903", out / "previous", year=2025)
    assert unexplained_failures(last, out / "previous", out / "previous", date(2025, 3, 31)) == {}
