"""Temporary placements as the SSDA903 reads them: a stay in hospital (T1) lasts at most
six weeks (rule 375), one while the foster carers are on holiday (T3) three (376), any
other short stay (T4) seven days (379); a temporary placement begins only with a move to
another carer (RNE P or B, rule 380), and the child then returns to the placement they
left, at the same postcode (383). The hub refuses what would break them as it is recorded,
naming the field and the rule, and writes nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from tests.e2e.journey_helpers import act
from tests.returns.journeys import PLACEMENT, code, county_to_record_on
from workflow import codes

pytestmark = pytest.mark.anyio

EPISODES = """MATCH (:Child {id: $id})<-[:ABOUT]-(:PeriodOfCare)<-[:PART_OF]-
  (s:Step {kind: 'LOOKED_AFTER_EPISODE'}) RETURN s.startDate AS start, s.placementType AS place
  ORDER BY start"""


def _refused(result: dict[str, Any]) -> tuple[str, str]:
    assert result["__typename"] == "InvalidInput", result
    problem = result["problems"][0]
    return problem["field"], problem["rule"]


def _move(on: str, place: str, **more: Any) -> dict[str, Any]:
    return {
        "changedOn": on,
        "placementType": code(codes.PlacementType, place),
        "placementProvider": code(codes.PlacementProvider, "PR1"),
        "reason": code(codes.ReasonPlaceChange, "CARPL"),
        "placementPostcode": PLACEMENT,
        **more,
    }


async def test_a_temporary_placement_is_a_short_stay_away_and_the_child_returns(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    record, children = await county_to_record_on(client, settings, store)
    child = children[0]
    await record.born(child, "2014-02-02", "F", allocated_from="2025-04-01")
    await record.referred(child, "2025-04-01", "N1")
    care = await record.start(child, "2025-04-07", "C1", "U6")
    worker = record.worker

    # In hospital from 1 May: with the same carer it is no temporary move (380).
    same = await act(
        client, worker, "changePlacement", care, _move("2025-05-01", "T1", sameCarer=True)
    )
    assert _refused(same) == (
        "placementType",
        "a temporary placement (T0-T4) begins only with a move away from the carer"
        " (RNE P or B; SSDA903 rule 380)",
    )
    care = await record.move(care, "2025-05-01", "T1")
    # While she is in hospital her legal status changes: an episode (RNE L) in a
    # temporary placement, which the DfE does not allow (380).
    changed = await act(
        client,
        worker,
        "changeLegalStatus",
        care,
        {"changedOn": "2025-05-20", "legalStatus": code(codes.LegalStatus, "C2")},
    )
    field, rule = _refused(changed)
    assert field == "legalStatus"
    assert "(RNE P or B; SSDA903 rule 380)" in rule, rule
    # Six weeks and a day in hospital is no temporary stay (375).
    late = await act(client, worker, "changePlacement", care, _move("2025-06-13", "U6"))
    assert _refused(late) == (
        "changedOn",
        "a T1 placement lasts 42 days or less (SSDA903 rule 375): record the placement"
        " under the code of where the child actually stayed",
    )
    # Back from hospital she returns to her foster placement, not elsewhere (383).
    elsewhere = await act(client, worker, "changePlacement", care, _move("2025-06-12", "U4"))
    field, rule = _refused(elsewhere)
    assert field == "placementType"
    assert rule == (
        "after a temporary placement the child returns to the placement they left"
        " (U6 at SG2 0JU; SSDA903 rule 383)"
    )
    assert [row["place"] for row in await store.read(EPISODES, {"id": child})] == ["U6", "T1"]
    care = await record.move(care, "2025-06-12", "U6")
    assert [row["place"] for row in await store.read(EPISODES, {"id": child})] == [
        "U6",
        "T1",
        "U6",
    ]
