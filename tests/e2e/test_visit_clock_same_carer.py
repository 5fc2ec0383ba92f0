"""Care Planning Regulations 2010, reg 28: a looked-after child is visited within a week
of a placement, then at most every six weeks in its first year. A change that does not
move the child (the same carer: a change of placement type, e.g. to long-term fostering,
with or without a new legal status) is no new placement, so it does not ask for a new
first-week visit; a move to another carer does.

Due dates checked by hand: a week and six weeks are calendar intervals.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from tests.e2e.journey_helpers import CARE_FIELDS, OUTCOMES, act, demo_child, demo_county
from tests.helpers import bearer, graphql
from tests.returns.journeys import DECIDE_ADOPTION

pytestmark = pytest.mark.anyio

START = f"""
mutation ($input: StartLookedAfterInput!) {{ startLookedAfter(input: $input) {{
  __typename ... on PeriodOfCare {{ {CARE_FIELDS} }} {OUTCOMES} }} }}
"""
CARE_NOW = f"query ($id: ID!) {{ periodOfCare(id: $id) {{ {CARE_FIELDS} }} }}"


def visit_due(care: dict[str, Any]) -> list[str]:
    return [
        s["dueDate"]
        for s in care["steps"]
        if s["kind"] == "STATUTORY_VISIT" and s["status"] == "OPEN"
    ]


@pytest.mark.parametrize("legal_status", [None, "E1_PLACEMENT_ORDER"])
async def test_a_change_with_the_same_carer_keeps_the_visit_clock_and_a_move_restarts_it(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, legal_status: str | None
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    start = {
        "childId": demo_child(world, index=2),
        "startedOn": "2026-03-02",
        "legalStatus": "C2_FULL_CARE_ORDER",
        "placementType": "U6_FOSTER_OTHER_CARER_OTHER",
        "placementProvider": "PR1_OWN_PROVISION",
    }
    care = (await graphql(client, worker, START, {"input": start}))["startLookedAfter"]
    assert care["__typename"] == "PeriodOfCare", care
    # Placed Monday 2 March: visited within a week (by the 9th), on Friday the 6th; the
    # next within six weeks of it, by Friday 17 April.
    assert visit_due(care) == ["2026-03-09"]
    care = await act(client, worker, "recordStatutoryVisit", care, {"on": "2026-03-06"})
    assert visit_due(care) == ["2026-04-17"]
    if legal_status:
        # The decision for adoption comes before the placement order (SSDA903 rule 553).
        decided = {"periodOfCareId": care["id"], "decidedOn": "2026-03-09"}
        plan = await graphql(client, worker, DECIDE_ADOPTION, {"input": decided})
        assert plan["decideAdoption"]["__typename"] == "AdoptionPlan", plan
        care = (await graphql(client, worker, CARE_NOW, {"id": care["id"]}))["periodOfCare"]

    # Monday 16 March: the same foster carer becomes the child's long-term carer.
    same = {
        "changedOn": "2026-03-16",
        "placementType": "U4_FOSTER_OTHER_CARER_LONG_TERM",
        "placementProvider": "PR1_OWN_PROVISION",
        "reason": "CARPL_CARE_PLAN",
        "sameCarer": True,
        "longTermPlacement": True,
        **({"legalStatus": legal_status} if legal_status else {}),
    }
    care = await act(client, worker, "changePlacement", care, same)
    assert care["__typename"] == "PeriodOfCare", care
    assert visit_due(care) == ["2026-04-17"]
    # A visit since counts on from the placement the child has been in since 2 March.
    care = await act(client, worker, "recordStatutoryVisit", care, {"on": "2026-03-20"})
    assert visit_due(care) == ["2026-05-01"]

    # Monday 23 March: a move to another carer is a new placement, visited within a week.
    moved = {
        **same,
        "changedOn": "2026-03-23",
        "placementType": "U6_FOSTER_OTHER_CARER_OTHER",
        "reason": "CREQO_CARER_REQUEST_OTHER",
        "sameCarer": False,
        "longTermPlacement": False,
    }
    moved.pop("legalStatus", None)
    care = await act(client, worker, "changePlacement", care, moved)
    assert care["__typename"] == "PeriodOfCare", care
    assert visit_due(care) == ["2026-03-30"]
