"""The end of care typed with the wrong day or reason, corrected by a team manager once
authorised (`correctEndOfCare`): the last SSDA903 episode ends on the corrected day for
the corrected reason, what a care leaver has due from the end follows it, and a
correction that would break the rules of ending care is refused naming the field,
changing nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from returns import CollectionYear, write_ssda903
from tests.e2e.journey_helpers import (
    CARE_FIELDS,
    CHRONOLOGY,
    OUTCOMES,
    act,
    decide,
    demo_child,
    demo_county,
    step,
)
from tests.helpers import bearer, graphql
from tests.returns.test_ssda903 import rows_of

pytestmark = pytest.mark.anyio

START = f"""
mutation ($input: StartLookedAfterInput!) {{ startLookedAfter(input: $input) {{
  __typename ... on PeriodOfCare {{ {CARE_FIELDS} }} {OUTCOMES} }} }}
"""
PERIOD = f"query ($id: ID!) {{ periodOfCare(id: $id) {{ __typename {CARE_FIELDS} }} }}"
CORRECT = "correctEndOfCare"


def _problem(result: dict[str, Any]) -> tuple[str, str]:
    assert result["__typename"] == "InvalidInput", result
    problem = result["problems"][0]
    return problem["field"], problem["rule"]


async def test_a_care_leaver_s_end_of_care_is_corrected_and_the_903_follows(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, tmp_path: Path
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world, index=3)
    # 18 on 10 March 2025; looked after from January 2024, left care on 24 January 2025
    # (typed as the 31st) to live independently.
    await store.write(
        "MATCH (c:Child {id: $id}) SET c.dateOfBirth = date('2007-03-10')", {"id": child_id}
    )
    start = {
        "childId": child_id,
        "startedOn": "2024-01-10",
        "legalStatus": "C2_FULL_CARE_ORDER",
        "placementType": "U6_FOSTER_OTHER_CARER_OTHER",
        "placementProvider": "PR1_OWN_PROVISION",
    }
    care = (await graphql(client, worker, START, {"input": start}))["startLookedAfter"]
    review = {
        "heldOn": "2024-12-02",
        "participation": "PN1_ATTENDS_AND_SPEAKS",
        "lateReason": "Written up from paper",
    }
    care = await act(client, worker, "holdLookedAfterReview", care, review)
    ending = {
        "endedOn": "2025-01-31",
        "reason": "E5_INDEPENDENT_LIVING_WITH_SUPPORT",
        "careLeaver": True,
    }
    care = await act(client, worker, "ceaseLookedAfter", care, ending)
    care = await decide(client, manager, "authorisePeriodOfCare", care, on="2025-01-31")
    assert care["status"] == "CARE_LEAVER", care
    assert step(care, "PATHWAY_PLAN", "OPEN")["dueDate"] == "2025-07-31"
    contact = {
        "on": "2025-03-06",
        "inTouch": "YES_IN_TOUCH",
        "activity": "F2_FULL_TIME_OTHER_EDUCATION",
        "accommodation": "D1_SEMI_INDEPENDENT_SUITABLE",
    }
    care = await act(client, worker, "recordCareLeaverContact", care, contact)

    fix = {"endedOn": "2025-01-24", "reason": "The tenancy began on the 24th"}
    assert (await act(client, worker, CORRECT, care, fix))["__typename"] == "NotAuthorised"
    for problem, field, rule in (
        ({"endedOn": "2025-01-31"}, "endedOn", "is the end of care as already recorded"),
        (
            {"endedOn": "2024-12-01"},
            "endedOn",
            "must not be before the looked after review recorded in care on 2024-12-02",
        ),
        (
            {"endedOn": "2025-03-07"},
            "endedOn",
            "must not be after the care leaver's contact on 2025-03-06",
        ),
        ({"endedOn": "2099-01-01"}, "endedOn", None),
        ({"reasonCeased": "E2_DIED"}, "reasonCeased", None),
        ({"reasonCeased": "E11_ADOPTED_UNOPPOSED"}, "reasonCeased", None),
        ({"reasonCeased": "X1_NEW_EPISODE_SAME_DAY"}, "reasonCeased", None),
    ):
        refused = await act(client, manager, CORRECT, care, fix | problem)
        assert _problem(refused)[0] == field, (problem, refused)
        assert rule is None or _problem(refused)[1] == rule, refused
    now = (await graphql(client, manager, PERIOD, {"id": care["id"]}))["periodOfCare"]
    assert now == {"__typename": "PeriodOfCare", **care}

    care = await act(client, manager, CORRECT, care, fix)
    assert care["__typename"] == "PeriodOfCare", care
    episode = step(care, "LOOKED_AFTER_EPISODE")
    assert (care["endDate"], care["reasonCeased"], episode["completedDate"]) == (
        "2025-01-24",
        "E5_INDEPENDENT_LIVING_WITH_SUPPORT",
        "2025-01-24",
    )
    # Reviewed within 6 months of the end of care: 24 July.
    assert step(care, "PATHWAY_PLAN", "OPEN")["dueDate"] == "2025-07-24"
    # Then the reason, typed wrong too.
    again = {"reasonCeased": "E8_CEASED_FOR_ANY_OTHER_REASON", "reason": "Supported lodging"}
    care = await act(client, manager, CORRECT, care, again)
    assert care["__typename"] == "PeriodOfCare", care
    assert (care["reasonCeased"], step(care, "LOOKED_AFTER_EPISODE")["reasonEpisodeCeased"]) == (
        "E8_CEASED_FOR_ANY_OTHER_REASON",
        "E8_CEASED_FOR_ANY_OTHER_REASON",
    )
    chronology = (await graphql(client, worker, CHRONOLOGY, {"id": child_id}))["child"]
    said = " ".join(f"{e['title']} {e['detail']}" for e in chronology["chronology"])
    assert "End of care of 2025-01-31 (E5) corrected to 2025-01-24 (E5)" in said, said

    await write_ssda903(store, CollectionYear(2025), tmp_path)
    assert rows_of(tmp_path, "episodes", child_id, "DECOM", "DEC", "REC") == [
        ("10/01/2024", "24/01/2025", "E8")
    ]
