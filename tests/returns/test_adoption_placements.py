"""A placement for adoption (A3 to A6) follows the decision that the child should be
placed for adoption: the SSDA903 reads the decision's date beside every such episode
(rule 551), so the hub refuses one begun before a decision is on record, whether by a
move, a correction of the placement or the start of care, naming the field and the rule,
and writes nothing."""

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
from tests.returns.journeys import PLACEMENT, START, code, county_to_record_on
from tests.returns.known_broken import unexplained_failures
from tests.returns.test_ssda903 import rows_of
from workflow import codes

pytestmark = pytest.mark.anyio

EPISODES = """MATCH (:Child {id: $id})<-[:ABOUT]-(:PeriodOfCare)<-[:PART_OF]-
  (s:Step {kind: 'LOOKED_AFTER_EPISODE'}) RETURN s.startDate AS start, s.placementType AS place
  ORDER BY start"""
RULE_551 = (
    "a placement for adoption (A3 to A6) follows the decision that the child should be"
    " placed for adoption, in force on its day: record it first (decideAdoption; SSDA903"
    " rules 551, 552)"
)
YEAR = CollectionYear(2026)
CARE = """query ($id: ID!) { child(id: $id) { periodsOfCare { id version status } } }"""


def _refused(result: dict[str, Any]) -> tuple[str, str]:
    assert result["__typename"] == "InvalidInput", result
    problem = result["problems"][0]
    return problem["field"], problem["rule"]


def _move(on: str, place: str) -> dict[str, Any]:
    return {
        "changedOn": on,
        "placementType": code(codes.PlacementType, place),
        "placementProvider": code(codes.PlacementProvider, "PR1"),
        "reason": code(codes.ReasonPlaceChange, "CARPL"),
        "placementPostcode": PLACEMENT,
    }


async def test_a_placement_for_adoption_follows_the_decision(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    record, children = await county_to_record_on(client, settings, store)
    child = children[0]
    await record.born(child, "2024-09-09", "M", allocated_from="2025-04-01", upn=False)
    await record.referred(child, "2025-04-01", "N1")
    start = {
        "childId": child,
        "startedOn": "2025-04-07",
        "legalStatus": code(codes.LegalStatus, "V2"),
        "placementType": code(codes.PlacementType, "A4"),
        "placementProvider": code(codes.PlacementProvider, "PR1"),
        "placementPostcode": PLACEMENT,
    }
    started = (await graphql(client, record.worker, START, {"input": start}))["startLookedAfter"]
    assert _refused(started) == ("placementType", RULE_551)
    care = await record.start(child, "2025-04-07", "V2", "U6")
    worker = record.worker
    moved = await act(client, worker, "changePlacement", care, _move("2025-06-02", "A4"))
    assert _refused(moved) == ("placementType", RULE_551)
    corrected = await act(
        client,
        worker,
        "correctPlacement",
        care,
        {
            "placementType": code(codes.PlacementType, "A4"),
            "placementProvider": code(codes.PlacementProvider, "PR1"),
            "placementPostcode": PLACEMENT,
        },
    )
    assert _refused(corrected) == ("placementType", RULE_551)
    assert [row["place"] for row in await store.read(EPISODES, {"id": child})] == ["U6"]

    # Decided on 10 June: a placement with adopters from then on is fine, not before.
    await record.adoption(care, "2025-06-10")
    care = (await graphql(client, worker, CARE, {"id": child}))["child"]["periodsOfCare"][0]
    moved = await act(client, worker, "changePlacement", care, _move("2025-06-09", "A4"))
    assert _refused(moved) == ("placementType", RULE_551)
    moved = await act(client, worker, "changePlacement", care, _move("2025-06-16", "A4"))
    assert moved["__typename"] == "PeriodOfCare", moved
    assert [row["place"] for row in await store.read(EPISODES, {"id": child})] == ["U6", "A4"]


RULE_553 = (
    "a placement order (E1) follows the decision that the child should be placed for"
    " adoption, in force on its day: record the decision first (decideAdoption; SSDA903"
    " rule 553)"
)
STATUSES = """MATCH (:Child {id: $id})<-[:ABOUT]-(:PeriodOfCare)<-[:PART_OF]-
  (s:Step {kind: 'LOOKED_AFTER_EPISODE'}) RETURN s.startDate AS start, s.legalStatus AS status
  ORDER BY start"""


async def test_a_placement_order_follows_the_decision_in_force_on_its_day(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # SSDA903 rule 553: every E1 episode has its decision in PlacedAdoption. Care cannot
    # start under a placement order (no decision is made before care), nor change to one
    # before the decision, by a legal status change or with a move.
    record, children = await county_to_record_on(client, settings, store)
    child = children[0]
    await record.born(child, "2024-09-09", "M", allocated_from="2025-04-01", upn=False)
    await record.referred(child, "2025-04-01", "N1")
    start = {
        "childId": child,
        "startedOn": "2025-04-07",
        "legalStatus": code(codes.LegalStatus, "E1"),
        "placementType": code(codes.PlacementType, "U6"),
        "placementProvider": code(codes.PlacementProvider, "PR1"),
        "placementPostcode": PLACEMENT,
    }
    started = (await graphql(client, record.worker, START, {"input": start}))["startLookedAfter"]
    assert _refused(started) == ("legalStatus", RULE_553)
    care = await record.start(child, "2025-04-07", "C2", "U6")
    worker = record.worker
    order = {"changedOn": "2025-06-02", "legalStatus": code(codes.LegalStatus, "E1")}
    assert _refused(await act(client, worker, "changeLegalStatus", care, order)) == (
        "legalStatus",
        RULE_553,
    )
    with_move = {**_move("2025-06-02", "U5"), "legalStatus": code(codes.LegalStatus, "E1")}
    assert _refused(await act(client, worker, "changePlacement", care, with_move)) == (
        "legalStatus",
        RULE_553,
    )
    assert [row["status"] for row in await store.read(STATUSES, {"id": child})] == ["C2"]

    # Decided on 10 June: the order from then on is fine, not before.
    await record.adoption(care, "2025-06-10")
    care = (await graphql(client, worker, CARE, {"id": child}))["child"]["periodsOfCare"][0]
    early = {**order, "changedOn": "2025-06-09"}
    assert _refused(await act(client, worker, "changeLegalStatus", care, early))[0] == "legalStatus"
    made = await act(
        client, worker, "changeLegalStatus", care, {**order, "changedOn": "2025-07-01"}
    )
    assert made["__typename"] == "PeriodOfCare", made
    assert [row["status"] for row in await store.read(STATUSES, {"id": child})] == ["C2", "E1"]


RULE_553 = (
    "a placement order (E1) follows the decision that the child should be placed for"
    " adoption, in force on its day: record the decision first (decideAdoption; SSDA903"
    " rule 553)"
)


async def test_a_placement_order_s_episode_is_not_corrected_to_before_the_decision(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    tmp_path: Path,
    dfe_rules: DfeRules,
) -> None:
    # A placement order (E1) is refused without a decision for adoption in force on its
    # day; the day its episode began, corrected, keeps that rule (SSDA903 553, 554: the
    # decision is on or before the first E1 episode).
    record, children = await county_to_record_on(client, settings, store)
    child = children[0]
    await record.born(child, "2023-05-09", "F", allocated_from="2025-04-01", upn=False)
    await record.referred(child, "2025-04-01", "N1")
    care = await record.start(child, "2025-04-07", "C1", "U6")
    plan = await record.adoption(care, "2025-07-01")
    plan = await record.adopt("recordPlacementOrder", plan, grantedOn="2025-09-01")
    care = (await graphql(client, record.worker, CARE, {"id": child}))["child"]["periodsOfCare"][0]
    care = await record.legal_status(care, "2025-09-01", "E1")
    before = await act(
        client,
        record.worker,
        "correctEpisodeStart",
        care,
        {"episodeFrom": "2025-09-01", "startedOn": "2025-06-20", "reason": "Typed wrong"},
    )
    assert _refused(before) == ("startedOn", RULE_553)
    # Corrected to a day the decision stands on, it is taken, and the return passes.
    care = await record.act(
        "correctEpisodeStart",
        care,
        episodeFrom="2025-09-01",
        startedOn="2025-08-28",
        reason="The sealed order's day",
    )
    out = tmp_path / "903"
    await write_ssda903(store, YEAR, out)
    assert rows_of(out, "episodes", child, "DECOM", "LS") == [
        ("07/04/2025", "C1"),
        ("28/08/2025", "E1"),
    ]
    report = dfe_rules("903", out, year=2026, prev=out / "previous")
    assert unexplained_failures(report, out, out / "previous", YEAR.end) == {}

    # A move under the order after the decision was reversed (the order stands until
    # the court revokes it) is not the order's beginning: its day is corrected freely.
    care = await record.move(care, "2025-11-03", "U4")
    plan = await record.adopt(
        "ceaseAdoptionPlan", plan, ceasedOn="2025-10-20", reason="RD1_CHILDS_NEEDS_CHANGED"
    )
    await record.authorise_adoption(plan)
    moved = await act(
        client,
        record.worker,
        "correctEpisodeStart",
        care,
        {"episodeFrom": "2025-11-03", "startedOn": "2025-10-27", "reason": "Typed wrong"},
    )
    assert moved["__typename"] == "PeriodOfCare", moved


CORRECT_PLAN_DATE = """mutation ($id: ID!, $version: Int!, $input: CorrectAdoptionPlanDateInput!) {
  correctAdoptionPlanDate(adoptionPlanId: $id, version: $version, input: $input) { __typename
    ... on AdoptionPlan { id version decisionDate ceasedDate }
    ... on InvalidInput { problems { field rule } } } }"""
PLAN_DATES = """MATCH (:Child {id: $id})<-[:ABOUT]-(p:AdoptionPlan)
  RETURN p.decisionDate AS decided, p.ceasedDate AS ceased"""


async def _correct_plan(
    client: httpx.AsyncClient, worker: dict[str, str], plan: dict[str, Any], **data: str
) -> dict[str, Any]:
    variables = {"id": plan["id"], "version": plan["version"], "input": data}
    found = await graphql(client, worker, CORRECT_PLAN_DATE, variables)
    return found["correctAdoptionPlanDate"]  # type: ignore[no-any-return]


async def test_a_decision_for_adoption_is_not_corrected_past_the_placement_order_it_began(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    tmp_path: Path,
    dfe_rules: DfeRules,
) -> None:
    # The episode that began a placement order (E1) was recorded after a decision for
    # adoption in force on its day; correcting the decision to after that day, or its
    # reversal to before it, would leave the order begun before the decision (SSDA903 553,
    # 554): refused, naming the day, and nothing is written.
    record, children = await county_to_record_on(client, settings, store)
    child = children[0]
    await record.born(child, "2023-05-09", "F", allocated_from="2025-04-01", upn=False)
    await record.referred(child, "2025-04-01", "N1")
    care = await record.start(child, "2025-04-07", "C1", "U6")
    # The order is recorded as the legal status only (the plan's own placement order
    # date, when recorded, holds the decision before it by itself).
    plan = await record.adoption(care, "2025-07-01")
    care = (await graphql(client, record.worker, CARE, {"id": child}))["child"]["periodsOfCare"][0]
    care = await record.legal_status(care, "2025-09-01", "E1")
    later = await _correct_plan(
        client,
        record.worker,
        plan,
        step="DECISION",
        happenedOn="2025-09-02",
        reason="Typed wrong",
    )
    assert _refused(later) == (
        "happenedOn",
        f"the placement order (E1) from 2025-09-01: {RULE_553}",
    )
    # A day the order still follows is taken.
    plan = await record.adopt(
        "correctAdoptionPlanDate",
        plan,
        step="DECISION",
        happenedOn="2025-08-20",
        reason="The panel's minute",
    )
    # The order stands until revoked: a reversal after it began is real (the year-end
    # warnings name it), one dated before it began would leave it without a decision.
    plan = await record.adopt(
        "ceaseAdoptionPlan", plan, ceasedOn="2025-10-20", reason="RD1_CHILDS_NEEDS_CHANGED"
    )
    plan = await record.authorise_adoption(plan)
    earlier = await _correct_plan(
        client,
        record.worker,
        plan,
        step="REVERSAL",
        happenedOn="2025-08-31",
        reason="Typed wrong",
    )
    assert _refused(earlier) == (
        "happenedOn",
        f"the placement order (E1) from 2025-09-01: {RULE_553}",
    )
    assert [
        (row["decided"].isoformat(), row["ceased"].isoformat())
        for row in await store.read(PLAN_DATES, {"id": child})
    ] == [("2025-08-20", "2025-10-20")]
    out = tmp_path / "903"
    await write_ssda903(store, YEAR, out)
    report = dfe_rules("903", out, year=2026, prev=out / "previous")
    assert "554" not in unexplained_failures(report, out, out / "previous", YEAR.end)


async def test_a_placement_for_adoption_follows_a_decision_not_reversed_by_its_day(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    tmp_path: Path,
    dfe_rules: DfeRules,
) -> None:
    # Fuzz seed 125: a decision for adoption reversed, then the child placed with adopters
    # (A4), then a new decision: the placement came before the decision it stands on, and
    # the DfE's rule 552 (the decision on or before the placement) rejects the return. A
    # reversed decision is no decision: the placement is refused until a new one is made.
    record, children = await county_to_record_on(client, settings, store)
    child = children[0]
    await record.born(child, "2024-09-09", "M", allocated_from="2025-04-01", upn=False)
    await record.referred(child, "2025-04-01", "N1")
    care = await record.start(child, "2025-04-07", "V2", "U6")
    plan = await record.adoption(care, "2025-06-10")
    plan = await record.adopt(
        "ceaseAdoptionPlan", plan, ceasedOn="2025-07-01", reason="RD1_CHILDS_NEEDS_CHANGED"
    )
    await record.authorise_adoption(plan)
    care = (await graphql(client, record.worker, CARE, {"id": child}))["child"]["periodsOfCare"][0]
    moved = await act(client, record.worker, "changePlacement", care, _move("2025-08-04", "A4"))
    assert _refused(moved) == ("placementType", RULE_551)
    assert [row["place"] for row in await store.read(EPISODES, {"id": child})] == ["U6"]

    # Decided anew, the placement from then on is taken, and the return passes.
    await record.adoption(care, "2025-08-11")
    care = (await graphql(client, record.worker, CARE, {"id": child}))["child"]["periodsOfCare"][0]
    care = await record.move(care, "2025-08-18", "A4")
    out = tmp_path / "903"
    await write_ssda903(store, YEAR, out)
    report = dfe_rules("903", out, year=2026, prev=out / "previous")
    assert unexplained_failures(report, out, out / "previous", YEAR.end) == {}


async def test_a_placement_for_adoption_with_the_current_foster_carer_keeps_the_carer(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    tmp_path: Path,
    dfe_rules: DfeRules,
) -> None:
    # Fuzz seed 152: a move to A3 (placed for adoption with the current foster carer) as a
    # move to another carer (RNE P). The DfE's rule 217 takes A3 and A5 only with RNE S,
    # T or U: a move to the same carer, or a new legal status with the placement. So a
    # move to another carer, a new legal status alone (RNE L) while in A3, and a placement
    # corrected to A3 on an episode begun by such a move are refused.
    record, children = await county_to_record_on(client, settings, store)
    child = children[0]
    await record.born(child, "2024-09-09", "M", allocated_from="2025-04-01", upn=False)
    await record.referred(child, "2025-04-01", "N1")
    care = await record.start(child, "2025-04-07", "C2", "U4")
    await record.adoption(care, "2025-06-10")
    care = (await graphql(client, record.worker, CARE, {"id": child}))["child"]["periodsOfCare"][0]
    worker = record.worker
    moved = await act(client, worker, "changePlacement", care, _move("2025-07-01", "A3"))
    assert _refused(moved) == (
        "sameCarer",
        "a placement for adoption with the current foster carer (A3) is a move to the same"
        " carer (sameCarer; RNE T or U, SSDA903 rule 217)",
    )
    care = await record.move(care, "2025-07-07", "U6")
    corrected = await act(
        client,
        worker,
        "correctPlacement",
        care,
        {
            "placementType": code(codes.PlacementType, "A3"),
            "placementProvider": code(codes.PlacementProvider, "PR1"),
            "placementPostcode": PLACEMENT,
        },
    )
    assert _refused(corrected) == (
        "placementType",
        "a placement for adoption with the current foster carer (A3) begins with care, a move"
        " to the same carer or a new legal status with it (RNE S, T or U; SSDA903 rule 217):"
        " the episode from 2025-07-07 began with RNE P",
    )
    care = await record.move(care, "2025-07-14", "A3", sameCarer=True)
    status = await act(
        client,
        worker,
        "changeLegalStatus",
        care,
        {"changedOn": "2025-09-01", "legalStatus": code(codes.LegalStatus, "E1")},
    )
    assert _refused(status) == (
        "legalStatus",
        "the child is placed for adoption with the current foster carer (A3): a new legal"
        " status comes with the placement it brings, to the same carer (changePlacement"
        " with sameCarer; RNE U, SSDA903 rule 217)",
    )
    assert [row["place"] for row in await store.read(EPISODES, {"id": child})] == [
        "U4",
        "U6",
        "A3",
    ]
    # The placement order with the placement it brings (A5), the same carer: RNE U.
    care = await record.move(
        care, "2025-09-01", "A5", sameCarer=True, legalStatus="E1_PLACEMENT_ORDER"
    )
    out = tmp_path / "903"
    await write_ssda903(store, YEAR, out)
    assert rows_of(out, "episodes", child, "RNE", "LS", "PLACE") == [
        ("S", "C2", "U4"),
        ("P", "C2", "U6"),
        ("T", "C2", "A3"),
        ("U", "E1", "A5"),
    ]
    report = dfe_rules("903", out, year=2026, prev=out / "previous")
    assert unexplained_failures(report, out, out / "previous", YEAR.end) == {}
