"""Where a child deprived of liberty may be placed (SSDA903 2026-27 rules 709, 710): in a
children's home (K2) or an other placement Z12 or Z13 while an order is in force, never
K1, P1, R5 or K3. The DfE's own rules crash on it (tests/returns/known_broken.py), so the
hub refuses it as it is recorded, whichever is recorded first, naming the field and the
rule, and writes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from returns import CollectionYear, write_ssda903
from tests.e2e.journey_helpers import act
from tests.helpers import graphql
from tests.returns.conftest import DfeRules
from tests.returns.journeys import PLACEMENT, SHORT_BREAK, Recorder, code, county_to_record_on
from tests.returns.known_broken import unexplained_failures
from tests.returns.test_ssda903 import rows_of
from workflow import codes

pytestmark = pytest.mark.anyio

DEPRIVE = """mutation ($input: RecordDeprivationOfLibertyInput!) {
  recordDeprivationOfLiberty(input: $input) { __typename
    ... on InvalidInput { problems { field rule } } } }"""
RULE_709 = (
    "is served in a children's home (K2) or an other placement Z12 or Z13, not {}"
    " (SSDA903 rule 709)"
)
RULE_710 = "is never served in a {} placement"
EPISODES = """MATCH (:Child {id: $id})<-[:ABOUT]-(:PeriodOfCare)<-[:PART_OF]-
  (s:Step {kind: 'LOOKED_AFTER_EPISODE'}) RETURN s.startDate AS start, s.placementType AS place
  ORDER BY start"""


async def _deprive(record: Recorder, child: str, **data: str) -> dict[str, Any]:
    found = await graphql(
        record.client, record.worker, DEPRIVE, {"input": {"childId": child, **data}}
    )
    return found["recordDeprivationOfLiberty"]  # type: ignore[no-any-return]


async def _move(record: Recorder, care: dict[str, Any], on: str, place: str) -> dict[str, Any]:
    data = {
        "changedOn": on,
        "placementType": code(codes.PlacementType, place),
        "placementProvider": code(codes.PlacementProvider, "PR4" if place[0] == "K" else "PR1"),
        "reason": code(codes.ReasonPlaceChange, "CARPL"),
        "placementPostcode": PLACEMENT,
    }
    if place[0] == "K":
        data["urn"] = "SC123456"
    return await act(record.client, record.worker, "changePlacement", care, data)


def _refused(result: dict[str, Any]) -> tuple[str, str]:
    assert result["__typename"] == "InvalidInput", result
    problem = result["problems"][0]
    return problem["field"], problem["rule"]


async def test_a_child_under_an_order_is_placed_only_where_one_is_served(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    tmp_path: Path,
    dfe_rules: DfeRules,
) -> None:
    # In a children's home from 20 April 2026, deprived of her liberty there from 4 May.
    record, children = await county_to_record_on(client, settings, store)
    child = children[0]
    await record.born(child, "2011-03-03", "F", allocated_from="2026-04-13")
    await record.referred(child, "2026-04-13", "N1")
    care = await record.start(child, "2026-04-20", "C1", "K2", "PR4", urn="SC123456")
    care = await record.review(care, "2026-05-15")
    assert (await _deprive(record, child, on="2026-05-04"))["__typename"] == "ChildFact"
    before = await store.read(EPISODES, {"id": child})

    # The order recorded first: a move to foster care, or to a secure children's home,
    # while it is in force is refused naming the placement and the rule.
    field, rule = _refused(await _move(record, care, "2026-06-01", "U6"))
    assert field == "placementType"
    assert rule == (
        "the order depriving the child of liberty of 2026-05-04 (in force) " + RULE_709.format("U6")
    )
    field, rule = _refused(await _move(record, care, "2026-06-01", "K1"))
    assert (field, RULE_710.format("K1") in rule, "SSDA903 rule 710" in rule) == (
        "placementType",
        True,
        True,
    )
    assert await store.read(EPISODES, {"id": child}) == before
    # An other placement (Z12) is one an order is served in; correcting it to a placement
    # with parents is refused like a move there.
    care = await _move(record, care, "2026-06-01", "Z12")
    assert care["__typename"] == "PeriodOfCare", care
    corrected = await act(
        client,
        record.worker,
        "correctPlacement",
        care,
        {
            "placementType": code(codes.PlacementType, "P1"),
            "placementProvider": code(codes.PlacementProvider, "PR0"),
            "episodeFrom": "2026-06-01",
        },
    )
    field, rule = _refused(corrected)
    assert (field, "SSDA903 rule 710" in rule) == ("placementType", True), rule
    # The order ends on 28 August; the move home to foster carers the day after is fine.
    ended = await _deprive(record, child, on="2026-05-04", ceasedOn="2026-08-28")
    assert ended["__typename"] == "ChildFact", ended
    care = await _move(record, care, "2026-08-29", "U6")
    assert care["__typename"] == "PeriodOfCare", care

    # The placement recorded first: an order over a foster placement is refused naming
    # `on`; one that would run on into it, naming `ceasedOn`.
    field, rule = _refused(await _deprive(record, child, on="2026-09-07"))
    assert field == "on"
    assert rule == (
        "the child's placement from 2026-08-29 is U6: the order depriving the child of"
        " liberty of 2026-09-07 (in force) " + RULE_709.format("U6")
    )
    other = children[1]
    # 16 before his move to supported accommodation (K3 is from 16: SSDA903 rule 371).
    await record.born(other, "2010-06-06", "M", allocated_from="2026-04-13")
    await record.referred(other, "2026-04-13", "N1")
    care = await record.start(other, "2026-04-20", "C1", "K2", "PR4", urn="SC123456")
    care = await record.review(care, "2026-05-15")
    care = await _move(record, care, "2026-07-01", "K3")
    assert care["__typename"] == "PeriodOfCare", care
    field, rule = _refused(await _deprive(record, other, on="2026-05-04"))
    assert (field, "SSDA903 rule 710" in rule) == ("ceasedOn", True), rule
    done = await _deprive(record, other, on="2026-05-04", ceasedOn="2026-06-30")
    assert done["__typename"] == "ChildFact", done

    # Ordered before care began, in force when care begins with his parents: refused.
    third = children[2]
    await record.born(third, "2012-09-09", "M", allocated_from="2026-04-13")
    await record.referred(third, "2026-04-13", "N1")
    assert (await _deprive(record, third, on="2026-04-15"))["__typename"] == "ChildFact"
    started = await graphql(
        client,
        record.worker,
        """mutation ($input: StartLookedAfterInput!) { startLookedAfter(input: $input) {
          __typename ... on InvalidInput { problems { field rule } } } }""",
        {
            "input": {
                "childId": third,
                "startedOn": "2026-04-20",
                "legalStatus": code(codes.LegalStatus, "C1"),
                "placementType": code(codes.PlacementType, "P1"),
                "placementProvider": code(codes.PlacementProvider, "PR0"),
                "placementPostcode": PLACEMENT,
            }
        },
    )
    field, rule = _refused(started["startLookedAfter"])
    assert (field, "SSDA903 rule 710" in rule) == ("placementType", True), rule

    out = tmp_path / "903"
    await write_ssda903(store, CollectionYear(2027), out)
    assert rows_of(out, "dolo", child, "DOLO_START", "DOLO_END") == [("04/05/2026", "28/08/2026")]
    assert rows_of(out, "dolo", other, "DOLO_START", "DOLO_END") == [("04/05/2026", "30/06/2026")]
    report = dfe_rules("903", out, year=2027, prev=out / "previous")
    assert unexplained_failures(report, out, out / "previous", CollectionYear(2027).end) == {}


async def test_a_short_break_is_a_placement_an_order_is_weighed_against(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # Short breaks are episodes of care in the 903 like any other (V3 each, V4 an
    # agreement): one with foster carers while an order is in force breaks rule 709, and
    # an order over a recorded one is refused naming `on`.
    record, children = await county_to_record_on(client, settings, store)
    household = await record.short_breaks_household("2025-01-06")
    child, other = children[:2]
    await record.born(child, "2011-03-03", "F", allocated_from="2026-04-13")
    assert (await _deprive(record, child, on="2026-05-04"))["__typename"] == "ChildFact"
    data = {
        "childId": child,
        "legalStatus": code(codes.LegalStatus, "V3"),
        "startedOn": "2026-06-05",
        "endedOn": "2026-06-07",
        "placementType": code(codes.PlacementType, "U6"),
        "placementProvider": code(codes.PlacementProvider, "PR1"),
        "householdId": household,
    }
    found = await graphql(client, record.worker, SHORT_BREAK, {"input": data})
    field, rule = _refused(found["recordShortBreak"])
    assert field == "placementType"
    assert rule == (
        "the order depriving the child of liberty of 2026-05-04 (in force) " + RULE_709.format("U6")
    )
    assert await store.read("MATCH (b:ShortBreak) RETURN count(b) AS n") == [{"n": 0}]

    await record.born(other, "2012-06-06", "M", allocated_from="2026-04-13")
    await record.short_break(other, "V3", "2026-06-05", "2026-06-07", household)
    # The order began the day after the break's last: no placement of his was under it.
    assert (await _deprive(record, other, on="2026-06-08"))["__typename"] == "ChildFact"
    field, rule = _refused(await _deprive(record, other, on="2026-06-07", ceasedOn="2026-06-08"))
    assert (field, rule.startswith("the child's placement from 2026-06-05 is U6:")) == ("on", True)


async def test_an_order_s_first_and_last_days_are_under_it(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # The DfE counts an episode as under an order when it ends on or after the day the
    # order begins and starts on or before the day it ends (rule 709 compares DEC and
    # DECOM with DOLO_START and DOLO_END inclusively): a foster placement that ends the
    # day an order begins, or begins the day one ends, was the child's under it.
    record, children = await county_to_record_on(client, settings, store)
    child = children[0]
    await record.born(child, "2011-03-03", "F", allocated_from="2026-04-13")
    await record.referred(child, "2026-04-13", "N1")
    care = await record.start(child, "2026-04-20", "C1", "U6")
    care = await _move(record, care, "2026-05-04", "K2")
    assert care["__typename"] == "PeriodOfCare", care
    field, rule = _refused(await _deprive(record, child, on="2026-05-04"))
    assert field == "on"
    assert rule == (
        "the child's placement from 2026-04-20 is U6: the order depriving the child of"
        " liberty of 2026-05-04 (in force) " + RULE_709.format("U6")
    )
    assert (await _deprive(record, child, on="2026-05-05"))["__typename"] == "ChildFact"
    ended = await _deprive(record, child, on="2026-05-05", ceasedOn="2026-08-28")
    assert ended["__typename"] == "ChildFact", ended
    before = await store.read(EPISODES, {"id": child})
    field, rule = _refused(await _move(record, care, "2026-08-28", "U6"))
    assert field == "placementType"
    assert rule == (
        "the order depriving the child of liberty of 2026-05-05 (ended 2026-08-28) "
        + RULE_709.format("U6")
    )
    assert await store.read(EPISODES, {"id": child}) == before
    care = await _move(record, care, "2026-08-29", "U6")
    assert care["__typename"] == "PeriodOfCare", care
